#include "kernels/survival/finegray_grid.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "kernels/survival/km_counts.hpp"

namespace kohort::survival {

std::size_t FineGrayGrid::index_of(double t) const {
    auto it = std::lower_bound(time.begin(), time.end(), t);
    if (it == time.end() || *it != t) throw InternalError("finegray: time not on the global grid");
    return static_cast<std::size_t>(it - time.begin());
}

std::int64_t FineGrayGrid::last_failure_at_or_before(double t) const {
    return static_cast<std::int64_t>(std::upper_bound(failure_time.begin(), failure_time.end(), t) -
                                     failure_time.begin()) - 1;
}

std::int64_t FineGrayGrid::first_failure_after(double t) const {
    return static_cast<std::int64_t>(std::upper_bound(failure_time.begin(), failure_time.end(), t) -
                                     failure_time.begin());
}

FineGrayGrid build_finegray_grid(const std::vector<double>& time, const std::vector<std::int8_t>& category,
                                 const Comm& comm) {
    // Categories 0 (censored), 1 (cause of interest), 2 (other causes) as a 2-cause count table.
    EventRows rows;
    rows.stop = time;
    rows.stratum.assign(time.size(), 0);
    rows.status.assign(category.begin(), category.end());
    rows.weight.assign(time.size(), 1.0);
    EventCounts counts(1, 2);
    counts.consume(rows);
    counts.allreduce(comm);
    const StratumCounts& sc = counts.stratum(0);

    FineGrayGrid g;
    g.time = sc.time;
    const std::size_t n = g.time.size();
    g.at_risk.assign(n, 0.0);
    g.censored.assign(n, 0.0);
    g.g_weight.assign(n, 1.0);
    double remaining = 0;
    for (std::size_t k = n; k-- > 0;) {
        remaining += sc.rows[k * 3 + 0] + sc.rows[k * 3 + 1] + sc.rows[k * 3 + 2];
        g.at_risk[k] = remaining;
        g.censored[k] = sc.rows[k * 3 + 0];
    }
    // Kaplan-Meier of the censoring times, read just before each time (crr's wt).
    double g_before = 1.0;
    for (std::size_t k = 0; k < n; ++k) {
        const double g_after = g_before * (1.0 - g.censored[k] / g.at_risk[k]);
        g.g_weight[k] = (g.time[k] > 0) ? g_before : g_after;
        g_before = g_after;
        if (sc.rows[k * 3 + 1] > 0) {
            g.failure_index.push_back(static_cast<std::int64_t>(k));
            g.failure_time.push_back(g.time[k]);
            g.failure_count.push_back(sc.rows[k * 3 + 1]);
            g.failure_g.push_back(g.g_weight[k]);
        }
    }
    return g;
}

}  // namespace kohort::survival
