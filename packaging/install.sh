#!/usr/bin/env bash
# Install skiff from this source tree as its Debian package, and run a first container.
#
#   sudo ./packaging/install.sh [--deb PATH] [--binary PATH] [--compress xz|gzip|none] [--with-docker]
#
# Builds the packages with packaging/deb/build.sh (which runs `cargo build --release` first;
# --binary PATH packs an already built skiff, and the skiff-monitor next to it, instead; --deb PATH
# installs a built skiff_*.deb and builds nothing; --compress is build.sh's), installs skiff_*.deb
# with apt, which brings its dependencies (uidmap, slirp4netns, fuse3, iproute2, iptables) from the package archive when
# they are missing, gives the invoking user subordinate uid/gid ranges if it has none, then, as that
# user and without any network, imports a busybox root filesystem as the image `busybox:latest` and
# runs `skiff run --rm busybox echo "skiff works"`. --with-docker also installs skiff-docker
# (/usr/bin/docker running skiff, DOCKER_HOST in /etc/profile.d), which replaces a docker CLI
# package. `apt remove skiff` undoes it.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_USER="${SUDO_USER:-root}"
DEB=""
BINARY=""
WITH_DOCKER=no
COMPRESS=""

say() { echo "==> $*"; }
die() { echo "install.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --deb) DEB="$(realpath "$2")"; shift 2 ;;
        --binary) BINARY="$(realpath "$2")"; shift 2 ;;
        --compress) COMPRESS="$2"; shift 2 ;;
        --with-docker) WITH_DOCKER=yes; shift ;;
        -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done

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

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# ---- what the build and the first container need ---------------------------------------------
# (skiff's own dependencies come with its package.)
packages=(python3 busybox-static)
CARGO_DIR=""
BUILD_AS=root
if [ -z "$DEB" ] && [ -z "$BINARY" ]; then
    if [ "$TARGET_USER" != root ] && [ -x "$USER_HOME/.cargo/bin/cargo" ]; then
        CARGO_DIR="$USER_HOME/.cargo/bin"; BUILD_AS="$TARGET_USER"
    elif command -v cargo >/dev/null; then
        CARGO_DIR="$(dirname "$(command -v cargo)")"
    elif [ -x /root/.cargo/bin/cargo ]; then
        CARGO_DIR=/root/.cargo/bin
    else
        die "no Rust toolchain found (install one with rustup, Rust >= 1.89), and no --deb or --binary given"
    fi
    packages+=(build-essential)
fi
missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
export DEBIAN_FRONTEND=noninteractive
if [ "${#missing[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null || die "please install: ${missing[*]}"
    say "installing packages: ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- the packages -------------------------------------------------------------------------------
if [ -z "$DEB" ]; then
    out="$REPO/target/debian"
    args=(--out "$out")
    [ -n "$BINARY" ] && args+=(--binary "$BINARY")
    [ -n "$COMPRESS" ] && args+=(--compress "$COMPRESS")
    if [ -n "$CARGO_DIR" ]; then
        say "building skiff and its packages (cargo build --release, as $BUILD_AS)"
    else
        say "packing $BINARY"
    fi
    if [ "$BUILD_AS" = root ]; then
        debs="$(PATH="$CARGO_DIR:$PATH" "$REPO/packaging/deb/build.sh" "${args[@]}")"
    else
        debs="$(as_user env PATH="$CARGO_DIR:/usr/bin:/bin" "$REPO/packaging/deb/build.sh" "${args[@]}")"
    fi
    DEB="$(echo "$debs" | grep '/skiff_[^/]*\.deb$' | head -n1)"
fi
[ -f "$DEB" ] || die "no package at ${DEB:-(none built)}"
debs=("$DEB")
if [ "$WITH_DOCKER" = yes ]; then
    docker_deb="$(ls "$(dirname "$DEB")"/skiff-docker_*_all.deb 2>/dev/null | sort -V | tail -n1)"
    [ -n "$docker_deb" ] || die "no skiff-docker_*_all.deb next to $DEB"
    debs+=("$docker_deb")
fi
# An install by an older install.sh (a copy in /usr/local) would shadow the package's.
for old in /usr/local/bin/skiff /usr/local/lib/systemd/user/skiff.service \
           /usr/local/lib/systemd/user/skiff.socket /usr/local/lib/systemd/user/skiff-restart.service; do
    if [ -e "$old" ]; then say "removing $old (an older install)"; rm -f "$old"; fi
done
# Its dependencies come from the archive: make sure apt knows it when one is missing.
for p in $(dpkg-deb -f "$DEB" Depends | tr -d ' ' | tr ',' ' '); do
    installed "${p%%(*}" || { apt-get update -qq; break; }
done
say "installing ${debs[*]##*/}"
# apt resolves the dependencies (from the archive when missing); --reinstall also replaces a
# package of the same version.
apt-get install -y -qq --reinstall --no-install-recommends "${debs[@]}" >/dev/null
installed skiff || die "the skiff package did not install"
SKIFF=/usr/bin/skiff
say "installed $("$SKIFF" --version) ($(dpkg-query -W -f='${Version}' skiff)): man skiff, man 5 skiff-systemd.unit"

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
(cd "$work" && as_user "$SKIFF" import "$work/busybox.tar" busybox:latest --change 'CMD ["sh"]')
say "running a first container as $TARGET_USER"
out="$(cd "$work" && as_user "$SKIFF" run --rm busybox echo "skiff works")"
echo "$out"
[ "$out" = "skiff works" ] || die "the first container did not print 'skiff works'"
say "done: try \`skiff run --rm -it busybox\`"
