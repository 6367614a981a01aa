//! System endpoints: `/_ping`, `/version`, `/info` and the streamed `/events`.
use std::sync::Arc;

use hyper::header::HeaderValue;
use hyper::{Method, Response};
use serde_json::json;

use super::http::{self, blocking, ApiResult, Query};
use super::routes::{API_VERSION, MIN_API_VERSION};
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
                    .map_err(|_| crate::engine::EngineError::Usage("the client went away".into()))
            },
            &|| !gone.is_closed(),
        );
    });
    Ok(resp)
}
