// Model formulas (formula/formula): tokens, nesting, ^, *, :, specials, and the limits.
#include <string>

#include "formula/formula.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    kohort::fuzz::expect_clean([&] {
        const kohort::Formula f = kohort::parse_formula(text);
        (void)f.columns();
        for (const auto& t : f.terms) (void)kohort::term_label(t);
    });
    return 0;
}
