#!/usr/bin/env python3
"""Build skiff's fixture images from Debian's busybox-static and push them to a local registry.

Standard library only (plus the `zstd` command for the zstd layer). Layers are tar archives built
here with explicit owners, modes and a fixed mtime, so every run produces the same blobs and the
same manifest digests.

    python3 tests/env/fixtures.py                          # push all images to 127.0.0.1:5000
    python3 tests/env/fixtures.py --only busybox,layered   # push some of them
    python3 tests/env/fixtures.py --rootfs-tar OUT.tar     # write the busybox root as a plain tar
    python3 tests/env/fixtures.py --big                    # only `big` (benchmarks; opt-in)

Images (tag `latest` each): busybox, layered, multiarch, zstd, plain, hostile-dotdot,
hostile-symlink, hostile-hardlink, hostile-proc-link, hostile-sys-link, hostile-dev-link,
hostile-devices, hostile-etc-link, hostile-xattrs, corrupt, baddiffid. `corrupt` needs write access to the
registry's filesystem storage (--storage): its layer blob is overwritten there after the push.

`big` (only with --big, never by default) is a Debian bookworm minbase root (debootstrap, with
perl and python3: a few hundred MB) split into several gzip layers, for the pull benchmark of
benches/compare.sh. The root is built once into --big-root (needs root and a Debian mirror).
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request

MTIME = 1704067200  # 2024-01-01T00:00:00Z
CREATED = "2024-01-01T00:00:00Z"
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"

ALL_IMAGES = [
    "busybox", "layered", "multiarch", "zstd", "plain",
    "hostile-dotdot", "hostile-symlink", "hostile-hardlink",
    "hostile-proc-link", "hostile-sys-link", "hostile-dev-link", "hostile-devices",
    "hostile-etc-link", "hostile-xattrs",
    "corrupt", "baddiffid",  # baddiffid last: setup.sh uses it as the "all pushed" marker
]


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------- layers

class Layer:
    """A tar archive built entry by entry, in the order given."""

    def __init__(self, fmt=tarfile.GNU_FORMAT):
        self.buf = io.BytesIO()
        self.tar = tarfile.open(fileobj=self.buf, mode="w", format=fmt)

    def _info(self, name, kind, mode, uid, gid):
        ti = tarfile.TarInfo(name.lstrip("/") if not name.startswith("../") else name)
        ti.type = kind
        ti.mode = mode
        ti.uid, ti.gid = uid, gid
        ti.uname = {0: "root", 1000: "user"}.get(uid, "")
        ti.gname = {0: "root", 1000: "user"}.get(gid, "")
        ti.mtime = MTIME
        return ti

    def dir(self, name, mode=0o755, uid=0, gid=0, xattrs=None):
        ti = self._info(name, tarfile.DIRTYPE, mode, uid, gid)
        if xattrs:  # PAX records (the layer must be Layer(tarfile.PAX_FORMAT))
            ti.pax_headers = {f"SCHILY.xattr.{k}": v for k, v in xattrs.items()}
        self.tar.addfile(ti)
        return self

    def file(self, name, data, mode=0o644, uid=0, gid=0):
        if isinstance(data, str):
            data = data.encode()
        ti = self._info(name, tarfile.REGTYPE, mode, uid, gid)
        ti.size = len(data)
        self.tar.addfile(ti, io.BytesIO(data))
        return self

    def symlink(self, name, target, uid=0, gid=0):
        ti = self._info(name, tarfile.SYMTYPE, 0o777, uid, gid)
        ti.linkname = target
        self.tar.addfile(ti)
        return self

    def hardlink(self, name, target, uid=0, gid=0):
        ti = self._info(name, tarfile.LNKTYPE, 0o644, uid, gid)
        ti.linkname = target
        self.tar.addfile(ti)
        return self

    def device(self, name, kind, major, minor, mode=0o666):
        """A device node: kind "c" (character) or "b" (block)."""
        ti = self._info(name, tarfile.CHRTYPE if kind == "c" else tarfile.BLKTYPE, mode, 0, 0)
        ti.devmajor, ti.devminor = major, minor
        self.tar.addfile(ti)
        return self

    def bytes(self):
        self.tar.close()
        return self.buf.getvalue()


def check_static(path):
    """Refuse a dynamically linked busybox: the images have no libc."""
    with open(path, "rb") as f:
        ehdr = f.read(64)
        if ehdr[:4] != b"\x7fELF" or ehdr[4] != 2:
            sys.exit(f"fixtures.py: {path} is not a 64-bit ELF file")
        phoff, = struct.unpack_from("<Q", ehdr, 32)
        phentsize, phnum = struct.unpack_from("<HH", ehdr, 54)
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            p_type, = struct.unpack("<I", f.read(4))
            if p_type == 3:  # PT_INTERP
                sys.exit(f"fixtures.py: {path} is dynamically linked; install busybox-static")


def busybox_entries(layer, busybox, extra=None):
    """The busybox root filesystem, written into `layer`."""
    check_static(busybox)
    with open(busybox, "rb") as f:
        binary = f.read()
    applets = subprocess.run([busybox, "--list"], check=True, capture_output=True,
                             text=True).stdout.split()
    layer.dir("bin")
    layer.file("bin/busybox", binary, mode=0o755)
    for applet in sorted(set(applets) - {"busybox"}):
        if "/" in applet or not applet:
            continue
        layer.symlink("bin/" + applet, "busybox")
    layer.dir("dev")
    layer.dir("etc")
    layer.file("etc/passwd",
               "root:x:0:0:root:/root:/bin/sh\n"
               "user:x:1000:1000:user:/home/user:/bin/sh\n"
               "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
    layer.file("etc/group",
               "root:x:0:\n"
               "user:x:1000:\n"
               "nogroup:x:65534:\n")
    layer.dir("home")
    layer.dir("home/user", uid=1000, gid=1000)
    layer.dir("proc", mode=0o555)
    layer.dir("root", mode=0o700)
    layer.dir("sys", mode=0o555)
    layer.dir("tmp", mode=0o1777)
    layer.dir("usr")
    layer.dir("var")
    layer.dir("var/www")
    layer.file("var/www/index.html", "hello from skiff\n")
    for name, data in (extra or {}).items():
        layer.file(name, data)
    return layer


def busybox_tar(busybox, extra=None):
    return busybox_entries(Layer(), busybox, extra).bytes()


def compress(tar, how):
    """Return (blob, media type kind) for `how` in gzip|zstd|none."""
    if how == "gzip":
        return gzip.compress(tar, compresslevel=6, mtime=0)
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c", "-3", "--no-progress"], input=tar,
                              check=True, capture_output=True).stdout
    if how == "none":
        return tar
    raise ValueError(how)


# ---------------------------------------------------------------------------- registry

class Registry:
    def __init__(self, host):
        self.base = f"http://{host}"
        # Never go through a proxy to reach the local registry.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def request(self, method, url, data=None, headers=None):
        if not url.startswith("http"):
            url = self.base + url
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def has_blob(self, repo, digest):
        status, _, _ = self.request("HEAD", f"/v2/{repo}/blobs/{digest}")
        return status == 200

    def push_blob(self, repo, data):
        digest = sha256(data)
        if self.has_blob(repo, digest):
            return digest
        status, headers, body = self.request("POST", f"/v2/{repo}/blobs/uploads/", data=b"")
        if status != 202:
            raise RuntimeError(f"POST upload {repo}: {status} {body[:300]!r}")
        location = headers["Location"]
        if location.startswith("/"):
            location = self.base + location
        sep = "&" if "?" in location else "?"
        status, _, body = self.request(
            "PUT", f"{location}{sep}digest={digest}", data=data,
            headers={"Content-Type": "application/octet-stream",
                     "Content-Length": str(len(data))})
        if status != 201:
            raise RuntimeError(f"PUT blob {repo} {digest}: {status} {body[:300]!r}")
        return digest

    def push_manifest(self, repo, ref, manifest_bytes, media_type):
        status, headers, body = self.request(
            "PUT", f"/v2/{repo}/manifests/{ref}", data=manifest_bytes,
            headers={"Content-Type": media_type})
        if status != 201:
            raise RuntimeError(f"PUT manifest {repo}:{ref}: {status} {body[:500]!r}")
        digest = sha256(manifest_bytes)
        served = headers.get("Docker-Content-Digest")
        if served and served != digest:
            raise RuntimeError(f"{repo}:{ref}: registry says {served}, we computed {digest}")
        return digest


def dumps(obj):
    return json.dumps(obj, indent=2).encode() + b"\n"


def descriptor(media_type, data, **extra):
    d = {"mediaType": media_type, "size": len(data), "digest": sha256(data)}
    d.update(extra)
    return d


class Pusher:
    def __init__(self, registry, busybox):
        self.reg = registry
        self.busybox = busybox
        self._bb_tar = None

    @property
    def bb_tar(self):
        if self._bb_tar is None:
            self._bb_tar = busybox_tar(self.busybox)
        return self._bb_tar

    def image(self, repo, layers, ref="latest", oci=False, arch="amd64", variant=None,
              diff_ids=None, cmd=("sh",), push_manifest=True):
        """Push an image. `layers` is a list of (uncompressed tar, compression, comment).

        Returns (manifest bytes, manifest media type, layer blobs)."""
        blobs, descs, ids, history = [], [], [], []
        for tar, how, comment in layers:
            blob = compress(tar, how)
            if oci:
                mt = {"gzip": OCI_LAYER_GZIP, "zstd": OCI_LAYER_ZSTD, "none": OCI_LAYER_TAR}[how]
            else:
                if how != "gzip":
                    raise ValueError("docker schema2 layers are gzip here")
                mt = DOCKER_LAYER_GZIP
            self.reg.push_blob(repo, blob)
            blobs.append(blob)
            descs.append(descriptor(mt, blob))
            ids.append(sha256(tar))
            history.append({"created": CREATED, "created_by": f"skiff fixtures.py: {comment}"})
        config = {
            "architecture": arch,
            "os": "linux",
            "created": CREATED,
            "config": {"Env": [PATH_ENV], "Cmd": list(cmd)},
            "rootfs": {"type": "layers", "diff_ids": diff_ids if diff_ids is not None else ids},
            "history": history,
        }
        if variant:
            config["variant"] = variant
        config_bytes = dumps(config)
        self.reg.push_blob(repo, config_bytes)
        media_type = OCI_MANIFEST if oci else DOCKER_MANIFEST
        manifest = {
            "schemaVersion": 2,
            "mediaType": media_type,
            "config": descriptor(OCI_CONFIG if oci else DOCKER_CONFIG, config_bytes),
            "layers": descs,
        }
        manifest_bytes = dumps(manifest)
        if push_manifest:
            self.reg.push_manifest(repo, ref, manifest_bytes, media_type)
        return manifest_bytes, media_type, blobs

    def bb_layer(self):
        return (self.bb_tar, "gzip", "busybox root")


def build_all(pusher, only, storage):
    reg = pusher.reg
    results = []

    def done(repo, manifest_bytes):
        results.append((repo, sha256(manifest_bytes)))
        print(f"{reg.base[len('http://'):]}/{repo}:latest {sha256(manifest_bytes)}", flush=True)

    want = lambda name: name in only  # noqa: E731

    if want("busybox"):
        m, _, _ = pusher.image("busybox", [pusher.bb_layer()])
        done("busybox", m)

    if want("layered"):
        l2 = (Layer().dir("data")
              .file("data/keep", "keep\n").file("data/gone", "gone\n")
              .dir("data/opaque").file("data/opaque/a", "a\n").file("data/opaque/b", "b\n")
              .bytes())
        l3 = (Layer().dir("data")
              .file("data/.wh.gone", b"")
              .dir("data/opaque")
              .file("data/opaque/.wh..wh..opq", b"")
              .file("data/opaque/c", "c\n")
              .file("data/new", "new\n")
              .bytes())
        m, _, _ = pusher.image("layered", [pusher.bb_layer(), (l2, "gzip", "add /data"),
                                           (l3, "gzip", "whiteout and opaque dir")])
        done("layered", m)

    if want("multiarch"):
        entries = []
        for arch, variant in (("amd64", None), ("arm64", "v8")):
            extra = Layer().file("arch", f"{arch}\n").bytes()
            m, mt, _ = pusher.image("multiarch", [pusher.bb_layer(), (extra, "gzip", f"/arch={arch}")],
                                    arch=arch, variant=variant, push_manifest=False)
            reg.push_manifest("multiarch", sha256(m), m, mt)
            platform = {"architecture": arch, "os": "linux"}
            if variant:
                platform["variant"] = variant
            entries.append(descriptor(mt, m, platform=platform))
        index = dumps({"schemaVersion": 2, "mediaType": DOCKER_LIST, "manifests": entries})
        reg.push_manifest("multiarch", "latest", index, DOCKER_LIST)
        done("multiarch", index)

    for repo, how in (("zstd", "zstd"), ("plain", "none")):
        if want(repo):
            name = "none" if how == "none" else how
            tar = busybox_tar(pusher.busybox, {"compression": f"{name}\n"})
            m, _, _ = pusher.image(repo, [(tar, how, f"busybox root, {name} layer")], oci=True)
            done(repo, m)

    hostile = {
        "hostile-dotdot": Layer().file("../../../../tmp/skiff-escape-dotdot", "escaped\n"),
        "hostile-symlink": Layer().symlink("evil", "/tmp")
                                  .file("evil/skiff-escape-symlink", "escaped\n"),
        "hostile-hardlink": Layer().hardlink("passwd-link", "../../../../etc/passwd"),
        # The runtime's targets: /proc, /sys and /dev as links to host paths, device nodes
        # naming common host disks (and /dev/mem), /etc as a link out of the layer.
        "hostile-proc-link": Layer().symlink("proc", "/skiff-proc-link-target"),
        "hostile-sys-link": Layer().symlink("sys", "/skiff-sys-link-target"),
        "hostile-dev-link": Layer().symlink("dev", "/tmp/skiff-dev-link-target"),
        "hostile-devices": Layer().dir("nodes")
                                  .device("nodes/vda", "b", 254, 0)
                                  .device("nodes/vda-253", "b", 253, 0)
                                  .device("nodes/sda", "b", 8, 0)
                                  .device("nodes/nvme0n1", "b", 259, 0)
                                  .device("nodes/xvda", "b", 202, 0)
                                  .device("nodes/loop0", "b", 7, 0)
                                  .device("nodes/mem", "c", 1, 1)
                                  .device("nodes/whiteout", "c", 0, 0),
        "hostile-etc-link": Layer().symlink("etc", "/tmp/skiff-etc-link-target"),
        # overlayfs's own attributes smuggled in a layer: /etc would turn opaque (hiding the
        # busybox layer's passwd) and /bin would redirect.
        "hostile-xattrs": Layer(tarfile.PAX_FORMAT)
                          .dir("etc", xattrs={"user.overlay.opaque": "y",
                                              "trusted.overlay.opaque": "y"})
                          .dir("var", xattrs={"user.overlay.redirect": "/etc",
                                              "trusted.overlay.redirect": "/etc",
                                              "user.skiff-test": "kept"}),
    }
    for repo, layer in hostile.items():
        if want(repo):
            m, _, _ = pusher.image(repo, [pusher.bb_layer(), (layer.bytes(), "gzip", repo)])
            done(repo, m)

    if want("corrupt"):
        tar = busybox_tar(pusher.busybox, {"corrupt-marker": "this layer is corrupted in the registry\n"})
        m, _, blobs = pusher.image("corrupt", [(tar, "gzip", "busybox root + /corrupt-marker")])
        corrupt_blob(storage, blobs[0])
        done("corrupt", m)

    if want("baddiffid"):
        tar = busybox_tar(pusher.busybox, {"baddiffid-marker": "the config lies about this layer\n"})
        wrong = sha256(b"not the layer's content")
        m, _, _ = pusher.image("baddiffid", [(tar, "gzip", "busybox root + /baddiffid-marker")],
                               diff_ids=[wrong])
        done("baddiffid", m)
    return results


def corrupt_blob(storage, blob):
    """Overwrite a blob in the registry's filesystem storage: same length, different bytes."""
    hexd = hashlib.sha256(blob).hexdigest()
    path = os.path.join(storage, "docker/registry/v2/blobs/sha256", hexd[:2], hexd, "data")
    if not os.path.exists(path):
        raise RuntimeError(f"corrupt: blob not found in registry storage at {path} (wrong --storage?)")
    bad = bytes(b ^ 0xFF for b in blob)
    with open(path, "r+b") as f:
        if f.read() == bad:
            return
        f.seek(0)
        f.write(bad)
        f.truncate()


# ---------------------------------------------------------------------------- big

BIG_MIRROR = "http://deb.debian.org/debian"
# Layers of `big`, bottom to top: each takes the paths under these prefixes not taken by a
# later layer; the first takes everything else.
BIG_SPLIT = [None, "usr/share", "usr/lib/x86_64-linux-gnu", "usr/lib/python3.11", "usr/lib"]


def ensure_big_root(root):
    if os.path.isdir(os.path.join(root, "usr", "bin")):
        return
    tmp = root.rstrip("/") + ".tmp"
    subprocess.run(["rm", "-rf", tmp], check=True)
    subprocess.run(["debootstrap", "--variant=minbase", "--include=perl,python3",
                    "bookworm", tmp, BIG_MIRROR], check=True, stdout=subprocess.DEVNULL)
    os.replace(tmp, root)


def big_layer_of(rel):
    """Index in BIG_SPLIT of the layer that holds `rel` (the longest matching prefix)."""
    best, best_len = 0, -1
    for i, prefix in enumerate(BIG_SPLIT):
        if prefix and (rel == prefix or rel.startswith(prefix + "/")) and len(prefix) > best_len:
            best, best_len = i, len(prefix)
    return best


def big_layers(root):
    skip_contents = {"dev", "proc", "sys", "run", "tmp", "var/cache/apt/archives"}
    tars = [tarfile.open(fileobj=io.BytesIO(), mode="w", format=tarfile.PAX_FORMAT)
            for _ in BIG_SPLIT]
    bufs = [t.fileobj for t in tars]
    dirs_in = [set() for _ in BIG_SPLIT]

    def normalize(info):
        info.mtime = MTIME
        return info

    def add(i, rel):
        # Parent directories first, so each layer stands on its own.
        parts = rel.split("/")
        for n in range(1, len(parts)):
            parent = "/".join(parts[:n])
            if parent not in dirs_in[i]:
                dirs_in[i].add(parent)
                tars[i].add(os.path.join(root, parent), arcname=parent, recursive=False,
                            filter=normalize)
        if os.path.isdir(os.path.join(root, rel)) and not os.path.islink(os.path.join(root, rel)):
            if rel in dirs_in[i]:
                return
            dirs_in[i].add(rel)
        tars[i].add(os.path.join(root, rel), arcname=rel, recursive=False, filter=normalize)

    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir
        dirnames.sort()
        for name in sorted(filenames) + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            rel = os.path.join(rel_dir, name) if rel_dir else name
            if rel_dir in skip_contents:
                continue
            add(big_layer_of(rel), rel)
        for d in list(dirnames):
            rel = os.path.join(rel_dir, d) if rel_dir else d
            if not os.path.islink(os.path.join(dirpath, d)):
                add(big_layer_of(rel), rel)
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
    out = []
    for i, t in enumerate(tars):
        t.close()
        out.append((bufs[i].getvalue(), "gzip", f"debian minbase: {BIG_SPLIT[i] or 'base'}"))
    return out


def build_big(pusher, root):
    ensure_big_root(root)
    layers = big_layers(root)
    manifest, _, blobs = pusher.image("big", layers, cmd=("bash",))
    total = sum(len(b) for b in blobs)
    raw = sum(len(t) for t, _, _ in layers)
    print(f"{pusher.reg.base[len('http://'):]}/big:latest {sha256(manifest)} "
          f"({len(layers)} layers, {total // 1000000} MB compressed, {raw // 1000000} MB)",
          flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--registry", default="127.0.0.1:5000", help="host:port (plain HTTP)")
    ap.add_argument("--storage", default="/var/lib/skiff-test/registry",
                    help="the registry's filesystem root directory (for `corrupt`)")
    ap.add_argument("--busybox", default="/bin/busybox", help="a statically linked busybox")
    ap.add_argument("--only", help="comma-separated image names (default: all)")
    ap.add_argument("--rootfs-tar", metavar="OUT",
                    help="write the busybox root filesystem as an uncompressed tar and exit")
    ap.add_argument("--big", action="store_true",
                    help="build and push only `big` (a debootstrap minbase root in layers)")
    ap.add_argument("--big-root", default="/var/cache/skiff-bench/rootfs",
                    help="where the minbase root for `big` is built once and kept")
    args = ap.parse_args()

    if args.big:
        build_big(Pusher(Registry(args.registry), args.busybox), args.big_root)
        return

    if args.rootfs_tar:
        data = busybox_tar(args.busybox)
        tmp = args.rootfs_tar + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, args.rootfs_tar)
        return

    only = ALL_IMAGES if not args.only else args.only.split(",")
    unknown = set(only) - set(ALL_IMAGES)
    if unknown:
        ap.error(f"unknown image(s): {', '.join(sorted(unknown))}")
    build_all(Pusher(Registry(args.registry), args.busybox), only, args.storage)


if __name__ == "__main__":
    main()
