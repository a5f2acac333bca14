#include "kernels/linkage/register_scan.hpp"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>

#include "core/error.hpp"
#include "core/omp_exceptions.hpp"
#include "kernels/linkage/code_match.hpp"
#include "store/prefault.hpp"

namespace kohort::linkage {

void VariableValues::size_for(std::size_t persons) {
    reserve_prefaulted(first, persons);
    first.assign(persons, kMissingDate);
    if (def->value == ValueKind::last) reserve_prefaulted(last, persons), last.assign(persons, kMissingDate);
    if (def->value == ValueKind::count) reserve_prefaulted(count, persons), count.assign(persons, 0);
    if (def->value == ValueKind::sum) reserve_prefaulted(sum, persons), sum.assign(persons, 0.0);
}

void ScanStats::merge(const ScanStats& o) {
    rows += o.rows;
    linked += o.linked;
    min_date = std::min(min_date, o.min_date);
    max_date = std::max(max_date, o.max_date);
    unsorted = unsorted || o.unsorted;
}

RegisterScan::RegisterScan(const std::vector<std::int64_t>& person_pid, const std::vector<std::uint8_t>& active,
                           const std::vector<std::int32_t>& index, std::vector<VariableValues*> vars,
                           std::string range_column)
    : person_pid_(person_pid), active_(active), index_(index), vars_(std::move(vars)),
      range_column_(std::move(range_column)) {
    auto add = [&](const std::string& c) {
        if (std::find(columns_.begin(), columns_.end(), c) == columns_.end()) columns_.push_back(c);
    };
    add("pid");
    add(range_column_);
    for (const VariableValues* v : vars_) {
        add(v->def->date_column);
        add(v->def->code_column);
        if (v->def->value == ValueKind::sum) add(v->def->sum_column);
    }
    // Variables sharing a code column share a mask; 32 variables per mask word.
    for (std::size_t i = 0; i < vars_.size(); ++i) {
        const std::string& col = vars_[i]->def->code_column;
        auto g = std::find_if(groups_.begin(), groups_.end(),
                              [&](const CodeGroup& x) { return x.column == col && x.vars.size() < 32; });
        if (g == groups_.end()) g = groups_.insert(groups_.end(), CodeGroup{col, {}, {}});
        g->vars.push_back(i);
    }
    reset();
}

void RegisterScan::reset() {
    for (VariableValues* v : vars_) v->size_for(person_pid_.size());
    stats_ = ScanStats{};
    last_pid_ = std::numeric_limits<std::int64_t>::min();
}

// The dictionaries are the table's, the same in every block: code lists are matched once.
void RegisterScan::prepare(const Table& block) {
    for (CodeGroup& g : groups_) {
        const Column& codes = block.column(g.column);
        g.mask.assign(codes.dictionary.size(), 0);
        for (std::size_t b = 0; b < g.vars.size(); ++b) {
            VariableValues& v = *vars_[g.vars[b]];
            const std::vector<std::uint8_t> hit = match_dictionary(codes.dictionary, v.def->codes);
            v.matched_codes = static_cast<std::size_t>(std::count(hit.begin(), hit.end(), 1));
            v.dictionary_size = codes.dictionary.size();
            for (std::size_t k = 0; k < hit.size(); ++k)
                if (hit[k]) g.mask[k] |= std::uint32_t{1} << b;
        }
    }
    prepared_ = true;
}

void RegisterScan::feed(const Table& block) {
    if (!prepared_) prepare(block);
    const std::size_t rows = block.rows();
    if (rows == 0) return;
    pid_ = block.column("pid").i64.data();
    range_dates_ = block.column(range_column_).i32.data();
    group_codes_.clear();
    for (const CodeGroup& g : groups_) group_codes_.push_back(block.column(g.column).i32.data());
    var_dates_.clear();
    var_sums_.clear();
    for (const VariableValues* v : vars_) {
        var_dates_.push_back(block.column(v->def->date_column).i32.data());
        var_sums_.push_back(v->def->value == ValueKind::sum ? &block.column(v->def->sum_column) : nullptr);
    }
    if (pid_[0] < last_pid_) stats_.unsorted = true;
    last_pid_ = pid_[rows - 1];

    // Threads over pid-aligned slices: a slice boundary never splits one person's rows.
    const int threads = std::max(1, std::min<int>(omp_get_max_threads(), static_cast<int>(rows / 32768) + 1));
    if (threads == 1) {
        stats_.merge(scan_rows(0, rows));
        return;
    }
    std::vector<std::size_t> cut(static_cast<std::size_t>(threads) + 1, rows);
    cut[0] = 0;
    for (int t = 1; t < threads; ++t) {
        std::size_t c = rows * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads);
        while (c > 0 && c < rows && pid_[c] == pid_[c - 1]) ++c;
        cut[static_cast<std::size_t>(t)] = std::max(c, cut[static_cast<std::size_t>(t) - 1]);
    }
    std::vector<ScanStats> part(static_cast<std::size_t>(threads));
    OmpExceptions errors;  // scan_rows allocates its result: kept in the region (core/omp_exceptions.hpp)
#pragma omp parallel for schedule(static, 1) num_threads(threads)
    for (int t = 0; t < threads; ++t)
        errors.run([&] {
            part[static_cast<std::size_t>(t)] =
                scan_rows(cut[static_cast<std::size_t>(t)], cut[static_cast<std::size_t>(t) + 1]);
        });
    errors.rethrow();
    for (const ScanStats& s : part) stats_.merge(s);
}

ScanStats RegisterScan::scan_rows(std::size_t lo, std::size_t hi) const {
    ScanStats s;
    if (lo >= hi) return s;
    // Data range: a separate, branch-free pass over the date column (missing dates are the int32
    // minimum, so they never raise the maximum and are lifted out of the minimum).
    {
        std::int32_t mn = std::numeric_limits<std::int32_t>::max(), mx = std::numeric_limits<std::int32_t>::min();
        const std::int32_t* dates = range_dates_;
#pragma omp simd reduction(min : mn) reduction(max : mx)
        for (std::size_t r = lo; r < hi; ++r) {
            const std::int32_t d = dates[r];
            mn = std::min(mn, d == kMissingDate ? std::numeric_limits<std::int32_t>::max() : d);
            mx = std::max(mx, d);
        }
        s.min_date = mn;
        s.max_date = mx;
    }
    s.rows = static_cast<std::int64_t>(hi - lo);

    // Per variable, everything the row loop touches, in one place: its date column, its output
    // arrays, and its window as a closed range of dates for the current person (a calendar range
    // intersected with the window relative to the person's index date, exact in int64).
    struct Plan {
        const std::int32_t* dates;
        std::int32_t* first;
        VariableValues* values;
        std::int64_t lo, hi;
        bool simple;  // any or first: only `first` changes
    };
    const std::size_t nv = vars_.size();
    std::vector<Plan> plan(nv);
    for (std::size_t vi = 0; vi < nv; ++vi) {
        VariableValues& v = *vars_[vi];
        plan[vi] = {var_dates_[vi], v.first.data(), &v, 0, 0,
                    v.def->value == ValueKind::any || v.def->value == ValueKind::first};
    }
    // A date d of row q for person p, already known to match the variable's codes.
    auto take = [&](Plan& v, std::size_t p, std::size_t q, std::int32_t d) {
        if ((d == kMissingDate) | (d < v.lo) | (d > v.hi)) return;
        const std::int32_t f = v.first[p];
        v.first[p] = (f == kMissingDate || d < f) ? d : f;
        if (v.simple) return;
        VariableValues& x = *v.values;
        switch (x.def->value) {
            case ValueKind::last: x.last[p] = std::max(x.last[p], d); break;  // missing is the minimum
            case ValueKind::count: ++x.count[p]; break;
            case ValueKind::sum: {
                const double y = var_sums_[static_cast<std::size_t>(&v - plan.data())]->as_double(q);
                if (!std::isnan(y)) x.sum[p] += y;
                break;
            }
            default: break;
        }
    };

    const std::int64_t* pid = pid_;
    const std::int64_t* person = person_pid_.data();
    const std::size_t n = person_pid_.size();
    std::size_t p = static_cast<std::size_t>(std::lower_bound(person, person + n, pid[lo]) - person);
    const std::size_t groups = groups_.size();
    // With one code column (the usual case) the rows of a person are found and matched in one pass.
    const std::int32_t* codes0 = group_codes_[0];
    const std::uint32_t* mask0 = groups_[0].mask.data();
    const auto dict0 = static_cast<std::uint32_t>(groups_[0].mask.size());
    const std::size_t* bits0 = groups_[0].vars.data();
    std::size_t r = lo;
    std::int64_t prev = std::numeric_limits<std::int64_t>::min();
    while (r < hi) {
        const std::int64_t cur = pid[r];
        if (cur < prev) s.unsorted = true;
        prev = cur;
        while (p < n && person[p] < cur) ++p;
        if (p == n) break;  // the remaining rows belong to no person of this rank
        const bool linked = person[p] == cur;
        if (!linked || !active_[p]) {
            const std::size_t r0 = r;
            while (r < hi && pid[r] == cur) ++r;
            if (linked) s.linked += static_cast<std::int64_t>(r - r0);
            continue;
        }
        const std::int64_t idx = index_[p];
        for (Plan& v : plan) {
            const VariableDef& def = *v.values->def;
            v.lo = def.between_from;
            v.hi = def.between_to;
            if (v.values->window_relative) {
                v.lo = std::max(v.lo, idx + def.from);
                v.hi = std::min(v.hi, idx + def.to);
            }
        }
        const std::size_t r0 = r;
        if (groups == 1) {
            for (; r < hi && pid[r] == cur; ++r) {
                // A missing code (-1) wraps to a large unsigned value and fails the bound check.
                const auto code = static_cast<std::uint32_t>(codes0[r]);
                if (code >= dict0) continue;
                for (std::uint32_t m = mask0[code]; m; m &= m - 1) {
                    Plan& v = plan[bits0[std::countr_zero(m)]];
                    take(v, p, r, v.dates[r]);
                }
            }
        } else {
            while (r < hi && pid[r] == cur) ++r;
            for (std::size_t gi = 0; gi < groups; ++gi) {
                const CodeGroup& g = groups_[gi];
                const std::int32_t* codes = group_codes_[gi];
                const auto dict = static_cast<std::uint32_t>(g.mask.size());
                for (std::size_t q = r0; q < r; ++q) {
                    const auto code = static_cast<std::uint32_t>(codes[q]);
                    if (code >= dict) continue;
                    for (std::uint32_t m = g.mask[code]; m; m &= m - 1) {
                        Plan& v = plan[g.vars[static_cast<std::size_t>(std::countr_zero(m))]];
                        take(v, p, q, v.dates[q]);
                    }
                }
            }
        }
        s.linked += static_cast<std::int64_t>(r - r0);
    }
    return s;
}

}  // namespace kohort::linkage
