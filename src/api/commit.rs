//! Images made from a container or a tar: `POST /commit` (docker's `commit`: the container's
//! changes as a new layer, with `changes`, `comment`, `author`, `pause` and a config in the
//! body) and `POST /images/create?fromSrc=-` (docker's `import`: the body is the tar).
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::{json, Value};

use super::http::{self, blocking, ApiError, ApiResult, Query};
use super::Ctx;
use crate::engine::container_files::{self as files, CommitOptions};

/// `repo` and `tag` as one reference (None when no repository is named).
fn reference(q: &Query) -> Option<String> {
    let repo = q.get("repo").filter(|r| !r.is_empty())?;
    Some(match q.get("tag").filter(|t| !t.is_empty()) {
        Some(t) => format!("{repo}:{t}"),
        None => repo.to_string(),
    })
}

/// docker's `changes`: each value may hold several instructions, one a line.
fn changes(q: &Query) -> Vec<String> {
    q.all("changes")
        .iter()
        .flat_map(|c| c.lines())
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect()
}

/// A JSON string for a change line (docker's exec form and quoted values).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// The config a client sends with a commit (docker-py's `conf`), as the change lines that set
/// the same fields; docker overlays it on the image's config the same way. A `null` body (the
/// docker CLI's) sets nothing.
fn config_changes(body: &Value) -> Result<Vec<String>, ApiError> {
    let obj = match body {
        Value::Null => return Ok(Vec::new()),
        Value::Object(o) => o,
        _ => {
            return Err(ApiError::bad(
                "invalid commit config: expected a JSON object",
            ))
        }
    };
    let list = |k: &str| -> Result<Option<Vec<String>>, ApiError> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(String::from)
                        .ok_or_else(|| ApiError::bad(format!("invalid {k}: not a string list")))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(Value::String(s)) => Ok(Some(vec![s.clone()])),
            Some(_) => Err(ApiError::bad(format!("invalid {k}: not a string list"))),
        }
    };
    let exec_form = |v: &[String]| serde_json::to_string(v).unwrap_or_default();
    let mut out = Vec::new();
    if let Some(c) = list("Cmd")?.filter(|c| !c.is_empty()) {
        out.push(format!("CMD {}", exec_form(&c)));
    }
    if let Some(e) = list("Entrypoint")?.filter(|e| !e.is_empty()) {
        out.push(format!("ENTRYPOINT {}", exec_form(&e)));
    }
    for kv in list("Env")?.unwrap_or_default() {
        let (k, v) = kv.split_once('=').unwrap_or((&kv, ""));
        out.push(format!("ENV {k}={}", quoted(v)));
    }
    for (key, instr) in [("Labels", "LABEL")] {
        if let Some(m) = obj.get(key).and_then(Value::as_object) {
            for (k, v) in m {
                out.push(format!(
                    "{instr} {}={}",
                    quoted(k),
                    quoted(v.as_str().unwrap_or(""))
                ));
            }
        }
    }
    for (key, instr) in [("ExposedPorts", "EXPOSE"), ("Volumes", "VOLUME")] {
        if let Some(m) = obj.get(key).and_then(Value::as_object) {
            for k in m.keys() {
                out.push(format!("{instr} {k}"));
            }
        }
    }
    for (key, instr) in [
        ("WorkingDir", "WORKDIR"),
        ("User", "USER"),
        ("StopSignal", "STOPSIGNAL"),
    ] {
        if let Some(v) = obj
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
        {
            out.push(format!("{instr} {v}"));
        }
    }
    Ok(out)
}

/// `POST /commit?container&repo&tag&comment&author&pause&changes`: 201 `{"Id": ...}`.
/// `pause` is on unless the client says `0`/`false` (docker's default since API 1.13).
pub async fn commit(ctx: &Arc<Ctx>, q: &Query, req: Request<Incoming>) -> ApiResult {
    let body = http::read_json(req).await?;
    let container = q
        .get("container")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ApiError::not_found("No such container: "))?
        .to_string();
    let mut change_lines = config_changes(&body)?;
    change_lines.extend(changes(q));
    let pause = match q.get("pause") {
        None | Some("") => true,
        Some(v) => v == "1" || v.eq_ignore_ascii_case("true"),
    };
    let opts = CommitOptions {
        container,
        reference: reference(q),
        changes: change_lines,
        message: q.get("comment").filter(|c| !c.is_empty()).map(String::from),
        author: q.get("author").filter(|a| !a.is_empty()).map(String::from),
        pause,
    };
    let paths = ctx.paths.clone();
    let img = blocking(move || files::commit(&paths, &opts)).await?;
    Ok(http::json_status(
        StatusCode::CREATED,
        &json!({"Id": img.id}),
    ))
}

/// `POST /images/create?fromSrc=-&repo&tag&message&changes`: the body is a tar (plain, gzip
/// or zstd) made into a one-layer image; docker's answer `{"status": "sha256:..."}`. A body
/// cut short fails the import and stores nothing. Only `-` is served as a source (a URL is
/// docker's daemon downloading it; skiff's `import` reads files and stdin only).
pub async fn import(ctx: &Arc<Ctx>, q: &Query, req: Request<Incoming>) -> ApiResult {
    let src = q.get("fromSrc").unwrap_or("");
    if src.is_empty() {
        return Err(ApiError::bad("fromImage or fromSrc is required"));
    }
    if src != "-" {
        return Err(ApiError::bad(format!(
            "importing from {src:?} is not supported: send the tar as the request body (fromSrc=-)"
        )));
    }
    let reference = reference(q);
    if let Some(r) = &reference {
        crate::image::Reference::parse(r).map_err(|e| ApiError::bad(e.to_string()))?;
    }
    let change_lines = changes(q);
    let message = q.get("message").filter(|m| !m.is_empty()).map(String::from);
    let (tx, reader) = super::archive::body_channel(16);
    let paths = ctx.paths.clone();
    let work = tokio::task::spawn_blocking(move || {
        crate::engine::image::import(
            &paths,
            Box::new(reader),
            "the request body",
            reference.as_deref(),
            &change_lines,
            message.as_deref(),
        )
    });
    let fed = super::archive::feed_body(req, tx).await;
    let imported = work
        .await
        .map_err(|e| ApiError::internal(format!("the import failed: {e}")))?;
    fed?;
    let img = imported.map_err(ApiError::from)?;
    let mut line = serde_json::to_vec(&json!({ "status": img.id })).unwrap_or_default();
    line.push(b'\n');
    let mut r = hyper::Response::new(http::full(line));
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_config_as_changes() {
        let c = config_changes(&json!({
            "Cmd": ["echo", "a b"],
            "Env": ["A=1 2", "B"],
            "Labels": {"k": "v"},
            "ExposedPorts": {"80/tcp": {}},
            "WorkingDir": "/w",
        }))
        .unwrap();
        assert_eq!(
            c,
            vec![
                r#"CMD ["echo","a b"]"#,
                r#"ENV A="1 2""#,
                r#"ENV B="""#,
                r#"LABEL "k"="v""#,
                "EXPOSE 80/tcp",
                "WORKDIR /w",
            ]
        );
        let mut cfg = serde_json::Map::new();
        for l in &c {
            crate::image::changes::apply(&mut cfg, l).unwrap();
        }
        assert_eq!(cfg["Env"], json!(["A=1 2", "B="]));
        assert_eq!(cfg["Labels"], json!({"k": "v"}));
        assert_eq!(cfg["Cmd"], json!(["echo", "a b"]));
        assert!(config_changes(&Value::Null).unwrap().is_empty());
        assert!(config_changes(&json!([1])).is_err());
    }
}
