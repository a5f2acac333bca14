#include "store/address_room.hpp"

#include <cerrno>
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

AddressRoom AddressRoom::above(const void* data, std::size_t size, std::size_t bytes) {
    AddressRoom room;
#if defined(__linux__) && defined(MAP_FIXED_NOREPLACE)
    if (!data || bytes == 0) return room;
    const std::size_t page = page_size();
    const std::size_t rounded = (bytes + page - 1) / page * page;
    const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(data) + size + page - 1) / page * page;
    // The mapping ends at `end` or a page or two past it: the first candidate that is not inside it
    // (EEXIST) is the mapping's end, and is free if anything is.
    for (std::uintptr_t at = end; at <= end + 2 * page; at += page) {
        void* want = reinterpret_cast<void*>(at);
        void* got = mmap(want, rounded, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
        if (got == want) {
            room.begin_ = got;
            room.bytes_ = rounded;
            return room;
        }
        if (got != MAP_FAILED) {  // a kernel without MAP_FIXED_NOREPLACE took it as a hint: not above
            munmap(got, rounded);
            return room;
        }
        if (errno != EEXIST) return room;  // the space above is taken or cannot be mapped
    }
#else
    (void)data, (void)size, (void)bytes;
#endif
    return room;
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
