//! What the running kernel lets an unprivileged user mount, tried for real: kernel overlayfs
//! (with a whiteout, as containers need) and FUSE. Runs in the user namespace helper, in a
//! private mount namespace of its own, on scratch directories under `dir`.
use std::path::Path;

use nix::mount::{mount, umount2, MntFlags, MsFlags};

/// The outcome of each try: `None` when it worked, else why not.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ProbeResult {
    /// The kernel release the probe ran on (a cached result is only good for the same one).
    pub kernel: String,
    pub overlay: Option<String>,
    pub fuse: Option<String>,
}

/// The running kernel's release (`uname -r`).
pub fn kernel_release() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Why one of the mounts could not be had (kept as its message in [`ProbeResult`]).
#[derive(Debug, thiserror::Error)]
enum ProbeError {
    #[error(transparent)]
    Namespace(#[from] crate::sys::mount_ns::MountNsError),
    /// A scratch directory or file operation: what was done, and the error.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// The mount itself: which, and the kernel's answer.
    #[error("{what}: {source}")]
    Mount {
        what: &'static str,
        #[source]
        source: nix::errno::Errno,
    },
    /// overlayfs mounted but deleting a lower directory left no usable whiteout.
    #[error("the upper dir holds no 0/0 whiteout")]
    NoWhiteout,
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ProbeError {
    let what = what.into();
    move |source| ProbeError::Io { what, source }
}

/// Try both mounts under `dir` (created if missing, emptied afterwards).
pub fn probe(dir: &Path, userxattr: bool) -> ProbeResult {
    let result = ProbeResult {
        kernel: kernel_release(),
        overlay: try_overlay(dir, userxattr).err().map(|e| e.to_string()),
        fuse: try_fuse(dir).err().map(|e| e.to_string()),
    };
    let _ = std::fs::remove_dir_all(dir);
    result
}

fn try_overlay(dir: &Path, userxattr: bool) -> Result<(), ProbeError> {
    crate::sys::mount_ns::private_mount_namespace()?;
    let d = dir.join("overlay");
    let _ = std::fs::remove_dir_all(&d);
    for sub in ["lower/gone", "upper", "work", "merged"] {
        std::fs::create_dir_all(d.join(sub)).map_err(io(format!("creating {sub}")))?;
    }
    let mut opts = format!(
        "lowerdir={},upperdir={},workdir={}",
        d.join("lower").display(),
        d.join("upper").display(),
        d.join("work").display()
    );
    if userxattr {
        opts.push_str(",userxattr");
    }
    let merged = d.join("merged");
    mount(
        Some("overlay"),
        &merged,
        Some("overlay"),
        MsFlags::empty(),
        Some(opts.as_str()),
    )
    .map_err(|source| ProbeError::Mount {
        what: "mount -t overlay",
        source,
    })?;
    // Deleting a lower directory must leave a whiteout in the upper dir.
    let removed = std::fs::remove_dir(merged.join("gone")).map_err(io("making a whiteout"));
    let _ = umount2(&merged, MntFlags::MNT_DETACH);
    removed?;
    let wh = std::fs::symlink_metadata(d.join("upper/gone"))
        .map_err(io("no whiteout in the upper dir"))?;
    if !crate::storage::diff::is_whiteout(&wh) {
        return Err(ProbeError::NoWhiteout);
    }
    Ok(())
}

fn try_fuse(dir: &Path) -> Result<(), ProbeError> {
    crate::sys::mount_ns::private_mount_namespace()?;
    let target = dir.join("fuse");
    std::fs::create_dir_all(&target).map_err(io(format!("creating {}", target.display())))?;
    let fd = crate::storage::fuse::mount(&target).map_err(io("mounting FUSE"))?;
    let _ = umount2(&target, MntFlags::MNT_DETACH);
    drop(fd);
    Ok(())
}
