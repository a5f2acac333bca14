#include "report/html.hpp"

#include "core/text.hpp"

#include <cmath>
#include <cstdio>
#include <regex>

namespace kohort::report {

std::string esc(const std::string& s) { return markup_escape(s); }

std::string anchor(const std::string& name) {
    std::string o;
    for (unsigned char c : name) o += (std::isalnum(c) || c == '-' || c == '_') ? static_cast<char>(c) : '_';
    return o;
}

namespace {
std::string printf_double(const char* fmt, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}
}  // namespace

std::string show(const json& v, int sig) {
    if (v.is_null()) return "–";
    if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return v.dump();
    if (v.is_number()) {
        const double d = v.get<double>();
        if (!std::isfinite(d)) return "NA";
        // Whole numbers and large ones as integers (a count or person-time needs no exponent).
        if (std::fabs(d) < 1e15 && (d == std::round(d) || std::fabs(d) >= 1e4)) return printf_double("%.0f", d);
        return printf_double(("%." + std::to_string(sig) + "g").c_str(), d);
    }
    return esc(v.dump());
}

// A P value of exactly 0 is one below the smallest double (a huge statistic): shown as "≈0".
std::string show_p(const json& v) { return v.is_number() && v.get<double>() == 0.0 ? "≈0" : show(v, 2); }

std::string show_count(const json& v) { return v.is_null() ? "withheld" : show(v); }

const json& field(const json& j, const std::string& key) {
    static const json null_value;
    if (!j.is_object()) return null_value;
    auto it = j.find(key);
    return it == j.end() ? null_value : *it;
}

std::string HtmlTable::render() const {
    std::string o = "<div class=\"scroll\"><table" + (css_class.empty() ? "" : " class=\"" + css_class + "\"") + ">";
    if (!caption.empty()) o += "<caption>" + caption + "</caption>";
    o += "<thead><tr>";
    for (const auto& h : head) o += "<th scope=\"col\">" + h + "</th>";
    o += "</tr></thead><tbody>";
    for (const auto& r : rows) {
        o += "<tr>";
        for (std::size_t i = 0; i < r.size(); ++i)
            o += i == 0 ? "<th scope=\"row\">" + r[i] + "</th>" : "<td>" + r[i] + "</td>";
        o += "</tr>";
    }
    return o + "</tbody></table></div>\n";
}

std::string definition_list(const std::vector<std::pair<std::string, std::string>>& items) {
    std::string o = "<dl>";
    for (const auto& [k, v] : items) o += "<dt>" + k + "</dt><dd>" + v + "</dd>";
    return o + "</dl>\n";
}

std::string inline_svg(const std::string& svg, const std::string& id, const std::string& title,
                       const std::string& desc) {
    const auto open = svg.find("<svg");
    if (open == std::string::npos) return "<p class=\"warn\">" + esc(id) + ": the released SVG has no &lt;svg&gt; element</p>";
    const auto open_end = svg.find('>', open);
    if (open_end == std::string::npos) return "<p class=\"warn\">" + esc(id) + ": the released SVG is cut short</p>";
    // Namespace declarations name URLs; HTML needs none, and the page then names no URL at all.
    static const std::regex xmlns(R"re(\s+xmlns(:\w+)?="[^"]*")re");
    std::string tag = std::regex_replace(svg.substr(open, open_end - open), xmlns, "");
    const std::string body = svg.substr(open_end + 1);
    return "<figure>" + tag + " id=\"" + esc(id) + "\" role=\"img\" aria-labelledby=\"" + esc(id) + "-t " + esc(id) +
           "-d\"><title id=\"" + esc(id) + "-t\">" + esc(title) + "</title><desc id=\"" + esc(id) + "-d\">" +
           esc(desc) + "</desc>" + body + "<figcaption>" + esc(title) + "</figcaption></figure>\n";
}

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string cell;
    bool quoted = false, any = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') cell += '"', ++i;
            else if (c == '"') quoted = false;
            else cell += c;
        } else if (c == '"') {
            quoted = any = true;
        } else if (c == ',') {
            row.push_back(std::move(cell)), cell.clear(), any = true;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            if (any || !cell.empty()) row.push_back(std::move(cell));
            if (!row.empty()) rows.push_back(std::move(row));
            row.clear(), cell.clear(), any = false;
        } else {
            cell += c, any = true;
        }
    }
    if (any || !cell.empty()) row.push_back(std::move(cell));
    if (!row.empty()) rows.push_back(std::move(row));
    return rows;
}

}  // namespace kohort::report
