#include "io/plink_files.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace kohort::io {

namespace {

using Fields = std::vector<std::string>;

Fields fields_of(const std::string& line) {
    std::istringstream s(line);
    Fields out;
    for (std::string f; s >> f;) out.push_back(f);
    return out;
}

// Calls record(line_number, fields) for each line of a .fam or .bim file after checking it has the
// six whitespace-separated fields that `layout` names; an empty file lacks `what` ("sample").
template <typename Record>
void read_six_field_lines(const std::string& path, const char* layout, const char* what, Record&& record) {
    std::ifstream in(path);
    if (!in) throw UsageError(path + ": cannot open (" + std::strerror(errno) + "); expected a PLINK file");
    std::string line;
    std::int64_t no = 1;
    for (; std::getline(in, line); ++no) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const auto f = fields_of(line);
        if (f.size() != 6)
            throw InputError(path, no, 0, "found " + std::to_string(f.size()) + " fields; expected 6 (" + layout + ")");
        record(no, f);
    }
    if (no == 1)  // not one line
        throw InputError(path, 0, 0, std::string("no ") + what + "s; expected one line per " + what);
}

}  // namespace

PlinkPaths PlinkPaths::from_prefix(const std::string& prefix) {
    return {prefix + ".bed", prefix + ".bim", prefix + ".fam"};
}

FamFile read_fam(const std::string& path) {
    FamFile fam;
    read_six_field_lines(path, "FID IID father mother sex phenotype", "sample", [&](std::int64_t no, const Fields& f) {
        fam.iids.push_back(f[1]);
        fam.lines.push_back(no);
    });
    return fam;
}

std::vector<Variant> read_bim(const std::string& path) {
    std::vector<Variant> out;
    const char* layout = "chromosome, id, centimorgans, position, A1, A2";
    read_six_field_lines(path, layout, "variant", [&](std::int64_t no, const Fields& f) {
        Variant v;
        v.chrom = f[0];
        v.id = f[1];
        const auto [ptr, ec] = std::from_chars(f[3].data(), f[3].data() + f[3].size(), v.pos);
        if (ec != std::errc() || ptr != f[3].data() + f[3].size() || v.pos < 0)
            throw InputError(path, no, 4, "position '" + f[3] + "'; expected a non-negative integer");
        v.a1 = f[4];
        v.a2 = f[5];
        out.push_back(std::move(v));
    });
    return out;
}

BedFile::BedFile(const std::string& path, std::int64_t samples, std::int64_t variants)
    : path_(path), row_bytes_((samples + 3) / 4) {
    f_.reset(std::fopen(path.c_str(), "rb"));
    if (!f_) throw UsageError(path + ": cannot open (" + std::strerror(errno) + "); expected a PLINK .bed file");
    unsigned char magic[3] = {0, 0, 0};
    const std::size_t got = std::fread(magic, 1, 3, f_.get());
    if (got < 2 || magic[0] != 0x6c || magic[1] != 0x1b)
        throw InputError(path, 0, 0, "not a PLINK 1 .bed file: the first bytes are not the magic 0x6c 0x1b");
    if (got < 3 || magic[2] != 0x01)
        throw InputError(path, 0, 0, "individual-major (mode byte 0x00) or damaged .bed; expected SNP-major "
                                     "(third byte 0x01); convert with plink --make-bed");
    std::error_code ec;
    const auto size = static_cast<std::int64_t>(std::filesystem::file_size(path, ec));
    const std::int64_t expected = 3 + variants * row_bytes_;
    if (ec || size != expected)
        throw InputError(path, 0, 0,
                         "size " + std::to_string(size) + " bytes; expected " + std::to_string(expected) + " = 3 + " +
                             std::to_string(variants) + " variants (.bim lines) x " + std::to_string(row_bytes_) +
                             " bytes for " + std::to_string(samples) + " samples (.fam lines)");
}

BedFile::~BedFile() = default;

void BedFile::read_rows(std::int64_t nv, std::vector<std::uint8_t>& out) {
    out.resize(static_cast<std::size_t>(nv * row_bytes_));
    if (std::fread(out.data(), 1, out.size(), f_.get()) != out.size())
        throw InputError(path_, 0, 0, "ended early while reading genotypes; expected " + std::to_string(nv) +
                                          " more variant rows");
}

void BedFile::read_codes(std::int64_t nv, const std::vector<std::int64_t>& order, std::vector<std::uint8_t>& codes) {
    read_rows(nv, raw_);
    // Sample s of a row sits in byte s / 4, bits 2 (s mod 4) and up: the first sample in the lowest
    // bits (PLINK 1 .bed format).
    const auto n = static_cast<std::int64_t>(order.size());
    codes.resize(static_cast<std::size_t>(nv * n));
    for (std::int64_t v = 0; v < nv; ++v) {
        const std::uint8_t* in = raw_.data() + v * row_bytes_;
        std::uint8_t* out = codes.data() + v * n;
        for (std::int64_t j = 0; j < n; ++j) {
            const std::int64_t s = order[static_cast<std::size_t>(j)];
            out[j] = static_cast<std::uint8_t>((in[s >> 2] >> (2 * (s & 3))) & 3);
        }
    }
}

}  // namespace kohort::io
