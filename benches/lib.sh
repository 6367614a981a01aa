# Root-side helpers the bench scripts share (sourced on the root side once REPO is set).
# The cleanup helpers below run from an EXIT trap under `set -e`, so nothing in them may fail.

# bench_kill PID COMM-REGEX: signal PID only when it still runs a command whose name matches
# COMM-REGEX (a PID read from a file may have been reused since).
bench_kill() {
    local pid=$1 want=$2 comm
    case "$pid" in '' | *[!0-9]*) return 0 ;; esac
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 0
    [[ $comm =~ $want ]] || return 0
    kill "$pid" 2>/dev/null || true
}

# bench_stop_podman_pause: podman's rootless pause process, by the PID podman recorded.
bench_stop_podman_pause() {
    bench_kill "$(cat "$WORK/xdg-run/libpod/tmp/pause.pid" 2>/dev/null || true)" '^(catatonit|podman)'
}

# bench_install_skiff BIN: skiff and, when it was built next to it, the small skiff-monitor
# binary the monitors run in (else skiff re-executes itself for them) into $WORK/bin.
bench_install_skiff() {
    cp "$1" "$WORK/bin/skiff"
    local mon
    mon="$(dirname "$1")/skiff-monitor"
    if [ -x "$mon" ]; then cp "$mon" "$WORK/bin/skiff-monitor"; fi
}

# bench_remove_work: the work directory, retried once (a monitor may still be finishing).
bench_remove_work() {
    rm -rf "$WORK" 2>/dev/null || { sleep 1; rm -rf "$WORK" 2>/dev/null || true; }
}

# ------------------------------------------------------------------------------------------
# The set-up every script's root side makes, in this order: bench_require_root (after the
# script's own arguments), bench_use_podman, bench_skiff_bin, bench_new_work NAME (then the
# script's cleanup trap), bench_fill_work [DIR...] (then the script's own files and env.sh
# lines), bench_own_work.
# ------------------------------------------------------------------------------------------

# die MESSAGE: the script's name and MESSAGE on stderr; exit 1.
die() {
    echo "$(basename "$0"): $*" >&2
    exit 1
}

# bench_require_root: run as root, with the test user there.
bench_require_root() {
    [ "$(id -u)" = 0 ] || die "run me as root (the engines run as $USER_NAME)"
    id "$USER_NAME" >/dev/null 2>&1 || die "no user $USER_NAME: run tests/env/setup.sh first"
}

# bench_use_podman [install]: USE_PODMAN=auto becomes yes when podman and runc are installed,
# else no; with `install` (and without --quick) apt installs them first.
bench_use_podman() {
    [ "$USE_PODMAN" = auto ] || return 0
    if [ "${1:-}" = install ] && [ "${QUICK:-0}" = 0 ]; then
        if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc uidmap >/dev/null
        fi
    fi
    if command -v podman >/dev/null && command -v runc >/dev/null; then USE_PODMAN=yes; else USE_PODMAN=no; fi
}

# bench_skiff_bin: SKIFF_BIN (--skiff), else a release build of this checkout.
bench_skiff_bin() {
    if [ -z "$SKIFF_BIN" ]; then
        (cd "$REPO" && cargo build --release -q)
        SKIFF_BIN=${CARGO_TARGET_DIR:-$REPO/target}/release/skiff
    fi
    [ -x "$SKIFF_BIN" ] || die "no skiff binary at $SKIFF_BIN"
}

# bench_new_work NAME: the test user's UID_N and GID_N, and a fresh WORK directory
# (/var/tmp/skiff-bench/NAME.XXXXXX).
bench_new_work() {
    UID_N=$(id -u "$USER_NAME")
    GID_N=$(id -g "$USER_NAME")
    mkdir -p /var/tmp/skiff-bench
    chmod 755 /var/tmp/skiff-bench
    WORK=$(mktemp -d "/var/tmp/skiff-bench/$1.XXXXXX")
}

# bench_fill_work [DIR...]: what the user side needs in WORK: skiff (bin/), this script (which
# the user side runs as `SCRIPT __user WORK ...`), the stores, podman's containers.conf (runc,
# cgroupfs, file events) and env.sh (HOME, PATH, XDG_RUNTIME_DIR, the skiff store, WORK, IMAGE);
# and the DIRs given.
bench_fill_work() {
    mkdir -p "$WORK/bin" "$WORK/home/.config/containers" "$WORK/skiff/data" "$WORK/skiff/run" \
        "$WORK/xdg-run" "$WORK/podman/root" "$WORK/podman/runroot" "$@"
    bench_install_skiff "$SKIFF_BIN"
    cp "$0" "$WORK/$(basename "$0")"
    cat >"$WORK/home/.config/containers/containers.conf" <<'CONF'
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
    cat >"$WORK/env.sh" <<ENV
export HOME=$WORK/home USER=$USER_NAME LOGNAME=$USER_NAME WORK=$WORK
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export XDG_RUNTIME_DIR=$WORK/xdg-run
export SKIFF_ROOT=$WORK/skiff/data SKIFF_RUNROOT=$WORK/skiff/run
export IMAGE=$IMAGE
ENV
}

# bench_own_work: WORK and everything in it to the test user.
bench_own_work() {
    chown -R "$UID_N:$GID_N" "$WORK"
    chmod 700 "$WORK/xdg-run"
    chmod 755 "$WORK"
}

# median: numbers on stdin (microseconds) -> their median in milliseconds with 2 decimals,
# or FAIL when there is none.
median() {
    local xs n
    xs=$(tr ' ' '\n' | grep -E '^[0-9]+$' | sort -n || true)
    n=$(echo "$xs" | grep -c . || true)
    [ "$n" -gt 0 ] || { echo FAIL; return; }
    echo "$xs" | awk -v n="$n" '{a[NR]=$1} END {m = (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2; printf "%.2f", m / 1000}'
}
