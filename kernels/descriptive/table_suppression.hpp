// Complementary (secondary) suppression for kind = table (issue 10, docs/governance.md "Tables").
// A suppressed cell must not follow from a margin: every line of the table (the cells that differ
// in one coordinate only; their sum is a cell of the table without that column, which the job may
// release in another model) and the whole table with its missing-value count (their sum is the
// table's rows, which other outputs give) holds either no suppressed cell or at least two.
// Where a line holds one, the smallest other cell of the line is suppressed too (non-zero cells
// first), and the lines are checked again until none holds exactly one.
#pragma once
#include <cstdint>
#include <vector>

namespace kohort {

// counts: the dense cells (row-major over `dims`) followed by one more entry, the rows with a
// missing grouping value, which takes part only in the whole-table line. suppressed: same size,
// true for the primary suppressions on entry; complementary ones are added. Returns how many
// were added.
std::int64_t complementary_suppression(const std::vector<std::int64_t>& counts, const std::vector<std::int64_t>& dims,
                                       std::vector<bool>& suppressed);

}  // namespace kohort
