// Rank invariance: every rank generates the same data, fits its share over MPI_COMM_WORLD, and
// compares with a fit of all rows on one rank (MPI_COMM_SELF). Shares are deliberately uneven and
// interleaved, clusters span ranks, and a stratum may be missing on some ranks.
#include <gtest/gtest.h>

#include <cmath>

#include "cox_test_data.hpp"
#include "kernels/survival/cox_fit.hpp"

namespace kohort {
namespace {

const Comm& world() {
    static Comm c(MPI_COMM_WORLD);
    return c;
}
const Comm& self() {
    static Comm c(MPI_COMM_SELF);
    return c;
}

// Row i goes to rank (i * 7 + i / 5) % size: interleaved, not contiguous, uneven per rank.
std::vector<test::CoxRow> share(const std::vector<test::CoxRow>& rows, int rank, int size) {
    std::vector<test::CoxRow> mine;
    for (std::size_t i = 0; i < rows.size(); ++i)
        if (static_cast<int>((i * 7 + i / 5) % static_cast<std::size_t>(size)) == rank) mine.push_back(rows[i]);
    return mine;
}

void expect_rel(double a, double b, double tol, const std::string& what) {
    if (std::isnan(b)) {
        EXPECT_TRUE(std::isnan(a)) << what;
        return;
    }
    EXPECT_LE(std::fabs(a - b), tol * std::max(std::fabs(b), 1e-300) + 1e-300) << what << ": " << a << " vs " << b;
}

struct Case {
    const char* name;
    bool counting, weights, offset, cluster;
    int strata;
    CoxTies ties;
    std::optional<bool> robust;
};

class CoxRankInvariance : public ::testing::TestWithParam<Case> {};

TEST_P(CoxRankInvariance, SameNumbersAsOneRank) {
    const Case c = GetParam();
    const int p = 4;
    const auto rows = test::synthetic_rows(1500, p, 42, c.counting, c.strata, c.weights, c.offset);
    CoxOptions opt;
    opt.ties = c.ties;
    opt.robust = c.robust;

    ModelFrame all = test::make_frame(rows, p, c.counting, c.strata, c.cluster);
    const CoxFit ref = fit_cox(all, c.strata, opt, self(), "reference", {"t", "s"});
    ModelFrame part = test::make_frame(share(rows, world().rank(), world().size()), p, c.counting, c.strata, c.cluster);
    const CoxFit got = fit_cox(part, c.strata, opt, world(), "distributed", {"t", "s"});

    const double tol = 1e-10;
    EXPECT_EQ(got.n, ref.n);
    EXPECT_EQ(got.events, ref.events);
    EXPECT_EQ(got.iterations, ref.iterations);
    EXPECT_EQ(got.converged, ref.converged);
    expect_rel(got.loglik, ref.loglik, tol, "loglik");
    expect_rel(got.loglik_null, ref.loglik_null, tol, "loglik null");
    expect_rel(got.score_test, ref.score_test, tol, "score test");
    expect_rel(got.wald_test, ref.wald_test, tol, "wald test");
    for (int j = 0; j < p; ++j) {
        expect_rel(got.beta(j), ref.beta(j), tol, "beta");
        expect_rel(got.var(j, j), ref.var(j, j), tol, "var");
    }
    ASSERT_EQ(got.robust_var.has_value(), ref.robust_var.has_value());
    if (ref.robust_var) {
        for (int j = 0; j < p; ++j) expect_rel((*got.robust_var)(j, j), (*ref.robust_var)(j, j), tol, "robust var");
        expect_rel(*got.robust_score_test, *ref.robust_score_test, tol, "robust score");
        EXPECT_EQ(got.clusters, ref.clusters);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CoxRankInvariance,
    ::testing::Values(Case{"efron", false, false, false, false, 1, CoxTies::efron, std::nullopt},
                      Case{"breslow_strata", false, false, false, false, 3, CoxTies::breslow, std::nullopt},
                      Case{"efron_weights_offset", false, true, true, false, 2, CoxTies::efron, std::nullopt},
                      Case{"counting_cluster", true, false, false, true, 2, CoxTies::efron, std::nullopt},
                      Case{"counting_breslow_weights", true, true, false, false, 1, CoxTies::breslow, true},
                      Case{"right_cluster_weights", false, true, false, true, 4, CoxTies::efron, std::nullopt}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

// A rank may hold no rows at all.
TEST(CoxRankInvarianceEmpty, RankWithoutRows) {
    const auto rows = test::synthetic_rows(200, 2, 9, false, 1, false, false);
    ModelFrame all = test::make_frame(rows, 2, false);
    const CoxFit ref = fit_cox(all, 1, {}, self(), "reference", {"t", "s"});
    const bool last = world().rank() == world().size() - 1 && world().size() > 1;
    ModelFrame part = test::make_frame(last ? std::vector<test::CoxRow>{} : share(rows, world().rank(), world().size() - (world().size() > 1)), 2, false);
    const CoxFit got = fit_cox(part, 1, {}, world(), "distributed", {"t", "s"});
    for (int j = 0; j < 2; ++j) expect_rel(got.beta(j), ref.beta(j), 1e-10, "beta");
}

}  // namespace
}  // namespace kohort
