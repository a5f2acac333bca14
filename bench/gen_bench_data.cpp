// Data for bench/run.sh: N rows, P standard-normal covariates (4 decimals), integer-day survival
// times with heavy ties, a logistic and a Poisson response from the same linear predictor, and a
// 4-level group for Kaplan-Meier. Written by a fixed generator (mt19937_64, Box-Muller) so the
// file, and so every instruction count measured on it, is the same on every machine and library
// version (R's or libstdc++'s distributions could change between releases).
//
// Usage: gen_bench_data N P SEED OUT.csv [long]
// Columns: time (1..3650 days), status (0/1), y_bin (0/1), y_cnt (0..), grp (1..4), x1..xP.
// `long`: censoring uniform over 1..30 years instead of 1..10, so the exponential event times
// spread over about ten thousand distinct days (the shape of issue 14's Cox data set).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

// Uniform on (0, 1) from the top 53 bits: the same value on every platform.
double uniform(std::mt19937_64& g) { return (double((g() >> 11)) + 0.5) * 0x1.0p-53; }

// Box-Muller, one normal per call (the second is discarded so the stream stays simple).
double normal(std::mt19937_64& g) {
    const double u1 = uniform(g), u2 = uniform(g);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// Knuth's product method for small means (here below about 3).
int poisson(std::mt19937_64& g, double mean) {
    const double limit = std::exp(-mean);
    int k = 0;
    for (double prod = uniform(g); prod > limit; prod *= uniform(g)) ++k;
    return k;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5 && !(argc == 6 && std::string(argv[5]) == "long")) {
        std::fprintf(stderr, "usage: gen_bench_data N P SEED OUT.csv [long]\n");
        return 2;
    }
    const double censor_max = argc == 6 ? 3.0 * 3650.0 : 3650.0;
    const long n = std::atol(argv[1]);
    const int p = std::atoi(argv[2]);
    std::mt19937_64 g(std::strtoull(argv[3], nullptr, 10));
    std::FILE* out = std::fopen(argv[4], "w");
    if (!out || n <= 0 || p <= 0) {
        std::fprintf(stderr, "gen_bench_data: cannot write %s or bad N/P\n", argv[4]);
        return 2;
    }
    std::fputs("time,status,y_bin,y_cnt,grp", out);
    for (int j = 1; j <= p; ++j) std::fprintf(out, ",x%d", j);
    std::fputc('\n', out);
    std::vector<double> x(p);
    std::string line;
    char buf[32];
    for (long i = 0; i < n; ++i) {
        double eta = 0;
        for (int j = 0; j < p; ++j) {
            x[j] = std::round(normal(g) * 1e4) / 1e4;
            eta += x[j] * (-0.5 + double(j) / std::max(1, p - 1)) / std::sqrt(double(p));
        }
        // Exponential event time (mean 2000 days / exp(eta)) against uniform censoring in
        // 1..10 years, rounded up to whole days: a few thousand distinct event times.
        const double event = -std::log(uniform(g)) * 2000.0 / std::exp(eta);
        const double censor = 365.0 + uniform(g) * (censor_max - 365.0);
        const long time = std::max(1L, long(std::ceil(std::min(event, censor))));
        const int status = event <= censor;
        const int y_bin = uniform(g) < 1.0 / (1.0 + std::exp(1.0 - eta));
        const int y_cnt = poisson(g, std::exp(-0.5 + eta / 2));
        const int grp = 1 + int(g() % 4);
        line = std::to_string(time) + ',' + std::to_string(status) + ',' + std::to_string(y_bin) + ',' +
               std::to_string(y_cnt) + ',' + std::to_string(grp);
        for (int j = 0; j < p; ++j) {
            std::snprintf(buf, sizeof buf, ",%.4f", x[j]);
            line += buf;
        }
        line += '\n';
        std::fputs(line.c_str(), out);
    }
    return std::fclose(out) == 0 ? 0 : 2;
}
