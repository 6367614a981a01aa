//! Network endpoints: list, create, inspect, remove, prune, connect and disconnect.
use std::collections::BTreeMap;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::{json, Value};

use super::http::{self, blocking, strings, ApiError, ApiResult, Query};
use super::Ctx;
use crate::engine::network as net;

/// `GET /networks?filters`: each as `network inspect` shows it.
pub async fn list(ctx: &Arc<Ctx>, q: &Query) -> ApiResult {
    let filters = q.filters()?;
    let paths = ctx.paths.clone();
    let v = blocking(move || {
        let mut out = Vec::new();
        for n in net::list_networks(&paths, &filters)? {
            out.push(net::inspect_network(&paths, &n.id)?);
        }
        Ok(out)
    })
    .await?;
    http::json(&Value::Array(v))
}

/// `POST /networks/create` with `{"Name", "Driver", "Internal", "IPAM", "Labels"}`.
pub async fn create(ctx: &Arc<Ctx>, req: Request<Incoming>) -> ApiResult {
    let body = http::read_json(req).await?;
    let name = body["Name"]
        .as_str()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad("network name is required"))?
        .to_string();
    let ipam = &body["IPAM"]["Config"][0];
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(String::from);
    let labels: BTreeMap<String, String> = body["Labels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let req = net::CreateRequest {
        name,
        driver: text(&body["Driver"]),
        subnet: text(&ipam["Subnet"]),
        gateway: text(&ipam["Gateway"]),
        internal: body["Internal"].as_bool().unwrap_or(false),
        labels,
        ip_range: text(&ipam["IPRange"]),
        aux_addresses: ipam["AuxiliaryAddresses"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default(),
        options: body["Options"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default(),
        ipv6: body["EnableIPv6"].as_bool().unwrap_or(false),
    };
    let paths = ctx.paths.clone();
    let n = blocking(move || net::create_network(&paths, &req)).await?;
    Ok(http::json_status(
        StatusCode::CREATED,
        &json!({"Id": n.id, "Warning": ""}),
    ))
}

/// `GET /networks/{id}`.
pub async fn inspect(ctx: &Arc<Ctx>, name: &str) -> ApiResult {
    let (paths, n) = (ctx.paths.clone(), name.to_string());
    let v = blocking(move || net::inspect_network(&paths, &n)).await?;
    http::json(&v)
}

/// `DELETE /networks/{id}`.
pub async fn remove(ctx: &Arc<Ctx>, name: &str) -> ApiResult {
    let (paths, n) = (ctx.paths.clone(), name.to_string());
    blocking(move || net::remove_network(&paths, &n)).await?;
    http::status_only(StatusCode::NO_CONTENT)
}

/// `POST /networks/prune?filters`.
pub async fn prune(ctx: &Arc<Ctx>, q: &Query) -> ApiResult {
    let filters = q.filters()?;
    let paths = ctx.paths.clone();
    let removed = blocking(move || net::prune_networks(&paths, &filters)).await?;
    http::json(&json!({"NetworksDeleted": removed}))
}

/// `POST /networks/{id}/connect` (`{"Container", "EndpointConfig": {"Aliases"}}`) and
/// `disconnect` (`{"Container", "Force"}`).
pub async fn connect(ctx: &Arc<Ctx>, name: &str, req: Request<Incoming>, on: bool) -> ApiResult {
    let body = http::read_json(req).await?;
    let container = body["Container"]
        .as_str()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad("container is required"))?
        .to_string();
    let aliases = strings(&body["EndpointConfig"]["Aliases"]);
    let (paths, n) = (ctx.paths.clone(), name.to_string());
    blocking(move || {
        if on {
            net::connect(&paths, &n, &container, &aliases)
        } else {
            net::disconnect(&paths, &n, &container)
        }
    })
    .await?;
    http::status_only(StatusCode::OK)
}
