#!/usr/bin/env bash
# Prepare this machine for skiff's integration tests. Run as root; idempotent; quiet unless failing.
#
#   - system packages (uidmap, slirp4netns, passt, fuse3, docker-registry, busybox-static, ...)
#   - the unprivileged test user `skifftest` with subordinate ids 200000:65536
#   - /dev/fuse and /dev/net/tun usable by that user
#   - a local registry on 127.0.0.1:5000 (Debian's docker-registry, started in the background)
#   - a second one on 127.0.0.1:5001 with htpasswd auth (user skiff, password s3cret; plain HTTP:
#     docker's clients send credentials to loopback registries over HTTP, and the registry allows it)
#   - podman (run with runc: crun refuses this cgroup v1 hybrid host) and skopeo for the archive
#     interoperability tests
#   - systemd (never started: its systemd-analyze checks generated units) and libc6-dev (a static
#     sd_notify sender is compiled in the tests)
#   - the fixture images in that registry (tests/env/fixtures.py)
#   - a cgroup v2 subtree delegated to the test user (skiff-test below the cgroup v2 mount; its
#     path in /etc/skiff-test/cgroup), as systemd's Delegate=yes makes user@UID.service
#   - real Docker API clients for `skiff system service`: Debian's docker CLI (docker.io; its
#     daemon is never started) and docker-compose, and docker-py in a venv (/var/lib/skiff-test/venv)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TEST_USER=skifftest
SUBID_START=200000
SUBID_COUNT=65536
STATE_DIR=/var/lib/skiff-test
CONF_DIR=/etc/skiff-test
REGISTRY_CONF="$CONF_DIR/registry.yml"
REGISTRY_ROOT="$STATE_DIR/registry"
REGISTRY_LOG="$STATE_DIR/registry.log"
REGISTRY_URL=http://127.0.0.1:5000
FIXTURES_STAMP="$STATE_DIR/fixtures.stamp"
FIXTURES_LOG="$STATE_DIR/fixtures.log"

die() { echo "setup.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (try: sudo $0)"

# ---- packages ---------------------------------------------------------------
PACKAGES=(uidmap slirp4netns passt fuse3 docker-registry busybox-static iproute2 iptables curl python3 zstd
          ca-certificates procps util-linux passwd apache2-utils podman runc skopeo
          systemd libc6-dev docker.io docker-compose python3-venv python3-cryptography strace)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    log=$(mktemp)
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2; rm -f "$log"; die "could not install: ${missing[*]}"
    fi
    rm -f "$log"
fi
# Debian's docker-registry package may enable its own service on :5000 where an init system runs;
# there is none in CI. If one is running it would answer our probe, which is fine only if it is ours.

# ---- kernel knobs for rootless containers ------------------------------------
if [ -w /proc/sys/kernel/unprivileged_userns_clone ]; then
    echo 1 >/proc/sys/kernel/unprivileged_userns_clone || true
fi
if [ -r /proc/sys/user/max_user_namespaces ] && [ "$(cat /proc/sys/user/max_user_namespaces)" = 0 ]; then
    echo 15000 >/proc/sys/user/max_user_namespaces || true
fi

# ---- test user and subordinate ids --------------------------------------------
touch /etc/subuid /etc/subgid
chmod 0644 /etc/subuid /etc/subgid
if ! id -u "$TEST_USER" >/dev/null 2>&1; then
    # SUB_*_COUNT=0: no automatic range, we add the fixed one below.
    useradd -m -d "/home/$TEST_USER" -s /bin/bash -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$TEST_USER"
fi
[ -d "/home/$TEST_USER" ] || { mkdir -p "/home/$TEST_USER"; chown "$TEST_USER:" "/home/$TEST_USER"; }
want="$TEST_USER:$SUBID_START:$SUBID_COUNT"
for f in /etc/subuid /etc/subgid; do
    if ! grep -qx "$want" "$f"; then
        # Drop any other range the user may have been given, then add ours.
        sed -i "/^$TEST_USER:/d" "$f"
        echo "$want" >>"$f"
    fi
done
# newuidmap/newgidmap must be able to write the maps (setuid root or file capabilities).
for b in /usr/bin/newuidmap /usr/bin/newgidmap; do
    if [ ! -u "$b" ] && ! { command -v getcap >/dev/null && getcap "$b" | grep -q cap_set; }; then
        chmod u+s "$b"
    fi
done

# ---- devices --------------------------------------------------------------------
if [ ! -e /dev/net/tun ]; then
    mkdir -p /dev/net
    mknod /dev/net/tun c 10 200 2>/dev/null || echo "setup.sh: warning: cannot create /dev/net/tun" >&2
fi
for d in /dev/fuse /dev/net/tun; do
    [ -e "$d" ] && chmod 0666 "$d"
done

# ---- per-test state directory ------------------------------------------------------
# The harness creates one 0700 directory per test below it, owned by the test user.
mkdir -p /var/tmp/skiff-tests
chmod 1777 /var/tmp/skiff-tests

# ---- a delegated cgroup v2 subtree ---------------------------------------------------
# Owned by the test user like a systemd-delegated user@UID.service: the directory and the files
# that delegation hands over (cgroup.procs, cgroup.subtree_control, cgroup.threads). The cgroup
# tests move skiff into a leaf below it, so container cgroups, cgroup.freeze and cgroup.kill run
# for real even on this cgroup v1 hybrid machine (v2 at /sys/fs/cgroup/unified).
CG_MOUNT=""
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    CG_MOUNT=/sys/fs/cgroup
elif [ -f /sys/fs/cgroup/unified/cgroup.controllers ]; then
    CG_MOUNT=/sys/fs/cgroup/unified
fi
mkdir -p "$CONF_DIR"
if [ -n "$CG_MOUNT" ] && mkdir -p "$CG_MOUNT/skiff-test" 2>/dev/null; then
    CG="$CG_MOUNT/skiff-test"
    chown "$TEST_USER:$TEST_USER" "$CG" "$CG/cgroup.procs" "$CG/cgroup.subtree_control" \
        "$CG/cgroup.threads"
    echo "$CG" > "$CONF_DIR/cgroup"
else
    echo "setup.sh: warning: no cgroup v2 hierarchy to delegate a subtree of" >&2
    rm -f "$CONF_DIR/cgroup"
fi

# ---- local registry -------------------------------------------------------------
mkdir -p "$CONF_DIR" "$REGISTRY_ROOT"
cat >"$REGISTRY_CONF.new" <<YAML
# Written by skiff's tests/env/setup.sh: the test registry on 127.0.0.1:5000.
version: 0.1
log:
  level: warn
  fields:
    service: skiff-test-registry
storage:
  filesystem:
    rootdirectory: $REGISTRY_ROOT
  delete:
    enabled: true
  redirect:
    disable: true
http:
  addr: 127.0.0.1:5000
  headers:
    X-Content-Type-Options: [nosniff]
YAML
if cmp -s "$REGISTRY_CONF.new" "$REGISTRY_CONF"; then rm -f "$REGISTRY_CONF.new"; else mv "$REGISTRY_CONF.new" "$REGISTRY_CONF"; fi

registry_up() { curl -sf -o /dev/null --max-time 2 "$REGISTRY_URL/v2/"; }
if ! registry_up; then
    setsid nohup docker-registry serve "$REGISTRY_CONF" >"$REGISTRY_LOG" 2>&1 </dev/null &
    for _ in $(seq 1 150); do
        registry_up && break
        sleep 0.2
    done
    registry_up || { tail -n 30 "$REGISTRY_LOG" >&2 || true; die "registry did not come up on 127.0.0.1:5000"; }
fi

# ---- a registry with htpasswd auth on 127.0.0.1:5001 ------------------------------------------
AUTH_REGISTRY_CONF="$CONF_DIR/registry-auth.yml"
AUTH_REGISTRY_ROOT="$STATE_DIR/registry-auth"
AUTH_HTPASSWD="$CONF_DIR/htpasswd"
mkdir -p "$AUTH_REGISTRY_ROOT"
# bcrypt salts differ each run: rewrite only when the password no longer verifies.
if ! [ -f "$AUTH_HTPASSWD" ] || ! htpasswd -vb "$AUTH_HTPASSWD" skiff s3cret >/dev/null 2>&1; then
    htpasswd -Bbn skiff s3cret >"$AUTH_HTPASSWD"
fi
chmod 0644 "$AUTH_HTPASSWD"
cat >"$AUTH_REGISTRY_CONF.new" <<YAML
# Written by skiff's tests/env/setup.sh: the registry with htpasswd auth on 127.0.0.1:5001.
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $AUTH_REGISTRY_ROOT
  delete:
    enabled: true
  redirect:
    disable: true
http:
  addr: 127.0.0.1:5001
auth:
  htpasswd:
    realm: skiff-test
    path: $AUTH_HTPASSWD
YAML
if cmp -s "$AUTH_REGISTRY_CONF.new" "$AUTH_REGISTRY_CONF"; then rm -f "$AUTH_REGISTRY_CONF.new"; else mv "$AUTH_REGISTRY_CONF.new" "$AUTH_REGISTRY_CONF"; fi
# 401 without credentials, 200 with them.
auth_registry_up() { curl -sf -o /dev/null --max-time 2 -u skiff:s3cret http://127.0.0.1:5001/v2/; }
if ! auth_registry_up; then
    setsid nohup docker-registry serve "$AUTH_REGISTRY_CONF" >"$STATE_DIR/registry-auth.log" 2>&1 </dev/null &
    for _ in $(seq 1 150); do
        auth_registry_up && break
        sleep 0.2
    done
    auth_registry_up || { tail -n 30 "$STATE_DIR/registry-auth.log" >&2 || true; die "registry did not come up on 127.0.0.1:5001"; }
fi

# ---- fixture images ------------------------------------------------------------------
# Rebuilt when fixtures.py or busybox change, or when the registry lost them (the last image
# fixtures.py pushes is `baddiffid`).
stamp="$(cat "$HERE/fixtures.py" /bin/busybox | sha256sum | cut -d' ' -f1)"
have_fixtures() {
    [ -f "$FIXTURES_STAMP" ] && [ "$(cat "$FIXTURES_STAMP")" = "$stamp" ] &&
        curl -sf -o /dev/null --max-time 5 \
            -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
            "$REGISTRY_URL/v2/baddiffid/manifests/latest"
}
if ! have_fixtures; then
    if ! python3 "$HERE/fixtures.py" --registry 127.0.0.1:5000 --storage "$REGISTRY_ROOT" >"$FIXTURES_LOG" 2>&1; then
        cat "$FIXTURES_LOG" >&2
        die "pushing the fixture images failed"
    fi
    echo "$stamp" >"$FIXTURES_STAMP"
fi

# ---- docker-py for the API tests ---------------------------------------------------------
VENV="$STATE_DIR/venv"
if ! runuser -u "$TEST_USER" -- "$VENV/bin/python" -c 'import docker' >/dev/null 2>&1; then
    log=$(mktemp)
    # Debian's python (another one on root's PATH may not be reachable by the test user).
    rm -rf "$VENV"
    if ! { /usr/bin/python3 -m venv "$VENV" && "$VENV/bin/pip" install -q 'docker>=7,<8'; } >"$log" 2>&1; then
        cat "$log" >&2; rm -f "$log"; die "could not make the docker-py venv in $VENV"
    fi
    rm -f "$log"
fi
chmod -R a+rX "$VENV"
