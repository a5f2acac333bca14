#include "synth/person.hpp"

#include <algorithm>
#include <cmath>

#include "synth/codes.hpp"
#include "synth/pid.hpp"
#include "synth/rng.hpp"
#include "synth/truth.hpp"

namespace kohort::synth {

namespace {

using namespace truth;

double logistic(const Logistic& m, double a10, bool male, bool diabetes) {
    const double eta = m.intercept + m.age10 * a10 + m.male * male + m.diabetes * diabetes;
    return 1.0 / (1.0 + std::exp(-eta));
}

// Time (years) to an event with Gompertz hazard lambda * exp(gamma * s), s years from now:
// cumulative hazard H(s) = lambda / gamma * (exp(gamma s) - 1), inverted at a unit exponential.
double gompertz_time(Rng& rng, double lambda, double gamma) {
    return std::log1p(gamma * rng.exponential() / lambda) / gamma;
}

// Hazard multiplier at attained age `age` relative to the baseline (age 60, female, no covariate).
double rate_at(const Hazard& h, double age, bool male, bool statin, bool diabetes) {
    double r = h.baseline_per_year * std::pow(h.hr_age10, (age - 60.0) / 10.0);
    if (male) r *= h.hr_male;
    if (statin) r *= h.hr_statin;
    if (diabetes) r *= h.hr_diabetes;
    return r;
}
double age_slope(const Hazard& h) { return std::log(h.hr_age10) / 10.0; }

// Day on which an event at `years` after `from` falls, counting `from` + 1 as the first
// possible day: an event after the index date is never on the index date itself.
std::int64_t day_after(std::int32_t from, double years) {
    const double d = std::floor(years * kDaysPerYear);
    return static_cast<std::int64_t>(from) + 1 + (d > 1e7 ? 10000000 : static_cast<std::int64_t>(d));
}

}  // namespace

PersonLife simulate_person(std::uint64_t seed, std::int64_t i, double mi_hr_genetic) {
    const CodeTables& codes = code_tables();
    Rng rng(seed, static_cast<std::uint64_t>(i), Stream::life);
    PersonLife p;
    p.index = i;
    p.pid = synthetic_pid(seed, static_cast<std::uint64_t>(i));

    // Demographics.
    p.male = rng.bernoulli(kMaleFraction) ? 1 : 0;
    p.birth = static_cast<std::int32_t>(rng.between(kBirthFirst, kBirthLast));
    p.region = static_cast<std::int8_t>(codes.region.sample(rng));
    const bool old = p.birth < days_from_civil(1945, 1, 1);
    const std::int32_t edu = (old ? codes.education_old : codes.education_young).sample(rng);
    p.education = rng.bernoulli(kEducationMissing) ? std::int8_t{-1} : static_cast<std::int8_t>(edu);
    p.age_at_index = (kIndexDate - p.birth) / kDaysPerYear;
    const double a10 = (p.age_at_index - 60.0) / 10.0;
    const bool male = p.male != 0;
    p.observed_from = std::max(kDataStart, p.birth);

    // Diabetes: prevalent at index, or incident after it.
    const bool diabetic = rng.bernoulli(logistic(kDiabetesAtIndex, a10, male, false));
    const double incident_years = rng.exponential() / (kIncidentDiabetesPerYear * std::exp(0.5 * a10));
    const double u_code = rng.uniform();
    p.diabetes_code = codes.diabetes[u_code < 0.10 ? 0 : u_code < 0.94 ? 1 : u_code < 0.95 ? 2 : 3];
    if (diabetic) {
        const std::int32_t earliest = std::max<std::int32_t>(kDataStart, p.birth + 10 * 365);
        p.diabetes_onset = static_cast<std::int32_t>(rng.between(earliest, kDiabetesPrevalentLatest));
    } else {
        const std::int64_t d = kDiabetesIncidentEarliest + static_cast<std::int64_t>(incident_years * kDaysPerYear);
        if (d <= kEndOfStudy) p.diabetes_onset = static_cast<std::int32_t>(d);
    }
    // Type 2 patients may add a second-line drug (never before it was marketed in Denmark).
    const double u_second = rng.uniform();
    const std::int32_t second_delay = static_cast<std::int32_t>(rng.between(730, 1825));
    if (p.diabetes_onset != kMissingDate && p.diabetes_code != codes.diabetes[0] && u_second < 0.4) {
        const int k = u_second < 0.15 ? 0 : u_second < 0.30 ? 1 : 2;
        static constexpr std::int32_t kMarketed[3] = {days_from_civil(2007, 4, 1), days_from_civil(2009, 7, 1),
                                                      days_from_civil(2012, 11, 1)};
        p.second_line_code = codes.second_line[k];
        p.second_line_start = std::max(p.diabetes_onset + second_delay, kMarketed[k]);
    }

    // Statins: current users at index, former users, or initiators after index.
    const bool statin = rng.bernoulli(logistic(kStatinAtIndex, a10, male, diabetic));
    const double u_drug = rng.uniform();
    p.statin_code = codes.statin[u_drug < 0.60 ? 0 : u_drug < 0.63 ? 1 : u_drug < 0.93 ? 2 : 3];
    const bool former = rng.bernoulli(kFormerStatinFraction);
    const double initiation_years = rng.exponential() / (kStatinInitiationPerYear * std::exp(0.6 * a10));
    const std::int32_t adult = p.birth + 25 * 365;
    if (statin) {
        const std::int32_t earliest = std::max({kDataStart, kIndexDate - 8 * 365, adult});
        p.statin_start = static_cast<std::int32_t>(rng.between(std::min(earliest, kStatinUserStartLatest),
                                                               kStatinUserStartLatest));
        p.statin_stop = kEndOfStudy;
    } else if (former && adult + 365 < kFormerStatinStopLatest) {
        const std::int32_t earliest = std::max(kDataStart, adult);
        p.statin_start = static_cast<std::int32_t>(rng.between(earliest, kFormerStatinStopLatest - 365));
        p.statin_stop = static_cast<std::int32_t>(rng.between(p.statin_start + 180, kFormerStatinStopLatest));
    } else {
        const std::int64_t d = kIndexDate + 1 + static_cast<std::int64_t>(initiation_years * kDaysPerYear);
        if (d <= kEndOfStudy) {
            p.statin_start = static_cast<std::int32_t>(d);
            p.statin_stop = kEndOfStudy;
        }
    }

    // Prior MI, somewhere between adulthood (18) and 60 days before index.
    if (rng.bernoulli(logistic(kPriorMi, a10, male, diabetic))) {
        const std::int32_t earliest = std::max<std::int32_t>(kDataStart, p.birth + 18 * 365);
        p.prior_mi = static_cast<std::int32_t>(rng.between(earliest, kPriorMiLatest));
    }

    // Before index: death (Gompertz in attained age, sex only) and emigration (constant).
    const double age_at_start = (p.observed_from - p.birth) / kDaysPerYear;
    const double pre_death =
        gompertz_time(rng, rate_at(kDeath, age_at_start, male, false, false), age_slope(kDeath));
    const double pre_emigration = rng.exponential() / kEmigrationPerYear;
    const std::int64_t pre_death_day = p.observed_from + static_cast<std::int64_t>(pre_death * kDaysPerYear);
    const std::int64_t pre_emig_day = p.observed_from + static_cast<std::int64_t>(pre_emigration * kDaysPerYear);

    // After index: competing cause-specific hazards for MI and death, and emigration.
    p.statin_at_index = statin;
    p.diabetes_at_index = diabetic;
    // The planted SNP effects (genotype_synth.hpp) multiply the MI hazard of genotyped persons.
    const double t_mi = gompertz_time(rng, mi_hr_genetic * rate_at(kMI, p.age_at_index, male, statin, diabetic),
                                      age_slope(kMI));
    const double t_death =
        gompertz_time(rng, rate_at(kDeath, p.age_at_index, male, statin, diabetic), age_slope(kDeath));
    const double t_emigration = rng.exponential() / kEmigrationPerYear;
    const double post_mi_e = rng.exponential();

    if (pre_death_day < kIndexDate || pre_emig_day < kIndexDate) {
        // Left the cohort before index: only one exit is observed, whichever came first.
        if (pre_death_day <= pre_emig_day) p.death = static_cast<std::int32_t>(pre_death_day);
        else p.emigration = static_cast<std::int32_t>(pre_emig_day);
        p.eligible = false;
        p.statin_at_index = p.diabetes_at_index = false;
        p.observed_to = p.death != kMissingDate ? p.death : p.emigration;
        return p;
    }
    p.eligible = true;
    const std::int64_t mi_day = day_after(kIndexDate, t_mi);
    const std::int64_t death_day = day_after(kIndexDate, t_death);
    std::int64_t emig_day = day_after(kIndexDate, t_emigration);
    if (t_mi < t_death && t_mi < t_emigration && mi_day <= kEndOfStudy) {
        p.mi = static_cast<std::int32_t>(mi_day);
        // Death after MI: the death hazard times kPostMiDeathHr from the MI on, never the same day.
        const double age_mi = p.age_at_index + t_mi;
        const double lambda = kPostMiDeathHr * rate_at(kDeath, age_mi, male, statin, diabetic);
        const double g = age_slope(kDeath);
        const double t_after = std::log1p(g * post_mi_e / lambda) / g;
        const std::int64_t post_death = day_after(p.mi, t_after);
        if (emig_day <= mi_day) emig_day = mi_day + 1;  // an exit is never on the MI day
        if (emig_day < post_death) {
            if (emig_day <= kEndOfStudy) p.emigration = static_cast<std::int32_t>(emig_day);
        } else if (post_death <= kEndOfStudy) {
            p.death = static_cast<std::int32_t>(post_death);
        }
    } else if (t_death < t_emigration) {
        if (death_day <= kEndOfStudy) p.death = static_cast<std::int32_t>(death_day);
    } else if (emig_day <= kEndOfStudy) {
        p.emigration = static_cast<std::int32_t>(emig_day);
    }
    p.observed_to = p.death != kMissingDate ? p.death : p.emigration != kMissingDate ? p.emigration : kEndOfStudy;
    return p;
}

}  // namespace kohort::synth
