#include "formula/level_labels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace kohort {

std::string format_r_number(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "Inf" : "-Inf";
    if (value == 0.0) return "0";
    char buf[64];
    // R keeps 15 significant digits; find the fewest digits that still give that 15-digit value.
    std::snprintf(buf, sizeof buf, "%.14e", value);
    const double target = std::strtod(buf, nullptr);
    int digits = 15;
    for (int d = 1; d <= 15; ++d) {
        std::snprintf(buf, sizeof buf, "%.*e", d - 1, value);
        if (std::strtod(buf, nullptr) == target) {
            digits = d;
            break;
        }
    }
    char sci[64];
    std::snprintf(sci, sizeof sci, "%.*e", digits - 1, value);
    const char* e = std::strchr(sci, 'e');
    const int exponent = e ? std::atoi(e + 1) : 0;
    const int decimals = std::max(0, digits - 1 - exponent);
    char fixed[400];
    std::snprintf(fixed, sizeof fixed, "%.*f", decimals, value);
    return std::strlen(fixed) <= std::strlen(sci) ? std::string(fixed) : std::string(sci);
}

std::string format_iso_date(std::int32_t days) {
    // Howard Hinnant's civil_from_days (public domain, "chrono-Compatible Low-Level Date Algorithms").
    std::int64_t z = static_cast<std::int64_t>(days) + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    std::int64_t y = yoe + era * 400;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) ++y;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m),
                  static_cast<long long>(d));
    return buf;
}

}  // namespace kohort
