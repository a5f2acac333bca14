#include "formula/level_labels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "io/date.hpp"

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
    const io::CivilDate c = io::civil_from_days(days);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(c.year), c.month, c.day);
    return buf;
}

}  // namespace kohort
