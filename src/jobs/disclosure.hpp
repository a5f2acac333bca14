// Disclosure policy (contract section 7): which counts are withheld and how the rest are rounded.
// The job-wide release layer that applies it is jobs/release.hpp.
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
    // Cell key perturbation of every released count (issue 16, jobs/cell_key.hpp): the noise
    // replaces rounding; min_count applies to the perturbed count.
    bool perturb = false;

    // The base released counts are rounded to: `rounding`, or the minimum count where the policy
    // sets no rounding of its own (dst: 3, sds: 5), so that no difference of released counts is
    // exact (docs/governance.md). 1 under `none`.
    std::int64_t base() const { return rounding > 1 ? rounding : (min_count > 1 ? min_count : 1); }
    // The base for the counts behind a curve: the smallest multiple of base() that is at least
    // the minimum (opensafely: 10), since every step of a curve is itself a count of persons and
    // so must be 0 or at least k.
    std::int64_t curve_base() const {
        const std::int64_t b = base();
        return min_count > b ? b * ((min_count + b - 1) / b) : b;
    }

    static DisclosurePolicy named(const std::string& name);  // throws UsageError on unknown names
    // True when `other` suppresses at least as much as this in every respect.
    bool is_at_most_as_strict_as(const DisclosurePolicy& other) const;
    // Of two policies, the stricter in each respect.
    static DisclosurePolicy strictest(const DisclosurePolicy& a, const DisclosurePolicy& b);

    bool suppresses(std::int64_t count) const;
    // The count as released: nullopt if suppressed, else rounded to the nearest multiple of base()
    // (half up). A count of at least the minimum never rounds below it.
    std::optional<std::int64_t> release(std::int64_t count) const;
};

}  // namespace kohort
