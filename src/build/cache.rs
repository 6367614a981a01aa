//! The build cache: `build-cache/index/<key>.json` maps a step's cache key (a digest of its
//! parent image, its instruction after substitution, the build args it sees and the checksum
//! of the files it copies) to the image the step produced. Entries are written atomically once
//! the image is stored, so a killed build leaves none half-written; a per-key lock makes two
//! builds that need the same step run it once.
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::state::atomic::read_json;
use crate::state::{write_json_atomic, LockFile};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// The image (config digest) the step produced.
    pub image: String,
    /// The image it was built on.
    pub parent: String,
    pub created: String,
}

#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// A digest of the parts (each length-prefixed, so that parts cannot run into each other).
pub fn key(parts: &[&str]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

impl Cache {
    /// The cache under the data root.
    pub fn new(data: &Path) -> Cache {
        Cache {
            dir: data.join("build-cache"),
        }
    }

    fn entry_path(&self, key: &str) -> PathBuf {
        self.dir.join("index").join(format!("{key}.json"))
    }

    pub fn get(&self, key: &str) -> Option<Entry> {
        read_json(&self.entry_path(key)).ok()
    }

    pub fn put(&self, key: &str, e: &Entry) -> std::io::Result<()> {
        write_json_atomic(&self.entry_path(key), e)
    }

    /// Held while a step with this key runs.
    pub fn lock(&self, key: &str) -> std::io::Result<LockFile> {
        LockFile::exclusive(&self.dir.join("locks").join(format!("{key}.lock")))
    }

    /// Every entry, with its key.
    pub fn entries(&self) -> Vec<(String, Entry)> {
        let mut out = Vec::new();
        let Ok(rd) = std::fs::read_dir(self.dir.join("index")) else {
            return out;
        };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(k) = name.strip_suffix(".json") {
                if let Ok(entry) = read_json::<Entry>(&e.path()) {
                    out.push((k.to_string(), entry));
                }
            }
        }
        out
    }

    pub fn remove(&self, key: &str) {
        let _ = std::fs::remove_file(self.entry_path(key));
        let _ = std::fs::remove_file(self.dir.join("locks").join(format!("{key}.lock")));
    }

    /// The persistent directory of a `RUN --mount=type=cache` (by its id).
    pub fn mount_dir(&self, id: &str) -> PathBuf {
        self.dir.join("mounts").join(key(&[id]))
    }

    /// The content checksums of a context's files (see `files::SumCache`).
    pub fn sums_path(&self, context: &Path) -> PathBuf {
        self.dir
            .join("sums")
            .join(format!("{}.json", key(&[&context.to_string_lossy()])))
    }

    pub fn mounts_root(&self) -> PathBuf {
        self.dir.join("mounts")
    }
}
