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
    let gone = || RuntimeError::Other(format!("container process {pid} is gone"));
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
    if crate::state::container::process_start_time(pid) != Some(pid_start) {
        return Err(gone());
    }
    for (name, flag, f) in &joins {
        nix::sched::setns(f, *flag).map_err(|e| {
            RuntimeError::Other(format!("joining the container's {name} namespace: {e}"))
        })?;
    }
    nix::unistd::chdir("/").map_err(|e| RuntimeError::Other(format!("chdir /: {e}")))?;
    Ok(())
}

/// In a new private mount namespace, mount the container's root file system at
/// `rootfs.target`, with its driver. A FUSE server is forked first, so that it stays outside
/// that mount namespace and ends with it.
pub fn mount_overlay(rootfs: &Rootfs) -> Result<(), RuntimeError> {
    let err = |what: &str, e: nix::errno::Errno| RuntimeError::Other(format!("{what}: {e}"));
    let server = match rootfs.driver {
        crate::storage::Driver::FuseOverlay => {
            Some(super::FuseServer::spawn(rootfs.overlay_dirs(), None)?)
        }
        _ => None,
    };
    super::mountops::private_mount_namespace().map_err(RuntimeError::Other)?;
    let fuse = rootfs
        .mount()
        .map_err(|m| RuntimeError::Other(format!("{m} (is the container starting?)")))?;
    if let (Some(server), Some(fd)) = (server, fuse) {
        server.serve(fd)?;
    }
    nix::unistd::chdir("/").map_err(|e| err("chdir /", e))?;
    Ok(())
}
