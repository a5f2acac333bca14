// One variant's test result, as every family reports it (columns per contract section 8).
#pragma once
#include <cstdint>
#include <limits>

namespace kohort::gwas {

inline constexpr double kNA = std::numeric_limits<double>::quiet_NaN();

struct VariantResult {
    std::int64_t obs = 0;          // OBS_CT: samples with a call (Surv: all samples)
    double a1_freq = kNA;          // A1 frequency among the called samples of the test
    double beta = kNA;             // BETA (binomial: log odds ratio; Surv: full-fit log hazard ratio)
    double se = kNA;               // SE (binomial: LOG(OR)_SE)
    double stat = kNA;             // T_STAT / Z_STAT
    double p = kNA;                // P
    double wald_p = kNA;           // Surv: WALD_P of the full fit
    bool firth = false;            // binomial: FIRTH? = Y
    // Disclosure: minor allele count among called samples, and among cases / events (-1: n/a).
    double minor_count = 0;
    double minor_count_cases = -1;
};

}  // namespace kohort::gwas
