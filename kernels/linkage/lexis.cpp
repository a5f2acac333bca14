#include "kernels/linkage/lexis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/error.hpp"
#include "io/date.hpp"
#include "kernels/linkage/cohort_builder.hpp"

namespace kohort::linkage {

namespace {

constexpr double kDaysPerYear = 365.25;

std::string number(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", x);
    return buf;
}

// Band k covers [breaks[k-1], breaks[k]); band 0 is below the first break and band size() at or
// above the last one.
struct Bands {
    std::vector<double> breaks;
    std::vector<std::string> labels;  // breaks.size() + 1 labels
    std::size_t band(double x) const {
        return static_cast<std::size_t>(std::upper_bound(breaks.begin(), breaks.end(), x) - breaks.begin());
    }
};

Bands age_bands(const LexisDef& def, double lo, double hi) {
    Bands b;
    if (!def.age_breaks.empty()) {
        b.breaks = def.age_breaks;
    } else if (def.age_width > 0) {
        for (double a = std::floor(lo / def.age_width) * def.age_width; a <= hi + def.age_width; a += def.age_width)
            b.breaks.push_back(a);
    }
    b.labels.push_back(b.breaks.empty() ? "all" : "<" + number(b.breaks.front()));
    for (std::size_t k = 0; k + 1 < b.breaks.size(); ++k)
        b.labels.push_back(number(b.breaks[k]) + "-" + number(b.breaks[k + 1]));
    if (!b.breaks.empty()) b.labels.push_back(number(b.breaks.back()) + "+");
    return b;
}

Bands period_bands(const LexisDef& def, std::int32_t lo, std::int32_t hi) {
    Bands b;
    std::vector<std::int32_t> days = def.period_breaks;
    if (days.empty() && def.period_width > 0) {
        const int w = static_cast<int>(def.period_width);
        const int y0 = year_of(lo), y1 = year_of(hi);
        const int first = y0 - ((y0 % w) + w) % w;
        for (int y = first; y <= y1 + w; y += w) days.push_back(static_cast<std::int32_t>(io::days_from_civil(y, 1, 1)));
    }
    for (auto d : days) b.breaks.push_back(d);
    b.labels.push_back(days.empty() ? "all" : "<" + std::to_string(year_of(days.front())));
    for (std::size_t k = 0; k + 1 < days.size(); ++k) {
        const int a = year_of(days[k]), z = year_of(days[k + 1] - 1);
        b.labels.push_back(a == z ? std::to_string(a) : std::to_string(a) + "-" + std::to_string(z));
    }
    if (!days.empty()) b.labels.push_back(std::to_string(year_of(days.back())) + "+");
    return b;
}

}  // namespace

Table lexis_split(const Table& cohort, const LexisDef& def, const Comm& comm) {
    static const std::set<std::string> follow_up = {"pid", "index_date", "exit_date", "time", "status", "event",
                                                    "competing", "period"};
    const bool by_age = def.age_width > 0 || !def.age_breaks.empty();
    if (by_age && !cohort.find("age"))
        throw UsageError(def.where + ": splitting by age needs the cohort's age at index; add age to covariates of [cohort." +
                         def.cohort + "]");
    const auto& idx = cohort.column("index_date").i32;
    const auto& exit = cohort.column("exit_date").i32;
    const auto& status = cohort.column("status").i64;
    const Column* age_col = cohort.find("age");
    const std::size_t n = cohort.rows();

    // Ranges on all ranks, so every rank labels the bands the same way.
    double age_lo = INFINITY, age_hi = -INFINITY;
    std::int32_t day_lo = std::numeric_limits<std::int32_t>::max(), day_hi = std::numeric_limits<std::int32_t>::min();
    for (std::size_t i = 0; i < n; ++i) {
        if (age_col) {
            age_lo = std::min(age_lo, age_col->f64[i]);
            age_hi = std::max(age_hi, age_col->f64[i] + (exit[i] - idx[i]) / kDaysPerYear);
        }
        day_lo = std::min(day_lo, idx[i]);
        day_hi = std::max(day_hi, exit[i]);
    }
    age_lo = comm.allreduce(age_lo, ReduceOp::min);
    age_hi = comm.allreduce(age_hi, ReduceOp::max);
    day_lo = comm.allreduce(day_lo, ReduceOp::min);
    day_hi = comm.allreduce(day_hi, ReduceOp::max);
    const Bands ages = by_age ? age_bands(def, age_lo, age_hi) : Bands{{}, {"all"}};
    const Bands periods = period_bands(def, day_lo, day_hi);

    // Pieces per person: cut days are fractional (an age boundary falls within a day).
    std::vector<std::size_t> src;       // cohort row of each piece
    std::vector<std::int32_t> age_code, period_code;
    std::vector<double> age_mid, pyrs;
    std::vector<std::int64_t> events, competing;
    std::vector<double> cuts;
    for (std::size_t i = 0; i < n; ++i) {
        const double start = idx[i], stop = exit[i];
        const double birth = age_col ? start - age_col->f64[i] * kDaysPerYear : 0;
        cuts.assign({start, stop});
        if (by_age)
            for (double a : ages.breaks) {
                const double d = birth + a * kDaysPerYear;
                if (d > start && d < stop) cuts.push_back(d);
            }
        for (double d : periods.breaks)
            if (d > start && d < stop) cuts.push_back(d);
        std::sort(cuts.begin(), cuts.end());
        for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
            const double a = cuts[k], b = cuts[k + 1];
            if (b <= a) continue;
            const double mid = 0.5 * (a + b);
            src.push_back(i);
            const double attained = by_age ? (mid - birth) / kDaysPerYear : std::nan("");
            age_mid.push_back(age_col ? (mid - birth) / kDaysPerYear : std::nan(""));
            age_code.push_back(static_cast<std::int32_t>(by_age ? ages.band(attained) : 0));
            period_code.push_back(static_cast<std::int32_t>(periods.breaks.empty() ? 0 : periods.band(mid)));
            pyrs.push_back((b - a) / kDaysPerYear);
            const bool last = k + 2 == cuts.size();
            events.push_back(last && status[i] == 1);
            competing.push_back(last && status[i] == 2);
        }
    }

    Table out;
    out.name = def.name;
    out.partitioned_by_pid = cohort.partitioned_by_pid;
    for (const auto& c : cohort.columns) {
        if (follow_up.count(c.name) && c.name != "pid") continue;
        Column nc(c.name, c.type);
        nc.dictionary = c.dictionary;
        nc.reserve(src.size());
        for (std::size_t r : src) nc.append_from(c, r);
        out.add(std::move(nc));
    }
    Column ab("age_band", ColumnType::Categorical), pb("period", ColumnType::Categorical);
    ab.dictionary = ages.labels;
    ab.i32 = std::move(age_code);
    pb.dictionary = periods.labels;
    pb.i32 = std::move(period_code);
    Column am("age_mid", ColumnType::Double), py("pyrs", ColumnType::Double), ev("events", ColumnType::Int64),
        cp("competing", ColumnType::Int64);
    am.f64 = std::move(age_mid);
    py.f64 = std::move(pyrs);
    ev.i64 = std::move(events);
    cp.i64 = std::move(competing);
    for (Column* c : {&ab, &pb, &am, &py, &ev, &cp}) out.add(std::move(*c));
    return out;
}

}  // namespace kohort::linkage
