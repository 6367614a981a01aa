//! The terminal: raw mode for `-t` (restored on drop) and window sizes for a container's pty.
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
