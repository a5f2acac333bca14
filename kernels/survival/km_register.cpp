// Registers kind = km and kind = cif. Kept apart from the estimators so they can be unit-tested
// with in-memory rows, without the model frame.
#include "kernels/survival/cif_kernel.hpp"
#include "kernels/survival/km_kernel.hpp"

namespace kohort::survival {

ModelOutput run_km(const ModelContext& ctx) { return km_from_data(ctx, load_survival_data(ctx, false)); }
ModelOutput run_cif(const ModelContext& ctx) { return cif_from_data(ctx, load_survival_data(ctx, true)); }

KOHORT_REGISTER_MODEL("km", run_km);
KOHORT_REGISTER_MODEL("cif", run_cif);

}  // namespace kohort::survival
