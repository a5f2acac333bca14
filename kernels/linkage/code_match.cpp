#include "kernels/linkage/code_match.hpp"

#include <cctype>

namespace kohort::linkage {

namespace {

char fold(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

// Matches one character against the class starting after '[' at pattern[p]; sets `end` to the
// index just past ']'.
bool class_match(std::string_view pattern, std::size_t p, char c, std::size_t& end) {
    bool negate = false;
    if (p < pattern.size() && (pattern[p] == '!' || pattern[p] == '^')) {
        negate = true;
        ++p;
    }
    bool hit = false;
    const char fc = fold(c);
    std::size_t i = p;
    for (; i < pattern.size() && (pattern[i] != ']' || i == p); ++i) {
        if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
            if (fold(pattern[i]) <= fc && fc <= fold(pattern[i + 2])) hit = true;
            i += 2;
        } else if (fold(pattern[i]) == fc) {
            hit = true;
        }
    }
    end = i + 1;
    return hit != negate;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
    // Iterative matcher with one backtrack point for the last '*' (linear for typical code lists).
    std::size_t p = 0, t = 0, star = std::string_view::npos, star_t = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            star_t = t;
            continue;
        }
        if (p < pattern.size()) {
            if (pattern[p] == '?') {
                ++p, ++t;
                continue;
            }
            if (pattern[p] == '[') {
                std::size_t end = 0;
                if (class_match(pattern, p + 1, text[t], end)) {
                    p = end, ++t;
                    continue;
                }
            } else if (fold(pattern[p]) == fold(text[t])) {
                ++p, ++t;
                continue;
            }
        }
        if (star == std::string_view::npos) return false;
        p = star + 1;
        t = ++star_t;
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

std::string pattern_problem(std::string_view pattern) {
    if (pattern.empty()) return "an empty code";
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] != '[') continue;
        const auto close = pattern.find(']', i + 1);
        if (close == std::string_view::npos) return "an unclosed '[' in '" + std::string(pattern) + "'";
        if (close == i + 1) return "an empty class '[]' in '" + std::string(pattern) + "'";
        i = close;
    }
    return "";
}

std::vector<std::uint8_t> match_dictionary(const std::vector<std::string>& dictionary,
                                           const std::vector<std::string>& patterns) {
    std::vector<std::uint8_t> lookup(dictionary.size(), 0);
    for (std::size_t k = 0; k < dictionary.size(); ++k)
        for (const auto& p : patterns)
            if (glob_match(p, dictionary[k])) {
                lookup[k] = 1;
                break;
            }
    return lookup;
}

}  // namespace kohort::linkage
