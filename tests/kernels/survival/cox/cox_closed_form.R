# Closed-form cases through the CLI (expected values derived by hand, not taken from R's coxph):
#  1. Therneau & Grambsch's test data 1 (T&G 2000, appendix E):
#       (time, status, x) = (1,1,1) (1,0,1) (6,1,1) (6,1,0) (8,0,0) (9,1,0), r = exp(beta)
#     Breslow: l = 2b - log(3r+3) - 2 log(r+3); U = 0 <=> r^2 - 3r - 6 = 0, r = (3 + sqrt(33))/2;
#              I = r/(r+1)^2 + 6r/(r+3)^2; at b = 0: U = 1, I = 5/8, score test 8/5.
#     Efron:   l = 2b - log(3r+3) - log(r+3) - log((r+5)/2); U = 2 - r/(r+1) - r/(r+3) - r/(r+5);
#              I = r/(r+1)^2 + 3r/(r+3)^2 + 5r/(r+5)^2.
#  2. Two groups without tied times: the Breslow score test equals the log-rank test
#     (sum (O1 - E1))^2 / sum p1 (1 - p1) (T&G 2000, section 3.4), also checked against survdiff.
source(file.path(Sys.getenv("KOHORT_SOURCE_DIR", "."), "tests/kernels/survival/cox/cox_conformance.R"))

tg <- data.frame(time = c(1, 1, 6, 6, 8, 9), status = c(1, 0, 1, 1, 0, 1), x = c(1, 1, 1, 0, 0, 0))
store <- kohort_import(tg, "tg1")
models <- list(breslow = c(kind = "cox", table = "tg1", formula = "Surv(time, status) ~ x", ties = "breslow"),
               efron = c(kind = "cox", table = "tg1", formula = "Surv(time, status) ~ x"))
for (np in cox_ranks) {
  out <- kohort_run(store, models, np = np, job_name = "tg1")
  r <- (3 + sqrt(33)) / 2
  b <- out$models$breslow
  expect_close(b$coefficients$estimate, log(r), sprintf("T&G1 Breslow beta np=%d", np), 1e-8)
  expect_close(b$loglik, c(-log(6) - 2 * log(4), 2 * log(r) - log(3 * r + 3) - 2 * log(r + 3)),
               sprintf("T&G1 Breslow loglik np=%d", np), 1e-10)
  expect_close(b$tests$score$statistic, 8 / 5, sprintf("T&G1 Breslow score test np=%d", np), 1e-10)
  expect_close(b$coefficients$se, 1 / sqrt(r / (r + 1)^2 + 6 * r / (r + 3)^2),
               sprintf("T&G1 Breslow se np=%d", np), 1e-8)

  u <- function(b) { r <- exp(b); 2 - r / (r + 1) - r / (r + 3) - r / (r + 5) }
  be <- uniroot(u, c(0, 5), tol = 1e-14)$root
  re <- exp(be)
  e <- out$models$efron
  expect_close(e$coefficients$estimate, be, sprintf("T&G1 Efron beta np=%d", np), 1e-8)
  expect_close(e$loglik[2], 2 * be - log(3 * re + 3) - log(re + 3) - log((re + 5) / 2),
               sprintf("T&G1 Efron loglik np=%d", np), 1e-10)
  expect_close(e$tests$score$statistic, u(0)^2 / (1 / 4 + 3 / 16 + 5 / 36),
               sprintf("T&G1 Efron score test np=%d", np), 1e-10)
  expect_close(e$coefficients$se, 1 / sqrt(re / (re + 1)^2 + 3 * re / (re + 3)^2 + 5 * re / (re + 5)^2),
               sprintf("T&G1 Efron se np=%d", np), 1e-8)
}

lr <- data.frame(time = c(3, 5, 7, 8, 11, 13, 14, 17, 19, 23, 26, 29),
                 status = c(1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1),
                 group = c(1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1))
oe <- 0; v <- 0
for (i in which(lr$status == 1)) {
  at <- lr$time >= lr$time[i]
  p1 <- sum(lr$group[at]) / sum(at)
  oe <- oe + lr$group[i] - p1
  v <- v + p1 * (1 - p1)
}
store <- kohort_import(lr, "logrank")
for (np in cox_ranks) {
  out <- kohort_run(store, list(m = c(kind = "cox", table = "logrank", formula = "Surv(time, status) ~ group",
                                      ties = "breslow")), np = np, job_name = "logrank")
  expect_close(out$models$m$tests$score$statistic, oe^2 / v, sprintf("score = log-rank (hand) np=%d", np), 1e-10)
  expect_close(out$models$m$tests$score$statistic, survdiff(Surv(time, status) ~ group, lr)$chisq,
               sprintf("score = log-rank (survdiff) np=%d", np), 1e-10)
}
kohort_finish()
