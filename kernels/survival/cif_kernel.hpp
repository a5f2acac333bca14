// kind = cif: Aalen-Johansen cumulative incidence per cause and curve, with Gray's test.
#pragma once
#include "kernels/kernel.hpp"
#include "kernels/survival/km_data.hpp"

namespace kohort::survival {

ModelOutput cif_from_data(const ModelContext& ctx, const SurvivalData& data);
ModelOutput run_cif(const ModelContext& ctx);

}  // namespace kohort::survival
