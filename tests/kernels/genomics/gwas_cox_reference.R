# Reference for the Surv GWAS (contract section 8), at full precision, with R's survival package:
#  - the null model coxph(Surv(time, status) ~ age + male + pc1 + pc2) (Efron ties);
#  - per variant, its A1 count with a missing call set to the mean among called samples, and the
#    score test coxph(... + g, init = c(coef(null), 0), iter.max = 0)$score: Z_STAT is its signed
#    root (the sign of g'(martingale residuals of the null model), i.e. of the score for g), P its p;
#  - for variants with P < REFIT_P, the full fit coxph(... + g): BETA, SE, WALD_P.
# Also MAC (minor allele count among called samples) and EV_MINOR (events carrying the minor
# allele) for the disclosure check.
# Usage: Rscript gwas_cox_reference.R DIR OUT.tsv REFIT_P   (DIR holds d.raw, d.bim, surv.csv)
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
refit_p <- as.numeric(args[3])
raw <- read.table(file.path(dir, "d.raw"), header = TRUE, check.names = FALSE, colClasses = c(IID = "character", FID = "character"))
ph <- read.csv(file.path(dir, "surv.csv"), colClasses = c(pid = "character"), na.strings = "NA")
d <- merge(ph, raw, by.x = "pid", by.y = "IID")
d <- d[complete.cases(d$time, d$status, d$age, d$male, d$pc1, d$pc2), ]
snps <- names(raw)[-(1:6)]
bim <- read.table(file.path(dir, "d.bim"), header = FALSE, colClasses = "character")
a1 <- setNames(bim$V5, bim$V2)
null <- coxph(Surv(time, status) ~ age + male + pc1 + pc2, data = d, ties = "efron")
mart <- residuals(null, type = "martingale")
na <- NA_real_
out <- data.frame(ID = sub("_[^_]+$", "", snps), A1_FREQ = na, OBS_CT = nrow(d), Z_STAT = na, P = na,
                  BETA = na, SE = na, WALD_P = na, MAC = na, EV_MINOR = na)
for (j in seq_along(snps)) {
  g <- d[[snps[j]]]
  id <- sub("_[^_]+$", "", snps[j])
  if (sub("^.*_", "", snps[j]) != a1[[id]]) g <- 2 - g  # count A1 (.bim column 5)
  called <- !is.na(g)
  s <- sum(g[called])
  out$A1_FREQ[j] <- s / (2 * sum(called))
  a1_minor <- s <= sum(called)
  out$MAC[j] <- min(s, 2 * sum(called) - s)
  ev <- called & d$status == 1
  out$EV_MINOR[j] <- if (a1_minor) sum(g[ev] >= 1) else sum(g[ev] <= 1)
  g[!called] <- mean(g[called])
  if (var(g) == 0) next
  dd <- data.frame(d[, c("time", "status", "age", "male", "pc1", "pc2")], g = g)
  sc <- suppressWarnings(coxph(Surv(time, status) ~ age + male + pc1 + pc2 + g, data = dd, ties = "efron",
                               init = c(coef(null), 0), iter.max = 0))
  out$Z_STAT[j] <- sign(sum(g * mart)) * sqrt(sc$score)
  out$P[j] <- pchisq(sc$score, 1, lower.tail = FALSE)
  if (out$P[j] < refit_p) {
    full <- coxph(Surv(time, status) ~ age + male + pc1 + pc2 + g, data = dd, ties = "efron")
    co <- summary(full)$coefficients["g", ]
    out$BETA[j] <- co[["coef"]]; out$SE[j] <- co[["se(coef)"]]; out$WALD_P[j] <- co[["Pr(>|z|)"]]
  }
}
cat("variants", nrow(out), "refitted", sum(!is.na(out$BETA)), "events", sum(d$status), "samples", nrow(d), "\n")
fmt <- function(x) ifelse(is.na(x), "NA", formatC(x, digits = 15, format = "g"))
for (c in c("A1_FREQ", "Z_STAT", "P", "BETA", "SE", "WALD_P")) out[[c]] <- fmt(out[[c]])
write.table(out, args[2], sep = "\t", quote = FALSE, row.names = FALSE)
