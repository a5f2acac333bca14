#include "io/cpr.hpp"

#include "io/date.hpp"

namespace kohort::io {

namespace {
inline bool digit(char c) { return c >= '0' && c <= '9'; }
inline unsigned dv(char c) { return static_cast<unsigned>(c - '0'); }

// Full birth year from YY and the first serial digit (CPR-kontoret, "Personnummeret i CPR", 2008).
std::int64_t birth_year(unsigned yy, unsigned seventh) {
    if (seventh <= 3) return 1900 + yy;
    if (seventh == 4 || seventh == 9) return (yy <= 36 ? 2000 : 1900) + yy;
    return (yy <= 57 ? 2000 : 1800) + yy;  // 5-8
}
}  // namespace

CprCheck check_cpr(std::string_view s, std::array<char, 10>& canonical) {
    if (s.size() == 11) {
        if (s[6] != '-') return CprCheck::bad_shape;
        for (int i = 0; i < 6; ++i) canonical[i] = s[i];
        for (int i = 0; i < 4; ++i) canonical[6 + i] = s[7 + i];
    } else if (s.size() == 10) {
        for (int i = 0; i < 10; ++i) canonical[i] = s[i];
    } else {
        return CprCheck::bad_shape;
    }
    for (char c : canonical)
        if (!digit(c)) return CprCheck::bad_shape;
    unsigned day = dv(canonical[0]) * 10 + dv(canonical[1]);
    const unsigned month = dv(canonical[2]) * 10 + dv(canonical[3]);
    const unsigned yy = dv(canonical[4]) * 10 + dv(canonical[5]);
    if (day > 60) day -= 60;  // substitute number
    if (month < 1 || month > 12 || day < 1) return CprCheck::impossible_date;
    if (day > days_in_month(birth_year(yy, dv(canonical[6])), month)) return CprCheck::impossible_date;
    return CprCheck::ok;
}

std::uint64_t cpr_as_number(const std::array<char, 10>& canonical) {
    std::uint64_t v = 0;
    for (char c : canonical) v = v * 10 + dv(c);
    return v;
}

}  // namespace kohort::io
