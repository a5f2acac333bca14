#include "io/csv_reader.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_util.hpp"

namespace kohort::io {
namespace {

using test::error_of;

CsvData parse(const std::string& text, char delim = 0) { return parse_csv("t.csv", text, CsvOptions{delim}); }

TEST(CsvReader, SplitsHeaderAndRowsColumnwise) {
    CsvData d = parse("a,b,c\n1,2,3\n4,5,6\n");
    ASSERT_EQ(d.header, (std::vector<std::string>{"a", "b", "c"}));
    ASSERT_EQ(d.rows(), 2u);
    EXPECT_EQ(d.columns[0][0], "1");
    EXPECT_EQ(d.columns[2][1], "6");
    EXPECT_EQ(d.row_line, (std::vector<std::int64_t>{2, 3}));
}

TEST(CsvReader, Rfc4180QuotesAsRWritesThem) {
    // write.csv(data.frame(id=1:2, s=c('a "q", b', 'line1\nline2')), row.names=FALSE)
    CsvData d = parse("\"id\",\"s\"\n1,\"a \"\"q\"\", b\"\n2,\"line1\nline2\"\n3,\"\"\n");
    ASSERT_EQ(d.rows(), 3u);
    EXPECT_EQ(d.header[1], "s");
    EXPECT_EQ(d.columns[1][0], "a \"q\", b");
    EXPECT_EQ(d.columns[1][1], "line1\nline2");
    EXPECT_EQ(d.columns[1][2], "");
    // The quoted newline moves the next row's line number.
    EXPECT_EQ(d.row_line, (std::vector<std::int64_t>{2, 3, 5}));
}

TEST(CsvReader, CrLfBomNoFinalNewlineAndTrimmedSpaces) {
    CsvData d = parse("\xEF\xBB\xBFx;y\r\n 1 ; a b \r\n2;\"  kept  \"");
    EXPECT_EQ(d.delimiter, ';');
    EXPECT_EQ(d.header[0], "x");
    ASSERT_EQ(d.rows(), 2u);
    EXPECT_EQ(d.columns[0][0], "1");
    EXPECT_EQ(d.columns[1][0], "a b");
    EXPECT_EQ(d.columns[1][1], "  kept  ");
}

TEST(CsvReader, BlankLinesAreSkippedWhenThereAreSeveralColumns) {
    CsvData d = parse("a,b\n1,2\n\n3,4\n\n");
    ASSERT_EQ(d.rows(), 2u);
    EXPECT_EQ(d.row_line, (std::vector<std::int64_t>{2, 4}));
    CsvData one = parse("a\n1\n\n3\n");
    ASSERT_EQ(one.rows(), 3u);
    EXPECT_EQ(one.columns[0][1], "");
}

TEST(CsvReader, DetectsDelimiterFromHeader) {
    EXPECT_EQ(detect_delimiter("a,b,c"), ',');
    EXPECT_EQ(detect_delimiter("a;b;c"), ';');
    EXPECT_EQ(detect_delimiter("a\tb\tc"), '\t');
    EXPECT_EQ(detect_delimiter("\"a,1\";\"b,2\";c"), ';');  // commas inside quotes do not count
    EXPECT_EQ(detect_delimiter("single"), ',');
    EXPECT_EQ(detect_delimiter("a,b;c"), 0);  // a tie
    EXPECT_EQ(parse("a\tb\n1\t2\n").delimiter, '\t');
    EXPECT_EQ(parse("a;b\n1,5;2\n").columns[0][0], "1,5");
}

TEST(CsvReader, ExplicitDelimiterWins) {
    CsvData d = parse("a,b;c\n1,2;3\n", ';');
    EXPECT_EQ(d.header, (std::vector<std::string>{"a,b", "c"}));
    EXPECT_EQ(parse_delimiter_option("tab"), '\t');
    EXPECT_EQ(parse_delimiter_option(";"), ';');
    EXPECT_THROW(parse_delimiter_option("|"), UsageError);
}

TEST(CsvReader, RaggedRowsNameLineAndColumn) {
    EXPECT_NE(error_of<InputError>([] { parse("a,b,c\n1,2,3\n4,5\n"); }).find("t.csv:3:3: this row has 2 fields"),
              std::string::npos);
    EXPECT_NE(error_of<InputError>([] { parse("a,b\n1,2\n3,4,5\n"); }).find("t.csv:3:3: this row has more fields"),
              std::string::npos);
}

TEST(CsvReader, EmptyFileDuplicateAndEmptyHeaderNames) {
    EXPECT_NE(error_of<InputError>([] { parse(""); }).find("t.csv:1:1: the file is empty"), std::string::npos);
    EXPECT_NE(error_of<InputError>([] { parse("\n\r\n"); }).find("the file is empty"), std::string::npos);
    EXPECT_NE(error_of<InputError>([] { parse("a,b,a\n1,2,3\n"); })
                  .find("t.csv:1:3: duplicate column name 'a' (also column 1)"),
              std::string::npos);
    EXPECT_NE(error_of<InputError>([] { parse("\"\",x\n1,2\n"); }).find("t.csv:1:1: empty column name"),
              std::string::npos);
}

TEST(CsvReader, BrokenQuotes) {
    EXPECT_NE(error_of<InputError>([] { parse("a,b\n1,\"open\n2,3\n"); }).find("t.csv:2:2: a quoted field is never closed"),
              std::string::npos);
    EXPECT_NE(error_of<InputError>([] { parse("a,b\n1,\"x\"y\n"); }).find("t.csv:2:2: unexpected character after a closing quote"),
              std::string::npos);
}

TEST(CsvReader, HeaderOnlyGivesNoRows) {
    CsvData d = parse("a,b\n");
    EXPECT_EQ(d.rows(), 0u);
    EXPECT_EQ(d.columns.size(), 2u);
}

TEST(CsvReader, ReadsFilesAndRefusesDirectoriesAndMissingFiles) {
    auto dir = test::scratch_dir();
    const auto path = test::write_file(dir / "x.csv", "a,b\n1,2\n");
    CsvData d = read_csv(path, {});
    EXPECT_EQ(d.rows(), 1u);
    EXPECT_NE(error_of<UsageError>([&] { read_csv(dir.string(), {}); }).find("is a directory"), std::string::npos);
    EXPECT_NE(error_of<UsageError>([&] { read_csv((dir / "none.csv").string(), {}); })
                  .find("none.csv: cannot read the CSV file: No such file"),
              std::string::npos);
    const auto empty = test::write_file(dir / "empty.csv", "");
    EXPECT_NE(error_of<InputError>([&] { read_csv(empty, {}); }).find("empty.csv:1:1"), std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST(CsvReader, CleanseOverwritesFieldBytes) {
    CsvData d = parse("id,cpr\n1,0101901234\n2,\"020290-1234\"\n");
    d.cleanse_column(1);
    std::string_view all(d.buffer.get(), d.bytes);
    EXPECT_EQ(all.find("1234"), std::string_view::npos);
}

}  // namespace
}  // namespace kohort::io
