#!/usr/bin/env bash
# CTest fixture for the tests that need the local Slurm cluster (issue 13): `up` starts it with
# slurm/local/start.sh and notes whether it was already running; `down` stops it with
# slurm/local/stop.sh only when `up` started it, so a cluster (or munged) found running is left
# alone, and one the suite started does not outlive it.
# Environment: KOHORT_SOURCE_DIR, KOHORT_SLURM_FIXTURE_NOTE (where `up` writes its note).
set -uo pipefail
: "${KOHORT_SOURCE_DIR:?}" "${KOHORT_SLURM_FIXTURE_NOTE:?}"
state="${KOHORT_SLURM_DIR:-/tmp/kohort-slurm}"
alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

case "${1:-}" in
up)
    mkdir -p "$(dirname "$KOHORT_SLURM_FIXTURE_NOTE")"
    if alive "$state/slurmctld.pid" && alive "$state/slurmd.pid"; then
        echo found >"$KOHORT_SLURM_FIXTURE_NOTE"
        echo "slurm fixture: the local cluster was already running; the suite will leave it running"
    else
        # Noted before starting, so a start that fails half-way is still cleaned up.
        echo started >"$KOHORT_SLURM_FIXTURE_NOTE"
    fi
    "$KOHORT_SOURCE_DIR/slurm/local/start.sh" || { echo "FAIL: slurm/local/start.sh"; exit 1; }
    ;;
down)
    note="$(cat "$KOHORT_SLURM_FIXTURE_NOTE" 2>/dev/null || echo none)"
    rm -f "$KOHORT_SLURM_FIXTURE_NOTE"
    if [[ "$note" == started ]]; then
        "$KOHORT_SOURCE_DIR/slurm/local/stop.sh"
        echo "slurm fixture: stopped the local cluster the suite started"
    else
        echo "slurm fixture: left the cluster as found ($note)"
    fi
    ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
