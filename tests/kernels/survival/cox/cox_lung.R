# lung (R survival): Efron and Breslow, factor(sex), strata(inst), an interaction with an offset,
# integer and fractional case weights (R turns on the robust variance for the latter).
source(file.path(Sys.getenv("KOHORT_SOURCE_DIR", "."), "tests/kernels/survival/cox/cox_conformance.R"))

d <- survival::lung
d$w <- 1 + (seq_len(nrow(d)) %% 3)             # integer weights
d$fw <- 0.5 + (seq_len(nrow(d)) %% 4) / 3      # fractional weights
d$expo <- 1 + (seq_len(nrow(d)) %% 5) / 10     # offset(log(expo))

f <- Surv(time, status) ~ age + factor(sex) + ph.ecog
cases <- list(
  efron = list(spec = c(formula = "Surv(time, status) ~ age + factor(sex) + ph.ecog"),
               fit = coxph(f, d), terms = c("age", "sex=2", "ph.ecog")),
  breslow = list(spec = c(formula = "Surv(time, status) ~ age + factor(sex) + ph.ecog", ties = "breslow"),
                 fit = coxph(f, d, ties = "breslow"), terms = c("age", "sex=2", "ph.ecog")),
  strata = list(spec = c(formula = "Surv(time, status) ~ age + factor(sex) + ph.ecog + strata(inst)"),
                fit = coxph(Surv(time, status) ~ age + factor(sex) + ph.ecog + strata(inst), d),
                terms = c("age", "sex=2", "ph.ecog")),
  interaction = list(spec = c(formula = "Surv(time, status) ~ age + factor(sex) * ph.karno + offset(log(expo))"),
                     fit = coxph(Surv(time, status) ~ age + factor(sex) * ph.karno + offset(log(expo)), d),
                     terms = c("age", "sex=2", "ph.karno", "sex=2:ph.karno")),
  weights = list(spec = c(formula = "Surv(time, status) ~ age + factor(sex) + ph.ecog", weights = "w"),
                 fit = coxph(f, d, weights = w), terms = c("age", "sex=2", "ph.ecog")),
  weights_breslow = list(spec = c(formula = "Surv(time, status) ~ age + factor(sex) + ph.ecog", weights = "w",
                                  ties = "breslow"),
                         fit = coxph(f, d, weights = w, ties = "breslow"), terms = c("age", "sex=2", "ph.ecog")),
  fractional = list(spec = c(formula = "Surv(time, status) ~ age + factor(sex) + ph.ecog", weights = "fw"),
                    fit = suppressWarnings(coxph(f, d, weights = fw)), terms = c("age", "sex=2", "ph.ecog")),
  robust = list(spec = c(formula = "Surv(time, status) ~ age + factor(sex) + ph.ecog", robust = "true"),
                fit = coxph(f, d, robust = TRUE), terms = c("age", "sex=2", "ph.ecog"))
)
run_cox_cases(d, "lung", cases)
kohort_finish()
