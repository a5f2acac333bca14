#include "io/schema.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/text.hpp"

namespace kohort::io {

const SchemaEntry* Schema::find(const std::string& column) const {
    for (const auto& e : entries)
        if (e.column == column) return &e;
    return nullptr;
}

Schema parse_schema(const std::string& path, const std::string& text) {
    Schema schema;
    schema.path = path;
    bool in_columns = false;
    for (TextLines lines(text); lines.next();) {
        const std::string& raw = lines.line();
        const std::int64_t line = lines.number();
        const std::string s = trim(raw);
        if (s.empty() || s[0] == '#' || s[0] == ';') continue;
        const std::int64_t col = static_cast<std::int64_t>(raw.find_first_not_of(" \t")) + 1;
        if (s.front() == '[') {
            if (s != "[columns]")
                throw InputError(path, line, col, "unknown section " + s + "; expected [columns]");
            in_columns = true;
            continue;
        }
        if (!in_columns) throw InputError(path, line, col, "column types must follow a [columns] line");
        const auto eq = s.find('=');
        if (eq == std::string::npos)
            throw InputError(path, line, col, "expected 'column = type', found no '='");
        const std::string name = trim(s.substr(0, eq));
        std::string type_name = trim(s.substr(eq + 1));
        // Allow an inline comment after the type: "x = date  ; birth date".
        const auto comment = type_name.find_first_of(";#");
        if (comment != std::string::npos) type_name = trim(type_name.substr(0, comment));
        if (name.empty()) throw InputError(path, line, col, "expected a column name before '='");
        const auto type_pos = raw.find_first_not_of(" \t", raw.find('=') + 1);
        const std::int64_t type_col = static_cast<std::int64_t>(type_pos == std::string::npos ? raw.size() : type_pos) + 1;
        ColumnType type;
        try {
            type = column_type_from_string(type_name);
        } catch (const UsageError& e) {
            throw InputError(path, line, type_col, std::string("column '") + name + "': " + e.what());
        }
        if (const SchemaEntry* prev = schema.find(name))
            throw InputError(path, line, col,
                             "column '" + name + "' is already given a type on line " + std::to_string(prev->line));
        schema.entries.push_back({name, type, line});
    }
    return schema;
}

Schema read_schema(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw UsageError(path + ": is a directory; expected a schema file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError(path + ": cannot read the schema file: " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw UsageError(path + ": cannot read the schema file");
    return parse_schema(path, ss.str());
}

}  // namespace kohort::io
