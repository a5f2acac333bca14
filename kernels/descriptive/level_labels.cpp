#include "kernels/descriptive/level_labels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace kohort {

std::string number_label(double v) {
    char buf[40];
    if (std::nearbyint(v) == v && std::fabs(v) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", v);
    else std::snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
}

std::string value_label(const Column& c, std::size_t i) {
    switch (c.type) {
        case ColumnType::Categorical: return c.dictionary.at(static_cast<std::size_t>(c.i32[i]));
        case ColumnType::Bool: return c.i8[i] ? "TRUE" : "FALSE";
        case ColumnType::Date: {
            // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
            long z = c.i32[i] + 719468L;
            const long era = (z >= 0 ? z : z - 146096) / 146097;
            const long doe = z - era * 146097;
            const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
            const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            const long mp = (5 * doy + 2) / 153;
            const long d = doy - (153 * mp + 2) / 5 + 1;
            const long m = mp < 10 ? mp + 3 : mp - 9;
            const long y = yoe + era * 400 + (m <= 2);
            char buf[16];
            std::snprintf(buf, sizeof buf, "%04ld-%02ld-%02ld", y, m, d);
            return buf;
        }
        default: return number_label(c.as_double(i));
    }
}

std::vector<std::string> agreed_levels(const Column& c, const Comm& comm) {
    const bool numeric = c.type == ColumnType::Int64 || c.type == ColumnType::Double;
    std::vector<std::string> labels;
    if (numeric) {
        std::set<double> seen;
        for (std::size_t i = 0; i < c.size(); ++i)
            if (!c.missing(i)) seen.insert(c.as_double(i));
        std::vector<double> local(seen.begin(), seen.end());
        std::vector<double> all = comm.allgatherv(local);
        std::sort(all.begin(), all.end());
        all.erase(std::unique(all.begin(), all.end()), all.end());
        for (double v : all) labels.push_back(number_label(v));
        return labels;
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < c.size(); ++i)
        if (!c.missing(i)) seen.insert(value_label(c, i));
    std::vector<std::string> local(seen.begin(), seen.end());
    std::vector<std::string> all = comm.allgather_strings(local);
    std::sort(all.begin(), all.end());  // dates in ISO form sort chronologically; FALSE < TRUE
    all.erase(std::unique(all.begin(), all.end()), all.end());
    return all;
}

}  // namespace kohort
