//! The route table: the optional `/vX.Y` prefix (checked against the versions served), then
//! the method and path to a handler. Every response carries docker's `Api-Version`, `Ostype`
//! and `Server` headers.
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Method, Request};

use super::http::{ApiError, ApiResult, Query, Resp};
use super::version::{check_version, split_version, API_VERSION};
use super::{
    archive, build, commit, containers, exec, hijack, images, networks, stats, system, volumes, Ctx,
};

/// Serve one request; errors become docker's JSON errors.
pub async fn handle(ctx: Arc<Ctx>, req: Request<Incoming>) -> Resp {
    let _busy = ctx.activity.enter();
    let path = req.uri().path().to_string();
    let (version, rest) = split_version(&path);
    let result = match version.map(check_version) {
        Some(Err(e)) => Err(e),
        _ => route(ctx.clone(), req, rest).await,
    };
    let mut resp = result.unwrap_or_else(ApiError::into_response);
    let h = resp.headers_mut();
    h.insert("Api-Version", HeaderValue::from_static(API_VERSION));
    h.insert("Docker-Experimental", HeaderValue::from_static("false"));
    h.insert("Ostype", HeaderValue::from_static("linux"));
    h.insert(
        hyper::header::SERVER,
        HeaderValue::from_static(concat!("skiff/", env!("CARGO_PKG_VERSION"), " (linux)")),
    );
    resp
}

/// Percent-decoded path segments.
fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

async fn route(ctx: Arc<Ctx>, req: Request<Incoming>, path: &str) -> ApiResult {
    let q = Query::parse(req.uri().query());
    let seg = segments(path);
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    let m = req.method().clone();
    match (&m, s.as_slice()) {
        (&Method::GET | &Method::HEAD, ["_ping"]) => system::ping(&m),
        (&Method::GET, ["version"]) => system::version(),
        (&Method::GET, ["info"]) => system::info(&ctx).await,
        (&Method::GET, ["events"]) => system::events(&ctx, &q).await,
        (&Method::GET, ["system", "df"]) => system::df(&ctx).await,
        (&Method::POST, ["auth"]) => system::auth(req).await,
        (&Method::POST, ["build"]) => build::build(&ctx, &q, req).await,
        (&Method::POST, ["commit"]) => commit::commit(&ctx, &q, req).await,

        (&Method::GET, ["containers", "json"]) => containers::list(&ctx, &q).await,
        (&Method::POST, ["containers", "create"]) => containers::create(&ctx, &q, req).await,
        (&Method::POST, ["containers", "prune"]) => containers::prune(&ctx, &q).await,
        (&Method::GET, ["containers", id, "json"]) => containers::inspect(&ctx, id).await,
        (&Method::POST, ["containers", id, "start"]) => containers::start(&ctx, id).await,
        (&Method::POST, ["containers", id, "stop"]) => containers::stop(&ctx, id, &q).await,
        (&Method::POST, ["containers", id, "restart"]) => containers::restart(&ctx, id, &q).await,
        (&Method::POST, ["containers", id, "kill"]) => containers::kill(&ctx, id, &q).await,
        (&Method::POST, ["containers", id, "wait"]) => containers::wait(&ctx, id, &q).await,
        (&Method::POST, ["containers", id, "rename"]) => containers::rename(&ctx, id, &q).await,
        (&Method::POST, ["containers", id, "pause"]) => containers::pause(&ctx, id, true).await,
        (&Method::POST, ["containers", id, "unpause"]) => containers::pause(&ctx, id, false).await,
        (&Method::GET, ["containers", id, "top"]) => containers::top(&ctx, id, &q).await,
        (&Method::GET, ["containers", id, "logs"]) => containers::logs(&ctx, id, &q).await,
        (&Method::DELETE, ["containers", id]) => containers::remove(&ctx, id, &q).await,
        (&Method::POST, ["containers", id, "attach"]) => hijack::attach(&ctx, id, &q, req).await,
        (&Method::GET, ["containers", id, "stats"]) => stats::stats(&ctx, id, &q).await,
        (&Method::GET, ["containers", id, "export"]) => containers::export(&ctx, id).await,
        (&Method::GET, ["containers", id, "changes"]) => containers::changes(&ctx, id).await,
        (&Method::POST, ["containers", id, "update"]) => containers::update(&ctx, id, req).await,
        (&Method::POST, ["containers", id, "resize"]) => hijack::resize(&ctx, id, &q).await,
        (&Method::POST, ["containers", id, "exec"]) => exec::create(&ctx, id, req).await,
        (&Method::GET, ["containers", id, "archive"]) => archive::get(&ctx, id, &q).await,
        (&Method::HEAD, ["containers", id, "archive"]) => archive::head(&ctx, id, &q).await,
        (&Method::PUT, ["containers", id, "archive"]) => archive::put(&ctx, id, &q, req).await,

        (&Method::POST, ["exec", id, "start"]) => exec::start(&ctx, id, req).await,
        (&Method::POST, ["exec", id, "resize"]) => exec::resize(&ctx, id, &q),
        (&Method::GET, ["exec", id, "json"]) => exec::inspect(&ctx, id),

        (&Method::GET, ["images", "json"]) => images::list(&ctx, &q).await,
        (&Method::POST, ["images", "create"]) if q.get("fromImage").is_none_or(str::is_empty) => {
            commit::import(&ctx, &q, req).await
        }
        (&Method::POST, ["images", "create"]) => images::create(&ctx, &q, req).await,
        (&Method::POST, ["images", "prune"]) => images::prune(&ctx, &q).await,
        (&Method::GET, ["images", "get"]) => images::get(&ctx, q.all("names").to_vec()).await,
        (&Method::POST, ["images", "load"]) => images::load(&ctx, req).await,
        (&Method::GET, ["images", "search"]) => images::search(&q).await,
        (&Method::GET, ["images", name @ .., "get"]) if !name.is_empty() => {
            images::get(&ctx, vec![name.join("/")]).await
        }
        (&Method::GET, ["images", name @ .., "json"]) if !name.is_empty() => {
            images::inspect(&ctx, &name.join("/")).await
        }
        (&Method::GET, ["images", name @ .., "history"]) if !name.is_empty() => {
            images::history(&ctx, &name.join("/")).await
        }
        (&Method::POST, ["images", name @ .., "tag"]) if !name.is_empty() => {
            images::tag(&ctx, &name.join("/"), &q).await
        }
        (&Method::POST, ["images", name @ .., "push"]) if !name.is_empty() => {
            images::push(&ctx, &name.join("/"), &q, req).await
        }
        (&Method::DELETE, ["images", name @ ..]) if !name.is_empty() => {
            images::remove(&ctx, &name.join("/"), &q).await
        }

        (&Method::GET, ["volumes"]) => volumes::list(&ctx, &q).await,
        (&Method::POST, ["volumes", "create"]) => volumes::create(&ctx, req).await,
        (&Method::POST, ["volumes", "prune"]) => volumes::prune(&ctx, &q).await,
        (&Method::GET, ["volumes", name]) => volumes::inspect(&ctx, name).await,
        (&Method::DELETE, ["volumes", name]) => volumes::remove(&ctx, name, &q).await,

        (&Method::GET, ["networks"]) => networks::list(&ctx, &q).await,
        (&Method::POST, ["networks", "create"]) => networks::create(&ctx, req).await,
        (&Method::POST, ["networks", "prune"]) => networks::prune(&ctx, &q).await,
        (&Method::GET, ["networks", name]) => networks::inspect(&ctx, name).await,
        (&Method::DELETE, ["networks", name]) => networks::remove(&ctx, name).await,
        (&Method::POST, ["networks", name, "connect"]) => {
            networks::connect(&ctx, name, req, true).await
        }
        (&Method::POST, ["networks", name, "disconnect"]) => {
            networks::connect(&ctx, name, req, false).await
        }

        _ => Err(ApiError::not_found("page not found")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_with_slashes() {
        assert_eq!(
            segments("/images/localhost:5000/busybox%3Alatest/json"),
            vec!["images", "localhost:5000", "busybox:latest", "json"]
        );
    }
}
