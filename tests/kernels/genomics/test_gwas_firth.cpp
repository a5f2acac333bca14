// Firth's penalised logistic regression (kernels/genomics/gwas_firth.cpp) against a closed form: for
// y ~ 1 + x with binary x (a 2x2 table), Firth's estimate of the log odds ratio is the log odds
// ratio of the table with 1/2 added to every cell (Firth 1993, Biometrika 80:27, section 3.1;
// Heinze and Schemper 2002, Stat Med 21:2409), finite even with a zero cell (separation).
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/genomics/gwas_firth.hpp"

namespace kohort::gwas {
namespace {

struct Table {
    double cases_x1, controls_x1, cases_x0, controls_x0;
};

// Drives the state machine as the ranks would, with the sums over the table's samples.
FirthState fit(const Table& t) {
    struct Cell { double x, y, count; };
    const Cell cells[4] = {{1, 1, t.cases_x1}, {1, 0, t.controls_x1}, {0, 1, t.cases_x0}, {0, 0, t.controls_x0}};
    auto information = [&](const Eigen::VectorXd& b, double& loglik) {
        Eigen::MatrixXd H = Eigen::MatrixXd::Zero(2, 2);
        loglik = 0;
        for (const Cell& c : cells) {
            const Eigen::Vector2d x(1.0, c.x);
            const double p = 1.0 / (1.0 + std::exp(-x.dot(b)));
            H += c.count * p * (1 - p) * x * x.transpose();
            loglik += c.count * (c.y > 0 ? std::log(p) : std::log1p(-p));
        }
        return H;
    };
    auto score = [&](const Eigen::VectorXd& b, const Eigen::MatrixXd& Hinv) {
        Eigen::VectorXd U = Eigen::VectorXd::Zero(2);
        for (const Cell& c : cells) {
            const Eigen::Vector2d x(1.0, c.x);
            const double p = 1.0 / (1.0 + std::exp(-x.dot(b)));
            const double h = p * (1 - p) * x.dot(Hinv * x);
            U += c.count * (c.y - p + h * (0.5 - p)) * x;
        }
        return U;
    };
    FirthState s;
    double loglik = 0;
    const Eigen::MatrixXd H0 = information(Eigen::VectorXd::Zero(2), loglik);
    FirthAsk ask = firth_start(s, H0, loglik);
    for (int round = 0; round < 2000 && (ask == FirthAsk::information || ask == FirthAsk::score); ++round) {
        if (ask == FirthAsk::score) {
            ask = firth_on_score(s, score(s.coef, s.Hinv));
        } else {
            const Eigen::MatrixXd H = information(s.coef, loglik);
            ask = firth_on_information(s, H, loglik);
        }
    }
    EXPECT_EQ(ask, FirthAsk::done);
    return s;
}

double half_added_log_or(const Table& t) {
    return std::log((t.cases_x1 + 0.5) * (t.controls_x0 + 0.5) / ((t.controls_x1 + 0.5) * (t.cases_x0 + 0.5)));
}

TEST(GwasFirth, TwoByTwoTableIsHalfAddedOddsRatio) {
    for (const Table t : {Table{12, 30, 40, 80}, Table{3, 1, 50, 70}, Table{7, 20, 9, 15}}) {
        const FirthState s = fit(t);
        EXPECT_NEAR(s.coef[1], half_added_log_or(t), 1e-9) << t.cases_x1 << " " << t.controls_x1;
    }
}

TEST(GwasFirth, ZeroCellGivesAFiniteEstimate) {
    // Every carrier (x = 1) is a case: the ML estimate is infinite, Firth's is not.
    const Table t{2, 0, 60, 90};
    const FirthState s = fit(t);
    EXPECT_NEAR(s.coef[1], half_added_log_or(t), 1e-9);
    EXPECT_TRUE(std::isfinite(s.Hinv(1, 1)) && s.Hinv(1, 1) > 0);
}

TEST(GwasFirth, InvertSpdRejectsASingularMatrix) {
    Eigen::MatrixXd H(2, 2), Hinv;
    H << 1, 2, 2, 4;
    EXPECT_FALSE(invert_spd(H, Hinv));
    H << 4, 1, 1, 3;
    double log_det = 0;
    ASSERT_TRUE(invert_spd(H, Hinv, &log_det));
    EXPECT_NEAR(log_det, std::log(11.0), 1e-12);
    EXPECT_TRUE((H * Hinv).isApprox(Eigen::MatrixXd::Identity(2, 2), 1e-12));
}

}  // namespace
}  // namespace kohort::gwas
