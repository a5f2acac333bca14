// In-memory columns and tables: one rank's share of a stored table.
// Missing values use per-type sentinels (documented in docs/format.md) so a column is one buffer
// on disk and in memory: int64 INT64_MIN, double NaN, bool -1, date INT32_MIN, categorical -1.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kohort {

enum class ColumnType : std::uint8_t { Int64, Double, Bool, Date, Categorical };

std::string_view to_string(ColumnType t);
ColumnType column_type_from_string(std::string_view s);  // throws UsageError on an unknown name

inline constexpr std::int64_t kMissingInt64 = std::numeric_limits<std::int64_t>::min();
inline constexpr std::int32_t kMissingDate = std::numeric_limits<std::int32_t>::min();
inline constexpr std::int32_t kMissingCode = -1;
inline constexpr std::int8_t kMissingBool = -1;

struct Column {
    std::string name;
    ColumnType type = ColumnType::Double;
    // Exactly one buffer is used, chosen by type:
    std::vector<std::int64_t> i64;  // Int64
    std::vector<double> f64;        // Double
    std::vector<std::int32_t> i32;  // Date (days since 1970-01-01), Categorical (code into dictionary)
    std::vector<std::int8_t> i8;    // Bool (0/1)
    std::vector<std::string> dictionary;  // Categorical level labels, code k -> dictionary[k]

    Column() = default;
    Column(std::string n, ColumnType t) : name(std::move(n)), type(t) {}

    std::size_t size() const;
    bool missing(std::size_t i) const;
    // Numeric view of a value: int, double, bool 0/1, date in days, categorical code. NaN if missing.
    double as_double(std::size_t i) const;
    std::size_t count_missing() const;
    std::size_t bytes_per_value() const;
    void reserve(std::size_t n);
    void resize(std::size_t n);
    // Keeps rows where keep[i] != 0, in order.
    void filter(const std::vector<std::uint8_t>& keep);
    // Reorders rows: new row i = old row perm[i].
    void permute(const std::vector<std::size_t>& perm);
    // Appends row `i` of `other` (same type; categorical dictionaries must be identical).
    void append_from(const Column& other, std::size_t i);

    // f(buffer) with the one buffer the type uses, so a loop over rows has no per-row type switch.
    template <typename F> decltype(auto) visit_buffer(F&& f) { return visit_buffer_of(*this, f); }
    template <typename F> decltype(auto) visit_buffer(F&& f) const { return visit_buffer_of(*this, f); }
    // f(buffer, is_missing), where is_missing(value) is the type's missing-value test.
    template <typename F> decltype(auto) visit_values(F&& f) const;

private:
    // The one type switch behind both visit_buffer overloads (Self: Column or const Column).
    template <typename Self, typename F> static decltype(auto) visit_buffer_of(Self& self, F& f);
};

template <typename Self, typename F>
decltype(auto) Column::visit_buffer_of(Self& self, F& f) {
    switch (self.type) {
        case ColumnType::Int64: return f(self.i64);
        case ColumnType::Double: return f(self.f64);
        case ColumnType::Bool: return f(self.i8);
        case ColumnType::Date:
        case ColumnType::Categorical: return f(self.i32);
    }
    throw std::logic_error("column '" + self.name + "' has an unknown type");
}

template <typename F>
decltype(auto) Column::visit_values(F&& f) const {
    switch (type) {
        case ColumnType::Int64: return f(i64, [](std::int64_t v) { return v == kMissingInt64; });
        case ColumnType::Double: return f(f64, [](double v) { return std::isnan(v); });
        case ColumnType::Bool: return f(i8, [](std::int8_t v) { return v == kMissingBool; });
        case ColumnType::Date: return f(i32, [](std::int32_t v) { return v == kMissingDate; });
        case ColumnType::Categorical: return f(i32, [](std::int32_t v) { return v == kMissingCode; });
    }
    throw std::logic_error("column '" + name + "' has an unknown type");
}

struct Table {
    std::string name;
    std::vector<Column> columns;
    // True when rows are sorted by the `pid` column and split across ranks by pid bucket.
    bool partitioned_by_pid = false;

    std::size_t rows() const { return columns.empty() ? 0 : columns.front().size(); }
    const Column* find(std::string_view col) const;
    Column* find(std::string_view col);
    // Throws UsageError naming the table, the column and the columns that do exist.
    const Column& column(std::string_view col) const;
    Column& column(std::string_view col);
    Column& add(Column c);
};

}  // namespace kohort
