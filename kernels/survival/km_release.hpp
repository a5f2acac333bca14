// Disclosure control for released survival counts (contract section 7). Under policy "none"
// counts are released exactly (weighted counts stay fractional). Under any other policy a count is
// rounded to an integer and passed through the ledger: below the minimum it is withheld (JSON
// null, CSV "NA", SVG risk table "<min") and counted in results.json's disclosure.suppressed.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "jobs/disclosure.hpp"

namespace kohort::survival {

bool releases_exactly(const DisclosurePolicy& policy);
// The released value, or nullopt when suppressed.
std::optional<double> release_count(DisclosureLedger& ledger, double count);
nlohmann::json release_json(DisclosureLedger& ledger, double count);
std::string release_text(DisclosureLedger& ledger, double count);  // for CSV and the SVG risk table

}  // namespace kohort::survival
