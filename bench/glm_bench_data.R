# Generates the GLM benchmark data: N rows, 20 standard-normal covariates (4 decimals), a 0/1
# response from a logistic model and a count response from a Poisson model.
# Usage: Rscript bench/glm_bench_data.R N OUT.csv
suppressPackageStartupMessages(library(data.table))
args <- commandArgs(trailingOnly = TRUE)
n <- as.integer(args[1]); out <- args[2]
set.seed(20240601)
X <- matrix(round(rnorm(n * 20), 4), n, 20, dimnames = list(NULL, paste0("x", 1:20)))
beta <- seq(-0.5, 0.5, length.out = 20) / 4
eta <- drop(X %*% beta)
dt <- data.table(y_bin = rbinom(n, 1, plogis(-1 + eta)), y_cnt = rpois(n, exp(-0.5 + eta / 2)), X)
fwrite(dt, out)
