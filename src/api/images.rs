//! Image endpoints: list, pull (`POST /images/create`, streamed JSON progress), inspect,
//! history, tag, push (streamed), remove and prune.
use std::io::Write;
use std::sync::Arc;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::http::{self, blocking, ApiError, ApiResult, Query};
use super::Ctx;
use crate::engine::image::{self as img, PullEvent};
use crate::engine::EngineError;

/// `GET /images/json`.
pub async fn list(ctx: &Arc<Ctx>, q: &Query) -> ApiResult {
    let filters = img::ImageFilters::parse(&q.filters()?)?;
    let all = q.flag("all");
    let paths = ctx.paths.clone();
    let list = blocking(move || {
        let list = img::list_filtered(&paths, &filters)?;
        let _ = all; // skiff keeps no intermediate layers as images
        Ok(list)
    })
    .await?;
    let v: Vec<Value> = list
        .iter()
        .map(|i| {
            json!({
                "Id": i.id,
                "ParentId": "",
                "RepoTags": if i.repo_tags.is_empty() { json!(["<none>:<none>"]) } else { json!(i.repo_tags) },
                "RepoDigests": if i.repo_digests.is_empty() { json!(["<none>@<none>"]) } else { json!(i.repo_digests) },
                "Created": i.created.as_deref().map(http::unix_secs).unwrap_or(0),
                "Size": i.size,
                "VirtualSize": i.size,
                "SharedSize": -1,
                "Labels": null,
                "Containers": -1,
            })
        })
        .collect();
    http::json(&Value::Array(v))
}

/// docker's JSON progress message for a pull event.
fn pull_message(ev: &PullEvent) -> Value {
    match ev {
        // docker's CLI says that itself; the daemon's stream starts with the pull proper.
        PullEvent::UsingDefaultTag => Value::Null,
        PullEvent::Pulling { what, repository } => {
            json!({"status": format!("Pulling from {repository}"), "id": what})
        }
        PullEvent::LayerQueued { id } => {
            json!({"status": "Pulling fs layer", "progressDetail": {}, "id": id})
        }
        PullEvent::LayerExists { id } => {
            json!({"status": "Already exists", "progressDetail": {}, "id": id})
        }
        PullEvent::LayerProgress { id, current, total } => json!({
            "status": "Downloading",
            "progressDetail": {"current": current, "total": total},
            "id": id,
        }),
        PullEvent::LayerDownloaded { id } => {
            json!({"status": "Download complete", "progressDetail": {}, "id": id})
        }
        PullEvent::LayerExtracting { id } => {
            json!({"status": "Extracting", "progressDetail": {}, "id": id})
        }
        PullEvent::LayerComplete { id } => {
            json!({"status": "Pull complete", "progressDetail": {}, "id": id})
        }
        PullEvent::Digest(d) => json!({"status": format!("Digest: {d}")}),
        PullEvent::Status { up_to_date, name } => json!({"status": if *up_to_date {
            format!("Status: Image is up to date for {name}")
        } else {
            format!("Status: Downloaded newer image for {name}")
        }}),
        PullEvent::Done(_) => Value::Null,
    }
}

fn line(v: &Value) -> Bytes {
    let mut b = serde_json::to_vec(v).unwrap_or_default();
    b.push(b'\n');
    b.into()
}

fn error_line(e: &ApiError) -> Bytes {
    line(&json!({"errorDetail": {"message": e.message}, "error": e.message}))
}

/// Run a streaming operation: an error before its first message is an ordinary error
/// response with its status; after it, docker's `{"error": ...}` line ends the stream.
async fn stream_op<F>(ctx: &Arc<Ctx>, op: F) -> ApiResult
where
    F: FnOnce(&mpsc::Sender<Bytes>) -> Result<(), EngineError> + Send + 'static,
{
    let (tx, mut rx) = mpsc::channel::<Bytes>(64);
    let (done_tx, mut done_rx) = tokio::sync::oneshot::channel::<Result<(), ApiError>>();
    tokio::task::spawn_blocking(move || {
        let r = op(&tx).map_err(ApiError::from);
        let _ = done_tx.send(r);
    });
    // The channel closes when the operation ends: then its result decides.
    let first = match rx.recv().await {
        Some(m) => Some(m),
        None => match (&mut done_rx).await {
            Ok(Err(e)) => return Err(e),
            _ => None,
        },
    };
    let (out, resp) = http::channel(ctx.activity.enter(), "application/json");
    tokio::spawn(async move {
        if let Some(m) = first {
            if out.send(m).await.is_err() {
                return;
            }
        }
        while let Some(m) = rx.recv().await {
            if out.send(m).await.is_err() {
                return;
            }
        }
        if let Ok(Err(e)) = done_rx.await {
            let _ = out.send(error_line(&e)).await;
        }
    });
    Ok(resp)
}

/// `POST /images/create?fromImage&tag`: pull, with docker's JSON progress.
pub async fn create(ctx: &Arc<Ctx>, q: &Query, _req: Request<Incoming>) -> ApiResult {
    let Some(from) = q.get("fromImage").filter(|s| !s.is_empty()) else {
        return Err(ApiError::bad(
            "only pulls (fromImage) are supported by skiff's service; import with `skiff import`",
        ));
    };
    let name = match q.get("tag").filter(|t| !t.is_empty()) {
        Some(t) if t.contains(':') => format!("{from}@{t}"),
        Some(t) => format!("{from}:{t}"),
        None => from.to_string(),
    };
    let paths = ctx.paths.clone();
    stream_op(ctx, move |tx| {
        let opts = img::PullOptions {
            quiet: false,
            tls_verify: true,
        };
        img::pull_with_events(&paths, &name, &opts, &mut |ev| {
            let m = pull_message(&ev);
            if !m.is_null() {
                let _ = tx.blocking_send(line(&m));
            }
        })?;
        img::pull_event(&paths, &name);
        Ok(())
    })
    .await
}

/// docker's name for an image that is not there: `busybox` is `busybox:latest`; IDs and
/// digests stay as given.
pub fn no_such_image(name: &str) -> ApiError {
    let shown = match crate::image::Reference::parse(name) {
        Ok(r) if !name.starts_with("sha256:") && r.digest.is_none() => r.familiar_tagged(),
        _ => name.to_string(),
    };
    ApiError::not_found(format!("No such image: {shown}"))
}

/// An engine error about `name`, with docker's "No such image" wording when it is missing.
fn image_error(name: &str) -> impl FnOnce(ApiError) -> ApiError + '_ {
    move |e| {
        if e.status == StatusCode::NOT_FOUND && e.message.starts_with("No such image") {
            no_such_image(name)
        } else {
            e
        }
    }
}

/// `GET /images/{name}/json`.
pub async fn inspect(ctx: &Arc<Ctx>, name: &str) -> ApiResult {
    let (paths, n) = (ctx.paths.clone(), name.to_string());
    match blocking(move || img::inspect(&paths, &n))
        .await
        .map_err(image_error(name))?
    {
        Some(v) => http::json(&v),
        None => Err(no_such_image(name)),
    }
}

/// `GET /images/{name}/history`.
pub async fn history(ctx: &Arc<Ctx>, name: &str) -> ApiResult {
    let (paths, n) = (ctx.paths.clone(), name.to_string());
    let h = blocking(move || img::history(&paths, &n))
        .await
        .map_err(image_error(name))?;
    let v: Vec<Value> = h
        .iter()
        .map(|e| {
            json!({
                "Id": e.id,
                "Created": e.created.as_deref().map(http::unix_secs).unwrap_or(0),
                "CreatedBy": e.created_by,
                "Tags": null,
                "Size": e.size,
                "Comment": e.comment,
            })
        })
        .collect();
    http::json(&Value::Array(v))
}

/// `POST /images/{name}/tag?repo&tag`.
pub async fn tag(ctx: &Arc<Ctx>, name: &str, q: &Query) -> ApiResult {
    let repo = q
        .get("repo")
        .filter(|r| !r.is_empty())
        .ok_or_else(|| ApiError::bad("repository name must have at least one component"))?;
    let target = match q.get("tag").filter(|t| !t.is_empty()) {
        Some(t) => format!("{repo}:{t}"),
        None => repo.to_string(),
    };
    let (paths, n) = (ctx.paths.clone(), name.to_string());
    blocking(move || img::tag(&paths, &n, &target))
        .await
        .map_err(image_error(name))?;
    http::status_only(StatusCode::CREATED)
}

/// Lines the engine writes, as docker's JSON messages (`ID: status` keeps its ID).
struct JsonLines<'a> {
    tx: &'a mpsc::Sender<Bytes>,
    buf: Vec<u8>,
}

impl Write for JsonLines<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        while let Some(i) = self.buf.iter().position(|b| *b == b'\n') {
            let l: Vec<u8> = self.buf.drain(..=i).collect();
            let l = String::from_utf8_lossy(&l).trim_end().to_string();
            let msg = match l.split_once(": ") {
                Some((id, status))
                    if id.len() == 12 && id.chars().all(|c| c.is_ascii_hexdigit()) =>
                {
                    json!({"status": status, "progressDetail": {}, "id": id})
                }
                _ => json!({"status": l}),
            };
            self.tx
                .blocking_send(line(&msg))
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `POST /images/{name}/push?tag`: streamed like docker's.
pub async fn push(ctx: &Arc<Ctx>, name: &str, q: &Query, _req: Request<Incoming>) -> ApiResult {
    let target = match q.get("tag").filter(|t| !t.is_empty()) {
        Some(t) => format!("{name}:{t}"),
        None => name.to_string(),
    };
    let paths = ctx.paths.clone();
    stream_op(ctx, move |tx| {
        let mut out = JsonLines {
            tx,
            buf: Vec::new(),
        };
        img::push(&paths, &target, None, true, false, &mut out)?;
        Ok(())
    })
    .await
}

/// `DELETE /images/{name}?force&noprune`.
pub async fn remove(ctx: &Arc<Ctx>, name: &str, q: &Query) -> ApiResult {
    let force = q.flag("force");
    let (paths, n) = (ctx.paths.clone(), name.to_string());
    let r = blocking(move || img::remove(&paths, &n, force))
        .await
        .map_err(image_error(name))?;
    let mut v: Vec<Value> = r.untagged.iter().map(|u| json!({"Untagged": u})).collect();
    v.extend(r.deleted.iter().map(|d| json!({"Deleted": d})));
    http::json(&Value::Array(v))
}

/// `POST /images/prune?filters`.
pub async fn prune(ctx: &Arc<Ctx>, q: &Query) -> ApiResult {
    let mut raw = q.filters()?;
    let mut all = false;
    raw.retain(|f| match f.as_str() {
        "dangling=false" | "dangling=0" => {
            all = true;
            false
        }
        "dangling=true" | "dangling=1" => false,
        _ => true,
    });
    let filters = img::ImageFilters::parse(&raw)?;
    let paths = ctx.paths.clone();
    let r = blocking(move || img::prune(&paths, all, &filters)).await?;
    let mut deleted: Vec<Value> = r.untagged.iter().map(|u| json!({"Untagged": u})).collect();
    deleted.extend(r.deleted.iter().map(|d| json!({"Deleted": d})));
    http::json(&json!({"ImagesDeleted": deleted, "SpaceReclaimed": r.reclaimed}))
}
