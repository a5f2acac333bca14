// Small text helpers shared by every module: one trim, one lower, one list splitter, one line reader.
#pragma once
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace kohort {

// `s` without leading and trailing blanks (space, tab, CR, LF).
inline std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return "";
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

// ASCII lower case (option values and keywords are ASCII).
inline std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Splits "a, b ,c" into {"a","b","c"}; empty items are dropped.
inline std::vector<std::string> split_list(const std::string& s, char sep = ',') {
    std::vector<std::string> out;
    std::string item;
    std::istringstream in(s);
    while (std::getline(in, item, sep)) {
        item = trim(item);
        if (!item.empty()) out.push_back(item);
    }
    return out;
}

// "a, b and c" for messages ("or" with conjunction = "or").
inline std::string join_words(const std::vector<std::string>& words, const std::string& conjunction = "and") {
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (i > 0) out += i + 1 == words.size() ? " " + conjunction + " " : ", ";
        out += words[i];
    }
    return out;
}

// The lines of a text file already read into memory, numbered from 1 for messages that name
// file:line, each without its newline and without a CR before it (a file saved on Windows):
//
//   for (TextLines lines(text); lines.next();) use(lines.number(), lines.line());
//
// After the last line, number() is one past it: where a message about what is missing at the end
// of the file points.
class TextLines {
public:
    explicit TextLines(const std::string& text) : in_(text) {}
    // Moves to the next line; false at the end of the text.
    bool next() {
        ++number_;
        if (!std::getline(in_, line_)) return false;
        if (!line_.empty() && line_.back() == '\r') line_.pop_back();
        return true;
    }
    const std::string& line() const { return line_; }
    std::int64_t number() const { return number_; }

private:
    std::istringstream in_;
    std::string line_;
    std::int64_t number_ = 0;
};

// Text for HTML and SVG (XML) markup: the five characters with a meaning there, as entities.
inline std::string markup_escape(const std::string& s) {
    std::string o;
    o.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': o += "&amp;"; break;
            case '<': o += "&lt;"; break;
            case '>': o += "&gt;"; break;
            case '"': o += "&quot;"; break;
            case '\'': o += "&#39;"; break;
            default: o += c;
        }
    }
    return o;
}

}  // namespace kohort
