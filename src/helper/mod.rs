//! skiff's internal helpers: skiff re-executed as `skiff __helper NAME` for what needs a
//! process of its own (the per-container monitor, the network namespace holder, storage work
//! as root in a user namespace, joining a container for `cp`).
//!
//! One protocol for all of them:
//! - the spawner (`spawn`) starts the helper with a typed `Request` (request.rs) written as
//!   JSON on a pipe, never on the command line;
//! - a helper whose request `needs_userns` unshares a user namespace first thing and waits
//!   while the spawner writes its id maps (the go/ready handshake, done here once);
//! - a long-lived helper reports one `Ready` on a readiness pipe (`Helper::wait_ready`);
//! - a short one exits: 0, or its last `Error: ...` line becomes the error (`Helper::finish`).
//!
//! The helper side is `receive`, called before anything else in `main` (no thread may exist
//! before a user namespace is entered); the table of entry points is `engine::helpers`.
pub mod request;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub use request::{CopyOp, FilesOp, Ready, Request, UsernsOp};

use crate::runtime::userns::{self, IdMapping};
use crate::runtime::RuntimeError;

/// The one hidden verb: `skiff __helper NAME [ID]` (the words after it are for `ps`; the
/// request on the pipe says what to do).
pub const VERB: &str = "__helper";
/// The small binary (`src/bin/skiff-monitor.rs`) that runs the helpers which live long or
/// start often (`Request::runs_in_small_binary`) with only what they need of the library: each
/// container's monitor maps and dirties a fraction of what the whole of skiff would.
pub const SMALL_BIN: &str = "skiff-monitor";
/// Where the small binary finds skiff's main binary (set by `spawn` when it starts the small
/// one).
const MAIN_EXE_ENV: &str = "_SKIFF_MAIN_EXE";
/// glibc's malloc settings for the small binary's processes, passed in `GLIBC_TUNABLES`
/// (glibc reads them only there, at start): no per-thread cache of freed chunks (an idle
/// monitor's cache held ~30 kB that `malloc_trim` cannot return) and one arena for all threads
/// (the port forwarder's threads). They live long and allocate little: memory, not malloc's
/// speed, is what counts for them (docs/performance.md, "Memory of the monitor").
const SMALL_MALLOC_TUNABLES: &str = "glibc.malloc.tcache_count=0:glibc.malloc.arena_max=1";
/// The fd the request comes on.
const REQUEST_FD_ENV: &str = "_SKIFF_HELPER_REQUEST_FD";
/// The fd `Ready` goes to, for a helper given one.
const READY_FD_ENV: &str = "_SKIFF_HELPER_READY_FD";

/// How to start a helper.
pub struct Spawn<'a> {
    pub request: &'a Request,
    pub stdin: Stdio,
    pub stdout: Stdio,
    pub stderr: Stdio,
    /// Extra environment.
    pub env: Vec<(OsString, OsString)>,
    /// Give it a readiness pipe (a long-lived helper).
    pub ready: bool,
    /// Put it in a process group of its own (the caller's terminal signals do not reach it).
    pub new_process_group: bool,
}

impl<'a> Spawn<'a> {
    /// A short-lived helper: stdin from /dev/null, stdout piped (its result), stderr piped
    /// (its error).
    pub fn new(request: &'a Request) -> Self {
        Spawn {
            request,
            stdin: Stdio::null(),
            stdout: Stdio::piped(),
            stderr: Stdio::piped(),
            env: Vec::new(),
            ready: false,
            new_process_group: false,
        }
    }
}

/// A started helper.
pub struct Helper {
    pub child: Child,
    ready: Option<std::fs::File>,
}

fn io_err(what: &'static str) -> impl FnOnce(std::io::Error) -> RuntimeError {
    move |e| RuntimeError::Helper(format!("{what}: {e}"))
}

/// A pipe whose both ends close on exec: helpers spawned at the same time by other threads
/// (the API service) never hold this one's ends. The child's ends are kept open in the child
/// alone (`spawn`'s pre_exec).
fn pipe() -> Result<(OwnedFd, OwnedFd), RuntimeError> {
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| RuntimeError::Helper(format!("pipe: {e}")))?;
    Ok((r, w))
}

/// Let `fd` cross exec (`inherit`) or not.
fn set_inherit(fd: &impl AsRawFd, inherit: bool) {
    let flags = if inherit {
        nix::fcntl::FdFlag::empty()
    } else {
        nix::fcntl::FdFlag::FD_CLOEXEC
    };
    // SAFETY: fd is open for the duration of the call (borrowed from its owner).
    let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd.as_raw_fd()) };
    let _ = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETFD(flags));
}

/// skiff's main binary: this process's own, or, in the small binary, the one that started it.
fn main_exe() -> Result<PathBuf, RuntimeError> {
    if let Some(p) = std::env::var_os(MAIN_EXE_ENV) {
        return Ok(p.into());
    }
    std::env::current_exe()
        .map_err(|e| RuntimeError::Helper(format!("cannot find skiff's own binary: {e}")))
}

/// The small binary for the main binary `main`: next to it (cargo's target directory, a
/// tarball), or in `../libexec/skiff/` (the Debian package). None: the main binary runs
/// every helper itself.
pub fn small_binary(main: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let dir = main.parent()?;
    [
        dir.join(SMALL_BIN),
        dir.join("../libexec/skiff").join(SMALL_BIN),
    ]
    .into_iter()
    .find(|p| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// glibc's tunables variable.
const TUNABLES_ENV: &str = "GLIBC_TUNABLES";
/// Where `spawn` keeps the spawner's `GLIBC_TUNABLES` for the small binary (glibc rewrites the
/// variable as it reads it, so the small binary cannot take its own settings back out of it).
const SAVED_TUNABLES_ENV: &str = "_SKIFF_GLIBC_TUNABLES";

/// In the small binary, first thing: `GLIBC_TUNABLES` as the spawner had it (without the
/// malloc settings `spawn` added for this process), so that the programs a helper starts
/// (slirp4netns, nsenter, an OCI runtime, another helper) run with the user's.
pub fn restore_tunables() {
    let theirs = std::env::var_os(SAVED_TUNABLES_ENV);
    // Single-threaded here (the first thing `main` does), so changing the environment is
    // safe.
    std::env::remove_var(SAVED_TUNABLES_ENV);
    match theirs {
        Some(t) => std::env::set_var(TUNABLES_ENV, t),
        None => std::env::remove_var(TUNABLES_ENV),
    }
}

/// Start a helper; returns once it has its request (and, for a user namespace, its id maps).
pub fn spawn(s: Spawn<'_>) -> Result<Helper, RuntimeError> {
    let main = main_exe()?;
    let small = s
        .request
        .runs_in_small_binary()
        .then(|| small_binary(&main))
        .flatten();
    let body = serde_json::to_vec(s.request)
        .map_err(|e| RuntimeError::Helper(format!("encoding the helper's request: {e}")))?;
    let mut cmd = match small {
        Some(small) => {
            // It starts skiff itself for anything else (a storage helper, the network holder
            // when it has no small binary...): it is told where skiff is.
            let mut cmd = Command::new(small);
            cmd.env(MAIN_EXE_ENV, &main);
            let theirs = std::env::var_os(TUNABLES_ENV);
            let mut tunables = theirs.clone().unwrap_or_default();
            if !tunables.is_empty() {
                tunables.push(":");
            }
            tunables.push(SMALL_MALLOC_TUNABLES);
            cmd.env(TUNABLES_ENV, tunables);
            match theirs {
                Some(t) => cmd.env(SAVED_TUNABLES_ENV, t),
                None => cmd.env_remove(SAVED_TUNABLES_ENV),
            };
            cmd
        }
        None => Command::new(&main),
    };
    cmd.arg(VERB)
        .args(s.request.argv())
        .envs(s.env)
        .stdin(s.stdin)
        .stdout(s.stdout)
        .stderr(s.stderr);
    // Our ends never cross exec; the child's ends do (and are closed here after the spawn).
    let mut child_fds = Vec::new();
    let (req_r, req_w) = pipe()?;
    child_fds.push(req_r.as_raw_fd());
    cmd.env(REQUEST_FD_ENV, req_r.as_raw_fd().to_string());
    let ready = if s.ready {
        let (r, w) = pipe()?;
        child_fds.push(w.as_raw_fd());
        cmd.env(READY_FD_ENV, w.as_raw_fd().to_string());
        Some((r, w))
    } else {
        None
    };
    let sync = if s.request.needs_userns() {
        let (go_r, go_w) = pipe()?;
        let (mapped_r, mapped_w) = pipe()?;
        child_fds.push(go_r.as_raw_fd());
        child_fds.push(mapped_w.as_raw_fd());
        cmd.env(
            userns::SYNC_ENV,
            format!("{},{}", go_r.as_raw_fd(), mapped_w.as_raw_fd()),
        );
        Some((go_r, go_w, mapped_r, mapped_w))
    } else {
        None
    };
    {
        use std::os::unix::process::CommandExt;
        if s.new_process_group {
            cmd.process_group(0);
        }
        // SAFETY: runs in the child between fork and exec; fcntl is async-signal-safe and
        // touches only the child's copies of the descriptors.
        unsafe {
            cmd.pre_exec(move || {
                for &fd in &child_fds {
                    if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
    }
    let mut child = cmd.spawn().map_err(|e| {
        RuntimeError::Helper(format!("starting the {} helper: {e}", s.request.name()))
    })?;
    drop(req_r);
    let ready = ready.map(|(r, w)| {
        drop(w);
        std::fs::File::from(r)
    });
    // The request first: the helper reads it before anything else.
    let mut req_w = std::fs::File::from(req_w);
    let sent = req_w.write_all(&body);
    drop(req_w);
    if let Some((go_r, go_w, mapped_r, mapped_w)) = sync {
        drop(go_r);
        drop(mapped_w);
        let mut unshared = std::fs::File::from(mapped_r);
        let mut go = std::fs::File::from(go_w);
        if !userns::is_rootful() {
            let mut b = [0u8; 1];
            if unshared.read_exact(&mut b).is_ok() {
                if let Err(e) = IdMapping::for_current_user().write_for(child.id() as i32) {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(e);
                }
                let _ = go.write_all(b"G");
            }
        }
    }
    if let Err(e) = sent {
        // It died before reading: `finish` reports why.
        tracing::debug!("sending the helper's request: {e}");
    }
    Ok(Helper { child, ready })
}

/// A long-lived helper started by [`fork_helper`]: a child of this process running skiff's
/// code from this process's image, and the read end of its readiness pipe.
pub struct Forked {
    pub pid: nix::unistd::Pid,
    pub ready: std::fs::File,
}

/// Start a long-lived helper by `fork` alone: `body` runs in the child with the write end of a
/// readiness pipe, and what it returns is the child's exit status. No exec: no binary mapped
/// again, no dynamic loader, no libc start-up (which, on a virtual machine, runs some thirty
/// `cpuid` instructions that each trap to the hypervisor: ~1 ms of CPU per exec here, more
/// than the rest of a small binary's start). Written by hand: `std::process::Command` always
/// execs. The child gets what an exec'd helper would: the standard streams, `env` added, an
/// empty signal mask, SIGPIPE at its default, no other descriptor of this process (none can
/// keep a lock or a pipe of the caller's alive), its own process group on request, and no
/// log output (an exec'd helper sets up no logging).
///
/// `inherit`: descriptors the child keeps besides the pipe (`body` owns them there).
///
/// None, and nothing done, when this process has more than one thread: a fork copies the
/// calling thread only, and the helper could wait forever on a lock another thread held.
pub fn fork_helper(
    env: &[(OsString, OsString)],
    new_process_group: bool,
    inherit: &[i32],
    body: impl FnOnce(ReadySender) -> i32,
) -> Option<Result<Forked, RuntimeError>> {
    if std::fs::read_dir("/proc/self/task").map_or(true, |d| d.count() != 1) {
        return None;
    }
    let (r, w) = match pipe() {
        Ok(p) => p,
        Err(e) => return Some(Err(e)),
    };
    // What this process buffered must not be written twice.
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: this process has a single thread (checked above), so the child is a whole copy
    // of it: no lock held by another thread, and the child may run any code, as the parent
    // would. The child never returns from this function (it exits below).
    match unsafe { nix::unistd::fork() } {
        Err(e) => Some(Err(RuntimeError::Helper(format!("fork: {e}")))),
        Ok(nix::unistd::ForkResult::Parent { child }) => {
            drop(w);
            Some(Ok(Forked {
                pid: child,
                ready: std::fs::File::from(r),
            }))
        }
        Ok(nix::unistd::ForkResult::Child) => {
            drop(r);
            let mut keep = inherit.to_vec();
            keep.push(w.as_raw_fd());
            forked_child_setup(env, new_process_group, &mut keep);
            let _quiet = tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::new());
            let ready = ReadySender(std::fs::File::from(w));
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(ready)))
                .unwrap_or(crate::exit::ENGINE);
            std::process::exit(code)
        }
    }
}

/// waitpid for a child (a [`fork_helper`] one), its status as std's ExitStatus (nix's
/// WaitStatus cannot become one); None with `nohang` while it runs.
pub fn waitpid_status(
    pid: nix::unistd::Pid,
    nohang: bool,
) -> std::io::Result<Option<std::process::ExitStatus>> {
    use std::os::unix::process::ExitStatusExt;
    let flags = if nohang { libc::WNOHANG } else { 0 };
    let mut status = 0;
    loop {
        // SAFETY: waitpid on our own child, writing to a local.
        let r = unsafe { libc::waitpid(pid.as_raw(), &mut status, flags) };
        match r {
            0 => return Ok(None),
            r if r > 0 => return Ok(Some(std::process::ExitStatus::from_raw(status))),
            _ => {
                let e = std::io::Error::last_os_error();
                if e.kind() != std::io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        }
    }
}

/// The child side of [`fork_helper`], before its body runs.
fn forked_child_setup(env: &[(OsString, OsString)], new_process_group: bool, keep: &mut [i32]) {
    if new_process_group {
        let _ = nix::unistd::setpgid(nix::unistd::Pid::from_raw(0), nix::unistd::Pid::from_raw(0));
    }
    let _ = nix::sys::signal::SigSet::empty().thread_set_mask();
    // SAFETY: SIG_DFL for SIGPIPE, as exec gives (Rust's runtime ignores it in the parent).
    unsafe {
        let _ = nix::sys::signal::signal(
            nix::sys::signal::Signal::SIGPIPE,
            nix::sys::signal::SigHandler::SigDfl,
        );
    }
    // Every descriptor but the standard streams and those kept (the readiness pipe, `inherit`):
    // the gaps between the kept ones, then all above the last.
    keep.sort_unstable();
    let mut from = 3i32;
    let mut closed = true;
    for &k in keep.iter().chain(std::iter::once(&i32::MAX)) {
        if k < from {
            continue;
        }
        let to = if k == i32::MAX {
            u32::MAX
        } else {
            (k - 1) as u32
        };
        // SAFETY: close_range only closes descriptors of this (single-threaded) child;
        // nothing in it uses the closed ones afterwards (the parent's owners of them never run
        // here).
        if k > from && unsafe { libc::syscall(libc::SYS_close_range, from as u32, to, 0u32) } != 0 {
            closed = false;
        }
        from = k.saturating_add(1);
    }
    if !closed {
        // Kernels before 5.9: one close per open descriptor.
        let open: Vec<i32> = std::fs::read_dir("/proc/self/fd")
            .map(|d| {
                d.flatten()
                    .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
                    .collect()
            })
            .unwrap_or_default();
        for fd in open.into_iter().filter(|fd| *fd > 2 && !keep.contains(fd)) {
            // SAFETY: as above.
            unsafe {
                libc::close(fd);
            }
        }
    }
    for (k, v) in env {
        std::env::set_var(k, v);
    }
}

/// Run a short-lived helper to its end; its stdout.
pub fn run(request: &Request) -> Result<Vec<u8>, RuntimeError> {
    spawn(Spawn::new(request))?.finish()
}

/// Run a storage operation in the user namespace helper and wait for it; its stdout.
pub fn run_userns(op: UsernsOp) -> Result<Vec<u8>, RuntimeError> {
    run(&Request::Userns(op))
}

/// Remove trees whatever their owners (files of container users), in the helper.
pub fn remove_trees(trees: &[impl AsRef<std::path::Path>]) -> Result<(), RuntimeError> {
    if trees.is_empty() {
        return Ok(());
    }
    run_userns(UsernsOp::RemoveTrees(
        trees.iter().map(|t| t.as_ref().to_path_buf()).collect(),
    ))
    .map(|_| ())
}

/// Start a `UsernsOp::ContainerFiles` helper writing to `stdout`.
pub fn spawn_container_files(
    op: FilesOp,
    driver: crate::storage::Driver,
    upper: &std::path::Path,
    lowers: &[std::path::PathBuf],
    stdout: Stdio,
) -> Result<Helper, RuntimeError> {
    let req = Request::Userns(UsernsOp::ContainerFiles {
        op,
        driver,
        upper: upper.to_path_buf(),
        lowers: lowers.to_vec(),
    });
    let mut s = Spawn::new(&req);
    s.stdout = stdout;
    spawn(s)
}

/// The helper's process (its piped streams: `helper.stdout.take()`).
impl std::ops::Deref for Helper {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.child
    }
}

impl std::ops::DerefMut for Helper {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl Helper {
    /// Wait for the helper's `Ready` (None: it closed the pipe or died without one). The pipe
    /// stays open for what may follow (a monitor's `Ready::Detached`: [`Helper::take_ready_pipe`], [`read_ready`]).
    pub fn wait_ready(&mut self) -> Option<Ready> {
        read_ready(self.ready.as_mut()?)
    }

    /// The readiness pipe, to wait for a later message with [`read_ready`] (poll it first).
    pub fn take_ready_pipe(&mut self) -> Option<std::fs::File> {
        self.ready.take()
    }

    /// Wait for the helper to exit: its stdout (if piped), or its last error line.
    pub fn finish(self) -> Result<Vec<u8>, RuntimeError> {
        let out = self
            .child
            .wait_with_output()
            .map_err(io_err("waiting for the helper"))?;
        if out.status.success() {
            return Ok(out.stdout);
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let msg = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("the helper failed")
            .trim_start_matches("Error: ")
            .to_string();
        Err(RuntimeError::Helper(msg))
    }
}

/// Read one `Ready` line from a readiness pipe, a byte at a time: nothing after the line is
/// consumed (a second message may follow at once). None at EOF or on garbage.
pub fn read_ready(pipe: &mut std::fs::File) -> Option<Ready> {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    loop {
        match pipe.read(&mut b) {
            Ok(0) => return None,
            Ok(_) if b[0] == b'\n' => break,
            Ok(_) => line.push(b[0]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
        if line.len() > 64 * 1024 {
            return None;
        }
    }
    serde_json::from_slice(&line).ok()
}

/// The last `Ready` line a caller reads from a readiness pipe (nothing it would read after
/// it): read in blocks rather than a byte at a time (a `Ready::Exited` line was some twenty
/// `read` calls on the way out of every `run`). Bytes after the line are dropped. None at EOF
/// or on garbage.
pub fn read_last_ready(pipe: &mut std::fs::File) -> Option<Ready> {
    let mut line = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => return None,
            Ok(n) => {
                let got = buf.get(..n)?;
                if let Some(end) = got.iter().position(|&b| b == b'\n') {
                    line.extend_from_slice(got.get(..end)?);
                    break;
                }
                line.extend_from_slice(got);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
        if line.len() > 64 * 1024 {
            return None;
        }
    }
    serde_json::from_slice(&line).ok()
}

/// The helper's side of the readiness pipe.
pub struct ReadySender(std::fs::File);

impl ReadySender {
    /// A second handle on the same pipe (a monitor keeps one to report `Ready::Detached`
    /// after `Ready::Ok`).
    pub fn try_clone(&self) -> Option<ReadySender> {
        self.0.try_clone().ok().map(ReadySender)
    }

    /// Report once.
    pub fn send(mut self, r: &Ready) {
        if let Ok(mut line) = serde_json::to_vec(r) {
            line.push(b'\n');
            let _ = self.0.write_all(&line);
        }
    }
}

/// Take the fd number in `var` (passed by `spawn`) as ours, not to be inherited further.
fn take_fd(var: &str) -> Option<std::fs::File> {
    let fd: i32 = std::env::var(var).ok()?.parse().ok()?;
    std::env::remove_var(var);
    // SAFETY: `spawn` passed us this pipe end and nothing else in this process owns it; the
    // variable is removed so that it is taken once.
    let f = unsafe { std::fs::File::from_raw_fd(fd) };
    set_inherit(&f, false);
    Some(f)
}

/// Helper side: if this process is a helper (`skiff __helper ...`), its request and its
/// readiness pipe; an error if the request cannot be read. Call before any thread exists.
pub fn receive() -> Option<Result<(Request, Option<ReadySender>), String>> {
    if std::env::args_os().nth(1).as_deref() != Some(std::ffi::OsStr::new(VERB)) {
        return None;
    }
    let Some(mut pipe) = take_fd(REQUEST_FD_ENV) else {
        return Some(Err(format!(
            "{VERB} is internal to skiff (started by skiff itself, with its request on a pipe)"
        )));
    };
    let mut body = Vec::new();
    if let Err(e) = pipe.read_to_end(&mut body) {
        return Some(Err(format!("reading the helper's request: {e}")));
    }
    let ready = take_fd(READY_FD_ENV).map(ReadySender);
    Some(
        serde_json::from_slice(&body)
            .map(|r| (r, ready))
            .map_err(|e| format!("reading the helper's request: {e}")),
    )
}
