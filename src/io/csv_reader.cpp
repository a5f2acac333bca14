#include "io/csv_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "core/error.hpp"

namespace kohort::io {

namespace {

enum class FieldEnd { delimiter, line, file };

struct Cursor {
    char* p;
    char* end;
    std::int64_t line;  // 1-based line of *p
};

std::string column_label(std::size_t j) { return "column " + std::to_string(j + 1); }

// Parses one field at c.p and consumes its terminator. Quoted content is unescaped in place.
FieldEnd parse_field(Cursor& c, char delim, std::string_view& out, const std::string& path,
                     std::int64_t row_line, std::size_t col) {
    char* p = c.p;
    char* const end = c.end;
    if (p < end && *p == '"') {
        char* const start = p + 1;
        char* w = start;
        char* r = start;
        for (;;) {
            char* q = static_cast<char*>(std::memchr(r, '"', static_cast<std::size_t>(end - r)));
            if (!q)
                throw InputError(path, row_line, static_cast<std::int64_t>(col + 1),
                                 "a quoted field is never closed; expected a closing '\"'");
            c.line += std::count(r, q, '\n');
            if (w != r) std::memmove(w, r, static_cast<std::size_t>(q - r));
            w += q - r;
            if (q + 1 < end && q[1] == '"') {  // "" inside quotes is one quote (RFC 4180 rule 7)
                *w++ = '"';
                r = q + 2;
                continue;
            }
            out = std::string_view(start, static_cast<std::size_t>(w - start));
            p = q + 1;
            break;
        }
        while (p < end && *p == ' ') ++p;
        if (p < end && *p != delim && *p != '\n' && *p != '\r')
            throw InputError(path, c.line, static_cast<std::int64_t>(col + 1),
                             "unexpected character after a closing quote; expected a delimiter or the end "
                             "of the line (a quote inside a quoted field is written as \"\")");
    } else {
        char* const start = p;
        while (p < end && *p != delim && *p != '\n' && *p != '\r') ++p;
        char* b = start;
        char* e = p;
        while (b < e && *b == ' ') ++b;
        while (e > b && e[-1] == ' ') --e;
        out = std::string_view(b, static_cast<std::size_t>(e - b));
    }
    if (p >= end) {
        c.p = end;
        return FieldEnd::file;
    }
    if (*p == delim) {
        c.p = p + 1;
        return FieldEnd::delimiter;
    }
    if (*p == '\r') ++p;
    if (p < end && *p == '\n') ++p;
    c.p = p;
    ++c.line;
    return FieldEnd::line;
}

bool at_blank_line(const Cursor& c) { return c.p < c.end && (*c.p == '\n' || *c.p == '\r'); }

void skip_line_end(Cursor& c) {
    if (c.p < c.end && *c.p == '\r') ++c.p;
    if (c.p < c.end && *c.p == '\n') ++c.p;
    ++c.line;
}

void parse_into(CsvData& d, char* begin, char* end, const CsvOptions& options) {
    const std::string& path = d.path;
    if (end - begin >= 3 && std::memcmp(begin, "\xEF\xBB\xBF", 3) == 0) begin += 3;
    Cursor c{begin, end, 1};
    while (at_blank_line(c)) skip_line_end(c);
    if (c.p >= c.end)
        throw InputError(path, 1, 1, "the file is empty; expected a header row naming the columns");

    const char* header_end = static_cast<const char*>(std::memchr(c.p, '\n', static_cast<std::size_t>(end - c.p)));
    std::string_view header_line(c.p, header_end ? static_cast<std::size_t>(header_end - c.p)
                                                 : static_cast<std::size_t>(end - c.p));
    char delim = options.delimiter;
    if (delim == 0) {
        delim = detect_delimiter(header_line);
        if (delim == 0)
            throw InputError(path, c.line, 0,
                             "cannot tell the delimiter from the header line (',', ';' and tab occur equally "
                             "often); give it with --delimiter");
    }
    d.delimiter = delim;

    // Header row.
    const std::int64_t header_line_no = c.line;
    std::unordered_map<std::string_view, std::size_t> seen;
    for (std::size_t j = 0;; ++j) {
        std::string_view name;
        FieldEnd fe = parse_field(c, delim, name, path, header_line_no, j);
        if (name.empty())
            throw InputError(path, header_line_no, static_cast<std::int64_t>(j + 1),
                             "empty column name in the header; expected a name (R's write.csv writes an "
                             "empty name for row names: use row.names = FALSE)");
        auto [it, fresh] = seen.emplace(name, j);
        if (!fresh)
            throw InputError(path, header_line_no, static_cast<std::int64_t>(j + 1),
                             "duplicate column name '" + std::string(name) + "' (also " +
                                 column_label(it->second) + "); expected unique names");
        d.header.emplace_back(name);
        if (fe != FieldEnd::delimiter) break;
    }
    const std::size_t ncols = d.header.size();
    d.columns.assign(ncols, {});

    // Upper bound on the row count (quoted newlines only make it larger), so vectors grow once.
    const std::size_t max_rows = static_cast<std::size_t>(std::count(c.p, end, '\n')) + 1;
    for (auto& col : d.columns) col.reserve(max_rows);
    d.row_line.reserve(max_rows);

    while (c.p < c.end) {
        if (ncols > 1 && at_blank_line(c)) {  // blank lines carry no row (a lone field may be missing)
            skip_line_end(c);
            continue;
        }
        const std::int64_t line = c.line;
        std::size_t j = 0;
        for (;; ++j) {
            std::string_view f;
            FieldEnd fe = parse_field(c, delim, f, path, line, j);
            if (j < ncols) d.columns[j].push_back(f);
            if (fe != FieldEnd::delimiter) break;
            if (j + 1 == ncols)
                throw InputError(path, line, static_cast<std::int64_t>(ncols + 1),
                                 "this row has more fields than the " + std::to_string(ncols) +
                                     " columns of the header; expected " + std::to_string(ncols) + " fields");
        }
        if (j + 1 < ncols)
            throw InputError(path, line, static_cast<std::int64_t>(j + 2),
                             "this row has " + std::to_string(j + 1) + " field" + (j == 0 ? "" : "s") +
                                 "; expected " + std::to_string(ncols) + " as in the header");
        d.row_line.push_back(line);
    }
}

}  // namespace

void CsvData::cleanse_column(std::size_t j) {
    for (std::string_view v : columns[j])
        if (!v.empty()) std::memset(const_cast<char*>(v.data()), 0, v.size());
}

char detect_delimiter(std::string_view header_line) {
    std::size_t comma = 0, semi = 0, tab = 0;
    bool quoted = false;
    for (char ch : header_line) {
        if (ch == '"') quoted = !quoted;
        if (quoted) continue;
        comma += ch == ',';
        semi += ch == ';';
        tab += ch == '\t';
    }
    const std::size_t best = std::max({comma, semi, tab});
    if (best == 0) return ',';
    const int winners = (comma == best) + (semi == best) + (tab == best);
    if (winners > 1) return 0;
    return comma == best ? ',' : semi == best ? ';' : '\t';
}

char parse_delimiter_option(const std::string& s) {
    if (s == "," || s == ";" || s == "\t") return s[0];
    if (s == "tab" || s == "\\t" || s == "TAB") return '\t';
    throw UsageError("--delimiter '" + s + "' is not supported; expected ',', ';' or tab");
}

CsvData parse_csv(std::string path, std::string_view bytes, const CsvOptions& options) {
    CsvData d;
    d.path = std::move(path);
    d.bytes = bytes.size();
    d.buffer = std::make_unique_for_overwrite<char[]>(bytes.size() + 1);
    std::memcpy(d.buffer.get(), bytes.data(), bytes.size());
    parse_into(d, d.buffer.get(), d.buffer.get() + bytes.size(), options);
    return d;
}

CsvData read_csv(const std::string& path, const CsvOptions& options) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw UsageError(path + ": cannot read the CSV file: " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw UsageError(path + ": is a directory; expected a CSV file");
    struct Fd {
        int fd;
        ~Fd() {
            if (fd >= 0) ::close(fd);
        }
    } file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (file.fd < 0) throw UsageError(path + ": cannot read the CSV file: " + std::strerror(errno));
    CsvData d;
    d.path = path;
    struct stat fst {};
    if (::fstat(file.fd, &fst) != 0) throw UsageError(path + ": cannot read the CSV file: " + std::strerror(errno));
    std::size_t cap = std::max<std::size_t>(S_ISREG(fst.st_mode) ? static_cast<std::size_t>(fst.st_size) : 0, 4096);
    d.buffer = std::make_unique_for_overwrite<char[]>(cap + 1);
    std::size_t size = 0;
    for (;;) {
        if (size == cap) {  // a pipe, or a file that grew while we read it: double the buffer
            auto bigger = std::make_unique_for_overwrite<char[]>(2 * cap + 1);
            std::memcpy(bigger.get(), d.buffer.get(), size);
            d.buffer = std::move(bigger);
            cap *= 2;
        }
        const ssize_t n = ::read(file.fd, d.buffer.get() + size, cap - size);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw UsageError(path + ": cannot read the CSV file: " + std::strerror(errno));
        }
        if (n == 0) break;
        size += static_cast<std::size_t>(n);
    }
    d.bytes = size;
    parse_into(d, d.buffer.get(), d.buffer.get() + size, options);
    return d;
}

}  // namespace kohort::io
