//! Layered root filesystems for containers.
//!
//! Image layers are unpacked once, in the kernel overlayfs format (whiteouts are 0/0 character
//! devices, opaque directories carry `user.overlay.opaque`), and every driver reads that same
//! format, so the layer store is shared by all of them. A container's writable part is always
//! its `upper` directory:
//!
//! - [`Driver::Overlay`]: kernel overlayfs, mounted inside the container's user namespace; the
//!   upper dir holds only the changes;
//! - [`Driver::FuseOverlay`]: skiff's own overlay file system on FUSE ([`fuse`]), same upper
//!   dir format, served by a process beside the container;
//! - [`Driver::Vfs`]: the upper dir is a full copy of the layers ([`vfs`]), bind-mounted.
//!
//! `diff`, `commit` and `export` go through [`changes`], [`write_layer_tar`] and
//! [`write_merged_tar`], which pick the right reading for the driver.
pub mod confine;
pub mod copy;
pub mod diff;
pub mod fuse;
pub mod probe;
pub mod rootfs;
pub mod vfs;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use crate::state::host_config::Driver;

/// Files the runtime bind-mounts over (docker keeps them in an "init" layer that `diff` and
/// `commit` leave out). When the image lacks them, their empty mount points land in the upper
/// dir; they are no change of the container's.
pub const RUNTIME_FILES: [&str; 3] = ["etc/hostname", "etc/hosts", "etc/resolv.conf"];

/// Is `rel` one of the runtime's mount points, empty in the upper dir and not in the image?
pub fn is_runtime_mount_point(upper: &Path, lowers: &[PathBuf], rel: &Path) -> bool {
    RUNTIME_FILES.iter().any(|f| Path::new(f) == rel)
        && std::fs::symlink_metadata(upper.join(rel)).is_ok_and(|m| m.is_file() && m.len() == 0)
        && diff::lookup_lower(lowers, rel).is_none()
}

/// docker's `diff` for a container: its upper dir against `lowers` (the image's layers, top
/// first).
pub fn changes(
    driver: Driver,
    upper: &Path,
    lowers: &[PathBuf],
) -> std::io::Result<Vec<diff::Change>> {
    let mut all = match driver {
        Driver::Vfs => vfs::changes(upper, lowers)?,
        Driver::Overlay | Driver::FuseOverlay => diff::changes(upper, lowers)?,
    };
    let before = all.len();
    all.retain(|c| {
        !(c.kind == 'A'
            && is_runtime_mount_point(upper, lowers, Path::new(c.path.trim_start_matches('/'))))
    });
    // /etc was copied up only to hold those mount points: no change either.
    if all.len() < before && !all.iter().any(|c| c.path.starts_with("/etc/")) {
        all.retain(|c| !(c.kind == 'C' && c.path == "/etc"));
    }
    Ok(all)
}

/// The container's changes as a layer tar (`commit`).
pub fn write_layer_tar<W: Write>(
    driver: Driver,
    upper: &Path,
    lowers: &[PathBuf],
    out: W,
) -> std::io::Result<W> {
    match driver {
        Driver::Vfs => vfs::write_layer_tar(upper, lowers, out),
        Driver::Overlay | Driver::FuseOverlay => diff::write_layer_tar(upper, lowers, out),
    }
}

/// The container's whole file system as a tar (`export`).
pub fn write_merged_tar<W: Write>(
    driver: Driver,
    upper: &Path,
    lowers: &[PathBuf],
    out: W,
) -> std::io::Result<W> {
    let mut dirs = vec![upper.to_path_buf()];
    if driver != Driver::Vfs {
        dirs.extend(lowers.iter().cloned());
    }
    diff::write_merged_tar(&dirs, out)
}

/// Remove a directory tree if it exists (a missing tree is not an error).
pub fn remove_tree(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}
