// Code sets of the synthetic registers: ICD-10 diagnoses, ATC prescriptions, regions, education.
//
// Each dictionary is sorted, so a categorical column's codes follow the labels' alphabetical order
// and "lowest level" means the same thing to every reader. Filler codes (the background rows of
// the patient and prescription registers) deliberately exclude every code the planted study uses:
// I21-I22, E10-E14, C10 and A10 (docs/synthetic.md, "What creates which codes").
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "synth/rng.hpp"

namespace kohort::synth {

// Codes with planted meaning (see docs/synthetic.md).
inline constexpr const char* kMiCode = "I21";
inline constexpr const char* kDiabetesCodes[] = {"E10", "E11", "E13", "E14"};
inline constexpr const char* kStatinCodes[] = {"C10AA01", "C10AA03", "C10AA05", "C10AA07"};
inline constexpr const char* kAntidiabeticCodes[] = {"A10AB05", "A10AE04", "A10BA02",
                                                     "A10BH01", "A10BJ02", "A10BK01"};

// Draws codes with fixed relative weights in O(1) by Walker's alias method (Vose's construction,
// "A linear algorithm for generating random numbers with a given distribution", IEEE TSE 1991):
// one 64-bit draw picks a column (top 32 bits) and decides between the column's code and its
// alias (low 32 bits).
class WeightedSampler {
public:
    WeightedSampler() = default;
    void add(std::int32_t code, double weight);  // then build() before sampling
    void build();
    std::int32_t sample(Rng& rng) const {
        const std::uint64_t u = rng.next();
        const std::uint64_t k = ((u >> 32) * codes_.size()) >> 32;
        return (u & 0xffffffffULL) < threshold_[k] ? codes_[k] : alias_[k];
    }
    bool empty() const { return codes_.empty(); }

private:
    std::vector<std::int32_t> codes_;
    std::vector<double> weights_;
    std::vector<std::uint64_t> threshold_;  // keep codes_[k] when the low 32 bits are below this
    std::vector<std::int32_t> alias_;
};

struct Dictionaries {
    std::vector<std::string> sex;        // F, M
    std::vector<std::string> region;     // the five Danish regions
    std::vector<std::string> education;  // ordered ISCED groups, 1_ .. 6_
    std::vector<std::string> icd10;      // every code the diagnoses table can hold
    std::vector<std::string> atc;        // every code the prescriptions table can hold
};

struct CodeTables {
    Dictionaries dict;
    // Filler samplers by sex: [0] female, [1] male (some codes are sex-specific, e.g. C61, C50).
    WeightedSampler icd10_filler[2];
    WeightedSampler atc_filler[2];
    std::vector<double> atc_pack_ddd;  // typical DDD in one filler fill, by ATC code
    WeightedSampler region;
    WeightedSampler education_young;   // born 1945 or later
    WeightedSampler education_old;     // born before 1945
    std::int32_t mi = 0;                 // I21
    std::int32_t mi_followup_chronic = 0;  // I25, not used by the planted study
    std::int32_t diabetes[4] = {};       // E10, E11, E13, E14
    std::int32_t statin[4] = {};         // C10AA01, C10AA03, C10AA05, C10AA07
    std::int32_t metformin = 0, insulin_glargine = 0, insulin_aspart = 0;
    std::int32_t second_line[3] = {};    // A10BH01 sitagliptin, A10BJ02 liraglutide, A10BK01 dapagliflozin
};

// Built once, thread-safe (function-local static).
const CodeTables& code_tables();

// Index of `code` in a dictionary; throws InternalError if absent.
std::int32_t code_index(const std::vector<std::string>& dict, std::string_view code);

// The filler code lists as comma-separated strings (stored as attributes and checked by tests).
std::string join(const std::vector<std::string>& v, const char* sep = ",");

}  // namespace kohort::synth
