// The limits of formula/limits.hpp: each is a UsageError (exit 2) naming the limit, and the case just
// inside each limit still works.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "formula/formula.hpp"
#include "formula/limits.hpp"
#include "formula/model_frame.hpp"
#include "frame_test_tables.hpp"

using namespace kohort;
using namespace kohort::testing;

namespace {

// Parses `text` and returns the message of the UsageError it must throw.
std::string rejection(const std::string& text) {
    try {
        parse_formula(text);
    } catch (const UsageError& e) {
        EXPECT_EQ(e.code(), ExitCode::usage);
        return e.what();
    }
    ADD_FAILURE() << "expected a UsageError for " << text;
    return "";
}

TEST(FormulaLimits, ExponentAboveTheLimitIsRefusedByName) {
    EXPECT_NE(rejection("y ~ (a + b)^17").find("limit on formula exponents"), std::string::npos);
    // LONG_MAX and beyond: no loop of k rounds is ever started.
    EXPECT_NE(rejection("y ~ (a + b)^9223372036854775807").find("limit on formula exponents"), std::string::npos);
    EXPECT_NE(rejection("y ~ (a + b)^99999999999999999999999").find("limit on formula exponents"),
              std::string::npos);
}

TEST(FormulaLimits, ExponentAtTheLimitSaturatesAsInR) {
    // (a+b+c)^16 is (a+b+c)^3 in R: the 7 terms a b c a:b a:c b:c a:b:c.
    const Formula f = parse_formula("y ~ (a + b + c)^" + std::to_string(limits::kFormulaExponent));
    ASSERT_EQ(f.terms.size(), 7u);
    EXPECT_EQ(term_label(f.terms.back()), "a:b:c");
}

TEST(FormulaLimits, NestingDeeperThanTheLimitIsRefusedByName) {
    const std::size_t deep = limits::kFormulaNesting + 1;
    EXPECT_NE(rejection("y ~ " + std::string(deep, '(') + "a" + std::string(deep, ')')).find("limit on formula nesting depth"),
              std::string::npos);
    // A hostile 100000-deep formula ends with the same message, not a stack overflow.
    EXPECT_NE(rejection("y ~ " + std::string(100000, '(') + "a" + std::string(100000, ')')).find("nesting depth"),
              std::string::npos);
    const std::size_t ok = limits::kFormulaNesting;
    EXPECT_EQ(parse_formula("y ~ " + std::string(ok, '(') + "a" + std::string(ok, ')')).terms.size(), 1u);
}

TEST(FormulaLimits, TermExplosionIsRefusedByName) {
    // 12 variables to the 12th: 4095 terms, above the 1024-term limit.
    std::string sum = "v0";
    for (int i = 1; i < 12; ++i) sum += " + v" + std::to_string(i);
    EXPECT_NE(rejection("y ~ (" + sum + ")^12").find("limit on formula terms"), std::string::npos);
    // a1*a2*...*a11: 2^11 - 1 = 2047 terms.
    std::string prod = "a1";
    for (int i = 2; i <= 11; ++i) prod += " * a" + std::to_string(i);
    EXPECT_NE(rejection("y ~ " + prod).find("limit on formula terms"), std::string::npos);
    // 1025 separate main effects.
    std::string many = "x0";
    for (int i = 1; i <= 1024; ++i) many += " + x" + std::to_string(i);
    EXPECT_NE(rejection("y ~ " + many).find("limit on formula terms"), std::string::npos);
}

// Found by fuzz_formula (tests/fuzz/regressions/formula/timeout-power-of-wide-interactions): a
// sum of wide interactions raised to ^6 ran for minutes inside the term limit. It must now be
// settled, one way or the other, at once.
TEST(FormulaLimits, FuzzTimeoutPowerOfWideInteractionsEndsQuickly) {
    const std::string text =
        "Suy ~ (a + b\xff\xff\xff\xff:\xff\xff\xff\xff\xff\xff\xff\xff" "as.factoru*t\xff\xff\xff\xff\xff\xff\xff\xff"
        ":\xff\xff\xff\xffu*t\xff\xff\xff\xff\xff*zppp\xf0p\xff\xff\xff\xff*z+ \xb1\xff\xff\xff\xff\xff\xff\xff"
        "\xff\xff\xff" "a\xc8+ \xff\xff\xffu*t\xff\xff\xff\xff+ c)^6";
    ASSERT_EQ(text.size(), 104u);  // the fuzzer's input, byte for byte
    const auto start = std::chrono::steady_clock::now();
    try {
        parse_formula(text);
    } catch (const UsageError&) {
    }
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 2.0);
    // The same shape in plain names: 5 products of 8 variables, to the 6th power.
    EXPECT_NE(rejection("y ~ (a + b:c:d + e*f*g + h*i*j*k + l*m*n*o*p + q)^6").find("limit on formula terms"),
              std::string::npos);
}

Table id_table(std::size_t n) {
    std::vector<double> y(n), id(n);
    for (std::size_t i = 0; i < n; ++i) {
        y[i] = static_cast<double>(i % 2);
        id[i] = static_cast<double>(i);
    }
    Table t;
    t.name = "people";
    t.add(dbl("y", y));
    t.add(i64("pid", id));
    t.add(i64("grp", std::vector<double>(n, 0.0)));
    for (std::size_t i = 0; i < n; ++i) t.columns.back().i64[i] = static_cast<std::int64_t>(i % 50);
    return t;
}

std::string frame_rejection(const std::string& formula, const Table& t) {
    Comm self(MPI_COMM_SELF);
    FrameOptions o;
    o.allow_intercept = true;
    o.source = "job.ini [model.m]";
    try {
        build_model_frame(parse_formula(formula), t, self, o);
    } catch (const UsageError& e) {
        EXPECT_EQ(e.code(), ExitCode::usage);
        return e.what();
    }
    ADD_FAILURE() << "expected a UsageError for " << formula;
    return "";
}

TEST(DesignColumnLimit, FactorOfAnIdentifierIsRefusedBeforeAnyColumnIsBuilt) {
    const Table t = id_table(limits::kDesignColumns + 2);  // one level more than the limit allows
    const std::string msg = frame_rejection("y ~ factor(pid)", t);
    EXPECT_NE(msg.find("limit on design-matrix columns"), std::string::npos) << msg;
    EXPECT_NE(msg.find("factor(pid)"), std::string::npos) << msg;
}

TEST(DesignColumnLimit, InteractionsMultiplyingLevelsAreRefused) {
    // 50 x 50 levels: 49 + 49 + 49*49 = 2499 columns > 2000; each factor alone is fine.
    Table t = id_table(3000);
    Column g2 = t.columns.back();
    g2.name = "grp2";
    for (std::size_t i = 0; i < g2.i64.size(); ++i) g2.i64[i] = static_cast<std::int64_t>((i / 50) % 50);
    t.add(std::move(g2));
    const std::string msg = frame_rejection("y ~ factor(grp) * factor(grp2)", t);
    EXPECT_NE(msg.find("limit on design-matrix columns"), std::string::npos) << msg;
    EXPECT_NE(msg.find("factor(grp):factor(grp2)"), std::string::npos) << msg;
    Comm self(MPI_COMM_SELF);
    FrameOptions o;
    o.allow_intercept = true;
    EXPECT_EQ(build_model_frame(parse_formula("y ~ factor(grp) + factor(grp2)"), t, self, o).X.cols(), 1 + 49 + 49);
}

}  // namespace
