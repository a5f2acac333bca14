// Address space held free above a large allocation, so that the allocation can later grow in place.
//
// Why: glibc serves a large malloc with a mapping of its own, and the kernel puts a new mapping at
// the top of the highest gap that fits it, right below the mapping above. realloc grows such a block
// with mremap: in place where the address space right above is free, else by moving the block. A move
// copies no data, but the block's huge pages then lie off their 2 MiB boundaries and are split, and
// on the project VM (a guest with shadow page tables) the first touch of each 4 KiB page afterwards
// costs a fault through the hypervisor: 0.10-0.13 s for an 80 MB matrix, more than the rest of the
// Cox set-up (docs/benchmarks-cox.md, "Room for the matrix to grow").
//
// How: a room is an inaccessible mapping (PROT_NONE, MAP_NORESERVE: address space, no memory) made
// just before the allocation. It takes the top of a gap, so an allocation no larger than it lands
// right below it; released just before the realloc, it leaves the space above the block free. A
// hint, not a guarantee: where the allocation lands elsewhere (a gap too small below the room, a
// block served from the heap, a sanitizer's allocator) nothing changes but the address space held
// meanwhile. Linux only; elsewhere a room holds nothing.
#pragma once
#include <cstddef>

namespace kohort {

class AddressRoom {
public:
    AddressRoom() = default;
    // Holds `bytes` of address space (rounded up to whole pages). Below 2 MiB it holds nothing: such
    // blocks come from the heap, where a room would not be above them.
    explicit AddressRoom(std::size_t bytes);
    AddressRoom(AddressRoom&& other) noexcept;
    AddressRoom& operator=(AddressRoom&& other) noexcept;
    // A copy holds nothing: the room serves the one block allocated below it, and a copy of the
    // structure that owns it (a model frame, Cox rows in a test) holds a copy of the block elsewhere.
    AddressRoom(const AddressRoom&) noexcept {}
    AddressRoom& operator=(const AddressRoom& other) noexcept {
        if (this != &other) release();
        return *this;
    }
    ~AddressRoom() { release(); }

    // Gives the address space back (once; later calls do nothing).
    void release() noexcept;
    bool held() const { return begin_ != nullptr; }
    // Whether the block [data, data + bytes) ends within a page or two below the room, that is in
    // the same gap as the room with nothing in between but the allocator's own rounding.
    bool lies_above(const void* data, std::size_t bytes) const;

private:
    void* begin_ = nullptr;
    std::size_t bytes_ = 0;
};

}  // namespace kohort
