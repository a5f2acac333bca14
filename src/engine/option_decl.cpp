#include "engine/option_decl.hpp"

#include <cmath>
#include <cstdio>

#include "core/text.hpp"

namespace kohort {

const char* to_string(OptionType type) {
    switch (type) {
        case OptionType::string: return "string";
        case OptionType::column: return "column";
        case OptionType::columns: return "column list";
        case OptionType::formula: return "formula";
        case OptionType::choice: return "enum";
        case OptionType::integer: return "integer";
        case OptionType::real: return "real";
        case OptionType::date: return "date";
        case OptionType::window: return "window";
        case OptionType::boolean: return "bool";
    }
    return "string";
}

namespace {

std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

// "from 0 to 100000", "above 0", "between 0 and 1 (exclusive)", or "" when unbounded.
std::string range_text(const OptionDecl& d) {
    const bool has_lo = std::isfinite(d.lo), has_hi = std::isfinite(d.hi);
    if (has_lo && has_hi) {
        if (d.lo_open && d.hi_open) return " between " + number_text(d.lo) + " and " + number_text(d.hi) + " (exclusive)";
        return " from " + number_text(d.lo) + " to " + number_text(d.hi);
    }
    if (has_lo) return (d.lo_open ? " above " : " of at least ") + number_text(d.lo);
    if (has_hi) return (d.hi_open ? " below " : " of at most ") + number_text(d.hi);
    return "";
}

OptionDecl make(std::string name, OptionType type, std::string meaning) {
    OptionDecl d;
    d.name = std::move(name);
    d.type = type;
    d.meaning = std::move(meaning);
    return d;
}

}  // namespace

std::string OptionDecl::expected() const {
    switch (type) {
        case OptionType::string: return format.empty() ? "text" : format;
        case OptionType::column: return "a column name";
        case OptionType::columns: return "one or more column names separated by commas";
        case OptionType::formula: return format.empty() ? "a formula such as y ~ x (docs/formulas.md)" : format;
        case OptionType::choice: return join_words(choices, "or");
        case OptionType::integer: return "a whole number" + range_text(*this);
        case OptionType::real: return "a number" + range_text(*this);
        case OptionType::date: return "a date YYYY-MM-DD";
        case OptionType::window:
            return "FROM, TO in whole days relative to the index date (FROM <= TO; -inf and inf allowed)";
        case OptionType::boolean: return "true or false";
    }
    return "text";
}

std::string OptionDecl::default_text() const {
    if (!default_note.empty()) return default_note;
    if (!default_value.empty()) return default_value;
    return required ? "required" : "none";
}

OptionDecl string_option(std::string n, std::string m) { return make(std::move(n), OptionType::string, std::move(m)); }
OptionDecl column_option(std::string n, std::string m) { return make(std::move(n), OptionType::column, std::move(m)); }
OptionDecl columns_option(std::string n, std::string m) { return make(std::move(n), OptionType::columns, std::move(m)); }
OptionDecl formula_option(std::string n, std::string m) { return make(std::move(n), OptionType::formula, std::move(m)); }
OptionDecl date_option(std::string n, std::string m) { return make(std::move(n), OptionType::date, std::move(m)); }
OptionDecl window_option(std::string n, std::string m) { return make(std::move(n), OptionType::window, std::move(m)); }
OptionDecl bool_option(std::string n, std::string m) { return make(std::move(n), OptionType::boolean, std::move(m)); }
OptionDecl real_option(std::string n, std::string m) { return make(std::move(n), OptionType::real, std::move(m)); }

OptionDecl choice_option(std::string n, std::vector<std::string> choices, std::string m) {
    OptionDecl d = make(std::move(n), OptionType::choice, std::move(m));
    d.choices = std::move(choices);
    return d;
}

OptionDecl integer_option(std::string n, std::int64_t lo, std::int64_t hi, std::string m) {
    OptionDecl d = make(std::move(n), OptionType::integer, std::move(m));
    d.lo = static_cast<double>(lo);
    d.hi = static_cast<double>(hi);
    return d;
}

const OptionDecl* SectionDecl::find(const std::string& key) const {
    for (const auto& o : options) {
        if (o.name == key) return &o;
        for (const auto& a : o.aliases)
            if (a == key) return &o;
    }
    return nullptr;
}

std::vector<std::string> SectionDecl::names() const {
    std::vector<std::string> out;
    for (const auto& o : options) out.push_back(o.name);
    return out;
}

std::size_t edit_distance(const std::string& a0, const std::string& b0) {
    const std::string a = lower(a0), b = lower(b0);
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

std::string closest_key(const SectionDecl& decl, const std::string& key) {
    std::string best;
    std::size_t best_d = std::string::npos;
    auto consider = [&](const std::string& candidate, const std::string& answer) {
        const std::size_t d = edit_distance(key, candidate);
        if (d < best_d) {
            best_d = d;
            best = answer;
        }
    };
    for (const auto& o : decl.options) {
        consider(o.name, o.name);
        for (const auto& a : o.aliases) consider(a, o.name);
    }
    for (const auto& r : decl.refused) consider(r.name, r.name);
    // A typo changes a few letters; beyond about a third of the word it is another word.
    const std::size_t limit = std::max<std::size_t>(2, (key.size() + 2) / 3);
    return best_d <= limit ? best : "";
}

}  // namespace kohort
