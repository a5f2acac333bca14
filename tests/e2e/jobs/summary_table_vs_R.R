# kind = summary and kind = table against R's own mean/sd/quantile/table on survival::lung,
# at 1, 2, 3 and 5 ranks (rank invariance to 1e-10).
source(file.path(Sys.getenv("KOHORT_SOURCE_DIR"), "tests/r/kohort_helpers.R"))
suppressPackageStartupMessages(library(survival))

d <- survival::lung
store <- kohort_import(d, "lung")
models <- list(s = c(kind = "summary", table = "lung", columns = "age, time, ph.ecog, meal.cal, wt.loss"),
               t = c(kind = "table", table = "lung", by = "sex, ph.ecog"))
first <- NULL
for (np in c(1L, 2L, 3L, 5L)) {
  res <- kohort_run(store, models, np = np, job_name = "summary_table")
  s <- res$models$s$columns
  for (col in c("age", "time", "ph.ecog", "meal.cal", "wt.loss")) {
    k <- s[s$column == col, ]
    x <- d[[col]]
    expect_close(k$n, sum(!is.na(x)), sprintf("np=%d %s n", np, col), rel = 0)
    expect_close(k$missing, sum(is.na(x)), sprintf("np=%d %s missing", np, col), rel = 0)
    expect_close(k$mean, mean(x, na.rm = TRUE), sprintf("np=%d %s mean", np, col), rel = 1e-12)
    expect_close(k$sd, sd(x, na.rm = TRUE), sprintf("np=%d %s sd", np, col), rel = 1e-12)
    q <- quantile(x, c(0, .25, .5, .75, 1), na.rm = TRUE, type = 7)
    expect_close(c(k$min, k$p25, k$median, k$p75, k$max), unname(q), sprintf("np=%d %s quantiles", np, col), rel = 1e-14)
  }
  cells <- res$models$t$cells
  tab <- as.data.frame(table(sex = d$sex, ph.ecog = d$ph.ecog), stringsAsFactors = FALSE)
  m <- merge(tab, cells, by = c("sex", "ph.ecog"), all = TRUE)
  expect_close(m$count, m$Freq, sprintf("np=%d table counts", np), rel = 0)
  expect_close(res$models$t$n_missing, sum(is.na(d$sex) | is.na(d$ph.ecog)), sprintf("np=%d table n_missing", np), rel = 0)
  flat <- unlist(res$models)
  flat <- flat[!grepl("seconds", names(flat))]
  if (is.null(first)) first <- flat else {
    num <- suppressWarnings(as.numeric(flat)); ref <- suppressWarnings(as.numeric(first))
    ok <- is.na(num) | abs(num - ref) <= 1e-10 * pmax(abs(ref), 1e-300)
    expect_close(sum(!ok), 0, sprintf("np=%d identical to np=1 (1e-10)", np), rel = 0)
  }
  expect_close(res$job$ranks, np, sprintf("np=%d ranks reported", np), rel = 0)
}
kohort_finish()
