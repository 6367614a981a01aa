//! Confining the readers of a running container's files (`diff`, `export`, `commit`).
//!
//! Those readers walk the container's upper dir by path while the container runs, so a process
//! in it can swap a directory for a symlink between two steps of the walk (CVE-2018-15664);
//! followed on the host, the link would put host files into the archive. [`confine`] makes
//! every path the helper resolves stay inside the container's own trees: in a private mount
//! namespace it mounts a tmpfs, bind-mounts the upper dir and the layers into it, and chroots
//! there. A symlink then resolves inside that root, as `openat2(RESOLVE_IN_ROOT)` does for
//! `cp`, and `..` stops at it; the readers need no change. Run it in the user namespace helper
//! (or as root), which has the privileges for the mounts, before anything else is read.
use std::io;
use std::path::{Path, PathBuf};

use nix::mount::{mount, MsFlags};

/// Where the tmpfs root goes in the private mount namespace (hidden from everyone else).
const STAGING: &str = "/tmp";

/// A directory opened (O_PATH) before the staging tmpfs is mounted: the store itself may live
/// under [`STAGING`] (a data root in /tmp), which the tmpfs then hides.
struct Held {
    fd: std::fs::File,
    path: PathBuf,
}

fn hold(path: &Path) -> io::Result<Held> {
    use std::os::unix::fs::OpenOptionsExt;
    let fd = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_PATH | nix::libc::O_DIRECTORY | nix::libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| io::Error::new(e.kind(), format!("opening {}: {e}", path.display())))?;
    Ok(Held {
        fd,
        path: path.to_path_buf(),
    })
}

fn bind(src: &Held, dst: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    std::fs::create_dir(dst)?;
    let via = format!("/proc/self/fd/{}", src.fd.as_raw_fd());
    mount(
        Some(via.as_str()),
        dst,
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    )
    .map_err(|e| io::Error::other(format!("bind-mounting {}: {e}", src.path.display())))
}

/// Enter a private mount namespace whose root holds only `upper` (as `/upper`) and `lowers`
/// (as `/lower/N`); returns their new paths.
pub fn confine(upper: &Path, lowers: &[PathBuf]) -> io::Result<(PathBuf, Vec<PathBuf>)> {
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS)
        .map_err(|e| io::Error::other(format!("unshare a mount namespace: {e}")))?;
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|e| io::Error::other(format!("making the mounts private: {e}")))?;
    // Opened in the new namespace (a bind from a mount of another namespace is refused).
    let upper = hold(upper)?;
    let lowers = lowers
        .iter()
        .map(|l| hold(l))
        .collect::<io::Result<Vec<_>>>()?;
    mount(
        Some("tmpfs"),
        STAGING,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        Some("mode=0700,size=64k"),
    )
    .map_err(|e| io::Error::other(format!("mounting a tmpfs on {STAGING}: {e}")))?;
    let root = Path::new(STAGING);
    bind(&upper, &root.join("upper"))?;
    std::fs::create_dir(root.join("lower"))?;
    let mut new_lowers = Vec::with_capacity(lowers.len());
    for (i, l) in lowers.iter().enumerate() {
        bind(l, &root.join("lower").join(i.to_string()))?;
        new_lowers.push(Path::new("/lower").join(i.to_string()));
    }
    nix::unistd::chroot(root).map_err(|e| io::Error::other(format!("chroot: {e}")))?;
    nix::unistd::chdir("/").map_err(|e| io::Error::other(format!("chdir /: {e}")))?;
    Ok((PathBuf::from("/upper"), new_lowers))
}
