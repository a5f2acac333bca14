// Registers kind = km and kind = cif. Kept apart from the estimators so they can be unit-tested
// with in-memory rows, without the model frame.
#include "kernels/survival/cif_kernel.hpp"
#include "kernels/survival/km_kernel.hpp"

namespace kohort::survival {

namespace {

// km and cif read the same keys (kohort kinds km); defaults are survfit's.
SectionDecl curve_declaration(const std::string& kind, const std::string& summary, const std::string& status) {
    SectionDecl d = model_declaration(kind, summary);
    d.add(formula_option("formula", "Surv(time, " + status + ") ~ 1 or ~ variables that split the curves, strata()")
              .form("a formula Surv(time, status) ~ 1 or ~ variables")
              .req());
    d.add(column_option("weights", "case weights (numeric column)"));
    d.add(choice_option("conf_type", {"log", "log-log", "plain", "none"}, "confidence interval transformation")
              .def("log")
              .alias("conf.type"));
    d.add(real_option("conf_int", "confidence level").open_range(0, 1).def("0.95").alias("conf.int"));
    d.add(string_option("time_unit", "the time axis's unit in the plot, e.g. days or years")
              .note("the cohort's time unit, else none"));
    return d;
}

}  // namespace

ModelOutput run_km(const ModelContext& ctx) { return km_from_data(ctx, load_survival_data(ctx, false)); }
ModelOutput run_cif(const ModelContext& ctx) { return cif_from_data(ctx, load_survival_data(ctx, true)); }

KOHORT_REGISTER_MODEL(curve_declaration("km", "Kaplan-Meier survival curves and the log-rank test, as R's survfit and survdiff", "status"), run_km);
KOHORT_REGISTER_MODEL(curve_declaration("cif", "Aalen-Johansen cumulative incidence per cause and Gray's test, as R's survfit and cmprsk::cuminc", "cause"), run_cif);

}  // namespace kohort::survival
