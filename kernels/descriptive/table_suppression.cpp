#include "kernels/descriptive/table_suppression.hpp"

namespace kohort {
namespace {

struct Grid {
    std::vector<std::int64_t> dims, stride;
    std::int64_t cells = 1;

    explicit Grid(const std::vector<std::int64_t>& d) : dims(d), stride(d.size(), 1) {
        for (std::size_t k = dims.size(); k-- > 1;) stride[k - 1] = stride[k] * dims[k];
        for (auto n : dims) cells *= n;
    }
    // The cells that differ from `cell` in coordinate d only (including `cell`).
    std::vector<std::int64_t> line(std::int64_t cell, std::size_t d) const {
        const std::int64_t start = cell - ((cell / stride[d]) % dims[d]) * stride[d];
        std::vector<std::int64_t> out;
        for (std::int64_t l = 0; l < dims[d]; ++l) out.push_back(start + l * stride[d]);
        return out;
    }
};

int count_suppressed(const std::vector<std::int64_t>& line, const std::vector<bool>& suppressed) {
    int n = 0;
    for (auto i : line) n += suppressed[static_cast<std::size_t>(i)] ? 1 : 0;
    return n;
}

// In a line with exactly one suppressed cell, suppresses a partner and returns true. The partner
// is the cell whose other lines it mends most (a line there holding one suppressed cell: +1) and
// spoils least (a line holding none, which it would leave with one: -1), which closes rectangles
// instead of spreading; then a non-zero cell before an empty one, then the smallest.
// `along` is the line's dimension (dims.size() for the whole-table line).
bool protect_line(const std::vector<std::int64_t>& line, std::size_t along, const Grid& g,
                  const std::vector<std::int64_t>& counts, std::vector<bool>& suppressed) {
    if (count_suppressed(line, suppressed) != 1) return false;
    const std::int64_t cells = g.cells;
    auto score = [&](std::int64_t i) {
        int s = 0;
        if (i >= cells) return s;  // the missing-value count lies on the whole-table line only
        for (std::size_t d = 0; d < g.dims.size(); ++d) {
            if (d == along || g.dims[d] < 2) continue;
            const int n = count_suppressed(g.line(i, d), suppressed);
            s += n == 1 ? 1 : (n == 0 ? -1 : 0);
        }
        return s;
    };
    std::int64_t best = -1;
    int best_score = 0;
    for (auto i : line) {
        if (suppressed[static_cast<std::size_t>(i)]) continue;
        const int sc = score(i);
        bool better = best < 0 || sc > best_score;
        if (!better && sc == best_score) {
            const auto a = counts[static_cast<std::size_t>(i)], b = counts[static_cast<std::size_t>(best)];
            better = (a > 0) != (b > 0) ? a > 0 : a < b;
        }
        if (better) best = i, best_score = sc;
    }
    if (best < 0) return false;  // a line of one cell is its own margin: nothing to pair it with
    suppressed[static_cast<std::size_t>(best)] = true;
    return true;
}

}  // namespace

std::int64_t complementary_suppression(const std::vector<std::int64_t>& counts, const std::vector<std::int64_t>& dims,
                                       std::vector<bool>& suppressed) {
    const Grid g(dims);
    std::int64_t added = 0;
    for (bool changed = true; changed;) {
        changed = false;
        for (std::size_t d = 0; d < dims.size(); ++d) {
            if (dims[d] < 2) continue;
            for (std::int64_t start = 0; start < g.cells; ++start) {
                if ((start / g.stride[d]) % dims[d] != 0) continue;  // each line once, from coordinate 0
                if (protect_line(g.line(start, d), d, g, counts, suppressed)) ++added, changed = true;
            }
        }
        std::vector<std::int64_t> all;
        for (std::int64_t i = 0; i <= g.cells; ++i) all.push_back(i);
        if (protect_line(all, dims.size(), g, counts, suppressed)) ++added, changed = true;
    }
    return added;
}

}  // namespace kohort
