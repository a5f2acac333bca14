// PLINK 1 fileset readers (io/plink_files, io/plink_import), in the order `kohort import --plink`
// runs them before it touches the store: the .fam's IIDs as pids (fam_pids, both as integer pids and
// as CPR numbers under a project key), the .bim (read_bim), then the .bed's magic bytes and size
// check (BedFile) and the unpacking of its 2-bit calls, block by block, into pid order (read_codes).
// Left out: the store side (check_table_slot, GenotypeWriter's HDF5 write of the decoded blocks),
// which reads no PLINK bytes.
//
// Every reader must also close the files it opened, on errors too: after each input
// no descriptor may still point at the input's files (a leak in BedFile's constructor, found here,
// let a long run use up the descriptors, after which every .bed "could not be opened").
//
// One input holds the three files, separated by a line "%%": FAM "%%\n" BIM "%%\n" BED. The .bed is
// everything after the second separator, so it may hold any bytes. An input with fewer separators
// leaves the later files empty (an error each reader must report cleanly).
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "io/plink_files.hpp"
#include "io/plink_import.hpp"
#include "io/project_key.hpp"

namespace {

constexpr std::string_view kSeparator = "%%\n";
// A small block, so that short inputs already cover several blocks and a shorter last one.
constexpr std::int64_t kBlockVariants = 3;

std::string_view next_part(std::string_view& rest) {
    const std::size_t at = rest.find(kSeparator);
    const std::string_view part = rest.substr(0, at);
    rest = at == std::string_view::npos ? std::string_view{} : rest.substr(at + kSeparator.size());
    return part;
}

void write_part(const std::string& path, std::string_view part) {
    kohort::fuzz::write_file(path, reinterpret_cast<const std::uint8_t*>(part.data()), part.size());
}

// Aborts when a descriptor of this process still points at one of the input's scratch files (paths
// starting with `prefix`). Only those count: libraries and libFuzzer's own threads open other files
// at times, so "the lowest free descriptor" is not a reliable test.
void check_no_fd_leak(const std::string& prefix) {
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        const std::string target = std::filesystem::read_symlink(e.path(), ec).string();
        if (!ec && target.compare(0, prefix.size(), prefix) == 0) {
            std::fprintf(stderr, "fuzz: file descriptor leak: %s is still open\n", target.c_str());
            std::abort();
        }
    }
}

// The import's phase 2 order: .fam rows sorted by pid.
std::vector<std::int64_t> pid_order(const std::vector<std::int64_t>& pids) {
    std::vector<std::int64_t> order(pids.size());
    std::iota(order.begin(), order.end(), std::int64_t{0});
    std::sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return pids[a] < pids[b]; });
    return order;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace io = kohort::io;
    static const std::string prefix = kohort::fuzz::scratch_file("");
    static const io::PlinkPaths paths = io::PlinkPaths::from_prefix(prefix);
    static const std::string key_path = [] {
        const std::string path = kohort::fuzz::scratch_file(".key");
        ::unlink(path.c_str());  // a leftover of an earlier process with this pid; keygen never overwrites
        io::write_new_project_key(path);
        return path;
    }();

    std::string_view rest(reinterpret_cast<const char*>(data), size);
    write_part(paths.fam, next_part(rest));
    write_part(paths.bim, next_part(rest));
    write_part(paths.bed, rest);

    std::optional<std::vector<std::int64_t>> pids;
    kohort::fuzz::expect_clean([&] { pids = io::fam_pids(paths.fam, std::nullopt); });
    kohort::fuzz::expect_clean([&] {
        auto keyed = io::fam_pids(paths.fam, key_path);
        if (!pids) pids = std::move(keyed);
    });
    std::optional<std::vector<kohort::Variant>> variants;
    kohort::fuzz::expect_clean([&] { variants = io::read_bim(paths.bim); });
    if (!pids || !variants) {
        check_no_fd_leak(prefix);
        return 0;
    }

    kohort::fuzz::expect_clean([&] {
        const auto n = static_cast<std::int64_t>(pids->size());
        const auto nvar = static_cast<std::int64_t>(variants->size());
        io::BedFile bed(paths.bed, n, nvar);
        const std::vector<std::int64_t> order = pid_order(*pids);
        std::vector<std::uint8_t> codes;
        for (std::int64_t v0 = 0; v0 < nvar; v0 += kBlockVariants) {
            const std::int64_t nv = std::min(kBlockVariants, nvar - v0);
            bed.read_codes(nv, order, codes);
            if (codes.size() != static_cast<std::size_t>(nv * n)) std::abort();
            for (const std::uint8_t c : codes)
                if (c > 3) std::abort();  // a 2-bit call
        }
    });
    check_no_fd_leak(prefix);
    return 0;
}
