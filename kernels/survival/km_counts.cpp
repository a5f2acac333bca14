#include "kernels/survival/km_counts.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace kohort::survival {
namespace {

std::vector<double> sorted_unique(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

std::size_t index_of(const std::vector<double>& grid, double t) {
    return static_cast<std::size_t>(std::lower_bound(grid.begin(), grid.end(), t) - grid.begin());
}

StratumCounts empty_on(const std::vector<double>& grid, int n_cat, bool keyed) {
    StratumCounts s;
    s.time = grid;
    const std::size_t n = grid.size();
    s.w.assign(n * n_cat, 0.0);
    s.w2.assign(n * n_cat, 0.0);
    s.rows.assign(n * n_cat, 0.0);
    s.enter_w.assign(n, 0.0);
    s.enter_w2.assign(n, 0.0);
    s.enter_rows.assign(n, 0.0);
    if (keyed) {
        s.key.assign(n * n_cat, 0);
        s.enter_key.assign(n, 0);
    }
    return s;
}

}  // namespace

EventCounts::EventCounts(int n_strata, int n_causes, bool keyed) : n_causes_(n_causes), keyed_(keyed) {
    if (n_strata < 0 || n_causes < 1) throw InternalError("EventCounts: bad dimensions");
    strata_.resize(static_cast<std::size_t>(n_strata));
}

StratumCounts EventCounts::regrid(const StratumCounts& from, const std::vector<double>& grid) const {
    const int nc = n_categories();
    StratumCounts to = empty_on(grid, nc, keyed_);
    for (std::size_t i = 0; i < from.time.size(); ++i) {
        const std::size_t j = index_of(grid, from.time[i]);
        for (int c = 0; c < nc; ++c) {
            to.w[j * nc + c] += from.w[i * nc + c];
            to.w2[j * nc + c] += from.w2[i * nc + c];
            to.rows[j * nc + c] += from.rows[i * nc + c];
        }
        to.enter_w[j] += from.enter_w[i];
        to.enter_w2[j] += from.enter_w2[i];
        to.enter_rows[j] += from.enter_rows[i];
        if (keyed_) {
            for (int c = 0; c < nc; ++c) to.key[j * nc + c] += from.key[i * nc + c];
            to.enter_key[j] += from.enter_key[i];
        }
    }
    return to;
}

void EventCounts::consume(const EventRows& rows) {
    const int nc = n_categories();
    const std::size_t n = rows.stop.size();
    const bool has_start = !rows.start.empty();
    std::vector<std::vector<double>> times(strata_.size());
    for (std::size_t i = 0; i < n; ++i) {
        auto& t = times[static_cast<std::size_t>(rows.stratum[i])];
        t.push_back(rows.stop[i]);
        if (has_start) t.push_back(rows.start[i]);
    }
    if (keyed_ && rows.key.size() != n) throw InternalError("EventCounts::consume: rows without record keys");
    EventCounts local(n_strata(), n_causes_, keyed_);
    for (std::size_t s = 0; s < strata_.size(); ++s)
        local.strata_[s] = empty_on(sorted_unique(std::move(times[s])), nc, keyed_);
    for (std::size_t i = 0; i < n; ++i) {
        StratumCounts& sc = local.strata_[static_cast<std::size_t>(rows.stratum[i])];
        const double w = rows.weight[i];
        const std::size_t j = index_of(sc.time, rows.stop[i]);
        const std::size_t k = j * nc + static_cast<std::size_t>(rows.status[i]);
        sc.w[k] += w;
        sc.w2[k] += w * w;
        sc.rows[k] += 1.0;
        if (keyed_) sc.key[k] += rows.key[i];
        if (has_start) {
            const std::size_t e = index_of(sc.time, rows.start[i]);
            sc.enter_w[e] += w;
            sc.enter_w2[e] += w * w;
            sc.enter_rows[e] += 1.0;
            if (keyed_) sc.enter_key[e] += rows.key[i];
        }
    }
    merge(local);
}

void EventCounts::merge(const EventCounts& other) {
    if (other.n_strata() != n_strata() || other.n_causes_ != n_causes_ || other.keyed_ != keyed_)
        throw InternalError("EventCounts::merge: tables have different strata or causes");
    for (std::size_t s = 0; s < strata_.size(); ++s) {
        std::vector<double> grid = strata_[s].time;
        grid.insert(grid.end(), other.strata_[s].time.begin(), other.strata_[s].time.end());
        grid = sorted_unique(std::move(grid));
        StratumCounts a = regrid(strata_[s], grid);
        const StratumCounts b = regrid(other.strata_[s], grid);
        for (std::size_t i = 0; i < a.w.size(); ++i) {
            a.w[i] += b.w[i];
            a.w2[i] += b.w2[i];
            a.rows[i] += b.rows[i];
        }
        for (std::size_t i = 0; i < a.key.size(); ++i) a.key[i] += b.key[i];
        for (std::size_t i = 0; i < a.enter_key.size(); ++i) a.enter_key[i] += b.enter_key[i];
        for (std::size_t i = 0; i < a.time.size(); ++i) {
            a.enter_w[i] += b.enter_w[i];
            a.enter_w2[i] += b.enter_w2[i];
            a.enter_rows[i] += b.enter_rows[i];
        }
        strata_[s] = std::move(a);
    }
}

void EventCounts::allreduce(const Comm& comm) {
    if (comm.size() == 1) return;
    // 1. One allgatherv of every rank's distinct (stratum, time) pairs gives the global grids.
    std::vector<double> local_times;
    std::vector<std::int32_t> local_strata;
    for (std::size_t s = 0; s < strata_.size(); ++s)
        for (double t : strata_[s].time) {
            local_times.push_back(t);
            local_strata.push_back(static_cast<std::int32_t>(s));
        }
    const std::vector<double> all_times = comm.allgatherv(local_times);
    const std::vector<std::int32_t> all_strata = comm.allgatherv(local_strata);
    std::vector<std::vector<double>> grids(strata_.size());
    for (std::size_t i = 0; i < all_times.size(); ++i)
        grids[static_cast<std::size_t>(all_strata[i])].push_back(all_times[i]);
    // 2. Every rank lays its counts out on the global grids; one allreduce sums them.
    const int nc = n_categories();
    std::vector<double> flat;
    std::vector<std::uint64_t> keys;  // summed modulo 2^64, exactly, in any order
    for (std::size_t s = 0; s < strata_.size(); ++s) {
        grids[s] = sorted_unique(std::move(grids[s]));
        strata_[s] = regrid(strata_[s], grids[s]);
        const StratumCounts& sc = strata_[s];
        flat.insert(flat.end(), sc.w.begin(), sc.w.end());
        flat.insert(flat.end(), sc.w2.begin(), sc.w2.end());
        flat.insert(flat.end(), sc.rows.begin(), sc.rows.end());
        flat.insert(flat.end(), sc.enter_w.begin(), sc.enter_w.end());
        flat.insert(flat.end(), sc.enter_w2.begin(), sc.enter_w2.end());
        flat.insert(flat.end(), sc.enter_rows.begin(), sc.enter_rows.end());
        keys.insert(keys.end(), sc.key.begin(), sc.key.end());
        keys.insert(keys.end(), sc.enter_key.begin(), sc.enter_key.end());
    }
    comm.allreduce(flat);
    if (keyed_) comm.allreduce(keys);
    std::size_t at = 0;
    auto take = [&](std::vector<double>& v) {
        std::copy(flat.begin() + static_cast<std::ptrdiff_t>(at),
                  flat.begin() + static_cast<std::ptrdiff_t>(at + v.size()), v.begin());
        at += v.size();
    };
    for (auto& sc : strata_) {
        take(sc.w);
        take(sc.w2);
        take(sc.rows);
        take(sc.enter_w);
        take(sc.enter_w2);
        take(sc.enter_rows);
    }
    at = 0;
    for (auto& sc : strata_)
        for (auto* v : {&sc.key, &sc.enter_key}) {
            std::copy(keys.begin() + static_cast<std::ptrdiff_t>(at),
                      keys.begin() + static_cast<std::ptrdiff_t>(at + v->size()), v->begin());
            at += v->size();
        }
    (void)nc;
}

}  // namespace kohort::survival
