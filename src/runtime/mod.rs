//! The built-in OCI runtime: namespaces, mounts, pivot_root, /proc, /dev, capabilities, exec.
//!
//! Process chain (in the monitor, which is single-threaded): `clone` with every new namespace at
//! once, so the child is PID 1 of its PID namespace and a direct child of the monitor. The two
//! talk over a socketpair: the parent writes the id maps (newuidmap/newgidmap) and runs the
//! network hook, then says "go"; the child mounts the root filesystem, pivots, drops
//! capabilities and execs. An exec that succeeds closes the child's end (O_CLOEXEC), so EOF
//! means "started"; anything else is an error message with the exit code docker would use.
pub mod cgroup;
mod container_mounts;
pub mod enter;
pub mod exec;
pub mod exec_cache;
pub mod external;
pub mod freeze;
pub mod init;
mod init_error;
use crate::storage::rootfs::reap_server;
pub use crate::storage::rootfs::Rootfs;
pub use crate::sys::inroot;
pub mod mountops;
pub mod netns;
pub mod pause;
pub mod seccomp;
pub mod seccomp_cache;
mod seccomp_ranges;
pub mod spec;
pub(crate) mod syscall;
mod syscalls;
mod trampoline;
pub mod userns;

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

use nix::sched::CloneFlags;
use oci_spec::runtime::{LinuxNamespaceType, Spec};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum RuntimeError {
    #[error("user namespace: {0}")]
    UserNamespace(String),
    /// A helper process reported this error (its own message, passed through).
    #[error("{0}")]
    Helper(String),
    /// The container's process could not be started; `code` is docker's exit code for it.
    #[error("{message}")]
    Start { message: String, code: i32 },
    /// A file or socket operation failed: what was being done (naming the path) and the
    /// io error.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// A system call failed: what was being done and the errno.
    #[error("{what}: {source}")]
    Sys {
        what: String,
        #[source]
        source: nix::errno::Errno,
    },
    /// Building or writing a runtime spec failed.
    #[error("{what}: {source}")]
    Spec {
        what: String,
        #[source]
        source: oci_spec::OciSpecError,
    },
    /// A document (a spec, a profile) that is not the JSON it must be.
    #[error("{what}: {source}")]
    Json {
        what: String,
        #[source]
        source: serde_json::Error,
    },
    /// A seccomp profile the filter compiler refused (seccompiler's backend or compile error).
    #[error("{what}: {source}")]
    Seccomp {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The container's process exited (or was never there) while it was being joined.
    #[error("container process {0} is gone")]
    ProcessGone(i32),
    /// A spec, a flag or a profile that cannot be used: the message is the whole error.
    #[error("{0}")]
    Invalid(String),
    /// A failure whose message is the whole error: a process of its own reported it (its
    /// cause stayed there), or an external runtime did not do what it must.
    #[error("{0}")]
    Failed(String),
    /// A step the caller hooked into the start (the network, the cgroup) failed: its error.
    #[error(transparent)]
    Hook(Box<dyn std::error::Error + Send + Sync>),
}

/// An error with a cause the runtime keeps typed: io errors and errnos.
pub trait Cause {
    fn during(self, what: String) -> RuntimeError;
}

impl Cause for std::io::Error {
    fn during(self, what: String) -> RuntimeError {
        RuntimeError::Io { what, source: self }
    }
}

impl Cause for nix::errno::Errno {
    fn during(self, what: String) -> RuntimeError {
        RuntimeError::Sys { what, source: self }
    }
}

impl Cause for oci_spec::OciSpecError {
    fn during(self, what: String) -> RuntimeError {
        RuntimeError::Spec { what, source: self }
    }
}

impl Cause for serde_json::Error {
    fn during(self, what: String) -> RuntimeError {
        RuntimeError::Json { what, source: self }
    }
}

impl Cause for seccompiler::BackendError {
    fn during(self, what: String) -> RuntimeError {
        RuntimeError::Seccomp {
            what,
            source: Box::new(self),
        }
    }
}

impl Cause for seccompiler::Error {
    fn during(self, what: String) -> RuntimeError {
        RuntimeError::Seccomp {
            what,
            source: Box::new(self),
        }
    }
}

impl From<crate::storage::rootfs::ServerError> for RuntimeError {
    fn from(e: crate::storage::rootfs::ServerError) -> RuntimeError {
        RuntimeError::Io {
            what: e.what.into(),
            source: e.source,
        }
    }
}

impl RuntimeError {
    /// `map_err(RuntimeError::ctx("socketpair"))`: the cause, with what was being done.
    pub fn ctx<E: Cause>(what: impl Into<String>) -> impl FnOnce(E) -> RuntimeError {
        let what = what.into();
        move |e| e.during(what)
    }
}

/// How the container's standard streams are wired.
#[derive(Debug)]
pub enum Stdio {
    /// A pseudo-terminal created inside the container's devpts; the master comes back.
    Tty,
    /// These descriptors become the container's 0, 1 and 2.
    Fds {
        stdin: RawFd,
        stdout: RawFd,
        stderr: RawFd,
    },
}

/// A started container.
#[derive(Debug)]
pub struct Started {
    pub pid: i32,
    pub pty_master: Option<OwnedFd>,
    /// The root file system's server process (a served driver's: FUSE), a child of the
    /// caller: it ends when the container's mount namespace is gone, and the caller reaps it
    /// (`storage::rootfs::reap_server`).
    pub rootfs_server: Option<i32>,
}

/// The user namespace of process `pid`, unless it is already ours.
pub fn user_namespace_of(pid: i32) -> Result<Option<std::fs::File>, RuntimeError> {
    use std::os::unix::fs::MetadataExt;
    let path = format!("/proc/{pid}/ns/user");
    let theirs = std::fs::metadata(&path).map_err(RuntimeError::ctx(path.as_str()))?;
    let ours = std::fs::metadata("/proc/self/ns/user").ok();
    if ours.is_some_and(|o| o.ino() == theirs.ino() && o.dev() == theirs.dev()) {
        return Ok(None);
    }
    std::fs::File::open(&path)
        .map(Some)
        .map_err(RuntimeError::ctx(path.as_str()))
}

/// Start the container described by `spec` on `rootfs`. `before_go(pid)` runs once the
/// namespaces exist and the id maps are written, before the container's process may continue
/// (the network's setup). `after_go()` runs while the process mounts its root filesystem; it
/// waits at a barrier right before its credentials, capabilities and exec until `after_go`
/// returns (the network helper's start-up overlaps the mounts, and the command never runs
/// without its network). Must be called from a single-threaded process.
pub fn create(
    spec: &Spec,
    rootfs: &Rootfs,
    stdio: &Stdio,
    before_go: &mut dyn FnMut(i32) -> Result<(), RuntimeError>,
    after_go: &mut dyn FnMut() -> Result<(), RuntimeError>,
) -> Result<Started, RuntimeError> {
    let linux = spec
        .linux()
        .as_ref()
        .ok_or_else(|| RuntimeError::Invalid("runtime spec has no linux section".into()))?;
    let mut flags = CloneFlags::empty();
    let mut userns = false;
    // Namespaces with a path are joined (the user namespace first: the others belong to it),
    // by this process, before the child is created in the rest.
    let mut joins: Vec<(CloneFlags, PathBuf)> = Vec::new();
    for ns in linux.namespaces().as_deref().unwrap_or_default() {
        if let Some(path) = ns.path() {
            let flag = match ns.typ() {
                LinuxNamespaceType::User => CloneFlags::CLONE_NEWUSER,
                LinuxNamespaceType::Network => CloneFlags::CLONE_NEWNET,
                LinuxNamespaceType::Pid => CloneFlags::CLONE_NEWPID,
                LinuxNamespaceType::Ipc => CloneFlags::CLONE_NEWIPC,
                other => {
                    return Err(RuntimeError::Invalid(format!(
                        "joining a {other:?} namespace is not supported"
                    )))
                }
            };
            joins.push((flag, path.clone()));
            continue;
        }
        flags |= match ns.typ() {
            LinuxNamespaceType::Pid => CloneFlags::CLONE_NEWPID,
            LinuxNamespaceType::Ipc => CloneFlags::CLONE_NEWIPC,
            LinuxNamespaceType::Uts => CloneFlags::CLONE_NEWUTS,
            LinuxNamespaceType::Mount => CloneFlags::CLONE_NEWNS,
            LinuxNamespaceType::Network => CloneFlags::CLONE_NEWNET,
            // Not at clone: the child unshares it after the monitor moved it into the
            // container's cgroup (the "go" byte), so that the namespace's root is that cgroup
            // (as runc does: cgroup first, then the namespace).
            LinuxNamespaceType::Cgroup => CloneFlags::empty(),
            LinuxNamespaceType::User => {
                userns = true;
                CloneFlags::CLONE_NEWUSER
            }
            LinuxNamespaceType::Time => CloneFlags::empty(),
        };
    }
    joins.sort_by_key(|(f, _)| *f != CloneFlags::CLONE_NEWUSER);
    for (flag, path) in &joins {
        // A restarted container's monitor is already in the user namespace it joined.
        if *flag == CloneFlags::CLONE_NEWUSER && netns::in_user_namespace(path) {
            continue;
        }
        let f = std::fs::File::open(path)
            .map_err(RuntimeError::ctx(format!("opening {}", path.display())))?;
        nix::sched::setns(&f, *flag)
            .map_err(RuntimeError::ctx(format!("joining {}", path.display())))?;
    }
    let (parent_sock, child_sock) = UnixStream::pair().map_err(RuntimeError::ctx("socketpair"))?;
    let child_fd = child_sock.as_raw_fd();
    let parent_fd = parent_sock.as_raw_fd();

    let mut stack = vec![0u8; 1024 * 1024];
    let mut child_main = || -> isize {
        // The parent's end is useless here; close it so EOF works both ways.
        let _ = nix::unistd::close(parent_fd);
        init::child_main(spec, rootfs, stdio, child_fd)
    };
    // SAFETY: the caller is single-threaded (the monitor), so the child, a copy of this
    // process without CLONE_VM, owns a consistent copy of the heap; the 1 MiB stack is far
    // more than `child_main` uses, and the child ends in execve or _exit.
    let pid = unsafe {
        nix::sched::clone(
            Box::new(&mut child_main),
            &mut stack,
            flags,
            Some(libc::SIGCHLD),
        )
    }
    .map_err(RuntimeError::ctx("clone"))?;
    drop(child_sock);
    let pid_raw = pid.as_raw();
    let mut sock = parent_sock;

    let setup = (|| -> Result<(), RuntimeError> {
        if userns {
            let mapping = mapping_from_spec(spec);
            mapping.write_for(pid_raw)?;
        }
        before_go(pid_raw)
    })();
    if let Err(e) = setup {
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        let _ = nix::sys::wait::waitpid(pid, None);
        return Err(e);
    }
    sock.write_all(b"G")
        .map_err(RuntimeError::ctx("starting the container"))?;

    let mut pty_master = None;
    let mut rootfs_server = None;
    let mut msg = String::new();
    let driver = rootfs.driver();
    if driver.served() {
        match receive_fd(&sock) {
            Ok((_, Some(fd))) => {
                let served = user_namespace_of(pid_raw).and_then(|ns| {
                    match driver.spawn_server(rootfs, ns)? {
                        Some(server) => Ok(Some(server.serve(fd)?)),
                        None => Ok(None),
                    }
                });
                match served {
                    Ok(server) => rootfs_server = server,
                    Err(e) => {
                        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
                        let _ = nix::sys::wait::waitpid(pid, None);
                        return Err(e);
                    }
                }
            }
            Ok((Some(b), None)) => msg.push(b as char),
            Ok((None, None)) => {}
            Err(e) => {
                let _ = nix::sys::wait::waitpid(pid, None);
                return Err(e);
            }
        }
    }
    if matches!(stdio, Stdio::Tty) && msg.is_empty() {
        match receive_fd(&sock) {
            Ok((_, Some(fd))) => pty_master = Some(fd),
            // No descriptor: the child failed first, and this byte starts its message.
            Ok((Some(b), None)) => msg.push(b as char),
            Ok((None, None)) => {}
            Err(e) => {
                let _ = nix::sys::wait::waitpid(pid, None);
                return Err(e);
            }
        }
    }
    if msg.is_empty() {
        // The child is at its barrier (`W`), or failed before it (this byte starts its
        // message, or EOF).
        let mut b = [0u8; 1];
        match sock.read(&mut b) {
            Ok(1) if b[0] == BARRIER => {
                if let Err(e) = after_go() {
                    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
                    let _ = nix::sys::wait::waitpid(pid, None);
                    if let Some(server) = rootfs_server {
                        reap_server(server);
                    }
                    return Err(e);
                }
                // A child that died meanwhile leaves its message (or nothing) to read below.
                let _ = sock.write_all(&[GO_ON]);
            }
            Ok(1) => msg.push(b[0] as char),
            _ => {}
        }
    }
    let _ = sock.read_to_string(&mut msg);
    if !msg.is_empty() {
        let _ = nix::sys::wait::waitpid(pid, None);
        if let Some(server) = rootfs_server {
            reap_server(server);
        }
        let (code, message) = msg
            .split_once('\t')
            .map(|(c, m)| (c.parse().unwrap_or(crate::exit::ENGINE), m.to_string()))
            .unwrap_or((crate::exit::ENGINE, msg.clone()));
        return Err(RuntimeError::Start { message, code });
    }
    Ok(Started {
        pid: pid_raw,
        pty_master,
        rootfs_server,
    })
}

/// What the child sends when it waits at its barrier, before credentials and exec.
const BARRIER: u8 = b'W';
/// What lets it go on from there.
const GO_ON: u8 = b'N';

/// A process to signal without the risk of PID reuse: a pidfd (pidfd_open(2)). A signal sent
/// through it reaches that very process, or fails with ESRCH once it is gone, never a
/// newcomer that got the same PID.
#[derive(Debug)]
pub struct ProcessHandle(OwnedFd);

impl ProcessHandle {
    /// The process `pid` now (call it while the PID is known to be right: an unreaped child).
    pub fn open(pid: i32) -> std::io::Result<ProcessHandle> {
        // SAFETY: pidfd_open takes a PID and flags and returns a new descriptor or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: the kernel just gave us this descriptor; nobody else owns it.
        Ok(ProcessHandle(unsafe { OwnedFd::from_raw_fd(fd as RawFd) }))
    }

    /// The process `pid`, if it is still the one that started at `start` (field 22 of
    /// /proc/PID/stat): checked after the pidfd is open, so the handle is that process.
    pub fn open_checked(pid: i32, start: u64) -> Option<ProcessHandle> {
        if pid <= 0 {
            return None;
        }
        let h = ProcessHandle::open(pid).ok()?;
        (crate::sys::proc::start_time(pid) == Some(start)).then_some(h)
    }

    /// Send signal number `sig` (real-time ones too).
    pub fn signal(&self, sig: i32) -> std::io::Result<()> {
        // SAFETY: pidfd_send_signal with our descriptor, a signal number, no siginfo.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                self.0.as_raw_fd(),
                sig as libc::c_int,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            )
        };
        if rc < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }

    /// Wait at most `timeout` (at millisecond grain) for the process to end; true once it
    /// has. A pidfd reads as ready when its process exits, whoever its parent is, so a waiter
    /// wakes at the exit instead of at its next poll.
    pub fn wait_exit(&self, timeout: std::time::Duration) -> bool {
        use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
        use std::os::fd::AsFd;
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        let mut fds = [PollFd::new(self.0.as_fd(), PollFlags::POLLIN)];
        match poll(
            &mut fds,
            PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX),
        ) {
            Ok(n) => n > 0,
            // Interrupted: the caller looks again, as after a timeout.
            Err(_) => false,
        }
    }
}

/// Restore SIGPIPE's default disposition (Rust ignores it), so that `skiff ps | head` ends
/// quietly instead of failing on a closed pipe.
pub fn default_sigpipe() {
    // SAFETY: setting a disposition to SIG_DFL installs no handler code; called before any
    // thread exists.
    unsafe {
        let _ = nix::sys::signal::signal(
            nix::sys::signal::Signal::SIGPIPE,
            nix::sys::signal::SigHandler::SigDfl,
        );
    }
}

fn mapping_from_spec(spec: &Spec) -> userns::IdMapping {
    mapping_from_spec_linux(spec.linux().as_ref())
}

/// The id maps a spec's linux section asks for.
pub fn mapping_from_spec_linux(linux: Option<&oci_spec::runtime::Linux>) -> userns::IdMapping {
    let conv = |m: &Option<Vec<oci_spec::runtime::LinuxIdMapping>>| -> Vec<userns::IdRange> {
        m.as_deref()
            .unwrap_or_default()
            .iter()
            .map(|r| userns::IdRange {
                container_id: r.container_id(),
                host_id: r.host_id(),
                size: r.size(),
            })
            .collect()
    };
    let uids = conv(&linux.and_then(|l| l.uid_mappings().clone()));
    let gids = conv(&linux.and_then(|l| l.gid_mappings().clone()));
    let subordinate = uids.len() > 1 || gids.len() > 1;
    userns::IdMapping {
        uids,
        gids,
        subordinate,
    }
}

/// Receive one byte and, with it, maybe one file descriptor sent with SCM_RIGHTS.
fn receive_fd(sock: &UnixStream) -> Result<(Option<u8>, Option<OwnedFd>), RuntimeError> {
    let mut buf = [0u8; 1];
    let (n, received) = crate::sys::fd::recv_with_fd(sock.as_raw_fd(), &mut buf)
        .map_err(RuntimeError::ctx("receiving a descriptor"))?;
    Ok(((n > 0).then_some(buf[0]), received))
}
