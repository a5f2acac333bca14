#!/usr/bin/env bash
# Stops the localhost cluster that start.sh brought up and removes its state folder.
# munged is stopped too when start.sh started it (pass --keep-munge to leave it running).
# Safe to run when nothing is running.
set -uo pipefail

state="${KOHORT_SLURM_DIR:-/tmp/kohort-slurm}"
conf="$state/slurm.conf"
keep_munge=0
[[ "${1:-}" == "--keep-munge" ]] && keep_munge=1
export PATH="$PATH:/usr/sbin"

say() { echo "slurm-local: $*" >&2; }

stop_pidfile() {  # $1 = pid file, $2 = name
    [[ -f "$1" ]] || return 0
    local pid; pid="$(cat "$1")"
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
        say "stopped $2 ($pid)"
    fi
    rm -f "$1"
}

if [[ -f "$conf" ]]; then
    # Cancel what is still queued or running so job steps do not outlive slurmd.
    SLURM_CONF="$conf" scancel --quiet --full --partition=debug >/dev/null 2>&1 || true
fi
stop_pidfile "$state/slurmd.pid" slurmd
stop_pidfile "$state/slurmctld.pid" slurmctld

if (( keep_munge == 0 )) && [[ -f "$state/munged.started-by-kohort" ]]; then
    stop_pidfile /run/munge/munged.pid munged
fi

if [[ -L /etc/slurm/slurm.conf && "$(readlink /etc/slurm/slurm.conf)" == "$conf" ]]; then
    rm -f /etc/slurm/slurm.conf
fi
if (( keep_munge == 0 )); then
    rm -rf "$state"
else
    # Restart path: keep the munge marker and the lock, drop daemon state.
    rm -rf "$state/ctld" "$state/spool" "$state/log" "$state/slurm.conf" "$state/env"
fi
exit 0
