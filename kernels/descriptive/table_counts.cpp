// kind = table: counts by one or more grouping columns (`by = sex, region`), like R's table().
// Levels are agreed across ranks, each rank counts its rows into the same dense cell array, and
// one allreduce merges them. Rows with a missing grouping value are counted apart (R's table()
// drops them; we report how many).
#include <algorithm>
#include <optional>

#include "core/error.hpp"
#include "formula/agreed_levels.hpp"
#include "kernels/descriptive/table_suppression.hpp"
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

// A level held by fewer than k persons never appears as a label (its value may be one person's, as
// with a birth date): such levels of each column are merged into one, labelled by the rule, and
// the cells are re-counted. Each merged level is recorded, without its label.
void merge_small_levels(const std::vector<std::string>& by, std::vector<std::vector<std::string>>& levels,
                        const std::vector<std::vector<std::int32_t>>& index, std::vector<std::int64_t>& counts,
                        std::vector<cellkey::Key>& keys, ReleaseLayer& rel, const Comm& comm) {
    std::vector<std::vector<std::int64_t>> remap(by.size());
    std::vector<std::vector<std::string>> merged(by.size());
    bool any = false;
    for (std::size_t k = 0; k < by.size(); ++k) {
        // Persons per level of this column alone (rows with it present), the same in every table.
        std::vector<std::int64_t> per_level(levels[k].size(), 0);
        for (auto l : index[k])
            if (l >= 0) ++per_level[static_cast<std::size_t>(l)];
        comm.allreduce(per_level);
        std::int64_t other = -1;
        for (std::size_t l = 0; l < levels[k].size(); ++l) {
            if (rel.policy().suppresses(per_level[l])) {
                rel.withheld("label", "a level of " + by[k], rule::small_level);
                if (other < 0) {
                    other = static_cast<std::int64_t>(merged[k].size());
                    merged[k].push_back("(levels of fewer than " + std::to_string(rel.policy().min_count) + " persons)");
                }
                remap[k].push_back(other);
                any = true;
            } else {
                remap[k].push_back(static_cast<std::int64_t>(merged[k].size()));
                merged[k].push_back(levels[k][l]);
            }
        }
    }
    if (!any) return;
    std::int64_t new_cells = 1;
    for (const auto& m : merged) new_cells *= std::max<std::int64_t>(1, static_cast<std::int64_t>(m.size()));
    std::vector<std::int64_t> out(static_cast<std::size_t>(new_cells) + 1, 0);
    std::vector<cellkey::Key> out_keys(keys.empty() ? 0 : out.size(), 0);  // a merged cell's key: the sum
    const std::int64_t old_cells = static_cast<std::int64_t>(counts.size()) - 1;
    for (std::int64_t cell = 0; cell < old_cells; ++cell) {
        std::int64_t rest = cell, target = 0, mult = 1;
        for (std::size_t k = by.size(); k-- > 0;) {
            const auto nl = static_cast<std::int64_t>(levels[k].size());
            target += remap[k][static_cast<std::size_t>(rest % nl)] * mult;
            mult *= static_cast<std::int64_t>(merged[k].size());
            rest /= nl;
        }
        out[static_cast<std::size_t>(target)] += counts[static_cast<std::size_t>(cell)];
        if (!keys.empty()) out_keys[static_cast<std::size_t>(target)] += keys[static_cast<std::size_t>(cell)];
    }
    out.back() = counts.back();
    counts = std::move(out);
    if (!keys.empty()) {
        out_keys.back() = keys.back();
        keys = std::move(out_keys);
    }
    levels = std::move(merged);
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
    // Under cell key perturbation: each cell's key, the sum of its rows' record keys.
    std::vector<cellkey::Key> keys(ctx.record_keys ? counts.size() : 0, 0);
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
        const auto slot = miss ? static_cast<std::size_t>(cells) : static_cast<std::size_t>(cell);
        ++counts[slot];
        if (!keys.empty()) keys[slot] += (*ctx.record_keys)[i];
    }
    ctx.comm.allreduce(counts);
    cellkey::allreduce(ctx.comm, keys);
    ReleaseLayer& rel = ctx.disclosure;
    if (!rel.exact()) merge_small_levels(by, levels, index, counts, keys, rel, ctx.comm);
    cells = static_cast<std::int64_t>(counts.size()) - 1;

    // Primary suppression (1 .. k-1 persons), then complementary so no margin gives one back.
    std::vector<bool> suppressed(counts.size(), false);
    for (std::size_t i = 0; i < counts.size(); ++i) suppressed[i] = rel.policy().suppresses(counts[i]);
    // Under perturbation the cells are perturbed instead (ReleaseLayer::release withholds a
    // perturbed count below the minimum), and so is the total, as a count of its own: a margin
    // minus released cells is noise, so no complementary suppression is needed (or done).
    if (rel.perturbs()) suppressed.assign(counts.size(), false);
    std::vector<bool> primary = suppressed;
    std::vector<std::int64_t> dims;
    for (const auto& l : levels) dims.push_back(std::max<std::int64_t>(1, static_cast<std::int64_t>(l.size())));
    if (!rel.exact() && !rel.perturbs()) complementary_suppression(counts, dims, suppressed);
    auto key = [&](std::size_t i) { return keys.empty() ? std::optional<cellkey::Key>() : keys[i]; };
    cellkey::Key total_key = 0;

    ModelOutput out;
    out.csv.header = by;
    out.csv.header.push_back("count");
    nlohmann::json rows = nlohmann::json::array();
    std::int64_t total = 0;
    bool any_suppressed = false;
    for (std::int64_t cell = 0; cell < cells; ++cell) {
        const auto ci = static_cast<std::size_t>(cell);
        total += counts[ci];
        if (!keys.empty()) total_key += keys[ci];
        nlohmann::json r = nlohmann::json::object();
        std::vector<std::string> csv_row(by.size());
        std::int64_t rest = cell;
        std::string where;
        for (std::size_t k = by.size(); k-- > 0;) {
            const auto nl = static_cast<std::int64_t>(levels[k].size());
            csv_row[k] = levels[k][static_cast<std::size_t>(rest % nl)];
            r[by[k]] = csv_row[k];
            where = by[k] + "=" + csv_row[k] + (where.empty() ? "" : ", ") + where;
            rest /= nl;
        }
        std::optional<std::int64_t> released;
        if (primary[ci]) rel.withheld("cells.count", where, rule::min_count);
        else if (suppressed[ci]) rel.withheld("cells.count", where, rule::complementary);
        else released = rel.release(counts[ci], {"cells.count", where, key(ci)});
        any_suppressed = any_suppressed || !released;
        r["count"] = released ? nlohmann::json(*released) : nlohmann::json(nullptr);
        csv_row.push_back(released ? std::to_string(*released) : "NA");
        rows.push_back(r);
        out.csv.rows.push_back(csv_row);
    }
    // With a suppressed cell, a released total would give it away by subtraction.
    std::optional<std::int64_t> n_rel, miss_rel;
    if (any_suppressed && !rel.perturbs()) rel.withheld("n", "", rule::complementary);
    else n_rel = rel.release(total, {"n", "", keys.empty() ? std::optional<cellkey::Key>() : total_key});
    if (suppressed.back()) rel.withheld("n_missing", "", primary.back() ? rule::min_count : rule::complementary);
    else miss_rel = rel.release(counts.back(), {"n_missing", "", key(counts.size() - 1)});
    out.result = {{"by", by},
                  {"cells", rows},
                  {"n", n_rel ? nlohmann::json(*n_rel) : nlohmann::json(nullptr)},
                  {"n_missing", miss_rel ? nlohmann::json(*miss_rel) : nlohmann::json(nullptr)}};
    if (rel.perturbs())
        out.result["note"] = "cells and the total are perturbed independently (cell key method): they need not add up";
    return out;
}

}  // namespace

KOHORT_REGISTER_MODEL(table_declaration(), run_table);

}  // namespace kohort
