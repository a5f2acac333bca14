#include "io/values.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "io/date.hpp"

namespace kohort::io {
namespace {

TEST(Dates, MatchStdChronoCalendarOverAWideRange) {
    using namespace std::chrono;
    // Every day from 1800-01-01 to 2100-12-31 against libstdc++'s own civil calendar.
    for (sys_days d = sys_days{year{1800} / January / 1}; d <= sys_days{year{2100} / December / 31}; d += days{1}) {
        const year_month_day ymd{d};
        char buf[16];
        std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()));
        std::int32_t got = 0;
        ASSERT_EQ(parse_iso_date(buf, got), DateParse::ok) << buf;
        ASSERT_EQ(got, d.time_since_epoch().count()) << buf;
    }
}

TEST(Dates, CivilFromDaysMatchesStdChronoOverAWideRange) {
    using namespace std::chrono;
    for (sys_days d = sys_days{year{1600} / January / 1}; d <= sys_days{year{2400} / December / 31}; d += days{1}) {
        const year_month_day ymd{d};
        const CivilDate c = civil_from_days(d.time_since_epoch().count());
        ASSERT_EQ(c.year, int(ymd.year()));
        ASSERT_EQ(c.month, unsigned(ymd.month()));
        ASSERT_EQ(c.day, unsigned(ymd.day()));
    }
}

TEST(Dates, EpochAndShapes) {
    std::int32_t d = -1;
    EXPECT_EQ(parse_iso_date("1970-01-01", d), DateParse::ok);
    EXPECT_EQ(d, 0);
    EXPECT_EQ(parse_iso_date("1969-12-31", d), DateParse::ok);
    EXPECT_EQ(d, -1);
    EXPECT_EQ(parse_iso_date("2021-02-29", d), DateParse::impossible_date);
    EXPECT_EQ(parse_iso_date("2020-02-29", d), DateParse::ok);
    EXPECT_EQ(parse_iso_date("1900-02-29", d), DateParse::impossible_date);
    EXPECT_EQ(parse_iso_date("2020-13-01", d), DateParse::impossible_date);
    EXPECT_EQ(parse_iso_date("2020-00-10", d), DateParse::impossible_date);
    EXPECT_EQ(parse_iso_date("2020-04-31", d), DateParse::impossible_date);
    EXPECT_EQ(parse_iso_date("2020-4-3", d), DateParse::not_date_shaped);
    EXPECT_EQ(parse_iso_date("03-04-2020", d), DateParse::not_date_shaped);
    EXPECT_EQ(parse_iso_date("2020/04/03", d), DateParse::not_date_shaped);
    EXPECT_EQ(parse_iso_date("2020-04-03T00", d), DateParse::not_date_shaped);
}

TEST(Values, BoolsAsRWritesThem) {
    EXPECT_EQ(parse_bool("TRUE"), 1);
    EXPECT_EQ(parse_bool("false"), 0);
    EXPECT_EQ(parse_bool("T"), -1);
    EXPECT_EQ(parse_bool("1"), -1);
}

TEST(Values, Integers) {
    std::int64_t v = 0;
    EXPECT_TRUE(parse_int64("42", v));
    EXPECT_EQ(v, 42);
    EXPECT_TRUE(parse_int64("-9223372036854775807", v));
    EXPECT_EQ(v, -9223372036854775807LL);
    EXPECT_FALSE(parse_int64("-9223372036854775808", v));  // the missing sentinel
    EXPECT_FALSE(parse_int64("9223372036854775808", v));   // overflow
    EXPECT_FALSE(parse_int64("007", v));                   // leading zeros stay text
    EXPECT_TRUE(parse_int64("007", v, true));
    EXPECT_EQ(v, 7);
    EXPECT_TRUE(parse_int64("0", v));
    EXPECT_FALSE(parse_int64("+1", v));
    EXPECT_FALSE(parse_int64("1.0", v));
    EXPECT_FALSE(parse_int64("", v));
}

TEST(Values, DoublesWithPointAndDanishComma) {
    double v = 0;
    EXPECT_TRUE(parse_double("3.25", '.', v));
    EXPECT_EQ(v, 3.25);
    EXPECT_TRUE(parse_double("-1e-3", '.', v));
    EXPECT_EQ(v, -0.001);
    EXPECT_TRUE(parse_double("12", '.', v));
    EXPECT_EQ(v, 12.0);
    EXPECT_TRUE(parse_double(".5", '.', v));
    EXPECT_EQ(v, 0.5);
    EXPECT_FALSE(parse_double("3,25", '.', v));
    EXPECT_TRUE(parse_double("3,25", ',', v));
    EXPECT_EQ(v, 3.25);
    EXPECT_TRUE(parse_double("-1234,5E2", ',', v));
    EXPECT_EQ(v, -123450.0);
    EXPECT_FALSE(parse_double("3.25", ',', v));
    EXPECT_FALSE(parse_double("1.234,5", ',', v));  // no thousands separators
    EXPECT_TRUE(parse_double("Inf", '.', v));
    EXPECT_TRUE(std::isinf(v) && v > 0);
    EXPECT_TRUE(parse_double("-Inf", ',', v));
    EXPECT_TRUE(std::isinf(v) && v < 0);
    EXPECT_TRUE(parse_double("NaN", '.', v));
    EXPECT_TRUE(std::isnan(v));
    EXPECT_FALSE(parse_double("infinity", '.', v));
    EXPECT_FALSE(parse_double("1e", '.', v));
    EXPECT_FALSE(parse_double("-", '.', v));
    EXPECT_FALSE(parse_double("0x10", '.', v));
    EXPECT_FALSE(parse_double("01.5", '.', v));
}

TEST(Values, MissingTokensAndKinds) {
    EXPECT_TRUE(is_missing_token(""));
    EXPECT_TRUE(is_missing_token("NA"));
    EXPECT_FALSE(is_missing_token("na"));
    EXPECT_EQ(describe_value_kind("12", '.'), "an integer");
    EXPECT_EQ(describe_value_kind("1.5", '.'), "a decimal number");
    EXPECT_NE(describe_value_kind("1,5", '.').find("decimal comma"), std::string::npos);
    EXPECT_NE(describe_value_kind("1.5", ',').find("decimal point"), std::string::npos);
    EXPECT_EQ(describe_value_kind("2020-01-01", '.'), "a date");
    EXPECT_NE(describe_value_kind("2020-02-30", '.').find("impossible date"), std::string::npos);
    EXPECT_EQ(describe_value_kind("hello", '.'), "text");
    EXPECT_EQ(describe_value_kind("TRUE", '.'), "a true/false value");
}

}  // namespace
}  // namespace kohort::io
