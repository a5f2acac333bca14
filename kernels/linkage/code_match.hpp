// Code lists of study variables: exact codes and glob patterns such as I21*, E1[0-4]* or C10AA0?.
//
// Registers hold codes as categorical columns (an integer code per row plus a dictionary of labels),
// so a pattern is matched once per dictionary entry, never per row: the result is a 0/1 lookup
// table indexed by the row's integer code.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kohort::linkage {

// Glob match, case-insensitive: `*` any run of characters, `?` one character, `[a-c]` / `[abc]`
// one character of a class. Anything else matches itself.
bool glob_match(std::string_view pattern, std::string_view text);

// Checks a pattern's syntax (an unclosed '[' or an empty class); returns an error text or "".
std::string pattern_problem(std::string_view pattern);

// lookup[k] = 1 when dictionary[k] matches any pattern.
std::vector<std::uint8_t> match_dictionary(const std::vector<std::string>& dictionary,
                                           const std::vector<std::string>& patterns);

}  // namespace kohort::linkage
