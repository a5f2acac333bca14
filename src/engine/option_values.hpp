// Reading option values of each declared type. The validator (options.cpp) and the typed getters
// use the same functions, so a value that passed validation always reads back the same way.
#pragma once
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "engine/option_decl.hpp"

namespace kohort {

// Window bounds for -inf / inf (days): far outside any date a register holds, and safe to add
// a date to without overflow.
inline constexpr std::int64_t kMinusInfinity = std::numeric_limits<std::int32_t>::min() / 2;
inline constexpr std::int64_t kPlusInfinity = std::numeric_limits<std::int32_t>::max() / 2;

struct Window {
    std::int64_t from = kMinusInfinity, to = kPlusInfinity;  // days relative to the index date, inclusive
};

// Each returns nothing when the text is not of the type's form.
std::optional<std::int64_t> parse_integer_value(const std::string& text);
std::optional<double> parse_real_value(const std::string& text);
std::optional<bool> parse_bool_value(const std::string& text);
std::optional<std::int32_t> parse_date_text(const std::string& text);     // YYYY-MM-DD -> days since 1970
std::optional<std::int64_t> parse_day_bound(const std::string& text);     // whole days, -inf or inf
std::optional<Window> parse_window_value(const std::string& text);        // "FROM, TO" with FROM <= TO
// The canonical spelling of `text` among decl.choices (case-insensitive).
std::optional<std::string> match_choice(const OptionDecl& decl, const std::string& text);

// "" when `text` is a valid value for `decl`; otherwise why not (e.g. the formula parser's message
// with its caret, or "expected a whole number from 0 to 100000").
std::string value_problem(const OptionDecl& decl, const std::string& text);

}  // namespace kohort
