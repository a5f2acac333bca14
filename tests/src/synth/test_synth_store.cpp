// `kohort synth` writes the same store on any number of ranks: the file made on R ranks (this
// test runs at 1, 2, 3 and 4) holds exactly the tables a single process generates, each rank reads
// back exactly the share it generated, and the planted truth is recorded under /synth.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "mpi/comm.hpp"
#include "store/store.hpp"
#include "synth/genotype_synth.hpp"
#include "store/genotype_store.hpp"
#include "synth/synth.hpp"
#include "synth/truth.hpp"

using namespace kohort;
using namespace kohort::synth;

namespace {

void expect_same(const Table& a, const Table& b) {
    ASSERT_EQ(a.rows(), b.rows()) << a.name;
    ASSERT_EQ(a.columns.size(), b.columns.size()) << a.name;
    for (std::size_t c = 0; c < a.columns.size(); ++c) {
        const Column& x = a.columns[c];
        const Column* y = b.find(x.name);
        ASSERT_NE(y, nullptr) << a.name << "." << x.name;
        ASSERT_EQ(x.type, y->type) << a.name << "." << x.name;
        EXPECT_EQ(x.dictionary, y->dictionary) << a.name << "." << x.name;
        EXPECT_EQ(x.i64, y->i64) << a.name << "." << x.name;
        EXPECT_EQ(x.i32, y->i32) << a.name << "." << x.name;
        ASSERT_EQ(x.f64.size(), y->f64.size());
        for (std::size_t k = 0; k < x.f64.size(); ++k)
            if (!(std::isnan(x.f64[k]) && std::isnan(y->f64[k])))
                ASSERT_EQ(x.f64[k], y->f64[k]) << a.name << "." << x.name << " row " << k;
    }
}

std::string shared_temp_name(const Comm& comm) {
    std::string path;
    if (comm.is_root())
        path = (std::filesystem::temp_directory_path() /
                ("kohort_test_synth_" + std::to_string(::getpid()) + "_" + std::to_string(comm.size()) + ".h5"))
                   .string();
    comm.broadcast(path);
    return path;
}

}  // namespace

TEST(SynthStore, SameContentsOnAnyNumberOfRanks) {
    Comm comm;
    SynthConfig config;
    config.persons = 3000;
    config.seed = 314159;
    config.genotypes = 12;
    const std::string path = shared_temp_name(comm);
    struct Cleanup {
        const Comm& comm;
        std::string path;
        ~Cleanup() {
            if (comm.is_root()) {
                std::filesystem::remove(path);
                std::filesystem::remove(path + ".partial");
            }
        }
    } cleanup{comm, path};

    const SynthSummary summary = write_synthetic_store(path, config, comm);
    EXPECT_EQ(summary.population_rows, 3000);
    EXPECT_FALSE(std::filesystem::exists(path + ".partial"));

    const SynthTables mine = generate_part(config, comm.rank(), comm.size());
    {
        Store store = Store::open(path, &comm);
        expect_same(mine.population, store.read("population", comm));
        expect_same(mine.diagnoses, store.read("diagnoses", comm));
        expect_same(mine.prescriptions, store.read("prescriptions", comm));
        expect_same(*mine.biomarkers, store.read("biomarkers", comm));
        // Every call of this rank's genotyped persons, read back (the reader closes before the store).
        {
        const GenotypeReader reader(store, "genotypes", comm);
        ASSERT_EQ(reader.variants(), 12);
        const std::vector<std::int64_t> persons = local_persons(config, comm.rank(), comm.size());
        std::vector<std::int64_t> geno_persons;
        for (const std::int64_t i : persons)
            if (is_genotyped(config.seed, i)) geno_persons.push_back(i);
        ASSERT_EQ(reader.local_pids().size(), geno_persons.size());
        GenotypeReader::Block block;
        reader.read(0, 12, block);
        std::int64_t wrong = 0;
        for (std::int64_t v = 0; v < 12; ++v)
            for (std::size_t k = 0; k < geno_persons.size(); ++k) {
                const std::int64_t i = geno_persons[k];
                const int a1 = a1_count(config.seed, i, v, snp_frequency(config.seed, v, 12));
                const int expect = call_missing(config.seed, i, v) ? -1 : a1;
                wrong += geno::kA1Count[block.code(v, static_cast<std::int64_t>(k))] != expect ? 1 : 0;
            }
        EXPECT_EQ(wrong, 0);
        }
        store.close();
    }
    comm.barrier();
    if (comm.is_root()) {
        const SynthTables single = generate_part(config, 0, 1);
        Store store = Store::open(path, nullptr);
        for (const Table* t : {&single.population, &single.diagnoses, &single.prescriptions, &*single.biomarkers}) {
            SCOPED_TRACE(t->name);
            expect_same(*t, store.read_all(t->name));
            EXPECT_EQ(store.info(t->name).partitioned_by_pid, t->partitioned_by_pid);
        }
        const Attributes a = store.attributes(kTruthGroup);
        EXPECT_EQ(a.at("persons"), 3000.0);
        EXPECT_EQ(a.at("mi_hr_statin"), truth::kMI.hr_statin);
        EXPECT_EQ(a.at("mi_hr_diabetes"), truth::kMI.hr_diabetes);
        EXPECT_EQ(a.at("mi_hr_age10"), truth::kMI.hr_age10);
        EXPECT_EQ(a.at("mi_hr_male"), truth::kMI.hr_male);
        EXPECT_EQ(a.at("index_date"), static_cast<double>(truth::kIndexDate));
        EXPECT_EQ(store.string_attribute(kTruthGroup, "seed_decimal").value_or(""), "314159");
        EXPECT_EQ(store.string_attribute(kTruthGroup, "statin_codes").value_or(""), "C10AA01,C10AA03,C10AA05,C10AA07");
        EXPECT_EQ(store.string_attribute(kTruthGroup, "index_date_iso").value_or(""), "2010-01-01");
        EXPECT_EQ(a.size(), planted_attributes(config).size());
        store.close();
    }
    comm.barrier();
}
