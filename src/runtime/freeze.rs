//! Freezing a container without a cgroup freezer: every process of its PID namespace is
//! stopped with SIGSTOP and continued with SIGCONT when the [`FrozenGuard`] is dropped.
//!
//! A pid is only a number that the kernel reuses, so each process is first pinned with a pidfd
//! (`pidfd_open`), then checked (its PID namespace is the container's, never the one skiff
//! itself runs in), and only then signalled through the pidfd: a process that exited in
//! between cannot be mistaken for whoever got its number, as a signal to a dead pidfd fails.
//! The container's own PID 1 is also checked against its recorded start time before anything
//! else. `/proc` is scanned again and again until every process of the namespace is stopped:
//! a process that forked just before it stopped has its child caught by the next scan.
//!
//! The processes are continued on every exit path: the guard's `Drop`, and a signal handler
//! (SIGINT, SIGTERM, SIGHUP, SIGQUIT: Ctrl-C on `commit`) that continues them before the
//! process dies of the signal. Processes that were already stopped (by someone else) are left
//! stopped. Processes of PID namespaces nested in the container's are not stopped.
//!
//! `pause` keeps the container stopped past the command: [`FrozenGuard::keep`] gives up the
//! guard without continuing anyone and returns the (pid, start time) of every process stopped,
//! which the container's state records; [`thaw`] later continues them, newest first, each
//! checked again (still in the container's namespace, same start time) before its SIGCONT.
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum FreezeError {
    /// The recorded process is gone (or its pid now belongs to another process).
    #[error("the container's process {0} is not running")]
    Gone(i32),
    /// The container shares skiff's PID namespace (`--pid host`): stopping "its" processes
    /// would stop the user's own.
    #[error("the container shares the host's PID namespace: its processes cannot be told apart")]
    SharedNamespace,
    /// Some process would not stop in time (e.g. stuck in uninterruptible sleep).
    #[error("the container's processes did not all stop within {0:?}")]
    Timeout(Duration),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

/// How long [`freeze`] waits for every process to stop.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// What the pid namespace link of a process reads (`pid:[4026531836]`).
fn pid_ns(pid: &str) -> Option<std::path::PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/ns/pid")).ok()
}

/// The state letter and start time of a process (fields 3 and 22 of `/proc/PID/stat`).
fn state_and_start(pid: i32) -> Option<(char, u64)> {
    let st = crate::sys::proc::stat(pid)?;
    Some((st.state, st.start_time()?))
}

fn pidfd_open(pid: i32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor (or -1); no memory
    // is passed.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: the kernel just returned this descriptor to us (O_CLOEXEC); nobody else owns it.
    Some(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Send `sig` to the process a pidfd pins; false if it is gone. Async-signal-safe.
fn pidfd_signal(fd: i32, sig: i32) -> bool {
    // SAFETY: pidfd_send_signal with a null siginfo; `fd` is a pidfd we own (or a closed
    // number, which fails with EBADF).
    unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            fd,
            sig,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        ) == 0
    }
}

/// One process we stopped: its pidfd, pid and start time.
struct StoppedProc {
    fd: OwnedFd,
    pid: i32,
    start: u64,
}

/// The processes we stopped, and whether they were continued for good.
#[derive(Default)]
struct Frozen {
    procs: Vec<StoppedProc>,
    /// Set by [`resume_all`]: nothing may be stopped after it (the signal handler's thread
    /// continues everyone, then the process dies, while the scan may still be running).
    resumed: bool,
}

/// What we stopped, shared with the signal handler's thread. A process is stopped and
/// recorded under the lock, so the handler never misses one stopped just before it ran.
type Stopped = Arc<Mutex<Frozen>>;

fn lock(stopped: &Stopped) -> std::sync::MutexGuard<'_, Frozen> {
    match stopped.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

fn resume_all(stopped: &Stopped) {
    let mut g = lock(stopped);
    g.resumed = true;
    // Newest first: a parent continues after the children it may wait for. Under the lock,
    // so that no scan stops anyone between this and the end of the process.
    for p in g.procs.drain(..).rev() {
        pidfd_signal(p.fd.as_raw_fd(), libc::SIGCONT);
    }
}

/// A frozen container: its processes continue when this is dropped.
pub struct FrozenGuard {
    stopped: Stopped,
    signals: Option<signal_hook::iterator::Handle>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FrozenGuard {
    /// How many processes are stopped.
    pub fn count(&self) -> usize {
        lock(&self.stopped).procs.len()
    }

    /// The (pid, start time) of every process stopped, in the order they were stopped.
    pub fn processes(&self) -> Vec<(i32, u64)> {
        lock(&self.stopped)
            .procs
            .iter()
            .map(|p| (p.pid, p.start))
            .collect()
    }

    /// Leave the processes stopped (`pause`): the guard goes without continuing them. Returns
    /// what [`FrozenGuard::processes`] does, for [`thaw`].
    pub fn keep(mut self) -> Vec<(i32, u64)> {
        if let Some(h) = self.signals.take() {
            h.close();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let kept = self.processes();
        lock(&self.stopped).procs.clear();
        kept
    }
}

impl Drop for FrozenGuard {
    fn drop(&mut self) {
        resume_all(&self.stopped);
        if let Some(h) = self.signals.take() {
            h.close();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Stop every process of the PID namespace of `pid1`, the container's first process, which
/// must still be the process that started at `start_time` (its `/proc/PID/stat` field 22).
pub fn freeze(pid1: i32, start_time: u64) -> Result<FrozenGuard, FreezeError> {
    let pin = pidfd_open(pid1).ok_or(FreezeError::Gone(pid1))?;
    let ns = pid_ns(&pid1.to_string()).ok_or(FreezeError::Gone(pid1))?;
    if state_and_start(pid1).map(|(_, s)| s) != Some(start_time) {
        return Err(FreezeError::Gone(pid1));
    }
    // The pidfd pins the process: if it is still alive now, the checks above were about it.
    if !pidfd_signal(pin.as_raw_fd(), 0) {
        return Err(FreezeError::Gone(pid1));
    }
    let own = pid_ns("self").ok_or_else(|| FreezeError::Io {
        context: "reading /proc/self/ns/pid".into(),
        source: std::io::Error::last_os_error(),
    })?;
    if ns == own {
        return Err(FreezeError::SharedNamespace);
    }
    drop(pin);

    let stopped: Stopped = Arc::new(Mutex::new(Frozen::default()));
    let mut guard = FrozenGuard {
        stopped: stopped.clone(),
        signals: None,
        thread: None,
    };
    // Ctrl-C (or a kill) while frozen: continue the container, then die of the signal.
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])
        .map_err(|source| FreezeError::Io {
            context: "installing a signal handler".into(),
            source,
        })?;
    guard.signals = Some(signals.handle());
    let for_handler = stopped.clone();
    guard.thread = Some(std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            resume_all(&for_handler);
            let _ = signal_hook::low_level::emulate_default_handler(sig);
            std::process::exit(128 + sig);
        }
    }));

    let deadline = Instant::now() + STOP_TIMEOUT;
    // pid -> (start time, stopped by us) of the processes seen so far.
    let mut seen: std::collections::HashMap<i32, (u64, bool)> = std::collections::HashMap::new();
    loop {
        let mut running = 0;
        let entries = std::fs::read_dir("/proc").map_err(|source| FreezeError::Io {
            context: "reading /proc".into(),
            source,
        })?;
        for e in entries.flatten() {
            let name = e.file_name();
            let Some(pid) = name.to_str().and_then(|n| n.parse::<i32>().ok()) else {
                continue;
            };
            if pid_ns(&pid.to_string()).as_ref() != Some(&ns) {
                continue;
            }
            let Some(fd) = pidfd_open(pid) else { continue };
            // Checked after pinning: while the pidfd's process lives, these describe it.
            if pid_ns(&pid.to_string()).as_ref() != Some(&ns) {
                continue;
            }
            let Some((state, start)) = state_and_start(pid) else {
                continue;
            };
            let halted = matches!(state, 'T' | 't' | 'Z' | 'X');
            match seen.get(&pid) {
                Some(&(s, true)) if s == start => {
                    // Ours already: count it until the stop has taken effect.
                    if !halted && pidfd_signal(fd.as_raw_fd(), 0) {
                        running += 1;
                    }
                    continue;
                }
                // Stopped by someone else: not ours to continue, unless it runs again.
                Some(&(s, false)) if s == start && halted => continue,
                None if halted => {
                    seen.insert(pid, (start, false));
                    continue;
                }
                _ => {}
            }
            let mut g = lock(&stopped);
            if g.resumed {
                // A signal is ending the command: everyone was continued.
                return Err(FreezeError::Gone(pid1));
            }
            if pidfd_signal(fd.as_raw_fd(), libc::SIGSTOP) {
                seen.insert(pid, (start, true));
                running += 1;
                g.procs.push(StoppedProc { fd, pid, start });
            }
        }
        if running == 0 {
            return Ok(guard);
        }
        if Instant::now() >= deadline {
            drop(guard);
            return Err(FreezeError::Timeout(STOP_TIMEOUT));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Continue the processes a [`FrozenGuard::keep`] left stopped, newest first. Each is pinned
/// with a pidfd and checked before its SIGCONT: still in the PID namespace of `pid1` (which must
/// still be the process that started at `start_time`) and started at the recorded time, so a
/// pid reused by anyone else is never signalled. Returns how many were continued; none when the
/// container's first process is gone (its namespace died with it).
pub fn thaw(pid1: i32, start_time: u64, stopped: &[(i32, u64)]) -> usize {
    let Some(pin) = pidfd_open(pid1) else {
        return 0;
    };
    let Some(ns) = pid_ns(&pid1.to_string()) else {
        return 0;
    };
    if state_and_start(pid1).map(|(_, s)| s) != Some(start_time)
        || !pidfd_signal(pin.as_raw_fd(), 0)
        || pid_ns("self").as_ref() == Some(&ns)
    {
        return 0;
    }
    let mut n = 0;
    for &(pid, start) in stopped.iter().rev() {
        let Some(fd) = pidfd_open(pid) else { continue };
        if pid_ns(&pid.to_string()).as_ref() != Some(&ns)
            || state_and_start(pid).map(|(_, s)| s) != Some(start)
        {
            continue;
        }
        if pidfd_signal(fd.as_raw_fd(), libc::SIGCONT) {
            n += 1;
        }
    }
    n
}
