#include "kernels/survival/cox_fit.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>
#include <utility>

#include "kernels/survival/cox_distribute.hpp"
#include "kernels/survival/cox_linalg.hpp"
#include "kernels/survival/cox_rows.hpp"
#include "mpi/preemption.hpp"

namespace kohort {
namespace {

// One Newton evaluation. By time: local pass over this rank's bins, one exclusive scan for the
// suffix sums' carry, one allreduce of the derivatives. Allreduce: local pass over every bin, one
// allreduce of all bins' sums, identical finalisation on every rank.
struct Evaluator {
    const CoxRows& rows;
    const CoxSetup& setup;
    CoxTies ties;
    const Comm& comm;
    CoxCommunication mode;
    RiskSetSums sums;
    RiskSetCarry carry;
    Eigen::VectorXd risk;
    int calls = 0;
    double seconds = 0;

    Evaluator(const CoxRows& r, const CoxSetup& s, CoxTies t, const Comm& c, CoxCommunication m)
        : rows(r), setup(s), ties(t), comm(c), mode(m),
          sums(r.bin_begin, r.bin_end, r.p, t == CoxTies::efron) {}

    // Bytes each rank contributes to the collectives of one pass.
    std::size_t bytes_per_pass() const {
        if (mode == CoxCommunication::allreduce) return sums.bytes();
        return (sums.block_size() + 1 + packed_size()) * sizeof(double);
    }
    std::size_t packed_size() const { return sums.block_size(); }  // loglik, U, lower(I)

    CoxDerivatives operator()(const Eigen::VectorXd& beta) {
        const auto t0 = std::chrono::steady_clock::now();
        sums.clear();
        sums.consume(rows, beta, risk);
        CoxDerivatives d;
        if (mode == CoxCommunication::allreduce) {
            sums.allreduce(comm);
            safe_point(comm);  // preemption: between Newton iterations (contract section 9)
            d = sums.finalize(setup, ties, beta);
        } else {
            bool has = false;
            const std::size_t nb = sums.block_size();
            // Rank 0 is the lowest: no rank receives its block, so it sends an empty one.
            std::vector<double> mine(nb + 1, 0.0);
            if (comm.rank() > 0) mine = sums.carry_block(setup.bins);
            else mine[0] = -1;
            const std::vector<double> scanned = comm.exscan_descending(
                mine,
                [nb](const double* low, const double* high, double* out) { RiskSetSums::combine_carry(nb, low, high, out); },
                &has);
            carry = sums.carry_from(setup.bins, scanned, has);
            d = sums.partial_derivatives(setup, ties, carry);
            allreduce_derivatives(d);
            safe_point(comm);
            RiskSetSums::add_death_terms(setup, beta, d);
        }
        ++calls;
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return d;
    }

    // One allreduce of (loglik, U, lower triangle of I): 1 + p + p(p+1)/2 doubles.
    void allreduce_derivatives(CoxDerivatives& d) const {
        const int p = rows.p;
        std::vector<double> buf;
        buf.reserve(packed_size());
        buf.push_back(d.loglik);
        for (int i = 0; i < p; ++i) buf.push_back(d.u(i));
        for (int i = 0; i < p; ++i)
            for (int j = 0; j <= i; ++j) buf.push_back(d.imat(i, j));
        comm.allreduce(buf);
        std::size_t k = 0;
        d.loglik = buf[k++];
        for (int i = 0; i < p; ++i) d.u(i) = buf[k++];
        for (int i = 0; i < p; ++i)
            for (int j = 0; j <= i; ++j) d.imat(i, j) = d.imat(j, i) = buf[k++];
    }

    // The residual terms at the last evaluation's beta, every bin on every rank: by time each rank
    // fills its own bins and one allreduce (once per robust variance, not per pass) joins them.
    ResidualTerms residual_terms() const {
        ResidualTerms rt = sums.residual_terms(setup, ties, carry);
        if (mode == CoxCommunication::by_time) comm.allreduce(rt.packed);
        rt.cumulate(setup.bins);
        return rt;
    }
};

struct NewtonResult {
    Eigen::VectorXd beta;
    CoxDerivatives at_beta;  // derivatives at beta
    double loglik_null = 0;
    double score_test = 0;
    int iterations = 0;
    bool converged = false;
};

bool relative_change_small(double best, double latest, double eps) {
    return std::fabs(1 - best / latest) <= eps;
}

// Iteration 0, the same in coxfit6 and agfit4: the derivatives at beta = 0 give the null
// log-likelihood, the score test and the first Newton step. res holds beta = 0 with its
// derivatives, which is the answer when `done` (iter.max = 0 or a non-finite log-likelihood).
struct NewtonStart {
    Eigen::VectorXd step;  // the first Newton step from 0
    int rank = 0;          // of the information matrix at 0 (agfit4's convergence test)
    bool done = false;
};

NewtonStart newton_start(Evaluator& eval, int p, const CoxOptions& opt, NewtonResult& res) {
    res.beta = Eigen::VectorXd::Zero(p);
    res.at_beta = eval(res.beta);
    const CoxDerivatives& d = res.at_beta;
    res.loglik_null = d.loglik;
    SingularLdl ldl0(d.imat, opt.toler_chol);
    NewtonStart start;
    start.step = ldl0.solve(d.u);
    start.rank = ldl0.rank();
    start.done = opt.iter_max == 0 || !std::isfinite(d.loglik);
    res.score_test = d.u.dot(start.step);
    return start;
}

// survival's coxfit6 iteration (right-censored data): convergence is tested before the halving
// test, and a step that lowers the log-likelihood (or overflows) is pulled back towards the last
// accepted beta by (new + h old)/(h + 1) with h the number of consecutive failures.
NewtonResult newton_coxfit6(Evaluator& eval, int p, const CoxOptions& opt) {
    NewtonResult res;
    const NewtonStart start = newton_start(eval, p, opt, res);
    if (start.done) return res;
    Eigen::VectorXd beta = res.beta;
    double best = res.loglik_null;
    Eigen::VectorXd newbeta = beta + start.step;
    int halving = 0;
    int iter = 1;
    for (; iter <= opt.iter_max; ++iter) {
        CoxDerivatives nd = eval(newbeta);
        const bool finite = nd.finite();
        if (finite && relative_change_small(best, nd.loglik, opt.eps)) {
            res.beta = newbeta;
            res.at_beta = std::move(nd);
            res.iterations = iter;
            res.converged = true;
            return res;
        }
        if (!finite || nd.loglik < best) {
            ++halving;
            newbeta = (newbeta + halving * beta) / (halving + 1.0);
        } else {
            halving = 0;
            best = nd.loglik;
            SingularLdl ldl(nd.imat, opt.toler_chol);
            beta = newbeta;
            newbeta = newbeta + ldl.solve(nd.u);
        }
    }
    // Out of iterations: report the last accepted beta with its own derivatives.
    res.beta = beta;
    res.at_beta = eval(beta);
    res.iterations = iter;  // iter_max + 1, as coxfit6 leaves it
    return res;
}

// survival's agfit4 iteration (counting-process data): convergence requires that no halving is
// in progress and that the rank of the information matrix has not changed since iteration 0.
NewtonResult newton_agfit4(Evaluator& eval, int p, const CoxOptions& opt) {
    NewtonResult res;
    const NewtonStart start = newton_start(eval, p, opt, res);
    if (start.done) return res;
    const int rank0 = start.rank;
    Eigen::VectorXd oldbeta = res.beta;
    double best = res.loglik_null;
    Eigen::VectorXd beta = oldbeta + start.step;
    int halving = 0;
    for (int iter = 1; iter <= opt.iter_max; ++iter) {
        CoxDerivatives nd = eval(beta);
        SingularLdl ldl(nd.imat, opt.toler_chol);
        const bool fail = !std::isfinite(nd.loglik) || !nd.imat.diagonal().allFinite() || ldl.rank() != rank0;
        res.iterations = iter;
        if (!fail && halving == 0 && relative_change_small(best, nd.loglik, opt.eps)) {
            res.beta = beta;
            res.at_beta = std::move(nd);
            res.converged = true;
            return res;
        }
        if (iter == opt.iter_max) {
            if (opt.iter_max > 1 && (nd.loglik - best) / std::fabs(best) < -opt.eps) {
                beta = oldbeta;  // the last try was worse: go back to the last good beta
                nd = eval(beta);
            }
            res.beta = beta;
            res.at_beta = std::move(nd);
            return res;
        }
        if (fail || nd.loglik < best) {
            ++halving;
            beta = (oldbeta * halving + beta) / (halving + 1.0);
        } else {
            halving = 0;
            best = nd.loglik;
            oldbeta = beta;
            beta = beta + ldl.solve(nd.u);
        }
    }
    res.beta = beta;
    res.at_beta = eval(beta);
    return res;
}

// Weighted score residuals per cluster (survival's residuals.coxph(type = "score",
// weighted = TRUE, collapse = cluster)), reduced to their cross-product U'U and column sums.
// Clusters may span ranks: each rank sums its rows per cluster, then routes each cluster's
// p-vector to an owner rank chosen by a hash of the id (one alltoallv per fit, not per iteration).
// splitmix64's finaliser: spreads consecutive ids evenly over owner ranks.
std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

struct ClusterScores {
    Eigen::MatrixXd utu;
    Eigen::VectorXd usum;
    std::int64_t clusters = 0;
};

ClusterScores score_crossproduct(const CoxRows& rows, const CoxSetup& setup, const Evaluator& at, const Comm& comm) {
    const int p = rows.p;
    const auto up = static_cast<std::size_t>(p);
    const ResidualTerms rt = at.residual_terms();
    const Eigen::VectorXd& risk = at.risk;
    const bool by_cluster = rows.has_cluster;  // global: every rank joins the cluster exchange
    ClusterScores out;
    out.utu = Eigen::MatrixXd::Zero(p, p);
    out.usum = Eigen::VectorXd::Zero(p);

    std::unordered_map<std::int64_t, std::size_t> slot;
    std::vector<std::int64_t> ids;
    std::vector<double> local_sums;
    Eigen::VectorXd res(p);
    const RowLabels labels = row_labels(rows, setup.bins);  // residuals need each row's exit bin and event
    for (Eigen::Index i = 0; i < rows.n_owned(); ++i) {  // entry replicas are other ranks' rows
        const auto k = static_cast<std::size_t>(i);
        const std::int64_t hi = labels.last_bin[k];
        if (hi >= 0) {
            // Right-censored rows have no first_bin: at risk from the start.
            const std::int64_t stratum_begin = setup.bins.begin(labels.stratum[k]);
            const std::int64_t lo = rows.first_bin.empty() ? stratum_begin : rows.first_bin[k];
            const bool from_start = lo <= stratum_begin;
            const double a = rt.cum_a(hi) - (from_start ? 0.0 : rt.cum_a(lo - 1));
            const double* bh = rt.cum_b(hi);
            const double* bl = from_start ? nullptr : rt.cum_b(lo - 1);
            const double* c = rt.c(hi);
            const double* bd = rt.bd(hi);
            const double e = risk(i);
            for (std::size_t j = 0; j < up; ++j) {
                const double x = rows.X(i, static_cast<Eigen::Index>(j));
                const double b = bh[j] - (bl ? bl[j] : 0.0);
                double r = -e * (x * a - b);
                if (labels.event[k]) r += x - c[j] + e * (x * rt.ad(hi) - bd[j]);
                res(static_cast<Eigen::Index>(j)) = r * rows.weight_of(i);
            }
        } else {
            res.setZero();  // never at risk at an event time: score residual 0
        }
        if (!by_cluster) {
            out.utu.selfadjointView<Eigen::Lower>().rankUpdate(res);
            out.usum += res;
            continue;
        }
        auto [it, inserted] = slot.try_emplace(rows.cluster[k], ids.size());
        if (inserted) {
            ids.push_back(rows.cluster[k]);
            local_sums.resize(local_sums.size() + up, 0.0);
        }
        for (std::size_t j = 0; j < up; ++j) local_sums[it->second * up + j] += res(static_cast<Eigen::Index>(j));
    }

    if (!by_cluster) {
        out.clusters = setup.n;
    } else {
        const int P = comm.size();
        std::vector<std::vector<std::int64_t>> send_ids(static_cast<std::size_t>(P));
        std::vector<std::vector<double>> send_vals(static_cast<std::size_t>(P));
        for (std::size_t c = 0; c < ids.size(); ++c) {
            const auto owner = static_cast<std::size_t>(mix(static_cast<std::uint64_t>(ids[c])) % static_cast<std::uint64_t>(P));
            send_ids[owner].push_back(ids[c]);
            send_vals[owner].insert(send_vals[owner].end(), local_sums.begin() + static_cast<std::ptrdiff_t>(c * up),
                                    local_sums.begin() + static_cast<std::ptrdiff_t>((c + 1) * up));
        }
        const std::vector<std::int64_t> got_ids = comm.alltoallv(send_ids);
        const std::vector<double> got_vals = comm.alltoallv(send_vals);
        // Ordered map: the sum per cluster arrives in rank order, the cross-product runs in id
        // order, so the result is the same on every run.
        std::map<std::int64_t, Eigen::VectorXd> owned;
        for (std::size_t c = 0; c < got_ids.size(); ++c) {
            auto [it, inserted] = owned.try_emplace(got_ids[c], Eigen::VectorXd::Zero(p));
            it->second += Eigen::Map<const Eigen::VectorXd>(got_vals.data() + c * up, p);
        }
        for (const auto& [id, v] : owned) {
            out.utu.selfadjointView<Eigen::Lower>().rankUpdate(v);
            out.usum += v;
        }
        out.clusters = static_cast<std::int64_t>(owned.size());
        out.clusters = comm.allreduce(out.clusters);
    }
    Eigen::MatrixXd full = out.utu.selfadjointView<Eigen::Lower>();
    out.utu = std::move(full);
    comm.allreduce(out.utu);
    comm.allreduce(out.usum);
    return out;
}

}  // namespace

CoxFit fit_cox(ModelFrame& frame, int n_strata, const CoxOptions& opt, const Comm& comm, const std::string& what,
               const std::vector<std::string>& response_columns) {
    // The ranks meet before the set-up's clock starts: a rank that finished its model frame early
    // would otherwise wait for the others at the set-up's first collective, and that wait (up to
    // 0.015 s at 4M rows, traced) is the frame's imbalance, not set-up. The wall time is the same.
    comm.barrier();
    const auto t_setup = std::chrono::steady_clock::now();
    CoxSetup setup;
    const bool moves = opt.communication == CoxCommunication::by_time && comm.size() > 1;
    CoxRows rows = prepare_cox_rows(frame, n_strata, comm, what, response_columns, setup, !moves);
    const bool robust = opt.robust.value_or(frame.has_cluster || setup.fractional_weights);
    if (!robust) {  // not needed, and then not moved
        rows.cluster.clear();
        rows.has_cluster = false;
    }
    const auto t_move = std::chrono::steady_clock::now();
    if (moves) distribute_by_time(rows, setup, plan_time_ranges(rows, setup.bins, comm), comm, what);
    const auto t_done = std::chrono::steady_clock::now();
    const double setup_seconds = std::chrono::duration<double>(t_done - t_setup).count();
    const int p = rows.p;

    CoxFit fit;
    fit.p = p;
    fit.n = setup.n;
    fit.events = setup.events;
    fit.constant = setup.constant;
    fit.bins = setup.bins.size();
    fit.setup_seconds = setup_seconds;
    fit.move_seconds = std::chrono::duration<double>(t_done - t_move).count();
    for (int s = 0; s < n_strata; ++s)
        if (setup.stratum_has_rows[static_cast<std::size_t>(s)] && !setup.bins.stratum_has_events(s))
            fit.strata_without_events.push_back(s);
    fit.robust = robust;

    Evaluator eval(rows, setup, opt.ties, comm, opt.communication);
    fit.bytes_per_iteration = eval.bytes_per_pass();

    NewtonResult nr = rows.counting_process ? newton_agfit4(eval, p, opt) : newton_coxfit6(eval, p, opt);
    fit.loglik_null = nr.loglik_null;
    fit.loglik = nr.at_beta.loglik;
    fit.score_test = nr.score_test;
    fit.iterations = nr.iterations;
    fit.converged = nr.converged;
    fit.evaluations = eval.calls;
    fit.evaluation_seconds = eval.seconds;

    const SingularLdl ldl(nr.at_beta.imat, opt.toler_chol);
    const Eigen::MatrixXd var_scaled = ldl.inverse();
    const Eigen::VectorXd& scale = setup.scale;
    fit.beta = nr.beta.cwiseProduct(scale);
    fit.var = scale.asDiagonal() * var_scaled * scale.asDiagonal();
    fit.redundant.assign(static_cast<std::size_t>(p), false);
    if (ldl.rank() < p)
        for (int j = 0; j < p; ++j) fit.redundant[static_cast<std::size_t>(j)] = var_scaled(j, j) == 0;

    // coxph.fit's checks for an infinite coefficient (monotone likelihood).
    fit.maybe_infinite.assign(static_cast<std::size_t>(p), false);
    const Eigen::VectorXd u_orig = nr.at_beta.u.cwiseQuotient(scale);
    const Eigen::VectorXd infs = (u_orig.transpose() * fit.var).cwiseAbs().transpose();
    if (opt.iter_max > 1) {
        if (!fit.converged) {
            double max_lp = -std::numeric_limits<double>::infinity();
            if (rows.n() > 0) {  // replicas repeat owned rows
                Eigen::VectorXd lp = rows.X * nr.beta;
                if (!rows.zero_offset()) lp += rows.offset;
                max_lp = lp.maxCoeff();
            }
            max_lp = comm.allreduce(max_lp, ReduceOp::max);
            fit.ran_out_maybe_infinite = max_lp > 500 || !infs.allFinite();
        } else {
            for (int j = 0; j < p; ++j)
                fit.maybe_infinite[static_cast<std::size_t>(j)] =
                    !std::isfinite(u_orig(j)) ||
                    (infs(j) > opt.eps && infs(j) > opt.toler_inf() * std::fabs(fit.beta(j)));
        }
    }

    if (fit.robust) {
        // Score residuals at the estimate (dfbeta = U V, robust variance = V U'U V).
        Evaluator at(rows, setup, opt.ties, comm, opt.communication);
        at(nr.beta);
        const ClusterScores cs = score_crossproduct(rows, setup, at, comm);
        fit.clusters = cs.clusters;
        const Eigen::MatrixXd rv = var_scaled * cs.utu * var_scaled;
        fit.robust_var = scale.asDiagonal() * rv * scale.asDiagonal();

        // R's robust score test: score residuals at beta = 0 with a zero linear predictor
        // (coxph sets linear.predictors to 0, which also leaves out any offset).
        Eigen::VectorXd saved_offset = rows.offset;
        rows.offset.setZero();  // an empty (zero) offset stays empty
        at(Eigen::VectorXd::Zero(p));
        const ClusterScores cs0 = score_crossproduct(rows, setup, at, comm);
        rows.offset = std::move(saved_offset);
        int df0 = 0;
        fit.robust_score_test = quadratic_form_test(cs0.utu, cs0.usum, opt.toler_chol, &df0);
    }

    // Wald test over the estimated coefficients, with the robust variance when robust (coxph).
    std::vector<Eigen::Index> keep;
    for (int j = 0; j < p; ++j)
        if (!fit.redundant[static_cast<std::size_t>(j)]) keep.push_back(j);
    fit.df = static_cast<int>(keep.size());
    const Eigen::MatrixXd& v = fit.robust_var ? *fit.robust_var : fit.var;
    Eigen::MatrixXd vk(fit.df, fit.df);
    Eigen::VectorXd bk(fit.df);
    for (int a = 0; a < fit.df; ++a) {
        bk(a) = fit.beta(keep[static_cast<std::size_t>(a)]);
        for (int b = 0; b < fit.df; ++b) vk(a, b) = v(keep[static_cast<std::size_t>(a)], keep[static_cast<std::size_t>(b)]);
    }
    int wald_df = 0;
    fit.wald_test = fit.df > 0 ? quadratic_form_test(vk, bk, opt.toler_chol, &wald_df) : 0.0;
    for (int j = 0; j < p; ++j)
        if (fit.redundant[static_cast<std::size_t>(j)]) fit.beta(j) = std::numeric_limits<double>::quiet_NaN();
    return fit;
}

}  // namespace kohort
