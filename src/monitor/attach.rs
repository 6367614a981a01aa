//! The monitor's attach socket: `skiff attach` clients connect to a unix socket in the runtime
//! dir; the monitor sends them the container's output and feeds their input to its pty or stdin.
//!
//! Frames both ways are `[kind: u8][length: u32 big-endian][data]`. Monitor to client:
//! [`OUT_STDOUT`], [`OUT_STDERR`]. Client to monitor: [`IN_STDIN`] (bytes for the container),
//! [`IN_RESIZE`] (rows and columns, two big-endian u16). The monitor closes the connection when
//! the container exits.
use std::io::{Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::state::Paths;

pub const OUT_STDOUT: u8 = 1;
pub const OUT_STDERR: u8 = 2;
pub const IN_STDIN: u8 = 0;
pub const IN_RESIZE: u8 = 4;

/// Where a container's attach socket lives. Short on purpose: a socket path must fit in 108
/// bytes, and the runtime dir may already be long.
pub fn socket_path(paths: &Paths, id: &str) -> PathBuf {
    paths
        .runtime
        .join("attach")
        .join(format!("{}.sock", &id[..id.len().min(16)]))
}

/// Encode one frame.
pub fn frame(kind: u8, data: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(5 + data.len());
    f.push(kind);
    f.extend_from_slice(&(data.len() as u32).to_be_bytes());
    f.extend_from_slice(data);
    f
}

/// Split complete frames off the front of `buf`.
pub fn take_frames(buf: &mut Vec<u8>) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while buf.len() >= pos + 5 {
        let len =
            u32::from_be_bytes([buf[pos + 1], buf[pos + 2], buf[pos + 3], buf[pos + 4]]) as usize;
        if buf.len() < pos + 5 + len {
            break;
        }
        out.push((buf[pos], buf[pos + 5..pos + 5 + len].to_vec()));
        pos += 5 + len;
    }
    buf.drain(..pos);
    out
}

/// What a client asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Input {
    Stdin(Vec<u8>),
    Resize { rows: u16, cols: u16 },
}

struct Client {
    sock: UnixStream,
    buf: Vec<u8>,
}

/// The listening socket and the attached clients.
pub struct AttachServer {
    listener: UnixListener,
    path: PathBuf,
    clients: Vec<Client>,
}

impl AttachServer {
    /// Listen on `path` (a stale socket there is replaced).
    pub fn bind(path: &Path) -> std::io::Result<AttachServer> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
        let _ = std::fs::remove_file(path);
        let listener = UnixListener::bind(path)?;
        listener.set_nonblocking(true)?;
        Ok(AttachServer {
            listener,
            path: path.to_path_buf(),
            clients: Vec::new(),
        })
    }

    /// Descriptors to poll for input: the listener first, then each client.
    pub fn fds(&self) -> Vec<BorrowedFd<'_>> {
        std::iter::once(self.listener.as_fd())
            .chain(self.clients.iter().map(|c| c.sock.as_fd()))
            .collect()
    }

    /// Handle readiness: `ready[i]` for each descriptor of [`AttachServer::fds`], in order.
    /// Accepts new clients, reads input from the others, drops the ones that left.
    pub fn handle(&mut self, ready: &[bool]) -> Vec<Input> {
        let mut inputs = Vec::new();
        let mut gone = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        for (i, c) in self.clients.iter_mut().enumerate() {
            if !ready.get(i + 1).copied().unwrap_or(false) {
                continue;
            }
            match c.sock.read(&mut buf) {
                Ok(0) | Err(_) => gone.push(i),
                Ok(n) => {
                    c.buf.extend_from_slice(&buf[..n]);
                    for (kind, data) in take_frames(&mut c.buf) {
                        match kind {
                            IN_STDIN => inputs.push(Input::Stdin(data)),
                            IN_RESIZE if data.len() == 4 => inputs.push(Input::Resize {
                                rows: u16::from_be_bytes([data[0], data[1]]),
                                cols: u16::from_be_bytes([data[2], data[3]]),
                            }),
                            _ => {}
                        }
                    }
                }
            }
        }
        for i in gone.into_iter().rev() {
            self.clients.remove(i);
        }
        if ready.first().copied().unwrap_or(false) {
            while let Ok((sock, _)) = self.listener.accept() {
                // A client that stops reading must not stall the container's output for long.
                let _ = sock.set_nonblocking(false);
                let _ = sock.set_write_timeout(Some(Duration::from_secs(2)));
                self.clients.push(Client {
                    sock,
                    buf: Vec::new(),
                });
            }
        }
        inputs
    }

    /// Send output to every client; one that cannot take it is dropped.
    pub fn broadcast(&mut self, kind: u8, data: &[u8]) {
        if self.clients.is_empty() {
            return;
        }
        let f = frame(kind, data);
        self.clients.retain_mut(|c| c.sock.write_all(&f).is_ok());
    }
}

impl Drop for AttachServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let mut buf = frame(IN_STDIN, b"hello");
        buf.extend(frame(IN_RESIZE, &[0, 24, 0, 80]));
        let partial = frame(IN_STDIN, b"later");
        buf.extend_from_slice(&partial[..3]);
        let got = take_frames(&mut buf);
        assert_eq!(
            got,
            vec![
                (IN_STDIN, b"hello".to_vec()),
                (IN_RESIZE, vec![0, 24, 0, 80])
            ]
        );
        assert_eq!(buf, partial[..3].to_vec());
    }
}
