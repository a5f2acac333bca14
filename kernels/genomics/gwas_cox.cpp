#include "kernels/genomics/gwas_cox.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/genomics/genotype_block.hpp"
#include "kernels/genomics/gwas_cox_null.hpp"
#include "kernels/survival/cox_fit.hpp"

namespace kohort::gwas {

namespace {

// Reduction 1, per variant: called samples, A1 dosage sum, called events, events carrying A1
// (dosage >= 1) and events carrying A2 (dosage <= 1).
enum CountSlot { kCalled = 0, kSum, kEventsCalled, kEventsA1, kEventsA2, kCounts };

// Score statistics stay below this many doubles per block (the block is split when T is large).
constexpr std::int64_t kMaxBlockDoubles = std::int64_t{8} << 20;
// Variants decoded together: the dense chunk stays in cache for the GEMM (as gwas_kernel.cpp).

double normal_two_sided_p(double z) { return std::erfc(std::fabs(z) / std::sqrt(2.0)); }

class CoxScorer {
public:
    CoxScorer(const CoxNullModel& m, std::int64_t n_total) : m_(m), n_total_(n_total) {}

    // Reduction 2 layout per variant: [U_g, sum g^2 H, I_gx (p), risk-set sums (T), tied death sums].
    Eigen::Index rows() const { return kE + m_.bins + m_.tied_bins(); }

    void count(const DecodedBlock& d, Eigen::MatrixXd& counts, Eigen::Index col0) const {
        const Eigen::Index n = d.G.rows();
        std::vector<char> mark(static_cast<std::size_t>(n), 0);  // missing calls of the variant
        for (Eigen::Index v = 0; v < d.G.cols(); ++v) {
            const auto& miss = d.missing[static_cast<std::size_t>(v)];
            double* c = counts.col(col0 + v).data();
            c[kCalled] = static_cast<double>(n) - static_cast<double>(miss.size());
            c[kSum] = d.G.col(v).sum();
            for (const std::int32_t r : miss) mark[static_cast<std::size_t>(r)] = 1;
            for (const std::int64_t i : m_.event_rows) {
                if (mark[static_cast<std::size_t>(i)]) continue;
                const double g = d.G(i, v);
                c[kEventsCalled] += 1;
                c[kEventsA1] += g >= 1 ? 1 : 0;
                c[kEventsA2] += g <= 1 ? 1 : 0;
            }
            for (const std::int32_t r : miss) mark[static_cast<std::size_t>(r)] = 0;
        }
    }

    // Centres each variant at its called mean; a missing call (imputed with that mean) becomes 0.
    // The score and information do not change with the centre (sum_i m_i = 0, sum_i Z_i = 0) and
    // the centred values keep the sums well conditioned.
    void score(DecodedBlock& d, const Eigen::MatrixXd& counts, Eigen::MatrixXd& stats, Eigen::Index col0) const {
        const Eigen::Index nv = d.G.cols();
        for (Eigen::Index v = 0; v < nv; ++v) {
            const double called = counts(kCalled, col0 + v);
            const double mean = called > 0 ? counts(kSum, col0 + v) / called : 0.0;
            d.G.col(v).array() -= mean;
            for (const std::int32_t r : d.missing[static_cast<std::size_t>(v)]) d.G(r, v) = 0;
        }
        const Eigen::Index p = m_.p;
        stats.block(0, col0, 1, nv) = m_.W.col(0).transpose() * d.G;
        stats.block(2, col0, p, nv) = m_.W.rightCols(p).transpose() * d.G;
        stats.block(1, col0, 1, nv) = m_.cumhaz.transpose() * d.G.cwiseAbs2();
        const Eigen::Index T = m_.bins;
        for (Eigen::Index v = 0; v < nv; ++v) {
            double* col = stats.col(col0 + v).data();
            double* exit_sums = col + kE;
            double* tied_sums = exit_sums + T;
            const double* g = d.G.col(v).data();
            const auto n = static_cast<std::size_t>(d.G.rows());
            for (std::size_t i = 0; i < n; ++i) {
                const std::int64_t b = m_.bin[i];
                if (b >= 0) exit_sums[b] += m_.risk[static_cast<Eigen::Index>(i)] * g[i];
            }
            for (std::size_t k = 0; k < m_.tied_rows.size(); ++k) {
                const std::int64_t i = m_.tied_rows[k];
                tied_sums[m_.tied_slot[k]] += m_.risk[i] * g[i];
            }
        }
    }

    VariantResult finish(const double* c, const double* st) const {
        VariantResult r;
        r.obs = n_total_;  // every sample is tested (missing calls imputed)
        const double called = c[kCalled], sum = c[kSum];
        if (called > 0) r.a1_freq = sum / (2 * called);
        const bool a1_minor = sum <= called;
        r.minor_count = std::min(sum, 2 * called - sum);
        r.minor_count_cases = a1_minor ? c[kEventsA1] : c[kEventsA2];
        // I_gg: sum g^2 H minus the Efron risk-set sums of squares, per event time.
        const Eigen::Index T = m_.bins;
        const double* exit_sums = st + kE;
        const double* tied_sums = exit_sums + T;
        double quad = 0, risk_set = 0;
        std::int64_t slot = m_.tied_bins() - 1;
        for (Eigen::Index j = T - 1; j >= 0; --j) {
            risk_set += exit_sums[j];
            quad += risk_set * risk_set * m_.q0[static_cast<std::size_t>(j)];
            if (slot >= 0 && m_.tied_bin[static_cast<std::size_t>(slot)] == j) {
                const double dj = tied_sums[slot];
                const auto us = static_cast<std::size_t>(slot);
                quad += -2 * risk_set * dj * m_.q1[us] + dj * dj * m_.q2[us];
                --slot;
            }
        }
        const double i_gg = st[1] - quad;
        const Eigen::Map<const Eigen::VectorXd> i_gx(st + 2, m_.p);
        const Eigen::VectorXd h = m_.info_ldlt.solve(i_gx);
        // Schur complement: the information of g given the covariates; the efficient score removes
        // the (tiny) covariate score left at the null estimates.
        const double v = i_gg - i_gx.dot(h);
        const double u = st[0] - h.dot(m_.score_x);
        if (!(called > 0) || !(v > 1e-10 * std::fabs(i_gg))) return r;  // constant given the covariates
        r.stat = u / std::sqrt(v);
        r.p = normal_two_sided_p(r.stat);
        return r;
    }

private:
    const CoxNullModel& m_;
    std::int64_t n_total_;
    const Eigen::Index kE = 2 + m_.p;  // first per-event-time row of a variant's column
};

// The full Cox fit of covariates + variant (kernels/survival/cox_fit, as kind = cox), its
// missing calls imputed with the called mean.
void refit(const GenotypeReader::Block& raw, std::int64_t v, double mean, const GwasSamples& s,
           const GwasOptions& o, const Comm& comm, VariantResult& r) {
    DecodedBlock d;
    decode_block(raw, v, 1, s.geno_index, d);
    Eigen::VectorXd g = d.G.col(0);
    for (const std::int32_t i : d.missing[0]) g[i] = mean;
    ModelFrame frame = cox_frame(s, &g);
    const CoxFit fit = fit_cox(frame, 1, CoxOptions{}, comm, o.where, o.formula.response_columns);
    const auto last = static_cast<Eigen::Index>(fit.p - 1);
    if (fit.redundant.back() || !(fit.var(last, last) > 0)) return;
    r.beta = fit.beta[last];
    r.se = std::sqrt(fit.var(last, last));
    r.wald_p = normal_two_sided_p(r.beta / r.se);
}

}  // namespace

CoxGwasRun run_cox_gwas(const GenotypeReader& reader, const GwasSamples& samples, const GwasOptions& o,
                        std::int64_t block, const Comm& comm, const std::function<void(const std::string&)>& log) {
    CoxGwasRun run;
    const CoxNullModel null = fit_null_model(samples, comm, o.where, o.formula.response_columns);
    const CoxScorer scorer(null, samples.n_total);
    run.event_times = null.bins;
    run.tied_event_times = null.tied_bins();
    run.null_iterations = null.iterations;
    run.bytes_per_variant = static_cast<std::size_t>(kCounts + scorer.rows()) * sizeof(double);
    if (log)
        log("gwas cox null model: " + std::to_string(null.events) + " events at " + std::to_string(null.bins) +
            " event times (" + std::to_string(null.tied_bins()) + " with ties), " +
            std::to_string(null.iterations) + " Newton iterations; " + std::to_string(run.bytes_per_variant) +
            " bytes reduced per variant");
    const std::int64_t step = std::clamp<std::int64_t>(kMaxBlockDoubles / scorer.rows(), 1, std::max<std::int64_t>(block, 1));
    run.results.resize(static_cast<std::size_t>(reader.variants()));
    for_each_block(reader, step, [&](const GenotypeReader::Block& raw, std::int64_t v0, std::int64_t nv) {
        // Reduction 1: counts (mean dosage for the missing calls; disclosure counts).
        Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(kCounts, nv);
        for_each_decoded_chunk(raw, nv, samples.geno_index,
                               [&](DecodedBlock& d, Eigen::Index col0) { scorer.count(d, counts, col0); });
        comm.allreduce(counts);
        // Reduction 2: scores, information pieces, per-event-time risk-set sums.
        Eigen::MatrixXd stats = Eigen::MatrixXd::Zero(scorer.rows(), nv);
        for_each_decoded_chunk(raw, nv, samples.geno_index,
                               [&](DecodedBlock& d, Eigen::Index col0) { scorer.score(d, counts, stats, col0); });
        comm.allreduce(stats);
        std::vector<int> want(static_cast<std::size_t>(nv), 0);
#pragma omp parallel for schedule(dynamic, 16)
        for (std::int64_t v = 0; v < nv; ++v) {
            VariantResult& r = run.results[static_cast<std::size_t>(v0 + v)];
            r = scorer.finish(counts.col(v).data(), stats.col(v).data());
            want[static_cast<std::size_t>(v)] = r.p < o.refit_p ? 1 : 0;
        }
        // Every rank must refit the same variants (each fit is collective): agree on the flags.
        comm.allreduce(want, ReduceOp::max);
        for (std::int64_t v = 0; v < nv; ++v) {
            if (!want[static_cast<std::size_t>(v)]) continue;
            refit(raw, v, counts(kSum, v) / counts(kCalled, v), samples, o, comm,
                  run.results[static_cast<std::size_t>(v0 + v)]);
            ++run.refits;
        }
    });
    return run;
}

}  // namespace kohort::gwas
