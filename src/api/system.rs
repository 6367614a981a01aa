//! System endpoints: `/_ping`, `/version`, `/info`, the streamed `/events`, `/system/df`
//! and `/auth`; and `system dial-stdio`, the docker CLI's transport over ssh.
use std::sync::Arc;

use hyper::header::HeaderValue;
use hyper::{Method, Response};
use serde_json::json;

use super::http::{self, blocking, ApiError, ApiResult, Query};
use super::version::{API_VERSION, MIN_API_VERSION};
use super::Ctx;

/// `GET|HEAD /_ping`: `OK`, with the headers clients negotiate from.
pub fn ping(m: &Method) -> ApiResult {
    let body = if m == Method::HEAD { "" } else { "OK" };
    let mut r = Response::new(http::full(body));
    let h = r.headers_mut();
    h.insert(
        "Content-Type",
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(
        "Cache-Control",
        HeaderValue::from_static("no-cache, no-store, must-revalidate"),
    );
    h.insert("Pragma", HeaderValue::from_static("no-cache"));
    // The legacy builder: BuildKit's session protocol is not served.
    h.insert("Builder-Version", HeaderValue::from_static("1"));
    Ok(r)
}

fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// `GET /version`.
pub fn version() -> ApiResult {
    let kernel = nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default();
    let v = env!("CARGO_PKG_VERSION");
    http::json(&json!({
        "Platform": {"Name": "skiff"},
        "Components": [{
            "Name": "Engine",
            "Version": v,
            "Details": {
                "ApiVersion": API_VERSION,
                "MinAPIVersion": MIN_API_VERSION,
                "Os": "linux",
                "Arch": arch(),
                "KernelVersion": kernel,
            },
        }],
        "Version": v,
        "ApiVersion": API_VERSION,
        "MinAPIVersion": MIN_API_VERSION,
        "GitCommit": "",
        "GoVersion": "",
        "Os": "linux",
        "Arch": arch(),
        "KernelVersion": kernel,
        "BuildTime": "",
    }))
}

/// `GET /info`: the engine's `info` object, which already has docker's field names.
pub async fn info(ctx: &Arc<Ctx>) -> ApiResult {
    let paths = ctx.paths.clone();
    let v = blocking(move || crate::engine::info::info(&paths)).await?;
    http::json(&v)
}

/// `GET /events`: docker's JSON events, one object per line, as they happen (or up to
/// `until`). Stops when the client goes away.
pub async fn events(ctx: &Arc<Ctx>, q: &Query) -> ApiResult {
    let filters = q.filters()?;
    let query = crate::engine::events::EventQuery::parse(q.get("since"), q.get("until"), &filters)
        .map_err(http::ApiError::from)?;
    let (tx, resp) = http::channel(ctx.activity.enter(), "application/json");
    let paths = ctx.paths.clone();
    tokio::task::spawn_blocking(move || {
        let gone = tx.clone();
        let _ = crate::engine::events::stream(
            &paths,
            &query,
            &mut |e| {
                let mut line = serde_json::to_vec(e).unwrap_or_default();
                line.push(b'\n');
                tx.blocking_send(line.into())
                    .map_err(|_| crate::engine::EngineError::Cancelled)
            },
            &|| !gone.is_closed(),
        );
    });
    Ok(resp)
}

/// `GET /system/df`: images (with their shared bytes and containers), containers with their
/// sizes, volumes with their usage; the docker CLI's `system df` sums them.
pub async fn df(ctx: &Arc<Ctx>) -> ApiResult {
    let paths = ctx.paths.clone();
    let v = blocking(move || {
        let (images, layers) = crate::engine::info::image_usage(&paths)?;
        let query = crate::engine::ps::PsQuery {
            all: true,
            last: None,
            filters: Vec::new(),
            size: true,
        };
        let containers: Vec<serde_json::Value> = crate::engine::ps::ps(&paths, &query)?
            .iter()
            .map(|e| super::containers::list_entry(&paths, e))
            .collect();
        let filters = crate::engine::volume::Filters::parse(&[], &[])?;
        let volumes: Vec<serde_json::Value> = crate::engine::volume::list(&paths, &filters)?
            .iter()
            .map(|v| {
                let mut j = crate::engine::volume::inspect_json(v);
                j["UsageData"] = json!({
                    "Size": crate::engine::ps::dir_size(std::path::Path::new(&v.mountpoint)),
                    "RefCount": v.users.len(),
                });
                j
            })
            .collect();
        Ok(json!({
            "LayersSize": layers,
            "Images": images
                .iter()
                .map(|u| super::images::summary(&u.image, u.shared as i64, u.containers as i64))
                .collect::<Vec<_>>(),
            "Containers": containers,
            "Volumes": volumes,
            "BuildCache": [],
        }))
    })
    .await?;
    http::json(&v)
}

/// `POST /auth` with docker's auth JSON: the credentials checked against the registry as
/// `skiff login` does; nothing is stored (docker's client keeps them itself).
pub async fn auth(req: hyper::Request<hyper::body::Incoming>) -> ApiResult {
    let body = http::read_json(req).await?;
    if !body.is_object() {
        return Err(ApiError::bad("invalid auth configuration"));
    }
    let a = super::images::RequestAuth::from_json(&body)?
        .ok_or_else(|| ApiError::bad("Error: Non-null Username Required"))?;
    let ok = blocking(move || {
        crate::engine::image::check_login(a.server.as_deref(), &a.username, &a.password, true)
    })
    .await?;
    // docker's daemon hands back the token server's refresh token; its client stores it.
    http::json(&json!({
        "Status": "Login Succeeded",
        "IdentityToken": ok.identity_token.unwrap_or_default(),
    }))
}

/// `system dial-stdio`: connect to the service's default socket (starting a service that
/// exits when idle if none listens, as socket activation would) and copy our stdin to it and
/// its answers to our stdout, each way until it ends: the docker CLI runs this over ssh for
/// an `ssh://` host. Plain blocking copies on two threads: there is nothing to parse.
pub fn dial_stdio(paths: &crate::state::Paths) -> Result<(), crate::engine::EngineError> {
    use crate::engine::EngineError;
    use std::net::Shutdown;
    let socket = super::default_socket(paths);
    let conn = match std::os::unix::net::UnixStream::connect(&socket) {
        Ok(c) => c,
        Err(_) => {
            // The docker CLI opens several connections at once: one of us starts the
            // service, the others wait for it (two services would each take the socket).
            let lock_path = socket.with_extension("lock");
            if let Some(dir) = lock_path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(EngineError::io(format!("creating {}", dir.display())))?;
            }
            let lock = std::fs::File::create(&lock_path)
                .map_err(EngineError::io(format!("opening {}", lock_path.display())))?;
            lock.lock()
                .map_err(EngineError::io(format!("locking {}", lock_path.display())))?;
            match std::os::unix::net::UnixStream::connect(&socket) {
                Ok(c) => c,
                Err(_) => start_service(&socket)?,
            }
        }
    };
    let mut to_service = conn
        .try_clone()
        .map_err(EngineError::io("the service connection"))?;
    // Not joined: once the answers end we are done, even if our stdin has not.
    std::thread::spawn(move || {
        let _ = pump(&mut std::io::stdin(), &mut to_service);
        // Our stdin ended: the service sees the end of the request stream.
        let _ = to_service.shutdown(Shutdown::Write);
    });
    let mut from_service = &conn;
    let copied = pump(&mut from_service, &mut std::io::stdout());
    let _ = conn.shutdown(Shutdown::Both);
    copied.map_err(EngineError::io("copying the service's answers"))?;
    Ok(())
}

/// Copy as bytes come, each read written on at once. (Not `std::io::copy`: between a pipe
/// and a socket it splices, and a splice from the pipe waited for more than the client had
/// sent, so a keep-alive client's next request never went through.)
fn pump(from: &mut dyn std::io::Read, to: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        to.write_all(&buf[..n])?;
        to.flush()?;
    }
}

/// Start `skiff system service` on `socket` in its own session (it exits after 5 idle
/// seconds) and connect once it listens.
fn start_service(
    socket: &std::path::Path,
) -> Result<std::os::unix::net::UnixStream, crate::engine::EngineError> {
    use crate::engine::EngineError;
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe().map_err(EngineError::io("finding skiff's own binary"))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["system", "service", "--time", "5"])
        .arg(format!("unix://{}", socket.display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(EngineError::io("starting skiff system service"))?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Ok(c) = std::os::unix::net::UnixStream::connect(socket) {
            // Reaped by init once we exit; it outlives us on purpose.
            drop(child);
            return Ok(c);
        }
        if let Ok(Some(st)) = child.try_wait() {
            // Another dial-stdio's service may have won the socket.
            if let Ok(c) = std::os::unix::net::UnixStream::connect(socket) {
                return Ok(c);
            }
            return Err(EngineError::Internal(format!(
                "the API service did not start on {} ({st})",
                socket.display()
            )));
        }
        if std::time::Instant::now() > deadline {
            return Err(EngineError::Internal(format!(
                "no API service answers on {}",
                socket.display()
            )));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
