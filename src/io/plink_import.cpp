#include "io/plink_import.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <numeric>

#include "core/error.hpp"
#include "io/cpr.hpp"
#include "io/import.hpp"
#include "io/plink_files.hpp"
#include "io/project_key.hpp"
#include "io/pseudonym.hpp"
#include "store/genotype_store.hpp"

namespace kohort::io {

namespace {

std::vector<std::int64_t> cpr_pids(const std::string& path, FamFile& fam, const ProjectKey& key) {
    Pseudonymiser ps(key);
    std::vector<std::int64_t> pids(fam.iids.size());
    std::vector<std::uint64_t> numbers(fam.iids.size());
    std::array<char, 10> canonical{};
    for (std::size_t i = 0; i < fam.iids.size(); ++i) {
        const CprCheck check = check_cpr(fam.iids[i], canonical);
        if (check != CprCheck::ok) {
            std::fill(numbers.begin(), numbers.end(), 0);
            throw InputError(path, fam.lines[i], 2,
                             check == CprCheck::impossible_date
                                 ? "IID is not a valid CPR number: its date of birth does not exist (expected "
                                   "DDMMYY-SSSS or DDMMYYSSSS with a real day and month)"
                                 : "IID is not a valid CPR number (expected DDMMYY-SSSS or DDMMYYSSSS)");
        }
        pids[i] = ps.pid(canonical);
        numbers[i] = cpr_as_number(canonical);
    }
    canonical.fill(0);
    for (auto& s : fam.iids) std::fill(s.begin(), s.end(), '\0');
    // The same CPR number twice is a duplicate sample; two numbers sharing a pid, a collision.
    const auto collision = find_pid_collision(pids, numbers);
    std::fill(numbers.begin(), numbers.end(), 0);
    if (collision)
        throw InputError(path, fam.lines[collision->row_b], 2,
                         "this IID and the different one on line " + std::to_string(fam.lines[collision->row_a]) +
                             " map to the same pid under this key; expected distinct pids (check the key file)");
    return pids;
}

std::vector<std::int64_t> integer_pids(const std::string& path, const FamFile& fam) {
    std::vector<std::int64_t> pids(fam.iids.size());
    for (std::size_t i = 0; i < fam.iids.size(); ++i) {
        const std::string& s = fam.iids[i];
        const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), pids[i]);
        if (ec != std::errc() || ptr != s.data() + s.size() || pids[i] < 0)
            throw InputError(path, fam.lines[i], 2,
                             "IID is not a non-negative integer pid; expected integer pids, or CPR numbers with "
                             "--pseudonymise --key-file KEY");
    }
    return pids;
}

}  // namespace

std::vector<std::int64_t> fam_pids(const std::string& fam_path, const std::optional<std::string>& key_file) {
    FamFile fam = read_fam(fam_path);
    std::vector<std::int64_t> pids;
    if (key_file) {
        const ProjectKey key = read_project_key(*key_file);
        pids = cpr_pids(fam_path, fam, key);
    } else {
        pids = integer_pids(fam_path, fam);
    }
    // A person is one sample: a repeated pid is a repeated IID (collisions were refused above).
    std::vector<std::size_t> order(pids.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return pids[a] < pids[b]; });
    for (std::size_t k = 1; k < order.size(); ++k)
        if (pids[order[k]] == pids[order[k - 1]]) {
            const std::size_t a = std::min(order[k], order[k - 1]), b = std::max(order[k], order[k - 1]);
            throw InputError(fam_path, fam.lines[b], 2,
                             "duplicate IID: the same person as on line " + std::to_string(fam.lines[a]) +
                                 "; expected one line per sample");
        }
    return pids;
}

PlinkImportReport run_plink_import(const PlinkImportOptions& o) {
    const PlinkPaths paths = PlinkPaths::from_prefix(o.prefix);
    // Phase 1: validate every file before the store is touched.
    const std::vector<std::int64_t> pids = fam_pids(paths.fam, o.key_file);
    const std::vector<Variant> variants = read_bim(paths.bim);
    const auto n = static_cast<std::int64_t>(pids.size());
    const auto nvar = static_cast<std::int64_t>(variants.size());
    BedFile bed(paths.bed, n, nvar);
    check_table_slot(o.store_path, o.table_name, o.replace);

    // Phase 2: samples in pid order (the table's partitioning), then the calls block by block.
    std::vector<std::int64_t> order(pids.size());
    std::iota(order.begin(), order.end(), std::int64_t{0});
    std::sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return pids[a] < pids[b]; });
    std::vector<std::int64_t> sorted(pids.size());
    for (std::size_t j = 0; j < order.size(); ++j) sorted[j] = pids[static_cast<std::size_t>(order[j])];

    update_store_atomically(o.store_path, [&](Store& store) {
        GenotypeWriter writer(store, o.table_name, sorted, variants, nullptr, o.block_variants);
        const std::int64_t block = writer.block_variants();
        std::vector<std::uint8_t> codes;
        for (std::int64_t v0 = 0; v0 < nvar; v0 += block) {
            const std::int64_t nv = std::min(block, nvar - v0);
            bed.read_codes(nv, order, codes);
            writer.write(v0, nv, codes.data());
        }
        writer.commit();
    });
    return {n, nvar};
}

}  // namespace kohort::io
