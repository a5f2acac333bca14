// Model frame on small tables, with expected matrices derived by hand from R's rules
// (treatment contrasts, relevel, na.omit, Surv status codings, strata ordering).
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <random>

#include "formula/level_labels.hpp"
#include "formula/model_frame.hpp"
#include "frame_test_tables.hpp"

using namespace kohort;
using namespace kohort::testing;
using L = std::vector<std::string>;
using Cols = std::vector<std::vector<double>>;

namespace {

// y, age (one NA), grp (int64 1..3), sex (categorical), flag (bool, one NA).
Table base_table() {
    Table t;
    t.name = "base";
    t.add(dbl("y", {1, 0, 1, 1, 0, 0, 1, 0}));
    t.add(dbl("age", {50, 60, 70, 40, 55, 65, 45, NA}));
    t.add(i64("grp", {1, 2, 3, 1, 2, 3, 2, 1}));
    t.add(cat("sex", {"M", "F", "F", "M", "M", "F", "F", "M"}));
    t.add(boolean("flag", {1, 0, 0, 1, 1, 0, NA, 0}));
    t.add(dbl("time", {5, 3, 8, 2, 9, 4, 7, 6}));
    return t;
}

ModelFrame frame(const std::string& formula, const Table& t, FrameOptions opt = {}) {
    Comm self(MPI_COMM_SELF);
    return build_model_frame(parse_formula(formula), t, self, opt);
}

FrameOptions glm() {
    FrameOptions o;
    o.allow_intercept = true;
    o.source = "test";
    return o;
}

FrameOptions cox() {
    FrameOptions o;
    o.allow_intercept = false;
    o.source = "test";
    return o;
}

void expect_columns(const ModelFrame& mf, const L& terms, const Cols& cols) {
    ASSERT_EQ(mf.terms, terms);
    ASSERT_EQ(mf.X.cols(), static_cast<Eigen::Index>(cols.size()));
    for (std::size_t j = 0; j < cols.size(); ++j) {
        ASSERT_EQ(mf.X.rows(), static_cast<Eigen::Index>(cols[j].size())) << terms[j];
        for (std::size_t i = 0; i < cols[j].size(); ++i)
            EXPECT_DOUBLE_EQ(mf.X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)), cols[j][i])
                << terms[j] << " row " << i;
    }
}

std::string usage_error(const std::string& formula, const Table& t, FrameOptions opt) {
    try {
        frame(formula, t, opt);
    } catch (const UsageError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no UsageError for " << formula;
    return {};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const std::vector<double> ones7(7, 1.0);

}  // namespace

TEST(ModelFrame, NumericAndTreatmentContrasts) {
    const ModelFrame mf = frame("y ~ age + factor(grp)", base_table(), glm());
    // Row 8 has age NA and is dropped.
    expect_columns(mf, {"(Intercept)", "age", "grp=2", "grp=3"},
                   {ones7, {50, 60, 70, 40, 55, 65, 45}, {0, 1, 0, 0, 1, 0, 1}, {0, 0, 1, 0, 0, 1, 0}});
    EXPECT_TRUE(mf.has_intercept);
    EXPECT_EQ(mf.n_total, 7);
    EXPECT_EQ(mf.n_dropped_missing, 1);
    EXPECT_EQ(mf.y, (Eigen::VectorXd(7) << 1, 0, 1, 1, 0, 0, 1).finished());
    EXPECT_EQ(mf.weights, Eigen::VectorXd::Ones(7));
    EXPECT_EQ(mf.offset, Eigen::VectorXd::Zero(7));
    EXPECT_EQ(mf.strata, std::vector<std::int32_t>(7, 0));
    EXPECT_EQ(mf.strata_labels, L{"all"});
    EXPECT_FALSE(mf.has_cluster);
}

TEST(ModelFrame, ReferenceLevel) {
    const ModelFrame mf = frame("y ~ factor(grp, ref=2)", base_table(), glm());
    const std::vector<double> ones8(8, 1.0);
    expect_columns(mf, {"(Intercept)", "grp=1", "grp=3"},
                   {ones8, {1, 0, 0, 1, 0, 0, 0, 1}, {0, 0, 1, 0, 0, 1, 0, 0}});
    // A categorical reference by label, quoted or not.
    const ModelFrame m2 = frame("y ~ factor(sex, ref=\"M\")", base_table(), glm());
    expect_columns(m2, {"(Intercept)", "sex=F"}, {ones8, {0, 1, 1, 0, 0, 1, 1, 0}});
}

TEST(ModelFrame, UnknownReferenceIsUsageError) {
    const std::string msg = usage_error("y ~ factor(grp, ref=9)", base_table(), glm());
    EXPECT_TRUE(contains(msg, "test: ")) << msg;
    EXPECT_TRUE(contains(msg, "factor(grp, ref=9)")) << msg;
    // The levels are counted, not listed: a level may be held by a single person (issue 10).
    EXPECT_TRUE(contains(msg, "the factor has 3 levels")) << msg;
    EXPECT_FALSE(contains(msg, "1, 2, 3")) << msg;
}

TEST(ModelFrame, CategoricalAndBoolAreFactors) {
    const ModelFrame mf = frame("y ~ sex", base_table(), glm());
    expect_columns(mf, {"(Intercept)", "sex=M"}, {std::vector<double>(8, 1.0), {1, 0, 0, 1, 1, 0, 0, 1}});
    const ModelFrame mb = frame("y ~ flag", base_table(), glm());
    // Row 7 has flag NA. R labels logical levels FALSE/TRUE.
    expect_columns(mb, {"(Intercept)", "flag=TRUE"}, {ones7, {1, 0, 0, 1, 1, 0, 0}});
}

TEST(ModelFrame, LabelsSortInByteOrder) {
    Table t;
    t.name = "t";
    t.add(dbl("y", {1, 2, 3, 4}));
    t.add(cat("z", {"b", "a", "B", "a"}));
    const ModelFrame mf = frame("y ~ z", t, glm());
    // Byte order: "B" < "a" < "b", so B is the reference.
    expect_columns(mf, {"(Intercept)", "z=a", "z=b"}, {{1, 1, 1, 1}, {0, 1, 0, 1}, {1, 0, 0, 0}});
}

TEST(ModelFrame, InteractionWithMainEffects) {
    const ModelFrame mf = frame("y ~ sex*age", base_table(), glm());
    expect_columns(mf, {"(Intercept)", "sex=M", "age", "sex=M:age"},
                   {ones7, {1, 0, 0, 1, 1, 0, 0}, {50, 60, 70, 40, 55, 65, 45}, {50, 0, 0, 40, 55, 0, 0}});
}

TEST(ModelFrame, FactorByFactorInteraction) {
    const ModelFrame mf = frame("y ~ factor(grp)*sex", base_table(), glm());
    expect_columns(mf, {"(Intercept)", "grp=2", "grp=3", "sex=M", "grp=2:sex=M", "grp=3:sex=M"},
                   {std::vector<double>(8, 1.0),
                    {0, 1, 0, 0, 1, 0, 1, 0},
                    {0, 0, 1, 0, 0, 1, 0, 0},
                    {1, 0, 0, 1, 1, 0, 0, 1},
                    {0, 0, 0, 0, 1, 0, 0, 0},
                    {0, 0, 0, 0, 0, 0, 0, 0}});  // a constant column is kept, not dropped
}

TEST(ModelFrame, InteractionWithoutMainEffectsUsesIndicatorsLikeR) {
    // R: y ~ x:a codes a by indicators (its margin x is absent); y ~ x + x:a by contrasts.
    const ModelFrame a = frame("y ~ age:factor(grp)", base_table(), glm());
    expect_columns(a, {"(Intercept)", "age:grp=1", "age:grp=2", "age:grp=3"},
                   {ones7, {50, 0, 0, 40, 0, 0, 0}, {0, 60, 0, 0, 55, 0, 45}, {0, 0, 70, 0, 0, 65, 0}});
    const ModelFrame b = frame("y ~ age + age:factor(grp)", base_table(), glm());
    expect_columns(b, {"(Intercept)", "age", "age:grp=2", "age:grp=3"},
                   {ones7, {50, 60, 70, 40, 55, 65, 45}, {0, 60, 0, 0, 55, 0, 45}, {0, 0, 70, 0, 0, 65, 0}});
    // R: y ~ a:b codes both factors by indicators, first factor varying fastest.
    const ModelFrame c = frame("y ~ factor(grp):sex", base_table(), glm());
    ASSERT_EQ(c.terms, (L{"(Intercept)", "grp=1:sex=F", "grp=2:sex=F", "grp=3:sex=F", "grp=1:sex=M", "grp=2:sex=M",
                          "grp=3:sex=M"}));
    EXPECT_EQ(c.X.col(2), (Eigen::VectorXd(8) << 0, 1, 0, 0, 0, 0, 1, 0).finished());  // grp=2 & F
    EXPECT_EQ(c.X.col(4), (Eigen::VectorXd(8) << 1, 0, 0, 1, 0, 0, 0, 1).finished());  // grp=1 & M
}

TEST(ModelFrame, NoInterceptGivesFirstFactorAllLevels) {
    const ModelFrame mf = frame("y ~ factor(grp) + age - 1", base_table(), glm());
    EXPECT_FALSE(mf.has_intercept);
    expect_columns(mf, {"grp=1", "grp=2", "grp=3", "age"},
                   {{1, 0, 0, 1, 0, 0, 0}, {0, 1, 0, 0, 1, 0, 1}, {0, 0, 1, 0, 0, 1, 0}, {50, 60, 70, 40, 55, 65, 45}});
    // With ref=, R's relevel puts the reference level first.
    const ModelFrame mr = frame("y ~ factor(grp, ref=3) + 0", base_table(), glm());
    EXPECT_EQ(mr.terms, (L{"grp=3", "grp=1", "grp=2"}));
}

TEST(ModelFrame, CoxHasNoInterceptColumnButTreatmentContrasts) {
    const ModelFrame mf = frame("Surv(time, y) ~ factor(grp) + age", base_table(), cox());
    EXPECT_FALSE(mf.has_intercept);
    expect_columns(mf, {"grp=2", "grp=3", "age"},
                   {{0, 1, 0, 0, 1, 0, 1}, {0, 0, 1, 0, 0, 1, 0}, {50, 60, 70, 40, 55, 65, 45}});
    EXPECT_EQ(mf.stop, (Eigen::VectorXd(7) << 5, 3, 8, 2, 9, 4, 7).finished());
    EXPECT_EQ(mf.status, (Eigen::VectorXi(7) << 1, 0, 1, 1, 0, 0, 1).finished());
    EXPECT_FALSE(mf.has_start);
}

TEST(ModelFrame, InterceptOnly) {
    const ModelFrame mf = frame("y ~ 1", base_table(), glm());
    expect_columns(mf, {"(Intercept)"}, {std::vector<double>(8, 1.0)});
    const ModelFrame km = frame("Surv(time, y) ~ 1", base_table(), cox());
    EXPECT_EQ(km.X.cols(), 0);
    EXPECT_EQ(km.n_local(), 8);
}

TEST(ModelFrame, MissingRowsDroppedForEveryRole) {
    Table t;
    t.name = "na";
    t.add(dbl("time", {1, 2, 3, 4, 5, 6, 7, 8}));
    t.add(i64("status", {1, 0, NA, 1, 0, 1, 0, 1}));       // row 2
    t.add(dbl("x", {1, 2, 3, NA, 5, 6, 7, 8}));            // row 3
    t.add(cat("inst", {"a", "b", "a", "b", std::nullopt, "a", "b", "a"}));  // row 4
    t.add(dbl("pyrs", {1, 1, 1, 1, 1, NA, 1, 1}));         // row 5
    t.add(dbl("w", {1, 2, 1, 2, 1, 2, NA, 2}));            // row 6
    t.add(i64("id", {1, 1, 2, 2, 3, 3, 4, NA}));           // row 7
    t.add(dbl("unused", {NA, NA, NA, NA, NA, NA, NA, NA}));
    FrameOptions o = cox();
    o.weights_column = "w";
    const ModelFrame mf = frame("Surv(time, status) ~ x + strata(inst) + offset(pyrs) + cluster(id)", t, o);
    EXPECT_EQ(mf.n_total, 2);
    EXPECT_EQ(mf.n_dropped_missing, 6);
    EXPECT_EQ(mf.stop, (Eigen::VectorXd(2) << 1, 2).finished());
    EXPECT_EQ(mf.weights, (Eigen::VectorXd(2) << 1, 2).finished());
    EXPECT_EQ(mf.cluster, (std::vector<std::int64_t>{1, 1}));
    EXPECT_TRUE(mf.has_cluster);
    EXPECT_EQ(mf.strata_labels, (L{"inst=a", "inst=b"}));
    EXPECT_EQ(mf.strata, (std::vector<std::int32_t>{0, 1}));
}

TEST(ModelFrame, AllMissingColumnIsUsageError) {
    Table t = base_table();
    t.add(dbl("empty", {NA, NA, NA, NA, NA, NA, NA, NA}));
    const std::string msg = usage_error("y ~ age + empty", t, glm());
    EXPECT_TRUE(contains(msg, "'empty'")) << msg;
    EXPECT_TRUE(contains(msg, "missing in all 8 rows")) << msg;
}

TEST(ModelFrame, UnknownColumnAndWrongTypeAreUsageErrors) {
    EXPECT_TRUE(contains(usage_error("y ~ nope", base_table(), glm()), "no column 'nope'"));
    EXPECT_TRUE(contains(usage_error("sex ~ age", base_table(), glm()), "the response"));
    EXPECT_TRUE(contains(usage_error("Surv(time, sex) ~ age", base_table(), cox()), "status"));
}

TEST(ModelFrame, SingleLevelFactorIsUsageError) {
    Table t;
    t.name = "t";
    t.add(dbl("y", {1, 2, 3}));
    t.add(cat("g", {"a", "a", "a"}));
    EXPECT_TRUE(contains(usage_error("y ~ g", t, glm()), "single level among"));
    EXPECT_FALSE(contains(usage_error("y ~ g", t, glm()), "(a)"));  // no level label in a message
}

namespace {
Table status_table(const std::vector<double>& status) {
    Table t;
    t.name = "s";
    std::vector<double> time(status.size());
    for (std::size_t i = 0; i < time.size(); ++i) time[i] = static_cast<double>(i + 1);
    t.add(dbl("time", time));
    t.add(i64("status", status));
    return t;
}
Eigen::VectorXi ivec(std::vector<int> v) { return Eigen::Map<Eigen::VectorXi>(v.data(), static_cast<Eigen::Index>(v.size())); }
}  // namespace

TEST(ModelFrameStatus, ZeroOne) {
    EXPECT_EQ(frame("Surv(time, status) ~ 1", status_table({0, 1, 1, 0}), cox()).status, ivec({0, 1, 1, 0}));
}

TEST(ModelFrameStatus, OneTwoIsRCoding) {
    EXPECT_EQ(frame("Surv(time, status) ~ 1", status_table({1, 2, 2, 1}), cox()).status, ivec({0, 1, 1, 0}));
    // R: max(status) == 2 means 1/2 coding, also when every row is an event.
    EXPECT_EQ(frame("Surv(time, status) ~ 1", status_table({2, 2}), cox()).status, ivec({1, 1}));
    // All 1: 0/1 coding, all events (R's Surv does the same).
    EXPECT_EQ(frame("Surv(time, status) ~ 1", status_table({1, 1}), cox()).status, ivec({1, 1}));
}

TEST(ModelFrameStatus, Bool) {
    Table t;
    t.name = "b";
    t.add(dbl("time", {1, 2, 3}));
    t.add(boolean("dead", {1, 0, 1}));
    EXPECT_EQ(frame("Surv(time, dead) ~ 1", t, cox()).status, ivec({1, 0, 1}));
}

TEST(ModelFrameStatus, InvalidCodingNamesValuesAndCodings) {
    const std::string msg = usage_error("Surv(time, status) ~ 1", status_table({0, 1, 2, 1}), cox());
    EXPECT_TRUE(contains(msg, "'status'")) << msg;
    EXPECT_TRUE(contains(msg, "0, 1, 2")) << msg;
    EXPECT_TRUE(contains(msg, "0/1")) << msg;
    EXPECT_TRUE(contains(msg, "1/2")) << msg;
    EXPECT_TRUE(contains(msg, "bool")) << msg;
    EXPECT_TRUE(contains(usage_error("Surv(time, status) ~ 1", status_table({0, 3}), cox()), "0, 3"));
}

TEST(ModelFrameStatus, CompetingRisksKeepCauses) {
    FrameOptions o = cox();
    o.competing_risks = true;
    EXPECT_EQ(frame("Surv(time, status) ~ 1", status_table({0, 1, 2, 1, 0}), o).status, ivec({0, 1, 2, 1, 0}));
    EXPECT_TRUE(contains(usage_error("Surv(time, status) ~ 1", status_table({0, -1, 1}), o), "1..K"));
}

TEST(ModelFrame, CountingProcessResponse) {
    Table t;
    t.name = "cp";
    t.add(dbl("start", {0, 2, 0}));
    t.add(dbl("stop", {2, 5, 4}));
    t.add(i64("event", {0, 1, 1}));
    const ModelFrame mf = frame("Surv(start, stop, event) ~ 1", t, cox());
    EXPECT_TRUE(mf.has_start);
    EXPECT_EQ(mf.start, (Eigen::VectorXd(3) << 0, 2, 0).finished());
    EXPECT_EQ(mf.stop, (Eigen::VectorXd(3) << 2, 5, 4).finished());
    t.column("stop").f64[1] = 2;  // stop == start
    EXPECT_TRUE(contains(usage_error("Surv(start, stop, event) ~ 1", t, cox()), "stop > start"));
}

TEST(ModelFrame, StrataLexicographicOverObservedCombinations) {
    const ModelFrame mf = frame("Surv(time, y) ~ strata(sex, grp)", base_table(), cox());
    // (sex, grp) per row: M1 F2 F3 M1 M2 F3 F2 M1.
    EXPECT_EQ(mf.strata_labels, (L{"sex=F, grp=2", "sex=F, grp=3", "sex=M, grp=1", "sex=M, grp=2"}));
    EXPECT_EQ(mf.strata, (std::vector<std::int32_t>{2, 0, 1, 2, 3, 1, 0, 2}));
    EXPECT_EQ(mf.X.cols(), 0);
}

TEST(ModelFrame, OffsetLogAndSum) {
    Table t = base_table();
    t.add(dbl("pyrs", {1, std::exp(1.0), std::exp(2.0), 1, 1, 1, 1, 1}));
    t.add(i64("base", {1, 1, 1, 1, 1, 1, 1, 1}));
    const ModelFrame mf = frame("y ~ age + offset(log(pyrs)) + offset(base)", t, glm());
    EXPECT_NEAR(mf.offset[0], 1.0, 1e-12);
    EXPECT_NEAR(mf.offset[1], 2.0, 1e-12);
    EXPECT_NEAR(mf.offset[2], 3.0, 1e-12);
    t.column("pyrs").f64[3] = 0.0;
    const std::string msg = usage_error("y ~ age + offset(log(pyrs))", t, glm());
    EXPECT_TRUE(contains(msg, "offset(log(pyrs))")) << msg;
    EXPECT_TRUE(contains(msg, "'pyrs'")) << msg;
    EXPECT_TRUE(contains(msg, "1 values <= 0")) << msg;
}

TEST(ModelFrame, WeightsAndClusterFromOptions) {
    Table t = base_table();
    t.add(dbl("w", {1, 2, 3, 4, 5, 6, 7, 8}));
    t.add(cat("id", {"p9", "p1", "p9", "p2", "p1", "p2", "p3", "p3"}));
    FrameOptions o = glm();
    o.weights_column = "w";
    o.cluster_column = "id";
    const ModelFrame mf = frame("y ~ sex", t, o);
    EXPECT_EQ(mf.weights, (Eigen::VectorXd(8) << 1, 2, 3, 4, 5, 6, 7, 8).finished());
    // Categorical ids become the position of their label among the agreed labels p1 < p2 < p3 < p9.
    EXPECT_EQ(mf.cluster, (std::vector<std::int64_t>{3, 0, 3, 1, 0, 1, 2, 2}));
    t.column("w").f64[0] = -1;
    EXPECT_TRUE(contains(usage_error("y ~ sex", t, o), "negative"));
}

TEST(ModelFrame, DatesAreDaysAndDateFactorsPrintIso) {
    Table t;
    t.name = "d";
    t.add(dbl("y", {1, 2, 3}));
    t.add(date("when", {0, 365, 0}));
    expect_columns(frame("y ~ when", t, glm()), {"(Intercept)", "when"}, {{1, 1, 1}, {0, 365, 0}});
    EXPECT_EQ(frame("y ~ factor(when)", t, glm()).terms, (L{"(Intercept)", "when=1971-01-01"}));
}

TEST(ModelFrame, NumericFactorLabelsPrintLikeR) {
    Table t;
    t.name = "n";
    t.add(dbl("y", {1, 2, 3, 4}));
    t.add(dbl("dose", {0.5, 1.0, 2.5, 1.0}));
    const ModelFrame mf = frame("y ~ factor(dose, ref=1.0)", t, glm());
    EXPECT_EQ(mf.terms, (L{"(Intercept)", "dose=0.5", "dose=2.5"}));
    EXPECT_EQ(format_r_number(1.0), "1");
    EXPECT_EQ(format_r_number(-2.5), "-2.5");
    EXPECT_EQ(format_iso_date(0), "1970-01-01");
    EXPECT_EQ(format_iso_date(-1), "1969-12-31");
    EXPECT_EQ(format_iso_date(11016), "2000-02-29");
}

TEST(ModelFrame, BoolReferenceByName) {
    const ModelFrame mf = frame("y ~ factor(flag, ref=TRUE)", base_table(), glm());
    EXPECT_EQ(mf.terms, (L{"(Intercept)", "flag=FALSE"}));
}

// The consuming build frees the table's columns as it goes; the frame must be the same as the
// reading build's, whichever columns are shared between roles and whether rows were dropped.
TEST(ModelFrame, ConsumingTheTableGivesTheSameFrame) {
    auto table = [] {
        Table t = base_table();
        t.add(dbl("w", {1, 2, 1, 3, 1, 2, 1, 1}));
        t.add(dbl("pyrs", {1, 2, 3, 4, 5, 6, 7, 8}));
        t.add(i64("status", {1, 0, 1, 1, 0, 1, 0, 1}));
        return t;
    };
    struct Case {
        std::string formula;
        FrameOptions options;
    };
    FrameOptions weighted = glm();
    weighted.weights_column = "w";
    FrameOptions clustered = cox();
    clustered.cluster_column = "grp";
    const std::vector<Case> cases = {
        {"y ~ age + factor(grp) + sex", glm()},                        // age has a missing value: a row dropped
        {"y ~ time + time:sex + factor(grp)*time + offset(log(pyrs))", weighted},
        {"y ~ w + offset(w)", weighted},                               // one column in three roles
        {"Surv(time, status) ~ age + flag + strata(sex)", clustered},  // flag missing: rows dropped
        {"Surv(time, status) ~ time + factor(grp) + strata(grp)", cox()},
    };
    Comm self(MPI_COMM_SELF);
    for (const Case& c : cases) {
        SCOPED_TRACE(c.formula);
        const Formula f = parse_formula(c.formula);
        const Table kept = table();
        const ModelFrame read = build_model_frame(f, kept, self, c.options);
        Table consumed = table();
        const ModelFrame took = build_model_frame(f, std::move(consumed), self, c.options);
        EXPECT_TRUE(consumed.columns.empty());
        EXPECT_EQ(took.terms, read.terms);
        EXPECT_EQ(took.X, read.X);
        EXPECT_EQ(took.y, read.y);
        EXPECT_EQ(took.stop, read.stop);
        EXPECT_EQ(took.status, read.status);
        EXPECT_EQ(took.weights, read.weights);
        EXPECT_EQ(took.offset, read.offset);
        EXPECT_EQ(took.strata, read.strata);
        EXPECT_EQ(took.strata_labels, read.strata_labels);
        EXPECT_EQ(took.cluster, read.cluster);
        EXPECT_EQ(took.n_total, read.n_total);
        EXPECT_EQ(took.n_dropped_missing, read.n_dropped_missing);
    }
}

// The frame sums a plain numeric column and takes its range as it copies it (the Cox set-up then
// does not read X for them); a factor's indicator and a product are not summarised. Rows with a
// missing value are not in the sums (age's NA row is dropped, so its column is copied through the
// row index).
TEST(ModelFrame, SummaryOfPlainColumnsAsCopied) {
    FrameOptions o = glm();
    EXPECT_TRUE(frame("y ~ age", base_table(), o).x_summary.empty());  // not asked for
    o.summarise_columns = true;
    const ModelFrame mf = frame("y ~ age + grp + sex + age:grp", base_table(), o);
    ASSERT_EQ(mf.terms, (L{"(Intercept)", "age", "grp", "sex=M", "age:grp"}));
    ASSERT_EQ(mf.x_summary.size(), 5u);
    const std::vector<bool> known{false, true, true, false, false};
    for (std::size_t j = 0; j < known.size(); ++j) EXPECT_EQ(mf.x_summary[j].known, known[j]) << mf.terms[j];
    EXPECT_EQ(mf.x_summary[1].sum, 50 + 60 + 70 + 40 + 55 + 65 + 45);  // whole numbers: exact
    EXPECT_EQ(mf.x_summary[1].min, 40);
    EXPECT_EQ(mf.x_summary[1].max, 70);
    EXPECT_EQ(mf.x_summary[2].sum, 1 + 2 + 3 + 1 + 2 + 3 + 2);
    EXPECT_EQ(mf.x_summary[2].min, 1);
    EXPECT_EQ(mf.x_summary[2].max, 3);
}

// Above 65,536 rows the summary is taken in blocks of rows on threads: the same bits for any
// number of threads, and the sum of the copied values to rounding.
TEST(ModelFrame, SummaryIsTheSameForAnyNumberOfThreads) {
    const std::size_t n = 300000;
    std::mt19937_64 rng(3);
    std::normal_distribution<double> z(10.0, 3.0);
    std::vector<double> x(n), y(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = z(rng), y[i] = static_cast<double>(i % 2);
    x[123457] = -1e3;
    x[299999] = 1e3;
    Table t;
    t.name = "big";
    t.add(dbl("y", y));
    t.add(dbl("x", x));
    const int saved = omp_get_max_threads();
    std::vector<ModelFrame::ColumnSummary> by_threads;
    FrameOptions o = cox();
    o.summarise_columns = true;
    for (int threads : {1, 2, 3}) {
        omp_set_num_threads(threads);
        const ModelFrame mf = frame("y ~ x", t, o);
        ASSERT_EQ(mf.x_summary.size(), 1u);
        ASSERT_TRUE(mf.x_summary[0].known);
        by_threads.push_back(mf.x_summary[0]);
        EXPECT_NEAR(mf.x_summary[0].sum, mf.X.col(0).sum(), 1e-12 * mf.X.col(0).cwiseAbs().sum());
    }
    omp_set_num_threads(saved);
    for (const ModelFrame::ColumnSummary& s : by_threads) {
        EXPECT_EQ(s.sum, by_threads[0].sum);
        EXPECT_EQ(s.min, -1e3);
        EXPECT_EQ(s.max, 1e3);
    }
}

// Asked to, the frame leaves weights and offset empty where none are given, and builds them where
// they are.
TEST(ModelFrame, ConstantsLeftEmptyWhenNoneGiven) {
    FrameOptions o = glm();
    o.constants_left_empty = true;
    const ModelFrame none = frame("y ~ age", base_table(), o);
    EXPECT_EQ(none.weights.size(), 0);
    EXPECT_EQ(none.offset.size(), 0);
    EXPECT_EQ(none.X.rows(), 7);
    o.weights_column = "time";
    const ModelFrame both = frame("y ~ age + offset(grp)", base_table(), o);
    ASSERT_EQ(both.weights.size(), 7);
    ASSERT_EQ(both.offset.size(), 7);
    EXPECT_EQ(both.weights[0], 5);
    EXPECT_EQ(both.offset[2], 3);
    EXPECT_EQ(frame("y ~ age", base_table(), glm()).weights.size(), 7);  // not asked: ones
}
