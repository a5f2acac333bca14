#include "frame_test_tables.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "formula/level_labels.hpp"

namespace kohort::testing {

Column dbl(const std::string& name, const std::vector<double>& v) {
    Column c(name, ColumnType::Double);
    c.f64 = v;
    return c;
}

Column i64(const std::string& name, const std::vector<double>& v) {
    Column c(name, ColumnType::Int64);
    for (double x : v) c.i64.push_back(std::isnan(x) ? kMissingInt64 : static_cast<std::int64_t>(x));
    return c;
}

Column boolean(const std::string& name, const std::vector<double>& v) {
    Column c(name, ColumnType::Bool);
    for (double x : v) c.i8.push_back(std::isnan(x) ? kMissingBool : static_cast<std::int8_t>(x != 0));
    return c;
}

Column date(const std::string& name, const std::vector<double>& days) {
    Column c(name, ColumnType::Date);
    for (double x : days) c.i32.push_back(std::isnan(x) ? kMissingDate : static_cast<std::int32_t>(x));
    return c;
}

Column cat(const std::string& name, const std::vector<OptStr>& v, std::vector<std::string> dictionary) {
    Column c(name, ColumnType::Categorical);
    c.dictionary = std::move(dictionary);
    for (const auto& s : v) {
        if (!s) {
            c.i32.push_back(kMissingCode);
            continue;
        }
        auto it = std::find(c.dictionary.begin(), c.dictionary.end(), *s);
        if (it == c.dictionary.end()) {
            c.dictionary.push_back(*s);
            it = c.dictionary.end() - 1;
        }
        c.i32.push_back(static_cast<std::int32_t>(it - c.dictionary.begin()));
    }
    return c;
}

Table slice(const Table& t, std::size_t begin, std::size_t end) {
    Table out;
    out.name = t.name;
    for (const Column& c : t.columns) {
        if (c.type != ColumnType::Categorical) {
            Column part(c.name, c.type);
            for (std::size_t i = begin; i < end; ++i) part.append_from(c, i);
            out.add(std::move(part));
            continue;
        }
        std::vector<OptStr> labels;
        std::vector<std::string> seen;
        for (std::size_t i = begin; i < end; ++i) {
            if (c.missing(i)) {
                labels.push_back(std::nullopt);
                continue;
            }
            const std::string& s = c.dictionary[static_cast<std::size_t>(c.i32[i])];
            labels.push_back(s);
            if (std::find(seen.begin(), seen.end(), s) == seen.end()) seen.push_back(s);
        }
        std::reverse(seen.begin(), seen.end());
        out.add(cat(c.name, labels, seen));
    }
    return out;
}

void write_csv(const Table& t, const std::string& path) {
    std::ofstream out(path);
    if (!out) throw std::runtime_error("cannot write " + path);
    for (std::size_t k = 0; k < t.columns.size(); ++k) out << (k ? "," : "") << t.columns[k].name;
    out << "\n";
    char buf[64];
    for (std::size_t i = 0; i < t.rows(); ++i) {
        for (std::size_t k = 0; k < t.columns.size(); ++k) {
            const Column& c = t.columns[k];
            if (k) out << ",";
            if (c.missing(i)) {
                out << "NA";
                continue;
            }
            switch (c.type) {
                case ColumnType::Int64: out << c.i64[i]; break;
                case ColumnType::Double:
                    std::snprintf(buf, sizeof buf, "%.17g", c.f64[i]);
                    out << buf;
                    break;
                case ColumnType::Bool: out << (c.i8[i] ? "TRUE" : "FALSE"); break;
                case ColumnType::Date: out << format_iso_date(c.i32[i]); break;
                case ColumnType::Categorical: out << '"' << c.dictionary[static_cast<std::size_t>(c.i32[i])] << '"'; break;
            }
        }
        out << "\n";
    }
}

}  // namespace kohort::testing
