#include "io/column_builder.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "io/date.hpp"
#include "io/values.hpp"

namespace kohort::io {

namespace {

enum : unsigned { kBool = 1, kInt = 2, kDouble = 4, kDate = 8, kAll = 15 };

// Integers beyond 2^53 are not exact as doubles, so a column mixing them with decimals is text.
constexpr std::int64_t kExactDoubleInt = std::int64_t{1} << 53;

const char* mask_name(unsigned m) {
    if (m & kBool) return "bool";
    if (m & kInt) return "int64";
    if (m & kDouble) return "double";
    if (m & kDate) return "date";
    return "categorical";
}

std::string expected_text(ColumnType t, char decimal) {
    switch (t) {
        case ColumnType::Bool: return "a bool (TRUE, FALSE, true or false)";
        case ColumnType::Int64: return "an int64 (a whole number)";
        case ColumnType::Double:
            return decimal == '.' ? "a double (a number with '.' as decimal separator)"
                                  : "a double (a number with ',' as decimal separator)";
        case ColumnType::Date: return "a date (YYYY-MM-DD)";
        case ColumnType::Categorical: return "a categorical value";
    }
    return "?";
}

ValueError type_error(std::size_t row, const std::string& name, std::string_view v, ColumnType t, char decimal) {
    return {row, "column '" + name + "': found " + describe_value_kind(v, decimal) + "; expected " +
                     expected_text(t, decimal)};
}

// Fills `buf` with the values: `missing` for a missing token, else parse(text, value), which is
// false when the text is not of the column's type. Returns the first row that is not, or n.
template <typename T, typename Parse>
std::size_t parse_values(const std::vector<std::string_view>& values, std::vector<T>& buf, T missing, Parse&& parse) {
    buf.resize(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (is_missing_token(values[i]))
            buf[i] = missing;
        else if (!parse(values[i], buf[i]))
            return i;
    }
    return values.size();
}

void build_categorical(Column& c, const std::vector<std::string_view>& values) {
    std::unordered_map<std::string_view, std::int32_t> codes;
    std::vector<std::string_view> levels;
    c.i32.resize(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        const std::string_view v = values[i];
        if (is_missing_token(v)) {
            c.i32[i] = kMissingCode;
            continue;
        }
        auto [it, fresh] = codes.emplace(v, static_cast<std::int32_t>(levels.size()));
        if (fresh) levels.push_back(v);
        c.i32[i] = it->second;
    }
    // Codes in lexicographic (byte) order of the labels, so the same data always gets the same codes.
    std::vector<std::int32_t> order(levels.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = static_cast<std::int32_t>(k);
    std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) { return levels[a] < levels[b]; });
    std::vector<std::int32_t> new_code(levels.size());
    c.dictionary.reserve(levels.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
        new_code[order[k]] = static_cast<std::int32_t>(k);
        c.dictionary.emplace_back(levels[order[k]]);
    }
    for (auto& code : c.i32)
        if (code != kMissingCode) code = new_code[code];
}

}  // namespace

ColumnType infer_column_type(const std::vector<std::string_view>& values, char decimal,
                             std::optional<std::size_t>* broken_at_row, std::string* broken_type) {
    unsigned mask = kAll;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const std::string_view v = values[i];
        if (is_missing_token(v)) continue;
        unsigned fits = 0;
        if ((mask & kBool) && parse_bool(v) >= 0) fits |= kBool;
        if (mask & (kInt | kDouble)) {
            std::int64_t iv = 0;
            double dv = 0;
            if (parse_int64(v, iv)) {
                fits |= kInt;
                if (iv <= kExactDoubleInt && iv >= -kExactDoubleInt) fits |= kDouble;
            } else if ((mask & kDouble) && parse_double(v, decimal, dv)) {
                fits |= kDouble;
            }
        }
        if (mask & kDate) {
            std::int32_t days = 0;
            // An impossible date (2021-02-30) still counts as date-shaped here; the conversion
            // then reports it rather than silently making the column text.
            if (parse_iso_date(v, days) != DateParse::not_date_shaped) fits |= kDate;
        }
        if ((mask & fits) == 0) {
            if (mask != kAll) {
                if (broken_at_row) *broken_at_row = i;
                if (broken_type) *broken_type = mask_name(mask);
            }
            return ColumnType::Categorical;
        }
        mask &= fits;
    }
    if (mask & kBool) return ColumnType::Bool;  // includes an all-missing column
    if (mask & kInt) return ColumnType::Int64;
    if (mask & kDouble) return ColumnType::Double;
    return ColumnType::Date;
}

BuiltColumn build_column(const std::string& name, const std::vector<std::string_view>& values,
                         std::optional<ColumnType> forced, char decimal) {
    BuiltColumn out;
    out.inferred = !forced.has_value();
    const ColumnType type =
        forced ? *forced : infer_column_type(values, decimal, &out.broken_at_row, &out.broken_type);
    const bool lenient = forced.has_value();
    Column& c = out.column;
    c.name = name;
    c.type = type;
    const std::size_t n = values.size();
    std::size_t bad = n;  // the first row that is not of `type`
    switch (type) {
        case ColumnType::Bool:
            bad = parse_values(values, c.i8, kMissingBool, [](std::string_view v, std::int8_t& x) {
                const int b = parse_bool(v);
                if (b < 0) return false;
                x = static_cast<std::int8_t>(b);
                return true;
            });
            break;
        case ColumnType::Int64:
            bad = parse_values(values, c.i64, kMissingInt64,
                               [&](std::string_view v, std::int64_t& x) { return parse_int64(v, x, lenient); });
            break;
        case ColumnType::Double:
            bad = parse_values(values, c.f64, std::nan(""),
                               [&](std::string_view v, double& x) { return parse_double(v, decimal, x, lenient); });
            break;
        case ColumnType::Date:
            bad = parse_values(values, c.i32, kMissingDate,
                               [](std::string_view v, std::int32_t& x) { return parse_iso_date(v, x) == DateParse::ok; });
            break;
        case ColumnType::Categorical: build_categorical(c, values); break;
    }
    if (bad < n) out.error = type_error(bad, name, values[bad], type, decimal);
    return out;
}

}  // namespace kohort::io
