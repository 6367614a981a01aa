#!/bin/bash
# skiff's FUSE overlay against Debian's fuse-overlayfs and the kernel's overlayfs, on the same
# layers, as root:
#
#   sudo benches/storage.sh SKIFF_BIN [--runs N] [--files N] [--mb N] [--engines "skiff skiff-nopt skiff-copy skiff-noplus fuse-overlayfs kernel"]
#
# skiff-nopt is skiff without FUSE passthrough (SKIFF_FUSE_NO_PASSTHROUGH=1), which is how it
# runs rootless: the kernel grants passthrough only to real root. skiff-copy is skiff-nopt
# without spliced reads (SKIFF_FUSE_NO_SPLICE=1: every READ copied through the server), the
# rootless path before splicing. skiff-noplus is skiff-nopt without readdirplus
# (SKIFF_FUSE_NO_READDIRPLUS=1: a LOOKUP per listed name that is stat'ed), the rootless path
# before the ninth session.
#
# Workloads (each on a fresh upper directory, every engine in turn, N runs):
#   create   create FILES small files (20 directories) in the mount
#   stat     stat them all after a remount (cold kernel caches on the FUSE side)
#   delete   rm -rf them
#   find     find over the lower layer's tree (~FILES entries) after a fresh mount
#   write    MB MiB sequential write (dd bs=1M) of a new file
#   read     read it back after a remount (the FUSE page cache is cold, the disk cache warm)
#
# Prints one line per workload and engine:  RESULT <workload> <engine> min=<s> median=<s> max=<s>
#
# Medians of 3 runs (2 vCPUs shared with other builds, ext4, Linux 6.18, Nov 2026), seconds:
#   workload  skiff   skiff-nopt  fuse-overlayfs  kernel
#   create    18.3    18.0        21.0            16.1   (mostly ext4's own cost here)
#   stat      0.69    0.70        1.09            0.12
#   delete    1.19    1.25        2.87            0.28
#   find      0.032   0.031       0.239           0.010
#   write     0.24    0.69        0.89            0.19   (1 GiB)
#   read      0.044   0.415       0.327           0.043  (1 GiB; fuse-overlayfs splices)
#
# The pull floor (issue 21, part 6), instead of the workloads above:
#
#   sudo benches/storage.sh SKIFF_BIN --pull [IMAGE] [--runs N] [--quick]
#
# pulls IMAGE from the local registry (default `big`, pushed by `tests/env/fixtures.py --big`;
# `busybox` with --quick when `big` is missing) N times (--quick: 1) with SKIFF_BIN as the
# test user into a fresh store each, printing wall and CPU time (user + system of skiff and its
# helpers):
#   RESULT pull skiff wall=<s> cpu_user=<s> cpu_sys=<s>
# then runs examples/pull_stages (built with `cargo build --release --example pull_stages` if
# target/release/examples/pull_stages is missing; PULL_STAGES=PATH names another) on the same
# image: the CPU time of each stage of a pull, one at a time.
set -euo pipefail

if [ "${2:-}" = --pull ]; then
    SKIFF=$1
    shift 2
    IMAGE=big
    RUNS=3
    QUICK=0
    while [ $# -gt 0 ]; do
        case "$1" in
            --runs) RUNS=$2; shift 2 ;;
            --quick) QUICK=1; RUNS=1; shift ;;
            -*) echo "unknown option $1" >&2; exit 2 ;;
            *) IMAGE=$1; shift ;;
        esac
    done
    [ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
    REG=127.0.0.1:5000
    if ! curl -sf "http://$REG/v2/$IMAGE/tags/list" >/dev/null; then
        [ "$QUICK" = 1 ] || { echo "$IMAGE is not in $REG: sudo python3 tests/env/fixtures.py --big" >&2; exit 1; }
        echo "($IMAGE is not in $REG: busybox instead, --quick)"
        IMAGE=busybox
    fi
    HERE=$(cd "$(dirname "$0")/.." && pwd)
    STAGES=${PULL_STAGES:-$HERE/target/release/examples/pull_stages}
    if [ ! -x "$STAGES" ]; then
        (cd "$HERE" && cargo build -q --release --example pull_stages)
    fi
    B=/var/tmp/skiff-pull-bench
    # This machine's ext4 has no journal, and then its inode allocator skips every inode freed
    # in the last 60 s (300 s while the inode table is dirty), looking at each one for every
    # file it creates: a pull right after a big `rm -rf` spends seconds of system CPU there
    # (docs/performance.md, "Pull"). So the stores of the last run are removed first, synced,
    # and given the 60 s (not with --quick), and nothing is deleted between the pulls.
    if [ -d "$B" ]; then
        rm -rf "$B"
        sync
        if [ "$QUICK" = 0 ]; then
            echo "(waiting 60 s after removing the last run's stores: ext4's recently-deleted inodes)"
            sleep 60
        fi
    fi
    mkdir -p "$B" && chmod 755 "$B"
    # The binary where the test user can run it.
    install -m 755 "$SKIFF" "$B/skiff"
    for i in $(seq 1 "$RUNS"); do
        d=$B/run$i
        mkdir -p "$d" && chown skifftest: "$d"
        /usr/bin/time -f 'RESULT pull skiff wall=%e cpu_user=%U cpu_sys=%S' \
            runuser -u skifftest -- env -i HOME="$d" PATH=/usr/bin:/bin:/usr/sbin:/sbin \
            XDG_RUNTIME_DIR="$d/run" SKIFF_ROOT="$d/data" SKIFF_RUNROOT="$d/run" \
            "$B/skiff" pull -q --tls-verify=false "localhost:5000/$IMAGE" >/dev/null
    done 2>&1 | grep RESULT
    # The stages after the pulls: they delete their scratch tree.
    "$STAGES" "$REG" "$IMAGE" "$B"
    # The stores stay until the next run (see above).
    exit 0
fi

ORIG_ARGS=("$@")
SKIFF=${1:?usage: storage.sh SKIFF_BIN [--runs N] [--files N] [--mb N] [--engines LIST]}
shift
RUNS=5
FILES=20000
MB=1024
ENGINES="skiff skiff-nopt skiff-copy skiff-noplus fuse-overlayfs kernel"
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=$2; shift 2 ;;
        --files) FILES=$2; shift 2 ;;
        --mb) MB=$2; shift 2 ;;
        --engines) ENGINES=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
# Our mounts stay in a private mount namespace: a mount namespace created meanwhile by anything
# else on the machine would otherwise keep a copy of a FUSE mount alive after our umount, and
# its server would never see the end of the connection.
if [ -z "${SKIFF_STORAGE_BENCH_NS:-}" ]; then
    case " $ENGINES " in
        *" fuse-overlayfs "*)
            command -v fuse-overlayfs >/dev/null ||
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fuse-overlayfs >/dev/null ;;
    esac
    exec env SKIFF_STORAGE_BENCH_NS=1 unshare -m --propagation private "$0" "${ORIG_ARGS[@]}"
fi

B=/var/tmp/skiff-storage-bench
M=$B/m
cleanup() {
    mountpoint -q "$M" && umount "$M" || true
}
trap cleanup EXIT
cleanup
rm -rf "$B"
mkdir -p "$B/lower" "$M"

# The lower layer: FILES small files in a 3-level tree (for find), plus a little /etc.
PER=$((FILES / 100))
(
    cd "$B/lower"
    mkdir -p etc && echo conf > etc/conf
    for a in $(seq 0 9); do
        for b in $(seq 0 9); do
            mkdir -p tree/a$a/b$b
            for c in $(seq 1 "$PER"); do : > "tree/a$a/b$b/f$c"; done
        done
    done
)

mount_engine() { # engine
    rm -rf "$B/u" "$B/w"
    mkdir -p "$B/u" "$B/w"
    remount_engine "$1"
}

remount_engine() { # engine (keeps the upper directory)
    local L=$B/lower U=$B/u W=$B/w
    case "$1" in
        skiff) "$SKIFF" __fuse-overlay "$L" "$U" "$W" "$M" & ;;
        # Without kernel passthrough, as rootless mounts run (it needs real root).
        skiff-nopt) SKIFF_FUSE_NO_PASSTHROUGH=1 "$SKIFF" __fuse-overlay "$L" "$U" "$W" "$M" & ;;
        # ... and without spliced reads, as the rootless path was before them.
        skiff-copy) SKIFF_FUSE_NO_PASSTHROUGH=1 SKIFF_FUSE_NO_SPLICE=1 "$SKIFF" __fuse-overlay "$L" "$U" "$W" "$M" & ;;
        # ... and without readdirplus (a LOOKUP per listed name that is stat'ed).
        skiff-noplus) SKIFF_FUSE_NO_PASSTHROUGH=1 SKIFF_FUSE_NO_READDIRPLUS=1 "$SKIFF" __fuse-overlay "$L" "$U" "$W" "$M" & ;;
        fuse-overlayfs) fuse-overlayfs -o "lowerdir=$L,upperdir=$U,workdir=$W" "$M" ;;
        kernel) mount -t overlay overlay -o "lowerdir=$L,upperdir=$U,workdir=$W" "$M" ;;
    esac
    for _ in $(seq 1 500); do mountpoint -q "$M" && return 0; sleep 0.01; done
    echo "$1 did not mount" >&2
    exit 1
}

unmount_engine() {
    umount "$M"
    # skiff's server exits by itself once unmounted.
    wait 2>/dev/null || true
}

# Every timed phase starts with the dirty data of the previous ones written out.
start() { sync; echo "$EPOCHREALTIME"; }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

declare -A T

record() { # workload engine seconds
    T["$1 $2"]="${T["$1 $2"]:-} $3"
}

create_files() {
    local d
    for d in $(seq 1 20); do
        mkdir "$M/new$d"
        (cd "$M/new$d" && touch $(seq -f 'f%g' 1 $((FILES / 20))))
    done
}

for run in $(seq 1 "$RUNS"); do
    for e in $ENGINES; do
        # create / stat / delete
        mount_engine "$e"
        t0=$(start); create_files; t1=$(now)
        record create "$e" "$(elapsed "$t0" "$t1")"
        unmount_engine
        remount_engine "$e"
        t0=$(start); find "$M"/new* -type f -printf '%s\n' > /dev/null; t1=$(now)
        record stat "$e" "$(elapsed "$t0" "$t1")"
        t0=$(start); rm -rf "$M"/new*; t1=$(now)
        record delete "$e" "$(elapsed "$t0" "$t1")"
        unmount_engine

        # find over the lower tree
        mount_engine "$e"
        t0=$(start); find "$M/tree" > /dev/null; t1=$(now)
        record find "$e" "$(elapsed "$t0" "$t1")"
        unmount_engine

        # streaming write, then read after a remount
        mount_engine "$e"
        t0=$(start); dd if=/dev/zero of="$M/big" bs=1M count="$MB" status=none; t1=$(now)
        record write "$e" "$(elapsed "$t0" "$t1")"
        unmount_engine
        remount_engine "$e"
        t0=$(start); dd if="$M/big" of=/dev/null bs=1M status=none; t1=$(now)
        record read "$e" "$(elapsed "$t0" "$t1")"
        unmount_engine
    done
done

for w in create stat delete find write read; do
    for e in $ENGINES; do
        # shellcheck disable=SC2086
        echo ${T["$w $e"]} | tr ' ' '\n' | sort -n | awk -v w="$w" -v e="$e" '
            { v[NR] = $1 }
            END { printf "RESULT %-7s %-15s min=%s median=%s max=%s\n", w, e, v[1], v[int((NR + 1) / 2)], v[NR] }'
    done
done
rm -rf "$B"
