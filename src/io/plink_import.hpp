// `kohort import --plink PREFIX`: a PLINK 1 fileset -> a genotype table (contract section 8).
// Everything is validated before the store is touched; the store is then updated atomically
// (update_store_atomically), so a bad fileset leaves it unchanged.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kohort::io {

struct PlinkImportOptions {
    std::string prefix;
    std::string table_name;
    std::string store_path;
    std::optional<std::string> key_file;  // set: IIDs are CPR numbers, pseudonymised under this key
    bool replace = false;
    std::int64_t block_variants = 512;
};

struct PlinkImportReport {
    std::int64_t samples = 0;
    std::int64_t variants = 0;
};

// The .fam IIDs as pids, in .fam order: CPR numbers keyed as the CSV import keys them (with a key
// file), else non-negative integers. Invalid or duplicate IIDs are InputErrors naming the line.
std::vector<std::int64_t> fam_pids(const std::string& fam_path, const std::optional<std::string>& key_file);

PlinkImportReport run_plink_import(const PlinkImportOptions& options);

}  // namespace kohort::io
