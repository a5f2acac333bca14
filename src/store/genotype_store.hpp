// Genotype tables: hard calls packed 2 bits per call, partitioned by pid (docs/format.md).
//
// A genotype table is a person table whose one column is `pid` (sorted, one row per sample, with
// the usual pid_bucket_offsets), plus
//   calls     uint8 [num_variants, ceil(num_rows / 4)]: row v holds variant v's calls of every
//             sample in pid order, 4 samples per byte, sample s in bits 2*(s%4)..2*(s%4)+1 of byte
//             s/4, coded as in a PLINK 1 .bed: 0 = two copies of A1, 1 = missing, 2 = one copy,
//             3 = no copy (A1 is the .bim's fifth column, plink2's ALT, the allele --glm counts);
//   variants/ chrom, id, a1, a2 (fixed-length UTF-8) and pos (int64), one entry per variant.
// The calls are chunked in blocks of `block_variants` variants, so a rank reads its samples'
// calls of one block in one hyperslab read, and memory is bounded by the block, never the table.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mpi/comm.hpp"
#include "store/store.hpp"

namespace kohort {

struct Variant {
    std::string chrom;
    std::int64_t pos = 0;
    std::string id;
    std::string a1;  // counted allele (.bim column 5)
    std::string a2;  // other allele (.bim column 6)
};

namespace geno {
// The .bed codes (PLINK 1 binary format, https://www.cog-genomics.org/plink/1.9/formats#bed).
inline constexpr std::uint8_t kHomA1 = 0;
inline constexpr std::uint8_t kMissing = 1;
inline constexpr std::uint8_t kHet = 2;
inline constexpr std::uint8_t kHomA2 = 3;
// Copies of A1 for a code (missing: -1).
inline constexpr int kA1Count[4] = {2, -1, 1, 0};
inline constexpr std::int64_t kDefaultBlockVariants = 512;
}  // namespace geno

bool is_genotype_table(const Store& store, const std::string& name);

// Writes a genotype table block by block. Construction and every call are collective when a comm
// is given (the store must then be open on it); without one the caller holds every sample.
// The table appears under its name only at commit(): until then it lives in the staging group.
class GenotypeWriter {
public:
    // `local_pids`: this rank's samples, sorted, in this rank's pid buckets (as for Store::write),
    // without duplicates. `variants`: the whole list, the same on every rank.
    GenotypeWriter(Store& store, const std::string& name, const std::vector<std::int64_t>& local_pids,
                   const std::vector<Variant>& variants, const Comm* comm,
                   std::int64_t block_variants = geno::kDefaultBlockVariants);
    ~GenotypeWriter();
    GenotypeWriter(const GenotypeWriter&) = delete;
    GenotypeWriter& operator=(const GenotypeWriter&) = delete;

    std::int64_t block_variants() const;
    // Writes variants [v0, v0 + nv): codes[v * n_local + i] is the .bed code of local sample i at
    // variant v0 + v. Any v0/nv may be used, but block-aligned writes touch each chunk once.
    void write(std::int64_t v0, std::int64_t nv, const std::uint8_t* codes);
    // Links the finished table as /tables/<name>, replacing an older one.
    void commit();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// This rank's share of a genotype table. Opening is collective on a store opened with a comm,
// and so is read(): every rank reads the same variant ranges in the same order.
class GenotypeReader {
public:
    GenotypeReader(const Store& store, const std::string& name, const Comm& comm);
    ~GenotypeReader();
    GenotypeReader(GenotypeReader&&) noexcept;
    GenotypeReader(const GenotypeReader&) = delete;
    GenotypeReader& operator=(const GenotypeReader&) = delete;

    std::int64_t samples_total() const;
    std::int64_t variants() const;
    std::int64_t block_variants() const;
    const std::vector<std::int64_t>& local_pids() const;  // this rank's samples, sorted
    const std::vector<Variant>& variant_list() const;      // every variant (metadata, read once)

    // Reads variants [v0, v0 + nv) for this rank's samples into `block` (resized; reused across
    // calls). Code of local sample i at variant v0 + v: code(block, v, i).
    struct Block {
        std::vector<std::uint8_t> bytes;
        std::int64_t width = 0;  // bytes per variant row
        int shift = 0;           // samples before this rank's first one in the first byte
        std::uint8_t code(std::int64_t v, std::int64_t i) const {
            const std::int64_t s = i + shift;
            return static_cast<std::uint8_t>(
                (bytes[static_cast<std::size_t>(v * width + (s >> 2))] >> (2 * (s & 3))) & 3);
        }
    };
    void read(std::int64_t v0, std::int64_t nv, Block& block) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace kohort
