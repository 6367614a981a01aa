//! Atomic writes (temp file, fsync, rename) and advisory file locks.
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// Write `data` to `path` so that a reader sees the old content or the new, never a mix:
/// a temp file in the same directory, fsync, rename, then fsync of the directory.
pub fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    write_stat(path, data, true).map(drop)
}

/// [`write_atomic`] (`synced`) or [`write_replace`]; the metadata of the file written, taken
/// from it before its rename (so it describes this file even if another replaces it at once:
/// a container record's stamp, `state::summary::RecordStamp`).
pub fn write_stat(path: &Path, data: &[u8], synced: bool) -> std::io::Result<std::fs::Metadata> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    if synced {
        std::fs::create_dir_all(dir)?;
    }
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    tmp.write_all(data)?;
    if synced {
        tmp.as_file().sync_all()?;
    }
    let meta = tmp.as_file().metadata()?;
    tmp.persist(path).map_err(|e| e.error)?;
    if synced {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(meta)
}

/// Like [`write_atomic`] without the directory's fsync: the file's content is on disk before
/// its name is, but the name itself becomes durable only with the next fsync of the directory.
/// For a file whose directory is synced right after by a `write_atomic` beside it (a
/// container's `config.json`, then its record): one directory fsync instead of two.
pub fn write_atomic_dir_later(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    tmp.write_all(data)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Replace `path` atomically (temp file, rename) without forcing it to disk: for files derived
/// from durable state that skiff can write again (a container's /etc/hosts, hostname,
/// resolv.conf), where a crash may lose the file but never leaves it half-written.
pub fn write_replace(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    tmp.write_all(data)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Serialize `value` as pretty JSON and write it atomically.
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    let data = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    write_atomic(path, &data)
}

/// Read and parse a JSON file.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> std::io::Result<T> {
    let data = std::fs::read(path)?;
    serde_json::from_slice(&data).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    })
}

/// An exclusive flock(2) held for the life of the value.
#[derive(Debug)]
pub struct LockFile {
    _file: File,
    pub path: PathBuf,
}

impl LockFile {
    /// Block until the exclusive lock on `path` (created if missing) is ours.
    pub fn exclusive(path: &Path) -> std::io::Result<LockFile> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = open_lock_file(path)?;
        file.lock()?;
        Ok(LockFile {
            _file: file,
            path: path.to_path_buf(),
        })
    }

    /// The exclusive lock on `path` if nobody holds it (`None` if someone does), without
    /// creating its directory: for an optional write into a directory that may be going away.
    pub fn try_exclusive_in(path: &Path) -> std::io::Result<Option<LockFile>> {
        let file = open_lock_file(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(LockFile {
                _file: file,
                path: path.to_path_buf(),
            })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

/// Open (creating it if missing, never truncating) the file a lock is taken on.
fn open_lock_file(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
}
