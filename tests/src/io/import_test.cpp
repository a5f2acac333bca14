// In-process import into a real store: types, values, pids, atomicity and absence of CPR bytes.
#include "io/import.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>

#include "core/error.hpp"
#include "io/cpr.hpp"
#include "io/project_key.hpp"
#include "io/pseudonym.hpp"
#include "store/store.hpp"
#include "test_util.hpp"

namespace kohort::io {
namespace {

using test::error_of;
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Made-up CPR numbers in both formats; person 010190-1234 has two rows.
const char* kDanishCsv =
    "cpr;born;bmi;region;smoker;visits\n"
    "010190-1234;1990-01-01;22,5;Syd;TRUE;3\n"
    "0203855678;1985-03-02;NA;Nord;FALSE;\n"
    "0101901234;1990-01-01;31,25;\"Syd\";NA;7\n";

struct Fixture {
    fs::path dir = test::scratch_dir();
    std::string csv = test::write_file(dir / "people.csv", kDanishCsv);
    std::string key_path = (dir / "project.key").string();
    std::string store = (dir / "cohort.h5").string();
    Fixture() { write_new_project_key(key_path); }
    ~Fixture() { fs::remove_all(dir); }
    ImportOptions options() const {
        ImportOptions o;
        o.csv_path = csv;
        o.table_name = "people";
        o.store_path = store;
        o.decimal = ',';
        o.pseudonymise_column = "cpr";
        o.key_file = key_path;
        return o;
    }
    bool no_temporaries() const {
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().filename().string().find(".tmp-") != std::string::npos) return false;
        return true;
    }
};

std::int64_t pid_of(const ProjectKey& key, const char* cpr) {
    Pseudonymiser ps(key);
    std::array<char, 10> c{};
    check_cpr(cpr, c);
    return ps.pid(c);
}

TEST(Import, DanishCsvWithPseudonymisationRoundTripsThroughTheStore) {
    Fixture f;
    ImportReport report = run_import(f.options());
    EXPECT_EQ(report.rows, 3);
    EXPECT_EQ(report.delimiter, ';');
    ASSERT_TRUE(f.no_temporaries());

    Store store = Store::open(f.store, nullptr);
    ASSERT_TRUE(store.has_table("people"));
    Table t = store.read_all("people");
    ASSERT_EQ(t.rows(), 3u);
    EXPECT_EQ(t.find("cpr"), nullptr);
    const Column& pid = t.column("pid");
    ASSERT_EQ(pid.type, ColumnType::Int64);
    EXPECT_TRUE(t.partitioned_by_pid);

    const ProjectKey key = read_project_key(f.key_path);
    const std::int64_t p1 = pid_of(key, "0101901234"), p2 = pid_of(key, "0203855678");
    // Rows are stored sorted by pid; find each person's rows by pid.
    ASSERT_TRUE(std::is_sorted(pid.i64.begin(), pid.i64.end()));
    std::vector<std::size_t> rows1, rows2;
    for (std::size_t i = 0; i < 3; ++i) (pid.i64[i] == p1 ? rows1 : rows2).push_back(i);
    ASSERT_EQ(rows1.size(), 2u);
    ASSERT_EQ(rows2.size(), 1u);
    EXPECT_EQ(pid.i64[rows2[0]], p2);

    const Column& born = t.column("born");
    EXPECT_EQ(born.type, ColumnType::Date);
    EXPECT_EQ(born.i32[rows1[0]], 7305);  // 1990-01-01: 20 years of 365 days + 5 leap days
    const Column& bmi = t.column("bmi");
    EXPECT_EQ(bmi.type, ColumnType::Double);
    EXPECT_TRUE(std::isnan(bmi.f64[rows2[0]]));
    EXPECT_EQ(bmi.f64[rows1[0]] + bmi.f64[rows1[1]], 22.5 + 31.25);
    const Column& region = t.column("region");
    EXPECT_EQ(region.type, ColumnType::Categorical);
    EXPECT_EQ(region.dictionary, (std::vector<std::string>{"Nord", "Syd"}));
    EXPECT_EQ(region.i32[rows2[0]], 0);
    EXPECT_EQ(t.column("smoker").type, ColumnType::Bool);
    EXPECT_EQ(t.column("visits").type, ColumnType::Int64);
    EXPECT_EQ(t.column("visits").i64[rows2[0]], kMissingInt64);
    store.close();

    const std::string bytes = slurp(f.store);
    for (const char* cpr : {"0101901234", "010190-1234", "0203855678", "020385-5678"})
        EXPECT_EQ(bytes.find(cpr), std::string::npos) << "a CPR number reached the store file";
}

TEST(Import, ExistingTableNeedsReplaceAndBadInputLeavesTheStoreUnchanged) {
    Fixture f;
    run_import(f.options());
    const std::string before = slurp(f.store);

    EXPECT_NE(error_of<UsageError>([&] { run_import(f.options()); }).find("pass --replace"), std::string::npos);
    EXPECT_EQ(slurp(f.store), before);

    ImportOptions bad = f.options();
    bad.replace = true;
    bad.csv_path = test::write_file(f.dir / "bad.csv", "cpr;born\n0101901234;1990-01-01\n0101901234;1990-02-30\n");
    EXPECT_NE(error_of<InputError>([&] { run_import(bad); }).find("bad.csv:3:2: column 'born': found an impossible date"),
              std::string::npos);
    EXPECT_EQ(slurp(f.store), before);

    bad.csv_path = test::write_file(f.dir / "badcpr.csv", "x;cpr\n1;0101901234\n2;3213901234\n");
    const std::string msg = error_of<InputError>([&] { run_import(bad); });
    EXPECT_NE(msg.find("badcpr.csv:3:2: column 'cpr': not a valid CPR number"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("3213901234"), std::string::npos);
    EXPECT_EQ(slurp(f.store), before);
    EXPECT_TRUE(f.no_temporaries());

    // --replace with good data replaces the table and keeps others.
    ImportOptions other = f.options();
    other.table_name = "other";
    run_import(other);
    ImportOptions again = f.options();
    again.replace = true;
    again.csv_path = test::write_file(f.dir / "one.csv", "cpr;born\n0101901234;1990-01-01\n");
    run_import(again);
    Store store = Store::open(f.store, nullptr);
    EXPECT_EQ(store.info("people").rows, 1);
    EXPECT_EQ(store.info("other").rows, 3);
}

TEST(Import, NewStoreIsNotCreatedWhenInputIsBad) {
    Fixture f;
    ImportOptions o = f.options();
    o.csv_path = test::write_file(f.dir / "ragged.csv", "cpr;born\n0101901234\n");
    EXPECT_THROW(run_import(o), InputError);
    EXPECT_FALSE(fs::exists(f.store));
    EXPECT_TRUE(f.no_temporaries());
}

TEST(Import, SchemaOverridesAndPlainPidColumns) {
    Fixture f;
    ImportOptions o;
    o.csv_path = test::write_file(f.dir / "codes.csv", "pid,kom,when\n5,0101,2020-01-01\n3,0860,NA\n");
    o.schema_path = test::write_file(f.dir / "s.ini", "[columns]\nkom = int64\nwhen = categorical\n");
    o.table_name = "codes";
    o.store_path = f.store;
    ImportReport r = run_import(o);
    Store store = Store::open(f.store, nullptr);
    Table t = store.read_all("codes");
    EXPECT_EQ(t.column("pid").i64, (std::vector<std::int64_t>{3, 5}));  // sorted by pid
    EXPECT_EQ(t.column("kom").i64, (std::vector<std::int64_t>{860, 101}));
    EXPECT_EQ(t.column("when").type, ColumnType::Categorical);

    ImportOptions neg = o;
    neg.table_name = "neg";
    neg.schema_path.reset();
    neg.csv_path = test::write_file(f.dir / "neg.csv", "pid,x\n1,2\n-4,3\n");
    EXPECT_NE(error_of<InputError>([&] { run_import(neg); }).find("neg.csv:3:1: column 'pid': found a negative number"),
              std::string::npos);

    ImportOptions unknown = o;
    unknown.table_name = "u";
    unknown.schema_path = test::write_file(f.dir / "u.ini", "[columns]\nnope = date\n");
    EXPECT_NE(error_of<InputError>([&] { run_import(unknown); }).find("u.ini:2:1: column 'nope' is not in the header"),
              std::string::npos);
}

TEST(Import, OptionChecks) {
    ImportOptions o;
    o.csv_path = "x.csv";
    o.table_name = "a/b";
    o.store_path = "s.h5";
    EXPECT_THROW(validate_import_options(o), UsageError);
    o.table_name = "ok";
    o.pseudonymise_column = "cpr";
    EXPECT_NE(error_of<UsageError>([&] { validate_import_options(o); }).find("needs --key-file"), std::string::npos);
    o.key_file = "k";
    o.decimal = ',';
    o.delimiter = ',';
    EXPECT_THROW(validate_import_options(o), UsageError);
}

}  // namespace
}  // namespace kohort::io
