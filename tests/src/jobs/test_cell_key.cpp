// Cell key perturbation (issue 16, jobs/cell_key.hpp): record keys against an independent HMAC,
// exact and order-free sums, the table lookup by inverse CDF, zeros and small counts, and the
// policy rules. Expected values come from OpenSSL's one-shot HMAC and from hand-built tables.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/error.hpp"
#include "jobs/cell_key.hpp"
#include "jobs/release.hpp"
#include "jobs/site_config.hpp"
#include "store/table.hpp"

using namespace kohort;
using cellkey::Key;

namespace {

constexpr const char* kHexSecret = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

std::string secret_file() {
    const std::string path = (std::filesystem::temp_directory_path() / "kohort_cell_key_test.key").string();
    std::ofstream(path) << kHexSecret << "\n";
    ::chmod(path.c_str(), 0600);
    return path;
}

// The reference: OpenSSL's one-shot HMAC() over "kohort-record-key" || pid (8 bytes, big-endian).
Key reference_key(std::int64_t pid) {
    unsigned char secret[32];
    for (int i = 0; i < 32; ++i) secret[i] = static_cast<unsigned char>(std::stoi(std::string(kHexSecret + 2 * i, 2), nullptr, 16));
    std::string msg = "kohort-record-key";
    for (int i = 7; i >= 0; --i) msg.push_back(static_cast<char>((static_cast<std::uint64_t>(pid) >> (8 * i)) & 0xff));
    unsigned char out[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret, 32, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len);
    Key k = 0;
    for (int i = 0; i < 8; ++i) k = (k << 8) | out[i];
    return k;
}

// A table with known thresholds: count 1 -> {-1: 1/4, 0: 1/2, 1: 1/4}; counts >= 2 -> {-2: 1/4, 0: 1/2, 2: 1/4}.
const char* kSmallTable =
    "# a test table\n# max_noise\t2\n# variance\t2\n"
    "count\tnoise\tprobability\n1\t-1\t0.25\n1\t0\t0.5\n1\t1\t0.25\n2\t-2\t0.25\n2\t0\t0.5\n2\t2\t0.25\n";

}  // namespace

TEST(CellKey, RecordKeysAreTheKeyedHashOfThePid) {
    cellkey::RecordKeys rk(secret_file());
    for (std::int64_t pid : {std::int64_t{0}, std::int64_t{1}, std::int64_t{123456789}, std::int64_t{0x7fffffffffffffff}})
        EXPECT_EQ(rk.key(pid), reference_key(pid)) << pid;
    const auto keys = rk.keys(std::vector<std::int64_t>{5, kMissingInt64, 7});
    EXPECT_EQ(keys[0], reference_key(5));
    EXPECT_EQ(keys[1], 0u);  // a missing pid adds nothing
    EXPECT_EQ(keys[2], reference_key(7));
}

TEST(CellKey, SumsAreExactModulo2To64InAnyOrder) {
    std::mt19937_64 rng(16);
    std::vector<Key> keys(1001);
    for (auto& k : keys) k = rng();
    const Key s = cellkey::sum(keys);
    // Sum by hand with explicit modular reduction in 128 bits.
    unsigned __int128 wide = 0;
    for (Key k : keys) wide += k;
    EXPECT_EQ(s, static_cast<Key>(wide % (static_cast<unsigned __int128>(1) << 64)));
    for (int round = 0; round < 5; ++round) {
        std::shuffle(keys.begin(), keys.end(), rng);
        // Split in uneven parts, as ranks would hold them, and add the partial sums.
        Key parts = 0;
        for (std::size_t a = 0; a < keys.size(); a += 97 + round)
            parts += cellkey::sum(std::vector<Key>(keys.begin() + a, keys.begin() + std::min(keys.size(), a + 97 + round)));
        EXPECT_EQ(parts, s);
    }
    EXPECT_EQ(cellkey::sum({~Key{0}, Key{2}}), Key{1});  // wraps like the fractional part of a sum
    const auto suffix = cellkey::suffix_sums({1, 2, 3});
    EXPECT_EQ(suffix, (std::vector<Key>{6, 5, 3}));
}

TEST(CellKey, TableLookupIsTheInverseCdfOfTheCellKey) {
    const auto t = cellkey::PerturbationTable::parse(kSmallTable, "test");
    const Key half = Key{1} << 63, quarter = Key{1} << 62;
    EXPECT_EQ(t.noise(1, 0), -1);
    EXPECT_EQ(t.noise(1, quarter - 1), -1);
    EXPECT_EQ(t.noise(1, quarter), 0);
    EXPECT_EQ(t.noise(1, half + quarter - 1), 0);
    EXPECT_EQ(t.noise(1, half + quarter), 1);
    EXPECT_EQ(t.noise(1, ~Key{0}), 1);
    EXPECT_EQ(t.noise(2, quarter - 1), -2);
    EXPECT_EQ(t.noise(1000, quarter - 1), -2);  // the last class stands for every larger count
    EXPECT_EQ(t.noise(1000, quarter), 0);
    EXPECT_EQ(t.noise(1000, ~Key{0}), 2);
    EXPECT_EQ(t.max_noise(), 2);
}

TEST(CellKey, ZeroStaysZeroAndNoCountGoesNegative) {
    const auto& t = cellkey::PerturbationTable::built_in();
    std::mt19937_64 rng(1);
    for (int i = 0; i < 10000; ++i) {
        const Key k = rng();
        EXPECT_EQ(t.perturb(0, k), 0);
        for (std::int64_t c : {1, 2, 3, 4, 10, 1000}) {
            const std::int64_t p = t.perturb(c, k);
            ASSERT_GE(p, 0);
            ASSERT_LE(std::llabs(p - c), t.max_noise());
        }
    }
}

TEST(CellKey, BuiltInTableHasItsPublishedParameters) {
    const auto& t = cellkey::PerturbationTable::built_in();
    EXPECT_EQ(t.max_noise(), 3);
    EXPECT_DOUBLE_EQ(t.variance(), 2.0);
    // Uniform cell keys give the noise the table states: mean 0 and variance V, by simulation.
    std::mt19937_64 rng(2);
    for (std::int64_t c : {3, 50}) {
        double s = 0, s2 = 0;
        const int n = 200000;
        for (int i = 0; i < n; ++i) {
            const double v = static_cast<double>(t.noise(c, rng()));
            s += v;
            s2 += v * v;
        }
        EXPECT_NEAR(s / n, 0.0, 0.01) << c;
        EXPECT_NEAR(s2 / n, 2.0, 0.03) << c;
    }
}

TEST(CellKey, BadTablesAreRefusedNamingTheLine) {
    try {
        cellkey::PerturbationTable::parse("count\tnoise\tprobability\n1\t0\t0.5\n1\t1\t0.4\n", "t.tsv");
        FAIL() << "probabilities summing to 0.9 were accepted";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("sum to"), std::string::npos) << e.what();
    }
    EXPECT_THROW(cellkey::PerturbationTable::parse("count,noise,probability\n", "t.tsv"), InputError);
    EXPECT_THROW(cellkey::PerturbationTable::parse("count\tnoise\tprobability\n1\t-2\t1\n", "t.tsv"), InputError);  // negative count
    EXPECT_THROW(cellkey::PerturbationTable::parse("count\tnoise\tprobability\n2\t1\t1\n", "t.tsv"), InputError);   // mean not 0
}

// A row's fault names its line; a fault of the whole table (a class whose probabilities do not sum
// to 1) names the line after the last. CRLF line ends read as LF.
TEST(CellKey, TableMessagesNameTheirLine) {
    auto message = [](const std::string& text) {
        try {
            cellkey::PerturbationTable::parse(text, "t.tsv");
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("(accepted)");
    };
    for (const std::string eol : {"\n", "\r\n"}) {
        const std::string header = "# a perturbation table" + eol + "count\tnoise\tprobability" + eol;
        EXPECT_EQ(message(header + "1\t0\t0.5" + eol + "1\t1\t0.4" + eol).rfind("t.tsv:5: ", 0), 0u)
            << message(header + "1\t0\t0.5" + eol + "1\t1\t0.4" + eol);
        EXPECT_EQ(message(header + "1\t0\t1" + eol + "1\t-2\t1" + eol).rfind("t.tsv:4: ", 0), 0u)
            << message(header + "1\t0\t1" + eol + "1\t-2\t1" + eol);
        EXPECT_EQ(message(header).rfind("t.tsv:3: the table has no rows", 0), 0u) << message(header);
        EXPECT_EQ(message(header + "1\t0\t1" + eol), "(accepted)");
    }
}

TEST(CellKey, ReleaseLayerPerturbsWithholdsAndDemandsKeys) {
    DisclosurePolicy p = DisclosurePolicy::named("sds");
    p.perturb = true;
    ReleaseLayer rel(p);
    rel.set_perturbation(std::make_shared<const cellkey::PerturbationTable>(cellkey::PerturbationTable::parse(kSmallTable, "test")),
                         std::make_shared<cellkey::RecordKeys>(secret_file()));
    EXPECT_FALSE(rel.exact());
    const Key half = Key{1} << 63;
    EXPECT_EQ(rel.release(0, {"n", "", Key{12345}}), std::optional<std::int64_t>(0));   // zero stays zero
    EXPECT_EQ(rel.release(100, {"n", "", Key{0}}), std::optional<std::int64_t>(98));    // 100 - 2
    EXPECT_EQ(rel.release(100, {"n", "", half}), std::optional<std::int64_t>(100));
    EXPECT_EQ(rel.release(6, {"n", "", Key{0}}), std::nullopt);  // 6 - 2 = 4 < 5: withheld
    EXPECT_EQ(rel.release(3, {"n", "", ~Key{0}}), std::optional<std::int64_t>(5));  // 3 + 2, not rounded
    EXPECT_THROW(rel.release(7), InternalError);  // no cell key: a kernel missed one
    EXPECT_EQ(rel.peek(6, Key{0}), std::nullopt);
    const auto report = rel.report();
    EXPECT_EQ(report["perturbation"]["method"], "cell_key");
    EXPECT_EQ(report["rounding"], 1);
    bool recorded = false;
    for (const auto& c : report["models"]["job"]["coarsened"]) recorded = recorded || c["rule"] == "cell_key_perturbation";
    EXPECT_TRUE(recorded);
    EXPECT_EQ(rel.log_count(3).find('3'), std::string::npos);  // no unperturbed count in job.log
    nlohmann::json model;
    EXPECT_TRUE(rel.withhold_model(6, 100, model, Key{0}, half));  // perturbed n below the minimum
    EXPECT_FALSE(rel.withhold_model(100, 100, model, half, half));
}

TEST(CellKey, SiteMakesItMandatoryJobsMayOnlyTurnItOn) {
    SiteConfig site;
    site.policy = DisclosurePolicy::named("sds");
    EXPECT_FALSE(effective_policy(site, "", "").perturb);
    EXPECT_THROW(effective_policy(site, "", "cell_key"), GovernanceError);  // no platform secret
    site.record_key_file = "/nonexistent/secret";
    EXPECT_TRUE(effective_policy(site, "", "cell_key").perturb);
    EXPECT_TRUE(effective_policy(site, "opensafely", "cell_key").perturb);
    site.policy.perturb = true;
    EXPECT_TRUE(effective_policy(site, "", "").perturb);
    EXPECT_THROW(effective_policy(site, "dst", ""), GovernanceError);  // looser minimum, as before
    EXPECT_THROW(effective_policy(site, "", "none"), GovernanceError);
    EXPECT_TRUE(effective_policy(site, "opensafely", "").perturb);
}
