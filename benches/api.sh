#!/bin/bash
# The Docker Engine API service (issue 16's benchmark), in one run on this machine:
#
#   sudo benches/api.sh [--quick] [--runs N] [--skiff PATH] [--no-podman] [--breakdown N]
#
# - `docker ps` and `docker run --rm busybox true` with Debian's docker CLI through
#   `skiff system service`'s socket, through `podman system service`'s socket, and the same
#   commands with the skiff CLI itself, and against canned answers (api_floor, below)
#   (medians of --runs, default 15, the ways taking turns after one warm-up each);
# - the idle RSS of each service (VmRSS after a `docker ps` and 3 idle seconds);
# - the first answer after socket activation: a listening socket is bound first (as systemd's
#   skiff.socket does), then skiff starts with it as fd 3 (LISTEN_FDS=1), and the time from
#   the start to the answer of GET /_ping is taken (median of --runs).
#
# Run as root: the engines run as the unprivileged test user (`skifftest`, from
# tests/env/setup.sh) with fresh stores under /var/tmp/skiff-bench/. Lines:
#
#   RESULT <name> skiff=<ms|MB> podman=<...|n/a> cli=<ms|n/a> [note]
#   RESULT api_floor run=<ms> ps=<ms> service_share_run=<ms> service_share_ps=<ms> cli_run=...
#
# api_floor: the same docker commands against benches/api_floor.py, a server that answers the
# docker CLI's exchange at once with canned answers (no work): the docker CLI's own cost, which
# no server can go below. service_share = api_run (or api_ps) - floor: what skiff's service
# adds; the 1.5x goal is reachable by any server only where the floor is under 1.5x cli.
#
# --quick: one run, no warm-up (checks that the script works; not a measurement).
# --breakdown N: afterwards, N more `docker run --rm` through skiff's service and N `skiff run
#   --rm`, traced with perf's scheduler and syscall tracepoints (system-wide, cheap: no ptrace),
#   and the median of each step, one line each:
#     BREAKDOWN api_run <step>: <ms>      BREAKDOWN cli_run <step>: <ms>
#   (needs `perf`; without it one line says so). Not part of the RESULT figures.
# Goals (issue 16): api_run within 1.5x of cli, at most 0.3x podman's service; idle RSS at
# most 10 MB; first answer after activation within 50 ms. Measure a release build
# (`--skiff target/release/skiff`): a debug build is several times larger and slower.
set -euo pipefail

RUNS=15
QUICK=0
SKIFF_BIN=""
USE_PODMAN=auto
BREAKDOWN=0
USER_NAME=${SKIFF_BENCH_USER:-skifftest}
IMAGE=localhost:5000/busybox
DOCKER=/usr/bin/docker

# ------------------------------------------------------------------------------------------
# The user's side.
# ------------------------------------------------------------------------------------------
if [ "${1:-}" = "__user" ]; then
    WORK=$2
    shift 2
    # shellcheck disable=SC1091
    . "$WORK/env.sh"
    sk() { "$WORK/bin/skiff" "$@"; }
    sample() { # run "$@" quietly; its duration in microseconds, or FAIL
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
    step() { # step WAY WHAT: WAY is skiff (the API), podman (its API), floor (canned answers) or cli
        local way=$1 what=$2
        case "$way" in
        skiff) export DOCKER_HOST=unix://$WORK/skiff.sock ;;
        podman) export DOCKER_HOST=unix://$WORK/podman.sock ;;
        floor) export DOCKER_HOST=unix://$WORK/floor.sock ;;
        cli) unset DOCKER_HOST ;; # skiff refuses a DOCKER_HOST that is not its own socket
        esac
        case "$way:$what" in
        cli:ps) sk ps ;;
        cli:run) sk run --rm "$IMAGE" true ;;
        *:ps) "$DOCKER" ps ;;
        *:run) "$DOCKER" run --rm "$IMAGE" true ;;
        esac
    }
    cmd=$1
    shift
    case "$cmd" in
    measure) # measure WHAT RUNS WARMUP WAY...
        what=$1 runs=$2 warmup=$3
        shift 3
        declare -A got
        for w in "$@"; do
            for ((i = 0; i < warmup; i++)); do step "$w" "$what" >/dev/null 2>&1 || true; done
        done
        for ((i = 0; i < runs; i++)); do
            for w in "$@"; do got[$w]+="$(sample step "$w" "$what") "; done
        done
        for w in "$@"; do echo "$w ${got[$w]}"; done
        ;;
    activation) # activation RUNS: start-to-first-answer of a socket-activated service
        runs=$1
        for ((i = 0; i < runs; i++)); do
            python3 - "$WORK/bin/skiff" "$WORK/act-$i.sock" <<'EOF'
import os, socket, subprocess, sys, time
skiff, path = sys.argv[1], sys.argv[2]
l = socket.socket(socket.AF_UNIX)
l.bind(path)
l.listen(16)
t0 = time.monotonic()
l.set_inheritable(True)  # fd 3 already when nothing else is open: dup2 would keep CLOEXEC
def child():
    if l.fileno() != 3:
        os.dup2(l.fileno(), 3)
    os.environ["LISTEN_FDS"] = "1"
    os.environ["LISTEN_PID"] = str(os.getpid())
# close_fds=False: subprocess would close fd 3 after preexec_fn.
p = subprocess.Popen([skiff, "system", "service", "--time", "1"], preexec_fn=child,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=False)
l.close()
c = socket.socket(socket.AF_UNIX)
c.settimeout(20)
c.connect(path)
c.sendall(b"GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
data = c.recv(4096)
t1 = time.monotonic()
c.close()
p.wait(timeout=30)
os.unlink(path)
print(int((t1 - t0) * 1e6) if data.startswith(b"HTTP/1.1 200") else "FAIL")
EOF
        done
        ;;
    traced) # traced RUNS: docker run --rm through skiff's service, then skiff run --rm
        export DOCKER_HOST=unix://$WORK/skiff.sock
        for ((i = 0; i < $1; i++)); do "$DOCKER" run --rm "$IMAGE" true >/dev/null 2>&1 || echo "FAIL: traced docker run" >>"$WORK/errors.log"; sleep 0.05; done
        unset DOCKER_HOST
        for ((i = 0; i < $1; i++)); do sk run --rm "$IMAGE" true >/dev/null 2>&1 || echo "FAIL: traced skiff run" >>"$WORK/errors.log"; sleep 0.05; done
        ;;
    sh) eval "$1" ;;
    esac
    exit 0
fi

# ------------------------------------------------------------------------------------------
# The root side.
# ------------------------------------------------------------------------------------------
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK=1 RUNS=1 ;;
    --runs) RUNS=$2; shift ;;
    --skiff) SKIFF_BIN=$2; shift ;;
    --no-podman) USE_PODMAN=no ;;
    --breakdown) BREAKDOWN=$2; shift ;;
    -h | --help) sed -n '2,34p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
WARMUP=1
[ "$QUICK" = 1 ] && WARMUP=0
REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=benches/lib.sh
. "$REPO/benches/lib.sh"
bench_require_root
[ -x "$DOCKER" ] || die "no $DOCKER: run tests/env/setup.sh (Debian's docker.io CLI)"
bench_use_podman
bench_skiff_bin
bench_new_work api
SK_PID="" PM_PID="" FL_PID=""
as_user() { runuser -u "$USER_NAME" -- env -i bash "$WORK/api.sh" __user "$WORK" "$@"; }
cleanup() {
    bench_kill "$SK_PID" '^(runuser|skiff)$'
    bench_kill "$PM_PID" '^(runuser|podman)$'
    bench_kill "$FL_PID" '^(runuser|python3)$'
    as_user sh 'sk rm -f $(sk ps -aq)' >/dev/null 2>&1 || true
    if [ "$USE_PODMAN" = yes ]; then
        as_user sh 'podman --root $WORK/podman/root --runroot $WORK/podman/runroot rm -af -t 0' >/dev/null 2>&1 || true
        bench_stop_podman_pause
    fi
    bench_remove_work
}
trap cleanup EXIT
bench_fill_work
cp "$REPO/benches/api_floor.py" "$WORK/"
echo "export DOCKER=$DOCKER" >>"$WORK/env.sh"
bench_own_work

of() { awk -v w="$1" '$1 == w {$1 = ""; print}'; }
rss_mb() { awk '/VmRSS/ {printf "%.2f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo n/a; }
# The pid of the program runuser started (its only child).
child_of() { local k; for _ in $(seq 100); do k=$(cat "/proc/$1/task/$1/children" 2>/dev/null | awk '{print $1}'); [ -n "$k" ] && { echo "$k"; return; }; sleep 0.05; done; }
wait_sock() { for _ in $(seq 200); do curl -sf --unix-socket "$1" http://x/_ping >/dev/null 2>&1 && return 0; sleep 0.05; done; die "no service on $1"; }

echo "# skiff $("$WORK/bin/skiff" --version | awk '{print $2}'), docker CLI $("$DOCKER" --version | awk '{print $3}' | tr -d ,), $([ "$USE_PODMAN" = yes ] && podman --version || echo 'no podman')"
echo "# $(uname -r), $(nproc) CPUs; runs=$RUNS warmup=$WARMUP"

as_user sh 'sk pull -q --tls-verify=false $IMAGE' >/dev/null
runuser -u "$USER_NAME" -- env -i bash -c ". $WORK/env.sh; exec $WORK/bin/skiff system service --time 0 unix://$WORK/skiff.sock" >/dev/null 2>&1 &
SK_PID=$!
runuser -u "$USER_NAME" -- env -i bash -c ". $WORK/env.sh; exec python3 $WORK/api_floor.py $WORK/floor.sock" >/dev/null 2>&1 &
FL_PID=$!
WAYS=(skiff cli floor)
if [ "$USE_PODMAN" = yes ]; then
    as_user sh 'podman --root $WORK/podman/root --runroot $WORK/podman/runroot pull -q --tls-verify=false $IMAGE' >/dev/null
    runuser -u "$USER_NAME" -- env -i bash -c ". $WORK/env.sh; exec podman --root $WORK/podman/root --runroot $WORK/podman/runroot system service --time 0 unix://$WORK/podman.sock" >/dev/null 2>&1 &
    PM_PID=$!
    WAYS+=(podman)
fi
wait_sock "$WORK/skiff.sock"
wait_sock "$WORK/floor.sock"
[ "$USE_PODMAN" = yes ] && wait_sock "$WORK/podman.sock"

declare -A SK CL FL
for what in ps run; do
    out=$(as_user measure "$what" "$RUNS" "$WARMUP" "${WAYS[@]}")
    s=$(echo "$out" | of skiff | median)
    c=$(echo "$out" | of cli | median)
    p=n/a
    [ "$USE_PODMAN" = yes ] && p=$(echo "$out" | of podman | median)
    SK[$what]=$s CL[$what]=$c FL[$what]=$(echo "$out" | of floor | median)
    printf 'RESULT api_%s skiff=%s podman=%s cli=%s (ms: docker %s through each service; the skiff CLI)\n' \
        "$what" "$s" "$p" "$c" "$what"
done
# The floor: the same docker commands against canned answers (benches/api_floor.py), the
# docker CLI's own cost; the service's share is what skiff's service adds to it.
share() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/) printf "%.2f", a - b; else print "n/a" }'; }
printf 'RESULT api_floor run=%s ps=%s service_share_run=%s service_share_ps=%s cli_run=%s cli_ps=%s goal_run=%s (ms: docker against canned answers, no server work; share = api - floor; goal = 1.5x cli: reachable by a server with this client only if floor run < goal)\n' \
    "${FL[run]}" "${FL[ps]}" "$(share "${SK[run]}" "${FL[run]}")" "$(share "${SK[ps]}" "${FL[ps]}")" \
    "${CL[run]}" "${CL[ps]}" "$(awk -v c="${CL[run]}" 'BEGIN { if (c ~ /^[0-9.]+$/) printf "%.2f", 1.5 * c; else print "n/a" }')"

# Idle RSS: after the work above and 3 quiet seconds (idle blocking threads are gone).
sleep 3
s_rss=$(rss_mb "$(child_of "$SK_PID")")
p_rss=n/a
[ "$USE_PODMAN" = yes ] && p_rss=$(rss_mb "$(child_of "$PM_PID")")
printf 'RESULT idle_rss_mb skiff=%s podman=%s cli=n/a (VmRSS of the service process)\n' "$s_rss" "$p_rss"

act=$(as_user activation "$RUNS" | median)
printf 'RESULT activation_first_answer skiff=%s podman=n/a cli=n/a (ms from starting skiff on a passed socket to the answer of GET /_ping)\n' "$act"

if [ "$BREAKDOWN" -gt 0 ]; then
    if command -v perf >/dev/null; then
        # Cheap tracepoints only: process fork/exec/exit, the service's reads of requests and
        # writes of answers, the monitor's event-log appends (writes of 300-500 bytes).
        perf record -q -a -o "$WORK/perf.data" \
            -e sched:sched_process_fork -e sched:sched_process_exec -e sched:sched_process_exit \
            -e syscalls:sys_exit_recvfrom -e syscalls:sys_exit_writev \
            -e syscalls:sys_exit_write --filter 'ret >= 300 && ret <= 500' \
            -- runuser -u "$USER_NAME" -- env -i bash "$WORK/api.sh" __user "$WORK" traced "$BREAKDOWN" >/dev/null 2>&1 ||
            echo "# perf record failed" >&2
        perf script -i "$WORK/perf.data" -F comm,pid,tid,time,event,trace 2>/dev/null |
            python3 "$REPO/benches/api_breakdown.py" /dev/stdin "$WORK/bin/skiff" "$(child_of "$SK_PID")"
    else
        echo "# --breakdown: no perf on this machine"
    fi
fi
if [ -s "$WORK/errors.log" ] && grep -q FAIL "$WORK/errors.log"; then
    echo "# failures:" >&2
    grep -B3 FAIL "$WORK/errors.log" | tail -20 >&2
fi
exit 0
