// Memory-bandwidth probe for bench_glm.sh: each process streams a buffer of the size of its
// share of X (argument: MiB) and reports the best read bandwidth over 5 sweeps, in GB/s.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
    const std::size_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 256;
    const std::size_t n = mib * 1024 * 1024 / sizeof(double);
    std::vector<double> a(n, 1.0);
    double best = 0, sink = 0;
    for (int rep = 0; rep < 5; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (std::size_t i = 0; i + 3 < n; i += 4) {
            s0 += a[i]; s1 += a[i + 1]; s2 += a[i + 2]; s3 += a[i + 3];
        }
        const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        sink += s0 + s1 + s2 + s3;
        const double gbs = double(n * sizeof(double)) / sec / 1e9;
        if (gbs > best) best = gbs;
    }
    std::printf("%.3f %g\n", best, sink);
    return 0;
}
