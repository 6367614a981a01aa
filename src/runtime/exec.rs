//! `exec`: run a new process inside a running container's namespaces.
//!
//! Process chain: the caller (single-threaded) opens the container's `/proc/PID/ns/*` files,
//! checks the PID is still the container's, then forks a *joiner*. The joiner calls `setns` on
//! the user namespace first (a forked child of a single-threaded process has no other thread,
//! which joining a user namespace requires), then mnt, pid, uts, ipc, net and cgroup, and forks
//! once more so the command really is in the PID namespace. That last child resolves the user
//! in the container's `/etc/passwd`, opens a pty in the container's devpts if asked, sets its
//! credentials and capabilities and execs. The joiner waits for it and exits with its status,
//! so the caller only ever waits for its own child. Errors travel back over a socketpair as
//! `CODE\tMESSAGE`, exactly as in `create`; EOF (close-on-exec) means the command runs.
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::Path;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sched::CloneFlags;
use nix::sys::signal::{SigSet, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{ForkResult, Pid};

use super::init::{self, InitError, Never};
use super::RuntimeError;

/// The namespaces joined, in order: the user namespace first, so that joining the others is
/// allowed by the capabilities it grants.
const NAMESPACES: &[(&str, CloneFlags)] = &[
    ("user", CloneFlags::CLONE_NEWUSER),
    ("mnt", CloneFlags::CLONE_NEWNS),
    ("pid", CloneFlags::CLONE_NEWPID),
    ("uts", CloneFlags::CLONE_NEWUTS),
    ("ipc", CloneFlags::CLONE_NEWIPC),
    ("net", CloneFlags::CLONE_NEWNET),
    ("cgroup", CloneFlags::CLONE_NEWCGROUP),
];

/// Credentials resolved inside the container.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
}

/// What to run, and where.
#[derive(Debug, Clone)]
pub struct ExecRequest {
    /// Host PID of the container's process 1.
    pub pid: i32,
    /// Its start time (field 22 of /proc/PID/stat), to refuse a recycled PID.
    pub pid_start: u64,
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    /// Capability names (`CAP_CHOWN`...) the process keeps.
    pub capabilities: Vec<String>,
    pub tty: bool,
    /// Give the command our standard input (else /dev/null, or the pty).
    pub interactive: bool,
    /// Detached: the command's streams go to /dev/null and nobody waits for it here.
    pub detach: bool,
    /// The container's seccomp filter (the spec's `linux.seccomp`), if any.
    pub seccomp: Option<serde_json::Value>,
    /// Health checks: the command's stdout and stderr go to this descriptor, its stdin is
    /// /dev/null, and it runs in a session of its own (the joiner's), away from the caller's
    /// terminal, so that the caller can kill the joiner and the command together with
    /// `kill(-waiter, ...)`.
    pub capture: Option<RawFd>,
}

/// A started exec: the joiner process, whose exit status is the command's, and the pty master.
#[derive(Debug)]
pub struct ExecProcess {
    pub waiter: i32,
    pub pty_master: Option<OwnedFd>,
}

/// Start `req` in the container. `resolve_user` runs inside the container (its root is `/`
/// then) and picks the credentials; an `Err` is reported with exit code 126, as docker does.
/// Must be called from a single-threaded process. SIGINT and SIGQUIT stay blocked in the
/// caller afterwards: the terminal sends them to the command, which outlives us otherwise.
pub fn spawn(
    req: &ExecRequest,
    resolve_user: &dyn Fn() -> Result<Credentials, String>,
) -> Result<ExecProcess, RuntimeError> {
    let threads = std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(1);
    if threads > 1 {
        return Err(RuntimeError::Other(format!(
            "exec must start from a single-threaded process ({threads} threads)"
        )));
    }
    let not_running = || RuntimeError::Other(format!("container process {} is gone", req.pid));
    let mut joins: Vec<(&'static str, CloneFlags, OwnedFd)> = Vec::new();
    for (name, flag) in NAMESPACES {
        let theirs = format!("/proc/{}/ns/{name}", req.pid);
        let Ok(meta) = std::fs::metadata(&theirs) else {
            continue; // a kernel without this namespace type
        };
        let ours = std::fs::metadata(format!("/proc/self/ns/{name}")).ok();
        if ours.is_some_and(|o| o.ino() == meta.ino() && o.dev() == meta.dev()) {
            continue; // shared with us (host network, no user namespace when rootful...)
        }
        let f = std::fs::File::open(&theirs).map_err(|_| not_running())?;
        joins.push((name, *flag, f.into()));
    }
    // The descriptors are open: if the PID is still the container's, they are its namespaces.
    if crate::sys::proc::start_time(req.pid) != Some(req.pid_start) {
        return Err(not_running());
    }
    let devnull: OwnedFd = std::fs::File::open("/dev/null")
        .map_err(|e| RuntimeError::Other(format!("/dev/null: {e}")))?
        .into();
    let (parent_sock, child_sock) =
        UnixStream::pair().map_err(|e| RuntimeError::Other(format!("socketpair: {e}")))?;

    let mut mask = SigSet::empty();
    mask.add(Signal::SIGINT);
    mask.add(Signal::SIGQUIT);
    let _ = mask.thread_block();

    // SAFETY: the process is single-threaded (checked above), so the child owns a consistent
    // copy of the heap and may allocate; it ends in `_exit` (via `joiner`) and never returns.
    match unsafe { nix::unistd::fork() } {
        Err(e) => Err(RuntimeError::Other(format!("fork: {e}"))),
        Ok(ForkResult::Child) => {
            drop(parent_sock);
            let code = joiner(req, &joins, devnull.as_raw_fd(), child_sock, resolve_user);
            exit_now(code)
        }
        Ok(ForkResult::Parent { child }) => {
            drop(child_sock);
            drop(joins);
            finish_start(child, parent_sock, req.tty)
        }
    }
}

/// The caller's side after the fork: the pty master if any, then EOF or an error message.
fn finish_start(child: Pid, mut sock: UnixStream, tty: bool) -> Result<ExecProcess, RuntimeError> {
    let mut pty_master = None;
    let mut msg = String::new();
    if tty {
        match super::receive_fd(&sock) {
            Ok((_, Some(fd))) => pty_master = Some(fd),
            Ok((Some(b), None)) => msg.push(b as char),
            Ok((None, None)) => {}
            Err(e) => {
                let _ = waitpid(child, None);
                return Err(e);
            }
        }
    }
    let _ = sock.read_to_string(&mut msg);
    if !msg.is_empty() {
        let _ = waitpid(child, None);
        let (code, message) = msg
            .split_once('\t')
            .map(|(c, m)| (c.parse().unwrap_or(125), m.to_string()))
            .unwrap_or((125, msg.clone()));
        return Err(RuntimeError::Start { message, code });
    }
    Ok(ExecProcess {
        waiter: child.as_raw(),
        pty_master,
    })
}

fn exit_now(code: i32) -> ! {
    // SAFETY: _exit ends this forked copy at once, without running the parent's atexit
    // handlers or flushing stdio buffers it inherited.
    unsafe { libc::_exit(code) }
}

/// The joiner: enter the namespaces, fork the command, wait for it. Returns the exit status.
fn joiner(
    req: &ExecRequest,
    joins: &[(&'static str, CloneFlags, OwnedFd)],
    devnull: RawFd,
    sock: UnixStream,
    resolve_user: &dyn Fn() -> Result<Credentials, String>,
) -> i32 {
    let mut sock = sock;
    let report = |sock: &mut UnixStream, e: InitError| {
        let _ = sock.write_all(format!("{}\t{}", e.code, e.message).as_bytes());
        e.code
    };
    if req.capture.is_some() {
        let _ = nix::unistd::setsid();
    }
    if req.detach {
        // Away from the caller's terminal, its signals and its output pipes (which must close
        // when the caller returns): this process and the command hold only /dev/null.
        let _ = nix::unistd::setsid();
        for fd in [0, 1, 2] {
            if let Err(e) = init::dup_to(devnull, fd) {
                return report(&mut sock, e);
            }
        }
    }
    for (name, flag, fd) in joins {
        if let Err(e) = nix::sched::setns(fd, *flag) {
            return report(
                &mut sock,
                init::fail(format!("joining the container's {name} namespace: {e}")),
            );
        }
    }
    // SAFETY: still single-threaded (a fork of a single-threaded process); the child ends in
    // execve or `_exit`.
    match unsafe { nix::unistd::fork() } {
        Err(e) => report(&mut sock, init::fail(format!("fork: {e}"))),
        Ok(ForkResult::Child) => {
            let code = match command(req, devnull, &sock, resolve_user) {
                Ok(never) => match never {},
                Err(e) => report(&mut sock, e),
            };
            exit_now(code)
        }
        Ok(ForkResult::Parent { child }) => {
            drop(sock);
            loop {
                match waitpid(child, None) {
                    Ok(WaitStatus::Exited(_, c)) => return c,
                    Ok(WaitStatus::Signaled(_, s, _)) => return 128 + s as i32,
                    Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
                    Err(_) => return 255,
                }
            }
        }
    }
}

/// The command's process, inside every namespace: streams, user, cwd, capabilities, exec.
fn command(
    req: &ExecRequest,
    devnull: RawFd,
    sock: &UnixStream,
    resolve_user: &dyn Fn() -> Result<Credentials, String>,
) -> Result<Never, InitError> {
    let _ = nix::sys::signal::sigprocmask(
        nix::sys::signal::SigmaskHow::SIG_SETMASK,
        Some(&SigSet::empty()),
        None,
    );
    for sig in [Signal::SIGPIPE, Signal::SIGINT, Signal::SIGQUIT] {
        // SAFETY: restoring the default disposition; no handler code is involved.
        unsafe {
            let _ = nix::sys::signal::signal(sig, nix::sys::signal::SigHandler::SigDfl);
        }
    }
    let user = resolve_user().map_err(|message| InitError { code: 126, message })?;

    if req.tty {
        let slave = init::open_pty(Path::new("/"), sock)?;
        nix::unistd::setsid().map_err(init::ctx("setsid"))?;
        // SAFETY: TIOCSCTTY on a terminal descriptor we own; makes it our controlling tty.
        if unsafe { libc::ioctl(slave, libc::TIOCSCTTY, 0) } < 0 {
            return Err(init::fail(format!(
                "TIOCSCTTY: {}",
                std::io::Error::last_os_error()
            )));
        }
        init::dup_onto(slave, &[0, 1, 2])?;
    } else if let Some(out) = req.capture {
        init::dup_to(devnull, 0)?;
        init::dup_onto(out, &[1, 2])?;
    } else if !req.interactive && !req.detach {
        init::dup_to(devnull, 0)?;
    }
    let _ = nix::unistd::close(devnull);

    if !req.cwd.is_empty() {
        nix::unistd::chdir(req.cwd.as_str()).map_err(|e| InitError {
            code: 126,
            message: format!(
                "chdir to cwd (\"{}\") set in config.json failed: {}",
                req.cwd,
                std::io::Error::from(e)
                    .to_string()
                    .split(" (os error")
                    .next()
                    .unwrap_or_default()
                    .to_lowercase()
            ),
        })?;
    }

    let keep: Vec<caps::Capability> = req
        .capabilities
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect();
    for cap in caps::all() {
        if !keep.contains(&cap) {
            let _ = caps::drop(None, caps::CapSet::Bounding, cap);
        }
    }
    // While still privileged in the user namespace (CAP_SYS_ADMIN lets us install a filter
    // without no_new_privs); the profile allows what follows (setgroups, setuid, capset, exec).
    if let Some(profile) = &req.seccomp {
        let progs = super::seccomp::compile(profile).map_err(|e| init::fail(e.to_string()))?;
        super::seccomp::install(&progs).map_err(init::fail)?;
    }
    let gids: Vec<nix::unistd::Gid> = user
        .groups
        .iter()
        .map(|g| nix::unistd::Gid::from_raw(*g))
        .collect();
    // Denied with a single-id mapping (setgroups off), as in `create`: keep going.
    let _ = nix::unistd::setgroups(&gids);
    let gid = nix::unistd::Gid::from_raw(user.gid);
    let uid = nix::unistd::Uid::from_raw(user.uid);
    nix::unistd::setresgid(gid, gid, gid).map_err(init::ctx(format!("setgid {}", user.gid)))?;
    nix::unistd::setresuid(uid, uid, uid).map_err(init::ctx(format!("setuid {}", user.uid)))?;
    let set: caps::CapsHashSet = keep.iter().copied().collect();
    if user.uid == 0 {
        let _ = caps::set(None, caps::CapSet::Effective, &set);
        let _ = caps::set(None, caps::CapSet::Permitted, &set);
        let _ = caps::set(None, caps::CapSet::Inheritable, &set);
    }
    let _ = caps::clear(None, caps::CapSet::Ambient);
    init::exec_command(&req.args, &req.env)
}

impl ExecProcess {
    /// Wait for the command; its exit code (128+N if a signal ended it).
    pub fn wait(&self) -> i32 {
        wait_code(Pid::from_raw(self.waiter), None).unwrap_or(255)
    }

    /// With a pty: copy the master to our stdout (and our stdin to it when `interactive`)
    /// until the command is gone, then return its exit code. The caller sets raw mode.
    pub fn relay(&self, interactive: bool) -> i32 {
        let Some(master) = self.pty_master.as_ref() else {
            return self.wait();
        };
        crate::sys::term::copy_winsize(master.as_fd());
        let pid = Pid::from_raw(self.waiter);
        // SAFETY: fd 0 stays open for the life of this process.
        let stdin = unsafe { BorrowedFd::borrow_raw(0) };
        let mut stdin_open = interactive;
        let mut buf = vec![0u8; 32 * 1024];
        let mut exited: Option<i32> = None;
        loop {
            let mut fds = vec![PollFd::new(master.as_fd(), PollFlags::POLLIN)];
            if stdin_open {
                fds.push(PollFd::new(stdin, PollFlags::POLLIN));
            }
            // Once the command is gone, only drain what is already there.
            let timeout = if exited.is_some() {
                PollTimeout::ZERO
            } else {
                PollTimeout::from(200u8)
            };
            match poll(&mut fds, timeout) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => break,
            }
            let ready = |i: usize| {
                fds.get(i)
                    .and_then(|f| f.revents())
                    .is_some_and(|r| !r.is_empty())
            };
            let (m_ready, in_ready) = (ready(0), ready(1));
            drop(fds);
            if m_ready {
                match nix::unistd::read(master.as_fd(), &mut buf) {
                    Ok(n) if n > 0 => crate::sys::fd::write_all(1, &buf[..n]),
                    Err(nix::errno::Errno::EINTR) | Err(nix::errno::Errno::EAGAIN) => {}
                    // EIO: every slave descriptor is closed, the command is gone.
                    _ => break,
                }
            } else if exited.is_some() {
                break;
            }
            if in_ready {
                match nix::unistd::read(stdin, &mut buf) {
                    Ok(n) if n > 0 => crate::sys::fd::write_all(master.as_raw_fd(), &buf[..n]),
                    Err(nix::errno::Errno::EINTR) => {}
                    _ => stdin_open = false,
                }
            }
            if exited.is_none() {
                exited = wait_code(pid, Some(WaitPidFlag::WNOHANG));
            }
        }
        exited.unwrap_or_else(|| self.wait())
    }
}

fn wait_code(pid: Pid, flags: Option<WaitPidFlag>) -> Option<i32> {
    loop {
        match waitpid(pid, flags) {
            Ok(WaitStatus::Exited(_, c)) => return Some(c),
            Ok(WaitStatus::Signaled(_, s, _)) => return Some(128 + s as i32),
            Ok(WaitStatus::StillAlive) => return None,
            Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return None,
        }
    }
}
