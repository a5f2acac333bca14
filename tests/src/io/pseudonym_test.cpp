#include "io/pseudonym.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "io/cpr.hpp"

namespace kohort::io {
namespace {

std::string hex(const unsigned char* p, std::size_t n) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += {d[p[i] >> 4], d[p[i] & 15]};
    return s;
}

std::vector<unsigned char> unhex(const std::string& h) {
    std::vector<unsigned char> v;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) v.push_back(static_cast<unsigned char>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return v;
}

// HMAC-SHA256 by the openssl command-line tool, an independent route to the same function.
std::string openssl_hmac(const std::string& key_hex, const std::string& message) {
    const std::string cmd = "printf '%s' '" + message + "' | openssl dgst -sha256 -mac HMAC -macopt hexkey:" + key_hex;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return "";
    char buf[512] = {0};
    std::string out;
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
    const auto eq = out.rfind("= ");
    if (eq == std::string::npos) return "";
    std::string h = out.substr(eq + 2);
    while (!h.empty() && (h.back() == '\n' || h.back() == '\r')) h.pop_back();
    return h;
}

TEST(Hmac, Rfc4231TestCase2) {
    const std::string key = "Jefe", data = "what do ya want for nothing?";
    const Digest d = hmac_sha256(reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                                 reinterpret_cast<const unsigned char*>(data.data()), data.size());
    EXPECT_EQ(hex(d.data(), d.size()), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Hmac, Rfc4231TestCase1) {
    const std::vector<unsigned char> key(20, 0x0b);
    const std::string data = "Hi There";
    const Digest d = hmac_sha256(key.data(), key.size(), reinterpret_cast<const unsigned char*>(data.data()), data.size());
    EXPECT_EQ(hex(d.data(), d.size()), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(Pseudonymiser, PidIsTopEightDigestBytesBigEndianShiftedRight) {
    const std::string key_hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    ProjectKey key(unhex(key_hex));
    Pseudonymiser ps(key);
    for (const char* cpr : {"0101901234", "311299-4321", "2902004234"}) {
        std::array<char, 10> c{};
        ASSERT_EQ(check_cpr(cpr, c), CprCheck::ok);
        const std::string canonical(c.begin(), c.end());
        const std::string expected_hex = openssl_hmac(key_hex, canonical);
        ASSERT_EQ(expected_hex.size(), 64u) << "openssl dgst gave no HMAC";
        const std::uint64_t top = std::stoull(expected_hex.substr(0, 16), nullptr, 16);
        const std::int64_t expected = static_cast<std::int64_t>(top >> 1);
        const std::int64_t got = ps.pid(c);
        EXPECT_EQ(got, expected) << "for the CPR in form " << (canonical.size() == 10 ? "DDMMYYSSSS" : "?");
        EXPECT_GE(got, 0);
        EXPECT_EQ(ps.pid(c), got);  // the re-initialised context gives the same answer again
    }
}

TEST(Pseudonymiser, BothFormatsGiveOnePidAndDifferentKeysDiffer) {
    ProjectKey k1(std::vector<unsigned char>(32, 1)), k2(std::vector<unsigned char>(32, 2));
    Pseudonymiser a(k1), b(k2);
    std::array<char, 10> x{}, y{};
    check_cpr("010190-1234", x);
    check_cpr("0101901234", y);
    EXPECT_EQ(a.pid(x), a.pid(y));
    EXPECT_NE(a.pid(x), b.pid(x));
}

TEST(PidCollisions, SamePersonOnSeveralRowsIsNotACollision) {
    EXPECT_FALSE(find_pid_collision({5, 7, 5, 7}, {100, 200, 100, 200}));
    EXPECT_FALSE(find_pid_collision({}, {}));
}

TEST(PidCollisions, TwoCprNumbersSharingAPidAreFound) {
    // A fake mapping: rows 1 and 3 hold different CPR numbers with the same pid 9.
    auto c = find_pid_collision({4, 9, 4, 9, 6}, {10, 20, 10, 30, 40});
    ASSERT_TRUE(c);
    EXPECT_EQ(c->row_a, 1u);
    EXPECT_EQ(c->row_b, 3u);
}

TEST(PidCollisions, ReportsTheCollisionThatShowsUpFirstInTheFile) {
    // pid 1: CPRs 50 (row 4) and 60 (row 5); pid 2: CPRs 70 (rows 0, 2) and 80 (row 3).
    auto c = find_pid_collision({2, 9, 2, 2, 1, 1}, {70, 1, 70, 80, 50, 60});
    ASSERT_TRUE(c);
    EXPECT_EQ(c->row_a, 0u);
    EXPECT_EQ(c->row_b, 3u);
    // Three CPRs on one pid: the earliest two rows of distinct CPRs.
    auto t = find_pid_collision({3, 3, 3, 3}, {90, 80, 90, 70});
    ASSERT_TRUE(t);
    EXPECT_EQ(t->row_a, 0u);
    EXPECT_EQ(t->row_b, 1u);
}

}  // namespace
}  // namespace kohort::io
