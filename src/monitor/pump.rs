//! The monitor's I/O loop: moves the container's output to the log, to attached clients and
//! to the CLI's terminal, forwards signals and input, and reaps the container's process.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signalfd::SignalFd;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use super::{attach, health, log, notify, TerminalDetach};

pub(super) struct PumpIo<'a> {
    pub(super) pid: i32,
    /// A pidfd of `pid`, opened while it is our unreaped child: signals go through it.
    pub(super) handle: Option<crate::runtime::ProcessHandle>,
    pub(super) sfd: &'a SignalFd,
    pub(super) master: Option<&'a OwnedFd>,
    pub(super) out_r: Option<&'a OwnedFd>,
    pub(super) err_r: Option<&'a OwnedFd>,
    pub(super) foreground: bool,
    /// In the foreground on a terminal: the detach keys to watch for on stdin.
    pub(super) detach: &'a std::cell::RefCell<Option<TerminalDetach>>,
    pub(super) logger: &'a mut log::Logger,
    /// Attached clients: they get the output and may send input.
    pub(super) attach: Option<&'a mut attach::AttachServer>,
    /// The container's stdin pipe (`-d -i` without a terminal), for attached input.
    pub(super) stdin_w: Option<&'a OwnedFd>,
    /// `--sdnotify`: the relay socket (container mode).
    pub(super) notify: &'a notify::Notify,
    /// The container's health checks, if it has any.
    pub(super) health: Option<&'a mut health::Checker>,
    /// In the foreground: which of stdout and stderr go to the CLI (`-a`).
    pub(super) shown: [bool; 2],
}

/// Move output to the log (and to the CLI's terminal in the foreground), forward signals and
/// input, until the container has exited and its output is drained. Returns the exit code.
pub(super) fn pump(mut io: PumpIo<'_>) -> i32 {
    let mut exit: Option<i32> = None;
    let mut out_open = io.out_r.is_some() || io.master.is_some();
    let mut err_open = io.err_r.is_some();
    let mut stdin_open = io.foreground && io.master.is_some();
    // The read buffer is allocated on first use: an idle container's monitor never touches it.
    let mut buf = Vec::new();
    // Once the container has run for IDLE_AFTER with nothing to do, the monitor lets go of the
    // memory only its start-up used (sys::memory); short-lived containers never pay for it.
    let mut startup_memory_held = true;
    // SAFETY: fd 0 stays open for the life of this process.
    let stdin = unsafe { BorrowedFd::borrow_raw(0) };
    loop {
        if exit.is_some() && !out_open && !err_open {
            break;
        }
        let out_fd = io.master.or(io.out_r);
        let mut fds = vec![PollFd::new(io.sfd.as_fd(), PollFlags::POLLIN)];
        let out_idx = out_open.then(|| {
            fds.push(PollFd::new(
                out_fd.map(|f| f.as_fd()).unwrap_or(stdin),
                PollFlags::POLLIN,
            ));
            fds.len() - 1
        });
        let err_idx = (err_open && io.err_r.is_some()).then(|| {
            fds.push(PollFd::new(
                io.err_r.map(|f| f.as_fd()).unwrap_or(stdin),
                PollFlags::POLLIN,
            ));
            fds.len() - 1
        });
        let in_idx = stdin_open.then(|| {
            fds.push(PollFd::new(stdin, PollFlags::POLLIN));
            fds.len() - 1
        });
        let notify_idx = io.notify.relay_fd().map(|fd| {
            fds.push(PollFd::new(fd, PollFlags::POLLIN));
            fds.len() - 1
        });
        let health_idx = io.health.as_deref().and_then(|h| h.fd()).map(|fd| {
            fds.push(PollFd::new(fd, PollFlags::POLLIN));
            fds.len() - 1
        });
        let attach_base = fds.len();
        if let Some(a) = io.attach.as_deref() {
            for fd in a.fds() {
                fds.push(PollFd::new(fd, PollFlags::POLLIN));
            }
        }
        // Once the container is gone its output closes at once; don't wait forever on a
        // descriptor something else still holds. Otherwise sleep until something happens or
        // the health checker has work (a probe due, a probe's timeout).
        let timeout = if exit.is_some() {
            PollTimeout::from(2000u16)
        } else {
            let health = io.health.as_deref().and_then(|h| h.timeout(Instant::now()));
            match (health, startup_memory_held) {
                (Some(d), true) => poll_timeout(d.min(IDLE_AFTER)),
                (Some(d), false) => poll_timeout(d),
                (None, true) => poll_timeout(IDLE_AFTER),
                (None, false) => PollTimeout::NONE,
            }
        };
        match poll(&mut fds, timeout) {
            Ok(0) if exit.is_some() => break,
            Ok(0) if startup_memory_held => {
                startup_memory_held = false;
                drop(fds);
                buf = Vec::new();
                crate::sys::memory::release_startup_memory();
                continue;
            }
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => break,
        }
        let ready = |i: Option<usize>, fds: &Vec<PollFd>| {
            i.and_then(|i| fds[i].revents())
                .map(|r| r.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR))
                .unwrap_or(false)
        };
        let sig_ready = ready(Some(0), &fds);
        let out_ready = ready(out_idx, &fds);
        let err_ready = ready(err_idx, &fds);
        let in_ready = ready(in_idx, &fds);
        let notify_ready = ready(notify_idx, &fds);
        let health_ready = ready(health_idx, &fds);
        let attach_ready: Vec<bool> = (attach_base..fds.len())
            .map(|i| ready(Some(i), &fds))
            .collect();
        drop(fds);
        if notify_ready {
            io.notify.relay();
        }
        if let Some(a) = io.attach.as_deref_mut() {
            if attach_ready.iter().any(|r| *r) {
                for input in a.handle(&attach_ready) {
                    match input {
                        attach::Input::Stdin(data) => {
                            if let Some(fd) = io.master.or(io.stdin_w) {
                                crate::sys::fd::write_all(fd.as_raw_fd(), &data);
                            }
                        }
                        attach::Input::Resize { rows, cols } => {
                            if let Some(m) = io.master {
                                crate::sys::term::set_winsize(m.as_fd(), rows, cols);
                            }
                        }
                    }
                }
            }
        }
        if health_ready {
            if let Some(h) = io.health.as_deref_mut() {
                h.on_output();
            }
        }
        if sig_ready {
            while let Ok(Some(si)) = io.sfd.read_signal() {
                let signo = si.ssi_signo as i32;
                if signo == libc::SIGCHLD {
                    if let Some(code) = reap(io.pid) {
                        exit = Some(code);
                    }
                } else if signo == libc::SIGWINCH {
                    if let Some(m) = io.master {
                        crate::sys::term::copy_winsize(m.as_fd());
                    }
                } else if exit.is_none() {
                    // Only while the container's process is ours and unreaped (once reaped,
                    // its PID may belong to anyone), through its pidfd.
                    if let Some(h) = &io.handle {
                        let _ = h.signal(signo);
                    }
                }
            }
        }
        if out_ready {
            if let Some(fd) = out_fd {
                out_open = forward_output(&mut io, fd, Stream::Stdout, read_buffer(&mut buf));
            }
        }
        if err_ready {
            if let Some(fd) = io.err_r {
                err_open = forward_output(&mut io, fd, Stream::Stderr, read_buffer(&mut buf));
            }
        }
        if in_ready {
            let buf = read_buffer(&mut buf);
            match nix::unistd::read(stdin, buf) {
                Ok(n) if n > 0 => {
                    let mut detach = io.detach.borrow_mut();
                    let (pass, detached) = match detach.as_mut() {
                        Some(d) => d.matcher.feed(&buf[..n]),
                        None => (buf[..n].to_vec(), false),
                    };
                    if let Some(m) = io.master {
                        crate::sys::fd::write_all(m.as_raw_fd(), &pass);
                    }
                    if let (true, Some(d)) = (detached, detach.as_mut()) {
                        d.let_go();
                        io.foreground = false;
                        stdin_open = false;
                    }
                }
                Err(nix::errno::Errno::EINTR) => {}
                _ => stdin_open = false,
            }
        }
        if let Some(h) = io.health.as_deref_mut() {
            if exit.is_some() {
                h.stop();
            } else {
                h.tick(io.pid);
                if h.status() == crate::state::health::HealthStatus::Healthy {
                    io.notify.healthy();
                }
            }
        }
    }
    if let Some(h) = io.health.as_deref_mut() {
        h.stop();
    }
    io.logger.flush_partial("stdout");
    io.logger.flush_partial("stderr");
    match exit {
        Some(c) => c,
        // Output closed first: wait for the process itself.
        None => loop {
            match waitpid(Pid::from_raw(io.pid), None) {
                Ok(WaitStatus::Exited(_, c)) => break c,
                Ok(WaitStatus::Signaled(_, s, _)) => break 128 + s as i32,
                Ok(_) => continue,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => break 255,
            }
        },
    }
}

/// How long a container runs with nothing for its monitor to do before the monitor releases
/// its start-up memory.
const IDLE_AFTER: Duration = Duration::from_secs(1);

/// The pump's read buffer, allocated on first use.
fn read_buffer(buf: &mut Vec<u8>) -> &mut [u8] {
    if buf.is_empty() {
        buf.resize(64 * 1024, 0);
    }
    buf
}

/// A poll timeout for `d`, rounded up to the millisecond (so that a wake-up is never early
/// and never spins).
fn poll_timeout(d: Duration) -> PollTimeout {
    let ms = d.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as i32;
    PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)
}

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

/// Read what the container wrote on one stream and pass it on: to the log, to attached clients
/// and, in the foreground, to the CLI's own stdout or stderr. False once the stream is closed.
fn forward_output(io: &mut PumpIo<'_>, fd: &OwnedFd, stream: Stream, buf: &mut [u8]) -> bool {
    let (name, kind, out) = match stream {
        Stream::Stdout => ("stdout", attach::OUT_STDOUT, 1),
        Stream::Stderr => ("stderr", attach::OUT_STDERR, 2),
    };
    match nix::unistd::read(fd, buf) {
        Ok(n) if n > 0 => {
            io.logger.write(name, &buf[..n]);
            if let Some(a) = io.attach.as_deref_mut() {
                a.broadcast(kind, &buf[..n]);
            }
            if io.foreground && io.shown[out as usize - 1] {
                crate::sys::fd::write_all(out, &buf[..n]);
            }
            true
        }
        Err(nix::errno::Errno::EINTR) | Err(nix::errno::Errno::EAGAIN) => true,
        _ => {
            io.logger.flush_partial(name);
            false
        }
    }
}

/// Reap the container's process if it has exited; its exit code docker-style.
fn reap(pid: i32) -> Option<i32> {
    loop {
        match waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(_, c)) => return Some(c),
            Ok(WaitStatus::Signaled(_, s, _)) => return Some(128 + s as i32),
            Ok(WaitStatus::StillAlive) => return None,
            Ok(_) => continue,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return None,
        }
    }
}
