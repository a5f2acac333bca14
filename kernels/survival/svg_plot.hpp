// A self-contained SVG of step curves (Kaplan-Meier or cumulative incidence) with optional
// confidence bands, axes with ticks, a legend and a number-at-risk table under the plot.
#pragma once
#include <string>
#include <vector>

namespace kohort::survival {

struct StepSeries {
    std::string label;
    std::vector<double> time, value;        // the curve steps at time[j] to value[j]; starts at start_value
    double start_value = 1.0;               // 1 for survival, 0 for cumulative incidence
    std::vector<double> low, high;          // optional band (same length as time); NaN gaps allowed
    std::vector<double> censor_times;       // optional tick marks on the curve
    int colour = 0;                         // palette index
};

struct RiskTable {
    std::vector<std::string> row_labels;    // one per row (e.g. stratum)
    std::vector<int> row_colour;
    // cells[row][tick] already formatted (disclosure applied), for the x-axis tick times.
    std::vector<std::vector<std::string>> cells;
};

struct StepPlot {
    std::string title, x_label, y_label;
    std::vector<StepSeries> series;
    bool show_bands = true;
};

// Nice x-axis tick positions from 0 to at least max_time (1, 2 or 5 times a power of ten).
std::vector<double> axis_ticks(double max_time);

// The SVG document. risk may have no rows (then no table is drawn).
std::string render_step_plot(const StepPlot& plot, const std::vector<double>& ticks, const RiskTable& risk);

}  // namespace kohort::survival
