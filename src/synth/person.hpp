// One synthetic person's life, drawn from their own stream (seed, i): demographics, covariates at
// the study index date and the dates of planted events. Register rows are derived from it
// (registers.hpp); tests use it as the ground truth the registers must reproduce.
#pragma once
#include <cstdint>

#include "store/table.hpp"

namespace kohort::synth {

struct PersonLife {
    std::int64_t index = 0;  // i in [0, persons)
    std::int64_t pid = 0;
    std::int32_t birth = 0;
    std::int8_t male = 0;
    std::int8_t region = 0;
    std::int8_t education = -1;  // -1 missing
    std::int32_t death = kMissingDate;
    std::int32_t emigration = kMissingDate;
    // Days on which the person can have register rows: [observed_from, observed_to].
    std::int32_t observed_from = 0, observed_to = 0;

    // Study view at the index date.
    bool eligible = false;          // alive and resident on the index date
    double age_at_index = 0;        // (index - birth) / 365.25
    bool statin_at_index = false;   // current statin user (C10AA fill within 365 days before)
    bool diabetes_at_index = false; // E10-E14 diagnosed before index
    std::int32_t mi = kMissingDate; // first MI after index (I21), missing if none observed

    // Planted histories.
    std::int32_t diabetes_onset = kMissingDate;  // first E1x contact
    std::int32_t diabetes_code = -1;             // icd10 dictionary code (E10/E11/E13/E14)
    std::int32_t statin_start = kMissingDate, statin_stop = kMissingDate;  // fills in [start, stop]
    std::int32_t statin_code = -1;
    std::int32_t second_line_code = -1, second_line_start = kMissingDate;
    std::int32_t prior_mi = kMissingDate;  // MI before index (I21), observed only if before observed_to
};

// mi_hr_genetic: the person's hazard ratio of MI from planted SNP effects (1 without genotypes).
PersonLife simulate_person(std::uint64_t seed, std::int64_t i, double mi_hr_genetic = 1.0);

}  // namespace kohort::synth
