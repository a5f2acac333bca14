// Declared columns: the columns a model reads follow from its declared options (the formula's
// columns and every column-valued option). The runner loads them, `kohort run --plan` sizes them
// and the project-approval check covers them, all through this one function.
#pragma once
#include <set>
#include <string>

#include "engine/options.hpp"

namespace kohort {

struct ColumnsRead {
    std::string table;
    std::set<std::string> columns;
    bool whole_table = false;  // no column-valued option given (e.g. summary without columns)
};

ColumnsRead declared_columns(const Options& model);

}  // namespace kohort
