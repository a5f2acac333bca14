#include "io/schema.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_util.hpp"

namespace kohort::io {
namespace {

using test::error_of;

TEST(Schema, ParsesColumnsSection) {
    Schema s = parse_schema("s.ini", "# types\n[columns]\nbirth = date\n  sex=categorical ; comment\n\nw = double\n");
    ASSERT_EQ(s.entries.size(), 3u);
    EXPECT_EQ(s.find("birth")->type, ColumnType::Date);
    EXPECT_EQ(s.find("sex")->type, ColumnType::Categorical);
    EXPECT_EQ(s.find("sex")->line, 4);
    EXPECT_EQ(s.find("w")->type, ColumnType::Double);
    EXPECT_EQ(s.find("nope"), nullptr);
}

TEST(Schema, ErrorsNameFileLineAndColumn) {
    EXPECT_NE(error_of<InputError>([] { parse_schema("s.ini", "[columns]\nx = datetime\n"); })
                  .find("s.ini:2:5: column 'x': unknown column type 'datetime'"),
              std::string::npos);
    EXPECT_NE(error_of<InputError>([] { parse_schema("s.ini", "x = date\n"); }).find("s.ini:1:1: column types must follow"),
              std::string::npos);
    EXPECT_NE(error_of<InputError>([] { parse_schema("s.ini", "[types]\n"); }).find("s.ini:1:1: unknown section"),
              std::string::npos);
    EXPECT_NE(error_of<InputError>([] { parse_schema("s.ini", "[columns]\nx date\n"); }).find("s.ini:2:1: expected 'column = type'"),
              std::string::npos);
    EXPECT_NE(error_of<InputError>([] { parse_schema("s.ini", "[columns]\nx = date\nx = int64\n"); })
                  .find("s.ini:3:1: column 'x' is already given a type on line 2"),
              std::string::npos);
}

// A schema saved on Windows (CRLF) reads as the same file with LF, and its messages name the same
// line and column.
TEST(Schema, CrlfLinesReadAsLf) {
    const Schema s = parse_schema("s.ini", "# types\r\n[columns]\r\nbirth = date\r\n  sex=categorical ; comment\r\n");
    ASSERT_EQ(s.entries.size(), 2u);
    EXPECT_EQ(s.find("birth")->type, ColumnType::Date);
    EXPECT_EQ(s.find("sex")->line, 4);
    for (const char* eol : {"\n", "\r\n"}) {
        const std::string text = std::string("[columns]") + eol + "x = date" + eol + "y =" + eol;
        EXPECT_NE(error_of<InputError>([&] { parse_schema("s.ini", text); }).find("s.ini:3:4: column 'y': unknown column type ''"),
                  std::string::npos)
            << "line ends " << (eol[0] == '\r' ? "CRLF" : "LF");
    }
}

TEST(Schema, UnreadableFiles) {
    auto dir = test::scratch_dir();
    EXPECT_NE(error_of<UsageError>([&] { read_schema((dir / "none.ini").string()); }).find("cannot read the schema file"),
              std::string::npos);
    EXPECT_NE(error_of<UsageError>([&] { read_schema(dir.string()); }).find("is a directory"), std::string::npos);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kohort::io
