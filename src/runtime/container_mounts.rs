//! The container's mount table, made by its init inside the new mount namespace: the spec's
//! mounts resolved inside the new root, the host's device nodes and /dev's links, pivot_root
//! into the root, then `--sysctl`, the masked and read-only paths and a read-only root. Every
//! call that changes the mount table goes through [`Syscall`], so the order is unit-tested
//! below with the recording double (`cargo nextest run --lib container_mounts`).
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::fcntl::OFlag;
use nix::mount::{MntFlags, MsFlags};
use nix::sys::stat::SFlag;
use oci_spec::runtime::Spec;

use super::init_error::{ctx, fail, InitError};
use super::inroot;
use super::syscall::Syscall;

/// `p`, a path in the container, under `base`: `/` in the container after pivot_root (so the
/// path is the same), a temporary directory in the tests.
fn under(base: &Path, p: &str) -> PathBuf {
    base.join(p.trim_start_matches('/'))
}

/// Make every mount of the new mount namespace private (recursively), so nothing mounted here
/// propagates back to the namespace it was copied from.
pub(super) fn make_root_private(sys: &dyn Syscall) -> Result<(), InitError> {
    sys.mount(
        None,
        Path::new("/"),
        None,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None,
    )
    .map_err(ctx("making / private"))
}

/// Inside the mounted root file system at `root`: `nodev` on it (unless the container may use
/// devices), the spec's mounts in their order, the device nodes, /dev's links. The caller has
/// made every mount of the namespace private ([`make_root_private`]) first.
pub(super) fn mount_into_root(
    sys: &dyn Syscall,
    spec: &Spec,
    root: &Path,
) -> Result<(), InitError> {
    let linux = spec.linux().as_ref();
    // Without --privileged the root file system is nodev: a device node there (made with
    // mknod, or brought by an image) opens nothing. The container's /dev has only the
    // host's nodes, bind-mounted.
    let allow_devices = spec
        .annotations()
        .as_ref()
        .and_then(|a| a.get(super::spec::ALLOW_DEVICES_ANNOTATION))
        .is_some_and(|v| v == "true");
    if !allow_devices {
        remount_bind(sys, root, false, MsFlags::MS_NODEV)?;
    }
    // Every mount point, device and link below is resolved inside the root by the kernel.
    let root_fd = inroot::open_root(root).map_err(ctx("opening the root filesystem"))?;
    let rootless = linux
        .and_then(|l| l.namespaces().as_ref())
        .is_some_and(|ns| {
            ns.iter()
                .any(|n| n.typ() == oci_spec::runtime::LinuxNamespaceType::User)
        });
    // Every mount is private until a mount asks for shared or slave propagation: until then
    // a `private`/`rprivate` option changes nothing and its call is left out.
    let mut all_private = true;
    for m in spec.mounts().as_deref().unwrap_or_default() {
        do_mount(sys, root_fd.as_fd(), m, rootless, &mut all_private)?;
    }
    for dev in linux.and_then(|l| l.devices().clone()).unwrap_or_default() {
        bind_device(sys, root_fd.as_fd(), dev.path())?;
    }
    dev_links(sys, root_fd.as_fd())
}

/// pivot_root into `root` and detach the old root (runc's pivot_root(".", ".")).
pub(super) fn pivot(sys: &dyn Syscall, root: &Path) -> Result<(), InitError> {
    sys.chdir(root)
        .map_err(ctx("chdir to the root filesystem"))?;
    sys.pivot_root(Path::new("."), Path::new("."))
        .map_err(ctx("pivot_root"))?;
    sys.umount2(Path::new("."), MntFlags::MNT_DETACH)
        .map_err(ctx("detaching the old root"))?;
    sys.chdir(Path::new("/")).map_err(ctx("chdir /"))
}

/// After pivot_root (`base` is `/`, so that every path resolves in the container and nowhere
/// else), as runc does them: `--sysctl` before /proc/sys turns read-only, the masked paths,
/// the read-only paths, and the root read-only if the spec says so.
pub(super) fn protect_paths(sys: &dyn Syscall, spec: &Spec, base: &Path) -> Result<(), InitError> {
    let linux = spec.linux().as_ref();
    let masked = linux
        .and_then(|l| l.masked_paths().clone())
        .unwrap_or_default();
    let readonly = linux
        .and_then(|l| l.readonly_paths().clone())
        .unwrap_or_default();
    let sysctls = linux.and_then(|l| l.sysctl().clone()).unwrap_or_default();
    if !masked.is_empty() || !readonly.is_empty() || !sysctls.is_empty() {
        check_proc(base)?;
    }
    for (key, value) in &sysctls {
        write_sysctl(base, key, value)?;
    }
    if !masked.is_empty() {
        let devnull = container_devnull(base)?;
        for p in &masked {
            mask_path(sys, base, p, &devnull)?;
        }
    }
    for p in &readonly {
        readonly_path(sys, base, p)?;
    }
    if spec.root().as_ref().and_then(|r| r.readonly()) == Some(true) {
        remount_readonly(sys, base)?;
    }
    Ok(())
}

/// Write a kernel parameter of the container's namespaces under its /proc/sys (`--sysctl`).
fn write_sysctl(root: &Path, key: &str, value: &str) -> Result<(), InitError> {
    let rel = key.replace('.', "/");
    if rel.split('/').any(|c| c.is_empty() || c == "..") {
        return Err(fail(format!("invalid sysctl {key}")));
    }
    let path = root.join("proc/sys").join(rel);
    std::fs::write(&path, value.as_bytes())
        .map_err(|e| fail(format!("writing sysctl {key}={value}: {e}")))
}

/// Mount `m` inside the root. `all_private`: every mount of the namespace is private so far
/// (the root was made rprivate and no mount asked for another propagation); a private or
/// rprivate option is then a no-op (a new mount, or a bind of a private one, is private) and
/// is skipped; a shared or slave one clears it.
pub(super) fn do_mount(
    sys: &dyn Syscall,
    root: BorrowedFd<'_>,
    m: &oci_spec::runtime::Mount,
    rootless: bool,
    all_private: &mut bool,
) -> Result<(), InitError> {
    let destination = m.destination();
    let typ = m.typ().clone().unwrap_or_else(|| "bind".into());
    // procfs and sysfs only on an ordinary directory (runc's rule): a symlink there (in the
    // image) would move them, and the masks over them, somewhere else.
    if matches!(typ.as_str(), "proc" | "sysfs")
        || destination == Path::new("/proc")
        || destination == Path::new("/sys")
    {
        let kind = if typ == "bind" { "sysfs" } else { typ.as_str() };
        match inroot::open_no_symlinks(root, destination, OFlag::O_PATH) {
            Ok(fd) => {
                let st = nix::sys::stat::fstat(&fd).map_err(ctx(format!(
                    "checking the mount point {}",
                    destination.display()
                )))?;
                if st.st_mode & SFlag::S_IFMT.bits() != SFlag::S_IFDIR.bits() {
                    return Err(ordinary_dir_error(kind, destination));
                }
            }
            Err(nix::errno::Errno::ENOENT) => {}
            Err(nix::errno::Errno::ELOOP) | Err(nix::errno::Errno::ENOTDIR) => {
                return Err(ordinary_dir_error(kind, destination))
            }
            Err(e) => {
                return Err(fail(format!(
                    "checking the mount point {}: {e}",
                    destination.display()
                )))
            }
        }
    }
    let opts = m.options().clone().unwrap_or_default();
    let mut flags = MsFlags::empty();
    let mut data = Vec::new();
    let mut bind = typ == "bind";
    let mut readonly = false;
    let mut propagation = None;
    let mut copy_up = false;
    let mut chown = None;
    for o in &opts {
        match o.as_str() {
            "nosuid" => flags |= MsFlags::MS_NOSUID,
            "noexec" => flags |= MsFlags::MS_NOEXEC,
            "nodev" => flags |= MsFlags::MS_NODEV,
            "ro" => readonly = true,
            "rw" => {}
            "strictatime" => flags |= MsFlags::MS_STRICTATIME,
            "bind" => bind = true,
            "rbind" => {
                bind = true;
                flags |= MsFlags::MS_REC;
            }
            "private" => propagation = Some(MsFlags::MS_PRIVATE),
            "rprivate" => propagation = Some(MsFlags::MS_PRIVATE | MsFlags::MS_REC),
            "slave" => propagation = Some(MsFlags::MS_SLAVE),
            "rslave" => propagation = Some(MsFlags::MS_SLAVE | MsFlags::MS_REC),
            "shared" => propagation = Some(MsFlags::MS_SHARED),
            "rshared" => propagation = Some(MsFlags::MS_SHARED | MsFlags::MS_REC),
            s if s == super::spec::OPT_COPY_UP => copy_up = true,
            s if s.starts_with(super::spec::OPT_CHOWN) => {
                let ids = &s[super::spec::OPT_CHOWN.len()..];
                chown = ids
                    .split_once(':')
                    .and_then(|(u, g)| Some((u.parse::<u32>().ok()?, g.parse::<u32>().ok()?)));
                if chown.is_none() {
                    return Err(fail(format!("bad mount option {s}")));
                }
            }
            other => data.push(other.to_string()),
        }
    }
    let source = m.source().clone().unwrap_or_else(|| PathBuf::from(&typ));
    if propagation.is_some_and(|p| p.contains(MsFlags::MS_PRIVATE)) && *all_private {
        propagation = None;
    } else if propagation.is_some() {
        *all_private = false;
    }
    let set_propagation = |p: MsFlags| -> Result<(), InitError> {
        let fd = mounted(root, destination)?;
        sys.mount(None, &inroot::fd_path(&fd), None, p, None)
            .map_err(ctx(format!(
                "setting the propagation of {}",
                destination.display()
            )))
    };
    if bind {
        let meta = std::fs::metadata(&source);
        let is_dir = meta.as_ref().map(|m| m.is_dir()).unwrap_or(true);
        // A bind of one regular file (`/etc/hosts`, `/etc/resolv.conf`, a file volume) holds
        // no device node and cannot be given one (nothing is made over a mount point): `nodev`
        // on it would change nothing, and its remount is left out.
        let is_file = meta.as_ref().is_ok_and(|m| m.is_file());
        if copy_up && is_dir {
            // The image's content at the destination, if it is a directory there.
            if let Ok(from) = inroot::open(root, destination, OFlag::O_PATH | OFlag::O_DIRECTORY) {
                super::mountops::copy_up_from(from.as_fd(), &source)
                    .map_err(|e| fail(e.to_string()))?;
            }
        }
        if let Some((uid, gid)) = chown {
            super::mountops::chown_tree(&source, uid, gid).map_err(|e| fail(e.to_string()))?;
        }
        let kind = if is_dir {
            inroot::Kind::Dir
        } else {
            inroot::Kind::File
        };
        let target = inroot::make(root, destination, kind).map_err(fail)?;
        sys.mount(
            Some(source.as_path()),
            &inroot::fd_path(&target),
            None,
            MsFlags::MS_BIND | (flags & MsFlags::MS_REC),
            None,
        )
        .map_err(ctx(format!(
            "bind-mounting {} on {}",
            source.display(),
            destination.display()
        )))?;
        let mut extra = flags & (MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC | MsFlags::MS_NODEV);
        if is_file {
            extra.remove(MsFlags::MS_NODEV);
        }
        if readonly || !extra.is_empty() {
            let fd = mounted(root, destination)?;
            remount_bind(sys, &inroot::fd_path(&fd), readonly, extra)?;
        }
        if let Some(p) = propagation {
            set_propagation(p)?;
        }
        return Ok(());
    }
    let target = inroot::make(root, destination, inroot::Kind::Dir).map_err(fail)?;
    let target_path = inroot::fd_path(&target);
    if readonly {
        flags |= MsFlags::MS_RDONLY;
    }
    let data_s = data.join(",");
    let res = sys.mount(
        Some(source.as_path()),
        &target_path,
        Some(typ.as_str()),
        flags,
        Some(data_s.as_str()),
    );
    match res {
        Ok(()) => {
            if let Some((uid, gid)) = chown {
                let fd = mounted(root, destination)?;
                super::mountops::chown_tree_at(fd.as_fd(), uid, gid)
                    .map_err(|e| fail(format!("chown {}: {e}", destination.display())))?;
            }
            if let Some(p) = propagation {
                set_propagation(p)?;
            }
            Ok(())
        }
        Err(e) if rootless && typ == "sysfs" => {
            // No network namespace of our own: bind the host's /sys read-only instead.
            tracing::debug!("sysfs mount refused ({e}), binding /sys");
            sys.mount(
                Some(Path::new("/sys")),
                &target_path,
                None,
                MsFlags::MS_BIND | MsFlags::MS_REC,
                None,
            )
            .map_err(ctx("binding /sys"))?;
            let fd = mounted(root, destination)?;
            remount_readonly(sys, &inroot::fd_path(&fd))
        }
        Err(e) if typ == "mqueue" && rootless => {
            tracing::debug!("mqueue mount refused ({e}), skipped");
            Ok(())
        }
        Err(e) => Err(fail(format!(
            "mounting {typ} on {}: {e}",
            destination.display()
        ))),
    }
}

/// runc's refusal of a /proc or /sys that is not an ordinary directory.
fn ordinary_dir_error(typ: &str, dest: &Path) -> InitError {
    fail(format!(
        "error mounting \"{typ}\" to rootfs at \"{}\": filesystem \"{typ}\" must be mounted on ordinary directory (the image has a symlink or a file there)",
        dest.display()
    ))
}

/// The mount now at `dest` (resolved again: a descriptor taken before the mount holds the
/// directory under it).
fn mounted(root: BorrowedFd<'_>, dest: &Path) -> Result<OwnedFd, InitError> {
    inroot::open(root, dest, OFlag::O_PATH)
        .map_err(ctx(format!("opening the mount point {}", dest.display())))
}

/// Remount a bind mount read-only, keeping the flags the kernel locks in a user namespace.
pub(super) fn remount_readonly(sys: &dyn Syscall, dest: &Path) -> Result<(), InitError> {
    remount_bind(sys, dest, true, MsFlags::empty())
}

/// Remount a bind mount with `extra` flags (and read-only if asked), keeping the flags the
/// kernel locks in a user namespace.
pub(super) fn remount_bind(
    sys: &dyn Syscall,
    dest: &Path,
    readonly: bool,
    extra: MsFlags,
) -> Result<(), InitError> {
    let st =
        nix::sys::statvfs::statvfs(dest).map_err(ctx(format!("statvfs {}", dest.display())))?;
    let f = st.flags();
    let mut flags = MsFlags::MS_BIND | MsFlags::MS_REMOUNT | extra;
    if readonly {
        flags |= MsFlags::MS_RDONLY;
    }
    use nix::sys::statvfs::FsFlags;
    for (sf, mf) in [
        (FsFlags::ST_RDONLY, MsFlags::MS_RDONLY),
        (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
        (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
        (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (FsFlags::ST_NOATIME, MsFlags::MS_NOATIME),
        (FsFlags::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (FsFlags::ST_RELATIME, MsFlags::MS_RELATIME),
    ] {
        if f.contains(sf) {
            flags |= mf;
        }
    }
    sys.mount(None, dest, None, flags, None)
        .map_err(ctx(format!("remounting {}", dest.display())))
}

/// Bind the host's device node `dev` at the same path in the container (resolved inside it).
fn bind_device(sys: &dyn Syscall, root: BorrowedFd<'_>, dev: &Path) -> Result<(), InitError> {
    if std::fs::metadata(dev).is_err() {
        return Ok(());
    }
    let target = inroot::make(root, dev, inroot::Kind::File).map_err(fail)?;
    sys.mount(
        Some(dev),
        &inroot::fd_path(&target),
        None,
        MsFlags::MS_BIND,
        None,
    )
    .map_err(ctx(format!("binding {}", dev.display())))
}

/// /dev's usual links (`fd`, `stdin`…, `ptmx`), made in the container's /dev wherever it
/// resolves inside the root.
fn dev_links(sys: &dyn Syscall, root: BorrowedFd<'_>) -> Result<(), InitError> {
    let dev = inroot::open(root, Path::new("/dev"), OFlag::O_PATH | OFlag::O_DIRECTORY)
        .map_err(ctx("opening the container's /dev"))?;
    for (link, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("core", "/proc/kcore"),
        ("ptmx", "pts/ptmx"),
    ] {
        match sys.symlinkat(target, dev.as_fd(), link) {
            Ok(()) | Err(nix::errno::Errno::EEXIST) => {}
            Err(e) => return Err(fail(format!("creating /dev/{link}: {e}"))),
        }
    }
    Ok(())
}

/// After pivot_root: `/proc` must be the procfs mounted above (checked, so that the masks go
/// where they belong).
fn check_proc(base: &Path) -> Result<(), InitError> {
    let st = nix::sys::statfs::statfs(&base.join("proc")).map_err(ctx("statfs /proc"))?;
    if st.filesystem_type() != nix::sys::statfs::PROC_SUPER_MAGIC {
        return Err(fail(
            "/proc in the container is not procfs: refusing to start",
        ));
    }
    Ok(())
}

/// The container's /dev/null (bound from the host's above), checked to be the null device: the
/// source of the masks over files (a bind from outside the new root is not allowed any more).
fn container_devnull(base: &Path) -> Result<OwnedFd, InitError> {
    let fd = nix::fcntl::open(
        &base.join("dev/null"),
        OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .map_err(ctx("opening the container's /dev/null"))?;
    let st = nix::sys::stat::fstat(&fd).map_err(ctx("stat /dev/null"))?;
    if st.st_mode & SFlag::S_IFMT.bits() != SFlag::S_IFCHR.bits()
        || st.st_rdev != nix::sys::stat::makedev(1, 3)
    {
        return Err(fail("the container's /dev/null is not the null device"));
    }
    Ok(fd)
}

/// Hide `p` (after pivot_root, so it resolves in the container): /dev/null over a file, an
/// empty read-only tmpfs over a directory. A path this kernel does not have needs nothing;
/// any other failure stops the start.
fn mask_path(sys: &dyn Syscall, base: &Path, p: &str, devnull: &OwnedFd) -> Result<(), InitError> {
    let target = under(base, p);
    let meta = match std::fs::metadata(&target) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(fail(format!("masking {p}: {e}"))),
    };
    let res = if meta.is_dir() {
        sys.mount(
            Some(Path::new("tmpfs")),
            &target,
            Some("tmpfs"),
            MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
            None,
        )
    } else {
        sys.mount(
            Some(inroot::fd_path(devnull).as_path()),
            &target,
            None,
            MsFlags::MS_BIND,
            None,
        )
    };
    res.map_err(ctx(format!("masking {p}")))
}

/// Make `p` read-only (after pivot_root); a missing path needs nothing.
fn readonly_path(sys: &dyn Syscall, base: &Path, p: &str) -> Result<(), InitError> {
    let target = under(base, p);
    match std::fs::symlink_metadata(&target) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(fail(format!("making {p} read-only: {e}"))),
    }
    sys.mount(
        Some(target.as_path()),
        &target,
        None,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None,
    )
    .map_err(ctx(format!("binding {p}")))?;
    remount_readonly(sys, &target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::syscall::{Call, Recorder};
    use serde_json::json;

    fn spec(v: serde_json::Value) -> Spec {
        serde_json::from_value(v).expect("a valid runtime spec")
    }

    fn dir() -> (tempfile::TempDir, PathBuf) {
        let t = tempfile::tempdir().expect("tempdir");
        let p = t.path().canonicalize().expect("canonical tempdir");
        (t, p)
    }

    fn has(flags: MsFlags, want: MsFlags) -> bool {
        flags.contains(want)
    }

    #[test]
    fn spec_mounts_devices_and_dev_links_go_in_order_inside_the_root() {
        let (_t, root) = dir();
        let (_h, host) = dir();
        std::fs::write(host.join("hosts"), "127.0.0.1 localhost\n").expect("hosts");
        std::fs::create_dir(host.join("vol")).expect("vol");
        let spec = spec(json!({
            "ociVersion": "1.0.2",
            "root": {"path": "rootfs"},
            "mounts": [
                {"destination": "/proc", "type": "proc", "source": "proc",
                 "options": ["nosuid", "noexec", "nodev"]},
                {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                 "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
                {"destination": "/etc/hosts", "type": "bind",
                 "source": host.join("hosts"), "options": ["rbind", "ro"]},
                {"destination": "/data", "type": "bind",
                 "source": host.join("vol"), "options": ["rbind", "rprivate"]},
                {"destination": "/sys", "type": "sysfs", "source": "sysfs",
                 "options": ["nosuid", "noexec", "nodev", "ro"]}
            ],
            "linux": {
                "namespaces": [{"type": "user"}, {"type": "mount"}],
                "devices": [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3}]
            }
        }));
        // A rootless container without a network namespace of its own: sysfs is refused.
        let sys = Recorder {
            fail_mount_of: Some("sysfs"),
            ..Recorder::default()
        };
        mount_into_root(&sys, &spec, &root).expect("mounts");
        let m = sys.mounts();
        let p = |s: &str| Some(PathBuf::from(s));
        // The root first: nodev, keeping its other flags.
        assert_eq!((&m[0].0, &m[0].1, &m[0].2), (&None, &root, &None));
        assert!(has(
            m[0].3,
            MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_NODEV
        ));
        assert!(!m[0].3.contains(MsFlags::MS_RDONLY));
        // The spec's mounts in its order, each on a mount point made inside the root.
        let nosuid_noexec_nodev = MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC | MsFlags::MS_NODEV;
        assert_eq!(
            m[1],
            (
                p("proc"),
                root.join("proc"),
                Some("proc".into()),
                nosuid_noexec_nodev
            )
        );
        assert_eq!(
            m[2],
            (
                p("tmpfs"),
                root.join("dev"),
                Some("tmpfs".into()),
                MsFlags::MS_NOSUID | MsFlags::MS_STRICTATIME
            )
        );
        assert!(sys.calls().contains(&Call::Mount {
            source: p("tmpfs"),
            target: root.join("dev"),
            fstype: Some("tmpfs".into()),
            flags: MsFlags::MS_NOSUID | MsFlags::MS_STRICTATIME,
            data: Some("mode=755,size=65536k".into()),
        }));
        assert!(
            root.join("etc/hosts").is_file(),
            "a file mount point for a file"
        );
        assert_eq!(
            m[3],
            (
                Some(host.join("hosts")),
                root.join("etc/hosts"),
                None,
                MsFlags::MS_BIND | MsFlags::MS_REC
            )
        );
        assert_eq!((&m[4].0, &m[4].1), (&None, &root.join("etc/hosts")));
        assert!(has(
            m[4].3,
            MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY
        ));
        assert_eq!(
            m[5],
            (
                Some(host.join("vol")),
                root.join("data"),
                None,
                MsFlags::MS_BIND | MsFlags::MS_REC
            )
        );
        // (Its `rprivate` is left out: every mount is private already.)
        // sysfs refused: the host's /sys bound read-only instead.
        assert_eq!(
            m[6],
            (
                p("sysfs"),
                root.join("sys"),
                Some("sysfs".into()),
                nosuid_noexec_nodev | MsFlags::MS_RDONLY
            )
        );
        assert_eq!(
            m[7],
            (
                p("/sys"),
                root.join("sys"),
                None,
                MsFlags::MS_BIND | MsFlags::MS_REC
            )
        );
        assert!(has(m[8].3, MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY));
        assert_eq!(m[8].1, root.join("sys"));
        // The host's device nodes, then /dev's links, last.
        assert_eq!(
            m[9],
            (
                p("/dev/null"),
                root.join("dev/null"),
                None,
                MsFlags::MS_BIND
            )
        );
        assert_eq!(m.len(), 10);
        let links: Vec<Call> = sys
            .calls()
            .into_iter()
            .skip_while(|c| !matches!(c, Call::Symlink(..)))
            .collect();
        let want: Vec<Call> = [
            ("fd", "/proc/self/fd"),
            ("stdin", "/proc/self/fd/0"),
            ("stdout", "/proc/self/fd/1"),
            ("stderr", "/proc/self/fd/2"),
            ("core", "/proc/kcore"),
            ("ptmx", "pts/ptmx"),
        ]
        .iter()
        .map(|(l, t)| Call::Symlink(root.join("dev"), l.to_string(), t.to_string()))
        .collect();
        assert_eq!(links, want);
    }

    #[test]
    fn private_propagation_and_nodev_on_a_file_are_left_out_where_they_change_nothing() {
        let (_t, root) = dir();
        let (_h, host) = dir();
        std::fs::write(host.join("hosts"), "127.0.0.1 localhost\n").expect("hosts");
        for d in ["a", "b", "c"] {
            std::fs::create_dir(host.join(d)).expect("dir");
        }
        let spec = spec(json!({
            "ociVersion": "1.0.2",
            "root": {"path": "rootfs"},
            "mounts": [
                {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": []},
                {"destination": "/etc/hosts", "type": "bind",
                 "source": host.join("hosts"), "options": ["bind", "rprivate", "nodev"]},
                {"destination": "/a", "type": "bind",
                 "source": host.join("a"), "options": ["rbind", "private", "nodev"]},
                {"destination": "/b", "type": "bind",
                 "source": host.join("b"), "options": ["rbind", "rslave"]},
                {"destination": "/c", "type": "bind",
                 "source": host.join("c"), "options": ["rbind", "rprivate"]}
            ],
            "linux": {"namespaces": [{"type": "user"}, {"type": "mount"}]}
        }));
        let sys = Recorder::default();
        mount_into_root(&sys, &spec, &root).expect("mounts");
        let m = sys.mounts();
        let at = |d: &str| -> Vec<MsFlags> {
            m.iter()
                .filter(|x| x.1 == root.join(d))
                .map(|x| x.3)
                .collect()
        };
        // The file: its bind alone (no propagation, no nodev remount).
        assert_eq!(at("etc/hosts"), vec![MsFlags::MS_BIND]);
        // A directory: its bind and the nodev remount, no propagation call.
        let a = at("a");
        assert_eq!(a.len(), 2, "{a:?}");
        assert!(has(a[1], MsFlags::MS_REMOUNT | MsFlags::MS_NODEV));
        // A slave mount is set; after it, private is no longer a no-op and is set too.
        assert_eq!(
            at("b"),
            vec![
                MsFlags::MS_BIND | MsFlags::MS_REC,
                MsFlags::MS_SLAVE | MsFlags::MS_REC
            ]
        );
        assert_eq!(
            at("c"),
            vec![
                MsFlags::MS_BIND | MsFlags::MS_REC,
                MsFlags::MS_PRIVATE | MsFlags::MS_REC
            ]
        );
    }

    #[test]
    fn proc_on_a_symlink_is_refused_before_anything_is_mounted_there() {
        let (_t, root) = dir();
        std::os::unix::fs::symlink("/tmp", root.join("proc")).expect("symlink");
        let mut annotations = serde_json::Map::new();
        annotations.insert(
            crate::runtime::spec::ALLOW_DEVICES_ANNOTATION.into(),
            "true".into(),
        );
        let spec = spec(json!({
            "ociVersion": "1.0.2",
            "annotations": annotations,
            "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}]
        }));
        let sys = Recorder::default();
        let e = mount_into_root(&sys, &spec, &root).expect_err("refused");
        assert!(
            e.message.contains("must be mounted on ordinary directory"),
            "{}",
            e.message
        );
        // --privileged: no nodev remount either; nothing at all was mounted.
        assert_eq!(sys.calls(), vec![]);
    }

    #[test]
    fn pivot_root_into_the_root_then_detach_the_old_one() {
        let sys = Recorder::default();
        pivot(&sys, Path::new("/run/skiff/c1/merged")).expect("pivot");
        assert_eq!(
            sys.calls(),
            vec![
                Call::Chdir("/run/skiff/c1/merged".into()),
                Call::PivotRoot(".".into(), ".".into()),
                Call::Umount(".".into(), MntFlags::MNT_DETACH),
                Call::Chdir("/".into()),
            ]
        );
    }

    #[test]
    fn masked_and_read_only_paths_after_the_pivot() {
        let (_t, base) = dir();
        // The container's /proc and /dev (mounted before the pivot in a real start).
        std::os::unix::fs::symlink("/proc", base.join("proc")).expect("proc");
        std::os::unix::fs::symlink("/dev", base.join("dev")).expect("dev");
        std::fs::create_dir(base.join("secret-dir")).expect("dir");
        std::fs::write(base.join("secret-file"), "x").expect("file");
        std::fs::create_dir(base.join("ro-dir")).expect("dir");
        let spec = spec(json!({
            "ociVersion": "1.0.2",
            "root": {"path": "rootfs", "readonly": true},
            "linux": {
                "maskedPaths": ["/secret-dir", "/secret-file", "/missing"],
                "readonlyPaths": ["/ro-dir", "/missing-ro"]
            }
        }));
        let sys = Recorder::default();
        protect_paths(&sys, &spec, &base).expect("protect");
        let m = sys.mounts();
        // A directory gets an empty read-only tmpfs, a file the container's /dev/null; a path
        // that does not exist needs nothing.
        assert_eq!(
            m[0],
            (
                Some("tmpfs".into()),
                base.join("secret-dir"),
                Some("tmpfs".into()),
                MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC
            )
        );
        assert_eq!(
            m[1],
            (
                Some("/dev/null".into()),
                base.join("secret-file"),
                None,
                MsFlags::MS_BIND
            )
        );
        // Read-only paths: bound onto themselves, then remounted read-only.
        assert_eq!(
            m[2],
            (
                Some(base.join("ro-dir")),
                base.join("ro-dir"),
                None,
                MsFlags::MS_BIND | MsFlags::MS_REC
            )
        );
        assert_eq!(m[3].1, base.join("ro-dir"));
        assert!(has(
            m[3].3,
            MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY
        ));
        // The read-only root last.
        assert_eq!(m[4].1, base);
        assert!(has(
            m[4].3,
            MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY
        ));
        assert_eq!(m.len(), 5);
    }

    #[test]
    fn masks_wait_for_a_real_procfs() {
        let (_t, base) = dir();
        std::fs::create_dir(base.join("proc")).expect("proc");
        let spec = spec(json!({
            "ociVersion": "1.0.2",
            "linux": {"maskedPaths": ["/proc/kcore"]}
        }));
        let sys = Recorder::default();
        let e = protect_paths(&sys, &spec, &base).expect_err("refused");
        assert_eq!(
            e.message,
            "/proc in the container is not procfs: refusing to start"
        );
        assert_eq!(sys.calls(), vec![]);
    }
}
