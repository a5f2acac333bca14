// A section's options after validation against its declaration (engine/option_decl.hpp). Kernels
// and study sections read their settings through the typed getters and parse nothing themselves:
// every value was checked before any data was read, so a getter only fails on a programming error
// (a key the section kind did not declare: InternalError).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/option_decl.hpp"
#include "engine/option_values.hpp"
#include "formula/formula.hpp"

namespace kohort {

// A key's text as written, and the line of the file it was on (0: given with --set).
struct OptionValue {
    std::string text;
    std::int64_t line = 0;
};

class Options {
public:
    std::string name;     // NAME of [PREFIX.NAME] (model, cohort, ...); the prefix for [job]
    std::string kind;     // the declaration's name: the model kind, or "job", "cohort", ...
    std::string section;  // "model.cox1", "job"
    std::string file;     // the job file (or site configuration) the section came from

    // "job.ini [model.cox1]" for messages.
    std::string where() const { return file + " [" + section + "]"; }
    const SectionDecl& declaration() const;

    // True when the key was given with a non-empty value.
    bool has(const std::string& key) const;
    // The value as written, else the declared default, else "".
    std::string text(const std::string& key) const;
    std::int64_t integer(const std::string& key) const;
    double real(const std::string& key) const;
    bool flag(const std::string& key) const;
    std::string choice(const std::string& key) const;  // the canonical spelling of the declared choice
    std::string column(const std::string& key) const;
    std::vector<std::string> columns(const std::string& key) const;  // empty when not given
    Formula formula(const std::string& key) const;
    std::int32_t date(const std::string& key) const;  // days since 1970-01-01
    Window window(const std::string& key) const;
    // The line the key was on (0 when absent or from --set).
    std::int64_t line(const std::string& key) const;

    // The ModelSpec-style access that kernels used before declarations: the text as written, or
    // `fallback` when absent (not the declared default); require() throws when absent.
    std::string get(const std::string& key, const std::string& fallback = "") const;
    std::string require(const std::string& key) const;

    // Every given key (canonical names) and its value.
    const std::map<std::string, OptionValue>& values() const { return values_; }

    // Checks every key and value of a section against `decl`: an unknown key, a bad value or a
    // missing required key is a UsageError (exit 2) naming the file, the line, the key and, for an
    // unknown key, the closest declared one. `section_line` is the line of the [section] header.
    static Options validate(const SectionDecl& decl, const std::string& file, const std::string& section,
                            const std::map<std::string, OptionValue>& values, std::int64_t section_line = 0);

private:
    const OptionDecl& decl_of(const std::string& key) const;
    std::string value_of(const std::string& key, OptionType type) const;

    const SectionDecl* decl_ = nullptr;
    std::map<std::string, OptionValue> values_;
};

}  // namespace kohort
