#include "kernels/survival/svg_plot.hpp"

#include "core/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace kohort::survival {
namespace {

const char* const kPalette[] = {"#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8c564b", "#555555"};

std::string colour(int i) { return kPalette[static_cast<std::size_t>(std::max(i, 0)) % 8]; }

std::string escape(const std::string& s) { return markup_escape(s); }

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

std::string tick_label(double v) {
    char buf[32];
    if (std::fabs(v - std::round(v)) < 1e-9 * std::max(1.0, std::fabs(v)))
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

}  // namespace

std::vector<double> axis_ticks(double max_time) {
    if (!(max_time > 0) || !std::isfinite(max_time)) return {0.0, 1.0};
    const double raw = max_time / 6.0;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double f : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (f * mag >= raw) {
            step = f * mag;
            break;
        }
    std::vector<double> ticks;
    for (int i = 0;; ++i) {
        const double t = i * step;
        ticks.push_back(t);
        if (t >= max_time - 1e-12 * max_time) break;
    }
    return ticks;
}

std::string render_step_plot(const StepPlot& plot, const std::vector<double>& ticks, const RiskTable& risk) {
    const double W = 760, left = 150, right = 30, top = 50, plot_h = 360;
    const double plot_w = W - left - right;
    const double axis_bottom = top + plot_h;
    // The legend sits under the axis title, outside the plot, so it never covers a curve.
    const double legend_top = axis_bottom + 52, legend_h = 18.0 * plot.series.size();
    const double table_top = legend_top + legend_h + 24;
    const double row_h = 20;
    const double H = risk.row_labels.empty() ? legend_top + legend_h + 10 : table_top + 30 + row_h * risk.row_labels.size() + 10;
    const double xmax = ticks.empty() ? 1.0 : std::max(ticks.back(), 1e-300);
    auto X = [&](double t) { return left + plot_w * std::clamp(t / xmax, 0.0, 1.0); };
    auto Y = [&](double v) { return top + plot_h * (1.0 - std::clamp(v, 0.0, 1.0)); };

    std::ostringstream o;
    o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << num(H) << "\" viewBox=\"0 0 " << W
      << " " << num(H) << "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
      << "<rect x=\"0\" y=\"0\" width=\"" << W << "\" height=\"" << num(H) << "\" fill=\"white\"/>\n";
    if (!plot.title.empty())
        o << "<text x=\"" << num(left + plot_w / 2) << "\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">"
          << escape(plot.title) << "</text>\n";

    // Grid and axes.
    o << "<g stroke=\"#e5e5e5\" stroke-width=\"1\">\n";
    for (int i = 0; i <= 5; ++i) o << "<line x1=\"" << num(left) << "\" x2=\"" << num(left + plot_w) << "\" y1=\"" << num(Y(i / 5.0)) << "\" y2=\"" << num(Y(i / 5.0)) << "\"/>\n";
    for (double t : ticks) o << "<line x1=\"" << num(X(t)) << "\" x2=\"" << num(X(t)) << "\" y1=\"" << num(top) << "\" y2=\"" << num(axis_bottom) << "\"/>\n";
    o << "</g>\n<g stroke=\"black\" stroke-width=\"1\">\n"
      << "<line x1=\"" << num(left) << "\" x2=\"" << num(left + plot_w) << "\" y1=\"" << num(axis_bottom) << "\" y2=\"" << num(axis_bottom) << "\"/>\n"
      << "<line x1=\"" << num(left) << "\" x2=\"" << num(left) << "\" y1=\"" << num(top) << "\" y2=\"" << num(axis_bottom) << "\"/>\n";
    for (int i = 0; i <= 5; ++i) o << "<line x1=\"" << num(left - 5) << "\" x2=\"" << num(left) << "\" y1=\"" << num(Y(i / 5.0)) << "\" y2=\"" << num(Y(i / 5.0)) << "\"/>\n";
    for (double t : ticks) o << "<line x1=\"" << num(X(t)) << "\" x2=\"" << num(X(t)) << "\" y1=\"" << num(axis_bottom) << "\" y2=\"" << num(axis_bottom + 5) << "\"/>\n";
    o << "</g>\n";
    for (int i = 0; i <= 5; ++i)
        o << "<text x=\"" << num(left - 8) << "\" y=\"" << num(Y(i / 5.0) + 4) << "\" text-anchor=\"end\">" << tick_label(i / 5.0) << "</text>\n";
    for (double t : ticks)
        o << "<text x=\"" << num(X(t)) << "\" y=\"" << num(axis_bottom + 19) << "\" text-anchor=\"middle\">" << tick_label(t) << "</text>\n";
    o << "<text x=\"" << num(left + plot_w / 2) << "\" y=\"" << num(axis_bottom + 40) << "\" text-anchor=\"middle\">" << escape(plot.x_label) << "</text>\n";
    o << "<text transform=\"translate(" << num(left - 45) << "," << num(top + plot_h / 2) << ") rotate(-90)\" text-anchor=\"middle\">" << escape(plot.y_label) << "</text>\n";

    // Bands first, so curves draw over them.
    if (plot.show_bands)
        for (const StepSeries& s : plot.series) {
            if (s.low.size() != s.time.size() || s.time.empty()) continue;
            // One polygon per run of finite limits: upper edge left to right, lower edge back.
            std::size_t j = 0;
            while (j < s.time.size()) {
                while (j < s.time.size() && !(std::isfinite(s.low[j]) && std::isfinite(s.high[j]))) ++j;
                std::size_t k = j;
                while (k < s.time.size() && std::isfinite(s.low[k]) && std::isfinite(s.high[k])) ++k;
                if (k > j) {
                    std::ostringstream up, down;
                    for (std::size_t i = j; i < k; ++i) {
                        const double t1 = (i + 1 < s.time.size()) ? s.time[i + 1] : s.time[i];
                        up << num(X(s.time[i])) << "," << num(Y(s.high[i])) << " " << num(X(t1)) << "," << num(Y(s.high[i])) << " ";
                    }
                    for (std::size_t i = k; i-- > j;) {
                        const double t1 = (i + 1 < s.time.size()) ? s.time[i + 1] : s.time[i];
                        down << num(X(t1)) << "," << num(Y(s.low[i])) << " " << num(X(s.time[i])) << "," << num(Y(s.low[i])) << " ";
                    }
                    o << "<polygon points=\"" << up.str() << down.str() << "\" fill=\"" << colour(s.colour)
                      << "\" fill-opacity=\"0.15\" stroke=\"none\"/>\n";
                }
                j = k;
            }
        }
    for (const StepSeries& s : plot.series) {
        std::ostringstream d;
        double v = s.start_value;
        d << "M" << num(X(0)) << "," << num(Y(v));
        for (std::size_t j = 0; j < s.time.size(); ++j) {
            d << " H" << num(X(s.time[j]));
            if (std::isfinite(s.value[j])) v = s.value[j];
            d << " V" << num(Y(v));
        }
        const double tend = s.time.empty() ? 0.0 : s.time.back();
        d << " H" << num(X(tend));
        o << "<path d=\"" << d.str() << "\" fill=\"none\" stroke=\"" << colour(s.colour) << "\" stroke-width=\"2\"/>\n";
        if (!s.censor_times.empty()) {
            // Thousands of censorings would blur the line: at most one tick per 6 px of time axis
            // (a tick stands for the censorings up to the next one), thin and short.
            o << "<g stroke=\"" << colour(s.colour) << "\" stroke-width=\"0.8\" stroke-opacity=\"0.7\">";
            double last_x = -1e300;
            for (double t : s.censor_times) {
                if (X(t) < last_x + 6) continue;
                last_x = X(t);
                auto it = std::upper_bound(s.time.begin(), s.time.end(), t);
                const double val = (it == s.time.begin()) ? s.start_value : s.value[static_cast<std::size_t>(it - s.time.begin()) - 1];
                o << "<line x1=\"" << num(X(t)) << "\" x2=\"" << num(X(t)) << "\" y1=\"" << num(Y(val) - 3) << "\" y2=\"" << num(Y(val) + 3) << "\"/>";
            }
            o << "</g>\n";
        }
    }

    // Legend: one row per series under the axis title.
    for (std::size_t i = 0; i < plot.series.size(); ++i) {
        const double y = legend_top + 14 + 18.0 * i;
        o << "<line x1=\"" << num(left) << "\" x2=\"" << num(left + 24) << "\" y1=\"" << num(y - 4) << "\" y2=\"" << num(y - 4)
          << "\" stroke=\"" << colour(plot.series[i].colour) << "\" stroke-width=\"3\"/>\n"
          << "<text x=\"" << num(left + 32) << "\" y=\"" << num(y) << "\">" << escape(plot.series[i].label) << "</text>\n";
    }

    // Number-at-risk table aligned with the x ticks.
    if (!risk.row_labels.empty()) {
        o << "<text x=\"10\" y=\"" << num(table_top) << "\" font-weight=\"bold\">Number at risk</text>\n";
        for (std::size_t r = 0; r < risk.row_labels.size(); ++r) {
            const double y = table_top + 22 + row_h * r;
            const int col = r < risk.row_colour.size() ? risk.row_colour[r] : 0;
            std::string lab = risk.row_labels[r];
            if (lab.size() > 22) lab = lab.substr(0, 21) + "…";
            o << "<text x=\"10\" y=\"" << num(y) << "\" fill=\"" << colour(col) << "\">" << escape(lab) << "</text>\n";
            for (std::size_t k = 0; k < ticks.size() && k < risk.cells[r].size(); ++k)
                o << "<text x=\"" << num(X(ticks[k])) << "\" y=\"" << num(y) << "\" text-anchor=\"middle\">" << escape(risk.cells[r][k]) << "</text>\n";
        }
    }
    o << "</svg>\n";
    return o.str();
}

}  // namespace kohort::survival
