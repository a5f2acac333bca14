// km and cif kernels against R (survival::survfit, survdiff; cmprsk::cuminc) computed in the same
// test run by km_reference.R, at whatever number of MPI ranks the test is launched with; each rank
// takes an interleaved share of the rows. Every case is also computed on one rank
// (MPI_COMM_SELF) and the distributed numbers must agree with it to 1e-10 (rank invariance).
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/r_reference.hpp"
#include "kernels/survival/cif_kernel.hpp"
#include "kernels/survival/km_kernel.hpp"

using nlohmann::json;
using namespace kohort;
using namespace kohort::survival;

namespace {

std::string reference_dir() { return kohort::testing::r_reference_dir("kohort-km-ref", KM_REFERENCE_SCRIPT); }

json load_case(const std::string& name) {
    std::ifstream in(reference_dir() + "/" + name + ".json");
    if (!in) throw std::runtime_error("missing reference case " + name);
    return json::parse(in);
}

// jsonlite writes length-one vectors as scalars (auto_unbox).
json arr(const json& j) { return j.is_array() ? j : json::array({j}); }

double num(const json& j) { return j.is_null() ? std::nan("") : j.get<double>(); }

// Rows of the case owned by `rank` of `size` (interleaved, so every rank sees every stratum).
SurvivalData case_data(const json& c, int rank, int size) {
    SurvivalData d;
    const auto& time = c["time"];
    const bool has_start = !c["start"].empty();
    for (std::size_t i = 0; i < time.size(); ++i) {
        if (static_cast<int>((i * 7) % static_cast<std::size_t>(size)) != rank) continue;
        d.rows.stop.push_back(time[i].get<double>());
        if (has_start) d.rows.start.push_back(c["start"][i].get<double>());
        d.rows.status.push_back(c["status"][i].get<int>());
        d.rows.stratum.push_back(c["curve"][i].get<int>());
        const double w = c["weight"][i].get<double>();
        d.rows.weight.push_back(w);
        if (w != std::floor(w)) d.fractional_weights = true;
        if (w != 1.0) d.has_weights = true;
    }
    int flags[2] = {d.fractional_weights, d.has_weights};
    MPI_Allreduce(MPI_IN_PLACE, flags, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    d.fractional_weights = flags[0];
    d.has_weights = flags[1];
    d.has_start = has_start;
    int kmax = 1;
    for (const auto& s : c["status"]) kmax = std::max(kmax, s.get<int>());
    d.n_causes = c["kind"] == "cif" ? kmax : 1;
    d.curve_labels = arr(c["labels"]).get<std::vector<std::string>>();
    d.group_labels = arr(c["group_labels"]).get<std::vector<std::string>>();
    d.group_of = arr(c["group_of"]).get<std::vector<int>>();
    d.test_stratum_labels = arr(c["stratum_labels"]).get<std::vector<std::string>>();
    d.test_stratum_of = arr(c["stratum_of"]).get<std::vector<int>>();
    d.n_total = static_cast<std::int64_t>(time.size());
    return d;
}

json run_case(const json& c, const Comm& comm, int rank, int size) {
    std::map<std::string, std::string> keys = {{"table", "t"}, {"formula", "Surv(time, status) ~ 1"}};
    if (c["options"].is_object())
        for (auto it = c["options"].begin(); it != c["options"].end(); ++it) keys[it.key()] = it.value();
    const Options spec = validate_model_options(c["kind"], c["name"], keys, "test.ini");
    Table table;
    DisclosureLedger ledger{DisclosurePolicy{}};
    ModelContext ctx{comm, spec, table, ledger, [](const std::string&) {}};
    const SurvivalData data = case_data(c, rank, size);
    const ModelOutput out = c["kind"] == "km" ? km_from_data(ctx, data) : cif_from_data(ctx, data);
    // The plot next to the reference files, for a person to look at (KOHORT_KEEP_TEST_FILES=1
    // keeps the folder after a passing run; tests/support/r_reference.hpp).
    if (comm.size() > 1 && comm.is_root() && out.svg) std::ofstream(reference_dir() + "/" + spec.name + ".svg") << *out.svg;
    return out.result;
}

void expect_close(const json& actual_in, const json& expected_in, const std::string& what, double rel) {
    const json actual = arr(actual_in), expected = arr(expected_in);
    ASSERT_EQ(actual.size(), expected.size()) << what;
    int bad = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const double a = num(actual[i]), e = num(expected[i]);
        const bool ok = (std::isnan(a) && std::isnan(e)) ||
                        (!std::isnan(a) && !std::isnan(e) && std::fabs(a - e) <= std::max(rel * std::fabs(e), 1e-12));
        if (!ok && bad++ < 3) ADD_FAILURE() << what << "[" << i << "]: kohort " << a << ", expected " << e;
    }
}

void expect_scalar(const json& actual, const json& expected, const std::string& what, double rel) {
    expect_close(json::array({actual}), json::array({expected}), what, rel);
}

// Compares every numeric field of two results (the distributed run against the one-rank run).
void expect_same(const json& a, const json& b, const std::string& path) {
    if (b.is_number()) return expect_scalar(a, b, path, 1e-10);
    if (b.is_array()) {
        ASSERT_EQ(a.size(), b.size()) << path;
        for (std::size_t i = 0; i < b.size(); ++i) expect_same(a[i], b[i], path + "[" + std::to_string(i) + "]");
    } else if (b.is_object()) {
        for (auto it = b.begin(); it != b.end(); ++it) expect_same(a[it.key()], it.value(), path + "." + it.key());
    } else {
        EXPECT_EQ(a, b) << path;
    }
}

class Reference : public ::testing::TestWithParam<std::string> {};

TEST_P(Reference, MatchesRAndIsRankInvariant) {
    const json c = load_case(GetParam());
    Comm world;
    const json got = run_case(c, world, world.rank(), world.size());
    Comm self(MPI_COMM_SELF);
    const json serial = run_case(c, self, 0, 1);
    expect_same(got, serial, GetParam());

    const json& exp = c["expected"];
    ASSERT_EQ(got["curves"].size(), exp["curves"].size());
    for (std::size_t k = 0; k < exp["curves"].size(); ++k) {
        const json& e = exp["curves"][k];
        const json& g = got["curves"][k];
        const std::string where = GetParam() + " curve " + e["stratum"].get<std::string>();
        EXPECT_EQ(g["stratum"], e["stratum"]);
        for (const char* f : {"time", "n_risk", "n_event", "n_censor", "survival", "std_err", "conf_low", "conf_high",
                              "estimate"})
            if (e.contains(f)) expect_close(g[f], e[f], where + " " + f, 1e-6);
        if (e.contains("cause")) {
            EXPECT_EQ(g["cause"], e["cause"]);
        }
    }
    if (exp.contains("logrank") && !exp["logrank"].is_null()) {
        expect_scalar(got["logrank"]["statistic"], exp["logrank"]["statistic"], "logrank statistic", 1e-6);
        EXPECT_EQ(got["logrank"]["df"], exp["logrank"]["df"]);
        expect_scalar(got["logrank"]["p"], exp["logrank"]["p"], "logrank p", 1e-6);
    }
    if (exp.contains("gray") && !exp["gray"].is_null()) {
        const json& tests = got["gray_test"]["tests"];
        ASSERT_EQ(tests.size(), exp["gray"].size());
        for (std::size_t k = 0; k < tests.size(); ++k) {
            EXPECT_EQ(tests[k]["cause"], exp["gray"][k]["cause"]);
            expect_scalar(tests[k]["statistic"], exp["gray"][k]["statistic"], "gray statistic", 1e-6);
            expect_scalar(tests[k]["df"], exp["gray"][k]["df"], "gray df", 0);
            expect_scalar(tests[k]["p"], exp["gray"][k]["p"], "gray p", 1e-6);
        }
    }
    ASSERT_TRUE(got.contains("curves"));
}

INSTANTIATE_TEST_SUITE_P(R, Reference,
                         ::testing::Values("lung_all", "lung_sex", "lung_sex_by_ecog", "veteran_trt",
                                           "veteran_celltype_loglog", "aml_x_plain", "lung_int_weights",
                                           "lung_frac_weights", "heart_counting", "mgus2_sex", "mgus2_sex_by_old",
                                           "mgus2_weighted"));

}  // namespace
