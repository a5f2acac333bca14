# Reference for the binomial GWAS at full precision: per variant, on the samples with covariates and
# a call, case ~ age + male + pc1 + pc2 + g fitted by
#  - R's glm(family = binomial) to a relative deviance change of 1e-14, then three Newton steps,
#    for the variants plink2 reports with FIRTH? = N, and
#  - Firth's penalised likelihood (Firth 1993; the iteration with step halving of Heinze and
#    Schemper 2002, as R's logistf runs it, written out here since logistf is not packaged for
#    Debian), finished by Newton's method on the modified score to a step below 1e-12, for the
#    variants plink2 reports with FIRTH? = Y.
# Wald Z and P as plink2 reports them. Variants plink2 reports as NA are written as NA.
# Usage: Rscript gwas_logistic_reference.R DIR PLINK2_REPORT OUT.tsv   (DIR holds d.raw, d.bim,
# pheno.txt, covar.txt; the report is plink2 --glm's, for its FIRTH? column)
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
raw <- read.table(file.path(dir, "d.raw"), header = TRUE, check.names = FALSE, colClasses = c(IID = "character", FID = "character"))
ph <- read.table(file.path(dir, "pheno.txt"), header = FALSE, comment.char = "#", colClasses = "character")
names(ph) <- c("FID", "IID", "y", "case")
cv <- read.table(file.path(dir, "covar.txt"), header = FALSE, comment.char = "#", colClasses = "character")
names(cv) <- c("FID", "IID", "age", "male", "pc1", "pc2")
d <- merge(merge(ph[, c("IID", "case")], cv[, c("IID", "age", "male", "pc1", "pc2")], by = "IID"), raw, by = "IID")
for (v in c("case", "age", "male", "pc1", "pc2")) d[[v]] <- suppressWarnings(as.numeric(d[[v]]))
d$case <- d$case - 1  # plink2 codes control 1, case 2
ref <- read.table(args[2], header = TRUE, sep = "\t", comment.char = "", check.names = FALSE, colClasses = "character")
firth_of <- setNames(ref[["FIRTH?"]], ref$ID)
na_of <- setNames(is.na(ref$OR) | ref$OR == "NA", ref$ID)
bim <- read.table(file.path(dir, "d.bim"), header = FALSE, colClasses = "character")
a1 <- setNames(bim$V5, bim$V2)

firth <- function(X, y) {
  penalised <- function(b) {
    p <- as.vector(plogis(X %*% b))
    sum(dbinom(y, 1, p, log = TRUE)) + 0.5 * as.numeric(determinant(crossprod(X, X * (p * (1 - p))))$modulus)
  }
  score <- function(b) {  # Firth's modified score U*(b) and the inverse information
    p <- as.vector(plogis(X %*% b)); w <- p * (1 - p)
    Hi <- solve(crossprod(X, X * w))
    h <- w * rowSums((X %*% Hi) * X)  # hat diagonal
    list(U = as.vector(crossprod(X, y - p + h * (0.5 - p))), Hi = Hi)
  }
  b <- rep(0, ncol(X))
  pl <- penalised(b)
  for (it in 1:200) {  # logistf: information-scaled steps, at most 5, halved while pl drops
    sc <- score(b)
    step <- as.vector(sc$Hi %*% sc$U)
    if (max(abs(step)) < 1e-5) break
    if (max(abs(step)) > 5) step <- step * 5 / max(abs(step))
    for (half in 0:40) {
      nb <- b + step / 2^half
      npl <- penalised(nb)
      if (npl >= pl) break
    }
    b <- nb; pl <- npl
  }
  # Then Newton's method on U*(b) = 0 with its Jacobian by central differences: the information
  # steps above converge only linearly near the maximum (for one or two carriers they can cycle).
  for (it in 1:50) {
    U <- score(b)$U
    J <- sapply(seq_along(b), function(j) {
      e <- rep(0, length(b)); e[j] <- 1e-6 * max(1, abs(b[j]))
      (score(b + e)$U - score(b - e)$U) / (2 * e[j])
    })
    step <- -as.vector(solve(J, U))
    b <- b + step
    if (max(abs(step)) < 1e-12) break
  }
  p <- as.vector(plogis(X %*% b))
  list(coef = b, se = sqrt(diag(solve(crossprod(X, X * (p * (1 - p)))))))
}

snps <- names(raw)[-(1:6)]
ids <- sub("_[^_]+$", "", snps)
out <- data.frame(ID = ids, A1_FREQ = NA_real_, `FIRTH?` = "N", OBS_CT = NA_integer_, OR = NA_real_,
                  `LOG(OR)_SE` = NA_real_, Z_STAT = NA_real_, P = NA_real_, check.names = FALSE)
for (j in seq_along(snps)) {
  g <- d[[snps[j]]]
  id <- ids[j]
  if (sub("^.*_", "", snps[j]) != a1[[id]]) g <- 2 - g
  ok <- complete.cases(d$case, d$age, d$male, d$pc1, d$pc2, g)
  out$OBS_CT[j] <- sum(ok)
  out$A1_FREQ[j] <- mean(g[ok]) / 2
  out[["FIRTH?"]][j] <- firth_of[[id]]
  if (na_of[[id]]) next
  X <- cbind(1, as.matrix(d[ok, c("age", "male", "pc1", "pc2")]), g = g[ok])
  y <- d$case[ok]
  if (firth_of[[id]] == "Y") {
    f <- firth(X, y)
    b <- f$coef[ncol(X)]; se <- f$se[ncol(X)]
  } else {
    # glm's own standard errors use the weights of its last iteration, one step before its final
    # coefficients; three more Newton steps and the information at the final coefficients give
    # both to double precision.
    b <- coef(glm(y ~ X - 1, family = binomial, control = glm.control(epsilon = 1e-14, maxit = 200)))
    for (k in 1:3) {
      p <- as.vector(plogis(X %*% b))
      b <- b + as.vector(solve(crossprod(X, X * (p * (1 - p))), crossprod(X, y - p)))
    }
    p <- as.vector(plogis(X %*% b))
    se <- sqrt(diag(solve(crossprod(X, X * (p * (1 - p))))))[ncol(X)]
    b <- b[ncol(X)]
  }
  out$OR[j] <- exp(b); out[["LOG(OR)_SE"]][j] <- se; out$Z_STAT[j] <- b / se
  out$P[j] <- 2 * pnorm(-abs(b / se))
}
fmt <- function(x) ifelse(is.na(x), "NA", formatC(x, digits = 15, format = "g"))
for (c in c("A1_FREQ", "OR", "LOG(OR)_SE", "Z_STAT", "P")) out[[c]] <- fmt(out[[c]])
write.table(out, args[3], sep = "\t", quote = FALSE, row.names = FALSE)
