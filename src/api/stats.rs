//! `GET /containers/{id}/stats`: docker's stats objects from the engine's samples of a
//! container's processes (CPU time, memory, network, block I/O, pids), one a second while
//! the client reads (`stream`), or one (`stream=false`: two samples a second apart, so that
//! the CPU share can be computed; `one-shot`: a single sample).
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::http::{self, blocking, ApiResult, Query};
use super::Ctx;
use crate::engine::resources::{self, Sample};

/// One sample with the host's CPU time at that moment.
struct Point {
    sample: Sample,
    system_ticks: u64,
    read: String,
}

fn clock_ticks_per_sec() -> u64 {
    crate::sys::proc::clock_ticks_per_sec()
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// A sample of the container, or zeros when it does not run (docker shows those).
fn point(paths: &crate::state::Paths, id: &str, name: &str) -> Point {
    let system_ticks = resources::total_cpu_ticks();
    let sample = resources::sample(paths, id).unwrap_or_else(|_| Sample {
        id: id.to_string(),
        name: name.to_string(),
        cpu_ns: 0,
        mem: 0,
        mem_limit: 0,
        net_rx: 0,
        net_tx: 0,
        blk_read: 0,
        blk_write: 0,
        pids: 0,
    });
    Point {
        sample,
        system_ticks,
        read: now(),
    }
}

fn cpu_json(p: Option<&Point>, ncpu: u64, ns_per_tick: u64) -> Value {
    match p {
        Some(p) => json!({
            "cpu_usage": {
                "total_usage": p.sample.cpu_ns,
                "usage_in_kernelmode": 0,
                "usage_in_usermode": p.sample.cpu_ns,
            },
            "system_cpu_usage": p.system_ticks * ns_per_tick,
            "online_cpus": ncpu,
            "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0},
        }),
        None => json!({
            "cpu_usage": {"total_usage": 0, "usage_in_kernelmode": 0, "usage_in_usermode": 0},
            "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0},
        }),
    }
}

/// docker's stats object for `cur`, with `pre` as the previous sample.
fn stats_json(cur: &Point, pre: Option<&Point>, ncpu: u64) -> Value {
    let ns_per_tick = 1_000_000_000 / clock_ticks_per_sec();
    let s = &cur.sample;
    json!({
        "read": cur.read,
        "preread": pre.map(|p| p.read.clone()).unwrap_or_else(|| "0001-01-01T00:00:00Z".into()),
        "pids_stats": {"current": s.pids},
        "blkio_stats": {
            "io_service_bytes_recursive": [
                {"major": 0, "minor": 0, "op": "read", "value": s.blk_read},
                {"major": 0, "minor": 0, "op": "write", "value": s.blk_write},
            ],
        },
        "num_procs": 0,
        "storage_stats": {},
        "cpu_stats": cpu_json(Some(cur), ncpu, ns_per_tick),
        "precpu_stats": cpu_json(pre, ncpu, ns_per_tick),
        "memory_stats": {"usage": s.mem, "limit": s.mem_limit, "stats": {}},
        "networks": {"eth0": {
            "rx_bytes": s.net_rx, "rx_packets": 0, "rx_errors": 0, "rx_dropped": 0,
            "tx_bytes": s.net_tx, "tx_packets": 0, "tx_errors": 0, "tx_dropped": 0,
        }},
        "name": format!("/{}", s.name),
        "id": s.id,
    })
}

/// Wait `d` in small steps; false as soon as `gone` says the client left.
fn pause(d: Duration, gone: &dyn Fn() -> bool) -> bool {
    let step = Duration::from_millis(100);
    let mut waited = Duration::ZERO;
    while waited < d {
        if gone() {
            return false;
        }
        std::thread::sleep(step);
        waited += step;
    }
    !gone()
}

/// `GET /containers/{id}/stats?stream&one-shot`.
pub async fn stats(ctx: &Arc<Ctx>, id: &str, q: &Query) -> ApiResult {
    let stream = q.get("stream").is_none_or(|v| v == "1" || v == "true");
    let one_shot = q.flag("one-shot");
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    let info = blocking(move || crate::engine::container::get(&paths, &name)).await?;
    let (cid, cname) = (info.record.id.clone(), info.record.name.clone());
    let ncpu = std::thread::available_parallelism()
        .map(|n| n.get() as u64)
        .unwrap_or(1);
    let (tx, resp) = http::channel(ctx.activity.enter(), "application/json");
    let paths = ctx.paths.clone();
    tokio::task::spawn_blocking(move || {
        let gone = || tx.is_closed();
        let send = |v: &Value| {
            let mut b = serde_json::to_vec(v).unwrap_or_default();
            b.push(b'\n');
            tx.blocking_send(b.into()).is_ok()
        };
        let mut pre = None;
        if !stream && !one_shot {
            pre = Some(point(&paths, &cid, &cname));
            if !pause(Duration::from_secs(1), &gone) {
                return;
            }
        }
        loop {
            let cur = point(&paths, &cid, &cname);
            if !send(&stats_json(&cur, pre.as_ref(), ncpu)) || !stream {
                return;
            }
            pre = Some(cur);
            if !pause(Duration::from_secs(1), &gone) {
                return;
            }
        }
    });
    Ok(resp)
}
