// A block of variants decoded for the samples of a GWAS: dense A1 counts (0, 1, 2) and the rows
// with a missing call, per variant. Decoding works on a few dozen variants at a time so that the
// dense block stays in cache while the tests read it.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "store/genotype_store.hpp"

namespace kohort::gwas {

struct DecodedBlock {
    Eigen::MatrixXd G;                               // n_local x nv; a missing call is 0 here
    std::vector<std::vector<std::int32_t>> missing;  // per variant: local rows with a missing call
};

// Decodes variants [v0, v0 + nv) of `raw` for the rows `geno_index` (indices into the rank's
// share, increasing). When geno_index is 0, 1, ..., n-1 (every genotyped sample is used) whole
// bytes are decoded through a 256-entry table.
void decode_block(const GenotypeReader::Block& raw, std::int64_t v0, std::int64_t nv,
                  const std::vector<std::int64_t>& geno_index, DecodedBlock& out);

}  // namespace kohort::gwas
