//! `POST /build`: the legacy builder's API. The body is the build context as a tar (plain or
//! gzip-compressed); it is unpacked into a private directory, built by the engine's builder,
//! and the steps stream back as docker's JSON messages (`{"stream": ...}`, then the image ID
//! in `{"aux": {"ID": ...}}`). BuildKit's session protocol is not served (`_ping` says
//! `Builder-Version: 1`).
use std::io::Read;
use std::sync::Arc;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::Request;
use serde_json::{json, Value};

use super::http::{self, ApiError, ApiResult, Query};
use super::Ctx;
use crate::engine::build::{BuildEvent, BuildOptions};

/// docker's `buildargs` and `labels`: JSON objects of strings, as `KEY=VALUE`.
fn json_pairs(q: &Query, key: &str) -> Result<Vec<String>, ApiError> {
    let Some(raw) = q.get(key).filter(|s| !s.is_empty()) else {
        return Ok(Vec::new());
    };
    let v: Value =
        serde_json::from_str(raw).map_err(|e| ApiError::bad(format!("invalid {key}: {e}")))?;
    let m = v
        .as_object()
        .ok_or_else(|| ApiError::bad(format!("invalid {key}: not an object")))?;
    Ok(m.iter()
        .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
        .collect())
}

/// A relative path inside the context (docker's `dockerfile` parameter).
fn inside(dir: &std::path::Path, rel: &str) -> Result<String, ApiError> {
    let p = std::path::Path::new(rel);
    if p.is_absolute()
        || p.components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err(ApiError::bad(format!(
            "the Dockerfile ({rel}) must be within the build context"
        )));
    }
    Ok(dir.join(p).to_string_lossy().into_owned())
}

fn msg(v: Value) -> Bytes {
    let mut b = serde_json::to_vec(&v).unwrap_or_default();
    b.push(b'\n');
    b.into()
}

fn stream(text: String) -> Bytes {
    msg(json!({ "stream": text }))
}

/// `POST /build?t&dockerfile&buildargs&target&labels&q&nocache&pull&networkmode&platform`.
pub async fn build(ctx: &Arc<Ctx>, q: &Query, req: Request<Incoming>) -> ApiResult {
    if q.get("remote").is_some_and(|r| !r.is_empty()) {
        return Err(ApiError::bad("remote build contexts are not supported"));
    }
    let network = match q.get("networkmode").unwrap_or("default") {
        "" | "default" | "bridge" => "default".to_string(),
        m @ ("none" | "host") => m.to_string(),
        other => {
            return Err(ApiError::bad(format!(
                "network mode {other:?} not supported for builds: use default, none or host"
            )))
        }
    };
    let tmp = ctx.paths.tmp();
    std::fs::create_dir_all(&tmp)
        .map_err(|e| ApiError::internal(format!("creating {}: {e}", tmp.display())))?;
    let dir = tempfile::Builder::new()
        .prefix("api-build-")
        .tempdir_in(&tmp)
        .map_err(|e| ApiError::internal(format!("a directory for the context: {e}")))?;
    let file = inside(
        dir.path(),
        q.get("dockerfile")
            .filter(|f| !f.is_empty())
            .unwrap_or("Dockerfile"),
    )?;
    let mut opts = BuildOptions {
        context: dir.path().to_string_lossy().into_owned(),
        file: Some(file),
        tags: q
            .all("t")
            .iter()
            .filter(|t| !t.is_empty())
            .cloned()
            .collect(),
        build_args: json_pairs(q, "buildargs")?,
        target: q.get("target").filter(|t| !t.is_empty()).map(String::from),
        no_cache: q.flag("nocache"),
        pull: q.flag("pull"),
        labels: json_pairs(q, "labels")?,
        network,
        platform: q
            .get("platform")
            .filter(|p| !p.is_empty())
            .map(String::from),
        tls_verify: true,
        ..Default::default()
    };
    let quiet = q.flag("q");

    // The context: unpacked as it arrives (a body cut short is an error, not a smaller context).
    let (body_tx, reader) = super::archive::body_channel(16);
    let dest = dir.path().to_path_buf();
    let unpack = tokio::task::spawn_blocking(move || -> Result<(), String> {
        let mut reader = std::io::BufReader::new(reader);
        let magic = std::io::BufRead::fill_buf(&mut reader)
            .map_err(|e| e.to_string())?
            .to_vec();
        let input: Box<dyn Read> = if magic.starts_with(&[0x1f, 0x8b]) {
            Box::new(flate2::read::GzDecoder::new(reader))
        } else {
            Box::new(reader)
        };
        let mut ar = tar::Archive::new(input);
        ar.set_preserve_permissions(true);
        // tar's unpack refuses entries that would land outside `dest`.
        let r = ar
            .unpack(&dest)
            .map_err(|e| format!("unpacking the build context: {e}"));
        // Read away what is left so the sender never waits on us.
        let mut rest = ar.into_inner();
        let _ = std::io::copy(&mut rest, &mut std::io::sink());
        r
    });
    let fed = super::archive::feed_body(req, body_tx).await;
    // The unpacking ends either way (a cut body is an error for it); then the body's error
    // comes first.
    let unpacked = unpack.await;
    fed?;
    match unpacked {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(ApiError::bad(e)),
        Err(e) => return Err(ApiError::internal(e.to_string())),
    }

    let (tx, resp) = http::channel(ctx.activity.enter(), "application/json");
    let paths = ctx.paths.clone();
    // A client that leaves cancels the build (as docker's daemon does): its running step's
    // container is killed and removed, nothing is tagged.
    let watch = tx.clone();
    opts.cancel = crate::engine::Cancel::when(move || watch.is_closed());
    tokio::task::spawn_blocking(move || {
        let _dir = dir; // removed when the build is over
        let send = |b: Bytes| {
            let _ = tx.blocking_send(b);
        };
        let mut on_event = |ev: BuildEvent| {
            if quiet {
                return;
            }
            let line = match ev {
                BuildEvent::Start { n, name } => format!("#{n} {name}\n"),
                BuildEvent::Log { line, .. } => format!("{line}\n"),
                BuildEvent::Cached { n } => format!("#{n} CACHED\n"),
                BuildEvent::Done { n, secs } => format!("#{n} DONE {secs:.1}s\n"),
                BuildEvent::Error { n, message } => format!("#{n} ERROR: {message}\n"),
                BuildEvent::Warning(w) => format!("[Warning] {w}\n"),
            };
            let _ = tx.blocking_send(stream(line));
        };
        match crate::engine::build::build(&paths, &opts, &mut on_event) {
            Ok(img) => {
                send(msg(json!({"aux": {"ID": img.id}})));
                if quiet {
                    send(stream(format!("{}\n", img.id)));
                } else {
                    send(stream(format!("Successfully built {}\n", img.short_id())));
                    for t in &opts.tags {
                        let tag = crate::image::Reference::parse(t)
                            .map(|r| r.familiar_tagged())
                            .unwrap_or_else(|_| t.clone());
                        send(stream(format!("Successfully tagged {tag}\n")));
                    }
                }
            }
            Err(e) => {
                let m = crate::engine::error_chain(&e);
                send(msg(json!({"errorDetail": {"message": m}, "error": m})));
            }
        }
    });
    Ok(resp)
}
