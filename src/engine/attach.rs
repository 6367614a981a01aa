//! `attach`: connect the terminal to a running container through its monitor's attach socket.
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::UnixStream;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, Signal};

use super::EngineError;
use crate::monitor::attach::{frame, socket_path, take_frames, IN_RESIZE, IN_STDIN, OUT_STDERR};
use crate::state::container::{Containers, Status};
use crate::state::Paths;

pub use crate::sys::term::DetachMatcher;

/// docker's default detach keys.
pub const DEFAULT_DETACH_KEYS: &str = "ctrl-p,ctrl-q";

/// What a client prints when the detach keys end `attach` or `exec` (docker's CLI prints its
/// `term.EscapeError` and exits 1; `run` and `start` leave silently with 0).
pub const DETACHED_MESSAGE: &str = "read escape sequence";

/// Parse docker's detach keys (`ctrl-p,ctrl-q`, `ctrl-a,x`): [`crate::sys::term::parse_detach_keys`].
pub fn parse_detach_keys(s: &str) -> Result<Vec<u8>, EngineError> {
    crate::sys::term::parse_detach_keys(s).map_err(EngineError::Usage)
}

/// The detach keys a client uses, as docker's CLI picks them: the flag's, else `detachKeys`
/// of config.json, else ctrl-p,ctrl-q (an empty value counts as none). A bad value is an error.
pub fn detach_keys(flag: Option<&str>) -> Result<Vec<u8>, EngineError> {
    let configured = || crate::registry::auth::docker_config_string("detachKeys");
    match flag
        .filter(|k| !k.is_empty())
        .map(String::from)
        .or_else(|| configured().filter(|k| !k.is_empty()))
    {
        Some(k) => parse_detach_keys(&k),
        None => parse_detach_keys(DEFAULT_DETACH_KEYS),
    }
}

/// What `attach` takes.
#[derive(Debug, Clone)]
pub struct AttachOptions {
    pub container: String,
    /// `--detach-keys` (docker's syntax; None or empty: config.json's, else the default).
    pub detach_keys: Option<String>,
    pub no_stdin: bool,
    pub sig_proxy: bool,
}

/// How `attach` ended.
#[derive(Debug, PartialEq, Eq)]
pub enum AttachOutcome {
    /// The detach keys were typed: the container runs on.
    Detached,
    /// The container exited with this code.
    Exited(i32),
}

fn winsize_frame() -> Option<Vec<u8>> {
    let ws = crate::sys::term::winsize()?;
    (ws.ws_row > 0).then(|| {
        let mut d = ws.ws_row.to_be_bytes().to_vec();
        d.extend_from_slice(&ws.ws_col.to_be_bytes());
        frame(IN_RESIZE, &d)
    })
}

/// Attach to a running container until it exits or the detach keys are typed.
pub fn attach(paths: &Paths, opts: &AttachOptions) -> Result<AttachOutcome, EngineError> {
    let keys = detach_keys(opts.detach_keys.as_deref())?;
    let store = Containers::new(paths);
    let id = store.resolve(&opts.container)?;
    let rec = store.record(&id)?;
    let st = store.state(&id)?;
    if st.status == Status::Paused {
        return Err(EngineError::Conflict(
            "You cannot attach to a paused container, unpause it first".into(),
        ));
    }
    if !st.can_attach() {
        return Err(EngineError::Conflict(
            "You cannot attach to a stopped container, start it first".into(),
        ));
    }
    let path = socket_path(paths, &id);
    let mut sock = UnixStream::connect(&path).map_err(EngineError::io(format!(
        "connecting to the monitor of container {} ({})",
        &id[..12],
        path.display()
    )))?;
    let use_stdin = !opts.no_stdin && rec.interactive;
    let raw = if rec.tty && use_stdin {
        crate::sys::term::RawTerminal::enter()
    } else {
        None
    };
    if rec.tty {
        if let Some(f) = winsize_frame() {
            let _ = sock.write_all(&f);
        }
    }
    // Signals: the terminal's size, and with --sig-proxy (no terminal) the usual ones, which
    // go to the container.
    let mut mask = SigSet::empty();
    mask.add(Signal::SIGWINCH);
    let proxied = [
        Signal::SIGINT,
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGQUIT,
        Signal::SIGUSR1,
        Signal::SIGUSR2,
    ];
    if opts.sig_proxy && !rec.tty {
        for s in proxied {
            mask.add(s);
        }
    }
    let _ = mask.thread_block();
    let sfd = nix::sys::signalfd::SignalFd::with_flags(
        &mask,
        nix::sys::signalfd::SfdFlags::SFD_NONBLOCK | nix::sys::signalfd::SfdFlags::SFD_CLOEXEC,
    )
    .ok();

    // docker watches for the keys only on a terminal; without one every byte is input.
    let mut matcher = rec.tty.then(|| DetachMatcher::new(keys));
    let mut stdin_open = use_stdin;
    let mut inbuf = Vec::new();
    let mut buf = vec![0u8; 32 * 1024];
    let stdin_handle = std::io::stdin();
    let stdin = stdin_handle.as_fd();
    let outcome = loop {
        let mut fds = vec![PollFd::new(sock.as_fd(), PollFlags::POLLIN)];
        let in_idx = stdin_open.then(|| {
            fds.push(PollFd::new(stdin, PollFlags::POLLIN));
            fds.len() - 1
        });
        let sig_idx = sfd.as_ref().map(|s| {
            fds.push(PollFd::new(s.as_fd(), PollFlags::POLLIN));
            fds.len() - 1
        });
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => break Err(EngineError::io("poll")(std::io::Error::from(e))),
        }
        let ready = |i: Option<usize>| {
            i.and_then(|i| fds[i].revents()).is_some_and(|r| {
                r.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR)
            })
        };
        let (sock_ready, in_ready, sig_ready) = (ready(Some(0)), ready(in_idx), ready(sig_idx));
        drop(fds);
        if sig_ready {
            if let Some(s) = sfd.as_ref() {
                while let Ok(Some(si)) = s.read_signal() {
                    let signo = si.ssi_signo as i32;
                    if signo == libc::SIGWINCH {
                        if let Some(f) = winsize_frame() {
                            let _ = sock.write_all(&f);
                        }
                    } else if let Ok(sig) = Signal::try_from(signo) {
                        if let Ok(st) = store.state(&id) {
                            // Only the process recorded (its start time checked through a
                            // pidfd), never a PID reused since.
                            if st.status.is_up() {
                                if let Some(h) = crate::runtime::ProcessHandle::open_checked(
                                    st.pid,
                                    st.pid_start,
                                ) {
                                    let _ = h.signal(sig as i32);
                                }
                            }
                        }
                    }
                }
            }
        }
        if in_ready {
            match nix::unistd::read(stdin, &mut buf) {
                Ok(0) => stdin_open = false,
                Ok(n) => {
                    let (pass, detach) = match matcher.as_mut() {
                        Some(m) => m.feed(&buf[..n]),
                        None => (buf[..n].to_vec(), false),
                    };
                    if !pass.is_empty() && sock.write_all(&frame(IN_STDIN, &pass)).is_err() {
                        stdin_open = false;
                    }
                    if detach {
                        break Ok(AttachOutcome::Detached);
                    }
                }
                Err(nix::errno::Errno::EINTR) | Err(nix::errno::Errno::EAGAIN) => {}
                Err(_) => stdin_open = false,
            }
        }
        if sock_ready {
            match sock.read(&mut buf) {
                Ok(0) | Err(_) => {
                    // The monitor closed us: the container has exited.
                    break super::container::wait(paths, &id).map(AttachOutcome::Exited);
                }
                Ok(n) => {
                    inbuf.extend_from_slice(&buf[..n]);
                    for (kind, data) in take_frames(&mut inbuf) {
                        if kind == OUT_STDERR {
                            let _ = std::io::stderr().lock().write_all(&data);
                        } else {
                            let mut out = std::io::stdout().lock();
                            let _ = out.write_all(&data);
                            let _ = out.flush();
                        }
                    }
                }
            }
        }
    };
    drop(raw);
    let _ = sock.as_raw_fd();
    outcome
}
