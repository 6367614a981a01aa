//! What an internal helper is asked to do: one typed request, sent as JSON on a pipe (never
//! on the command line), and the one readiness message a long-lived helper reports back.
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::storage::rootfs::Rootfs;
use crate::storage::Driver;

/// Every internal helper, with its arguments. The entry point of each variant is in
/// `engine::helpers` (the table dispatched before the command line is parsed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// The per-container monitor: starts the container, keeps its logs, waits for it, restarts
    /// it. Reports `Ready::Ok` once the container runs (or `Ready::Failed`). In the foreground
    /// with `detach_keys` (a terminal), it watches its stdin for them: once they are typed it
    /// lets go of the caller's terminal and reports `Ready::Detached`.
    Monitor {
        id: String,
        foreground: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detach_keys: Option<Vec<u8>>,
    },
    /// The process holding the user networks' shared user and network namespaces. Reports
    /// `Ready::Pid` (its daemon's pid) once it is up.
    NetnsHolder,
    /// The pause process (`runtime::pause`): keeps a user namespace mapped to the user's
    /// subordinate ids for monitors to join. Reports `Ready::Pid` (its daemon's pid).
    Pause,
    /// One storage operation as root in a fresh user namespace mapped to the user's
    /// subordinate ids (files owned by container users).
    Userns(UsernsOp),
    /// Join a running container's namespaces (pid and its start time, against pid reuse), then
    /// copy with `/` as the container's root.
    Nsenter { pid: i32, start: u64, op: CopyOp },
}

impl Request {
    /// What follows `skiff __helper` on the command line, for `ps` and the like only (the
    /// request itself goes on the pipe): the helper's name, and a monitor's container ID.
    pub fn argv(&self) -> Vec<String> {
        match self {
            Request::Monitor { id, .. } => vec![self.name().into(), id.clone()],
            _ => vec![self.name().into()],
        }
    }

    /// The helper's name.
    pub fn name(&self) -> &'static str {
        match self {
            Request::Monitor { .. } => "monitor",
            Request::NetnsHolder => "netns",
            Request::Pause => "pause",
            Request::Userns(_) => "userns",
            Request::Nsenter { .. } => "nsenter",
        }
    }

    /// Whether the small binary (`helper::SMALL_BIN`) runs this helper, when it is installed:
    /// the long-lived ones (the per-container monitor, the network namespace holder, the pause
    /// process) and the
    /// tree removal a `--rm` monitor asks for. The main binary runs every helper.
    pub fn runs_in_small_binary(&self) -> bool {
        matches!(
            self,
            Request::Monitor { .. }
                | Request::NetnsHolder
                | Request::Pause
                | Request::Userns(UsernsOp::RemoveTrees(_))
        )
    }

    /// Whether the helper starts by entering a fresh user namespace whose id maps the spawner
    /// writes.
    pub fn needs_userns(&self) -> bool {
        matches!(
            self,
            Request::Userns(_) | Request::NetnsHolder | Request::Pause
        )
    }
}

/// A storage operation run as root in the user namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum UsernsOp {
    /// Remove trees whatever their owners inside the namespace.
    RemoveTrees(Vec<PathBuf>),
    /// Unpack layer blobs (blob path, diff id) into the image store's layers directory.
    UnpackLayers {
        layers_dir: PathBuf,
        rootful: bool,
        blobs: Vec<(PathBuf, String)>,
    },
    /// Unpack the layers named on stdin (`BLOB\tDIFF_ID` lines) as they come, until it closes.
    UnpackLayerStream { layers_dir: PathBuf, rootful: bool },
    /// Read a container's (or an image's) files: upper dir over lower dirs, top first.
    ContainerFiles {
        op: FilesOp,
        driver: Driver,
        upper: PathBuf,
        lowers: Vec<PathBuf>,
    },
    /// Copy into or out of a stopped container, its overlay and its volumes and bind mounts
    /// (source, destination, read-write) mounted in the namespace.
    CopyStopped {
        op: CopyOp,
        rootfs: Rootfs,
        volumes: Vec<crate::runtime::enter::VolumeMount>,
    },
    /// Find out which storage drivers work here, trying them under `dir`; JSON on stdout.
    StorageProbe { dir: PathBuf },
    /// Fill a vfs container's upper dir with a copy of its image's layers.
    VfsCopy {
        upper: PathBuf,
        layers: Vec<PathBuf>,
    },
}

/// What `UsernsOp::ContainerFiles` writes to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FilesOp {
    /// The changes, as JSON (`diff`).
    Diff,
    /// The merged tree as a tar (`export`).
    Export,
    /// The upper dir as a layer tar, with whiteouts (`commit`, `build`).
    Layer,
}

/// One side of `cp`, run with the container's root as `/` (or as the mounted overlay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CopyOp {
    /// Write the metadata of `path` (a final symlink not followed) as JSON to stdout.
    Stat { path: String },
    /// Write `src` as a tar to stdout; `follow`: follow a final symlink (`cp -L`).
    Out { src: String, follow: bool },
    /// Extract a tar from stdin into `dest`.
    In {
        dest: String,
        /// The tar's paths are relative to `dest` itself (else rebased onto it).
        plain_layout: bool,
        /// Keep the tar's owners (`cp -a`), else root's.
        keep_owner: bool,
    },
}

/// What a long-lived helper reports on its readiness pipe, once (one JSON line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ready {
    /// Up and running.
    Ok,
    /// Up; the process that stays is this one (a helper that forked to leave its spawner).
    Pid(i32),
    /// Could not start: docker's exit code and the message.
    Failed { code: i32, message: String },
    /// After `Ok`: a foreground monitor let go of the caller's terminal (the detach keys were
    /// typed); the container runs on.
    Detached,
    /// After `Ok`: the container exited with `code` and what a user sees of it is done (its
    /// exit recorded, or a `--rm` one moved into the trash and its name freed). The monitor
    /// has let go of the caller's streams and finishes alone (deleting a `--rm` container's
    /// files): the caller returns without waiting for its exit.
    Exited { code: i32 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_through_json() {
        let reqs = [
            Request::Monitor {
                id: "abc".into(),
                foreground: true,
                detach_keys: Some(vec![16, 17]),
            },
            Request::NetnsHolder,
            Request::Userns(UsernsOp::RemoveTrees(vec!["/a,b c".into()])),
            Request::Nsenter {
                pid: 7,
                start: 9,
                op: CopyOp::In {
                    dest: "/x".into(),
                    plain_layout: true,
                    keep_owner: false,
                },
            },
        ];
        for r in reqs {
            let text = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<Request>(&text).unwrap(), r);
        }
        assert!(Request::Userns(UsernsOp::StorageProbe { dir: "/d".into() }).needs_userns());
        assert!(!Request::Monitor {
            id: String::new(),
            foreground: false,
            detach_keys: None,
        }
        .needs_userns());
    }
}
