#include "store/inspect_report.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace kohort {

namespace {

std::string human_bytes(std::int64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        ++u;
    }
    return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, units[u]);
}

// 1234567 -> "1,234,567": row counts are easier to read grouped.
std::string grouped(std::int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

}  // namespace

StoreReport inspect_store(const Store& store, const std::optional<std::string>& table) {
    StoreReport r;
    r.path = store.path();
    if (table) {
        r.tables.push_back(store.info(*table));
        return r;
    }
    for (const auto& name : store.table_names()) r.tables.push_back(store.info(name));
    return r;
}

void check_store_values(const Store& store, const StoreReport& report) {
    for (const TableInfo& t : report.tables)
        for (const ColumnInfo& c : t.columns) {
            // The pid column comes along with every column of a pid table, so its order is checked once
            // per column read; reading one column at a time bounds memory by the largest column.
            std::vector<std::string> cols{c.name};
            if (t.partitioned_by_pid && c.name != "pid") cols.push_back("pid");
            (void)store.read_all(t.name, cols);
        }
}

std::string render_report_text(const StoreReport& report) {
    std::string out = fmt::format("Store {}: {} table{}\n", report.path, report.tables.size(),
                                  report.tables.size() == 1 ? "" : "s");
    for (const auto& t : report.tables) {
        if (t.variants >= 0) {
            // A genotype table: its shape, never a call or a sample id.
            out += fmt::format("\nTable {}: genotypes, {} samples x {} variants, partitioned by pid, "
                               "2-bit hard calls, {} on disk\n",
                               t.name, grouped(t.rows), grouped(t.variants), human_bytes(t.bytes));
            continue;
        }
        out += fmt::format("\nTable {}: {} rows, {}, {} columns, {} on disk\n", t.name, grouped(t.rows),
                           t.partitioned_by_pid ? "partitioned by pid" : "not partitioned", t.columns.size(),
                           human_bytes(t.bytes));
        std::size_t width = std::string("column").size();
        for (const auto& c : t.columns) width = std::max(width, c.name.size());
        out += fmt::format("  {:<{}}  {:<11}  {:>13}  {:>8}  {}\n", "column", width, "type", "missing", "missing%",
                           "levels");
        for (const auto& c : t.columns) {
            const double pct = t.rows > 0 ? 100.0 * static_cast<double>(c.missing) / static_cast<double>(t.rows) : 0.0;
            std::string line = fmt::format("  {:<{}}  {:<11}  {:>13}  {:>7.1f}%  {}", c.name, width,
                                           to_string(c.type), grouped(c.missing), pct,
                                           c.type == ColumnType::Categorical ? std::to_string(c.dictionary_size) : "");
            while (!line.empty() && line.back() == ' ') line.pop_back();
            out += line + "\n";
        }
    }
    return out;
}

nlohmann::json render_report_json(const StoreReport& report) {
    nlohmann::json tables = nlohmann::json::array();
    for (const auto& t : report.tables) {
        nlohmann::json cols = nlohmann::json::array();
        for (const auto& c : t.columns) {
            nlohmann::json jc = {{"name", c.name}, {"type", std::string(to_string(c.type))}, {"missing", c.missing}};
            if (c.type == ColumnType::Categorical) jc["levels"] = c.dictionary_size;
            cols.push_back(std::move(jc));
        }
        tables.push_back({{"name", t.name},
                          {"rows", t.rows},
                          {"partitioning", t.partitioned_by_pid ? "pid" : "none"},
                          {"bytes", t.bytes},
                          {"columns", std::move(cols)}});
        if (t.variants >= 0) {
            tables.back()["kind"] = "genotypes";
            tables.back()["samples"] = t.rows;
            tables.back()["variants"] = t.variants;
        }
    }
    return {{"store", report.path}, {"tables", std::move(tables)}};
}

}  // namespace kohort
