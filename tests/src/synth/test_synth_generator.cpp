// Unit tests of the synthetic cohort generator: streams, pids, code sets, volumes, date ranges,
// sort order, invariance to the number of ranks and threads, and genotypes.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/error.hpp"
#include "store/store.hpp"
#include "synth/codes.hpp"
#include "synth/dates.hpp"
#include "synth/person.hpp"
#include "synth/pid.hpp"
#include "synth/rng.hpp"
#include "synth/genotype_synth.hpp"
#include "synth/synth.hpp"

using namespace kohort;
using namespace kohort::synth;

namespace {

SynthConfig config(std::int64_t n, std::uint64_t seed = 7, std::int64_t genotypes = 0) {
    SynthConfig c;
    c.persons = n;
    c.seed = seed;
    c.genotypes = genotypes;
    return c;
}

void expect_same_column(const Column& a, const Column& b, const std::string& where) {
    ASSERT_EQ(a.name, b.name) << where;
    ASSERT_EQ(a.type, b.type) << where;
    ASSERT_EQ(a.dictionary, b.dictionary) << where << "." << a.name;
    ASSERT_EQ(a.i64, b.i64) << where << "." << a.name;
    ASSERT_EQ(a.i32, b.i32) << where << "." << a.name;
    ASSERT_EQ(a.i8, b.i8) << where << "." << a.name;
    ASSERT_EQ(a.f64.size(), b.f64.size()) << where << "." << a.name;
    for (std::size_t k = 0; k < a.f64.size(); ++k) {
        if (std::isnan(a.f64[k])) ASSERT_TRUE(std::isnan(b.f64[k])) << where << "." << a.name << " row " << k;
        else ASSERT_EQ(a.f64[k], b.f64[k]) << where << "." << a.name << " row " << k;
    }
}

void expect_same_table(const Table& a, const Table& b) {
    ASSERT_EQ(a.name, b.name);
    ASSERT_EQ(a.partitioned_by_pid, b.partitioned_by_pid);
    ASSERT_EQ(a.columns.size(), b.columns.size()) << a.name;
    for (std::size_t c = 0; c < a.columns.size(); ++c) expect_same_column(a.columns[c], b.columns[c], a.name);
}

// Appends the rows of `part` to `all` (same schema).
void append(Table& all, const Table& part) {
    if (all.columns.empty()) {
        all = part;
        return;
    }
    for (std::size_t c = 0; c < all.columns.size(); ++c) {
        Column& a = all.columns[c];
        const Column& p = part.columns[c];
        a.i64.insert(a.i64.end(), p.i64.begin(), p.i64.end());
        a.i32.insert(a.i32.end(), p.i32.begin(), p.i32.end());
        a.i8.insert(a.i8.end(), p.i8.begin(), p.i8.end());
        a.f64.insert(a.f64.end(), p.f64.begin(), p.f64.end());
    }
}

}  // namespace

TEST(SynthRng, StreamsAreDeterministicPerSeedPersonAndPurpose) {
    Rng a(42, 1000, Stream::life), b(42, 1000, Stream::life);
    Rng other_person(42, 1001, Stream::life), other_seed(43, 1000, Stream::life), other_purpose(42, 1000, Stream::diagnoses);
    int same_person = 0, same_seed = 0, same_purpose = 0;
    for (int k = 0; k < 1000; ++k) {
        const auto x = a.next();
        ASSERT_EQ(x, b.next());
        same_person += x == other_person.next();
        same_seed += x == other_seed.next();
        same_purpose += x == other_purpose.next();
    }
    EXPECT_EQ(same_person, 0);
    EXPECT_EQ(same_seed, 0);
    EXPECT_EQ(same_purpose, 0);
}

TEST(SynthRng, UniformExponentialAndPoissonHaveTheirMeans) {
    Rng r(1, 2, Stream::life);
    const int n = 200000;
    double su = 0, se = 0, sp = 0;
    for (int k = 0; k < n; ++k) {
        const double u = r.uniform();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
        su += u;
        se += r.exponential();
        sp += static_cast<double>(r.poisson(7.5));
    }
    // Means within 5 standard errors: sd of U(0,1) = 0.289, of Exp(1) = 1, of Poisson(7.5) = 2.74.
    EXPECT_NEAR(su / n, 0.5, 5 * 0.289 / std::sqrt(n));
    EXPECT_NEAR(se / n, 1.0, 5 * 1.0 / std::sqrt(n));
    EXPECT_NEAR(sp / n, 7.5, 5 * 2.74 / std::sqrt(n));
    for (int k = 0; k < 1000; ++k) {
        const auto v = r.between(3, 9);
        ASSERT_GE(v, 3);
        ASSERT_LE(v, 9);
    }
}

TEST(SynthPid, IsABijectionIntoNonNegative63BitsWithUniformBuckets) {
    const std::int64_t n = 1 << 20;
    std::vector<std::int64_t> pids(static_cast<std::size_t>(n));
    std::vector<std::int64_t> per_bucket(static_cast<std::size_t>(kBuckets), 0);
    for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t p = synthetic_pid(11, static_cast<std::uint64_t>(i));
        ASSERT_GE(p, 0);
        pids[static_cast<std::size_t>(i)] = p;
        ++per_bucket[static_cast<std::size_t>(pid_bucket(p))];
    }
    EXPECT_EQ(synthetic_pid(11, 5), pids[5]);
    EXPECT_NE(synthetic_pid(12, 5), pids[5]);
    std::sort(pids.begin(), pids.end());
    EXPECT_EQ(std::adjacent_find(pids.begin(), pids.end()), pids.end()) << "two persons share a pid";
    // Pearson chi-square over the 4096 buckets: mean df = 4095, sd sqrt(2 df) = 90.5.
    const double expected = static_cast<double>(n) / static_cast<double>(kBuckets);
    double chi2 = 0;
    for (auto c : per_bucket) chi2 += (static_cast<double>(c) - expected) * (static_cast<double>(c) - expected) / expected;
    EXPECT_LT(std::abs(chi2 - 4095.0), 5 * 90.5) << "chi-square " << chi2;
}

TEST(SynthDates, CivilConversionMatchesKnownDays) {
    EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
    EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);  // date -d 2000-03-01 +%s / 86400
    EXPECT_EQ(days_from_civil(2010, 1, 1), 14610);
    EXPECT_EQ(days_from_civil(2020, 12, 31), 18627);
    EXPECT_EQ(days_from_civil(1920, 1, 1), -18263);  // date -d 1920-01-01 +%s = -1577923200
}

TEST(SynthCodes, DictionariesAreSortedAndFillerAvoidsPlantedCodes) {
    const CodeTables& t = code_tables();
    for (const auto* d : {&t.dict.sex, &t.dict.region, &t.dict.education, &t.dict.icd10, &t.dict.atc})
        EXPECT_TRUE(std::is_sorted(d->begin(), d->end()));
    EXPECT_EQ(t.dict.region, (std::vector<std::string>{"Hovedstaden", "Midtjylland", "Nordjylland", "Sjælland", "Syddanmark"}));
    EXPECT_EQ(t.dict.sex, (std::vector<std::string>{"F", "M"}));
    for (const auto& c : t.dict.icd10) EXPECT_EQ(c.size(), 3u) << c;
    for (const auto& c : t.dict.atc) EXPECT_EQ(c.size(), 7u) << c;
    // Sample many filler codes for both sexes and check none is planted-only.
    Rng r(3, 3, Stream::diagnoses);
    std::set<std::string> seen_f, seen_m;
    for (int k = 0; k < 20000; ++k) {
        for (int s = 0; s < 2; ++s) {
            const std::string& d = t.dict.icd10[static_cast<std::size_t>(t.icd10_filler[s].sample(r))];
            const std::string& a = t.dict.atc[static_cast<std::size_t>(t.atc_filler[s].sample(r))];
            ASSERT_NE(d, "I21");
            ASSERT_NE(d, "I22");
            ASSERT_FALSE(d >= "E10" && d <= "E14") << d;
            ASSERT_NE(a.rfind("C10", 0), 0u) << a;
            ASSERT_NE(a.rfind("A10", 0), 0u) << a;
            (s ? seen_m : seen_f).insert(d);
        }
    }
    EXPECT_TRUE(seen_m.count("C61"));
    EXPECT_FALSE(seen_f.count("C61"));
    EXPECT_TRUE(seen_f.count("C50"));
    EXPECT_FALSE(seen_m.count("C50"));
}

TEST(SynthCodes, AliasSamplerDrawsCodesInProportionToTheirWeights) {
    WeightedSampler w;
    const double weights[] = {5.0, 1.0, 0.5, 3.5, 0.0, 10.0};
    for (int k = 0; k < 6; ++k) w.add(100 + k, weights[k]);
    w.build();
    Rng r(9, 9, Stream::life);
    const int n = 400000;
    std::vector<double> count(6, 0);
    for (int k = 0; k < n; ++k) {
        const std::int32_t c = w.sample(r);
        ASSERT_GE(c, 100);
        ASSERT_LE(c, 105);
        ++count[static_cast<std::size_t>(c - 100)];
    }
    for (int k = 0; k < 6; ++k) {
        const double p = weights[k] / 20.0;
        EXPECT_NEAR(count[static_cast<std::size_t>(k)] / n, p, 5 * std::sqrt(p * (1 - p) / n) + 1e-12) << k;
    }
}

TEST(SynthGenerator, SameTablesOnOneThreeAndFiveRanksAndAnyThreadCount) {
    const SynthConfig c = config(4000, 99, 16);
    omp_set_num_threads(1);
    const SynthTables one = generate_part(c, 0, 1);
    for (int ranks : {3, 5}) {
        omp_set_num_threads(ranks == 3 ? 2 : 3);
        Table pop, dx, rx, bio;
        for (int r = 0; r < ranks; ++r) {
            const SynthTables part = generate_part(c, r, ranks);
            // Every row of a part lies in that rank's pid buckets.
            for (auto pid : part.diagnoses.column("pid").i64) {
                ASSERT_GE(pid_bucket(pid), first_bucket(r, ranks));
                ASSERT_LT(pid_bucket(pid), first_bucket(r + 1, ranks));
            }
            append(pop, part.population);
            append(dx, part.diagnoses);
            append(rx, part.prescriptions);
            append(bio, *part.biomarkers);
        }
        expect_same_table(one.population, pop);
        expect_same_table(one.diagnoses, dx);
        expect_same_table(one.prescriptions, rx);
        expect_same_table(*one.biomarkers, bio);
    }
    omp_set_num_threads(2);
}

TEST(SynthGenerator, DifferentSeedsGiveDifferentCohorts) {
    const SynthTables a = generate_part(config(500, 1), 0, 1), b = generate_part(config(500, 2), 0, 1);
    EXPECT_NE(a.population.column("pid").i64, b.population.column("pid").i64);
    EXPECT_NE(a.diagnoses.rows(), b.diagnoses.rows());
}

class SynthCohort : public ::testing::Test {
protected:
    static void SetUpTestSuite() { tables_ = new SynthTables(generate_part(config(20000, 2024), 0, 1)); }
    static void TearDownTestSuite() {
        delete tables_;
        tables_ = nullptr;
    }
    static SynthTables* tables_;
};
SynthTables* SynthCohort::tables_ = nullptr;

TEST_F(SynthCohort, PopulationHasTheDocumentedColumnsAndRanges) {
    const Table& p = tables_->population;
    ASSERT_EQ(p.rows(), 20000u);
    std::vector<std::string> names;
    for (const auto& c : p.columns) names.push_back(c.name);
    EXPECT_EQ(names, (std::vector<std::string>{"pid", "birth_date", "sex", "region", "education", "death_date",
                                               "emigration_date"}));
    EXPECT_TRUE(p.partitioned_by_pid);
    EXPECT_TRUE(std::is_sorted(p.column("pid").i64.begin(), p.column("pid").i64.end()));
    const std::int32_t start = days_from_civil(1995, 1, 1), end = days_from_civil(2020, 12, 31);
    std::size_t males = 0, dead = 0, emigrated = 0, edu_missing = 0;
    std::vector<std::size_t> regions(5, 0);
    for (std::size_t k = 0; k < p.rows(); ++k) {
        const std::int32_t b = p.column("birth_date").i32[k], d = p.column("death_date").i32[k],
                           e = p.column("emigration_date").i32[k];
        ASSERT_GE(b, days_from_civil(1920, 1, 1));
        ASSERT_LE(b, days_from_civil(1989, 12, 31));
        ASSERT_FALSE(d != kMissingDate && e != kMissingDate) << "both death and emigration observed";
        if (d != kMissingDate) {
            ASSERT_GE(d, start);
            ASSERT_LE(d, end);
            ++dead;
        }
        if (e != kMissingDate) {
            ASSERT_GE(e, start);
            ASSERT_LE(e, end);
            ++emigrated;
        }
        males += p.column("sex").i32[k] == 1;
        ++regions[static_cast<std::size_t>(p.column("region").i32[k])];
        edu_missing += p.column("education").missing(k);
    }
    const double n = static_cast<double>(p.rows());
    EXPECT_NEAR(males / n, 0.5, 0.02);
    EXPECT_NEAR(regions[0] / n, 0.316, 0.02);  // Hovedstaden
    EXPECT_NEAR(edu_missing / n, 0.03, 0.01);
    EXPECT_GT(dead / n, 0.10);
    EXPECT_LT(dead / n, 0.45);
    EXPECT_GT(emigrated / n, 0.03);
    EXPECT_LT(emigrated / n, 0.12);
}

TEST_F(SynthCohort, RegisterVolumesDatesAndSortOrder) {
    const double n = static_cast<double>(tables_->population.rows());
    const double dx_per_person = static_cast<double>(tables_->diagnoses.rows()) / n;
    const double rx_per_person = static_cast<double>(tables_->prescriptions.rows()) / n;
    EXPECT_NEAR(dx_per_person, 10.0, 1.0);
    EXPECT_NEAR(rx_per_person, 20.0, 2.0);
    const std::int32_t start = days_from_civil(1995, 1, 1), end = days_from_civil(2020, 12, 31);
    for (const Table* t : {&tables_->diagnoses, &tables_->prescriptions}) {
        SCOPED_TRACE(t->name);
        const auto& pid = t->column("pid").i64;
        const auto& date = t->column("date").i32;
        for (std::size_t k = 0; k < t->rows(); ++k) {
            ASSERT_GE(date[k], start);
            ASSERT_LE(date[k], end);
            if (k > 0) {
                ASSERT_TRUE(pid[k - 1] < pid[k] || (pid[k - 1] == pid[k] && date[k - 1] <= date[k])) << k;
            }
        }
        for (const auto& c : t->columns) ASSERT_EQ(c.count_missing(), 0u) << c.name;
    }
    for (double d : tables_->prescriptions.column("ddd").f64) {
        ASSERT_GT(d, 0.0);
        ASSERT_LE(d, 400.0);
    }
    // Rows lie within the person's observed life: never after death or emigration.
    const Table& p = tables_->population;
    std::unordered_map<std::int64_t, std::int32_t> last;
    for (std::size_t k = 0; k < p.rows(); ++k) {
        std::int32_t l = end;
        if (!p.column("death_date").missing(k)) l = p.column("death_date").i32[k];
        if (!p.column("emigration_date").missing(k)) l = p.column("emigration_date").i32[k];
        last[p.column("pid").i64[k]] = l;
    }
    for (const Table* t : {&tables_->diagnoses, &tables_->prescriptions})
        for (std::size_t k = 0; k < t->rows(); ++k)
            ASSERT_LE(t->column("date").i32[k], last.at(t->column("pid").i64[k])) << t->name << " row " << k;
}

TEST_F(SynthCohort, RowsBelongToKnownPersonsAndUseRealisticCodes) {
    std::unordered_set<std::int64_t> pids(tables_->population.column("pid").i64.begin(),
                                          tables_->population.column("pid").i64.end());
    for (auto pid : tables_->diagnoses.column("pid").i64) ASSERT_TRUE(pids.count(pid));
    for (auto pid : tables_->prescriptions.column("pid").i64) ASSERT_TRUE(pids.count(pid));
    std::set<std::string> icd, atc;
    const Column& ci = tables_->diagnoses.column("icd10");
    for (auto c : ci.i32) icd.insert(ci.dictionary[static_cast<std::size_t>(c)]);
    const Column& ca = tables_->prescriptions.column("atc");
    for (auto c : ca.i32) atc.insert(ca.dictionary[static_cast<std::size_t>(c)]);
    for (const char* c : {"I21", "I10", "E11", "E10", "C50", "C61", "J44", "F32"}) EXPECT_TRUE(icd.count(c)) << c;
    for (const char* c : {"C10AA01", "C10AA05", "A10BA02", "N02BE01", "A10AE04"}) EXPECT_TRUE(atc.count(c)) << c;
}

TEST(SynthGenotypes, TenPercentGenotypedInHardyWeinbergWithFewMissingCalls) {
    const std::uint64_t seed = 5;
    const std::int64_t m = 20, persons = 30000;
    std::vector<std::int64_t> genotyped;
    for (std::int64_t i = 0; i < persons; ++i)
        if (is_genotyped(seed, i)) genotyped.push_back(i);
    const double n = static_cast<double>(genotyped.size());
    EXPECT_NEAR(n / static_cast<double>(persons), 0.10, 0.01);
    for (std::int64_t j = 0; j < m; ++j) {
        const double f = snp_frequency(seed, j, m);
        ASSERT_GE(f, 0.05);
        ASSERT_LE(f, 0.5);
        double count[3] = {0, 0, 0}, missing = 0;
        for (const std::int64_t i : genotyped) {
            ++count[a1_count(seed, i, j, f)];
            missing += call_missing(seed, i, j) ? 1 : 0;
        }
        // Hardy-Weinberg genotype frequencies (1-f)^2, 2f(1-f), f^2 of A1 counts 0, 1, 2; 5 binomial SEs.
        const double expect[3] = {(1 - f) * (1 - f), 2 * f * (1 - f), f * f};
        for (int k = 0; k < 3; ++k)
            EXPECT_NEAR(count[k] / n, expect[k], 5 * std::sqrt(expect[k] * (1 - expect[k]) / n)) << j << " " << k;
        EXPECT_LT(missing / n, 0.02);
    }
}

TEST(SynthGenotypes, PlantedSnpsRaiseMiHazardAndLdl) {
    const auto planted = planted_snps(800);
    ASSERT_EQ(planted.size(), 4u);
    EXPECT_EQ(planted[0].index, 100);
    EXPECT_TRUE(planted_snps(7).empty());
    const SynthConfig c = config(20000, 3, 800);
    const SynthTables t = generate_part(c, 0, 1);
    ASSERT_TRUE(t.biomarkers);
    const Table& b = *t.biomarkers;
    EXPECT_NEAR(static_cast<double>(b.rows()) / 20000.0, 0.10, 0.01);
    // LDL by A1 count of the first LDL SNP: the mean difference per copy is near its planted beta.
    const std::vector<std::int64_t> persons = local_persons(c, 0, 1);
    std::map<std::int64_t, std::int64_t> index_of;
    for (const std::int64_t i : persons) index_of[synthetic_pid(c.seed, static_cast<std::uint64_t>(i))] = i;
    const PlantedSnp& s = planted[2];
    double sum[3] = {0, 0, 0}, cnt[3] = {0, 0, 0};
    for (std::size_t r = 0; r < b.rows(); ++r) {
        const int a = a1_count(c.seed, index_of.at(b.column("pid").i64[r]), s.index, s.frequency);
        sum[a] += b.column("ldl").f64[r];
        ++cnt[a];
    }
    EXPECT_NEAR((sum[2] / cnt[2] - sum[0] / cnt[0]) / 2, s.ldl_beta, 0.1);
    EXPECT_GT(genetic_mi_hr(c.seed, index_of.begin()->second, 800), 0.0);
}

TEST(SynthConfigValidation, RejectsNonPositivePersonsAndTooManySnps) {
    EXPECT_THROW(generate_part(config(0), 0, 1), UsageError);
    EXPECT_THROW(generate_part(config(10, 1, -1), 0, 1), UsageError);
    EXPECT_THROW(generate_part(config(10, 1, 200000000), 0, 1), UsageError);
}
