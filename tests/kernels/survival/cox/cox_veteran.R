# veteran (R survival): six covariates including a four-level factor, Efron and Breslow.
source(file.path(Sys.getenv("KOHORT_SOURCE_DIR", "."), "tests/kernels/survival/cox/cox_conformance.R"))

d <- survival::veteran
# kohort's reference level is the lowest label; give R the same (alphabetical) level order.
d$celltype <- factor(as.character(d$celltype))
f <- Surv(time, status) ~ trt + karno + diagtime + age + prior + celltype
terms <- c("trt", "karno", "diagtime", "age", "prior", "celltype=large", "celltype=smallcell", "celltype=squamous")
spec <- "Surv(time, status) ~ trt + karno + diagtime + age + prior + factor(celltype)"
cases <- list(
  efron = list(spec = c(formula = spec), fit = coxph(f, d), terms = terms),
  breslow = list(spec = c(formula = spec, ties = "breslow"), fit = coxph(f, d, ties = "breslow"), terms = terms)
)
run_cox_cases(d, "veteran", cases)
kohort_finish()
