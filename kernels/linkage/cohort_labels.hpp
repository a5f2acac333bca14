// What a derived cohort table's columns mean, for the kernels that plot it: the unit of `time` and
// the names of the outcome and competing events behind status 1 and 2 (so a CIF plot says "mi" and
// "death", not "cause 1" and "cause 2"). Set by the [cohort.NAME] section, read by km and cif.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace kohort::linkage {

struct CohortLabels {
    std::string time_unit;                  // "years" | "days"
    std::vector<std::string> cause_names;   // status k is cause_names[k - 1]
};

void set_cohort_labels(const std::string& table, CohortLabels labels);
std::optional<CohortLabels> cohort_labels(const std::string& table);

}  // namespace kohort::linkage
