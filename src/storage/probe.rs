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

/// Try both mounts under `dir` (created if missing, emptied afterwards).
pub fn probe(dir: &Path, userxattr: bool) -> ProbeResult {
    let result = ProbeResult {
        kernel: kernel_release(),
        overlay: try_overlay(dir, userxattr).err(),
        fuse: try_fuse(dir).err(),
    };
    let _ = std::fs::remove_dir_all(dir);
    result
}

fn try_overlay(dir: &Path, userxattr: bool) -> Result<(), String> {
    crate::sys::mount_ns::private_mount_namespace()?;
    let d = dir.join("overlay");
    let _ = std::fs::remove_dir_all(&d);
    for sub in ["lower/gone", "upper", "work", "merged"] {
        std::fs::create_dir_all(d.join(sub)).map_err(|e| format!("creating {sub}: {e}"))?;
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
    .map_err(|e| format!("mount -t overlay: {e}"))?;
    // Deleting a lower directory must leave a whiteout in the upper dir.
    let removed =
        std::fs::remove_dir(merged.join("gone")).map_err(|e| format!("making a whiteout: {e}"));
    let _ = umount2(&merged, MntFlags::MNT_DETACH);
    removed?;
    let wh = std::fs::symlink_metadata(d.join("upper/gone"))
        .map_err(|e| format!("no whiteout in the upper dir: {e}"))?;
    if !crate::storage::diff::is_whiteout(&wh) {
        return Err("the upper dir holds no 0/0 whiteout".into());
    }
    Ok(())
}

fn try_fuse(dir: &Path) -> Result<(), String> {
    crate::sys::mount_ns::private_mount_namespace()?;
    let target = dir.join("fuse");
    std::fs::create_dir_all(&target).map_err(|e| format!("creating {}: {e}", target.display()))?;
    let fd = crate::storage::fuse::mount(&target).map_err(|e| format!("mounting FUSE: {e}"))?;
    let _ = umount2(&target, MntFlags::MNT_DETACH);
    drop(fd);
    Ok(())
}
