//! What `ps` shows and filters on, kept in each container's `state.json` beside its state, so
//! that listing reads one small file per container instead of its record and its state.
//!
//! A summary is a copy of part of the record (`container.json`), with the record's
//! [`RecordStamp`] (inode, modification time and size) at the time it was taken. The record is
//! only ever replaced by rename, so a record written after the summary has another stamp:
//! listing compares the stamp with one `statx` of the record, and a summary that is missing,
//! stale or damaged is rebuilt from the record and written back (see [`Containers::listing`]).
//! Everything that rewrites the state (the monitor, `stop`, `pause`…) reads it first and
//! carries the summary along; `save_record` refreshes it under the same lock.
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};

use super::container::{
    ContainerLock, ContainerRecord, ContainerState, Containers, MountRecord, StateError,
};
use super::network::{Attachment, ExposedPort, PortMapping};

/// The identity of one version of a container's record file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordStamp {
    pub ino: u64,
    pub mtime: i64,
    pub mtime_ns: i64,
    pub size: u64,
}

impl RecordStamp {
    pub fn of(meta: &std::fs::Metadata) -> RecordStamp {
        RecordStamp {
            ino: meta.ino(),
            mtime: meta.mtime(),
            mtime_ns: meta.mtime_nsec(),
            size: meta.size(),
        }
    }
}

/// The record's fields that `ps`, its `--format` fields and its filters use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The record it was taken from.
    pub stamp: RecordStamp,
    pub id: String,
    pub name: String,
    pub image: String,
    pub image_id: String,
    pub created: String,
    pub path: String,
    pub args: Vec<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub network: super::network_mode::Mode,
    #[serde(default)]
    pub restart_policy: super::restart::RestartPolicy,
    /// `--rm`.
    #[serde(default)]
    pub auto_remove: bool,
    #[serde(default)]
    pub mounts: Vec<MountRecord>,
    #[serde(default)]
    pub ports: Vec<PortMapping>,
    #[serde(default)]
    pub exposed: Vec<ExposedPort>,
    #[serde(default)]
    pub networks: Vec<Attachment>,
}

impl Summary {
    pub fn of(rec: &ContainerRecord, stamp: RecordStamp) -> Summary {
        Summary {
            stamp,
            id: rec.id.clone(),
            name: rec.name.clone(),
            image: rec.image.clone(),
            image_id: rec.image_id.clone(),
            created: rec.created.clone(),
            path: rec.path.clone(),
            args: rec.args.clone(),
            labels: rec.labels.clone(),
            network: rec.network.clone(),
            restart_policy: rec.restart_policy,
            auto_remove: rec.auto_remove,
            mounts: rec.mounts.clone(),
            ports: rec.net_config.ports.clone(),
            exposed: rec.net_config.exposed.clone(),
            networks: rec.net_config.networks.clone(),
        }
    }
}

/// A summary that does not parse is no summary (it is rebuilt), not a broken state.
pub(super) fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Summary>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.and_then(|v| serde_json::from_value(v).ok()))
}

impl Containers<'_> {
    /// The record and the stamp of the file it was read from (one open, one fstat, one read).
    pub fn record_stamped(&self, id: &str) -> Result<(ContainerRecord, RecordStamp), StateError> {
        let p = self.dir(id).join("container.json");
        let err = |e: std::io::Error| {
            if e.kind() == std::io::ErrorKind::NotFound {
                StateError::NoSuchContainer(id.to_string())
            } else {
                StateError::Io {
                    path: p.clone(),
                    source: e,
                }
            }
        };
        let mut f = std::fs::File::open(&p).map_err(err)?;
        let meta = f.metadata().map_err(err)?;
        let mut data = Vec::with_capacity(meta.len() as usize);
        f.read_to_end(&mut data).map_err(err)?;
        let rec = serde_json::from_slice(&data).map_err(|e| {
            err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: {e}", p.display()),
            ))
        })?;
        Ok((rec, RecordStamp::of(&meta)))
    }

    /// What `ps` lists of one container: its summary and its state (corrected for processes
    /// that died unseen, as [`Containers::state`] does). One `statx` of the record and one
    /// read of `state.json` when the summary there is current; otherwise the record and the
    /// state are read as before and the summary is written back (when the container's lock
    /// is free: whoever holds it is changing the state and carries the summary on). `None`:
    /// no such container (any more), or a record or state that cannot be read (as a listing
    /// skipped those before).
    pub fn listing(&self, id: &str) -> Option<(Summary, ContainerState)> {
        let dir = self.dir(id);
        let stamp = match std::fs::symlink_metadata(dir.join("container.json")) {
            Ok(m) => RecordStamp::of(&m),
            Err(_) => return None,
        };
        if let Ok(data) = std::fs::read(dir.join("state.json")) {
            if let Ok(mut st) = serde_json::from_slice::<ContainerState>(&data) {
                if let Some(s) = st.summary.take() {
                    if s.stamp == stamp && s.id == id {
                        self.correct(&mut st);
                        return Some((s, st));
                    }
                }
            }
        }
        self.rebuild_summary(id)
    }

    /// The slow way, and the summary written back for the next listing.
    fn rebuild_summary(&self, id: &str) -> Option<(Summary, ContainerState)> {
        let (rec, stamp) = self.record_stamped(id).ok()?;
        let summary = Summary::of(&rec, stamp);
        if let Some(lock) = self.try_lock(id) {
            // Read again under the lock: the state may have changed since.
            if let Err(e) = self.write_summary(&lock, &summary) {
                tracing::debug!("writing the summary of container {id}: {e}");
            }
        }
        let st = self.state(id).ok()?;
        Some((summary, st))
    }

    /// Put `summary` into the stored state (the state as it is on disk, not corrected), under
    /// the container's lock. Written durably: the state it carries may be an exit that only
    /// this file records. Nothing is written when the record has changed meanwhile, or when
    /// the stored state does not parse (it is left for [`Containers::state`] to report).
    pub(super) fn write_summary(
        &self,
        lock: &ContainerLock,
        summary: &Summary,
    ) -> std::io::Result<()> {
        let dir = self.dir(lock.id());
        let now = std::fs::symlink_metadata(dir.join("container.json"))?;
        if RecordStamp::of(&now) != summary.stamp {
            return Ok(());
        }
        let p = dir.join("state.json");
        let mut st: ContainerState = match std::fs::read(&p) {
            Ok(data) if data.is_empty() => return Ok(()),
            Ok(data) => serde_json::from_slice(&data).map_err(std::io::Error::other)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ContainerState::new(),
            Err(e) => return Err(e),
        };
        if st.summary.as_ref() == Some(summary) {
            return Ok(());
        }
        st.summary = Some(summary.clone());
        let data = serde_json::to_vec_pretty(&st).map_err(std::io::Error::other)?;
        write_durably_in(&dir, &p, &data)
    }
}

/// temp file, fsync, rename, fsync of the directory, as `atomic::write_atomic`, but never
/// creating the directory: a container removed meanwhile must not come back as an empty one.
fn write_durably_in(dir: &Path, path: &Path, data: &[u8]) -> std::io::Result<()> {
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    tmp.write_all(data)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::container::{Durability, Status};
    use crate::state::Paths;

    const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn record(name: &str) -> ContainerRecord {
        serde_json::from_value(serde_json::json!({
            "id": ID, "name": name, "image": "busybox", "image_id": "sha256:00",
            "created": "2026-12-01T00:00:00Z", "path": "sleep", "args": ["9"], "env": [],
            "working_dir": "/", "user": "", "entrypoint": [], "cmd": ["sleep", "9"],
            "hostname": "h", "tty": false, "interactive": false, "auto_remove": false,
            "network": "none", "stop_signal": null, "stop_timeout": null, "layers": [],
            "labels": {"a": "b"}
        }))
        .expect("a record")
    }

    fn store() -> (tempfile::TempDir, Paths) {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = Paths {
            data: dir.path().join("data"),
            runtime: dir.path().join("run"),
        };
        (dir, paths)
    }

    fn stored(paths: &Paths) -> serde_json::Value {
        let data = std::fs::read(paths.container(ID).join("state.json")).expect("state.json");
        serde_json::from_slice(&data).expect("json")
    }

    fn exited(paths: &Paths, extra: serde_json::Value) {
        let mut st = serde_json::to_value(ContainerState::new()).expect("state");
        st["status"] = "exited".into();
        st["exit_code"] = 3.into();
        st["started_at"] = "2026-12-01T00:00:01Z".into();
        if let Some(o) = extra.as_object() {
            for (k, v) in o {
                st[k] = v.clone();
            }
        }
        let p = paths.container(ID).join("state.json");
        std::fs::write(p, serde_json::to_vec(&st).expect("json")).expect("write");
    }

    #[test]
    fn a_created_container_gets_its_summary_from_the_first_listing() {
        let (_d, paths) = store();
        let c = Containers::new(&paths);
        c.create(&record("web"), Durability::Synced)
            .expect("create");
        let (s, st) = c.listing(ID).expect("listed");
        assert_eq!((s.name.as_str(), st.status), ("web", Status::Created));
        // Written back: the next listing reads state.json alone.
        let v = stored(&paths);
        assert_eq!(v["status"], "created");
        assert_eq!(v["summary"]["name"], "web");
        assert_eq!(c.listing(ID).expect("listed").0, s);
    }

    #[test]
    fn an_old_state_without_a_summary_keeps_its_exit() {
        let (_d, paths) = store();
        let c = Containers::new(&paths);
        c.create(&record("web"), Durability::Synced)
            .expect("create");
        exited(&paths, serde_json::json!({}));
        let (s, st) = c.listing(ID).expect("listed");
        assert_eq!((st.status, st.exit_code), (Status::Exited, 3));
        assert_eq!(s.args, ["9"]);
        let v = stored(&paths);
        assert_eq!(
            (v["exit_code"].as_i64(), v["summary"]["id"].as_str()),
            (Some(3), Some(ID))
        );
    }

    #[test]
    fn a_stale_or_damaged_summary_is_rebuilt_from_the_record() {
        let (_d, paths) = store();
        let c = Containers::new(&paths);
        c.create(&record("web"), Durability::Synced)
            .expect("create");
        c.listing(ID).expect("listed");
        // The record replaced behind the summary's back (a crash between the two writes).
        let p = paths.container(ID).join("container.json");
        crate::state::write_json_atomic(&p, &record("renamed")).expect("record");
        assert_eq!(c.listing(ID).expect("listed").0.name, "renamed");
        assert_eq!(stored(&paths)["summary"]["name"], "renamed");
        // Damaged summaries: another type, a missing field, another container's.
        for bad in [serde_json::json!(42), serde_json::json!({"name": "x"}), {
            let mut v = stored(&paths)["summary"].clone();
            v["id"] = "f".repeat(64).into();
            v["name"] = "other".into();
            v
        }] {
            exited(&paths, serde_json::json!({ "summary": bad }));
            let (s, st) = c.listing(ID).expect("listed");
            assert_eq!((s.name.as_str(), st.exit_code), ("renamed", 3));
            let v = stored(&paths);
            assert_eq!(
                (v["summary"]["name"].as_str(), v["exit_code"].as_i64()),
                (Some("renamed"), Some(3))
            );
        }
    }

    #[test]
    fn save_record_refreshes_the_summary() {
        let (_d, paths) = store();
        let c = Containers::new(&paths);
        let mut rec = record("web");
        c.create(&rec, Durability::Synced).expect("create");
        exited(&paths, serde_json::json!({}));
        rec.name = "db".into();
        let lock = c.lock(ID).expect("lock");
        c.save_record(&lock, &rec).expect("save");
        let v = stored(&paths);
        assert_eq!(
            (v["summary"]["name"].as_str(), v["exit_code"].as_i64()),
            (Some("db"), Some(3))
        );
        drop(lock);
        assert_eq!(c.listing(ID).expect("listed").0.name, "db");
    }

    #[test]
    fn a_held_lock_or_a_removed_container_gets_no_write() {
        let (_d, paths) = store();
        let c = Containers::new(&paths);
        c.create(&record("web"), Durability::Synced)
            .expect("create");
        let lock = c.lock(ID).expect("lock");
        assert_eq!(c.listing(ID).expect("listed").0.name, "web");
        assert!(!paths.container(ID).join("state.json").exists());
        drop(lock);
        std::fs::remove_dir_all(paths.container(ID)).expect("rm");
        assert!(c.listing(ID).is_none());
        assert!(c.try_lock(ID).is_none());
        assert!(
            !paths.container(ID).exists(),
            "a removed container came back"
        );
    }

    #[test]
    fn an_unreadable_state_is_skipped_as_before() {
        let (_d, paths) = store();
        let c = Containers::new(&paths);
        c.create(&record("web"), Durability::Synced)
            .expect("create");
        let p = paths.container(ID).join("state.json");
        std::fs::write(&p, b"{\"status\": ").expect("write");
        assert!(c.listing(ID).is_none());
        assert_eq!(std::fs::read(&p).expect("read"), b"{\"status\": ");
    }
}
