#include "io/values.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "io/date.hpp"

namespace kohort::io {

namespace {
inline bool digit(char c) { return c >= '0' && c <= '9'; }

// True when the integer part (after an optional '-') starts with '0' followed by another digit.
inline bool has_leading_zero(std::string_view s) {
    std::size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
    return s.size() > i + 1 && s[i] == '0' && digit(s[i + 1]);
}
}  // namespace

int parse_bool(std::string_view s) {
    if (s == "TRUE" || s == "true") return 1;
    if (s == "FALSE" || s == "false") return 0;
    return -1;
}

bool parse_int64(std::string_view s, std::int64_t& out, bool allow_leading_zeros) {
    if (s.empty() || (!allow_leading_zeros && has_leading_zero(s))) return false;
    const char* b = s.data();
    const char* e = b + s.size();
    auto [p, ec] = std::from_chars(b, e, out);
    return ec == std::errc() && p == e && out != std::numeric_limits<std::int64_t>::min();
}

bool parse_double(std::string_view s, char decimal, double& out, bool allow_leading_zeros) {
    if (s.empty()) return false;
    if (s == "Inf" || s == "inf") {
        out = std::numeric_limits<double>::infinity();
        return true;
    }
    if (s == "-Inf" || s == "-inf") {
        out = -std::numeric_limits<double>::infinity();
        return true;
    }
    if (s == "NaN") {
        out = std::numeric_limits<double>::quiet_NaN();
        return true;
    }
    // from_chars would also accept "infinity", "nan(...)" and other spellings; allow only the plain
    // decimal grammar: -?digits[.digits][e[+-]digits] with at least one digit in the mantissa.
    std::size_t i = 0;
    const std::size_t n = s.size();
    if (s[i] == '-') ++i;
    std::size_t mant_digits = 0;
    while (i < n && digit(s[i])) ++i, ++mant_digits;
    if (i < n && s[i] == decimal) {
        ++i;
        while (i < n && digit(s[i])) ++i, ++mant_digits;
    }
    if (mant_digits == 0) return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
        std::size_t exp_digits = 0;
        while (i < n && digit(s[i])) ++i, ++exp_digits;
        if (exp_digits == 0) return false;
    }
    if (i != n || (!allow_leading_zeros && has_leading_zero(s))) return false;

    if (decimal == '.') {
        auto [p, ec] = std::from_chars(s.data(), s.data() + n, out);
        return ec == std::errc() && p == s.data() + n;
    }
    // Danish decimals: copy to a stack buffer with '.' as the separator (no heap allocation).
    char buf[128];
    if (n >= sizeof buf) return false;
    for (std::size_t k = 0; k < n; ++k) buf[k] = s[k] == decimal ? '.' : s[k];
    auto [p, ec] = std::from_chars(buf, buf + n, out);
    return ec == std::errc() && p == buf + n;
}

std::string describe_value_kind(std::string_view s, char decimal) {
    if (is_missing_token(s)) return "a missing value";
    if (parse_bool(s) >= 0) return "a true/false value";
    std::int64_t i = 0;
    if (parse_int64(s, i)) return "an integer";
    double d = 0;
    if (parse_double(s, decimal, d)) return "a decimal number";
    const char other = decimal == '.' ? ',' : '.';
    if (parse_double(s, other, d))
        return decimal == '.' ? "a number with a decimal comma (use --decimal , for Danish decimals)"
                              : "a number with a decimal point (the file is read with --decimal ,)";
    std::int32_t days = 0;
    switch (parse_iso_date(s, days)) {
        case DateParse::ok: return "a date";
        case DateParse::impossible_date: return "an impossible date (month or day out of range)";
        case DateParse::not_date_shaped: break;
    }
    bool digits_only = true;
    for (char c : s) digits_only = digits_only && digit(c);
    if (digits_only) return "a number with leading zeros (kept as text)";
    return "text";
}

}  // namespace kohort::io
