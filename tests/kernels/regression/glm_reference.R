# Reference fits for the GLM kernel tests, computed by R in the same test run.
# Usage: Rscript glm_reference.R OUTDIR
# For each case writes OUTDIR/NAME.csv (the model matrix R used, y, prior weights, offset, cluster)
# and OUTDIR/NAME.json (R's glm / summary.glm / sandwich results). The C++ tests rebuild the model
# frame from the CSV, so these tests check the kernel itself, independent of the formula code.
invisible(Sys.setlocale("LC_CTYPE", "C.UTF-8"))  # UTF-8 text whatever the caller's locale (LC_ALL=C, unset)
suppressPackageStartupMessages({ library(jsonlite); library(sandwich) })
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "glm_reference"
dir.create(outdir, recursive = TRUE, showWarnings = FALSE)

# Full precision: write.csv and jsonlite stop at 15 significant digits.
num17 <- function(x) ifelse(is.na(x), NA_character_, sprintf("%.17g", x))

write_case <- function(name, formula, data, family, weights = NULL, cluster = NULL, robust = "",
                       has_offset = FALSE) {
  data$.w <- if (is.null(weights)) rep(1, nrow(data)) else weights
  warns <- character(0)
  fit <- withCallingHandlers(
    glm(formula, data = data, family = family, weights = .w),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  s <- summary(fit)
  X <- model.matrix(fit)
  cl <- if (is.null(cluster)) rep(0, nrow(X)) else cluster
  frame <- data.frame(.y = fit$y, .w = fit$prior.weights,
                      .offset = if (is.null(fit$offset)) rep(0, nrow(X)) else fit$offset,
                      .cluster = cl, X, check.names = FALSE)
  frame[] <- lapply(frame, num17)
  write.csv(frame, file.path(outdir, paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
  cf <- coef(fit)
  tab <- s$coefficients
  se <- stat <- p <- rep(NA_real_, length(cf))
  names(se) <- names(cf)
  se[rownames(tab)] <- tab[, 2]; stat <- se; stat[rownames(tab)] <- tab[, 3]
  p <- se; p[rownames(tab)] <- tab[, 4]
  rob <- rep(NA_real_, length(cf)); names(rob) <- names(cf)
  if (!is.null(cluster)) {
    v <- vcovCL(fit, cluster = cluster, type = if (robust == "") "HC0" else robust)
    rob[colnames(v)] <- sqrt(diag(v))
  } else if (robust != "") {
    v <- vcovHC(fit, type = robust)
    rob[colnames(v)] <- sqrt(diag(v))
  }
  ref <- list(name = name, family = family$family, link = family$link,
              has_intercept = attr(terms(fit), "intercept") == 1, has_offset = has_offset,
              robust = robust, has_cluster = !is.null(cluster),
              terms = colnames(X), aliased = is.na(cf), estimate = num17(unname(cf)), se = num17(unname(se)),
              statistic = num17(unname(stat)), p = num17(unname(p)), robust_se = num17(unname(rob)),
              deviance = num17(fit$deviance), null_deviance = num17(fit$null.deviance),
              df_residual = fit$df.residual, df_null = fit$df.null, aic = num17(fit$aic),
              dispersion = num17(s$dispersion), iterations = fit$iter,
              converged = fit$converged, rank = fit$rank, warnings = I(unique(warns)))
  writeLines(toJSON(ref, auto_unbox = TRUE, na = "null"), file.path(outdir, paste0(name, ".json")))
}

# Gaussian: mtcars, factor, HC0.
write_case("mtcars_gaussian", mpg ~ wt + hp + factor(cyl) + am, mtcars, gaussian(), robust = "HC0")
# Gaussian, no intercept, case weights with zeros (n_ok < n in the sandwich), HC1.
w <- mtcars$carb; w[c(3, 7, 20)] <- 0
write_case("mtcars_weighted_noint", mpg ~ 0 + wt + qsec + factor(am), mtcars, gaussian(), weights = w, robust = "HC1")
# Gaussian with an aliased column (wt2 = 2 wt + 1 lies in span(intercept, wt)).
mt <- mtcars; mt$wt2 <- 2 * mt$wt + 1
write_case("mtcars_aliased", mpg ~ wt + wt2 + hp, mt, gaussian(), robust = "HC0")

# Binomial with factors: infert; cluster-robust on the matched sets (vcovCL HC0).
write_case("infert_logit", case ~ age + parity + factor(education) + spontaneous + induced, infert, binomial(),
           cluster = infert$stratum)
write_case("infert_probit", case ~ age + spontaneous + induced, infert, binomial(link = "probit"), robust = "HC0")
write_case("infert_cloglog", case ~ age + spontaneous + induced, infert, binomial(link = "cloglog"),
           cluster = infert$pooled.stratum)
# Binomial with an aliased column: spontaneous + induced duplicated as their sum.
inf2 <- infert; inf2$abortions <- inf2$spontaneous + inf2$induced
write_case("infert_aliased", case ~ age + spontaneous + induced + abortions, inf2, binomial())

# Binomial proportions with weights = trials: esoph, its ordered factors used as plain factors.
es <- esoph
for (v in c("agegp", "alcgp", "tobgp")) es[[v]] <- factor(as.character(es[[v]]), levels = levels(esoph[[v]]))
es$prop <- es$ncases / (es$ncases + es$ncontrols)
write_case("esoph_proportions", prop ~ agegp + alcgp + tobgp, es, binomial(),
           weights = es$ncases + es$ncontrols, robust = "HC0")

# Poisson with a factor interaction.
write_case("warpbreaks_poisson", breaks ~ wool * tension, warpbreaks, poisson(), robust = "HC0")

# Poisson rate model with an offset: person-years by age band and exposure (built here).
set.seed(20240601)
n <- 400
rate <- data.frame(band = sample(c("40-49", "50-59", "60-69", "70+"), n, TRUE),
                   exposed = rbinom(n, 1, 0.4), pyrs = runif(n, 0.5, 30), region = sample(1:25, n, TRUE))
lam <- with(rate, pyrs * exp(-4 + 0.3 * as.integer(factor(band)) + 0.5 * exposed))
rate$events <- rpois(n, lam)
write_case("rate_offset", events ~ factor(band) + exposed + offset(log(pyrs)), rate, poisson(),
           cluster = rate$region, has_offset = TRUE)
# Without an intercept the null model is linkinv(offset).
write_case("rate_offset_noint", events ~ 0 + factor(band) + exposed + offset(log(pyrs)), rate, poisson(),
           robust = "HC0", has_offset = TRUE)

# Complete separation: R warns that fitted probabilities are 0 or 1.
sep <- data.frame(x = c(1, 2, 3, 4, 5, 6, 7, 8), y = c(0, 0, 0, 0, 1, 1, 1, 1))
write_case("separation", y ~ x, sep, binomial())
