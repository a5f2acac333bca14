// Serial store tests: round trips of every column type with missing values, replacing a table,
// pid sorting, attributes, and the error messages a user sees.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "store/hdf5_handles.hpp"
#include "store/store.hpp"
#include "store_test_tables.hpp"

namespace fs = std::filesystem;
using namespace kohort;
using kohort::testing::every_type_table;
using kohort::testing::same_values;

namespace {

class StoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("kohort_store_unit_" + std::to_string(getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string file(const std::string& name) const { return (dir_ / name).string(); }
    fs::path dir_;
};

template <typename E, typename F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected an exception";
    return {};
}

TEST_F(StoreTest, RoundTripsEveryTypeWithMissingValues) {
    const Table t = every_type_table("visits", 103);
    {
        Store s = Store::create(file("a.h5"), nullptr);
        s.write_all(t);
        s.close();
    }
    Store s = Store::open(file("a.h5"), nullptr);
    const Table back = s.read_all("visits");
    EXPECT_EQ(back.name, "visits");
    EXPECT_FALSE(back.partitioned_by_pid);
    ASSERT_EQ(back.columns.size(), t.columns.size());
    for (std::size_t k = 0; k < t.columns.size(); ++k) {
        EXPECT_EQ(back.columns[k].name, t.columns[k].name);
        EXPECT_TRUE(same_values(back.columns[k], t.columns[k])) << t.columns[k].name;
    }
    const TableInfo info = s.info("visits");
    EXPECT_EQ(info.rows, 103);
    EXPECT_FALSE(info.partitioned_by_pid);
    ASSERT_EQ(info.columns.size(), 5u);
    for (std::size_t k = 0; k < 5; ++k) {
        EXPECT_EQ(info.columns[k].type, t.columns[k].type);
        // Row i is missing in column k when (i + k) % 5 == 0: rows k', k'+5, ... with k' = (5 - k) % 5.
        const std::int64_t first = (5 - static_cast<std::int64_t>(k)) % 5;
        EXPECT_EQ(info.columns[k].missing, (103 - first + 4) / 5) << t.columns[k].name;
    }
    EXPECT_EQ(info.columns[4].dictionary_size, 5);
    EXPECT_EQ(info.bytes, 103 * (8 + 8 + 1 + 4 + 4));
    EXPECT_EQ(s.bytes_read(), info.bytes + 5 * (static_cast<std::int64_t>(std::string("Midtjylland").size()) + 1));  // labels are stored null-terminated
}

TEST_F(StoreTest, ReadsAChosenSubsetOfColumnsInTheAskedOrder) {
    Store s = Store::create(file("a.h5"), nullptr);
    s.write_all(every_type_table("visits", 10));
    const Table back = s.read_all("visits", {"region", "count"});
    ASSERT_EQ(back.columns.size(), 2u);
    EXPECT_EQ(back.columns[0].name, "region");
    EXPECT_EQ(back.columns[1].name, "count");
    EXPECT_EQ(back.columns[0].dictionary.size(), 5u);
    EXPECT_EQ(s.bytes_read(), 10 * (4 + 8) + 5 * 12);
}

TEST_F(StoreTest, RoundTripsAnEmptyTable) {
    Store s = Store::create(file("a.h5"), nullptr);
    s.write_all(every_type_table("empty", 0));
    const Table back = s.read_all("empty");
    ASSERT_EQ(back.columns.size(), 5u);
    EXPECT_EQ(back.rows(), 0u);
    EXPECT_EQ(back.columns[4].dictionary.size(), 5u);
    EXPECT_EQ(s.info("empty").rows, 0);
}

TEST_F(StoreTest, ReplacingATableLeavesOnlyTheNewVersion) {
    Store s = Store::create(file("a.h5"), nullptr);
    s.write_all(every_type_table("visits", 50));
    Table small;
    small.name = "visits";
    Column x("x", ColumnType::Double);
    x.f64 = {1.5, std::nan(""), 3.5};
    small.add(std::move(x));
    s.write_all(small);
    s.write_all(every_type_table("other", 4));
    EXPECT_EQ(s.table_names(), (std::vector<std::string>{"other", "visits"}));
    const Table back = s.read_all("visits");
    ASSERT_EQ(back.columns.size(), 1u);
    EXPECT_TRUE(same_values(back.columns[0], small.columns[0]));
    EXPECT_EQ(s.info("visits").rows, 3);
    s.close();
    // The staging group holds nothing once the writes are done.
    Store again = Store::open(file("a.h5"), nullptr);
    EXPECT_EQ(again.table_names(), (std::vector<std::string>{"other", "visits"}));
}

TEST_F(StoreTest, WriteAllSortsByPidAndRecordsBucketOffsets) {
    // pids in buckets 7, 3, 3, 4000, 0 (unsorted), each row tagged so the sort can be followed.
    const std::vector<std::int64_t> buckets = {7, 3, 3, 4000, 0};
    Table t;
    t.name = "people";
    Column pid("pid", ColumnType::Int64), tag("tag", ColumnType::Int64);
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        pid.i64.push_back(kohort::testing::pid_in_bucket(buckets[i], 100 - static_cast<std::int64_t>(i), kBucketBits));
        tag.i64.push_back(static_cast<std::int64_t>(i));
    }
    t.add(std::move(pid));
    t.add(std::move(tag));
    Store s = Store::create(file("a.h5"), nullptr);
    s.write_all(t);
    const Table back = s.read_all("people");
    EXPECT_TRUE(back.partitioned_by_pid);
    EXPECT_TRUE(std::is_sorted(back.column("pid").i64.begin(), back.column("pid").i64.end()));
    EXPECT_EQ(back.column("tag").i64, (std::vector<std::int64_t>{4, 2, 1, 0, 3}));
    EXPECT_TRUE(s.info("people").partitioned_by_pid);
    s.close();

    // The offsets attribute, read straight from the file: rows before bucket b.
    h5::PropList fapl = h5::PropList::default_list();
    h5::File f = h5::File::open(file("a.h5"), false, fapl);
    const auto offsets = f.root().open_group("tables/people").read_int64s_attribute("pid_bucket_offsets");
    ASSERT_EQ(static_cast<std::int64_t>(offsets.size()), kBuckets + 1);
    EXPECT_EQ(offsets[0], 0);
    EXPECT_EQ(offsets[1], 1);     // bucket 0 holds one row
    EXPECT_EQ(offsets[3], 1);
    EXPECT_EQ(offsets[4], 3);     // bucket 3 holds two
    EXPECT_EQ(offsets[8], 4);     // bucket 7 one
    EXPECT_EQ(offsets[4000], 4);
    EXPECT_EQ(offsets[4001], 5);  // bucket 4000 one
    EXPECT_EQ(offsets[kBuckets], 5);
}

TEST_F(StoreTest, RefusesNegativeOrMissingPids) {
    Table t;
    t.name = "people";
    Column pid("pid", ColumnType::Int64);
    pid.i64 = {5, kMissingInt64, -3};
    t.add(std::move(pid));
    Store s = Store::create(file("a.h5"), nullptr);
    const std::string msg = message_of<UsageError>([&] { s.write_all(t); });
    EXPECT_NE(msg.find("2 missing or negative"), std::string::npos) << msg;
    EXPECT_FALSE(s.has_table("people"));
}

TEST_F(StoreTest, MissingTableAndColumnNameWhatExists) {
    Store s = Store::create(file("a.h5"), nullptr);
    s.write_all(every_type_table("visits", 3));
    const std::string table_msg = message_of<UsageError>([&] { s.read_all("vists"); });
    EXPECT_NE(table_msg.find("has no table 'vists'"), std::string::npos) << table_msg;
    EXPECT_NE(table_msg.find("its tables are: visits"), std::string::npos) << table_msg;
    EXPECT_NE(table_msg.find(file("a.h5")), std::string::npos) << table_msg;
    const std::string col_msg = message_of<UsageError>([&] { s.read_all("visits", {"count", "dse"}); });
    EXPECT_NE(col_msg.find("no column 'dse'"), std::string::npos) << col_msg;
    EXPECT_NE(col_msg.find("count, dose, smoker, visit, region"), std::string::npos) << col_msg;
    EXPECT_THROW(s.info("nope"), UsageError);
    EXPECT_FALSE(s.has_table("nope"));
    EXPECT_FALSE(s.has_table("a/b"));
}

TEST_F(StoreTest, OpeningSomethingThatIsNotAStoreIsAUsageError) {
    const std::string missing = message_of<UsageError>([&] { Store::open(file("nope.h5"), nullptr); });
    EXPECT_NE(missing.find(file("nope.h5")), std::string::npos) << missing;
    EXPECT_NE(missing.find("does not exist"), std::string::npos) << missing;

    std::ofstream(file("text.h5")) << "pid,age\n1,2\n";
    const std::string text = message_of<UsageError>([&] { Store::open(file("text.h5"), nullptr); });
    EXPECT_NE(text.find("not a readable HDF5 file"), std::string::npos) << text;

    {
        h5::File f = h5::File::create(file("plain.h5"), h5::PropList::default_list());
        f.close();
    }
    const std::string plain = message_of<UsageError>([&] { Store::open(file("plain.h5"), nullptr); });
    EXPECT_NE(plain.find("not a kohort store"), std::string::npos) << plain;
}

TEST_F(StoreTest, RejectsNamesTheLayoutCannotHold) {
    Store s = Store::create(file("a.h5"), nullptr);
    Table t = every_type_table("a/b", 2);
    EXPECT_THROW(s.write_all(t), UsageError);
    t.name = "ok";
    t.columns[0].name = "_dictionaries";
    const std::string msg = message_of<UsageError>([&] { s.write_all(t); });
    EXPECT_NE(msg.find("reserves"), std::string::npos) << msg;
    EXPECT_TRUE(s.table_names().empty());
}

TEST_F(StoreTest, ReadOnlyStoreRefusesWrites) {
    { Store::create(file("a.h5"), nullptr).close(); }
    Store s = Store::open(file("a.h5"), nullptr);
    EXPECT_THROW(s.write_all(every_type_table("t", 1)), InternalError);
    EXPECT_THROW(s.set_attributes("/synth", {{"x", 1.0}}), InternalError);
}

TEST_F(StoreTest, AttributesRoundTripOnAnyGroup) {
    {
        Store s = Store::create(file("a.h5"), nullptr);
        s.set_attributes("/synth/truth", {{"hr_statin", 0.75}, {"persons", 1000}});
        s.set_attributes("synth/truth", {{"hr_diabetes", 1.8}});
        s.set_string_attribute("/synth", "seed_note", "made by a test – æøå");
        s.write_all(every_type_table("visits", 2));
        s.set_attributes("/tables/visits", {{"source_version", 3}});
        s.close();
    }
    Store s = Store::open(file("a.h5"), nullptr);
    const Attributes a = s.attributes("/synth/truth");
    EXPECT_EQ(a, (Attributes{{"hr_statin", 0.75}, {"persons", 1000}, {"hr_diabetes", 1.8}}));
    EXPECT_EQ(s.string_attribute("/synth", "seed_note").value_or(""), "made by a test – æøå");
    EXPECT_FALSE(s.string_attribute("/synth", "nope").has_value());
    EXPECT_FALSE(s.string_attribute("/nowhere", "nope").has_value());
    EXPECT_DOUBLE_EQ(s.attributes("/tables/visits").at("source_version"), 3.0);
    // Table metadata strings (partitioning, columns) are not numeric and stay out of the map.
    EXPECT_EQ(s.attributes("/tables/visits").count("partitioning"), 0u);
    EXPECT_EQ(s.string_attribute("/tables/visits", "partitioning").value_or(""), "none");
    EXPECT_THROW(s.attributes("/nowhere"), UsageError);
}

TEST_F(StoreTest, ColumnsCarryFillValueAndMissingValueAttribute) {
    { Store s = Store::create(file("a.h5"), nullptr); s.write_all(every_type_table("visits", 3)); }
    h5::File f = h5::File::open(file("a.h5"), false, h5::PropList::default_list());
    h5::Group g = f.root().open_group("tables/visits");
    h5::Dataset date = g.open_dataset("visit");
    EXPECT_EQ(date.read_string_attribute("kohort_type"), "date");
    EXPECT_EQ(date.read_int64_attribute("missing_value"), kMissingDate);
    hid_t dcpl = H5Dget_create_plist(date.id());
    std::int32_t fill = 0;
    ASSERT_GE(H5Pget_fill_value(dcpl, H5T_NATIVE_INT32, &fill), 0);
    H5Pclose(dcpl);
    EXPECT_EQ(fill, kMissingDate);
    EXPECT_EQ(g.open_dataset("count").read_int64_attribute("missing_value"), kMissingInt64);
    EXPECT_TRUE(std::isnan(g.open_dataset("dose").read_double_attribute("missing_value")));
    EXPECT_EQ(g.open_dataset("smoker").read_int64_attribute("missing_value"), -1);
    EXPECT_EQ(g.open_dataset("region").read_int64_attribute("missing_value"), -1);
    EXPECT_EQ(g.read_strings_attribute("columns"),
              (std::vector<std::string>{"count", "dose", "smoker", "visit", "region"}));
    EXPECT_EQ(g.open_group("_dictionaries").open_dataset("region").read_strings(h5::PropList::default_list()),
              (std::vector<std::string>{"Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland"}));
}

TEST_F(StoreTest, ManyColumnsFitInTheColumnsAttribute) {
    // Compact HDF5 attributes stop at 64 KiB; the table group uses dense attribute storage.
    Table t;
    t.name = "wide";
    for (int k = 0; k < 3000; ++k) {
        Column c("snp_with_a_rather_long_name_" + std::to_string(k), ColumnType::Double);
        c.f64 = {0.0, 1.0};
        t.add(std::move(c));
    }
    Store s = Store::create(file("a.h5"), nullptr);
    s.write_all(t);
    const TableInfo info = s.info("wide");
    ASSERT_EQ(info.columns.size(), 3000u);
    EXPECT_EQ(info.columns[2999].name, "snp_with_a_rather_long_name_2999");
}

TEST_F(StoreTest, Hdf5ErrorsNameFileObjectAndOperation) {
    { Store::create(file("a.h5"), nullptr).close(); }
    h5::File f = h5::File::open(file("a.h5"), false, h5::PropList::default_list());
    try {
        f.root().open_group("tables").open_dataset("ghost");
        FAIL() << "expected Hdf5Error";
    } catch (const h5::Hdf5Error& e) {
        EXPECT_EQ(e.file(), file("a.h5"));
        EXPECT_EQ(e.object(), "/tables/ghost");
        EXPECT_EQ(e.operation(), "H5Dopen2");
        EXPECT_EQ(e.code(), ExitCode::internal);
        EXPECT_NE(std::string(e.what()).find("H5Dopen2 failed on '/tables/ghost'"), std::string::npos) << e.what();
    }
}

}  // namespace
