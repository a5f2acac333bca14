// The released files as the page's sections read them: the raw files, results.json and
// disclosure.json parsed (tolerantly: a file that does not parse is noted, not fatal).
#pragma once
#include <string>
#include <vector>

#include "report/html.hpp"
#include "report/report.hpp"

namespace kohort::report {

struct Released {
    const FileMap& files;
    json results;                    // {} when absent or unreadable
    json disclosure;                 // null when disclosure.json is absent or unreadable
    std::vector<std::string> notes;  // what could not be read, shown on the page
    std::string audit_record_sha256;  // the job's audit record hash; "" when the page names none

    explicit Released(const FileMap& f);
    const std::string* file(const std::string& name) const;  // null when not released
    const json& models() const { return field(results, "models"); }
    // The released files a model wrote (NAME.csv, NAME.svg, NAME.tsv, NAME_manhattan.svg, NAME_qq.svg).
    std::vector<std::string> model_files(const std::string& model) const;
    // disclosure.json's entries for one model, as a list of objects (tolerant of its shape).
    std::vector<json> disclosure_entries(const std::string& model) const;
};

// The page's sections (each returns HTML; empty when the job released nothing for it).
std::string header_section(const Released& r);
std::string flow_section(const Released& r);
std::string model_section(const Released& r, const std::string& name, const json& model);
std::string checker_section(const Released& r);
std::string log_section(const Released& r);

// Pieces the model section shares with the GWAS one.
std::string estimates_table(const std::string& name, const json& model);
std::string gwas_parts(const Released& r, const std::string& name, const json& model);
std::string risk_tables(const std::string& name, const json& model);
std::string csv_table(const Released& r, const std::string& file, std::size_t max_rows);

}  // namespace kohort::report
