#include "synth/registers.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "synth/codes.hpp"
#include "synth/rng.hpp"
#include "synth/truth.hpp"

namespace kohort::synth {

namespace {

using namespace truth;

double observed_years(const PersonLife& p) { return (p.observed_to - p.observed_from + 1) / kDaysPerYear; }

// Repeated contacts with a code from `first` until `last`, `gap_min`..`gap_max` days apart.
template <typename Emit>
void repeat(Rng& rng, std::int32_t first, std::int32_t last, int gap_min, int gap_max, Emit&& emit) {
    for (std::int64_t d = first; d <= last; d += rng.between(gap_min, gap_max)) emit(static_cast<std::int32_t>(d));
}

double round2(double x) { return std::round(x * 100.0) / 100.0; }

// Background contacts, uniform over the observed period: a Poisson number at `per_year`, each
// with a code drawn from `filler`; emit(date, code) may draw more from rng after them.
template <typename Emit>
void background(Rng& rng, const PersonLife& p, double per_year, const WeightedSampler& filler, Emit&& emit) {
    const std::int64_t n = rng.poisson(per_year * observed_years(p));
    for (std::int64_t k = 0; k < n; ++k) {
        const auto date = static_cast<std::int32_t>(rng.between(p.observed_from, p.observed_to));
        emit(date, filler.sample(rng));
    }
}

}  // namespace

void person_diagnoses(std::uint64_t seed, const PersonLife& p, std::vector<DiagnosisRow>& out) {
    const CodeTables& codes = code_tables();
    Rng rng(seed, static_cast<std::uint64_t>(p.index), Stream::diagnoses);
    out.clear();
    const std::int32_t last = p.observed_to;

    background(rng, p, kFillerDiagnosesPerYear, codes.icd10_filler[p.male],
               [&](std::int32_t date, std::int32_t code) { out.push_back({date, code}); });
    // Diabetes: the first contact at onset, then follow-up contacts every 10-20 months.
    if (p.diabetes_onset != kMissingDate && p.diabetes_onset <= last)
        repeat(rng, p.diabetes_onset, last, 300, 600, [&](std::int32_t d) { out.push_back({d, p.diabetes_code}); });
    // MI before index, and the first MI after index, each with 0-2 follow-up I21 contacts within
    // 28 days (they never cross the index date: prior MI is at most index - 60 days).
    for (const std::int32_t mi : {p.prior_mi, p.mi}) {
        if (mi == kMissingDate || mi > last) continue;
        out.push_back({mi, codes.mi});
        const std::int64_t followups = rng.between(0, 2);
        for (std::int64_t k = 0; k < followups; ++k) {
            const auto d = static_cast<std::int32_t>(mi + rng.between(1, 28));
            if (d <= last) out.push_back({d, codes.mi});
        }
        // Chronic ischaemic heart disease contact some months later (I25 is also a filler code).
        const auto d = static_cast<std::int32_t>(mi + rng.between(60, 400));
        if (d <= last) out.push_back({d, codes.mi_followup_chronic});
    }
    std::sort(out.begin(), out.end(), [](const DiagnosisRow& a, const DiagnosisRow& b) {
        return a.date != b.date ? a.date < b.date : a.code < b.code;
    });
}

void person_prescriptions(std::uint64_t seed, const PersonLife& p, std::vector<PrescriptionRow>& out) {
    const CodeTables& codes = code_tables();
    Rng rng(seed, static_cast<std::uint64_t>(p.index), Stream::prescriptions);
    out.clear();
    const std::int32_t last = p.observed_to;

    // Background fills: half, one or two typical packs.
    background(rng, p, kFillerPrescriptionsPerYear, codes.atc_filler[p.male], [&](std::int32_t date, std::int32_t code) {
        const double u = rng.uniform();
        const double packs = u < 0.25 ? 0.5 : u < 0.75 ? 1.0 : 2.0;
        out.push_back({date, code, packs * codes.atc_pack_ddd[static_cast<std::size_t>(code)]});
    });
    // Statins: a fill of two 100-tablet packs every 150-250 days over the episode, one of three
    // strengths (DDD per fill 200, 267 or 400).
    if (p.statin_start != kMissingDate) {
        const std::int32_t stop = std::min(p.statin_stop, last);
        const double strength = std::array<double, 3>{1.0, 4.0 / 3.0, 2.0}[rng.below(3)];
        repeat(rng, p.statin_start, stop, kStatinFillMin, kStatinFillMax,
               [&](std::int32_t d) { out.push_back({d, p.statin_code, round2(200.0 * strength)}); });
    }
    // Antidiabetics from the diabetes onset on: metformin (type 2) or basal + bolus insulin
    // (type 1, E10), every 150-250 days; a second-line drug joins some type 2 patients later.
    if (p.diabetes_onset != kMissingDate && p.diabetes_onset <= last) {
        const bool type1 = p.diabetes_code == codes.diabetes[0];
        const std::int32_t first = p.diabetes_onset + static_cast<std::int32_t>(rng.between(0, 14));
        repeat(rng, first, last, 150, 250, [&](std::int32_t d) {
            if (type1) {
                out.push_back({d, codes.insulin_glargine, 180.0});
                out.push_back({d, codes.insulin_aspart, 120.0});
            } else {
                out.push_back({d, codes.metformin, 200.0});
                if (p.second_line_code >= 0 && d >= p.second_line_start) out.push_back({d, p.second_line_code, 180.0});
            }
        });
    }
    std::sort(out.begin(), out.end(), [](const PrescriptionRow& a, const PrescriptionRow& b) {
        if (a.date != b.date) return a.date < b.date;
        if (a.code != b.code) return a.code < b.code;
        return a.ddd < b.ddd;
    });
}

}  // namespace kohort::synth
