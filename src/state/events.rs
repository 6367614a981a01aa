//! The events log behind `skiff events`: one JSON object per line, docker's event format,
//! appended by whichever skiff process did the thing (there is no daemon to keep them in
//! memory). It lives in the runtime dir, so like docker's in-memory list it does not survive a
//! reboot, and it is cut to its newer half when it passes [`MAX_BYTES`].
//!
//! Each event is one `write(2)` on a file opened with O_APPEND, so concurrent writers never
//! interleave inside a line; readers skip a torn last line until it is complete.
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Paths;

/// Past this size the log keeps only its newer half.
pub const MAX_BYTES: u64 = 1 << 20;

/// docker's event object (`docker events --format '{{json .}}'`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The action again, for old clients (containers and images only).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub from: String,
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(rename = "Action")]
    pub action: String,
    #[serde(rename = "Actor")]
    pub actor: Actor,
    pub scope: String,
    pub time: i64,
    #[serde(rename = "timeNano")]
    pub time_nano: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Attributes")]
    pub attributes: BTreeMap<String, String>,
}

impl Event {
    /// An event now. `attributes` are docker's (`name`, `image`, `exitCode`...).
    pub fn new(kind: &str, action: &str, id: &str, attributes: BTreeMap<String, String>) -> Event {
        let now = chrono::Utc::now();
        let nanos = now.timestamp_nanos_opt().unwrap_or_default();
        let legacy = kind == "container" || kind == "image";
        Event {
            status: if legacy { action.into() } else { String::new() },
            id: if legacy { id.into() } else { String::new() },
            from: if kind == "container" {
                attributes.get("image").cloned().unwrap_or_default()
            } else {
                String::new()
            },
            kind: kind.into(),
            action: action.into(),
            actor: Actor {
                id: id.into(),
                attributes,
            },
            scope: "local".into(),
            time: nanos / 1_000_000_000,
            time_nano: nanos,
        }
    }
}

/// A container's event: docker's attributes are the image, the name and the labels, plus
/// `extra` (`exitCode`, `signal`, `oldName`...).
pub fn container(
    paths: &Paths,
    rec: &super::container::ContainerRecord,
    action: &str,
    extra: &[(&str, String)],
) {
    record(paths, &container_event(rec, action, extra));
}

/// A container's event as [`container`] records it, made now and recorded later (with
/// [`record_all`]).
pub fn container_event(
    rec: &super::container::ContainerRecord,
    action: &str,
    extra: &[(&str, String)],
) -> Event {
    let mut attrs: BTreeMap<String, String> = rec.labels.clone();
    attrs.insert("image".into(), rec.image.clone());
    attrs.insert("name".into(), rec.name.clone());
    for (k, v) in extra {
        attrs.insert((*k).to_string(), v.clone());
    }
    Event::new("container", action, &rec.id, attrs)
}

/// Any other object's event (`image`, `volume`, `network`), with docker's attributes.
pub fn other(paths: &Paths, kind: &str, action: &str, id: &str, attrs: &[(&str, String)]) {
    let attrs = attrs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect();
    record(paths, &Event::new(kind, action, id, attrs));
}

fn log_path(paths: &Paths) -> PathBuf {
    paths.runtime.join("events.log")
}

/// Record `event`. Best effort: an engine operation never fails because its event could not be
/// written.
pub fn record(paths: &Paths, event: &Event) {
    record_all(paths, std::slice::from_ref(event));
}

/// Record `events`, in order, with one `write(2)` (one open of the log for all of them).
pub fn record_all(paths: &Paths, events: &[Event]) {
    let mut line = Vec::new();
    for event in events {
        if serde_json::to_writer(&mut line, event).is_ok() {
            line.push(b'\n');
        }
    }
    if line.is_empty() {
        return;
    }
    let path = log_path(paths);
    let open = || {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
    };
    let file = match open() {
        Ok(f) => f,
        Err(_) => {
            let _ = std::fs::create_dir_all(&paths.runtime);
            match open() {
                Ok(f) => f,
                Err(_) => return,
            }
        }
    };
    let mut file = file;
    let _ = file.write_all(&line);
    if file.metadata().is_ok_and(|m| m.len() > MAX_BYTES) {
        trim(paths);
    }
}

/// Keep the newer half of the log (under a lock, replaced atomically).
fn trim(paths: &Paths) {
    let path = log_path(paths);
    let Ok(_lock) = super::LockFile::exclusive(&path.with_extension("lock")) else {
        return;
    };
    let Ok(data) = std::fs::read(&path) else {
        return;
    };
    if (data.len() as u64) <= MAX_BYTES {
        return;
    }
    let half = data.len() / 2;
    let start = data[half..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(data.len(), |i| half + i + 1);
    let _ = super::write_replace(&path, &data[start..]);
}

/// An inotify watch on the directory of the log: appends (IN_MODIFY) and replacements (a
/// trim's rename, a first create). The directory rather than the file, so that a trim's new
/// file is seen too.
fn watch_dir(log: &std::path::Path) -> Option<nix::sys::inotify::Inotify> {
    use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
    let dir = log.parent()?;
    let inotify = Inotify::init(InitFlags::IN_CLOEXEC | InitFlags::IN_NONBLOCK).ok()?;
    inotify
        .add_watch(
            dir,
            AddWatchFlags::IN_MODIFY | AddWatchFlags::IN_CREATE | AddWatchFlags::IN_MOVED_TO,
        )
        .ok()?;
    Some(inotify)
}

/// Reads the log from a position on, a line at a time, for `events` (and its follow mode).
pub struct Reader {
    path: PathBuf,
    offset: u64,
    /// The inode read from: a trim replaces the file, and reading starts again in the new one.
    ino: u64,
    /// Wakes [`Reader::wait`] when the log changes (made on the first wait; None where
    /// inotify is not available, and the wait is a plain sleep).
    watch: Option<Option<nix::sys::inotify::Inotify>>,
}

impl Reader {
    /// From the start of the log (for `--since`), or from its end (only new events).
    pub fn open(paths: &Paths, from_start: bool) -> Reader {
        use std::os::unix::fs::MetadataExt;
        let path = log_path(paths);
        let meta = std::fs::metadata(&path).ok();
        Reader {
            offset: if from_start {
                0
            } else {
                meta.as_ref().map_or(0, |m| m.len())
            },
            ino: meta.map_or(0, |m| m.ino()),
            path,
            watch: None,
        }
    }

    /// Sleep until the log may have changed (a writer appended, a trim replaced it) or
    /// `timeout` passes, whichever comes first. Followers (`events`, the API's `wait`) thus
    /// see an event as it is written rather than on their next poll.
    pub fn wait(&mut self, timeout: std::time::Duration) {
        use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
        use std::os::fd::AsFd;
        if self.watch.is_none() {
            let w = watch_dir(&self.path);
            let watching = w.is_some();
            self.watch = Some(w);
            if watching {
                // What was written before the watch existed: the caller reads again first.
                return;
            }
        }
        let Some(Some(inotify)) = &self.watch else {
            std::thread::sleep(timeout);
            return;
        };
        let name = self.path.file_name().map(|n| n.to_os_string());
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return;
            }
            let ms = PollTimeout::try_from(left.as_millis().max(1)).unwrap_or(PollTimeout::MAX);
            let mut fds = [PollFd::new(inotify.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, ms) {
                Ok(0) => return,
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => {
                    std::thread::sleep(left);
                    return;
                }
            }
            // The directory holds other files too (sockets, locks): only the log wakes us.
            match inotify.read_events() {
                Ok(evs) if evs.iter().any(|e| e.name.is_none() || e.name == name) => return,
                Ok(_) => {}
                Err(nix::errno::Errno::EAGAIN) => {}
                Err(_) => {
                    std::thread::sleep(left);
                    return;
                }
            }
        }
    }

    /// The complete events written since the last call.
    pub fn next_batch(&mut self) -> Vec<Event> {
        use std::os::unix::fs::MetadataExt;
        let Ok(mut f) = std::fs::File::open(&self.path) else {
            return Vec::new();
        };
        if let Ok(m) = f.metadata() {
            if m.ino() != self.ino {
                self.ino = m.ino();
                self.offset = 0;
            }
        }
        if f.seek(SeekFrom::Start(self.offset)).is_err() {
            return Vec::new();
        }
        let mut buf = Vec::new();
        if f.read_to_end(&mut buf).is_err() {
            return Vec::new();
        }
        // Only whole lines: a writer may be half-way through the last one.
        let end = buf.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        self.offset += end as u64;
        buf[..end]
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .filter_map(|l| serde_json::from_slice(l).ok())
            .collect()
    }
}

impl Drop for Reader {
    /// Closing an inotify descriptor waits for the kernel's fsnotify SRCU grace period: 0.4 to
    /// 18 ms measured on a busy machine. A reader's owner usually goes on to answer someone
    /// (the API's `wait` of docker's `run --rm` came that much after the container's
    /// `destroy`, an `events --until` stream ended that much late): the close happens on a
    /// thread of its own instead.
    fn drop(&mut self) {
        if let Some(Some(inotify)) = self.watch.take() {
            let closer = std::thread::Builder::new().name("inotify-close".into());
            // No thread to be had: close it here, late but closed.
            let _ = closer.spawn(move || {
                #[cfg(test)]
                let _gate = tests::CLOSE_GATE.lock();
                drop(inotify)
            });
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Held by a test, it keeps a dropped reader's descriptor from being closed.
    pub(crate) static CLOSE_GATE: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[test]
    fn events_round_trip_and_readers_see_only_whole_lines() {
        let t = tempfile::tempdir().unwrap();
        let paths = Paths {
            data: t.path().join("data"),
            runtime: t.path().join("run"),
        };
        let mut from_end = Reader::open(&paths, false);
        let mut attrs = BTreeMap::new();
        attrs.insert("name".to_string(), "web".to_string());
        attrs.insert("image".to_string(), "busybox".to_string());
        let e = Event::new("container", "start", "abc", attrs);
        record(&paths, &e);
        assert_eq!(from_end.next_batch(), vec![e.clone()]);
        assert!(from_end.next_batch().is_empty());
        // A torn line waits until it is complete.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(log_path(&paths))
            .unwrap();
        f.write_all(b"{\"Type\":").unwrap();
        assert!(from_end.next_batch().is_empty());
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["status"], "start");
        assert_eq!(v["from"], "busybox");
        assert_eq!(v["Actor"]["Attributes"]["name"], "web");
        let mut all = Reader::open(&paths, true);
        assert_eq!(all.next_batch().len(), 1);
    }

    #[test]
    fn dropping_a_watching_reader_does_not_wait_for_the_kernel() {
        // Closed where it was dropped, a watch costs an fsnotify grace period (0.4 to 20 ms
        // measured) to whoever drops it. Proved without timing: the close is held back, and the
        // drop must still return while the descriptor is open; then the close happens.
        let t = tempfile::tempdir().unwrap();
        let paths = Paths {
            data: t.path().join("data"),
            runtime: t.path().join("run"),
        };
        std::fs::create_dir_all(&paths.runtime).unwrap();
        let gate = CLOSE_GATE.lock().unwrap();
        let mut r = Reader::open(&paths, false);
        r.wait(std::time::Duration::from_millis(1));
        let fd = match &r.watch {
            Some(Some(i)) => std::os::fd::AsRawFd::as_raw_fd(&std::os::fd::AsFd::as_fd(i)),
            _ => panic!("no inotify watch was made"),
        };
        let is_inotify = || {
            std::fs::read_link(format!("/proc/self/fd/{fd}"))
                .is_ok_and(|l| l.to_string_lossy().contains("inotify"))
        };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            drop(r);
            let _ = tx.send(());
        });
        rx.recv_timeout(std::time::Duration::from_secs(60))
            .expect("dropping the reader waited for its inotify descriptor's close");
        assert!(is_inotify(), "the descriptor was closed by the drop itself");
        drop(gate);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while is_inotify() {
            assert!(
                std::time::Instant::now() < deadline,
                "the inotify descriptor was never closed"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}
