# End-to-end: R's datasets through the real CLI (kohort import, kohort run at 1, 2, 3 and 5 ranks),
# compared with survfit/survdiff/cuminc computed here. Registered in tests.cmake.
source(file.path(Sys.getenv("KOHORT_SOURCE_DIR"), "tests/r/kohort_helpers.R"))
suppressPackageStartupMessages({library(survival); library(cmprsk)})
fin <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }

lung_df <- lung[, c("time", "status", "sex", "ph.ecog")]
store <- kohort_import(lung_df, "lung")
fit <- survfit(Surv(time, status) ~ sex, data = lung_df)
sd <- survdiff(Surv(time, status) ~ sex, data = lung_df)
sds <- survdiff(Surv(time, status) ~ sex + strata(ph.ecog), data = lung_df)
idx <- rep(seq_along(fit$strata), fit$strata)

m <- mgus2
m$etime <- with(m, ifelse(pstat == 0, futime, ptime))
m$event <- with(m, ifelse(pstat == 0, 2 * death, 1))
mstore <- kohort_import(m[, c("etime", "event", "sex")], "mgus2")
cfit <- survfit(Surv(etime, factor(event)) ~ sex, data = m)
gray <- cuminc(m$etime, m$event, m$sex)
cidx <- rep(seq_along(cfit$strata), cfit$strata)

for (np in c(1L, 2L, 3L, 5L)) {
  res <- kohort_run(store, list(
    km1 = c(kind = "km", table = "lung", formula = "Surv(time, status) ~ strata(sex)"),
    km2 = c(kind = "km", table = "lung", formula = "Surv(time, status) ~ sex + strata(ph.ecog)")),
    np = np, job_name = "km_lung")
  km <- res$models$km1
  for (k in 1:2) {
    i <- which(idx == k); cv <- km$curves[k, ]
    tag <- sprintf("np=%d lung sex=%d", np, k)
    expect_close(cv$time[[1]], fit$time[i], paste(tag, "time"))
    expect_close(cv$n_risk[[1]], fit$n.risk[i], paste(tag, "n_risk"))
    expect_close(cv$survival[[1]], fit$surv[i], paste(tag, "survival"))
    expect_close(cv$std_err[[1]], fin(fit$std.err[i]), paste(tag, "std_err"))
    expect_close(cv$conf_low[[1]], fin(fit$lower[i]), paste(tag, "conf_low"))
    expect_close(cv$conf_high[[1]], fin(fit$upper[i]), paste(tag, "conf_high"))
  }
  expect_close(km$logrank$statistic, sd$chisq, sprintf("np=%d logrank", np))
  expect_close(res$models$km2$logrank$statistic, sds$chisq, sprintf("np=%d stratified logrank", np))

  cres <- kohort_run(mstore, list(cif1 = c(kind = "cif", table = "mgus2", formula = "Surv(etime, event) ~ sex")),
                     np = np, job_name = "cif_mgus2")
  cif <- cres$models$cif1
  for (r in seq_len(nrow(cif$curves))) {
    cv <- cif$curves[r, ]; k <- match(cv$stratum, paste0("sex=", c("F", "M"))); i <- which(cidx == k)
    tag <- sprintf("np=%d mgus2 %s cause %d", np, cv$stratum, cv$cause)
    expect_close(cv$estimate[[1]], cfit$pstate[i, cv$cause + 1], paste(tag, "estimate"))
    expect_close(cv$std_err[[1]], cfit$std.err[i, cv$cause + 1], paste(tag, "std_err"))
  }
  gt <- cif$gray_test$tests
  expect_close(gt$statistic, gray$Tests[, "stat"], sprintf("np=%d gray statistic", np))
  expect_close(gt$p, gray$Tests[, "pv"], sprintf("np=%d gray p", np))
}
kohort_finish()
