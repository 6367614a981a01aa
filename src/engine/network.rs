//! Container networking, engine side: turning a create request's network into a container's
//! `NetConfig` (ports chosen and checked before the container starts), what `port`, `ps` and
//! `inspect` show of it.
use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::create::request::NetworkRequest;
use super::EngineError;
use crate::network::builtin;
use crate::network::ports::{self, ExposedPort, PortMapping};
use crate::network::user::{self, Network};
use crate::network::{files, Attachment, Mode, NetConfig};
use crate::state::container::{ContainerRecord, Containers, Status};
use crate::state::Paths;

/// What this process registers as in the shared namespace's clients ([`keep_shared_namespace`]).
fn holder_key() -> String {
    format!("service-{}", std::process::id())
}

/// Keep the shared namespace of the default bridge and the user networks (its holder and
/// slirp4netns) up for as long as this process lives, if it runs: the API service calls it
/// after it started a container there, so that its clients' next containers never wait for
/// the holder to start again. True when held; the holder lets go by itself once this process
/// has exited ([`let_go_shared_namespace`] at once).
pub fn keep_shared_namespace(paths: &Paths) -> bool {
    match user::hold(paths, &holder_key(), std::process::id() as i32) {
        Ok(held) => held,
        Err(e) => {
            tracing::debug!("keeping the shared network namespace: {e}");
            false
        }
    }
}

/// The end of [`keep_shared_namespace`]: the holder lingers, then exits once no container
/// needs it.
pub fn let_go_shared_namespace(paths: &Paths) {
    user::release(paths, &holder_key());
}

/// Check the flags against the mode, resolve `container:NAME` to the container's ID, and choose
/// and check the host ports (a port in use fails here, before anything is created).
pub fn prepare(
    paths: &Paths,
    mode: &mut Mode,
    o: &NetworkRequest,
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
        if !store.state(&id)?.status.is_up() {
            return Err(EngineError::Conflict(format!(
                "cannot join the network of container {target}: it is not running"
            )));
        }
        *target = id;
    }
    let mut networks = Vec::new();
    let mut outbound = matches!(mode, Mode::Slirp4netns(_) | Mode::Pasta(_));
    if mode.is_default_bridge() {
        // docker's messages: no fixed address or aliases on the default bridge.
        if o.ip.is_some() {
            return Err(EngineError::Usage(
                "user specified IP address is supported on user defined networks only".into(),
            ));
        }
        if !o.aliases.is_empty() {
            return Err(EngineError::Usage(
                "network-scoped aliases are supported only for containers on user-defined networks"
                    .into(),
            ));
        }
    }
    if let Mode::User(name) = mode {
        let net = user::find(paths, name)?;
        outbound = !net.internal;
        // docker: `--ip` and `--mac-address` belong to the first network, like the aliases.
        let mut first = attachment(&net, &o.aliases);
        if let Some(ip) = o.ip {
            user::check_in_subnet(&net, ip)?;
            first.ip = Some(ip);
        }
        first.mac = o.mac.clone();
        networks.push(first);
        for extra in &o.extra_networks {
            let n = user::find(paths, extra)?;
            outbound |= !n.internal;
            networks.push(attachment(&n, &[]));
        }
        if !outbound && (!o.publish.is_empty() || o.publish_all) {
            return Err(EngineError::Usage(format!(
                "cannot publish ports: network {} is internal",
                net.name
            )));
        }
    } else if o.ip.is_some() {
        return Err(EngineError::Usage(
            "user specified IP address is supported on user defined networks only".into(),
        ));
    } else if o.mac.is_some() {
        return Err(EngineError::Usage(
            "--mac-address: skiff sets a MAC address only on user-defined networks".into(),
        ));
    } else if !o.aliases.is_empty() {
        return Err(EngineError::Usage(
            "network-scoped aliases are supported only for containers on user-defined networks"
                .into(),
        ));
    }
    let mut exposed: Vec<ExposedPort> = Vec::new();
    if let Some(map) = image_config["ExposedPorts"].as_object() {
        exposed.extend(map.keys().filter_map(|k| ports::parse_exposed_key(k)));
    }
    exposed.extend(o.expose.iter().copied());
    let specs = &o.publish;
    exposed.sort();
    exposed.dedup();
    // Published ports exist only where slirp4netns forwards them (docker discards them with
    // the host network, and none has nothing to forward to).
    let published = if outbound {
        ports::resolve(specs, if o.publish_all { &exposed } else { &[] })?
    } else {
        Vec::new()
    };
    let cfg = NetConfig {
        ports: published,
        publish: o.publish.iter().map(|p| p.to_string()).collect(),
        publish_all: o.publish_all,
        exposed,
        add_hosts: o.add_hosts.clone(),
        dns: o.dns.clone(),
        dns_search: o.dns_search.clone(),
        dns_options: o.dns_options.clone(),
        networks,
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
    if !store.state(&id)?.status.is_up() {
        return Ok(Vec::new());
    }
    let mut p = rec.net_config.ports.clone();
    p.sort_by_key(|m| (m.container_port, m.proto, m.host_port));
    Ok(p)
}

/// docker's PORTS column of `ps` (empty unless the container runs).
pub fn ps_ports(c: &crate::state::summary::Summary, status: Status) -> String {
    if !status.is_up() {
        return String::new();
    }
    ports::ps_column(&c.ports, &c.exposed)
}

fn port_key(port: u16, proto: ports::Proto) -> String {
    format!("{port}/{}", proto.as_str())
}

/// Add docker's network fields to a container's inspect JSON: NetworkSettings (IPAddress,
/// Gateway, Ports, Networks), HostConfig (PortBindings, Dns…, ExtraHosts), Config.ExposedPorts.
pub fn extend_inspect(paths: &Paths, v: &mut Value, rec: &ContainerRecord, running: bool) {
    let cfg = &rec.net_config;
    let mode = &rec.network;
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
    let settings = match mode {
        Mode::User(_) => user_settings(paths, rec, running, ports_map),
        Mode::Slirp4netns(o) => {
            let (ip, gw, len) = (o.ip().to_string(), o.gateway().to_string(), o.prefix_len());
            json!({
                "IPAddress": ip, "Gateway": gw, "IPPrefixLen": len, "MacAddress": "",
                "Ports": ports_map,
                "Networks": {"slirp4netns": {"IPAddress": ip, "Gateway": gw, "IPPrefixLen": len}},
            })
        }
        other => {
            let name = other.as_str();
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

fn attachment(net: &Network, aliases: &[String]) -> Attachment {
    Attachment {
        name: net.name.clone(),
        id: net.id.clone(),
        gateway: net.gateway.to_string(),
        aliases: aliases.to_vec(),
        ip: None,
        mac: None,
    }
}

/// NetworkSettings of a container on user networks: an entry per network, with its address
/// while the container runs.
fn user_settings(
    paths: &Paths,
    rec: &ContainerRecord,
    running: bool,
    ports_map: BTreeMap<String, Value>,
) -> Value {
    let att = if running {
        user::read_attachments(paths).unwrap_or_default()
    } else {
        Default::default()
    };
    let nets = user::list_with_default(paths).unwrap_or_default();
    let mut networks = serde_json::Map::new();
    let mut first: Option<Value> = None;
    for a in &rec.net_config.networks {
        let ep = att
            .endpoints
            .iter()
            .find(|e| e.container_id == rec.id && e.network_id == a.id);
        let len = nets
            .iter()
            .find(|n| n.id == a.id)
            .map(|n| n.prefix_len())
            .unwrap_or(0);
        let entry = json!({
            "NetworkID": a.id,
            "EndpointID": ep.map(|_| format!("{}-{}", &rec.id[..12.min(rec.id.len())], &a.id[..12.min(a.id.len())])).unwrap_or_default(),
            "Aliases": a.aliases,
            "IPAddress": ep.map(|e| e.ip.to_string()).unwrap_or_default(),
            "IPPrefixLen": if ep.is_some() { len } else { 0 },
            "Gateway": if ep.is_some() { a.gateway.clone() } else { String::new() },
            "MacAddress": ep.map(|e| e.mac.clone()).unwrap_or_default(),
        });
        if first.is_none() {
            first = Some(entry.clone());
        }
        networks.insert(a.name.clone(), entry);
    }
    let f = first.unwrap_or_else(|| json!({}));
    let get = |k: &str, d: Value| f.get(k).cloned().unwrap_or(d);
    json!({
        "IPAddress": get("IPAddress", json!("")),
        "Gateway": get("Gateway", json!("")),
        "IPPrefixLen": get("IPPrefixLen", json!(0)),
        "MacAddress": get("MacAddress", json!("")),
        "Ports": ports_map,
        "Networks": networks,
    })
}

/// The containers (ID, name) whose records name the network, running or not.
fn users_of(paths: &Paths, net: &Network) -> Result<Vec<(String, String)>, EngineError> {
    let store = Containers::new(paths);
    let mut out = Vec::new();
    for id in store.ids()? {
        let Ok(rec) = store.record(&id) else {
            continue;
        };
        if rec.net_config.networks.iter().any(|a| a.id == net.id) {
            out.push((id, rec.name));
        }
    }
    Ok(out)
}

pub use crate::network::user::CreateRequest;

/// `network create`.
pub fn create_network(paths: &Paths, req: &CreateRequest) -> Result<Network, EngineError> {
    let n = user::create(paths, req)?;
    network_event(paths, &n, "create", None);
    Ok(n)
}

/// A network's event: docker's attributes `name` and `type` (and `container`).
fn network_event(paths: &Paths, n: &Network, action: &str, container: Option<&str>) {
    let mut attrs = vec![("name", n.name.clone()), ("type", n.driver.clone())];
    if let Some(c) = container {
        attrs.push(("container", c.to_string()));
    }
    crate::state::events::other(paths, "network", action, &n.id, &attrs);
}

/// `network ls`, with docker's filters (`name=`, `id=`, `driver=`, `label=K[=V]`, `scope=`,
/// `type=custom|builtin`): the pre-defined networks and the user's, by name.
pub fn list_networks(paths: &Paths, filters: &[String]) -> Result<Vec<Network>, EngineError> {
    let parsed = parse_filters(filters)?;
    let mut all = builtin::list(paths);
    all.extend(user::list(paths)?);
    all.retain(|n| network_matches(n, &parsed));
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(all)
}

fn parse_filters(filters: &[String]) -> Result<Vec<(String, String)>, EngineError> {
    let mut parsed = Vec::new();
    for f in filters {
        let (k, v) = f.split_once('=').ok_or_else(|| {
            EngineError::Usage(format!("bad format of filter {f:?}: expected key=value"))
        })?;
        if !["name", "id", "driver", "label", "scope", "type"].contains(&k) {
            return Err(EngineError::Usage(format!("invalid filter {k:?}")));
        }
        if k == "type" && v != "custom" && v != "builtin" {
            return Err(EngineError::Usage(format!("invalid filter: 'type'='{v}'")));
        }
        parsed.push((k.to_string(), v.to_string()));
    }
    Ok(parsed)
}

/// docker: the same key ORs, different keys AND.
fn network_matches(n: &Network, parsed: &[(String, String)]) -> bool {
    let predefined = builtin::NAMES.contains(&n.name.as_str());
    let mut keys: Vec<&str> = parsed.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort();
    keys.dedup();
    keys.iter().all(|key| {
        parsed
            .iter()
            .filter(|(k, _)| k == key)
            .any(|(_, v)| match *key {
                "name" => super::filter_match(v, &n.name),
                "id" => n.id.starts_with(v.as_str()),
                "driver" => n.driver == *v,
                "scope" => v == "local",
                "type" => (v == "builtin") == predefined,
                _ => match v.split_once('=') {
                    Some((lk, lv)) => n.labels.get(lk).is_some_and(|x| x == lv),
                    None => n.labels.contains_key(v.as_str()),
                },
            })
    })
}

/// The user's networks alone (what `network prune` may remove).
fn list_user_networks(paths: &Paths, filters: &[String]) -> Result<Vec<Network>, EngineError> {
    let parsed = parse_filters(filters)?;
    let mut out = user::list(paths)?;
    out.retain(|n| network_matches(n, &parsed));
    Ok(out)
}

/// docker's `network inspect` object.
pub fn inspect_network(paths: &Paths, name: &str) -> Result<Value, EngineError> {
    if let Some(n) = builtin::find(paths, name) {
        return inspect_builtin(paths, &n);
    }
    let n = user::find(paths, name)?;
    let att = user::read_attachments(paths)?;
    let containers: BTreeMap<String, Value> = att
        .endpoints
        .iter()
        .filter(|e| e.network_id == n.id)
        .map(|e| {
            (
                e.container_id.clone(),
                json!({
                    "Name": e.container_name,
                    "EndpointID": format!("{}-{}", &e.container_id[..12.min(e.container_id.len())], &n.id[..12]),
                    "MacAddress": e.mac,
                    "IPv4Address": format!("{}/{}", e.ip, n.prefix_len()),
                    "IPv6Address": "",
                }),
            )
        })
        .collect();
    Ok(json!({
        "Name": n.name,
        "Id": n.id,
        "Created": n.created,
        "Scope": "local",
        "Driver": n.driver,
        "EnableIPv6": false,
        "IPAM": {
            "Driver": "default",
            "Options": {},
            "Config": [ipam_config(&n)],
        },
        "Internal": n.internal,
        "Attachable": false,
        "Ingress": false,
        "ConfigFrom": {"Network": ""},
        "ConfigOnly": false,
        "Containers": containers,
        "Options": n.options,
        "Labels": n.labels,
    }))
}

/// docker's `IPAM.Config` entry of a user network: IPRange and AuxiliaryAddresses only when set.
fn ipam_config(n: &Network) -> Value {
    let mut c = json!({"Subnet": n.subnet, "Gateway": n.gateway.to_string()});
    if let Some(r) = &n.ip_range {
        c["IPRange"] = json!(r);
    }
    if !n.aux_addresses.is_empty() {
        c["AuxiliaryAddresses"] = json!(n
            .aux_addresses
            .iter()
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect::<BTreeMap<_, _>>());
    }
    c
}

/// `network inspect` of a pre-defined network: its running containers.
fn inspect_builtin(paths: &Paths, n: &Network) -> Result<Value, EngineError> {
    let store = Containers::new(paths);
    let att = user::read_attachments(paths)?;
    let mut containers = serde_json::Map::new();
    for id in store.ids()? {
        let (Ok(rec), Ok(st)) = (store.record(&id), store.state(&id)) else {
            continue;
        };
        let mode = &rec.network;
        if !st.status.is_up() || !builtin::has_member(&n.name, mode) {
            continue;
        }
        let ep = att
            .endpoints
            .iter()
            .find(|e| e.container_id == id && e.network_id == n.id);
        let ip = ep
            .map(|e| format!("{}/{}", e.ip, n.prefix_len()))
            .unwrap_or_default();
        containers.insert(
            id.clone(),
            json!({
                "Name": rec.name,
                "EndpointID": if n.name == "bridge" { format!("{}-{}", &id[..12], &n.id[..12]) } else { String::new() },
                "MacAddress": ep.map(|e| e.mac.clone()).unwrap_or_default(),
                "IPv4Address": ip,
                "IPv6Address": "",
            }),
        );
    }
    let config = if n.subnet.is_empty() {
        json!([])
    } else {
        json!([{"Subnet": n.subnet, "Gateway": n.gateway.to_string()}])
    };
    let options = if n.name == "bridge" {
        json!({"com.docker.network.bridge.default_bridge": "true"})
    } else {
        json!({})
    };
    Ok(json!({
        "Name": n.name,
        "Id": n.id,
        "Created": n.created,
        "Scope": "local",
        "Driver": n.driver,
        "EnableIPv4": true,
        "EnableIPv6": false,
        "IPAM": {"Driver": "default", "Options": null, "Config": config},
        "Internal": false,
        "Attachable": false,
        "Ingress": false,
        "ConfigFrom": {"Network": ""},
        "ConfigOnly": false,
        "Containers": containers,
        "Options": options,
        "Labels": {},
    }))
}

/// `network rm`: refused while any container, running or not, is on the network.
pub fn remove_network(paths: &Paths, name: &str) -> Result<Network, EngineError> {
    if let Some(n) = builtin::find(paths, name) {
        return Err(EngineError::Network(
            crate::network::NetworkError::Forbidden(format!(
                "{} is a pre-defined network and cannot be removed",
                n.name
            )),
        ));
    }
    let n = user::find(paths, name)?;
    let users = users_of(paths, &n)?;
    if !users.is_empty() {
        let names: Vec<&str> = users.iter().map(|(_, n)| n.as_str()).collect();
        return Err(EngineError::Conflict(format!(
            "error while removing network: network {} has active endpoints (containers: {}); remove them or disconnect them first",
            n.name,
            names.join(", ")
        )));
    }
    user::remove(paths, &n)?;
    network_event(paths, &n, "destroy", None);
    Ok(n)
}

/// `network prune`: every network no container is on. Returns the names removed.
pub fn prune_networks(paths: &Paths, filters: &[String]) -> Result<Vec<String>, EngineError> {
    let mut removed = Vec::new();
    for n in list_user_networks(paths, filters)? {
        if users_of(paths, &n)?.is_empty() && user::remove(paths, &n).is_ok() {
            removed.push(n.name);
        }
    }
    Ok(removed)
}

/// `network connect [--alias A] NETWORK CONTAINER`: recorded for the container's next start;
/// a running container (started on a user network) gets its interface now.
pub fn connect(
    paths: &Paths,
    network: &str,
    container: &str,
    aliases: &[String],
) -> Result<(), EngineError> {
    connect_with_ip(paths, network, container, aliases, None)
}

/// `network connect --ip`: that address on the network (docker's checks: inside the subnet,
/// free).
pub fn connect_with_ip(
    paths: &Paths,
    network: &str,
    container: &str,
    aliases: &[String],
    ip: Option<std::net::Ipv4Addr>,
) -> Result<(), EngineError> {
    refuse_builtin(paths, network)?;
    let n = user::find(paths, network)?;
    let store = Containers::new(paths);
    let id = store.resolve(container)?;
    let lock = store.lock(&id)?;
    let mut rec = store.record(&id)?;
    match rec.network {
        Mode::User(_) => {}
        _ => {
            return Err(EngineError::Usage(format!(
                "container {} uses network mode {}: only containers on user-defined networks can be connected to another",
                rec.name, rec.network
            )))
        }
    }
    if rec.net_config.networks.iter().any(|a| a.id == n.id) {
        return Err(EngineError::Conflict(format!(
            "endpoint with name {} already exists in network {}",
            rec.name, n.name
        )));
    }
    let st = store.state(&id)?;
    if st.status.is_up() {
        user::connect_running(
            paths,
            &id,
            &rec.name,
            &user::Want {
                network: n.clone(),
                aliases: aliases.to_vec(),
                ip,
                mac: None,
            },
            st.pid,
        )?;
    }
    let mut a = attachment(&n, aliases);
    a.ip = ip;
    rec.net_config.networks.push(a);
    store.save_record(&lock, &rec)?;
    network_event(paths, &n, "connect", Some(&id));
    Ok(())
}

/// `network disconnect NETWORK CONTAINER`.
pub fn disconnect(paths: &Paths, network: &str, container: &str) -> Result<(), EngineError> {
    refuse_builtin(paths, network)?;
    let n = user::find(paths, network)?;
    let store = Containers::new(paths);
    let id = store.resolve(container)?;
    let lock = store.lock(&id)?;
    let mut rec = store.record(&id)?;
    let Some(i) = rec.net_config.networks.iter().position(|a| a.id == n.id) else {
        return Err(EngineError::NotFound(format!(
            "container {} is not connected to network {}",
            rec.name, n.name
        )));
    };
    let st = store.state(&id)?;
    if st.status.is_up() {
        user::disconnect_running(paths, &id, &n.id, st.pid)?;
    }
    rec.net_config.networks.remove(i);
    store.save_record(&lock, &rec)?;
    network_event(paths, &n, "disconnect", Some(&id));
    Ok(())
}

/// A container joins a pre-defined network only when it is created (`--network`).
fn refuse_builtin(paths: &Paths, network: &str) -> Result<(), EngineError> {
    match builtin::find(paths, network) {
        Some(n) => Err(EngineError::Usage(format!(
            "containers join the pre-defined {} network only when they are created (--network {})",
            n.name, n.name
        ))),
        None => Ok(()),
    }
}
