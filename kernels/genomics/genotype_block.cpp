#include "kernels/genomics/genotype_block.hpp"

#include <array>

namespace kohort::gwas {

namespace {

// .bed code -> A1 count; the missing code (1) decodes to 0 and is listed separately.
constexpr double kDosage[4] = {2.0, 0.0, 1.0, 0.0};

struct ByteTable {
    std::array<std::array<double, 4>, 256> dosage{};
    std::array<std::uint8_t, 256> missing_mask{};  // bit k: sample k of the byte is missing
    ByteTable() {
        for (int b = 0; b < 256; ++b)
            for (int k = 0; k < 4; ++k) {
                const int c = (b >> (2 * k)) & 3;
                dosage[static_cast<std::size_t>(b)][static_cast<std::size_t>(k)] = kDosage[c];
                if (c == geno::kMissing) missing_mask[static_cast<std::size_t>(b)] |= static_cast<std::uint8_t>(1 << k);
            }
    }
};

const ByteTable& byte_table() {
    static const ByteTable t;
    return t;
}

bool is_identity(const std::vector<std::int64_t>& idx) {
    for (std::size_t r = 0; r < idx.size(); ++r)
        if (idx[r] != static_cast<std::int64_t>(r)) return false;
    return true;
}

}  // namespace

void decode_block(const GenotypeReader::Block& raw, std::int64_t v0, std::int64_t nv,
                  const std::vector<std::int64_t>& geno_index, DecodedBlock& out) {
    const auto n = static_cast<Eigen::Index>(geno_index.size());
    out.G.resize(n, static_cast<Eigen::Index>(nv));
    out.missing.resize(static_cast<std::size_t>(nv));
    const bool identity = is_identity(geno_index);
    const ByteTable& table = byte_table();
    for (std::int64_t v = 0; v < nv; ++v) {
        double* col = out.G.col(static_cast<Eigen::Index>(v)).data();
        auto& miss = out.missing[static_cast<std::size_t>(v)];
        miss.clear();
        Eigen::Index r = 0;
        if (identity) {
            // Samples before the first whole byte one by one, then four at a time.
            for (; r < n && ((r + raw.shift) & 3) != 0; ++r) {
                const std::uint8_t c = raw.code(v0 + v, r);
                col[r] = kDosage[c];
                if (c == geno::kMissing) miss.push_back(static_cast<std::int32_t>(r));
            }
            const std::uint8_t* bytes = raw.bytes.data() + (v0 + v) * raw.width + ((r + raw.shift) >> 2);
            for (; r + 4 <= n; r += 4, ++bytes) {
                const auto& d = table.dosage[*bytes];
                col[r] = d[0];
                col[r + 1] = d[1];
                col[r + 2] = d[2];
                col[r + 3] = d[3];
                if (const std::uint8_t m = table.missing_mask[*bytes])
                    for (int k = 0; k < 4; ++k)
                        if (m & (1 << k)) miss.push_back(static_cast<std::int32_t>(r + k));
            }
        }
        for (; r < n; ++r) {
            const std::uint8_t c = raw.code(v0 + v, geno_index[static_cast<std::size_t>(r)]);
            col[r] = kDosage[c];
            if (c == geno::kMissing) miss.push_back(static_cast<std::int32_t>(r));
        }
    }
}

}  // namespace kohort::gwas
