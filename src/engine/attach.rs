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

/// docker's default detach keys.
pub const DEFAULT_DETACH_KEYS: &str = "ctrl-p,ctrl-q";

/// What `attach` takes.
#[derive(Debug, Clone)]
pub struct AttachOptions {
    pub container: String,
    /// docker's `--detach-keys` syntax (`ctrl-p,ctrl-q`, `ctrl-a,x`).
    pub detach_keys: String,
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

/// Parse docker's detach keys (moby/term's `ToBytes`): comma-separated single characters,
/// `ctrl-X` with X one of `@`, `a`-`z`, `[`, `\`, `]`, `^`, `_`, or `DEL`; docker's message
/// names the whole value and the key it could not read.
pub fn parse_detach_keys(s: &str) -> Result<Vec<u8>, EngineError> {
    let mut out = Vec::new();
    for key in s.split(',') {
        let code = match key.as_bytes() {
            [b] => *b,
            _ if key == "DEL" => 127,
            _ => match key.strip_prefix("ctrl-").map(str::as_bytes) {
                Some([b]) if b.is_ascii_lowercase() => b - b'a' + 1,
                Some([b'@']) => 0,
                Some([b'[']) => 27,
                Some([b'\\']) => 28,
                Some([b']']) => 29,
                Some([b'^']) => 30,
                Some([b'_']) => 31,
                _ => {
                    return Err(EngineError::Usage(format!(
                        "invalid detach keys ({s}): Unknown character: '{key}'"
                    )))
                }
            },
        };
        out.push(code);
    }
    Ok(out)
}

/// Watches typed input for the detach sequence: bytes that may start it are held back until
/// it is complete (detach) or broken (they are passed on).
#[derive(Debug)]
pub struct DetachMatcher {
    keys: Vec<u8>,
    held: usize,
}

impl DetachMatcher {
    pub fn new(keys: Vec<u8>) -> DetachMatcher {
        DetachMatcher { keys, held: 0 }
    }

    /// Feed input; returns the bytes to pass on and whether the sequence was completed.
    pub fn feed(&mut self, data: &[u8]) -> (Vec<u8>, bool) {
        let mut out = Vec::new();
        for &b in data {
            if b == self.keys[self.held] {
                self.held += 1;
                if self.held == self.keys.len() {
                    return (out, true);
                }
            } else {
                out.extend_from_slice(&self.keys[..self.held]);
                self.held = 0;
                if b == self.keys[0] {
                    self.held = 1;
                    if self.keys.len() == 1 {
                        return (out, true);
                    }
                } else {
                    out.push(b);
                }
            }
        }
        (out, false)
    }
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
    let keys = parse_detach_keys(&opts.detach_keys)?;
    let store = Containers::new(paths);
    let id = store.resolve(&opts.container)?;
    let rec = store.record(&id)?;
    let st = store.state(&id)?;
    if st.status == Status::Paused {
        return Err(EngineError::Conflict(
            "You cannot attach to a paused container, unpause it first".into(),
        ));
    }
    if st.status != Status::Running {
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

    let mut matcher = DetachMatcher::new(keys);
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
                    let (pass, detach) = matcher.feed(&buf[..n]);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detach_keys() {
        assert_eq!(parse_detach_keys("ctrl-p,ctrl-q").unwrap(), vec![16, 17]);
        assert_eq!(parse_detach_keys("ctrl-a,x").unwrap(), vec![1, b'x']);
        assert_eq!(parse_detach_keys("ctrl-@,ctrl-_").unwrap(), vec![0, 31]);
        assert!(parse_detach_keys("ctrl-pp").is_err());
        assert!(parse_detach_keys("").is_err());
        assert_eq!(parse_detach_keys("DEL,a").unwrap(), vec![127, b'a']);
        assert!(parse_detach_keys("ctrl-P").is_err());
    }

    #[test]
    fn matcher_holds_and_releases() {
        let mut m = DetachMatcher::new(vec![16, 17]);
        assert_eq!(m.feed(b"ab"), (b"ab".to_vec(), false));
        assert_eq!(m.feed(&[16]), (vec![], false));
        assert_eq!(m.feed(b"c"), (vec![16, b'c'], false));
        assert_eq!(m.feed(&[16, 16]), (vec![16], false));
        assert_eq!(m.feed(&[17, b'z']), (vec![], true));
    }
}
