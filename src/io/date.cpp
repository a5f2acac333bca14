#include "io/date.hpp"

namespace kohort::io {

namespace {
inline bool digit(char c) { return c >= '0' && c <= '9'; }
inline unsigned dv(char c) { return static_cast<unsigned>(c - '0'); }
}  // namespace

DateParse parse_iso_date(std::string_view s, std::int32_t& days) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return DateParse::not_date_shaped;
    for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!digit(s[i])) return DateParse::not_date_shaped;
    const std::int64_t y = dv(s[0]) * 1000 + dv(s[1]) * 100 + dv(s[2]) * 10 + dv(s[3]);
    const unsigned m = dv(s[5]) * 10 + dv(s[6]);
    const unsigned d = dv(s[8]) * 10 + dv(s[9]);
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return DateParse::impossible_date;
    days = static_cast<std::int32_t>(days_from_civil(y, m, d));
    return DateParse::ok;
}

}  // namespace kohort::io
