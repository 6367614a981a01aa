//! skiff's own FUSE overlay file system: the fallback when the kernel's overlayfs cannot be
//! mounted (rootless on old kernels, or nested). It reads and writes the kernel overlay's
//! on-disk format, so `storage::diff` turns its upper directory into a layer unchanged.
//!
//! `mount` only opens `/dev/fuse` and calls mount(2); `serve` (possibly in another process,
//! the fd passed with SCM_RIGHTS) answers the kernel's requests until the file system is
//! unmounted.
//!
//! As real root the kernel passes reads and writes of upper files straight through
//! (FUSE_PASSTHROUGH, Linux 6.9+); rootless mounts are served through this process.
//! Rootless, large reads are answered by splicing the file's pages into /dev/fuse (no copy in
//! this process: `overlay/splice.rs`).
//! Measuring knobs (environment of the serving process): `SKIFF_FUSE_THREADS=N`,
//! `SKIFF_FUSE_NO_PASSTHROUGH=1`, `SKIFF_FUSE_NO_READDIRPLUS=1`, `SKIFF_FUSE_NO_SPLICE=1`,
//! `SKIFF_FUSE_SPLICE_MIN=BYTES`.
mod layers;
mod overlay;
// Forks the server process (between fork and exit, nothing but the server runs there).
#[allow(unsafe_code)]
pub mod server;

use std::fs::OpenOptions;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Layer set of one overlay mount.
#[derive(Debug, Clone)]
pub struct OverlayDirs {
    /// Read-only layers, TOP FIRST (like overlayfs `lowerdir=`).
    pub lowers: Vec<PathBuf>,
    /// Writable layer.
    pub upper: PathBuf,
    /// Scratch directory on the same file system as `upper` (copy-ups are built there, then
    /// renamed into place).
    pub work: PathBuf,
    /// The opaque marker WRITTEN for opaque directories (`user.overlay.opaque` rootless,
    /// `trusted.overlay.opaque` rootful); both names are honoured when reading.
    pub opaque_xattr: String,
}

/// Mount options: the kernel checks permissions (`default_permissions`), every user of the
/// container may use the mount (`allow_other`), no READ is larger than a spliced reply can
/// carry (`max_read`).
fn mount_data(fd: i32) -> String {
    format!(
        "fd={fd},rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions,max_read={}",
        overlay::MAX_READ
    )
}

/// Open `/dev/fuse` and mount a FUSE file system at `target`. The caller needs
/// CAP_SYS_ADMIN in the user namespace owning its mount namespace. Returns the `/dev/fuse`
/// fd, to be handed to [`serve`] (in this process or another one).
pub fn mount(target: &Path) -> std::io::Result<OwnedFd> {
    let dev = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_CLOEXEC)
        .open("/dev/fuse")
        .map_err(|e| std::io::Error::new(e.kind(), format!("opening /dev/fuse: {e}")))?;
    let fd = OwnedFd::from(dev);
    let data = mount_data(fd.as_raw_fd());
    nix::mount::mount(
        Some("skiff-overlay"),
        target,
        Some("fuse.skiff-overlay"),
        nix::mount::MsFlags::empty(),
        Some(data.as_str()),
    )
    .map_err(|e| {
        std::io::Error::new(
            std::io::Error::from(e).kind(),
            format!("mounting FUSE at {}: {e}", target.display()),
        )
    })?;
    Ok(fd)
}

/// Serve the mounted connection `fd` until it is unmounted, then return Ok. Starts worker
/// threads; files are created with the ids of the requests, so the process must be able to
/// chown (root in the container's user namespace).
pub fn serve(fd: OwnedFd, dirs: OverlayDirs) -> std::io::Result<()> {
    let mut fs = overlay::Overlay::new(dirs)?;
    fs.splice_replies_to(fd.try_clone()?);
    // Modes arrive already masked by the kernel: do not mask them a second time.
    nix::sys::stat::umask(nix::sys::stat::Mode::empty());
    raise_fd_limit();
    // One worker per CPU: the kernel wakes every idle reader for each request, so more
    // threads only cost wake-ups (SKIFF_FUSE_THREADS overrides, for measuring).
    let threads = std::env::var("SKIFF_FUSE_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| (1..=64).contains(n))
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
                .clamp(2, 8)
        });
    let mut config = fuser::Config::default();
    config.acl = fuser::SessionACL::All;
    config.n_threads = Some(threads);
    // One device for every worker: a spliced reply goes out on the server's duplicate of it,
    // and the kernel looks a request up on the device it was read from.
    config.clone_fd = false;
    let session = fuser::Session::from_fd(fs, fd, fuser::SessionACL::All, config)?;
    session.run()
}

/// Open files are kept as fds: lift the soft limit to the hard one.
fn raise_fd_limit() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    if let Ok((_, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
    }
}

/// The debug entry point `skiff __fuse-overlay LOWERS UPPER WORK TARGET` (LOWERS
/// colon-separated, top first): mount, serve in the foreground, exit 0 once unmounted.
pub fn debug_main(args: &[String]) -> i32 {
    let [lowers, upper, work, target] = args else {
        eprintln!("usage: skiff __fuse-overlay LOWERS UPPER WORK TARGET");
        return crate::exit::ENGINE;
    };
    let dirs = OverlayDirs {
        lowers: lowers
            .split(':')
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .collect(),
        upper: PathBuf::from(upper),
        work: PathBuf::from(work),
        opaque_xattr: if in_initial_userns() {
            "trusted.overlay.opaque".into()
        } else {
            "user.overlay.opaque".into()
        },
    };
    let fd = match mount(Path::new(target)) {
        Ok(fd) => fd,
        Err(e) => {
            eprintln!("Error: {e}");
            return 1;
        }
    };
    match serve(fd, dirs) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("Error: serving the FUSE overlay: {e}");
            1
        }
    }
}

/// Real root (the identity uid map) may use `trusted.*` xattrs; anybody else uses `user.*`.
fn in_initial_userns() -> bool {
    nix::unistd::geteuid().is_root()
        && std::fs::read_to_string("/proc/self/uid_map")
            .map(|m| m.split_whitespace().collect::<Vec<_>>() == ["0", "0", "4294967295"])
            .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn mount_options() {
        assert_eq!(
            super::mount_data(7),
            "fd=7,rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions,\
             max_read=1040384"
        );
    }
}
