# rats (R survival): litter-matched data, strata(litter) (many strata without events) and a
# robust variance clustered on litter.
source(file.path(Sys.getenv("KOHORT_SOURCE_DIR", "."), "tests/kernels/survival/cox/cox_conformance.R"))

d <- survival::rats
d$sex <- as.character(d$sex)
cases <- list(
  strata = list(spec = c(formula = "Surv(time, status) ~ rx + strata(litter)"),
                fit = coxph(Surv(time, status) ~ rx + strata(litter), d), terms = "rx"),
  strata_breslow = list(spec = c(formula = "Surv(time, status) ~ rx + strata(litter)", ties = "breslow"),
                        fit = coxph(Surv(time, status) ~ rx + strata(litter), d, ties = "breslow"), terms = "rx"),
  cluster = list(spec = c(formula = "Surv(time, status) ~ rx + factor(sex)", cluster = "litter"),
                 fit = coxph(Surv(time, status) ~ rx + factor(sex), d, cluster = litter), terms = c("rx", "sex=m"))
)
run_cox_cases(d, "rats", cases)
kohort_finish()
