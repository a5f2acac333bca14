#include "mpi/comm.hpp"

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
}  // namespace

Comm::Comm(MPI_Comm parent) {
    check(MPI_Comm_dup(parent, &comm_), "MPI_Comm_dup");
    // Errors come back as codes so they become C++ exceptions that main turns into one clean abort.
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
}

Comm::~Comm() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (comm_ != MPI_COMM_NULL && !finalized) MPI_Comm_free(&comm_);
}

Comm::Comm(Comm&& other) noexcept : comm_(other.comm_), rank_(other.rank_), size_(other.size_) {
    other.comm_ = MPI_COMM_NULL;
}

void Comm::barrier() const { check(MPI_Barrier(comm_), "MPI_Barrier"); }

void Comm::allreduce_raw(void* data, std::size_t count, MPI_Datatype type, ReduceOp op) const {
    if (count == 0) {
        // Still a collective: every rank must take part even with nothing to add.
        check(MPI_Allreduce(MPI_IN_PLACE, data, 0, type, to_mpi(op), comm_), "MPI_Allreduce");
        return;
    }
    check(MPI_Allreduce(MPI_IN_PLACE, data, static_cast<int>(count), type, to_mpi(op), comm_),
          "MPI_Allreduce");
}

std::int64_t Comm::exscan_sum(std::int64_t value) const {
    std::int64_t out = 0;
    check(MPI_Exscan(&value, &out, 1, MPI_INT64_T, MPI_SUM, comm_), "MPI_Exscan");
    if (rank_ == 0) out = 0;  // MPI leaves rank 0's result undefined
    return out;
}

std::vector<int> Comm::allgather_int(int value) const {
    std::vector<int> out(static_cast<std::size_t>(size_));
    check(MPI_Allgather(&value, 1, MPI_INT, out.data(), 1, MPI_INT, comm_), "MPI_Allgather");
    return out;
}

void Comm::allgatherv_raw(const void* send, int count, void* recv, const int* counts, const int* displs,
                          MPI_Datatype type) const {
    check(MPI_Allgatherv(send, count, type, recv, counts, displs, type, comm_), "MPI_Allgatherv");
}

std::vector<std::string> Comm::allgather_strings(const std::vector<std::string>& local) const {
    // Encode as length-prefixed bytes so any string content survives.
    std::vector<char> buf;
    for (const auto& s : local) {
        std::uint32_t n = static_cast<std::uint32_t>(s.size());
        const char* p = reinterpret_cast<const char*>(&n);
        buf.insert(buf.end(), p, p + sizeof n);
        buf.insert(buf.end(), s.begin(), s.end());
    }
    std::vector<char> all = allgatherv(buf);
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < all.size()) {
        std::uint32_t n = 0;
        std::copy(all.begin() + static_cast<long>(i), all.begin() + static_cast<long>(i + sizeof n),
                  reinterpret_cast<char*>(&n));
        i += sizeof n;
        out.emplace_back(all.begin() + static_cast<long>(i), all.begin() + static_cast<long>(i + n));
        i += n;
    }
    return out;
}

void Comm::bcast_raw(void* data, std::size_t count, MPI_Datatype type, int root) const {
    check(MPI_Bcast(data, static_cast<int>(count), type, root, comm_), "MPI_Bcast");
}

void Comm::broadcast(std::string& s, int root) const {
    std::uint64_t n = s.size();
    broadcast(&n, 1, root);
    s.resize(n);
    if (n) broadcast(s.data(), n, root);
}

void Comm::alltoallv_raw(const void* send, const int* scounts, const int* sdispls, void* recv,
                         const int* rcounts, const int* rdispls, MPI_Datatype type) const {
    check(MPI_Alltoallv(send, scounts, sdispls, type, recv, rcounts, rdispls, type, comm_), "MPI_Alltoallv");
}

void Comm::abort(int code) const {
    MPI_Abort(comm_ == MPI_COMM_NULL ? MPI_COMM_WORLD : comm_, code);
    std::abort();
}

}  // namespace kohort
