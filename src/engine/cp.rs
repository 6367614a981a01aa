//! `cp`: copy files between a container and the host, as tar streams.
//!
//! The container's side runs in a helper process that sees the container's root as `/` or as
//! a directory it treats as the root: for a running container, the `Nsenter` helper
//! joins its user and mount namespaces (so volumes are there too); for a stopped
//! one, the user namespace helper mounts its overlay privately. Either way the helper is root
//! in the container's user namespace, so files get the container's own ids, and every path is
//! resolved inside the container's root (see [`crate::storage::copy`]). The host's side runs
//! here, as the invoking user, and never writes outside the destination.
use std::io::Write;
use std::os::fd::AsFd;
use std::process::Stdio;

use super::EngineError;
use crate::helper::{CopyOp, Helper, Request, Spawn, UsernsOp};
use crate::state::container::Containers;
use crate::state::Paths;
use crate::storage::copy::{self, CopyError, Layout, Owner};
use crate::storage::rootfs::Rootfs;

/// What `cp` takes.
#[derive(Debug, Clone, Default)]
pub struct CpOptions {
    pub src: String,
    pub dest: String,
    /// `-a`: keep ownership.
    pub archive: bool,
    /// `-L`: follow a symlink given as the source.
    pub follow: bool,
}

/// One end of a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Side {
    Host(String),
    Container { name: String, path: String },
}

/// docker's rule: `NAME:PATH` is in a container unless the part before the colon holds a `/`
/// (or the argument starts with `/` or `.`, a local path).
fn parse_side(arg: &str) -> Side {
    if arg.starts_with('/') || arg.starts_with('.') {
        return Side::Host(arg.to_string());
    }
    match arg.split_once(':') {
        Some((name, path)) if !name.is_empty() && !name.contains('/') => Side::Container {
            name: name.to_string(),
            path: if path.starts_with('/') {
                path.to_string()
            } else {
                format!("/{path}")
            },
        },
        _ => Side::Host(arg.to_string()),
    }
}

fn copy_err(e: CopyError) -> EngineError {
    match e {
        CopyError::NotFound(_) => EngineError::NotFound(e.to_string()),
        CopyError::Invalid(m) => EngineError::Usage(m),
        CopyError::Io { context, source } => EngineError::Io { context, source },
    }
}

/// An absolute host path, keeping a trailing `/` or `/.` as given.
fn host_path(p: &str) -> Result<String, EngineError> {
    if p.starts_with('/') {
        return Ok(p.to_string());
    }
    let cwd = std::env::current_dir().map_err(EngineError::io("finding the current directory"))?;
    Ok(format!("{}/{p}", cwd.display()))
}

/// `cp SRC DEST`.
pub fn cp(paths: &Paths, opts: &CpOptions) -> Result<(), EngineError> {
    match (parse_side(&opts.src), parse_side(&opts.dest)) {
        (Side::Container { name, path }, Side::Host(dest)) => {
            let args = CopyOp::Out {
                src: path,
                follow: opts.follow,
            };
            if dest == "-" {
                let child = container_helper(paths, &name, &args, Stdio::null(), Stdio::inherit())?;
                return finish(child, Ok(()));
            }
            let dest = host_path(&dest)?;
            let mut child = container_helper(paths, &name, &args, Stdio::null(), Stdio::piped())?;
            let res = match child.child.stdout.take() {
                Some(pipe) => {
                    let root = copy::open_root(std::path::Path::new("/")).map_err(copy_err)?;
                    let owner = if opts.archive {
                        Owner::KeepIfAllowed
                    } else {
                        Owner::Caller
                    };
                    copy::extract(root.as_fd(), &dest, Layout::Rebase, owner, pipe)
                        .map_err(copy_err)
                }
                None => Err(EngineError::Internal("no pipe from the copy helper".into())),
            };
            finish(child, res)
        }
        (Side::Host(src), Side::Container { name, path }) => {
            let cp_in = |plain_layout| CopyOp::In {
                dest: path.clone(),
                plain_layout,
                keep_owner: opts.archive,
            };
            if src == "-" {
                let args = cp_in(true);
                let child = container_helper(paths, &name, &args, Stdio::inherit(), Stdio::null())?;
                return finish(child, Ok(()));
            }
            let src = host_path(&src)?;
            // Refuse a missing source before touching the container.
            if std::fs::symlink_metadata(src.trim_end_matches("/.")).is_err() {
                return Err(EngineError::NotFound(format!(
                    "could not find the file {src}: no such file or directory"
                )));
            }
            let args = cp_in(false);
            let mut child = container_helper(paths, &name, &args, Stdio::piped(), Stdio::null())?;
            let res = match child.child.stdin.take() {
                Some(pipe) => {
                    let root = copy::open_root(std::path::Path::new("/")).map_err(copy_err)?;
                    let out = std::io::BufWriter::with_capacity(256 * 1024, pipe);
                    copy::archive(root.as_fd(), &src, opts.follow, out)
                        .map_err(copy_err)
                        .and_then(|mut w| w.flush().map_err(EngineError::io("writing the archive")))
                }
                None => Err(EngineError::Internal("no pipe to the copy helper".into())),
            };
            finish(child, res)
        }
        (Side::Container { .. }, Side::Container { .. }) => Err(EngineError::Unsupported(
            "copying between containers is not supported".into(),
        )),
        (Side::Host(_), Side::Host(_)) => Err(EngineError::Usage(
            "must specify at least one container source".into(),
        )),
    }
}

/// A file's metadata inside a container, as docker's archive API reports it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PathStat {
    pub name: String,
    pub size: i64,
    /// Go's `os.FileMode` bits (what docker's clients decode).
    pub mode: u32,
    pub mtime: String,
    #[serde(rename = "linkTarget")]
    pub link_target: String,
}

/// A tar stream of `path` in the container, its top entry named after the path's base name
/// (docker's `GET /containers/{id}/archive`). Read the helper's stdout, then call
/// [`finish_archive`].
pub fn archive_out(paths: &Paths, name: &str, path: &str) -> Result<Helper, EngineError> {
    let op = CopyOp::Out {
        src: path.to_string(),
        follow: false,
    };
    container_helper(paths, name, &op, Stdio::null(), Stdio::piped())
}

/// Wait for a helper of [`archive_out`] or [`stat`]; its error, if any.
pub fn finish_archive(child: Helper) -> Result<(), EngineError> {
    finish(child, Ok(()))
}

/// Extract a tar stream into the directory `path` of the container, owned by its root
/// (docker's `PUT /containers/{id}/archive`).
pub fn archive_in(
    paths: &Paths,
    name: &str,
    path: &str,
    input: &mut dyn std::io::Read,
) -> Result<(), EngineError> {
    let op = CopyOp::In {
        dest: path.to_string(),
        plain_layout: true,
        keep_owner: false,
    };
    let mut child = container_helper(paths, name, &op, Stdio::piped(), Stdio::null())?;
    let res = match child.stdin.take() {
        Some(mut pipe) => std::io::copy(input, &mut pipe)
            .map(|_| ())
            .map_err(EngineError::io("writing the archive")),
        None => Err(EngineError::Internal("no pipe to the copy helper".into())),
    };
    finish(child, res)
}

/// Stat `path` in the container, without following a final symlink.
pub fn stat(paths: &Paths, name: &str, path: &str) -> Result<PathStat, EngineError> {
    let op = CopyOp::Stat {
        path: path.to_string(),
    };
    let child = container_helper(paths, name, &op, Stdio::null(), Stdio::piped())?;
    let out = child.finish().map_err(helper_err)?;
    serde_json::from_slice(&out).map_err(EngineError::failed("reading the file's metadata"))
}

/// The container's side of [`stat`]: print the metadata as JSON.
fn stat_op(root: std::os::fd::BorrowedFd<'_>, path: &str) -> Result<(), EngineError> {
    use nix::sys::stat::SFlag;
    let not_found =
        || EngineError::NotFound(format!("Could not find the file {path} in container"));
    let fd = copy::resolve(
        root,
        std::path::Path::new(path),
        nix::fcntl::OFlag::O_PATH,
        false,
    )
    .map_err(|_| not_found())?;
    let st = nix::sys::stat::fstat(&fd).map_err(|_| not_found())?;
    let kind = SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits());
    // Go's os.FileMode: permission bits plus type bits at the top.
    let mut mode = st.st_mode & 0o777;
    if kind == SFlag::S_IFDIR {
        mode |= 1 << 31;
    } else if kind == SFlag::S_IFLNK {
        mode |= 1 << 27;
    } else if kind == SFlag::S_IFIFO {
        mode |= 1 << 25;
    } else if kind == SFlag::S_IFSOCK {
        mode |= 1 << 24;
    } else if kind == SFlag::S_IFCHR {
        mode |= (1 << 26) | (1 << 21);
    } else if kind == SFlag::S_IFBLK {
        mode |= 1 << 26;
    }
    if st.st_mode & 0o4000 != 0 {
        mode |= 1 << 23;
    }
    if st.st_mode & 0o2000 != 0 {
        mode |= 1 << 22;
    }
    if st.st_mode & 0o1000 != 0 {
        mode |= 1 << 20;
    }
    let link_target = if kind == SFlag::S_IFLNK {
        nix::fcntl::readlinkat(&fd, "")
            .map(|t| t.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        String::new()
    };
    let mtime = chrono::DateTime::from_timestamp(st.st_mtime, st.st_mtime_nsec as u32)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
        .unwrap_or_default();
    let name = std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "/".into());
    let stat = PathStat {
        name,
        size: st.st_size,
        mode,
        mtime,
        link_target,
    };
    let json = serde_json::to_string(&stat).map_err(EngineError::failed("file metadata"))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{json}").map_err(EngineError::io("writing the file's metadata"))
}

/// Wait for the helper; its error, if any, explains ours (a broken pipe, usually).
fn finish(child: Helper, ours: Result<(), EngineError>) -> Result<(), EngineError> {
    let theirs = child.finish();
    match (theirs, ours) {
        (Err(e), _) => Err(helper_err(e)),
        (Ok(_), r) => r,
    }
}

fn helper_err(e: crate::runtime::RuntimeError) -> EngineError {
    match e {
        crate::runtime::RuntimeError::Helper(m) if m.starts_with("Could not find the file") => {
            EngineError::NotFound(m)
        }
        e => e.into(),
    }
}

/// Start the container's side of a copy: joined to a running container, or on the mounted
/// overlay of a stopped one.
fn container_helper(
    paths: &Paths,
    name: &str,
    op: &CopyOp,
    stdin: Stdio,
    stdout: Stdio,
) -> Result<Helper, EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let rec = store.record(&id)?;
    let st = store.state(&id)?;
    let alive = st.status.is_up()
        && st.pid > 0
        && crate::sys::proc::start_time(st.pid) == Some(st.pid_start);
    let request = if alive {
        Request::Nsenter {
            pid: st.pid,
            start: st.pid_start,
            op: op.clone(),
        }
    } else {
        let dir = store.dir(&id);
        // Its volumes and bind mounts, to be mounted as the container would have them.
        let volumes: Vec<crate::runtime::enter::VolumeMount> = rec
            .mounts
            .iter()
            .filter(|m| (m.kind == "volume" || m.kind == "bind") && !m.source.is_empty())
            .map(|m| (m.source.clone().into(), m.destination.clone().into(), m.rw))
            .collect();
        Request::Userns(UsernsOp::CopyStopped {
            op: op.clone(),
            volumes,
            rootfs: Rootfs::of_container(
                &dir,
                rec.layers.clone(),
                rec.storage_driver,
                !crate::runtime::userns::is_rootful(),
            ),
        })
    };
    let mut spawn = Spawn::new(&request);
    spawn.stdin = stdin;
    spawn.stdout = stdout;
    Ok(crate::helper::spawn(spawn)?)
}

/// Run one copy operation with `root` as the container's root.
fn run_op(op: &CopyOp, root: std::os::fd::BorrowedFd<'_>) -> Result<(), EngineError> {
    match op {
        CopyOp::Out { src, follow } => {
            let out = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout().lock());
            let mut out = copy::archive(root, src, *follow, out).map_err(copy_err)?;
            out.flush().map_err(EngineError::io("writing the archive"))
        }
        CopyOp::Stat { path } => stat_op(root, path),
        CopyOp::In {
            dest,
            plain_layout,
            keep_owner,
        } => {
            let layout = if *plain_layout {
                Layout::Plain
            } else {
                Layout::Rebase
            };
            let owner = if *keep_owner {
                Owner::Keep
            } else {
                Owner::Root
            };
            let input: Box<dyn std::io::Read> = if layout == Layout::Plain {
                // A tar given on stdin may be compressed (docker detects gzip and the like).
                crate::image::unpack::decompressed(std::io::stdin())
                    .map_err(EngineError::io("reading the archive on standard input"))?
            } else {
                Box::new(std::io::stdin().lock())
            };
            let input = std::io::BufReader::with_capacity(256 * 1024, input);
            copy::extract(root, dest, layout, owner, input).map_err(copy_err)
        }
    }
}

/// The user namespace helper's side, for a stopped container: mount its overlay and its
/// volumes privately, then copy.
pub(crate) fn copy_stopped(
    op: &CopyOp,
    rootfs: &Rootfs,
    volumes: &[crate::runtime::enter::VolumeMount],
) -> Result<(), EngineError> {
    crate::runtime::enter::mount_overlay(rootfs)?;
    crate::runtime::enter::mount_volumes(&rootfs.target, volumes)?;
    let root = copy::open_root(&rootfs.target).map_err(copy_err)?;
    run_op(op, root.as_fd())
}

/// The `Nsenter` helper's side: join a running container, then copy. Must run before any
/// thread exists.
pub(crate) fn nsenter_main(pid: i32, start: u64, op: &CopyOp) -> Result<(), EngineError> {
    crate::runtime::enter::join_container(pid, start)?;
    let root = copy::open_root(std::path::Path::new("/")).map_err(copy_err)?;
    run_op(op, root.as_fd())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sides() {
        assert_eq!(
            parse_side("web:/etc/hosts"),
            Side::Container {
                name: "web".into(),
                path: "/etc/hosts".into()
            }
        );
        assert_eq!(
            parse_side("web:etc"),
            Side::Container {
                name: "web".into(),
                path: "/etc".into()
            }
        );
        assert_eq!(parse_side("./a:b"), Side::Host("./a:b".into()));
        assert_eq!(parse_side("/x:y"), Side::Host("/x:y".into()));
        assert_eq!(parse_side("dir/a:b"), Side::Host("dir/a:b".into()));
        assert_eq!(parse_side("-"), Side::Host("-".into()));
    }
}
