//! Unpacking layer blobs into the layer store inside a user namespace helper (at once or streamed as they download).
use std::path::{Path, PathBuf};

use crate::engine::EngineError;
use crate::helper::{Request, Spawn, UsernsOp};
use crate::image::unpack::{self, UnpackOptions};
use crate::image::ImageStore;

/// A user namespace helper that unpacks layers as they are sent to it (one `BLOB\tDIFF_ID`
/// line each) until its input closes.
pub(super) struct StreamingUnpacker {
    helper: crate::helper::Helper,
    input: Option<std::os::unix::net::UnixStream>,
}

impl StreamingUnpacker {
    pub(super) fn start(store: &ImageStore) -> Result<StreamingUnpacker, EngineError> {
        // A socket rather than a pipe: if the helper dies (a hostile layer), writing to it
        // must fail with EPIPE (MSG_NOSIGNAL), not kill skiff with SIGPIPE.
        let (ours, theirs) = std::os::unix::net::UnixStream::pair()
            .map_err(EngineError::io("socketpair for the unpack helper"))?;
        let req = Request::Userns(UsernsOp::UnpackLayerStream {
            layers_dir: store.layers_dir().to_path_buf(),
            rootful: crate::runtime::userns::is_rootful(),
        });
        let mut spawn = Spawn::new(&req);
        spawn.stdin = std::process::Stdio::from(std::os::fd::OwnedFd::from(theirs));
        spawn.stdout = std::process::Stdio::null();
        Ok(StreamingUnpacker {
            helper: crate::helper::spawn(spawn)?,
            input: Some(ours),
        })
    }

    pub(super) fn send(&mut self, blob: &Path, diff: &str) {
        use std::os::fd::AsRawFd;
        let Some(sock) = &self.input else { return };
        let line = format!("{}\t{diff}\n", blob.display());
        let mut data = line.as_bytes();
        while !data.is_empty() {
            match nix::sys::socket::send(
                sock.as_raw_fd(),
                data,
                nix::sys::socket::MsgFlags::MSG_NOSIGNAL,
            ) {
                Ok(n) => data = &data[n..],
                Err(nix::errno::Errno::EINTR) => continue,
                // The helper is gone: finish() reports why.
                Err(_) => {
                    self.input = None;
                    return;
                }
            }
        }
    }

    pub(super) fn finish(mut self) -> Result<(), EngineError> {
        self.input = None;
        self.helper.finish()?;
        Ok(())
    }
}

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

/// The helper's side of `UnpackLayerStream`: `BLOB\tDIFF_ID` lines on stdin.
pub(crate) fn unpack_layer_stream(layers_dir: &Path, rootful: bool) -> Result<(), EngineError> {
    let opts = UnpackOptions { rootful };
    remove_stale(layers_dir, ".tmp-", true);
    remove_stale(layers_dir, ".trash-", true);
    for line in std::io::BufRead::lines(std::io::stdin().lock()) {
        let line = line.map_err(EngineError::io("reading the layers to unpack"))?;
        let Some((blob, diff)) = line.split_once('\t') else {
            continue;
        };
        unpack::unpack_layer(Path::new(blob), diff, layers_dir, &opts)?;
    }
    Ok(())
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
            let _ = if dirs {
                std::fs::remove_dir_all(e.path())
            } else {
                std::fs::remove_file(e.path())
            };
        }
    }
}
