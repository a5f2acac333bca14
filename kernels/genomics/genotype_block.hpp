// A block of variants decoded for the samples of a GWAS: dense A1 counts (0, 1, 2) and the rows
// with a missing call, per variant. Decoding works on a few dozen variants at a time so that the
// dense block stays in cache while the tests read it.
#pragma once
#include <Eigen/Dense>
#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/omp_exceptions.hpp"
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

// Variants decoded at a time: the dense chunk (n_local x 32 doubles) stays in cache while a test
// reads it.
inline constexpr std::int64_t kDecodeVariants = 32;

// Decodes variants [0, nv) of `raw` in chunks of kDecodeVariants shared among the rank's threads
// and calls f(decoded, first variant of the chunk) for each. f must write only its own variants'
// results; each variant is then computed by one thread in one order, so results do not depend on
// the thread count. An exception in f is rethrown here, after the region (core/omp_exceptions.hpp).
template <class F>
void for_each_decoded_chunk(const GenotypeReader::Block& raw, std::int64_t nv,
                            const std::vector<std::int64_t>& geno_index, F&& f) {
    const std::int64_t chunks = (nv + kDecodeVariants - 1) / kDecodeVariants;
    OmpExceptions errors;
#pragma omp parallel
    {
        DecodedBlock decoded;
#pragma omp for schedule(dynamic)
        for (std::int64_t c = 0; c < chunks; ++c)
            errors.run([&] {
                const std::int64_t d0 = c * kDecodeVariants;
                decode_block(raw, d0, std::min(kDecodeVariants, nv - d0), geno_index, decoded);
                f(decoded, static_cast<Eigen::Index>(d0));
            });
    }
    errors.rethrow();
}

// Reads the table's variants `block` at a time (memory per rank bounded by one block) and calls
// f(raw, first variant, variants in the block) for each block in order.
template <class F>
void for_each_block(const GenotypeReader& reader, std::int64_t block, F&& f) {
    GenotypeReader::Block raw;
    for (std::int64_t v0 = 0; v0 < reader.variants(); v0 += block) {
        const std::int64_t nv = std::min(block, reader.variants() - v0);
        reader.read(v0, nv, raw);
        f(raw, v0, nv);
    }
}

}  // namespace kohort::gwas
