#include "jobs/csv_writer.hpp"

namespace kohort {
namespace {
void put_cell(std::string& out, const std::string& cell) {
    if (cell.find_first_of(",\"\n\r") == std::string::npos) {
        out += cell;
        return;
    }
    out += '"';
    for (char c : cell) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}
void put_row(std::string& out, const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size(); ++i) {
        if (i) out += ',';
        put_cell(out, row[i]);
    }
    out += '\n';
}
}  // namespace

std::string to_csv(const CsvTable& table) {
    std::string out;
    put_row(out, table.header);
    for (const auto& r : table.rows) put_row(out, r);
    return out;
}
}  // namespace kohort
