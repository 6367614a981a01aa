#!/usr/bin/env bash
# Build the Debian packages from this repository, offline: skiff_VERSION_ARCH.deb (the binary;
# in /usr/libexec/skiff the small skiff-monitor its containers' monitors run in; man pages,
# completions, systemd user units, the Quadlet generator, docs) and
# skiff-docker_VERSION_all.deb (/usr/bin/docker running skiff, DOCKER_HOST in profile.d, as
# podman-docker does).
#
#   packaging/deb/build.sh [--binary PATH] [--out DIR] [--compress xz|gzip|none]
#
# --binary PATH: skiff as built; skiff-monitor must be next to it (cargo builds both).
#
# Without --binary, `cargo build --release` builds it first. dpkg-deb (always on Debian) packs
# the trees: no debhelper and no cargo-deb to install, and no network.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
BINARY=""
OUT="$REPO/target/debian"
COMPRESS=xz
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) BINARY="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --compress) COMPRESS="$2"; shift 2 ;;
        *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ -z "$BINARY" ]; then
    (cd "$REPO" && cargo build --release --quiet)
    BINARY="$REPO/target/release/skiff"
fi
[ -x "$BINARY" ] || { echo "build.sh: $BINARY is not an executable" >&2; exit 1; }
# The small binary the per-container monitors run in: cargo builds it next to skiff.
MONITOR="$(dirname "$BINARY")/skiff-monitor"
[ -x "$MONITOR" ] || { echo "build.sh: no skiff-monitor next to $BINARY (cargo build builds both)" >&2; exit 1; }

VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$REPO/Cargo.toml" | head -n1)"
ARCH="$(dpkg --print-architecture)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

# ---- skiff ----------------------------------------------------------------------------------
P="$WORK/skiff"
install -d "$P/DEBIAN" "$P/usr/bin" "$P/usr/share/man/man1" "$P/usr/share/man/man5" \
    "$P/usr/share/bash-completion/completions" "$P/usr/share/zsh/vendor-completions" \
    "$P/usr/share/fish/vendor_completions.d" "$P/usr/lib/systemd/user" \
    "$P/usr/lib/systemd/user-generators" "$P/usr/share/doc/skiff/docs" "$P/usr/libexec/skiff"
install -m 0755 "$BINARY" "$P/usr/bin/skiff"
# skiff looks for it in ../libexec/skiff/ from its own directory (it is not a user command).
install -m 0755 "$MONITOR" "$P/usr/libexec/skiff/skiff-monitor"
for f in "$REPO"/man/*.1; do gzip -9n <"$f" >"$P/usr/share/man/man1/$(basename "$f").gz"; done
for f in "$REPO"/man/*.5; do gzip -9n <"$f" >"$P/usr/share/man/man5/$(basename "$f").gz"; done
install -m 0644 "$REPO/completions/skiff.bash" "$P/usr/share/bash-completion/completions/skiff"
install -m 0644 "$REPO/completions/_skiff" "$P/usr/share/zsh/vendor-completions/_skiff"
install -m 0644 "$REPO/completions/skiff.fish" "$P/usr/share/fish/vendor_completions.d/skiff.fish"
for f in "$REPO"/packaging/systemd/user/*; do
    install -m 0644 "$f" "$P/usr/lib/systemd/user/$(basename "$f")"
done
# systemd runs the generator by this name; skiff knows it from argv[0].
ln -s ../../../bin/skiff "$P/usr/lib/systemd/user-generators/skiff-user-generator"
install -m 0644 "$REPO/README.md" "$P/usr/share/doc/skiff/README.md"
install -m 0644 "$REPO"/docs/*.md "$P/usr/share/doc/skiff/docs/"
cat >"$P/usr/share/doc/skiff/copyright" <<COPY
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: skiff

Files: *
License: Apache-2.0
 On Debian systems the full text is in /usr/share/common-licenses/Apache-2.0.
COPY
SIZE="$(du -sk "$P" | cut -f1)"
cat >"$P/DEBIAN/control" <<CONTROL
Package: skiff
Version: $VERSION
Architecture: $ARCH
Maintainer: skiff maintainers <skiff@localhost>
Installed-Size: $SIZE
Depends: uidmap, slirp4netns, fuse3, iproute2, iptables
Recommends: passt, busybox-static
Section: admin
Priority: optional
Homepage: https://localhost/skiff
Description: daemonless, rootless, Docker-compatible container engine
 skiff runs containers as an ordinary user with docker's commands, a small monitor
 per container instead of a daemon, systemd user units (generate systemd, Quadlet
 files through its user generator, skiff-restart.service) and the Docker API on a
 socket-activated user service.
CONTROL
dpkg-deb --root-owner-group -Z"$COMPRESS" --build "$P" "$OUT/skiff_${VERSION}_${ARCH}.deb" >/dev/null

# ---- skiff-docker ---------------------------------------------------------------------------
D="$WORK/skiff-docker"
install -d "$D/DEBIAN" "$D/usr/bin" "$D/etc/profile.d" "$D/usr/share/doc/skiff-docker"
cat >"$D/usr/bin/docker" <<'SHIM'
#!/bin/sh
# docker, played by skiff (the skiff-docker package, as podman-docker does for podman).
[ -e /etc/containers/nodocker ] || [ -e "${XDG_CONFIG_HOME:-$HOME/.config}/containers/nodocker" ] || \
    echo "Emulate Docker CLI using skiff. Create /etc/containers/nodocker to quiet msg." >&2
exec skiff "$@"
SHIM
chmod 0755 "$D/usr/bin/docker"
cat >"$D/etc/profile.d/skiff-docker.sh" <<'PROFILE'
# Docker clients talk to skiff's API socket (skiff.socket, a systemd user unit).
if [ -z "${DOCKER_HOST:-}" ] && [ -n "${XDG_RUNTIME_DIR:-}" ]; then
    export DOCKER_HOST="unix://$XDG_RUNTIME_DIR/skiff/skiff.sock"
fi
PROFILE
chmod 0644 "$D/etc/profile.d/skiff-docker.sh"
cp "$P/usr/share/doc/skiff/copyright" "$D/usr/share/doc/skiff-docker/copyright"
cat >"$D/DEBIAN/conffiles" <<'CONF'
/etc/profile.d/skiff-docker.sh
CONF
cat >"$D/DEBIAN/control" <<CONTROL
Package: skiff-docker
Version: $VERSION
Architecture: all
Maintainer: skiff maintainers <skiff@localhost>
Depends: skiff (= $VERSION)
Conflicts: docker.io, docker-ce, docker-ce-cli, podman-docker
Provides: docker
Section: admin
Priority: optional
Description: docker command and DOCKER_HOST for skiff
 /usr/bin/docker runs skiff with the same arguments, and a profile.d script points
 DOCKER_HOST at skiff's API socket, as podman-docker does for podman.
CONTROL
dpkg-deb --root-owner-group -Z"$COMPRESS" --build "$D" "$OUT/skiff-docker_${VERSION}_all.deb" >/dev/null
echo "$OUT/skiff_${VERSION}_${ARCH}.deb"
echo "$OUT/skiff-docker_${VERSION}_all.deb"
