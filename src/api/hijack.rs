//! Hijacked connections: `POST /containers/{id}/attach` (and the streams of `exec` start)
//! answer `101 Switching Protocols` and then carry the container's output (docker's
//! multiplexed frames without a terminal, raw bytes with one) and the client's input on the
//! bare connection. Also `POST /containers/{id}/resize`.
//!
//! A running container is attached through its monitor's attach socket. docker's `run`
//! attaches before it starts the container: such an attach waits here until the start
//! request hands it the pipes of a monitor started for it, so no output is lost.
use std::collections::HashMap;
use std::process::Child;
use std::sync::{Arc, Mutex};

use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::oneshot;

use super::http::{self, blocking, ApiError, ApiResult, Query};
use super::{Busy, Ctx};
use crate::engine::attach::{parse_detach_keys, DetachMatcher, DEFAULT_DETACH_KEYS};
use crate::monitor::attach::{frame, socket_path, take_frames, IN_RESIZE, IN_STDIN, OUT_STDERR};
use crate::state::container::Status;

/// Attaches waiting for their container's start, by container ID.
pub type Pending = Mutex<HashMap<String, oneshot::Sender<Child>>>;

/// A waiting attach, taken by the start request.
pub struct Waiting(oneshot::Sender<Child>);

impl Waiting {
    /// Give the attach the monitor just started; if it went away meanwhile, drain and reap
    /// the monitor so that the container never blocks on a full pipe.
    pub fn hand_over(self, child: Child) {
        if let Err(child) = self.0.send(child) {
            drain_child(child);
        }
    }
}

/// The waiting attach of a container, if its client is still there.
pub fn take_pending(ctx: &Ctx, id: &str) -> Option<Waiting> {
    let mut m = ctx.pending_attach.lock().ok()?;
    m.remove(id).filter(|tx| !tx.is_closed()).map(Waiting)
}

/// What a hijacked stream carries.
#[derive(Debug, Clone, Copy)]
pub struct Streams {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    /// Raw bytes (a terminal) rather than multiplexed frames.
    pub tty: bool,
}

/// The `101` answer; the connection is ours once hyper has sent it.
pub fn switching(tty: bool) -> Response<http::Body> {
    let mut r = Response::new(http::empty());
    *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = r.headers_mut();
    h.insert("Connection", HeaderValue::from_static("Upgrade"));
    h.insert("Upgrade", HeaderValue::from_static("tcp"));
    h.insert(
        "Content-Type",
        HeaderValue::from_static(if tty {
            "application/vnd.docker.raw-stream"
        } else {
            "application/vnd.docker.multiplexed-stream"
        }),
    );
    r
}

/// Refuse a request that does not ask to upgrade (docker's clients all do).
pub fn require_upgrade(req: &Request<Incoming>) -> Result<(), ApiError> {
    let ok = req
        .headers()
        .get(hyper::header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("tcp"));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad(
            "this endpoint hijacks the connection: send Connection: Upgrade and Upgrade: tcp",
        ))
    }
}

fn out_frame(s: Streams, stream: u8, data: &[u8]) -> Option<bytes::Bytes> {
    if (stream == 1 && !s.stdout) || (stream == 2 && !s.stderr) {
        return None;
    }
    Some(if s.tty {
        bytes::Bytes::copy_from_slice(data)
    } else {
        http::mux_frame(stream, data)
    })
}

/// `POST /containers/{id}/attach?stream&stdin&stdout&stderr&detachKeys`.
pub async fn attach(ctx: &Arc<Ctx>, id: &str, q: &Query, mut req: Request<Incoming>) -> ApiResult {
    require_upgrade(&req)?;
    let keys = parse_detach_keys(
        q.get("detachKeys")
            .filter(|k| !k.is_empty())
            .unwrap_or(DEFAULT_DETACH_KEYS),
    )?;
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    let info = blocking(move || crate::engine::container::get(&paths, &name)).await?;
    let rec = info.record;
    let streams = Streams {
        stdin: q.flag("stdin") && rec.interactive,
        stdout: q.flag("stdout"),
        stderr: q.flag("stderr"),
        tty: rec.tty,
    };
    let on_upgrade = hyper::upgrade::on(&mut req);
    let busy = ctx.activity.enter();
    let running = matches!(
        info.state.status,
        Status::Running | Status::Paused | Status::Restarting
    );
    if running {
        let sock = socket_path(&ctx.paths, &rec.id);
        let conn = tokio::net::UnixStream::connect(&sock)
            .await
            .map_err(|e| ApiError::internal(format!("attaching to {}: {e}", &rec.id[..12])))?;
        tokio::spawn(async move {
            if let Ok(up) = on_upgrade.await {
                attach_monitor(TokioIo::new(up), conn, streams, keys, busy).await;
            }
        });
    } else {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut m) = ctx.pending_attach.lock() {
            m.insert(rec.id.clone(), tx);
        }
        tokio::spawn(async move {
            if let Ok(up) = on_upgrade.await {
                attach_pending(TokioIo::new(up), rx, streams, keys, busy).await;
            }
        });
    }
    Ok(switching(rec.tty))
}

/// Relay between a client and a running container's monitor socket.
async fn attach_monitor<C>(
    client: C,
    mut mon: tokio::net::UnixStream,
    s: Streams,
    keys: Vec<u8>,
    _busy: Busy,
) where
    C: AsyncRead + AsyncWrite + Unpin,
{
    let (mut crd, mut cwr) = tokio::io::split(client);
    let mut matcher = DetachMatcher::new(keys);
    let mut inbuf = Vec::new();
    let mut cbuf = vec![0u8; 32 * 1024];
    let mut mbuf = vec![0u8; 64 * 1024];
    let mut client_open = true;
    loop {
        tokio::select! {
            n = crd.read(&mut cbuf), if client_open => match n {
                Ok(0) | Err(_) => client_open = false,
                Ok(n) => {
                    if !s.stdin {
                        continue;
                    }
                    let (pass, detach) = matcher.feed(&cbuf[..n]);
                    if !pass.is_empty() && mon.write_all(&frame(IN_STDIN, &pass)).await.is_err() {
                        break;
                    }
                    if detach {
                        break;
                    }
                }
            },
            n = mon.read(&mut mbuf) => match n {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    inbuf.extend_from_slice(&mbuf[..n]);
                    for (kind, data) in take_frames(&mut inbuf) {
                        let stream = if kind == OUT_STDERR { 2 } else { 1 };
                        if let Some(f) = out_frame(s, stream, &data) {
                            if cwr.write_all(&f).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            },
        }
    }
    let _ = cwr.shutdown().await;
}

/// Wait for the start request to hand over the monitor, then relay its pipes.
async fn attach_pending<C>(
    client: C,
    rx: oneshot::Receiver<Child>,
    s: Streams,
    keys: Vec<u8>,
    busy: Busy,
) where
    C: AsyncRead + AsyncWrite + Unpin,
{
    let Ok(child) = rx.await else {
        return;
    };
    relay_child(client, child, s, Some(keys), busy, Box::new(|_| {})).await;
}

fn receiver(fd: impl Into<std::os::fd::OwnedFd>) -> Option<tokio::net::unix::pipe::Receiver> {
    tokio::net::unix::pipe::Receiver::from_owned_fd(fd.into()).ok()
}

/// What to do with a relayed child's exit status (before the client sees the stream end).
pub type OnExit = Box<dyn FnOnce(Option<i32>) + Send>;

/// Relay between a client and a child whose stdio are pipes (a monitor started for this
/// attach, or an exec helper), then reap the child and report its exit status to `on_exit`
/// before the client's stream ends (docker's CLI asks for the exit code right after).
pub async fn relay_child<C>(
    client: C,
    mut child: Child,
    s: Streams,
    keys: Option<Vec<u8>>,
    _busy: Busy,
    on_exit: OnExit,
) where
    C: AsyncRead + AsyncWrite + Unpin,
{
    let mut stdin = child
        .stdin
        .take()
        .and_then(|p| tokio::net::unix::pipe::Sender::from_owned_fd(p.into()).ok());
    let mut out = child.stdout.take().and_then(receiver);
    let mut err = child.stderr.take().and_then(receiver);
    let (mut crd, mut cwr) = tokio::io::split(client);
    let mut matcher = keys.map(DetachMatcher::new);
    let (mut cbuf, mut obuf, mut ebuf) = (
        vec![0u8; 32 * 1024],
        vec![0u8; 64 * 1024],
        vec![0u8; 64 * 1024],
    );
    let mut client_in = true;
    let mut client_out = true;
    let mut detached = false;
    while (out.is_some() || err.is_some()) && client_out {
        tokio::select! {
            n = crd.read(&mut cbuf), if client_in && !detached => match n {
                Ok(0) | Err(_) => {
                    // Half-close: the container's stdin ends, its output still comes.
                    client_in = false;
                    stdin = None;
                }
                Ok(n) => {
                    if !s.stdin {
                        continue;
                    }
                    let (pass, detach) = match matcher.as_mut() {
                        Some(m) => m.feed(&cbuf[..n]),
                        None => (cbuf[..n].to_vec(), false),
                    };
                    if let Some(w) = stdin.as_mut() {
                        if !pass.is_empty() && w.write_all(&pass).await.is_err() {
                            stdin = None;
                        }
                    }
                    if detach {
                        detached = true;
                        client_out = false;
                        let _ = cwr.shutdown().await;
                    }
                }
            },
            n = read_opt(&mut out, &mut obuf) => match n {
                Some(n) if n > 0 => {
                    if client_out {
                        if let Some(f) = out_frame(s, 1, &obuf[..n]) {
                            client_out = cwr.write_all(&f).await.is_ok();
                        }
                    }
                }
                _ => out = None,
            },
            n = read_opt(&mut err, &mut ebuf) => match n {
                Some(n) if n > 0 => {
                    if client_out {
                        if let Some(f) = out_frame(s, 2, &ebuf[..n]) {
                            client_out = cwr.write_all(&f).await.is_ok();
                        }
                    }
                }
                _ => err = None,
            },
        }
    }
    // Detached: the container keeps its stdin (as docker leaves it); otherwise it ends here.
    let keep_stdin = if detached { stdin } else { None };
    if out.is_some() || err.is_some() {
        // Detached, or the client went away: the output goes on (the log has it) and must
        // be read away; the service need not stay for it.
        tokio::spawn(async move {
            let _stdin = keep_stdin;
            let (mut b1, mut b2) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
            while out.is_some() || err.is_some() {
                tokio::select! {
                    n = read_opt(&mut out, &mut b1) => if !matches!(n, Some(n) if n > 0) { out = None },
                    n = read_opt(&mut err, &mut b2) => if !matches!(n, Some(n) if n > 0) { err = None },
                }
            }
            let code =
                tokio::task::spawn_blocking(move || child.wait().ok().and_then(|s| s.code()))
                    .await
                    .ok()
                    .flatten();
            on_exit(code);
        });
        return;
    }
    let code = tokio::task::spawn_blocking(move || child.wait().ok().and_then(|s| s.code()))
        .await
        .ok()
        .flatten();
    on_exit(code);
    let _ = cwr.shutdown().await;
}

/// Read from an optional pipe; a missing one never becomes ready.
async fn read_opt(
    p: &mut Option<tokio::net::unix::pipe::Receiver>,
    buf: &mut [u8],
) -> Option<usize> {
    match p {
        Some(r) => r.read(buf).await.ok(),
        None => std::future::pending().await,
    }
}

/// A monitor nobody attached to after all: read its output away and reap it.
fn drain_child(mut child: Child) {
    drop(child.stdin.take());
    let out = child.stdout.take();
    let err = child.stderr.take();
    std::thread::spawn(move || {
        let e = err
            .map(|mut e| std::thread::spawn(move || std::io::copy(&mut e, &mut std::io::sink())));
        if let Some(mut o) = out {
            let _ = std::io::copy(&mut o, &mut std::io::sink());
        }
        if let Some(e) = e {
            let _ = e.join();
        }
        let _ = child.wait();
    });
}

/// `h` and `w` of a resize request.
pub fn terminal_size(q: &Query) -> Result<(u16, u16), ApiError> {
    let h = q.int("h")?.unwrap_or(0);
    let w = q.int("w")?.unwrap_or(0);
    match (u16::try_from(h), u16::try_from(w)) {
        (Ok(r), Ok(c)) => Ok((r, c)),
        _ => Err(ApiError::bad("invalid terminal size")),
    }
}

/// `POST /containers/{id}/resize?h&w`: the size of the container's terminal, through its
/// monitor.
pub async fn resize(ctx: &Arc<Ctx>, id: &str, q: &Query) -> ApiResult {
    let (rows, cols) = terminal_size(q)?;
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    let info = blocking(move || crate::engine::container::get(&paths, &name)).await?;
    if !info.state.status.is_up() {
        return Err(ApiError::conflict(format!(
            "Container {} is not running",
            &info.record.id
        )));
    }
    let sock = socket_path(&ctx.paths, &info.record.id);
    // Right after a start (docker's `run -it` resizes at once) the monitor may not listen yet.
    let mut tries = 0;
    let mut conn = loop {
        match tokio::net::UnixStream::connect(&sock).await {
            Ok(c) => break c,
            Err(_) if tries < 40 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
            Err(e) => return Err(ApiError::internal(format!("resizing: {e}"))),
        }
    };
    let mut d = rows.to_be_bytes().to_vec();
    d.extend_from_slice(&cols.to_be_bytes());
    conn.write_all(&frame(IN_RESIZE, &d))
        .await
        .map_err(|e| ApiError::internal(format!("resizing: {e}")))?;
    let _ = conn.shutdown().await;
    http::status_only(StatusCode::OK)
}
