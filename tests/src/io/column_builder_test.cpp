#include "io/column_builder.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace kohort::io {
namespace {

using V = std::vector<std::string_view>;

TEST(TypeInference, PicksTheNarrowestTypeThatFitsEveryValue) {
    EXPECT_EQ(infer_column_type(V{"TRUE", "false", "NA"}, '.'), ColumnType::Bool);
    EXPECT_EQ(infer_column_type(V{"1", "-2", ""}, '.'), ColumnType::Int64);
    EXPECT_EQ(infer_column_type(V{"1", "2.5"}, '.'), ColumnType::Double);
    EXPECT_EQ(infer_column_type(V{"1,5", "2"}, ','), ColumnType::Double);
    EXPECT_EQ(infer_column_type(V{"1,5", "2"}, '.'), ColumnType::Categorical);
    EXPECT_EQ(infer_column_type(V{"2020-01-01", "NA", "1999-12-31"}, '.'), ColumnType::Date);
    EXPECT_EQ(infer_column_type(V{"a", "1"}, '.'), ColumnType::Categorical);
    EXPECT_EQ(infer_column_type(V{"TRUE", "1"}, '.'), ColumnType::Categorical);
    EXPECT_EQ(infer_column_type(V{"0101", "0102"}, '.'), ColumnType::Categorical);  // keeps leading zeros
    EXPECT_EQ(infer_column_type(V{"NA", ""}, '.'), ColumnType::Bool);                // all missing, as R
    EXPECT_EQ(infer_column_type(V{}, '.'), ColumnType::Bool);
    // 2^53 + 1 is not exact as a double, so it cannot share a column with decimals.
    EXPECT_EQ(infer_column_type(V{"9007199254740993"}, '.'), ColumnType::Int64);
    EXPECT_EQ(infer_column_type(V{"9007199254740993", "0.5"}, '.'), ColumnType::Categorical);
}

TEST(TypeInference, ReportsWhereAColumnStoppedFittingItsType) {
    std::optional<std::size_t> row;
    std::string type;
    EXPECT_EQ(infer_column_type(V{"2020-01-01", "NA", "soon", "x"}, '.', &row, &type), ColumnType::Categorical);
    ASSERT_TRUE(row.has_value());
    EXPECT_EQ(*row, 2u);
    EXPECT_EQ(type, "date");
}

TEST(BuildColumn, ConvertsWithMissingSentinels) {
    auto b = build_column("x", V{"1", "NA", "3"}, std::nullopt, '.');
    ASSERT_FALSE(b.error);
    EXPECT_EQ(b.column.type, ColumnType::Int64);
    EXPECT_EQ(b.column.i64, (std::vector<std::int64_t>{1, kMissingInt64, 3}));

    auto d = build_column("x", V{"1,5", "", "-2"}, std::nullopt, ',');
    ASSERT_EQ(d.column.type, ColumnType::Double);
    EXPECT_EQ(d.column.f64[0], 1.5);
    EXPECT_TRUE(std::isnan(d.column.f64[1]));
    EXPECT_EQ(d.column.f64[2], -2.0);

    auto t = build_column("x", V{"1970-01-02", "NA"}, std::nullopt, '.');
    ASSERT_EQ(t.column.type, ColumnType::Date);
    EXPECT_EQ(t.column.i32, (std::vector<std::int32_t>{1, kMissingDate}));

    auto l = build_column("x", V{"TRUE", "", "FALSE"}, std::nullopt, '.');
    ASSERT_EQ(l.column.type, ColumnType::Bool);
    EXPECT_EQ(l.column.i8, (std::vector<std::int8_t>{1, kMissingBool, 0}));
}

TEST(BuildColumn, CategoricalDictionaryIsSortedSoCodesAreDeterministic) {
    auto c = build_column("region", V{"Syd", "Hovedstaden", "NA", "Midt", "Syd", "Nord"}, std::nullopt, '.');
    ASSERT_EQ(c.column.type, ColumnType::Categorical);
    EXPECT_EQ(c.column.dictionary, (std::vector<std::string>{"Hovedstaden", "Midt", "Nord", "Syd"}));
    EXPECT_EQ(c.column.i32, (std::vector<std::int32_t>{3, 0, kMissingCode, 1, 3, 2}));
    auto same = build_column("region", V{"Nord", "Midt", "Syd", "Hovedstaden"}, std::nullopt, '.');
    EXPECT_EQ(same.column.dictionary, c.column.dictionary);
}

TEST(BuildColumn, AnImpossibleDateInADateColumnIsAnError) {
    auto b = build_column("born", V{"2020-01-01", "2021-02-29"}, std::nullopt, '.');
    ASSERT_TRUE(b.error);
    EXPECT_EQ(b.error->row, 1u);
    EXPECT_NE(b.error->message.find("column 'born': found an impossible date"), std::string::npos);
    EXPECT_NE(b.error->message.find("expected a date (YYYY-MM-DD)"), std::string::npos);
}

TEST(BuildColumn, SchemaOverridesAndTheirErrors) {
    auto cat = build_column("code", V{"1", "2", "10"}, ColumnType::Categorical, '.');
    ASSERT_FALSE(cat.error);
    EXPECT_EQ(cat.column.dictionary, (std::vector<std::string>{"1", "10", "2"}));
    auto dbl = build_column("w", V{"1", "2"}, ColumnType::Double, '.');
    EXPECT_EQ(dbl.column.type, ColumnType::Double);
    auto zeros = build_column("kom", V{"0101", "0860"}, ColumnType::Int64, '.');
    ASSERT_FALSE(zeros.error);
    EXPECT_EQ(zeros.column.i64, (std::vector<std::int64_t>{101, 860}));

    auto bad = build_column("when", V{"2020-01-01", "NA", "yesterday"}, ColumnType::Date, '.');
    ASSERT_TRUE(bad.error);
    EXPECT_EQ(bad.error->row, 2u);
    EXPECT_EQ(bad.error->message, "column 'when': found text; expected a date (YYYY-MM-DD)");
    EXPECT_EQ(bad.error->message.find("yesterday"), std::string::npos);  // values are never echoed

    auto dec = build_column("bmi", V{"22,5"}, ColumnType::Double, '.');
    ASSERT_TRUE(dec.error);
    EXPECT_NE(dec.error->message.find("use --decimal ,"), std::string::npos);
    auto i = build_column("n", V{"1.5"}, ColumnType::Int64, '.');
    ASSERT_TRUE(i.error);
    EXPECT_EQ(i.error->message, "column 'n': found a decimal number; expected an int64 (a whole number)");
}

}  // namespace
}  // namespace kohort::io
