// The distributed model frame equals the single-rank frame of the whole table: each rank holds a
// different block of rows, a factor level and a categorical label exist on one rank only, and
// the rows of X gathered in rank order must equal the frame built from the concatenated table.
// Registered at 1, 2, 3 and 4 ranks.
#include <gtest/gtest.h>

#include "formula/model_frame.hpp"
#include "frame_test_tables.hpp"

using namespace kohort;
using namespace kohort::testing;

namespace {

constexpr std::size_t kRows = 37;

Table whole_table() {
    const char* regions[] = {"Hovedstaden", "Midtjylland", "Nordjylland", "Sjælland"};
    std::vector<double> time, status, age, grp, flag, inst, pyrs, w;
    std::vector<OptStr> region, id;
    for (std::size_t i = 0; i < kRows; ++i) {
        time.push_back(1.0 + static_cast<double>((i * 7) % 23));
        status.push_back(i % 3 == 0 ? 2 : 1);  // R's 1/2 coding
        age.push_back(i == 5 || i == 20 ? NA : 40.5 + static_cast<double>((i * 13) % 31));
        grp.push_back(i == kRows - 1 ? 99 : static_cast<double>(1 + i % 3));  // 99: last rank only
        // "Syddanmark" only in row 0, so only on the first rank that holds rows.
        region.push_back(i == 11 ? OptStr{} : OptStr{i == 0 ? "Syddanmark" : regions[i % 4]});
        flag.push_back(i == 30 ? NA : static_cast<double>(i % 2));
        inst.push_back(static_cast<double>(1 + i % 3));
        pyrs.push_back(1.0 + 0.25 * static_cast<double>(i));
        w.push_back(static_cast<double>(1 + i % 4));
        id.push_back("p" + std::to_string(i / 2));
    }
    Table t;
    t.name = "cohort";
    t.add(dbl("time", time));
    t.add(i64("status", status));
    t.add(dbl("age", age));
    t.add(i64("grp", grp));
    t.add(cat("region", region));
    t.add(boolean("flag", flag));
    t.add(i64("inst", inst));
    t.add(dbl("pyrs", pyrs));
    t.add(dbl("w", w));
    t.add(cat("id", id));
    return t;
}

// Row block of `rank`: even blocks, or (skewed) rank 0 empty and the rest split over the others.
std::pair<std::size_t, std::size_t> block(int rank, int size, bool skewed) {
    if (skewed && size > 1) {
        if (rank == 0) return {0, 0};
        return block(rank - 1, size - 1, false);
    }
    return {kRows * static_cast<std::size_t>(rank) / static_cast<std::size_t>(size),
            kRows * static_cast<std::size_t>(rank + 1) / static_cast<std::size_t>(size)};
}

template <typename T>
std::vector<T> gathered(const Comm& comm, const T* data, Eigen::Index n) {
    return comm.allgatherv(std::vector<T>(data, data + n));
}

template <typename V>
std::vector<typename V::Scalar> as_vector(const V& v) {
    return std::vector<typename V::Scalar>(v.data(), v.data() + v.size());
}

void expect_same_as_single_rank(const std::string& formula, const FrameOptions& opt, bool skewed) {
    const Comm world;
    const Comm self(MPI_COMM_SELF);
    const Table whole = whole_table();
    const auto [begin, end] = block(world.rank(), world.size(), skewed);
    const Table local = slice(whole, begin, end);

    const Formula f = parse_formula(formula);
    const ModelFrame ref = build_model_frame(f, whole, self, opt);
    const ModelFrame mf = build_model_frame(f, local, world, opt);

    // Every rank has the same labels, in the same order.
    std::string joined;
    for (const auto& t : mf.terms) joined += t + "|";
    for (const auto& other : world.allgather_strings({joined})) EXPECT_EQ(other, joined);
    EXPECT_EQ(mf.terms, ref.terms);
    EXPECT_EQ(mf.strata_labels, ref.strata_labels);
    EXPECT_EQ(mf.has_intercept, ref.has_intercept);
    EXPECT_EQ(mf.n_total, ref.n_total);
    EXPECT_EQ(mf.n_dropped_missing, ref.n_dropped_missing);

    const Eigen::Index n = mf.n_local();
    ASSERT_EQ(mf.X.cols(), ref.X.cols());
    for (Eigen::Index j = 0; j < mf.X.cols(); ++j) {
        const std::vector<double> col = gathered(world, mf.X.col(j).data(), n);
        EXPECT_EQ(col, as_vector(Eigen::VectorXd(ref.X.col(j)))) << mf.terms[static_cast<std::size_t>(j)];
    }
    EXPECT_EQ(gathered(world, mf.y.data(), mf.y.size()), as_vector(ref.y));
    EXPECT_EQ(gathered(world, mf.stop.data(), mf.stop.size()), as_vector(ref.stop));
    EXPECT_EQ(gathered(world, mf.status.data(), mf.status.size()), as_vector(ref.status));
    EXPECT_EQ(gathered(world, mf.weights.data(), n), as_vector(ref.weights));
    EXPECT_EQ(gathered(world, mf.offset.data(), n), as_vector(ref.offset));
    EXPECT_EQ(world.allgatherv(mf.strata), ref.strata);
    EXPECT_EQ(world.allgatherv(mf.cluster), ref.cluster);
}

FrameOptions cox_options() {
    FrameOptions o;
    o.allow_intercept = false;
    o.source = "mpi test [model.cox]";
    return o;
}

FrameOptions glm_options() {
    FrameOptions o;
    o.allow_intercept = true;
    o.weights_column = "w";
    o.cluster_column = "id";
    o.source = "mpi test [model.glm]";
    return o;
}

const char* kCox = "Surv(time, status) ~ age*factor(grp) + region + flag + strata(inst, region) + cluster(id)";
const char* kGlm = "status ~ age + factor(grp, ref=99) + region:flag + offset(log(pyrs))";

}  // namespace

TEST(ModelFrameMpi, LevelOnOneRankOnlyGetsTheSameColumnEverywhere) {
    const Comm world;
    const Table local = slice(whole_table(), block(world.rank(), world.size(), false).first,
                              block(world.rank(), world.size(), false).second);
    const ModelFrame mf = build_model_frame(parse_formula(kCox), local, world, cox_options());
    EXPECT_NE(std::find(mf.terms.begin(), mf.terms.end(), "grp=99"), mf.terms.end());
    EXPECT_NE(std::find(mf.terms.begin(), mf.terms.end(), "region=Syddanmark"), mf.terms.end());
    EXPECT_NE(std::find(mf.terms.begin(), mf.terms.end(), "age:grp=99"), mf.terms.end());
}

TEST(ModelFrameMpi, CoxFrameEqualsSingleRankFrame) { expect_same_as_single_rank(kCox, cox_options(), false); }

TEST(ModelFrameMpi, GlmFrameEqualsSingleRankFrame) { expect_same_as_single_rank(kGlm, glm_options(), false); }

TEST(ModelFrameMpi, RankWithoutRowsTakesPart) {
    expect_same_as_single_rank(kCox, cox_options(), true);
    expect_same_as_single_rank(kGlm, glm_options(), true);
}

TEST(ModelFrameMpi, DataErrorOnOneRankIsRaisedOnEveryRank) {
    const Comm world;
    Table whole = whole_table();
    whole.column("pyrs").f64[kRows - 1] = 0.0;  // log(0): only the last rank holds this row
    const auto [begin, end] = block(world.rank(), world.size(), false);
    const Table local = slice(whole, begin, end);
    EXPECT_THROW(build_model_frame(parse_formula(kGlm), local, world, glm_options()), UsageError);

    Table bad_status = whole_table();
    bad_status.column("status").i64[kRows - 1] = 3;
    const Table local2 = slice(bad_status, begin, end);
    try {
        build_model_frame(parse_formula(kCox), local2, world, cox_options());
        ADD_FAILURE() << "no error on rank " << world.rank();
    } catch (const UsageError& e) {
        // Decided from the values of all ranks, so every rank reports the same values.
        EXPECT_NE(std::string(e.what()).find("1, 2, 3"), std::string::npos) << e.what();
    }
}
