// results.json block and OUTPUT/NAME.csv for a fitted GLM (contract section 5; fields beyond the
// contract are documented in docs/algorithms-glm.md).
#pragma once
#include <nlohmann/json.hpp>

#include "kernels/cell_keys.hpp"
#include "kernels/kernel.hpp"
#include "kernels/regression/glm_fit.hpp"

namespace kohort::glm {

// Counts (n, n_dropped_missing) pass through the disclosure ledger.
// keys: the cell keys of the rows and the dropped rows under perturbation (issue 16).
nlohmann::json glm_to_json(const GlmFit& fit, DisclosureLedger& disclosure, const FrameCellKeys& keys = {});
CsvTable glm_to_csv(const GlmFit& fit);

}  // namespace kohort::glm
