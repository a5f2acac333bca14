// Job files (contract section 4): INI read with Boost.Program_options.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "kernels/kernel.hpp"

namespace kohort {

struct JobFile {
    std::string path;                  // as given
    std::string directory;             // the job file's folder (store paths are relative to it)
    std::string name;
    std::string store;                 // resolved path
    std::string output;                // resolved path (relative to the working directory)
    std::string project;               // [job] project (audit, approvals); may be empty
    std::string purpose;               // [job] purpose (audit)
    std::string disclosure;            // [job] disclosure: a policy name that may only be stricter
    std::map<std::string, std::string> job_options;                 // all [job] keys
    std::vector<ModelSpec> models;                                  // in file order
    // Other sections (e.g. "cohort", "slurm", "variable.x"), key -> value, in file order.
    std::vector<std::pair<std::string, std::map<std::string, std::string>>> sections;
    std::string sha256;                // of the file bytes (audit)
};

// Reads and validates a job file. `overrides` are "section.key=value" strings from --set; they win.
// Throws InputError with file:line for malformed lines, UsageError for missing keys.
JobFile read_job_file(const std::string& path, const std::vector<std::string>& overrides = {});

// Checks every line of an INI text (naming file:line:column on a malformed one), removes ';' and
// '#' comments, which Boost's parser only partly knows, and collects the section names.
std::string normalise_ini(const std::string& text, const std::string& path, std::set<std::string>& section_names);

// Splits "a, b ,c" into {"a","b","c"}; empty items are dropped.
std::vector<std::string> split_list(const std::string& s, char sep = ',');
std::string trim(const std::string& s);

}  // namespace kohort
