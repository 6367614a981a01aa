//! Volume endpoints: list, create, inspect, remove and prune.
use std::collections::BTreeMap;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::{json, Value};

use super::http::{self, blocking, ApiResult, Query};
use super::Ctx;
use crate::engine::volume as vol;

fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// `GET /volumes?filters`.
pub async fn list(ctx: &Arc<Ctx>, q: &Query) -> ApiResult {
    let filters = vol::Filters::parse(&q.filters()?, &["dangling", "driver", "label", "name"])?;
    let paths = ctx.paths.clone();
    let list = blocking(move || vol::list(&paths, &filters)).await?;
    let v: Vec<Value> = list.iter().map(vol::inspect_json).collect();
    http::json(&json!({"Volumes": v, "Warnings": []}))
}

/// `POST /volumes/create` with `{"Name", "Driver", "DriverOpts", "Labels"}`.
pub async fn create(ctx: &Arc<Ctx>, req: Request<Incoming>) -> ApiResult {
    let body = http::read_json(req).await?;
    if !body.is_object() && !body.is_null() {
        return Err(http::ApiError::bad(format!(
            "json: cannot unmarshal {} into Go value of type volume.CreateOptions",
            if body.is_array() { "array" } else { "value" }
        )));
    }
    let req = crate::volume::CreateRequest {
        name: body["Name"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(String::from),
        driver: body["Driver"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(String::from),
        options: string_map(&body["DriverOpts"]),
        labels: string_map(&body["Labels"]),
    };
    let paths = ctx.paths.clone();
    let v = blocking(move || {
        let v = vol::create(&paths, &req)?;
        let info = vol::get(&paths, &v.name)?;
        Ok(vol::inspect_json(&info))
    })
    .await?;
    Ok(http::json_status(StatusCode::CREATED, &v))
}

/// `GET /volumes/{name}`.
pub async fn inspect(ctx: &Arc<Ctx>, name: &str) -> ApiResult {
    let (paths, n) = (ctx.paths.clone(), name.to_string());
    let v = blocking(move || Ok(vol::inspect_json(&vol::get(&paths, &n)?))).await?;
    http::json(&v)
}

/// `DELETE /volumes/{name}?force`.
pub async fn remove(ctx: &Arc<Ctx>, name: &str, q: &Query) -> ApiResult {
    let force = q.flag("force");
    let (paths, n) = (ctx.paths.clone(), name.to_string());
    blocking(move || vol::remove(&paths, &n, force)).await?;
    http::status_only(StatusCode::NO_CONTENT)
}

/// `POST /volumes/prune?filters`.
pub async fn prune(ctx: &Arc<Ctx>, q: &Query) -> ApiResult {
    let raw = q.filters()?;
    // API 1.41 and older prune every unused volume, named ones too (docker's daemon adds
    // `all=true` for them); the `all` filter came with 1.42.
    let all = !raw.iter().any(|f| f.starts_with("all="));
    let filters = vol::Filters::parse(&raw, &["label", "label!", "all"])?;
    let paths = ctx.paths.clone();
    let (removed, bytes) = blocking(move || vol::prune(&paths, all, &filters)).await?;
    if removed.is_empty() {
        return http::json(&json!({"VolumesDeleted": null, "SpaceReclaimed": bytes}));
    }
    http::json(&json!({"VolumesDeleted": removed, "SpaceReclaimed": bytes}))
}
