#include "kernels/survival/finegray_fit.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/error_counts.hpp"
#include "kernels/survival/cox_linalg.hpp"
#include "kernels/survival/finegray_sums.hpp"
#include "kernels/survival/finegray_variance.hpp"
#include "mpi/preemption.hpp"

namespace kohort::survival {
namespace {

constexpr double kTolerChol = 1.818989403545856e-12;  // .Machine$double.eps^0.75, as coxph

class Evaluator {
public:
    Evaluator(const FineGrayLayout& rows, const FineGrayGrid& grid, const Eigen::VectorXd& failure_x, const Comm& comm)
        : rows_(rows), grid_(grid), failure_x_(failure_x), comm_(comm), sums_(grid.bins(), rows.p) {}

    FineGrayDerivatives at(const Eigen::VectorXd& beta) {
        sums_.clear();
        sums_.consume(rows_, beta);
        sums_.allreduce(comm_);
        safe_point(comm_);  // preemption: between Newton iterations (contract section 9)
        return sums_.finalize(grid_, beta, failure_x_);
    }
    std::size_t bytes() const { return sums_.bytes(); }

private:
    const FineGrayLayout& rows_;
    const FineGrayGrid& grid_;
    const Eigen::VectorXd& failure_x_;
    const Comm& comm_;
    SubdistributionSums sums_;
};

SingularLdl factor_information(const Eigen::MatrixXd& info, const std::string& what,
                               const std::vector<std::string>& terms) {
    SingularLdl ldl(info, kTolerChol);
    if (ldl.rank() < info.rows() || !ldl.non_negative()) {
        std::string names;
        for (Eigen::Index j = 0; j < info.rows(); ++j)
            if (ldl.redundant(j) && static_cast<std::size_t>(j) < terms.size())
                names += (names.empty() ? "" : ", ") + terms[static_cast<std::size_t>(j)];
        throw UsageError(what + ": the information matrix is singular" +
                         (names.empty() ? std::string() : " (covariate(s) " + names + ")") +
                         "; a covariate is constant or collinear with others among the rows used; "
                         "remove it (cmprsk::crr stops here too)");
    }
    return ldl;
}

}  // namespace

FineGrayFit fit_finegray(const FineGrayRows& rows, const FineGrayOptions& options, const Comm& comm,
                         const std::string& what, const std::vector<std::string>& terms) {
    const FineGrayGrid grid = build_finegray_grid(rows.time, rows.category, comm);
    const FineGrayLayout layout = layout_rows(rows, grid, comm);
    const int p = layout.p;

    FineGrayFit fit;
    fit.p = p;
    fit.bins = grid.bins();
    fit.distinct_times = static_cast<std::int64_t>(grid.time.size());
    std::vector<std::int64_t> counts{static_cast<std::int64_t>(rows.time.size()), 0, 0, 0};
    Eigen::VectorXd failure_x = Eigen::VectorXd::Zero(p);
    for (std::size_t i = 0; i < rows.category.size(); ++i) {
        const int c = rows.category[i];
        ++counts[static_cast<std::size_t>(c == 0 ? 3 : c)];
        if (c == 1) failure_x += layout.X.row(static_cast<Eigen::Index>(i)).transpose();
    }
    comm.allreduce(counts);
    comm.allreduce(failure_x);
    fit.n = counts[0];
    fit.events = counts[1];
    fit.competing_events = counts[2];
    fit.censored = counts[3];
    if (fit.events == 0)
        throw UsageError(what + ": no failures of the cause of interest among the " + error_count(fit.n) +
                         " row(s) used; expected at least one");

    Evaluator eval(layout, grid, failure_x, comm);
    fit.bytes_per_iteration = eval.bytes();
    Eigen::VectorXd b = Eigen::VectorXd::Zero(p);
    const FineGrayDerivatives null = eval.at(b);
    fit.loglik_null = -null.minus_loglik;

    // crr: for ll in 0:maxiter { converged? ; Newton step; halve while the Armijo condition fails }.
    FineGrayDerivatives z = null;
    for (int ll = 0;; ++ll) {
        const double lhs = (z.gradient.array().abs() * b.array().abs().max(1.0)).maxCoeff();
        if (p == 0 || lhs < std::max(std::fabs(z.minus_loglik), 1.0) * options.gtol) {
            fit.converged = true;
            break;
        }
        if (ll == options.maxiter) break;
        const SingularLdl ldl = factor_information(z.information, what, terms);
        Eigen::VectorXd step = -ldl.solve(z.gradient);
        Eigen::VectorXd bn = b + step;
        FineGrayDerivatives zn = eval.at(bn);
        int halvings = 0;
        bool gave_up = false;
        while (!std::isfinite(zn.minus_loglik) || zn.minus_loglik > z.minus_loglik + 1e-4 * step.dot(z.gradient)) {
            ++halvings;
            step *= 0.5;
            bn = b + step;
            zn = eval.at(bn);
            if (halvings > 20) {
                gave_up = true;
                break;
            }
        }
        if (gave_up) break;
        b = bn;
        z = std::move(zn);
        fit.iterations = ll + 1;
    }

    fit.beta = b;
    fit.loglik = -z.minus_loglik;
    fit.score = -z.gradient;
    const SingularLdl ldl = factor_information(z.information, what, terms);
    fit.invinf = ldl.inverse();
    const Eigen::MatrixXd middle = crr_score_variance(layout, grid, z, b, comm);
    fit.var = fit.invinf * middle * fit.invinf.transpose();
    return fit;
}

}  // namespace kohort::survival
