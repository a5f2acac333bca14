// Disclosure control (contract section 7): small cells are suppressed before results leave.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace kohort {

struct DisclosurePolicy {
    std::string name = "none";   // none | dst | sds | opensafely | custom
    std::int64_t min_count = 0;  // counts below this (opensafely: at or below redact_at) are suppressed
    std::int64_t redact_at = -1; // opensafely: counts <= 7 redacted; -1 when not used
    std::int64_t rounding = 1;   // round released counts to a multiple of this (opensafely: 5)

    static DisclosurePolicy named(const std::string& name);  // throws UsageError on unknown names
    // True when `other` suppresses at least as much as this in every respect.
    bool is_at_most_as_strict_as(const DisclosurePolicy& other) const;
    // Of two policies, the stricter in each respect.
    static DisclosurePolicy strictest(const DisclosurePolicy& a, const DisclosurePolicy& b);

    bool suppresses(std::int64_t count) const;
    // The count as released: nullopt if suppressed, else rounded to `rounding`.
    std::optional<std::int64_t> release(std::int64_t count) const;
};

// Counts what a job suppressed, for results.json's "disclosure" block.
class DisclosureLedger {
public:
    explicit DisclosureLedger(DisclosurePolicy policy) : policy_(std::move(policy)) {}
    const DisclosurePolicy& policy() const { return policy_; }
    // Releases a count, recording a suppression when it is withheld.
    std::optional<std::int64_t> release(std::int64_t count) {
        auto r = policy_.release(count);
        if (!r) ++suppressed_;
        return r;
    }
    // The count as results.json shows it: the released number, or null when suppressed.
    nlohmann::json release_json(std::int64_t count) {
        auto r = release(count);
        return r ? nlohmann::json(*r) : nlohmann::json(nullptr);
    }
    // Regression models are released only when their rows and events are releasable counts. When
    // not, records one suppression, fills `result` with the withheld shape and returns true.
    bool withhold_model(std::int64_t n, std::int64_t events, nlohmann::json& result) {
        if (!policy_.suppresses(n) && !policy_.suppresses(events)) return false;
        note_suppressed(1);
        result["suppressed"] = true;
        result["reason"] = "fewer rows or events than the disclosure policy's minimum count (" +
                           std::to_string(policy_.min_count) + ")";
        result["n"] = nullptr;
        result["events"] = nullptr;
        result["coefficients"] = nlohmann::json::array();
        return true;
    }
    void note_suppressed(std::int64_t n = 1) { suppressed_ += n; }
    std::int64_t suppressed() const { return suppressed_; }

private:
    DisclosurePolicy policy_;
    std::int64_t suppressed_ = 0;
};

}  // namespace kohort
