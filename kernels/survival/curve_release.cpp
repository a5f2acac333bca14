#include "kernels/survival/curve_release.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace kohort::survival {
namespace {

// Nearest multiple of base, halves up: the rounding of every released count (DisclosurePolicy).
double round_to(double x, std::int64_t base) {
    if (base <= 1) return x;
    const double b = static_cast<double>(base);
    return std::floor(x / b + 0.5) * b;
}

// Per grid point g, the sums to coarsen: exits per category (rows, w) and entries (rows, w).
struct Bin {
    std::vector<double> rows, w;
    double enter_rows = 0, enter_w = 0;
    std::vector<cellkey::Key> key;  // per category: the rows' record keys (perturbation only)
    cellkey::Key enter_key = 0;
};

// One cumulative count as released: rounded to `base`, or (perturbation) count + noise by its
// cell key, never below the previous released value so that the per-bin differences stay >= 0.
struct Cumulative {
    double rows = 0, w = 0;          // exact running sums
    cellkey::Key key = 0;            // running cell key
    double last_rows = 0, last_w = 0;  // released running sums
    // Adds a bin; returns the released increments (rows, w).
    std::pair<double, double> add(double r, double w_, cellkey::Key k, std::int64_t base,
                                  const cellkey::PerturbationTable* table) {
        rows += r;
        w += w_;
        key += k;
        double rr, rw;
        if (table) {
            const auto p = static_cast<double>(table->perturb(std::llround(rows), key));
            rr = std::max(last_rows, p);
            rw = std::max(last_w, w + (rr - rows));  // the weighted sum moves by the same noise
        } else {
            rr = round_to(rows, base);
            rw = round_to(w, base);
        }
        const std::pair<double, double> step{rr - last_rows, rw - last_w};
        last_rows = rr;
        last_w = rw;
        return step;
    }
};

}  // namespace

double curve_bin_width(double max_time) {
    if (!(max_time > 0) || !std::isfinite(max_time)) return 1.0;
    const double raw = max_time / 100.0;
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * p >= raw) return m * p;
    return 10.0 * p;
}

StratumCounts coarsen_counts(const StratumCounts& sc, int nc, double width, std::int64_t base,
                             const cellkey::PerturbationTable* table) {
    const bool keyed = table != nullptr;
    std::map<std::int64_t, Bin> bins;  // by grid index: time = index * width
    auto bin = [&](std::int64_t g) -> Bin& {
        Bin& b = bins[g];
        if (b.rows.empty()) b.rows.assign(nc, 0.0), b.w.assign(nc, 0.0), b.key.assign(nc, 0);
        return b;
    };
    const bool has_entries = !sc.enter_rows.empty();
    for (std::size_t j = 0; j < sc.size(); ++j) {
        const double t = sc.time[j];
        bool any = false;
        for (int c = 0; c < nc; ++c) any = any || sc.rows[j * nc + c] > 0;
        if (any) {
            Bin& b = bin(static_cast<std::int64_t>(std::ceil(t / width)));
            for (int c = 0; c < nc; ++c) {
                b.rows[c] += sc.rows[j * nc + c];
                b.w[c] += sc.w[j * nc + c];
                if (keyed) b.key[c] += sc.key[j * nc + c];
            }
        }
        if (has_entries && sc.enter_rows[j] > 0) {
            Bin& b = bin(static_cast<std::int64_t>(std::floor(t / width)));
            b.enter_rows += sc.enter_rows[j];
            b.enter_w += sc.enter_w[j];
            if (keyed) b.enter_key += sc.enter_key[j];
        }
    }
    // Cumulative sums, rounded (or perturbed), differenced.
    StratumCounts out;
    std::vector<Cumulative> cum(static_cast<std::size_t>(nc));
    Cumulative enter;
    for (const auto& [g, b] : bins) {
        std::vector<double> rows(nc), w(nc);
        bool any = false;
        for (int c = 0; c < nc; ++c) {
            std::tie(rows[c], w[c]) = cum[static_cast<std::size_t>(c)].add(b.rows[c], b.w[c], b.key[c], base, table);
            any = any || rows[c] != 0 || w[c] != 0;
        }
        const auto [er, ew] = enter.add(b.enter_rows, b.enter_w, b.enter_key, base, table);
        if (!any && er == 0 && ew == 0) continue;
        out.time.push_back(static_cast<double>(g) * width);
        out.rows.insert(out.rows.end(), rows.begin(), rows.end());
        out.w.insert(out.w.end(), w.begin(), w.end());
        out.w2.insert(out.w2.end(), w.begin(), w.end());
        if (has_entries) {
            out.enter_rows.push_back(er);
            out.enter_w.push_back(ew);
            out.enter_w2.push_back(ew);
        }
    }
    return out;
}

double max_step_difference(const std::vector<double>& ta, const std::vector<double>& va, const std::vector<double>& tb,
                           const std::vector<double>& vb, double start) {
    double a = start, b = start, worst = 0.0;
    std::size_t i = 0, j = 0;
    while (i < ta.size() || j < tb.size()) {
        const double t = std::min(i < ta.size() ? ta[i] : INFINITY, j < tb.size() ? tb[j] : INFINITY);
        while (i < ta.size() && ta[i] == t) a = va[i++];
        while (j < tb.size() && tb[j] == t) b = vb[j++];
        if (std::isfinite(a) && std::isfinite(b)) worst = std::max(worst, std::fabs(a - b));
    }
    return worst;
}

}  // namespace kohort::survival
