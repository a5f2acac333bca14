// `kohort run --plan`: the memory estimate from store metadata, checked against the closed form
// documented in docs/admin.md section 3 on a small store written here.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "cli/plan.hpp"
#include "core/error.hpp"
#include "store/store.hpp"

using namespace kohort;
using namespace kohort::cli;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kRows = 1000;

// people: pid, age (double), sex (categorical, 2 levels), region (categorical, 5), alive (bool).
fs::path make_store(const fs::path& dir) {
    Table t;
    t.name = "people";
    Column pid("pid", ColumnType::Int64), age("age", ColumnType::Double), sex("sex", ColumnType::Categorical),
        region("region", ColumnType::Categorical), alive("alive", ColumnType::Bool);
    sex.dictionary = {"1", "2"};
    region.dictionary = {"Hovedstaden", "Midtjylland", "Nordjylland", "Sjælland", "Syddanmark"};
    for (std::int64_t i = 0; i < kRows; ++i) {
        pid.i64.push_back(i * 1000003);
        age.f64.push_back(40.0 + static_cast<double>(i % 30));
        sex.i32.push_back(static_cast<std::int32_t>(i % 2));
        region.i32.push_back(static_cast<std::int32_t>(i % 5));
        alive.i8.push_back(static_cast<std::int8_t>(i % 3 == 0));
    }
    for (auto* c : {&pid, &age, &sex, &region, &alive}) t.add(std::move(*c));
    const fs::path store = dir / "plan.h5";
    Store s = Store::create(store.string(), nullptr);
    s.write_all(t);
    s.close();
    return store;
}

fs::path write_job(const fs::path& dir, const std::string& models) {
    const fs::path job = dir / "plan.ini";
    std::ofstream(job) << "[job]\nname = plan\nstore = plan.h5\noutput = out/plan\n\n" << models;
    return job;
}

}  // namespace

TEST(Plan, EstimateFollowsTheDocumentedFormula) {
    const fs::path dir = fs::path(::testing::TempDir()) / "kohort_plan_test";
    fs::create_directories(dir);
    make_store(dir);
    const fs::path job = write_job(dir,
                                   "[model.g]\nkind = glm\nfamily = binomial\ntable = people\n"
                                   "formula = alive ~ age + factor(region) + sex\n\n"
                                   "[model.s]\nkind = summary\ntable = people\ncolumns = age\n");
    const PlanEstimate est = estimate_job(job.string());

    // Columns read: alive (bool, 1 byte), age (double, 8), region and sex (codes, 4 each).
    ASSERT_EQ(est.inputs.size(), 1u);
    EXPECT_EQ(est.inputs[0].table, "people");
    EXPECT_EQ(est.inputs[0].rows, kRows);
    EXPECT_EQ(est.inputs[0].columns, 4);
    EXPECT_EQ(est.loaded_bytes, kRows * (1 + 8 + 4 + 4));

    // glm design: intercept + age + 4 region contrasts + 1 sex contrast = 7 columns;
    // working memory rows x (p + 8 vectors) x 8 bytes. summary: rows x 2 doubles.
    ASSERT_EQ(est.models.size(), 2u);
    EXPECT_EQ(est.models[0].design_columns, 7);
    EXPECT_EQ(est.models[0].working_bytes, kRows * (7 + 8) * 8);
    EXPECT_EQ(est.models[1].working_bytes, kRows * 2 * 8);
    EXPECT_EQ(est.peak_working_bytes, kRows * (7 + 8) * 8);
    EXPECT_FALSE(est.assumed_factor_levels);

    for (int ranks : {1, 2, 3, 64}) {
        const double data = double(kRows * 17 + kRows * 15 * 8) / ranks;
        EXPECT_EQ(est.per_rank_bytes(ranks),
                  static_cast<std::int64_t>(std::ceil(data * 1.10)) + (std::int64_t{64} << 20))
            << ranks << " ranks";
    }

    const std::string report = plan_job(job.string(), 3);
    EXPECT_NE(report.find("people"), std::string::npos) << report;
    EXPECT_NE(report.find("<- this run"), std::string::npos) << report;
    EXPECT_NE(report.find("--mem is per node"), std::string::npos) << report;
}

TEST(Plan, WholeTableAndNumericFactors) {
    const fs::path dir = fs::path(::testing::TempDir()) / "kohort_plan_test2";
    fs::create_directories(dir);
    make_store(dir);
    // A summary without `columns` loads the whole table; factor(age) has unknown levels.
    const fs::path job = write_job(dir,
                                   "[model.s]\nkind = summary\ntable = people\n\n"
                                   "[model.g]\nkind = glm\nfamily = gaussian\ntable = people\nformula = age ~ factor(age)\n");
    const PlanEstimate est = estimate_job(job.string());
    EXPECT_EQ(est.inputs[0].columns, 5);
    EXPECT_EQ(est.loaded_bytes, kRows * (8 + 8 + 4 + 4 + 1));
    EXPECT_TRUE(est.assumed_factor_levels);
    EXPECT_EQ(est.models[1].design_columns, 1 + 9);
    EXPECT_NE(plan_job(job.string()).find("counted as 10 levels"), std::string::npos);
}

TEST(Plan, MissingStoreOrTableIsBadInput) {
    const fs::path dir = fs::path(::testing::TempDir()) / "kohort_plan_test3";
    fs::create_directories(dir);
    const fs::path job = write_job(dir, "[model.s]\nkind = summary\ntable = people\n");
    fs::remove(dir / "plan.h5");
    EXPECT_THROW(estimate_job(job.string()), UsageError);
    make_store(dir);
    const fs::path job2 = write_job(dir, "[model.s]\nkind = summary\ntable = nobody\n");
    try {
        estimate_job(job2.string());
        FAIL() << "unknown table accepted";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("'nobody' is not in the store"), std::string::npos) << e.what();
    }
}
