# heart (R survival): Stanford heart transplant, start/stop data with a time-varying covariate.
source(file.path(Sys.getenv("KOHORT_SOURCE_DIR", "."), "tests/kernels/survival/cox/cox_conformance.R"))

d <- survival::heart
d$transplant <- as.integer(as.character(d$transplant))
f <- Surv(start, stop, event) ~ age + year + surgery + transplant
spec <- "Surv(start, stop, event) ~ age + year + surgery + transplant"
terms <- c("age", "year", "surgery", "transplant")
cases <- list(
  efron = list(spec = c(formula = spec), fit = coxph(f, d), terms = terms),
  breslow = list(spec = c(formula = spec, ties = "breslow"), fit = coxph(f, d, ties = "breslow"), terms = terms),
  cluster = list(spec = c(formula = spec, cluster = "id"), fit = coxph(f, d, cluster = id), terms = terms),
  interaction = list(spec = c(formula = "Surv(start, stop, event) ~ age * transplant + surgery"),
                     fit = coxph(Surv(start, stop, event) ~ age * transplant + surgery, d),
                     terms = c("age", "transplant", "surgery", "age:transplant"))
)
run_cox_cases(d, "heart", cases)
kohort_finish()
