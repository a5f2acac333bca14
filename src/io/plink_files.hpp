// PLINK 1 binary filesets, PREFIX.bed/.bim/.fam (https://www.cog-genomics.org/plink/1.9/formats):
// parsing and validation. Every error names the file and line (InputError, exit 2), and never
// quotes an IID, which may be a CPR number.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "store/genotype_store.hpp"

namespace kohort::io {

struct PlinkPaths {
    std::string bed, bim, fam;
    static PlinkPaths from_prefix(const std::string& prefix);
};

// The .fam's IIDs (column 2), in file order, with their 1-based line numbers. Each line needs the
// six whitespace-separated fields FID IID father mother sex phenotype.
struct FamFile {
    std::vector<std::string> iids;
    std::vector<std::int64_t> lines;
};
FamFile read_fam(const std::string& path);

// The .bim's variants: chromosome, id, centimorgans, position, A1, A2 (six fields; position a
// non-negative integer; alleles non-empty).
std::vector<Variant> read_bim(const std::string& path);

// A SNP-major .bed, checked on opening: magic bytes 0x6c 0x1b 0x01 and size 3 + V * ceil(N / 4).
class BedFile {
public:
    BedFile(const std::string& path, std::int64_t samples, std::int64_t variants);
    ~BedFile();
    BedFile(const BedFile&) = delete;
    BedFile& operator=(const BedFile&) = delete;
    std::int64_t bytes_per_variant() const { return row_bytes_; }
    // Reads the next nv variant rows (nv * bytes_per_variant() bytes) into `out`.
    void read_rows(std::int64_t nv, std::vector<std::uint8_t>& out);
    // Reads the next nv variant rows and unpacks their 2-bit calls with the samples in `order`
    // (indexes into the .fam, each in [0, samples)): codes[v * order.size() + j] is the .bed code of
    // sample order[j] at the v-th variant read.
    void read_codes(std::int64_t nv, const std::vector<std::int64_t>& order, std::vector<std::uint8_t>& codes);

private:
    struct Closer {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };
    std::string path_;
    // Owned by a member, not closed by ~BedFile: a constructor that throws (bad magic, bad size)
    // never runs the destructor, and the file stayed open (found by fuzz_plink, docs/fuzzing.md).
    std::unique_ptr<std::FILE, Closer> f_;
    std::int64_t row_bytes_ = 0;
    std::vector<std::uint8_t> raw_;  // read_codes' packed rows, reused across blocks
};

}  // namespace kohort::io
