// Rank invariance: every rank generates the same data, fits its share over MPI_COMM_WORLD, and
// compares with a fit of all rows on one rank (MPI_COMM_SELF). Shares are deliberately uneven and
// interleaved, clusters span ranks, and a stratum may be missing on some ranks. Both ways of
// combining ranks (rows distributed by event time, the default, and the allreduce of every event
// time's sums) are compared with the one-rank allreduce fit, which never moves a row.
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

void expect_same_fit(const CoxFit& got, const CoxFit& ref, int p, const std::string& mode) {
    const double tol = 1e-10;
    EXPECT_EQ(got.n, ref.n) << mode;
    EXPECT_EQ(got.events, ref.events) << mode;
    EXPECT_EQ(got.iterations, ref.iterations) << mode;
    EXPECT_EQ(got.converged, ref.converged) << mode;
    expect_rel(got.loglik, ref.loglik, tol, mode + " loglik");
    expect_rel(got.loglik_null, ref.loglik_null, tol, mode + " loglik null");
    expect_rel(got.score_test, ref.score_test, tol, mode + " score test");
    expect_rel(got.wald_test, ref.wald_test, tol, mode + " wald test");
    for (int j = 0; j < p; ++j) {
        expect_rel(got.beta(j), ref.beta(j), tol, mode + " beta");
        for (int k = 0; k < p; ++k) expect_rel(got.var(j, k), ref.var(j, k), tol, mode + " var");
    }
    ASSERT_EQ(got.robust_var.has_value(), ref.robust_var.has_value()) << mode;
    if (ref.robust_var) {
        for (int j = 0; j < p; ++j)
            for (int k = 0; k < p; ++k) expect_rel((*got.robust_var)(j, k), (*ref.robust_var)(j, k), tol, mode + " robust var");
        expect_rel(*got.robust_score_test, *ref.robust_score_test, tol, mode + " robust score");
        EXPECT_EQ(got.clusters, ref.clusters) << mode;
    }
}

// Fits all rows on one rank with the allreduce scheme (no row moves), then this rank's share over
// MPI_COMM_WORLD with each scheme, and compares.
void check_rank_invariance(const std::vector<test::CoxRow>& rows, int p, bool counting, int strata, bool cluster,
                           CoxOptions opt) {
    opt.communication = CoxCommunication::allreduce;
    ModelFrame all = test::make_frame(rows, p, counting, strata, cluster);
    const CoxFit ref = fit_cox(all, strata, opt, self(), "reference", {"t", "s"});
    for (const CoxCommunication mode : {CoxCommunication::by_time, CoxCommunication::allreduce}) {
        opt.communication = mode;
        ModelFrame part = test::make_frame(share(rows, world().rank(), world().size()), p, counting, strata, cluster);
        const CoxFit got = fit_cox(part, strata, opt, world(), "distributed", {"t", "s"});
        const bool by_time = mode == CoxCommunication::by_time;
        expect_same_fit(got, ref, p, by_time ? "by time" : "allreduce");
        // By time, a pass's collectives carry one scan block (stratum tag + 1 + p + p(p+1)/2
        // sums) and one allreduce of (loglik, U, lower(I)), whatever the number of event times.
        const std::size_t block = static_cast<std::size_t>(1 + p + p * (p + 1) / 2);
        if (by_time) EXPECT_EQ(got.bytes_per_iteration, (2 * block + 1) * sizeof(double));
        else EXPECT_EQ(got.bytes_per_iteration, static_cast<std::size_t>(got.bins) * block * sizeof(double) *
                                                    (opt.ties == CoxTies::efron ? 2 : 1));
    }
}

TEST_P(CoxRankInvariance, SameNumbersAsOneRank) {
    const Case c = GetParam();
    const int p = 4;
    const auto rows = test::synthetic_rows(1500, p, 42, c.counting, c.strata, c.weights, c.offset);
    CoxOptions opt;
    opt.ties = c.ties;
    opt.robust = c.robust;
    check_rank_invariance(rows, p, c.counting, c.strata, c.cluster, opt);
}

// Fewer event times than ranks: some ranks own no bin (their rows all move away), and a
// counting-process row's entry may be owned by a rank that owns none of its exits.
TEST(CoxRankInvarianceFewTimes, RanksWithoutEventTimes) {
    for (const bool counting : {false, true}) {
        auto rows = test::synthetic_rows(400, 3, 5, counting, 1, true, false);
        for (auto& r : rows) {
            r.stop = r.stop > 12 ? 2 : 1;
            r.start = counting && r.stop > 1 && r.x[0] > 0 ? 1 : 0;
        }
        CoxOptions opt;
        opt.robust = true;
        check_rank_invariance(rows, 3, counting, 1, true, opt);
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

// Enough rows that each rank's rows fill several windows of the move (row_windows.hpp: at least
// 4,104 rows a window), so rows from every source land in windows other than the first; with
// counting-process rows, entry replicas and clusters as well.
TEST(CoxRankInvarianceWindows, RowsFillSeveralWindows) {
    for (const bool counting : {false, true}) {
        const auto rows = test::synthetic_rows(30000, 3, 17, counting, 2, true, false);
        CoxOptions opt;
        opt.robust = true;
        check_rank_invariance(rows, 3, counting, 2, true, opt);
    }
}

// A rank may hold no rows at all.
TEST(CoxRankInvarianceEmpty, RankWithoutRows) {
    const auto rows = test::synthetic_rows(200, 2, 9, false, 1, false, false);
    ModelFrame all = test::make_frame(rows, 2, false);
    CoxOptions old;
    old.communication = CoxCommunication::allreduce;
    const CoxFit ref = fit_cox(all, 1, old, self(), "reference", {"t", "s"});
    const bool last = world().rank() == world().size() - 1 && world().size() > 1;
    ModelFrame part = test::make_frame(last ? std::vector<test::CoxRow>{} : share(rows, world().rank(), world().size() - (world().size() > 1)), 2, false);
    const CoxFit got = fit_cox(part, 1, {}, world(), "distributed", {"t", "s"});
    for (int j = 0; j < 2; ++j) expect_rel(got.beta(j), ref.beta(j), 1e-10, "beta");
}

}  // namespace
}  // namespace kohort
