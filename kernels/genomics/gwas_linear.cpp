#include "kernels/genomics/gwas_linear.hpp"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>

#include "core/error.hpp"

namespace kohort::gwas {

namespace {

// Per-variant sufficient statistics, packed for the allreduce.
enum Slot { kCalled = 0, kSumG, kGG, kGY, kYYMiss, kFixed };

Eigen::MatrixXd orthonormal_basis(const Eigen::MatrixXd& C, const Comm& comm, const std::string& where) {
    // CholeskyQR2 (Fukaya et al. 2014): Q1 = C R1^{-1} with R1'R1 = C'C, then once more on Q1,
    // which restores orthogonality lost to cond(C)^2 in the first pass.
    Eigen::MatrixXd Q = C;
    for (int pass = 0; pass < 2; ++pass) {
        Eigen::MatrixXd G = Q.transpose() * Q;
        comm.allreduce(G);
        Eigen::LLT<Eigen::MatrixXd> llt(G);
        if (llt.info() != Eigen::Success || llt.matrixL().toDenseMatrix().diagonal().minCoeff() <= 1e-10 * std::sqrt(G.diagonal().maxCoeff()))
            throw UsageError(where + ": the covariates are collinear (their cross-product matrix is singular); "
                             "drop a redundant covariate");
        Q = llt.matrixU().solve<Eigen::OnTheRight>(Q);
    }
    return Q;
}

double p_student(double t, double df) {
    return 2.0 * boost::math::cdf(boost::math::students_t_distribution<double>(df), -std::fabs(t));
}

}  // namespace

LinearGwas::LinearGwas(const GwasSamples& s, const Comm& comm, double max_vif, const std::string& where)
    : comm_(comm), max_vif_(max_vif), k_(s.C.cols()), n_total_(s.n_total) {
    Q_ = orthonormal_basis(s.C, comm, where);
    Eigen::VectorXd qy = Q_.transpose() * s.y;
    comm.allreduce(qy);
    y_res_ = s.y - Q_ * qy;
    Eigen::VectorXd sums(k_ + 1);
    sums.head(k_) = Q_.transpose() * y_res_;
    sums[k_] = y_res_.squaredNorm();
    comm.allreduce(sums);
    qy_res_ = sums.head(k_);
    yy_res_ = sums[k_];
    W_.resize(Q_.rows(), k_ + 2);
    W_.leftCols(k_) = Q_;
    W_.col(k_) = y_res_;
    W_.col(k_ + 1).setOnes();
}

Eigen::MatrixXd LinearGwas::new_block(Eigen::Index nv) const {
    return Eigen::MatrixXd::Zero(kFixed + 2 * k_ + k_ * (k_ + 1) / 2, nv);
}

void LinearGwas::accumulate(const DecodedBlock& block, Eigen::MatrixXd& stats, Eigen::Index col0) const {
    const Eigen::Index nv = block.G.cols();
    const Eigen::Index k = k_;
    // Dense part, one GEMM for the block: [Q, y~, 1]'G gives Q'g, y~'g and sum g; then g'g.
    const Eigen::MatrixXd S = W_.transpose() * block.G;
    stats.block(kFixed, col0, k, nv) = S.topRows(k);
    stats.block(kGY, col0, 1, nv) = S.row(k);
    stats.block(kSumG, col0, 1, nv) = S.row(k + 1);
    stats.block(kGG, col0, 1, nv) = block.G.colwise().squaredNorm();
    // Sparse part: the rows with a missing call.
    for (Eigen::Index v = 0; v < nv; ++v) {
        const auto& miss = block.missing[static_cast<std::size_t>(v)];
        double* col = stats.col(col0 + v).data();
        col[kCalled] = static_cast<double>(block.G.rows()) - static_cast<double>(miss.size());
        for (const std::int32_t r : miss) {
            const double yr = y_res_[r];
            col[kYYMiss] += yr * yr;
            Eigen::Index t = kFixed + 2 * k;
            for (Eigen::Index a = 0; a < k; ++a) {
                const double qa = Q_(r, a);
                col[kFixed + k + a] += qa * yr;
                for (Eigen::Index b = a; b < k; ++b) col[t++] += qa * Q_(r, b);
            }
        }
    }
}

void LinearGwas::finish(Eigen::MatrixXd& stats, std::vector<VariantResult>& out) const {
    const Eigen::Index nv = stats.cols();
    const Eigen::Index k = k_;
    comm_.allreduce(stats);

    for (Eigen::Index v = 0; v < nv; ++v) {
        const double* col = stats.col(v).data();
        VariantResult r;
        const double n = col[kCalled];
        r.obs = static_cast<std::int64_t>(n);
        const double sum_g = col[kSumG];
        if (n > 0) r.a1_freq = sum_g / (2 * n);
        r.minor_count = std::min(sum_g, 2 * n - sum_g);
        const Eigen::Map<const Eigen::VectorXd> a(col + kFixed, k);
        const Eigen::Map<const Eigen::VectorXd> b(col + kFixed + k, k);
        // Q_S'Q_S = I - M over the called samples S.
        Eigen::MatrixXd A = Eigen::MatrixXd::Identity(k, k);
        Eigen::Index t = kFixed + 2 * k;
        bool any_missing = n < static_cast<double>(n_total_);
        for (Eigen::Index i = 0; i < k; ++i)
            for (Eigen::Index j = i; j < k; ++j) {
                A(i, j) -= col[t];
                A(j, i) = A(i, j);
                ++t;
            }
        const Eigen::VectorXd u = qy_res_ - b;  // Q_S' y~_S
        double gg_res, gy_res, yy_res;
        if (any_missing) {
            const Eigen::LDLT<Eigen::MatrixXd> ldlt(A);
            const Eigen::VectorXd Ainv_a = ldlt.solve(a);
            const Eigen::VectorXd Ainv_u = ldlt.solve(u);
            gg_res = col[kGG] - a.dot(Ainv_a);
            gy_res = col[kGY] - a.dot(Ainv_u);
            yy_res = yy_res_ - col[kYYMiss] - u.dot(Ainv_u);
        } else {
            gg_res = col[kGG] - a.squaredNorm();
            gy_res = col[kGY] - a.dot(u);
            yy_res = yy_res_ - u.squaredNorm();
        }
        const double df = n - static_cast<double>(k) - 1;
        // plink2 reports NA for a constant variant and when the variant's VIF against the
        // covariates exceeds --vif (default 50): VIF = sum_S (g - mean)^2 / (residual SS of g).
        const double centred = col[kGG] - sum_g * sum_g / std::max(n, 1.0);
        if (df < 1 || !(centred > 0) || !(gg_res > 0) || centred / gg_res > max_vif_) {
            out.push_back(r);
            continue;
        }
        r.beta = gy_res / gg_res;
        const double rss = yy_res - r.beta * gy_res;
        r.se = std::sqrt(rss / df / gg_res);
        r.stat = r.beta / r.se;
        r.p = p_student(r.stat, df);
        out.push_back(r);
    }
}

}  // namespace kohort::gwas
