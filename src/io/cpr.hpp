// Danish CPR numbers (personnummer): shape and plausibility checks, canonical form.
//
// Accepted: DDMMYY-SSSS or DDMMYYSSSS, digits only apart from that one hyphen. Checked:
//  - the month is 01-12;
//  - the day exists in that month of the birth year, whose century follows from the 7th digit
//    (CPR-kontoret's rule: 0-3 -> 19YY; 4 or 9 -> 20YY if YY <= 36, else 19YY; 5-8 -> 20YY if YY <= 57,
//    else 18YY), so 29 February is accepted only in leap years;
//  - substitute numbers (erstatningspersonnumre) that add 60 to the day are accepted (day 61-91).
// Not checked: the modulus-11 check digit, which CPR-kontoret stopped guaranteeing in 2007.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

namespace kohort::io {

enum class CprCheck { ok, bad_shape, impossible_date };

// Checks `s` and, when valid, writes its ten digits (hyphen removed) to `canonical`.
CprCheck check_cpr(std::string_view s, std::array<char, 10>& canonical);

// The ten digits as a number (0 .. 9'999'999'999), for comparing CPR numbers without keeping text.
std::uint64_t cpr_as_number(const std::array<char, 10>& canonical);

}  // namespace kohort::io
