// kind = summary: per-column n, missing, mean, sd and quantiles (R's summary()/quantile type 7).
// Two passes: global n and sum give the mean; then the squared deviations give sd without the
// cancellation of the one-pass formula. Quantiles are exact (distributed_quantiles.hpp).
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "core/error.hpp"
#include "kernels/descriptive/distributed_quantiles.hpp"
#include "kernels/cell_keys.hpp"
#include "kernels/kernel.hpp"

namespace kohort {
namespace {

SectionDecl summary_declaration() {
    SectionDecl d = model_declaration("summary", "per column: n, missing, mean, sd and R's type-7 quartiles");
    d.add(columns_option("columns", "the columns to describe").note("every column but pid"));
    return d;
}

// ACRO's dominance (n, k) rule (n = 2, k = 90%): a sum is not released when its two largest
// contributions make up more than 90% of it, since it then nearly states those persons' values.
// Applied to the mean of a non-negative column (the mean is its sum over a released n).
bool dominated(const std::vector<double>& values, double sum, const Comm& comm) {
    std::vector<double> top(2, 0.0);
    for (double v : values) {
        const double a = std::fabs(v);
        if (a > top[0]) top[1] = top[0], top[0] = a;
        else if (a > top[1]) top[1] = a;
    }
    std::vector<double> all = comm.allgatherv(top);
    std::sort(all.begin(), all.end(), std::greater<>());
    const double top2 = all.size() >= 2 ? all[0] + all[1] : (all.empty() ? 0.0 : all[0]);
    return sum > 0 && top2 > 0.9 * sum;
}

ModelOutput run_summary(const ModelContext& ctx) {
    const Table& t = ctx.table;
    std::vector<std::string> names = ctx.spec.columns("columns");
    if (names.empty())
        for (const auto& c : t.columns)
            if (c.name != "pid") names.push_back(c.name);
    const bool show_extremes = ctx.disclosure.policy().min_count <= 0;

    ModelOutput out;
    out.csv.header = {"column", "type", "n", "missing", "mean", "sd", "min", "p25", "median", "p75", "max"};
    nlohmann::json cols = nlohmann::json::array();
    for (const auto& name : names) {
        const Column& c = t.column(name);
        std::vector<double> values;
        values.reserve(c.size());
        if (c.type != ColumnType::Categorical)
            for (std::size_t i = 0; i < c.size(); ++i)
                if (!c.missing(i)) values.push_back(c.as_double(i));
        std::int64_t n_missing = static_cast<std::int64_t>(c.count_missing());
        std::int64_t n = static_cast<std::int64_t>(c.size()) - n_missing;
        double sum = 0.0;
        for (double v : values) sum += v;
        ctx.comm.allreduce(&n, 1);
        ctx.comm.allreduce(&n_missing, 1);
        ctx.comm.allreduce(&sum, 1);
        std::optional<cellkey::Key> n_key, missing_key;
        if (ctx.record_keys) {
            missing_key = cell_key_if(ctx, *ctx.record_keys, [&](std::size_t i) { return c.missing(i); });
            n_key = *table_cell_key(ctx) - *missing_key;
        }

        nlohmann::json j = {{"column", name}, {"type", std::string(to_string(c.type))}};
        const nlohmann::json n_rel = ctx.disclosure.release_json(n, {"columns.n", name, n_key});
        j["n"] = n_rel;
        j["missing"] = ctx.disclosure.release_json(n_missing, {"columns.missing", name, missing_key});
        std::vector<std::string> row = {name, std::string(to_string(c.type)), n_rel.is_null() ? "NA" : std::to_string(n_rel.get<std::int64_t>()),
                                        j["missing"].is_null() ? "NA" : std::to_string(j["missing"].get<std::int64_t>())};
        const double nan = std::numeric_limits<double>::quiet_NaN();
        double mean = nan, sd = nan;
        std::vector<double> q(5, nan);
        if (c.type != ColumnType::Categorical && n > 0 && !n_rel.is_null()) {
            mean = sum / static_cast<double>(n);
            double ss = 0.0;
            for (double v : values) ss += (v - mean) * (v - mean);
            ctx.comm.allreduce(&ss, 1);
            sd = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : nan;
            q = global_quantiles_type7(values, n, {0.0, 0.25, 0.5, 0.75, 1.0}, ctx.comm);
            if (!show_extremes) {
                q[0] = q[4] = nan;
                ctx.disclosure.withheld("columns.min", name, rule::single_value);
                ctx.disclosure.withheld("columns.max", name, rule::single_value);
            }
            bool non_negative = true;
            for (double v : values) non_negative = non_negative && v >= 0;
            non_negative = ctx.comm.allreduce(static_cast<std::int64_t>(non_negative), ReduceOp::min) == 1;
            if (!ctx.disclosure.exact() && non_negative && dominated(values, sum, ctx.comm)) {
                mean = sd = nan;
                ctx.disclosure.withheld("columns.mean", name, rule::dominance, "two values make up over 90% of the sum");
            }
        } else if (c.type != ColumnType::Categorical && n > 0) {
            // Fewer than k values: no mean, sd or quantile (each would be close to a person's value).
            ctx.disclosure.withheld("columns.quantiles", name, rule::few_values);
        }
        if (c.type == ColumnType::Categorical) j["levels"] = c.dictionary.size();
        j["mean"] = json_number(mean);
        j["sd"] = json_number(sd);
        const char* qnames[] = {"min", "p25", "median", "p75", "max"};
        for (int k = 0; k < 5; ++k) j[qnames[k]] = json_number(q[k]);
        for (double v : {mean, sd, q[0], q[1], q[2], q[3], q[4]}) row.push_back(format_number(v));
        cols.push_back(j);
        out.csv.rows.push_back(row);
    }
    out.result = {{"columns", cols},
                  {"n_rows", ctx.disclosure.release_json(ctx.comm.allreduce(static_cast<std::int64_t>(t.rows())),
                                                          {"n_rows", "", table_cell_key(ctx)})}};
    if (!show_extremes) out.result["note"] = "min and max are withheld under a disclosure policy: each is one person's value";
    return out;
}

}  // namespace

KOHORT_REGISTER_MODEL(summary_declaration(), run_summary);

}  // namespace kohort
