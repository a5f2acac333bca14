// The planted truth of the synthetic cohort: every parameter the generator draws from.
// docs/synthetic.md explains each; write_synthetic_store() records them under /synth.
#pragma once
#include <cstdint>

#include "synth/dates.hpp"

namespace kohort::synth::truth {

// Calendar.
inline constexpr std::int32_t kDataStart = days_from_civil(1995, 1, 1);   // registers begin
inline constexpr std::int32_t kIndexDate = days_from_civil(2010, 1, 1);   // study index date
inline constexpr std::int32_t kEndOfStudy = days_from_civil(2020, 12, 31);  // last day with data
inline constexpr std::int32_t kBirthFirst = days_from_civil(1920, 1, 1);  // birth dates uniform on
inline constexpr std::int32_t kBirthLast = days_from_civil(1989, 12, 31);  // [first, last]
inline constexpr double kMaleFraction = 0.5;
inline constexpr double kEducationMissing = 0.03;

// Cause-specific hazards after index, Gompertz in attained age a (years):
//   h(t) = baseline * HR_statin^statin * HR_diabetes^diabetes * HR_male^male * HR_age10^((a - 60) / 10)
// with statin and diabetes fixed at their index values and a = age at index + time since index.
// Because a = age_index + t, the age term factors into exp(log(HR_age10) * (age_index - 60) / 10)
// times a baseline that grows in t: a Cox model on time since index with age at index as a
// covariate is correctly specified and estimates log(HR_age10) / 10 per year of age.
struct Hazard {
    double baseline_per_year;  // at attained age 60, female, no statin, no diabetes
    double hr_statin;
    double hr_diabetes;
    double hr_age10;
    double hr_male;
};
inline constexpr Hazard kMI{0.015, 0.75, 1.8, 1.6, 1.5};
inline constexpr Hazard kDeath{0.006, 0.9, 1.6, 2.2, 1.4};  // death before any MI (competing)
inline constexpr double kPostMiDeathHr = 3.0;  // death after MI: kDeath hazard times this
inline constexpr double kEmigrationPerYear = 0.003;  // constant, independent of everything

// Covariate model at index (logistic, a10 = (age at index - 60) / 10). Statin use depends on age,
// diabetes and sex, so crude statin estimates are confounded; adjusted ones recover kMI.hr_statin.
struct Logistic {
    double intercept, age10, male, diabetes;
};
inline constexpr Logistic kDiabetesAtIndex{-2.6, 0.5, 0.3, 0.0};
inline constexpr Logistic kStatinAtIndex{-1.6, 0.6, 0.3, 0.9};
inline constexpr Logistic kPriorMi{-4.0, 0.6, 0.5, 0.4};
inline constexpr double kIncidentDiabetesPerYear = 0.006;  // after index, times exp(0.5 * a10)
inline constexpr double kFormerStatinFraction = 0.04;      // of non-users at index
inline constexpr double kStatinInitiationPerYear = 0.02;   // after index, times exp(0.6 * a10)

// Windows that keep study definitions robust to boundary choices (docs/synthetic.md):
// users at index fill C10AA every 150-250 days from a start in [index - 8y, index - 60 d]; former
// users' last fill is more than 730 days before index; prevalent diabetes starts by index - 30 d,
// incident diabetes no earlier than index + 30 d; prior MI is at most index - 60 d (+28 d of
// follow-up contacts).
inline constexpr int kStatinFillMin = 150, kStatinFillMax = 250;
inline constexpr std::int32_t kStatinUserStartLatest = kIndexDate - 60;
inline constexpr std::int32_t kFormerStatinStopLatest = kIndexDate - 731;
inline constexpr std::int32_t kDiabetesPrevalentLatest = kIndexDate - 30;
inline constexpr std::int32_t kDiabetesIncidentEarliest = kIndexDate + 30;
inline constexpr std::int32_t kPriorMiLatest = kIndexDate - 60;

// Volumes: filler rows per observed person-year, tuned so the totals average about 10 diagnoses
// and 20 prescriptions per person (tests check the averages).
inline constexpr double kFillerDiagnosesPerYear = 0.369;
inline constexpr double kFillerPrescriptionsPerYear = 0.514;

// Genotypes.
inline constexpr double kGenotypedFraction = 0.10;
inline constexpr double kAlleleFrequencyMin = 0.05, kAlleleFrequencyMax = 0.5;
inline constexpr double kGenotypeMissing = 0.005;

}  // namespace kohort::synth::truth
