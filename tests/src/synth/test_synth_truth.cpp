// The planted effects are in the registers and can be recovered.
//
// 1. The study definitions of docs/synthetic.md, applied to the tables by an independent reader
//    (study_view.hpp), reproduce the generator's own truth person by person, also with wider or
//    narrower statin windows: no filler row creates I21, E10-E14 or C10AA codes.
// 2. Mantel-Haenszel rate ratios recover the planted cause-specific hazard ratios. Follow-up is
//    split by year since index (Lexis), and strata are (2-year band of age at index, follow-up
//    year, the other binary covariates). Within a stratum the hazard is nearly constant, so the
//    exposed/unexposed rate ratio estimates the planted HR; the strata are pooled with the MH
//    rate-ratio estimator and its variance from Greenland & Robins (1985), Biometrics 41:55-68:
//      RR = sum_k D1k T0k / Tk  /  sum_k D0k T1k / Tk,
//      Var(log RR) = sum_k T1k T0k Dk / Tk^2  /  [(sum_k D1k T0k / Tk)(sum_k D0k T1k / Tk)].
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <tuple>

#include "study_view.hpp"
#include "synth/person.hpp"
#include "synth/synth.hpp"
#include "synth/truth.hpp"

using namespace kohort;
using namespace kohort::synth;
using namespace kohort::synth::test;

namespace {

constexpr std::int64_t kPersons = 100000;
constexpr std::uint64_t kSeed = 20240611;

struct Cohort {
    SynthConfig config;
    SynthTables tables;
    std::vector<StudyPerson> study;
};

const Cohort& cohort() {
    static const Cohort c = [] {
        Cohort k;
        k.config.persons = kPersons;
        k.config.seed = kSeed;
        k.tables = generate_part(k.config, 0, 1);
        k.study = derive_study(k.tables.population, k.tables.diagnoses, k.tables.prescriptions);
        return k;
    }();
    return c;
}

// Person-time and events of one follow-up year of one person, by stratum and exposure.
struct Cell {
    double t[2] = {0, 0};
    double d[2] = {0, 0};
};
using Key = std::tuple<int, int, int, int, int>;  // age band, follow-up year, three other covariates

struct RateRatio {
    double estimate, se_log;
};

RateRatio mantel_haenszel(const std::map<Key, Cell>& cells) {
    double num = 0, den = 0, var_num = 0;
    for (const auto& [key, c] : cells) {
        const double T = c.t[0] + c.t[1], D = c.d[0] + c.d[1];
        if (T <= 0) continue;
        num += c.d[1] * c.t[0] / T;
        den += c.d[0] * c.t[1] / T;
        var_num += c.t[1] * c.t[0] * D / (T * T);
    }
    return {num / den, std::sqrt(var_num / (num * den))};
}

// Adds a person's follow-up, split into years since index, to the cell of (stratum, exposure).
// `cause` 1 counts MIs, 2 counts deaths before MI.
void add_person(std::map<Key, Cell>& cells, const StudyPerson& s, int exposure, Key stratum, int cause) {
    const double total = s.years();
    for (int year = 0; year < 11 && year < total; ++year) {
        const double in = std::min(total, year + 1.0) - year;
        std::get<1>(stratum) = year;
        Cell& c = cells[stratum];
        c.t[exposure] += in;
        if (s.status == cause && total <= year + 1.0) c.d[exposure] += 1;
    }
}

int age_band(double age) { return static_cast<int>(std::floor((age - 20.0) / 2.0)); }

// MH rate ratio of a binary covariate, stratified on age band, follow-up year and the others.
RateRatio binary_effect(const std::function<int(const StudyPerson&)>& exposure,
                        const std::function<std::tuple<int, int, int>(const StudyPerson&)>& others, int cause) {
    std::map<Key, Cell> cells;
    for (const StudyPerson& s : cohort().study) {
        if (!s.eligible) continue;
        const auto [a, b, c] = others(s);
        add_person(cells, s, exposure(s), Key{age_band(s.age), 0, a, b, c}, cause);
    }
    return mantel_haenszel(cells);
}

void expect_recovered(const char* what, const RateRatio& rr, double truth) {
    const double z = (std::log(rr.estimate) - std::log(truth)) / rr.se_log;
    std::printf("%-28s MH %.4f (95%% CI %.4f-%.4f), planted %.4f, z = %+.2f\n", what, rr.estimate,
                rr.estimate * std::exp(-1.96 * rr.se_log), rr.estimate * std::exp(1.96 * rr.se_log), truth, z);
    EXPECT_LT(std::abs(z), 3.0) << what << ": estimate " << rr.estimate << " vs planted " << truth;
}

}  // namespace

TEST(SynthTruth, RegistersReproduceTheGeneratorsTruthPersonByPerson) {
    const Cohort& c = cohort();
    const std::vector<std::int64_t> persons = local_persons(c.config, 0, 1);
    ASSERT_EQ(persons.size(), c.study.size());
    const auto wide = derive_study(c.tables.population, c.tables.diagnoses, c.tables.prescriptions, 730, 1);
    const auto narrow = derive_study(c.tables.population, c.tables.diagnoses, c.tables.prescriptions, 330, 30);
    std::int64_t eligible = 0, statin = 0, diabetes = 0, mi = 0, death = 0;
    for (std::size_t k = 0; k < persons.size(); ++k) {
        const PersonLife life = simulate_person(c.config.seed, persons[k]);
        const StudyPerson& s = c.study[k];
        ASSERT_EQ(life.pid, s.pid);
        ASSERT_EQ(life.eligible, s.eligible) << k;
        if (!s.eligible) continue;
        ++eligible;
        ASSERT_EQ(life.statin_at_index, s.statin) << k;
        ASSERT_EQ(life.statin_at_index, wide[k].statin) << k;
        ASSERT_EQ(life.statin_at_index, narrow[k].statin) << k;
        ASSERT_EQ(life.diabetes_at_index, s.diabetes) << k;
        ASSERT_EQ(life.male != 0, s.male) << k;
        ASSERT_EQ(life.mi, s.mi) << k;
        ASSERT_GT(s.years(), 0.0);
        statin += s.statin;
        diabetes += s.diabetes;
        mi += s.status == 1;
        death += s.status == 2;
    }
    const double n = static_cast<double>(eligible);
    std::printf("eligible %lld of %lld; statin %.3f, diabetes %.3f, MI %.3f, death before MI %.3f\n",
                static_cast<long long>(eligible), static_cast<long long>(kPersons), statin / n, diabetes / n, mi / n,
                death / n);
    EXPECT_GT(n / kPersons, 0.75);
    EXPECT_GT(mi / n, 0.15);  // the brief: 15-25% MI over follow-up among the eligible
    EXPECT_LT(mi / n, 0.25);
    EXPECT_GT(statin / n, 0.10);
    EXPECT_GT(diabetes / n, 0.05);
}

TEST(SynthTruth, MantelHaenszelRecoversPlantedMiHazardRatios) {
    using S = StudyPerson;
    expect_recovered("MI: male", binary_effect([](const S& s) { return int(s.male); },
                                               [](const S& s) { return std::tuple{int(s.statin), int(s.diabetes), 0}; }, 1),
                     truth::kMI.hr_male);
    expect_recovered("MI: diabetes", binary_effect([](const S& s) { return int(s.diabetes); },
                                                   [](const S& s) { return std::tuple{int(s.statin), int(s.male), 0}; }, 1),
                     truth::kMI.hr_diabetes);
    expect_recovered("MI: statin", binary_effect([](const S& s) { return int(s.statin); },
                                                 [](const S& s) { return std::tuple{int(s.diabetes), int(s.male), 0}; }, 1),
                     truth::kMI.hr_statin);
    expect_recovered("death before MI: male",
                     binary_effect([](const S& s) { return int(s.male); },
                                   [](const S& s) { return std::tuple{int(s.statin), int(s.diabetes), 0}; }, 2),
                     truth::kDeath.hr_male);
}

TEST(SynthTruth, MantelHaenszelRecoversPlantedAgeEffect) {
    // Exposure: the older of two 2-year age bands exactly 10 years apart (bands b and b + 5, for
    // b in 0-4, 10-14, 20-24, so each band is in one pair only and the strata stay independent).
    std::map<Key, Cell> cells;
    for (const StudyPerson& s : cohort().study) {
        if (!s.eligible) continue;
        const int band = age_band(s.age);
        const int pair_base = (band / 10) * 10 + band % 5;
        if (band >= 30) continue;
        const int older = (band % 10) >= 5 ? 1 : 0;
        add_person(cells, s, older, Key{pair_base, 0, int(s.statin), int(s.diabetes), int(s.male)}, 1);
    }
    expect_recovered("MI: age +10 years", mantel_haenszel(cells), truth::kMI.hr_age10);
}
