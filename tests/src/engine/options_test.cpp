// Declared options: validation refuses unknown keys (with the closest declared key) and bad
// values (naming the expected type or range), and the typed getters return what was validated.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "engine/options.hpp"

using namespace kohort;

namespace {

SectionDecl demo() {
    SectionDecl d("demo", "[demo]", "a test section");
    d.add(formula_option("formula", "the model").req());
    d.add(choice_option("ties", {"efron", "breslow"}, "ties").def("efron"));
    d.add(integer_option("iter.max", 0, kIterationLimit, "iterations").def("20"));
    d.add(real_option("conf_int", "level").open_range(0, 1).def("0.95").alias("conf.int"));
    d.add(column_option("weights", "weights"));
    d.add(window_option("window", "days"));
    d.add(date_option("end", "last day"));
    d.add(bool_option("save", "save").def("false"));
    return d;
}

std::string error_of(const std::map<std::string, OptionValue>& values) {
    static const SectionDecl d = demo();
    try {
        Options::validate(d, "job.ini", "demo", values, 1);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
    EXPECT_EQ(edit_distance("weigths", "weights"), 2u);  // a transposition is two edits
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(edit_distance("Ties", "ties"), 0u);
}

TEST(Validate, UnknownKeyNamesFileLineKeyAndClosestKey) {
    const std::string msg = error_of({{"formula", {"y ~ x", 2}}, {"weigths", {"w", 7}}});
    EXPECT_NE(msg.find("job.ini:7: [demo]: unknown key 'weigths'; did you mean 'weights'?"), std::string::npos) << msg;
    // Nothing close: no suggestion, but the known keys.
    const std::string far = error_of({{"formula", {"y ~ x", 2}}, {"colour", {"red", 3}}});
    EXPECT_EQ(far.find("did you mean"), std::string::npos) << far;
    EXPECT_NE(far.find("Known keys: formula, ties"), std::string::npos) << far;
}

TEST(Validate, BadValuesNameTheExpectedTypeOrRange) {
    auto bad = [](const std::string& key, const std::string& value) {
        return error_of({{"formula", {"y ~ x", 2}}, {key, {value, 5}}});
    };
    EXPECT_NE(bad("ties", "exact").find("expected efron or breslow"), std::string::npos);
    EXPECT_NE(bad("iter.max", "-1").find("a whole number from 0 to 100000"), std::string::npos);
    EXPECT_NE(bad("iter.max", "2.5").find("a whole number"), std::string::npos);
    EXPECT_NE(bad("conf_int", "1").find("between 0 and 1 (exclusive)"), std::string::npos);
    EXPECT_NE(bad("window", "0, -365").find("FROM <= TO"), std::string::npos);
    EXPECT_NE(bad("end", "2020-02-30").find("a date YYYY-MM-DD"), std::string::npos);
    EXPECT_NE(bad("save", "maybe").find("true or false"), std::string::npos);
    EXPECT_NE(bad("weights", "a, b").find("a column name"), std::string::npos);
    EXPECT_NE(error_of({{"formula", {"y ~ (x", 2}}}).find("job.ini:2: [demo]: formula"), std::string::npos);
    EXPECT_NE(error_of({}).find("job.ini:1: [demo]: missing required key 'formula'"), std::string::npos);
    EXPECT_NE(error_of({{"formula", {"y ~ x", 2}}, {"conf_int", {"0.9", 3}}, {"conf.int", {"0.8", 4}}})
                  .find("given twice"),
              std::string::npos);
}

TEST(Options, TypedGettersReturnValuesAndDefaults) {
    const SectionDecl d = demo();
    const Options o = Options::validate(
        d, "job.ini", "demo.x",
        {{"formula", {"y ~ a + b", 2}}, {"ties", {"Breslow", 3}}, {"conf.int", {"0.9", 4}}, {"window", {"-365, inf", 5}}});
    EXPECT_EQ(o.name, "x");
    EXPECT_EQ(o.choice("ties"), "breslow");
    EXPECT_EQ(o.integer("iter.max"), 20);  // the declared default
    EXPECT_DOUBLE_EQ(o.real("conf_int"), 0.9);  // given under its alias
    EXPECT_EQ(o.window("window").from, -365);
    EXPECT_EQ(o.window("window").to, kPlusInfinity);
    EXPECT_FALSE(o.flag("save"));
    EXPECT_EQ(o.formula("formula").columns(), (std::vector<std::string>{"y", "a", "b"}));
    EXPECT_EQ(o.line("ties"), 3);
    EXPECT_FALSE(o.has("weights"));
    // Reading a key the section does not declare is a programming error, not the user's.
    EXPECT_THROW(o.text("undeclared"), InternalError);
}
