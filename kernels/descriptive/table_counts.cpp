// kind = table: counts by one or more grouping columns (`by = sex, region`), like R's table().
// Levels are agreed across ranks, each rank counts its rows into the same dense cell array, and
// one allreduce merges them. Rows with a missing grouping value are counted apart (R's table()
// drops them; we report how many).
#include <algorithm>

#include "core/error.hpp"
#include "formula/agreed_levels.hpp"
#include "kernels/kernel.hpp"

namespace kohort {
namespace {

constexpr std::int64_t kMaxCells = 1'000'000;

// Agreed levels of a grouping column and each row's level (-1 where the value is missing).
struct Grouping {
    AgreedLevels levels;
    std::vector<std::int32_t> row_level;
};

Grouping group_rows(const Column& c, const Comm& comm) {
    std::vector<std::size_t> present;
    present.reserve(c.size());
    for (std::size_t i = 0; i < c.size(); ++i)
        if (!c.missing(i)) present.push_back(i);
    Grouping g{agree_levels(c, present, comm), std::vector<std::int32_t>(c.size(), -1)};
    for (std::size_t k = 0; k < present.size(); ++k) g.row_level[present[k]] = g.levels.index[k];
    return g;
}

SectionDecl table_declaration() {
    SectionDecl d = model_declaration("table", "counts by every combination of the levels of one or more columns");
    d.add(columns_option("by", "the grouping columns (categorical, bool, integer or date)").req());
    return d;
}

ModelOutput run_table(const ModelContext& ctx) {
    const std::vector<std::string> by = ctx.spec.columns("by");
    const Table& t = ctx.table;
    std::vector<std::vector<std::string>> levels;
    std::vector<std::vector<std::int32_t>> index;
    std::int64_t cells = 1;
    for (const auto& name : by) {
        const Column& c = t.column(name);
        if (c.type == ColumnType::Double)
            throw UsageError(ctx.spec.where() + ": column '" + name +
                             "' is a double; table counts need categorical, bool, integer or date columns");
        Grouping g = group_rows(c, ctx.comm);
        levels.push_back(g.levels.labels);
        index.push_back(std::move(g.row_level));
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
    const std::int64_t suppressed_before = ctx.disclosure.suppressed();
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
    // With one suppressed cell, a released total would give it away by subtraction.
    const bool any_suppressed = ctx.disclosure.suppressed() > suppressed_before;
    const auto n_rel = any_suppressed ? std::nullopt : ctx.disclosure.release(total);
    const auto miss_rel = ctx.disclosure.release(counts.back());
    out.result = {{"by", by},
                  {"cells", rows},
                  {"n", n_rel ? nlohmann::json(*n_rel) : nlohmann::json(nullptr)},
                  {"n_missing", miss_rel ? nlohmann::json(*miss_rel) : nlohmann::json(nullptr)}};
    return out;
}

}  // namespace

KOHORT_REGISTER_MODEL(table_declaration(), run_table);

}  // namespace kohort
