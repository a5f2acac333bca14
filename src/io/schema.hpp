// The --schema file of `kohort import`: column types that override inference.
//
//   # comments start with '#' or ';'
//   [columns]
//   birth_date = date
//   sex        = categorical
//
// Types: int64, double, bool, date, categorical (and the aliases table.hpp accepts). Names are the
// CSV header's, matched exactly; surrounding spaces are ignored. See docs/import.md.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "store/table.hpp"

namespace kohort::io {

struct SchemaEntry {
    std::string column;
    ColumnType type;
    std::int64_t line = 0;  // line in the schema file, for messages
};

struct Schema {
    std::string path;
    std::vector<SchemaEntry> entries;
    const SchemaEntry* find(const std::string& column) const;
};

// Throws UsageError when the file cannot be read, InputError (FILE:LINE:COL) for a bad line, a line
// outside [columns], an unknown type or a column named twice.
Schema read_schema(const std::string& path);
Schema parse_schema(const std::string& path, const std::string& text);

}  // namespace kohort::io
