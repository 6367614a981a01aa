#!/bin/bash
# skiff against podman (Debian's, with runc), measured in one run on this machine.
#
#   sudo benches/compare.sh [--quick] [--runs N] [--skiff PATH] [--no-podman]
#
# Run as root: it installs podman/runc/uidmap from Debian if they are missing (not in --quick),
# then runs both engines as the unprivileged test user (`skifftest`, made by
# tests/env/setup.sh) through `runuser` with a clean environment, each with a fresh store under
# /var/tmp/skiff-bench/. Images come from the local registry (127.0.0.1:5000, plain HTTP).
#
# Every measurement alternates the engines (skiff, podman, skiff, podman...) after one warm-up
# each, times every command with bash's $EPOCHREALTIME inside the user's shell (so runuser's
# own cost is not counted), and prints the median, plus the ratio skiff/podman:
#
#   RESULT <name> skiff=<ms> podman=<ms|n/a> ratio=<x|n/a> [note]
#
# floor_unshare and run_floor_min take turns with the engines in run_none: the kernel's floor
# (`unshare -Urmpf --mount-proc true`) and the minimal container (benches/run_floor_min.c,
# compiled with cc: the namespaces, mounts, masks, capabilities and seccomp filter of docker's
# `run --rm --network none`, the overlay of the image's layers from skiff's store, no engine).
# run_default_cold: the default network after an idle moment (3 s between runs), beside
# run_default (back to back); pull: podman with its overlay driver, a `sync` before each pull.
#
# --quick: one run of each, no warm-up, no installing; without podman, skiff only (labelled
# `podman=n/a`). tests/bench_smoke.rs runs it so the script cannot rot.
#
# The pull measurement uses localhost:5000/big, pushed by `tests/env/fixtures.py --big`
# (a few hundred MB, opt-in); without it, it pulls busybox and says so.
set -euo pipefail

RUNS=10
QUICK=0
SKIFF_BIN=""
USE_PODMAN=auto
USER_NAME=${SKIFF_BENCH_USER:-skifftest}
REGISTRY=localhost:5000
IMAGE=$REGISTRY/busybox

if [ "${1:-}" = "__user" ]; then
    MODE=user
    shift
else
    MODE=root
fi

# ------------------------------------------------------------------------------------------
# The user's side: timing loops. Sourced settings come from $WORK/env.sh.
# ------------------------------------------------------------------------------------------
if [ "$MODE" = user ]; then
    WORK=$1
    shift
    # shellcheck disable=SC1091
    . "$WORK/env.sh"
    sk() { "$WORK/bin/skiff" "$@"; }
    pm() { podman --root "$WORK/podman/root" --runroot "$WORK/podman/runroot" "$@"; }

    # now_us: microseconds since the epoch, without a fork.
    now_us() { local t=$EPOCHREALTIME; echo $((10#${t/./})); }

    # One sample: run "$@" quietly, print its duration in microseconds (or FAIL).
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

    # The minimal container's arguments (benches/run_floor_min.c), one a line, written by the
    # root side; read without a fork.
    FLOORMIN_ARGS=()
    [ -f "$WORK/floormin.args" ] && mapfile -t FLOORMIN_ARGS <"$WORK/floormin.args"

    # The step of measurement $2 for engine $1 (skiff, podman, floor or floormin).
    step() {
        local eng=$1 what=$2 run
        if [ "$eng" = skiff ]; then run=sk; else run=pm; fi
        case "$eng:$what" in
        floor:*) unshare -Urmpf --mount-proc true ;;
        floormin:*) "$WORK/bin/run_floor_min" "${FLOORMIN_ARGS[@]}" /bin/true ;;
        *:run_none) $run run --rm --network none "$IMAGE" true ;;
        *:run_default) $run run --rm "$IMAGE" true ;;
        *:cycle) $run run -d --name bench-cycle --network none "$IMAGE" sleep 1000 &&
            if [ "$eng" = skiff ]; then sk rm -f bench-cycle; else pm rm -f -t 0 bench-cycle; fi ;;
        *:exec) $run exec bench-exec true ;;
        *:ps0 | *:ps100) $run ps -a ;;
        *:images50) $run images ;;
        *) echo "unknown step $eng:$what" >&2; return 2 ;;
        esac
    }

    # measure NAME RUNS WARMUP ENGINE...: alternate the engines; print "ENGINE us us us..."
    cmd=$1
    shift
    case "$cmd" in
    measure)
        name=$1 runs=$2 warmup=$3
        shift 3
        declare -A got
        for eng in "$@"; do
            for ((i = 0; i < warmup; i++)); do step "$eng" "$name" >/dev/null 2>&1 || true; done
        done
        for ((i = 0; i < runs; i++)); do
            for eng in "$@"; do got[$eng]+="$(sample step "$eng" "$name") "; done
        done
        for eng in "$@"; do echo "$eng ${got[$eng]}"; done
        ;;
    measure_cold)
        # measure_cold NAME RUNS ENGINE...: like measure, each sample 3 s after the previous
        # command of the engines, so nothing lingers from it.
        name=$1 runs=$2
        shift 2
        declare -A got
        for ((i = 0; i < runs; i++)); do
            for eng in "$@"; do
                sleep 3
                got[$eng]+="$(sample step "$eng" "$name") "
            done
        done
        for eng in "$@"; do echo "$eng ${got[$eng]}"; done
        ;;
    netput)
        # netput ENGINE PORT RUNS: download 64 MiB from a container's httpd through a published
        # port, RUNS times; print the durations in microseconds.
        eng=$1 port=$2 runs=$3
        if [ "$eng" = skiff ]; then run=sk; else run=pm; fi
        $run run -d --name bench-net -p "127.0.0.1:$port:8080" "$IMAGE" sh -c \
            'mkdir /www && dd if=/dev/zero of=/www/big bs=1M count=64 2>/dev/null && httpd -f -p 8080 -h /www' >/dev/null
        for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/big" -r 0-0 && break; sleep 0.1; done
        out=""
        for ((i = 0; i < runs; i++)); do out+="$(sample curl -sf -o /dev/null "http://127.0.0.1:$port/big") "; done
        if [ "$eng" = skiff ]; then sk rm -f bench-net >/dev/null; else pm rm -f -t 0 bench-net >/dev/null; fi
        echo "$out"
        ;;
    netput_in)
        # netput_in ENGINE PORT RUNS: upload 64 MiB from the host into a container (busybox nc
        # listening behind a published port), RUNS times; print the durations in microseconds.
        eng=$1 port=$2 runs=$3
        if [ "$eng" = skiff ]; then run=sk; else run=pm; fi
        $run run -d --name bench-netin -p "127.0.0.1:$port:8080" "$IMAGE" sh -c \
            'while true; do nc -l -p 8080 > /dev/null; done' >/dev/null
        send() {
            python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
chunk = bytes(1 << 20)
for _ in range(64):
    s.sendall(chunk)
s.shutdown(socket.SHUT_WR)
while s.recv(65536):
    pass' "$port"
        }
        for _ in $(seq 100); do python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()' "$port" 2>/dev/null && break; sleep 0.1; done
        sleep 0.2
        out=""
        for ((i = 0; i < runs; i++)); do out+="$(sample send) "; sleep 0.1; done
        if [ "$eng" = skiff ]; then sk rm -f bench-netin >/dev/null; else pm rm -f -t 0 bench-netin >/dev/null; fi
        echo "$out"
        ;;
    pull)
        # pull ENGINE REF DIR: one pull into an empty store at DIR.
        eng=$1 ref=$2 dir=$3
        if [ "$eng" = skiff ]; then
            sample env SKIFF_ROOT="$dir/data" SKIFF_RUNROOT="$dir/run" "$WORK/bin/skiff" pull -q --tls-verify=false "$ref"
        else
            # podman's overlay driver (native overlay in the user namespace: what the issue's
            # reference figure used), not the vfs copy a default rootless store may pick.
            sample podman --storage-driver overlay --root "$dir/root" --runroot "$dir/rr" pull -q --tls-verify=false "$ref"
        fi
        ;;
    sh)
        eval "$1"
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
    -h | --help) sed -n '2,26p' "$0"; exit 0 ;;
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
bench_use_podman install
bench_skiff_bin
bench_new_work run
cleanup() {
    as_user sh 'sk rm -f $(sk ps -aq)' >/dev/null 2>&1 || true
    if [ "$USE_PODMAN" = yes ]; then
        as_user sh 'pm rm -af -t 0' >/dev/null 2>&1 || true
        bench_stop_podman_pause
    fi
    bench_remove_work
}
trap cleanup EXIT
bench_fill_work "$WORK/p" "$WORK/floormin"
# The minimal container (no engine: what `run --rm --network none` must do and nothing more).
cc -O2 -o "$WORK/bin/run_floor_min" "$REPO/benches/run_floor_min.c" || die "cc benches/run_floor_min.c"
bench_own_work

as_user() { runuser -u "$USER_NAME" -- env -i bash "$WORK/compare.sh" __user "$WORK" "$@"; }

ENGINES=(skiff)
[ "$USE_PODMAN" = yes ] && ENGINES+=(podman)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.3f", a / b; else printf "n/a" }'; }

report() { # name skiff_ms podman_ms [note]
    local r=n/a
    [ "$3" != n/a ] && r=$(ratio "$2" "$3")
    printf 'RESULT %s skiff=%s podman=%s ratio=%s%s\n' "$1" "$2" "$3" "$r" "${4:+ $4}"
}

# measure NAME [extra engines...]: runs both engines on step NAME, prints its RESULT line.
LAST=""
measure() {
    local name=$1 s p
    shift
    LAST=$(as_user measure "$name" "$RUNS" "$WARMUP" "${ENGINES[@]}" "$@")
    s=$(echo "$LAST" | awk '$1 == "skiff" {$1 = ""; print}' | median)
    p=n/a
    [ "$USE_PODMAN" = yes ] && p=$(echo "$LAST" | awk '$1 == "podman" {$1 = ""; print}' | median)
    report "$name" "$s" "$p"
}

echo "# skiff $("$WORK/bin/skiff" --version | awk '{print $2}') vs $([ "$USE_PODMAN" = yes ] && podman --version || echo 'no podman (skiff only)')"
echo "# $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%d MB", $2/1024}' /proc/meminfo); runs=$RUNS warmup=$WARMUP"

# Images.
as_user sh "sk pull -q --tls-verify=false $IMAGE" >/dev/null
[ "$USE_PODMAN" = yes ] && as_user sh "pm pull -q --tls-verify=false $IMAGE" >/dev/null

measure ps0
# The minimal container's arguments: the image's layers in skiff's store (top first), the
# seccomp filter skiff compiled (docker's default profile), the user namespace of skiff's pause
# process (as skiff's monitor joins it). One untimed run makes the filter and the pause process.
as_user sh "sk run --rm --network none $IMAGE true" >/dev/null
ref=$(as_user sh "sk create --network none $IMAGE true")
lower=$(python3 -c 'import json, sys; print(":".join(reversed(json.load(open(sys.argv[1]))["layers"])))' \
    "$WORK/skiff/data/containers/$ref/container.json")
as_user sh "sk rm $ref" >/dev/null
bpf=$(find "$WORK/skiff/data/cache/seccomp" -name '*.bpf' | head -1)
pause=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$WORK/skiff/run/pause.json" 2>/dev/null || true)
{
    [ -n "$pause" ] && printf '%s\n' -u "/proc/$pause/ns/user"
    printf '%s\n' -l "$lower" -w "$WORK/floormin"
    [ -n "$bpf" ] && printf '%s\n' -s "$bpf"
    printf '%s\n' --
} >"$WORK/floormin.args"
chown "$UID_N:$GID_N" "$WORK/floormin.args"
# The floor (a bare user+mount+pid namespace) and the minimal container take turns with the
# engines.
measure run_none floor floormin
FLOOR=$(echo "$LAST" | awk '$1 == "floor" {$1 = ""; print}' | median)
printf 'RESULT floor_unshare unshare=%s (unshare -Urmpf --mount-proc true)\n' "$FLOOR"
FLOORMIN=$(echo "$LAST" | awk '$1 == "floormin" {$1 = ""; print}' | median)
printf 'RESULT run_floor_min floor_min=%s (benches/run_floor_min.c: what run --rm --network none must do, no engine)\n' "$FLOORMIN"
measure run_default
# The first default-network container after an idle moment: skiff's shared namespace (its
# holder, bridge and slirp4netns) has gone 2 s after its last container and starts again;
# podman starts its own network helper for every container anyway. Fewer runs: each waits.
CRUNS=$RUNS
[ "$QUICK" = 1 ] || CRUNS=5
LAST=$(as_user measure_cold run_default "$CRUNS" "${ENGINES[@]}")
s=$(echo "$LAST" | awk '$1 == "skiff" {$1 = ""; print}' | median)
p=n/a
[ "$USE_PODMAN" = yes ] && p=$(echo "$LAST" | awk '$1 == "podman" {$1 = ""; print}' | median)
report run_default_cold "$s" "$p" "(each run 3 s after the last container of its engine)"
measure cycle

# exec into a running container.
as_user sh "sk run -d --name bench-exec --network none $IMAGE sleep 100000" >/dev/null
[ "$USE_PODMAN" = yes ] && as_user sh "pm run -d --name bench-exec --network none $IMAGE sleep 100000" >/dev/null
measure exec

# Peak RSS of the per-container monitor (skiff) and conmon (podman), one idle container.
sk_mon=$(as_user sh "cat \$SKIFF_ROOT/containers/\$(sk inspect --format '{{.Id}}' bench-exec)/state.json" |
    sed -n 's/.*"monitor_pid": *\([0-9]*\).*/\1/p')
hwm() { awk '/VmHWM/ {printf "%.2f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo n/a; }
sk_rss=$( [ -n "$sk_mon" ] && hwm "$sk_mon" || echo n/a)
pm_rss=n/a
if [ "$USE_PODMAN" = yes ]; then
    cm=$(as_user sh "pm inspect --format '{{.State.ConmonPid}}' bench-exec")
    [ -n "$cm" ] && pm_rss=$(hwm "$cm")
fi
report monitor_peak_rss_mb "$sk_rss" "$pm_rss" "(VmHWM in MB: skiff's monitor vs conmon)"
as_user sh "sk rm -f bench-exec" >/dev/null
[ "$USE_PODMAN" = yes ] && as_user sh "pm rm -f -t 0 bench-exec" >/dev/null

# ps -a with 100 (exited) containers.
N=100
as_user sh "for i in \$(seq $N); do sk run --network none $IMAGE true; done" >/dev/null
[ "$USE_PODMAN" = yes ] && as_user sh "for i in \$(seq $N); do pm run --network none $IMAGE true; done" >/dev/null
measure ps100

# images with 50 images (imported from the same busybox root tar).
python3 "$REPO/tests/env/fixtures.py" --rootfs-tar "$WORK/rootfs.tar"
chown "$UID_N" "$WORK/rootfs.tar"
as_user sh "for i in \$(seq 49); do sk import \$WORK/rootfs.tar bench/img:\$i; done" >/dev/null
[ "$USE_PODMAN" = yes ] && as_user sh "for i in \$(seq 49); do pm import -q \$WORK/rootfs.tar bench/img:\$i; done" >/dev/null
measure images50

# pull into an empty store (a fresh store directory per pull).
PULL=$REGISTRY/big
NOTE="(localhost:5000/big)"
if [ "$QUICK" = 1 ]; then
    PULL=$IMAGE
    NOTE="(busybox: --quick)"
elif ! curl -sf -o /dev/null "http://127.0.0.1:5000/v2/big/manifests/latest" \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json'; then
    PULL=$IMAGE
    NOTE="(busybox: localhost:5000/big is not pushed, see tests/env/fixtures.py --big)"
fi
PRUNS=3
[ "$QUICK" = 1 ] && PRUNS=1
s_all="" p_all=""
for ((i = 0; i < PRUNS; i++)); do
    for eng in "${ENGINES[@]}"; do
        d=$WORK/p/${eng:0:2}$i # podman refuses a runroot path over 50 characters
        install -d -o "$UID_N" -g "$GID_N" "$d"
        # Write back what the previous pull left dirty (untimed), so that neither engine's
        # closing syncfs waits for the other's data.
        sync
        t=$(as_user pull "$eng" "$PULL" "$d")
        if [ "$eng" = skiff ]; then s_all+="$t "; else p_all+="$t "; fi
    done
done
# The stores go only after every pull: this machine's ext4 has no journal, and then its inode
# allocator looks at every inode freed in the last minute for each file it creates; a pull
# right after the `rm -rf` of the last one's store spent ~1 s of system CPU there, whichever
# engine (docs/performance.md, "Pull").
rm -rf "$WORK/p"
s=$(echo "$s_all" | median)
p=n/a
[ "$USE_PODMAN" = yes ] && p=$(echo "$p_all" | median)
report pull "$s" "$p" "$NOTE"

echo "RESULT storage_throughput skipped (the storage issue, with its FUSE overlay, has not landed)"
# Network throughput: 64 MiB from a container through a published port on the default network
# (skiff: its forwarder to the container on the default bridge; podman: its default helper).
NRUNS=3
[ "$QUICK" = 1 ] && NRUNS=1
mbps() { # median microseconds -> MB/s for 64 MiB
    awk -v ms="$1" 'BEGIN { if (ms+0 > 0) printf "%.1f", 67.108864 / (ms / 1000); else printf "n/a" }'
}
ns=$(as_user netput skiff 18081 "$NRUNS" | median)
np=n/a
[ "$USE_PODMAN" = yes ] && np=$(as_user netput podman 18082 "$NRUNS" | median)
printf 'RESULT network_throughput skiff=%s podman=%s (MB/s, 64 MiB from httpd in a container through -p; ms: skiff=%s podman=%s)\n' \
    "$(mbps "$ns")" "$( [ "$np" = n/a ] && echo n/a || mbps "$np")" "$ns" "$np"
ni=$(as_user netput_in skiff 18083 "$NRUNS" | median)
nip=n/a
[ "$USE_PODMAN" = yes ] && nip=$(as_user netput_in podman 18084 "$NRUNS" | median)
printf 'RESULT network_throughput_in skiff=%s podman=%s (MB/s, 64 MiB from the host into nc in a container through -p; ms: skiff=%s podman=%s)\n' \
    "$(mbps "$ni")" "$( [ "$nip" = n/a ] && echo n/a || mbps "$nip")" "$ni" "$nip"
# Memory per container, a lone monitor, and latencies with 1, 50 and 200 containers running.
SCALE_ARGS=(--skiff "$SKIFF_BIN")
if [ "$QUICK" = 1 ]; then SCALE_ARGS+=(--quick); else SCALE_ARGS+=(--runs "$RUNS"); fi
[ "$USE_PODMAN" = yes ] || SCALE_ARGS+=(--no-podman)
SKIFF_BENCH_USER=$USER_NAME bash "$REPO/benches/scale.sh" "${SCALE_ARGS[@]}"
if [ -s "$WORK/errors.log" ] && grep -q FAIL "$WORK/errors.log"; then
    echo "# failures:" >&2
    grep -B3 FAIL "$WORK/errors.log" | tail -20 >&2
fi
exit 0
