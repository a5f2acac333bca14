// Register rows of one person, derived from their PersonLife and their own streams, sorted by
// date (then code) so that a table built person by person in pid order is sorted by pid, date.
#pragma once
#include <cstdint>
#include <vector>

#include "synth/person.hpp"

namespace kohort::synth {

struct DiagnosisRow {
    std::int32_t date;
    std::int32_t code;  // icd10 dictionary code
};

struct PrescriptionRow {
    std::int32_t date;
    std::int32_t code;  // atc dictionary code
    double ddd;
};

// Replace the contents of `out` (reused across persons to avoid allocations).
void person_diagnoses(std::uint64_t seed, const PersonLife& p, std::vector<DiagnosisRow>& out);
void person_prescriptions(std::uint64_t seed, const PersonLife& p, std::vector<PrescriptionRow>& out);

}  // namespace kohort::synth
