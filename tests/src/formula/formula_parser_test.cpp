// Parser cases for every element of the formula grammar (contract section 4) and its errors.
// Expected term orders follow R's terms(): checked by hand against R 4.2 (see docs/formulas.md).
#include <gtest/gtest.h>

#include <sstream>

#include "formula/formula.hpp"

using namespace kohort;

namespace {

std::vector<std::string> labels(const Formula& f) {
    std::vector<std::string> out;
    for (const auto& t : f.terms) out.push_back(term_label(t));
    return out;
}

using L = std::vector<std::string>;

// Parses text that must fail; returns the error (position, reason and message checked by callers).
FormulaError error_of(const std::string& text) {
    try {
        parse_formula(text);
    } catch (const FormulaError& e) {
        return e;
    }
    ADD_FAILURE() << "no error for: " << text;
    return FormulaError(text, 0, "none");
}

// The caret line of the message must put '^' under the character at `pos` of the formula line.
void expect_caret(const std::string& text, std::size_t pos, const std::string& reason_part) {
    SCOPED_TRACE(text);
    const FormulaError e = error_of(text);
    EXPECT_EQ(e.position(), pos);
    EXPECT_NE(e.reason().find(reason_part), std::string::npos) << e.reason();
    std::istringstream lines(e.what());
    std::string first, formula_line, caret_line;
    std::getline(lines, first);
    std::getline(lines, formula_line);
    std::getline(lines, caret_line);
    EXPECT_NE(first.find(reason_part), std::string::npos) << first;
    const std::string label = "formula: ";
    ASSERT_NE(formula_line.find(label + text), std::string::npos) << formula_line;
    const std::size_t start = formula_line.find(label) + label.size();
    EXPECT_EQ(caret_line.find('^'), start + pos) << e.what();
    // A UsageError, so the CLI exits with code 2.
    EXPECT_EQ(e.code(), ExitCode::usage);
}

}  // namespace

TEST(FormulaParser, SurvTwoColumns) {
    const Formula f = parse_formula("Surv(time, status) ~ age");
    EXPECT_EQ(f.response, Formula::Response::Surv2);
    EXPECT_EQ(f.response_columns, (L{"time", "status"}));
    EXPECT_EQ(labels(f), L{"age"});
    EXPECT_TRUE(f.intercept);
    EXPECT_EQ(f.text, "Surv(time, status) ~ age");
}

TEST(FormulaParser, SurvThreeColumns) {
    const Formula f = parse_formula("Surv(tstart,tstop,event)~x");
    EXPECT_EQ(f.response, Formula::Response::Surv3);
    EXPECT_EQ(f.response_columns, (L{"tstart", "tstop", "event"}));
}

TEST(FormulaParser, ColumnResponseAndOneSided) {
    const Formula g = parse_formula("died ~ age");
    EXPECT_EQ(g.response, Formula::Response::Column);
    EXPECT_EQ(g.response_columns, L{"died"});
    const Formula one = parse_formula("~ age");
    EXPECT_EQ(one.response, Formula::Response::None);
    EXPECT_TRUE(one.response_columns.empty());
}

TEST(FormulaParser, FactorAndReference) {
    const Formula f = parse_formula("y ~ factor(sex) + factor(ph.ecog, ref=0) + factor(region, ref = \"Region Sjælland\")"
                                    " + factor(edu, ref=basic) + factor(g, ref=-1) + factor(h, ref='b c')");
    ASSERT_EQ(f.terms.size(), 6u);
    EXPECT_EQ(f.terms[0].variables[0], (Variable{"sex", true, std::nullopt}));
    EXPECT_EQ(f.terms[1].variables[0], (Variable{"ph.ecog", true, std::string("0")}));
    EXPECT_EQ(f.terms[2].variables[0], (Variable{"region", true, std::string("Region Sjælland")}));
    EXPECT_EQ(f.terms[3].variables[0], (Variable{"edu", true, std::string("basic")}));
    EXPECT_EQ(f.terms[4].variables[0], (Variable{"g", true, std::string("-1")}));
    EXPECT_EQ(f.terms[5].variables[0], (Variable{"h", true, std::string("b c")}));
}

TEST(FormulaParser, PlainColumnIsNotMarkedFactor) {
    const Formula f = parse_formula("y ~ x");
    EXPECT_EQ(f.terms[0].variables[0], (Variable{"x", false, std::nullopt}));
}

TEST(FormulaParser, InteractionColon) {
    const Formula f = parse_formula("y ~ a:b");
    EXPECT_EQ(labels(f), L{"a:b"});
    EXPECT_EQ(f.terms[0].variables.size(), 2u);
}

TEST(FormulaParser, StarExpandsToMainEffectsAndInteraction) {
    EXPECT_EQ(labels(parse_formula("y ~ a*b")), (L{"a", "b", "a:b"}));
    // R: a b x a:b a:x b:x a:b:x
    EXPECT_EQ(labels(parse_formula("y ~ a*b*x")), (L{"a", "b", "x", "a:b", "a:x", "b:x", "a:b:x"}));
    EXPECT_EQ(labels(parse_formula("y ~ factor(sex)*age")), (L{"factor(sex)", "age", "factor(sex):age"}));
}

TEST(FormulaParser, OrderLikeR) {
    // R: terms(y ~ b:a + a + x*a) gives a, x, b:a, a:x (variables in order of first appearance).
    EXPECT_EQ(labels(parse_formula("y ~ b:a + a + x*a")), (L{"a", "x", "b:a", "a:x"}));
    // Main effects before interactions whatever the written order.
    EXPECT_EQ(labels(parse_formula("y ~ a:b + c + a")), (L{"c", "a", "a:b"}));
}

TEST(FormulaParser, DuplicatesRemoved) {
    EXPECT_EQ(labels(parse_formula("y ~ a + a + b:a + a:b + a*b")), (L{"a", "b", "a:b"}));
    // factor(x) and x are different variables, as in R.
    EXPECT_EQ(labels(parse_formula("y ~ x + factor(x)")), (L{"x", "factor(x)"}));
}

TEST(FormulaParser, ParenthesesAndPower) {
    EXPECT_EQ(labels(parse_formula("y ~ (a + b):c")), (L{"a:c", "b:c"}));
    EXPECT_EQ(labels(parse_formula("y ~ (a+b)*(c+d)")), (L{"a", "b", "c", "d", "a:c", "a:d", "b:c", "b:d"}));
    EXPECT_EQ(labels(parse_formula("y ~ (a+b+x)^2")), (L{"a", "b", "x", "a:b", "a:x", "b:x"}));
    EXPECT_EQ(labels(parse_formula("y ~ (a+b+c)^2 - a:b")), (L{"a", "b", "c", "a:c", "b:c"}));
}

TEST(FormulaParser, SubtractTerms) {
    EXPECT_EQ(labels(parse_formula("y ~ a*b - a")), (L{"b", "a:b"}));
    EXPECT_EQ(labels(parse_formula("y ~ a + b - a")), (L{"b"}));
}

TEST(FormulaParser, Strata) {
    const Formula f = parse_formula("Surv(time, status) ~ age + strata(inst)");
    EXPECT_EQ(labels(f), L{"age"});
    EXPECT_EQ(f.strata, L{"inst"});
    const Formula g = parse_formula("Surv(time, status) ~ strata(sex, inst) + strata(region) + strata(sex)");
    EXPECT_TRUE(g.terms.empty());
    EXPECT_EQ(g.strata, (L{"sex", "inst", "region"}));
}

TEST(FormulaParser, Offsets) {
    const Formula f = parse_formula("died ~ age + offset(log(pyrs)) + offset(base)");
    ASSERT_EQ(f.offsets.size(), 2u);
    EXPECT_EQ(f.offsets[0], (Offset{"pyrs", true}));
    EXPECT_EQ(f.offsets[1], (Offset{"base", false}));
    EXPECT_EQ(labels(f), L{"age"});
}

TEST(FormulaParser, Cluster) {
    const Formula f = parse_formula("Surv(time, status) ~ age + cluster(id)");
    ASSERT_TRUE(f.cluster.has_value());
    EXPECT_EQ(*f.cluster, "id");
    EXPECT_FALSE(parse_formula("y ~ age").cluster.has_value());
}

TEST(FormulaParser, Intercept) {
    EXPECT_FALSE(parse_formula("y ~ x - 1").intercept);
    EXPECT_FALSE(parse_formula("y ~ x + 0").intercept);
    EXPECT_FALSE(parse_formula("y ~ 0 + x").intercept);
    EXPECT_FALSE(parse_formula("y ~ -1 + x").intercept);
    EXPECT_TRUE(parse_formula("y ~ x - 1 + 1").intercept);
    EXPECT_TRUE(parse_formula("y ~ x + 1").intercept);
    EXPECT_TRUE(parse_formula("y ~ x - 0").intercept);  // R: -0 keeps the intercept
    const Formula null_model = parse_formula("y ~ 1");
    EXPECT_TRUE(null_model.intercept);
    EXPECT_TRUE(null_model.terms.empty());
    EXPECT_EQ(labels(parse_formula("y ~ x - 1")), L{"x"});
}

TEST(FormulaParser, NamesWithDotsUnderscoresBackquotesAndLetters) {
    const Formula f = parse_formula("Surv(fu_time, .status) ~ ph.ecog + meal.cal_2 + `my col` + æble + factor(`a-b`)");
    EXPECT_EQ(f.response_columns, (L{"fu_time", ".status"}));
    EXPECT_EQ(labels(f), (L{"ph.ecog", "meal.cal_2", "my col", "æble", "factor(a-b)"}));
}

TEST(FormulaParser, WhitespaceIsIgnored) {
    const Formula a = parse_formula("Surv(time,status)~age+factor(sex,ref=2)+strata(inst)");
    const Formula b = parse_formula("  Surv( time , status )  ~  age + factor( sex , ref = 2 ) + strata( inst )  ");
    EXPECT_EQ(a.terms, b.terms);
    EXPECT_EQ(a.strata, b.strata);
}

TEST(FormulaParser, ContractExamples) {
    const Formula cox = parse_formula("Surv(time, status) ~ age + factor(sex) + ph.ecog + strata(inst)");
    EXPECT_EQ(labels(cox), (L{"age", "factor(sex)", "ph.ecog"}));
    EXPECT_EQ(cox.strata, L{"inst"});
    const Formula glm = parse_formula("died ~ age + factor(ph.ecog, ref=0) + offset(log(pyrs))");
    EXPECT_EQ(labels(glm), (L{"age", "factor(ph.ecog, ref=0)"}));
    EXPECT_EQ(glm.offsets.size(), 1u);
}

TEST(FormulaParser, ColumnsListsEveryColumnOnce) {
    const Formula f = parse_formula("Surv(start, stop, status) ~ age*factor(sex) + factor(age) + strata(inst, sex) + "
                                    "offset(log(pyrs)) + cluster(id)");
    EXPECT_EQ(f.columns(), (L{"start", "stop", "status", "age", "sex", "inst", "pyrs", "id"}));
}

TEST(FormulaParserErrors, UnclosedFactor) {
    // The example of the header: the caret sits at the end of the text.
    const std::string text = "Surv(time, status) ~ age + factor(sex";
    expect_caret(text, text.size(), "expected ')' to close factor(");
}

TEST(FormulaParserErrors, MissingTilde) {
    expect_caret("Surv(time, status) age", 19, "expected '~'");
    expect_caret("y + x", 2, "expected '~'");
}

TEST(FormulaParserErrors, EmptyRightHandSide) {
    expect_caret("y ~ ", 4, "expected terms after '~'");
    expect_caret("", 0, "empty formula");
}

TEST(FormulaParserErrors, TrailingOperator) {
    expect_caret("y ~ a +", 7, "at the end of the formula");
    expect_caret("y ~ a *", 7, "at the end of the formula");
}

TEST(FormulaParserErrors, UnknownFunction) {
    expect_caret("y ~ age + poly(x, 2)", 10, "unknown function 'poly'");
    expect_caret("y ~ log(age)", 4, "only supported inside offset()");
    expect_caret("y ~ Surv(a, b)", 4, "left-hand side");
}

TEST(FormulaParserErrors, SurvArity) {
    expect_caret("Surv(time) ~ x", 0, "Surv() takes 2 or 3 columns");
    expect_caret("Surv(a, b, c, d) ~ x", 0, "found 4");
    expect_caret("Surv(time, ) ~ x", 11, "expected a column name in Surv(");
}

TEST(FormulaParserErrors, BadNumbersAndCharacters) {
    expect_caret("y ~ x + 2", 8, "must be 0 or 1");
    expect_caret("y ~ x + $z", 8, "unexpected character '$'");
    expect_caret("y ~ (a+b)^0", 10, "positive whole number");
}

TEST(FormulaParserErrors, Parentheses) {
    expect_caret("y ~ a + b)", 9, "unmatched ')'");
    expect_caret("y ~ (a + b", 10, "expected ')' to close '('");
    expect_caret("y ~ ()", 5, "expected terms inside '()'");
}

TEST(FormulaParserErrors, FactorArguments) {
    expect_caret("y ~ factor(x, levels=2)", 14, "expected 'ref=LEVEL'");
    expect_caret("y ~ factor(x, ref=)", 18, "expected a level after 'ref='");
    expect_caret("y ~ factor(x, ref 2)", 18, "expected '=' after 'ref'");
    expect_caret("y ~ factor()", 11, "expected a column name in factor(");
}

TEST(FormulaParserErrors, SpecialsOnlyAtTopLevel) {
    expect_caret("Surv(t, s) ~ strata(inst):age", 13, "strata() cannot be used in an interaction");
    expect_caret("Surv(t, s) ~ age*offset(x)", 17, "offset() cannot be used in an interaction");
    expect_caret("Surv(t, s) ~ age - strata(inst)", 19, "cannot be subtracted");
    expect_caret("y ~ (a + 1)", 9, "intercept (0 or 1) cannot be used inside parentheses");
    expect_caret("Surv(t, s) ~ cluster(a) + cluster(b)", 26, "one cluster() term");
}

TEST(FormulaParserErrors, DotIsNotSupported) { expect_caret("y ~ .", 4, "'.' (all other columns) is not supported"); }

TEST(FormulaParserErrors, UnterminatedQuotes) {
    expect_caret("y ~ `my col", 4, "unterminated backquoted name");
    expect_caret("y ~ factor(x, ref=\"a)", 18, "unterminated string");
}

TEST(FormulaParserErrors, OffsetTakesColumnOrLog) {
    expect_caret("y ~ offset(sqrt(x))", 11, "offset() takes a column or log(column)");
    expect_caret("y ~ offset(log(x)", 17, "expected ')' to close offset(");
}

TEST(FormulaParserErrors, MessageShowsFormulaAndReason) {
    const FormulaError e = error_of("Surv(time, status) ~ age + factor(sex");
    const std::string msg = e.what();
    EXPECT_NE(msg.find("Surv(time, status) ~ age + factor(sex"), std::string::npos);
    EXPECT_NE(msg.find("expected ')' to close factor("), std::string::npos);
    EXPECT_NE(msg.find('^'), std::string::npos);
}
