//! The pause process: one long-lived process per user (per `SKIFF_RUNROOT`) that keeps a user
//! namespace mapped to the user's subordinate ids, as podman's pause process does. A monitor
//! joins it (`setns`) and creates its container's other namespaces there, so that
//! newuidmap and newgidmap (two setuid programs, a few milliseconds) run once per holder
//! instead of once per container.
//!
//! Finding it again safely: the starter writes `pause.json` in the run root (the holder's pid,
//! its start time, and the device and inode of its user namespace). A joiner opens
//! `/proc/PID/ns/user`, checks the namespace's identity and id maps against the record and the
//! container's spec, and only then checks that PID still is the process that started at the
//! recorded time: a live process with that start time was the holder while everything was
//! read, so a recycled pid is never joined. Nothing ever signals the holder.
//!
//! Its life: containers keep the namespace alive themselves once created in it, so the holder
//! is only needed to start new ones. It exits once nobody has joined it for [`IDLE`] (each join
//! touches the record), or when its record is gone or names another process.
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::userns::{IdMapping, IdRange};
use crate::state::Paths;

/// How long the holder stays without a container joining it.
pub const IDLE: Duration = Duration::from_secs(600);
/// How often the holder checks its record.
const CHECK_EVERY: Duration = Duration::from_secs(20);

/// What `pause.json` says about the running holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub pid: i32,
    /// Its start time (`/proc/PID/stat`, field 22).
    pub start: u64,
    /// Its user namespace (`/proc/PID/ns/user`).
    pub ns_dev: u64,
    pub ns_ino: u64,
}

/// The record's path.
pub fn record_path(paths: &Paths) -> PathBuf {
    paths.runtime.join("pause.json")
}

/// The lock taken to start a holder (so that two commands never start two).
pub fn lock_path(paths: &Paths) -> PathBuf {
    paths.runtime.join("pause.lock")
}

/// The record for a holder that has just reported its pid.
pub fn record_for(pid: i32) -> Option<Record> {
    let start = crate::sys::proc::start_time(pid)?;
    let md = std::fs::metadata(format!("/proc/{pid}/ns/user")).ok()?;
    let rec = Record {
        pid,
        start,
        ns_dev: md.dev(),
        ns_ino: md.ino(),
    };
    // Still the same process after the namespace was looked at.
    (crate::sys::proc::start_time(pid) == Some(start)).then_some(rec)
}

/// Parse a `uid_map`/`gid_map` text into ranges.
fn parse_map(text: &str) -> Option<Vec<IdRange>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut w = l.split_whitespace().map(|n| n.parse::<u32>().ok());
            Some(IdRange {
                container_id: w.next()??,
                host_id: w.next()??,
                size: w.next()??,
            })
        })
        .collect()
}

/// The holder's user namespace, opened, if `path`'s record names a live holder whose
/// namespace has the maps `want` (when given). None for anything else: no record, a dead or
/// recycled pid, another namespace, other maps.
pub fn open_verified(path: &Path, want: Option<&IdMapping>) -> Option<std::fs::File> {
    let rec: Record = crate::state::atomic::read_json(path).ok()?;
    if rec.pid <= 1 {
        return None;
    }
    let ns = std::fs::File::open(format!("/proc/{}/ns/user", rec.pid)).ok()?;
    let md = ns.metadata().ok()?;
    if md.dev() != rec.ns_dev || md.ino() != rec.ns_ino {
        return None;
    }
    if let Some(want) = want {
        let read = |f: &str| {
            std::fs::read_to_string(format!("/proc/{}/{f}", rec.pid))
                .ok()
                .and_then(|t| parse_map(&t))
        };
        if read("uid_map")? != want.uids || read("gid_map")? != want.gids {
            return None;
        }
    }
    // Last: the pid still names the process that started then, so everything above was read
    // from the holder itself.
    (crate::sys::proc::start_time(rec.pid) == Some(rec.start)).then_some(ns)
}

/// Monitor side: join the holder's user namespace if a verified holder with the maps `want`
/// runs. True once this process is in it. Call from a single-threaded process.
pub fn join(paths: &Paths, want: &IdMapping) -> bool {
    let path = record_path(paths);
    let Some(ns) = open_verified(&path, Some(want)) else {
        return false;
    };
    join_verified(paths, &ns)
}

/// Monitor side: join `ns`, a holder's user namespace [`open_verified`] returned (in this
/// process or in the one that forked it) for the container's id maps. True once this process
/// is in it. Call from a single-threaded process.
pub fn join_verified(paths: &Paths, ns: &std::fs::File) -> bool {
    if nix::sched::setns(ns, nix::sched::CloneFlags::CLONE_NEWUSER).is_err() {
        return false;
    }
    // In use: the holder's idle clock starts again.
    if let Ok(f) = std::fs::File::options()
        .write(true)
        .open(record_path(paths))
    {
        let _ = f.set_modified(SystemTime::now());
    }
    true
}

/// Which process returns from [`become_daemon`].
pub enum Side {
    /// The process the spawner started: it reports the daemon's pid and exits.
    Starter { daemon: i32 },
    /// The daemon: its own session, `/` as its directory, stdio on /dev/null.
    Daemon,
}

/// Holder side, first thing in the pause helper: become root in the new user namespace (the
/// spawner writes its maps), then fork the daemon that stays.
pub fn become_daemon() -> Result<Side, super::RuntimeError> {
    super::userns::become_root_in_child_namespace()?;
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map_err(super::RuntimeError::ctx("/dev/null"))?;
    // SAFETY: the pause helper is single-threaded here (nothing has started a thread), so the
    // child is a consistent copy; the parent only reports and exits.
    match unsafe { nix::unistd::fork() }.map_err(super::RuntimeError::ctx("pause process: fork"))? {
        nix::unistd::ForkResult::Parent { child } => Ok(Side::Starter {
            daemon: child.as_raw(),
        }),
        nix::unistd::ForkResult::Child => {
            let _ = nix::unistd::setsid();
            let _ = nix::unistd::chdir("/");
            let _ = nix::unistd::dup2_stdin(&null);
            let _ = nix::unistd::dup2_stdout(&null);
            let _ = nix::unistd::dup2_stderr(&null);
            Ok(Side::Daemon)
        }
    }
}

/// Daemon side, once it has dropped every descriptor it owns: close what it inherited from
/// the spawner (a pipe end held here would never let the spawner see EOF).
pub fn close_inherited() {
    let open: Vec<i32> = std::fs::read_dir("/proc/self/fd")
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
                .collect()
        })
        .unwrap_or_default();
    for fd in open.into_iter().filter(|&fd| fd > 2) {
        // SAFETY: the caller owns no descriptor above 2 any more (it said so), so these are
        // inherited numbers nothing in this single-threaded process refers to; closing one
        // that read_dir's own (already closed) descriptor had is a harmless EBADF.
        unsafe {
            libc::close(fd);
        }
    }
}

/// Holder side, in the daemon (already root in its user namespace, in its own session): wait
/// until the holder is no longer useful. `me` is this process's pid.
pub fn wait_while_useful(paths: &Paths, me: i32) {
    let path = record_path(paths);
    loop {
        std::thread::sleep(CHECK_EVERY);
        let Ok(md) = std::fs::metadata(&path) else {
            return;
        };
        match crate::state::atomic::read_json::<Record>(&path) {
            Ok(r) if r.pid == me => {}
            // Another holder took over, or the record is unreadable: leave it to the next start.
            _ => return,
        }
        let idle = md
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .unwrap_or_default();
        if idle < IDLE {
            continue;
        }
        // Under the start lock: nobody is starting or recording a holder meanwhile.
        let Ok(_lock) = crate::state::atomic::LockFile::exclusive(&lock_path(paths)) else {
            continue;
        };
        let fresh = std::fs::metadata(&path)
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|d| d >= IDLE);
        if fresh {
            let _ = std::fs::remove_file(&path);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_parse_as_the_kernel_prints_them() {
        let r = |c, h, s| IdRange {
            container_id: c,
            host_id: h,
            size: s,
        };
        assert_eq!(
            parse_map("         0       1001          1\n         1     200000      65536\n"),
            Some(vec![r(0, 1001, 1), r(1, 200000, 65536)])
        );
        assert_eq!(parse_map("0 1001\n"), None);
        assert_eq!(parse_map(""), Some(vec![]));
    }

    #[test]
    fn no_record_no_join() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pause.json");
        assert!(open_verified(&p, None).is_none());
        // A record naming this very process, with a made-up namespace identity: refused.
        let me = std::process::id() as i32;
        let mut rec = record_for(me).unwrap();
        rec.ns_ino += 1;
        crate::state::atomic::write_json_atomic(&p, &rec).unwrap();
        assert!(open_verified(&p, None).is_none());
        // The right identity but another start time (a recycled pid): refused.
        let mut rec = record_for(me).unwrap();
        rec.start += 1;
        crate::state::atomic::write_json_atomic(&p, &rec).unwrap();
        assert!(open_verified(&p, None).is_none());
        // All of it right: accepted.
        let rec = record_for(me).unwrap();
        crate::state::atomic::write_json_atomic(&p, &rec).unwrap();
        assert!(open_verified(&p, None).is_some());
    }
}
