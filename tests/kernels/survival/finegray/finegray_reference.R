# Reference values for the finegray gtest (finegray_kernel_test.cpp), computed by cmprsk::crr in the
# same test run. Usage: Rscript finegray_reference.R OUTDIR
# Writes one JSON file per case: the rows (time, status 0 = censored / 1..K causes, the covariate
# matrix by columns), the cause, and crr's coef, var (its default sandwich), invinf, loglik, loglik.null.
invisible(Sys.setlocale("LC_CTYPE", "C.UTF-8"))  # UTF-8 text whatever the caller's locale (LC_ALL=C, unset)
suppressPackageStartupMessages({library(survival); library(cmprsk); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
outdir <- args[1]
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)

write_case <- function(name, time, status, X, cause, extra = list()) {
  fit <- crr(time, status, X, failcode = cause, cencode = 0)
  case <- c(list(name = name, time = time, status = status, terms = I(colnames(X)),
                 X = lapply(seq_len(ncol(X)), function(j) unname(X[, j])), cause = cause,
                 expected = list(coef = I(unname(fit$coef)), var = unname(fit$var), invinf = unname(fit$invinf),
                                 loglik = fit$loglik, loglik_null = fit$loglik.null,
                                 converged = fit$converged, score = I(unname(fit$score)))), extra)
  writeLines(toJSON(case, auto_unbox = TRUE, digits = NA, matrix = "columnmajor"),
             file.path(outdir, paste0(name, ".json")))
}

# mgus2 as in the survival package's competing-risks vignette: progression (1) versus death (2).
m <- na.omit(data.frame(etime = with(mgus2, ifelse(pstat == 0, futime, ptime)),
                        event = with(mgus2, ifelse(pstat == 0, 2 * death, 1)),
                        age = mgus2$age, sex = mgus2$sex))
Xm <- model.matrix(~ age + sex, data = m)[, -1, drop = FALSE]
table_cols <- list(age = m$age, sex = as.character(m$sex))
write_case("mgus2_cause1", m$etime, m$event, Xm, 1, list(table = table_cols))
write_case("mgus2_cause2", m$etime, m$event, Xm, 2, list(table = table_cols))

# Simulated: three causes, heavy ties (times rounded), a censoring time tied with failures, and
# three covariates of different scales.
set.seed(20240611)
n <- 400
x1 <- rnorm(n); x2 <- rbinom(n, 1, 0.4); x3 <- runif(n, 20, 80)
t1 <- rexp(n, 0.10 * exp(0.5 * x1 - 0.4 * x2 + 0.01 * x3))
t2 <- rexp(n, 0.08 * exp(-0.3 * x1 + 0.6 * x2))
t3 <- rexp(n, 0.03)
cens <- runif(n, 0, 25)
tt <- pmin(t1, t2, t3, cens)
st <- ifelse(tt == cens, 0, ifelse(tt == t1, 1, ifelse(tt == t2, 2, 3)))
tt <- ceiling(tt * 2) / 2
Xs <- cbind(x1 = x1, x2 = x2, x3 = x3)
write_case("sim_cause1", tt, st, Xs, 1)
write_case("sim_cause3", tt, st, Xs, 3)

# Small integer times with ties of every kind, one covariate.
set.seed(7)
k <- 60
ts <- sample(1:8, k, replace = TRUE)
ss <- sample(0:2, k, replace = TRUE, prob = c(0.3, 0.4, 0.3))
write_case("small_ties", ts, ss, cbind(z = round(rnorm(k), 2)), 1)
