// AddressRoom (store/address_room.hpp): what it holds, how it moves and copies, and the property the
// Cox set-up relies on: a matrix allocated just after a room lies right below it and, once the room
// is given back, grows in place through the same calls distribute_by_time makes.
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

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizedAllocator = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitizedAllocator = true;
#else
constexpr bool kSanitizedAllocator = false;
#endif
#else
constexpr bool kSanitizedAllocator = false;
#endif

// Whether the page at p (page-aligned) is mapped, accessible or not: mincore fails with ENOMEM on
// an address no mapping covers.
bool mapped(const void* p) {
    unsigned char in_core = 0;
    return mincore(const_cast<void*>(p), 1, &in_core) == 0;
}

}  // namespace

TEST(AddressRoom, HoldsAddressSpaceUntilReleased) {
    AddressRoom room(64 * kMiB);
    ASSERT_TRUE(room.held());
    AddressRoom moved(std::move(room));
    EXPECT_FALSE(room.held());  // NOLINT(bugprone-use-after-move): a moved-from room holds nothing
    EXPECT_TRUE(moved.held());
    moved.release();
    EXPECT_FALSE(moved.held());
    moved.release();  // a second release does nothing
    EXPECT_FALSE(moved.held());
}

TEST(AddressRoom, SmallBlocksGetNoRoomAndCopiesHoldNone) {
    EXPECT_FALSE(AddressRoom(1 * kMiB).held());  // below 2 MiB: blocks come from the heap
    const AddressRoom room(8 * kMiB);
    ASSERT_TRUE(room.held());
    const AddressRoom copy(room);  // NOLINT(performance-unnecessary-copy-initialization)
    EXPECT_FALSE(copy.held());
    EXPECT_TRUE(room.held());
    AddressRoom assigned(8 * kMiB);
    assigned = room;
    EXPECT_FALSE(assigned.held());
}

TEST(AddressRoom, AMatrixAllocatedAfterItGrowsInPlace) {
    if (kSanitizedAllocator) GTEST_SKIP() << "a sanitizer's allocator places blocks its own way";
    const Eigen::Index rows = 1'000'000, cols = 10;  // 80 MB: a mapping of its own in glibc
    const std::size_t bytes = static_cast<std::size_t>(rows * cols) * sizeof(double);
    AddressRoom room(bytes);
    Eigen::MatrixXd X(rows, cols);
    X.setConstant(1.5);
    ASSERT_TRUE(room.lies_above(X.data(), bytes)) << "the matrix did not land right below its room";
    // Three pages past the block's end lie inside the room: held (mapped, though inaccessible) until
    // released, and free address space after.
    const auto probe = reinterpret_cast<const void*>((reinterpret_cast<std::uintptr_t>(X.data() + X.size()) + 3 * 4096) & ~std::uintptr_t{4095});
    EXPECT_TRUE(mapped(probe));
    room.release();
    EXPECT_FALSE(mapped(probe));

    // distribute_by_time's resize_storage: view the storage as one row and lengthen it.
    const double* before = X.data();
    const Eigen::Index growth = rows / 10 * cols;
    X.resize(1, X.size());
    X.conservativeResize(1, X.size() + growth);
    EXPECT_EQ(X.data(), before) << "the block moved instead of growing in place";
    EXPECT_EQ(X(0, rows * cols - 1), 1.5);  // the values stay
}
