//! Unpacking layer blobs into the layer store inside a user namespace helper (at once or streamed as they download).
use std::path::{Path, PathBuf};

use crate::engine::EngineError;
use crate::helper::UsernsOp;
use crate::image::unpack::{self, UnpackOptions};
use crate::image::ImageStore;

/// Unpack layer blobs (blob path, diff id) in one user namespace helper.
pub(crate) fn unpack_with_helper(
    store: &ImageStore,
    blobs: &[(PathBuf, String)],
) -> Result<(), EngineError> {
    crate::helper::run_userns(UsernsOp::UnpackLayers {
        layers_dir: store.layers_dir().to_path_buf(),
        rootful: crate::runtime::userns::is_rootful(),
        blobs: blobs.to_vec(),
    })?;
    Ok(())
}

/// The helper's side of `UnpackLayers`, as root in the user namespace.
pub(crate) fn unpack_layers(
    layers_dir: &Path,
    rootful: bool,
    blobs: &[(PathBuf, String)],
) -> Result<(), EngineError> {
    let opts = UnpackOptions { rootful };
    // Temp trees of helpers that were killed long ago (a live one is never this old).
    remove_stale(layers_dir, ".tmp-", true);
    remove_stale(layers_dir, ".trash-", true);
    for (blob, diff) in blobs {
        unpack::unpack_layer(blob, diff, layers_dir, &opts)?;
    }
    Ok(())
}

/// The helper's side of `UnpackLayerStream`: layers sent on stdin (`stream.rs`).
pub(crate) fn unpack_layer_stream(layers_dir: &Path, rootful: bool) -> Result<(), EngineError> {
    remove_stale(layers_dir, ".tmp-", true);
    remove_stale(layers_dir, ".trash-", true);
    super::stream::serve(layers_dir, rootful)
}

/// Remove entries of `dir` named `prefix*` that were last modified over a day ago.
pub(super) fn remove_stale(dir: &Path, prefix: &str, dirs: bool) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 3600);
    for e in entries.flatten() {
        if !e.file_name().to_string_lossy().starts_with(prefix) {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if old {
            tracing::debug!(path = %e.path().display(), "removing a stale temp entry");
            let _ = if dirs && e.file_type().is_ok_and(|t| t.is_dir()) {
                std::fs::remove_dir_all(e.path())
            } else {
                std::fs::remove_file(e.path())
            };
        }
    }
}
