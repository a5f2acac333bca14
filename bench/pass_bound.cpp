// Compute bound for one Cox/GLM pass over a rank's rows (issue 14, point 2), measured on the same
// machine in the same run as the pass it bounds:
//   syrk    X'X through Eigen's symmetric rank-k update (lower triangle) of an n x p matrix,
//           the dominant flops of both passes (n p (p + 1) flops);
//   gemv    X beta and X' r (4 n p flops), the rest of a pass's arithmetic;
//   stream  one streaming read of X (8 n p bytes), the memory-bound part.
// bound = syrk + gemv + stream (conservative: a real pass overlaps them). Best of REPS runs.
//
// Usage: pass_bound ROWS P [REPS]   (build: c++ -O3 -march=native -fopenmp -I/usr/include/eigen3)
// Prints: "syrk S gemv S stream S bound S" in seconds.
#include <Eigen/Dense>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: pass_bound ROWS P [REPS]\n");
        return 2;
    }
    const Eigen::Index n = std::atol(argv[1]), p = std::atol(argv[2]);
    const int reps = argc > 3 ? std::atoi(argv[3]) : 5;
    Eigen::setNbThreads(1);
    Eigen::MatrixXd X = Eigen::MatrixXd::Random(n, p);
    Eigen::VectorXd beta = Eigen::VectorXd::Constant(p, 0.01), r(n), u(p);
    Eigen::MatrixXd m(p, p);
    double syrk = 1e30, gemv = 1e30, stream = 1e30, sink = 0;
    for (int rep = 0; rep < reps; ++rep) {
        auto t0 = std::chrono::steady_clock::now();
        m.setZero();
        m.selfadjointView<Eigen::Lower>().rankUpdate(X.transpose());
        syrk = std::min(syrk, seconds_since(t0));

        t0 = std::chrono::steady_clock::now();
        r.noalias() = X * beta;
        u.noalias() = X.transpose() * r;
        gemv = std::min(gemv, seconds_since(t0));

        t0 = std::chrono::steady_clock::now();
        const double s = X.sum();
        stream = std::min(stream, seconds_since(t0));
        sink += s + m(p - 1, 0) + u(0);
    }
    std::printf("syrk %.5f gemv %.5f stream %.5f bound %.5f\n", syrk, gemv, stream, syrk + gemv + stream);
    return sink == 12345.678 ? 1 : 0;  // keep the work observable
}
