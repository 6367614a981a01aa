//! Container endpoints: list, create (docker's create JSON mapped onto the engine's options),
//! inspect, start, stop, restart, kill, wait, rename, pause, top, logs, remove, prune,
//! export, changes and update.
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::{json, Map, Value};

use super::http::{self, blocking, strings, ApiError, ApiResult, Query};
use super::Ctx;
use crate::engine::container::{self as ctr};
use crate::engine::create::{
    self, parse, CreateRequest, MountRequest, NetworkRequest, PullPolicy, Ulimit,
};
use crate::engine::EngineError;
use crate::state::container::Status;
use crate::state::restart::RestartPolicy;

/// docker's human status: "Up 3 minutes", "Exited (0) 2 seconds ago", "Created".
fn status_text(s: &crate::state::container::ContainerState) -> String {
    use crate::units::human_duration;
    let ago = |t: Option<&str>| {
        t.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_seconds())
            .unwrap_or(0)
    };
    match s.status {
        // `Up 3 seconds (healthy)`, `(health: starting)`, `(unhealthy)`.
        Status::Running => match &s.health {
            Some(h) => format!(
                "Up {} ({})",
                human_duration(ago(s.started_at.as_deref())),
                match h.status {
                    crate::state::health::HealthStatus::Starting => "health: starting",
                    other => other.as_str(),
                }
            ),
            None => format!("Up {}", human_duration(ago(s.started_at.as_deref()))),
        },
        Status::Exited => match &s.finished_at {
            Some(f) => format!(
                "Exited ({}) {} ago",
                s.exit_code,
                human_duration(ago(Some(f)))
            ),
            None => format!("Exited ({})", s.exit_code),
        },
        Status::Created => "Created".into(),
        Status::Restarting => format!(
            "Restarting ({}) {} ago",
            s.exit_code,
            human_duration(ago(s.finished_at.as_deref()))
        ),
        Status::Paused => format!(
            "Up {} (Paused)",
            human_duration(ago(s.started_at.as_deref()))
        ),
        other => other.as_str().to_string(),
    }
}

/// One entry of `GET /containers/json`.
pub(super) fn list_entry(paths: &crate::state::Paths, e: &crate::engine::ps::PsEntry) -> Value {
    let r = &e.summary;
    let command = std::iter::once(r.path.as_str())
        .chain(r.args.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    let ports: Vec<Value> = crate::engine::network::published_ports(paths, &r.id)
        .unwrap_or_default()
        .iter()
        .map(|p| {
            json!({
                "IP": p.bind_ip(),
                "PrivatePort": p.container_port,
                "PublicPort": p.host_port,
                "Type": p.proto.as_str(),
            })
        })
        .collect();
    let mut v = json!({
        "Id": r.id,
        "Names": [format!("/{}", r.name)],
        "Image": r.image,
        "ImageID": r.image_id,
        "Command": command,
        "Created": http::unix_secs(&r.created),
        "Ports": ports,
        "Labels": r.labels,
        "State": e.state.status.as_str(),
        "Status": status_text(&e.state),
        "HostConfig": {"NetworkMode": r.network},
        "NetworkSettings": {"Networks": {}},
        "Mounts": r.mounts.iter().map(crate::engine::mounts::inspect_json).collect::<Vec<_>>(),
    });
    if let (Some(rw), Some(root)) = (e.size_rw, e.size_root) {
        v["SizeRw"] = json!(rw);
        v["SizeRootFs"] = json!(root);
    }
    v
}

/// `GET /containers/json?all&limit&size&filters`.
pub async fn list(ctx: &Arc<Ctx>, q: &Query) -> ApiResult {
    let query = crate::engine::ps::PsQuery {
        all: q.flag("all"),
        last: q.int("limit")?.filter(|n| *n > 0).map(|n| n as usize),
        filters: q.filters()?,
        size: q.flag("size"),
    };
    let paths = ctx.paths.clone();
    let v = blocking(move || {
        let entries = crate::engine::ps::ps(&paths, &query)?;
        Ok(Value::Array(
            entries.iter().map(|e| list_entry(&paths, e)).collect(),
        ))
    })
    .await?;
    http::json(&v)
}

fn bool_of(v: &Value) -> bool {
    v.as_bool().unwrap_or(false)
}

fn str_of(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(String::from)
}

/// `KEY=VALUE` strings from a JSON object of strings.
fn pairs(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default()
}

/// One `HostConfig.Mounts` entry, typed.
fn mount_request(m: &Value) -> Result<MountRequest, ApiError> {
    let target = str_of(&m["Target"]).ok_or_else(|| ApiError::bad("mount: Target is required"))?;
    let rw = !bool_of(&m["ReadOnly"]);
    let mut req = match m["Type"].as_str().unwrap_or("volume") {
        "bind" => {
            let source = str_of(&m["Source"]).ok_or_else(|| {
                ApiError::bad(
                    "invalid mount config for type \"bind\": field Source must not be empty",
                )
            })?;
            let mut r = MountRequest::bind(source, &target, rw)?;
            r.propagation = str_of(&m["BindOptions"]["Propagation"]);
            r
        }
        "tmpfs" => {
            let mut r = MountRequest::tmpfs(&target)?;
            if let Some(n) = m["TmpfsOptions"]["SizeBytes"].as_i64().filter(|n| *n > 0) {
                r.tmpfs.push(format!("size={n}"));
            }
            if let Some(n) = m["TmpfsOptions"]["Mode"].as_i64().filter(|n| *n > 0) {
                r.tmpfs.push(format!("mode={n:o}"));
            }
            r
        }
        "volume" => {
            // docker's --mount syntax for volumes (the checks and defaults are the CLI's).
            let mut spec = format!("type=volume,target={target}");
            if let Some(src) = str_of(&m["Source"]) {
                spec.push_str(&format!(",source={src}"));
            }
            if !rw {
                spec.push_str(",readonly");
            }
            if bool_of(&m["VolumeOptions"]["NoCopy"]) {
                spec.push_str(",volume-nocopy");
            }
            parse::mount(&spec)?
        }
        other => {
            return Err(ApiError::bad(format!(
                "mount type {other:?} is not supported"
            )))
        }
    };
    req.rw = rw;
    Ok(req)
}

/// docker's create JSON (`Config` with `HostConfig` and `NetworkingConfig`) as the engine's
/// typed create request. The one place that knows both shapes.
fn create_request(body: &Value, name: Option<String>) -> Result<CreateRequest, ApiError> {
    if !body.is_object() {
        return Err(ApiError::bad(
            "config cannot be empty in order to create a container",
        ));
    }
    let hc = &body["HostConfig"];
    let image = str_of(&body["Image"])
        .filter(|i| !i.trim().is_empty())
        .ok_or_else(|| ApiError::bad("No command specified"))?;
    let mut req = CreateRequest::new(image);
    // docker's create never pulls: the client pulls on "No such image" and retries.
    req.pull = PullPolicy::Never;
    // docker has no sd_notify: no NOTIFY_SOCKET in the container, no socket for the monitor
    // to relay (the CLI's default outside a Type=notify unit; podman's `container` default
    // made every API container a mount, a socket and a directory more).
    req.sdnotify = crate::systemd::notify::Mode::Ignore;
    req.name = name;
    req.command = strings(&body["Cmd"]);
    // docker: Entrypoint [""] (or []) clears the image's; null keeps it.
    req.entrypoint = match &body["Entrypoint"] {
        Value::Null => None,
        ep => Some(strings(ep).into_iter().filter(|s| !s.is_empty()).collect()),
    };
    req.env = strings(&body["Env"])
        .into_iter()
        .filter(|e| e.contains('='))
        .collect();
    req.labels = body["Labels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    req.workdir = str_of(&body["WorkingDir"]);
    req.user = str_of(&body["User"]);
    req.group_add = strings(&hc["GroupAdd"]);
    req.hostname = str_of(&body["Hostname"]);
    req.tty = bool_of(&body["Tty"]);
    req.interactive = bool_of(&body["OpenStdin"]);
    req.auto_remove = bool_of(&hc["AutoRemove"]);
    // `docker run --runtime NAME`: an OCI runtime on the service's $PATH.
    req.runtime = str_of(&hc["Runtime"]);

    // The network: mode, ports (PortBindings in docker's -p syntax), aliases.
    let network = str_of(&hc["NetworkMode"]).unwrap_or_else(|| "default".into());
    let mut publish = Vec::new();
    if let Some(m) = hc["PortBindings"].as_object() {
        for (port, binds) in m {
            let binds = binds.as_array().cloned().unwrap_or_default();
            if binds.is_empty() {
                publish.push(parse::publish(port)?);
            }
            for b in binds {
                let ip = b["HostIp"].as_str().unwrap_or("");
                let hp = b["HostPort"].as_str().unwrap_or("");
                let spec = match (ip.is_empty(), hp.is_empty()) {
                    (true, true) => port.clone(),
                    (true, false) => format!("{hp}:{port}"),
                    (false, _) => format!("{ip}:{hp}:{port}"),
                };
                publish.push(parse::publish(&spec)?);
            }
        }
    }
    let mut expose = Vec::new();
    if let Some(m) = body["ExposedPorts"].as_object() {
        for k in m.keys() {
            expose.extend(parse::expose(k)?);
        }
    }
    let aliases = body["NetworkingConfig"]["EndpointsConfig"]
        .as_object()
        .and_then(|m| m.get(&network).or_else(|| m.values().next()))
        .map(|ep| strings(&ep["Aliases"]))
        .unwrap_or_default();
    req.network = NetworkRequest {
        mode: parse::network_mode(&network)?,
        publish,
        publish_all: bool_of(&hc["PublishAllPorts"]),
        expose,
        add_hosts: strings(&hc["ExtraHosts"]),
        dns: strings(&hc["Dns"]),
        dns_search: strings(&hc["DnsSearch"]),
        dns_options: strings(&hc["DnsOptions"]),
        aliases,
        extra_networks: Vec::new(),
        ip: None,
        mac: None,
    };

    // Mounts: Binds (-v), Mounts (--mount), Tmpfs; Config.Volumes are anonymous volumes unless
    // a bind or mount already has that target (compose lists both).
    let mut mounts = Vec::new();
    for b in strings(&hc["Binds"]) {
        mounts.push(parse::volume(&b)?);
    }
    if let Some(a) = hc["Mounts"].as_array() {
        for m in a {
            mounts.push(mount_request(m)?);
        }
    }
    if let Some(m) = hc["Tmpfs"].as_object() {
        for (k, v) in m {
            let spec = match v.as_str().filter(|s| !s.is_empty()) {
                Some(o) => format!("{k}:{o}"),
                None => k.clone(),
            };
            mounts.push(parse::tmpfs(&spec)?);
        }
    }
    if let Some(m) = body["Volumes"].as_object() {
        for k in m.keys() {
            let anon = parse::volume(k)?;
            if !mounts.iter().any(|x| x.destination == anon.destination) {
                mounts.push(anon);
            }
        }
    }
    req.mounts = mounts;
    req.volumes_from = strings(&hc["VolumesFrom"])
        .iter()
        .map(|v| parse::volumes_from(v))
        .collect::<Result<_, _>>()?;
    if let Some(a) = hc["Devices"].as_array() {
        for d in a {
            let host = d["PathOnHost"].as_str().unwrap_or("");
            let inside = d["PathInContainer"]
                .as_str()
                .filter(|p| !p.is_empty())
                .unwrap_or(host);
            let spec = match d["CgroupPermissions"].as_str().filter(|p| !p.is_empty()) {
                Some(p) => format!("{host}:{inside}:{p}"),
                None => format!("{host}:{inside}"),
            };
            req.devices.push(parse::device(&spec)?);
        }
    }

    req.restart = match str_of(&hc["RestartPolicy"]["Name"]).as_deref() {
        None | Some("no") => RestartPolicy::No,
        Some("on-failure") => match hc["RestartPolicy"]["MaximumRetryCount"].as_i64() {
            Some(n) if n > 0 => parse::restart(&format!("on-failure:{n}"))?,
            _ => parse::restart("on-failure")?,
        },
        Some(other) => parse::restart(other)?,
    };
    req.log = parse::log(
        &str_of(&hc["LogConfig"]["Type"]).unwrap_or_else(|| "json-file".into()),
        &pairs(&hc["LogConfig"]["Config"]),
    )?;
    if req.log.driver == "passthrough" {
        // The service's streams are nobody's: podman refuses it remotely too.
        return Err(ApiError::bad(
            "the passthrough log driver is not available through the API",
        ));
    }
    req.security = parse::security(&parse::SecurityFlags {
        privileged: bool_of(&hc["Privileged"]),
        cap_add: &strings(&hc["CapAdd"]),
        cap_drop: &strings(&hc["CapDrop"]),
        security_opt: &strings(&hc["SecurityOpt"]),
        read_only: bool_of(&hc["ReadonlyRootfs"]),
        init: bool_of(&hc["Init"]),
    })?;
    if let Some(a) = hc["Ulimits"].as_array() {
        for u in a {
            req.ulimits.push(Ulimit {
                name: parse::ulimit(&format!("{}=0", u["Name"].as_str().unwrap_or("")))?.name,
                soft: u["Soft"]
                    .as_i64()
                    .map_or(u64::MAX, |n| if n < 0 { u64::MAX } else { n as u64 }),
                hard: u["Hard"]
                    .as_i64()
                    .map_or(u64::MAX, |n| if n < 0 { u64::MAX } else { n as u64 }),
            });
        }
    }
    req.limits = crate::engine::resources::Limits {
        memory: hc["Memory"].as_i64().filter(|n| *n > 0).map(|n| n as u64),
        cpus: hc["NanoCpus"]
            .as_i64()
            .filter(|n| *n > 0)
            .map(|n| n as f64 / 1e9),
        pids_limit: hc["PidsLimit"].as_i64().filter(|n| *n > 0),
        memory_swap: hc["MemorySwap"].as_i64().filter(|n| *n != 0),
        memory_reservation: hc["MemoryReservation"]
            .as_i64()
            .filter(|n| *n > 0)
            .map(|n| n as u64),
        cpu_shares: hc["CpuShares"].as_i64().filter(|n| *n != 0),
        cpu_period: hc["CpuPeriod"].as_i64().filter(|n| *n != 0),
        cpu_quota: hc["CpuQuota"].as_i64().filter(|n| *n != 0),
        cpuset_cpus: str_of(&hc["CpusetCpus"]),
        cpuset_mems: str_of(&hc["CpusetMems"]),
        blkio_weight: hc["BlkioWeight"]
            .as_u64()
            .filter(|n| *n != 0)
            .map(|n| n.min(u16::MAX as u64) as u16),
        cgroup_parent: str_of(&hc["CgroupParent"]),
        ..Default::default()
    };
    req.stop_signal = str_of(&body["StopSignal"])
        .map(|s| parse::stop_signal(&s))
        .transpose()?;
    req.stop_timeout = body["StopTimeout"].as_i64();
    // docker's Healthcheck is the engine's HealthConfig, field for field; a null field is
    // its default (docker-compose 1.29 sends `"Retries": null` for what the file leaves out).
    if !body["Healthcheck"].is_null() {
        let mut h = body["Healthcheck"].clone();
        if let Some(m) = h.as_object_mut() {
            m.retain(|_, v| !v.is_null());
        }
        req.healthcheck = Some(
            serde_json::from_value(h)
                .map_err(|e| ApiError::bad(format!("invalid Healthcheck: {e}")))?,
        );
    }
    Ok(req)
}

/// `POST /containers/create?name=`.
pub async fn create(ctx: &Arc<Ctx>, q: &Query, req: Request<Incoming>) -> ApiResult {
    let body = http::read_json(req).await?;
    super::schema::check_create(&body)?;
    let request = create_request(
        &body,
        q.get("name").filter(|n| !n.is_empty()).map(String::from),
    )?;
    let paths = ctx.paths.clone();
    let id = blocking(move || {
        create::create(&paths, &request, &mut std::io::sink()).map_err(|e| match e {
            // docker's wording, which its CLI reads to decide to pull.
            EngineError::Image(crate::image::ImageError::NotFound(_)) => {
                EngineError::NotFound(format!("No such image: {}", image_name(&request.image)))
            }
            e => e,
        })
    })
    .await?;
    Ok(http::json_status(
        StatusCode::CREATED,
        &json!({"Id": id, "Warnings": []}),
    ))
}

/// `busybox` as docker names it in "No such image": `busybox:latest`.
fn image_name(image: &str) -> String {
    crate::image::Reference::parse(image)
        .map(|r| r.familiar_tagged())
        .unwrap_or_else(|_| image.to_string())
}

/// `GET /containers/{id}/json`.
pub async fn inspect(ctx: &Arc<Ctx>, id: &str) -> ApiResult {
    let (paths, id) = (ctx.paths.clone(), id.to_string());
    let v = blocking(move || {
        let info = ctr::get(&paths, &id)?;
        Ok(ctr::inspect_json(&paths, &info))
    })
    .await?;
    http::json(&v)
}

/// `POST /containers/{id}/start`: 304 when it already runs. A client attached before the start
/// (docker's `run`) gets the container's streams from the very first byte.
pub async fn start(ctx: &Arc<Ctx>, id: &str) -> ApiResult {
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    let info = blocking(move || ctr::get(&paths, &name)).await?;
    if info.state.status == Status::Paused {
        return Err(ApiError::conflict(
            "cannot start a paused container, try unpause instead",
        ));
    }
    if info.state.status == Status::Running {
        return http::status_only(StatusCode::NOT_MODIFIED);
    }
    let id = info.record.id.clone();
    if let Some(waiting) = super::hijack::take_pending(ctx, &id) {
        let paths = ctx.paths.clone();
        let rec = info.record.clone();
        let child = blocking(move || ctr::start_piped(&paths, &rec)).await?;
        waiting.hand_over(child);
    } else {
        let paths = ctx.paths.clone();
        blocking(move || ctr::start_existing(&paths, &id, false)).await?;
    }
    if matches!(info.record.network, crate::network::Mode::User(_)) {
        keep_shared_namespace(ctx);
    }
    http::status_only(StatusCode::NO_CONTENT)
}

/// After a start on the default bridge or a user network: the service keeps their shared
/// namespace up while it runs (checked after every such start, off the answer's path: a
/// holder started again since is held again).
fn keep_shared_namespace(ctx: &Arc<Ctx>) {
    let ctx = ctx.clone();
    tokio::task::spawn_blocking(move || {
        if crate::engine::network::keep_shared_namespace(&ctx.paths) {
            ctx.holds_shared_namespace
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
    });
}

fn timeout(q: &Query) -> Result<Option<i64>, ApiError> {
    match q.int("t")? {
        Some(t) => Ok(Some(t)),
        None => q.int("timeout"),
    }
}

/// `POST /containers/{id}/stop?t=`: 304 when it was not running.
pub async fn stop(ctx: &Arc<Ctx>, id: &str, q: &Query) -> ApiResult {
    let t = timeout(q)?;
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    let was_running = blocking(move || {
        let info = ctr::get(&paths, &name)?;
        let running = matches!(
            info.state.status,
            Status::Running | Status::Paused | Status::Restarting
        );
        ctr::stop(&paths, &info.record.id, t)?;
        Ok(running)
    })
    .await?;
    http::status_only(if was_running {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_MODIFIED
    })
}

/// `POST /containers/{id}/restart?t=`.
pub async fn restart(ctx: &Arc<Ctx>, id: &str, q: &Query) -> ApiResult {
    let t = timeout(q)?;
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    blocking(move || ctr::restart(&paths, &name, t)).await?;
    http::status_only(StatusCode::NO_CONTENT)
}

/// `POST /containers/{id}/kill?signal=`.
pub async fn kill(ctx: &Arc<Ctx>, id: &str, q: &Query) -> ApiResult {
    let signal = q
        .get("signal")
        .filter(|s| !s.is_empty())
        .unwrap_or("KILL")
        .to_string();
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    blocking(move || ctr::kill(&paths, &name, &signal)).await?;
    http::status_only(StatusCode::NO_CONTENT)
}

/// `POST /containers/{id}/wait?condition=not-running|next-exit|removed`. The status line goes
/// out at once (docker's CLI starts the container only then); the body comes when the
/// container exits: its `die` event, as the events log recorded it.
pub async fn wait(ctx: &Arc<Ctx>, id: &str, q: &Query) -> ApiResult {
    let condition = q.get("condition").unwrap_or("not-running").to_string();
    if !["not-running", "next-exit", "removed", ""].contains(&condition.as_str()) {
        return Err(ApiError::bad(format!("invalid condition: \"{condition}\"")));
    }
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    // The log's end before the state is read: an exit after this point is an event we read;
    // one before it is in the state (or soon will be: see `wait_for_exit`).
    let (reader, info) = blocking(move || {
        let reader = crate::state::events::Reader::open(&paths, false);
        Ok((reader, ctr::get(&paths, &name)?))
    })
    .await?;
    let id = info.record.id.clone();
    let running = runs(&info.state);
    if condition != "next-exit" && condition != "removed" && !running {
        return http::json(&json!({"StatusCode": info.state.exit_code, "Error": null}));
    }
    let (tx, resp) = http::channel(ctx.activity.enter(), "application/json");
    let paths = ctx.paths.clone();
    let watch = Watch {
        removed: condition == "removed",
        was_running: running,
    };
    tokio::task::spawn_blocking(move || {
        let code = wait_for_exit(&paths, reader, &id, watch, &|| !tx.is_closed());
        let mut body =
            serde_json::to_vec(&json!({"StatusCode": code, "Error": null})).unwrap_or_default();
        body.push(b'\n');
        let _ = tx.blocking_send(body.into());
    });
    Ok(resp)
}

/// Whether a wait for `not-running` has to wait: the container runs, or its monitor is
/// starting it.
fn runs(st: &crate::state::container::ContainerState) -> bool {
    matches!(
        st.status,
        Status::Running | Status::Paused | Status::Restarting
    ) || st.status == Status::Created && st.monitor_pid != 0
}

/// What a wait waits for.
#[derive(Clone, Copy)]
struct Watch {
    /// Until the container is gone (else until it exits).
    removed: bool,
    /// It ran when the wait began: a state that says otherwise is its exit.
    was_running: bool,
}

/// Follow the events log from `reader`'s position until the container dies (and, with
/// `removed`, until it is destroyed), or until `wanted` says the client is gone; its exit
/// code. The monitor logs `die` before it records the exit in the state, so an exit that
/// fell between the two when the wait began is in neither the events read nor the state
/// read then: the state is looked at again on every wake-up.
fn wait_for_exit(
    paths: &crate::state::Paths,
    mut reader: crate::state::events::Reader,
    id: &str,
    watch: Watch,
    wanted: &dyn Fn() -> bool,
) -> i64 {
    let store = crate::state::container::Containers::new(paths);
    let mut code = 0i64;
    let mut gone_since = None;
    loop {
        for e in reader.next_batch() {
            if e.kind != "container" || e.actor.id != id {
                continue;
            }
            match e.action.as_str() {
                "die" => {
                    code = e
                        .actor
                        .attributes
                        .get("exitCode")
                        .and_then(|c| c.parse().ok())
                        .unwrap_or(0);
                    if !watch.removed {
                        return code;
                    }
                }
                "destroy" => return code,
                _ => {}
            }
        }
        if !paths.container(id).exists() {
            // Removed. Its `destroy` is logged just after its directory goes (the monitor or
            // `rm` writes it once the removal is done): the answer waits for it, so that a
            // client never sees the wait end before the event, unless it was logged before
            // the wait began (nothing comes within a moment).
            let since = *gone_since.get_or_insert_with(std::time::Instant::now);
            if since.elapsed() >= std::time::Duration::from_millis(200) {
                return code;
            }
            reader.wait(std::time::Duration::from_millis(20));
            continue;
        }
        if watch.was_running && !watch.removed {
            if let Ok(st) = store.state(id) {
                if !runs(&st) {
                    return i64::from(st.exit_code);
                }
            }
        }
        if !wanted() {
            return code;
        }
        reader.wait(std::time::Duration::from_millis(100));
    }
}

/// `POST /containers/{id}/rename?name=`.
pub async fn rename(ctx: &Arc<Ctx>, id: &str, q: &Query) -> ApiResult {
    let new_name = q
        .get("name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::bad("Neither old nor new names may be empty"))?
        .to_string();
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    blocking(move || ctr::rename(&paths, &name, &new_name)).await?;
    http::status_only(StatusCode::NO_CONTENT)
}

/// `POST /containers/{id}/pause` and `unpause`.
pub async fn pause(ctx: &Arc<Ctx>, id: &str, on: bool) -> ApiResult {
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    blocking(move || {
        if on {
            crate::engine::pause::pause(&paths, &name)
        } else {
            crate::engine::pause::unpause(&paths, &name)
        }
    })
    .await?;
    http::status_only(StatusCode::NO_CONTENT)
}

/// `GET /containers/{id}/top?ps_args=`.
pub async fn top(ctx: &Arc<Ctx>, id: &str, q: &Query) -> ApiResult {
    let ps_args: Vec<String> = q
        .get("ps_args")
        .map(|a| a.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    let (titles, rows) =
        blocking(move || crate::engine::resources::top(&paths, &name, &ps_args)).await?;
    http::json(&json!({"Titles": titles, "Processes": rows}))
}

/// `GET /containers/{id}/logs`: multiplexed frames without a terminal, raw with one.
pub async fn logs(ctx: &Arc<Ctx>, id: &str, q: &Query) -> ApiResult {
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    let info = blocking(move || ctr::get(&paths, &name)).await?;
    let now = chrono::Utc::now();
    let time = |k: &str| -> Result<Option<chrono::DateTime<chrono::Utc>>, ApiError> {
        match q.get(k).filter(|s| !s.is_empty() && *s != "0") {
            None => Ok(None),
            Some(s) => Ok(Some(crate::engine::logs::parse_time(s, now)?)),
        }
    };
    let query = crate::engine::logs::LogQuery {
        follow: q.flag("follow"),
        tail: crate::engine::logs::parse_tail(q.get("tail").unwrap_or("all"))?,
        since: time("since")?,
        until: time("until")?,
    };
    let (want_out, want_err) = (q.flag("stdout"), q.flag("stderr"));
    if !want_out && !want_err {
        return Err(ApiError::bad(
            "Bad parameters: you must choose at least one stream",
        ));
    }
    let timestamps = q.flag("timestamps");
    let tty = info.record.tty;
    let content = if tty {
        "application/vnd.docker.raw-stream"
    } else {
        "application/vnd.docker.multiplexed-stream"
    };
    let (tx, resp) = http::channel(ctx.activity.enter(), content);
    let paths = ctx.paths.clone();
    let id = info.record.id.clone();
    tokio::task::spawn_blocking(move || {
        let gone = tx.clone();
        let r = crate::engine::logs::logs(
            &paths,
            &id,
            &query,
            &mut |e| {
                let stream = if e.stream == "stderr" { 2 } else { 1 };
                if (stream == 1 && !want_out) || (stream == 2 && !want_err) || tx.is_closed() {
                    return;
                }
                let mut line = Vec::new();
                if timestamps {
                    line.extend_from_slice(e.time.as_bytes());
                    line.push(b' ');
                }
                line.extend_from_slice(e.log.as_bytes());
                let frame = if tty {
                    line.into()
                } else {
                    http::mux_frame(stream, &line)
                };
                let _ = tx.blocking_send(frame);
            },
            &|| !gone.is_closed(),
        );
        if let Err(e) = r {
            tracing::warn!("logs of {id}: {e}");
        }
    });
    Ok(resp)
}

/// `DELETE /containers/{id}?force&v`.
pub async fn remove(ctx: &Arc<Ctx>, id: &str, q: &Query) -> ApiResult {
    let (force, volumes) = (q.flag("force"), q.flag("v"));
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    blocking(move || ctr::remove(&paths, &name, force, volumes)).await?;
    http::status_only(StatusCode::NO_CONTENT)
}

/// `POST /containers/prune?filters=`.
pub async fn prune(ctx: &Arc<Ctx>, q: &Query) -> ApiResult {
    let filters = q.filters()?;
    let paths = ctx.paths.clone();
    let report = blocking(move || crate::engine::prune::prune(&paths, &filters)).await?;
    let mut out = Map::new();
    out.insert("ContainersDeleted".into(), json!(report.deleted));
    out.insert("SpaceReclaimed".into(), json!(report.reclaimed));
    http::json(&Value::Object(out))
}

/// `GET /containers/{id}/export`: the container's file system as a tar, streamed as the
/// engine's export helper writes it.
pub async fn export(ctx: &Arc<Ctx>, id: &str) -> ApiResult {
    use std::io::Read;
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    let info = blocking(move || ctr::get(&paths, &name)).await?;
    let (mut reader, writer) =
        std::io::pipe().map_err(|e| ApiError::internal(format!("a pipe for the export: {e}")))?;
    let (paths, cid) = (ctx.paths.clone(), info.record.id.clone());
    let (tx, resp) = http::channel(ctx.activity.enter(), "application/x-tar");
    tokio::task::spawn_blocking(move || {
        if let Err(e) = crate::engine::container_files::export(&paths, &cid, writer.into()) {
            tracing::warn!("export of {cid}: {e}");
        }
    });
    tokio::task::spawn_blocking(move || {
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    // The client gone: dropping the pipe ends the helper's writes.
                    if tx
                        .blocking_send(bytes::Bytes::copy_from_slice(&buf[..n]))
                        .is_err()
                    {
                        break;
                    }
                }
            }
        }
    });
    Ok(resp)
}

/// `GET /containers/{id}/changes`: docker's `[{"Path", "Kind"}]`, Kind 0 changed, 1 added,
/// 2 deleted (null when nothing changed, as docker answers).
pub async fn changes(ctx: &Arc<Ctx>, id: &str) -> ApiResult {
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    let list = blocking(move || crate::engine::container_files::diff(&paths, &name)).await?;
    if list.is_empty() {
        return http::json(&Value::Null);
    }
    let v: Vec<Value> = list
        .iter()
        .map(|c| {
            let kind = match c.kind {
                'A' => 1,
                'D' => 2,
                _ => 0,
            };
            json!({"Path": c.path, "Kind": kind})
        })
        .collect();
    http::json(&Value::Array(v))
}

/// `POST /containers/{id}/update`: the restart policy, and the resource limits the engine can
/// apply (else its error, as `skiff update` gives it).
pub async fn update(ctx: &Arc<Ctx>, id: &str, req: Request<Incoming>) -> ApiResult {
    let body = http::read_json(req).await?;
    if !body.is_object() {
        return Err(ApiError::bad(
            "invalid update request: expected a JSON object",
        ));
    }
    super::schema::check_update(&body)?;
    let restart = match str_of(&body["RestartPolicy"]["Name"]).as_deref() {
        None => None,
        Some("on-failure") => match body["RestartPolicy"]["MaximumRetryCount"].as_i64() {
            Some(n) if n > 0 => Some(format!("on-failure:{n}")),
            _ => Some("on-failure".to_string()),
        },
        Some(other) => Some(other.to_string()),
    };
    let positive = |k: &str| body[k].as_i64().filter(|n| *n > 0);
    let limits = crate::engine::resources::Limits {
        memory: positive("Memory").map(|n| n as u64),
        cpus: positive("NanoCpus").map(|n| n as f64 / 1e9),
        pids_limit: positive("PidsLimit"),
        ..Default::default()
    };
    let mut unsupported: Vec<&str> = [
        "MemorySwap",
        "MemoryReservation",
        "KernelMemory",
        "CpuShares",
        "CpuPeriod",
        "CpuQuota",
        "CpuRealtimePeriod",
        "CpuRealtimeRuntime",
        "BlkioWeight",
    ]
    .into_iter()
    .filter(|k| positive(k).is_some())
    .collect();
    for k in ["CpusetCpus", "CpusetMems"] {
        if str_of(&body[k]).is_some() {
            unsupported.push(k);
        }
    }
    if !unsupported.is_empty() {
        return Err(ApiError::bad(format!(
            "updating {} is not supported by skiff",
            unsupported.join(", ")
        )));
    }
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    blocking(move || crate::engine::resources::update(&paths, &name, restart.as_deref(), &limits))
        .await?;
    http::json(&json!({"Warnings": []}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_json_to_options() {
        let body = json!({
            "Image": "busybox",
            "Cmd": ["echo", "hi"],
            "Entrypoint": ["sh", "-c"],
            "Env": ["A=1"],
            "Tty": true,
            "OpenStdin": true,
            "Labels": {"k": "v"},
            "Volumes": {"/data": {}, "/c": {}, "/v/": {}},
            "ExposedPorts": {"80/tcp": {}},
            "HostConfig": {
                "Binds": ["/h:/c:ro"],
                "PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]},
                "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3},
                "AutoRemove": false,
                "CapAdd": ["NET_ADMIN"],
                "Tmpfs": {"/run": "size=1m"},
                "Mounts": [{"Type": "volume", "Source": "v1", "Target": "/v", "ReadOnly": true}],
                "Init": true,
                "NetworkMode": "mynet"
            },
            "NetworkingConfig": {"EndpointsConfig": {"mynet": {"Aliases": ["web"]}}}
        });
        let o = create_request(&body, Some("n".into())).unwrap();
        assert_eq!(o.entrypoint, Some(vec!["sh".to_string(), "-c".to_string()]));
        assert_eq!(o.command, vec!["echo", "hi"]);
        let dests: Vec<&str> = o.mounts.iter().map(|m| m.destination.as_str()).collect();
        // Binds, Mounts, Tmpfs, then the Config.Volumes no other mount has.
        assert_eq!(dests, vec!["/c", "/v", "/run", "/data"]);
        assert!(!o.mounts[0].rw && !o.mounts[1].rw);
        assert_eq!(o.mounts[1].source.as_deref(), Some("v1"));
        assert_eq!(o.network.publish.len(), 1);
        assert_eq!(o.restart.to_string(), "on-failure:3");
        assert_eq!(o.network.aliases, vec!["web"]);
        assert_eq!(o.labels.get("k").map(String::as_str), Some("v"));
        assert!(o.security.init && o.tty && o.interactive);
        assert_eq!(o.pull, PullPolicy::Never);
        assert!(create_request(&json!([1]), None).is_err());
        assert!(create_request(&json!({"Cmd": ["x"]}), None).is_err());
        let bad =
            json!({"Image": "busybox", "HostConfig": {"RestartPolicy": {"Name": "sometimes"}}});
        assert!(create_request(&bad, None).is_err());
    }
}
