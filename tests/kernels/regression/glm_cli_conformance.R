# kind = glm through the real CLI (kohort import + kohort run at 1, 2, 3 and 5 MPI ranks) against
# R's glm / summary.glm / sandwich computed here, on mtcars, infert, esoph, warpbreaks and a
# Poisson rate model with an offset. Estimates, SEs, statistics, p, robust SEs, deviances, AIC
# and dispersion to 1e-8 relative; every rank count equal to the 1-rank run to 1e-10.
source(file.path(Sys.getenv("KOHORT_SOURCE_DIR"), "tests/r/kohort_helpers.R"))
suppressPackageStartupMessages(library(sandwich))
ranks <- c(1L, 2L, 3L, 5L)

# kohort sorts categorical levels in byte order (docs/formula); R must use the same levels.
byte_factor <- function(x, ref = NULL) {
  f <- factor(as.character(x), levels = sort(unique(as.character(x)), method = "radix"))
  if (!is.null(ref)) f <- relevel(f, ref = ref)
  f
}

# R's numbers for one fit, in model-matrix column order (aliased columns NA).
r_reference <- function(fit, robust = "", cluster = NULL) {
  s <- summary(fit)
  cf <- coef(fit)
  se <- stat <- p <- rob <- setNames(rep(NA_real_, length(cf)), names(cf))
  tab <- s$coefficients
  se[rownames(tab)] <- tab[, 2]; stat[rownames(tab)] <- tab[, 3]; p[rownames(tab)] <- tab[, 4]
  if (!is.null(cluster)) {
    v <- vcovCL(fit, cluster = cluster, type = if (robust == "") "HC0" else robust)
    rob[colnames(v)] <- sqrt(diag(v))
  } else if (robust != "") {
    v <- vcovHC(fit, type = robust)
    rob[colnames(v)] <- sqrt(diag(v))
  }
  # Ratio intervals (log and logit links): R's exp(confint.default(fit)), Wald on the model-based
  # variance, or on the sandwich one when a robust variance was asked for.
  ci <- NULL
  if (fit$family$link %in% c("log", "logit")) {
    ci <- if (robust == "" && is.null(cluster)) exp(confint.default(fit))
          else exp(cbind(cf - qnorm(0.975) * rob, cf + qnorm(0.975) * rob))
  }
  list(estimate = unname(cf), se = unname(se), statistic = unname(stat), p = unname(p), robust_se = unname(rob),
       conf_low = if (is.null(ci)) NULL else unname(ci[, 1]), conf_high = if (is.null(ci)) NULL else unname(ci[, 2]),
       aliased = unname(is.na(cf)), deviance = fit$deviance, null_deviance = fit$null.deviance,
       df_residual = fit$df.residual, df_null = fit$df.null, aic = fit$aic, dispersion = s$dispersion,
       iterations = fit$iter, n = nrow(model.frame(fit)))
}

num <- function(x) { if (is.null(x)) return(NA_real_); x <- unlist(lapply(x, function(v) if (is.null(v)) NA_real_ else v)); as.numeric(x) }

compare_model <- function(label, got, ref, terms = NULL, rel = 1e-8) {
  cf <- got$coefficients
  expect_close(cf$estimate, ref$estimate, paste(label, "estimate"), rel = rel)
  expect_close(cf$se, ref$se, paste(label, "se"), rel = rel)
  expect_close(cf$statistic, ref$statistic, paste(label, "statistic"), rel = rel)
  expect_close(cf$p, ref$p, paste(label, "p"), rel = rel, abs_floor = 1e-300)
  expect_close(cf$robust_se, ref$robust_se, paste(label, "robust_se"), rel = rel)
  expect_close(as.numeric(cf$aliased), as.numeric(ref$aliased), paste(label, "aliased"), rel = 0)
  if (!is.null(ref$conf_low)) {
    expect_close(num(cf$conf_low), ref$conf_low, paste(label, "conf_low"), rel = rel)
    expect_close(num(cf$conf_high), ref$conf_high, paste(label, "conf_high"), rel = rel)
  }
  # JSON has no Inf: kohort writes null where R has Inf (AIC with zero weights).
  for (k in c("deviance", "null_deviance", "aic", "dispersion"))
    expect_close(num(got[[k]]), ifelse(is.finite(ref[[k]]), ref[[k]], NA), paste(label, k), rel = rel)
  for (k in c("df_residual", "df_null", "iterations", "n"))
    expect_close(got[[k]], ref[[k]], paste(label, k), rel = 0)
  if (!is.null(terms)) {
    ok <- identical(as.character(cf$term), terms)
    if (!ok) {
      cat(sprintf("FAIL %s terms: %s\n   expected: %s\n", label, paste(cf$term, collapse = " | "),
                  paste(terms, collapse = " | ")))
      kohort_failures <<- kohort_failures + 1L
    } else cat(sprintf("ok   %s terms\n", label))
  }
}

same_as_one_rank <- function(label, got, one) {
  a <- got$coefficients; b <- one$coefficients
  for (k in c("estimate", "se", "p", "robust_se"))
    expect_close(a[[k]], b[[k]], paste(label, k, "vs np=1"), rel = 1e-10, abs_floor = 1e-300)
  for (k in c("deviance", "null_deviance", "aic", "dispersion"))
    expect_close(num(got[[k]]), num(one[[k]]), paste(label, k, "vs np=1"), rel = 1e-10)
}

# One data set: import once, run `models` at every rank count, compare each with `refs`.
check_dataset <- function(name, df, models, refs, terms = list()) {
  store <- kohort_import(df, name)
  first <- NULL
  for (np in ranks) {
    res <- kohort_run(store, models, np = np, job_name = name)
    for (m in names(models)) {
      got <- res$models[[m]]
      compare_model(sprintf("%s/%s np=%d", name, m, np), got, refs[[m]], terms[[m]])
      if (!is.null(first)) same_as_one_rank(sprintf("%s/%s np=%d", name, m, np), got, first$models[[m]])
    }
    if (is.null(first)) first <- res
  }
  csv <- file.path(kohort_tmp, sprintf("%s_np%d", name, 1L), paste0(names(models)[1], ".csv"))
  if (!file.exists(csv)) {
    cat(sprintf("FAIL %s: %s missing\n", name, csv)); kohort_failures <<- kohort_failures + 1L
  }
}

# ---- mtcars: gaussian, factor with a chosen reference, HC0; an aliased column; no intercept + weights
mt <- mtcars
mt$wt2 <- 2 * mt$wt + 1
mt$w <- mt$carb
mt$w[c(3, 7, 20)] <- 0
mt$cyl_ref6 <- relevel(factor(mt$cyl), ref = "6")
check_dataset("mtcars", mt[, c("mpg", "wt", "hp", "cyl", "am", "qsec", "wt2", "w")],
  list(gauss = c(kind = "glm", table = "mtcars", family = "gaussian",
                 formula = "mpg ~ wt + hp + factor(cyl, ref=6) + am", robust = "HC0"),
       aliased = c(kind = "glm", table = "mtcars", formula = "mpg ~ wt + wt2 + hp"),
       noint = c(kind = "glm", table = "mtcars", family = "gaussian", formula = "mpg ~ 0 + wt + qsec",
                 weights = "w", robust = "HC1")),
  list(gauss = r_reference(glm(mpg ~ wt + hp + cyl_ref6 + am, data = mt), robust = "HC0"),
       aliased = r_reference(glm(mpg ~ wt + wt2 + hp, data = mt)),
       noint = r_reference(glm(mpg ~ 0 + wt + qsec, data = mt, weights = w), robust = "HC1")),
  terms = list(gauss = c("(Intercept)", "wt", "hp", "cyl=4", "cyl=8", "am"),
               aliased = c("(Intercept)", "wt", "wt2", "hp")))

# ---- infert: binomial with factors; cluster-robust on the matched sets; probit; cloglog
inf <- infert
inf$education <- as.character(inf$education)
infR <- infert; infR$education <- byte_factor(infert$education)
check_dataset("infert", inf[, c("case", "age", "parity", "education", "spontaneous", "induced", "stratum",
                                "pooled.stratum")],
  list(logit = c(kind = "glm", table = "infert", family = "binomial",
                 formula = "case ~ age + parity + factor(education) + spontaneous + induced", cluster = "stratum"),
       probit = c(kind = "glm", table = "infert", family = "binomial", link = "probit",
                  formula = "case ~ age + spontaneous + induced", robust = "HC0"),
       cloglog = c(kind = "glm", table = "infert", family = "binomial", link = "cloglog",
                   formula = "case ~ age + spontaneous + induced + cluster(pooled.stratum)")),
  list(logit = r_reference(glm(case ~ age + parity + education + spontaneous + induced, binomial, infR),
                           cluster = infR$stratum),
       probit = r_reference(glm(case ~ age + spontaneous + induced, binomial(link = "probit"), infR), robust = "HC0"),
       cloglog = r_reference(glm(case ~ age + spontaneous + induced, binomial(link = "cloglog"), infR),
                             cluster = infR$pooled.stratum)),
  terms = list(logit = c("(Intercept)", "age", "parity", "education=12+ yrs", "education=6-11yrs",
                         "spontaneous", "induced")))

# ---- esoph: binomial proportions with weights = trials; ordered factors exported as plain labels
es <- data.frame(agegp = as.character(esoph$agegp), alcgp = as.character(esoph$alcgp),
                 tobgp = as.character(esoph$tobgp),
                 prop = signif(esoph$ncases / (esoph$ncases + esoph$ncontrols), 15),  # what the CSV carries
                 total = esoph$ncases + esoph$ncontrols)
esR <- es; for (v in c("agegp", "alcgp", "tobgp")) esR[[v]] <- byte_factor(es[[v]])
check_dataset("esoph", es,
  list(prop = c(kind = "glm", table = "esoph", family = "binomial", formula = "prop ~ agegp + alcgp + tobgp",
                weights = "total", robust = "HC0")),
  list(prop = r_reference(glm(prop ~ agegp + alcgp + tobgp, binomial, esR, weights = total), robust = "HC0")))

# ---- warpbreaks: Poisson with a factor interaction
wb <- data.frame(breaks = warpbreaks$breaks, wool = as.character(warpbreaks$wool),
                 tension = as.character(warpbreaks$tension))
wbR <- wb; wbR$wool <- byte_factor(wb$wool); wbR$tension <- byte_factor(wb$tension)
check_dataset("warpbreaks", wb,
  list(pois = c(kind = "glm", table = "warpbreaks", family = "poisson", formula = "breaks ~ wool * tension",
                robust = "HC0")),
  list(pois = r_reference(glm(breaks ~ wool * tension, poisson, wbR), robust = "HC0")),
  terms = list(pois = c("(Intercept)", "wool=B", "tension=L", "tension=M", "wool=B:tension=L",
                        "wool=B:tension=M")))

# ---- Poisson rate model with offset(log(pyrs)), clustered by region; and without intercept
set.seed(20240601)
n <- 400
rate <- data.frame(band = sample(c("40-49", "50-59", "60-69", "70+"), n, TRUE),
                   exposed = rbinom(n, 1, 0.4), pyrs = runif(n, 0.5, 30), region = sample(1:25, n, TRUE))
rate$events <- rpois(n, with(rate, pyrs * exp(-4 + 0.3 * as.integer(factor(band)) + 0.5 * exposed)))
rate$pyrs <- signif(rate$pyrs, 15)  # what the CSV carries
rateR <- rate; rateR$band <- byte_factor(rate$band)
check_dataset("rate", rate,
  list(rate = c(kind = "glm", table = "rate", family = "poisson",
                formula = "events ~ factor(band) + exposed + offset(log(pyrs))", cluster = "region"),
       noint = c(kind = "glm", table = "rate", family = "poisson",
                 formula = "events ~ factor(band) + exposed + offset(log(pyrs)) - 1", robust = "HC0")),
  list(rate = r_reference(glm(events ~ band + exposed + offset(log(pyrs)), poisson, rateR), cluster = rateR$region),
       noint = r_reference(glm(events ~ band + exposed + offset(log(pyrs)) - 1, poisson, rateR), robust = "HC0")))

# ---- bad input: exit 2 with a message that says what was found
expect_refusal <- function(label, df, model, pattern) {
  store <- kohort_import(df, paste0("bad_", label))
  ini <- file.path(kohort_tmp, paste0("bad_", label, ".ini"))
  out_dir <- file.path(kohort_tmp, paste0("bad_", label, "_out"))
  unlink(out_dir, recursive = TRUE)
  writeLines(c("[job]", paste0("name = bad_", label), paste0("store = ", normalizePath(store)),
               paste0("output = ", out_dir), "", "[model.m]", paste(names(model), "=", unname(model))), ini)
  out <- suppressWarnings(system2(kohort_bin, c("run", ini), stdout = TRUE, stderr = TRUE))
  status <- attr(out, "status"); if (is.null(status)) status <- 0L
  msg <- paste(out, collapse = "\n")
  if (status != 2L || !grepl(pattern, msg, fixed = TRUE) || dir.exists(out_dir)) {
    cat(sprintf("FAIL refusal %s: exit %d, output dir %s, message:\n%s\n", label, status,
                if (dir.exists(out_dir)) "created" else "absent", msg))
    kohort_failures <<- kohort_failures + 1L
  } else cat(sprintf("ok   refusal %s (exit 2: %s)\n", label, out[length(out)]))
}
bad <- data.frame(y = c(0, 1, 3, 2, 0, 1), x = c(1, 2, 3, 4, 5, 6), z = c(1, 0, 2, -1, 3, 1), e = NA_real_)
bad_neg <- bad; bad_neg$y[4] <- -1
expect_refusal("poisson_negative", bad_neg, c(kind = "glm", table = "bad_poisson_negative", family = "poisson",
                                              formula = "y ~ x"), "negative response")
expect_refusal("binomial_range", bad, c(kind = "glm", table = "bad_binomial_range", family = "binomial",
                                        formula = "y ~ x"), "outside [0, 1]")
expect_refusal("offset_log", bad, c(kind = "glm", table = "bad_offset_log", family = "poisson",
                                    formula = "y ~ x + offset(log(z))"), "offset(log(z))")
expect_refusal("all_missing", bad, c(kind = "glm", table = "bad_all_missing", family = "gaussian",
                                     formula = "y ~ x + e"), "'e'")
expect_refusal("too_many_parameters", bad[1:3, ], c(kind = "glm", table = "bad_too_many_parameters",
                                                   family = "gaussian", formula = "y ~ x + factor(z)"),
               "parameters but only")
expect_refusal("unknown_family", bad, c(kind = "glm", table = "bad_unknown_family", family = "gamma",
                                        formula = "y ~ x"), "family = 'gamma': expected gaussian, binomial or poisson")

kohort_finish()
