// Agreed level labels for a column used as a grouping variable: every rank contributes the
// labels it sees; all ranks get the same sorted union (numbers numerically, text bytewise).
#pragma once
#include <string>
#include <vector>

#include "mpi/comm.hpp"
#include "store/table.hpp"

namespace kohort {

// R's print form of a number: integers without a decimal point, others with 15 significant digits.
std::string number_label(double v);

// The label of row i (which must not be missing).
std::string value_label(const Column& c, std::size_t i);

// Sorted union over ranks of the labels of non-missing values. Collective.
std::vector<std::string> agreed_levels(const Column& c, const Comm& comm);

}  // namespace kohort
