//! Getting at a container's root file system from a helper process (`cp`):
//!
//! - a running container: join its user and mount namespaces (`setns`), after which `/` is the
//!   container's root, with its volumes;
//! - a stopped one: in a private mount namespace of the user namespace helper, mount its
//!   overlay (image layers and upper dir) as the container would.
//!
//! Both must run in a single-threaded process (the freshly started helper).
use std::os::unix::fs::MetadataExt;

use nix::sched::CloneFlags;

use super::{Rootfs, RuntimeError};

/// Join the user and mount namespaces of the container whose process 1 is `pid` (started at
/// `pid_start`, to refuse a recycled PID). Afterwards `/` is the container's root.
pub fn join_container(pid: i32, pid_start: u64) -> Result<(), RuntimeError> {
    let gone = || RuntimeError::ProcessGone(pid);
    let mut joins = Vec::new();
    for (name, flag) in [
        ("user", CloneFlags::CLONE_NEWUSER),
        ("mnt", CloneFlags::CLONE_NEWNS),
    ] {
        let theirs = format!("/proc/{pid}/ns/{name}");
        let meta = std::fs::metadata(&theirs).map_err(|_| gone())?;
        let ours = std::fs::metadata(format!("/proc/self/ns/{name}")).ok();
        if ours.is_some_and(|o| o.ino() == meta.ino() && o.dev() == meta.dev()) {
            continue;
        }
        let f = std::fs::File::open(&theirs).map_err(|_| gone())?;
        joins.push((name, flag, f));
    }
    if crate::sys::proc::start_time(pid) != Some(pid_start) {
        return Err(gone());
    }
    for (name, flag, f) in &joins {
        nix::sched::setns(f, *flag).map_err(|e| {
            RuntimeError::ctx(format!("joining the container's {name} namespace"))(e)
        })?;
    }
    nix::unistd::chdir("/").map_err(RuntimeError::ctx("chdir /"))?;
    Ok(())
}

/// A volume or bind mount of a container: (host source, container destination, read-write).
pub type VolumeMount = (std::path::PathBuf, std::path::PathBuf, bool);

/// On the mounted root of a container that does not run (`cp`), bind its volumes and bind
/// mounts where the container would see them, parents first, read-only ones read-only.
pub fn mount_volumes(root: &std::path::Path, mounts: &[VolumeMount]) -> Result<(), RuntimeError> {
    use nix::mount::{mount, MsFlags};
    use std::os::fd::AsFd;
    let other = |e: super::init::InitError| RuntimeError::Failed(e.message);
    // Mount points resolve inside the root (`inroot`): an image's symlink cannot send a
    // volume onto the host's files.
    let root_fd = super::inroot::open_root(root)
        .map_err(RuntimeError::ctx(format!("opening {}", root.display())))?;
    let mut sorted: Vec<&VolumeMount> = mounts.iter().collect();
    sorted.sort_by_key(|(_, dest, _)| dest.components().count());
    for (source, dest, rw) in sorted {
        let dir = std::fs::metadata(source)
            .map(|m| m.is_dir())
            .unwrap_or(true);
        let kind = if dir {
            super::inroot::Kind::Dir
        } else {
            super::inroot::Kind::File
        };
        let target =
            super::inroot::make(root_fd.as_fd(), dest, kind).map_err(RuntimeError::Failed)?;
        mount(
            Some(source.as_path()),
            &super::inroot::fd_path(&target),
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
        .map_err(|e| {
            RuntimeError::ctx(format!(
                "mounting {} on {}",
                source.display(),
                dest.display()
            ))(e)
        })?;
        if !rw {
            let mounted = super::inroot::open(root_fd.as_fd(), dest, nix::fcntl::OFlag::O_PATH)
                .map_err(RuntimeError::ctx(format!("opening {}", dest.display())))?;
            super::container_mounts::remount_readonly(
                &super::syscall::Linux,
                &super::inroot::fd_path(&mounted),
            )
            .map_err(other)?;
        }
    }
    Ok(())
}

/// In a new private mount namespace, mount the container's root file system at
/// `rootfs.target`, with its driver. A FUSE server is forked first, so that it stays outside
/// that mount namespace and ends with it.
pub fn mount_overlay(rootfs: &Rootfs) -> Result<(), RuntimeError> {
    let err = |what: &str, e: nix::errno::Errno| RuntimeError::ctx(what)(e);
    let server = rootfs.driver().spawn_server(rootfs, None)?;
    super::mountops::private_mount_namespace().map_err(|e| RuntimeError::Hook(Box::new(e)))?;
    let connection = rootfs
        .mount()
        .map_err(|m| RuntimeError::Failed(format!("{m} (is the container starting?)")))?;
    if let (Some(server), Some(fd)) = (server, connection) {
        server.serve(fd)?;
    }
    nix::unistd::chdir("/").map_err(|e| err("chdir /", e))?;
    Ok(())
}
