// AddressRoom (store/address_room.hpp): what it holds, how it moves and copies, and the property the
// Cox set-up relies on: a block given a room grows in place once the room is given back. A raw
// mapping in every build; where glibc's malloc serves it, a matrix through allocate_with_room and the
// calls distribute_by_time makes.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <Eigen/Dense>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "store/address_room.hpp"

using kohort::AddressRoom;

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

// glibc's malloc, which the production path (Eigen's matrices) goes through; a sanitizer build
// replaces it with an allocator that places blocks its own way and always moves on realloc.
#if defined(__SANITIZE_ADDRESS__)
#define KOHORT_GLIBC_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KOHORT_GLIBC_MALLOC 0
#else
#define KOHORT_GLIBC_MALLOC 1
#endif
#else
#define KOHORT_GLIBC_MALLOC 1
#endif

// Whether the page at p (page-aligned) is mapped, accessible or not: mincore fails with ENOMEM on
// an address no mapping covers.
bool mapped(const void* p) {
    unsigned char in_core = 0;
    return mincore(const_cast<void*>(p), 1, &in_core) == 0;
}

const void* page_of(const void* p) {
    return reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) & ~std::uintptr_t{4095});
}

// A mapping of `bytes`, made `extra` longer and shrunk, so that the address space above it is free
// (the way allocate_with_room leaves a matrix's block).
void* mapping_with_free_space_above(std::size_t bytes, std::size_t extra) {
    void* at = mmap(nullptr, bytes + extra, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (at == MAP_FAILED) return nullptr;
    munmap(static_cast<char*>(at) + bytes, extra);
    return at;
}

}  // namespace

TEST(AddressRoom, HoldsAddressSpaceUntilReleased) {
    const std::size_t bytes = 40 * kMiB;
    void* block = mapping_with_free_space_above(bytes, 64 * kMiB);
    ASSERT_NE(block, nullptr);
    AddressRoom room = AddressRoom::above(block, bytes, 64 * kMiB);
    ASSERT_TRUE(room.held());
    EXPECT_TRUE(room.lies_above(block, bytes));
    const void* inside = page_of(static_cast<char*>(block) + bytes + 3 * 4096);
    EXPECT_TRUE(mapped(inside));  // held: mapped, though inaccessible
    AddressRoom moved(std::move(room));
    EXPECT_FALSE(room.held());  // NOLINT(bugprone-use-after-move): a moved-from room holds nothing
    EXPECT_TRUE(moved.held());
    moved.release();
    EXPECT_FALSE(moved.held());
    EXPECT_FALSE(mapped(inside));  // free address space again
    moved.release();               // a second release does nothing
    EXPECT_FALSE(moved.held());
    munmap(block, bytes);
}

TEST(AddressRoom, NoRoomWhereTheSpaceAboveIsTakenAndCopiesHoldNone) {
    const std::size_t bytes = 8 * kMiB;
    // Two mappings of one: the space above the lower half is the upper half.
    char* both = static_cast<char*>(mmap(nullptr, 2 * bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_NE(both, MAP_FAILED);
    EXPECT_FALSE(AddressRoom::above(both, bytes, bytes).held());
    munmap(both, 2 * bytes);

    void* block = mapping_with_free_space_above(bytes, bytes);
    ASSERT_NE(block, nullptr);
    const AddressRoom room = AddressRoom::above(block, bytes, bytes);
    ASSERT_TRUE(room.held());
    const AddressRoom copy(room);  // NOLINT(performance-unnecessary-copy-initialization)
    EXPECT_FALSE(copy.held());
    EXPECT_TRUE(room.held());
    AddressRoom assigned = AddressRoom::above(block, bytes, bytes);  // the space is the room's: none
    EXPECT_FALSE(assigned.held());
    munmap(block, bytes);
}

// The mechanism, in every build: once the room is given back, the mapping grows in place (mremap
// without MREMAP_MAYMOVE fails rather than move); the same mapping left without a room cannot.
TEST(AddressRoom, AMappingGrowsInPlaceIntoItsRoom) {
    const std::size_t bytes = 40 * kMiB + 3 * 4096, growth = 8 * kMiB;  // not whole huge pages
    void* block = mapping_with_free_space_above(bytes, bytes);
    ASSERT_NE(block, nullptr);
    AddressRoom room = AddressRoom::above(block, bytes, bytes);
    ASSERT_TRUE(room.held());

    // While the room is held, anything mapped next goes elsewhere, and the block cannot grow.
    void* other = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(other, MAP_FAILED);
    EXPECT_FALSE(room.lies_above(other, bytes));
    EXPECT_EQ(mremap(block, bytes, bytes + growth, 0), MAP_FAILED) << "grew into a held room";

    static_cast<double*>(block)[bytes / sizeof(double) - 1] = 2.5;
    room.release();
    void* grown = mremap(block, bytes, bytes + growth, 0);
    ASSERT_EQ(grown, block) << "the mapping did not grow in place";
    EXPECT_EQ(static_cast<double*>(grown)[bytes / sizeof(double) - 1], 2.5);
    munmap(grown, bytes + growth);
    munmap(other, bytes);
}

#if KOHORT_GLIBC_MALLOC
// The production path, where glibc serves the matrix: allocate_with_room, then distribute_by_time's
// calls. (Under a sanitizer the allocator moves every block on realloc, room or not.)
TEST(AddressRoom, AMatrixAllocatedWithARoomGrowsInPlace) {
    const Eigen::Index rows = 1'000'000, cols = 10;  // 80 MB: a mapping of its own in glibc
    const std::size_t bytes = static_cast<std::size_t>(rows * cols) * sizeof(double);
    Eigen::MatrixXd X;
    AddressRoom room = kohort::allocate_with_room(X, rows, cols);
    ASSERT_EQ(X.rows(), rows);
    ASSERT_EQ(X.cols(), cols);
    X.setConstant(1.5);
    ASSERT_TRUE(room.lies_above(X.data(), bytes)) << "no room right above the matrix";

    // distribute_by_time: the room given back, then resize_storage lengthens the storage.
    room.release();
    const double* before = X.data();
    const Eigen::Index growth = rows / 10 * cols;
    kohort::resize_storage(X, X.size() + growth);
    EXPECT_EQ(X.data(), before) << "the block moved instead of growing in place";
    EXPECT_EQ(X(0, rows * cols - 1), 1.5);  // the values stay
}

TEST(AddressRoom, SmallMatricesGetNoRoom) {
    Eigen::MatrixXd X;
    EXPECT_FALSE(kohort::allocate_with_room(X, 1000, 10).held());  // 80 kB: from the heap
    EXPECT_EQ(X.rows(), 1000);
    EXPECT_EQ(X.cols(), 10);
}
#endif
