// Unit tests of the GLM kernel's pieces without R: merge of pass states, the aliased Cholesky,
// closed-form least squares, and the refusals of bad input.
#include <gtest/gtest.h>
#include <mpi.h>
#include <omp.h>

#include <random>

#include "core/error.hpp"
#include "kernels/regression/glm_fit.hpp"
#include "kernels/regression/glm_pass.hpp"
#include "kernels/regression/glm_robust.hpp"
#include "kernels/regression/glm_solve.hpp"

namespace kohort::glm {
namespace {

struct Synthetic {
    Eigen::MatrixXd X;
    Eigen::VectorXd y, w, offset;
    std::vector<std::int64_t> cluster;
};

// n rows: intercept + 3 normal covariates, Poisson-like counts, uneven weights, 37 clusters.
Synthetic make_data(Eigen::Index n, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> z(0.0, 1.0);
    Synthetic s;
    s.X.resize(n, 4);
    s.y.resize(n);
    s.w.resize(n);
    s.offset.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        s.X(i, 0) = 1.0;
        for (int j = 1; j < 4; ++j) s.X(i, j) = z(rng);
        const double mu = std::exp(0.2 + 0.3 * s.X(i, 1) - 0.2 * s.X(i, 2));
        std::poisson_distribution<int> pois(mu);
        s.y[i] = pois(rng);
        s.w[i] = 1.0 + double(i % 3);
        s.offset[i] = 0.1 * double(i % 5);
        s.cluster.push_back(std::int64_t(i % 37));
    }
    return s;
}

ModelFrame frame_of(const Synthetic& s) {
    ModelFrame f;
    f.X = s.X;
    f.y = s.y;
    f.weights = s.w;
    f.offset = s.offset;
    f.terms = {"(Intercept)", "x1", "x2", "x3"};
    f.has_intercept = true;
    f.n_total = s.X.rows();
    return f;
}

TEST(GlmPass, MergeOfTwoHalvesEqualsOnePass) {
    const Synthetic s = make_data(50000, 1);
    const Family fam = Family::make("poisson", "", "test");
    const GlmData all{s.X, s.y, s.w, s.offset, &s.cluster};
    const Eigen::VectorXd beta = (Eigen::VectorXd(4) << 0.1, 0.2, -0.1, 0.05).finished();
    const EtaSource src{&beta, nullptr};
    IrlsStep whole = irls_pass(all, fam, src);

    IrlsStep a(4), b(4);
    a.consume(all, fam, src, 0, 20000);
    b.consume(all, fam, src, 20000, 50000);
    a.merge(b);
    EXPECT_LT((a.xtwx - whole.xtwx).norm(), 1e-10 * whole.xtwx.norm());
    EXPECT_LT((a.xtwr - whole.xtwr).norm(), 1e-10 * whole.xtwr.norm());
    EXPECT_NEAR(a.deviance, whole.deviance, 1e-10 * whole.deviance);
    EXPECT_EQ(a.n_good, 50000);

    // pack/unpack round trip is exact.
    IrlsStep back(4);
    back.unpack(whole.pack());
    EXPECT_EQ(back.xtwx.triangularView<Eigen::Lower>().toDenseMatrix(),
              whole.xtwx.triangularView<Eigen::Lower>().toDenseMatrix());
    EXPECT_EQ(back.xtwr, whole.xtwr);
    EXPECT_EQ(back.deviance, whole.deviance);

    // Direct definition of the Gram matrix: X' diag(w mu.eta^2 / V) X with mu = exp(eta).
    const Eigen::ArrayXd mu = ((s.X * beta).array() + s.offset.array()).exp();
    const Eigen::MatrixXd direct = s.X.transpose() * (s.w.array() * mu).matrix().asDiagonal() * s.X;
    const Eigen::MatrixXd got = whole.xtwx.selfadjointView<Eigen::Lower>();
    EXPECT_LT((got - direct).norm(), 1e-10 * direct.norm());
}

TEST(GlmPass, ClusterScoresMergeAcrossPieces) {
    const Synthetic s = make_data(3000, 2);
    const Family fam = Family::make("poisson", "", "test");
    const GlmData d{s.X, s.y, s.w, s.offset, &s.cluster};
    const Eigen::VectorXd beta = (Eigen::VectorXd(4) << 0.1, 0.2, -0.1, 0.05).finished();
    FinalInputs in;
    in.beta = &beta;
    in.previous = EtaSource{&beta, nullptr};
    in.robust = RobustKind::cluster;
    const FinalStats whole = final_pass(d, fam, in);
    FinalStats a(4, RobustKind::cluster), b(4, RobustKind::cluster);
    a.consume(d, fam, in, 0, 1234, nullptr);
    b.consume(d, fam, in, 1234, 3000, nullptr);
    a.merge(b);
    ASSERT_EQ(a.cluster_scores.size(), 37u);
    const Eigen::MatrixXd m1 = cluster_meat_serial(whole.cluster_scores, 4);
    const Eigen::MatrixXd m2 = cluster_meat_serial(a.cluster_scores, 4);
    EXPECT_LT((m1 - m2).norm(), 1e-10 * m1.norm());
    // Direct: sum_g (sum_i wres_i x_i)(...)' with wres = w (y - mu) for the canonical log link.
    const Eigen::ArrayXd mu = ((s.X * beta).array() + s.offset.array()).exp();
    Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(37, 4);
    for (Eigen::Index i = 0; i < s.X.rows(); ++i)
        sums.row(s.cluster[std::size_t(i)]) += s.w[i] * (s.y[i] - mu[i]) * s.X.row(i);
    const Eigen::MatrixXd direct = sums.transpose() * sums;
    EXPECT_LT((m1 - direct).norm(), 1e-10 * direct.norm());
}

TEST(AliasedCholesky, DropsTheLaterOfTwoCollinearColumnsLikeDqrdc2) {
    std::mt19937_64 rng(3);
    std::normal_distribution<double> z(0.0, 1.0);
    Eigen::MatrixXd X(100, 5);
    for (int i = 0; i < 100; ++i) {
        X(i, 0) = 1.0;
        X(i, 1) = z(rng);
        X(i, 2) = 3.0 * X(i, 1) - 2.0;  // in span(intercept, x1)
        X(i, 3) = 0.0;                  // a zero column
        X(i, 4) = z(rng) * 1000.0;      // large scale, independent
    }
    const AliasedCholesky f(X.transpose() * X);
    EXPECT_EQ(f.rank(), 3);
    EXPECT_FALSE(f.aliased(0));
    EXPECT_FALSE(f.aliased(1));
    EXPECT_TRUE(f.aliased(2));
    EXPECT_TRUE(f.aliased(3));
    EXPECT_FALSE(f.aliased(4));
    // The kept system is solved exactly: compare with QR least squares on the kept columns.
    Eigen::VectorXd y(100);
    for (int i = 0; i < 100; ++i) y[i] = 1.0 + 2.0 * X(i, 1) + 0.001 * X(i, 4) + z(rng);
    const Eigen::VectorXd b = f.solve(X.transpose() * y);
    Eigen::MatrixXd Xk(100, 3);
    Xk << X.col(0), X.col(1), X.col(4);
    const Eigen::VectorXd ls = Xk.colPivHouseholderQr().solve(y);
    EXPECT_NEAR(b[0], ls[0], 1e-10 * std::fabs(ls[0]));
    EXPECT_NEAR(b[1], ls[1], 1e-10 * std::fabs(ls[1]));
    EXPECT_EQ(b[2], 0.0);
    EXPECT_EQ(b[3], 0.0);
    EXPECT_NEAR(b[4], ls[2], 1e-10 * std::fabs(ls[2]));
}

TEST(GlmFit, GaussianIsClosedFormLeastSquares) {
    Synthetic s = make_data(500, 4);
    ModelFrame f = frame_of(s);
    f.offset.setZero();
    f.weights.setOnes();
    GlmOptions opt;
    opt.family = Family::make("gaussian", "", "test");
    const Comm self(MPI_COMM_SELF);
    const GlmFit fit = fit_glm(f, opt, self);
    const Eigen::VectorXd b = f.X.colPivHouseholderQr().solve(f.y);
    const Eigen::VectorXd res = f.y - f.X * b;
    const double s2 = res.squaredNorm() / (500 - 4);
    const Eigen::MatrixXd cov = s2 * (f.X.transpose() * f.X).inverse();
    for (int j = 0; j < 4; ++j) {
        EXPECT_NEAR(fit.coefficients[std::size_t(j)].estimate, b[j], 1e-10 * (1 + std::fabs(b[j])));
        EXPECT_NEAR(fit.coefficients[std::size_t(j)].se, std::sqrt(cov(j, j)), 1e-10 * std::sqrt(cov(j, j)));
    }
    EXPECT_NEAR(fit.deviance, res.squaredNorm(), 1e-10 * res.squaredNorm());
    EXPECT_NEAR(fit.dispersion, s2, 1e-10 * s2);
    EXPECT_EQ(fit.iterations, 2);  // R: one solve, then a second step that confirms convergence
    EXPECT_TRUE(fit.converged);
}

TEST(GlmFit, ResultDoesNotDependOnThreadCount) {
    const Synthetic s = make_data(70000, 5);
    ModelFrame f = frame_of(s);
    f.cluster = s.cluster;
    f.has_cluster = true;
    GlmOptions opt;
    opt.family = Family::make("poisson", "", "test");
    const Comm self(MPI_COMM_SELF);
    omp_set_num_threads(1);
    const GlmFit one = fit_glm(f, opt, self);
    omp_set_num_threads(3);
    const GlmFit three = fit_glm(f, opt, self);
    for (std::size_t j = 0; j < one.coefficients.size(); ++j) {
        EXPECT_EQ(one.coefficients[j].estimate, three.coefficients[j].estimate);
        EXPECT_EQ(one.coefficients[j].robust_se, three.coefficients[j].robust_se);
    }
    EXPECT_EQ(one.deviance, three.deviance);
}

void expect_usage_error(const ModelFrame& f, const std::string& family, const std::string& needle) {
    GlmOptions opt;
    opt.family = Family::make(family, "", "job.ini [model.m]");
    opt.where = "job.ini [model.m]";
    const Comm self(MPI_COMM_SELF);
    try {
        (void)fit_glm(f, opt, self);
        ADD_FAILURE() << "expected UsageError containing '" << needle << "'";
    } catch (const UsageError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("job.ini [model.m]"), std::string::npos) << msg;
        EXPECT_NE(msg.find(needle), std::string::npos) << msg;
        EXPECT_EQ(e.code(), ExitCode::usage);
    }
}

TEST(GlmFit, RefusesResponsesOutsideTheFamilyDomain) {
    Synthetic s = make_data(50, 6);
    ModelFrame f = frame_of(s);
    f.y[7] = -1;
    expect_usage_error(f, "poisson", "negative response");
    ModelFrame g = frame_of(s);
    g.y.setZero();
    g.y[3] = 2;  // weight 1 + 3 % 3 = 1: a proportion of 2 is impossible
    expect_usage_error(g, "binomial", "outside [0, 1]");
}

TEST(GlmFit, RefusesMoreParametersThanRowsAndNegativeWeights) {
    Synthetic s = make_data(3, 7);
    expect_usage_error(frame_of(s), "gaussian", "4 parameters but only 3 rows");
    Synthetic t = make_data(30, 8);
    ModelFrame f = frame_of(t);
    f.weights[2] = -1;
    expect_usage_error(f, "gaussian", "negative weight");
}

TEST(GlmFit, RefusesAnEmptyFrame) {
    ModelFrame f;
    f.X.resize(0, 2);
    f.y.resize(0);
    f.weights.resize(0);
    f.offset.resize(0);
    f.terms = {"(Intercept)", "x"};
    f.n_dropped_missing = 12;
    expect_usage_error(f, "gaussian", "no rows left to fit after dropping 12 rows");
}

TEST(Family, RefusesUnknownFamiliesAndLinks) {
    EXPECT_THROW(Family::make("gamma", "", "w"), UsageError);
    EXPECT_THROW(Family::make("poisson", "logit", "w"), UsageError);
    EXPECT_THROW(Family::make("binomial", "log", "w"), UsageError);
    EXPECT_EQ(Family::make("binomial", "", "w").link_name(), "logit");
    EXPECT_EQ(Family::make("binomial", "cloglog", "w").link_name(), "cloglog");
}

}  // namespace
}  // namespace kohort::glm
