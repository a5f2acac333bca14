// Synthetic genotypes (kohort synth --genotypes M): a genotype table in the store's genotype format
// (store/genotype_store.hpp), a biomarkers table with LDL cholesterol, and planted SNP effects on
// MI and LDL (docs/synthetic.md). Every call is a function of (seed, person, SNP) only, read by
// random access into the person's counter-based stream, so the tables are rank-invariant.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mpi/comm.hpp"
#include "store/genotype_store.hpp"
#include "store/store.hpp"
#include "store/table.hpp"
#include "synth/person.hpp"

namespace kohort::synth {

struct PlantedSnp {
    std::int64_t index = 0;  // 0-based SNP index
    double frequency = 0;    // A1 frequency
    double mi_hr = 1;        // hazard ratio of MI per A1 copy
    double ldl_beta = 0;     // mmol/L of LDL per A1 copy
};

// The SNPs with planted effects among M (none when M < 8): two on MI, two on LDL.
std::vector<PlantedSnp> planted_snps(std::int64_t m);

bool is_genotyped(std::uint64_t seed, std::int64_t person);
double snp_frequency(std::uint64_t seed, std::int64_t j, std::int64_t m);
// The person's true A1 count at SNP j (Hardy–Weinberg at frequency f), and whether its call is missing.
int a1_count(std::uint64_t seed, std::int64_t person, std::int64_t j, double f);
bool call_missing(std::uint64_t seed, std::int64_t person, std::int64_t j);
// Product of the planted MI hazard ratios to the power of the person's A1 counts (1 if not genotyped).
double genetic_mi_hr(std::uint64_t seed, std::int64_t person, std::int64_t m);

// chrom 1-22 in order, positions 10 kb apart, ids snp<j+1>, alleles from the SNP's stream.
std::vector<Variant> synthetic_variants(std::uint64_t seed, std::int64_t m);

// This rank's genotyped persons (pid-sorted `lives`): pid, ldl, male, age (age at the index date).
Table make_biomarkers(std::uint64_t seed, std::int64_t m, const std::vector<PersonLife>& lives);

// Writes table `genotypes` (collective). Returns the number of genotyped persons (all ranks).
std::int64_t write_genotype_table(Store& store, std::uint64_t seed, std::int64_t m,
                                  const std::vector<PersonLife>& lives, const Comm& comm);

// The planted SNP effects as /synth attributes: gwas_<k>_{index,frequency,mi_hr,ldl_beta} and ldl model.
std::vector<std::pair<std::string, double>> planted_snp_attributes(std::int64_t m);

}  // namespace kohort::synth
