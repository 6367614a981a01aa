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
            // Podman's fallback when there is no XDG_RUNTIME_DIR.
            .unwrap_or_else(|| PathBuf::from(format!("/tmp/skiff-run-{uid}")));
        Paths { data, runtime }
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
}
