//! Layered root filesystems for containers.
pub mod copy;
pub mod diff;
pub mod fuse;

use std::path::Path;

/// Remove a directory tree if it exists (a missing tree is not an error).
pub fn remove_tree(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}
