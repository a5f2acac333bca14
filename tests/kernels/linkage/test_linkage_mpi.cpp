// The cohort built on 1-4 ranks equals the one a single rank builds (MPI_COMM_SELF on rank 0) and
// the generator's own record of every person (synth::simulate_person, which shares no code with
// the linkage), whatever the size of the blocks registers are streamed in; a copy of the diagnoses register stored without pid partitioning gives the same
// cohort through the all-to-all exchange; Lexis pieces add up to the cohort's follow-up.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "jobs/release.hpp"
#include "jobs/job_file.hpp"
#include "kernels/linkage/cohort_builder.hpp"
#include "kernels/linkage/lexis.hpp"
#include "kernels/linkage/pid_exchange.hpp"
#include "synth/person.hpp"
#include "synth/synth.hpp"
#include "synth/truth.hpp"

using namespace kohort;
using namespace kohort::linkage;

namespace {

constexpr std::int64_t kPersons = 3000;
constexpr std::uint64_t kSeed = 7;

const char* kJob = R"([job]
name = linkage_test
store = linkage.h5
output = out
[variable.statin]
register = prescriptions
column = atc
codes = C10AA*
window = -365, -1
[variable.diabetes]
register = diagnoses_flat
column = icd10
codes = E1[0-4]*
window = -inf, -1
[variable.prior_mi]
register = diagnoses
column = icd10
codes = I21*
window = -inf, 0
[variable.mi]
register = diagnoses
column = icd10
codes = I21*
window = 1, inf
value = first
[variable.mi_flat]
register = diagnoses_flat
column = icd10
codes = I21*
window = 1, inf
value = first
[variable.statin_ddd]
register = prescriptions
column = atc
codes = C10AA*
window = -365, -1
value = sum(ddd)
[cohort.study]
index = 2010-01-01
age = 30, 90
exclude = prior_mi
end = 2020-12-31
outcome = mi
competing = death
covariates = age, sex, statin, diabetes, statin_ddd, mi_flat
)";

struct Fixture {
    std::string dir, store, job;
};

// Rank 0 picks the folder; every rank writes the store collectively, then adds a copy of the
// diagnoses stored unpartitioned (each rank's rows reversed, in rank order).
Fixture make_fixture(const Comm& comm) {
    std::string dir = (std::filesystem::temp_directory_path() / ("kohort_linkage_mpi_" + std::to_string(comm.size()))).string();
    if (comm.is_root()) {
        std::filesystem::create_directories(dir);
        std::ofstream(dir + "/study.ini") << kJob;
        std::ofstream(dir + "/site.ini") << "[disclosure]\npolicy = none\n";
    }
    comm.barrier();
    ::setenv("KOHORT_SITE_CONFIG", (dir + "/site.ini").c_str(), 1);
    Fixture f{dir, dir + "/linkage.h5", dir + "/study.ini"};
    synth::SynthConfig cfg;
    cfg.persons = kPersons;
    cfg.seed = kSeed;
    synth::write_synthetic_store(f.store, cfg, comm);
    Store s = Store::open(f.store, &comm, true);
    Table flat = s.read("diagnoses", comm);
    std::vector<std::size_t> rev(flat.rows());
    for (std::size_t i = 0; i < rev.size(); ++i) rev[i] = rev.size() - 1 - i;
    for (auto& c : flat.columns) c.permute(rev);
    flat.name = "diagnoses_flat";
    flat.partitioned_by_pid = false;
    s.write(flat, comm);
    s.close();
    return f;
}

struct Row {
    std::int64_t pid, status, statin, diabetes, mi_flat_missing;
    double time, age, ddd;
    std::int32_t exit, mi_flat;
    bool operator==(const Row& o) const {
        return pid == o.pid && status == o.status && statin == o.statin && diabetes == o.diabetes && time == o.time &&
               age == o.age && ddd == o.ddd && exit == o.exit && mi_flat == o.mi_flat;
    }
};

std::vector<Row> gather(const Table& t, const Comm& comm) {
    auto g64 = [&](const char* c) { return comm.allgatherv(t.column(c).i64); };
    auto gf = [&](const char* c) { return comm.allgatherv(t.column(c).f64); };
    auto g32 = [&](const char* c) { return comm.allgatherv(t.column(c).i32); };
    const auto pid = g64("pid"), status = g64("status"), statin = g64("statin"), diabetes = g64("diabetes");
    const auto time = gf("time"), age = gf("age"), ddd = gf("statin_ddd");
    const auto exit = g32("exit_date"), mi = g32("mi_flat");
    std::vector<Row> rows;
    for (std::size_t i = 0; i < pid.size(); ++i)
        rows.push_back({pid[i], status[i], statin[i], diabetes[i], 0, time[i], age[i], ddd[i], exit[i], mi[i]});
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.pid < b.pid; });
    return rows;
}

// `block_rows`: register rows per streamed block; the multi-rank build uses small, odd-sized
// blocks so persons' rows straddle block boundaries, the single-rank build the default.
Table build(const Fixture& f, const Comm& comm, nlohmann::json& report, std::size_t block_rows = 0) {
    const JobFile job = read_job_file(f.job);
    const StudyDefinition study = parse_study(job, "study", *find_section(job, "cohort.study"));
    const Store store = Store::open(f.store, &comm);
    const DisclosurePolicy none = DisclosurePolicy::named("none");
    CohortInputs in{comm, store, job, none, {}};
    if (block_rows) in.block_rows = block_rows;
    return build_cohort(study, in, report);
}

}  // namespace

TEST(LinkageMpi, SameCohortOnAnyRanksAsOneRankAndAsTheGenerator) {
    Comm world;
    const Fixture f = make_fixture(world);
    nlohmann::json report;
    const Table local = build(f, world, report, 97);
    ASSERT_TRUE(std::is_sorted(local.column("pid").i64.begin(), local.column("pid").i64.end()));
    for (auto pid : local.column("pid").i64) ASSERT_EQ(owner_rank(pid, world.size()), world.rank());
    // The unpartitioned copy was redistributed, the partitioned registers were not.
    for (const auto& r : report["registers"])
        EXPECT_EQ(r["redistributed"].get<bool>(), r["table"] == "diagnoses_flat") << r.dump();
    const std::vector<Row> rows = gather(local, world);

    if (world.is_root()) {
        Comm self(MPI_COMM_SELF);
        nlohmann::json r1;
        const std::vector<Row> single = gather(build(f, self, r1), self);
        ASSERT_EQ(rows.size(), single.size());
        for (std::size_t i = 0; i < rows.size(); ++i) ASSERT_TRUE(rows[i] == single[i]) << "row " << i;

        // Against the generator's record of each person's life.
        using namespace synth::truth;
        std::size_t k = 0, expected_rows = 0;
        std::int64_t mi_events = 0;
        for (std::int64_t i = 0; i < kPersons; ++i) {
            const synth::PersonLife p = synth::simulate_person(kSeed, i);
            const bool in = p.eligible && p.age_at_index >= 30 && p.age_at_index < 90 && p.prior_mi == kMissingDate;
            const auto it = std::lower_bound(rows.begin(), rows.end(), p.pid,
                                             [](const Row& r, std::int64_t pid) { return r.pid < pid; });
            const bool found = it != rows.end() && it->pid == p.pid;
            ASSERT_EQ(found, in) << "person " << i;
            if (!in) continue;
            ++expected_rows;
            const Row& r = *it;
            EXPECT_EQ(r.statin, p.statin_at_index ? 1 : 0) << i;
            EXPECT_EQ(r.diabetes, p.diabetes_at_index ? 1 : 0) << i;
            EXPECT_EQ(r.statin > 0, r.ddd > 0) << i;
            EXPECT_NEAR(r.age, p.age_at_index, 1e-9) << i;
            std::int64_t status = 0;
            std::int32_t exit = kEndOfStudy;
            if (p.mi != kMissingDate) status = 1, exit = p.mi;
            else if (p.death != kMissingDate) status = 2, exit = p.death;
            else if (p.emigration != kMissingDate) exit = p.emigration;
            EXPECT_EQ(r.status, status) << i;
            EXPECT_EQ(r.exit, exit) << i;
            EXPECT_DOUBLE_EQ(r.time, (exit - kIndexDate) / 365.25) << i;
            EXPECT_EQ(r.mi_flat, p.mi) << i;  // the same variable from the unpartitioned copy
            mi_events += status == 1;
            ++k;
        }
        EXPECT_EQ(rows.size(), expected_rows);
        EXPECT_GT(mi_events, 50);
        EXPECT_EQ(report["events"].get<std::int64_t>(), mi_events);
    }

    // Lexis: pieces add up to each person's follow-up and events, on every rank count.
    const JobFile job = read_job_file(f.job);
    LexisDef def;
    def.name = "rates";
    def.cohort = "study";
    def.age_width = 5;
    def.period_width = 1;
    const Table pieces = lexis_split(local, def, world);
    double pyrs = 0, time = 0;
    std::int64_t events = 0, cohort_events = 0;
    for (double x : pieces.column("pyrs").f64) pyrs += x;
    for (double x : local.column("time").f64) time += x;
    for (auto e : pieces.column("events").i64) events += e;
    for (auto e : local.column("event").i64) cohort_events += e;
    EXPECT_NEAR(world.allreduce(pyrs), world.allreduce(time), 1e-6 * world.allreduce(time));
    EXPECT_EQ(world.allreduce(events), world.allreduce(cohort_events));
    for (double x : pieces.column("pyrs").f64) ASSERT_GT(x, 0);
    for (double x : pieces.column("pyrs").f64) ASSERT_LE(x, 366 / 365.25 + 1e-9);  // 1-year periods
    world.barrier();
    if (world.is_root()) std::filesystem::remove_all(f.dir);
}
