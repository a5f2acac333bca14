// Test support for the GLM kernel: runs tests/kernels/regression/glm_reference.R (R's glm, computed
// in the same test run), loads each case's model matrix into a ModelFrame and compares results.
#pragma once
#include <gtest/gtest.h>
#include <mpi.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "formula/model_frame.hpp"
#include "kernels/regression/glm_fit.hpp"

namespace kohort::glm::testing {

inline const std::vector<std::string>& reference_cases() {
    static const std::vector<std::string> cases{
        "mtcars_gaussian", "mtcars_weighted_noint", "mtcars_aliased", "infert_logit",  "infert_probit",
        "infert_cloglog",  "infert_aliased",        "esoph_proportions", "warpbreaks_poisson", "rate_offset",
        "rate_offset_noint", "separation"};
    return cases;
}

// Runs the R script into `dir` (rank 0 only when MPI has several ranks; others wait).
inline void run_reference_script(const std::string& dir) {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int rc = 0;
    if (rank == 0) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        const std::string cmd = "Rscript " + std::string(KOHORT_GLM_TEST_SOURCE_DIR) + "/glm_reference.R " + dir +
                                " > " + dir + "/R.log 2>&1";
        rc = std::system(cmd.c_str());
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    ASSERT_EQ(rc, 0) << "Rscript glm_reference.R failed; see " << dir << "/R.log";
}

inline double parse_value(const nlohmann::json& v) {
    if (v.is_null()) return NAN;
    if (v.is_number()) return v.get<double>();
    const std::string s = v.get<std::string>();
    if (s == "Inf") return INFINITY;
    if (s == "-Inf") return -INFINITY;
    if (s == "NA" || s == "NaN") return NAN;
    return std::stod(s);
}

inline std::vector<double> parse_values(const nlohmann::json& arr) {
    std::vector<double> out;
    for (const auto& v : arr) out.push_back(parse_value(v));
    return out;
}

struct ReferenceCase {
    std::string name;
    nlohmann::json ref;
    std::vector<std::string> header;
    std::vector<std::vector<double>> rows;  // all rows of the CSV
};

inline ReferenceCase load_case(const std::string& dir, const std::string& name) {
    ReferenceCase c;
    c.name = name;
    std::ifstream js(dir + "/" + name + ".json");
    c.ref = nlohmann::json::parse(js);
    std::ifstream csv(dir + "/" + name + ".csv");
    std::string line;
    std::getline(csv, line);
    {
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) c.header.push_back(cell);
    }
    while (std::getline(csv, line)) {
        if (line.empty()) continue;
        std::stringstream ss(line);
        std::string cell;
        std::vector<double> row;
        while (std::getline(ss, cell, ',')) row.push_back(std::stod(cell));
        c.rows.push_back(row);
    }
    return c;
}

// The ModelFrame of the rows `keep(i)` selects, laid out as build_model_frame would:
// columns .y, .w, .offset, .cluster, then the model matrix.
template <typename Keep>
ModelFrame make_frame(const ReferenceCase& c, Keep keep) {
    const Eigen::Index p = static_cast<Eigen::Index>(c.header.size()) - 4;
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < c.rows.size(); ++i)
        if (keep(i)) idx.push_back(i);
    const auto n = static_cast<Eigen::Index>(idx.size());
    ModelFrame f;
    f.X.resize(n, p);
    f.y.resize(n);
    f.weights.resize(n);
    f.offset.resize(n);
    f.has_cluster = c.ref["has_cluster"].get<bool>();
    for (Eigen::Index r = 0; r < n; ++r) {
        const auto& row = c.rows[idx[static_cast<std::size_t>(r)]];
        f.y[r] = row[0];
        f.weights[r] = row[1];
        f.offset[r] = row[2];
        if (f.has_cluster) f.cluster.push_back(static_cast<std::int64_t>(row[3]));
        for (Eigen::Index j = 0; j < p; ++j) f.X(r, j) = row[static_cast<std::size_t>(4 + j)];
    }
    for (Eigen::Index j = 0; j < p; ++j) f.terms.push_back(c.header[static_cast<std::size_t>(4 + j)]);
    f.has_intercept = c.ref["has_intercept"].get<bool>();
    f.n_total = static_cast<std::int64_t>(c.rows.size());
    return f;
}

inline GlmOptions options_for(const ReferenceCase& c) {
    GlmOptions o;
    o.family = Family::make(c.ref["family"].get<std::string>(), c.ref["link"].get<std::string>(), c.name);
    o.has_offset = c.ref["has_offset"].get<bool>();
    o.robust = c.ref["robust"].get<std::string>();
    o.where = c.name;
    return o;
}

// |a - e| <= rel * |e| (or both NaN / equal infinities).
inline ::testing::AssertionResult close(double a, double e, double rel, const std::string& what) {
    if (std::isnan(a) && std::isnan(e)) return ::testing::AssertionSuccess();
    if (std::isinf(e) && a == e) return ::testing::AssertionSuccess();
    if (std::fabs(a - e) <= rel * std::fabs(e) + 1e-300) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << what << ": got " << a << ", expected " << e << " (relative error "
                                         << std::fabs(a - e) / std::fabs(e) << ", allowed " << rel << ")";
}

// Compares every number of a fit with R's. `rel` applies to everything.
inline void expect_matches_r(const GlmFit& fit, const ReferenceCase& c, double rel) {
    const auto& r = c.ref;
    SCOPED_TRACE(c.name);
    const auto est = parse_values(r["estimate"]), se = parse_values(r["se"]), st = parse_values(r["statistic"]),
               pv = parse_values(r["p"]), rse = parse_values(r["robust_se"]);
    ASSERT_EQ(fit.coefficients.size(), est.size());
    for (std::size_t j = 0; j < est.size(); ++j) {
        const auto& cf = fit.coefficients[j];
        const std::string t = cf.term;
        EXPECT_EQ(cf.aliased, r["aliased"][j].get<bool>()) << t;
        EXPECT_TRUE(close(cf.estimate, est[j], rel, t + " estimate"));
        EXPECT_TRUE(close(cf.se, se[j], rel, t + " se"));
        EXPECT_TRUE(close(cf.statistic, st[j], rel, t + " statistic"));
        EXPECT_TRUE(close(cf.p, pv[j], rel, t + " p"));
        EXPECT_TRUE(close(cf.robust_se, rse[j], rel, t + " robust_se"));
    }
    EXPECT_TRUE(close(fit.deviance, parse_value(r["deviance"]), rel, "deviance"));
    EXPECT_TRUE(close(fit.null_deviance, parse_value(r["null_deviance"]), rel, "null_deviance"));
    EXPECT_TRUE(close(fit.aic, parse_value(r["aic"]), rel, "aic"));
    EXPECT_TRUE(close(fit.dispersion, parse_value(r["dispersion"]), rel, "dispersion"));
    EXPECT_EQ(fit.df_residual, r["df_residual"].get<std::int64_t>());
    EXPECT_EQ(fit.df_null, r["df_null"].get<std::int64_t>());
    EXPECT_EQ(fit.rank, r["rank"].get<std::int64_t>());
    EXPECT_EQ(fit.iterations, r["iterations"].get<int>());
    EXPECT_EQ(fit.converged, r["converged"].get<bool>());
}

// Every number of two kohort fits (for rank invariance).
inline void expect_same_fit(const GlmFit& a, const GlmFit& b, double rel) {
    ASSERT_EQ(a.coefficients.size(), b.coefficients.size());
    for (std::size_t j = 0; j < a.coefficients.size(); ++j) {
        const auto& x = a.coefficients[j];
        const auto& y = b.coefficients[j];
        EXPECT_EQ(x.aliased, y.aliased);
        EXPECT_TRUE(close(x.estimate, y.estimate, rel, x.term + " estimate"));
        EXPECT_TRUE(close(x.se, y.se, rel, x.term + " se"));
        EXPECT_TRUE(close(x.p, y.p, rel, x.term + " p"));
        EXPECT_TRUE(close(x.robust_se, y.robust_se, rel, x.term + " robust_se"));
    }
    EXPECT_TRUE(close(a.deviance, b.deviance, rel, "deviance"));
    EXPECT_TRUE(close(a.null_deviance, b.null_deviance, rel, "null_deviance"));
    EXPECT_TRUE(close(a.aic, b.aic, rel, "aic"));
    EXPECT_TRUE(close(a.dispersion, b.dispersion, rel, "dispersion"));
    EXPECT_EQ(a.iterations, b.iterations);
    EXPECT_EQ(a.n_clusters, b.n_clusters);
    EXPECT_EQ(a.warnings, b.warnings);
}

}  // namespace kohort::glm::testing
