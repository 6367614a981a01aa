//! Container networking, engine side: turning `run`'s network flags into a container's
//! `NetConfig` (ports chosen and checked before the container starts), what `port`, `ps` and
//! `inspect` show of it.
use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::EngineError;
use crate::network::ports::{self, ExposedPort, PortMapping};
use crate::network::{files, Mode, NetConfig};
use crate::state::container::{ContainerRecord, Containers, Status};
use crate::state::Paths;

/// `run`'s network flags, as given.
#[derive(Debug, Clone, Default)]
pub struct NetOptions {
    pub publish: Vec<String>,
    pub publish_all: bool,
    pub expose: Vec<String>,
    pub add_hosts: Vec<String>,
    pub dns: Vec<String>,
    pub dns_search: Vec<String>,
    pub dns_options: Vec<String>,
}

/// Check the flags against the mode, resolve `container:NAME` to the container's ID, and choose
/// and check the host ports (a port in use fails here, before anything is created).
pub fn prepare(
    paths: &Paths,
    mode: &mut Mode,
    o: &NetOptions,
    image_config: &Value,
) -> Result<NetConfig, EngineError> {
    if let Mode::Container(target) = mode {
        for (given, what) in [
            (!o.publish.is_empty() || o.publish_all, "port publishing"),
            (!o.dns.is_empty(), "dns"),
            (!o.dns_search.is_empty(), "dns-search"),
            (!o.dns_options.is_empty(), "dns-option"),
            (!o.add_hosts.is_empty(), "add-host"),
        ] {
            if given {
                return Err(EngineError::Usage(format!(
                    "conflicting options: {what} and the container type network mode"
                )));
            }
        }
        let store = Containers::new(paths);
        let id = store.resolve(target)?;
        if store.state(&id)?.status != Status::Running {
            return Err(EngineError::Conflict(format!(
                "cannot join the network of container {target}: it is not running"
            )));
        }
        *target = id;
    }
    let mut exposed: Vec<ExposedPort> = Vec::new();
    if let Some(map) = image_config["ExposedPorts"].as_object() {
        exposed.extend(map.keys().filter_map(|k| ports::parse_exposed_key(k)));
    }
    for e in &o.expose {
        exposed.extend(ports::parse_expose(e)?);
    }
    let specs = o
        .publish
        .iter()
        .map(|p| ports::parse_publish(p))
        .collect::<Result<Vec<_>, _>>()?;
    exposed.sort();
    exposed.dedup();
    // Published ports exist only where slirp4netns forwards them (docker discards them with
    // the host network, and none has nothing to forward to).
    let published = if matches!(mode, Mode::Slirp4netns(_)) {
        ports::resolve(&specs, if o.publish_all { &exposed } else { &[] })?
    } else {
        Vec::new()
    };
    let cfg = NetConfig {
        ports: published,
        publish: o.publish.clone(),
        publish_all: o.publish_all,
        exposed,
        add_hosts: o.add_hosts.clone(),
        dns: o.dns.clone(),
        dns_search: o.dns_search.clone(),
        dns_options: o.dns_options.clone(),
    };
    // Catch a bad --add-host now rather than when the files are written.
    files::hosts(mode, "", "", &cfg)?;
    Ok(cfg)
}

/// The container's /etc/hosts and /etc/resolv.conf. A `container:` container shares those of
/// the container whose network it joins.
pub fn name_files(
    paths: &Paths,
    mode: &Mode,
    hostname: &str,
    name: &str,
    cfg: &NetConfig,
) -> Result<(String, String), EngineError> {
    if let Mode::Container(id) = mode {
        let dir = paths.container(id);
        let read = |f: &str| {
            std::fs::read_to_string(dir.join(f)).map_err(EngineError::io(format!(
                "reading {}",
                dir.join(f).display()
            )))
        };
        return Ok((read("hosts")?, read("resolv.conf")?));
    }
    Ok((
        files::hosts(mode, hostname, name, cfg)?,
        files::resolv_conf(mode, cfg),
    ))
}

/// The ports a container publishes while it runs (`skiff port`); none when it is stopped.
pub fn published_ports(paths: &Paths, name: &str) -> Result<Vec<PortMapping>, EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let rec = store.record(&id)?;
    if store.state(&id)?.status != Status::Running {
        return Ok(Vec::new());
    }
    let mut p = rec.net_config.ports.clone();
    p.sort_by_key(|m| (m.container_port, m.proto, m.host_port));
    Ok(p)
}

/// docker's PORTS column of `ps` (empty unless the container runs).
pub fn ps_ports(rec: &ContainerRecord, status: Status) -> String {
    if status != Status::Running {
        return String::new();
    }
    ports::ps_column(&rec.net_config.ports, &rec.net_config.exposed)
}

fn port_key(port: u16, proto: ports::Proto) -> String {
    format!("{port}/{}", proto.as_str())
}

/// Add docker's network fields to a container's inspect JSON: NetworkSettings (IPAddress,
/// Gateway, Ports, Networks), HostConfig (PortBindings, Dns…, ExtraHosts), Config.ExposedPorts.
pub fn extend_inspect(v: &mut Value, rec: &ContainerRecord, running: bool) {
    let cfg = &rec.net_config;
    let mode = Mode::parse(&rec.network).ok();
    let mut ports_map: BTreeMap<String, Value> = BTreeMap::new();
    if running {
        for e in &cfg.exposed {
            ports_map.insert(e.to_string(), Value::Null);
        }
        for m in &cfg.ports {
            let entry = ports_map
                .entry(port_key(m.container_port, m.proto))
                .or_insert_with(|| json!([]));
            if !entry.is_array() {
                *entry = json!([]);
            }
            if let Some(a) = entry.as_array_mut() {
                a.push(json!({"HostIp": m.bind_ip(), "HostPort": m.host_port.to_string()}));
            }
        }
    }
    let settings = match &mode {
        Some(Mode::Slirp4netns(o)) => {
            let (ip, gw, len) = (o.ip().to_string(), o.gateway().to_string(), o.prefix_len());
            json!({
                "IPAddress": ip, "Gateway": gw, "IPPrefixLen": len, "MacAddress": "",
                "Ports": ports_map,
                "Networks": {"slirp4netns": {"IPAddress": ip, "Gateway": gw, "IPPrefixLen": len}},
            })
        }
        other => {
            let name = other
                .as_ref()
                .map(|m| m.as_str())
                .unwrap_or(rec.network.as_str());
            json!({
                "IPAddress": "", "Gateway": "", "IPPrefixLen": 0, "MacAddress": "",
                "Ports": ports_map,
                "Networks": {name: {"IPAddress": "", "Gateway": ""}},
            })
        }
    };
    v["NetworkSettings"] = settings;

    let mut bindings: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for p in &cfg.publish {
        let Ok(s) = ports::parse_publish(p) else {
            continue;
        };
        let (c0, c1) = s.container_ports;
        for (i, c) in (c0..=c1).enumerate() {
            let host = match s.host_ports {
                None => String::new(),
                Some((h0, h1)) if c0 == c1 && h0 != h1 => format!("{h0}-{h1}"),
                Some((h0, _)) => (h0 + i as u16).to_string(),
            };
            bindings
                .entry(port_key(c, s.proto))
                .or_default()
                .push(json!({"HostIp": s.host_ip, "HostPort": host}));
        }
    }
    let hc = &mut v["HostConfig"];
    hc["PortBindings"] = json!(bindings);
    hc["PublishAllPorts"] = json!(cfg.publish_all);
    hc["Dns"] = json!(cfg.dns);
    hc["DnsSearch"] = json!(cfg.dns_search);
    hc["DnsOptions"] = json!(cfg.dns_options);
    hc["ExtraHosts"] = if cfg.add_hosts.is_empty() {
        Value::Null
    } else {
        json!(cfg.add_hosts)
    };
    let mut exposed: BTreeMap<String, Value> = cfg
        .exposed
        .iter()
        .map(|e| (e.to_string(), json!({})))
        .collect();
    for m in &cfg.ports {
        exposed.insert(port_key(m.container_port, m.proto), json!({}));
    }
    if !exposed.is_empty() {
        v["Config"]["ExposedPorts"] = json!(exposed);
    }
}
