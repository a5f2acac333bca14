#include "formula/agreed_levels.hpp"

#include <algorithm>
#include <cstdlib>
#include <unordered_set>

#include "core/error.hpp"
#include "formula/level_labels.hpp"

namespace kohort {

namespace {

template <typename T>
std::vector<T> sorted_unique(std::vector<T> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

// Numeric levels: gather each rank's distinct values, then map every row by binary search.
template <typename T, typename Get, typename Label>
void numeric_levels(AgreedLevels& out, const std::vector<std::size_t>& rows, const Comm& comm, Get get,
                    Label label) {
    const std::size_t n = rows.size();
    std::vector<T> local(n);
#pragma omp parallel for if (n > 50000)
    for (std::size_t i = 0; i < n; ++i) local[i] = get(rows[i]);
    // Distinct local values through a hash set: factors have few levels, so this beats sorting all rows.
    std::unordered_set<T> seen;
    for (const T& v : local) seen.insert(v);
    const std::vector<T> global =
        sorted_unique(comm.allgatherv(sorted_unique(std::vector<T>(seen.begin(), seen.end()))));
    out.index.resize(n);
#pragma omp parallel for if (n > 50000)
    for (std::size_t i = 0; i < n; ++i)
        out.index[i] =
            static_cast<std::int32_t>(std::lower_bound(global.begin(), global.end(), local[i]) - global.begin());
    out.labels.reserve(global.size());
    out.values.reserve(global.size());
    for (const T& v : global) {
        out.labels.push_back(label(v));
        out.values.push_back(static_cast<double>(v));
    }
}

}  // namespace

AgreedLevels agree_levels(const Column& c, const std::vector<std::size_t>& rows, const Comm& comm) {
    AgreedLevels out;
    out.type = c.type;
    const std::size_t n = rows.size();
    switch (c.type) {
        case ColumnType::Int64:
            numeric_levels<std::int64_t>(
                out, rows, comm, [&c](std::size_t r) { return c.i64[r]; },
                [](std::int64_t v) { return std::to_string(v); });
            break;
        case ColumnType::Double:
            numeric_levels<double>(
                out, rows, comm, [&c](std::size_t r) { return c.f64[r] == 0.0 ? 0.0 : c.f64[r]; },
                [](double v) { return format_r_number(v); });
            break;
        case ColumnType::Date:
            numeric_levels<std::int32_t>(
                out, rows, comm, [&c](std::size_t r) { return c.i32[r]; },
                [](std::int32_t v) { return format_iso_date(v); });
            break;
        case ColumnType::Bool: {
            std::vector<std::int32_t> seen(2, 0);
            for (std::size_t i = 0; i < n; ++i) seen[c.i8[rows[i]] ? 1 : 0] = 1;
            comm.allreduce(seen, ReduceOp::max);
            std::vector<std::int32_t> position(2, 0);
            for (int v = 0; v < 2; ++v) {
                if (!seen[static_cast<std::size_t>(v)]) continue;
                position[static_cast<std::size_t>(v)] = static_cast<std::int32_t>(out.labels.size());
                out.labels.push_back(v ? "TRUE" : "FALSE");  // R's labels for a logical factor
                out.values.push_back(v);
            }
            out.index.resize(n);
            for (std::size_t i = 0; i < n; ++i) out.index[i] = position[c.i8[rows[i]] ? 1 : 0];
            break;
        }
        case ColumnType::Categorical: {
            // Work on dictionary codes; strings are touched once per distinct code, not per row.
            // Codes index the dictionary below; the store checks them on read, and this check keeps a
            // column built any other way from reading outside it.
            std::vector<std::uint8_t> used(c.dictionary.size(), 0);
            for (std::size_t i = 0; i < n; ++i) {
                const std::int32_t code = c.i32[rows[i]];
                if (code < 0 || static_cast<std::size_t>(code) >= used.size())
                    throw UsageError("categorical column '" + c.name + "' has the code " + std::to_string(code) +
                                     " but a dictionary of " + std::to_string(used.size()) +
                                     " labels; expected codes 0 to " + std::to_string(used.size()) + " - 1");
                used[static_cast<std::size_t>(code)] = 1;
            }
            std::vector<std::string> local;
            for (std::size_t k = 0; k < used.size(); ++k)
                if (used[k]) local.push_back(c.dictionary[k]);
            out.labels = sorted_unique(comm.allgather_strings(sorted_unique(local)));
            std::vector<std::int32_t> code_to_level(c.dictionary.size(), -1);
            for (std::size_t k = 0; k < used.size(); ++k)
                if (used[k])
                    code_to_level[k] = static_cast<std::int32_t>(
                        std::lower_bound(out.labels.begin(), out.labels.end(), c.dictionary[k]) - out.labels.begin());
            out.index.resize(n);
#pragma omp parallel for if (n > 50000)
            for (std::size_t i = 0; i < n; ++i) out.index[i] = code_to_level[static_cast<std::size_t>(c.i32[rows[i]])];
            break;
        }
    }
    return out;
}

std::optional<std::size_t> AgreedLevels::find(const std::string& ref) const {
    for (std::size_t k = 0; k < labels.size(); ++k)
        if (labels[k] == ref) return k;
    if (type == ColumnType::Bool) {
        int v = -1;
        if (ref == "TRUE" || ref == "T" || ref == "true" || ref == "1") v = 1;
        if (ref == "FALSE" || ref == "F" || ref == "false" || ref == "0") v = 0;
        for (std::size_t k = 0; k < values.size(); ++k)
            if (v >= 0 && values[k] == v) return k;
        return std::nullopt;
    }
    if (type == ColumnType::Int64 || type == ColumnType::Double) {
        char* end = nullptr;
        const double v = std::strtod(ref.c_str(), &end);
        if (end == ref.c_str() || *end != '\0') return std::nullopt;
        for (std::size_t k = 0; k < values.size(); ++k)
            if (values[k] == v) return k;
    }
    return std::nullopt;
}

std::string AgreedLevels::list(std::size_t max) const {
    std::string s;
    for (std::size_t k = 0; k < labels.size() && k < max; ++k) s += (k ? ", " : "") + labels[k];
    if (labels.size() > max) s += ", ... (" + std::to_string(labels.size()) + " levels)";
    return s;
}

}  // namespace kohort
