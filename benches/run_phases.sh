#!/bin/bash
# The timeline of `skiff run --rm --network none IMAGE true`: CPU per process and phase.
#
#   sudo benches/run_phases.sh [--quick] [--runs N] [--skiff PATH]
#
# Run as root (perf records the whole system, cheap tracepoints only: fork, exec, exit and
# context switches, mount, seccomp); skiff runs as the test user (`skifftest`) on a fresh store
# after one warm-up run (which pulls the image and starts the user-namespace holder).
# benches/run_phases.py prints, per phase of the run, the median CPU time of the command
# (cli), the monitor and the container's init: docs/performance.md reads it. --quick: 2 runs.
set -euo pipefail
USER_NAME=${SKIFF_BENCH_USER:-skifftest}
IMAGE=${SKIFF_BENCH_REGISTRY:-localhost:5000}/busybox
RUNS=20 SKIFF_BIN="" QUICK=0
if [ "${1:-}" = __user ]; then
    WORK=$2 RUNS=$3
    # shellcheck source=/dev/null
    . "$WORK/env.sh"
    for ((i = 0; i < RUNS; i++)); do
        "$WORK/bin/skiff" run --rm --network none "$IMAGE" true
    done
    exit 0
fi
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK=1 RUNS=2 ;;
    --runs) RUNS=$2; shift ;;
    --skiff) SKIFF_BIN=$2; shift ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=benches/lib.sh
. "$REPO/benches/lib.sh"
bench_require_root
command -v perf >/dev/null || die "needs perf (Debian: linux-perf)"
bench_skiff_bin
bench_new_work phases
trap bench_remove_work EXIT
bench_fill_work
bench_own_work
as_user() { runuser -u "$USER_NAME" -- env -i bash "$WORK/run_phases.sh" __user "$WORK" "$@"; }
runuser -u "$USER_NAME" -- env -i bash -c ". '$WORK/env.sh' && '$WORK/bin/skiff' pull -q --tls-verify=false '$IMAGE'" >/dev/null
as_user 1
perf record -q -a -o "$WORK/perf.data" \
    -e sched:sched_process_fork -e sched:sched_process_exec -e sched:sched_process_exit \
    -e sched:sched_switch -e syscalls:sys_enter_mount -e syscalls:sys_enter_seccomp \
    -e task:task_rename \
    -- runuser -u "$USER_NAME" -- env -i bash "$WORK/run_phases.sh" __user "$WORK" "$RUNS" >/dev/null
perf script -i "$WORK/perf.data" -F comm,pid,tid,cpu,time,event,trace 2>/dev/null >"$WORK/perf.txt"
echo "# skiff run --rm --network none $IMAGE true, $RUNS runs; CPU ms per phase (medians)"
python3 "$REPO/benches/run_phases.py" "$WORK/perf.txt" "$WORK/bin/skiff"
