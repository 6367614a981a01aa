//! Images: references, the content-addressed store, and layer unpacking.
pub mod archive;
pub mod changes;
pub mod inflate;
pub mod manifest_list;
pub mod reference;
pub mod store;
pub mod unpack;

use thiserror::Error;

pub use reference::Reference;
pub use store::{ImageRecord, ImageStore};

#[derive(Debug, Error)]
pub enum ImageError {
    /// A reference that does not follow docker's grammar (the reason may be empty).
    #[error("invalid reference format{}", if .0.is_empty() { String::new() } else { format!(": {}", .0) })]
    InvalidReference(String),
    #[error("No such image: {0}")]
    NotFound(String),
    /// A local manifest list, or an entry of one, that is not there (`manifest`).
    #[error("No such manifest: {0}")]
    NoSuchManifest(String),
    #[error("{0}")]
    Conflict(String),
    /// A stored file (index, config, manifest) that cannot be parsed.
    #[error("{what}: {reason}")]
    Corrupt { what: String, reason: String },
    #[error("layer {layer}: entry {entry:?} escapes the root")]
    Escape { layer: String, entry: String },
    #[error("layer {layer}: entry {entry:?} would be written through the symlink {link:?}")]
    ThroughSymlink {
        layer: String,
        entry: String,
        link: String,
    },
    #[error("layer {layer}: entry {entry:?}: {reason}")]
    BadEntry {
        layer: String,
        entry: String,
        reason: String,
    },
    #[error("layer {actual} does not match its diff_id {expected}")]
    DiffIdMismatch { expected: String, actual: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl ImageError {
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ImageError {
        let context = context.into();
        move |source| ImageError::Io { context, source }
    }
}

/// The host platform in GOOS/GOARCH terms, as image indexes name it.
pub fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "arm" => "arm",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        other => other,
    }
}

/// `sha256:<hex>` → `<hex>` (anything else unchanged).
pub fn digest_hex(d: &str) -> &str {
    d.strip_prefix("sha256:").unwrap_or(d)
}

/// True for a `sha256:` digest with 64 lowercase hex digits (safe to use as a file name).
pub fn is_sha256_digest(d: &str) -> bool {
    reference::validate_digest(d).is_ok()
}

/// A sha256 hasher that sees every byte read through it.
pub struct HashingReader<R> {
    inner: R,
    hasher: sha2::Sha256,
    count: u64,
}

impl<R: std::io::Read> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        use sha2::Digest;
        HashingReader {
            inner,
            hasher: sha2::Sha256::new(),
            count: 0,
        }
    }
    /// `sha256:<hex>` of everything read so far, and its length.
    pub fn finish(self) -> (String, u64) {
        use sha2::Digest;
        (
            format!("sha256:{}", hex::encode(self.hasher.finalize())),
            self.count,
        )
    }
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

/// `sha256:<hex>` of a byte slice.
pub fn sha256_digest(data: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(data)))
}

/// A JSON array of strings of an image config (`Cmd`, `Entrypoint`, `Env`,
/// `rootfs.diff_ids`): its strings (others skipped), or none when it is no array.
pub fn config_strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}
