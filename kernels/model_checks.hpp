// Governance checks on a regression model's frame before it is fitted (issue 10, as DataSHIELD's
// disclosure filters do). Under any policy but `none` a model is refused with exit 3
// (GovernanceError) and the reason when
//   - its parameters come close to its rows: p / n > 0.33 (DataSHIELD's nfilter.glm), since a
//     saturated model gives back the rows' values;
//   - a factor level (an indicator column of the design, or the reference level) or a stratum is
//     held by 1 .. k-1 rows: its coefficient or baseline describes those persons;
//   - a cluster (robust variance clustered on a column other than pid) is held by 1 .. k-1 rows.
// The messages name the model, the factor and the rule, never a level's label or a count.
#pragma once
#include <string>

#include "formula/model_frame.hpp"
#include "jobs/release.hpp"
#include "mpi/comm.hpp"

namespace kohort {

inline constexpr double kNfilterGlm = 0.33;

// Collective. `where` names the model for the message.
void check_model_frame(const ModelFrame& frame, const ReleaseLayer& release, const Comm& comm, const std::string& where);

}  // namespace kohort
