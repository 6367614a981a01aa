//! The sd_notify protocol: `KEY=VALUE` lines in one datagram to the unix socket named by
//! `$NOTIFY_SOCKET` (a path, or `@name` for an abstract socket), and podman's `--sdnotify` modes.
//!
//! Written on std's `UnixDatagram` rather than with the sd-notify crate: sending is a dozen
//! lines, and the relay (container mode) needs the receiving side too, which the crate lacks.
use std::io;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};

/// The environment variable systemd sets for `Type=notify` services.
pub const ENV: &str = "NOTIFY_SOCKET";
/// Where the socket appears inside a container in `container` mode (podman's path).
pub const CONTAINER_DIR: &str = "/run/notify";
/// The socket's file name, in [`CONTAINER_DIR`] and in the container's directory on the host.
pub const SOCKET_NAME: &str = "notify.sock";

/// `--sdnotify`: who tells systemd that the service is ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The container's application does: the socket is passed in, the monitor relays.
    #[default]
    Container,
    /// The monitor does, as soon as the container's process runs (podman's conmon mode).
    Conmon,
    /// The monitor does, at the first passing healthcheck.
    Healthy,
    /// Nobody.
    Ignore,
}

impl Mode {
    pub fn parse(s: &str) -> Result<Mode, String> {
        match s {
            "container" => Ok(Mode::Container),
            "conmon" => Ok(Mode::Conmon),
            "healthy" => Ok(Mode::Healthy),
            "ignore" => Ok(Mode::Ignore),
            _ => Err(format!(
                "invalid sdnotify value {s:?}: must be conmon, container, healthy or ignore"
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Container => "container",
            Mode::Conmon => "conmon",
            Mode::Healthy => "healthy",
            Mode::Ignore => "ignore",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The socket address `$NOTIFY_SOCKET` names.
pub fn address(value: &str) -> io::Result<SocketAddr> {
    match value.strip_prefix('@') {
        Some(name) => SocketAddr::from_abstract_name(name.as_bytes()),
        None => SocketAddr::from_pathname(value),
    }
}

/// A connection to systemd's notification socket.
pub struct Notifier {
    sock: UnixDatagram,
    addr: SocketAddr,
}

impl Notifier {
    /// The socket `$NOTIFY_SOCKET` names, if set and valid.
    pub fn from_env() -> Option<Notifier> {
        let value = std::env::var(ENV).ok().filter(|v| !v.is_empty())?;
        Notifier::new(&value)
            .map_err(|e| tracing::warn!("{ENV}={value}: {e}"))
            .ok()
    }

    pub fn new(value: &str) -> io::Result<Notifier> {
        Ok(Notifier {
            sock: UnixDatagram::unbound()?,
            addr: address(value)?,
        })
    }

    /// Send one message (newline-separated `KEY=VALUE` lines).
    pub fn send(&self, msg: &str) -> io::Result<()> {
        self.sock
            .send_to_addr(msg.as_bytes(), &self.addr)
            .map(|_| ())
    }
}

/// What the monitor passes on of a message the container sent: every line but `MAINPID=` (the
/// service's main process is the monitor, never a PID inside the container), after our own
/// `MAINPID=`. None when nothing is left to say.
pub fn relay_message(data: &[u8], mainpid: u32) -> Option<String> {
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text
        .split('\n')
        .map(str::trim_end)
        .filter(|l| l.contains('=') && !l.starts_with("MAINPID="))
        .collect();
    if lines.is_empty() {
        return None;
    }
    let mut msg = format!("MAINPID={mainpid}\n");
    for l in lines {
        msg.push_str(l);
        msg.push('\n');
    }
    Some(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        for m in ["container", "conmon", "healthy", "ignore"] {
            assert_eq!(Mode::parse(m).unwrap().as_str(), m);
        }
        assert!(Mode::parse("bogus").is_err());
    }

    #[test]
    fn relay_replaces_mainpid() {
        assert_eq!(
            relay_message(b"READY=1\nMAINPID=1\nSTATUS=up and running\n", 42).as_deref(),
            Some("MAINPID=42\nREADY=1\nSTATUS=up and running\n")
        );
        assert_eq!(relay_message(b"MAINPID=7", 42), None);
        assert_eq!(relay_message(b"garbage", 42), None);
    }

    #[test]
    fn send_and_receive() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.sock");
        let rx = UnixDatagram::bind(&path).unwrap();
        let n = Notifier::new(path.to_str().unwrap()).unwrap();
        n.send("READY=1\n").unwrap();
        let mut buf = [0u8; 64];
        let len = rx.recv(&mut buf).unwrap();
        assert_eq!(&buf[..len], b"READY=1\n");
    }
}
