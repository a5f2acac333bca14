// Job files (jobs/job_file): the INI syntax check, sections, keys, model specs and --set overrides.
// The reader takes a path, so each input is written to a scratch file first.
#include <string>

#include "fuzz_common.hpp"
#include "jobs/job_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string path = kohort::fuzz::scratch_file(".ini");
    kohort::fuzz::write_file(path, data, size);
    kohort::fuzz::expect_clean([&] { (void)kohort::read_job_file(path); });
    return 0;
}
