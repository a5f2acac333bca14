# Shared code of the Cox conformance scripts: run kohort at several rank counts through the real
# CLI, compare every run with R's coxph fitted in the same R session (1e-6 relative), and every
# run at np > 1 with the np = 1 run (1e-10 relative).
source(file.path(Sys.getenv("KOHORT_SOURCE_DIR", "."), "tests/r/kohort_helpers.R"))
suppressPackageStartupMessages(library(survival))

cox_rel <- as.numeric(Sys.getenv("KOHORT_COX_REL", "1e-6"))  # tighter runs show the real agreement
cox_ranks <- as.integer(strsplit(Sys.getenv("KOHORT_COX_RANKS", "1,2,3,5"), ",")[[1]])

cox_fail <- function(msg) {
  cat("FAIL", msg, "\n")
  kohort_failures <<- kohort_failures + 1L
}

# res: kohort's models.NAME; fit: R's coxph; terms: the labels kohort must use (contract section 4).
compare_cox <- function(res, fit, terms, label, rel = cox_rel) {
  co <- res$coefficients
  if (!identical(as.character(co$term), terms))
    cox_fail(sprintf("%s terms: %s, expected %s", label, paste(co$term, collapse = " "), paste(terms, collapse = " ")))
  s <- summary(fit)
  robust <- !is.null(fit$naive.var)
  naive <- if (robust) fit$naive.var else fit$var
  expect_close(co$estimate, unname(coef(fit)), paste(label, "coef"), rel)
  expect_close(co$se, sqrt(diag(naive)), paste(label, "se"), rel)
  if (robust) {
    expect_close(co$robust_se, sqrt(diag(fit$var)), paste(label, "robust_se"), rel)
    expect_close(res$tests$robust_score$statistic, fit$rscore, paste(label, "robust score test"), rel)
  } else if (!all(is.na(co$robust_se))) {
    cox_fail(paste(label, "robust_se should be null without robust variance"))
  }
  ok <- !is.na(coef(fit))
  expect_close(co$z[ok], s$coefficients[ok, "z"], paste(label, "z"), rel)
  expect_close(co$p[ok], s$coefficients[ok, "Pr(>|z|)"], paste(label, "p"), rel)
  expect_close(co$exp_estimate[ok], s$conf.int[ok, 1], paste(label, "exp(coef)"), rel)
  expect_close(co$conf_low[ok], s$conf.int[ok, 3], paste(label, "conf_low"), rel)
  expect_close(co$conf_high[ok], s$conf.int[ok, 4], paste(label, "conf_high"), rel)
  expect_close(res$loglik, fit$loglik, paste(label, "loglik"), rel)
  expect_close(res$tests$likelihood_ratio$statistic, s$logtest[["test"]], paste(label, "LR test"), rel)
  expect_close(res$tests$likelihood_ratio$p, s$logtest[["pvalue"]], paste(label, "LR p"), rel)
  expect_close(res$tests$likelihood_ratio$df, s$logtest[["df"]], paste(label, "LR df"), rel)
  expect_close(res$tests$wald$statistic, fit$wald.test, paste(label, "Wald test"), rel)
  expect_close(res$tests$wald$p, s$waldtest[["pvalue"]], paste(label, "Wald p"), rel)
  expect_close(res$tests$score$statistic, fit$score, paste(label, "score test"), rel)
  expect_close(res$tests$score$p, s$sctest[["pvalue"]], paste(label, "score p"), rel)
  expect_close(res$n, fit$n, paste(label, "n"), 0)
  expect_close(res$events, fit$nevent, paste(label, "events"), 0)
  expect_close(res$n_dropped_missing, length(fit$na.action), paste(label, "n_dropped_missing"), 0)
  expect_close(res$iterations, fit$iter, paste(label, "iterations"), 0)
  if (!isTRUE(res$converged)) cox_fail(paste(label, "did not converge"))
}

# The same model at np ranks against np = 1, to 1e-10.
compare_ranks <- function(res, ref, label) {
  rel <- 1e-10
  expect_close(res$coefficients$estimate, ref$coefficients$estimate, paste(label, "coef vs np=1"), rel)
  expect_close(res$coefficients$se, ref$coefficients$se, paste(label, "se vs np=1"), rel)
  expect_close(res$coefficients$robust_se, ref$coefficients$robust_se, paste(label, "robust_se vs np=1"), rel)
  expect_close(res$loglik, ref$loglik, paste(label, "loglik vs np=1"), rel)
  for (t in c("likelihood_ratio", "wald", "score"))
    expect_close(res$tests[[t]]$statistic, ref$tests[[t]]$statistic, paste(label, t, "vs np=1"), rel)
}

# cases: named list of list(spec = c(key = value, ...), fit = coxph fit, terms = labels).
run_cox_cases <- function(df, table, cases) {
  store <- kohort_import(df, table)
  models <- lapply(cases, function(c) c(kind = "cox", table = table, c$spec))
  ref <- NULL
  for (np in cox_ranks) {
    out <- kohort_run(store, models, np = np, job_name = table)
    for (m in names(cases)) {
      label <- sprintf("%s/%s np=%d", table, m, np)
      compare_cox(out$models[[m]], cases[[m]]$fit, cases[[m]]$terms, label)
      if (!is.null(ref)) compare_ranks(out$models[[m]], ref$models[[m]], label)
    }
    if (is.null(ref)) ref <- out
  }
  invisible(ref)
}
