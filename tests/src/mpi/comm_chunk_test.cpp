// Collectives split into chunks (mpi/comm.cpp): with the chunk limit forced down to a few elements,
// every collective must give exactly what the one-call path gives. Expected values are built from
// closed formulas of (rank, index), never from kohort's own output.
#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "mpi/comm.hpp"

namespace kohort {
namespace {

// Element i of rank r's contribution in the tests below.
std::int64_t value(int r, std::size_t i) { return static_cast<std::int64_t>(r) * 1000003 + static_cast<std::int64_t>(i); }
// Rank r sends this many elements; rank 1 sends none, to test empty contributions.
std::size_t length(int r) { return r == 1 ? 0 : static_cast<std::size_t>(17 * r + 5); }

class CommChunkTest : public ::testing::TestWithParam<std::size_t> {
protected:
    void SetUp() override { Comm::set_chunk_limit_for_testing(GetParam()); }
    void TearDown() override { Comm::set_chunk_limit_for_testing(static_cast<std::size_t>(INT_MAX)); }
    Comm comm_;
};

TEST_P(CommChunkTest, AllreduceSumMinMaxOverManyChunks) {
    const int p = comm_.size(), r = comm_.rank();
    const std::size_t n = 101;  // not a multiple of any tested limit
    std::vector<std::int64_t> sum(n), mn(n), mx(n);
    for (std::size_t i = 0; i < n; ++i) sum[i] = mn[i] = mx[i] = value(r, i);
    comm_.allreduce(sum);
    comm_.allreduce(mn, ReduceOp::min);
    comm_.allreduce(mx, ReduceOp::max);
    for (std::size_t i = 0; i < n; ++i) {
        std::int64_t want = 0;
        for (int q = 0; q < p; ++q) want += value(q, i);
        ASSERT_EQ(sum[i], want) << i;
        ASSERT_EQ(mn[i], value(0, i)) << i;
        ASSERT_EQ(mx[i], value(p - 1, i)) << i;
    }
    std::vector<double> empty;
    comm_.allreduce(empty);  // still one call on every rank; must not hang
}

TEST_P(CommChunkTest, AllgathervConcatenatesInRankOrder) {
    const int p = comm_.size(), r = comm_.rank();
    std::vector<std::int64_t> mine(length(r));
    for (std::size_t i = 0; i < mine.size(); ++i) mine[i] = value(r, i);
    const std::vector<std::int64_t> all = comm_.allgatherv(mine);
    std::vector<std::int64_t> want;
    for (int q = 0; q < p; ++q)
        for (std::size_t i = 0; i < length(q); ++i) want.push_back(value(q, i));
    EXPECT_EQ(all, want);
}

TEST_P(CommChunkTest, AlltoallvDeliversEveryPiece) {
    const int p = comm_.size(), r = comm_.rank();
    // Rank r sends (r + 2*d) * 3 % 11 + d elements to rank d, encoding (from, to, index).
    auto count = [](int from, int to) { return static_cast<std::size_t>((from + 2 * to) * 3 % 11 + to); };
    auto code = [](int from, int to, std::size_t i) { return static_cast<double>(from * 10000 + to * 100) + static_cast<double>(i); };
    std::vector<std::vector<double>> send(static_cast<std::size_t>(p));
    for (int d = 0; d < p; ++d)
        for (std::size_t i = 0; i < count(r, d); ++i) send[static_cast<std::size_t>(d)].push_back(code(r, d, i));
    const std::vector<double> got = comm_.alltoallv(send);
    std::vector<double> want;
    for (int s = 0; s < p; ++s)
        for (std::size_t i = 0; i < count(s, r); ++i) want.push_back(code(s, r, i));
    EXPECT_EQ(got, want);

    // The flat form (blocks back to back, counts exchanged once, caller's receive buffer): sent in
    // place when one call suffices, staged in rounds otherwise; the same pieces either way.
    std::vector<double> flat;
    std::vector<std::int64_t> scounts;
    for (const auto& b : send) {
        flat.insert(flat.end(), b.begin(), b.end());
        scounts.push_back(static_cast<std::int64_t>(b.size()));
    }
    const std::vector<std::int64_t> rcounts = comm_.alltoall_counts(scounts);
    std::vector<double> got_flat(want.size(), -1.0);
    comm_.alltoallv(flat.data(), scounts, got_flat.data(), rcounts);
    EXPECT_EQ(got_flat, want);
}

// The form with each block at its own offset: blocks laid out in reverse rank order with a gap of
// 5 elements after each, and the block for this rank itself left out on both sides (count 0), as
// distribute_by_time keeps a rank's own rows. Every other piece arrives in rank order, back to back.
TEST_P(CommChunkTest, AlltoallvWithOffsetsSkipsOwnBlockAndGaps) {
    const int p = comm_.size(), r = comm_.rank();
    auto count = [](int from, int to) { return static_cast<std::int64_t>((from + 2 * to) * 3 % 11 + to); };
    auto code = [](int from, int to, std::int64_t i) { return static_cast<double>(from * 10000 + to * 100 + i); };
    std::vector<double> send;
    std::vector<std::int64_t> sdispls(static_cast<std::size_t>(p)), scounts(static_cast<std::size_t>(p));
    for (int d = p - 1; d >= 0; --d) {
        const auto u = static_cast<std::size_t>(d);
        sdispls[u] = static_cast<std::int64_t>(send.size());
        scounts[u] = d == r ? 0 : count(r, d);
        for (std::int64_t i = 0; i < count(r, d); ++i) send.push_back(d == r ? -7.0 : code(r, d, i));
        send.insert(send.end(), 5, -9.0);
    }
    std::vector<std::int64_t> rcounts(static_cast<std::size_t>(p));
    std::vector<double> want;
    for (int s = 0; s < p; ++s) {
        rcounts[static_cast<std::size_t>(s)] = s == r ? 0 : count(s, r);
        for (std::int64_t i = 0; s != r && i < count(s, r); ++i) want.push_back(code(s, r, i));
    }
    std::vector<double> got(want.size(), -1.0);
    comm_.alltoallv(send.data(), sdispls, scounts, got.data(), rcounts);
    EXPECT_EQ(got, want);
}

TEST_P(CommChunkTest, BroadcastAndStringsSurviveChunking) {
    const int r = comm_.rank();
    std::string s = r == 0 ? std::string(1000, 'x') + "end" : "other";
    comm_.broadcast(s);
    EXPECT_EQ(s, std::string(1000, 'x') + "end");
    std::vector<std::int32_t> v(77, r == 0 ? 5 : -1);
    comm_.broadcast(v.data(), v.size());
    EXPECT_EQ(v, std::vector<std::int32_t>(77, 5));
    const std::vector<std::string> all = comm_.allgather_strings({"rank" + std::to_string(r), std::string(r * 9, 'a')});
    ASSERT_EQ(all.size(), static_cast<std::size_t>(2 * comm_.size()));
    for (int q = 0; q < comm_.size(); ++q) {
        EXPECT_EQ(all[static_cast<std::size_t>(2 * q)], "rank" + std::to_string(q));
        EXPECT_EQ(all[static_cast<std::size_t>(2 * q + 1)], std::string(static_cast<std::size_t>(q) * 9, 'a'));
    }
}

TEST_P(CommChunkTest, PollingBroadcastReturnsRootValue) {
    int v = comm_.is_root() ? 42 : 0;
    comm_.broadcast_polling(v, 0, 1);
    EXPECT_EQ(v, 42);
}

// 1: one element per call (per rank); 3 and 7: chunks smaller than the ranks' contributions;
// INT_MAX: the ordinary one-call path.
INSTANTIATE_TEST_SUITE_P(Limits, CommChunkTest,
                         ::testing::Values(std::size_t{1}, std::size_t{3}, std::size_t{7},
                                           static_cast<std::size_t>(INT_MAX)));

// exscan_descending with a non-commutative operator: 2 x 2 integer matrix products in rank
// order. Rank r must receive M(r+1) M(r+2) ... M(size-1) exactly (small integers: exact in double).
TEST(CommScan, ExscanDescendingKeepsRankOrder) {
    const Comm comm;
    const int p = comm.size(), r = comm.rank();
    auto mat = [](int q) { return std::vector<double>{1.0 + q, 1.0, static_cast<double>(q % 2), 1.0}; };  // [a b; c d]
    auto mul = [](const double* x, const double* y, double* out) {
        out[0] = x[0] * y[0] + x[1] * y[2];
        out[1] = x[0] * y[1] + x[1] * y[3];
        out[2] = x[2] * y[0] + x[3] * y[2];
        out[3] = x[2] * y[1] + x[3] * y[3];
    };
    bool has = false;
    const std::vector<double> got = comm.exscan_descending(mat(r), mul, &has);
    EXPECT_EQ(has, r < p - 1);
    if (r == p - 1) {
        EXPECT_EQ(got, mat(r));
        return;
    }
    std::vector<double> want = mat(r + 1), tmp(4);
    for (int q = r + 2; q < p; ++q) {
        const std::vector<double> m = mat(q);
        mul(want.data(), m.data(), tmp.data());
        want = tmp;
    }
    EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace kohort
