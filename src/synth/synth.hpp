// `kohort synth`: a synthetic national registry cohort with planted effects (contract section 6,
// docs/synthetic.md).
//
// Rank independence: person i's rows come from streams keyed by (seed, i) only, and person i
// belongs to the rank that owns its pid bucket (store.hpp), so the stored tables are the same
// bytes whatever the number of ranks or threads that make them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mpi/comm.hpp"
#include "store/store.hpp"
#include "store/table.hpp"

namespace kohort::synth {

struct SynthConfig {
    std::int64_t persons = 0;
    std::uint64_t seed = 0;
    std::int64_t genotypes = 0;  // variants of the genotype table; 0 writes no genotype tables
    bool progress = false;       // progress lines on stderr (the caller decides: root only)
};

struct SynthTables {
    Table population, diagnoses, prescriptions;
    // With --genotypes M > 0: LDL, sex and age of the genotyped persons. The genotype table itself is
    // streamed to the store (write_genotype_table in genotype_synth.hpp), never held as a Table.
    std::optional<Table> biomarkers;
};

// This rank's share of every table: the persons whose pid bucket lies in
// [first_bucket(rank, ranks), first_bucket(rank + 1, ranks)), sorted by pid (then date).
// Threads via OpenMP.
SynthTables generate_part(const SynthConfig& config, int rank, int ranks);

// Local person indices i of a rank, sorted by pid.
std::vector<std::int64_t> local_persons(const SynthConfig& config, int rank, int ranks);

struct SynthSummary {
    std::int64_t population_rows = 0, diagnosis_rows = 0, prescription_rows = 0, genotype_rows = 0;
    double seconds = 0;
};

// Makes the store at `path` (collective over comm): generates, writes under a temporary name
// beside it, records the planted truth under /synth, then renames. Returns global row counts.
SynthSummary write_synthetic_store(const std::string& path, const SynthConfig& config, const Comm& comm);

// The planted truth as stored under /synth (numbers and strings; docs/synthetic.md lists them).
Attributes planted_attributes(const SynthConfig& config);
std::vector<std::pair<std::string, std::string>> planted_string_attributes(const SynthConfig& config);

inline constexpr const char* kTruthGroup = "/synth";

}  // namespace kohort::synth
