// Collective store tests at 1-4 ranks: a pid-partitioned table written collectively is read back
// with every rank holding exactly its bucket range (the same pid range in two tables), per-rank
// bytes read are about total/ranks, and bad collective writes fail on every rank without a hang.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/error.hpp"
#include "store/store.hpp"
#include "store/table_stream.hpp"
#include "store_test_tables.hpp"

namespace fs = std::filesystem;
using namespace kohort;

namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// Every rank generates the same persons (pids like keyed hashes: uniform 63-bit) and keeps its own.
std::vector<std::int64_t> my_sorted_pids(int persons, int rank, int ranks) {
    std::uint64_t state = 12345;
    std::vector<std::int64_t> mine;
    const std::int64_t lo = first_bucket(rank, ranks), hi = first_bucket(rank + 1, ranks);
    for (int i = 0; i < persons; ++i) {
        const auto pid = static_cast<std::int64_t>(splitmix64(state) >> 1);
        if (pid_bucket(pid) >= lo && pid_bucket(pid) < hi) mine.push_back(pid);
    }
    std::sort(mine.begin(), mine.end());
    return mine;
}

Column categorical(const std::string& name, std::size_t n) {
    Column c(name, ColumnType::Categorical);
    c.dictionary = {"I21", "E11", "C50", "J44"};
    for (std::size_t i = 0; i < n; ++i) c.i32.push_back(i % 7 == 0 ? kMissingCode : static_cast<std::int32_t>(i % 4));
    return c;
}

// population: one row per person; events: pid-dependent 0-4 rows per person.
Table population(const std::vector<std::int64_t>& pids) {
    Table t;
    t.name = "population";
    t.partitioned_by_pid = true;
    Column pid("pid", ColumnType::Int64), birth("birth_date", ColumnType::Date), w("weight", ColumnType::Double);
    for (std::size_t i = 0; i < pids.size(); ++i) {
        pid.i64.push_back(pids[i]);
        birth.i32.push_back(static_cast<std::int32_t>(pids[i] % 20000) - 10000);
        w.f64.push_back(i % 11 == 0 ? std::nan("") : 50.0 + static_cast<double>(pids[i] % 500) / 10.0);
    }
    t.add(std::move(pid));
    t.add(std::move(birth));
    t.add(std::move(w));
    t.add(categorical("region", pids.size()));
    return t;
}

Table events(const std::vector<std::int64_t>& pids) {
    Table t;
    t.name = "events";
    t.partitioned_by_pid = true;
    Column pid("pid", ColumnType::Int64), flag("inpatient", ColumnType::Bool);
    for (const std::int64_t p : pids)
        for (int k = 0; k < static_cast<int>(p % 5); ++k) {
            pid.i64.push_back(p);
            flag.i8.push_back(static_cast<std::int8_t>(k % 2));
        }
    const std::size_t n = pid.i64.size();
    t.add(std::move(pid));
    t.add(std::move(flag));
    t.add(categorical("icd10", n));
    return t;
}

class StoreMpiTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (comm_.is_root()) {
            dir_ = (fs::temp_directory_path() / ("kohort_store_mpi_" + std::to_string(getpid()))).string();
            fs::remove_all(dir_);
            fs::create_directories(dir_);
        }
        comm_.broadcast(dir_);
    }
    void TearDown() override {
        comm_.barrier();
        if (comm_.is_root()) fs::remove_all(dir_);
    }
    std::string file(const std::string& name) const { return dir_ + "/" + name; }
    Comm comm_;
    std::string dir_;
};

constexpr int kPersons = 20000;

TEST_F(StoreMpiTest, EveryRankReadsExactlyItsBucketRangeInEveryTable) {
    const int r = comm_.rank(), R = comm_.size();
    const auto pids = my_sorted_pids(kPersons, r, R);
    const Table pop = population(pids), ev = events(pids);
    {
        Store s = Store::create(file("c.h5"), &comm_);
        s.write(pop, comm_);
        s.write(ev, comm_);
        s.close();
    }
    Store s = Store::open(file("c.h5"), &comm_);
    EXPECT_EQ(s.info("population").rows, kPersons);
    const Table pop_back = s.read("population", comm_);
    const Table ev_back = s.read("events", comm_);
    ASSERT_TRUE(pop_back.partitioned_by_pid);
    ASSERT_TRUE(ev_back.partitioned_by_pid);

    // Exactly the rows this rank wrote, in the same order, values intact.
    ASSERT_EQ(pop_back.rows(), pop.rows());
    for (std::size_t k = 0; k < pop.columns.size(); ++k)
        EXPECT_TRUE(kohort::testing::same_values(pop_back.columns[k], pop.columns[k])) << pop.columns[k].name;
    ASSERT_EQ(ev_back.rows(), ev.rows());
    for (std::size_t k = 0; k < ev.columns.size(); ++k)
        EXPECT_TRUE(kohort::testing::same_values(ev_back.columns[k], ev.columns[k])) << ev.columns[k].name;

    // Every pid in both tables lies in this rank's buckets, and events persons are population persons.
    const std::int64_t lo = first_bucket(r, R), hi = first_bucket(r + 1, R);
    for (const auto* t : {&pop_back, &ev_back})
        for (const std::int64_t p : t->column("pid").i64) {
            ASSERT_GE(pid_bucket(p), lo);
            ASSERT_LT(pid_bucket(p), hi);
        }
    const std::set<std::int64_t> persons(pop_back.column("pid").i64.begin(), pop_back.column("pid").i64.end());
    for (const std::int64_t p : ev_back.column("pid").i64) ASSERT_TRUE(persons.count(p));

    // The shares add up to the whole table, none twice.
    EXPECT_EQ(comm_.allreduce(static_cast<std::int64_t>(pop_back.rows())), kPersons);
    EXPECT_EQ(comm_.allreduce(static_cast<std::int64_t>(ev_back.rows())), s.info("events").rows);
}

// Store::stream hands out the same share as Store::read, in blocks: appending the blocks (of an
// odd size, so the last is partial and ranks call next() different numbers of times) gives the
// share back value for value, column order as requested, dictionaries included.
TEST_F(StoreMpiTest, StreamedBlocksReassembleTheRanksShare) {
    const int r = comm_.rank(), R = comm_.size();
    const auto pids = my_sorted_pids(kPersons, r, R);
    {
        Store s = Store::create(file("s.h5"), &comm_);
        s.write(events(pids), comm_);
        s.close();
    }
    Store s = Store::open(file("s.h5"), &comm_);
    const std::vector<std::string> cols = {"icd10", "pid", "inpatient"};
    const Table whole = s.read("events", comm_, cols);
    for (const std::size_t block_rows : {std::size_t{97}, std::size_t{1} << 20}) {
        TableStream stream = s.stream("events", comm_, cols);
        EXPECT_TRUE(stream.partitioned_by_pid());
        ASSERT_EQ(stream.rows(), static_cast<std::int64_t>(whole.rows()));
        Table block, joined;
        for (const auto& c : cols) joined.add(Column(c, whole.column(c).type));
        std::size_t calls = 0;
        while (const std::size_t got = stream.next(block, block_rows)) {
            ++calls;
            ASSERT_LE(got, block_rows);
            ASSERT_EQ(block.rows(), got);
            ASSERT_EQ(block.columns.size(), cols.size());
            for (std::size_t k = 0; k < cols.size(); ++k) {
                ASSERT_EQ(block.columns[k].name, cols[k]);
                joined.columns[k].dictionary = block.columns[k].dictionary;
                for (std::size_t i = 0; i < got; ++i) joined.columns[k].append_from(block.columns[k], i);
            }
        }
        EXPECT_EQ(stream.rows_read(), stream.rows());
        EXPECT_EQ(calls, (whole.rows() + block_rows - 1) / block_rows);
        for (std::size_t k = 0; k < cols.size(); ++k)
            EXPECT_TRUE(kohort::testing::same_values(joined.columns[k], whole.column(cols[k]))) << cols[k];
    }
}

TEST_F(StoreMpiTest, BytesReadPerRankAreAboutTotalOverRanks) {
    const int R = comm_.size();
    const auto pids = my_sorted_pids(kPersons, comm_.rank(), R);
    {
        Store s = Store::create(file("b.h5"), &comm_);
        s.write(events(pids), comm_);
    }
    Store s = Store::open(file("b.h5"), &comm_);
    const TableInfo info = s.info("events");
    const std::int64_t dictionary_bytes = 4 * 4;  // four null-terminated 3-byte labels, read whole by each rank
    s.read("events", comm_);
    const std::int64_t mine = s.bytes_read();
    // Everything is read exactly once, plus one dictionary per rank.
    EXPECT_EQ(comm_.allreduce(mine), info.bytes + R * dictionary_bytes);
    const double fair = static_cast<double>(info.bytes) / R;
    EXPECT_LE(static_cast<double>(mine), 1.5 * fair + dictionary_bytes) << "rank " << comm_.rank();
    EXPECT_GE(static_cast<double>(mine), fair / 1.5) << "rank " << comm_.rank();
}

TEST_F(StoreMpiTest, SerialOpensOnEveryRankReadTheSameShares) {
    const auto pids = my_sorted_pids(kPersons, comm_.rank(), comm_.size());
    const Table pop = population(pids);
    { Store::create(file("s.h5"), &comm_).write(pop, comm_); }
    Store s = Store::open(file("s.h5"), nullptr);  // each rank on its own, no MPI-IO
    const Table back = s.read("population", comm_, {"pid"});
    EXPECT_EQ(back.column("pid").i64, pop.column("pid").i64);
}

TEST_F(StoreMpiTest, TablesWithoutPidAreSplitIntoNearEqualRanges) {
    const int r = comm_.rank(), R = comm_.size();
    // Rank r writes r+1 rows of a 2-column table: uneven on the way in.
    Table t = kohort::testing::every_type_table("plain", static_cast<std::size_t>(r + 1));
    const std::int64_t total = static_cast<std::int64_t>(R) * (R + 1) / 2;
    {
        Store s = Store::create(file("p.h5"), &comm_);
        s.write(t, comm_);
    }
    Store s = Store::open(file("p.h5"), &comm_);
    const Table back = s.read("plain", comm_);
    EXPECT_FALSE(back.partitioned_by_pid);
    EXPECT_EQ(static_cast<std::int64_t>(back.rows()), total * (r + 1) / R - total * r / R);
    // All of it, in rank order, on every rank.
    const Table all = s.read_all("plain");
    ASSERT_EQ(static_cast<std::int64_t>(all.rows()), total);
    std::int64_t row = 0;
    for (int q = 0; q < R; ++q) {
        const Table part = kohort::testing::every_type_table("plain", static_cast<std::size_t>(q + 1));
        for (std::size_t i = 0; i < part.rows(); ++i, ++row)
            for (std::size_t k = 0; k < part.columns.size(); ++k)
                ASSERT_EQ(all.columns[k].missing(row), part.columns[k].missing(i));
    }
}

TEST_F(StoreMpiTest, RowsOutsideTheRanksBucketsFailOnEveryRank) {
    const int r = comm_.rank(), R = comm_.size();
    Store s = Store::create(file("e.h5"), &comm_);
    auto pids = my_sorted_pids(kPersons, r, R);
    Table good = population(pids);
    // The last rank adds a person from bucket 0, which belongs to rank 0 (for R > 1).
    Table bad = good;
    if (r == R - 1 && R > 1) {
        bad.columns[0].i64.insert(bad.columns[0].i64.begin(), kohort::testing::pid_in_bucket(0, 1, kBucketBits));
        for (std::size_t k = 1; k < bad.columns.size(); ++k) bad.columns[k].append_from(good.columns[k], 0);
    }
    if (R > 1) {
        try {
            s.write(bad, comm_);
            ADD_FAILURE() << "expected the write to fail on rank " << r;
        } catch (const InternalError& e) {
            const std::string msg = e.what();
            if (r == R - 1) EXPECT_NE(msg.find("outside this rank's buckets"), std::string::npos) << msg;
            else EXPECT_NE(msg.find("failed on another rank"), std::string::npos) << msg;
        }
        EXPECT_FALSE(s.has_table("population"));
    }
    // Unsorted rows are refused too (on any rank count).
    Table unsorted = good;
    if (r == 0 && unsorted.rows() >= 2) std::swap(unsorted.columns[0].i64[0], unsorted.columns[0].i64[1]);
    EXPECT_THROW(s.write(unsorted, comm_), InternalError);
    // The store still works afterwards.
    s.write(good, comm_);
    EXPECT_EQ(s.info("population").rows, kPersons);
}

TEST_F(StoreMpiTest, DifferentDictionariesOnRanksAreRefused) {
    Store s = Store::create(file("d.h5"), &comm_);
    Table t = kohort::testing::every_type_table("visits", 5);
    if (comm_.rank() == comm_.size() - 1) t.columns[4].dictionary[0] = "Capital Region";
    if (comm_.size() > 1) {
        try {
            s.write(t, comm_);
            ADD_FAILURE() << "expected the write to fail";
        } catch (const InternalError& e) {
            EXPECT_NE(std::string(e.what()).find("different dictionaries"), std::string::npos) << e.what();
        }
    } else {
        s.write(t, comm_);
        EXPECT_EQ(s.read_all("visits").columns[4].dictionary[0], "Capital Region");
    }
}

TEST_F(StoreMpiTest, CollectiveAttributesAndReplacement) {
    Store s = Store::create(file("a.h5"), &comm_);
    s.set_attributes("/synth", {{"hr_statin", 0.7}});
    s.set_string_attribute("/synth", "note", "planted");
    s.write(kohort::testing::every_type_table("visits", 4), comm_);
    s.write(kohort::testing::every_type_table("visits", 2), comm_);  // replaces
    s.close();
    Store back = Store::open(file("a.h5"), &comm_);
    EXPECT_EQ(back.attributes("/synth").at("hr_statin"), 0.7);
    EXPECT_EQ(back.string_attribute("/synth", "note").value_or(""), "planted");
    EXPECT_EQ(back.info("visits").rows, 2 * comm_.size());
    EXPECT_EQ(back.table_names(), std::vector<std::string>{"visits"});
}

}  // namespace
