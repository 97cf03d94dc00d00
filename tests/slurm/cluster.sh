#!/usr/bin/env bash
# A throw-away single-node SLURM cluster for the integration test (tests/e2e/test_slurm.py).
#
#   tests/slurm/cluster.sh start DIR   install the Debian packages if missing, start munged (if no
#                                      munged answers), slurmctld and slurmd with DIR/slurm.conf,
#                                      wait until the node is idle; PIDs started go to DIR/pids
#   tests/slurm/cluster.sh stop DIR    stop exactly the processes listed in DIR/pids, and the
#                                      slurmstepd processes of this cluster's jobs
#   tests/slurm/cluster.sh status DIR  sinfo/squeue of the cluster
#
# SLURM's config, state, spool and logs live under DIR. Outside it: munge's own places (key
# /etc/munge/munge.key, created if missing; /run/munge, /var/lib/munge, /var/log/munge), and the
# link /run/slurm/conf that slurmd makes to its copy of the config (removed again by stop). Client
# commands find the cluster through `SLURM_CONF=DIR/slurm.conf` (written to DIR/env for sourcing).
#
# Exit status of start: 0 up; 77 cannot be started here (not root, packages not installable,
# ports 6817/6818 taken), the reason on the last line "SKIP: ..."; 1 daemons did not come up
# (log tails printed). Needs: Debian/Ubuntu, root. Facts: ../shared/reference/local_slurm.md.
set -uo pipefail

PACKAGES=(slurmctld slurmd slurm-client munge)
CTLD_PORT=6817
SLURMD_PORT=6818
NODE=localhost
PARTITION=debug

log() { printf '[slurm-cluster] %s\n' "$*"; }
skip() { printf '[slurm-cluster] SKIP: %s\n' "$*"; exit 77; }
die() { log "ERROR: $*"; exit 1; }

usage() { echo "usage: $0 start|stop|status DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
ACTION=$1
DIR=$2

port_in_use() {
    if command -v ss >/dev/null 2>&1; then
        ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

have_packages() {
    command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
        && command -v sinfo >/dev/null && command -v munged >/dev/null && command -v unmunge >/dev/null
}

install_packages() {
    have_packages && return 0
    command -v apt-get >/dev/null || skip "SLURM is not installed and there is no apt-get to install it"
    log "installing ${PACKAGES[*]} with apt-get"
    local opts=(-y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    if ! DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "${PACKAGES[@]}" >"$DIR/apt.log" 2>&1; then
        log "apt-get install failed; running apt-get update and trying again"
        DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$DIR/apt.log" 2>&1
        if ! DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "${PACKAGES[@]}" >>"$DIR/apt.log" 2>&1; then
            tail -n 5 "$DIR/apt.log" | sed 's/^/    /'
            skip "apt-get could not install ${PACKAGES[*]} (see $DIR/apt.log)"
        fi
    fi
    have_packages || skip "packages installed but slurmctld/slurmd/sinfo/munged not found on PATH"
}

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
    if munge_ok; then
        log "munged already answers; using it (not started here, will not be stopped)"
        return 0
    fi
    if [[ ! -s /etc/munge/munge.key ]]; then
        log "creating /etc/munge/munge.key"
        install -d -o munge -g munge -m 0700 /etc/munge
        if command -v mungekey >/dev/null; then
            mungekey --create --keyfile=/etc/munge/munge.key --force >/dev/null 2>&1
        fi
        [[ -s /etc/munge/munge.key ]] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
    rm -f /run/munge/munged.pid
    # munged daemonizes; its pid file says which process it is.
    if ! runuser -u munge -- /usr/sbin/munged --force >"$DIR/log/munged.out" 2>&1; then
        cat "$DIR/log/munged.out" >&2
        die "munged did not start"
    fi
    for _ in $(seq 50); do
        [[ -s /run/munge/munged.pid ]] && munge_ok && break
        sleep 0.1
    done
    [[ -s /run/munge/munged.pid ]] && echo "munged $(cat /run/munge/munged.pid)" >>"$DIR/pids"
    munge_ok || fail_with_logs "munged started but 'munge -n | unmunge' fails"
    log "munged started (pid $(pid_of munged))"
}

write_conf() {
    local cpus mem
    # At least 8 schedulable CPUs even on a 2-core machine (config_overrides: slurmd accepts the
    # difference), so that a group job asking for the threads of parallel rules can start; the jobs
    # here mostly wait, the kernel shares the real cores.
    cpus=$(nproc)
    cpus=$((cpus < 8 ? 8 : cpus))
    mem=$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -n 1)
    [[ -n $mem ]] || mem=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)
    mem=$((mem > 1024 ? mem - 512 : mem))
    cat >"$DIR/slurm.conf" <<EOF
# Written by tests/slurm/cluster.sh: a single-node cluster without cgroups or accounting.
ClusterName=her2ci
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/linux
JobCompType=jobcomp/none
ReturnToService=2
SlurmdParameters=config_overrides
# slurmd fetches this file from slurmctld (configless) and links it at /run/slurm/conf, where client
# commands inside jobs find it: the snakemake jobstep plugin drops SLURM_CONF before calling srun.
SlurmctldParameters=enable_configless
# The snakemake slurm plugin polls with squeue only while MinJobAge >= 3 x its initial interval.
MinJobAge=600
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
    printf 'export SLURM_CONF=%q\n' "$DIR/slurm.conf" >"$DIR/env"
    log "wrote $DIR/slurm.conf (CPUs=$cpus RealMemory=$mem, partition $PARTITION)"
}

start_daemon() {  # name, command...: foreground daemon in the background, output to DIR/log
    local name=$1
    shift
    "$@" </dev/null >"$DIR/log/$name.out" 2>&1 &
    echo "$name $!" >>"$DIR/pids"
    log "$name started (pid $!)"
}

alive() { kill -0 "$1" 2>/dev/null; }

pid_of() { awk -v n="$1" '$1 == n {print $2}' "$DIR/pids" 2>/dev/null | tail -n 1; }

fail_with_logs() {
    local f
    for f in "$DIR"/log/*; do
        [[ -s $f ]] || continue
        echo "---- $f (last lines)" >&2
        tail -n 15 "$f" >&2
    done
    do_stop
    die "$*"
}

do_start() {
    [[ $(id -u) -eq 0 ]] || skip "not root (uid $(id -u)): cannot install or start SLURM daemons"
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd)
    if [[ -s $DIR/pids ]]; then
        log "$DIR/pids exists: stopping what it lists first"
        do_stop
    fi
    for port in $CTLD_PORT $SLURMD_PORT; do
        port_in_use "$port" && skip "port $port is already in use (another SLURM? stop it or run: $0 stop DIR of that cluster)"
    done
    local t0=$SECONDS
    install_packages
    mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/run"
    : >"$DIR/pids"
    start_munge
    write_conf
    export SLURM_CONF=$DIR/slurm.conf
    start_daemon slurmctld slurmctld -D -i -f "$SLURM_CONF"
    for _ in $(seq 100); do  # slurmd fetches its configuration from slurmctld: wait for it
        alive "$(pid_of slurmctld)" || fail_with_logs "slurmctld exited"
        scontrol ping 2>/dev/null | grep -q 'is UP' && break
        sleep 0.2
    done
    start_daemon slurmd env -u SLURM_CONF slurmd -D -N "$NODE" --conf-server "$NODE:$CTLD_PORT"
    local state=""
    for _ in $(seq 120); do
        alive "$(pid_of slurmctld)" || fail_with_logs "slurmctld exited"
        alive "$(pid_of slurmd)" || fail_with_logs "slurmd exited"
        state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null | head -n 1)
        [[ $state == idle ]] && break
        sleep 0.5
    done
    [[ $state == idle ]] || fail_with_logs "node $NODE not idle after 60 s (state '${state:-none}')"
    log "cluster up in $((SECONDS - t0)) s: node $NODE idle, partition $PARTITION; SLURM_CONF=$SLURM_CONF"
}

stepd_pids() {  # slurmstepd processes of this cluster (they hold DIR/log/slurmd.log open)
    local p f
    for p in $(pgrep -x slurmstepd 2>/dev/null); do
        for f in /proc/"$p"/fd/*; do
            if [[ $(readlink "$f" 2>/dev/null) == "$DIR/log/slurmd.log" ]]; then
                echo "$p"
                break
            fi
        done
    done
}

job_pids() {  # processes of this cluster's jobs: SLURM_JOB_ID set and SLURM_CONF=DIR/slurm.conf
    local p env ancestors=" " a=$$
    while [[ -n $a && $a != 0 ]]; do  # never this script or the processes that called it
        ancestors+="$a "
        a=$(awk '{print $4}' "/proc/$a/stat" 2>/dev/null)
    done
    for p in $(pgrep -d ' ' -v -x slurmstepd 2>/dev/null); do
        [[ $ancestors == *" $p "* ]] && continue
        env=$(tr '\0' '\n' 2>/dev/null <"/proc/$p/environ") || continue
        grep -qxF "SLURM_CONF=$DIR/slurm.conf" <<<"$env" && grep -q '^SLURM_JOB_ID=' <<<"$env" && echo "$p"
    done
}

stop_pid() {  # name pid: TERM, wait up to 10 s, KILL; only if the pid still runs that program
    local name=$1 pid=$2 comm
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 0
    [[ $comm == "$name"* ]] || { log "pid $pid is now '$comm', not $name: left alone"; return 0; }
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do
        alive "$pid" || { log "stopped $name (pid $pid)"; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    log "killed $name (pid $pid)"
}

do_stop() {
    [[ -d $DIR ]] || return 0
    DIR=$(cd "$DIR" && pwd)
    [[ -s $DIR/pids ]] || { log "nothing to stop in $DIR"; return 0; }
    if [[ -f $DIR/slurm.conf ]] && alive "$(pid_of slurmctld)"; then
        SLURM_CONF=$DIR/slurm.conf scancel --quiet --full -u root 2>/dev/null || true
    fi
    local name pid
    for name in slurmd slurmctld; do
        pid=$(pid_of "$name")
        [[ -n $pid ]] && stop_pid "$name" "$pid"
    done
    for pid in $(stepd_pids); do
        stop_pid slurmstepd "$pid"
    done
    for pid in $(job_pids); do
        log "killing leftover job process $pid ($(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | cut -c1-80))"
        kill -KILL "$pid" 2>/dev/null
    done
    pid=$(pid_of munged)
    [[ -n $pid ]] && stop_pid munged "$pid"
    # slurmd's link to its configuration cache (configless mode), if it is still ours
    if [[ -L /run/slurm/conf && $(readlink /run/slurm/conf) == "$DIR"/* ]]; then
        rm -f /run/slurm/conf
    fi
    mv "$DIR/pids" "$DIR/pids.stopped"
}

case $ACTION in
    start) do_start ;;
    stop) do_stop ;;
    status)
        export SLURM_CONF=$DIR/slurm.conf
        sinfo
        squeue
        ;;
    *) usage ;;
esac
