// kind = finegray bad input through the real model frame, at 1-3 ranks: every rank holds a share
// of a small in-memory table. Each case must be a UsageError (exit 2) with a message that says
// what was found and what was expected.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "kernels/survival/finegray_kernel.hpp"

using namespace kohort;
using namespace kohort::survival;

namespace {

// Rows i with i % size == rank of (time, status, x, c = constant 1).
Table make_table(const Comm& comm, const std::vector<double>& time, const std::vector<std::int64_t>& status) {
    Table t;
    t.name = "t";
    Column ct("time", ColumnType::Double), cs("status", ColumnType::Int64), cx("x", ColumnType::Double),
        cc("c", ColumnType::Double), cw("w", ColumnType::Double);
    for (std::size_t i = 0; i < time.size(); ++i) {
        if (static_cast<int>(i % static_cast<std::size_t>(comm.size())) != comm.rank()) continue;
        ct.f64.push_back(time[i]);
        cs.i64.push_back(status[i]);
        cx.f64.push_back(std::sin(static_cast<double>(i) + 1.0));
        cc.f64.push_back(1.0);
        cw.f64.push_back(1.0);
    }
    t.add(ct);
    t.add(cs);
    t.add(cx);
    t.add(cc);
    t.add(cw);
    return t;
}

ModelOutput run(const Table& table, const Comm& comm, const std::string& formula,
                std::map<std::string, std::string> extra = {}) {
    extra["table"] = "t";
    extra["formula"] = formula;
    const Options spec = validate_model_options("finegray", "fg", extra);
    DisclosureLedger ledger{DisclosurePolicy{}};
    ModelContext ctx{comm, spec, table, ledger, [](const std::string&) {}};
    return finegray_model(ctx);
}

// The message of the UsageError thrown by f (empty when none is thrown).
template <typename F>
std::string usage_error(F f) {
    try {
        f();
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

const std::vector<double> kTime{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
const std::vector<std::int64_t> kStatus{1, 2, 0, 1, 2, 1, 0, 2, 1, 0, 1, 2};

TEST(FineGrayBadInput, CauseNotPresentIsRefused) {
    Comm comm;
    const Table t = make_table(comm, kTime, kStatus);
    const std::string msg = usage_error([&] { run(t, comm, "Surv(time, status) ~ x", {{"cause", "3"}}); });
    EXPECT_NE(msg.find("cause = 3 is not present"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[model.fg]"), std::string::npos) << msg;
    EXPECT_FALSE(usage_error([&] { run(t, comm, "Surv(time, status) ~ x", {{"cause", "zero"}}); }).empty());
    EXPECT_FALSE(usage_error([&] { run(t, comm, "Surv(time, status) ~ x", {{"cause", "0"}}); }).empty());
}

TEST(FineGrayBadInput, NoEventsOfTheCauseIsRefused) {
    Comm comm;
    std::vector<std::int64_t> status = kStatus;
    for (auto& s : status)
        if (s == 1) s = 3;  // causes 2 and 3 only
    const Table t = make_table(comm, kTime, status);
    const std::string msg = usage_error([&] { run(t, comm, "Surv(time, status) ~ x"); });
    EXPECT_NE(msg.find("no events of cause 1"), std::string::npos) << msg;
    // The other causes still fit.
    EXPECT_EQ(run(t, comm, "Surv(time, status) ~ x", {{"cause", "3"}}).result["events"], 5);
}

TEST(FineGrayBadInput, AllCensoredIsRefused) {
    Comm comm;
    const Table t = make_table(comm, kTime, std::vector<std::int64_t>(kTime.size(), 0));
    const std::string msg = usage_error([&] { run(t, comm, "Surv(time, status) ~ x"); });
    EXPECT_NE(msg.find("all rows censored"), std::string::npos) << msg;
}

TEST(FineGrayBadInput, NegativeTimeAndStatusAreRefused) {
    Comm comm;
    std::vector<double> time = kTime;
    time[4] = -1;
    EXPECT_NE(usage_error([&] { run(make_table(comm, time, kStatus), comm, "Surv(time, status) ~ x"); })
                  .find("negative or non-finite time"),
              std::string::npos);
    std::vector<std::int64_t> status = kStatus;
    status[3] = -2;
    EXPECT_FALSE(usage_error([&] { run(make_table(comm, kTime, status), comm, "Surv(time, status) ~ x"); }).empty());
}

TEST(FineGrayBadInput, ConstantCovariateIsRefused) {
    Comm comm;
    const Table t = make_table(comm, kTime, kStatus);
    const std::string msg = usage_error([&] { run(t, comm, "Surv(time, status) ~ x + c"); });
    EXPECT_NE(msg.find("singular"), std::string::npos) << msg;
    EXPECT_NE(msg.find("c"), std::string::npos) << msg;
}

TEST(FineGrayBadInput, UnsupportedFormulaPartsAreRefused) {
    Comm comm;
    const Table t = make_table(comm, kTime, kStatus);
    EXPECT_FALSE(usage_error([&] { run(t, comm, "Surv(time, status) ~ x + strata(c)"); }).empty());
    EXPECT_FALSE(usage_error([&] { run(t, comm, "Surv(time, status) ~ 1"); }).empty());
    EXPECT_FALSE(usage_error([&] { run(t, comm, "Surv(time, status) ~ x", {{"weights", "w"}}); }).empty());
    EXPECT_FALSE(usage_error([&] { run(t, comm, "Surv(time, status) ~ x", {{"maxiter", "-1"}}); }).empty());
}

TEST(FineGrayBadInput, NaNTimeIsDroppedAsMissing) {
    Comm comm;
    std::vector<double> time = kTime;
    time[2] = std::nan("");
    const ModelOutput out = run(make_table(comm, time, kStatus), comm, "Surv(time, status) ~ x");
    EXPECT_EQ(out.result["n"], 11);
    EXPECT_EQ(out.result["n_dropped_missing"], 1);
}

}  // namespace
