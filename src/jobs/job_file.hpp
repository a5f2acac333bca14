// Job files (contract section 4): INI read with Boost.Program_options. Every section is checked
// against its declaration (src/engine/option_decl.hpp) when the file is read, before any data.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/text.hpp"
#include "engine/options.hpp"

namespace kohort {

// One [model.NAME] section of a job file.
struct ModelSpec {
    std::string name;                           // NAME
    std::string kind;                           // kind = ...
    std::map<std::string, std::string> options; // every key of the section, including kind/table/formula
    std::string job_file;                       // for messages
    Options checked;                            // the same keys, validated against the kind's declaration

    // Value of an option, or `fallback` when absent.
    std::string get(const std::string& key, const std::string& fallback = "") const;
    // Value of a required option; throws UsageError naming the job file, section and key.
    std::string require(const std::string& key) const;
    // "job.ini [model.NAME]" for messages.
    std::string where() const;
};

struct JobFile {
    std::string path;                  // as given
    std::string directory;             // the job file's folder (store paths are relative to it)
    std::string name;
    std::string store;                 // resolved path
    std::string output;                // resolved path (relative to the working directory)
    std::string project;               // [job] project (audit, approvals); may be empty
    std::string purpose;               // [job] purpose (audit)
    std::string disclosure;            // [job] disclosure: a policy name that may only be stricter
    std::string perturbation;          // [job] perturbation: "cell_key" or "none" (empty: the site's)
    std::map<std::string, std::string> job_options;                 // all [job] keys
    std::vector<ModelSpec> models;                                  // in file order
    // Other sections (e.g. "cohort", "slurm", "variable.x"), key -> value, in file order.
    std::vector<std::pair<std::string, std::map<std::string, std::string>>> sections;
    // Every section but the models, validated against its declaration, by section name ("job",
    // "slurm", "cohort.study").
    std::map<std::string, Options> checked;
    std::string sha256;                // of the file bytes (audit)
};

// Reads and validates a job file. `overrides` are "section.key=value" strings from --set; they win.
// Throws InputError with file:line for malformed lines, unknown keys and bad values, UsageError for
// missing keys.
JobFile read_job_file(const std::string& path, const std::vector<std::string>& overrides = {});

// Where each key and section header of an INI text is: "section.key" (and "section") -> line.
using IniLines = std::map<std::string, std::int64_t>;

// Checks every line of an INI text (naming file:line:column on a malformed one), removes ';' and
// '#' comments, which Boost's parser only partly knows, and collects the section names and, when
// `lines` is given, the line of every key.
std::string normalise_ini(const std::string& text, const std::string& path, std::set<std::string>& section_names,
                          IniLines* lines = nullptr);

// An INI file read with Boost.Program_options: section -> key -> value and line, sections in order
// of first appearance. Keys may contain dots (iter.max): the section is the longest section name
// that prefixes the key. Used for job files and the site configuration.
struct IniFile {
    std::vector<std::string> order;
    std::map<std::string, std::map<std::string, OptionValue>> sections;
    IniLines lines;
    std::set<std::string> section_names;
};
IniFile read_ini(const std::string& text, const std::string& path, const std::string& what);

// The declarations of [job] and [slurm] (src/jobs/job_sections.cpp).
const SectionDecl& job_section_declaration();
const SectionDecl& slurm_section_declaration();

// Validates every section of a parsed job file against its declaration (section kinds from
// engine's registries). Called by read_job_file.
void validate_job_sections(JobFile& job, const IniFile& ini);

}  // namespace kohort
