#include "cli/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "core/error.hpp"
#include "engine/columns.hpp"
#include "formula/formula.hpp"
#include "jobs/job_file.hpp"
#include "store/store.hpp"

namespace kohort::cli {

namespace {

std::int64_t value_bytes(ColumnType t) { return static_cast<std::int64_t>(Column("", t).bytes_per_value()); }

// A factor of a numeric column has as many levels as distinct values, which metadata does not
// tell; this many is assumed and the report says so.
constexpr std::int64_t kAssumedNumericFactorLevels = 10;
// Per row, a model frame holds its design row plus about eight vectors (response, time, status,
// weights, offset, strata, linear predictor, work), all doubles or wider (model_frame.hpp).
constexpr std::int64_t kFrameVectors = 8;

// Design columns p of a formula: a numeric variable is one column, a factor its levels minus the
// reference, an interaction the product of its parts; glm adds the intercept.
std::int64_t design_columns(const Formula& f, const TableInfo* info, bool glm, bool& assumed_levels) {
    auto levels_of = [&](const Variable& v) -> std::int64_t {
        const ColumnInfo* c = nullptr;
        if (info)
            for (const auto& ci : info->columns)
                if (ci.name == v.column) c = &ci;
        if (c && c->type == ColumnType::Categorical) return std::max<std::int64_t>(1, c->dictionary_size - 1);
        if (c && c->type == ColumnType::Bool) return 1;
        if (v.as_factor) {
            assumed_levels = true;
            return kAssumedNumericFactorLevels - 1;
        }
        return 1;
    };
    std::int64_t p = (glm && f.intercept) ? 1 : 0;
    for (const auto& t : f.terms) {
        std::int64_t k = 1;
        for (const auto& v : t.variables) k *= levels_of(v);
        p += k;
    }
    return p;
}

std::string human_bytes(double b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024.0 && u < 4) {
        b /= 1024.0;
        ++u;
    }
    return u == 0 ? fmt::format("{:.0f} B", b) : fmt::format("{:.1f} {}", b, units[u]);
}

}  // namespace

std::int64_t PlanEstimate::per_rank_bytes(int ranks) const {
    const double data = static_cast<double>(loaded_bytes + peak_working_bytes) / std::max(1, ranks);
    return static_cast<std::int64_t>(std::ceil(data * kImbalanceFactor)) + kRuntimeOverheadBytes;
}

PlanEstimate estimate_job(const std::string& job_file, const std::vector<std::string>& overrides) {
    const JobFile job = read_job_file(job_file, overrides);
    if (!std::filesystem::exists(job.store))
        throw UsageError(job.path + " [job] store: '" + job.store +
                         "' does not exist; create it with 'kohort synth' or 'kohort import'");
    const Store store = Store::open(job.store, nullptr);

    std::map<std::string, TableInfo> infos;
    for (const auto& t : store.table_names()) infos[t] = store.info(t);
    auto full_row_bytes = [](const TableInfo& ti) {
        std::int64_t b = 0;
        for (const auto& c : ti.columns) b += value_bytes(c.type);
        return b;
    };

    // Derived tables (study sections) are built from the store's person tables; their size is
    // bounded by reading all of those, and their rows by the largest one.
    std::set<std::string> derived;
    for (const auto& [section, keys] : job.sections) {
        if (section == "slurm") continue;
        const auto dot = section.find('.');
        derived.insert(dot == std::string::npos ? section : section.substr(dot + 1));
    }
    std::int64_t largest_pid_rows = 0, all_pid_bytes = 0;
    for (const auto& [name, ti] : infos)
        if (ti.partitioned_by_pid) {
            largest_pid_rows = std::max(largest_pid_rows, ti.rows);
            all_pid_bytes += ti.rows * full_row_bytes(ti);
        }

    PlanEstimate est;
    std::map<std::string, std::set<std::string>> needed;
    std::set<std::string> whole_tables;
    for (const auto& m : job.models) {
        const ColumnsRead read = declared_columns(m.checked);  // as the runner loads them
        needed[read.table].insert(read.columns.begin(), read.columns.end());
        if (read.whole_table) whole_tables.insert(read.table);
    }
    if (!derived.empty()) {
        est.inputs.push_back({"(study sections: " + std::to_string(derived.size()) + ")", largest_pid_rows, 0,
                              all_pid_bytes, true});
        est.loaded_bytes += all_pid_bytes;
    }
    for (const auto& [table, cols] : needed) {
        if (derived.count(table)) continue;
        auto it = infos.find(table);
        if (it == infos.end()) {
            std::string have;
            for (const auto& [t, _] : infos) have += (have.empty() ? "" : ", ") + t;
            throw UsageError(job.path + ": table '" + table + "' is not in the store " + job.store +
                             "; it has: " + (have.empty() ? "(no tables)" : have));
        }
        const TableInfo& ti = it->second;
        PlanEstimate::Input in{table, ti.rows, 0, 0, false};
        for (const auto& c : ti.columns)
            if (whole_tables.count(table) || cols.count(c.name)) {
                ++in.columns;
                in.bytes += ti.rows * value_bytes(c.type);
            }
        est.loaded_bytes += in.bytes;
        est.inputs.push_back(in);
    }

    for (const auto& m : job.models) {
        const std::string table = m.checked.text("table");
        const TableInfo* ti = infos.count(table) ? &infos.at(table) : nullptr;
        const std::int64_t rows = ti ? ti->rows : largest_pid_rows;
        PlanEstimate::Model pm{m.name, m.kind, table, 0, 0};
        if (m.checked.declaration().find("formula") && m.checked.has("formula")) {
            pm.design_columns = design_columns(m.checked.formula("formula"), ti, m.kind == "glm",
                                                est.assumed_factor_levels);
            pm.working_bytes = rows * (pm.design_columns + kFrameVectors) * 8;
        } else {
            // Descriptive kinds work one column at a time: its values plus a sorted copy.
            pm.working_bytes = rows * 2 * 8;
        }
        est.peak_working_bytes = std::max(est.peak_working_bytes, pm.working_bytes);
        est.models.push_back(pm);
    }
    return est;
}

std::string plan_job(const std::string& job_file, int ranks, const std::vector<std::string>& overrides) {
    const PlanEstimate est = estimate_job(job_file, overrides);
    std::string out = fmt::format("kohort plan for {} (from store metadata; no rows read)\n\n", job_file);
    out += fmt::format("{:<32} {:>14} {:>8} {:>12}\n", "input table", "rows", "columns", "in memory");
    for (const auto& in : est.inputs)
        out += fmt::format("{:<32} {:>14} {:>8} {:>12}{}\n", in.table, in.rows,
                           in.derived ? std::string("all") : std::to_string(in.columns), human_bytes(double(in.bytes)),
                           in.derived ? "  (upper bound: study sections may read every person table)" : "");
    out += fmt::format("\n{:<20} {:<10} {:<20} {:>8} {:>12}\n", "model", "kind", "table", "p", "working");
    for (const auto& m : est.models)
        out += fmt::format("{:<20} {:<10} {:<20} {:>8} {:>12}\n", m.name, m.kind, m.table, m.design_columns,
                           human_bytes(double(m.working_bytes)));
    out += fmt::format(
        "\nMemory per rank = (inputs {} + largest model {}) / ranks x {:.2f} (pid-bucket imbalance) + {} runtime\n",
        human_bytes(double(est.loaded_bytes)), human_bytes(double(est.peak_working_bytes)), kImbalanceFactor,
        human_bytes(double(kRuntimeOverheadBytes)));
    out += fmt::format("{:>8} {:>14}\n", "ranks", "per rank");
    std::vector<int> counts = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
    if (ranks > 0 && std::find(counts.begin(), counts.end(), ranks) == counts.end()) {
        counts.push_back(ranks);
        std::sort(counts.begin(), counts.end());
    }
    for (int r : counts)
        out += fmt::format("{:>8} {:>14}{}\n", r, human_bytes(double(est.per_rank_bytes(r))),
                           r == ranks ? "   <- this run" : "");
    out += "\nFor Slurm, --mem is per node: memory per rank x --ntasks-per-node, plus some headroom.\n";
    if (est.assumed_factor_levels)
        out += "Levels of numeric columns are not in the metadata; factor(x) of a numeric column was counted as " +
               std::to_string(kAssumedNumericFactorLevels) + " levels.\n";
    return out;
}

}  // namespace kohort::cli
