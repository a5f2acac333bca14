// Counter-based random streams for the synthetic cohort.
//
// Every person i gets independent streams keyed by (seed, i, purpose), so a person's rows do not
// depend on which rank or thread makes them, nor on how many persons came before. The generator
// is SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA
// 2014): a Weyl counter passed through a 64-bit finaliser. Seeding a stream by hashing
// (seed, i, purpose) through the same finaliser is the "splittable" use the paper describes.
#pragma once
#include <cmath>
#include <cstdint>

namespace kohort::synth {

// SplitMix64's output function (Stafford's "Mix13" variant of MurmurHash3's finaliser).
inline constexpr std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

inline constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

// What a stream is used for; each purpose of each person is an independent stream.
enum class Stream : std::uint64_t {
    life = 1,           // demographics, covariates, event times
    diagnoses = 2,      // filler diagnoses and contact dates
    prescriptions = 3,  // filler prescriptions, fill intervals, DDD
    genotype_pick = 4,  // whether the person is genotyped
    genotype = 5,       // the person's calls: draws 3j, 3j+1, 3j+2 for SNP j (Rng::uniform_at)
    snp = 6,            // per-SNP allele frequency (keyed by SNP index instead of person)
    ldl = 7,            // the genotyped person's LDL cholesterol (biomarkers table)
};

class Rng {
public:
    Rng(std::uint64_t seed, std::uint64_t key, Stream stream)
        : state_(mix64(mix64(mix64(seed + kGolden) ^ key) + static_cast<std::uint64_t>(stream) * kGolden)) {}

    std::uint64_t next() {
        state_ += kGolden;
        return mix64(state_);
    }
    // Uniform on [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    // The d-th uniform() of a fresh stream (d = 0 first), without drawing the ones before it:
    // SplitMix64's state after d + 1 steps is the seed state plus (d + 1) Weyl increments.
    double uniform_at(std::uint64_t d) const {
        return static_cast<double>(mix64(state_ + (d + 1) * kGolden) >> 11) * 0x1.0p-53;
    }
    // Uniform on (0, 1]: safe under log().
    double uniform_open0() { return static_cast<double>((next() >> 11) + 1) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    bool bernoulli(double p) { return uniform() < p; }
    // Uniform integer in [0, n) by Lemire's multiply-shift (bias below 2^-64 * n, irrelevant here).
    std::uint64_t below(std::uint64_t n) {
        return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
    }
    // Uniform integer in [lo, hi] (inclusive); returns lo when hi < lo.
    std::int64_t between(std::int64_t lo, std::int64_t hi) {
        if (hi <= lo) return lo;
        return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
    }
    double exponential() { return -std::log(uniform_open0()); }
    // Poisson by sequential inversion of the CDF (Devroye 1986, X.3.3): one uniform, O(mean)
    // multiplications; means here are below ~60. Large means fall back to a rounded normal.
    std::int64_t poisson(double mean) {
        if (mean <= 0) return 0;
        if (mean > 200) {
            const double u1 = uniform_open0(), u2 = uniform();
            const double z = std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
            const double k = std::floor(mean + std::sqrt(mean) * z + 0.5);
            return k < 0 ? 0 : static_cast<std::int64_t>(k);
        }
        const double u = uniform();
        double p = std::exp(-mean), cdf = p;
        std::int64_t k = 0;
        while (u >= cdf && k < 10000) {
            ++k;
            p *= mean / static_cast<double>(k);
            cdf += p;
            if (p == 0) break;
        }
        return k;
    }

private:
    std::uint64_t state_;
};

}  // namespace kohort::synth
