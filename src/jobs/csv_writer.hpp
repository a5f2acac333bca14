#pragma once
#include <string>

#include "kernels/kernel.hpp"

namespace kohort {
// RFC 4180 text: cells with a comma, quote or newline are quoted.
std::string to_csv(const CsvTable& table);
}  // namespace kohort
