// Reads a whole CSV file into memory and splits it into fields, column by column.
//
// Fields are string_views into the file buffer (quoted fields are unescaped in place), so parsing
// allocates nothing per field. Grammar: RFC 4180 (quotes, doubled quotes, quoted delimiters and
// newlines, CRLF or LF), a header row, a UTF-8 byte-order mark skipped. Details in docs/import.md.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kohort::io {

struct CsvOptions {
    char delimiter = 0;  // 0: detect from the header line
};

struct CsvData {
    std::string path;
    char delimiter = ',';
    std::vector<std::string> header;
    // columns[j][i]: field j of data row i (quotes removed; surrounding spaces of unquoted fields trimmed).
    std::vector<std::vector<std::string_view>> columns;
    // 1-based line in the file where data row i starts (quoted newlines make this differ from i + 2).
    std::vector<std::int64_t> row_line;
    std::size_t bytes = 0;

    std::size_t rows() const { return row_line.size(); }
    // Overwrites the bytes of every field of column j with zeros (used after a CPR column is hashed).
    void cleanse_column(std::size_t j);

    std::unique_ptr<char[]> buffer;  // owns the bytes the views point into
};

// Picks ',', ';' or tab: the one that occurs most often (outside quotes) in the header line.
// Returns 0 when two candidates tie with a non-zero count; ',' when none occurs (one column).
char detect_delimiter(std::string_view header_line);

// Parses a --delimiter argument: ",", ";", "tab" or a literal tab ("\t" also accepted).
char parse_delimiter_option(const std::string& s);

// Reads and splits `path`. Throws UsageError when it cannot be read, InputError (FILE:LINE:COL) for
// an empty file, a bad or duplicate header name, ragged rows or a broken quote.
CsvData read_csv(const std::string& path, const CsvOptions& options);
// The same on an in-memory copy of a file's bytes; `path` only names it in messages.
CsvData parse_csv(std::string path, std::string_view bytes, const CsvOptions& options);

}  // namespace kohort::io
