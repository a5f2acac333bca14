// Private state of a Store, shared by store.cpp (lifecycle, metadata, attributes),
// store_read.cpp and store_write.cpp.
#pragma once
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "mpi/comm.hpp"
#include "store/hdf5_handles.hpp"
#include "store/store.hpp"

namespace kohort {

// The state itself lives in StoreState so the helpers in store_read.cpp/store_write.cpp can take it
// (Store::Impl is private to Store); Store::Impl adds nothing.
struct StoreState {
    std::string path;
    h5::File file;
    bool writable = false;
    bool mpi = false;       // opened with the MPI-IO driver
    int mpi_size = 1;       // size of the communicator the file was opened on
    mutable std::int64_t bytes_read = 0;

    h5::Where where(const std::string& object = "/") const { return {path, object}; }
    h5::Group tables() const;
    // Opens /tables/<name>, or throws UsageError naming the store and listing its tables.
    h5::Group open_table(const std::string& name) const;
    // Transfer property list: collective MPI-IO when the file was opened with MPI.
    h5::PropList transfer_list() const;
    void require_writable(const char* operation) const;
};

struct Store::Impl : StoreState {};

// For store code outside the Store class (genotype_store.cpp) that needs the open file.
struct StoreAccess {
    static StoreState& state(Store& s) { return *s.impl_; }
    static const StoreState& state(const Store& s) { return *s.impl_; }
};

// The processes taking part in a store operation: a Comm, or the calling process alone.
// Lets the serial path (write_all) and the collective path (write) share one implementation.
class Participants {
public:
    explicit Participants(const Comm* comm) : comm_(comm) {}
    int rank() const { return comm_ ? comm_->rank() : 0; }
    int size() const { return comm_ ? comm_->size() : 1; }
    std::int64_t exscan_sum(std::int64_t v) const { return comm_ ? comm_->exscan_sum(v) : 0; }
    std::int64_t sum(std::int64_t v) const { return comm_ ? comm_->allreduce(v) : v; }
    void sum(std::vector<std::int64_t>& v) const {
        if (comm_) comm_->allreduce(v);
    }
    void min(std::vector<std::uint64_t>& v) const {
        if (comm_) comm_->allreduce(v, ReduceOp::min);
    }
    void max(std::vector<std::uint64_t>& v) const {
        if (comm_) comm_->allreduce(v, ReduceOp::max);
    }
    // Every participant learns whether any failed a local check: the failing ones rethrow their own
    // error, the others throw an InternalError saying another rank failed. Nobody is left waiting
    // in a later collective.
    void agree(std::exception_ptr local_error, const std::string& operation) const;

private:
    const Comm* comm_;
};

// FNV-1a, 64-bit: a cheap fingerprint to compare schemas and dictionaries across ranks.
std::uint64_t fnv1a_bytes(const void* data, std::size_t n, std::uint64_t h = 1469598103934665603ull);
std::uint64_t fnv1a(const std::string& s, std::uint64_t h = 1469598103934665603ull);

}  // namespace kohort
