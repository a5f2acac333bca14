// Complementary suppression of tables and coarsening of curves (issue 10, docs/governance.md).
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/descriptive/table_suppression.hpp"
#include "kernels/survival/curve_release.hpp"

using namespace kohort;

TEST(TableSuppression, OneSuppressedCellInALineGetsAPartner) {
    // 2 x 3 table (rows a, b; columns x, y, z) and no missing rows. Cell (a, y) = 2 is primary.
    const std::vector<std::int64_t> counts = {40, 2, 30, 25, 50, 60, 0};
    std::vector<bool> s = {false, true, false, false, false, false, false};
    const auto added = complementary_suppression(counts, {2, 3}, s);
    // Column y: its only partner (b, y) = 50. Row a: (a, z) = 30, the smaller of two that would
    // each open a column. Row b: (b, z) = 60 mends column z, so it wins over the smaller (b, x):
    // a rectangle of four, not the whole table.
    EXPECT_EQ(added, 3);
    EXPECT_EQ(s, (std::vector<bool>{false, true, true, false, true, true, false}));
    // Every line now holds 0 or at least 2 withheld cells.
    for (int r = 0; r < 2; ++r) EXPECT_NE(s[r * 3] + s[r * 3 + 1] + s[r * 3 + 2], 1);
    for (int c = 0; c < 3; ++c) EXPECT_NE(s[c] + s[3 + c], 1);
}

TEST(TableSuppression, OneWayTableAndItsMissingCount) {
    // A one-way table: the total is known elsewhere, so a single withheld cell needs a partner.
    const std::vector<std::int64_t> counts = {40, 3, 12, 0};
    std::vector<bool> s = {false, true, false, false};
    EXPECT_EQ(complementary_suppression(counts, {3}, s), 1);
    EXPECT_EQ(s, (std::vector<bool>{false, true, true, false}));
}

TEST(CurveRelease, CountsAreMultiplesOfTheBaseAndTimesBinned) {
    using namespace kohort::survival;
    StratumCounts sc;
    // Times 1.3, 2.2, 7.9, 8.1, 15; categories (censored, event); unit weights.
    sc.time = {1.3, 2.2, 7.9, 8.1, 15};
    sc.rows = {0, 2, 1, 0, 0, 3, 4, 1, 2, 0};
    sc.w = sc.rows;
    sc.w2 = sc.rows;
    const StratumCounts c = coarsen_counts(sc, 2, 5.0, 5);
    double total = 0;
    for (std::size_t j = 0; j < c.size(); ++j) {
        EXPECT_EQ(std::fmod(c.time[j], 5.0), 0.0);
        for (int k = 0; k < 2; ++k) {
            EXPECT_EQ(std::fmod(c.rows[j * 2 + k], 5.0), 0.0) << "time " << c.time[j];
            total += c.rows[j * 2 + k];
        }
    }
    // Bins end at 5, 10, 15: cumulative censored 1, 5, 7 -> 0, 5, 5 and events 2, 6, 6 -> 0, 5, 5.
    EXPECT_EQ(total, 10);
    EXPECT_EQ(curve_bin_width(1500), 20);
    EXPECT_NEAR(curve_bin_width(9.3), 0.1, 1e-15);
}

TEST(CurveRelease, MaxStepDifference) {
    using namespace kohort::survival;
    EXPECT_DOUBLE_EQ(max_step_difference({1, 2}, {0.9, 0.8}, {2}, {0.75}, 1.0), 0.1);
    EXPECT_DOUBLE_EQ(max_step_difference({1}, {0.5}, {1}, {0.5}, 1.0), 0.0);
}
