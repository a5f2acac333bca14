// Small tables with every column type and missing values, shared by the store tests.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "store/table.hpp"

namespace kohort::testing {

// A table of every column type; row i is missing in column k when (i + k) % 5 == 0.
inline Table every_type_table(const std::string& name, std::size_t rows) {
    Table t;
    t.name = name;
    Column i64("count", ColumnType::Int64), f64("dose", ColumnType::Double), b("smoker", ColumnType::Bool),
        d("visit", ColumnType::Date), cat("region", ColumnType::Categorical);
    cat.dictionary = {"Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland"};
    for (std::size_t i = 0; i < rows; ++i) {
        const auto k = static_cast<std::int64_t>(i);
        i64.i64.push_back((i + 0) % 5 == 0 ? kMissingInt64 : k * 1000003 - 7);
        f64.f64.push_back((i + 1) % 5 == 0 ? std::nan("") : 0.25 * k - 3.5);
        b.i8.push_back((i + 2) % 5 == 0 ? kMissingBool : static_cast<std::int8_t>(i % 2));
        d.i32.push_back((i + 3) % 5 == 0 ? kMissingDate : static_cast<std::int32_t>(9000 + i));
        cat.i32.push_back((i + 4) % 5 == 0 ? kMissingCode : static_cast<std::int32_t>(i % 5));
    }
    for (auto* c : {&i64, &f64, &b, &d, &cat}) t.add(std::move(*c));
    return t;
}

// Value equality where missing equals missing (NaN included).
inline bool same_values(const Column& a, const Column& b) {
    if (a.type != b.type || a.size() != b.size() || a.dictionary != b.dictionary) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a.missing(i) != b.missing(i)) return false;
        if (!a.missing(i) && a.as_double(i) != b.as_double(i)) return false;
    }
    // as_double loses int64 precision beyond 2^53; compare the raw buffer too.
    return a.i64 == b.i64;
}

// A pid that lands in `bucket` (top kBucketBits bits of a 63-bit value), plus a low-order offset.
inline std::int64_t pid_in_bucket(std::int64_t bucket, std::int64_t low, int bucket_bits) {
    return (bucket << (63 - bucket_bits)) | low;
}

}  // namespace kohort::testing
