// Cox kernel on one rank: closed-form cases derived by hand, algebraic identities (weights as
// copies, a split counting-process interval, merge of partial sums) and bad input.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "cox_test_data.hpp"
#include "kernels/survival/cox_distribute.hpp"
#include "kernels/survival/cox_fit.hpp"
#include "kernels/survival/cox_linalg.hpp"
#include "kernels/survival/event_times.hpp"
#include "kernels/survival/risk_set.hpp"
#include "kernels/survival/row_windows.hpp"

namespace kohort {
namespace {

using test::CoxRow;
using test::make_frame;

const Comm& self() {
    static Comm c(MPI_COMM_SELF);
    return c;
}

CoxFit fit(const std::vector<CoxRow>& rows, int p, bool counting, CoxOptions opt = {}, int n_strata = 1,
           bool cluster = false) {
    ModelFrame f = make_frame(rows, p, counting, n_strata, cluster);
    return fit_cox(f, n_strata, opt, self(), "test model", {"time", "status"});
}

// Therneau & Grambsch's small test data (T&G 2000, appendix E, "test data 1"), derived here:
//   (time, status, x) = (1,1,1) (1,0,1) (6,1,1) (6,1,0) (8,0,0) (9,1,0)
// With r = exp(beta): event time 1 has risk set sum 3r + 3 and the death x = 1; time 6 has
// risk set sum r + 3 and two deaths (x = 1 and x = 0); time 9 has one subject (x = 0).
//   Breslow: l(b) = 2b - log(3r + 3) - 2 log(r + 3),  U = 2 - r/(r+1) - 2r/(r+3)
//            U = 0  <=>  r^2 - 3r - 6 = 0  =>  r = (3 + sqrt(33))/2
//            I(b) = r/(r+1)^2 + 6r/(r+3)^2;  at b = 0: U = 1, I = 5/8, score test = 8/5
//   Efron:   l(b) = 2b - log(3r + 3) - log(r + 3) - log((r + 5)/2)
//            U = 2 - r/(r+1) - r/(r+3) - r/(r+5),  I = r/(r+1)^2 + 3r/(r+3)^2 + 5r/(r+5)^2
std::vector<CoxRow> tg_data1() {
    return {{0, 1, 1, {1}}, {0, 1, 0, {1}}, {0, 6, 1, {1}}, {0, 6, 1, {0}}, {0, 8, 0, {0}}, {0, 9, 1, {0}}};
}

double efron_score(double b) {
    const double r = std::exp(b);
    return 2 - r / (r + 1) - r / (r + 3) - r / (r + 5);
}

TEST(CoxClosedForm, BreslowTestData1) {
    CoxOptions opt;
    opt.ties = CoxTies::breslow;
    const CoxFit f = fit(tg_data1(), 1, false, opt);
    const double r = (3 + std::sqrt(33.0)) / 2;
    EXPECT_TRUE(f.converged);
    EXPECT_NEAR(f.beta(0), std::log(r), 1e-9);
    EXPECT_NEAR(f.loglik_null, -std::log(6.0) - 2 * std::log(4.0), 1e-12);
    EXPECT_NEAR(f.loglik, 2 * std::log(r) - std::log(3 * r + 3) - 2 * std::log(r + 3), 1e-12);
    EXPECT_NEAR(f.score_test, 1.6, 1e-12);
    const double info = r / ((r + 1) * (r + 1)) + 6 * r / ((r + 3) * (r + 3));
    EXPECT_NEAR(f.var(0, 0), 1 / info, 1e-9);
    EXPECT_NEAR(f.wald_test, std::log(r) * std::log(r) * info, 1e-8);
    EXPECT_EQ(f.df, 1);
    EXPECT_EQ(f.n, 6);
    EXPECT_EQ(f.events, 4);
}

TEST(CoxClosedForm, EfronTestData1) {
    const CoxFit f = fit(tg_data1(), 1, false);
    // Root of the Efron score by bisection (U is decreasing in b).
    double lo = 0, hi = 5;
    for (int k = 0; k < 200; ++k) {
        const double mid = (lo + hi) / 2;
        (efron_score(mid) > 0 ? lo : hi) = mid;
    }
    const double b = (lo + hi) / 2, r = std::exp(b);
    EXPECT_NEAR(f.beta(0), b, 1e-9);
    EXPECT_NEAR(f.loglik, 2 * b - std::log(3 * r + 3) - std::log(r + 3) - std::log((r + 5) / 2), 1e-12);
    const double u0 = efron_score(0), i0 = 1.0 / 4 + 3.0 / 16 + 5.0 / 36;
    EXPECT_NEAR(f.score_test, u0 * u0 / i0, 1e-12);
    const double info = r / ((r + 1) * (r + 1)) + 3 * r / ((r + 3) * (r + 3)) + 5 * r / ((r + 5) * (r + 5));
    EXPECT_NEAR(f.var(0, 0), 1 / info, 1e-9);
}

// Without ties, the Cox score test for a two-group indicator is the log-rank test
// (T&G 2000, section 3.4): U = O1 - E1, I = sum over deaths of p1 (1 - p1), p1 = n1/n.
TEST(CoxClosedForm, ScoreTestIsLogRankWithoutTies) {
    std::vector<CoxRow> rows;
    const double times[] = {3, 5, 7, 8, 11, 13, 14, 17, 19, 23, 26, 29};
    const int status[] = {1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1};
    const double group[] = {1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1};
    for (int i = 0; i < 12; ++i) rows.push_back({0, times[i], status[i], {group[i]}});
    double o_minus_e = 0, v = 0;
    for (int i = 0; i < 12; ++i) {
        if (!status[i]) continue;
        double n = 0, n1 = 0;
        for (int k = 0; k < 12; ++k)
            if (times[k] >= times[i]) {
                n += 1;
                n1 += group[k];
            }
        o_minus_e += group[i] - n1 / n;
        v += (n1 / n) * (1 - n1 / n);
    }
    for (CoxTies ties : {CoxTies::breslow, CoxTies::efron}) {
        CoxOptions opt;
        opt.ties = ties;
        const CoxFit f = fit(rows, 1, false, opt);
        EXPECT_NEAR(f.score_test, o_minus_e * o_minus_e / v, 1e-12);
    }
}

// Monotone likelihood: the only death has the larger x at every event time, so beta -> infinity.
TEST(CoxClosedForm, MonotoneLikelihoodIsReported) {
    const std::vector<CoxRow> rows = {{0, 1, 1, {1}}, {0, 2, 0, {0}}, {0, 3, 0, {0}}};
    const CoxFit f = fit(rows, 1, false);
    const bool flagged = !f.converged || f.ran_out_maybe_infinite || f.maybe_infinite[0];
    EXPECT_TRUE(flagged);
    EXPECT_GT(f.beta(0), 5);
}

// Breslow only: with Efron, copies of a death add tied deaths (d counts rows), weights do not,
// so the two are different likelihoods there (as in R).
TEST(CoxIdentities, IntegerWeightsEqualCopiesBreslow) {
    auto rows = test::synthetic_rows(300, 3, 7, false, 2, true, true);
    std::vector<CoxRow> copies;
    for (const auto& r : rows)
        for (int k = 0; k < static_cast<int>(r.weight); ++k) {
            CoxRow c = r;
            c.weight = 1;
            copies.push_back(c);
        }
    CoxOptions opt;
    opt.robust = false;
    opt.ties = CoxTies::breslow;
    const CoxFit a = fit(rows, 3, false, opt, 2);
    const CoxFit b = fit(copies, 3, false, opt, 2);
    for (int j = 0; j < 3; ++j) {
        EXPECT_NEAR(a.beta(j), b.beta(j), 1e-10 * (1 + std::fabs(b.beta(j))));
        EXPECT_NEAR(a.var(j, j), b.var(j, j), 1e-10 * b.var(j, j));
    }
    EXPECT_NEAR(a.loglik, b.loglik, 1e-9 * std::fabs(b.loglik));
    EXPECT_NEAR(a.score_test, b.score_test, 1e-9 * b.score_test);
}

// Surv(time, status) equals Surv(0, time, status); splitting (0, t] at an interior point with a
// censored first piece changes nothing either (the subject is at risk over the same times).
TEST(CoxIdentities, CountingProcessMatchesRightCensored) {
    auto rows = test::synthetic_rows(400, 3, 11, false, 3, false, false);
    std::vector<CoxRow> split;
    for (const auto& r : rows) {
        if (r.stop >= 4) {
            CoxRow a = r, b = r;
            a.start = 0;
            a.stop = 2;
            a.status = 0;
            b.start = 2;
            split.push_back(a);
            split.push_back(b);
        } else {
            split.push_back(r);
        }
    }
    for (CoxTies ties : {CoxTies::breslow, CoxTies::efron}) {
        CoxOptions opt;
        opt.ties = ties;
        const CoxFit a = fit(rows, 3, false, opt, 3);
        const CoxFit b = fit(rows, 3, true, opt, 3);
        const CoxFit c = fit(split, 3, true, opt, 3);
        for (int j = 0; j < 3; ++j) {
            EXPECT_NEAR(a.beta(j), b.beta(j), 1e-9 * (1 + std::fabs(a.beta(j))));
            EXPECT_NEAR(a.beta(j), c.beta(j), 1e-9 * (1 + std::fabs(a.beta(j))));
            EXPECT_NEAR(a.var(j, j), c.var(j, j), 1e-9 * a.var(j, j));
        }
        EXPECT_NEAR(a.loglik, c.loglik, 1e-9 * std::fabs(a.loglik));
        EXPECT_NEAR(a.score_test, c.score_test, 1e-9 * a.score_test);
    }
}

// consume on two disjoint shares of the rows, then merge, equals one consume over all rows.
TEST(CoxMerge, TwoSharesEqualOnePass) {
    for (bool counting : {false, true}) {
        auto rows = test::synthetic_rows(500, 4, 3, counting, 2, true, true);
        ModelFrame f = make_frame(rows, 4, counting, 2);
        CoxSetup setup;
        CoxRows all = prepare_cox_rows(f, 2, self(), "merge test", {"t", "s"}, setup);
        std::vector<Eigen::Index> even, odd;
        for (Eigen::Index i = 0; i < all.n(); ++i) (i % 2 ? odd : even).push_back(i);
        CoxRows a = select_rows(all, even, setup.bins), b = select_rows(all, odd, setup.bins);

        Eigen::VectorXd beta(4);
        beta << 0.2, -0.1, 0.3, 0.05;
        Eigen::VectorXd risk;
        RiskSetSums whole(setup.bins.size(), 4, true), sa(setup.bins.size(), 4, true),
            sb(setup.bins.size(), 4, true);
        whole.consume(all, beta, risk);
        sa.consume(a, beta, risk);
        sb.consume(b, beta, risk);
        sa.merge(sb);
        for (CoxTies ties : {CoxTies::breslow, CoxTies::efron}) {
            const CoxDerivatives x = whole.finalize(setup, ties, beta), y = sa.finalize(setup, ties, beta);
            EXPECT_NEAR(x.loglik, y.loglik, 1e-11 * std::fabs(x.loglik));
            EXPECT_LT((x.u - y.u).norm(), 1e-10 * (1 + x.u.norm()));
            EXPECT_LT((x.imat - y.imat).norm(), 1e-10 * x.imat.norm());
        }
    }
}

// Rows distributed by time, without MPI: the bins cut into three windows (one boundary inside a
// stratum), each window's rows (exit bin inside it, plus entry copies) summed alone; the windows'
// partial derivatives, each from the carry of the windows after it, add up to one pass over all.
TEST(CoxTimeWindows, WindowsWithCarryEqualOnePass) {
    for (bool counting : {false, true}) {
        auto rows = test::synthetic_rows(600, 3, 11, counting, 2, true, true);
        ModelFrame f = make_frame(rows, 3, counting, 2);
        CoxSetup setup;
        CoxRows all = prepare_cox_rows(f, 2, self(), "window test", {"t", "s"}, setup);
        const RowLabels labels = row_labels(all, setup.bins);
        const std::int64_t T = setup.bins.size();
        const std::vector<std::int64_t> cut = {0, setup.bins.begin(1) / 2, setup.bins.begin(1) + 3, T};
        Eigen::VectorXd beta(3);
        beta << 0.2, -0.1, 0.3;
        Eigen::VectorXd risk;
        RiskSetSums whole(T, 3, true);
        whole.consume(all, beta, risk);
        for (CoxTies ties : {CoxTies::breslow, CoxTies::efron}) {
            CoxDerivatives sum;
            sum.u = Eigen::VectorXd::Zero(3);
            sum.imat = Eigen::MatrixXd::Zero(3, 3);
            std::vector<double> later;  // scan result over the windows after the current one
            for (int w = 2; w >= 0; --w) {
                std::vector<Eigen::Index> exit;
                for (Eigen::Index i = 0; i < all.n(); ++i)
                    if (labels.last_bin[static_cast<std::size_t>(i)] >= cut[static_cast<std::size_t>(w)] &&
                        labels.last_bin[static_cast<std::size_t>(i)] < cut[static_cast<std::size_t>(w) + 1])
                        exit.push_back(i);
                CoxRows mine = all;
                mine.bin_begin = cut[static_cast<std::size_t>(w)];
                mine.bin_end = cut[static_cast<std::size_t>(w) + 1];
                mine = select_rows(mine, exit, setup.bins);  // entries of other windows' rows: below
                RiskSetSums part(mine.bin_begin, mine.bin_end, 3, true);
                part.consume(mine, beta, risk);
                // Entry copies: rows exiting elsewhere whose entry bin is in this window.
                std::vector<Eigen::Index> others;
                for (Eigen::Index i = 0; i < all.n(); ++i) {
                    const auto k = static_cast<std::size_t>(i);
                    if (!counting) break;  // right-censored rows enter at their stratum's first bin
                    const std::int64_t e = all.first_bin[k] - 1;
                    if (labels.last_bin[k] >= 0 && (labels.last_bin[k] < mine.bin_begin || labels.last_bin[k] >= mine.bin_end) &&
                        all.first_bin[k] > setup.bins.begin(labels.stratum[k]) && e >= mine.bin_begin && e < mine.bin_end)
                        others.push_back(i);
                }
                if (!others.empty()) {
                    CoxRows copies = all;
                    copies.bin_begin = mine.bin_begin;
                    copies.bin_end = mine.bin_end;
                    copies = select_rows(copies, others, setup.bins);
                    copies.replicas = copies.n();
                    std::fill(copies.last_bin.begin(), copies.last_bin.end(), -1);
                    build_groups(copies, setup.bins);
                    RiskSetSums entry(mine.bin_begin, mine.bin_end, 3, true);
                    entry.consume(copies, beta, risk);
                    part.merge(entry);
                }
                const RiskSetCarry carry = part.carry_from(setup.bins, later, !later.empty());
                const CoxDerivatives d = part.partial_derivatives(setup, ties, carry);
                sum.loglik += d.loglik;
                sum.u += d.u;
                sum.imat += d.imat;
                std::vector<double> mine_block = part.carry_block(setup.bins), out(mine_block.size());
                if (later.empty()) {
                    later = mine_block;
                } else {
                    RiskSetSums::combine_carry(part.block_size(), mine_block.data(), later.data(), out.data());
                    later = out;
                }
            }
            RiskSetSums::add_death_terms(setup, beta, sum);
            const CoxDerivatives x = whole.finalize(setup, ties, beta);
            EXPECT_NEAR(x.loglik, sum.loglik, 1e-11 * std::fabs(x.loglik)) << counting;
            EXPECT_LT((x.u - sum.u).norm(), 1e-10 * (1 + x.u.norm())) << counting;
            EXPECT_LT((x.imat - sum.imat).norm(), 1e-10 * x.imat.norm()) << counting;
        }
    }
}

// Range boundaries balance rows: counts 5,1,1,1,1,1 over 3 ranks (total 10) start rank 1 at the
// first bin with >= 10/3 rows before it (bin 1) and rank 2 at >= 20/3 (bin 3); with more ranks than
// bins some ranks own nothing (rank r starts where r/4 of the rows are before it: 0, 1, 1, 2).
TEST(CoxTimeWindows, CutByRows) {
    EXPECT_EQ(cut_by_rows({5, 1, 1, 1, 1, 1}, 3).cut, (std::vector<std::int64_t>{0, 1, 3, 6}));
    EXPECT_EQ(cut_by_rows({2, 2, 2, 2}, 2).cut, (std::vector<std::int64_t>{0, 2, 4}));
    const TimeRanges r = cut_by_rows({1, 1}, 4);
    EXPECT_EQ(r.cut, (std::vector<std::int64_t>{0, 1, 1, 2, 2}));  // ranks 1 and 3 own no bin
    EXPECT_EQ(r.owner(0), 0);
    EXPECT_EQ(r.owner(1), 2);
}

// The information matrix from finalize is the derivative of the score (finite differences),
// and the score the derivative of the log-likelihood, for both tie methods and data kinds.
TEST(CoxDerivativesCheck, MatchFiniteDifferences) {
    for (bool counting : {false, true}) {
        auto rows = test::synthetic_rows(300, 3, 5, counting, 2, true, true);
        ModelFrame f = make_frame(rows, 3, counting, 2);
        CoxSetup setup;
        CoxRows all = prepare_cox_rows(f, 2, self(), "fd test", {"t", "s"}, setup);
        RiskSetSums sums(setup.bins.size(), 3, true);
        Eigen::VectorXd beta(3), risk;
        beta << 0.3, -0.2, 0.1;
        for (CoxTies ties : {CoxTies::breslow, CoxTies::efron}) {
            auto eval = [&](const Eigen::VectorXd& b) {
                sums.clear();
                sums.consume(all, b, risk);
                return sums.finalize(setup, ties, b);
            };
            const CoxDerivatives d = eval(beta);
            const double h = 1e-5;
            for (int j = 0; j < 3; ++j) {
                Eigen::VectorXd bp = beta, bm = beta;
                bp(j) += h;
                bm(j) -= h;
                const CoxDerivatives p = eval(bp), m = eval(bm);
                EXPECT_NEAR(d.u(j), (p.loglik - m.loglik) / (2 * h), 1e-5 * (1 + std::fabs(d.u(j))));
                for (int k = 0; k < 3; ++k)
                    EXPECT_NEAR(d.imat(k, j), -(p.u(k) - m.u(k)) / (2 * h), 1e-5 * (1 + std::fabs(d.imat(k, j))));
            }
        }
    }
}

// Robust variance identity: with every row its own cluster and no ties, the per-row score
// residuals sum to the score, which is 0 at the estimate; and clustering identical ids must
// equal the per-row version when each cluster holds one row.
TEST(CoxRobust, OneRowClustersEqualPerObservation) {
    auto rows = test::synthetic_rows(300, 3, 13, false, 1, false, false);
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i].cluster = static_cast<std::int64_t>(1000 + 7 * i);
    CoxOptions opt;
    opt.robust = true;
    const CoxFit a = fit(rows, 3, false, opt, 1, false);
    const CoxFit b = fit(rows, 3, false, opt, 1, true);
    ASSERT_TRUE(a.robust_var && b.robust_var);
    EXPECT_LT((*a.robust_var - *b.robust_var).norm(), 1e-12 * a.robust_var->norm());
    EXPECT_EQ(b.clusters, 300);
}

TEST(CoxLinalg, MatchesInverseAndDropsRedundantColumn) {
    Eigen::MatrixXd a(3, 3);
    a << 4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2;
    SingularLdl ldl(a, 1e-12);
    EXPECT_EQ(ldl.rank(), 3);
    EXPECT_LT((ldl.inverse() - a.inverse()).norm(), 1e-12);
    Eigen::MatrixXd s(3, 3);  // third column = first + second
    s << 1, 0, 1, 0, 2, 2, 1, 2, 3;
    SingularLdl sl(s, 1e-12);
    EXPECT_EQ(sl.rank(), 2);
    EXPECT_TRUE(sl.redundant(2));
    EXPECT_EQ(sl.inverse()(2, 2), 0.0);
}

TEST(CoxEventTimes, IndexPerStratum) {
    EventTimeIndex idx = EventTimeIndex::from_pairs(3, {1, 0, 1, 0, 1}, {5, 2, 3, 2, 5});
    EXPECT_EQ(idx.size(), 3);
    EXPECT_EQ(idx.begin(0), 0);
    EXPECT_EQ(idx.end(0), 1);
    EXPECT_EQ(idx.begin(1), 1);
    EXPECT_EQ(idx.end(1), 3);
    EXPECT_FALSE(idx.stratum_has_events(2));
    EXPECT_EQ(idx.last_at_or_before(1, 4), 1);
    EXPECT_EQ(idx.last_at_or_before(1, 2), -1);
    EXPECT_EQ(idx.first_after(1, 3), 2);
    EXPECT_EQ(idx.find(1, 5), 2);
    EXPECT_EQ(idx.find(0, 3), -1);
}

// The whole-number table must give exactly the binary search's answers: at whole numbers inside
// and outside its range, between them, at -0.0, NaN and infinities, in every stratum.
TEST(CoxEventTimes, WholeTimeTableAgreesWithSearch) {
    EventTimeIndex idx = EventTimeIndex::from_pairs(3, {0, 0, 0, 1, 1, 2}, {2, 5, 7.5, 1, 4, 3});
    WholeTimeGrid grid;
    for (double t : {0.0, 9.0, 2.5}) grid.add(t);  // whole numbers 0 .. 9; 2.5 widens nothing
    grid.close(3);
    ASSERT_FALSE(grid.empty());
    EXPECT_EQ(grid.width(), 10);
    RowBinLookup lookup(idx, grid);
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> probes{-3, -0.0, 0, 1, 1.5, 2, 3, 4, 4.999, 5, 6, 7, 7.5, 8, 9, 10, 1e300, inf, -inf};
    for (int s = 0; s < 3; ++s)
        for (double t : probes) {
            EXPECT_EQ(lookup.last_at_or_before(s, t), idx.last_at_or_before(s, t)) << "stratum " << s << ", t " << t;
            EXPECT_EQ(lookup.first_after(s, t), idx.first_after(s, t)) << "stratum " << s << ", t " << t;
        }
    EXPECT_EQ(grid.cell(0, std::nan("")), -1);
    EXPECT_EQ(lookup.last_at_or_before(0, std::nan("")), idx.last_at_or_before(0, std::nan("")));
}

// Adding many times at once (in lanes) must widen the range exactly as adding them one by one:
// fractions and NaN widen nothing, whatever their place among the lanes and the tail. The range's
// ends are whole numbers known in advance: 3 .. 17, the 3 at the tail's last place.
TEST(CoxEventTimes, WholeTimeGridAddsArraysAsOneByOne) {
    const double nan = std::nan("");
    const std::vector<double> times{9, 2.5, nan, 17, 12, -1.5, 8, 4, 16.5, 11, nan, 5, 0.25, 10, 6, 20.5, 7, 3};
    for (std::size_t n : {std::size_t{0}, std::size_t{5}, std::size_t{8}, times.size()}) {
        WholeTimeGrid one, many;
        for (std::size_t i = 0; i < n; ++i) one.add(times[i]);
        many.add(times.data(), n);
        one.close(2);
        many.close(2);
        EXPECT_EQ(many.empty(), one.empty()) << n;
        EXPECT_EQ(many.width(), one.width()) << n;
        EXPECT_EQ(many.lo(), one.lo()) << n;
    }
    WholeTimeGrid all;
    all.add(times.data(), times.size());
    all.close(1);
    EXPECT_EQ(all.lo(), 3);
    EXPECT_EQ(all.width(), 15);  // 3 .. 17
}

TEST(CoxEventTimes, WholeTimeGridStaysEmptyWhenTooWide) {
    WholeTimeGrid wide;
    wide.add(0);
    wide.add(static_cast<double>(WholeTimeGrid::kMaxCells));  // kMaxCells + 1 whole numbers
    wide.close(1);
    EXPECT_TRUE(wide.empty());
    EXPECT_EQ(wide.cell(0, 0), -1);  // an empty grid has no cell for a time inside the range it saw
    EXPECT_EQ(wide.cell(0, 7), -1);
    WholeTimeGrid infinite;
    infinite.add(1);
    infinite.add(std::numeric_limits<double>::infinity());
    infinite.close(1);
    EXPECT_TRUE(infinite.empty());
    WholeTimeGrid fractional;  // no whole number at all
    fractional.add(0.5);
    fractional.close(2);
    EXPECT_TRUE(fractional.empty());
    const EventTimeIndex idx = EventTimeIndex::from_pairs(1, {0, 0}, {1, 2});  // outlives the lookup
    RowBinLookup lookup(idx, fractional);
    EXPECT_EQ(lookup.last_at_or_before(0, 1.5), 0);
}

// gather marks whole-number event times in the grid and hashes the rest: the index it builds
// must be the one from_pairs builds from the same event rows (censored rows left out).
TEST(CoxEventTimes, GatherMixesWholeAndFractionalTimes) {
    const std::vector<std::int32_t> strata{0, 1, 0, 0, 1, 1, 0, 0, 1};
    const std::vector<double> stop{3, 3, 2.5, 3, 1e9, -0.0, 7, 2.5, 4};
    const std::vector<std::int32_t> status{1, 1, 1, 0, 1, 1, 1, 1, 0};
    const EventTimeIndex got = EventTimeIndex::gather(self(), 2, strata.data(), stop.data(), status.data(), stop.size());
    const EventTimeIndex want = EventTimeIndex::from_pairs(2, {0, 1, 0, 1, 1, 0}, {3, 3, 2.5, 1e9, 0.0, 7});
    // A caller's own grid (here over every row's time up to 10, censored rows too; 1e9 is off it)
    // must give the same index.
    WholeTimeGrid rows_grid;
    for (double t : stop)
        if (t <= 10) rows_grid.add(t);
    rows_grid.close(2);
    ASSERT_FALSE(rows_grid.empty());
    const EventTimeIndex with_grid =
        EventTimeIndex::gather(self(), 2, strata.data(), stop.data(), status.data(), stop.size(), rows_grid);
    for (const EventTimeIndex* idx : {&got, &with_grid}) {
        ASSERT_EQ(idx->size(), want.size());
        for (std::int64_t b = 0; b < want.size(); ++b) {
            EXPECT_EQ(idx->time(b), want.time(b)) << "bin " << b;
            EXPECT_FALSE(std::signbit(idx->time(b))) << "bin " << b;
            EXPECT_EQ(idx->stratum_of(b), want.stratum_of(b)) << "bin " << b;
        }
    }
}

// --- bad input -----------------------------------------------------------------------------

void expect_usage_error(const std::vector<CoxRow>& rows, bool counting, const std::string& needle) {
    try {
        fit(rows, 1, counting);
        ADD_FAILURE() << "expected a UsageError mentioning '" << needle << "'";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}

TEST(CoxBadInput, InfiniteOffset) {
    CoxRow bad{0, 2, 1, {1}};
    bad.offset = INFINITY;
    expect_usage_error({bad, {0, 3, 1, {0}}, {0, 1, 0, {1}}}, false, "1 row with an infinite offset");
}

TEST(CoxBadInput, NegativeTime) { expect_usage_error({{0, -1, 1, {1}}, {0, 2, 1, {0}}}, false, "negative time"); }

TEST(CoxBadInput, InfiniteTime) {
    expect_usage_error({{0, INFINITY, 1, {1}}, {0, 2, 1, {0}}}, false, "infinite time");
}

// The covariates' finiteness is read off the sums pass (cox_rows.cpp): an infinite value is still
// counted and named, and huge finite values whose weighted sum overflows are not called infinite.
TEST(CoxBadInput, InfiniteCovariate) {
    expect_usage_error({{0, 1, 1, {1}}, {0, 2, 1, {INFINITY}}, {0, 3, 0, {2}}}, false, "1 row with an infinite covariate value");
    expect_usage_error({{0, 1, 1, {-INFINITY}}, {0, 2, 1, {0}}, {0, 3, 0, {2}}}, false, "infinite covariate value");
}

TEST(CoxBadInput, HugeFiniteCovariateIsNotCalledInfinite) {
    try {
        fit({{0, 1, 1, {1e308}}, {0, 2, 1, {1e308}}, {0, 3, 0, {-1e308}}, {0, 4, 1, {0}}}, 1, false);
    } catch (const UsageError& e) {
        EXPECT_EQ(std::string(e.what()).find("infinite covariate"), std::string::npos) << e.what();
    }
}

TEST(CoxBadInput, StopNotAfterStart) {
    expect_usage_error({{3, 3, 1, {1}}, {0, 2, 1, {0}}}, true, "stop > start");
    expect_usage_error({{4, 3, 1, {1}}, {0, 2, 1, {0}}}, true, "stop > start");
}

TEST(CoxBadInput, AllCensored) { expect_usage_error({{0, 1, 0, {1}}, {0, 2, 0, {0}}}, false, "no events"); }

TEST(CoxBadInput, NonPositiveWeight) {
    std::vector<CoxRow> rows = {{0, 1, 1, {1}}, {0, 2, 1, {0}}};
    rows[0].weight = 0;
    expect_usage_error(rows, false, "weight");
}

// A constant covariate gets no estimate (R: NA); the others equal the fit without it.
TEST(CoxBadInput, ConstantCovariateIsRedundant) {
    auto rows = test::synthetic_rows(200, 2, 17, false, 1, false, false);
    auto with_const = rows;
    for (auto& r : with_const) r.x.push_back(3.7);
    const CoxFit a = fit(rows, 2, false);
    const CoxFit b = fit(with_const, 3, false);
    EXPECT_TRUE(b.constant[2]);
    EXPECT_TRUE(b.redundant[2]);
    EXPECT_TRUE(std::isnan(b.beta(2)));
    EXPECT_EQ(b.df, 2);
    for (int j = 0; j < 2; ++j) EXPECT_NEAR(a.beta(j), b.beta(j), 1e-10);
    EXPECT_NEAR(a.loglik, b.loglik, 1e-10 * std::fabs(a.loglik));
}

// A stratum without events is reported and contributes nothing.
TEST(CoxBadInput, StratumWithoutEvents) {
    auto rows = test::synthetic_rows(200, 2, 19, false, 1, false, false);
    auto more = rows;
    for (int i = 0; i < 10; ++i) more.push_back({0, 5.0 + i, 0, {0.1 * i, 1.0 * (i % 2)}, 1, 0, 1});
    const CoxFit a = fit(rows, 2, false);
    const CoxFit b = fit(more, 2, false, {}, 2);
    ASSERT_EQ(b.strata_without_events.size(), 1u);
    EXPECT_EQ(b.strata_without_events[0], 1);
    for (int j = 0; j < 2; ++j) EXPECT_NEAR(a.beta(j), b.beta(j), 1e-10);
}

// The set-up's per-row loops run on threads above 50,000 rows. Exit order is a stable counting
// sort: with any number of threads it must give std::stable_sort's order of the keys (deaths
// first within a bin, rows never at risk last).
TEST(CoxThreads, ExitOrderIsTheStableSortForAnyNumberOfThreads) {
    const std::int64_t bins = 700;
    const std::size_t n = 120000;
    std::mt19937_64 rng(5);
    std::vector<std::int64_t> last(n);
    std::vector<std::int8_t> event(n);
    for (std::size_t k = 0; k < n; ++k) {
        last[k] = static_cast<std::int64_t>(rng() % (bins + 1)) - 1;  // -1: never at risk
        event[k] = last[k] >= 0 && rng() % 3 == 0;
    }
    auto key = [&](std::size_t k) { return last[k] < 0 ? 2 * bins : 2 * last[k] + (event[k] ? 0 : 1); };
    std::vector<std::size_t> sorted(n);
    std::iota(sorted.begin(), sorted.end(), std::size_t{0});
    std::stable_sort(sorted.begin(), sorted.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
    std::vector<std::int64_t> expected(n);
    for (std::size_t pos = 0; pos < n; ++pos) expected[sorted[pos]] = static_cast<std::int64_t>(pos);

    const int saved = omp_get_max_threads();
    for (int threads : {1, 2, 3, 5}) {
        omp_set_num_threads(threads);
        EXPECT_EQ(exit_order(last, event, 0, bins), expected) << threads << " threads";
    }
    omp_set_num_threads(saved);
}

// The rows' layout and every sum of the set-up must be the same bits for any number of threads:
// right-censored and counting-process rows, with and without weights and offsets, whole and
// fractional times (the lookup's table and its per-thread cache).
TEST(CoxThreads, SetUpIsTheSameForAnyNumberOfThreads) {
    const int p = 3, n_strata = 2;
    const int saved = omp_get_max_threads();
    for (bool counting : {false, true})
        for (bool weighted : {false, true}) {
            std::vector<CoxRow> data = test::synthetic_rows(60000, p, 11, counting, n_strata, weighted, weighted);
            for (std::size_t k = 0; k < data.size(); k += 7) data[k].stop += 0.5;  // off the whole numbers
            auto prepare = [&](int threads, CoxSetup& setup) {
                omp_set_num_threads(threads);
                ModelFrame f = make_frame(data, p, counting, n_strata);
                return prepare_cox_rows(f, n_strata, self(), "thread test", {"t", "s"}, setup);
            };
            CoxSetup s1;
            const CoxRows r1 = prepare(1, s1);
            ASSERT_GT(s1.events, 0);
            for (int threads : {2, 3, 5}) {
                const std::string where = std::to_string(threads) + " threads, counting " + std::to_string(counting) +
                                          ", weighted " + std::to_string(weighted);
                CoxSetup s;
                const CoxRows r = prepare(threads, s);
                EXPECT_TRUE((r.X.array() == r1.X.array()).all()) << where;
                EXPECT_TRUE(r.weight.size() == r1.weight.size() && (r.weight.array() == r1.weight.array()).all()) << where;
                EXPECT_TRUE(r.offset.size() == r1.offset.size() && (r.offset.array() == r1.offset.array()).all()) << where;
                EXPECT_EQ(r.first_bin, r1.first_bin) << where;
                EXPECT_EQ(r.exit_group_begin, r1.exit_group_begin) << where;
                EXPECT_EQ(r.exit_group_bin, r1.exit_group_bin) << where;
                EXPECT_EQ(r.exit_group_deaths, r1.exit_group_deaths) << where;
                EXPECT_EQ(r.entry_rows, r1.entry_rows) << where;
                EXPECT_EQ(r.entry_group_begin, r1.entry_group_begin) << where;
                EXPECT_EQ(r.entry_group_bin, r1.entry_group_bin) << where;
                EXPECT_EQ(s.deaths, s1.deaths) << where;
                EXPECT_EQ(s.death_weight, s1.death_weight) << where;
                EXPECT_TRUE((s.death_x.array() == s1.death_x.array()).all()) << where;
                EXPECT_EQ(s.death_offset, s1.death_offset) << where;
                EXPECT_TRUE((s.scale.array() == s1.scale.array()).all()) << where;
                EXPECT_EQ(s.stratum_has_rows, s1.stratum_has_rows) << where;
            }
        }
    omp_set_num_threads(saved);
}

// A window of many bins is walked in chunks of 64 bins, each from the sums above it. Against a
// direct sum over each bin's risk set (Breslow: loglik and U from their definitions), with
// strata and about two thousand bins; and the same bits for any number of threads (Efron too).
TEST(CoxThreads, DerivativesOfManyBinsMatchTheDefinitionForAnyNumberOfThreads) {
    const int p = 2, n_strata = 3;
    std::vector<CoxRow> data = test::synthetic_rows(4000, p, 23, false, n_strata, true, true);
    std::mt19937_64 rng(7);
    for (CoxRow& r : data) r.stop += static_cast<double>(rng() % 1000) / 1000.0;  // mostly distinct times
    ModelFrame f = make_frame(data, p, false, n_strata);
    CoxSetup setup;
    const CoxRows rows = prepare_cox_rows(f, n_strata, self(), "chunk test", {"t", "s"}, setup);
    const RowLabels labels = row_labels(rows, setup.bins);
    const std::int64_t T = setup.bins.size();
    ASSERT_GT(T, 1000);  // many chunks of 64 bins
    Eigen::VectorXd beta(p);
    beta << 0.3, -0.2;

    // The definition: every death at bin b against every row at risk at b (same stratum, exit bin
    // at or after b), Breslow.
    double loglik = 0;
    Eigen::VectorXd u = Eigen::VectorXd::Zero(p);
    for (std::int64_t b = 0; b < T; ++b) {
        double s0 = 0, dw = 0;
        Eigen::VectorXd s1 = Eigen::VectorXd::Zero(p);
        for (Eigen::Index i = 0; i < rows.n(); ++i) {
            const auto k = static_cast<std::size_t>(i);
            // Right-censored: at risk from the stratum's first bin (no first_bin kept).
            if (labels.last_bin[k] < b || b < setup.bins.begin(labels.stratum[k])) continue;
            const double eta = rows.X.row(i).dot(beta) + rows.offset_of(i);
            s0 += rows.weight_of(i) * std::exp(eta);
            s1 += rows.weight_of(i) * std::exp(eta) * rows.X.row(i).transpose();
            if (labels.last_bin[k] == b && labels.event[k]) {
                dw += rows.weight_of(i);
                loglik += rows.weight_of(i) * eta;
                u += rows.weight_of(i) * rows.X.row(i).transpose();
            }
        }
        if (dw == 0) continue;
        loglik -= dw * std::log(s0);
        u -= dw * s1 / s0;
    }

    const int saved = omp_get_max_threads();
    for (CoxTies ties : {CoxTies::breslow, CoxTies::efron}) {
        std::vector<CoxDerivatives> by_threads;
        for (int threads : {1, 2, 3, 5}) {
            omp_set_num_threads(threads);
            Eigen::VectorXd risk;
            RiskSetSums sums(T, p, ties == CoxTies::efron);
            sums.consume(rows, beta, risk);
            by_threads.push_back(sums.finalize(setup, ties, beta));
        }
        for (std::size_t k = 1; k < by_threads.size(); ++k) {
            EXPECT_EQ(by_threads[k].loglik, by_threads[0].loglik) << k;
            EXPECT_TRUE((by_threads[k].u.array() == by_threads[0].u.array()).all()) << k;
            EXPECT_TRUE((by_threads[k].imat.array() == by_threads[0].imat.array()).all()) << k;
        }
        if (ties == CoxTies::breslow) {
            EXPECT_NEAR(by_threads[0].loglik, loglik, 1e-10 * std::fabs(loglik));
            EXPECT_LT((by_threads[0].u - u).norm(), 1e-9 * (1 + u.norm()));
        }
    }
    omp_set_num_threads(saved);
}

// Above 50,000 rows the checks of bad input count on threads: the same counts in the message.
TEST(CoxThreads, BadRowsAreCountedForAnyNumberOfThreads) {
    std::vector<CoxRow> data = test::synthetic_rows(60000, 2, 5, true, 1, false, false);
    for (std::size_t k : {7u, 30001u, 59999u}) data[k].stop = -1;
    for (std::size_t k : {11u, 40000u}) data[k].start = std::numeric_limits<double>::infinity();
    auto expect_message = [&](const std::string& needle, int threads) {
        ModelFrame f = make_frame(data, 2, true);
        CoxSetup setup;
        try {
            prepare_cox_rows(f, 1, self(), "bad rows", {"t0", "t1"}, setup);
            ADD_FAILURE() << "no error at " << threads << " threads";
        } catch (const UsageError& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    const int saved = omp_get_max_threads();
    for (int threads : {1, 2, 3}) {
        omp_set_num_threads(threads);
        // The first check that fails is reported: negative stop times come before infinite starts.
        expect_message("3 rows with a negative time in column 't1'", threads);
        data[7].stop = data[30001].stop = data[59999].stop = 5;  // now only the starts are bad
        expect_message("2 rows with an infinite start time in column 't0'", threads);
        for (std::size_t k : {7u, 30001u, 59999u}) data[k].stop = -1;
    }
    omp_set_num_threads(saved);
}

// The set-up takes a column's sum and range from the frame's summary (ModelFrame::x_summary) where
// the rank's weights are all 1, and reads X where they are not or where the frame has none. A
// planted summary (column 1 "constant", with a made-up sum) shows which one was used.
TEST(CoxSetUp, TakesTheFrameSummaryOnlyWithUnitWeights) {
    for (bool weighted : {false, true}) {
        const std::vector<CoxRow> data = test::synthetic_rows(500, 2, 3, false, 1, weighted, false);
        ModelFrame f = make_frame(data, 2, false);
        const Eigen::VectorXd x2 = f.X.col(1), w = f.weights;
        f.x_summary.resize(2);
        f.x_summary[0] = {1234.5, 7.0, 7.0, true};
        CoxSetup setup;
        prepare_cox_rows(f, 1, self(), "summary test", {"t", "s"}, setup);
        const double weighted_mean = w.dot(x2) / w.sum();
        EXPECT_NEAR(setup.means(1), weighted_mean, 1e-13 * std::fabs(weighted_mean)) << weighted;  // read from X
        if (!weighted) {
            EXPECT_TRUE(setup.constant[0]);
            EXPECT_EQ(setup.means(0), 1234.5 / 500);
        } else {
            EXPECT_FALSE(setup.constant[0]);
            EXPECT_NE(setup.means(0), 1234.5 / 500);
        }
    }
}

// Empty weights and offset (a frame made with FrameOptions::constants_left_empty) are read as ones
// and zeros: the same fit, bit for bit, as with the vectors written out.
TEST(CoxSetUp, EmptyWeightsAndOffsetAreOnesAndZeros) {
    for (bool counting : {false, true}) {
        const std::vector<CoxRow> data = test::synthetic_rows(400, 2, 9, counting, 2, false, false);
        ModelFrame written = make_frame(data, 2, counting, 2), empty = make_frame(data, 2, counting, 2);
        empty.weights = Eigen::VectorXd();
        empty.offset = Eigen::VectorXd();
        const CoxFit a = fit_cox(written, 2, CoxOptions{}, self(), "written", {"t", "s"});
        const CoxFit b = fit_cox(empty, 2, CoxOptions{}, self(), "empty", {"t", "s"});
        EXPECT_TRUE((a.beta.array() == b.beta.array()).all()) << counting;
        EXPECT_TRUE((a.var.array() == b.var.array()).all()) << counting;
        EXPECT_EQ(a.loglik, b.loglik) << counting;
    }
}

// Laid out in exit order, the rows keep no labels: the exit groups (from the rows under each exit
// key) must say for each row what its own labels said in input order. The labels in input order
// come from prepare_cox_rows without the reorder; the exit order moves row k to dest[k]. In input
// order the set-up also counts the row terms per bin that plan_time_ranges cuts by.
TEST(CoxSetUp, GroupsGiveEachRowItsLabels) {
    for (bool counting : {false, true})
        for (int n_strata : {1, 3}) {
            const std::string where = "counting " + std::to_string(counting) + ", strata " + std::to_string(n_strata);
            std::vector<CoxRow> data = test::synthetic_rows(3000, 2, 5, counting, n_strata, false, false);
            data[7].status = 0;
            data[7].start = 0;
            data[7].stop = 1e-3;  // before every event time: never at risk
            CoxSetup s_in, s_out;
            ModelFrame f_in = make_frame(data, 2, counting, n_strata), f_out = make_frame(data, 2, counting, n_strata);
            if (n_strata == 1) f_out.strata.clear();  // as the model frame leaves it without strata(): every row in 0
            const CoxRows in = prepare_cox_rows(f_in, n_strata, self(), "labels", {"t", "s"}, s_in, false);
            const CoxRows out = prepare_cox_rows(f_out, n_strata, self(), "labels", {"t", "s"}, s_out);
            EXPECT_TRUE(out.last_bin.empty() && out.event.empty()) << where;
            ASSERT_EQ(in.last_bin[7], -1) << where;
            // The row terms per bin that cut the bins into ranks: each at-risk row at its exit bin
            // and, entering after its stratum's first bin, once more at its entry bin.
            std::vector<std::int64_t> terms(static_cast<std::size_t>(s_in.bins.size()), 0);
            for (std::size_t k = 0; k < in.last_bin.size(); ++k) {
                if (in.last_bin[k] < 0) continue;
                ++terms[static_cast<std::size_t>(in.last_bin[k])];
                if (counting && in.first_bin[k] > s_in.bins.begin(data[k].stratum)) ++terms[static_cast<std::size_t>(in.first_bin[k] - 1)];
            }
            EXPECT_EQ(in.terms_per_bin, terms) << where;
            const std::vector<std::int64_t> dest = exit_order(in.last_bin, in.event, 0, s_in.bins.size());
            const RowLabels labels = row_labels(out, s_out.bins);
            ASSERT_EQ(labels.last_bin.size(), in.last_bin.size()) << where;
            for (std::size_t k = 0; k < dest.size(); ++k) {
                const auto d = static_cast<std::size_t>(dest[k]);
                ASSERT_EQ(labels.last_bin[d], in.last_bin[k]) << where << ", row " << k;
                ASSERT_EQ(labels.event[d], in.last_bin[k] >= 0 ? in.event[k] : 0) << where << ", row " << k;
                if (in.last_bin[k] >= 0) ASSERT_EQ(labels.stratum[d], data[k].stratum) << where << ", row " << k;
            }
        }
}

// The move's window (row_windows.hpp): whole cache lines, an odd number of them, never below 4,104
// rows; and the division by it is exact at every window boundary and far from zero.
TEST(CoxRowWindows, SizeAndDivision) {
    for (const int ranks : {1, 2, 3, 64})
        for (const std::int64_t rows : {std::int64_t{0}, std::int64_t{1000}, std::int64_t{2000000}, std::int64_t{8000000}, std::int64_t{1} << 31}) {
            const std::int64_t w = window_rows(ranks, rows);
            EXPECT_EQ(w % 8, 0) << ranks << " x " << rows;
            EXPECT_EQ((w / 8) % 2, 1) << ranks << " x " << rows;
            EXPECT_GE(w, 4104) << ranks << " x " << rows;
            EXPECT_LT(w, std::int64_t{1} << 30) << ranks << " x " << rows;
            EXPECT_LE(w, std::max<std::int64_t>(4104, ranks * rows / kWindowsInAll + 16)) << ranks << " x " << rows;
        }
    EXPECT_EQ(window_rows(2, 2000000), 7816);  // 2 x 2M / 512 = 7,812.5 rows: 976 lines, made odd
    EXPECT_LT(window_rows(100000, std::int64_t{1} << 31), std::int64_t{1} << 30);  // capped: places fit in 32 bits
    for (const std::int64_t w : {std::int64_t{4104}, std::int64_t{7816}, std::int64_t{1000008}}) {
        const WindowOf window_of(w);
        for (const std::int64_t q : {std::int64_t{0}, std::int64_t{1}, std::int64_t{977}, std::int64_t{123456789}, std::int64_t{1} << 32})
            for (const std::int64_t r : {std::int64_t{0}, std::int64_t{1}, w - 1}) {
                const std::int64_t pos = q * w + r;
                EXPECT_EQ(window_of(pos), pos / w) << pos << " / " << w;
            }
    }
}

}  // namespace
}  // namespace kohort
