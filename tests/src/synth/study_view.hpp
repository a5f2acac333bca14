// A small reference implementation of the planted study's definitions (docs/synthetic.md), read
// straight from the synthetic register tables, for tests: who is eligible, their covariates at
// index, and time to the first MI with death competing and censoring at emigration and end of
// study. It deliberately shares no code with the generator.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/table.hpp"
#include "synth/dates.hpp"

namespace kohort::synth::test {

inline constexpr std::int32_t kIndex = days_from_civil(2010, 1, 1);
inline constexpr std::int32_t kEnd = days_from_civil(2020, 12, 31);

struct StudyPerson {
    std::int64_t pid = 0;
    bool eligible = false;
    bool male = false, statin = false, diabetes = false;
    double age = 0;  // years at index
    std::int32_t mi = kMissingDate, exit = kEnd;  // first MI after index; end of follow-up if no MI
    int status = 0;  // 0 censored, 1 MI, 2 death before MI
    double years() const { return ((status == 1 ? mi : exit) - kIndex) / 365.25; }
};

// Row ranges of each pid in a table sorted by pid.
inline std::unordered_map<std::int64_t, std::pair<std::size_t, std::size_t>> pid_ranges(const Table& t) {
    std::unordered_map<std::int64_t, std::pair<std::size_t, std::size_t>> r;
    const auto& pid = t.column("pid").i64;
    for (std::size_t k = 0; k < pid.size();) {
        std::size_t e = k;
        while (e < pid.size() && pid[e] == pid[k]) ++e;
        r[pid[k]] = {k, e};
        k = e;
    }
    return r;
}

// Statin use at index: a C10AA* fill dated in [index - window_start, index - window_end] (days).
inline std::vector<StudyPerson> derive_study(const Table& population, const Table& diagnoses,
                                             const Table& prescriptions, int window_start = 365,
                                             int window_end = 1) {
    const auto dx = pid_ranges(diagnoses), rx = pid_ranges(prescriptions);
    const Column& icd = diagnoses.column("icd10");
    const Column& atc = prescriptions.column("atc");
    const auto& dx_date = diagnoses.column("date").i32;
    const auto& rx_date = prescriptions.column("date").i32;
    std::vector<StudyPerson> out(population.rows());
    const Column& sex = population.column("sex");
    for (std::size_t k = 0; k < population.rows(); ++k) {
        StudyPerson& s = out[k];
        s.pid = population.column("pid").i64[k];
        const std::int32_t death = population.column("death_date").i32[k];
        const std::int32_t emig = population.column("emigration_date").i32[k];
        s.eligible = (death == kMissingDate || death > kIndex) && (emig == kMissingDate || emig > kIndex);
        if (!s.eligible) continue;
        s.male = sex.dictionary[static_cast<std::size_t>(sex.i32[k])] == "M";
        s.age = (kIndex - population.column("birth_date").i32[k]) / 365.25;
        if (auto it = dx.find(s.pid); it != dx.end()) {
            for (std::size_t r = it->second.first; r < it->second.second; ++r) {
                const std::string& code = icd.dictionary[static_cast<std::size_t>(icd.i32[r])];
                if (dx_date[r] < kIndex && code >= "E10" && code <= "E14") s.diabetes = true;
                if (dx_date[r] > kIndex && code == "I21" && s.mi == kMissingDate) s.mi = dx_date[r];
            }
        }
        if (auto it = rx.find(s.pid); it != rx.end()) {
            for (std::size_t r = it->second.first; r < it->second.second; ++r) {
                const std::string& code = atc.dictionary[static_cast<std::size_t>(atc.i32[r])];
                if (code.rfind("C10AA", 0) == 0 && rx_date[r] >= kIndex - window_start &&
                    rx_date[r] <= kIndex - window_end)
                    s.statin = true;
            }
        }
        std::int32_t exit = kEnd;
        int exit_status = 0;
        if (death != kMissingDate && death <= exit) exit = death, exit_status = 2;
        if (emig != kMissingDate && emig < exit) exit = emig, exit_status = 0;
        if (s.mi != kMissingDate && s.mi <= exit) {
            s.status = 1;
            s.exit = s.mi;
        } else {
            s.mi = kMissingDate;
            s.status = exit_status;
            s.exit = exit;
        }
    }
    return out;
}

}  // namespace kohort::synth::test
