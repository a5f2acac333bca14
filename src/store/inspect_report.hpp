// What `kohort inspect` shows: table metadata only (rows, partitioning, column types, missing
// counts, dictionary sizes). It never holds a row value or a dictionary label, so the report is
// safe to print for sensitive stores.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace kohort {

struct StoreReport {
    std::string path;
    std::vector<TableInfo> tables;
};

// All tables, or just `table` (UsageError naming the existing tables when it is absent).
StoreReport inspect_store(const Store& store, const std::optional<std::string>& table = std::nullopt);
// `kohort inspect --check`: reads every value of the report's tables, one column at a time, so the
// checks on read (store_checks.hpp: codes within dictionaries, bools, pid order and buckets) run
// over the whole store. Throws BadStoreError (exit 2) at the first violation; prints nothing.
void check_store_values(const Store& store, const StoreReport& report);
std::string render_report_text(const StoreReport& report);
nlohmann::json render_report_json(const StoreReport& report);

}  // namespace kohort
