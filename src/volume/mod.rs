//! Volumes: directories that outlive containers, in docker's layout,
//! `volumes/<name>/_data` (the data, docker's `Mountpoint`) beside `volumes/<name>/volume.json`.
//!
//! A volume appears whole or not at all: it is built in `volumes/.tmp-*` and renamed into place
//! (no replace). Removal is the reverse: a rename to `volumes/.trash-*` under the volumes lock,
//! after which the caller deletes the tree (files owned by container users need the user
//! namespace helper, which is not this module's business). Whether a volume is in use is the
//! caller's question too: it comes from the container records.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::state::atomic::{read_json, write_json_atomic, LockFile};
use crate::state::Paths;

#[derive(Debug, Error)]
pub enum VolumeError {
    #[error("get {0}: no such volume")]
    NotFound(String),
    #[error("create {0}: \"{0}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path")]
    BadName(String),
    #[error("create {name}: {message}")]
    BadOptions { name: String, message: String },
    #[error("volume {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> VolumeError + '_ {
    move |source| VolumeError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `volume.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volume {
    pub name: String,
    pub driver: String,
    /// RFC 3339, seconds (docker's `CreatedAt`).
    pub created_at: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The local driver's options: `type`, `device`, `o`.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Made for one container (`-v /path`, an image's VOLUME): no name given.
    #[serde(default)]
    pub anonymous: bool,
}

/// How a volume is mounted into a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backing {
    /// Its own `_data` directory.
    Data(PathBuf),
    /// `--opt type=none --opt o=bind --opt device=/path`: that host directory.
    Bind(PathBuf),
    /// `--opt type=tmpfs [--opt o=size=..,mode=..]`: a tmpfs with these options. Rootless, each
    /// container that mounts it gets its own tmpfs (docker shares one while the volume is in
    /// use); the content never outlives the container, as with docker.
    Tmpfs(Vec<String>),
}

/// What `create` needs.
#[derive(Debug, Clone, Default)]
pub struct CreateRequest {
    /// None: an anonymous volume with a random 64-hex name.
    pub name: Option<String>,
    pub driver: Option<String>,
    pub options: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
}

/// Proof that the volumes lock is held (create, remove, and the in-use checks run under it).
#[derive(Debug)]
pub struct VolumesLock {
    _lock: LockFile,
}

/// The volume store.
pub struct Volumes<'a> {
    paths: &'a Paths,
}

/// docker's rule for local volume names.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && name.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

impl<'a> Volumes<'a> {
    pub fn new(paths: &'a Paths) -> Self {
        Volumes { paths }
    }

    fn root(&self) -> PathBuf {
        self.paths.volumes()
    }

    /// `volumes/<name>`.
    pub fn dir(&self, name: &str) -> PathBuf {
        self.root().join(name)
    }

    /// docker's `Mountpoint`: `volumes/<name>/_data`.
    pub fn mountpoint(&self, name: &str) -> PathBuf {
        self.dir(name).join("_data")
    }

    /// The store-wide lock.
    pub fn lock(&self) -> Result<VolumesLock, VolumeError> {
        let p = self.root().join(".lock");
        Ok(VolumesLock {
            _lock: LockFile::exclusive(&p).map_err(io_err(&p))?,
        })
    }

    /// One volume by its name.
    pub fn get(&self, name: &str) -> Result<Volume, VolumeError> {
        if !valid_name(name) {
            return Err(VolumeError::NotFound(name.to_string()));
        }
        let p = self.dir(name).join("volume.json");
        read_json(&p).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                VolumeError::NotFound(name.to_string())
            } else {
                io_err(&p)(e)
            }
        })
    }

    /// Every volume, by name.
    pub fn list(&self) -> Result<Vec<Volume>, VolumeError> {
        let root = self.root();
        let rd = match std::fs::read_dir(&root) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&root)(e)),
        };
        let mut out: Vec<Volume> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| valid_name(n))
            .filter_map(|n| self.get(&n).ok())
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// How the volume is mounted.
    pub fn backing(&self, v: &Volume) -> Backing {
        match (
            v.options.get("type").map(String::as_str),
            v.options.get("device"),
        ) {
            (Some("none"), Some(dev)) => Backing::Bind(PathBuf::from(dev)),
            (Some("tmpfs"), _) => Backing::Tmpfs(
                v.options
                    .get("o")
                    .map(|o| {
                        o.split(',')
                            .filter(|x| !x.is_empty())
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            _ => Backing::Data(self.mountpoint(&v.name)),
        }
    }

    /// Create a volume, or return the existing one of that name (docker's `volume create` is
    /// idempotent).
    pub fn create(&self, _lock: &VolumesLock, req: &CreateRequest) -> Result<Volume, VolumeError> {
        let name = match &req.name {
            Some(n) => n.clone(),
            None => crate::sys::random::hex(32).map_err(io_err(Path::new("/dev/urandom")))?,
        };
        if !valid_name(&name) {
            return Err(VolumeError::BadName(name));
        }
        let driver = req.driver.clone().unwrap_or_else(|| "local".into());
        if driver != "local" {
            return Err(VolumeError::BadOptions {
                name,
                message: format!(
                    "error looking up volume plugin {driver}: plugin \"{driver}\" not found"
                ),
            });
        }
        check_options(&name, &req.options)?;
        if let Ok(existing) = self.get(&name) {
            return Ok(existing);
        }
        let vol = Volume {
            name: name.clone(),
            driver,
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            labels: req.labels.clone(),
            options: req.options.clone(),
            anonymous: req.name.is_none(),
        };
        let root = self.root();
        std::fs::create_dir_all(&root).map_err(io_err(&root))?;
        let tmp = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempdir_in(&root)
            .map_err(io_err(&root))?;
        let data = tmp.path().join("_data");
        std::fs::create_dir(&data).map_err(io_err(&data))?;
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755));
        let meta = tmp.path().join("volume.json");
        write_json_atomic(&meta, &vol).map_err(io_err(&meta))?;
        let tmp_path = tmp.keep();
        let dest = self.dir(&name);
        let renamed = nix::fcntl::renameat2(
            nix::fcntl::AT_FDCWD,
            &tmp_path,
            nix::fcntl::AT_FDCWD,
            &dest,
            nix::fcntl::RenameFlags::RENAME_NOREPLACE,
        );
        if let Err(e) = renamed {
            let _ = std::fs::remove_dir_all(&tmp_path);
            // EEXIST: a directory without volume.json, which skiff did not make: not adopted.
            return Err(io_err(&dest)(std::io::Error::from(e)));
        }
        if let Ok(d) = std::fs::File::open(&root) {
            let _ = d.sync_all();
        }
        Ok(vol)
    }

    /// Take a volume out of the store: it is renamed away at once; the returned directory is
    /// for the caller to delete.
    pub fn take_out(&self, _lock: &VolumesLock, name: &str) -> Result<PathBuf, VolumeError> {
        self.get(name)?;
        let dir = self.dir(name);
        let suffix = crate::sys::random::hex(8).map_err(io_err(Path::new("/dev/urandom")))?;
        let trash = self.root().join(format!(".trash-{name}-{suffix}"));
        std::fs::rename(&dir, &trash).map_err(io_err(&dir))?;
        if let Ok(d) = std::fs::File::open(self.root()) {
            let _ = d.sync_all();
        }
        Ok(trash)
    }

    /// Leftovers of removals that did not finish (`.trash-*`).
    pub fn trash(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.root())
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter(|e| e.file_name().to_string_lossy().starts_with(".trash-"))
                    .map(|e| e.path())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The local driver's options that rootless skiff can honour: none at all, or a bind of a host
/// directory (`type=none`, `o=bind`, `device=/abs/path`).
fn check_options(name: &str, opts: &BTreeMap<String, String>) -> Result<(), VolumeError> {
    let bad = |message: String| VolumeError::BadOptions {
        name: name.to_string(),
        message,
    };
    for k in opts.keys() {
        if !matches!(k.as_str(), "type" | "device" | "o") {
            return Err(bad(format!("invalid option key: {k:?}")));
        }
    }
    if opts.is_empty() {
        return Ok(());
    }
    let typ = opts.get("type").map(String::as_str).unwrap_or("");
    let o: Vec<&str> = opts
        .get("o")
        .map(|o| o.split(',').collect())
        .unwrap_or_default();
    match typ {
        "none" if o.iter().any(|x| *x == "bind" || *x == "rbind") => {
            let dev = opts
                .get("device")
                .ok_or_else(|| bad("missing required option: \"device\"".into()))?;
            if !dev.starts_with('/') {
                return Err(bad(format!(
                    "device {dev:?} must be an absolute path for a bind volume"
                )));
            }
            if !Path::new(dev).is_dir() {
                return Err(bad(format!("failed to mount local volume: mount {dev}: no such file or directory")));
            }
            Ok(())
        }
        "tmpfs" => {
            for opt in &o {
                let key = opt.split('=').next().unwrap_or_default();
                if !matches!(key, "size" | "mode" | "nr_inodes" | "uid" | "gid" | "noexec" | "nosuid" | "nodev" | "exec" | "suid" | "dev") {
                    return Err(bad(format!("invalid tmpfs option {opt:?}")));
                }
            }
            Ok(())
        }
        "" => Err(bad("missing required option: \"type\"".into())),
        other => Err(bad(format!(
            "rootless skiff cannot mount volumes of type {other:?}; only tmpfs, and none with o=bind, are supported"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(dir: &Path) -> Paths {
        Paths {
            data: dir.join("data"),
            runtime: dir.join("run"),
        }
    }

    #[test]
    fn names() {
        assert!(valid_name("data"));
        assert!(valid_name("a.b_c-d"));
        assert!(!valid_name("a"));
        assert!(!valid_name("../x"));
        assert!(!valid_name("a/b"));
        assert!(!valid_name("-x"));
    }

    #[test]
    fn create_get_list_take_out() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path());
        let vols = Volumes::new(&p);
        let lock = vols.lock().unwrap();
        let mut req = CreateRequest {
            name: Some("data".into()),
            ..Default::default()
        };
        req.labels.insert("a".into(), "b".into());
        let v = vols.create(&lock, &req).unwrap();
        assert_eq!(v.driver, "local");
        assert!(vols.mountpoint("data").is_dir());
        // Idempotent.
        assert_eq!(vols.create(&lock, &req).unwrap(), v);
        let anon = vols.create(&lock, &CreateRequest::default()).unwrap();
        assert!(anon.anonymous);
        assert_eq!(anon.name.len(), 64);
        assert_eq!(vols.list().unwrap().len(), 2);
        let trash = vols.take_out(&lock, "data").unwrap();
        assert!(trash.is_dir());
        assert!(matches!(vols.get("data"), Err(VolumeError::NotFound(_))));
        assert_eq!(vols.trash(), vec![trash]);
    }

    #[test]
    fn options() {
        let mut o = BTreeMap::new();
        assert!(check_options("v", &o).is_ok());
        o.insert("type".into(), "nfs".into());
        assert!(check_options("v", &o).is_err());
        o.insert("type".into(), "none".into());
        o.insert("o".into(), "bind".into());
        o.insert("device".into(), "/".into());
        assert!(check_options("v", &o).is_ok());
        o.insert("bogus".into(), "1".into());
        assert!(check_options("v", &o).is_err());
    }
}
