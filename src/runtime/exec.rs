//! `exec`: run a new process inside a running container's namespaces.
//!
//! Process chain: the caller (single-threaded) opens the container's `/proc/PID/ns/*` files,
//! checks the PID is still the container's, then makes a *joiner* with CLONE_VM | CLONE_VFORK
//! (no copy of the caller's memory: it runs on a stack of its own while the caller waits).
//! The joiner calls `setns` on the user namespace first (it has no other thread and its own
//! `fs`, which joining a user namespace requires), then mnt, pid, uts, ipc, net and cgroup,
//! and makes the command's process with CLONE_PARENT (the caller's child, inside the PID
//! namespace) and exits. The command resolves the user in the container's `/etc/passwd`,
//! opens a pty in the container's devpts if asked, sets its credentials and capabilities and
//! execs (through the trampoline). The caller waits for the command itself. Errors travel
//! back over a socketpair as `CODE\tMESSAGE`, exactly as in `create`; EOF (close-on-exec)
//! means the command runs. One copy of the caller's memory instead of two (a fork of the
//! CLI's 20 MB of mappings copies its page tables and takes copy-on-write faults).
//!
//! The command's process is a copy, never a task sharing the caller's memory: it lives in the
//! container's PID namespace before its execve, where the container's processes can signal
//! it and, holding CAP_SYS_PTRACE over the host's user namespace (a rootful container with
//! `--cap-add SYS_PTRACE`), ptrace it whatever its dumpable flag; a task sharing the CLI's
//! memory would hand them the CLI that goes on running on the host. The joiner is not
//! visible there (its PID is the host's), so it may share the caller's memory.
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::Path;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sched::CloneFlags;
use nix::sys::signal::{SigSet, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

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
    /// The container's seccomp filter (the spec's `linux.seccomp`), compiled, if any.
    pub seccomp: Option<Vec<seccompiler::BpfProgram>>,
    /// The container's `no_new_privs` (`--security-opt no-new-privileges`).
    pub no_new_privileges: bool,
    /// Health checks: the command's stdout and stderr go to this descriptor, its stdin is
    /// /dev/null, and it runs in a session of its own (the joiner's), away from the caller's
    /// terminal, so that the caller can kill the joiner and the command together with
    /// `kill(-waiter, ...)`.
    pub capture: Option<RawFd>,
}

/// The command's standard streams without a terminal: pipes, never the caller's own
/// descriptors (which may be its terminal: the command could read it, or push keystrokes into
/// the caller's shell with TIOCSTI).
struct ChildPipes {
    stdin: Option<OwnedFd>,
    stdout: OwnedFd,
    stderr: OwnedFd,
}

/// Our ends of those pipes.
#[derive(Debug)]
struct RelayPipes {
    stdin: Option<OwnedFd>,
    stdout: OwnedFd,
    stderr: OwnedFd,
}

/// The signals `exec` passes on to the command when it has no terminal (with one, the
/// terminal itself sends them).
const FORWARDED: &[Signal] = &[
    Signal::SIGINT,
    Signal::SIGQUIT,
    Signal::SIGTERM,
    Signal::SIGHUP,
];

fn forwarded_set() -> SigSet {
    let mut set = SigSet::empty();
    for s in FORWARDED {
        set.add(*s);
    }
    set
}

/// How [`ExecProcess::relay`] ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Relayed {
    /// The command exited with this code.
    Exited(i32),
    /// The detach keys were typed: the command runs on ([`ExecProcess::leave_running`]).
    Detached,
}

/// A started exec: the joiner process, whose exit status is the command's, and the pty master.
#[derive(Debug)]
pub struct ExecProcess {
    pub waiter: i32,
    pub pty_master: Option<OwnedFd>,
    pipes: Option<RelayPipes>,
}

/// Start `req` in the container. `resolve_user` runs inside the container (its root is `/`
/// then) and picks the credentials; an `Err` is reported with exit code 126, as docker does.
/// Must be called from a single-threaded process. SIGINT and SIGQUIT (and without a terminal
/// SIGTERM and SIGHUP) stay blocked in the caller afterwards: the terminal sends them to the
/// command, or [`ExecProcess::wait`] forwards them.
pub fn spawn(
    req: &ExecRequest,
    resolve_user: &dyn Fn() -> Result<Credentials, String>,
) -> Result<ExecProcess, RuntimeError> {
    let threads = std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(1);
    if threads > 1 {
        return Err(RuntimeError::Failed(format!(
            "exec must start from a single-threaded process ({threads} threads)"
        )));
    }
    let not_running = || RuntimeError::ProcessGone(req.pid);
    let mut joins: Vec<(&'static str, CloneFlags, OwnedFd)> = Vec::new();
    for (name, flag) in NAMESPACES {
        // Opened, then compared by its descriptor: one look-up of the container's link.
        let f = match std::fs::File::open(format!("/proc/{}/ns/{name}", req.pid)) {
            Ok(f) => f,
            // A kernel without this namespace type, or the process is gone (the start time
            // below tells).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            // Never run the command outside a namespace we could not open.
            Err(_) => return Err(not_running()),
        };
        let meta = f.metadata().map_err(|_| not_running())?;
        let ours = std::fs::metadata(format!("/proc/self/ns/{name}")).ok();
        if ours.is_some_and(|o| o.ino() == meta.ino() && o.dev() == meta.dev()) {
            continue; // shared with us (host network, no user namespace when rootful...)
        }
        joins.push((name, *flag, f.into()));
    }
    // The descriptors are open: if the PID is still the container's, they are its namespaces.
    if crate::sys::proc::start_time(req.pid) != Some(req.pid_start) {
        return Err(not_running());
    }
    let devnull: OwnedFd = std::fs::File::open("/dev/null")
        .map_err(RuntimeError::ctx("/dev/null"))?
        .into();
    let (parent_sock, child_sock) = UnixStream::pair().map_err(RuntimeError::ctx("socketpair"))?;
    let (child_pipes, relay_pipes) = if !req.tty && !req.detach && req.capture.is_none() {
        let pipe =
            || nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(RuntimeError::ctx("pipe"));
        let (out_r, out_w) = pipe()?;
        let (err_r, err_w) = pipe()?;
        let (in_r, in_w) = if req.interactive {
            let (r, w) = pipe()?;
            (Some(r), Some(w))
        } else {
            (None, None)
        };
        (
            Some(ChildPipes {
                stdin: in_r,
                stdout: out_w,
                stderr: err_w,
            }),
            Some(RelayPipes {
                stdin: in_w,
                stdout: out_r,
                stderr: err_r,
            }),
        )
    } else {
        (None, None)
    };

    // Blocked here (and in the joiner): with a terminal, the terminal sends them to the
    // command; without one, `relay` forwards them.
    let mut mask = forwarded_set();
    if relay_pipes.is_none() {
        mask.remove(Signal::SIGTERM);
        mask.remove(Signal::SIGHUP);
    }
    let _ = mask.thread_block();

    let stacks = VforkStacks::new().map_err(RuntimeError::ctx("mmap of the stacks"))?;
    let command_pid = std::sync::atomic::AtomicI32::new(0);
    let (join_stack, command_stack) = stacks.split();
    let child_fd = child_sock.as_raw_fd();
    let mut join = || -> isize {
        let code = joiner(
            req,
            &joins,
            devnull.as_raw_fd(),
            child_fd,
            child_pipes.as_ref(),
            resolve_user,
            &mut *command_stack,
            &command_pid,
        );
        exit_now(code)
    };
    // The command's copy of our memory is made non-dumpable until its execve (the flag is
    // the memory's and the copy inherits it), which refuses the container's processes
    // /proc/PID/mem and ptrace unless they hold CAP_SYS_PTRACE over the host's user
    // namespace (runc does the same, CVE-2016-9962). Its exec makes it dumpable again.
    let dumpable = set_dumpable(false);
    // SAFETY: CLONE_VM | CLONE_VFORK: the joiner runs in this process's memory, on a stack
    // of its own (`stacks`, with a guard page below), while this process is suspended until
    // it exits (after it has made the command's process, a copy). So one task at a time uses
    // the memory, as after a fork of this single-threaded process (checked above), and the
    // joiner neither frees nor moves what this function owns: it borrows it, makes its own
    // allocations and ends in `_exit`. Without CLONE_FILES and CLONE_FS it has its own
    // descriptor table and root, so it may join the user and mount namespaces (the kernel
    // refuses that only to a task sharing its `fs` or with other threads), and its
    // credentials are not ours.
    let joined = unsafe {
        nix::sched::clone(
            Box::new(&mut join),
            join_stack,
            CloneFlags::CLONE_VM | CloneFlags::CLONE_VFORK,
            Some(libc::SIGCHLD),
        )
    };
    if dumpable {
        set_dumpable(true);
    }
    drop(child_sock);
    drop(child_pipes);
    drop(joins);
    let joiner_pid = joined.map_err(RuntimeError::ctx("clone"))?;
    // The joiner has exited (CLONE_VFORK): 0 once the command's process was made, else the
    // code it reported on the socket.
    let _ = wait_code(joiner_pid, None);
    let command = command_pid.load(std::sync::atomic::Ordering::SeqCst);
    drop(stacks);
    let mut started = finish_start(
        (command > 0).then(|| Pid::from_raw(command)),
        parent_sock,
        req.tty,
    )?;
    started.pipes = relay_pipes;
    Ok(started)
}

/// Set this process's dumpable flag (`prctl(PR_SET_DUMPABLE)`); whether it was set before.
fn set_dumpable(on: bool) -> bool {
    // SAFETY: prctl with integer arguments only.
    unsafe {
        let was = libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) == 1;
        libc::prctl(libc::PR_SET_DUMPABLE, libc::c_ulong::from(on), 0, 0, 0);
        was
    }
}

/// The two stacks of the tasks `spawn` makes: the joiner's (a CLONE_VM task, whose overflow
/// must fault rather than write over this process's memory, which it shares) and the
/// command's (in its copy of the memory), each above a guard page. Mapped lazily: only the
/// pages they touch are made.
struct VforkStacks {
    base: *mut u8,
}

impl VforkStacks {
    /// Each stack's size, guard page included. The command's code (the user's look-up in
    /// `/etc/passwd`, the pty, seccomp, capabilities) needs a few tens of KiB.
    const EACH: usize = 1 << 20;
    const GUARD: usize = 4096;

    fn new() -> std::io::Result<VforkStacks> {
        // (libc rather than nix: nix's `mman` feature is not built.)
        // SAFETY: a new private anonymous mapping, not aliased by anything.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                2 * Self::EACH,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        let stacks = VforkStacks { base: base.cast() };
        for i in 0..2 {
            // SAFETY: the guard page lies inside the mapping made above.
            let r = unsafe {
                libc::mprotect(
                    stacks.base.add(i * Self::EACH).cast(),
                    Self::GUARD,
                    libc::PROT_NONE,
                )
            };
            if r != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(stacks)
    }

    /// The joiner's and the command's stacks (above their guard pages).
    #[allow(clippy::mut_from_ref)]
    fn split(&self) -> (&mut [u8], &mut [u8]) {
        let usable = Self::EACH - Self::GUARD;
        // SAFETY: two disjoint read-write ranges of the mapping, which lives as long as the
        // borrow of `self`; only the two tasks use them.
        unsafe {
            let at = |i: usize| {
                std::slice::from_raw_parts_mut(self.base.add(i * Self::EACH + Self::GUARD), usable)
            };
            (at(0), at(1))
        }
    }
}

impl Drop for VforkStacks {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`; the slices of `split` borrowed `self`, so they
        // are gone.
        unsafe {
            libc::munmap(self.base.cast(), 2 * Self::EACH);
        }
    }
}

/// The caller's side after the fork: the pty master if any, then EOF or an error message.
fn finish_start(
    child: Option<Pid>,
    mut sock: UnixStream,
    tty: bool,
) -> Result<ExecProcess, RuntimeError> {
    let reap = |child: Option<Pid>| {
        if let Some(c) = child {
            let _ = waitpid(c, None);
        }
    };
    let mut pty_master = None;
    let mut msg = String::new();
    if tty {
        match super::receive_fd(&sock) {
            Ok((_, Some(fd))) => pty_master = Some(fd),
            Ok((Some(b), None)) => msg.push(b as char),
            Ok((None, None)) => {}
            Err(e) => {
                reap(child);
                return Err(e);
            }
        }
    }
    let _ = sock.read_to_string(&mut msg);
    if !msg.is_empty() {
        reap(child);
        let (code, message) = msg
            .split_once('\t')
            .map(|(c, m)| (c.parse().unwrap_or(crate::exit::ENGINE), m.to_string()))
            .unwrap_or((crate::exit::ENGINE, msg.clone()));
        return Err(RuntimeError::Start { message, code });
    }
    let Some(child) = child else {
        return Err(RuntimeError::Start {
            message: "the command's process was not made".into(),
            code: crate::exit::ENGINE,
        });
    };
    Ok(ExecProcess {
        waiter: child.as_raw(),
        pty_master,
        pipes: None,
    })
}

fn exit_now(code: i32) -> ! {
    // SAFETY: _exit ends this task at once, without running the parent's atexit
    // handlers or flushing stdio buffers it inherited.
    unsafe { libc::_exit(code) }
}

/// The joiner: enter the namespaces, then make the command's process (CLONE_PARENT, so it is
/// the caller's child and in the PID namespace joined; a copy of the memory, never a task
/// sharing it: see the module's comment). Stores the command's PID in `command_pid` and
/// returns 0, or reports on the socket and returns the error's code.
#[allow(clippy::too_many_arguments)]
fn joiner(
    req: &ExecRequest,
    joins: &[(&'static str, CloneFlags, OwnedFd)],
    devnull: RawFd,
    sock_fd: RawFd,
    pipes: Option<&ChildPipes>,
    resolve_user: &dyn Fn() -> Result<Credentials, String>,
    command_stack: &mut [u8],
    command_pid: &std::sync::atomic::AtomicI32,
) -> i32 {
    // SAFETY: the child's end of the socketpair, open in this task's own descriptor table
    // (a copy: no CLONE_FILES); ManuallyDrop leaves its closing to `_exit` or execve.
    let sock = std::mem::ManuallyDrop::new(unsafe {
        <UnixStream as std::os::fd::FromRawFd>::from_raw_fd(sock_fd)
    });
    let report = |e: InitError| {
        let _ = (&*sock).write_all(format!("{}\t{}", e.code, e.message).as_bytes());
        e.code
    };
    for (name, flag, fd) in joins {
        if let Err(e) = nix::sched::setns(fd, *flag) {
            return report(init::fail(format!(
                "joining the container's {name} namespace: {e}"
            )));
        }
    }
    let mut run = || -> isize {
        let code = match command(req, devnull, &sock, pipes, resolve_user) {
            Ok(never) => match never {},
            Err(e) => report(e),
        };
        exit_now(code)
    };
    // SAFETY: without CLONE_VM the command runs in a copy of this memory (a fork of a task
    // that is the only one using it: the caller is suspended), on its copy of its stack, and
    // ends in execve or `_exit`; nothing it does reaches our memory.
    let made = unsafe {
        nix::sched::clone(
            Box::new(&mut run),
            command_stack,
            CloneFlags::CLONE_PARENT,
            None,
        )
    };
    match made {
        Ok(pid) => {
            command_pid.store(pid.as_raw(), std::sync::atomic::Ordering::SeqCst);
            0
        }
        Err(e) => report(init::fail(format!("clone: {e}"))),
    }
}

/// The command's process, inside every namespace: streams, user, cwd, capabilities, exec.
fn command(
    req: &ExecRequest,
    devnull: RawFd,
    sock: &UnixStream,
    pipes: Option<&ChildPipes>,
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
    if req.detach || req.capture.is_some() {
        // A session of its own: away from the caller's terminal and its signals, and, for a
        // health probe, a process group the monitor can kill whole (`killpg` of this PID).
        let _ = nix::unistd::setsid();
    }
    if req.detach {
        // Nor its output pipes, which must close when the caller returns: /dev/null only.
        for fd in [0, 1, 2] {
            init::dup_to(devnull, fd)?;
        }
    }
    let user = resolve_user().map_err(|message| InitError {
        code: crate::exit::CANNOT_EXECUTE,
        message,
    })?;

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
    } else if let Some(p) = pipes {
        // A session of its own, without a controlling terminal (/dev/tty fails), and pipes:
        // nothing of the caller's terminal reaches the container.
        nix::unistd::setsid().map_err(init::ctx("setsid"))?;
        init::dup_to(p.stdin.as_ref().map_or(devnull, |f| f.as_raw_fd()), 0)?;
        init::dup_to(p.stdout.as_raw_fd(), 1)?;
        init::dup_to(p.stderr.as_raw_fd(), 2)?;
    } else if let Some(out) = req.capture {
        init::dup_to(devnull, 0)?;
        init::dup_onto(out, &[1, 2])?;
    }
    let _ = nix::unistd::close(devnull);

    if !req.cwd.is_empty() {
        nix::unistd::chdir(req.cwd.as_str()).map_err(|e| InitError {
            code: crate::exit::CANNOT_EXECUTE,
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
    // The exec trampoline (CVE-2019-5736), made before the filter is installed.
    let tramp = super::trampoline::create();
    // While still privileged in the user namespace (CAP_SYS_ADMIN lets us install a filter
    // without no_new_privs); the profile allows what follows (setgroups, setuid, capset, exec).
    if let Some(progs) = &req.seccomp {
        super::seccomp::install(progs).map_err(init::fail)?;
    }
    let gids: Vec<nix::unistd::Gid> = user
        .groups
        .iter()
        .map(|g| nix::unistd::Gid::from_raw(*g))
        .collect();
    // Denied with a single-id mapping (setgroups off), as in `create`: keep going.
    let _ = nix::unistd::setgroups(&gids);
    // (uid_t)-1 means "unchanged" to setresuid: never let it keep us root.
    if user.uid > i32::MAX as u32 || user.gid > i32::MAX as u32 {
        return Err(init::fail("uids and gids must be in range 0-2147483647"));
    }
    let gid = nix::unistd::Gid::from_raw(user.gid);
    let uid = nix::unistd::Uid::from_raw(user.uid);
    nix::unistd::setresgid(gid, gid, gid).map_err(init::ctx(format!("setgid {}", user.gid)))?;
    nix::unistd::setresuid(uid, uid, uid).map_err(init::ctx(format!("setuid {}", user.uid)))?;
    let set: caps::CapsHashSet = keep.iter().copied().collect();
    if user.uid == 0 {
        let _ = caps::set(None, caps::CapSet::Effective, &set);
        let _ = caps::set(None, caps::CapSet::Permitted, &set);
    }
    // As in `create`: nothing inheritable (CVE-2022-24769), no ambient capabilities.
    caps::clear(None, caps::CapSet::Inheritable)
        .map_err(|e| init::fail(format!("clearing the inheritable capabilities: {e}")))?;
    let _ = caps::clear(None, caps::CapSet::Ambient);
    if req.no_new_privileges {
        // SAFETY: prctl with integer arguments only.
        if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
            return Err(init::fail(format!(
                "setting no_new_privs: {}",
                std::io::Error::last_os_error()
            )));
        }
    }
    init::exec_command(&req.args, &req.env, tramp.as_ref())
}

impl ExecProcess {
    /// Wait for the command; its exit code (128+N if a signal ended it). Without a terminal,
    /// copies our stdin to the command (with `-i`) and its output to our stdout and stderr
    /// meanwhile, and passes on SIGINT, SIGQUIT, SIGTERM and SIGHUP.
    pub fn wait(&mut self) -> i32 {
        match self.pipes.take() {
            Some(p) => self.relay_pipes(p),
            None => wait_code(Pid::from_raw(self.waiter), None).unwrap_or(255),
        }
    }

    fn relay_pipes(&self, pipes: RelayPipes) -> i32 {
        let pid = Pid::from_raw(self.waiter);
        let sigfd = nix::sys::signalfd::SignalFd::with_flags(
            &forwarded_set(),
            nix::sys::signalfd::SfdFlags::SFD_CLOEXEC | nix::sys::signalfd::SfdFlags::SFD_NONBLOCK,
        )
        .ok();
        // SAFETY: fd 0 stays open for the life of this process.
        let stdin = unsafe { BorrowedFd::borrow_raw(0) };
        let mut to_cmd = pipes.stdin;
        let mut outs: Vec<(OwnedFd, RawFd)> = vec![(pipes.stdout, 1), (pipes.stderr, 2)];
        let mut buf = vec![0u8; 32 * 1024];
        let mut exited: Option<i32> = None;
        while !outs.is_empty() {
            let mut fds: Vec<PollFd> = outs
                .iter()
                .map(|(f, _)| PollFd::new(f.as_fd(), PollFlags::POLLIN))
                .collect();
            let n_out = fds.len();
            let want_stdin = to_cmd.is_some() && exited.is_none();
            if want_stdin {
                fds.push(PollFd::new(stdin, PollFlags::POLLIN));
            }
            if let Some(s) = &sigfd {
                fds.push(PollFd::new(s.as_fd(), PollFlags::POLLIN));
            }
            // Once the command is gone, only what is already in the pipes is copied: a
            // process it left behind holding them does not keep us here.
            let timeout = if exited.is_some() {
                PollTimeout::ZERO
            } else {
                PollTimeout::from(200u8)
            };
            let ready = match poll(&mut fds, timeout) {
                Ok(n) => n,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => break,
            };
            let revents: Vec<bool> = fds
                .iter()
                .map(|f| f.revents().is_some_and(|r| !r.is_empty()))
                .collect();
            drop(fds);
            if ready == 0 {
                if exited.is_some() {
                    break;
                }
                exited = wait_code(pid, Some(WaitPidFlag::WNOHANG));
                continue;
            }
            let mut closed = Vec::new();
            for (i, (f, target)) in outs.iter().enumerate() {
                if !revents[i] {
                    continue;
                }
                match nix::unistd::read(f.as_fd(), &mut buf) {
                    Ok(n) if n > 0 => crate::sys::fd::write_all(*target, &buf[..n]),
                    Err(nix::errno::Errno::EINTR) | Err(nix::errno::Errno::EAGAIN) => {}
                    _ => closed.push(i),
                }
            }
            for i in closed.into_iter().rev() {
                outs.remove(i);
            }
            let mut next = n_out;
            if want_stdin {
                if revents[next] {
                    match nix::unistd::read(stdin, &mut buf) {
                        Ok(n) if n > 0 => {
                            if let Some(w) = &to_cmd {
                                if !write_fd(w.as_raw_fd(), &buf[..n]) {
                                    to_cmd = None;
                                }
                            }
                        }
                        Err(nix::errno::Errno::EINTR) => {}
                        // EOF: the command sees it too.
                        _ => to_cmd = None,
                    }
                }
                next += 1;
            }
            if let Some(s) = &sigfd {
                if revents.get(next).copied().unwrap_or(false) {
                    while let Ok(Some(info)) = s.read_signal() {
                        if let Ok(sig) = Signal::try_from(info.ssi_signo as i32) {
                            // The joiner is our child, not yet reaped: its PID is still its.
                            let _ = nix::sys::signal::kill(pid, sig);
                        }
                    }
                }
            }
        }
        drop(to_cmd);
        exited.unwrap_or_else(|| wait_code(pid, None).unwrap_or(255))
    }

    /// With a pty: copy the master to our stdout (and our stdin to it when `interactive`)
    /// until the command is gone, then return its exit code. The caller sets raw mode.
    /// `resize`, if any, carries new terminal sizes as 4 bytes (rows, cols: u16 big-endian):
    /// the API service's `exec` resize, whose client terminal is not our stdin.
    pub fn relay(
        &self,
        interactive: bool,
        resize: Option<BorrowedFd<'_>>,
        detach_keys: Option<&[u8]>,
    ) -> Relayed {
        let Some(master) = self.pty_master.as_ref() else {
            return Relayed::Exited(wait_code(Pid::from_raw(self.waiter), None).unwrap_or(255));
        };
        let mut matcher = detach_keys
            .filter(|k| !k.is_empty())
            .map(|k| crate::sys::term::DetachMatcher::new(k.to_vec()));
        crate::sys::term::copy_winsize(master.as_fd());
        let pid = Pid::from_raw(self.waiter);
        // SAFETY: fd 0 stays open for the life of this process.
        let stdin = unsafe { BorrowedFd::borrow_raw(0) };
        let mut stdin_open = interactive;
        let mut buf = vec![0u8; 32 * 1024];
        let mut exited: Option<i32> = None;
        let mut resize = resize;
        let mut size_buf: Vec<u8> = Vec::new();
        loop {
            let mut fds = vec![PollFd::new(master.as_fd(), PollFlags::POLLIN)];
            if stdin_open {
                fds.push(PollFd::new(stdin, PollFlags::POLLIN));
            }
            let resize_at = fds.len();
            if let Some(r) = resize {
                fds.push(PollFd::new(r, PollFlags::POLLIN));
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
            let (m_ready, in_ready) = (ready(0), stdin_open && ready(1));
            let resize_ready = resize.is_some() && ready(resize_at);
            drop(fds);
            if let (true, Some(r)) = (resize_ready, resize) {
                let mut b = [0u8; 64];
                match nix::unistd::read(r, &mut b) {
                    Ok(n) if n > 0 => {
                        size_buf.extend_from_slice(&b[..n]);
                        while size_buf.len() >= 4 {
                            let m: Vec<u8> = size_buf.drain(..4).collect();
                            let rows = u16::from_be_bytes([m[0], m[1]]);
                            let cols = u16::from_be_bytes([m[2], m[3]]);
                            crate::sys::term::set_winsize(master.as_fd(), rows, cols);
                        }
                    }
                    Err(nix::errno::Errno::EINTR) | Err(nix::errno::Errno::EAGAIN) => {}
                    _ => resize = None,
                }
            }
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
                    Ok(n) if n > 0 => {
                        let (pass, detached) = match matcher.as_mut() {
                            Some(m) => m.feed(&buf[..n]),
                            None => (buf[..n].to_vec(), false),
                        };
                        crate::sys::fd::write_all(master.as_raw_fd(), &pass);
                        if detached && exited.is_none() {
                            return Relayed::Detached;
                        }
                    }
                    Err(nix::errno::Errno::EINTR) => {}
                    _ => stdin_open = false,
                }
            }
            if exited.is_none() {
                exited = wait_code(pid, Some(WaitPidFlag::WNOHANG));
            }
        }
        Relayed::Exited(exited.unwrap_or_else(|| wait_code(pid, None).unwrap_or(255)))
    }

    /// Leave the command running once its client has detached (docker keeps a detached
    /// exec's terminal in its daemon): a process of its own session holds the pty's master,
    /// reading and dropping the output so that the command never blocks on a full terminal,
    /// until every holder of the slave is gone. Call from a single-threaded process (as
    /// [`spawn`]).
    pub fn leave_running(mut self) {
        let Some(master) = self.pty_master.take() else {
            return;
        };
        // SAFETY: the caller is single-threaded, so the child may run any code; it only
        // reads the master and exits.
        match unsafe { nix::unistd::fork() } {
            Ok(nix::unistd::ForkResult::Child) => {
                let _ = nix::unistd::setsid();
                crate::sys::fd::stdio_to_null();
                let mut buf = [0u8; 16 * 1024];
                loop {
                    match nix::unistd::read(master.as_fd(), &mut buf) {
                        Ok(n) if n > 0 => {}
                        Err(nix::errno::Errno::EINTR) | Err(nix::errno::Errno::EAGAIN) => {}
                        // EIO: every slave descriptor is closed, the command is gone.
                        _ => break,
                    }
                }
                // SAFETY: _exit ends the child at once, running nothing of the parent's.
                unsafe { libc::_exit(0) }
            }
            Ok(nix::unistd::ForkResult::Parent { .. }) => {}
            Err(e) => tracing::warn!("keeping the detached exec's terminal: {e}"),
        }
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

/// Write all of `data` to the command's stdin pipe; false once the reader is gone. SIGPIPE is
/// held back meanwhile (a command that stops reading must not end us) and a pending one
/// dropped.
fn write_fd(fd: RawFd, mut data: &[u8]) -> bool {
    let mut pipe_sig = SigSet::empty();
    pipe_sig.add(Signal::SIGPIPE);
    let mut old = SigSet::empty();
    let _ = nix::sys::signal::pthread_sigmask(
        nix::sys::signal::SigmaskHow::SIG_BLOCK,
        Some(&pipe_sig),
        Some(&mut old),
    );
    // SAFETY: borrowing a descriptor that stays open for this call.
    let bfd = unsafe { BorrowedFd::borrow_raw(fd) };
    let mut ok = true;
    while !data.is_empty() {
        match nix::unistd::write(bfd, data) {
            Ok(n) => data = &data[n..],
            Err(nix::errno::Errno::EINTR) | Err(nix::errno::Errno::EAGAIN) => continue,
            Err(e) => {
                if e == nix::errno::Errno::EPIPE {
                    let zero = libc::timespec {
                        tv_sec: 0,
                        tv_nsec: 0,
                    };
                    // SAFETY: sigtimedwait reads the set and the timespec we own and writes
                    // nothing (a null siginfo pointer is allowed).
                    unsafe {
                        libc::sigtimedwait(pipe_sig.as_ref(), std::ptr::null_mut(), &zero);
                    }
                }
                ok = false;
                break;
            }
        }
    }
    let _ = nix::sys::signal::pthread_sigmask(
        nix::sys::signal::SigmaskHow::SIG_SETMASK,
        Some(&old),
        None,
    );
    ok
}
