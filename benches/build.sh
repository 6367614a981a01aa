#!/bin/bash
# `skiff build` against `podman build` (Debian's podman, which builds with buildah), both as the
# unprivileged test user, each with a fresh store under /var/tmp/skiff-bench/.
#
#   sudo benches/build.sh [--runs N] [--files N] [--skiff PATH] [--no-podman]
#
# The Dockerfile has several RUN and COPY steps; one COPY copies a directory of 10,000 small
# files (--files). Measured, alternating the engines after one warm-up each:
#
#   cold     a build with --no-cache (the base image is present)
#   cached   the same build again: every step from the cache
#   change   a build after a one-byte change in one of the 10,000 files (a different byte each
#            run): the big COPY and the steps after it rebuild
#
# Prints for each: RESULT <name> skiff=min/median/max podman=min/median/max (ms)
# ratio=<podman median / skiff median>.
set -euo pipefail

RUNS=5
FILES=10000
SKIFF_BIN=""
USE_PODMAN=auto
USER_NAME=${SKIFF_BENCH_USER:-skifftest}
IMAGE=localhost:5000/busybox

if [ "${1:-}" = "__user" ]; then
    WORK=$2
    shift 2
    # shellcheck disable=SC1091
    . "$WORK/env.sh"
    sk() { "$WORK/bin/skiff" "$@"; }
    pm() { podman --root "$WORK/podman/root" --runroot "$WORK/podman/runroot" "$@"; }
    build() { # ENGINE [flags]
        local eng=$1
        shift
        if [ "$eng" = skiff ]; then
            sk build -q "$@" -t bench-app "$WORK/ctx"
        else
            pm build -q --layers "$@" -t bench-app "$WORK/ctx"
        fi
    }
    sample() { # one timed build, microseconds
        local t0 t1
        t0=$EPOCHREALTIME
        if build "$@" >/dev/null 2>>"$WORK/errors.log"; then
            t1=$EPOCHREALTIME
            echo $(((10#${t1/./}) - (10#${t0/./})))
        else
            echo "FAIL: build $*" >>"$WORK/errors.log"
            echo FAIL
        fi
    }
    case "$1" in
    cold) sample "$2" --no-cache ;;
    cached) sample "$2" ;;
    change)
        # A different byte in one file each time: the content changes, nothing else.
        printf '%s' "$3" >"$WORK/ctx/files/d7/f77"
        sample "$2"
        ;;
    warm) build "$2" >/dev/null 2>&1 || true ;;
    sh) eval "$2" ;;
    esac
    exit 0
fi

while [ $# -gt 0 ]; do
    case "$1" in
    --runs) RUNS=$2; shift ;;
    --files) FILES=$2; shift ;;
    --skiff) SKIFF_BIN=$2; shift ;;
    --no-podman) USE_PODMAN=no ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=benches/lib.sh
. "$REPO/benches/lib.sh"
bench_require_root
bench_use_podman
bench_skiff_bin
bench_new_work build
as_user() { runuser -u "$USER_NAME" -- env -i bash "$WORK/build.sh" __user "$WORK" "$@"; }
cleanup() {
    as_user sh 'sk rm -f $(sk ps -aq)' >/dev/null 2>&1 || true
    if [ "$USE_PODMAN" = yes ]; then
        as_user sh 'pm rm -af -t 0' >/dev/null 2>&1 || true
        bench_stop_podman_pause
        # buildah's layers belong to subordinate ids: remove them from the user's namespace.
        as_user sh 'podman unshare rm -rf "$WORK/podman"' >/dev/null 2>&1 || true
    fi
    as_user sh 'sk builder prune -f; sk rmi -f $(sk images -aq)' >/dev/null 2>&1 || true
    bench_remove_work
}
trap cleanup EXIT
bench_fill_work "$WORK/ctx/small"
# The context: a few small files and FILES files of ~100 bytes in 100 directories.
cat >"$WORK/ctx/Dockerfile" <<EOF
FROM $IMAGE
RUN echo one > /one && mkdir -p /app
COPY small/ /app/small/
RUN ls /app/small | wc -l > /app/small.count
COPY files/ /app/files/
RUN find /app/files -type f | wc -l > /app/files.count
RUN cat /app/files.count /app/small.count > /app/summary
CMD ["cat", "/app/summary"]
EOF
for i in $(seq 10); do echo "small $i" >"$WORK/ctx/small/s$i"; done
python3 - "$WORK/ctx/files" "$FILES" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, f"d{i % 100}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i // 100}"), "w") as f:
        f.write(f"file {i} " + "x" * 90 + "\n")
EOF
[ -f "$WORK/ctx/files/d7/f77" ] || die "--files must be at least 7778"
bench_own_work

ENGINES=(skiff)
[ "$USE_PODMAN" = yes ] && ENGINES+=(podman)
as_user sh "sk pull -q --tls-verify=false $IMAGE" >/dev/null
[ "$USE_PODMAN" = yes ] && as_user sh "pm pull -q --tls-verify=false $IMAGE" >/dev/null

stats() { # microseconds on stdin -> "min/median/max" in ms
    tr ' ' '\n' | grep -E '^[0-9]+$' | sort -n | awk '{a[NR]=$1} END {
        if (NR == 0) { printf "FAIL"; exit }
        m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
        printf "%.0f/%.0f/%.0f", a[1]/1000, m/1000, a[NR]/1000 }'
}
median_of() { echo "$1" | cut -d/ -f2; }

echo "# skiff $("$WORK/bin/skiff" --version | awk '{print $2}') vs $([ "$USE_PODMAN" = yes ] && podman --version || echo 'no podman (skiff only)')"
echo "# $(uname -r), $(nproc) CPUs; $FILES files in the big COPY; runs=$RUNS after one warm-up; ms min/median/max"
for eng in "${ENGINES[@]}"; do as_user warm "$eng"; done
for what in cold cached change; do
    declare -A got=()
    for ((i = 0; i < RUNS; i++)); do
        for eng in "${ENGINES[@]}"; do
            got[$eng]+="$(as_user "$what" "$eng" "$what-$i-$RANDOM") "
        done
    done
    s=$(echo "${got[skiff]}" | stats)
    p=n/a r=n/a
    if [ "$USE_PODMAN" = yes ]; then
        p=$(echo "${got[podman]}" | stats)
        r=$(awk -v a="$(median_of "$p")" -v b="$(median_of "$s")" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.1fx", a / b; else printf "n/a" }')
    fi
    printf 'RESULT build_%s skiff=%s podman=%s podman/skiff=%s\n' "$what" "$s" "$p" "$r"
done
# The image is right in both.
out=$(as_user sh 'sk run --rm --network none bench-app')
echo "# skiff's image: $(echo "$out" | tr '\n' ' ')"
if [ -s "$WORK/errors.log" ] && grep -q FAIL "$WORK/errors.log"; then
    echo "# failures:" >&2
    tail -20 "$WORK/errors.log" >&2
fi
exit 0
