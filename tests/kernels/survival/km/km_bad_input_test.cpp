// Bad input and edge cases through the real model frame (load_survival_data), at 1-4 ranks:
// every rank holds a share of a small in-memory table.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "kernels/survival/cif_kernel.hpp"
#include "kernels/survival/km_kernel.hpp"

using namespace kohort;
using namespace kohort::survival;

namespace {

// Rows i with i % size == rank of (time, status, sex[, start]).
Table make_table(const Comm& comm, const std::vector<double>& time, const std::vector<std::int64_t>& status,
                 const std::vector<double>& start = {}) {
    Table t;
    t.name = "t";
    Column ct("time", ColumnType::Double), cs("status", ColumnType::Int64), cx("sex", ColumnType::Int64),
        cb("start", ColumnType::Double);
    for (std::size_t i = 0; i < time.size(); ++i) {
        if (static_cast<int>(i % static_cast<std::size_t>(comm.size())) != comm.rank()) continue;
        ct.f64.push_back(time[i]);
        cs.i64.push_back(status[i]);
        cx.i64.push_back(1 + static_cast<std::int64_t>(i % 2));
        if (!start.empty()) cb.f64.push_back(start[i]);
    }
    t.add(ct);
    t.add(cs);
    t.add(cx);
    if (!start.empty()) t.add(cb);
    return t;
}

ModelOutput run(const std::string& kind, const std::string& formula, const Table& table, const Comm& comm) {
    const Options spec = validate_model_options(kind, "m", {{"table", "t"}, {"formula", formula}});
    DisclosureLedger ledger{DisclosurePolicy{}};
    ModelContext ctx{comm, spec, table, ledger, [](const std::string&) {}};
    const SurvivalData data = load_survival_data(ctx, kind == "cif");
    return kind == "km" ? km_from_data(ctx, data) : cif_from_data(ctx, data);
}

TEST(BadInput, NegativeTimeIsRefused) {
    Comm comm;
    const Table t = make_table(comm, {1, -2, 3, 4, 5, 6}, {1, 1, 0, 1, 0, 1});
    EXPECT_THROW(run("km", "Surv(time, status) ~ 1", t, comm), UsageError);
}

TEST(BadInput, StatusOutsideTheCodingIsRefused) {
    Comm comm;
    const Table t = make_table(comm, {1, 2, 3, 4, 5, 6}, {0, 1, 7, 1, 0, 1});
    EXPECT_THROW(run("km", "Surv(time, status) ~ 1", t, comm), UsageError);
    const Table n = make_table(comm, {1, 2, 3, 4, 5, 6}, {0, 1, -1, 1, 0, 1});
    EXPECT_THROW(run("cif", "Surv(time, status) ~ 1", n, comm), UsageError);
}

TEST(BadInput, StopNotAfterStartIsRefused) {
    Comm comm;
    const Table t = make_table(comm, {1, 2, 3, 4, 5, 6}, {0, 1, 1, 1, 0, 1}, {0, 0, 3, 0, 0, 0});
    EXPECT_THROW(run("km", "Surv(start, time, status) ~ 1", t, comm), UsageError);
}

TEST(BadInput, NaNTimeIsDroppedAsMissing) {
    Comm comm;
    const Table t = make_table(comm, {1, std::nan(""), 3, 4, 5, 6}, {1, 1, 0, 1, 0, 1});
    const ModelOutput out = run("km", "Surv(time, status) ~ 1", t, comm);
    EXPECT_EQ(out.result["n"], 5);
    EXPECT_EQ(out.result["n_dropped_missing"], 1);
}

TEST(EdgeCases, AllCensoredGivesSurvivalOneAndNoTest) {
    Comm comm;
    const Table t = make_table(comm, {1, 2, 3, 4, 5, 6}, {0, 0, 0, 0, 0, 0});
    const ModelOutput out = run("km", "Surv(time, status) ~ sex", t, comm);
    for (const auto& c : out.result["curves"])
        for (const auto& s : c["survival"]) EXPECT_EQ(s.get<double>(), 1.0);
    EXPECT_TRUE(out.result["logrank"]["statistic"].is_null());
    ASSERT_TRUE(out.svg.has_value());
}

TEST(EdgeCases, CurvesAreLabelledAsSurvfit) {
    Comm comm;
    const Table t = make_table(comm, {1, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 0, 1, 2, 1, 0, 1});
    const ModelOutput out = run("cif", "Surv(time, status) ~ strata(sex)", t, comm);
    EXPECT_EQ(out.result["curves"][0]["stratum"], "sex=1");
    EXPECT_EQ(out.result["curves"][0]["cause"], 1);
    EXPECT_FALSE(out.result["gray_test"].is_null());
}

}  // namespace
