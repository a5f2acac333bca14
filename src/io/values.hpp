// Parsing of single CSV field values into the store's types, without allocating.
// The rules are documented in docs/import.md ("Values and types").
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace kohort::io {

// Empty fields and NA (as R's write.csv writes a missing value) are missing for every type.
inline bool is_missing_token(std::string_view s) { return s.empty() || s == "NA"; }

// TRUE/FALSE/true/false (R writes TRUE/FALSE). Returns 1, 0, or -1 when not a bool.
int parse_bool(std::string_view s);

// Decimal integer with optional leading '-'. Leading zeros ("007") are refused so that codes such
// as municipality numbers stay text and keep their zeros. INT64_MIN is the missing sentinel and
// therefore not a value.
// With allow_leading_zeros (a schema that forces the type), "007" reads as 7.
bool parse_int64(std::string_view s, std::int64_t& out, bool allow_leading_zeros = false);

// Decimal number (optional '-', digits, optional fraction with `decimal` as the separator, optional
// exponent), or Inf/-Inf/NaN as R writes them. NaN is stored as missing (the store's double
// sentinel). Leading zeros before further integer digits are refused, as for integers.
bool parse_double(std::string_view s, char decimal, double& out, bool allow_leading_zeros = false);

// What a value looks like, for error messages that must not echo the value itself:
// "an integer", "a decimal number", "a date", "text", ...
std::string describe_value_kind(std::string_view s, char decimal);

}  // namespace kohort::io
