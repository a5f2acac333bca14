// Declared options (contract section 4): every section kind of a job file, and the site
// configuration, says once which keys it takes, of which type, with which default and meaning.
// The same declarations validate job files before any data is read (engine/options.hpp), print
// `kohort kinds` (engine/kinds_text.hpp) and give the columns a model reads (engine/columns.hpp).
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace kohort {

enum class OptionType {
    string,    // free text (its accepted form, if any, in OptionDecl::format)
    column,    // one column name of the section's table
    columns,   // a comma-separated list of column names
    formula,   // an R-style model formula (docs/formulas.md)
    choice,    // one of a fixed set of words (case-insensitive)
    integer,   // a whole number within [lo, hi]
    real,      // a finite number within its range
    date,      // YYYY-MM-DD
    window,    // FROM, TO: whole days relative to an index date, or -inf / inf
    boolean,   // true | false (also yes/no, on/off, 1/0)
};

// Its name as `kohort kinds` prints it.
const char* to_string(OptionType type);

// One common ceiling for iteration counts of every kernel (cox iter.max, glm maxit, finegray
// maxiter), so a typo such as 1e9 cannot keep a job busy for days.
inline constexpr std::int64_t kIterationLimit = 100000;

struct OptionDecl {
    std::string name;
    OptionType type = OptionType::string;
    std::string meaning;                    // one line
    std::string default_value;              // a literal the typed getters use when absent; "" = none
    std::string default_note;               // shown instead when the default is computed (e.g. "all columns")
    bool required = false;
    std::vector<std::string> choices;       // OptionType::choice: the canonical spellings
    double lo = -std::numeric_limits<double>::infinity();
    double hi = std::numeric_limits<double>::infinity();
    bool lo_open = false, hi_open = false;  // (lo, hi) instead of [lo, hi]
    std::vector<std::string> aliases;       // other accepted spellings (conf.type for conf_type)
    std::string format;                     // OptionType::string: the accepted form, for messages
    bool reads_table = true;                // column types: a column of the section's `table`

    OptionDecl& req() { required = true; return *this; }
    OptionDecl& def(std::string v) { default_value = std::move(v); return *this; }
    OptionDecl& note(std::string v) { default_note = std::move(v); return *this; }
    OptionDecl& alias(std::string a) { aliases.push_back(std::move(a)); return *this; }
    OptionDecl& form(std::string f) { format = std::move(f); return *this; }
    OptionDecl& range(double l, double h) { lo = l; hi = h; return *this; }
    OptionDecl& above(double l) { lo = l; lo_open = true; return *this; }
    OptionDecl& open_range(double l, double h) { lo = l; hi = h; lo_open = hi_open = true; return *this; }
    OptionDecl& elsewhere() { reads_table = false; return *this; }  // a column of another table

    // What a value must look like, for messages and `kohort kinds`: "a whole number from 0 to 100000".
    std::string expected() const;
    // The default as printed: default_note, default_value, or "required" / "none".
    std::string default_text() const;
};

OptionDecl string_option(std::string name, std::string meaning);
OptionDecl column_option(std::string name, std::string meaning);
OptionDecl columns_option(std::string name, std::string meaning);
OptionDecl formula_option(std::string name, std::string meaning);
OptionDecl choice_option(std::string name, std::vector<std::string> choices, std::string meaning);
OptionDecl integer_option(std::string name, std::int64_t lo, std::int64_t hi, std::string meaning);
OptionDecl real_option(std::string name, std::string meaning);
OptionDecl date_option(std::string name, std::string meaning);
OptionDecl window_option(std::string name, std::string meaning);
OptionDecl bool_option(std::string name, std::string meaning);

// A key that a section kind refuses with a reason of its own (finegray: weights), rather than
// as an unknown key.
struct RefusedKey {
    std::string name;
    std::string reason;
};

// The declaration of one section kind: a model kind ("cox": [model.NAME] with kind = cox) or a
// section ("job": [job], "cohort": [cohort.NAME], "site": the site configuration).
struct SectionDecl {
    std::string name;                 // the kind or section prefix
    std::string header;               // how the section is written: "[model.NAME] kind = cox", "[job]"
    std::string summary;              // one line
    std::vector<OptionDecl> options;  // in the order `kohort kinds` prints them
    std::vector<RefusedKey> refused;
    // Columns of `table` the kind always reads, whatever its options say (gwas: pid, the join key).
    std::vector<std::string> key_columns;

    SectionDecl() = default;
    SectionDecl(std::string n, std::string h, std::string s)
        : name(std::move(n)), header(std::move(h)), summary(std::move(s)) {}
    SectionDecl& add(OptionDecl o) { options.push_back(std::move(o)); return *this; }
    SectionDecl& refuse(std::string key, std::string reason) {
        refused.push_back({std::move(key), std::move(reason)});
        return *this;
    }

    // The option called `key` or with `key` as an alias; nullptr when the key is not declared.
    const OptionDecl* find(const std::string& key) const;
    // Every declared name (not aliases).
    std::vector<std::string> names() const;
};

// The declared name closest to `key` by edit distance (aliases included, answered with their
// option's name), or "" when nothing is close enough to be a plausible typo.
std::string closest_key(const SectionDecl& decl, const std::string& key);
// Levenshtein distance, case-insensitive.
std::size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace kohort
