#include "jobs/disclosure.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace kohort {

DisclosurePolicy DisclosurePolicy::named(const std::string& name) {
    DisclosurePolicy p;
    p.name = name;
    if (name == "none") return p;
    if (name == "dst") {
        p.min_count = 3;
        return p;
    }
    if (name == "sds") {
        p.min_count = 5;
        return p;
    }
    if (name == "opensafely") {
        // OpenSAFELY: counts of 7 or fewer are redacted; the rest are rounded to the nearest 5.
        p.redact_at = 7;
        p.min_count = 8;
        p.rounding = 5;
        return p;
    }
    throw UsageError("unknown disclosure policy '" + name + "'; expected one of none, dst, sds, opensafely");
}

bool DisclosurePolicy::is_at_most_as_strict_as(const DisclosurePolicy& other) const {
    return min_count <= other.min_count && rounding <= other.rounding && (!perturb || other.perturb);
}

DisclosurePolicy DisclosurePolicy::strictest(const DisclosurePolicy& a, const DisclosurePolicy& b) {
    DisclosurePolicy p;
    p.min_count = std::max(a.min_count, b.min_count);
    p.redact_at = std::max(a.redact_at, b.redact_at);
    p.rounding = std::max(a.rounding, b.rounding);
    p.perturb = a.perturb || b.perturb;
    if (p.min_count == a.min_count && p.rounding == a.rounding) p.name = a.name;
    else if (p.min_count == b.min_count && p.rounding == b.rounding) p.name = b.name;
    else p.name = a.name + "+" + b.name;
    return p;
}

bool DisclosurePolicy::suppresses(std::int64_t count) const {
    // Zero is not a small cell: it discloses nobody (the usual convention of DST and SDS).
    return count > 0 && count < min_count;
}

std::optional<std::int64_t> DisclosurePolicy::release(std::int64_t count) const {
    if (suppresses(count)) return std::nullopt;
    const std::int64_t b = base();
    if (b <= 1 || count == 0) return count;
    const std::int64_t r = ((count + b / 2) / b) * b;
    return std::max(r, b * ((min_count + b - 1) / b));  // never below the minimum (opensafely 8 -> 10)
}

}  // namespace kohort
