// PLINK .bed reading (io/plink_files): the header/size check closes its file when it refuses one
// (a descriptor leak fuzz_plink found), and the 2-bit calls unpack as the PLINK 1 format defines
// them (https://www.cog-genomics.org/plink/1.9/formats#bed): sample s of a variant row in byte s / 4,
// bits 2 (s mod 4) and 2 (s mod 4) + 1, first sample lowest; 00 hom A1, 01 missing, 10 het, 11 hom A2.
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "io/plink_files.hpp"
#include "test_util.hpp"

namespace kohort::io {
namespace {

using test::error_of;
using test::scratch_dir;
using test::write_file;

int lowest_free_fd() {
    const int fd = ::dup(0);
    if (fd >= 0) ::close(fd);
    return fd;
}

// Each refusal is an InputError naming the file, and leaves no file descriptor open.
TEST(PlinkBed, RefusedHeaderOrSizeClosesTheFile) {
    const auto dir = scratch_dir();
    const struct {
        std::string bytes, expect;
    } cases[] = {
        {std::string("\x6c\x1c\x01\x00", 4), "magic"},
        {std::string("\x6c\x1b\x00\x00", 4), "SNP-major"},
        {std::string("\x6c", 1), "magic"},
        {std::string("\x6c\x1b\x01\x00\x00", 5), "size 5 bytes; expected 4"},
        // The .bed of fuzz_plink's input (tests/fuzz/regressions/plink/fd-leak-bed-size-refused), byte for
        // byte: one sample and one variant want 4 bytes.
        {std::string("\x6c\x1b\x01" "92233" + std::string(12, '\xff') + "\xbf" + std::string(20, '\xff') +
                         "8547758\xff\xff\t3\t0\t0\t0\t\xe4" "2\t2\t2\rA0\t"),
         "expected 4"},
    };
    for (const auto& c : cases) {
        const std::string path = write_file(dir / "d.bed", c.bytes);
        const int before = lowest_free_fd();
        const std::string msg = error_of<InputError>([&] { BedFile bed(path, 1, 1); });
        EXPECT_NE(msg.find(path), std::string::npos) << msg;
        EXPECT_NE(msg.find(c.expect), std::string::npos) << msg;
        EXPECT_EQ(lowest_free_fd(), before) << "a refused .bed left its file open: " << msg;
    }
}

TEST(PlinkBed, ReadCodesUnpacksTwoBitCallsInTheGivenSampleOrder) {
    const auto dir = scratch_dir();
    // 5 samples (2 bytes a row), 3 variants. Row 0: 0xE4 = 11 10 01 00 -> samples 0..3 = 0,1,2,3;
    // 0x02 -> sample 4 = 2. Row 1: 0x1B = 00 01 10 11 -> 3,2,1,0; 0x03 -> 3 (the pad bits 0).
    // Row 2: 0x55 -> all 1 (missing); 0x01 -> 1.
    const std::string bed("\x6c\x1b\x01\xe4\x02\x1b\x03\x55\x01", 9);
    const std::string path = write_file(dir / "d.bed", bed);
    BedFile f(path, 5, 3);
    ASSERT_EQ(f.bytes_per_variant(), 2);
    const std::vector<std::int64_t> order{4, 0, 3, 1, 2};
    std::vector<std::uint8_t> codes;
    f.read_codes(2, order, codes);  // a block of two variants, then one
    EXPECT_EQ(codes, (std::vector<std::uint8_t>{2, 0, 3, 1, 2, /**/ 3, 3, 0, 2, 1}));
    f.read_codes(1, order, codes);
    EXPECT_EQ(codes, (std::vector<std::uint8_t>{1, 1, 1, 1, 1}));
    // Past the last variant: the file has ended.
    const std::string msg = error_of<InputError>([&] { f.read_codes(1, order, codes); });
    EXPECT_NE(msg.find("ended early"), std::string::npos) << msg;
}

}  // namespace
}  // namespace kohort::io
