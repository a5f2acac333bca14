// How factor levels and strata values print in term labels ("sex=2", "inst=3", "region=Sjælland").
#pragma once
#include <cstdint>
#include <string>

namespace kohort {

// A double as R's as.character() prints it (R 4.2): at most 15 significant digits, fixed notation
// unless scientific is narrower (R's formatReal rule with scipen = 0), so 1 prints as "1", 2.5 as
// "2.5", 0.0001 as "1e-04" and 100000 as "1e+05".
std::string format_r_number(double value);

// Days since 1970-01-01 as ISO "YYYY-MM-DD" (as R prints a Date).
std::string format_iso_date(std::int32_t days);

}  // namespace kohort
