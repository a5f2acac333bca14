# R's side of the GLM benchmark: fread the same CSV, time glm() for the logistic and the Poisson
# model, and compare its coefficients with kohort's results.json.
# Usage: Rscript bench/glm_bench_r.R DATA.csv LOGIT_RESULTS.json POISSON_RESULTS.json
suppressPackageStartupMessages({ library(data.table); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
t_read <- system.time(d <- fread(args[1]))[["elapsed"]]
f <- paste("~", paste0("x", 1:20, collapse = " + "))
t_logit <- system.time(fl <- glm(as.formula(paste("y_bin", f)), binomial, d))[["elapsed"]]
t_pois <- system.time(fp <- glm(as.formula(paste("y_cnt", f)), poisson, d))[["elapsed"]]
rel <- function(json, fit) {
  k <- fromJSON(json)$models[[1]]$coefficients
  max(abs(k$estimate - coef(fit)) / abs(coef(fit)))
}
cat(sprintf("R_READ %.2f\nR_LOGIT %.2f %d\nR_POISSON %.2f %d\nMAXREL_LOGIT %.3g\nMAXREL_POISSON %.3g\n",
            t_read, t_logit, fl$iter, t_pois, fp$iter, rel(args[2], fl), rel(args[3], fp)))
