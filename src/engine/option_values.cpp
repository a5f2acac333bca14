#include "engine/option_values.hpp"

#include <cmath>

#include "core/text.hpp"
#include "formula/formula.hpp"
#include "io/date.hpp"

namespace kohort {

std::optional<std::int64_t> parse_integer_value(const std::string& text) {
    const std::string t = trim(text);
    try {
        std::size_t used = 0;
        const long long v = std::stoll(t, &used);
        if (used == t.size()) return v;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

std::optional<double> parse_real_value(const std::string& text) {
    const std::string t = trim(text);
    try {
        std::size_t used = 0;
        const double v = std::stod(t, &used);
        if (used == t.size() && std::isfinite(v)) return v;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

std::optional<bool> parse_bool_value(const std::string& text) {
    const std::string t = lower(trim(text));
    if (t == "true" || t == "yes" || t == "1" || t == "on") return true;
    if (t == "false" || t == "no" || t == "0" || t == "off") return false;
    return std::nullopt;
}

std::optional<std::int32_t> parse_date_text(const std::string& text) {
    std::int32_t days = 0;
    if (io::parse_iso_date(trim(text), days) != io::DateParse::ok) return std::nullopt;
    return days;
}

std::optional<std::int64_t> parse_day_bound(const std::string& text) {
    const std::string t = lower(trim(text));
    if (t == "inf" || t == "+inf") return kPlusInfinity;
    if (t == "-inf") return kMinusInfinity;
    const auto v = parse_integer_value(t);
    if (v && std::llabs(*v) < kPlusInfinity) return v;
    return std::nullopt;
}

std::optional<Window> parse_window_value(const std::string& text) {
    const auto parts = split_list(text);
    if (parts.size() != 2) return std::nullopt;
    const auto from = parse_day_bound(parts[0]), to = parse_day_bound(parts[1]);
    if (!from || !to || *to < *from) return std::nullopt;
    return Window{*from, *to};
}

std::optional<std::string> match_choice(const OptionDecl& decl, const std::string& text) {
    const std::string t = lower(trim(text));
    for (const auto& c : decl.choices)
        if (lower(c) == t) return c;
    return std::nullopt;
}

namespace {

bool in_range(const OptionDecl& d, double v) {
    if (d.lo_open ? !(v > d.lo) : !(v >= d.lo)) return false;
    if (d.hi_open ? !(v < d.hi) : !(v <= d.hi)) return false;
    return true;
}

bool plain_name(const std::string& s) {
    return !s.empty() && s.find_first_of(",=()~ \t") == std::string::npos;
}

}  // namespace

std::string value_problem(const OptionDecl& d, const std::string& text) {
    switch (d.type) {
        case OptionType::string:
            return "";
        case OptionType::column:
            return plain_name(trim(text)) ? "" : "expected " + d.expected();
        case OptionType::columns: {
            const auto items = split_list(text);
            if (items.empty()) return "expected " + d.expected();
            for (const auto& c : items)
                if (!plain_name(c)) return "'" + c + "' is not a column name; expected " + d.expected();
            return "";
        }
        case OptionType::formula:
            try {
                parse_formula(text);
                return "";
            } catch (const UsageError& e) {
                return e.what();
            }
        case OptionType::choice:
            return match_choice(d, text) ? "" : "expected " + d.expected();
        case OptionType::integer: {
            const auto v = parse_integer_value(text);
            return v && in_range(d, static_cast<double>(*v)) ? "" : "expected " + d.expected();
        }
        case OptionType::real: {
            const auto v = parse_real_value(text);
            return v && in_range(d, *v) ? "" : "expected " + d.expected();
        }
        case OptionType::date:
            return parse_date_text(text) ? "" : "expected " + d.expected();
        case OptionType::window: {
            const auto parts = split_list(text);
            if (parts.size() == 2 && parse_day_bound(parts[0]) && parse_day_bound(parts[1]) &&
                *parse_day_bound(parts[1]) < *parse_day_bound(parts[0]))
                return "ends before it starts; expected " + d.expected();
            return parse_window_value(text) ? "" : "expected " + d.expected();
        }
        case OptionType::boolean:
            return parse_bool_value(text) ? "" : "expected " + d.expected();
    }
    return "";
}

}  // namespace kohort
