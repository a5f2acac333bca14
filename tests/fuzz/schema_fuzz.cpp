// Import schema files (io/schema): column types, CPR and categorical declarations.
#include <string>

#include "fuzz_common.hpp"
#include "io/schema.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    kohort::fuzz::expect_clean([&] { (void)kohort::io::parse_schema("fuzz.schema", text); });
    return 0;
}
