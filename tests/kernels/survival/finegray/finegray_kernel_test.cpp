// finegray against cmprsk::crr computed in the same test run by finegray_reference.R, at whatever
// number of MPI ranks the test is launched with; each rank takes an interleaved share of the rows.
// Every case is also fitted on one rank (MPI_COMM_SELF) and the distributed numbers must agree with
// it to 1e-10 (rank invariance).
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/r_reference.hpp"
#include "kernels/survival/finegray_fit.hpp"
#include "kernels/survival/finegray_kernel.hpp"

using nlohmann::json;
using namespace kohort;
using namespace kohort::survival;

namespace {

constexpr double kRTol = 1e-6;      // against R
constexpr double kRankTol = 1e-10;  // against the one-rank fit

std::string reference_dir() { return kohort::testing::r_reference_dir("kohort-finegray-ref", FINEGRAY_REFERENCE_SCRIPT); }

json load_case(const std::string& name) {
    std::ifstream in(reference_dir() + "/" + name + ".json");
    if (!in) throw std::runtime_error("missing reference case " + name);
    return json::parse(in);
}

bool mine(std::size_t i, int rank, int size) { return static_cast<int>((i * 7) % static_cast<std::size_t>(size)) == rank; }

FineGrayRows case_rows(const json& c, int rank, int size) {
    const int cause = c["cause"].get<int>();
    const std::size_t n = c["time"].size(), p = c["X"].size();
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < n; ++i)
        if (mine(i, rank, size)) idx.push_back(i);
    FineGrayRows r;
    r.X.resize(static_cast<Eigen::Index>(idx.size()), static_cast<Eigen::Index>(p));
    for (std::size_t k = 0; k < idx.size(); ++k) {
        const std::size_t i = idx[k];
        r.time.push_back(c["time"][i].get<double>());
        const int s = c["status"][i].get<int>();
        r.category.push_back(static_cast<std::int8_t>(s == 0 ? 0 : (s == cause ? 1 : 2)));
        for (std::size_t j = 0; j < p; ++j)
            r.X(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(j)) = c["X"][j][i].get<double>();
    }
    return r;
}

std::vector<std::string> terms_of(const json& c) { return c["terms"].get<std::vector<std::string>>(); }

void expect_close(double got, double want, double tol, const std::string& what) {
    EXPECT_LE(std::fabs(got - want), tol * std::max(std::fabs(want), 1e-300)) << what << ": got " << got << ", want " << want;
}

class CrrCase : public ::testing::TestWithParam<std::string> {};

TEST_P(CrrCase, MatchesCrrAndIsRankInvariant) {
    const json c = load_case(GetParam());
    Comm world;
    Comm self(MPI_COMM_SELF);
    const auto terms = terms_of(c);
    const FineGrayFit fit = fit_finegray(case_rows(c, world.rank(), world.size()), {}, world, GetParam(), terms);
    const FineGrayFit one = fit_finegray(case_rows(c, 0, 1), {}, self, GetParam(), terms);
    const json& e = c["expected"];
    ASSERT_EQ(fit.p, static_cast<int>(terms.size()));
    EXPECT_EQ(fit.converged, e["converged"].get<bool>());
    EXPECT_EQ(fit.n, static_cast<std::int64_t>(c["time"].size()));
    expect_close(fit.loglik, e["loglik"].get<double>(), kRTol, "loglik");
    expect_close(fit.loglik_null, e["loglik_null"].get<double>(), kRTol, "loglik.null");
    expect_close(fit.loglik, one.loglik, kRankTol, "loglik ranks");
    for (int j = 0; j < fit.p; ++j) {
        const std::string t = terms[static_cast<std::size_t>(j)];
        expect_close(fit.beta(j), e["coef"][j].get<double>(), kRTol, "coef " + t);
        expect_close(fit.beta(j), one.beta(j), kRankTol, "coef ranks " + t);
        for (int k = 0; k < fit.p; ++k) {
            const std::string at = t + "," + terms[static_cast<std::size_t>(k)];
            // jsonlite writes matrices as arrays of rows.
            expect_close(fit.var(j, k), e["var"][j][k].get<double>(), kRTol, "var " + at);
            expect_close(fit.invinf(j, k), e["invinf"][j][k].get<double>(), kRTol, "invinf " + at);
            expect_close(fit.var(j, k), one.var(j, k), kRankTol, "var ranks " + at);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Crr, CrrCase,
                         ::testing::Values("mgus2_cause1", "mgus2_cause2", "sim_cause1", "sim_cause3", "small_ties"));

// The registered kernel through the real model frame: factor(sex) gives the term "sex=M", and
// results.json's estimate and se are crr's coef and sqrt(diag(var)).
TEST(FineGrayKernel, Mgus2ThroughTheModelFrame) {
    for (const std::string name : {"mgus2_cause1", "mgus2_cause2"}) {
        const json c = load_case(name);
        Comm comm;
        Table t;
        t.name = "mgus2";
        Column ct("etime", ColumnType::Double), cs("event", ColumnType::Int64), ca("age", ColumnType::Double),
            cx("sex", ColumnType::Categorical);
        cx.dictionary = {"F", "M"};
        for (std::size_t i = 0; i < c["time"].size(); ++i) {
            if (!mine(i, comm.rank(), comm.size())) continue;
            ct.f64.push_back(c["time"][i].get<double>());
            cs.i64.push_back(c["status"][i].get<std::int64_t>());
            ca.f64.push_back(c["table"]["age"][i].get<double>());
            cx.i32.push_back(c["table"]["sex"][i].get<std::string>() == "M" ? 1 : 0);
        }
        t.add(ct);
        t.add(cs);
        t.add(ca);
        t.add(cx);
        const Options spec = validate_model_options("finegray", "fg",
                                                    {{"table", "mgus2"},
                                                     {"formula", "Surv(etime, event) ~ age + factor(sex)"},
                                                     {"cause", std::to_string(c["cause"].get<int>())}});
        DisclosureLedger ledger{DisclosurePolicy{}};
        ModelContext ctx{comm, spec, t, ledger, [](const std::string&) {}};
        const ModelOutput out = finegray_model(ctx);
        const json& r = out.result;
        EXPECT_EQ(r["kind"], "finegray");
        EXPECT_EQ(r["cause"], c["cause"]);
        EXPECT_EQ(r["converged"], true);
        const json& e = c["expected"];
        ASSERT_EQ(r["coefficients"].size(), 2u);
        const char* terms[] = {"age", "sex=M"};
        for (int j = 0; j < 2; ++j) {
            const json& co = r["coefficients"][j];
            EXPECT_EQ(co["term"], terms[j]);
            const double b = e["coef"][j].get<double>(), se = std::sqrt(e["var"][j][j].get<double>());
            expect_close(co["estimate"].get<double>(), b, kRTol, name + " estimate");
            expect_close(co["se"].get<double>(), se, kRTol, name + " se");
            expect_close(co["z"].get<double>(), b / se, kRTol, name + " z");
            expect_close(co["exp_estimate"].get<double>(), std::exp(b), kRTol, name + " exp");
            expect_close(co["conf_low"].get<double>(), std::exp(b - 1.959963984540054 * se), kRTol, name + " low");
            expect_close(co["conf_high"].get<double>(), std::exp(b + 1.959963984540054 * se), kRTol, name + " high");
        }
        expect_close(r["loglik"][1].get<double>(), e["loglik"].get<double>(), kRTol, name + " loglik");
        EXPECT_EQ(out.csv.rows.size(), 2u);
    }
}

}  // namespace
