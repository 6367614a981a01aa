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
pub mod copy;
pub mod diff;
pub mod fuse;
pub mod probe;
pub mod vfs;

use std::io::Write;
use std::path::{Path, PathBuf};

/// A storage driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Driver {
    #[default]
    #[serde(rename = "overlay")]
    Overlay,
    #[serde(rename = "fuse-overlay")]
    FuseOverlay,
    #[serde(rename = "vfs")]
    Vfs,
}

impl Driver {
    pub const ALL: [Driver; 3] = [Driver::Overlay, Driver::FuseOverlay, Driver::Vfs];

    pub fn name(self) -> &'static str {
        match self {
            Driver::Overlay => "overlay",
            Driver::FuseOverlay => "fuse-overlay",
            Driver::Vfs => "vfs",
        }
    }
}

impl std::fmt::Display for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Driver {
    type Err = String;
    fn from_str(s: &str) -> Result<Driver, String> {
        match s {
            "overlay" | "overlay2" => Ok(Driver::Overlay),
            "fuse-overlay" | "fuse-overlayfs" => Ok(Driver::FuseOverlay),
            "vfs" => Ok(Driver::Vfs),
            other => Err(format!(
                "unknown storage driver {other:?} (use overlay, fuse-overlay or vfs)"
            )),
        }
    }
}

/// docker's `diff` for a container: its upper dir against `lowers` (the image's layers, top
/// first).
pub fn changes(
    driver: Driver,
    upper: &Path,
    lowers: &[PathBuf],
) -> std::io::Result<Vec<diff::Change>> {
    match driver {
        Driver::Vfs => vfs::changes(upper, lowers),
        Driver::Overlay | Driver::FuseOverlay => diff::changes(upper, lowers),
    }
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
        Driver::Overlay | Driver::FuseOverlay => diff::write_layer_tar(upper, out),
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
