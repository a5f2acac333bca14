// A minimal model kind, the one docs/developing.md walks through: kind = mean, the mean of one
// numeric column. A real kind lives in its own folder under kernels/ (CMake picks up every .cpp
// there); this one is built into a test binary only, so `kohort kinds` of the real tool does not
// list it.
#include <cmath>
#include <cstdio>

#include "engine/kernel.hpp"

namespace kohort::example {
namespace {

// 1. The declaration: every key the section takes, with its type, default and meaning. The
//    engine refuses any other key, checks the values before any data is read, and loads the
//    column-valued options' columns (here `column`) for the kernel.
SectionDecl mean_declaration() {
    SectionDecl d = model_declaration("mean", "the mean of one numeric column");
    d.add(column_option("column", "the numeric column to average").req());
    d.add(integer_option("digits", 0, 17, "significant digits in the CSV").def("6"));
    return d;
}

// 2. The kernel: validated options in, a result out. Each rank sums its own rows; one allreduce
//    merges the sums, so the answer is the same on any number of ranks.
ModelOutput run_mean(const ModelContext& ctx) {
    const Column& c = ctx.table.column(ctx.spec.column("column"));
    double sum_n[2] = {0.0, 0.0};
    for (std::size_t i = 0; i < c.size(); ++i)
        if (!c.missing(i)) {
            sum_n[0] += c.as_double(i);
            sum_n[1] += 1.0;
        }
    ctx.comm.allreduce(sum_n, 2);
    const auto n = static_cast<std::int64_t>(sum_n[1]);
    const double mean = n > 0 ? sum_n[0] / sum_n[1] : std::nan("");

    ModelOutput out;
    // Counts go through the disclosure ledger; a mean of fewer persons than the policy's minimum
    // is withheld with them.
    const nlohmann::json released_n = ctx.disclosure.release_json(n);
    out.result = {{"n", released_n}, {"mean", released_n.is_null() ? nullptr : json_number(mean)}};
    char cell[64];
    std::snprintf(cell, sizeof cell, "%.*g", static_cast<int>(ctx.spec.integer("digits")), mean);
    out.csv.header = {"column", "n", "mean"};
    out.csv.rows.push_back({ctx.spec.column("column"), released_n.is_null() ? "NA" : std::to_string(n),
                            released_n.is_null() ? "NA" : cell});
    return out;
}

}  // namespace

// 3. The registration: one line.
KOHORT_REGISTER_MODEL(mean_declaration(), run_mean);

}  // namespace kohort::example
