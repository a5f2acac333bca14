# bladder2 (R survival): Andersen-Gill counting process with a robust variance clustered on id.
source(file.path(Sys.getenv("KOHORT_SOURCE_DIR", "."), "tests/kernels/survival/cox/cox_conformance.R"))

d <- survival::bladder2
f <- Surv(start, stop, event) ~ rx + size + number + cluster(id)
spec <- "Surv(start, stop, event) ~ rx + size + number + cluster(id)"
terms <- c("rx", "size", "number")
cases <- list(
  ag_efron = list(spec = c(formula = spec), fit = coxph(f, d), terms = terms),
  ag_breslow = list(spec = c(formula = spec, ties = "breslow"), fit = coxph(f, d, ties = "breslow"), terms = terms),
  ag_key = list(spec = c(formula = "Surv(start, stop, event) ~ rx + size + number", cluster = "id"),
                fit = coxph(Surv(start, stop, event) ~ rx + size + number, d, cluster = id), terms = terms),
  ag_strata = list(spec = c(formula = "Surv(start, stop, event) ~ rx + size + number + strata(enum) + cluster(id)"),
                   fit = coxph(Surv(start, stop, event) ~ rx + size + number + strata(enum) + cluster(id), d),
                   terms = terms)
)
run_cox_cases(d, "bladder2", cases)
kohort_finish()
