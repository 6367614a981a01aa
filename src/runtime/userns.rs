//! The rootless user namespace: root in the container is the invoking user, the rest of the
//! container's ids map onto the user's /etc/subuid and /etc/subgid ranges (newuidmap/newgidmap).
//! With no ranges, a single-id map is written directly.
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::Command;

use super::RuntimeError;

/// One line of a uid_map or gid_map: `container_id host_id size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IdRange {
    pub container_id: u32,
    pub host_id: u32,
    pub size: u32,
}

/// The uid and gid maps of a rootless container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IdMapping {
    pub uids: Vec<IdRange>,
    pub gids: Vec<IdRange>,
    /// True when the maps come from /etc/subuid and /etc/subgid (newuidmap/newgidmap needed).
    pub subordinate: bool,
}

impl IdMapping {
    /// The mapping for the invoking user: root to the user, 1..=N to the first subordinate range.
    /// Read once per process: `run` wants it for the spec and again for the pause process
    /// (each read is the user's name from `/etc/passwd`, then `/etc/subuid` and `/etc/subgid`).
    /// As with podman, whose pause process keeps the old maps until `podman system migrate`,
    /// a change to those files is seen by the next command (a running `system service`: once
    /// it is started again).
    pub fn for_current_user() -> IdMapping {
        static MAPPING: std::sync::OnceLock<IdMapping> = std::sync::OnceLock::new();
        MAPPING.get_or_init(Self::read_for_current_user).clone()
    }

    fn read_for_current_user() -> IdMapping {
        let uid = nix::unistd::getuid().as_raw();
        let gid = nix::unistd::getgid().as_raw();
        let name = nix::unistd::User::from_uid(nix::unistd::getuid())
            .ok()
            .flatten()
            .map(|u| u.name);
        let sub_u = subordinate_range(Path::new("/etc/subuid"), name.as_deref(), uid);
        let sub_g = subordinate_range(Path::new("/etc/subgid"), name.as_deref(), gid);
        match (sub_u, sub_g) {
            (Some((us, uc)), Some((gs, gc))) => IdMapping {
                uids: vec![
                    IdRange {
                        container_id: 0,
                        host_id: uid,
                        size: 1,
                    },
                    IdRange {
                        container_id: 1,
                        host_id: us,
                        size: uc,
                    },
                ],
                gids: vec![
                    IdRange {
                        container_id: 0,
                        host_id: gid,
                        size: 1,
                    },
                    IdRange {
                        container_id: 1,
                        host_id: gs,
                        size: gc,
                    },
                ],
                subordinate: true,
            },
            _ => IdMapping {
                uids: vec![IdRange {
                    container_id: 0,
                    host_id: uid,
                    size: 1,
                }],
                gids: vec![IdRange {
                    container_id: 0,
                    host_id: gid,
                    size: 1,
                }],
                subordinate: false,
            },
        }
    }

    /// podman's `--userns keep-id`: the user's uid and gid are themselves inside (or `uid` and
    /// `gid`, `keep-id:uid=N,gid=M`). Every other id keeps the host id it has in
    /// `for_current_user` (so the image's files keep their owners but root's, which show as the
    /// user's), and container root takes the subordinate id the kept id would have had. `size`
    /// caps the ids of the namespace. Needs subordinate ranges that reach the kept ids.
    pub fn keep_id(
        uid: Option<u32>,
        gid: Option<u32>,
        size: Option<u32>,
    ) -> Result<IdMapping, RuntimeError> {
        let base = IdMapping::for_current_user();
        let host_uid = nix::unistd::getuid().as_raw();
        let host_gid = nix::unistd::getgid().as_raw();
        let (uid, gid) = (uid.unwrap_or(host_uid), gid.unwrap_or(host_gid));
        let (Some(uids), Some(gids)) = (
            keep_id_ranges(&base.uids, uid, host_uid),
            keep_id_ranges(&base.gids, gid, host_gid),
        ) else {
            return Err(RuntimeError::UserNamespace(format!(
                "--userns keep-id needs subordinate uid and gid ranges of at least {uid} and {gid} ids in /etc/subuid and /etc/subgid"
            )));
        };
        let clip = |r: Vec<IdRange>| -> Vec<IdRange> {
            let Some(max) = size else { return r };
            r.into_iter()
                .filter(|x| x.container_id < max)
                .map(|x| IdRange {
                    size: x.size.min(max - x.container_id),
                    ..x
                })
                .collect()
        };
        let (uids, gids) = (clip(uids), clip(gids));
        if map_id(&uids, uid).is_none() || map_id(&gids, gid).is_none() {
            return Err(RuntimeError::UserNamespace(format!(
                "--userns keep-id: size {} leaves out uid {uid} or gid {gid}",
                size.unwrap_or(0)
            )));
        }
        Ok(IdMapping {
            uids,
            gids,
            subordinate: true,
        })
    }

    /// Host uid of a container uid, if mapped.
    pub fn host_uid(&self, id: u32) -> Option<u32> {
        map_id(&self.uids, id)
    }

    /// Host gid of a container gid, if mapped.
    pub fn host_gid(&self, id: u32) -> Option<u32> {
        map_id(&self.gids, id)
    }

    /// Write this mapping for process `pid`, which has just entered a new user namespace.
    pub fn write_for(&self, pid: i32) -> Result<(), RuntimeError> {
        if self.subordinate {
            // Both tools at once: they are independent, and each costs a few milliseconds.
            let uid_tool = spawn_map_tool("newuidmap", pid, &self.uids)?;
            let gid_tool = spawn_map_tool("newgidmap", pid, &self.gids);
            let uid_res = finish_map_tool("newuidmap", uid_tool);
            let gid_res = gid_tool.and_then(|c| finish_map_tool("newgidmap", c));
            uid_res?;
            gid_res?;
        } else {
            let proc = format!("/proc/{pid}");
            let write = |file: &str, text: String| {
                std::fs::write(format!("{proc}/{file}"), text)
                    .map_err(|e| RuntimeError::UserNamespace(format!("writing {proc}/{file}: {e}")))
            };
            write("setgroups", "deny".into())?;
            write("uid_map", format_map(&self.uids))?;
            write("gid_map", format_map(&self.gids))?;
        }
        Ok(())
    }
}

/// The keep-id ranges from the usual `[0 -> user, 1.. -> subordinate]` ranges: container id
/// `inside` is host id `host` (the user's), container root takes the host id `inside` had.
fn keep_id_ranges(usual: &[IdRange], inside: u32, host: u32) -> Option<Vec<IdRange>> {
    if inside == 0 {
        return Some(usual.to_vec());
    }
    let sub = usual.iter().find(|r| r.container_id == 1)?;
    if inside > sub.size {
        return None;
    }
    let range = |container_id, host_id, size| IdRange {
        container_id,
        host_id,
        size,
    };
    let mut out = vec![range(0, sub.host_id + inside - 1, 1)];
    if inside > 1 {
        out.push(range(1, sub.host_id, inside - 1));
    }
    out.push(range(inside, host, 1));
    if sub.size > inside {
        out.push(range(inside + 1, sub.host_id + inside, sub.size - inside));
    }
    Some(out)
}

fn map_id(ranges: &[IdRange], id: u32) -> Option<u32> {
    ranges.iter().find_map(|r| {
        (id >= r.container_id && id - r.container_id < r.size)
            .then(|| r.host_id + (id - r.container_id))
    })
}

fn format_map(ranges: &[IdRange]) -> String {
    ranges
        .iter()
        .map(|r| format!("{} {} {}\n", r.container_id, r.host_id, r.size))
        .collect()
}

fn spawn_map_tool(
    tool: &str,
    pid: i32,
    ranges: &[IdRange],
) -> Result<std::process::Child, RuntimeError> {
    let mut cmd = Command::new(tool);
    cmd.arg(pid.to_string());
    for r in ranges {
        cmd.arg(r.container_id.to_string())
            .arg(r.host_id.to_string())
            .arg(r.size.to_string());
    }
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| {
            RuntimeError::UserNamespace(format!(
                "cannot run {tool} (install the uidmap package): {e}"
            ))
        })
}

fn finish_map_tool(tool: &str, child: std::process::Child) -> Result<(), RuntimeError> {
    let out = child
        .wait_with_output()
        .map_err(|e| RuntimeError::UserNamespace(format!("waiting for {tool}: {e}")))?;
    if !out.status.success() {
        return Err(RuntimeError::UserNamespace(format!(
            "{tool} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// The first range of `/etc/subuid`-style file `path` for the user (by name or numeric id).
pub fn subordinate_range(path: &Path, name: Option<&str>, id: u32) -> Option<(u32, u32)> {
    let text = std::fs::read_to_string(path).ok()?;
    let id_s = id.to_string();
    text.lines().find_map(|line| {
        let mut parts = line.trim().split(':');
        let who = parts.next()?;
        if who != id_s && Some(who) != name {
            return None;
        }
        let start = parts.next()?.parse().ok()?;
        let count: u32 = parts.next()?.parse().ok()?;
        (count > 0).then_some((start, count))
    })
}

/// True when skiff runs as root and so needs no user namespace of its own (rootful mode).
pub fn is_rootful() -> bool {
    nix::unistd::geteuid().is_root()
}

pub(crate) const SYNC_ENV: &str = "_SKIFF_USERNS_SYNC";

/// Child side of the re-exec helper: unshare a user namespace, tell the parent, wait until it
/// has written our maps, then become root there. A no-op when running as root.
pub fn become_root_in_child_namespace() -> Result<(), RuntimeError> {
    let Some(fds) = std::env::var_os(SYNC_ENV) else {
        return Err(RuntimeError::UserNamespace(
            "the user namespace helper was started without its parent".into(),
        ));
    };
    if is_rootful() {
        return Ok(());
    }
    let fds = fds.to_string_lossy().into_owned();
    let (r, w) = fds
        .split_once(',')
        .and_then(|(a, b)| Some((a.parse::<i32>().ok()?, b.parse::<i32>().ok()?)))
        .ok_or_else(|| RuntimeError::UserNamespace(format!("bad {SYNC_ENV}: {fds}")))?;
    // SAFETY: the parent passed these two pipe ends to us and nothing else in this process
    // owns them; we take ownership once.
    let (mut go, mut ready) = unsafe {
        (
            std::fs::File::from(OwnedFd::from_raw_fd(r)),
            std::fs::File::from(OwnedFd::from_raw_fd(w)),
        )
    };
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWUSER)
        .map_err(|e| RuntimeError::UserNamespace(format!("unshare(CLONE_NEWUSER): {e}")))?;
    ready
        .write_all(b"R")
        .map_err(|e| RuntimeError::UserNamespace(format!("sync with parent: {e}")))?;
    drop(ready);
    let mut b = [0u8; 1];
    go.read_exact(&mut b)
        .map_err(|_| RuntimeError::UserNamespace("the parent did not write our id maps".into()))?;
    set_root_ids()
}

/// Become uid/gid 0 inside a user namespace whose maps are written.
pub fn set_root_ids() -> Result<(), RuntimeError> {
    let root_g = nix::unistd::Gid::from_raw(0);
    let root_u = nix::unistd::Uid::from_raw(0);
    nix::unistd::setresgid(root_g, root_g, root_g)
        .map_err(|e| RuntimeError::UserNamespace(format!("setresgid(0): {e}")))?;
    nix::unistd::setresuid(root_u, root_u, root_u)
        .map_err(|e| RuntimeError::UserNamespace(format!("setresuid(0): {e}")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_id_maps_the_user_to_itself() {
        let r = |c, h, s| IdRange {
            container_id: c,
            host_id: h,
            size: s,
        };
        let usual = [r(0, 1001, 1), r(1, 200000, 65536)];
        let k = keep_id_ranges(&usual, 1001, 1001).unwrap();
        assert_eq!(
            k,
            vec![
                r(0, 201000, 1),
                r(1, 200000, 1000),
                r(1001, 1001, 1),
                r(1002, 201001, 64535)
            ]
        );
        // Every container id but 0 and 1001 keeps its usual host id.
        for id in [1, 999, 1000, 1002, 65536] {
            assert_eq!(map_id(&k, id), map_id(&usual, id), "{id}");
        }
        assert!(keep_id_ranges(&usual, 70000, 1001).is_none());
        assert!(keep_id_ranges(&usual[..1], 1001, 1001).is_none());
        // keep-id:uid=N: N is the user's uid; uid=0 is the usual mapping.
        let k = keep_id_ranges(&usual, 5, 1001).unwrap();
        assert_eq!(map_id(&k, 5), Some(1001));
        assert_eq!(map_id(&k, 0), Some(200004));
        assert_eq!(keep_id_ranges(&usual, 0, 1001).unwrap(), usual.to_vec());
    }
}
