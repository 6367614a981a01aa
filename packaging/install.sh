#!/usr/bin/env bash
# Install skiff from this source tree and run a first container.
#
#   sudo ./packaging/install.sh
#
# Installs the runtime dependencies (Debian/Ubuntu packages), builds `cargo build --release`,
# installs /usr/local/bin/skiff, gives the invoking user subordinate uid/gid ranges if it has none,
# then, as that user and without any network, imports a busybox root filesystem as the image
# `busybox:latest` and runs `skiff run --rm busybox echo "skiff works"`.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="${PREFIX:-/usr/local}"
TARGET_USER="${SUDO_USER:-root}"

say() { echo "==> $*"; }
die() { echo "install.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: sudo $0"
id -u "$TARGET_USER" >/dev/null 2>&1 || die "unknown user $TARGET_USER"
USER_UID="$(id -u "$TARGET_USER")"
USER_HOME="$(getent passwd "$TARGET_USER" | cut -d: -f6)"

# As the invoking user (or directly when that is root), with a clean, predictable environment.
as_user() {
    local env=(HOME="$USER_HOME" USER="$TARGET_USER" LOGNAME="$TARGET_USER"
               PATH="$USER_HOME/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    if [ -d "/run/user/$USER_UID" ]; then env+=(XDG_RUNTIME_DIR="/run/user/$USER_UID"); fi
    if [ "$TARGET_USER" = root ]; then
        env -i "${env[@]}" "$@"
    else
        runuser -u "$TARGET_USER" -- env -i "${env[@]}" "$@"
    fi
}

# ---- find a Rust toolchain ------------------------------------------------------------
CARGO=""
BUILD_AS=root
if [ "$TARGET_USER" != root ] && [ -x "$USER_HOME/.cargo/bin/cargo" ]; then
    CARGO="$USER_HOME/.cargo/bin/cargo"; BUILD_AS="$TARGET_USER"
elif command -v cargo >/dev/null; then
    CARGO="$(command -v cargo)"
elif [ -x /root/.cargo/bin/cargo ]; then
    CARGO=/root/.cargo/bin/cargo
fi

# ---- packages ------------------------------------------------------------------------------
packages=(uidmap slirp4netns fuse3 busybox-static python3 ca-certificates)
[ -n "$CARGO" ] && packages+=(build-essential)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null || die "please install: ${missing[*]}"
    say "installing packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- build -----------------------------------------------------------------------------------
if [ -n "$CARGO" ]; then
    say "building skiff (cargo build --release, as $BUILD_AS)"
    if [ "$BUILD_AS" = root ]; then
        (cd "$REPO" && "$CARGO" build --release --locked)
    else
        as_user sh -c 'cd "$1" && "$2" build --release --locked' sh "$REPO" "$CARGO"
    fi
    TARGET_DIR="$(cd "$REPO" && "$CARGO" metadata --format-version 1 --no-deps |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
    BIN="$TARGET_DIR/release/skiff"
else
    BIN="$REPO/target/release/skiff"
    [ -x "$BIN" ] || die "no Rust toolchain found (install one with rustup, Rust >= 1.89) and no $BIN"
    say "no cargo found: installing the existing $BIN"
fi
[ -x "$BIN" ] || die "build produced no $BIN"
install -D -m 0755 "$BIN" "$PREFIX/bin/skiff"
for page in "$REPO"/man/*.1; do install -D -m 0644 "$page" "$PREFIX/share/man/man1/$(basename "$page")"; done
install -D -m 0644 "$REPO/completions/skiff.bash" "$PREFIX/share/bash-completion/completions/skiff"
install -D -m 0644 "$REPO/completions/_skiff" "$PREFIX/share/zsh/site-functions/_skiff"
install -D -m 0644 "$REPO/completions/skiff.fish" "$PREFIX/share/fish/vendor_completions.d/skiff.fish"
# The systemd user units (the API service's socket and service, the restart at login), with
# this install's path to skiff: `systemctl --user enable --now skiff.socket`.
for unit in "$REPO"/packaging/systemd/user/*.service "$REPO"/packaging/systemd/user/*.socket; do
    tmp=$(mktemp)
    sed "s|/usr/bin/skiff|$PREFIX/bin/skiff|" "$unit" >"$tmp"
    install -D -m 0644 "$tmp" "$PREFIX/lib/systemd/user/$(basename "$unit")"
    rm -f "$tmp"
done
say "installed $PREFIX/bin/skiff, its man pages, shell completions and systemd user units"

# ---- subordinate ids ------------------------------------------------------------------------
touch /etc/subuid /etc/subgid
if ! grep -q "^$TARGET_USER:" /etc/subuid || ! grep -q "^$TARGET_USER:" /etc/subgid; then
    # First free 65536-aligned range at or above 100000 in both files.
    start=$(awk -F: 'BEGIN{m=100000} NF==3 {e=$2+$3; if (e>m) m=e} END{print int((m+65535)/65536)*65536}' \
        /etc/subuid /etc/subgid)
    end=$((start + 65535))
    grep -q "^$TARGET_USER:" /etc/subuid || usermod --add-subuids "$start-$end" "$TARGET_USER"
    grep -q "^$TARGET_USER:" /etc/subgid || usermod --add-subgids "$start-$end" "$TARGET_USER"
    say "gave $TARGET_USER subordinate ids $start-$end"
fi
for d in /dev/fuse /dev/net/tun; do
    [ -e "$d" ] && chmod 0666 "$d"
done

# ---- a first image and a first container, no network needed -------------------------------
work="$(mktemp -d /tmp/skiff-install.XXXXXX)"
trap 'rm -rf "$work"' EXIT
python3 "$REPO/tests/env/fixtures.py" --rootfs-tar "$work/busybox.tar"
chown -R "$TARGET_USER:" "$work"
say "importing busybox:latest as $TARGET_USER"
(cd "$work" && as_user "$PREFIX/bin/skiff" import "$work/busybox.tar" busybox:latest --change 'CMD ["sh"]')
say "running a first container as $TARGET_USER"
out="$(cd "$work" && as_user "$PREFIX/bin/skiff" run --rm busybox echo "skiff works")"
echo "$out"
[ "$out" = "skiff works" ] || die "the first container did not print 'skiff works'"
say "done: try \`skiff run --rm -it busybox\`"
