// The engine's one communicator: a duplicate of the caller's, owned RAII-style (PETSc's pattern),
// so library traffic never mixes with the caller's messages. Typed collectives over scalars,
// std::vector and Eigen objects keep MPI datatypes out of kernels.
#pragma once
#include <mpi.h>

#include <Eigen/Dense>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

namespace kohort {

template <typename T>
MPI_Datatype mpi_type();
template <> inline MPI_Datatype mpi_type<double>() { return MPI_DOUBLE; }
template <> inline MPI_Datatype mpi_type<float>() { return MPI_FLOAT; }
template <> inline MPI_Datatype mpi_type<std::int64_t>() { return MPI_INT64_T; }
template <> inline MPI_Datatype mpi_type<std::uint64_t>() { return MPI_UINT64_T; }
template <> inline MPI_Datatype mpi_type<std::int32_t>() { return MPI_INT32_T; }
template <> inline MPI_Datatype mpi_type<std::uint32_t>() { return MPI_UINT32_T; }
template <> inline MPI_Datatype mpi_type<std::int8_t>() { return MPI_INT8_T; }
template <> inline MPI_Datatype mpi_type<std::uint8_t>() { return MPI_UINT8_T; }
template <> inline MPI_Datatype mpi_type<char>() { return MPI_CHAR; }

enum class ReduceOp { sum, min, max };

class Comm {
public:
    // Duplicates `parent`; the duplicate is freed in the destructor.
    explicit Comm(MPI_Comm parent = MPI_COMM_WORLD);
    ~Comm();
    Comm(const Comm&) = delete;
    Comm& operator=(const Comm&) = delete;
    Comm(Comm&& other) noexcept;
    Comm& operator=(Comm&&) = delete;

    int rank() const { return rank_; }
    int size() const { return size_; }
    bool is_root() const { return rank_ == 0; }
    MPI_Comm raw() const { return comm_; }

    void barrier() const;

    // In-place elementwise reduction across ranks of a contiguous buffer.
    template <typename T>
    void allreduce(T* data, std::size_t count, ReduceOp op = ReduceOp::sum) const {
        allreduce_raw(data, count, sizeof(T), mpi_type<T>(), op);
    }
    template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
    T allreduce(T value, ReduceOp op = ReduceOp::sum) const {
        allreduce(&value, 1, op);
        return value;
    }
    template <typename T>
    void allreduce(std::vector<T>& v, ReduceOp op = ReduceOp::sum) const {
        allreduce(v.data(), v.size(), op);
    }
    // Works for Eigen::VectorXd, MatrixXd and fixed-size types (all contiguous).
    template <typename Derived>
    void allreduce(Eigen::PlainObjectBase<Derived>& m, ReduceOp op = ReduceOp::sum) const {
        allreduce(m.data(), static_cast<std::size_t>(m.size()), op);
    }

    // Exclusive prefix sum (rank 0 gets 0).
    std::int64_t exscan_sum(std::int64_t value) const;

    // Exclusive scan from the highest rank down with an associative (not necessarily commutative)
    // operator: rank r receives the combination of ranks r+1 .. size-1, the highest rank receives
    // `mine` unchanged (the caller decides what that means; it gets has_value = false). Every
    // rank's block has the same length. combine(low, high, out) joins a block covering lower
    // ranks with one covering higher ranks (out may alias neither). Recursive doubling: ceil(log2
    // P) rounds of one sendrecv of the block, and the combination order is fixed for a given
    // number of ranks, so the result is the same on every run.
    using ScanCombine = std::function<void(const double* low, const double* high, double* out)>;
    std::vector<double> exscan_descending(const std::vector<double>& mine, const ScanCombine& combine,
                                          bool* has_value) const;

    // Gathers every rank's vector on every rank, concatenated in rank order. Any length: MPI-3 counts
    // and displacements are int, so large gathers go in rounds of at most chunk_limit() elements.
    template <typename T>
    std::vector<T> allgatherv(const std::vector<T>& local) const {
        const std::vector<std::int64_t> counts = allgather_int64(static_cast<std::int64_t>(local.size()));
        std::int64_t total = 0;
        for (std::int64_t c : counts) total += c;
        std::vector<T> out(static_cast<std::size_t>(total));
        allgatherv_raw(local.data(), counts, out.data(), sizeof(T), mpi_type<T>());
        return out;
    }
    std::vector<int> allgather_int(int value) const;
    std::vector<std::int64_t> allgather_int64(std::int64_t value) const;
    std::vector<std::string> allgather_strings(const std::vector<std::string>& local) const;

    // Sends sendbufs[r] to rank r; returns what each rank sent to this one, concatenated in rank order.
    template <typename T>
    std::vector<T> alltoallv(const std::vector<std::vector<T>>& sendbufs) const;

    // The same exchange into caller-owned buffers, for repeated exchanges with the same counts (one
    // column at a time): send holds the blocks for ranks 0..size-1 back to back (scounts[r] each),
    // recv receives rcounts[r] elements from each rank in rank order. rcounts comes from
    // alltoall_counts(scounts), once. Nothing is allocated or staged when one MPI call suffices.
    template <typename T>
    void alltoallv(const T* send, const std::vector<std::int64_t>& scounts, T* recv,
                   const std::vector<std::int64_t>& rcounts) const {
        std::vector<std::int64_t> sdispls(scounts.size(), 0);
        for (std::size_t r = 1; r < sdispls.size(); ++r) sdispls[r] = sdispls[r - 1] + scounts[r - 1];
        alltoallv(send, sdispls, scounts, recv, rcounts);
    }
    // The same with each rank's block at its own offset in send (sdispls[r] elements), in any order
    // and with gaps, so a block can be left out (count 0) without moving the others: a rank's rows
    // for itself stay where they are while the rest go through MPI.
    template <typename T>
    void alltoallv(const T* send, const std::vector<std::int64_t>& sdispls, const std::vector<std::int64_t>& scounts,
                   T* recv, const std::vector<std::int64_t>& rcounts) const {
        std::vector<const void*> bufs(static_cast<std::size_t>(size_));
        for (std::size_t r = 0; r < bufs.size(); ++r) bufs[r] = send + sdispls[r];
        alltoallv_raw(bufs, scounts, rcounts, recv, sizeof(T), mpi_type<T>(), send);
    }
    // What each rank sends to this one, given what this one sends to each rank.
    std::vector<std::int64_t> alltoall_counts(const std::vector<std::int64_t>& scounts) const {
        return alltoall_int64(scounts);
    }

    template <typename T>
    void broadcast(T* data, std::size_t count, int root = 0) const {
        bcast_raw(data, count, sizeof(T), mpi_type<T>(), root);
    }
    void broadcast(std::string& s, int root = 0) const;

    // Broadcasts one int from `root`, the waiting ranks polling and sleeping `poll_ms` in between
    // instead of spinning in MPI (io/root_only.hpp). A failed MPI call throws; it never loops on.
    void broadcast_polling(int& value, int root, int poll_ms) const;

    // The most elements one MPI call carries (INT_MAX: MPI-3 counts are int). Collectives over more
    // are split into calls of at most this many. Tests lower it to force the chunked paths.
    static std::size_t chunk_limit();
    static void set_chunk_limit_for_testing(std::size_t elements);

    // Ends every rank of the job. Used only from main's error path.
    [[noreturn]] void abort(int code) const;

private:
    void allreduce_raw(void* data, std::size_t count, std::size_t elem_size, MPI_Datatype type, ReduceOp op) const;
    void allgatherv_raw(const void* send, const std::vector<std::int64_t>& counts, void* recv,
                        std::size_t elem_size, MPI_Datatype type) const;
    void bcast_raw(void* data, std::size_t count, std::size_t elem_size, MPI_Datatype type, int root) const;
    std::vector<std::int64_t> alltoall_int64(const std::vector<std::int64_t>& send) const;
    // sendbufs[r] holds scounts[r] elements for rank r; rank r sends rcounts[r] here, into recv.
    // `within`, when given, is one buffer holding every block (at any offsets); without it the
    // blocks are separate buffers.
    void alltoallv_raw(const std::vector<const void*>& sendbufs, const std::vector<std::int64_t>& scounts,
                       const std::vector<std::int64_t>& rcounts, void* recv, std::size_t elem_size,
                       MPI_Datatype type, const void* within = nullptr) const;

    MPI_Comm comm_ = MPI_COMM_NULL;
    int rank_ = 0;
    int size_ = 1;
};

template <typename T>
std::vector<T> Comm::alltoallv(const std::vector<std::vector<T>>& sendbufs) const {
    std::vector<const void*> bufs(static_cast<std::size_t>(size_));
    std::vector<std::int64_t> scounts(static_cast<std::size_t>(size_));
    for (int r = 0; r < size_; ++r) {
        bufs[r] = sendbufs[r].data();
        scounts[r] = static_cast<std::int64_t>(sendbufs[r].size());
    }
    const std::vector<std::int64_t> rcounts = alltoall_int64(scounts);
    std::int64_t rtotal = 0;
    for (std::int64_t c : rcounts) rtotal += c;
    std::vector<T> out(static_cast<std::size_t>(rtotal));
    alltoallv_raw(bufs, scounts, rcounts, out.data(), sizeof(T), mpi_type<T>());
    return out;
}

}  // namespace kohort
