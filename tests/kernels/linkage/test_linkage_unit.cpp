// Unit tests of the linkage building blocks: code patterns, bucket ownership, definition parsing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <unistd.h>

#include "core/error.hpp"
#include "kernels/linkage/code_match.hpp"
#include "kernels/linkage/pid_exchange.hpp"
#include "kernels/linkage/study_definition.hpp"
#include "store/store.hpp"

using namespace kohort;
using namespace kohort::linkage;

TEST(CodeMatch, PrefixesClassesAndCase) {
    EXPECT_TRUE(glob_match("I21*", "I21"));
    EXPECT_TRUE(glob_match("I21*", "I219"));
    EXPECT_FALSE(glob_match("I21*", "I22"));
    EXPECT_FALSE(glob_match("I21", "I219"));
    EXPECT_TRUE(glob_match("E1[0-4]*", "E11"));
    EXPECT_TRUE(glob_match("E1[0-4]*", "E149"));
    EXPECT_FALSE(glob_match("E1[0-4]*", "E15"));
    EXPECT_FALSE(glob_match("E1[0-4]*", "E1"));
    EXPECT_TRUE(glob_match("c10aa*", "C10AA05"));
    EXPECT_TRUE(glob_match("C10AA0?", "C10AA07"));
    EXPECT_FALSE(glob_match("C10AA0?", "C10AA070"));
    EXPECT_TRUE(glob_match("*A05", "C10AA05"));
    EXPECT_TRUE(glob_match("E1[!5-9]", "E13"));
    EXPECT_FALSE(glob_match("E1[!5-9]", "E16"));
    EXPECT_TRUE(glob_match("E1[ab]", "E1B"));
    EXPECT_NE(pattern_problem("E1[0-4"), "");
    EXPECT_NE(pattern_problem("E1[]"), "");
    EXPECT_EQ(pattern_problem("E1[0-4]*"), "");
}

TEST(CodeMatch, DictionaryLookupOncePerCode) {
    const std::vector<std::string> dict = {"C10AA01", "C10AX09", "E10", "E11", "E15", "I21", "I25"};
    const auto m = match_dictionary(dict, {"I21*", "E1[0-4]*"});
    EXPECT_EQ(m, (std::vector<std::uint8_t>{0, 0, 1, 1, 0, 1, 0}));
}

TEST(PidExchange, OwnerRankMatchesBucketRanges) {
    for (int ranks = 1; ranks <= 7; ++ranks)
        for (std::int64_t b = 0; b < kBuckets; ++b) {
            const std::int64_t pid = b << (63 - kBucketBits);
            const int r = owner_rank(pid, ranks);
            ASSERT_LE(first_bucket(r, ranks), b);
            ASSERT_LT(b, first_bucket(r + 1, ranks)) << "ranks " << ranks << " bucket " << b;
        }
}

namespace {

JobFile job_from(const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() / ("linkage_unit_" + std::to_string(::getpid()) + ".ini");
    std::ofstream(path) << "[job]\nname = t\nstore = s.h5\noutput = out\n" << text;
    JobFile j = read_job_file(path.string());
    std::filesystem::remove(path);
    return j;
}

const char* kVars =
    "[variable.mi]\nregister = diagnoses\ncolumn = icd10\ncodes = I21*\nwindow = 1, inf\nvalue = first\n"
    "[variable.statin]\nregister = prescriptions\ncolumn = atc\ncodes = C10AA*\nwindow = -365, -1\n";

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(StudyDefinition, ParsesTheDocumentedKeys) {
    const JobFile j = job_from(std::string(kVars) +
                               "[cohort.study]\nindex = 2010-01-01\nage = 30, 90\nend = 2020-12-31\noutcome = mi\n"
                               "competing = death\ntime_unit = days\n");
    const StudyDefinition s = parse_study(j, "study", j.sections.back().second);
    EXPECT_EQ(*s.cohort.index_date, 14610);  // 2010-01-01
    EXPECT_EQ(s.cohort.end, 18627);          // 2020-12-31
    EXPECT_DOUBLE_EQ(*s.cohort.age_min, 30);
    EXPECT_TRUE(s.cohort.death_competes);
    EXPECT_DOUBLE_EQ(s.cohort.time_divisor, 1);
    EXPECT_EQ(s.cohort.covariates, (std::vector<std::string>{"age", "sex", "statin"}));
    const VariableDef& st = s.variables.at("statin");
    EXPECT_EQ(st.from, -365);
    EXPECT_EQ(st.to, -1);
    EXPECT_EQ(st.value, ValueKind::any);
    EXPECT_EQ(s.variables.at("mi").to, kPlusInfinity);
    EXPECT_EQ(format_date(14610), "2010-01-01");
}

TEST(StudyDefinition, PerPersonIndexAndSum) {
    const JobFile j = job_from(std::string(kVars) +
                               "[variable.ddd]\nregister = prescriptions\ncolumn = atc\ncodes = C10*\nwindow = -365, -1\nvalue = sum(ddd)\n"
                               "[cohort.c]\nindex = first(statin)\nend = 2020-12-31\noutcome = mi\n");
    const StudyDefinition s = parse_study(j, "c", j.sections.back().second);
    EXPECT_EQ(s.cohort.index_variable, "statin");
    EXPECT_EQ(s.variables.at("ddd").value, ValueKind::sum);
    EXPECT_EQ(s.variables.at("ddd").sum_column, "ddd");
}

TEST(StudyDefinition, BadInputNamesFileSectionAndKey) {
    // Keys and values are checked against the declarations when the job file is read; the rest
    // (cross-references, code patterns, the richer forms) when the section is parsed.
    auto variable_error = [&](const std::string& body) {
        return error_of([&] { parse_variables(job_from("[variable.x]\n" + body)); });
    };
    std::string e = variable_error("register = diagnoses\ncolumn = icd10\ncodes = ,\n");
    EXPECT_NE(e.find("[variable.x]: codes is empty"), std::string::npos) << e;
    EXPECT_NE(e.find(".ini"), std::string::npos) << e;
    e = variable_error("register = diagnoses\ncolumn = icd10\ncodes = I21\nwindow = 0, -365\n");
    EXPECT_NE(e.find("[variable.x]: window = '0, -365': ends before it starts"), std::string::npos) << e;
    e = variable_error("register = diagnoses\ncolumn = icd10\ncodes = I21\nwindow = 0\n");
    EXPECT_NE(e.find("window = '0': expected FROM, TO"), std::string::npos) << e;
    e = variable_error("register = diagnoses\ncolumn = icd10\ncodes = E1[0-4\n");
    EXPECT_NE(e.find("unclosed"), std::string::npos) << e;
    e = variable_error("register = diagnoses\ncolumn = icd10\ncodes = I21\nvalue = mean\n");
    EXPECT_NE(e.find("expected any, first, last, count or sum(COLUMN)"), std::string::npos) << e;
    e = variable_error("register = diagnoses\ncolumn = icd10\ncodes = I21\nregistr = x\n");
    EXPECT_NE(e.find("unknown key 'registr'; did you mean 'register'?"), std::string::npos) << e;

    auto cohort_error = [&](const std::string& body) {
        return error_of([&] {
            const JobFile j = job_from(std::string(kVars) + "[cohort.c]\n" + body);
            parse_study(j, "c", j.sections.back().second);
        });
    };
    e = cohort_error("index = 2010-01-01\nend = 2020-12-31\noutcome = statin\n");
    EXPECT_NE(e.find("[variable.statin]: this variable is the outcome"), std::string::npos) << e;
    e = cohort_error("index = 2010-01-01\nend = 2020-12-31\noutcome = nosuch\n");
    EXPECT_NE(e.find("[cohort.c]: outcome names 'nosuch'"), std::string::npos) << e;
    e = cohort_error("index = 2021-01-01\nend = 2020-12-31\noutcome = mi\n");
    EXPECT_NE(e.find("is not before end"), std::string::npos) << e;
    e = cohort_error("index = 2010-13-01\nend = 2020-12-31\noutcome = mi\n");
    EXPECT_NE(e.find("index has '2010-13-01'"), std::string::npos) << e;
    e = cohort_error("index = 2010-01-01\nend = 2020-12-31\noutcome = mi\nage = 90, 30\n");
    EXPECT_NE(e.find("MIN < MAX"), std::string::npos) << e;
}
