//! Layers unpacked while they download, all at once: the pull hands each layer to one user
//! namespace helper as an open descriptor (a pipe the download writes into as it reads the
//! registry's response, or an already stored blob), and the helper unpacks every layer in a
//! thread of its own. Nothing is read back from disk; the helper makes the layers visible
//! together, after one `syncfs` (`image::unpack::commit_all`).
//!
//! The protocol, on a `SOCK_SEQPACKET` socket (the helper's stdin): one message per layer,
//! `stream DIFF_ID SIZE` or `file DIFF_ID SIZE`, carrying one descriptor (SCM_RIGHTS). A
//! stream's socket carries exactly SIZE bytes of the blob, then one `Y` once the pull has
//! verified the blob's size and digest (a stream socket, not a pipe: see
//! `LayerPipe::send_all`): a stream that ends without it (a dropped connection,
//! a digest mismatch, a pull that died) is cancelled, and its temp tree removed. The pull
//! closes the socket when every layer has been sent.
use std::fs::File;
use std::io::{IoSlice, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use nix::sys::socket::{self, ControlMessage, MsgFlags};

use crate::engine::EngineError;
use crate::helper::{Request, Spawn, UsernsOp};
use crate::image::unpack::{self, StagedLayer, UnpackOptions};
use crate::image::ImageStore;

/// The pull's side: the helper and the socket layers are sent on.
pub(super) struct LayerStreams {
    helper: crate::helper::Helper,
    sock: OwnedFd,
}

/// The write end of one layer's stream. Writes never fail: if the helper is gone (it stopped
/// at a hostile layer), the stream is dropped and the download goes on into the store;
/// `LayerStreams::finish` reports the helper's error.
pub(super) struct LayerPipe {
    w: Option<UnixStream>,
}

impl Write for LayerPipe {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.send_all(buf) {
            self.w = None;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LayerPipe {
    /// The blob is verified: the helper may keep the layer.
    pub(super) fn verified(mut self) {
        self.send_all(b"Y");
    }

    /// Write all of `data`; false once the helper is gone. A socket with MSG_NOSIGNAL rather
    /// than a pipe: the CLI restores SIGPIPE's default (`skiff ps | head`), and a helper that
    /// stopped reading must not kill the pull.
    fn send_all(&mut self, mut data: &[u8]) -> bool {
        let Some(w) = &self.w else { return false };
        while !data.is_empty() {
            match socket::send(w.as_raw_fd(), data, MsgFlags::MSG_NOSIGNAL) {
                Ok(n) => data = &data[n..],
                Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => return false,
            }
        }
        true
    }
}

impl LayerStreams {
    pub(super) fn start(store: &ImageStore) -> Result<LayerStreams, EngineError> {
        let (ours, theirs) = socket::socketpair(
            socket::AddressFamily::Unix,
            socket::SockType::SeqPacket,
            None,
            socket::SockFlag::SOCK_CLOEXEC,
        )
        .map_err(|e| EngineError::io("socketpair for the unpack helper")(e.into()))?;
        let req = Request::Userns(UsernsOp::UnpackLayerStream {
            layers_dir: store.layers_dir().to_path_buf(),
            rootful: crate::runtime::userns::is_rootful(),
        });
        let mut spawn = Spawn::new(&req);
        spawn.stdin = std::process::Stdio::from(theirs);
        spawn.stdout = std::process::Stdio::null();
        Ok(LayerStreams {
            helper: crate::helper::spawn(spawn)?,
            sock: ours,
        })
    }

    /// Send one layer's descriptor. False when the helper is gone.
    fn send(&self, kind: &str, diff: &str, size: u64, fd: RawFd) -> bool {
        let msg = format!("{kind} {diff} {size}");
        let fds = [fd];
        let cmsg = [ControlMessage::ScmRights(&fds)];
        loop {
            match socket::sendmsg::<()>(
                self.sock.as_raw_fd(),
                &[IoSlice::new(msg.as_bytes())],
                &cmsg,
                MsgFlags::MSG_NOSIGNAL,
                None,
            ) {
                Ok(_) => return true,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => {
                    tracing::debug!("sending layer {diff} to the unpack helper: {e}");
                    return false;
                }
            }
        }
    }

    /// Unpack a blob already in the store.
    pub(super) fn send_file(&self, blob: &Path, diff: &str) {
        let Ok(f) = File::open(blob) else {
            // finish() then reports the layer as missing.
            return;
        };
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        self.send("file", diff, size, f.as_raw_fd());
    }

    /// Start streaming a layer of `size` compressed bytes; the download writes into the
    /// returned end.
    pub(super) fn open_stream(&self, diff: &str, size: u64) -> LayerPipe {
        let Ok((r, w)) = UnixStream::pair() else {
            return LayerPipe { w: None };
        };
        let _ = r.shutdown(std::net::Shutdown::Write);
        let sent = self.send("stream", diff, size, r.as_raw_fd());
        drop(r);
        LayerPipe {
            w: sent.then_some(w),
        }
    }

    /// No more layers: wait for the helper to unpack and commit them.
    pub(super) fn finish(self) -> Result<(), EngineError> {
        drop(self.sock);
        self.helper.finish()?;
        Ok(())
    }
}

/// The reader of a stream's pipe: SIZE bytes, then EOF once the verdict `Y` came. Anything
/// else sets `cut` and fails the read.
struct StreamReader {
    pipe: File,
    left: u64,
    cut: Arc<AtomicBool>,
}

impl Read for StreamReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            let mut verdict = [0u8; 1];
            return match self.pipe.read(&mut verdict) {
                Ok(1) if verdict[0] == b'Y' => Ok(0),
                _ => Err(self.cut()),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.pipe.read(&mut buf[..want])?;
        if n == 0 {
            return Err(self.cut());
        }
        self.left -= n as u64;
        Ok(n)
    }
}

impl StreamReader {
    fn cut(&self) -> std::io::Error {
        self.cut.store(true, Ordering::Relaxed);
        std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the layer's download stopped",
        )
    }
}

/// One received layer message.
struct LayerMsg {
    stream: bool,
    diff: String,
    size: u64,
    fd: OwnedFd,
}

/// The next layer message; None once the pull closed the socket.
fn receive(sock: RawFd) -> Result<Option<LayerMsg>, EngineError> {
    let bad = |what: String| EngineError::Internal(format!("unpack helper: {what}"));
    let mut buf = [0u8; 256];
    let (n, fd) = loop {
        match crate::sys::fd::recv_with_fd(sock, &mut buf) {
            Ok(got) => break got,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(bad(format!("receiving a layer: {e}"))),
        }
    };
    if n == 0 && fd.is_none() {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    let mut words = text.split(' ');
    let (Some(kind), Some(diff), Some(size), Some(fd)) =
        (words.next(), words.next(), words.next(), fd)
    else {
        return Err(bad(format!("bad message {text:?}")));
    };
    let size = size
        .parse()
        .map_err(|_| bad(format!("bad message {text:?}")))?;
    Ok(Some(LayerMsg {
        stream: kind == "stream",
        diff: diff.to_string(),
        size,
        fd,
    }))
}

/// The helper's side (as root in the user namespace): unpack every layer sent on stdin, each
/// in its own thread, then commit them all. The first real error (a hostile entry, a diff_id
/// mismatch) fails the whole; a cancelled stream does not (the pull reports why, and may have
/// sent the same layer again from its stored blob).
pub(crate) fn serve(layers_dir: &Path, rootful: bool) -> Result<(), EngineError> {
    let opts = UnpackOptions { rootful };
    let sock = std::io::stdin().as_raw_fd();
    let mut staged: Vec<StagedLayer> = Vec::new();
    let mut first_err: Option<EngineError> = None;
    std::thread::scope(|s| {
        let mut workers = Vec::new();
        loop {
            match receive(sock) {
                Ok(Some(msg)) => {
                    let opts = &opts;
                    workers.push(s.spawn(move || unpack_one(msg, layers_dir, opts)));
                }
                Ok(None) => break,
                Err(e) => {
                    first_err = Some(e);
                    break;
                }
            }
        }
        for w in workers {
            match w.join() {
                Ok(Ok(Some(l))) => staged.push(l),
                Ok(Ok(None)) => {}
                Ok(Err(e)) => {
                    first_err.get_or_insert(e);
                }
                Err(_) => {
                    first_err.get_or_insert(EngineError::Internal(
                        "unpack helper: a layer's thread panicked".into(),
                    ));
                }
            }
        }
    });
    if let Some(e) = first_err {
        // The staged temp trees are removed as `staged` drops.
        return Err(e);
    }
    unpack::commit_all(staged, layers_dir)?;
    Ok(())
}

/// Unpack one layer into a temp tree; None when it was already there or its stream was
/// cancelled.
fn unpack_one(
    msg: LayerMsg,
    layers_dir: &Path,
    opts: &UnpackOptions,
) -> Result<Option<StagedLayer>, EngineError> {
    if unpack::unpacked_size(layers_dir, &msg.diff).is_some() {
        return Ok(None);
    }
    let file = File::from(msg.fd);
    if !msg.stream {
        return Ok(Some(unpack::stage_layer(
            file, msg.size, &msg.diff, layers_dir, opts,
        )?));
    }
    let cut = Arc::new(AtomicBool::new(false));
    let reader = StreamReader {
        pipe: file,
        left: msg.size,
        cut: cut.clone(),
    };
    match unpack::stage_layer(reader, msg.size, &msg.diff, layers_dir, opts) {
        Ok(l) => Ok(Some(l)),
        Err(e) if cut.load(Ordering::Relaxed) => {
            tracing::debug!("layer {}: stream cancelled: {e}", msg.diff);
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}
