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
use crate::engine::{Cancel, EngineError};

/// One image as `GET /images/json` lists it (`shared` and `containers` -1: not counted).
pub fn summary(i: &crate::image::ImageRecord, shared: i64, containers: i64) -> Value {
    json!({
        "Id": i.id,
        "ParentId": "",
        "RepoTags": if i.repo_tags.is_empty() { json!(["<none>:<none>"]) } else { json!(i.repo_tags) },
        "RepoDigests": if i.repo_digests.is_empty() { json!(["<none>@<none>"]) } else { json!(i.repo_digests) },
        "Created": i.created.as_deref().map(http::unix_secs).unwrap_or(0),
        "Size": i.size,
        "VirtualSize": i.size,
        "SharedSize": shared,
        "Labels": null,
        "Containers": containers,
    })
}

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
    let v: Vec<Value> = list.iter().map(|i| summary(i, -1, -1)).collect();
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
/// response with its status; after it, docker's `{"error": ...}` line ends the stream. The
/// operation is told (its `Cancel`) once the client has gone away.
async fn stream_op<F>(ctx: &Arc<Ctx>, op: F) -> ApiResult
where
    F: FnOnce(&mpsc::Sender<Bytes>, &Cancel) -> Result<(), EngineError> + Send + 'static,
{
    stream_as(ctx, "application/json", true, op).await
}

/// `stream_op` with a content type; without `error_line`, a failure after the first bytes
/// just ends the body early (a tar cannot carry a JSON error).
async fn stream_as<F>(
    ctx: &Arc<Ctx>,
    content_type: &'static str,
    error_line: bool,
    op: F,
) -> ApiResult
where
    F: FnOnce(&mpsc::Sender<Bytes>, &Cancel) -> Result<(), EngineError> + Send + 'static,
{
    let (tx, mut rx) = mpsc::channel::<Bytes>(64);
    let (done_tx, mut done_rx) = tokio::sync::oneshot::channel::<Result<(), ApiError>>();
    // The response body's sender: closed once hyper drops the body (the client left).
    let (out, resp) = http::channel(ctx.activity.enter(), content_type);
    let watch = out.clone();
    let cancel = Cancel::when(move || watch.is_closed());
    tokio::task::spawn_blocking(move || {
        let r = op(&tx, &cancel).map_err(ApiError::from);
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
        match done_rx.await {
            Ok(Err(e)) if error_line => {
                let _ = out.send(self::error_line(&e)).await;
            }
            Ok(Err(e)) => tracing::warn!("stream ended early: {}", e.message),
            _ => {}
        }
    });
    Ok(resp)
}

/// Credentials that come with a request.
#[derive(Debug, Clone, Default)]
pub struct RequestAuth {
    pub username: String,
    pub password: String,
    pub server: Option<String>,
}

impl RequestAuth {
    /// docker's auth JSON (`X-Registry-Auth`, `POST /auth`): `username`/`password`, or an
    /// `auth` of base64 `user:password`; `serveraddress`. None when it names nobody.
    pub fn from_json(v: &Value) -> Result<Option<RequestAuth>, ApiError> {
        let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        let (mut username, mut password) = (text("username"), text("password"));
        if username.is_empty() {
            if let Some(a) = v["auth"].as_str().filter(|a| !a.is_empty()) {
                use base64::Engine as _;
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(a)
                    .map_err(|e| ApiError::bad(format!("invalid auth: {e}")))?;
                let raw = String::from_utf8_lossy(&raw).into_owned();
                if let Some((u, p)) = raw.split_once(':') {
                    (username, password) = (u.to_string(), p.to_string());
                }
            }
        }
        if username.is_empty() {
            return Ok(None);
        }
        let server = Some(text("serveraddress")).filter(|s| !s.is_empty());
        Ok(Some(RequestAuth {
            username,
            password,
            server,
        }))
    }

    /// `X-Registry-Auth`: base64url JSON (padded or not; docker's clients differ).
    pub fn from_header(req: &Request<Incoming>) -> Result<Option<RequestAuth>, ApiError> {
        use base64::Engine as _;
        let Some(h) = req.headers().get("X-Registry-Auth") else {
            return Ok(None);
        };
        let raw = h.as_bytes();
        if raw.is_empty() {
            return Ok(None);
        }
        let e = &base64::engine::general_purpose::URL_SAFE;
        let decoded = e
            .decode(raw)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(raw))
            .or_else(|_| base64::engine::general_purpose::STANDARD.decode(raw))
            .map_err(|e| ApiError::bad(format!("invalid X-Registry-Auth header: {e}")))?;
        let v: Value = serde_json::from_slice(&decoded)
            .map_err(|e| ApiError::bad(format!("invalid X-Registry-Auth header: {e}")))?;
        RequestAuth::from_json(&v)
    }

    /// Run `f` with these credentials for `image`'s registry (or the one named).
    pub fn run<T>(auth: &Option<RequestAuth>, image: &str, f: impl FnOnce() -> T) -> T {
        match auth {
            Some(a) => img::with_request_credentials(
                a.server.as_deref(),
                image,
                &a.username,
                &a.password,
                f,
            ),
            None => f(),
        }
    }
}

/// `POST /images/create?fromImage&tag`: pull, with docker's JSON progress, with the
/// credentials of `X-Registry-Auth` if it names some.
pub async fn create(ctx: &Arc<Ctx>, q: &Query, req: Request<Incoming>) -> ApiResult {
    let auth = RequestAuth::from_header(&req)?;
    let Some(from) = q.get("fromImage").filter(|s| !s.is_empty()) else {
        return Err(ApiError::bad("fromImage is required"));
    };
    let name = match q.get("tag").filter(|t| !t.is_empty()) {
        Some(t) if t.contains(':') => format!("{from}@{t}"),
        Some(t) => format!("{from}:{t}"),
        None => from.to_string(),
    };
    let paths = ctx.paths.clone();
    stream_op(ctx, move |tx, cancel| {
        let opts = img::PullOptions {
            quiet: false,
            tls_verify: true,
        };
        // A client that leaves cancels its pull, as docker's daemon does.
        RequestAuth::run(&auth, &name, || {
            img::pull_cancellable(&paths, &name, &opts, cancel, &mut |ev| {
                let m = pull_message(&ev);
                if !m.is_null() {
                    let _ = tx.blocking_send(line(&m));
                }
            })
        })?;
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
pub async fn push(ctx: &Arc<Ctx>, name: &str, q: &Query, req: Request<Incoming>) -> ApiResult {
    let auth = RequestAuth::from_header(&req)?;
    let target = match q.get("tag").filter(|t| !t.is_empty()) {
        Some(t) => format!("{name}:{t}"),
        None => name.to_string(),
    };
    let paths = ctx.paths.clone();
    stream_op(ctx, move |tx, _| {
        let mut out = JsonLines {
            tx,
            buf: Vec::new(),
        };
        RequestAuth::run(&auth, &target, || {
            img::push(&paths, &target, None, true, false, &mut out)
        })?;
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

/// Bytes written by the engine, sent on as body chunks (a tar being written).
struct ChunkWriter<'a> {
    tx: &'a mpsc::Sender<Bytes>,
    buf: Vec<u8>,
}

impl ChunkWriter<'_> {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx
            .blocking_send(chunk)
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

impl Write for ChunkWriter<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 256 * 1024 {
            self.send()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// `GET /images/get?names=A&names=B` and `GET /images/{name}/get`: a docker archive of the
/// images (as `docker save`), streamed as it is written.
pub async fn get(ctx: &Arc<Ctx>, names: Vec<String>) -> ApiResult {
    if names.is_empty() {
        return Err(ApiError::bad("no image names given"));
    }
    let paths = ctx.paths.clone();
    let first = names[0].clone();
    stream_as(ctx, "application/x-tar", false, move |tx, _| {
        let mut w = ChunkWriter {
            tx,
            buf: Vec::new(),
        };
        img::save(&paths, &names, img::ArchiveFormat::Docker, &mut w)?;
        w.send().map_err(EngineError::io("sending the archive"))
    })
    .await
    .map_err(|e| image_error(&first)(e))
}

/// `POST /images/load?quiet`: a docker or OCI archive on the body; docker's JSON messages
/// `{"stream": "Loaded image: NAME\n"}` (the same with `quiet`: there is no progress to hide).
pub async fn load(ctx: &Arc<Ctx>, req: Request<Incoming>) -> ApiResult {
    let (tx, reader) = super::archive::body_channel(16);
    let paths = ctx.paths.clone();
    let work = tokio::task::spawn_blocking(move || img::load(&paths, Box::new(reader)));
    let failed = super::archive::feed_body(req, tx).await.err();
    let loaded = work
        .await
        .map_err(|e| ApiError::internal(format!("the load failed: {e}")))?;
    if let Some(e) = failed {
        return Err(e);
    }
    let loaded = loaded.map_err(ApiError::from)?;
    let mut body = Vec::new();
    for l in loaded {
        body.extend_from_slice(&line(&json!({ "stream": format!("{l}\n") })));
    }
    let mut r = hyper::Response::new(http::full(body));
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    Ok(r)
}

/// `GET /images/search?term&limit&filters`: the registry's search results, filtered by
/// `stars`, `is-official` and `is-automated` as docker's daemon does.
pub async fn search(q: &Query) -> ApiResult {
    let term = q
        .get("term")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::bad("term is required"))?
        .to_string();
    let limit = match q.int("limit")? {
        None => 25,
        Some(n) if (1..=100).contains(&n) => n as u32,
        Some(n) => {
            return Err(ApiError::bad(format!(
                "limit {n} is outside the range of [1, 100]"
            )))
        }
    };
    let (mut min_stars, mut official, mut automated) = (0i64, None, None);
    for f in q.filters()? {
        let (k, v) = f.split_once('=').unwrap_or((f.as_str(), ""));
        let flag = |v: &str| match v {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(ApiError::bad(format!("invalid filter '{k}={v}'"))),
        };
        match k {
            "stars" => {
                min_stars = v
                    .parse()
                    .map_err(|_| ApiError::bad(format!("invalid filter 'stars={v}'")))?
            }
            "is-official" => official = Some(flag(v)?),
            "is-automated" => automated = Some(flag(v)?),
            _ => return Err(ApiError::bad(format!("invalid filter '{k}'"))),
        }
    }
    let results = blocking(move || img::search(&term, limit, true)).await?;
    let v: Vec<Value> = results
        .into_iter()
        .filter(|r| r["star_count"].as_i64().unwrap_or(0) >= min_stars)
        .filter(|r| official.is_none_or(|o| r["is_official"].as_bool().unwrap_or(false) == o))
        .filter(|r| automated.is_none_or(|a| r["is_automated"].as_bool().unwrap_or(false) == a))
        .collect();
    http::json(&Value::Array(v))
}
