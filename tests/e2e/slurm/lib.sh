# Shared helpers for the Slurm end-to-end tests (sourced, not run).
# Environment from kohort_script_test: KOHORT, KOHORT_SOURCE_DIR, KOHORT_TEST_TMP, KOHORT_MPIEXEC.
set -euo pipefail

: "${KOHORT:?KOHORT must point to the kohort binary}"
: "${KOHORT_SOURCE_DIR:?}"
: "${KOHORT_TEST_TMP:?}"

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "--- $*" >&2; }

fresh_tmp() {
    rm -rf "$KOHORT_TEST_TMP"
    mkdir -p "$KOHORT_TEST_TMP"
    cd "$KOHORT_TEST_TMP"
}

# Starts the localhost cluster unless it is up, and exports SLURM_CONF.
ensure_cluster() {
    local state="${KOHORT_SLURM_DIR:-/tmp/kohort-slurm}"
    "$KOHORT_SOURCE_DIR/slurm/local/start.sh" >&2 || fail "slurm/local/start.sh could not start the cluster"
    # shellcheck disable=SC1091
    set -a; . "$state/env"; set +a
}

# Prints JobState of a job ("" while slurmctld does not know it).
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1; }
job_exit_code() { scontrol show job "$1" 2>/dev/null | sed -n 's/.* ExitCode=\([0-9:]*\).*/\1/p' | head -1; }

# Waits until a job reaches a final state (never longer than $2 seconds) and prints it.
wait_job() {
    local id="$1" limit="${2:-300}" start=$SECONDS st=""
    while :; do
        st="$(job_state "$id")"
        case "$st" in
            COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE)
                echo "$st"; return 0 ;;
        esac
        if (( SECONDS - start > limit )); then
            scancel "$id" 2>/dev/null || true
            scontrol show job "$id" >&2 || true
            fail "job $id still '$st' after ${limit}s"
        fi
        sleep 1
    done
}

# Waits until a job is RUNNING (at most $2 seconds).
wait_running() {
    local id="$1" limit="${2:-120}" start=$SECONDS st=""
    while :; do
        st="$(job_state "$id")"
        [[ "$st" == RUNNING ]] && return 0
        [[ "$st" == PENDING || -z "$st" || "$st" == CONFIGURING ]] || fail "job $id is '$st', expected it to run"
        (( SECONDS - start > limit )) && { scancel "$id" 2>/dev/null || true; fail "job $id not running after ${limit}s"; }
        sleep 0.5
    done
}

# Prints results.json without what legitimately differs between runs of one job: the run's
# layout and resource use (job.ranks, threads_per_rank, wall_seconds, peak_rss_*) and timings
# (any "seconds", "*_seconds" or "*_per_second" field). Numbers are rounded to 10 significant digits, since a
# sum over ranks may be added in another order.
normalised_results() {
    Rscript -e '
        suppressMessages(library(jsonlite))
        r <- fromJSON(commandArgs(TRUE)[1], simplifyVector = FALSE)
        r$job <- list(name = r$job$name)
        r$io <- NULL  # bytes each rank read: depends on the rank count by design
        clean <- function(x) {
            if (!is.list(x)) return(if (is.numeric(x)) signif(x, 10) else x)
            if (!is.null(names(x))) {
                drop <- names(x) == "seconds" | grepl("_seconds$", names(x)) | grepl("_per_second$", names(x)) |
                        grepl("^peak_rss", names(x))
                x <- x[!drop]
            }
            lapply(x, clean)
        }
        cat(toJSON(clean(r), auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), "\n")
    ' "$1"
}
