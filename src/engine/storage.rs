//! Which storage driver a new container gets, and why (`skiff info` says it):
//!
//! 1. `--storage-driver` (or `SKIFF_STORAGE_DRIVER`);
//! 2. `storage_driver = "..."` in skiff's config file (`$XDG_CONFIG_HOME/skiff/skiff.toml`, or
//!    the file `SKIFF_CONFIG` names);
//! 3. the fastest driver the kernel allows: a probe mounts kernel overlayfs, then FUSE, in a
//!    user namespace, once per kernel release; the result is cached in the data dir.
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::EngineError;
use crate::state::Paths;
use crate::storage::probe::ProbeResult;
use crate::storage::Driver;

static REQUESTED: OnceLock<Driver> = OnceLock::new();

/// The global `--storage-driver` flag.
pub fn request(driver: Driver) {
    let _ = REQUESTED.set(driver);
}

/// The driver in use and how it was chosen.
#[derive(Debug, Clone)]
pub struct Selection {
    pub driver: Driver,
    pub reason: String,
}

/// skiff's config file (may not exist).
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SKIFF_CONFIG") {
        return Some(PathBuf::from(p));
    }
    directories::BaseDirs::new().map(|b| b.config_dir().join("skiff/skiff.toml"))
}

#[derive(Debug, Default, serde::Deserialize)]
struct Config {
    storage_driver: Option<String>,
}

fn configured() -> Result<Option<(Driver, PathBuf)>, EngineError> {
    let Some(path) = config_path() else {
        return Ok(None);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(EngineError::io(format!("reading {}", path.display()))(e)),
    };
    let cfg: Config = toml::from_str(&text)
        .map_err(|e| EngineError::Usage(format!("{}: {}", path.display(), e.message())))?;
    match cfg.storage_driver {
        None => Ok(None),
        Some(name) => {
            let d = name
                .parse()
                .map_err(|e| EngineError::Usage(format!("{}: {e}", path.display())))?;
            Ok(Some((d, path)))
        }
    }
}

fn probe_cache(paths: &Paths) -> PathBuf {
    paths.data.join("storage").join("probe.json")
}

/// The probe's result for this kernel: from the cache, or probed now (and cached).
pub fn probe(paths: &Paths) -> Result<ProbeResult, EngineError> {
    let cache = probe_cache(paths);
    let kernel = crate::storage::probe::kernel_release();
    if let Ok(data) = std::fs::read(&cache) {
        if let Ok(r) = serde_json::from_slice::<ProbeResult>(&data) {
            if r.kernel == kernel {
                return Ok(r);
            }
        }
    }
    let dir = paths
        .data
        .join("storage")
        .join(format!("probe-{}", std::process::id()));
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)
            .map_err(EngineError::io(format!("creating {}", parent.display())))?;
    }
    let out =
        crate::helper::run_userns(crate::helper::UsernsOp::StorageProbe { dir: dir.clone() })?;
    let result: ProbeResult =
        serde_json::from_slice(&out).map_err(EngineError::failed("reading the storage probe"))?;
    let _ = crate::storage::remove_tree(&dir);
    if let Ok(data) = serde_json::to_vec(&result) {
        let _ = crate::state::write_replace(&cache, &data);
    }
    Ok(result)
}

/// Make the data root private before any command touches it ([`Paths::secure_data`]). A
/// failure is only reported: the command itself then says what it cannot do.
pub fn secure_data_root(paths: &Paths) {
    if let Err(e) = paths.secure_data() {
        tracing::warn!(
            "cannot make the data root {} private: {e}",
            paths.data.display()
        );
    }
}

/// The driver for new containers.
pub fn select(paths: &Paths) -> Result<Selection, EngineError> {
    if let Some(&d) = REQUESTED.get() {
        return Ok(Selection {
            driver: d,
            reason: "chosen with --storage-driver".into(),
        });
    }
    if let Some((d, path)) = configured()? {
        return Ok(Selection {
            driver: d,
            reason: format!("storage_driver in {}", path.display()),
        });
    }
    let p = probe(paths)?;
    let cached = probe_cache(paths);
    Ok(match (&p.overlay, &p.fuse) {
        (None, _) => Selection {
            driver: Driver::Overlay,
            reason: format!(
                "kernel overlayfs works in a user namespace here (probe cached in {})",
                cached.display()
            ),
        },
        (Some(o), None) => Selection {
            driver: Driver::FuseOverlay,
            reason: format!("kernel overlayfs failed in a user namespace ({o}); FUSE works"),
        },
        (Some(o), Some(f)) => Selection {
            driver: Driver::Vfs,
            reason: format!("kernel overlayfs failed ({o}) and so did FUSE ({f})"),
        },
    })
}

/// Fill a new container's upper dir with a copy of its layers (vfs).
pub fn vfs_copy(upper: &Path, layers: &[PathBuf]) -> Result<(), EngineError> {
    crate::helper::run_userns(crate::helper::UsernsOp::VfsCopy {
        upper: upper.to_path_buf(),
        layers: layers.to_vec(),
    })?;
    Ok(())
}

/// The helper's side of `UsernsOp::StorageProbe`, as root in the user namespace: the result
/// as JSON on stdout.
pub(crate) fn probe_here(dir: &Path) -> Result<(), EngineError> {
    let result = crate::storage::probe::probe(dir, !crate::runtime::userns::is_rootful());
    let out = serde_json::to_string(&result).map_err(EngineError::failed("encoding the probe"))?;
    println!("{out}");
    Ok(())
}
