# Synthetic Cox data for bench_cox.sh: N rows, P covariates, integer-day times with heavy ties.
# Usage: Rscript gen_cox_data.R N P SEED OUT.csv
# Columns: time (integer days, 1..3650), status (0/1), x1..xP (x3, x6, ... are 0/1 indicators).
suppressPackageStartupMessages(library(data.table))
args <- commandArgs(trailingOnly = TRUE)
n <- as.integer(args[1]); p <- as.integer(args[2]); seed <- as.integer(args[3]); out <- args[4]
set.seed(seed)
x <- matrix(rnorm(n * p), n, p)
for (j in seq(3, p, by = 3)) x[, j] <- as.numeric(runif(n) < 0.3)
beta <- rep(c(0.3, -0.2, 0.4, 0.1, -0.1), length.out = p) * (1 / sqrt(p / 10))
lp <- drop(x %*% beta)
event <- rexp(n, 1 / 2000 * exp(lp))
censor <- runif(n, 365, 3650)
time <- pmax(1, ceiling(pmin(event, censor)))
d <- data.table(time = as.integer(time), status = as.integer(event <= censor))
d[, paste0("x", seq_len(p)) := as.data.table(round(x, 6))]
fwrite(d, out)
cat(sprintf("wrote %s: %d rows, %d covariates, %d events, %d distinct event times\n", out, n, p,
            sum(d$status), length(unique(d$time[d$status == 1]))))
