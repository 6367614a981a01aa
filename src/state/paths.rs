//! Where skiff keeps its data (XDG data dir) and its runtime state (XDG runtime dir).
use std::path::PathBuf;

/// The two roots of skiff's state. Everything else is a path below one of them.
#[derive(Debug, Clone)]
pub struct Paths {
    /// Images, layers, containers: `$XDG_DATA_HOME/skiff` (or `/var/lib/skiff` as root).
    pub data: PathBuf,
    /// Sockets and other state that must not survive a reboot: `$XDG_RUNTIME_DIR/skiff`.
    pub runtime: PathBuf,
}

/// Why the fallback runtime root cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeDirError {
    #[error("creating {}: {source}", path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Stat {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a private directory of yours (a symlink, another owner, or open to others): refusing to use it; remove it or set XDG_RUNTIME_DIR", .0.display())]
    NotPrivate(PathBuf),
}

impl Paths {
    /// Resolve the roots from the environment; `SKIFF_ROOT` / `SKIFF_RUNROOT` override them.
    pub fn from_env() -> Paths {
        let uid = nix::unistd::geteuid().as_raw();
        let data = std::env::var_os("SKIFF_ROOT")
            .map(PathBuf::from)
            .or_else(|| {
                if uid == 0 && std::env::var_os("XDG_DATA_HOME").is_none() {
                    Some(PathBuf::from("/var/lib/skiff"))
                } else {
                    None
                }
            })
            .or_else(|| directories::BaseDirs::new().map(|b| b.data_dir().join("skiff")))
            .unwrap_or_else(|| PathBuf::from(format!("/tmp/skiff-{uid}")));
        let runtime = std::env::var_os("SKIFF_RUNROOT")
            .map(PathBuf::from)
            .or_else(|| {
                if uid == 0 && std::env::var_os("XDG_RUNTIME_DIR").is_none() {
                    Some(PathBuf::from("/run/skiff"))
                } else {
                    None
                }
            })
            .or_else(|| {
                directories::BaseDirs::new().and_then(|b| b.runtime_dir().map(|d| d.join("skiff")))
            })
            // Podman's fallback when there is no XDG_RUNTIME_DIR (checked: `check_runtime`).
            .unwrap_or_else(|| runtime_fallback(uid));
        Paths { data, runtime }
    }

    /// When the runtime root is the shared-temp fallback (`$TMPDIR/skiff-run-UID`, no
    /// XDG_RUNTIME_DIR), make sure it is ours alone before anything is put there: created
    /// 0700 when missing; an existing one must be a real directory (not a symlink), owned by
    /// us, with no access for others. Another local user could otherwise plant it first.
    pub fn check_runtime(&self) -> Result<(), RuntimeDirError> {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt};
        let uid = nix::unistd::geteuid().as_raw();
        if self.runtime != runtime_fallback(uid) {
            return Ok(());
        }
        match std::fs::DirBuilder::new().mode(0o700).create(&self.runtime) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(source) => {
                return Err(RuntimeDirError::Create {
                    path: self.runtime.clone(),
                    source,
                })
            }
        }
        let meta =
            std::fs::symlink_metadata(&self.runtime).map_err(|source| RuntimeDirError::Stat {
                path: self.runtime.clone(),
                source,
            })?;
        if !meta.file_type().is_dir() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
            return Err(RuntimeDirError::NotPrivate(self.runtime.clone()));
        }
        Ok(())
    }

    pub fn containers(&self) -> PathBuf {
        self.data.join("containers")
    }
    pub fn container(&self, id: &str) -> PathBuf {
        self.containers().join(id)
    }
    /// One file per container name, created with O_EXCL: the name reservation.
    pub fn names(&self) -> PathBuf {
        self.data.join("names")
    }
    pub fn images(&self) -> PathBuf {
        self.data.join("images")
    }
    pub fn blobs(&self) -> PathBuf {
        self.data.join("blobs").join("sha256")
    }
    pub fn layers(&self) -> PathBuf {
        self.data.join("layers")
    }
    /// Named and anonymous volumes: `volumes/<name>/_data` and `volumes/<name>/volume.json`.
    pub fn volumes(&self) -> PathBuf {
        self.data.join("volumes")
    }
    pub fn tmp(&self) -> PathBuf {
        self.data.join("tmp")
    }

    /// Make the data root private (CVE-2021-41091): the data root, when skiff creates it, and
    /// every top directory of the store ([`PRIVATE_DIRS`]) get mode 0700, as podman's store
    /// does, so no other local user reaches an image's setuid binaries or a container's files.
    /// Stores made by older versions (0755) are fixed here, on first use. Directories owned by
    /// someone else are left alone (and reported).
    ///
    /// Every command runs this first, so it is cheap on a store that is already right: the
    /// data root is opened once and each top directory is looked at relative to it (one
    /// `fstatat`, no `mkdir` unless it is missing): 14 short system calls instead of 13
    /// `mkdir` and 13 `statx` of whole paths.
    pub fn secure_data(&self) -> std::io::Result<()> {
        use nix::errno::Errno;
        use nix::fcntl::{AtFlags, OFlag};
        use nix::sys::stat::{fchmodat, fstatat, mkdirat, FchmodatFlags, Mode, SFlag};
        let open = || {
            nix::fcntl::open(
                &self.data,
                OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
        };
        let root = match open() {
            Ok(fd) => fd,
            Err(Errno::ENOENT) => {
                use std::os::unix::fs::DirBuilderExt;
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(&self.data)?;
                open()?
            }
            Err(e) => return Err(e.into()),
        };
        let me = nix::unistd::geteuid().as_raw();
        let private = Mode::from_bits_truncate(0o700);
        for name in PRIVATE_DIRS {
            let st = match fstatat(&root, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
                Err(Errno::ENOENT) => {
                    match mkdirat(&root, name, private) {
                        Ok(()) | Err(Errno::EEXIST) => {}
                        Err(e) => return Err(e.into()),
                    }
                    fstatat(&root, name, AtFlags::AT_SYMLINK_NOFOLLOW)?
                }
                r => r?,
            };
            let is_dir = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR;
            if is_dir && st.st_mode & 0o077 != 0 && st.st_uid == me {
                fchmodat(&root, name, private, FchmodatFlags::FollowSymlink)?;
            }
        }
        Ok(())
    }
}

/// The runtime root without XDG_RUNTIME_DIR: `$TMPDIR/skiff-run-UID` (`/tmp` by default).
fn runtime_fallback(uid: u32) -> PathBuf {
    std::env::temp_dir().join(format!("skiff-run-{uid}"))
}

/// The top directories of the data root, all private (mode 0700): image blobs and their
/// locks, unpacked layers, image records, containers and their names, volumes, networks, the
/// build cache, the storage probe, shared caches (compiled seccomp filters) and temporary files.
pub const PRIVATE_DIRS: [&str; 12] = [
    "blobs",
    "blob-locks",
    "layers",
    "images",
    "tmp",
    "containers",
    "names",
    "volumes",
    "networks",
    "build-cache",
    "storage",
    "cache",
];
