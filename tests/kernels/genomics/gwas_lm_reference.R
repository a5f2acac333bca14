# Reference for the gaussian GWAS at full precision: per variant, R's lm(y ~ age + male + pc1 + pc2 + g)
# on the samples with a phenotype, covariates and a call (plink2 --export A gives the A1 counts).
# Usage: Rscript gwas_lm_reference.R DIR OUT.tsv   (DIR holds d.raw, pheno.txt, covar.txt)
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
raw <- read.table(file.path(dir, "d.raw"), header = TRUE, check.names = FALSE, colClasses = c(IID = "character", FID = "character"))
ph <- read.table(file.path(dir, "pheno.txt"), header = FALSE, comment.char = "#", colClasses = "character")
names(ph) <- c("FID", "IID", "y", "case")
cv <- read.table(file.path(dir, "covar.txt"), header = FALSE, comment.char = "#", colClasses = "character")
names(cv) <- c("FID", "IID", "age", "male", "pc1", "pc2")
d <- merge(merge(ph[, c("IID", "y")], cv[, c("IID", "age", "male", "pc1", "pc2")], by = "IID"), raw, by = "IID")
for (v in c("y", "age", "male", "pc1", "pc2")) d[[v]] <- suppressWarnings(as.numeric(d[[v]]))
snps <- names(raw)[-(1:6)]
# plink2 --export A names each column ID_ALLELE after the allele it counts; count A1 (.bim column 5).
bim <- read.table(file.path(dir, "d.bim"), header = FALSE, colClasses = "character")
a1 <- setNames(bim$V5, bim$V2)
out <- data.frame(ID = sub("_[^_]+$", "", snps), A1_FREQ = NA_real_, OBS_CT = NA_integer_, BETA = NA_real_,
                  SE = NA_real_, T_STAT = NA_real_, P = NA_real_)
for (j in seq_along(snps)) {
  g <- d[[snps[j]]]
  id <- sub("_[^_]+$", "", snps[j])
  if (sub("^.*_", "", snps[j]) != a1[[id]]) g <- 2 - g
  ok <- complete.cases(d$y, d$age, d$male, d$pc1, d$pc2, g)
  out$OBS_CT[j] <- sum(ok)
  out$A1_FREQ[j] <- mean(g[ok]) / 2
  if (var(g[ok]) == 0) next
  fit <- summary(lm(y ~ age + male + pc1 + pc2 + g, data = data.frame(d[ok, c("y", "age", "male", "pc1", "pc2")], g = g[ok])))
  co <- fit$coefficients["g", ]
  out$BETA[j] <- co[1]; out$SE[j] <- co[2]; out$T_STAT[j] <- co[3]; out$P[j] <- co[4]
}
fmt <- function(x) ifelse(is.na(x), "NA", formatC(x, digits = 15, format = "g"))
for (c in c("A1_FREQ", "BETA", "SE", "T_STAT", "P")) out[[c]] <- fmt(out[[c]])
write.table(out, args[2], sep = "\t", quote = FALSE, row.names = FALSE)
