#include "kernels/regression/glm_family.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cfloat>
#include <cmath>

#include "core/error.hpp"

namespace kohort::glm {
namespace {

constexpr double kEps = DBL_EPSILON;
// stats/src/family.c: THRESH, MTHRESH, INVEPS for the logit link.
constexpr double kLogitThresh = 30.0;
constexpr double kLogitMThresh = -30.0;
constexpr double kInvEps = 1.0 / DBL_EPSILON;
constexpr double kInvSqrt2Pi = 0.398942280401432677939946059934;
constexpr double kLn2Pi = 1.837877066409345483560659472811;

double pnorm(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

double qnorm(double p) {
    if (p <= 0.0) return -HUGE_VAL;
    if (p >= 1.0) return HUGE_VAL;
    return boost::math::quantile(boost::math::normal_distribution<double>(), p);
}

// R's dnorm4 (nmath/dnorm.c): splits x for large |x| to keep exp(-x^2/2) accurate.
double dnorm(double x) {
    x = std::fabs(x);
    if (x < 5.0) return kInvSqrt2Pi * std::exp(-0.5 * x * x);
    const double x1 = std::ldexp(std::nearbyint(std::ldexp(x, 16)), -16);
    const double x2 = x - x1;
    return kInvSqrt2Pi * (std::exp(-0.5 * x1 * x1) * std::exp((-0.5 * x2 - x1) * x2));
}

// -qnorm(.Machine$double.eps): R's probit linkinv clamps eta to +-this.
const double kProbitThresh = -qnorm(DBL_EPSILON);

double y_log_y(double y, double mu) { return y != 0.0 ? y * std::log(y / mu) : 0.0; }

// log of R's dbinom(x, n, p) for whole x, n (after round()).
double log_dbinom(double x, double n, double p) {
    if (x < 0.0 || x > n) return -HUGE_VAL;
    if (p == 0.0) return x == 0.0 ? 0.0 : -HUGE_VAL;
    if (p == 1.0) return x == n ? 0.0 : -HUGE_VAL;
    if (x == 0.0) return n == 0.0 ? 0.0 : n * std::log1p(-p);
    if (x == n) return n * std::log(p);
    return std::lgamma(n + 1.0) - std::lgamma(x + 1.0) - std::lgamma(n - x + 1.0) + x * std::log(p) +
           (n - x) * std::log1p(-p);
}

// log of R's dpois(x, lambda); -Inf for negative or non-whole x, as R (which also warns).
double log_dpois(double x, double lambda) {
    if (x < 0.0 || x != std::nearbyint(x)) return -HUGE_VAL;
    if (lambda == 0.0) return x == 0.0 ? 0.0 : -HUGE_VAL;
    if (x == 0.0) return -lambda;
    return x * std::log(lambda) - lambda - std::lgamma(x + 1.0);
}

}  // namespace

Family Family::make(const std::string& family, const std::string& link, const std::string& where) {
    Family f;
    if (family.empty() || family == "gaussian") {
        f.family = FamilyKind::gaussian;
        f.link = LinkKind::identity;
        if (!link.empty() && link != "identity")
            throw UsageError(where + ": link = " + link +
                             " is not offered for family = gaussian (expected identity)");
        return f;
    }
    if (family == "binomial") {
        f.family = FamilyKind::binomial;
        if (link.empty() || link == "logit") f.link = LinkKind::logit;
        else if (link == "probit") f.link = LinkKind::probit;
        else if (link == "cloglog") f.link = LinkKind::cloglog;
        else
            throw UsageError(where + ": link = " + link +
                             " is not offered for family = binomial (expected logit, probit or cloglog)");
        return f;
    }
    if (family == "poisson") {
        f.family = FamilyKind::poisson;
        f.link = LinkKind::log;
        if (!link.empty() && link != "log")
            throw UsageError(where + ": link = " + link + " is not offered for family = poisson (expected log)");
        return f;
    }
    throw UsageError(where + ": family = " + family + " is unknown (expected gaussian, binomial or poisson)");
}

std::string Family::family_name() const {
    switch (family) {
        case FamilyKind::gaussian: return "gaussian";
        case FamilyKind::binomial: return "binomial";
        case FamilyKind::poisson: return "poisson";
    }
    return "";
}

std::string Family::link_name() const {
    switch (link) {
        case LinkKind::identity: return "identity";
        case LinkKind::logit: return "logit";
        case LinkKind::probit: return "probit";
        case LinkKind::cloglog: return "cloglog";
        case LinkKind::log: return "log";
    }
    return "";
}

void Family::linkfun(ConstArrayRef mu, ArrayRef eta) const {
    const Eigen::Index n = mu.size();
    switch (link) {
        case LinkKind::identity: eta = mu; break;
        case LinkKind::logit: eta = (mu / (1.0 - mu)).log(); break;
        case LinkKind::probit:
            for (Eigen::Index i = 0; i < n; ++i) eta[i] = qnorm(mu[i]);
            break;
        case LinkKind::cloglog: eta = (-(1.0 - mu).log()).log(); break;
        case LinkKind::log: eta = mu.log(); break;
    }
}

void Family::linkinv(ConstArrayRef eta, ArrayRef mu) const {
    const Eigen::Index n = eta.size();
    switch (link) {
        case LinkKind::identity: mu = eta; break;
        case LinkKind::logit:
            for (Eigen::Index i = 0; i < n; ++i) {
                const double e = eta[i];
                const double t = e < kLogitMThresh ? kEps : (e > kLogitThresh ? kInvEps : std::exp(e));
                mu[i] = t / (1.0 + t);
            }
            break;
        case LinkKind::probit:
            for (Eigen::Index i = 0; i < n; ++i)
                mu[i] = pnorm(std::min(std::max(eta[i], -kProbitThresh), kProbitThresh));
            break;
        case LinkKind::cloglog:
            for (Eigen::Index i = 0; i < n; ++i)
                mu[i] = std::max(std::min(-std::expm1(-std::exp(eta[i])), 1.0 - kEps), kEps);
            break;
        case LinkKind::log: mu = eta.exp().max(kEps); break;
    }
}

void Family::mu_eta(ConstArrayRef eta, ArrayRef out) const {
    const Eigen::Index n = eta.size();
    switch (link) {
        case LinkKind::identity: out.setOnes(); break;
        case LinkKind::logit:
            for (Eigen::Index i = 0; i < n; ++i) {
                const double e = eta[i];
                const double opexp = 1.0 + std::exp(e);
                out[i] = (e > kLogitThresh || e < kLogitMThresh) ? kEps : std::exp(e) / (opexp * opexp);
            }
            break;
        case LinkKind::probit:
            for (Eigen::Index i = 0; i < n; ++i) out[i] = std::max(dnorm(eta[i]), kEps);
            break;
        case LinkKind::cloglog:
            for (Eigen::Index i = 0; i < n; ++i) {
                const double e = std::min(eta[i], 700.0);
                out[i] = std::max(std::exp(e) * std::exp(-std::exp(e)), kEps);
            }
            break;
        case LinkKind::log: out = eta.exp().max(kEps); break;
    }
}

void Family::linkinv_and_mu_eta(ConstArrayRef eta, ArrayRef mu, ArrayRef me) const {
    switch (link) {
        case LinkKind::logit: {
            // stats/src/family.c logit_linkinv and logit_mu_eta, sharing exp(eta).
            me = eta.exp();
            for (Eigen::Index i = 0; i < eta.size(); ++i) {
                const double e = eta[i], ex = me[i];
                const bool outside = e < kLogitMThresh || e > kLogitThresh;
                const double t = e < kLogitMThresh ? kEps : (e > kLogitThresh ? kInvEps : ex);
                mu[i] = t / (1.0 + t);
                const double opexp = 1.0 + ex;
                me[i] = outside ? kEps : ex / (opexp * opexp);
            }
            break;
        }
        case LinkKind::log:
            mu = eta.exp().max(kEps);
            me = mu;  // poisson()$mu.eta is pmax(exp(eta), .Machine$double.eps), i.e. linkinv
            break;
        default:
            linkinv(eta, mu);
            mu_eta(eta, me);
    }
}

void Family::variance(ConstArrayRef mu, ArrayRef out) const {
    switch (family) {
        case FamilyKind::gaussian: out.setOnes(); break;
        case FamilyKind::binomial: out = mu * (1.0 - mu); break;
        case FamilyKind::poisson: out = mu; break;
    }
}

void Family::dev_resids(ConstArrayRef y, ConstArrayRef mu, ConstArrayRef wt, ArrayRef out) const {
    const Eigen::Index n = y.size();
    switch (family) {
        case FamilyKind::gaussian: out = wt * (y - mu).square(); break;
        case FamilyKind::binomial:
            for (Eigen::Index i = 0; i < n; ++i)
                out[i] = 2.0 * wt[i] * (y_log_y(y[i], mu[i]) + y_log_y(1.0 - y[i], 1.0 - mu[i]));
            break;
        case FamilyKind::poisson:
            for (Eigen::Index i = 0; i < n; ++i)
                out[i] = y[i] > 0.0 ? 2.0 * (wt[i] * (y[i] * std::log(y[i] / mu[i]) - (y[i] - mu[i])))
                                    : 2.0 * mu[i] * wt[i];
            break;
    }
}

void Family::mustart(ConstArrayRef y, ConstArrayRef wt, ArrayRef out) const {
    const Eigen::Index n = y.size();
    switch (family) {
        case FamilyKind::gaussian: out = y; break;
        case FamilyKind::binomial:
            for (Eigen::Index i = 0; i < n; ++i) {
                const double yi = wt[i] == 0.0 ? 0.0 : y[i];
                out[i] = (wt[i] * yi + 0.5) / (wt[i] + 1.0);
            }
            break;
        case FamilyKind::poisson: out = y + 0.1; break;
    }
}

void Family::aic_terms(ConstArrayRef y, ConstArrayRef mu, ConstArrayRef wt, ArrayRef out) const {
    const Eigen::Index n = y.size();
    switch (family) {
        case FamilyKind::gaussian: out = wt.log(); break;
        case FamilyKind::binomial:
            // m = wt because a vector response has n = 1 (binomial()$aic).
            for (Eigen::Index i = 0; i < n; ++i) {
                const double m = wt[i];
                out[i] = m > 0.0 ? log_dbinom(std::nearbyint(m * y[i]), std::nearbyint(m), mu[i]) : 0.0;
            }
            break;
        case FamilyKind::poisson:
            for (Eigen::Index i = 0; i < n; ++i) out[i] = wt[i] == 0.0 ? 0.0 : log_dpois(y[i], mu[i]) * wt[i];
            break;
    }
}

double Family::aic(double sum_terms, double nobs, double deviance) const {
    if (family == FamilyKind::gaussian)
        return nobs * (std::log(deviance / nobs * 2.0 * M_PI) + 1.0) + 2.0 - sum_terms;
    return -2.0 * sum_terms;
}

}  // namespace kohort::glm
