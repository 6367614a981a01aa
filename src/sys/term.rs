//! The terminal: raw mode for `-t` (restored on drop), window sizes for a container's pty, and
//! docker's detach keys (their syntax, and the matcher that spots them in typed input).
use std::os::fd::{AsRawFd, BorrowedFd};

/// Our stdin's terminal in raw mode, restored when dropped.
pub struct RawTerminal {
    saved: nix::sys::termios::Termios,
}

impl RawTerminal {
    /// Put stdin's terminal in raw mode; None when stdin is not a terminal.
    pub fn enter() -> Option<RawTerminal> {
        let stdin = std::io::stdin();
        let saved = nix::sys::termios::tcgetattr(&stdin).ok()?;
        let mut raw = saved.clone();
        nix::sys::termios::cfmakeraw(&mut raw);
        nix::sys::termios::tcsetattr(&stdin, nix::sys::termios::SetArg::TCSANOW, &raw).ok()?;
        Some(RawTerminal { saved })
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        let _ = nix::sys::termios::tcsetattr(
            std::io::stdin(),
            nix::sys::termios::SetArg::TCSANOW,
            &self.saved,
        );
    }
}

/// The size of the terminal on our stdin, if it is one.
pub fn winsize() -> Option<libc::winsize> {
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes a winsize we own.
    let ok = unsafe { libc::ioctl(0, libc::TIOCGWINSZ, &mut ws) } == 0;
    ok.then_some(ws)
}

/// Give the pty `master` a size (rows and columns).
pub fn set_winsize(master: BorrowedFd<'_>, rows: u16, cols: u16) {
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads a winsize we own; master is open for this call.
    unsafe {
        libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &ws);
    }
}

/// Give the pty `master` the size of our terminal.
pub fn copy_winsize(master: BorrowedFd<'_>) {
    if let Some(ws) = winsize() {
        // SAFETY: TIOCSWINSZ reads a winsize we own; master is open for this call.
        unsafe {
            libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &ws);
        }
    }
}

/// Parse docker's detach keys (moby/term's `ToBytes`): comma-separated single characters,
/// `ctrl-X` with X one of `@`, `a`-`z`, `[`, `\`, `]`, `^`, `_`, or `DEL`; docker's message
/// names the whole value and the key it could not read.
pub fn parse_detach_keys(s: &str) -> Result<Vec<u8>, String> {
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
                    return Err(format!(
                        "invalid detach keys ({s}): Unknown character: '{key}'"
                    ))
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
