#!/bin/bash
# Memory per container and latencies with many containers running: skiff against podman
# (Debian's, with runc), in one run on this machine. benches/compare.sh runs it at its end.
#
#   sudo benches/scale.sh [--quick] [--runs N] [--skiff PATH] [--no-podman] [--levels "1 50 200"]
#
# Run as root; the engines run as the unprivileged test user (`skifftest`, made by
# tests/env/setup.sh) with fresh stores under /var/tmp/skiff-bench/, as in compare.sh.
#
# What it reports (RESULT lines as compare.sh's, then a table):
# - pss_per_container_kb: with --idle N (50) idle `run -d IMG sleep` containers on the default
#   network, the sum of the PSS (/proc/PID/smaps_rollup) of every process the engine started
#   for them, divided by N. Those processes are the bench's processes (XDG_RUNTIME_DIR in their
#   environment) that appeared while the containers started and are not in a container's PID
#   namespace (skiff: its monitors; podman: conmon and pasta or slirp4netns; fuse-overlayfs or
#   skiff's FUSE server where the storage uses one), plus the engine's shared processes whole
#   (skiff: the network namespace holder, its one slirp4netns and the pause process; podman:
#   its pause process); their names and counts are printed ("(shared)" for the latter).
# - monitor_rss_kb: VmRSS of one lone idle container's monitor (skiff's, conmon).
# - scale_VERB_L: at L running containers (`run -d --network none IMG sleep`), the median
#   latency of `run -d` (a probe container), `ps`, `inspect` (the first container),
#   `exec CTR true` and `stop -t 0` (the probe), and memory_per_container_kb_L as above.
#   The file system is synced once the L are running, before the probes (steady state: what
#   starting them wrote is on disk; the MB that were dirty are printed).
#
# --quick: one run of each, levels "1 3", 3 idle containers, no podman install.
set -euo pipefail

RUNS=5
QUICK=0
SKIFF_BIN=""
USE_PODMAN=auto
LEVELS="1 50 200"
IDLE=50
USER_NAME=${SKIFF_BENCH_USER:-skifftest}
IMAGE=localhost:5000/busybox

if [ "${1:-}" = "__user" ]; then
    # The user's side: $2 is the work directory, then a command.
    WORK=$2
    shift 2
    # shellcheck disable=SC1091
    . "$WORK/env.sh"
    sk() { "$WORK/bin/skiff" "$@"; }
    pm() { podman --root "$WORK/podman/root" --runroot "$WORK/podman/runroot" "$@"; }
    eng() { if [ "$1" = skiff ]; then shift; sk "$@"; else shift; pm "$@"; fi; }
    # One timed command in microseconds (FAIL if it fails).
    sample() {
        local t0 t1
        t0=$EPOCHREALTIME
        if "$@" >/dev/null 2>>"$WORK/errors.log"; then
            t1=$EPOCHREALTIME
            echo $(((10#${t1/./}) - (10#${t0/./})))
        else
            echo "FAIL($?): $*" >>"$WORK/errors.log"
            echo FAIL
        fi
    }
    cmd=$1
    shift
    case "$cmd" in
    fill)
        # fill ENGINE PREFIX FROM TO NETWORK: containers PREFIX-FROM..PREFIX-TO running sleep.
        e=$1 prefix=$2 from=$3 to=$4 net=$5
        for ((i = from; i <= to; i++)); do
            eng "$e" run -d --name "$prefix-$i" ${net:+--network "$net"} "$IMAGE" sleep 1000000 >/dev/null
        done
        ;;
    probe)
        # probe ENGINE RUNS LEVEL: "verb us us ..." lines for run, ps, inspect, exec, stop.
        e=$1 runs=$2 level=$3
        declare -A got
        for ((i = 0; i < runs; i++)); do
            got[run]+="$(sample eng "$e" run -d --name probe --network none "$IMAGE" sleep 1000000) "
            got[ps]+="$(sample eng "$e" ps) "
            got[inspect]+="$(sample eng "$e" inspect s-1) "
            got[exec]+="$(sample eng "$e" exec "s-$level" true) "
            if [ "$e" = skiff ]; then
                got[stop]+="$(sample sk stop -t 0 probe) "
                sk rm -f probe >/dev/null 2>&1 || true
            else
                got[stop]+="$(sample pm stop -t 0 probe) "
                pm rm -f -t 0 probe >/dev/null 2>&1 || true
            fi
        done
        for v in run ps inspect exec stop; do echo "$v ${got[$v]}"; done
        ;;
    monitor_pid)
        # monitor_pid ENGINE NAME: the PID of the container's monitor (skiff's, conmon).
        e=$1 name=$2
        if [ "$e" = skiff ]; then
            id=$(sk inspect --format '{{.Id}}' "$name")
            sed -n 's/.*"monitor_pid": *\([0-9]*\).*/\1/p' "$SKIFF_ROOT/containers/$id/state.json"
        else
            pm inspect --format '{{.State.ConmonPid}}' "$name"
        fi
        ;;
    clean)
        sk rm -f $(sk ps -aq) >/dev/null 2>&1 || true
        pm rm -af -t 0 >/dev/null 2>&1 || true
        ;;
    esac
    exit 0
fi

while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK=1 RUNS=1 LEVELS="1 3" IDLE=3 ;;
    --runs) RUNS=$2; shift ;;
    --skiff) SKIFF_BIN=$2; shift ;;
    --no-podman) USE_PODMAN=no ;;
    --levels) LEVELS=$2; shift ;;
    --idle) IDLE=$2; shift ;;
    -h | --help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=benches/lib.sh
. "$REPO/benches/lib.sh"
bench_require_root
bench_use_podman install
bench_skiff_bin
bench_new_work scale
as_user() { runuser -u "$USER_NAME" -- env -i bash "$WORK/scale.sh" __user "$WORK" "$@"; }
cleanup() {
    as_user clean || true
    if [ "$USE_PODMAN" = yes ]; then
        bench_stop_podman_pause
    fi
    bench_remove_work
}
trap cleanup EXIT
bench_fill_work
bench_own_work

ENGINES=(skiff)
[ "$USE_PODMAN" = yes ] && ENGINES+=(podman)

report() { # name skiff podman [note]
    local r=n/a
    [ "$3" != n/a ] && r=$(awk -v a="$2" -v b="$3" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.3f", a / b; else printf "n/a" }')
    printf 'RESULT %s skiff=%s podman=%s ratio=%s%s\n' "$1" "$2" "$3" "$r" "${4:+ $4}"
}

# This run's processes outside container PID namespaces (the test user's, with this run's
# directory in their environment: other users of the test user are not counted): "PID COMM".
HOST_PIDNS=$(readlink /proc/self/ns/pid)
user_procs() {
    local p
    for p in $(pgrep -u "$UID_N" || true); do
        [ "$(readlink "/proc/$p/ns/pid" 2>/dev/null)" = "$HOST_PIDNS" ] || continue
        { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qxF "XDG_RUNTIME_DIR=$WORK/xdg-run" || continue
        echo "$p $(cat "/proc/$p/comm" 2>/dev/null)"
    done | sort -n
}
pss_of() { # PIDs... -> total PSS in kB
    local p t=0 k
    for p in "$@"; do
        k=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
        t=$((t + ${k:-0}))
    done
    echo "$t"
}
# The engine's processes that serve all its containers (PIDs): skiff's network namespace
# holder, its slirp4netns (the one whose target is the holder) and the pause process; podman's
# pause process (catatonit). They are counted whole in pss_per_container_kb, divided by the idle
# containers only (the warm container shares them too: a slight overstatement).
shared_procs() {
    local e=$1 p cmd holders=""
    for p in $(user_procs | awk '{print $1}'); do
        cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
        case "$e:$cmd" in
        skiff:*"__helper netns"*) holders="$holders $p"; echo "$p" ;;
        skiff:*"__helper pause"*) echo "$p" ;;
        podman:catatonit*) echo "$p" ;;
        esac
    done
    [ -n "$holders" ] || return 0
    for p in $(user_procs | awk '$2 == "slirp4netns" {print $1}'); do
        cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
        for h in $holders; do
            case "$cmd" in *" $h tap0 ") echo "$p" ;; esac
        done
    done
}
# Idle means settled: skiff's monitor lets go of its start-up memory after a second without
# events (src/sys/memory.rs), so memory is read a few seconds after the last start.
SETTLE=3
# per_container ENGINE PREFIX FROM TO NETWORK [shared]: start containers PREFIX-FROM..PREFIX-TO;
# print "kB_per_container (names of the processes started)"; with `shared`, the engine's shared
# processes (shared_procs) are counted too.
per_container() {
    local e=$1 prefix=$2 from=$3 to=$4 net=$5 n before after new pids names
    n=$((to - from + 1))
    before=$(user_procs)
    as_user fill "$e" "$prefix" "$from" "$to" "$net"
    sleep "$SETTLE"
    after=$(user_procs)
    new=$(comm -13 <(echo "$before" | sort) <(echo "$after" | sort) | sort -n)
    if [ "${6:-}" = shared ]; then
        local s
        for s in $(shared_procs "$e"); do
            echo "$new" | awk -v p="$s" '$1 == p {f=1} END {exit !f}' && continue
            new=$(printf '%s\n%s' "$new" "$(echo "$after" | awk -v p="$s" '$1 == p {print $1, $2 "(shared)"}')")
        done
    fi
    pids=$(echo "$new" | awk 'NF {print $1}')
    names=$(echo "$new" | awk 'NF {c[$2]++} END {for (k in c) printf "%s%s x%d", (i++ ? ", " : ""), k, c[k]}')
    # shellcheck disable=SC2086
    echo "$(($(pss_of $pids) / n)) ($names)"
}

echo "# scale: skiff $("$WORK/bin/skiff" --version | awk '{print $2}')$([ -x "$WORK/bin/skiff-monitor" ] && echo ' (with skiff-monitor)') vs $([ "$USE_PODMAN" = yes ] && podman --version || echo 'no podman')"
echo "# $(uname -r), $(nproc) CPUs; runs=$RUNS levels=$LEVELS idle=$IDLE"
for e in "${ENGINES[@]}"; do
    runuser -u "$USER_NAME" -- env -i bash -c ". $WORK/env.sh; $([ "$e" = skiff ] && echo "$WORK/bin/skiff" || echo "podman --root $WORK/podman/root --runroot $WORK/podman/runroot") pull -q --tls-verify=false $IMAGE" >/dev/null
    # One container first: the engine's shared processes (podman's pause process, a network
    # holder) exist before the counting starts.
    as_user fill "$e" warm 1 1 ""
done

# A lone monitor, then memory per container with IDLE idle containers on the default network.
declare -A RSS PSS
for e in "${ENGINES[@]}"; do
    p=$(as_user monitor_pid "$e" warm-1)
    sleep "$SETTLE"
    RSS[$e]=$(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo n/a)
    out=$(per_container "$e" idle 1 "$IDLE" "" shared)
    PSS[$e]=${out%% *}
    echo "# $e: $IDLE idle containers: ${out#* }"
done
report monitor_rss_kb "${RSS[skiff]}" "${RSS[podman]:-n/a}" "(VmRSS of one idle container's monitor: skiff's vs conmon)"
report pss_per_container_kb "${PSS[skiff]}" "${PSS[podman]:-n/a}" "(sum of PSS of the processes started for $IDLE idle containers / $IDLE)"
as_user clean

# Latencies at each level of running containers.
declare -A T
have=0
for level in $LEVELS; do
    for e in "${ENGINES[@]}"; do
        # Memory per container of those added to reach this level.
        out=$(per_container "$e" s $((have + 1)) "$level" none)
        T[$e:mem:$level]=${out%% *}
    done
    have=$level
    # Latency at L running, not right after starting L: what starting them wrote (records,
    # specs, hosts files, logs) goes to disk first. Left dirty, the first container exits
    # would pay for it: the end of a container's mount namespace unmounts its overlay, and
    # overlayfs syncs the whole upper file system at unmount (docs/performance.md, "Scale:
    # many containers"), so `stop` at 200 measured the writeback of the 150 started before.
    dirty=$(awk '/^Dirty:/ {print $2}' /proc/meminfo)
    sync
    echo "# $level running: $((dirty / 1024)) MB dirty before the probes, synced first"
    for e in "${ENGINES[@]}"; do
        while read -r verb samples; do
            T[$e:$verb:$level]=$(echo "$samples" | median)
        done < <(as_user probe "$e" "$RUNS" "$level")
    done
    for verb in run ps inspect exec stop; do
        report "scale_${verb}_$level" "${T[skiff:$verb:$level]}" "${T[podman:$verb:$level]:-n/a}" "(ms at $level running)"
    done
    report "memory_per_container_kb_$level" "${T[skiff:mem:$level]}" "${T[podman:mem:$level]:-n/a}" "(kB of PSS per container added to reach $level, --network none)"
done

echo "# latency (ms) at 1..N running containers, skiff / podman"
printf '# %-8s' verb
for level in $LEVELS; do printf ' %18s' "$level running"; done
echo
for verb in run ps inspect exec stop mem; do
    printf '# %-8s' "$verb"
    for level in $LEVELS; do printf ' %18s' "${T[skiff:$verb:$level]}/${T[podman:$verb:$level]:-n/a}"; done
    echo
done
if [ -s "$WORK/errors.log" ] && grep -q FAIL "$WORK/errors.log"; then
    echo "# failures:" >&2
    grep -B3 FAIL "$WORK/errors.log" | tail -20 >&2
fi
exit 0
