//! `/containers/{id}/archive`: HEAD (the path's metadata in `X-Docker-Container-Path-Stat`),
//! GET (a tar of the path, streamed) and PUT (a tar extracted into a directory), as the
//! docker CLI's `cp` uses them. The copies run in the engine's copy helpers.
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request, Response, StatusCode};
use tokio::sync::mpsc;

use super::http::{self, blocking, ApiError, ApiResult, Query};
use super::Ctx;
use crate::engine::cp;

fn path_of(q: &Query) -> Result<String, ApiError> {
    let p = q
        .get("path")
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::bad("path is required"))?;
    Ok(if p.starts_with('/') {
        p.to_string()
    } else {
        format!("/{p}")
    })
}

async fn stat(ctx: &Arc<Ctx>, id: &str, path: &str) -> Result<HeaderValue, ApiError> {
    let (paths, name, p) = (ctx.paths.clone(), id.to_string(), path.to_string());
    let st = blocking(move || cp::stat(&paths, &name, &p)).await?;
    let json = serde_json::to_vec(&st).map_err(|e| ApiError::internal(e.to_string()))?;
    HeaderValue::from_str(&base64::engine::general_purpose::STANDARD.encode(json))
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// `HEAD /containers/{id}/archive?path`.
pub async fn head(ctx: &Arc<Ctx>, id: &str, q: &Query) -> ApiResult {
    let path = path_of(q)?;
    let h = stat(ctx, id, &path).await?;
    let mut r = Response::new(http::empty());
    r.headers_mut().insert("X-Docker-Container-Path-Stat", h);
    Ok(r)
}

/// `GET /containers/{id}/archive?path`: the tar, streamed as the helper writes it.
pub async fn get(ctx: &Arc<Ctx>, id: &str, q: &Query) -> ApiResult {
    let path = path_of(q)?;
    let h = stat(ctx, id, &path).await?;
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    let child = blocking(move || cp::archive_out(&paths, &name, &path)).await?;
    let (tx, mut resp) = http::channel(ctx.activity.enter(), "application/x-tar");
    resp.headers_mut().insert("X-Docker-Container-Path-Stat", h);
    tokio::task::spawn_blocking(move || {
        let mut child = child;
        if let Some(mut out) = child.stdout.take() {
            let mut buf = vec![0u8; 256 * 1024];
            loop {
                match out.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.blocking_send(Bytes::copy_from_slice(&buf[..n])).is_err() {
                            break;
                        }
                    }
                }
            }
        }
        if let Err(e) = cp::finish_archive(child) {
            tracing::warn!("archive: {e}");
        }
    });
    Ok(resp)
}

/// A blocking reader over the chunks of a request body. A body that ended early (the client
/// went away mid-upload) is an error for the reader, never a clean end: a truncated tar must
/// not be taken for a whole one.
pub struct ChanReader {
    rx: mpsc::Receiver<Bytes>,
    cur: Bytes,
    complete: Arc<AtomicBool>,
}

/// The sending side of a `ChanReader`: fed by `feed_body`.
pub struct BodySender {
    tx: mpsc::Sender<Bytes>,
    complete: Arc<AtomicBool>,
}

/// A request body's way to a blocking reader, `depth` chunks deep.
pub fn body_channel(depth: usize) -> (BodySender, ChanReader) {
    let (tx, rx) = mpsc::channel(depth);
    let complete = Arc::new(AtomicBool::new(false));
    (
        BodySender {
            tx,
            complete: complete.clone(),
        },
        ChanReader {
            rx,
            cur: Bytes::new(),
            complete,
        },
    )
}

/// Feed a request body into `tx` chunk by chunk (the reader on the other side is blocking);
/// an error if the body could not be read to its end.
pub async fn feed_body(req: Request<Incoming>, tx: BodySender) -> Result<(), ApiError> {
    let mut body = req.into_body();
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(f) => {
                if let Ok(data) = f.into_data() {
                    if tx.tx.send(data).await.is_err() {
                        // The reader stopped (it had what it wanted, or failed).
                        return Ok(());
                    }
                }
            }
            Err(e) => return Err(ApiError::bad(format!("reading the request body: {e}"))),
        }
    }
    // Before the sender drops: the reader's end of data is then the body's real end.
    tx.complete.store(true, Ordering::SeqCst);
    Ok(())
}

impl Read for ChanReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.cur.is_empty() {
            match self.rx.blocking_recv() {
                Some(b) => self.cur = b,
                None if self.complete.load(Ordering::SeqCst) => return Ok(0),
                None => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the request body ended early (the client went away)",
                    ))
                }
            }
        }
        let n = buf.len().min(self.cur.len());
        buf[..n].copy_from_slice(&self.cur[..n]);
        self.cur = self.cur.slice(n..);
        Ok(n)
    }
}

/// `PUT /containers/{id}/archive?path`: extract the body (a tar) into the directory `path`.
pub async fn put(ctx: &Arc<Ctx>, id: &str, q: &Query, req: Request<Incoming>) -> ApiResult {
    let path = path_of(q)?;
    let (tx, mut r) = body_channel(16);
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    let work = tokio::task::spawn_blocking(move || {
        let res = cp::archive_in(&paths, &name, &path, &mut r);
        // Read away what the helper did not take, so the sender never waits on us.
        let _ = std::io::copy(&mut r, &mut std::io::sink());
        res
    });
    let failed = feed_body(req, tx).await.err();
    let res = work
        .await
        .map_err(|e| ApiError::internal(format!("the copy failed: {e}")))?;
    if let Some(e) = failed {
        return Err(e);
    }
    res.map_err(ApiError::from)?;
    http::status_only(StatusCode::OK)
}
