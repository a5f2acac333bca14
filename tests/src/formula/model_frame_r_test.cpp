// Cross-check against R, run inside the test: the table is written to CSV, R builds
// model.matrix(model.frame(..., na.action = na.omit)), Surv() statuses, strata() levels and
// as.character() of numbers, and kohort must give the same column names (R's "sexM:age" is
// kohort's "sex=M:age") and values. R sorts labels with LC_COLLATE=C, the byte order kohort uses.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "formula/level_labels.hpp"
#include "formula/model_frame.hpp"
#include "frame_test_tables.hpp"

using namespace kohort;
using namespace kohort::testing;

namespace {

struct Case {
    std::string ours;        // kohort formula
    bool allow_intercept;    // false: cox-style, R's intercept column is dropped
    std::string r_prepare;   // R statements on data frame `d`
    std::string r_formula;   // the same model in R
};

const std::vector<Case>& cases() {
    static const std::vector<Case> c = {
        {"y ~ age + factor(grp, ref=2) + sex*age + flag", true, "d$grp <- relevel(factor(d$grp), ref = '2')",
         "y ~ age + grp + sex*age + flag"},
        {"y ~ factor(grp) + sex - 1", true, "d$grp <- factor(d$grp)", "y ~ grp + sex - 1"},
        {"y ~ age + flag + 0", true, "", "y ~ age + flag + 0"},
        {"y ~ age:factor(grp) + factor(grp):sex", true, "d$grp <- factor(d$grp)", "y ~ age:grp + grp:sex"},
        {"y ~ (age + sex + flag)^2", true, "", "y ~ (age + sex + flag)^2"},
        {"y ~ factor(dose) + region", true, "d$dose <- factor(d$dose)", "y ~ dose + region"},
        {"y ~ factor(region, ref=Sjælland)*age", true, "d$region <- relevel(factor(d$region), ref = 'Sjælland')",
         "y ~ region*age"},
        {"y ~ when + age", true, "d$when <- as.numeric(as.Date(d$when))", "y ~ when + age"},
        {"Surv(time, status) ~ factor(grp) + age + sex:age", false, "d$grp <- factor(d$grp)",
         "y ~ grp + age + sex:age"},
        {"Surv(time, status) ~ factor(grp)*sex - 1", false, "d$grp <- factor(d$grp)", "y ~ grp*sex"},
    };
    return c;
}

Table r_table() {
    const char* regions[] = {"Hovedstaden", "Midtjylland", "Nordjylland", "Sjælland", "Syddanmark"};
    const double doses[] = {0.5, 1.0, 2.5, 100000.0, 0.0001};
    std::vector<double> y, age, grp, flag, dose, when, time, status;
    std::vector<OptStr> sex, region;
    for (int i = 0; i < 41; ++i) {
        y.push_back((i * 5) % 7 > 3 ? 1.0 : 0.0);
        age.push_back(i % 9 == 4 ? NA : 30.0 + (i * 17) % 43 + 0.25 * (i % 4));
        grp.push_back(i % 13 == 7 ? NA : 1 + (i * 3) % 4);
        flag.push_back(i % 11 == 2 ? NA : (i / 2) % 2);
        sex.push_back(i % 10 == 9 ? OptStr{} : OptStr{(i * 7) % 3 ? "M" : "F"});
        region.push_back(regions[(i * 3) % 5]);
        dose.push_back(doses[i % 5]);
        when.push_back(-400 + 97 * i);
        time.push_back(1 + (i * 11) % 19);
        status.push_back(1 + (i % 4 == 1));
    }
    Table t;
    t.name = "r";
    t.add(dbl("y", y));
    t.add(dbl("age", age));
    t.add(i64("grp", grp));
    t.add(boolean("flag", flag));
    t.add(cat("sex", sex));
    t.add(cat("region", region));
    t.add(dbl("dose", dose));
    t.add(date("when", when));
    t.add(dbl("time", time));
    t.add(i64("status", status));
    return t;
}

struct Matrix {
    std::vector<std::string> names;
    std::vector<std::vector<double>> rows;
};

std::vector<std::string> split(const std::string& line, char sep) {
    std::vector<std::string> out;
    std::string cell;
    std::istringstream in(line);
    while (std::getline(in, cell, sep)) out.push_back(cell);
    return out;
}

Matrix read_tsv(const std::string& path) {
    Matrix m;
    std::ifstream in(path);
    std::string line;
    if (!std::getline(in, line)) return m;
    m.names = split(line, '\t');
    while (std::getline(in, line)) {
        std::vector<double> row;
        for (const auto& cell : split(line, '\t')) row.push_back(std::stod(cell));
        m.rows.push_back(row);
    }
    return m;
}

std::vector<std::string> read_lines(const std::string& path) {
    std::vector<std::string> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

std::string without_equals(std::string s) {
    s.erase(std::remove(s.begin(), s.end(), '='), s.end());
    return s;
}

const std::vector<double> kNumbers = {1, 2.5, -2.5, 0.1, 1.0 / 3.0, 100000, 123456, 0.0001, 0.001, 1e-300,
                                      1234567.1, 0.00012345, 1e15, 123456789012.0, 0.1 + 0.2, 42, -7e-8};

class RCrossCheck : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        char tmpl[] = "/tmp/kohort-formula-r-XXXXXX";
        dir_ = mkdtemp(tmpl);
        table_ = new Table(r_table());
        write_csv(*table_, dir_ + "/d.csv");
        std::ofstream num(dir_ + "/numbers.txt");
        char buf[64];
        for (double v : kNumbers) {
            std::snprintf(buf, sizeof buf, "%.17g", v);
            num << buf << "\n";
        }
        num.close();

        std::ofstream r(dir_ + "/check.R");
        // The script holds 'Sjælland' and reads it from d.csv: both must be UTF-8 whatever the
        // caller's locale (a separate CTest entry runs this test under LC_ALL=C, issue 13).
        r << "invisible(Sys.setlocale('LC_CTYPE', 'C.UTF-8'))\n"
          << "suppressPackageStartupMessages(library(survival))\n"
          << "invisible(Sys.setlocale('LC_COLLATE', 'C'))\n"
          << "out <- '" << dir_ << "'\n"
          << "d0 <- read.csv(file.path(out, 'd.csv'), stringsAsFactors = FALSE, encoding = 'UTF-8')\n";
        for (std::size_t k = 0; k < cases().size(); ++k) {
            const Case& c = cases()[k];
            r << "d <- d0\n" << c.r_prepare << "\n"
              << "mf <- model.frame(" << c.r_formula << ", d, na.action = na.omit)\n"
              << "mm <- model.matrix(" << c.r_formula << ", mf)\n";
            if (!c.allow_intercept) r << "mm <- mm[, colnames(mm) != '(Intercept)', drop = FALSE]\n";
            r << "write.table(mm, file.path(out, 'case" << k
              << ".tsv'), sep = '\\t', quote = FALSE, row.names = FALSE)\n";
        }
        r << "x <- scan(file.path(out, 'numbers.txt'), quiet = TRUE)\n"
          << "writeLines(as.character(x), file.path(out, 'numbers_r.txt'))\n"
          << "dd <- na.omit(d0[, c('time', 'status', 'sex', 'grp')])\n"
          << "s <- with(dd, strata(sex, grp))\n"
          << "writeLines(levels(s), file.path(out, 'strata_levels.txt'))\n"
          << "writeLines(as.character(as.integer(s) - 1), file.path(out, 'strata_index.txt'))\n"
          << "writeLines(as.character(Surv(dd$time, dd$status)[, 'status']), file.path(out, 'status.txt'))\n";
        r.close();
        const std::string cmd = std::string(KOHORT_RSCRIPT) + " " + dir_ + "/check.R > " + dir_ + "/r.log 2>&1";
        rc_ = std::system(cmd.c_str());
    }
    static void TearDownTestSuite() {
        delete table_;
        std::filesystem::remove_all(dir_);
    }
    void SetUp() override {
        ASSERT_EQ(rc_, 0) << "Rscript failed:\n" << [] {
            std::string s;
            for (const auto& l : read_lines(dir_ + "/r.log")) s += l + "\n";
            return s;
        }();
    }

    static ModelFrame frame(const std::string& formula, bool allow_intercept) {
        Comm self(MPI_COMM_SELF);
        FrameOptions o;
        o.allow_intercept = allow_intercept;
        return build_model_frame(parse_formula(formula), *table_, self, o);
    }

    static inline std::string dir_;
    static inline Table* table_ = nullptr;
    static inline int rc_ = -1;
};

TEST_F(RCrossCheck, ModelMatricesMatchR) {
    for (std::size_t k = 0; k < cases().size(); ++k) {
        const Case& c = cases()[k];
        SCOPED_TRACE(c.ours + "  vs R  " + c.r_formula);
        const ModelFrame mf = frame(c.ours, c.allow_intercept);
        const Matrix r = read_tsv(dir_ + "/case" + std::to_string(k) + ".tsv");
        std::vector<std::string> ours;
        for (const auto& t : mf.terms) ours.push_back(without_equals(t));
        EXPECT_EQ(ours, r.names);
        ASSERT_EQ(static_cast<std::size_t>(mf.X.rows()), r.rows.size());
        EXPECT_EQ(mf.n_total, static_cast<std::int64_t>(r.rows.size()));
        EXPECT_EQ(mf.n_total + mf.n_dropped_missing, static_cast<std::int64_t>(table_->rows()));
        if (ours != r.names) continue;
        for (std::size_t i = 0; i < r.rows.size(); ++i)
            for (std::size_t j = 0; j < r.names.size(); ++j)
                EXPECT_NEAR(mf.X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)), r.rows[i][j],
                            1e-12 * (1 + std::abs(r.rows[i][j])))
                    << r.names[j] << " row " << i;
    }
}

TEST_F(RCrossCheck, NumbersPrintLikeAsCharacter) {
    const auto r = read_lines(dir_ + "/numbers_r.txt");
    ASSERT_EQ(r.size(), kNumbers.size());
    for (std::size_t k = 0; k < kNumbers.size(); ++k) EXPECT_EQ(format_r_number(kNumbers[k]), r[k]) << kNumbers[k];
}

TEST_F(RCrossCheck, StrataAndStatusMatchSurvival) {
    const ModelFrame mf = frame("Surv(time, status) ~ strata(sex, grp)", false);
    EXPECT_EQ(mf.strata_labels, read_lines(dir_ + "/strata_levels.txt"));
    std::vector<std::string> idx, status;
    for (auto s : mf.strata) idx.push_back(std::to_string(s));
    for (Eigen::Index i = 0; i < mf.status.size(); ++i) status.push_back(std::to_string(mf.status[i]));
    EXPECT_EQ(idx, read_lines(dir_ + "/strata_index.txt"));
    EXPECT_EQ(status, read_lines(dir_ + "/status.txt"));
}

}  // namespace
