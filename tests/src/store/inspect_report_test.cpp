// `kohort inspect`'s report: counts and types only, never a row value or a dictionary label.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/error.hpp"
#include "store/inspect_report.hpp"
#include "store_test_tables.hpp"

namespace fs = std::filesystem;
using namespace kohort;

namespace {

class InspectReportTest : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = (fs::temp_directory_path() / ("kohort_inspect_" + std::to_string(getpid()) + ".h5")).string();
        Store s = Store::create(path_, nullptr);
        s.write_all(kohort::testing::every_type_table("visits", 1234567 % 1000 + 1000));  // 1567 rows
        Table people;
        people.name = "people";
        Column pid("pid", ColumnType::Int64);
        pid.i64 = {kohort::testing::pid_in_bucket(9, 77, kBucketBits), kohort::testing::pid_in_bucket(2, 5, kBucketBits)};
        people.add(std::move(pid));
        s.write_all(people);
    }
    void TearDown() override { fs::remove(path_); }
    std::string path_;
};

TEST_F(InspectReportTest, TextListsTablesColumnsTypesAndMissingCountsOnly) {
    const Store s = Store::open(path_, nullptr);
    const std::string text = render_report_text(inspect_store(s));
    EXPECT_NE(text.find("2 tables"), std::string::npos) << text;
    EXPECT_NE(text.find("Table people: 2 rows, partitioned by pid, 1 columns"), std::string::npos) << text;
    EXPECT_NE(text.find("Table visits: 1,567 rows, not partitioned, 5 columns"), std::string::npos) << text;
    // Column k is missing when (row + k) % 5 == 0: rows 0,5,..,1565 for count (314), 1,6,..,1566 for region (314).
    EXPECT_NE(text.find("count   int64                  314"), std::string::npos) << text;
    EXPECT_NE(text.find("region  categorical            314     20.0%  5"), std::string::npos) << text;
    // No labels, no values.
    EXPECT_EQ(text.find("Hovedstaden"), std::string::npos) << text;
    EXPECT_EQ(text.find("9005"), std::string::npos) << text;
}

TEST_F(InspectReportTest, JsonHasTheSameFacts) {
    const Store s = Store::open(path_, nullptr);
    const nlohmann::json j = render_report_json(inspect_store(s, std::string("visits")));
    EXPECT_EQ(j["store"], path_);
    ASSERT_EQ(j["tables"].size(), 1u);
    const auto& t = j["tables"][0];
    EXPECT_EQ(t["name"], "visits");
    EXPECT_EQ(t["rows"], 1567);
    EXPECT_EQ(t["partitioning"], "none");
    EXPECT_EQ(t["bytes"], 1567 * 25);
    EXPECT_EQ(t["columns"][1]["name"], "dose");
    EXPECT_EQ(t["columns"][1]["type"], "double");
    EXPECT_EQ(t["columns"][1]["missing"], 313);
    EXPECT_EQ(t["columns"][4]["levels"], 5);
    EXPECT_FALSE(t["columns"][0].contains("levels"));
}

TEST_F(InspectReportTest, UnknownTableNamesTheExistingOnes) {
    const Store s = Store::open(path_, nullptr);
    try {
        inspect_store(s, std::string("visit"));
        FAIL() << "expected UsageError";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("its tables are: people, visits"), std::string::npos) << e.what();
    }
}

}  // namespace
