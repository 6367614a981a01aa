//! The monitor's side of `--sdnotify`: it is the service's main process for systemd, so it
//! sends `MAINPID=` (itself) and `READY=1` to `$NOTIFY_SOCKET` as the mode says. `conmon`:
//! ready once the container's process runs. `container`: the application inside says when; the
//! monitor binds the socket the container sees at `/run/notify/notify.sock` and relays what
//! arrives (`READY=1`, `STATUS=`, `WATCHDOG=1`...) with its own `MAINPID=`. `healthy`: ready at
//! the first passing healthcheck. `ignore`: nothing.
use std::cell::Cell;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixDatagram;
use std::path::Path;

use crate::systemd::notify::{relay_message, Mode, Notifier, ENV, SOCKET_NAME};

pub struct Notify {
    mode: Mode,
    systemd: Option<Notifier>,
    relay: Option<UnixDatagram>,
    ready_sent: Cell<bool>,
}

impl Notify {
    /// Read `$NOTIFY_SOCKET` (and take it out of the environment: nothing the monitor starts
    /// must speak for the service) and, in container mode, bind the relay socket in `dir`.
    pub fn setup(mode: &str, dir: &Path) -> Notify {
        let mode = Mode::parse(mode).unwrap_or(Mode::Ignore);
        let systemd = if mode == Mode::Ignore {
            None
        } else {
            Notifier::from_env()
        };
        std::env::remove_var(ENV);
        let relay = (mode == Mode::Container)
            .then(|| bind_relay(&dir.join("notify").join(SOCKET_NAME)))
            .flatten();
        Notify {
            mode,
            systemd,
            relay,
            ready_sent: Cell::new(false),
        }
    }

    fn send(&self, msg: &str) {
        if let Some(n) = &self.systemd {
            if let Err(e) = n.send(msg) {
                tracing::warn!("{ENV}: {e}");
            }
        }
    }

    /// The container's process runs: the monitor is the main process from now on (and, in
    /// conmon mode, the service is ready). Called before the CLI that started it may exit.
    pub fn started(&self) {
        let me = std::process::id();
        match self.mode {
            Mode::Ignore => {}
            Mode::Conmon if !self.ready_sent.get() => {
                self.ready_sent.set(true);
                self.send(&format!("MAINPID={me}\nREADY=1\n"));
            }
            _ => self.send(&format!("MAINPID={me}\n")),
        }
    }

    /// A healthcheck passed: in healthy mode, the first one makes the service ready.
    pub fn healthy(&self) {
        if self.mode == Mode::Healthy && !self.ready_sent.replace(true) {
            self.send(&format!("MAINPID={}\nREADY=1\n", std::process::id()));
        }
    }

    /// The relay socket to poll, in container mode.
    pub fn relay_fd(&self) -> Option<BorrowedFd<'_>> {
        self.relay.as_ref().map(|s| s.as_fd())
    }

    /// Pass on what the container sent (all pending datagrams).
    pub fn relay(&self) {
        let Some(sock) = &self.relay else { return };
        let mut buf = [0u8; 4096];
        while let Ok(n) = sock.recv(&mut buf) {
            if let Some(msg) = relay_message(&buf[..n], std::process::id()) {
                self.send(&msg);
            }
        }
    }
}

/// The socket the container sends to: non-blocking, writable by every container user (a
/// datagram `connect`/`sendto` needs write permission on the socket file).
/// The path may be longer than a socket address allows (108 bytes): it is bound through
/// `/proc/self/fd/N/` of its directory.
fn bind_relay(path: &Path) -> Option<UnixDatagram> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::remove_file(path);
    let dir = std::fs::File::open(path.parent()?).ok()?;
    let short = format!(
        "/proc/self/fd/{}/{}",
        dir.as_raw_fd(),
        path.file_name()?.to_str()?
    );
    let sock = UnixDatagram::bind(&short)
        .map_err(|e| tracing::warn!("binding {}: {e}", path.display()))
        .ok()?;
    let _ = sock.set_nonblocking(true);
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o777));
    Some(sock)
}
