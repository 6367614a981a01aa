# Root-side helpers the bench scripts share (sourced after REPO and WORK are set).
# Everything here runs from an EXIT trap under `set -e`, so nothing may fail.

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
