#include "store/address_room.hpp"

#include <cstdint>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace kohort {
namespace {

std::size_t page_size() {
#if defined(__linux__)
    static const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    return page;
#else
    return 4096;
#endif
}

}  // namespace

AddressRoom::AddressRoom(std::size_t bytes) {
#if defined(__linux__)
    constexpr std::size_t kSmallest = std::size_t{2} << 20;
    if (bytes < kSmallest) return;
    const std::size_t page = page_size();
    const std::size_t rounded = (bytes + page - 1) / page * page;
    void* at = mmap(nullptr, rounded, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (at == MAP_FAILED) return;  // no room: the allocation is placed as without one
    begin_ = at;
    bytes_ = rounded;
#else
    (void)bytes;
#endif
}

AddressRoom::AddressRoom(AddressRoom&& other) noexcept
    : begin_(std::exchange(other.begin_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

AddressRoom& AddressRoom::operator=(AddressRoom&& other) noexcept {
    if (this != &other) {
        release();
        begin_ = std::exchange(other.begin_, nullptr);
        bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
}

void AddressRoom::release() noexcept {
#if defined(__linux__)
    if (begin_) munmap(begin_, bytes_);
#endif
    begin_ = nullptr;
    bytes_ = 0;
}

bool AddressRoom::lies_above(const void* data, std::size_t bytes) const {
    if (!begin_ || !data) return false;
    const auto end = reinterpret_cast<std::uintptr_t>(data) + bytes;
    const auto room = reinterpret_cast<std::uintptr_t>(begin_);
    // glibc's mapping ends at most one page past the block's last byte, rounded up to a page.
    return room >= end && room - end <= 2 * page_size();
}

}  // namespace kohort
