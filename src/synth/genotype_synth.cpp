#include "synth/genotype_synth.hpp"

#include <algorithm>
#include <cmath>

#include "synth/rng.hpp"
#include "synth/truth.hpp"

namespace kohort::synth {

namespace {

// LDL cholesterol (mmol/L): intercept + male + per year of age at index above 60 + noise SD.
constexpr double kLdlIntercept = 3.3, kLdlMale = 0.15, kLdlAgePerYear = 0.01, kLdlSd = 0.8;

std::uint8_t bed_code(int a1, bool missing) {
    if (missing) return geno::kMissing;
    return a1 == 2 ? geno::kHomA1 : a1 == 1 ? geno::kHet : geno::kHomA2;
}

}  // namespace

std::vector<PlantedSnp> planted_snps(std::int64_t m) {
    if (m < 8) return {};
    return {{m / 8, 0.30, 1.5, 0.0}, {5 * m / 8, 0.40, 1.3, 0.0}, {3 * m / 8, 0.25, 1.0, 0.35}, {7 * m / 8, 0.45, 1.0, -0.25}};
}

bool is_genotyped(std::uint64_t seed, std::int64_t person) {
    Rng rng(seed, static_cast<std::uint64_t>(person), Stream::genotype_pick);
    return rng.uniform() < truth::kGenotypedFraction;
}

double snp_frequency(std::uint64_t seed, std::int64_t j, std::int64_t m) {
    for (const auto& p : planted_snps(m))
        if (p.index == j) return p.frequency;
    Rng rng(seed, static_cast<std::uint64_t>(j), Stream::snp);
    return rng.uniform(truth::kAlleleFrequencyMin, truth::kAlleleFrequencyMax);
}

int a1_count(std::uint64_t seed, std::int64_t person, std::int64_t j, double f) {
    const Rng rng(seed, static_cast<std::uint64_t>(person), Stream::genotype);
    const auto d = static_cast<std::uint64_t>(3 * j);
    return (rng.uniform_at(d) < f ? 1 : 0) + (rng.uniform_at(d + 1) < f ? 1 : 0);
}

bool call_missing(std::uint64_t seed, std::int64_t person, std::int64_t j) {
    const Rng rng(seed, static_cast<std::uint64_t>(person), Stream::genotype);
    return rng.uniform_at(static_cast<std::uint64_t>(3 * j + 2)) < truth::kGenotypeMissing;
}

double genetic_mi_hr(std::uint64_t seed, std::int64_t person, std::int64_t m) {
    double hr = 1;
    if (m < 8 || !is_genotyped(seed, person)) return hr;
    for (const auto& p : planted_snps(m))
        if (p.mi_hr != 1) hr *= std::pow(p.mi_hr, a1_count(seed, person, p.index, p.frequency));
    return hr;
}

std::vector<Variant> synthetic_variants(std::uint64_t seed, std::int64_t m) {
    static const char* kAlleles[4] = {"A", "C", "G", "T"};
    std::vector<Variant> out(static_cast<std::size_t>(m));
    for (std::int64_t j = 0; j < m; ++j) {
        const std::int64_t chrom = 1 + j * 22 / m;
        const std::int64_t first = ((chrom - 1) * m + 21) / 22;  // first SNP index on this chromosome
        Rng rng(seed, static_cast<std::uint64_t>(j), Stream::snp);
        rng.uniform();  // the frequency draw
        const auto a = rng.below(4), b = (a + 1 + rng.below(3)) % 4;
        auto& v = out[static_cast<std::size_t>(j)];
        v.chrom = std::to_string(chrom);
        v.pos = 1'000'000 + (j - first) * 10'000;
        v.id = "snp" + std::to_string(j + 1);
        v.a1 = kAlleles[a];
        v.a2 = kAlleles[b];
    }
    return out;
}

Table make_biomarkers(std::uint64_t seed, std::int64_t m, const std::vector<PersonLife>& lives) {
    const auto planted = planted_snps(m);
    Column pid("pid", ColumnType::Int64), ldl("ldl", ColumnType::Double), male("male", ColumnType::Int64),
        age("age", ColumnType::Double);
    for (const PersonLife& p : lives) {
        if (!is_genotyped(seed, p.index)) continue;
        Rng rng(seed, static_cast<std::uint64_t>(p.index), Stream::ldl);
        const double u1 = rng.uniform_open0(), u2 = rng.uniform();
        const double z = std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);  // Box–Muller
        const double a = std::round(p.age_at_index * 10) / 10;
        double v = kLdlIntercept + kLdlMale * p.male + kLdlAgePerYear * (a - 60) + kLdlSd * z;
        for (const auto& s : planted) v += s.ldl_beta * a1_count(seed, p.index, s.index, s.frequency);
        pid.i64.push_back(p.pid);
        ldl.f64.push_back(std::round(v * 1000) / 1000);
        male.i64.push_back(p.male);
        age.f64.push_back(a);
    }
    Table t;
    t.name = "biomarkers";
    t.partitioned_by_pid = true;
    t.add(std::move(pid));
    t.add(std::move(ldl));
    t.add(std::move(male));
    t.add(std::move(age));
    return t;
}

std::int64_t write_genotype_table(Store& store, std::uint64_t seed, std::int64_t m,
                                  const std::vector<PersonLife>& lives, const Comm& comm) {
    std::vector<std::int64_t> persons, pids;
    for (const PersonLife& p : lives)
        if (is_genotyped(seed, p.index)) {
            persons.push_back(p.index);
            pids.push_back(p.pid);
        }
    GenotypeWriter writer(store, "genotypes", pids, synthetic_variants(seed, m), &comm);
    const std::int64_t block = writer.block_variants();
    const auto n = static_cast<std::int64_t>(persons.size());
    std::vector<std::uint8_t> codes;
    for (std::int64_t v0 = 0; v0 < m; v0 += block) {
        const std::int64_t nv = std::min(block, m - v0);
        codes.assign(static_cast<std::size_t>(nv * n), 0);
#pragma omp parallel for schedule(static)
        for (std::int64_t v = 0; v < nv; ++v) {
            const double f = snp_frequency(seed, v0 + v, m);
            for (std::int64_t i = 0; i < n; ++i) {
                const std::int64_t person = persons[static_cast<std::size_t>(i)];
                codes[static_cast<std::size_t>(v * n + i)] =
                    bed_code(a1_count(seed, person, v0 + v, f), call_missing(seed, person, v0 + v));
            }
        }
        writer.write(v0, nv, codes.data());
    }
    writer.commit();
    return comm.allreduce(n);
}

std::vector<std::pair<std::string, double>> planted_snp_attributes(std::int64_t m) {
    std::vector<std::pair<std::string, double>> a;
    int k = 1;
    for (const auto& p : planted_snps(m)) {
        const std::string pre = "gwas_snp" + std::to_string(k++) + "_";
        a.emplace_back(pre + "index", static_cast<double>(p.index));
        a.emplace_back(pre + "frequency", p.frequency);
        a.emplace_back(pre + "mi_hr", p.mi_hr);
        a.emplace_back(pre + "ldl_beta", p.ldl_beta);
    }
    a.emplace_back("ldl_intercept", kLdlIntercept);
    a.emplace_back("ldl_male", kLdlMale);
    a.emplace_back("ldl_age_per_year", kLdlAgePerYear);
    a.emplace_back("ldl_sd", kLdlSd);
    return a;
}

}  // namespace kohort::synth
