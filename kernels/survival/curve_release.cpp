#include "kernels/survival/curve_release.hpp"

#include <algorithm>
#include <cmath>
#include <map>

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

StratumCounts coarsen_counts(const StratumCounts& sc, int nc, double width, std::int64_t base) {
    std::map<std::int64_t, Bin> bins;  // by grid index: time = index * width
    auto bin = [&](std::int64_t g) -> Bin& {
        Bin& b = bins[g];
        if (b.rows.empty()) b.rows.assign(nc, 0.0), b.w.assign(nc, 0.0);
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
            }
        }
        if (has_entries && sc.enter_rows[j] > 0) {
            Bin& b = bin(static_cast<std::int64_t>(std::floor(t / width)));
            b.enter_rows += sc.enter_rows[j];
            b.enter_w += sc.enter_w[j];
        }
    }
    // Cumulative sums, rounded, differenced.
    StratumCounts out;
    std::vector<double> cum_rows(nc, 0.0), cum_w(nc, 0.0), last_rows(nc, 0.0), last_w(nc, 0.0);
    double cum_er = 0, cum_ew = 0, last_er = 0, last_ew = 0;
    for (const auto& [g, b] : bins) {
        std::vector<double> rows(nc), w(nc);
        bool any = false;
        for (int c = 0; c < nc; ++c) {
            cum_rows[c] += b.rows[c];
            cum_w[c] += b.w[c];
            const double rr = round_to(cum_rows[c], base), rw = round_to(cum_w[c], base);
            rows[c] = rr - last_rows[c];
            w[c] = rw - last_w[c];
            last_rows[c] = rr;
            last_w[c] = rw;
            any = any || rows[c] != 0 || w[c] != 0;
        }
        cum_er += b.enter_rows;
        cum_ew += b.enter_w;
        const double er = round_to(cum_er, base) - last_er, ew = round_to(cum_ew, base) - last_ew;
        last_er += er;
        last_ew += ew;
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
