# ovarian (R survival): 26 patients, no tied deaths.
source(file.path(Sys.getenv("KOHORT_SOURCE_DIR", "."), "tests/kernels/survival/cox/cox_conformance.R"))

d <- survival::ovarian
cases <- list(
  efron = list(spec = c(formula = "Surv(futime, fustat) ~ age + factor(resid.ds) + rx + ecog.ps"),
               fit = coxph(Surv(futime, fustat) ~ age + factor(resid.ds) + rx + ecog.ps, d),
               terms = c("age", "resid.ds=2", "rx", "ecog.ps")),
  breslow = list(spec = c(formula = "Surv(futime, fustat) ~ age + rx", ties = "breslow"),
                 fit = coxph(Surv(futime, fustat) ~ age + rx, d, ties = "breslow"), terms = c("age", "rx"))
)
run_cox_cases(d, "ovarian", cases)
kohort_finish()
