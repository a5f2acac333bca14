# Shared helpers for the R conformance tests: export an R data frame, run it through the real
# kohort CLI (import, then run at a chosen number of MPI ranks) and compare with R's own fit.
# Used as: source(file.path(Sys.getenv("KOHORT_SOURCE_DIR"), "tests/r/kohort_helpers.R"))
suppressPackageStartupMessages(library(jsonlite))

# Read and write UTF-8 whatever the caller's locale: under LC_ALL=C or an unset locale R would
# take 'Sjælland' in a script or CSV as bytes that match no level (issue 13). C.UTF-8 is built
# into glibc >= 2.35; en_US.UTF-8 is the fallback elsewhere.
if (!isTRUE(l10n_info()$`UTF-8`) && !nzchar(suppressWarnings(Sys.setlocale("LC_CTYPE", "C.UTF-8"))))
  invisible(suppressWarnings(Sys.setlocale("LC_CTYPE", "en_US.UTF-8")))

kohort_bin <- Sys.getenv("KOHORT", "kohort")
kohort_tmp <- Sys.getenv("KOHORT_TEST_TMP", tempfile("kohort-r-"))
dir.create(kohort_tmp, recursive = TRUE, showWarnings = FALSE)
kohort_failures <- 0L

kohort_sh <- function(args, expect_status = 0L) {
  out <- suppressWarnings(system2(kohort_bin, args, stdout = TRUE, stderr = TRUE))
  status <- attr(out, "status"); if (is.null(status)) status <- 0L
  if (!identical(as.integer(status), as.integer(expect_status)))
    stop(sprintf("kohort %s exited %d (expected %d):\n%s", paste(args, collapse = " "),
                 status, expect_status, paste(out, collapse = "\n")))
  invisible(out)
}

# Writes df to CSV and imports it as `table` into a fresh store; returns the store path.
kohort_import <- function(df, table, store = file.path(kohort_tmp, paste0(table, ".h5"))) {
  csv <- file.path(kohort_tmp, paste0(table, ".csv"))
  write.csv(df, csv, row.names = FALSE, na = "NA", fileEncoding = "UTF-8")
  unlink(store)
  kohort_sh(c("import", "--csv", csv, "--table", table, "--store", store))
  store
}

# Runs a job with the given [model.NAME] sections (a named list of named character vectors)
# on `np` ranks; returns the parsed results.json.
kohort_run <- function(store, models, np = 1L, job_name = "conformance") {
  dir <- file.path(kohort_tmp, sprintf("%s_np%d", job_name, np))
  unlink(dir, recursive = TRUE)
  ini <- file.path(kohort_tmp, sprintf("%s_np%d.ini", job_name, np))
  lines <- c("[job]", paste0("name = ", job_name), paste0("store = ", normalizePath(store)),
             paste0("output = ", dir), "")
  for (m in names(models)) {
    lines <- c(lines, sprintf("[model.%s]", m))
    kv <- models[[m]]
    lines <- c(lines, paste(names(kv), "=", unname(kv)), "")
  }
  writeLines(lines, ini)
  if (np == 1L) {
    kohort_sh(c("run", ini))
  } else {
    mpiexec <- Sys.getenv("KOHORT_MPIEXEC", "mpirun")
    flags <- strsplit(Sys.getenv("KOHORT_MPIEXEC_FLAGS", "--oversubscribe --allow-run-as-root"), " ")[[1]]
    out <- suppressWarnings(system2(mpiexec, c(flags, "-np", np, kohort_bin, "run", ini),
                                    stdout = TRUE, stderr = TRUE))
    st <- attr(out, "status")
    if (!is.null(st) && st != 0) stop(sprintf("mpirun -np %d kohort run failed:\n%s", np, paste(out, collapse = "\n")))
  }
  fromJSON(file.path(dir, "results.json"), simplifyVector = TRUE)
}

# Relative comparison with an absolute floor for values near zero. Records failures, never stops,
# so one run reports every mismatch.
expect_close <- function(actual, expected, what, rel = 1e-6, abs_floor = 1e-10) {
  actual <- as.numeric(unlist(actual)); expected <- as.numeric(unlist(expected))
  if (length(actual) != length(expected)) {
    cat(sprintf("FAIL %s: length %d, expected %d\n", what, length(actual), length(expected)))
    kohort_failures <<- kohort_failures + 1L
    return(invisible(FALSE))
  }
  bad <- !((is.na(actual) & is.na(expected)) |
           (!is.na(actual) & !is.na(expected) &
            abs(actual - expected) <= pmax(rel * abs(expected), abs_floor)))
  if (any(bad)) {
    i <- which(bad)[1]
    cat(sprintf("FAIL %s: element %d is %.12g, R gives %.12g (%d of %d differ)\n",
                what, i, actual[i], expected[i], sum(bad), length(bad)))
    kohort_failures <<- kohort_failures + 1L
    return(invisible(FALSE))
  }
  cat(sprintf("ok   %s (%d values)\n", what, length(actual)))
  invisible(TRUE)
}

# Call at the end of every conformance script.
kohort_finish <- function() {
  if (kohort_failures > 0L) {
    cat(sprintf("%d comparison(s) failed\n", kohort_failures))
    quit(status = 1L)
  }
  cat("all comparisons passed\n")
  quit(status = 0L)
}
