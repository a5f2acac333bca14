#include "kernels/survival/km_release.hpp"

#include <cmath>

#include "kernels/kernel.hpp"

namespace kohort::survival {

bool releases_exactly(const DisclosurePolicy& p) { return p.min_count <= 0 && p.redact_at < 0 && p.rounding <= 1; }

std::optional<double> release_count(DisclosureLedger& ledger, double count) {
    if (releases_exactly(ledger.policy()) || !std::isfinite(count)) return count;
    const auto r = ledger.release(std::llround(count));
    if (!r) return std::nullopt;
    return static_cast<double>(*r);
}

nlohmann::json release_json(DisclosureLedger& ledger, double count) {
    const auto r = release_count(ledger, count);
    return r ? json_number(*r) : nlohmann::json(nullptr);
}

std::string release_text(DisclosureLedger& ledger, double count) {
    const auto r = release_count(ledger, count);
    if (r) return format_number(*r);
    const auto& p = ledger.policy();
    return p.redact_at >= 0 ? "<=" + std::to_string(p.redact_at) : "<" + std::to_string(p.min_count);
}

}  // namespace kohort::survival
