# aml (R survival): the Maintained/Nonmaintained trial, heavily tied, Breslow and Efron.
source(file.path(Sys.getenv("KOHORT_SOURCE_DIR", "."), "tests/kernels/survival/cox/cox_conformance.R"))

d <- survival::aml
d$x <- as.character(d$x)
cases <- list(
  efron = list(spec = c(formula = "Surv(time, status) ~ x"), fit = coxph(Surv(time, status) ~ x, d),
               terms = "x=Nonmaintained"),
  breslow = list(spec = c(formula = "Surv(time, status) ~ x", ties = "breslow"),
                 fit = coxph(Surv(time, status) ~ x, d, ties = "breslow"), terms = "x=Nonmaintained")
)
run_cox_cases(d, "aml", cases)
kohort_finish()
