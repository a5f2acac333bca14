// kind = km: Kaplan-Meier curves per stratum, the log-rank test, OUTPUT/NAME.csv and NAME.svg.
#pragma once
#include "kernels/kernel.hpp"
#include "kernels/survival/km_data.hpp"
#include "kernels/survival/km_estimator.hpp"

namespace kohort::survival {

// Everything after loading: merge counts over ctx.comm, estimate, test and format.
ModelOutput km_from_data(const ModelContext& ctx, const SurvivalData& data);
ModelOutput run_km(const ModelContext& ctx);

// Options shared by km and cif: conf_type (or conf.type) and conf_int (or conf.int).
ConfOptions conf_options(const Options& spec);

// The fields a km or cif result opens with: kind, the released n and rows dropped as missing, the
// interval type and level, and an empty "curves" array.
void open_curve_result(nlohmann::json& r, const std::string& kind, const SurvivalData& data, const ConfOptions& conf,
                       DisclosureLedger& ledger);

}  // namespace kohort::survival
