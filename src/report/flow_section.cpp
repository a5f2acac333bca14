// The cohort flow, STROBE style (von Elm et al. 2007, item 13 and its flow diagram): one box per
// eligibility step with the persons released at that step, an arrow down to the next, and a side
// box naming what the next step excludes. Exclusion counts appear only when released, since the
// page never computes a number (a difference of two rounded counts is not a released figure).
#include <sstream>

#include "report/released.hpp"

namespace kohort::report {
namespace {

// Words wrapped to lines of at most `width` characters.
std::vector<std::string> wrap(const std::string& text, std::size_t width) {
    std::vector<std::string> lines;
    std::stringstream ss(text);
    std::string line;
    for (std::string w; ss >> w;) {
        if (!line.empty() && line.size() + 1 + w.size() > width) lines.push_back(line), line.clear();
        line += (line.empty() ? "" : " ") + w;
    }
    if (!line.empty()) lines.push_back(line);
    return lines;
}

std::string text_lines(double x, double y, const std::vector<std::string>& lines, const char* cls) {
    std::string o;
    for (std::size_t i = 0; i < lines.size(); ++i)
        o += "<text class=\"" + std::string(cls) + "\" x=\"" + std::to_string(static_cast<int>(x)) + "\" y=\"" +
             std::to_string(static_cast<int>(y + 18 * i)) + "\">" + esc(lines[i]) + "</text>";
    return o;
}

std::string flow_svg(const std::string& table, const json& flow) {
    const int box_w = 300, side_x = 360, side_w = 260, gap = 44;
    std::vector<int> tops;
    std::vector<std::vector<std::string>> labels;
    int y = 10;
    for (const auto& step : flow) {
        labels.push_back(wrap(show(field(step, "step")), 34));
        labels.back().push_back("n = " + show_count(field(step, "persons")));
        tops.push_back(y);
        y += 16 + 18 * static_cast<int>(labels.back().size()) + gap;
    }
    const int height = y - gap + 10;
    std::string body;
    for (std::size_t i = 0; i < flow.size(); ++i) {
        const int h = 12 + 18 * static_cast<int>(labels[i].size());
        body += "<rect class=\"box\" x=\"10\" y=\"" + std::to_string(tops[i]) + "\" width=\"" + std::to_string(box_w) +
                "\" height=\"" + std::to_string(h) + "\" rx=\"6\"/>";
        body += text_lines(22, tops[i] + 22, labels[i], "step");
        if (i + 1 == flow.size()) break;
        const int y0 = tops[i] + h, y1 = tops[i + 1], mid = (y0 + y1) / 2;
        body += "<line class=\"arrow\" x1=\"160\" y1=\"" + std::to_string(y0) + "\" x2=\"160\" y2=\"" + std::to_string(y1 - 6) +
                "\"/><path class=\"head\" d=\"M154 " + std::to_string(y1 - 8) + " L160 " + std::to_string(y1) + " L166 " +
                std::to_string(y1 - 8) + "Z\"/>";
        // Side box: who the next step leaves out (the last step, the cohort itself, excludes no one).
        const std::string next = show(field(flow[i + 1], "step"));
        if (next == "in the cohort" && field(flow[i + 1], "excluded").is_null()) continue;
        std::string why = "Excluded: " + (next.rfind("without ", 0) == 0 ? "with " + next.substr(8)
                                          : next.rfind("with ", 0) == 0 ? "without " + next.substr(5)
                                                                        : "not " + next);
        std::vector<std::string> side = wrap(why, 30);
        const json& excluded = field(flow[i + 1], "excluded");
        if (!excluded.is_null()) side.push_back("n = " + show_count(excluded));
        const int sh = 10 + 16 * static_cast<int>(side.size());
        body += "<line class=\"arrow\" x1=\"160\" y1=\"" + std::to_string(mid) + "\" x2=\"" + std::to_string(side_x) + "\" y2=\"" +
                std::to_string(mid) + "\"/>";
        body += "<rect class=\"side\" x=\"" + std::to_string(side_x) + "\" y=\"" + std::to_string(mid - sh / 2) + "\" width=\"" +
                std::to_string(side_w) + "\" height=\"" + std::to_string(sh) + "\" rx=\"6\"/>";
        for (std::size_t k = 0; k < side.size(); ++k)
            body += "<text class=\"excl\" x=\"" + std::to_string(side_x + 10) + "\" y=\"" +
                    std::to_string(mid - sh / 2 + 17 + 16 * static_cast<int>(k)) + "\">" + esc(side[k]) + "</text>";
    }
    std::string svg = "<svg class=\"flow\" width=\"640\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 640 " +
                      std::to_string(height) + "\">" + body + "</svg>";
    std::string desc = "Flow diagram of the cohort '" + table + "': ";
    for (std::size_t i = 0; i < flow.size(); ++i)
        desc += (i ? "; then " : "") + show(field(flow[i], "step")) + ", n = " + show_count(field(flow[i], "persons"));
    return inline_svg(svg, "flow-" + anchor(table), "Cohort flow: " + table, desc);
}

std::string flow_table(const std::string& table, const json& flow) {
    HtmlTable t;
    t.caption = "Persons at each eligibility step of '" + esc(table) + "'";
    t.head = {"step", "persons"};
    t.css_class = "num";
    for (const auto& step : flow) t.rows.push_back({esc(show(field(step, "step"))), esc(show_count(field(step, "persons")))});
    return t.render();
}

// The table's released totals (events, person-time, ...): every scalar of its report.
std::string facts(const json& d) {
    std::vector<std::pair<std::string, std::string>> items;
    for (const auto& [k, v] : d.items())
        if (v.is_primitive() && k != "kind" && k != "note") items.push_back({esc(k), esc(show(v))});
    return items.empty() ? "" : definition_list(items);
}

}  // namespace

std::string flow_section(const Released& r) {
    const json& derived = field(r.results, "derived_tables");
    if (!derived.is_object() || derived.empty()) return "";
    std::string o = "<section id=\"cohort\"><h2>Cohort flow</h2>\n";
    // Cohorts (with their flow) first, then tables derived from them; [variable.*] are definitions.
    std::vector<std::pair<std::string, const json*>> order;
    for (const auto& [name, d] : derived.items())
        if (field(d, "kind") == "cohort") order.push_back({name, &d});
    for (const auto& [name, d] : derived.items())
        if (field(d, "kind") != "cohort" && field(d, "kind") != "variable") order.push_back({name, &d});
    for (const auto& [name, dp] : order) {
        const json& d = *dp;
        const std::string kind = field(d, "kind").is_string() ? field(d, "kind").get<std::string>() : "table";
        o += "<h3 id=\"table-" + anchor(name) + "\">" + esc(name) + " <span class=\"badge\">" + esc(kind) + "</span></h3>\n";
        const json& flow = field(d, "flow");
        if (flow.is_array() && !flow.empty()) o += "<div class=\"flowwrap\">" + flow_svg(name, flow) + flow_table(name, flow) + "</div>";
        o += facts(d);
        for (const auto& w : field(d, "warnings"))
            if (w.is_string()) o += "<p class=\"warn\">" + esc(w.get<std::string>()) + "</p>\n";
    }
    return o + "</section>\n";
}

}  // namespace kohort::report
