#include "mpi/comm.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>
#include <thread>

#include "core/error.hpp"

namespace kohort {
namespace {
void check(int rc, const char* what) {
    if (rc != MPI_SUCCESS) {
        char buf[MPI_MAX_ERROR_STRING];
        int len = 0;
        MPI_Error_string(rc, buf, &len);
        throw InternalError(std::string("MPI call ") + what + " failed: " + std::string(buf, len));
    }
}
MPI_Op to_mpi(ReduceOp op) {
    switch (op) {
        case ReduceOp::sum: return MPI_SUM;
        case ReduceOp::min: return MPI_MIN;
        case ReduceOp::max: return MPI_MAX;
    }
    return MPI_SUM;
}

// MPI-3 (OpenMPI 4) takes int counts and displacements; MPI-4's _c large-count calls are not
// available everywhere kohort runs, so big messages are split instead (BigMPI's approach).
std::size_t g_chunk_limit = static_cast<std::size_t>(INT_MAX);

// Byte address of element `index` of a buffer; only formed for elements that are sent or received.
const char* at(const void* base, std::size_t index, std::size_t elem_size) {
    return static_cast<const char*>(base) + index * elem_size;
}
char* at(void* base, std::size_t index, std::size_t elem_size) {
    return static_cast<char*>(base) + index * elem_size;
}

// In a chunked exchange each of p ranks carries at most this many elements per round to each peer,
// so one round's total, and so every int displacement in it, stays within the chunk limit.
std::size_t per_rank_chunk(int p) { return std::max<std::size_t>(1, g_chunk_limit / static_cast<std::size_t>(p)); }

// Elements of a `count`-long buffer that fall into round `k` of `per` elements each.
int round_count(std::int64_t count, std::size_t k, std::size_t per) {
    const std::int64_t begin = static_cast<std::int64_t>(k * per);
    return static_cast<int>(std::clamp<std::int64_t>(count - begin, 0, static_cast<std::int64_t>(per)));
}

std::vector<int> prefix_displs(const std::vector<int>& counts) {
    std::vector<int> displs(counts.size(), 0);
    for (std::size_t i = 1; i < counts.size(); ++i) displs[i] = displs[i - 1] + counts[i - 1];
    return displs;
}

std::vector<std::int64_t> prefix_offsets(const std::vector<std::int64_t>& counts) {
    std::vector<std::int64_t> offs(counts.size(), 0);
    for (std::size_t i = 1; i < counts.size(); ++i) offs[i] = offs[i - 1] + counts[i - 1];
    return offs;
}
}  // namespace

std::size_t Comm::chunk_limit() { return g_chunk_limit; }

void Comm::set_chunk_limit_for_testing(std::size_t elements) {
    g_chunk_limit = std::clamp<std::size_t>(elements, 1, static_cast<std::size_t>(INT_MAX));
}

Comm::Comm(MPI_Comm parent) {
    check(MPI_Comm_dup(parent, &comm_), "MPI_Comm_dup");
    // Errors come back as codes so they become C++ exceptions that main turns into one clean abort.
    check(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
}

Comm::~Comm() {
    // A destructor cannot report a failure; a failed free at shutdown leaks one handle, no more.
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (comm_ != MPI_COMM_NULL && !finalized) MPI_Comm_free(&comm_);
}

Comm::Comm(Comm&& other) noexcept : comm_(other.comm_), rank_(other.rank_), size_(other.size_) {
    other.comm_ = MPI_COMM_NULL;
}

void Comm::barrier() const { check(MPI_Barrier(comm_), "MPI_Barrier"); }

void Comm::allreduce_raw(void* data, std::size_t count, std::size_t elem_size, MPI_Datatype type,
                         ReduceOp op) const {
    // Every rank holds the same count, so all take the same number of calls; a count of 0 is still
    // one call, since every rank must take part in a collective even with nothing to add.
    std::size_t done = 0;
    do {
        const std::size_t n = std::min(count - done, g_chunk_limit);
        check(MPI_Allreduce(MPI_IN_PLACE, n ? at(data, done, elem_size) : data, static_cast<int>(n), type,
                            to_mpi(op), comm_),
              "MPI_Allreduce");
        done += n;
    } while (done < count);
}

std::int64_t Comm::exscan_sum(std::int64_t value) const {
    std::int64_t out = 0;
    check(MPI_Exscan(&value, &out, 1, MPI_INT64_T, MPI_SUM, comm_), "MPI_Exscan");
    if (rank_ == 0) out = 0;  // MPI leaves rank 0's result undefined
    return out;
}

std::vector<double> Comm::exscan_descending(const std::vector<double>& mine, const ScanCombine& combine,
                                            bool* has_value) const {
    // Virtual rank v = size - 1 - rank: the usual recursive-doubling exclusive prefix over v
    // (Hillis & Steele 1986). `partial` covers v-d+1 .. v, `result` v-d+1 .. v-1 after round d;
    // a block received from v-d covers higher real ranks than both, so it is the "high" operand.
    const int n = static_cast<int>(mine.size());
    const int v = size_ - 1 - rank_;
    std::vector<double> partial = mine, result(mine.size()), got(mine.size()), tmp(mine.size());
    bool have = false;
    for (int d = 1; d < size_; d <<= 1) {
        const int to = v + d < size_ ? size_ - 1 - (v + d) : MPI_PROC_NULL;
        const int from = v - d >= 0 ? size_ - 1 - (v - d) : MPI_PROC_NULL;
        check(MPI_Sendrecv(partial.data(), n, MPI_DOUBLE, to, 0, got.data(), n, MPI_DOUBLE, from, 0, comm_,
                           MPI_STATUS_IGNORE),
              "MPI_Sendrecv");
        if (from == MPI_PROC_NULL) continue;
        if (have) {
            combine(result.data(), got.data(), tmp.data());
            result.swap(tmp);
        } else {
            result = got;
            have = true;
        }
        combine(partial.data(), got.data(), tmp.data());
        partial.swap(tmp);
    }
    if (has_value) *has_value = have;
    return have ? result : mine;
}

std::vector<int> Comm::allgather_int(int value) const {
    std::vector<int> out(static_cast<std::size_t>(size_));
    check(MPI_Allgather(&value, 1, MPI_INT, out.data(), 1, MPI_INT, comm_), "MPI_Allgather");
    return out;
}

std::vector<std::int64_t> Comm::allgather_int64(std::int64_t value) const {
    std::vector<std::int64_t> out(static_cast<std::size_t>(size_));
    check(MPI_Allgather(&value, 1, MPI_INT64_T, out.data(), 1, MPI_INT64_T, comm_), "MPI_Allgather");
    return out;
}

std::vector<std::int64_t> Comm::alltoall_int64(const std::vector<std::int64_t>& send) const {
    std::vector<std::int64_t> out(static_cast<std::size_t>(size_));
    check(MPI_Alltoall(send.data(), 1, MPI_INT64_T, out.data(), 1, MPI_INT64_T, comm_), "MPI_Alltoall");
    return out;
}

void Comm::allgatherv_raw(const void* send, const std::vector<std::int64_t>& counts, void* recv,
                          std::size_t elem_size, MPI_Datatype type) const {
    const std::size_t p = counts.size();
    const std::int64_t own = counts[static_cast<std::size_t>(rank_)];
    const std::vector<std::int64_t> offsets = prefix_offsets(counts);
    const std::int64_t total = offsets.back() + counts.back();
    if (static_cast<std::size_t>(total) <= g_chunk_limit) {  // the usual case: one call, straight into recv
        std::vector<int> icounts(counts.begin(), counts.end());
        const std::vector<int> displs = prefix_displs(icounts);
        check(MPI_Allgatherv(send, static_cast<int>(own), type, recv, icounts.data(), displs.data(), type, comm_),
              "MPI_Allgatherv");
        return;
    }
    // Rounds: in round k each rank sends its elements [k*per, (k+1)*per) into a staging buffer that
    // is then copied to the rank's place in recv. Every rank sees the same counts, so the same rounds.
    const std::size_t per = per_rank_chunk(static_cast<int>(p));
    const std::int64_t longest = *std::max_element(counts.begin(), counts.end());
    const std::size_t rounds = (static_cast<std::size_t>(longest) + per - 1) / per;
    std::vector<char> stage;
    std::vector<int> rc(p);
    for (std::size_t k = 0; k < rounds; ++k) {
        for (std::size_t r = 0; r < p; ++r) rc[r] = round_count(counts[r], k, per);
        const std::vector<int> displs = prefix_displs(rc);
        stage.resize(static_cast<std::size_t>(displs.back() + rc.back()) * elem_size);
        const int mine = rc[static_cast<std::size_t>(rank_)];
        check(MPI_Allgatherv(mine ? at(send, k * per, elem_size) : send, mine, type, stage.data(), rc.data(),
                             displs.data(), type, comm_),
              "MPI_Allgatherv");
        for (std::size_t r = 0; r < p; ++r)
            if (rc[r])
                std::memcpy(at(recv, static_cast<std::size_t>(offsets[r]) + k * per, elem_size),
                            at(stage.data(), static_cast<std::size_t>(displs[r]), elem_size),
                            static_cast<std::size_t>(rc[r]) * elem_size);
    }
}

std::vector<std::string> Comm::allgather_strings(const std::vector<std::string>& local) const {
    // Encode as length-prefixed bytes so any string content survives.
    std::vector<char> buf;
    for (const auto& s : local) {
        std::uint64_t n = s.size();
        const char* p = reinterpret_cast<const char*>(&n);
        buf.insert(buf.end(), p, p + sizeof n);
        buf.insert(buf.end(), s.begin(), s.end());
    }
    std::vector<char> all = allgatherv(buf);
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < all.size()) {
        std::uint64_t n = 0;
        std::memcpy(&n, all.data() + i, sizeof n);
        i += sizeof n;
        out.emplace_back(all.data() + i, static_cast<std::size_t>(n));
        i += n;
    }
    return out;
}

void Comm::bcast_raw(void* data, std::size_t count, std::size_t elem_size, MPI_Datatype type, int root) const {
    // Every rank passes the same count (callers broadcast a size first), so the calls line up.
    std::size_t done = 0;
    do {
        const std::size_t n = std::min(count - done, g_chunk_limit);
        check(MPI_Bcast(n ? at(data, done, elem_size) : data, static_cast<int>(n), type, root, comm_), "MPI_Bcast");
        done += n;
    } while (done < count);
}

void Comm::broadcast(std::string& s, int root) const {
    std::uint64_t n = s.size();
    broadcast(&n, 1, root);
    s.resize(n);
    if (n) broadcast(s.data(), n, root);
}

void Comm::broadcast_polling(int& value, int root, int poll_ms) const {
    MPI_Request request = MPI_REQUEST_NULL;
    check(MPI_Ibcast(&value, 1, MPI_INT, root, comm_, &request), "MPI_Ibcast");
    int done = 0;
    while (!done) {
        // A failed test throws here rather than leaving `done` at 0 and polling forever.
        check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
        if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
    }
}

void Comm::alltoallv_raw(const std::vector<const void*>& sendbufs, const std::vector<std::int64_t>& scounts,
                         const std::vector<std::int64_t>& rcounts, void* recv, std::size_t elem_size,
                         MPI_Datatype type, const void* within) const {
    const std::size_t p = scounts.size();
    const std::size_t per = per_rank_chunk(static_cast<int>(p));
    // Each rank sees only its own send and receive counts, so the number of rounds is agreed first;
    // a rank with nothing left still joins every round with zero counts.
    std::int64_t longest = 0;
    for (std::size_t r = 0; r < p; ++r) longest = std::max({longest, scounts[r], rcounts[r]});
    std::int64_t rounds = (longest + static_cast<std::int64_t>(per) - 1) / static_cast<std::int64_t>(per);
    check(MPI_Allreduce(MPI_IN_PLACE, &rounds, 1, MPI_INT64_T, MPI_MAX, comm_), "MPI_Allreduce");
    if (rounds == 0) rounds = 1;  // still one (empty) exchange, as before

    const std::vector<std::int64_t> roffsets = prefix_offsets(rcounts);
    std::vector<char> send_stage, recv_stage;
    std::vector<int> sc(p), rc(p);
    for (std::size_t k = 0; k < static_cast<std::size_t>(rounds); ++k) {
        for (std::size_t r = 0; r < p; ++r) {
            sc[r] = round_count(scounts[r], k, per);
            rc[r] = round_count(rcounts[r], k, per);
        }
        std::vector<int> sd = prefix_displs(sc);
        const std::vector<int> rd = prefix_displs(rc);
        // One round is sent in place when every non-empty block lies in one buffer, at an offset
        // from it that MPI's int displacements hold: the caller's `within`, or, for blocks in
        // separate buffers, a lone non-empty block (its own buffer). Otherwise through a stage.
        const void* base = within;
        if (!base) {
            int nonempty = 0;
            for (std::size_t r = 0; r < p; ++r)
                if (sc[r]) ++nonempty, base = sendbufs[r];
            if (nonempty > 1) base = nullptr;
        }
        bool in_place = rounds == 1 && base != nullptr;  // nothing to send: an empty stage
        for (std::size_t r = 0; r < p && in_place; ++r) {
            if (sc[r] == 0) {
                sd[r] = 0;
                continue;
            }
            const auto bytes = static_cast<const char*>(sendbufs[r]) - static_cast<const char*>(base);
            const auto offset = static_cast<std::size_t>(bytes) / elem_size;
            in_place = bytes >= 0 && offset + static_cast<std::size_t>(sc[r]) <= static_cast<std::size_t>(INT_MAX);
            sd[r] = static_cast<int>(offset);
        }
        if (!in_place) {
            sd = prefix_displs(sc);
            send_stage.resize(static_cast<std::size_t>(sd.back() + sc.back()) * elem_size);
            for (std::size_t r = 0; r < p; ++r)
                if (sc[r])
                    std::memcpy(at(send_stage.data(), static_cast<std::size_t>(sd[r]), elem_size),
                                at(sendbufs[r], k * per, elem_size), static_cast<std::size_t>(sc[r]) * elem_size);
        }
        if (rounds > 1) recv_stage.resize(static_cast<std::size_t>(rd.back() + rc.back()) * elem_size);
        // One round: receive straight into place (the displacements are then the offsets, all < per*p).
        void* target = rounds == 1 ? recv : static_cast<void*>(recv_stage.data());
        const void* source = in_place ? base : static_cast<const void*>(send_stage.data());
        check(MPI_Alltoallv(source, sc.data(), sd.data(), type, target, rc.data(), rd.data(), type, comm_),
              "MPI_Alltoallv");
        if (rounds == 1) break;
        for (std::size_t r = 0; r < p; ++r)
            if (rc[r])
                std::memcpy(at(recv, static_cast<std::size_t>(roffsets[r]) + k * per, elem_size),
                            at(recv_stage.data(), static_cast<std::size_t>(rd[r]), elem_size),
                            static_cast<std::size_t>(rc[r]) * elem_size);
    }
}

void Comm::abort(int code) const {
    MPI_Abort(comm_ == MPI_COMM_NULL ? MPI_COMM_WORLD : comm_, code);
    std::abort();  // MPI_Abort does not return; if it ever did, this process must still end
}

}  // namespace kohort
