// `kohort import`: CSV -> validated, typed (optionally pseudonymised) Table -> store, atomically.
// The user-facing rules are in docs/import.md.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/store.hpp"
#include "store/table.hpp"

namespace kohort::io {

struct ImportOptions {
    std::string csv_path;
    std::string table_name;
    std::string store_path;
    char delimiter = 0;  // 0: detect
    char decimal = '.';
    std::optional<std::string> schema_path;
    std::optional<std::string> pseudonymise_column;
    std::optional<std::string> key_file;
    bool replace = false;
};

struct ImportedColumn {
    std::string name;
    ColumnType type;
    std::int64_t missing = 0;
    std::int64_t levels = 0;    // categorical only
    bool from_schema = false;
    bool pseudonymised = false;  // the pid made from the CPR column
    std::string note;            // why an inferred column became categorical (no data values)
};

struct ImportReport {
    std::int64_t rows = 0;
    char delimiter = ',';
    std::int64_t bytes = 0;
    std::vector<ImportedColumn> columns;
};

// Checks option combinations and the table name (UsageError).
void validate_import_options(const ImportOptions& options);

// Reads the key, schema and CSV and builds the table, validating everything. Touches no store.
Table build_import_table(const ImportOptions& options, ImportReport* report = nullptr);

// Throws UsageError if `store_path` exists and already holds `table_name` and !replace.
void check_table_slot(const std::string& store_path, const std::string& table_name, bool replace);

// Writes `table` into a copy of the store (or a new store) at STORE.tmp-<pid>, then renames it over
// STORE. On any failure the temporary file is removed and STORE is left as it was.
void write_table_atomically(const std::string& store_path, const Table& table, bool replace);

// Copies the store (or creates a new one) at STORE.tmp-<pid>, lets `write` add to it, then renames
// it over STORE, durably. On any failure the temporary file is removed and STORE is left as it was.
void update_store_atomically(const std::string& store_path, const std::function<void(Store&)>& write);

// The whole command on one process: validate, build, write.
ImportReport run_import(const ImportOptions& options);

// "name  type  missing ..." lines for the command's summary (metadata only, never values).
std::string format_import_report(const ImportOptions& options, const ImportReport& report);

}  // namespace kohort::io
