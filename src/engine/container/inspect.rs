//! `ps` and `inspect`: the containers as docker lists and shows them, and their logs.
use crate::state::restart::RestartPolicy;
use std::path::PathBuf;
use std::time::Duration;

use crate::engine::{mounts, EngineError};
use crate::state::container::{ContainerRecord, ContainerState, Containers, Status};
use crate::state::Paths;

/// A container as `ps` and `inspect` see it.
#[derive(Debug, Clone)]
pub struct ContainerInfo {
    pub record: ContainerRecord,
    pub state: ContainerState,
}

/// All containers (`all`) or the running ones, newest first.
pub fn list(paths: &Paths, all: bool) -> Result<Vec<ContainerInfo>, EngineError> {
    let store = Containers::new(paths);
    let mut out = Vec::new();
    for id in store.listed_ids()? {
        let (Ok(record), Ok(state)) = (store.record(&id), store.state(&id)) else {
            // Being created or removed, or what a crash left (removed here if so).
            super::leftover::collect(paths, &id);
            continue;
        };
        // A `--rm` container that is not running: being removed by its monitor, or left from
        // before a crash (then removed here, as docker's daemon does when it starts).
        if record.auto_remove && !state.status.is_up() && super::leftover::collect(paths, &id) {
            continue;
        }
        if all || state.status.is_up() {
            out.push(ContainerInfo { record, state });
        }
    }
    out.sort_by(|a, b| b.record.created.cmp(&a.record.created));
    Ok(out)
}

/// One container by name, ID or ID prefix.
pub fn get(paths: &Paths, name_or_id: &str) -> Result<ContainerInfo, EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name_or_id)?;
    Ok(ContainerInfo {
        record: store.record(&id)?,
        state: store.state(&id)?,
    })
}

/// docker's (and podman's) name of the storage driver: both overlay kinds are `overlay` (podman
/// names fuse-overlayfs a mount program of its overlay driver).
fn graph_driver_name(driver: crate::storage::Driver) -> &'static str {
    match driver {
        crate::storage::Driver::Overlay | crate::storage::Driver::FuseOverlay => "overlay",
        crate::storage::Driver::Vfs => "vfs",
    }
}

/// docker's `GraphDriver`: the overlay's directories (LowerDir top layer first, as overlayfs
/// takes them); `Data` null for vfs, which keeps one copied tree.
fn graph_driver_json(
    paths: &Paths,
    r: &crate::state::container::ContainerRecord,
) -> serde_json::Value {
    let dir = paths.container(&r.id);
    let data = match r.storage_driver {
        crate::storage::Driver::Vfs => serde_json::Value::Null,
        _ => {
            let lower = r
                .layers
                .iter()
                .rev()
                .map(|l| l.display().to_string())
                .collect::<Vec<_>>()
                .join(":");
            serde_json::json!({
                "LowerDir": lower,
                "MergedDir": dir.join("merged"),
                "UpperDir": dir.join("upper"),
                "WorkDir": dir.join("work"),
            })
        }
    };
    serde_json::json!({"Data": data, "Name": graph_driver_name(r.storage_driver)})
}

/// docker's inspect JSON for a container.
pub fn inspect_json(paths: &Paths, info: &ContainerInfo) -> serde_json::Value {
    let r = &info.record;
    let s = &info.state;
    let zero = "0001-01-01T00:00:00Z";
    let mut v = serde_json::json!({
        "Id": r.id,
        "Created": r.created,
        "Path": r.path,
        "Args": r.args,
        "State": {
            "Status": s.status.as_str(),
            "Running": s.status.is_up(),
            "Paused": s.status == Status::Paused,
            "Restarting": s.status == Status::Restarting,
            "OOMKilled": s.oom_killed,
            "Dead": s.status == Status::Dead,
            "Pid": s.pid,
            "ExitCode": s.exit_code,
            "Error": s.error,
            "StartedAt": s.started_at.as_deref().unwrap_or(zero),
            "FinishedAt": s.finished_at.as_deref().unwrap_or(zero),
            "Health": s.health,
        },
        "Image": r.image_id,
        "ResolvConfPath": paths.container(&r.id).join("resolv.conf"),
        "HostnamePath": paths.container(&r.id).join("hostname"),
        "HostsPath": paths.container(&r.id).join("hosts"),
        // docker's: empty for drivers that keep no file.
        "LogPath": if matches!(r.log_config.driver.as_str(), "json-file" | "k8s-file") {
            paths.container(&r.id).join("ctr.log")
        } else {
            PathBuf::new()
        },
        "Name": format!("/{}", r.name),
        "RestartCount": s.restart_count,
        "Driver": graph_driver_name(r.storage_driver),
        "Platform": "linux",
        "GraphDriver": graph_driver_json(paths, r),
        "HostConfig": {
            "NetworkMode": r.network.to_string(),
            "Runtime": r.runtime.as_ref().map_or(crate::state::container::BUILTIN_RUNTIME, |rt| rt.name.as_str()),
            "AutoRemove": r.auto_remove,
            "RestartPolicy": restart_policy_json(r.restart_policy),
            "LogConfig": {"Type": r.log_config.driver, "Config": r.log_config.options()},
            "GroupAdd": if r.group_add.is_empty() { serde_json::Value::Null } else { serde_json::json!(r.group_add) },
            "DeviceCgroupRules": if r.device_cgroup_rules.is_empty() { serde_json::Value::Null } else { serde_json::json!(r.device_cgroup_rules) },
        },
        "Mounts": r.mounts.iter().map(mounts::inspect_json).collect::<Vec<_>>(),
        "Config": {
            "Hostname": r.hostname,
            "User": r.user,
            "AttachStdin": r.interactive,
            "Tty": r.tty,
            "OpenStdin": r.interactive,
            "Env": r.env,
            "Cmd": r.cmd,
            "Image": r.image,
            "WorkingDir": r.working_dir,
            "Entrypoint": if r.entrypoint.is_empty() { serde_json::Value::Null } else { serde_json::json!(r.entrypoint) },
            "Labels": r.labels,
            "StopSignal": r.stop_signal,
            "Healthcheck": r.healthcheck,
        },
    });
    // Without a health check both stay null: docker's templates see nil there
    // (`{{json .State.Health}}` prints `null`).
    if !r.shell.is_empty() {
        v["Config"]["Shell"] = serde_json::json!(r.shell);
    }
    if !r.attach.is_empty() {
        for (key, stream) in [
            ("AttachStdin", "stdin"),
            ("AttachStdout", "stdout"),
            ("AttachStderr", "stderr"),
        ] {
            v["Config"][key] = serde_json::json!(r.attach.iter().any(|a| a == stream));
        }
    }
    let x = &r.extras;
    v["Config"]["Domainname"] = serde_json::json!(x.domainname);
    let hc = &mut v["HostConfig"];
    hc["ShmSize"] = serde_json::json!(x.shm_size.unwrap_or(crate::runtime::spec::DEFAULT_SHM_SIZE));
    let map_or_null = |m: &std::collections::BTreeMap<String, String>| {
        if m.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::json!(m)
        }
    };
    hc["Sysctls"] = map_or_null(&x.sysctls);
    hc["Annotations"] = map_or_null(&x.annotations);
    hc["PidMode"] = serde_json::json!(x.pid);
    hc["IpcMode"] = serde_json::json!(if x.ipc.is_empty() {
        "private"
    } else {
        x.ipc.as_str()
    });
    hc["UTSMode"] = serde_json::json!(x.uts);
    hc["UsernsMode"] = serde_json::json!(x.userns);
    hc["CgroupnsMode"] = serde_json::json!(if x.cgroupns.is_empty() {
        "host"
    } else {
        x.cgroupns.as_str()
    });
    crate::engine::network::extend_inspect(paths, &mut v, r, s.status.is_up());
    extend_process(paths, &mut v, &r.id);
    inspect_limits(&mut v, r);
    v
}

fn restart_policy_json(p: RestartPolicy) -> serde_json::Value {
    let (name, max) = match p {
        RestartPolicy::Always => ("always", 0),
        RestartPolicy::UnlessStopped => ("unless-stopped", 0),
        RestartPolicy::OnFailure(n) => ("on-failure", n),
        RestartPolicy::No => ("no", 0),
    };
    serde_json::json!({"Name": name, "MaximumRetryCount": max})
}

/// Read a container's log entries.
pub fn log_entries(
    paths: &Paths,
    id: &str,
) -> Result<Vec<crate::monitor::log::Entry>, EngineError> {
    let p = paths.container(id).join("ctr.log");
    crate::monitor::log::read(&p).map_err(EngineError::io(format!("reading {}", p.display())))
}

/// Follow a container's log: call `emit` for every entry from `skip` on, until it stops.
pub fn follow_log(
    paths: &Paths,
    id: &str,
    mut skip: usize,
    emit: &mut dyn FnMut(&crate::monitor::log::Entry),
) -> Result<(), EngineError> {
    let store = Containers::new(paths);
    loop {
        let running = store.state(id).map(|s| s.status.is_up()).unwrap_or(false);
        let entries = log_entries(paths, id)?;
        for e in entries.iter().skip(skip) {
            emit(e);
        }
        skip = skip.max(entries.len());
        if !running {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn container_dir(paths: &Paths, id: &str) -> PathBuf {
    paths.container(id)
}

/// The process settings of `HostConfig` that live in the container's runtime spec:
/// `Ulimits` (docker's `[{"Name": "nofile", "Hard": 2048, "Soft": 1024}]`, sorted by name, -1
/// for unlimited) and `OomScoreAdj`.
fn extend_process(paths: &Paths, v: &mut serde_json::Value, id: &str) {
    let spec: serde_json::Value = std::fs::read(paths.container(id).join("config.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let process = &spec["process"];
    let limit = |n: &serde_json::Value| match n.as_u64() {
        Some(u64::MAX) | None => -1i64,
        Some(n) => i64::try_from(n).unwrap_or(-1),
    };
    let mut ulimits: Vec<serde_json::Value> = process["rlimits"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let name = r["type"].as_str().unwrap_or_default();
            serde_json::json!({
                "Name": name.trim_start_matches("RLIMIT_").to_ascii_lowercase(),
                "Hard": limit(&r["hard"]),
                "Soft": limit(&r["soft"]),
            })
        })
        .collect();
    ulimits.sort_by(|a, b| a["Name"].as_str().cmp(&b["Name"].as_str()));
    v["HostConfig"]["Ulimits"] = ulimits.into();
    v["HostConfig"]["OomScoreAdj"] = process["oomScoreAdj"].as_i64().unwrap_or(0).into();
}

/// docker's resource fields of `HostConfig` (0, "" or [] where not set; `PidsLimit` null).
fn inspect_limits(v: &mut serde_json::Value, rec: &crate::state::container::ContainerRecord) {
    let r = &rec.resources;
    let rates = |l: &[crate::runtime::cgroup::ThrottleDevice]| {
        l.iter()
            .map(|d| serde_json::json!({"Path": d.path, "Rate": d.rate}))
            .collect::<Vec<_>>()
    };
    let hc = &mut v["HostConfig"];
    for (k, val) in [
        ("CgroupParent", serde_json::json!(rec.cgroup_parent)),
        ("Memory", r.memory.into()),
        ("MemorySwap", r.memory_swap.into()),
        ("MemoryReservation", r.memory_reservation.into()),
        ("NanoCpus", r.nano_cpus.into()),
        ("CpuShares", r.cpu_shares.into()),
        ("CpuPeriod", r.cpu_period.into()),
        ("CpuQuota", r.cpu_quota.into()),
        ("CpusetCpus", r.cpuset_cpus.clone().into()),
        ("CpusetMems", r.cpuset_mems.clone().into()),
        (
            "PidsLimit",
            if r.pids_limit > 0 {
                r.pids_limit.into()
            } else {
                serde_json::Value::Null
            },
        ),
        ("BlkioWeight", r.blkio_weight.into()),
        (
            "BlkioWeightDevice",
            r.blkio_weight_device
                .iter()
                .map(|d| serde_json::json!({"Path": d.path, "Weight": d.weight}))
                .collect::<Vec<_>>()
                .into(),
        ),
        ("BlkioDeviceReadBps", rates(&r.device_read_bps).into()),
        ("BlkioDeviceWriteBps", rates(&r.device_write_bps).into()),
        ("BlkioDeviceReadIOps", rates(&r.device_read_iops).into()),
        ("BlkioDeviceWriteIOps", rates(&r.device_write_iops).into()),
        ("MemorySwappiness", serde_json::Value::Null),
        ("OomKillDisable", false.into()),
    ] {
        hc[k] = val;
    }
}
