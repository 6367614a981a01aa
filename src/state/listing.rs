//! Listing containers from their summaries (`state::summary`): a summary is taken from the
//! record under the container's lock and trusted as it is (one of an earlier release is checked
//! against the record's stamp), and rebuilt and written back when it is missing, stale or
//! damaged.
//!
//! A listing of the whole store ([`Lister`]) opens the `containers` directory once and reaches
//! each container's files from it (`openat` of `ID/state.json`: a walk of two names, not of the
//! whole path from `/`), reading every `state.json` into one buffer.
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::Path;

use nix::dir::Dir;
use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::Mode;

use super::container::{ContainerLock, ContainerRecord, ContainerState, Containers, StateError};
use super::summary::{RecordStamp, Summary};

/// A listing of the containers of a store: the `containers` directory held open, and one
/// buffer for every `state.json` read (see [`Containers::lister`]).
pub struct Lister<'a> {
    store: Containers<'a>,
    /// `None`: there is no `containers` directory (no container was ever made).
    dir: Option<Dir>,
    buf: Vec<u8>,
    /// The path of a container's file, kept from one to the next.
    path: String,
    /// `/proc`, opened for the first running container.
    proc: Option<crate::sys::proc::ProcDir>,
}

/// What a `state.json` of a listing is read into at first: a state with its summary is 0.7-1
/// KB; a larger one (many labels, mounts or ports) grows the buffer for the rest. One page:
/// the buffer is zeroed when made, and each page it spans was a page fault.
const STATE_BUF: usize = 4 * 1024;

impl Lister<'_> {
    /// The names in `containers/` that look like container IDs, in the directory's order (the
    /// listing sorts what it lists), without checking that each has its record (the listing
    /// of each skips one that has none).
    pub fn ids(&mut self) -> Result<Vec<String>, StateError> {
        let Some(dir) = self.dir.as_mut() else {
            return Ok(Vec::new());
        };
        let mut ids = Vec::new();
        for e in dir.iter() {
            let e = e.map_err(|e| StateError::Io {
                path: self.store.paths().containers(),
                source: e.into(),
            })?;
            if let Ok(n) = e.file_name().to_str() {
                if super::container::is_container_id(n) {
                    ids.push(n.to_string());
                }
            }
        }
        Ok(ids)
    }

    /// What `ps` lists of one container: its summary and its state (corrected for processes
    /// that died unseen, as [`Containers::state`] does). One read of `state.json` when the
    /// summary there is whole and trusted (written under the lock by this release: see
    /// `state::summary`), and one `statx` of the record besides for a stamped summary of an
    /// earlier release; otherwise the record and the state are read as before and the summary
    /// is written back (when the container's lock is free: whoever holds it is changing the
    /// state and carries the summary on). `None`: no such container (any more), or a record or
    /// state that cannot be read (as a listing skipped those before).
    pub fn listing(&mut self, id: &str) -> Option<(Box<Summary>, ContainerState)> {
        let dir = self.dir.as_ref()?;
        if id.is_empty() || id.contains('/') || id.starts_with('.') {
            return None;
        }
        // `ID/state.json` (and `ID/container.json` for a stamped summary) in one buffer (a
        // `format!` each cost more than the parse of a number).
        let path = &mut self.path;
        path.clear();
        path.push_str(id);
        path.push_str("/state.json");
        if let Ok(len) = read_at(dir, path, &mut self.buf) {
            if let Ok(mut st) = super::summary::parse_state(&self.buf[..len]) {
                if let Some(s) = st.summary.take() {
                    let current = match s.stamp {
                        None => true,
                        Some(stamp) => {
                            path.truncate(id.len());
                            path.push_str("/container.json");
                            stamp_at(dir, path) == Some(stamp)
                        }
                    };
                    if current && s.id == id {
                        if st.status.is_up() && self.proc.is_none() {
                            self.proc = crate::sys::proc::ProcDir::open();
                        }
                        match &self.proc {
                            Some(proc) => {
                                Containers::correct_with(&mut st, |pid| proc.start_time(pid))
                            }
                            None => self.store.correct(&mut st),
                        }
                        return Some((s, st));
                    }
                }
            }
        }
        self.store.rebuild_summary(id)
    }
}

/// The stamp of the file at `path` (relative to `dir`, not followed if a symlink).
fn stamp_at(dir: &Dir, path: &str) -> Option<RecordStamp> {
    nix::sys::stat::fstatat(dir.as_fd(), path, AtFlags::AT_SYMLINK_NOFOLLOW)
        .ok()
        .map(|st| RecordStamp::of_stat(&st))
}

/// Read `path` (relative to `dir`) into `buf` and return its length: open, read, close. The
/// first read asks for the whole buffer (kept from one file to the next, doubled when a file
/// fills it), and a shorter answer is taken as the end of the file (what a local file system
/// gives; were it ever wrong, the cut JSON would not parse and the listing would read the
/// container the slow way), so a small file costs one `read`, and neither the `statx` that
/// `fs::read` makes for its size hint nor a second `read` to see the end.
fn read_at(dir: &Dir, path: &str, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let fd = nix::fcntl::openat(
        dir.as_fd(),
        path,
        OFlag::O_RDONLY | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW,
        Mode::empty(),
    )?;
    let mut f = std::fs::File::from(fd);
    if buf.len() < STATE_BUF {
        buf.resize(STATE_BUF, 0);
    }
    let mut len = 0;
    loop {
        match f.read(&mut buf[len..]) {
            Ok(0) => return Ok(len),
            Ok(n) => {
                len += n;
                if len < buf.len() {
                    return Ok(len);
                }
                buf.resize(len * 2, 0);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

impl Summary {
    /// The summary of `rec`, to be written under the container's lock while `rec` is what
    /// the record file holds (see `state::summary`).
    pub fn of(rec: &ContainerRecord) -> Summary {
        Summary {
            stamp: None,
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

impl<'a> Containers<'a> {
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

    /// A listing of the whole store: the `containers` directory opened once ([`Lister`]).
    pub fn lister(&self) -> Result<Lister<'a>, StateError> {
        let path = self.paths().containers();
        let dir = match Dir::open(
            &path,
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        ) {
            Ok(d) => Some(d),
            Err(nix::errno::Errno::ENOENT) => None,
            Err(e) => {
                return Err(StateError::Io {
                    path,
                    source: e.into(),
                })
            }
        };
        Ok(Lister {
            store: Containers::new(self.paths()),
            dir,
            buf: Vec::new(),
            path: String::new(),
            proc: None,
        })
    }

    /// What `ps` lists of one container ([`Lister::listing`]), for a caller that lists one.
    pub fn listing(&self, id: &str) -> Option<(Box<Summary>, ContainerState)> {
        self.lister().ok()?.listing(id)
    }

    /// The slow way, and the summary written back for the next listing.
    pub(super) fn rebuild_summary(&self, id: &str) -> Option<(Box<Summary>, ContainerState)> {
        let (rec, stamp) = self.record_stamped(id).ok()?;
        let summary = Box::new(Summary::of(&rec));
        if let Some(lock) = self.try_lock(id) {
            // Read again under the lock: the state may have changed since.
            if let Err(e) = self.write_summary(&lock, &summary, stamp) {
                tracing::debug!("writing the summary of container {id}: {e}");
            }
        }
        let st = self.state(id).ok()?;
        Some((summary, st))
    }

    /// The summary of `rec`, read (without the lock) from the record file of stamp `stamp`,
    /// if the record is still that file: for the monitor's first start, which writes it into
    /// the state under the lock. `None` when the record changed meanwhile (the next listing
    /// rebuilds the summary).
    pub fn summary_if_current(
        &self,
        lock: &ContainerLock,
        rec: &ContainerRecord,
        stamp: RecordStamp,
    ) -> Option<Summary> {
        let now = std::fs::symlink_metadata(self.dir(lock.id()).join("container.json")).ok()?;
        (RecordStamp::of(&now) == stamp && rec.id == lock.id()).then(|| Summary::of(rec))
    }

    /// Put `summary` into the stored state (the state as it is on disk, not corrected), under
    /// the container's lock, if the record is still the file of stamp `record` (the one the
    /// summary was taken from). Written durably: the state it carries may be an exit that only
    /// this file records. Nothing is written when the record has changed meanwhile, or when
    /// the stored state does not parse (it is left for [`Containers::state`] to report).
    pub(super) fn write_summary(
        &self,
        lock: &ContainerLock,
        summary: &Summary,
        record: RecordStamp,
    ) -> std::io::Result<()> {
        let dir = self.dir(lock.id());
        let now = std::fs::symlink_metadata(dir.join("container.json"))?;
        if RecordStamp::of(&now) != record {
            return Ok(());
        }
        let p = dir.join("state.json");
        let mut st: ContainerState = match std::fs::read(&p) {
            Ok(data) if data.is_empty() => return Ok(()),
            Ok(data) => serde_json::from_slice(&data).map_err(std::io::Error::other)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ContainerState::new(),
            Err(e) => return Err(e),
        };
        if st.summary.as_deref() == Some(summary) {
            return Ok(());
        }
        st.summary = Some(Box::new(summary.clone()));
        let data = st.to_json().map_err(std::io::Error::other)?;
        write_durably_in(&dir, &p, &data)
    }

    /// Take the summary out of the stored state, durably, under the container's lock: the
    /// first step of `save_record` (see `state::summary`). Nothing to do for a state that is
    /// missing, empty, without a summary or that does not parse (no listing trusts any of
    /// those).
    pub(super) fn drop_summary(&self, lock: &ContainerLock) -> std::io::Result<()> {
        let dir = self.dir(lock.id());
        let p = dir.join("state.json");
        let data = match std::fs::read(&p) {
            Ok(data) => data,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let Ok(mut st) = serde_json::from_slice::<ContainerState>(&data) else {
            return Ok(());
        };
        if st.summary.take().is_none() {
            return Ok(());
        }
        let data = st.to_json().map_err(std::io::Error::other)?;
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

    /// What a crash inside `save_record` can leave: the summary taken out of the state, and
    /// the record old or new. The listing shows whichever record is on disk.
    #[test]
    fn a_save_record_cut_short_leaves_no_summary_to_trust() {
        let (_d, paths) = store();
        let c = Containers::new(&paths);
        c.create(&record("web"), Durability::Synced)
            .expect("create");
        c.listing(ID).expect("listed");
        assert!(stored(&paths)["summary"].is_object());
        // Cut after its first step: the old record, no summary.
        let lock = c.lock(ID).expect("lock");
        c.drop_summary(&lock).expect("drop");
        assert!(stored(&paths).get("summary").is_none());
        drop(lock);
        assert_eq!(c.listing(ID).expect("listed").0.name, "web");
        assert_eq!(stored(&paths)["summary"]["name"], "web");
        // Cut after its second: the new record, no summary.
        let lock = c.lock(ID).expect("lock");
        c.drop_summary(&lock).expect("drop");
        let p = paths.container(ID).join("container.json");
        crate::state::write_json_atomic(&p, &record("renamed")).expect("record");
        drop(lock);
        assert_eq!(c.listing(ID).expect("listed").0.name, "renamed");
        assert_eq!(stored(&paths)["summary"]["name"], "renamed");
        // Written without a stamp: trusted as it is from now on.
        assert!(stored(&paths)["summary"].get("stamp").is_none());
    }

    /// An earlier release wrote the summary after the record, with the record's stamp: such a
    /// summary is checked against the record, and a stale one (a crash between its two
    /// writes) is rebuilt.
    #[test]
    fn a_stamped_summary_of_an_earlier_release_is_checked_against_the_record() {
        let (_d, paths) = store();
        let c = Containers::new(&paths);
        c.create(&record("web"), Durability::Synced)
            .expect("create");
        c.listing(ID).expect("listed");
        let p = paths.container(ID).join("container.json");
        let stamp = |p: &Path| RecordStamp::of(&std::fs::symlink_metadata(p).expect("stat"));
        let with_stamp = |name: &str, s: RecordStamp| {
            let mut v = stored(&paths)["summary"].clone();
            v["name"] = name.into();
            v["stamp"] = serde_json::to_value(s).expect("stamp");
            exited(&paths, serde_json::json!({ "summary": v }));
        };
        // Current: trusted (the name only the summary says is shown).
        with_stamp("old", stamp(&p));
        let (s, st) = c.listing(ID).expect("listed");
        assert_eq!((s.name.as_str(), st.exit_code), ("old", 3));
        // Stale: the record replaced after it was taken.
        let old = stamp(&p);
        crate::state::write_json_atomic(&p, &record("renamed")).expect("record");
        with_stamp("old", old);
        assert_eq!(c.listing(ID).expect("listed").0.name, "renamed");
        let v = stored(&paths);
        assert_eq!(
            (v["summary"]["name"].as_str(), v["exit_code"].as_i64()),
            (Some("renamed"), Some(3))
        );
        assert!(v["summary"].get("stamp").is_none());
    }

    #[test]
    fn a_damaged_summary_is_rebuilt_from_the_record() {
        let (_d, paths) = store();
        let c = Containers::new(&paths);
        c.create(&record("renamed"), Durability::Synced)
            .expect("create");
        c.listing(ID).expect("listed");
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

    /// The monitor's first start takes the summary from the record it read before the lock:
    /// only while that record is still on disk.
    #[test]
    fn the_monitors_summary_is_only_of_the_record_on_disk() {
        let (_d, paths) = store();
        let c = Containers::new(&paths);
        c.create(&record("web"), Durability::Synced)
            .expect("create");
        let (rec, stamp) = c.record_stamped(ID).expect("record");
        let lock = c.lock(ID).expect("lock");
        assert_eq!(
            c.summary_if_current(&lock, &rec, stamp).map(|s| s.name),
            Some("web".to_string())
        );
        let p = paths.container(ID).join("container.json");
        crate::state::write_json_atomic(&p, &record("renamed")).expect("record");
        assert!(c.summary_if_current(&lock, &rec, stamp).is_none());
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
    fn the_one_pass_parse_reads_states_as_the_lenient_one() {
        let (_d, paths) = store();
        let c = Containers::new(&paths);
        c.create(&record("web"), Durability::Synced)
            .expect("create");
        c.listing(ID).expect("listed");
        let good = stored(&paths);
        let mut cases = vec![good.clone()];
        for bad in [
            serde_json::json!(42),
            serde_json::json!(null),
            serde_json::json!({"name": "x"}),
            serde_json::json!({"stamp": 1}),
        ] {
            let mut v = good.clone();
            v["summary"] = bad;
            cases.push(v);
        }
        let mut v = good.clone();
        v.as_object_mut().expect("object").remove("summary");
        cases.push(v);
        for v in cases {
            let text = serde_json::to_vec_pretty(&v).expect("json");
            let fast = super::super::summary::parse_state(&text).expect("parsed");
            let slow: ContainerState = serde_json::from_slice(&text).expect("parsed");
            assert_eq!(
                serde_json::to_value(&fast).expect("json"),
                serde_json::to_value(&slow).expect("json"),
                "{v}"
            );
            assert_eq!(fast.summary.is_some(), v["summary"] == good["summary"]);
        }
        // A broken state stays broken, and the next parse is lenient again.
        assert!(super::super::summary::parse_state(b"{\"status\": ").is_err());
        let mut v = good.clone();
        v["summary"] = serde_json::json!(42);
        let text = serde_json::to_vec(&v).expect("json");
        let st: ContainerState = serde_json::from_slice(&text).expect("lenient");
        assert!(st.summary.is_none());
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
