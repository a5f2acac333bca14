#include "io/cpr.hpp"

#include <gtest/gtest.h>

namespace kohort::io {
namespace {

// Made-up numbers: only their shape and dates matter here.
CprCheck check(const char* s) {
    std::array<char, 10> c{};
    return check_cpr(s, c);
}

TEST(Cpr, AcceptsBothFormatsAndCanonicalisesToTenDigits) {
    std::array<char, 10> c{};
    ASSERT_EQ(check_cpr("010190-1234", c), CprCheck::ok);
    EXPECT_EQ(std::string(c.begin(), c.end()), "0101901234");
    ASSERT_EQ(check_cpr("0101901234", c), CprCheck::ok);
    EXPECT_EQ(std::string(c.begin(), c.end()), "0101901234");
    EXPECT_EQ(cpr_as_number(c), 101901234u);
}

TEST(Cpr, RefusesWrongShapes) {
    EXPECT_EQ(check("010190 1234"), CprCheck::bad_shape);
    EXPECT_EQ(check("010190-123"), CprCheck::bad_shape);
    EXPECT_EQ(check("01019012345"), CprCheck::bad_shape);
    EXPECT_EQ(check("0101-901234"), CprCheck::bad_shape);
    EXPECT_EQ(check("01019O1234"), CprCheck::bad_shape);
    EXPECT_EQ(check("010190+1234"), CprCheck::bad_shape);
    EXPECT_EQ(check(""), CprCheck::bad_shape);
}

TEST(Cpr, ChecksTheDateOfBirth) {
    EXPECT_EQ(check("3201901234"), CprCheck::impossible_date);  // day 32
    EXPECT_EQ(check("0001901234"), CprCheck::impossible_date);  // day 0
    EXPECT_EQ(check("0113901234"), CprCheck::impossible_date);  // month 13
    EXPECT_EQ(check("0100901234"), CprCheck::impossible_date);  // month 0
    EXPECT_EQ(check("3104901234"), CprCheck::impossible_date);  // 31 April
    EXPECT_EQ(check("3112991234"), CprCheck::ok);
}

TEST(Cpr, TwentyNinthOfFebruaryFollowsTheCenturyFromTheSeventhDigit) {
    EXPECT_EQ(check("2902001234"), CprCheck::impossible_date);  // 7th digit 1: 1900, not a leap year
    EXPECT_EQ(check("2902004234"), CprCheck::ok);               // 7th digit 4, YY <= 36: 2000, leap
    EXPECT_EQ(check("2902009234"), CprCheck::ok);               // 7th digit 9, YY <= 36: 2000
    EXPECT_EQ(check("2902005234"), CprCheck::ok);               // 7th digit 5, YY <= 57: 2000
    EXPECT_EQ(check("2902965234"), CprCheck::ok);               // 7th digit 5, YY > 57: 1896, leap
    EXPECT_EQ(check("2902975234"), CprCheck::impossible_date);  // 1897
    EXPECT_EQ(check("2902884234"), CprCheck::ok);               // 7th digit 4, YY > 36: 1988, leap
    EXPECT_EQ(check("2902894234"), CprCheck::impossible_date);  // 1989
}

TEST(Cpr, SubstituteNumbersAddSixtyToTheDay) {
    EXPECT_EQ(check("6101901234"), CprCheck::ok);               // day 1 + 60
    EXPECT_EQ(check("9101901234"), CprCheck::ok);               // day 31 + 60
    EXPECT_EQ(check("9102901234"), CprCheck::impossible_date);  // 31 February
    EXPECT_EQ(check("9201901234"), CprCheck::impossible_date);  // day 32
    EXPECT_EQ(check("6001901234"), CprCheck::impossible_date);  // day 60 is neither
}

}  // namespace
}  // namespace kohort::io
