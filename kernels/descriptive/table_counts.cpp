// kind = table: counts by one or more grouping columns (`by = sex, region`), like R's table().
// Levels are agreed across ranks, each rank counts its rows into the same dense cell array, and
// one allreduce merges them. Rows with a missing grouping value are counted apart (R's table()
// drops them; we report how many).
#include <algorithm>
#include <unordered_map>

#include "core/error.hpp"
#include "jobs/job_file.hpp"
#include "kernels/descriptive/level_labels.hpp"
#include "kernels/kernel.hpp"

namespace kohort {
namespace {

constexpr std::int64_t kMaxCells = 1'000'000;

// Level index of every row of c in `levels` (-1 when missing).
std::vector<std::int32_t> level_index(const Column& c, const std::vector<std::string>& levels) {
    std::unordered_map<std::string, std::int32_t> pos;
    for (std::size_t k = 0; k < levels.size(); ++k) pos[levels[k]] = static_cast<std::int32_t>(k);
    std::vector<std::int32_t> out(c.size(), -1);
    if (c.type == ColumnType::Categorical) {
        // Translate each dictionary code once, not each row.
        std::vector<std::int32_t> code_to_level(c.dictionary.size(), -1);
        for (std::size_t k = 0; k < c.dictionary.size(); ++k) {
            auto it = pos.find(c.dictionary[k]);
            if (it != pos.end()) code_to_level[k] = it->second;
        }
        for (std::size_t i = 0; i < c.size(); ++i)
            if (!c.missing(i)) out[i] = code_to_level[static_cast<std::size_t>(c.i32[i])];
        return out;
    }
    std::unordered_map<double, std::int32_t> by_value;
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (c.missing(i)) continue;
        const double v = c.as_double(i);
        auto it = by_value.find(v);
        if (it == by_value.end()) it = by_value.emplace(v, pos.at(value_label(c, i))).first;
        out[i] = it->second;
    }
    return out;
}

ModelOutput run_table(const ModelContext& ctx) {
    const std::vector<std::string> by = split_list(ctx.spec.get("by"));
    if (by.empty()) throw UsageError(ctx.spec.where() + ": kind = table needs 'by = column[, column...]'");
    const Table& t = ctx.table;
    std::vector<std::vector<std::string>> levels;
    std::vector<std::vector<std::int32_t>> index;
    std::int64_t cells = 1;
    for (const auto& name : by) {
        const Column& c = t.column(name);
        if (c.type == ColumnType::Double)
            throw UsageError(ctx.spec.where() + ": column '" + name +
                             "' is a double; table counts need categorical, bool, integer or date columns");
        levels.push_back(agreed_levels(c, ctx.comm));
        index.push_back(level_index(c, levels.back()));
        cells *= std::max<std::int64_t>(1, static_cast<std::int64_t>(levels.back().size()));
        if (cells > kMaxCells)
            throw UsageError(ctx.spec.where() + ": the table would have more than " + std::to_string(kMaxCells) +
                             " cells; group a column with many values first");
    }
    std::vector<std::int64_t> counts(static_cast<std::size_t>(cells) + 1, 0);  // last: rows with a missing value
    for (std::size_t i = 0; i < t.rows(); ++i) {
        std::int64_t cell = 0;
        bool miss = false;
        for (std::size_t k = 0; k < by.size(); ++k) {
            const std::int32_t l = index[k][i];
            if (l < 0) {
                miss = true;
                break;
            }
            cell = cell * static_cast<std::int64_t>(levels[k].size()) + l;
        }
        ++counts[miss ? static_cast<std::size_t>(cells) : static_cast<std::size_t>(cell)];
    }
    ctx.comm.allreduce(counts);

    ModelOutput out;
    out.csv.header = by;
    out.csv.header.push_back("count");
    nlohmann::json rows = nlohmann::json::array();
    std::int64_t total = 0;
    for (std::int64_t cell = 0; cell < cells; ++cell) {
        total += counts[static_cast<std::size_t>(cell)];
        nlohmann::json r = nlohmann::json::object();
        std::vector<std::string> csv_row(by.size());
        std::int64_t rest = cell;
        for (std::size_t k = by.size(); k-- > 0;) {
            const auto nl = static_cast<std::int64_t>(levels[k].size());
            csv_row[k] = levels[k][static_cast<std::size_t>(rest % nl)];
            r[by[k]] = csv_row[k];
            rest /= nl;
        }
        const auto released = ctx.disclosure.release(counts[static_cast<std::size_t>(cell)]);
        r["count"] = released ? nlohmann::json(*released) : nlohmann::json(nullptr);
        csv_row.push_back(released ? std::to_string(*released) : "NA");
        rows.push_back(r);
        out.csv.rows.push_back(csv_row);
    }
    const auto n_rel = ctx.disclosure.release(total);
    const auto miss_rel = ctx.disclosure.release(counts.back());
    out.result = {{"by", by},
                  {"cells", rows},
                  {"n", n_rel ? nlohmann::json(*n_rel) : nlohmann::json(nullptr)},
                  {"n_missing", miss_rel ? nlohmann::json(*miss_rel) : nlohmann::json(nullptr)}};
    return out;
}

}  // namespace

KOHORT_REGISTER_MODEL("table", run_table);

}  // namespace kohort
