// The page's building blocks: escaping, how numbers are shown, tables and inline SVG.
// Numbers are shown as released or rounded to a few significant digits, never computed, so every
// number on the page stands in a released file.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace kohort::report {

using json = nlohmann::json;

std::string esc(const std::string& s);  // text and attribute values
// An id fragment from a name (letters, digits, '-', '_' kept; others become '_').
std::string anchor(const std::string& name);

// A released value as shown: integers exactly, other numbers at `sig` significant digits
// (large ones as released), strings as they are, true/false as yes/no, null as "–".
std::string show(const json& v, int sig = 4);
std::string show_p(const json& v);  // P values: two significant digits, as R's summary prints them
// A released count: null means withheld by disclosure control.
std::string show_count(const json& v);
// A member of an object, or null when absent (or `j` is not an object).
const json& field(const json& j, const std::string& key);

// A table with header cells; cells are HTML already (escape text with esc()).
struct HtmlTable {
    std::string caption;
    std::vector<std::string> head;
    std::vector<std::vector<std::string>> rows;
    std::string css_class;  // e.g. "num" right-aligns columns after the first
    std::string render() const;
};

// Name/value pairs as a definition list; values are HTML already.
std::string definition_list(const std::vector<std::pair<std::string, std::string>>& items);

// A released SVG, inlined: XML prolog and namespace declarations dropped (HTML's parser puts
// <svg> in the SVG namespace), an accessible <title> and <desc> added, scaled to the page width.
std::string inline_svg(const std::string& svg, const std::string& id, const std::string& title,
                       const std::string& desc);

// RFC 4180 rows of a released CSV (header first).
std::vector<std::vector<std::string>> parse_csv(const std::string& text);

}  // namespace kohort::report
