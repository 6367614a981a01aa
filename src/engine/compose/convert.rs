//! One service's container as the engine's typed `CreateRequest`: every compose key mapped to
//! the request's field (never a command line), with the `com.docker.compose.*` labels docker
//! compose v2 puts on its containers.
use std::collections::BTreeMap;

use super::model::{Mount, Project, Service};
use crate::engine::create::{self, parse, CreateRequest, MountRequest, PullPolicy};
use crate::engine::EngineError;
use crate::network::ports::{Proto, PublishSpec};
use crate::state::Paths;

pub const LABEL_PROJECT: &str = "com.docker.compose.project";
pub const LABEL_SERVICE: &str = "com.docker.compose.service";
pub const LABEL_NUMBER: &str = "com.docker.compose.container-number";
pub const LABEL_HASH: &str = "com.docker.compose.config-hash";
pub const LABEL_ONEOFF: &str = "com.docker.compose.oneoff";
pub const LABEL_IMAGE: &str = "com.docker.compose.image";
pub const LABEL_NETWORK: &str = "com.docker.compose.network";
pub const LABEL_VOLUME: &str = "com.docker.compose.volume";
pub const LABEL_VERSION: &str = "com.docker.compose.version";
pub const LABEL_WORKING_DIR: &str = "com.docker.compose.project.working_dir";
pub const LABEL_CONFIG_FILES: &str = "com.docker.compose.project.config_files";
pub const LABEL_DEPENDS_ON: &str = "com.docker.compose.depends_on";

/// The compose version skiff reports in its labels and `compose version`.
pub const VERSION: &str = "2.29.0";

fn usage(msg: impl Into<String>) -> EngineError {
    EngineError::Usage(msg.into())
}

/// The name of container `number` of a service: `container_name`, else
/// `<project>-<service>-<number>`.
pub fn container_name(p: &Project, service: &str, s: &Service, number: u32) -> String {
    s.container_name
        .clone()
        .unwrap_or_else(|| format!("{}-{service}-{number}", p.name))
}

/// The labels every project container carries.
pub fn labels(
    p: &Project,
    service: &str,
    s: &Service,
    number: u32,
    hash: &str,
    image_id: &str,
    oneoff: bool,
) -> BTreeMap<String, String> {
    let mut l = s.labels.clone();
    let files: Vec<String> = p.files.iter().map(|f| f.display().to_string()).collect();
    let deps: Vec<String> = s
        .depends_on
        .iter()
        .map(|(d, dep)| format!("{d}:{}:{}", dep.condition, dep.restart))
        .collect();
    for (k, v) in [
        (LABEL_PROJECT, p.name.clone()),
        (LABEL_SERVICE, service.to_string()),
        (LABEL_NUMBER, number.to_string()),
        (LABEL_HASH, hash.to_string()),
        (
            LABEL_ONEOFF,
            if oneoff { "True" } else { "False" }.to_string(),
        ),
        (LABEL_IMAGE, image_id.to_string()),
        (LABEL_VERSION, VERSION.to_string()),
        (LABEL_WORKING_DIR, p.working_dir.display().to_string()),
        (LABEL_CONFIG_FILES, files.join(",")),
        (LABEL_DEPENDS_ON, deps.join(",")),
    ] {
        l.insert(k.to_string(), v);
    }
    l
}

/// The config hash: a digest of the service's normalised configuration, without what does not
/// change a container (its scale, profiles). `up` recreates a container whose hash differs.
pub fn config_hash(s: &Service) -> String {
    use sha2::Digest;
    let mut s = s.clone();
    s.scale = None;
    s.profiles.clear();
    if let Some(d) = &mut s.deploy {
        d.replicas = None;
    }
    let json = serde_json::to_vec(&s).unwrap_or_default();
    hex::encode(sha2::Sha256::digest(&json))
}

/// The create request of container `number` of `service`.
pub fn request(
    paths: &Paths,
    p: &Project,
    service: &str,
    s: &Service,
    name: String,
    labels: BTreeMap<String, String>,
) -> Result<CreateRequest, EngineError> {
    let mut r = CreateRequest::new(s.image_name(&p.name, service));
    let ctx = |e: EngineError| usage(format!("service {service:?}: {e}"));
    r.name = Some(name);
    r.pull = match s.pull_policy.as_deref() {
        Some("always") => PullPolicy::Always,
        Some("never") | Some("build") => PullPolicy::Never,
        _ if s.build.is_some() => PullPolicy::Never,
        _ => PullPolicy::Missing,
    };
    r.labels = labels;
    if let Some(c) = &s.command {
        r.command = c.clone();
    }
    r.entrypoint = s.entrypoint.clone();
    r.env = s
        .environment
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
        .collect();
    r.workdir = s.working_dir.clone();
    r.user = s.user.clone();
    r.group_add = s.group_add.clone();
    r.hostname = s.hostname.clone();
    r.tty = s.tty;
    r.interactive = s.stdin_open;
    network(p, service, s, &mut r).map_err(ctx)?;
    for m in &s.volumes {
        r.mounts.push(mount(p, m).map_err(ctx)?);
    }
    for t in &s.tmpfs {
        r.mounts
            .push(create::parse_mounts::parse_tmpfs(t).map_err(ctx)?);
    }
    for (kind, refs, defined) in [
        ("secrets", &s.secrets, &p.secrets),
        ("configs", &s.configs, &p.configs),
    ] {
        for (i, f) in refs.iter().enumerate() {
            let Some(obj) = defined.get(&f.source) else {
                continue;
            };
            let mut src = file_object_source(paths, p, kind, &f.source, obj).map_err(ctx)?;
            let target = match (&f.target, kind) {
                (Some(t), _) if t.starts_with('/') => t.clone(),
                (Some(t), "secrets") => format!("/run/secrets/{t}"),
                (Some(t), _) => format!("/{t}"),
                (None, "secrets") => format!("/run/secrets/{}", f.source),
                (None, _) => format!("/{}", f.source),
            };
            let owned = f.uid.is_some() || f.gid.is_some() || f.mode.is_some();
            if owned {
                src = owned_copy(paths, p, kind, service, i, &src, f.mode).map_err(ctx)?;
            }
            let mut m = MountRequest::bind(src, &target, false).map_err(ctx)?;
            if f.uid.is_some() || f.gid.is_some() {
                let id = |v: &Option<String>, what: &str| -> Result<u32, EngineError> {
                    v.as_deref().map_or(Ok(0), |v| {
                        v.parse().map_err(|_| {
                            usage(format!(
                                "service {service:?}: {kind}.{}: {what} {v:?} is not a number",
                                f.source
                            ))
                        })
                    })
                };
                m.chown_to = Some((id(&f.uid, "uid")?, id(&f.gid, "gid")?));
            }
            r.mounts.push(m);
        }
    }
    for d in &s.devices {
        r.devices.push(parse::device(d).map_err(ctx)?);
    }
    if let Some(rp) = &s.restart {
        r.restart = parse::restart(rp).map_err(ctx)?;
    }
    if let Some(l) = &s.logging {
        let opts: Vec<String> = l.options.iter().map(|(k, v)| format!("{k}={v}")).collect();
        r.log = parse::log(l.driver.as_deref().unwrap_or("json-file"), &opts).map_err(ctx)?;
    }
    r.security = parse::security(&parse::SecurityFlags {
        privileged: s.privileged,
        cap_add: &s.cap_add,
        cap_drop: &s.cap_drop,
        security_opt: &s.security_opt,
        read_only: s.read_only,
        init: s.init.unwrap_or(false),
    })
    .map_err(ctx)?;
    for (k, u) in &s.ulimits {
        r.ulimits
            .push(parse::ulimit(&format!("{k}={}:{}", u.soft, u.hard)).map_err(ctx)?);
    }
    if let Some(sig) = &s.stop_signal {
        r.stop_signal = Some(parse::stop_signal(sig).map_err(ctx)?);
    }
    if let Some(g) = &s.stop_grace_period {
        r.stop_timeout = crate::units::parse_go_duration(g).map(|d| d.as_secs() as i64);
    }
    if let Some(h) = &s.healthcheck {
        r.healthcheck = Some(health(h).map_err(ctx)?);
    }
    if let Some(sz) = &s.shm_size {
        r.extras.shm_size = Some(create::parse_extras::shm_size(sz).map_err(ctx)?);
    }
    r.extras.sysctls = s.sysctls.clone();
    if let Some(d) = &s.domainname {
        r.extras.domainname = d.clone();
    }
    if s.mem_limit.is_some() || s.cpus.is_some() || s.pids_limit.is_some() {
        r.limits =
            create::request::Limits::parse(s.mem_limit.as_deref(), s.cpus.as_deref(), s.pids_limit)
                .map_err(ctx)?;
    }
    r.security.oom_score_adj = s.oom_score_adj;
    for v in &s.volumes_from {
        // `service:NAME[:ro]`, `container:NAME[:ro]`, or a service's name.
        let (target, mode) = match v.rsplit_once(':') {
            Some((t, m @ ("ro" | "rw"))) => (t, Some(m)),
            _ => (v.as_str(), None),
        };
        let (kind, name) = target.split_once(':').unwrap_or(("service", target));
        let container = match kind {
            "container" => name.to_string(),
            "service" => {
                let o = p.services.get(name).ok_or_else(|| {
                    usage(format!(
                        "service {service:?}: volumes_from: no service {name:?}"
                    ))
                })?;
                container_name(p, name, o, 1)
            }
            _ => {
                return Err(usage(format!(
                    "service {service:?}: volumes_from: {v:?} is not service:NAME or container:NAME"
                )))
            }
        };
        r.volumes_from.push(create::VolumesFrom {
            container,
            rw: mode.map(|m| m == "rw"),
        });
    }
    if let Some(pl) = &s.platform {
        r.platform = parse::platform(pl).map_err(ctx)?;
    }
    if let Some(pid) = &s.pid {
        r.extras.pid = create::parse_extras::pid_mode(pid).map_err(ctx)?;
    }
    if let Some(ipc) = &s.ipc {
        r.extras.ipc = create::parse_extras::ipc_mode(ipc).map_err(ctx)?;
    }
    Ok(r)
}

fn network(
    p: &Project,
    service: &str,
    s: &Service,
    r: &mut CreateRequest,
) -> Result<(), EngineError> {
    let n = &mut r.network;
    for port in &s.ports {
        let proto = match port.protocol.as_str() {
            "udp" => Proto::Udp,
            "tcp" => Proto::Tcp,
            other => return Err(usage(format!("unsupported protocol {other:?}"))),
        };
        let host_ports = match port.published.as_deref() {
            None | Some("") => None,
            Some(pubd) => {
                let parse = |x: &str| {
                    x.parse::<u16>()
                        .map_err(|_| usage(format!("invalid published port {pubd:?}")))
                };
                Some(match pubd.split_once('-') {
                    Some((a, b)) => (parse(a)?, parse(b)?),
                    None => (parse(pubd)?, parse(pubd)?),
                })
            }
        };
        n.publish.push(PublishSpec {
            host_ip: port.host_ip.clone().unwrap_or_default(),
            host_ports,
            container_ports: (port.target, port.target),
            proto,
        });
    }
    for e in &s.expose {
        n.expose.extend(parse::expose(e)?);
    }
    n.add_hosts = s
        .extra_hosts
        .iter()
        .map(|h| match h.split_once('=') {
            Some((k, v)) if !h.contains(':') || k.len() < h.find(':').unwrap_or(0) => {
                format!("{k}:{v}")
            }
            _ => h.clone(),
        })
        .collect();
    n.dns = s.dns.clone();
    n.dns_search = s.dns_search.clone();
    n.dns_options = s.dns_opt.clone();
    if let Some(mode) = &s.network_mode {
        n.mode = match mode.strip_prefix("service:") {
            Some(other) => {
                let o = p
                    .services
                    .get(other)
                    .ok_or_else(|| usage(format!("network_mode: no service {other:?}")))?;
                crate::network::Mode::Container(container_name(p, other, o, 1))
            }
            None => parse::network_mode(mode)?,
        };
        return Ok(());
    }
    // The first network (by priority of the key: `default` first) carries the aliases: the
    // service's name and the ones the file gives.
    let mut keys: Vec<&String> = s.networks.keys().collect();
    keys.sort_by_key(|k| (k.as_str() != "default", k.as_str()));
    let mut names = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let net = p
            .networks
            .get(*k)
            .ok_or_else(|| usage(format!("undefined network {k:?}")))?;
        names.push(net.name.clone());
        if i == 0 {
            n.aliases.push(service.to_string());
            if let Some(Some(a)) = s.networks.get(*k) {
                n.aliases.extend(a.aliases.iter().cloned());
                if let Some(ip) = &a.ipv4_address {
                    n.ip = Some(
                        ip.parse()
                            .map_err(|_| usage(format!("invalid ipv4_address {ip:?}")))?,
                    );
                }
            }
        }
    }
    let mut names = names.into_iter();
    if let Some(first) = names.next() {
        n.mode = crate::network::Mode::User(first);
        n.extra_networks = names.collect();
    }
    Ok(())
}

fn mount(p: &Project, m: &Mount) -> Result<MountRequest, EngineError> {
    match m.kind.as_str() {
        "bind" => {
            let src = m
                .source
                .clone()
                .ok_or_else(|| usage("a bind mount needs a source"))?;
            let mut r = MountRequest::bind(&src, &m.target, !m.read_only)?;
            if let Some(b) = &m.bind {
                r.create_source = b.create_host_path;
                r.propagation = b.propagation.clone();
            }
            Ok(r)
        }
        "tmpfs" => {
            let mut r = MountRequest::tmpfs(&m.target)?;
            if let Some(t) = &m.tmpfs {
                if let Some(sz) = t.size {
                    r.tmpfs.push(format!("size={sz}"));
                }
                if let Some(mode) = t.mode {
                    r.tmpfs.push(format!("mode={mode:o}"));
                }
            }
            Ok(r)
        }
        _ => {
            let spec = match &m.source {
                Some(src) => {
                    let v = p
                        .volumes
                        .get(src)
                        .ok_or_else(|| usage(format!("undefined volume {src:?}")))?;
                    format!("{}:{}", v.name, m.target)
                }
                None => m.target.clone(),
            };
            let mut r = create::parse_mounts::parse_volume(&spec)?;
            r.rw = !m.read_only;
            r.mode = if m.read_only {
                "ro".into()
            } else {
                String::new()
            };
            r.nocopy = m.volume.as_ref().is_some_and(|v| v.nocopy);
            Ok(r)
        }
    }
}

/// A secret's or config's file on the host: its `file`, or (for `environment` and `content`
/// sources) a file skiff writes under its data directory for the project.
fn file_object_source(
    paths: &Paths,
    p: &Project,
    kind: &str,
    name: &str,
    obj: &super::model::FileObject,
) -> Result<std::path::PathBuf, EngineError> {
    if let Some(f) = &obj.file {
        return Ok(f.into());
    }
    if obj.external {
        return Err(usage(format!(
            "{kind}.{name}: external {kind} are a swarm feature skiff does not have"
        )));
    }
    let value = match (&obj.environment, &obj.content) {
        (Some(var), _) => p.environment.get(var).cloned().ok_or_else(|| {
            usage(format!(
                "{kind}.{name}: environment variable {var} is not set"
            ))
        })?,
        (None, Some(c)) => c.clone(),
        _ => String::new(),
    };
    let dir = paths.data.join("compose").join(&p.name).join(kind);
    std::fs::create_dir_all(&dir)
        .map_err(EngineError::io(format!("creating {}", dir.display())))?;
    let f = dir.join(name);
    crate::state::write_atomic(&f, value.as_bytes())
        .map_err(EngineError::io(format!("writing {}", f.display())))?;
    Ok(f)
}

/// A copy of a secret's or config's file for one service's mount, with the `mode` it asks for
/// (docker's default 0444), so that the ids and mode set on it (`uid`, `gid`, `mode`) leave
/// the user's own file alone.
fn owned_copy(
    paths: &Paths,
    p: &Project,
    kind: &str,
    service: &str,
    index: usize,
    src: &std::path::Path,
    mode: Option<u32>,
) -> Result<std::path::PathBuf, EngineError> {
    use std::os::unix::fs::PermissionsExt;
    let dir = paths
        .data
        .join("compose")
        .join(&p.name)
        .join(kind)
        .join(service);
    std::fs::create_dir_all(&dir)
        .map_err(EngineError::io(format!("creating {}", dir.display())))?;
    let name = src
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let f = dir.join(format!("{index}-{name}"));
    let data = std::fs::read(src).map_err(EngineError::io(format!("reading {}", src.display())))?;
    crate::state::write_atomic(&f, &data)
        .map_err(EngineError::io(format!("writing {}", f.display())))?;
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(mode.unwrap_or(0o444))).map_err(
        EngineError::io(format!("setting the mode of {}", f.display())),
    )?;
    Ok(f)
}

fn health(
    h: &super::model::Healthcheck,
) -> Result<crate::state::health::HealthConfig, EngineError> {
    if h.disable || h.test.first().map(String::as_str) == Some("NONE") {
        return Ok(crate::state::health::HealthConfig::none());
    }
    let ns = |v: &Option<String>| -> i64 {
        v.as_deref()
            .and_then(crate::units::parse_go_duration)
            .map(|d| d.as_nanos() as i64)
            .unwrap_or(0)
    };
    let cfg = crate::state::health::HealthConfig {
        test: h.test.clone(),
        interval: ns(&h.interval),
        timeout: ns(&h.timeout),
        start_period: ns(&h.start_period),
        start_interval: ns(&h.start_interval),
        retries: h.retries.unwrap_or(0),
    };
    cfg.validate().map_err(usage)?;
    Ok(cfg)
}
