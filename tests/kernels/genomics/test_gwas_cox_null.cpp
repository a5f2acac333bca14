// The Surv GWAS null model (kernels/genomics/gwas_cox_null): every rank generates the same data
// with tied times, takes an uneven interleaved share, and builds the null model over
// MPI_COMM_WORLD; compared with the model of all samples on one rank (MPI_COMM_SELF), and with the
// Cox fit's own information (cox_fit's risk-set second moments, a different computation from X'Z).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/genomics/gwas_cox_null.hpp"
#include "kernels/survival/cox_fit.hpp"

namespace kohort::gwas {
namespace {

const Comm& world() {
    static Comm c(MPI_COMM_WORLD);
    return c;
}
const Comm& self() {
    static Comm c(MPI_COMM_SELF);
    return c;
}

constexpr int kN = 500;

// Sample i goes to rank (i * 7 + i / 5) % size (as test_cox_mpi.cpp). size 1: everything.
GwasSamples make_samples(int rank, int size) {
    std::mt19937_64 rng(20261203);
    std::normal_distribution<double> normal;
    std::uniform_real_distribution<double> unif;
    GwasSamples s;
    std::vector<std::array<double, 4>> rows;
    for (int i = 0; i < kN; ++i) {
        const double x1 = normal(rng), x2 = unif(rng) < 0.4 ? 1.0 : 0.0;
        const double t_event = -std::log(unif(rng)) / (0.05 * std::exp(0.5 * x1 - 0.7 * x2));
        const double t_cens = 5 + 30 * unif(rng);
        const double t = std::ceil(std::min(t_event, t_cens));  // whole units: many tied times
        if (static_cast<int>((i * 7 + i / 5) % size) == rank) rows.push_back({x1, x2, t, t_event <= t_cens ? 1.0 : 0.0});
    }
    const auto n = static_cast<Eigen::Index>(rows.size());
    s.C.resize(n, 2);
    s.time.resize(n);
    s.status.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        const auto& r = rows[static_cast<std::size_t>(i)];
        s.C(i, 0) = r[0];
        s.C(i, 1) = r[1];
        s.time[i] = r[2];
        s.status[i] = static_cast<int>(r[3]);
    }
    s.n_total = kN;
    return s;
}

double rel(double a, double b) { return std::fabs(a - b) / std::max(std::fabs(b), 1e-300); }

TEST(GwasCoxNull, InformationIsTheCoxFitsAndScoreIsZero) {
    const GwasSamples all = make_samples(0, 1);
    const CoxNullModel m = fit_null_model(all, self(), "test", {"t", "s"});
    ASSERT_GT(m.tied_bins(), 5);  // the data exercise Efron's tie correction
    ModelFrame frame = cox_frame(all, nullptr);
    const CoxFit fit = fit_cox(frame, 1, CoxOptions{}, self(), "test", {"t", "s"});
    const Eigen::MatrixXd product = m.info * fit.var;
    EXPECT_LT((product - Eigen::MatrixXd::Identity(2, 2)).cwiseAbs().maxCoeff(), 1e-8) << product;
    // U_x = X'm vanishes at the estimate (up to the fit's convergence); H sums to the events.
    EXPECT_LT(m.score_x.cwiseAbs().maxCoeff() / std::sqrt(m.info.diagonal().maxCoeff()), 1e-4) << m.score_x;
    EXPECT_LT(rel(m.cumhaz.sum(), static_cast<double>(m.events)), 1e-12);
    EXPECT_LT(std::fabs(m.W.col(0).sum()), 1e-9);
}

TEST(GwasCoxNull, DistributedEqualsOneRank) {
    const int rank = world().rank(), size = world().size();
    const GwasSamples all = make_samples(0, 1);
    const GwasSamples mine = make_samples(rank, size);
    const CoxNullModel one = fit_null_model(all, self(), "test", {"t", "s"});
    const CoxNullModel dist = fit_null_model(mine, world(), "test", {"t", "s"});
    ASSERT_EQ(dist.bins, one.bins);
    ASSERT_EQ(dist.tied_bins(), one.tied_bins());
    for (Eigen::Index a = 0; a < 2; ++a) {
        EXPECT_LT(rel(dist.beta[a], one.beta[a]), 1e-10);
        for (Eigen::Index b = 0; b < 2; ++b) EXPECT_LT(rel(dist.info(a, b), one.info(a, b)), 1e-10);
    }
    for (std::size_t j = 0; j < one.q0.size(); ++j) EXPECT_LT(rel(dist.q0[j], one.q0[j]), 1e-10);
    for (std::size_t j = 0; j < one.q1.size(); ++j) {
        EXPECT_LT(rel(dist.q1[j], one.q1[j]), 1e-10);
        EXPECT_LT(rel(dist.q2[j], one.q2[j]), 1e-10);
    }
    // This rank's samples: the same residual pieces as in the one-rank model.
    Eigen::Index k = 0;
    for (int i = 0; i < kN; ++i) {
        if (static_cast<int>((i * 7 + i / 5) % size) != rank) continue;
        for (Eigen::Index c = 0; c < 3; ++c)
            EXPECT_NEAR(dist.W(k, c), one.W(i, c), 1e-10 * (1 + std::fabs(one.W(i, c)))) << "sample " << i;
        EXPECT_NEAR(dist.cumhaz[k], one.cumhaz[i], 1e-10 * (1 + one.cumhaz[i]));
        ++k;
    }
}

}  // namespace
}  // namespace kohort::gwas
