#include "store/table.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace kohort {

std::string_view to_string(ColumnType t) {
    switch (t) {
        case ColumnType::Int64: return "int64";
        case ColumnType::Double: return "double";
        case ColumnType::Bool: return "bool";
        case ColumnType::Date: return "date";
        case ColumnType::Categorical: return "categorical";
    }
    return "?";
}

ColumnType column_type_from_string(std::string_view s) {
    if (s == "int64" || s == "int" || s == "integer") return ColumnType::Int64;
    if (s == "double" || s == "numeric" || s == "float") return ColumnType::Double;
    if (s == "bool" || s == "logical") return ColumnType::Bool;
    if (s == "date") return ColumnType::Date;
    if (s == "categorical" || s == "factor" || s == "string") return ColumnType::Categorical;
    throw UsageError("unknown column type '" + std::string(s) +
                     "'; expected one of int64, double, bool, date, categorical");
}

std::size_t Column::size() const {
    switch (type) {
        case ColumnType::Int64: return i64.size();
        case ColumnType::Double: return f64.size();
        case ColumnType::Bool: return i8.size();
        case ColumnType::Date:
        case ColumnType::Categorical: return i32.size();
    }
    return 0;
}

bool Column::missing(std::size_t i) const {
    return visit_values([i](const auto& buf, auto is_missing) { return is_missing(buf[i]); });
}

double Column::as_double(std::size_t i) const {
    if (missing(i)) return std::numeric_limits<double>::quiet_NaN();
    switch (type) {
        case ColumnType::Int64: return static_cast<double>(i64[i]);
        case ColumnType::Double: return f64[i];
        case ColumnType::Bool: return i8[i];
        case ColumnType::Date:
        case ColumnType::Categorical: return i32[i];
    }
    return std::numeric_limits<double>::quiet_NaN();
}

std::size_t Column::count_missing() const {
    return visit_values([](const auto& buf, auto is_missing) {
        std::size_t n = 0;
        for (const auto v : buf) n += is_missing(v) ? 1 : 0;
        return n;
    });
}

std::size_t Column::bytes_per_value() const {
    switch (type) {
        case ColumnType::Int64:
        case ColumnType::Double: return 8;
        case ColumnType::Bool: return 1;
        case ColumnType::Date:
        case ColumnType::Categorical: return 4;
    }
    return 8;
}


void Column::reserve(std::size_t n) {
    visit_buffer([n](auto& v) { v.reserve(n); });
}

void Column::resize(std::size_t n) {
    visit_buffer([n](auto& v) { v.resize(n); });
}

void Column::filter(const std::vector<std::uint8_t>& keep) {
    visit_buffer([&keep](auto& v) {
        std::size_t out = 0;
        for (std::size_t i = 0; i < v.size(); ++i)
            if (keep[i]) v[out++] = v[i];
        v.resize(out);
    });
}

void Column::permute(const std::vector<std::size_t>& perm) {
    visit_buffer([&perm](auto& v) {
        std::remove_reference_t<decltype(v)> out(perm.size());
        for (std::size_t i = 0; i < perm.size(); ++i) out[i] = v[perm[i]];
        v.swap(out);
    });
}

void Column::append_from(const Column& other, std::size_t i) {
    switch (type) {
        case ColumnType::Int64: i64.push_back(other.i64[i]); break;
        case ColumnType::Double: f64.push_back(other.f64[i]); break;
        case ColumnType::Bool: i8.push_back(other.i8[i]); break;
        case ColumnType::Date:
        case ColumnType::Categorical: i32.push_back(other.i32[i]); break;
    }
}

const Column* Table::find(std::string_view col) const {
    for (const auto& c : columns)
        if (c.name == col) return &c;
    return nullptr;
}

Column* Table::find(std::string_view col) {
    for (auto& c : columns)
        if (c.name == col) return &c;
    return nullptr;
}

const Column& Table::column(std::string_view col) const {
    if (const Column* c = find(col)) return *c;
    std::string have;
    for (const auto& c : columns) have += (have.empty() ? "" : ", ") + c.name;
    throw UsageError("table '" + name + "' has no column '" + std::string(col) + "'; its columns are: " + have);
}

Column& Table::column(std::string_view col) {
    return const_cast<Column&>(static_cast<const Table&>(*this).column(col));
}

Column& Table::add(Column c) {
    if (find(c.name)) throw UsageError("table '" + name + "' already has a column '" + c.name + "'");
    columns.push_back(std::move(c));
    return columns.back();
}

}  // namespace kohort
