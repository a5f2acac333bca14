// Address space held free right above a large allocation, so that the allocation can later grow in
// place.
//
// Why: glibc serves a large malloc with a mapping of its own, and the kernel puts a new mapping at
// the top of the highest gap that fits it, right below the mapping above. realloc grows such a block
// with mremap: in place where the address space right above is free, else by moving the block. A move
// copies no data, but the block's huge pages then lie off their 2 MiB boundaries and are split, and
// on the project VM (a guest with shadow page tables) the first touch of each 4 KiB page afterwards
// costs a fault through the hypervisor: 0.10-0.13 s for an 80 MB matrix, more than the rest of the
// Cox set-up (docs/benchmarks-cox.md, "Room for the matrix to grow").
//
// How (allocate_with_room): the block is first allocated with the room's size on top, then shrunk
// to its own size. glibc shrinks a mapping in place, so the address space the tail held is free and
// nothing has taken it yet: the room (an inaccessible mapping, PROT_NONE and MAP_NORESERVE: address
// space, no memory) is mapped there at once, at a fixed address (MAP_FIXED_NOREPLACE, which never
// replaces a mapping). Released just before the realloc, it leaves the space above the block free.
// Where the block does not come from a mapping of its own (a small block from the heap, a sanitizer's
// allocator) the space above it is taken, and no room is held: the block grows as it would have
// without. Linux only; elsewhere a room holds nothing.
#pragma once
#include <Eigen/Dense>
#include <cstddef>

namespace kohort {

class AddressRoom {
public:
    AddressRoom() = default;
    // `bytes` of address space (whole pages) starting where the mapping that holds [data, data +
    // size) ends, if that space is free; otherwise a room that holds nothing. The mapping ends within
    // two pages past data + size (glibc's rounding).
    static AddressRoom above(const void* data, std::size_t size, std::size_t bytes);
    AddressRoom(AddressRoom&& other) noexcept;
    AddressRoom& operator=(AddressRoom&& other) noexcept;
    // A copy holds nothing: the room serves the one block below it, and a copy of the structure that
    // owns it (a model frame, Cox rows in a test) holds a copy of the block elsewhere.
    AddressRoom(const AddressRoom&) noexcept {}
    AddressRoom& operator=(const AddressRoom& other) noexcept {
        if (this != &other) release();
        return *this;
    }
    ~AddressRoom() { release(); }

    // Gives the address space back (once; later calls do nothing).
    void release() noexcept;
    bool held() const { return begin_ != nullptr; }
    // Whether the block [data, data + size) ends within two pages below the room.
    bool lies_above(const void* data, std::size_t size) const;

private:
    void* begin_ = nullptr;
    std::size_t bytes_ = 0;
};

// Blocks below this size come from the heap, where no room can be held above them.
inline constexpr std::size_t kSmallestRoomedBlock = std::size_t{2} << 20;

// Gives a column-major matrix's storage room for `elements` values without moving its bytes:
// Eigen's conservativeResize copies when the row count changes, so the storage is viewed as one
// row, whose length realloc changes in place (glibc shrinks or grows a mapped block with mremap,
// which moves no data; into the room's space once the room is released). The caller reshapes it.
inline void resize_storage(Eigen::MatrixXd& X, Eigen::Index elements) {
    X.resize(1, X.size());  // the same size: Eigen keeps the storage
    X.conservativeResize(1, elements);
}

// X.resize(rows, cols), with a room of X's own size above its storage (see above): the storage is
// allocated rows x cols + the room's values long, shrunk in place, and the room mapped over the
// freed tail. The values are left unset, as resize leaves them.
inline AddressRoom allocate_with_room(Eigen::MatrixXd& X, Eigen::Index rows, Eigen::Index cols) {
    const Eigen::Index values = rows * cols;
    const std::size_t bytes = static_cast<std::size_t>(values) * sizeof(double);
    if (bytes < kSmallestRoomedBlock) {
        X.resize(rows, cols);
        return {};
    }
    // Neither the room's values nor X's are touched here. Two pages more than the room: the freed
    // tail ends on a page boundary short of what was asked.
    constexpr Eigen::Index kSlack = 2 * 4096 / sizeof(double);
    X.resize(1, 2 * values + kSlack);
    resize_storage(X, values);  // shrunk in place
    AddressRoom room = AddressRoom::above(X.data(), bytes, bytes);
    X.resize(rows, cols);  // the same size: a reshape
    return room;
}

}  // namespace kohort
