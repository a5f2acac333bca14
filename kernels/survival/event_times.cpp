#include "kernels/survival/event_times.hpp"

#include <algorithm>
#include <utility>

namespace kohort {

EventTimeIndex EventTimeIndex::from_pairs(int n_strata, const std::vector<std::int32_t>& strata,
                                          const std::vector<double>& times) {
    std::vector<std::pair<std::int32_t, double>> pairs(strata.size());
    for (std::size_t i = 0; i < strata.size(); ++i) pairs[i] = {strata[i], times[i]};
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());

    EventTimeIndex index;
    index.times_.reserve(pairs.size());
    index.stratum_.reserve(pairs.size());
    index.begin_.assign(static_cast<std::size_t>(n_strata) + 1, 0);
    for (const auto& [s, t] : pairs) {
        index.times_.push_back(t);
        index.stratum_.push_back(s);
        ++index.begin_[static_cast<std::size_t>(s) + 1];
    }
    for (std::size_t s = 1; s < index.begin_.size(); ++s) index.begin_[s] += index.begin_[s - 1];
    return index;
}

EventTimeIndex EventTimeIndex::gather(const Comm& comm, int n_strata, const std::int32_t* strata,
                                      const double* stop, const std::int32_t* status, std::size_t n) {
    // Local distinct pairs first, so each rank sends each of its event times once.
    std::vector<std::pair<std::int32_t, double>> local;
    for (std::size_t i = 0; i < n; ++i)
        if (status[i] != 0) local.emplace_back(strata[i], stop[i]);
    std::sort(local.begin(), local.end());
    local.erase(std::unique(local.begin(), local.end()), local.end());

    std::vector<std::int32_t> s(local.size());
    std::vector<double> t(local.size());
    for (std::size_t i = 0; i < local.size(); ++i) {
        s[i] = local[i].first;
        t[i] = local[i].second;
    }
    return from_pairs(n_strata, comm.allgatherv(s), comm.allgatherv(t));
}

std::int64_t EventTimeIndex::last_at_or_before(int stratum, double t) const {
    auto first = times_.begin() + begin(stratum);
    auto last = times_.begin() + end(stratum);
    auto it = std::upper_bound(first, last, t);
    return (it == first) ? -1 : static_cast<std::int64_t>(it - times_.begin()) - 1;
}

std::int64_t EventTimeIndex::first_after(int stratum, double t) const {
    auto first = times_.begin() + begin(stratum);
    auto last = times_.begin() + end(stratum);
    return static_cast<std::int64_t>(std::upper_bound(first, last, t) - times_.begin());
}

std::int64_t EventTimeIndex::find(int stratum, double t) const {
    std::int64_t b = last_at_or_before(stratum, t);
    return (b >= 0 && times_[static_cast<std::size_t>(b)] == t) ? b : -1;
}

}  // namespace kohort
