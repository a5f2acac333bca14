#include "kernels/genomics/gwas_plots.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

namespace kohort::gwas {

namespace {

constexpr double kWidth = 960, kHeight = 420, kLeft = 64, kRight = 16, kTop = 36, kBottom = 52;
constexpr double kGenomeWide = 5e-8;

std::string esc(const std::string& s) {
    std::string o;
    for (const char c : s) {
        if (c == '<') o += "&lt;";
        else if (c == '>') o += "&gt;";
        else if (c == '&') o += "&amp;";
        else if (c == '"') o += "&quot;";
        else o += c;
    }
    return o;
}

std::string fmt(const char* f, double a) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, a);
    return buf;
}

double neglog10(double p) { return p > 0 ? -std::log10(p) : 320.0; }

// Chromosome order: numeric names in number order, then the others (X, Y, MT) by name.
bool chrom_less(const std::string& a, const std::string& b) {
    const bool na = !a.empty() && std::all_of(a.begin(), a.end(), ::isdigit);
    const bool nb = !b.empty() && std::all_of(b.begin(), b.end(), ::isdigit);
    if (na != nb) return na;
    if (na) return std::stoll(a) < std::stoll(b);
    return a < b;
}

struct Frame {
    double x0, x1, y0, y1;  // data ranges
    double px(double x) const { return kLeft + (x - x0) / (x1 - x0) * (kWidth - kLeft - kRight); }
    double py(double y) const { return kHeight - kBottom - (y - y0) / (y1 - y0) * (kHeight - kTop - kBottom); }
};

std::string header(const std::string& title, const std::string& label) {
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt("%.0f", kWidth) + "\" height=\"" +
           fmt("%.0f", kHeight) + "\" viewBox=\"0 0 " + fmt("%.0f", kWidth) + " " + fmt("%.0f", kHeight) +
           "\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"" + esc(label) + "\">\n" +
           "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"" + fmt("%.0f", kWidth / 2) +
           "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" + esc(title) + "</text>\n";
}

// The y axis (-log10 P) with integer ticks.
std::string y_axis(const Frame& f, const std::string& label) {
    std::string s = "<line x1=\"" + fmt("%.1f", kLeft) + "\" y1=\"" + fmt("%.1f", f.py(f.y0)) + "\" x2=\"" +
                    fmt("%.1f", kLeft) + "\" y2=\"" + fmt("%.1f", f.py(f.y1)) + "\" stroke=\"black\"/>\n";
    const double step = f.y1 > 40 ? 10 : f.y1 > 16 ? 5 : f.y1 > 8 ? 2 : 1;
    for (double t = 0; t <= f.y1 + 1e-9; t += step)
        s += "<text x=\"" + fmt("%.1f", kLeft - 6) + "\" y=\"" + fmt("%.1f", f.py(t) + 4) +
             "\" text-anchor=\"end\">" + fmt("%g", t) + "</text>\n";
    s += "<text transform=\"translate(16," + fmt("%.1f", (kTop + kHeight - kBottom) / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + esc(label) + "</text>\n";
    return s;
}

// One circle per occupied pixel.
class Points {
public:
    void add(double x, double y, const char* colour) {
        const auto key = std::make_pair(static_cast<int>(std::lround(x)), static_cast<int>(std::lround(y)));
        if (!seen_.insert(key).second) return;
        body_ += "<circle cx=\"" + fmt("%.1f", x) + "\" cy=\"" + fmt("%.1f", y) + "\" r=\"2\" fill=\"" + colour + "\"/>";
        if (++count_ % 8 == 0) body_ += '\n';
    }
    const std::string& svg() const { return body_; }

private:
    std::set<std::pair<int, int>> seen_;
    std::string body_;
    std::size_t count_ = 0;
};

}  // namespace

std::string manhattan_svg(const std::string& title, const std::vector<Variant>& variants,
                          const std::vector<VariantResult>& results, const std::vector<bool>& released) {
    // Chromosome extents, then cumulative genome positions.
    std::map<std::string, std::pair<std::int64_t, std::int64_t>, bool (*)(const std::string&, const std::string&)> span(
        chrom_less);
    double top = neglog10(kGenomeWide) + 1;
    for (std::size_t i = 0; i < variants.size(); ++i) {
        auto [it, fresh] = span.try_emplace(variants[i].chrom, variants[i].pos, variants[i].pos);
        it->second.first = std::min(it->second.first, variants[i].pos);
        it->second.second = std::max(it->second.second, variants[i].pos);
        if (released[i] && !std::isnan(results[i].p)) top = std::max(top, neglog10(results[i].p) * 1.05);
    }
    std::map<std::string, double> offset;
    double cum = 0;
    for (const auto& [chrom, s] : span) {
        offset[chrom] = cum - static_cast<double>(s.first);
        cum += static_cast<double>(s.second - s.first) + 1;
    }
    const double gap = std::max(1.0, cum * 0.004);
    {
        int k = 0;
        for (auto& [chrom, off] : offset) off += gap * k++;
    }
    const Frame f{0, std::max(1.0, cum + gap * static_cast<double>(span.size())), 0, std::ceil(top)};
    std::string s = header(title, "Manhattan plot: -log10 P along the genome");
    s += y_axis(f, "-log10(P)");
    const char* colours[2] = {"#1f4e79", "#7fa7cf"};
    std::map<std::string, int> colour_of;
    int k = 0;
    for (const auto& [chrom, sp] : span) {
        colour_of[chrom] = k % 2;
        const double mid = f.px(offset[chrom] + 0.5 * static_cast<double>(sp.first + sp.second));
        s += "<text x=\"" + fmt("%.1f", mid) + "\" y=\"" + fmt("%.1f", kHeight - kBottom + 16) +
             "\" text-anchor=\"middle\" font-size=\"10\">" + esc(chrom) + "</text>\n";
        ++k;
    }
    s += "<text x=\"" + fmt("%.0f", (kLeft + kWidth - kRight) / 2) + "\" y=\"" + fmt("%.0f", kHeight - 12) +
         "\" text-anchor=\"middle\">chromosome</text>\n";
    Points pts;
    for (std::size_t i = 0; i < variants.size(); ++i) {
        if (!released[i] || std::isnan(results[i].p)) continue;
        pts.add(f.px(offset[variants[i].chrom] + static_cast<double>(variants[i].pos)), f.py(neglog10(results[i].p)),
                colours[colour_of[variants[i].chrom]]);
    }
    s += pts.svg() + "\n";
    const double yl = f.py(neglog10(kGenomeWide));
    s += "<line x1=\"" + fmt("%.1f", kLeft) + "\" y1=\"" + fmt("%.1f", yl) + "\" x2=\"" + fmt("%.1f", kWidth - kRight) +
         "\" y2=\"" + fmt("%.1f", yl) + "\" stroke=\"#c0392b\" stroke-dasharray=\"6 4\"/>\n";
    s += "<text x=\"" + fmt("%.1f", kWidth - kRight) + "\" y=\"" + fmt("%.1f", yl - 4) +
         "\" text-anchor=\"end\" fill=\"#c0392b\">P = 5e-8</text>\n</svg>\n";
    return s;
}

std::string qq_svg(const std::string& title, const std::vector<VariantResult>& results,
                   const std::vector<bool>& released, double lambda) {
    std::vector<double> observed;
    for (std::size_t i = 0; i < results.size(); ++i)
        if (released[i] && !std::isnan(results[i].p)) observed.push_back(neglog10(results[i].p));
    std::sort(observed.begin(), observed.end(), std::greater<>());
    const double m = static_cast<double>(observed.size());
    const double max_expected = m > 0 ? -std::log10(0.5 / m) : 1;
    const double max_observed = observed.empty() ? 1 : observed.front();
    const double top = std::ceil(std::max({max_expected, max_observed, 1.0}) * 1.05);
    const double right = std::ceil(max_expected * 1.05);
    const Frame f{0, right, 0, top};
    std::string s = header(title, "QQ plot of P values");
    s += y_axis(f, "observed -log10(P)");
    s += "<line x1=\"" + fmt("%.1f", kLeft) + "\" y1=\"" + fmt("%.1f", f.py(0)) + "\" x2=\"" +
         fmt("%.1f", kWidth - kRight) + "\" y2=\"" + fmt("%.1f", f.py(0)) + "\" stroke=\"black\"/>\n";
    for (double t = 0; t <= right + 1e-9; t += right > 8 ? 2 : 1)
        s += "<text x=\"" + fmt("%.1f", f.px(t)) + "\" y=\"" + fmt("%.1f", f.py(0) + 16) +
             "\" text-anchor=\"middle\">" + fmt("%g", t) + "</text>\n";
    s += "<text x=\"" + fmt("%.0f", (kLeft + kWidth - kRight) / 2) + "\" y=\"" + fmt("%.0f", kHeight - 12) +
         "\" text-anchor=\"middle\">expected -log10(P)</text>\n";
    const double d = std::min(right, top);
    s += "<line x1=\"" + fmt("%.1f", f.px(0)) + "\" y1=\"" + fmt("%.1f", f.py(0)) + "\" x2=\"" + fmt("%.1f", f.px(d)) +
         "\" y2=\"" + fmt("%.1f", f.py(d)) + "\" stroke=\"#c0392b\"/>\n";
    Points pts;
    for (std::size_t j = 0; j < observed.size(); ++j)
        pts.add(f.px(-std::log10((static_cast<double>(j) + 0.5) / m)), f.py(observed[j]), "#1f4e79");
    s += pts.svg() + "\n";
    s += "<text x=\"" + fmt("%.1f", kLeft + 12) + "\" y=\"" + fmt("%.1f", kTop + 16) + "\" font-size=\"14\">" +
         (std::isnan(lambda) ? std::string("\xCE\xBB = NA") : "\xCE\xBB" + fmt(" = %.3f", lambda)) + "</text>\n</svg>\n";
    return s;
}

}  // namespace kohort::gwas
