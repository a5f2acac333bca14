#include "synth/codes.hpp"

#include <algorithm>
#include <set>

#include "core/error.hpp"

namespace kohort::synth {

namespace {

// 'B' both sexes, 'F' female only, 'M' male only.
struct FillerDiagnosis {
    const char* code;
    double weight;  // relative frequency among filler contacts (rough Danish patient-register shares)
    char sex;
};

// Three-character ICD-10 codes common in the Danish National Patient Register. None of I21, I22,
// E10-E14: those rows are planted only (codes.hpp).
constexpr FillerDiagnosis kFillerDiagnoses[] = {
    {"C18", 1.0, 'B'}, {"C34", 1.0, 'B'}, {"C44", 2.0, 'B'}, {"C50", 1.5, 'F'}, {"C61", 1.2, 'M'},
    {"E03", 1.5, 'B'}, {"E66", 1.5, 'B'}, {"E78", 2.0, 'B'}, {"F10", 1.5, 'B'}, {"F20", 0.5, 'B'},
    {"F32", 3.0, 'B'}, {"F41", 2.0, 'B'}, {"G30", 0.7, 'B'}, {"G40", 0.7, 'B'}, {"G43", 1.0, 'B'},
    {"H25", 2.0, 'B'}, {"H40", 1.0, 'B'}, {"I10", 8.0, 'B'}, {"I20", 2.0, 'B'}, {"I25", 2.0, 'B'},
    {"I48", 3.0, 'B'}, {"I50", 2.0, 'B'}, {"I63", 1.5, 'B'}, {"J06", 2.0, 'B'}, {"J18", 3.0, 'B'},
    {"J44", 3.0, 'B'}, {"J45", 3.0, 'B'}, {"K21", 2.0, 'B'}, {"K57", 1.0, 'B'}, {"K80", 1.5, 'B'},
    {"L40", 1.0, 'B'}, {"M16", 2.0, 'B'}, {"M17", 3.0, 'B'}, {"M54", 5.0, 'B'}, {"M79", 2.0, 'B'},
    {"N18", 1.0, 'B'}, {"N39", 3.0, 'B'}, {"N40", 1.0, 'M'}, {"N95", 1.0, 'F'}, {"R07", 3.0, 'B'},
    {"R10", 3.0, 'B'}, {"S06", 1.0, 'B'}, {"S52", 1.5, 'B'}, {"S72", 1.0, 'B'}, {"Z00", 4.0, 'B'},
    {"Z01", 2.0, 'B'},
};

struct FillerDrug {
    const char* code;
    double weight;  // relative frequency among filler fills
    char sex;
    double pack_ddd;  // DDD of a typical pack (a fill is 0.5x, 1x or 2x this)
};

// ATC level-5 codes common in the Danish National Prescription Registry. No C10 (lipid
// modifying) and no A10 (drugs used in diabetes): those are planted only.
constexpr FillerDrug kFillerDrugs[] = {
    {"A02BC01", 2.0, 'B', 56}, {"A02BC02", 3.0, 'B', 56},  {"B01AA03", 1.0, 'B', 100},
    {"B01AC06", 4.0, 'B', 100}, {"B01AF01", 1.0, 'B', 98}, {"C03AB01", 2.0, 'B', 100},
    {"C03CA01", 2.0, 'B', 50},  {"C07AB02", 3.0, 'B', 100}, {"C08CA01", 4.0, 'B', 98},
    {"C09AA05", 3.0, 'B', 100}, {"C09CA01", 3.0, 'B', 98},  {"D07AC01", 1.0, 'B', 30},
    {"G03AA07", 2.0, 'F', 84},  {"G04CA02", 1.0, 'M', 100}, {"H03AA01", 2.0, 'B', 100},
    {"J01CA04", 3.0, 'B', 7},   {"J01CE02", 5.0, 'B', 7},   {"J01MA02", 1.0, 'B', 7},
    {"M01AE01", 4.0, 'B', 30},  {"N02AX02", 2.0, 'B', 20},  {"N02BE01", 8.0, 'B', 33},
    {"N03AX12", 1.0, 'B', 50},  {"N05CF01", 2.0, 'B', 30},  {"N06AB04", 2.0, 'B', 98},
    {"N06AB10", 2.0, 'B', 98},  {"R03AC02", 3.0, 'B', 50},  {"R03BA02", 2.0, 'B', 50},
    {"R06AE07", 2.0, 'B', 30},
};

// Population shares of the five regions (Statistics Denmark, FOLK1A, 2020, rounded).
struct Weighted {
    const char* label;
    double weight;
};
constexpr Weighted kRegions[] = {
    {"Hovedstaden", 31.6}, {"Midtjylland", 22.9}, {"Nordjylland", 10.2},
    {"Sjælland", 14.3},    {"Syddanmark", 21.0},
};
// Highest completed education, grouped by ISCED 2011 level; the prefix keeps the levels ordered.
constexpr Weighted kEducationYoung[] = {
    {"1_basic", 22}, {"2_upper_secondary", 11}, {"3_vocational", 33},
    {"4_short_tertiary", 6}, {"5_bachelor", 17}, {"6_master_phd", 11},
};
constexpr Weighted kEducationOld[] = {
    {"1_basic", 44}, {"2_upper_secondary", 5}, {"3_vocational", 32},
    {"4_short_tertiary", 4}, {"5_bachelor", 10}, {"6_master_phd", 5},
};

CodeTables build() {
    CodeTables t;
    t.dict.sex = {"F", "M"};
    for (const auto& r : kRegions) t.dict.region.emplace_back(r.label);
    for (const auto& e : kEducationYoung) t.dict.education.emplace_back(e.label);

    std::set<std::string> icd{kMiCode};
    for (const char* c : kDiabetesCodes) icd.insert(c);
    for (const auto& f : kFillerDiagnoses) icd.insert(f.code);
    t.dict.icd10.assign(icd.begin(), icd.end());

    std::set<std::string> atc;
    for (const char* c : kStatinCodes) atc.insert(c);
    for (const char* c : kAntidiabeticCodes) atc.insert(c);
    for (const auto& f : kFillerDrugs) atc.insert(f.code);
    t.dict.atc.assign(atc.begin(), atc.end());

    for (const auto& f : kFillerDiagnoses) {
        const std::int32_t c = code_index(t.dict.icd10, f.code);
        if (f.sex != 'M') t.icd10_filler[0].add(c, f.weight);
        if (f.sex != 'F') t.icd10_filler[1].add(c, f.weight);
    }
    t.atc_pack_ddd.assign(t.dict.atc.size(), 0.0);
    for (const auto& f : kFillerDrugs) {
        const std::int32_t c = code_index(t.dict.atc, f.code);
        if (f.sex != 'M') t.atc_filler[0].add(c, f.weight);
        if (f.sex != 'F') t.atc_filler[1].add(c, f.weight);
        t.atc_pack_ddd[static_cast<std::size_t>(c)] = f.pack_ddd;
    }
    for (const auto& r : kRegions) t.region.add(code_index(t.dict.region, r.label), r.weight);
    for (const auto& e : kEducationYoung) t.education_young.add(code_index(t.dict.education, e.label), e.weight);
    for (const auto& e : kEducationOld) t.education_old.add(code_index(t.dict.education, e.label), e.weight);

    for (WeightedSampler* w : {&t.icd10_filler[0], &t.icd10_filler[1], &t.atc_filler[0], &t.atc_filler[1], &t.region,
                               &t.education_young, &t.education_old})
        w->build();

    t.mi = code_index(t.dict.icd10, kMiCode);
    t.mi_followup_chronic = code_index(t.dict.icd10, "I25");
    for (int k = 0; k < 4; ++k) t.diabetes[k] = code_index(t.dict.icd10, kDiabetesCodes[k]);
    for (int k = 0; k < 4; ++k) t.statin[k] = code_index(t.dict.atc, kStatinCodes[k]);
    t.metformin = code_index(t.dict.atc, "A10BA02");
    t.insulin_glargine = code_index(t.dict.atc, "A10AE04");
    t.insulin_aspart = code_index(t.dict.atc, "A10AB05");
    t.second_line[0] = code_index(t.dict.atc, "A10BH01");
    t.second_line[1] = code_index(t.dict.atc, "A10BJ02");
    t.second_line[2] = code_index(t.dict.atc, "A10BK01");
    return t;
}

}  // namespace

void WeightedSampler::add(std::int32_t code, double weight) {
    codes_.push_back(code);
    weights_.push_back(weight);
}

void WeightedSampler::build() {
    const std::size_t n = codes_.size();
    double total = 0;
    for (double w : weights_) total += w;
    std::vector<double> scaled(n);
    std::vector<std::size_t> small, large;
    for (std::size_t k = 0; k < n; ++k) {
        scaled[k] = weights_[k] * static_cast<double>(n) / total;
        (scaled[k] < 1.0 ? small : large).push_back(k);
    }
    std::vector<double> keep(n, 1.0);
    alias_.assign(codes_.begin(), codes_.end());
    while (!small.empty() && !large.empty()) {
        const std::size_t s = small.back(), l = large.back();
        small.pop_back();
        keep[s] = scaled[s];
        alias_[s] = codes_[l];
        scaled[l] -= 1.0 - scaled[s];
        if (scaled[l] < 1.0) {
            large.pop_back();
            small.push_back(l);
        }
    }
    threshold_.resize(n);
    for (std::size_t k = 0; k < n; ++k)
        threshold_[k] = keep[k] >= 1.0 ? (std::uint64_t{1} << 32)
                                       : static_cast<std::uint64_t>(keep[k] * 4294967296.0);
}

const CodeTables& code_tables() {
    static const CodeTables tables = build();
    return tables;
}

std::int32_t code_index(const std::vector<std::string>& dict, std::string_view code) {
    const auto it = std::lower_bound(dict.begin(), dict.end(), code,
                                     [](const std::string& a, std::string_view b) { return a < b; });
    if (it == dict.end() || *it != code)
        throw InternalError("synth: code '" + std::string(code) + "' is not in its dictionary");
    return static_cast<std::int32_t>(it - dict.begin());
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

}  // namespace kohort::synth
