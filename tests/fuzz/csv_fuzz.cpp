// CSV reader (io/csv_reader) and the per-column value parser that import runs on its fields
// (io/column_builder): delimiter detection, quoting, line ends, type inference, dates, decimals.
#include <optional>
#include <string_view>

#include "fuzz_common.hpp"
#include "io/column_builder.hpp"
#include "io/csv_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    kohort::fuzz::expect_clean([&] {
        kohort::io::CsvOptions options;  // delimiter detected from the header line, as import does
        kohort::io::CsvData csv = kohort::io::parse_csv("fuzz.csv", bytes, options);
        for (std::size_t j = 0; j < csv.header.size() && j < 8; ++j) {
            (void)kohort::io::build_column(csv.header[j], csv.columns[j], std::nullopt, '.');
            (void)kohort::io::build_column(csv.header[j], csv.columns[j], std::nullopt, ',');
        }
    });
    return 0;
}
