# Reference values for the km/cif gtest (km_kernel_test.cpp), computed by R's survival and
# cmprsk in the same test run. Usage: Rscript km_reference.R OUTDIR
# Writes one JSON file per case with the rows (time, status, curve index, weights), the curve
# layout and R's results. Infinite values are written as null (kohort reports them as null).
invisible(Sys.setlocale("LC_CTYPE", "C.UTF-8"))  # UTF-8 text whatever the caller's locale (LC_ALL=C, unset)
suppressPackageStartupMessages({library(survival); library(cmprsk); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
outdir <- args[1]
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
fin <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }

# curve index per row from survfit's strata labels ("all" without variables).
layout <- function(fit, cells, group, tstrat, labels = NULL) {
  if (is.null(labels)) labels <- if (is.null(fit$strata)) "all" else gsub("strata\\([^)]*\\)=", "", names(fit$strata))
  curve <- if (is.null(fit$strata)) rep(0L, length(cells)) else match(cells, labels) - 1L
  gl <- unique(group[order(curve)]); sl <- unique(tstrat[order(curve)])
  first <- match(seq_along(labels) - 1L, curve)
  list(labels = labels, curve = curve, group_labels = gl, stratum_labels = sl,
       group_of = match(group[first], gl) - 1L, stratum_of = match(tstrat[first], sl) - 1L)
}

km_curves <- function(fit) {
  labels <- if (is.null(fit$strata)) "all" else names(fit$strata)
  idx <- if (is.null(fit$strata)) rep(1L, length(fit$time)) else rep(seq_along(fit$strata), fit$strata)
  lapply(seq_along(labels), function(k) {
    i <- which(idx == k)
    list(stratum = gsub("strata\\([^)]*\\)=", "", labels[k]), time = fit$time[i], n_risk = fit$n.risk[i], n_event = fit$n.event[i],
         n_censor = fit$n.censor[i], survival = fin(fit$surv[i]), std_err = fin(fit$std.err[i]),
         conf_low = fin(fit$lower[i]), conf_high = fin(fit$upper[i]))
  })
}

write_case <- function(name, kind, rows, lay, expected, options = list()) {
  case <- list(name = name, kind = kind, options = options,
               time = rows$time, status = rows$status, curve = lay$curve, weight = rows$weight,
               start = if (is.null(rows$start)) numeric(0) else rows$start,
               labels = lay$labels, group_labels = lay$group_labels, group_of = lay$group_of,
               stratum_labels = lay$stratum_labels, stratum_of = lay$stratum_of, expected = expected)
  writeLines(toJSON(case, auto_unbox = TRUE, digits = NA, na = "null", null = "null"),
             file.path(outdir, paste0(name, ".json")))
}

km_case <- function(name, df, rhs_cells, group, tstrat, fit, sd = NULL, weight = rep(1, nrow(df)),
                    options = list(), start = NULL) {
  lay <- layout(fit, rhs_cells, group, tstrat)
  lr <- if (is.null(sd)) NULL else list(statistic = sd$chisq, df = length(sd$n) - 1L,
                                        p = pchisq(sd$chisq, length(sd$n) - 1L, lower.tail = FALSE))
  write_case(name, "km", list(time = df$time, status = df$status, weight = weight, start = start), lay,
             list(curves = km_curves(fit), logrank = lr), options)
}

lung2 <- within(na.omit(lung[, c("time", "status", "sex", "ph.ecog")]), status <- status - 1)
l1 <- within(lung, status <- status - 1)
km_case("lung_all", l1, rep("all", nrow(l1)), rep("all", nrow(l1)), rep("all", nrow(l1)),
        survfit(Surv(time, status) ~ 1, data = l1))
km_case("lung_sex", l1, paste0("sex=", l1$sex), paste0("sex=", l1$sex), rep("all", nrow(l1)),
        survfit(Surv(time, status) ~ sex, data = l1), survdiff(Surv(time, status) ~ sex, data = l1))
# Stratified log-rank: groups sex, strata ph.ecog; curves per sex x ph.ecog as survfit makes them.
km_case("lung_sex_by_ecog", lung2, paste0("sex=", lung2$sex, ", ph.ecog=", lung2$ph.ecog), paste0("sex=", lung2$sex),
        paste0("ph.ecog=", lung2$ph.ecog), survfit(Surv(time, status) ~ sex + strata(ph.ecog), data = lung2),
        survdiff(Surv(time, status) ~ sex + strata(ph.ecog), data = lung2))
v <- veteran
km_case("veteran_trt", v, paste0("trt=", v$trt), paste0("trt=", v$trt), rep("all", nrow(v)),
        survfit(Surv(time, status) ~ trt, data = v), survdiff(Surv(time, status) ~ trt, data = v))
km_case("veteran_celltype_loglog", v, paste0("celltype=", v$celltype), paste0("celltype=", v$celltype), rep("all", nrow(v)),
        survfit(Surv(time, status) ~ celltype, data = v, conf.type = "log-log"),
        survdiff(Surv(time, status) ~ celltype, data = v), options = list(conf_type = "log-log"))
a <- aml
km_case("aml_x_plain", a, paste0("x=", a$x), paste0("x=", a$x), rep("all", nrow(a)),
        survfit(Surv(time, status) ~ x, data = a, conf.type = "plain"), survdiff(Surv(time, status) ~ x, data = a),
        options = list(conf_type = "plain"))
wi <- 1 + (seq_len(nrow(l1)) %% 3)
km_case("lung_int_weights", l1, paste0("sex=", l1$sex), paste0("sex=", l1$sex), rep("all", nrow(l1)),
        survfit(Surv(time, status) ~ sex, data = l1, weights = wi), weight = wi)
set.seed(20240611); wf <- round(runif(nrow(l1), 0.3, 2.5), 3)
km_case("lung_frac_weights", l1, paste0("sex=", l1$sex), paste0("sex=", l1$sex), rep("all", nrow(l1)),
        survfit(Surv(time, status) ~ sex, data = l1, weights = wf), weight = wf)
h <- heart
hf <- survfit(Surv(start, stop, event) ~ transplant, data = h)
km_case("heart_counting", data.frame(time = h$stop, status = h$event), paste0("transplant=", h$transplant),
        paste0("transplant=", h$transplant), rep("all", nrow(h)), hf, start = h$start)

# Competing risks on mgus2, with R's own derivation of the event time and type.
m <- mgus2
m$etime <- with(m, ifelse(pstat == 0, futime, ptime))
m$event <- with(m, ifelse(pstat == 0, 2 * death, 1))
cif_case <- function(name, cells, group, tstrat, fit, gray, weight = rep(1, nrow(m)), labels = NULL) {
  lay <- layout(fit, cells, group, tstrat, labels)
  labels <- lay$labels
  idx <- if (is.null(fit$strata)) rep(1L, length(fit$time)) else rep(seq_along(fit$strata), fit$strata)
  curves <- list()
  for (k in seq_along(labels)) for (cause in 1:2) {
    i <- which(idx == k)
    curves[[length(curves) + 1]] <- list(stratum = labels[k], cause = cause, time = fit$time[i],
      estimate = fit$pstate[i, cause + 1], std_err = fit$std.err[i, cause + 1],
      conf_low = fin(fit$lower[i, cause + 1]), conf_high = fin(fit$upper[i, cause + 1]))
  }
  g <- if (is.null(gray)) NULL else lapply(1:2, function(cause)
    list(cause = cause, statistic = gray$Tests[cause, "stat"], df = gray$Tests[cause, "df"], p = gray$Tests[cause, "pv"]))
  write_case(name, "cif", list(time = m$etime, status = m$event, weight = weight), lay, list(curves = curves, gray = g))
}
cif_case("mgus2_sex", paste0("sex=", m$sex), paste0("sex=", m$sex), rep("all", nrow(m)),
         survfit(Surv(etime, factor(event)) ~ sex, data = m), cuminc(m$etime, m$event, m$sex))
m$old <- ifelse(m$age > 70, "yes", "no")
cif_case("mgus2_sex_by_old", paste0("sex=", m$sex, ", old=", m$old), paste0("sex=", m$sex), paste0("old=", m$old),
         survfit(Surv(etime, factor(event)) ~ sex + strata(old), data = m), cuminc(m$etime, m$event, m$sex, strata = m$old),
         labels = c("sex=F, old=no", "sex=F, old=yes", "sex=M, old=no", "sex=M, old=yes"))
set.seed(7); wm <- round(runif(nrow(m), 0.5, 2), 3)
cif_case("mgus2_weighted", rep("all", nrow(m)), rep("all", nrow(m)), rep("all", nrow(m)),
         survfit(Surv(etime, factor(event)) ~ 1, data = m, weights = wm), NULL, weight = wm)
cat("wrote reference cases to", outdir, "\n")
