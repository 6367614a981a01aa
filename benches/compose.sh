#!/bin/bash
# `compose up -d` and `down` of a five-service project (issue 18's benchmark), in one run:
#
#   sudo benches/compose.sh [--quick] [--runs N] [--skiff PATH] [--no-podman]
#
# Three contenders on the same compose.yaml (a web server, two workers, a db-like sleeper with
# a healthcheck, a one-shot; the long-running ones stop on SIGKILL, `stop_signal`):
# - skiff: `skiff compose up -d` / `down`, natively, no service;
# - podman-compose: the PyPI package (installed by this script into a venv under
#   /var/tmp/skiff-bench/podman-compose-venv with Debian's python3) over podman (with runc);
# - docker-compose: Debian's docker-compose 1.29 over skiff's own API socket
#   (`skiff system service`, its own fresh store).
#
# Run as root: every engine runs as the unprivileged test user (`skifftest`, from
# tests/env/setup.sh) through `runuser` with a clean environment and fresh stores under
# /var/tmp/skiff-bench/. Each sample is one `up -d` followed by one `down` (each timed with
# bash's $EPOCHREALTIME in the user's shell); the contenders take turns (skiff, podman-compose,
# docker-compose, skiff...) after one warm-up each. Lines:
#
#   RESULT compose_up skiff=<ms> podman_compose=<ms|n/a> docker_compose=<ms> ratio=<skiff/podman_compose>
#   RESULT compose_down ...
#   RESULT compose_up_down ...   (the sum of both, per sample)
#
# --quick: one run of each, no warm-up (checks that the script works; not a measurement).
# --no-podman: leave podman-compose out (podman_compose=n/a). Goal (issue 18): skiff's native
# compose at most 0.2x podman-compose. Measure a release build (`--skiff target/release/skiff`).
set -euo pipefail

RUNS=7
QUICK=0
SKIFF_BIN=""
USE_PODMAN=auto
USER_NAME=${SKIFF_BENCH_USER:-skifftest}
IMAGE=localhost:5000/busybox
DOCKER_COMPOSE=/usr/bin/docker-compose
VENV=/var/tmp/skiff-bench/podman-compose-venv

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
    # compose WAY ARGS...: one compose command of a contender, in the project directory.
    compose() {
        local way=$1
        shift
        cd "$WORK/proj"
        case "$way" in
        skiff) sk compose -p sk "$@" ;;
        podman_compose) "$VENV/bin/podman-compose" -p pc "$@" ;;
        docker_compose) DOCKER_HOST=unix://$WORK/skiff.sock "$DOCKER_COMPOSE" -p dc "$@" ;;
        esac
    }
    case "$1" in
    measure) # measure RUNS WARMUP WAY...: per way, "WAY up us us... | down us us..."
        runs=$2 warmup=$3
        shift 3
        declare -A up down
        for way in "$@"; do
            for ((i = 0; i < warmup; i++)); do
                compose "$way" up -d >/dev/null 2>&1 || true
                compose "$way" down >/dev/null 2>&1 || true
            done
        done
        for ((i = 0; i < runs; i++)); do
            for way in "$@"; do
                up[$way]+="$(sample compose "$way" up -d) "
                down[$way]+="$(sample compose "$way" down) "
            done
        done
        for way in "$@"; do echo "$way up ${up[$way]}"; echo "$way down ${down[$way]}"; done
        ;;
    sh)
        eval "$2"
        ;;
    esac
    exit 0
fi

# ------------------------------------------------------------------------------------------
# The root side: set up, drive the measurements, report.
# ------------------------------------------------------------------------------------------
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK=1 RUNS=1 ;;
    --runs) RUNS=$2; shift ;;
    --skiff) SKIFF_BIN=$2; shift ;;
    --no-podman) USE_PODMAN=no ;;
    -h | --help) sed -n '2,28p' "$0"; exit 0 ;;
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
[ -x "$DOCKER_COMPOSE" ] || die "no $DOCKER_COMPOSE: run tests/env/setup.sh (Debian's docker-compose)"

mkdir -p /var/tmp/skiff-bench
chmod 755 /var/tmp/skiff-bench
if [ "$USE_PODMAN" = auto ]; then
    USE_PODMAN=no
    if command -v podman >/dev/null && command -v runc >/dev/null; then
        if [ ! -x "$VENV/bin/podman-compose" ]; then
            # Debian's python3 (not a root-only one from root's PATH), so the test user can
            # run the venv's interpreter.
            /usr/bin/python3 -m venv "$VENV"
            "$VENV/bin/pip" install -q --disable-pip-version-check podman-compose >/dev/null
            chmod -R a+rX "$VENV"
        fi
        [ -x "$VENV/bin/podman-compose" ] && USE_PODMAN=yes
    fi
fi
bench_skiff_bin
bench_new_work compose
SK_PID=""
as_user() { runuser -u "$USER_NAME" -- env -i bash "$WORK/compose.sh" __user "$WORK" "$@"; }
cleanup() {
    as_user sh 'compose skiff down -t 0' >/dev/null 2>&1 || true
    as_user sh 'compose docker_compose down -t 0' >/dev/null 2>&1 || true
    bench_kill "$SK_PID" '^(runuser|skiff)$'
    as_user sh 'sk rm -f $(sk ps -aq); SKIFF_ROOT=$WORK/service/data SKIFF_RUNROOT=$WORK/service/run sk rm -f $(SKIFF_ROOT=$WORK/service/data SKIFF_RUNROOT=$WORK/service/run sk ps -aq)' >/dev/null 2>&1 || true
    if [ "$USE_PODMAN" = yes ]; then
        as_user sh 'compose podman_compose down -t 0; podman rm -af -t 0' >/dev/null 2>&1 || true
        bench_stop_podman_pause
    fi
    bench_remove_work
}
trap cleanup EXIT
# podman (containers.conf: runc, cgroupfs, file events): its store is the fresh
# $HOME/.local/share/containers; the local registry is plain HTTP.
bench_fill_work "$WORK/service/data" "$WORK/service/run" "$WORK/proj"
cat >"$WORK/home/.config/containers/registries.conf" <<'EOF'
[[registry]]
location = "localhost:5000"
insecure = true
EOF
# The project: five services on the project network.
# SIGKILL stops them at once: `down` measures the engines, not the services' shutdown (and no
# run waits out a stop timeout because a shell had not yet set its SIGTERM trap).
cat >"$WORK/proj/compose.yaml" <<EOF
services:
  web:
    image: $IMAGE
    command: httpd -f -p 8080
    stop_signal: SIGKILL
    depends_on: [db]
  worker1:
    image: $IMAGE
    command: sleep 100000
    stop_signal: SIGKILL
    depends_on: [db]
  worker2:
    image: $IMAGE
    command: sleep 100000
    stop_signal: SIGKILL
    depends_on: [db]
  db:
    image: $IMAGE
    command: sleep 100000
    stop_signal: SIGKILL
    healthcheck:
      test: ["CMD", "true"]
      interval: 2s
  migrate:
    image: $IMAGE
    command: "true"
EOF
echo "export DOCKER_COMPOSE=$DOCKER_COMPOSE VENV=$VENV" >>"$WORK/env.sh"
bench_own_work

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.3f", a / b; else printf "n/a" }'; }
# samples WAY PHASE: the microseconds of one contender's phase (up, down, or both summed).
samples() {
    local way=$1 phase=$2
    if [ "$phase" = both ]; then
        paste -d' ' <(echo "$OUT" | awk -v w="$way" '$1 == w && $2 == "up" {$1 = $2 = ""; print}' | tr -s ' ' '\n' | grep . || true) \
            <(echo "$OUT" | awk -v w="$way" '$1 == w && $2 == "down" {$1 = $2 = ""; print}' | tr -s ' ' '\n' | grep . || true) |
            awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ {print $1 + $2}'
    else
        echo "$OUT" | awk -v w="$way" -v p="$phase" '$1 == w && $2 == p {$1 = $2 = ""; print}'
    fi
}
wait_sock() { for _ in $(seq 200); do curl -sf --unix-socket "$1" http://x/_ping >/dev/null 2>&1 && return 0; sleep 0.05; done; die "no service on $1"; }

echo "# skiff $("$WORK/bin/skiff" --version | awk '{print $2}'), docker-compose $("$DOCKER_COMPOSE" version --short), $([ "$USE_PODMAN" = yes ] && echo "podman-compose $("$VENV/bin/pip" show podman-compose 2>/dev/null | awk '/^Version/ {print $2}') over $(podman --version)" || echo 'no podman-compose')"
echo "# $(uname -r), $(nproc) CPUs; runs=$RUNS warmup=$WARMUP; project: 5 services (web, worker1, worker2, db with a healthcheck, migrate one-shot)"

# Images in every store; the API service on its own store.
as_user sh 'sk pull -q --tls-verify=false $IMAGE' >/dev/null
as_user sh 'SKIFF_ROOT=$WORK/service/data SKIFF_RUNROOT=$WORK/service/run sk pull -q --tls-verify=false $IMAGE' >/dev/null
runuser -u "$USER_NAME" -- env -i bash -c ". $WORK/env.sh; export SKIFF_ROOT=$WORK/service/data SKIFF_RUNROOT=$WORK/service/run; exec $WORK/bin/skiff system service --time 0 unix://$WORK/skiff.sock" >/dev/null 2>&1 &
SK_PID=$!
wait_sock "$WORK/skiff.sock"
WAYS=(skiff)
if [ "$USE_PODMAN" = yes ]; then
    as_user sh 'podman pull -q --tls-verify=false $IMAGE' >/dev/null
    WAYS+=(podman_compose)
fi
WAYS+=(docker_compose)

OUT=$(as_user measure "$RUNS" "$WARMUP" "${WAYS[@]}")
for phase in up down both; do
    s=$(samples skiff "$phase" | median)
    d=$(samples docker_compose "$phase" | median)
    p=n/a
    [ "$USE_PODMAN" = yes ] && p=$(samples podman_compose "$phase" | median)
    name=compose_$phase
    [ "$phase" = both ] && name=compose_up_down
    printf 'RESULT %s skiff=%s podman_compose=%s docker_compose=%s ratio=%s (ms, median of %s)\n' \
        "$name" "$s" "$p" "$d" "$( [ "$p" = n/a ] && echo n/a || ratio "$s" "$p")" "$RUNS"
done
if [ -s "$WORK/errors.log" ] && grep -q FAIL "$WORK/errors.log"; then
    echo "# failures:" >&2
    grep -B3 FAIL "$WORK/errors.log" | tail -20 >&2
fi
exit 0
