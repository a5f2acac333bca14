# End-to-end: mgus2 and a simulated data set through the real CLI (kohort import, kohort run at 1, 2,
# 3 and 5 ranks) with kind = finegray, compared with cmprsk::crr computed here. Registered in
# tests.cmake.
source(file.path(Sys.getenv("KOHORT_SOURCE_DIR"), "tests/r/kohort_helpers.R"))
suppressPackageStartupMessages({library(survival); library(cmprsk)})

m <- mgus2
m$etime <- with(m, ifelse(pstat == 0, futime, ptime))
m$event <- with(m, ifelse(pstat == 0, 2 * death, 1))
m <- m[, c("etime", "event", "age", "sex", "hgb")]
mstore <- kohort_import(m, "mgus2")
mc <- na.omit(m[, c("etime", "event", "age", "sex")])
X <- model.matrix(~ age + sex, data = mc)[, -1]
crr1 <- crr(mc$etime, mc$event, X, failcode = 1)
crr2 <- crr(mc$etime, mc$event, X, failcode = 2)
# hgb has missing values: kohort drops those rows as na.omit does.
mh <- na.omit(m)
crrh <- crr(mh$etime, mh$event, model.matrix(~ age + sex + hgb, data = mh)[, -1], failcode = 1)

set.seed(42)
n <- 300
s <- data.frame(x = rnorm(n), g = sample(c("a", "b", "c"), n, replace = TRUE))
t1 <- rexp(n, 0.1 * exp(0.4 * s$x + (s$g == "b") * 0.5))
t2 <- rexp(n, 0.05 * exp(-0.2 * s$x))
cz <- runif(n, 0, 20)
s$time <- round(pmin(t1, t2, cz), 1)
s$status <- ifelse(pmin(t1, t2) > cz, 0, ifelse(t1 < t2, 1, 2))
sstore <- kohort_import(s, "sim")
crrs <- crr(s$time, s$status, model.matrix(~ x * g, data = s)[, -1], failcode = 2)

check <- function(res, fit, terms, tag) {
  co <- res$coefficients
  se <- sqrt(diag(fit$var))
  if (!identical(as.character(co$term), terms)) {
    cat(sprintf("FAIL %s terms: %s\n", tag, paste(co$term, collapse = ", ")))
    kohort_failures <<- kohort_failures + 1L
  }
  expect_close(co$estimate, fit$coef, paste(tag, "estimate"))
  expect_close(co$se, se, paste(tag, "se"))
  expect_close(co$z, fit$coef / se, paste(tag, "z"))
  expect_close(co$p, 2 * pnorm(-abs(fit$coef / se)), paste(tag, "p"))
  expect_close(co$exp_estimate, exp(fit$coef), paste(tag, "exp_estimate"))
  expect_close(co$conf_low, exp(fit$coef - qnorm(0.975) * se), paste(tag, "conf_low"))
  expect_close(co$conf_high, exp(fit$coef + qnorm(0.975) * se), paste(tag, "conf_high"))
  expect_close(co$naive_se, sqrt(diag(fit$invinf)), paste(tag, "naive_se"))
  expect_close(res$loglik, c(fit$loglik.null, fit$loglik), paste(tag, "loglik"))
  expect_close(res$n, fit$n, paste(tag, "n"))
}

for (np in c(1L, 2L, 3L, 5L)) {
  res <- kohort_run(mstore, list(
    fg1 = c(kind = "finegray", table = "mgus2", formula = "Surv(etime, event) ~ age + factor(sex)"),
    fg2 = c(kind = "finegray", table = "mgus2", formula = "Surv(etime, event) ~ age + factor(sex)", cause = "2"),
    fgh = c(kind = "finegray", table = "mgus2", formula = "Surv(etime, event) ~ age + factor(sex) + hgb")),
    np = np, job_name = "finegray_mgus2")
  check(res$models$fg1, crr1, c("age", "sex=M"), sprintf("np=%d mgus2 cause 1", np))
  check(res$models$fg2, crr2, c("age", "sex=M"), sprintf("np=%d mgus2 cause 2", np))
  check(res$models$fgh, crrh, c("age", "sex=M", "hgb"), sprintf("np=%d mgus2 hgb", np))
  expect_close(res$models$fgh$n_dropped_missing, nrow(m) - nrow(mh), sprintf("np=%d mgus2 hgb dropped", np))
  sres <- kohort_run(sstore, list(fg = c(kind = "finegray", table = "sim", formula = "Surv(time, status) ~ x * g",
                                         cause = "2")), np = np, job_name = "finegray_sim")
  check(sres$models$fg, crrs, c("x", "g=b", "g=c", "x:g=b", "x:g=c"), sprintf("np=%d sim x*g cause 2", np))
}

# Bad input through the CLI: exit 2.
kohort_sh_job <- function(models, expect) {
  ini <- file.path(kohort_tmp, "finegray_bad.ini")
  lines <- c("[job]", "name = bad", paste0("store = ", normalizePath(mstore)),
             paste0("output = ", file.path(kohort_tmp, "finegray_bad")), "")
  for (nm in names(models)) lines <- c(lines, sprintf("[model.%s]", nm), paste(names(models[[nm]]), "=", models[[nm]]), "")
  writeLines(lines, ini)
  out <- suppressWarnings(system2(kohort_bin, c("run", ini), stdout = TRUE, stderr = TRUE))
  st <- attr(out, "status"); if (is.null(st)) st <- 0L
  if (st != 2L || !any(grepl(expect, out))) {
    cat(sprintf("FAIL bad input '%s': exit %d\n%s\n", expect, st, paste(out, collapse = "\n")))
    kohort_failures <<- kohort_failures + 1L
  } else cat(sprintf("ok   bad input refused: %s\n", expect))
}
kohort_sh_job(list(fg = c(kind = "finegray", table = "mgus2", formula = "Surv(etime, event) ~ age", cause = "3")),
              "cause = 3 is not present")

kohort_finish()
