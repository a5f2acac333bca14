// ISO 8601 calendar dates (YYYY-MM-DD) as days since 1970-01-01, the store's date encoding.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace kohort::io {

// Days from 1970-01-01 to the proleptic Gregorian date y-m-d (negative before 1970).
// Howard Hinnant's days_from_civil, http://howardhinnant.github.io/date_algorithms.html
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;                                   // [0, 399]
    const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           // [0, 146096]
    return era * 146097 + doe - 719468;
}

struct CivilDate {
    std::int64_t year;
    unsigned month;  // 1-12
    unsigned day;    // 1-31
};

// The proleptic Gregorian date of `days` since 1970-01-01: Howard Hinnant's civil_from_days, the
// inverse of days_from_civil (same source).
constexpr CivilDate civil_from_days(std::int64_t days) {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const std::int64_t doe = days - era * 146097;                                  // [0, 146096]
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);              // [0, 365]
    const std::int64_t mp = (5 * doy + 2) / 153;                                   // [0, 11]
    const auto day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
    const auto month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
    return {yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

constexpr bool is_leap_year(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned days_in_month(std::int64_t y, unsigned m) {
    constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap_year(y) ? 29u : kDays[m - 1];
}

enum class DateParse { ok, not_date_shaped, impossible_date };

// Parses exactly "YYYY-MM-DD" (ten characters, digits and two hyphens). A value of that shape whose
// month or day does not exist (2021-02-29, 2020-13-01) is `impossible_date`, anything else of
// another shape `not_date_shaped`.
DateParse parse_iso_date(std::string_view s, std::int32_t& days);

}  // namespace kohort::io
