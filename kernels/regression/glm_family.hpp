// GLM families and links, transcribed from R's stats package (R 4.2: family.R, make.link,
// src/library/stats/src/family.c) so that kohort's IRLS walks the same path as glm.fit.
// Every function works on a block of rows at once, so the per-row loop stays branch-free
// inside one family/link and the compiler can vectorise it.
#pragma once
#include <Eigen/Dense>
#include <cmath>
#include <string>

namespace kohort::glm {

enum class FamilyKind { gaussian, binomial, poisson };
enum class LinkKind { identity, logit, probit, cloglog, log };

using ArrayRef = Eigen::Ref<Eigen::ArrayXd>;
using ConstArrayRef = Eigen::Ref<const Eigen::ArrayXd>;

struct Family {
    FamilyKind family = FamilyKind::gaussian;
    LinkKind link = LinkKind::identity;

    // family: gaussian | binomial | poisson; link: empty for the family's canonical link.
    // Throws UsageError (naming `where`) for an unknown family or a link the family does not offer.
    static Family make(const std::string& family, const std::string& link, const std::string& where);

    std::string family_name() const;
    std::string link_name() const;
    // Fixed dispersion (binomial, poisson): z tests; otherwise dispersion is estimated and t is used.
    bool fixed_dispersion() const { return family != FamilyKind::gaussian; }

    void linkfun(ConstArrayRef mu, ArrayRef eta) const;
    void linkinv(ConstArrayRef eta, ArrayRef mu) const;
    void mu_eta(ConstArrayRef eta, ArrayRef out) const;
    // linkinv and mu_eta together: the same values, with exp(eta) computed once per row for the
    // logit and log links (where each function would compute it again).
    void linkinv_and_mu_eta(ConstArrayRef eta, ArrayRef mu, ArrayRef mu_eta) const;
    void variance(ConstArrayRef mu, ArrayRef out) const;
    // Unit deviances times prior weights (R's family$dev.resids).
    void dev_resids(ConstArrayRef y, ConstArrayRef mu, ConstArrayRef wt, ArrayRef out) const;
    // R's family$validmu for one fitted value (valideta is TRUE for every link offered here).
    bool valid_mu(double mu) const {
        switch (family) {
            case FamilyKind::binomial: return std::isfinite(mu) && mu > 0.0 && mu < 1.0;
            case FamilyKind::poisson: return std::isfinite(mu) && mu > 0.0;
            default: return true;
        }
    }
    // R's family$initialize: mustart from y and prior weights (binomial uses y = 0 where weight = 0).
    void mustart(ConstArrayRef y, ConstArrayRef wt, ArrayRef out) const;
    // Per-row pieces of family$aic: binomial and poisson return the log-likelihood term whose sum,
    // times -2, is the AIC before 2*rank; gaussian returns log(wt) (its AIC is assembled from the
    // deviance, the row count and sum(log(wt)), see aic()).
    void aic_terms(ConstArrayRef y, ConstArrayRef mu, ConstArrayRef wt, ArrayRef out) const;
    // family$aic(y, n, mu, wt, dev) from the summed aic_terms over all rows (nobs of them).
    double aic(double sum_terms, double nobs, double deviance) const;
};

}  // namespace kohort::glm
