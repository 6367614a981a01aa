//! Removed containers on their way out: `containers/.trash/ID`.
//!
//! A `--rm` container leaves the store in two steps (`monitor::remove`): its directory is renamed
//! into the trash and its name freed, both atomic, so that from then on no listing shows it and
//! its name can be taken; then its files are deleted, after the monitor has exited with the
//! container's code (the command that waits for the monitor returns without waiting for the
//! deletion). Whoever deletes an entry holds an exclusive `flock` on the entry's directory from
//! before the rename until the tree is gone: an entry whose lock is free was abandoned (its
//! monitor or remover was killed) and is swept by the next `ps` or by a container that wants its
//! name (`engine::container::leftover`). The trash directory is removed when it is empty (the
//! store looks as it did before), and made again (mode 0700, as the store's) when needed.
use std::fs::File;
use std::path::{Path, PathBuf};

use super::Paths;

/// The trash of a store's containers.
pub struct Trash<'a> {
    paths: &'a Paths,
}

/// A container directory moved into the trash, with the lock that says it is being removed.
pub struct Taken {
    /// Where its directory is now.
    pub path: PathBuf,
    /// The `flock` on that directory: whoever holds an open copy of it is removing it.
    pub lock: File,
}

/// Name of the trash directory inside `containers/` (no container ID starts with a dot, so no
/// listing takes it for a container).
const TRASH: &str = ".trash";

impl<'a> Trash<'a> {
    pub fn new(paths: &'a Paths) -> Self {
        Trash { paths }
    }

    /// The trash directory.
    pub fn dir(&self) -> PathBuf {
        self.paths.containers().join(TRASH)
    }

    /// Where container `id`'s directory is while it is being removed.
    pub fn path(&self, id: &str) -> PathBuf {
        self.dir().join(id)
    }

    /// Lock container `id`'s directory and move it into the trash. Nothing else takes this lock
    /// on a container that is in the store.
    pub fn take(&self, id: &str) -> std::io::Result<Taken> {
        let from = self.paths.container(id);
        let lock = File::open(&from)?;
        // Blocking: only a sweeper holds it, and only on an entry already in the trash.
        lock.lock()?;
        let to = self.path(id);
        let mut tries = 0;
        loop {
            match std::fs::rename(&from, &to) {
                Ok(()) => return Ok(Taken { path: to, lock }),
                // No trash directory (or a remover just removed the empty one): make it.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && tries < 3 => {
                    tries += 1;
                    make_private_dir(&self.dir())?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Whether container `id` is in the trash (being removed, or abandoned there).
    pub fn contains(&self, id: &str) -> bool {
        std::fs::symlink_metadata(self.path(id)).is_ok()
    }

    /// The IDs in the trash.
    pub fn ids(&self) -> Vec<String> {
        std::fs::read_dir(self.dir())
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| super::container::is_container_id(n))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The lock of trash entry `id` if nobody holds it: its remover is gone, and the caller
    /// may remove it. `None` while someone removes it (or when it is gone).
    pub fn claim(&self, id: &str) -> Option<Taken> {
        let path = self.path(id);
        let lock = File::open(&path).ok()?;
        lock.try_lock().ok()?;
        Some(Taken { path, lock })
    }

    /// Remove the trash directory if it is empty (an error, when it is not, is ignored).
    pub fn remove_if_empty(&self) {
        let _ = std::fs::remove_dir(self.dir());
    }
}

/// Make `dir` with mode 0700 (the store's directories are private); one that exists is fine.
fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}
