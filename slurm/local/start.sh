#!/usr/bin/env bash
# Brings up a one-node Slurm cluster on localhost: munged, slurmctld and slurmd, with the
# configuration rendered from slurm/local/slurm.conf.in. Needs root and the Debian packages
# `slurm-wlm` and `munge`. Idempotent: running it while the cluster is up only checks the node.
#
#   slurm/local/start.sh            # then: export SLURM_CONF=/tmp/kohort-slurm/slurm.conf
#   KOHORT_SLURM_DIR=/scratch/s slurm/local/start.sh
#
# Writes $KOHORT_SLURM_DIR/env (SLURM_CONF=...) for scripts to source. Stop with stop.sh.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="${KOHORT_SLURM_DIR:-/tmp/kohort-slurm}"
conf="$state/slurm.conf"
wait_s="${KOHORT_SLURM_START_TIMEOUT:-90}"

say() { echo "slurm-local: $*" >&2; }
die() { say "error: $*"; exit 2; }

[[ $(id -u) -eq 0 ]] || die "must run as root (it starts munged as user munge and slurmd as root)"
for tool in munged munge unmunge slurmctld slurmd sbatch scontrol sinfo srun; do
    command -v "$tool" >/dev/null 2>&1 || [[ -x /usr/sbin/$tool ]] ||
        die "'$tool' not found; install the Debian packages: apt-get install -y slurm-wlm munge"
done
export PATH="$PATH:/usr/sbin"

mkdir -p "$state/ctld" "$state/spool" "$state/log"
chmod 755 "$state"
# Several test processes may start the cluster at once; one does the work, the others wait.
exec 9>"$state/.lock"
flock -w "$wait_s" 9 || die "another start.sh holds $state/.lock"

# --- munge -----------------------------------------------------------------------------
munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
if ! munge_ok; then
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /etc/munge /var/log/munge
    install -d -o munge -g munge -m 0711 /var/lib/munge
    if [[ ! -s /etc/munge/munge.key ]]; then
        if command -v mungekey >/dev/null 2>&1 || [[ -x /usr/sbin/mungekey ]]; then
            runuser -u munge -- mungekey --create --keyfile=/etc/munge/munge.key
        else
            dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
        fi
        chown munge:munge /etc/munge/munge.key
        chmod 0400 /etc/munge/munge.key
    fi
    # A stale socket or pid file from a killed munged makes the new one refuse to start.
    rm -f /run/munge/munged.pid
    runuser -u munge -- munged --force 9>&-
    touch "$state/munged.started-by-kohort"
    for _ in $(seq 1 50); do munge_ok && break; sleep 0.2; done
    munge_ok || die "munged did not start; see /var/log/munge/munged.log"
    say "munged started"
fi

# --- configuration ---------------------------------------------------------------------
hw="$(slurmd -C 2>/dev/null | head -1)"
field() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$hw"; }
cpus="$(field CPUs)"; cpus="${cpus:-$(nproc)}"
# At least 2 CPUs so the tests' 2-rank jobs fit on a 1-core runner (config_overrides allows it).
(( cpus < 2 )) && cpus=2
mem="$(field RealMemory)"; mem="${mem:-2048}"
# Leave headroom for the daemons so a job asking for "all" memory is still schedulable.
(( mem > 1024 )) && mem=$(( mem - 512 ))
def_mem=$(( mem / cpus )); (( def_mem > 2048 )) && def_mem=2048
slurm_user=root

render() {  # $1 = MpiDefault
    sed -e "s|@STATE_DIR@|$state|g" -e "s|@CPUS@|$cpus|g" -e "s|@REAL_MEMORY@|$mem|g" \
        -e "s|@DEF_MEM_PER_CPU@|$def_mem|g" -e "s|@MPI_DEFAULT@|$1|g" \
        -e "s|@SLURM_USER@|$slurm_user|g" -e "s|@CTLD_PORT@|${KOHORT_SLURMCTLD_PORT:-6817}|g" \
        -e "s|@SLURMD_PORT@|${KOHORT_SLURMD_PORT:-6818}|g" "$here/slurm.conf.in"
}
# Use PMIx as the default MPI plugin when this Slurm build has it (Debian's does: mpi_pmix_v4).
render none >"$state/slurm.conf.probe"
mpi_default=none
if SLURM_CONF="$state/slurm.conf.probe" srun --mpi=list 2>&1 | grep -qw pmix; then
    mpi_default=pmix
fi
rm -f "$state/slurm.conf.probe"
new_conf="$(render "$mpi_default")"
conf_changed=0
if [[ ! -f "$conf" ]] || [[ "$(cat "$conf")" != "$new_conf" ]]; then
    printf '%s\n' "$new_conf" >"$conf"
    conf_changed=1
fi
echo "SLURM_CONF=$conf" >"$state/env"
export SLURM_CONF="$conf"

# --- daemons ---------------------------------------------------------------------------
alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
if alive "$state/slurmctld.pid" && alive "$state/slurmd.pid" && (( conf_changed == 0 )); then
    say "already running"
else
    if alive "$state/slurmctld.pid" || alive "$state/slurmd.pid"; then
        say "configuration changed or a daemon died; restarting"
        "$here/stop.sh" --keep-munge
        mkdir -p "$state/ctld" "$state/spool" "$state/log"
        printf '%s\n' "$new_conf" >"$conf"
        echo "SLURM_CONF=$conf" >"$state/env"
    fi
    alive "$state/slurmctld.pid" || slurmctld -f "$conf" -i 9>&-
    alive "$state/slurmd.pid" || slurmd -f "$conf" -N localhost 9>&-
fi

# Make plain `sinfo`/`sbatch` work without SLURM_CONF when the machine has no Slurm config of
# its own. An existing site configuration is never touched.
if [[ ! -e /etc/slurm/slurm.conf || -L /etc/slurm/slurm.conf ]]; then
    if [[ ! -e /etc/slurm/slurm.conf || "$(readlink /etc/slurm/slurm.conf)" == "$conf" ]]; then
        mkdir -p /etc/slurm
        ln -sfn "$conf" /etc/slurm/slurm.conf
    fi
fi

# --- wait for the node ---------------------------------------------------------------
deadline=$(( SECONDS + wait_s ))
while :; do
    st="$(sinfo -h -n localhost -o %T 2>/dev/null | head -1 || true)"
    case "$st" in
        idle*|mixed*|allocated*|completing*) break ;;
        down*|drain*|fail*) scontrol update nodename=localhost state=resume >/dev/null 2>&1 || true ;;
    esac
    if (( SECONDS > deadline )); then
        say "node state '${st:-unknown}' after ${wait_s}s; logs in $state/log"
        tail -n 20 "$state/log/slurmctld.log" "$state/log/slurmd.log" >&2 || true
        exit 1
    fi
    sleep 1
done
say "up: node localhost CPUs=$cpus RealMemory=${mem}M MpiDefault=$mpi_default, partition debug"
say "export SLURM_CONF=$conf"
