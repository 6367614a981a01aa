//! User-defined networks (design: docs/networking.md, "User-defined networks").
//!
//! - Definitions: `$SKIFF_ROOT/networks/<id>.json`, written atomically.
//! - Runtime state: `$SKIFF_RUNROOT/netns/`: `holder.json` (the pid of the process that keeps
//!   the shared user and network namespaces), `endpoints.json` (the monitors using it, and one
//!   endpoint per container and network: interface, IP, MAC, aliases).
//! - One lock, `$SKIFF_ROOT/networks/.lock` (flock), serializes every change to both, the holder's
//!   start and its decision to exit, and the plumbing of interfaces, so concurrent starts and
//!   stops get distinct addresses and never race the holder.
//!
//! The plumbing runs `ip` (iproute2) through `nsenter` in the holder's namespaces: a bridge per
//! network with the gateway address, and a veth pair per endpoint whose peer is created
//! directly in the container's network namespace (which the holder's user namespace owns).
use std::collections::BTreeMap;
use std::io::Write;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde::{Deserialize, Serialize};

use super::NetworkError;
use crate::state::atomic::{read_json, write_json_atomic, LockFile};
use crate::state::Paths;

use super::definition::{contains, mask, overlaps};
pub use super::definition::{
    is_predefined, parse_cidr, Network, DNS_DOMAIN, NAMES, OPT_MTU, RESERVED,
};

/// What `network create` asks for.
#[derive(Debug, Clone, Default)]
pub struct CreateRequest {
    pub name: String,
    pub driver: Option<String>,
    pub subnet: Option<String>,
    pub gateway: Option<String>,
    pub internal: bool,
    pub labels: BTreeMap<String, String>,
    /// `--ip-range` (CIDR, inside the subnet; needs `subnet`).
    pub ip_range: Option<String>,
    /// `--aux-address NAME=IP` as given.
    pub aux_addresses: Vec<String>,
    /// `-o KEY=VALUE`.
    pub options: BTreeMap<String, String>,
    /// `--ipv6`: refused, skiff's networks have no IPv6.
    pub ipv6: bool,
}

/// A monitor whose container uses the shared namespace: the holder runs while one is alive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    pub container_id: String,
    pub pid: i32,
    pub start: u64,
}

/// A container's interface on a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub container_id: String,
    pub container_name: String,
    pub network_id: String,
    pub ip: Ipv4Addr,
    pub mac: String,
    /// The interface inside the container (`eth0`, `eth1`...).
    pub ifname: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// `$SKIFF_RUNROOT/netns/endpoints.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachments {
    #[serde(default)]
    pub clients: Vec<Client>,
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
    /// The bridges made (with their packet filter rules) in the running holder's namespace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bridges: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct HolderRecord {
    pid: i32,
    start: u64,
}

/// A network a container is on, with its network-scoped aliases.
#[derive(Debug, Clone)]
pub struct Want {
    pub network: Network,
    pub aliases: Vec<String>,
    /// A fixed address (`--ip`), else the lowest free one.
    pub ip: Option<Ipv4Addr>,
    /// A fixed MAC (`--mac-address`), else one derived from the address.
    pub mac: Option<String>,
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> NetworkError {
    let what = what.into();
    move |e| NetworkError::Config(format!("{what}: {e}"))
}

pub fn defs_dir(paths: &Paths) -> PathBuf {
    paths.data.join("networks")
}

pub fn run_dir(paths: &Paths) -> PathBuf {
    paths.runtime.join("netns")
}

fn endpoints_path(paths: &Paths) -> PathBuf {
    run_dir(paths).join("endpoints.json")
}

fn holder_path(paths: &Paths) -> PathBuf {
    run_dir(paths).join("holder.json")
}

/// Whether the holder `me` has lost its record for good: `holder.json` is gone, or names
/// another holder (read without the lock, for a holder whose lock cannot be taken: its
/// store was deleted). A record that cannot be read for another reason does not count.
pub fn holder_record_lost(paths: &Paths, me: i32) -> bool {
    match read_json::<HolderRecord>(&holder_path(paths)) {
        Ok(h) => h.pid != me,
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    }
}

/// The lock that guards definitions, attachments and the holder.
pub fn lock(paths: &Paths) -> Result<LockFile, NetworkError> {
    let p = defs_dir(paths).join(".lock");
    LockFile::exclusive(&p).map_err(io(format!("locking {}", p.display())))
}

/// Every network, by name.
pub fn list(paths: &Paths) -> Result<Vec<Network>, NetworkError> {
    let dir = defs_dir(paths);
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io(format!("reading {}", dir.display()))(e)),
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) != Some("json") {
            continue;
        }
        out.push(read_json::<Network>(&p).map_err(io(format!("reading {}", p.display())))?);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Every network the shared namespace may have a bridge for: the user's and the default
/// `bridge`.
pub fn list_with_default(paths: &Paths) -> Result<Vec<Network>, NetworkError> {
    let mut all = list(paths)?;
    all.push(super::builtin::default_bridge(paths));
    Ok(all)
}

/// A network by name, full ID or unique ID prefix; `bridge` (or `default`, or its full ID) is
/// the default bridge network.
pub fn find(paths: &Paths, name_or_id: &str) -> Result<Network, NetworkError> {
    let bridge = super::builtin::default_bridge(paths);
    if [super::DEFAULT_BRIDGE, "default", bridge.id.as_str()].contains(&name_or_id) {
        return Ok(bridge);
    }
    let all = list(paths)?;
    if let Some(n) = all
        .iter()
        .find(|n| n.name == name_or_id || n.id == name_or_id)
    {
        return Ok(n.clone());
    }
    let hits: Vec<&Network> = all
        .iter()
        .filter(|n| !name_or_id.is_empty() && n.id.starts_with(name_or_id))
        .collect();
    match hits.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(NetworkError::NotFound(format!(
            "network {name_or_id} not found"
        ))),
        _ => Err(NetworkError::Config(format!(
            "network {name_or_id} is ambiguous: use more of the ID"
        ))),
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

fn random_hex(bytes: usize) -> Result<String, NetworkError> {
    crate::sys::random::hex(bytes).map_err(io("reading random bytes"))
}

/// The first free `10.89.N.0/24` (podman's range for new networks).
fn default_subnet(taken: &[(Ipv4Addr, u8)]) -> Option<(Ipv4Addr, u8)> {
    (0..=255u8)
        .map(|n| (Ipv4Addr::new(10, 89, n, 0), 24))
        .find(|c| !taken.iter().any(|t| overlaps(*c, *t)))
}

/// `network create`: the definition, written atomically under the lock.
pub fn create(paths: &Paths, req: &CreateRequest) -> Result<Network, NetworkError> {
    if !valid_name(&req.name) {
        return Err(NetworkError::Config(format!(
            "invalid network name {:?}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
            req.name
        )));
    }
    if is_predefined(&req.name) {
        return Err(NetworkError::Forbidden(format!(
            "operation is not permitted on predefined {} network",
            req.name
        )));
    }
    if RESERVED.contains(&req.name.as_str()) {
        return Err(NetworkError::Config(format!(
            "{} is a pre-defined network and cannot be created",
            req.name
        )));
    }
    let driver = req.driver.clone().unwrap_or_else(|| "bridge".into());
    if driver != "bridge" {
        return Err(NetworkError::Config(format!(
            "unsupported network driver {driver:?}: only bridge"
        )));
    }
    let _lock = lock(paths)?;
    let all = list(paths)?;
    if all.iter().any(|n| n.name == req.name) {
        return Err(NetworkError::Conflict(format!(
            "network with name {} already exists",
            req.name
        )));
    }
    // The default bridge's subnet is taken too (its bridge is in the same namespace).
    let bridge = super::builtin::default_bridge(paths);
    let taken: Vec<(Ipv4Addr, u8)> = all
        .iter()
        .chain(std::iter::once(&bridge))
        .map(Network::cidr)
        .collect();
    let cidr = match &req.subnet {
        Some(s) => {
            let c = parse_cidr(s)?;
            if c.1 > 30 {
                return Err(NetworkError::Config(format!(
                    "subnet {s} is too small: at most /30"
                )));
            }
            if let Some(n) = all
                .iter()
                .chain(std::iter::once(&bridge))
                .find(|n| overlaps(n.cidr(), c))
            {
                return Err(NetworkError::Conflict(format!(
                    "subnet {s} overlaps with network {} ({})",
                    n.name, n.subnet
                )));
            }
            c
        }
        None => default_subnet(&taken).ok_or_else(|| {
            NetworkError::Config("no free subnet in 10.89.0.0/16: give one with --subnet".into())
        })?,
    };
    if req.ipv6 {
        return Err(NetworkError::Config(
            "--ipv6: skiff's networks have no IPv6 (its rootless bridges are IPv4 only)".into(),
        ));
    }
    // docker's checks (cli/command/network/create.go) and messages.
    let subnet_cidr = req.subnet.is_some().then_some(cidr);
    let ip_range = match (&req.ip_range, subnet_cidr) {
        (None, _) => None,
        (Some(_), None) => {
            return Err(NetworkError::Config(
                "every ip-range or gateway must have a corresponding subnet".into(),
            ))
        }
        (Some(r), Some(sub)) => {
            let rc = parse_cidr(r)?;
            if !(rc.1 >= sub.1 && contains(sub, rc.0)) {
                return Err(NetworkError::Config(format!(
                    "no matching subnet for range {r}"
                )));
            }
            Some(format!("{}/{}", rc.0, rc.1))
        }
    };
    let mut aux_addresses = BTreeMap::new();
    for a in &req.aux_addresses {
        let ip = a
            .split_once('=')
            .and_then(|(_, ip)| ip.parse::<Ipv4Addr>().ok().map(|ip| (a, ip)));
        let Some((a, ip)) = ip else {
            return Err(NetworkError::Config(format!(
                "invalid aux-address {a:?}: use NAME=IP"
            )));
        };
        let name = a.split_once('=').map(|(n, _)| n).unwrap_or_default();
        if subnet_cidr.is_none_or(|sub| !contains(sub, ip)) {
            return Err(NetworkError::Config(format!(
                "no matching subnet for aux-address {ip}"
            )));
        }
        aux_addresses.insert(name.to_string(), ip);
    }
    if let Some(m) = req.options.get(OPT_MTU) {
        if !m.parse::<u32>().is_ok_and(|m| (68..=65535).contains(&m)) {
            return Err(NetworkError::Config(format!(
                "invalid MTU number: {m}: it must be between 68 and 65535"
            )));
        }
    }
    let first = Ipv4Addr::from(u32::from(cidr.0) + 1);
    let gateway = match &req.gateway {
        Some(g) => {
            let ip: Ipv4Addr = g
                .parse()
                .map_err(|_| NetworkError::Config(format!("invalid gateway {g:?}")))?;
            let last = u32::from(cidr.0) | !mask(cidr.1);
            if !contains(cidr, ip) || ip == cidr.0 || u32::from(ip) == last {
                return Err(NetworkError::Config(format!(
                    "gateway {g} is not a host address of subnet {}/{}",
                    cidr.0, cidr.1
                )));
            }
            ip
        }
        None => first,
    };
    let net = Network {
        name: req.name.clone(),
        id: random_hex(32)?,
        created: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, false),
        driver,
        subnet: format!("{}/{}", cidr.0, cidr.1),
        gateway,
        internal: req.internal,
        labels: req.labels.clone(),
        ip_range,
        aux_addresses,
        options: req.options.clone(),
    };
    let p = defs_dir(paths).join(format!("{}.json", net.id));
    write_json_atomic(&p, &net).map_err(io(format!("writing {}", p.display())))?;
    Ok(net)
}

/// `network rm`: refused while a running container has an endpoint on it (the engine also
/// refuses networks that stopped containers name).
pub fn remove(paths: &Paths, net: &Network) -> Result<(), NetworkError> {
    let _lock = lock(paths)?;
    let att = read_attachments(paths)?;
    if let Some(e) = att.endpoints.iter().find(|e| e.network_id == net.id) {
        return Err(NetworkError::Conflict(format!(
            "network {} has active endpoints (container {})",
            net.name, e.container_name
        )));
    }
    let p = defs_dir(paths).join(format!("{}.json", net.id));
    std::fs::remove_file(&p).map_err(io(format!("removing {}", p.display())))?;
    // A bridge left in a running holder's namespace goes with it; remove it now if we can.
    if let Some(h) = holder_pid(paths) {
        let _ = ip_batch(h, &format!("link del {}\n", net.bridge()), true);
        let mut att = att;
        att.bridges.retain(|b| *b != net.bridge());
        let _ = write_attachments(paths, &att);
    }
    Ok(())
}

/// The attachments file (empty when missing).
pub fn read_attachments(paths: &Paths) -> Result<Attachments, NetworkError> {
    let p = endpoints_path(paths);
    match read_json(&p) {
        Ok(a) => Ok(a),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Attachments::default()),
        Err(e) => Err(io(format!("reading {}", p.display()))(e)),
    }
}

fn write_attachments(paths: &Paths, a: &Attachments) -> Result<(), NetworkError> {
    let p = endpoints_path(paths);
    write_json_atomic(&p, a).map_err(io(format!("writing {}", p.display())))
}

fn alive(pid: i32, start: u64) -> bool {
    pid > 0 && crate::sys::proc::start_time(pid) == Some(start)
}

/// The running holder's pid, if there is one.
pub fn holder_pid(paths: &Paths) -> Option<i32> {
    let h: HolderRecord = read_json(&holder_path(paths)).ok()?;
    alive(h.pid, h.start).then_some(h.pid)
}

/// Start the holder helper; the pid of the process that stays (its own session, no longer our
/// child).
fn spawn_holder(paths: &Paths) -> Result<i32, NetworkError> {
    use crate::helper::{Ready, Request, Spawn};
    let request = Request::NetnsHolder;
    let mut spawn = Spawn::new(&request);
    spawn.ready = true;
    spawn.stdout = std::process::Stdio::null();
    spawn.env = vec![
        ("SKIFF_ROOT".into(), paths.data.clone().into()),
        ("SKIFF_RUNROOT".into(), paths.runtime.clone().into()),
    ];
    let mut helper =
        crate::helper::spawn(spawn).map_err(|e| NetworkError::Config(e.to_string()))?;
    match helper.wait_ready() {
        Some(Ready::Pid(pid)) => {
            let _ = helper.child.wait();
            Ok(pid)
        }
        _ => {
            let why = match helper.finish() {
                Err(e) => e.to_string(),
                Ok(_) => "no message".into(),
            };
            Err(NetworkError::Config(format!(
                "the network namespace holder did not start: {why}"
            )))
        }
    }
}

/// Start the holder unless it runs; the caller holds the lock. True when it was started now
/// (its namespace has no bridge yet).
fn ensure_holder(paths: &Paths) -> Result<(i32, bool), NetworkError> {
    if let Some(pid) = holder_pid(paths) {
        return Ok((pid, false));
    }
    let dir = run_dir(paths);
    std::fs::create_dir_all(&dir).map_err(io(format!("creating {}", dir.display())))?;
    let pid = spawn_holder(paths)?;
    let rec = HolderRecord {
        pid,
        start: crate::sys::proc::start_time(pid).unwrap_or(0),
    };
    let p = holder_path(paths);
    write_json_atomic(&p, &rec).map_err(io(format!("writing {}", p.display())))?;
    Ok((pid, true))
}

/// docker's MAC addresses: 02:42 and the IPv4 address.
pub fn mac_for(ip: Ipv4Addr) -> String {
    let o = ip.octets();
    format!("02:42:{:02x}:{:02x}:{:02x}:{:02x}", o[0], o[1], o[2], o[3])
}

/// Whether `ip` is a host address of `net` (docker's message otherwise).
pub fn check_in_subnet(net: &Network, ip: Ipv4Addr) -> Result<(), NetworkError> {
    if contains(net.cidr(), ip) {
        Ok(())
    } else {
        Err(NetworkError::Config(format!(
            "no configured subnet or ip-range contain the IP address {ip}"
        )))
    }
}

/// `--ip`: that address of `net`, if it is free (docker's messages).
fn reserve(att: &Attachments, net: &Network, ip: Ipv4Addr) -> Result<Ipv4Addr, NetworkError> {
    check_in_subnet(net, ip)?;
    let (base, len) = net.cidr();
    let broadcast = Ipv4Addr::from(u32::from(base) | !mask(len));
    let taken = ip == net.gateway
        || net.aux_addresses.values().any(|a| *a == ip)
        || ip == base
        || ip == broadcast
        || att
            .endpoints
            .iter()
            .any(|e| e.network_id == net.id && e.ip == ip);
    if taken {
        return Err(NetworkError::Conflict("Address already in use".into()));
    }
    Ok(ip)
}

/// The lowest free host address of `net` (not the gateway, network or broadcast address).
fn allocate(att: &Attachments, net: &Network) -> Result<Ipv4Addr, NetworkError> {
    let (base, len) = net.cidr();
    let size = 1u64 << (32 - len as u32);
    let used: Vec<Ipv4Addr> = att
        .endpoints
        .iter()
        .filter(|e| e.network_id == net.id)
        .map(|e| e.ip)
        .collect();
    let range = net.ip_range.as_deref().and_then(|r| parse_cidr(r).ok());
    (1..size.saturating_sub(1))
        .map(|i| Ipv4Addr::from(u32::from(base) + i as u32))
        .filter(|ip| range.is_none_or(|r| contains(r, *ip)))
        .find(|ip| {
            *ip != net.gateway && !used.contains(ip) && !net.aux_addresses.values().any(|a| a == ip)
        })
        .ok_or_else(|| {
            NetworkError::Config(format!(
                "no free address left in network {} ({})",
                net.name, net.subnet
            ))
        })
}

fn add_endpoint(
    att: &mut Attachments,
    container_id: &str,
    container_name: &str,
    want: &Want,
) -> Result<Endpoint, NetworkError> {
    if let Some(e) = att
        .endpoints
        .iter()
        .find(|e| e.container_id == container_id && e.network_id == want.network.id)
    {
        return Ok(e.clone());
    }
    let ip = match want.ip {
        Some(ip) => reserve(att, &want.network, ip)?,
        None => allocate(att, &want.network)?,
    };
    let ifname = (0..)
        .map(|i| format!("eth{i}"))
        .find(|n| {
            !att.endpoints
                .iter()
                .any(|e| e.container_id == container_id && &e.ifname == n)
        })
        .unwrap_or_else(|| "eth0".into());
    let ep = Endpoint {
        container_id: container_id.to_string(),
        container_name: container_name.to_string(),
        network_id: want.network.id.clone(),
        ip,
        mac: want.mac.clone().unwrap_or_else(|| mac_for(ip)),
        ifname,
        aliases: want.aliases.clone(),
    };
    att.endpoints.push(ep.clone());
    Ok(ep)
}

/// A starting container's monitor (`owner`: its pid) joins the shared namespace: the holder is
/// started if needed, the monitor is registered as its client, and an address is allocated on
/// every network. Returns the holder's pid (the container is created in its user namespace).
pub fn join(
    paths: &Paths,
    container_id: &str,
    container_name: &str,
    wants: &[Want],
    owner: i32,
) -> Result<i32, NetworkError> {
    let _lock = lock(paths)?;
    let (holder, fresh) = ensure_holder(paths)?;
    let mut att = read_attachments(paths)?;
    if fresh {
        att.bridges.clear();
    }
    att.clients.retain(|c| c.container_id != container_id);
    att.endpoints.retain(|e| e.container_id != container_id);
    att.clients.push(Client {
        container_id: container_id.to_string(),
        pid: owner,
        start: crate::sys::proc::start_time(owner).unwrap_or(0),
    });
    for w in wants {
        add_endpoint(&mut att, container_id, container_name, w)?;
    }
    write_attachments(paths, &att)?;
    Ok(holder)
}

/// Wire every endpoint of the container whose init is `pid` (called before it runs, and again
/// after each restart). The first network that is not internal gives the default route (out
/// through the holder's slirp4netns); its address is returned, where published ports go.
pub fn attach(
    paths: &Paths,
    container_id: &str,
    pid: i32,
) -> Result<Option<Ipv4Addr>, NetworkError> {
    let _lock = lock(paths)?;
    let holder = holder_pid(paths).ok_or_else(|| {
        NetworkError::Config("the network namespace holder is not running".into())
    })?;
    let mut att = read_attachments(paths)?;
    let nets = list_with_default(paths)?;
    let mut outbound = None;
    let mine: Vec<Endpoint> = att
        .endpoints
        .iter()
        .filter(|e| e.container_id == container_id)
        .cloned()
        .collect();
    let bridges = att.bridges.clone();
    for ep in &mine {
        let Some(net) = nets.iter().find(|n| n.id == ep.network_id) else {
            continue;
        };
        let route = outbound.is_none() && !net.internal;
        if route {
            outbound = Some(ep.ip);
        }
        plumb(holder, pid, net, ep, route, &mut att.bridges)?;
    }
    if att.bridges != bridges {
        write_attachments(paths, &att)?;
    }
    Ok(outbound)
}

/// `network connect` for a running container (its init `pid`, in the holder's user namespace).
pub fn connect_running(
    paths: &Paths,
    container_id: &str,
    container_name: &str,
    want: &Want,
    pid: i32,
) -> Result<(), NetworkError> {
    let _lock = lock(paths)?;
    let holder = holder_pid(paths);
    let same_userns = holder.is_some_and(|h| {
        same_ns(
            Path::new(&format!("/proc/{h}/ns/user")),
            Path::new(&format!("/proc/{pid}/ns/user")),
        )
    });
    let (Some(holder), true) = (holder, same_userns) else {
        return Err(NetworkError::Config(
            "a running container can be connected only if it was started on a user-defined network (stop it first)".into(),
        ));
    };
    let mut att = read_attachments(paths)?;
    if att
        .endpoints
        .iter()
        .any(|e| e.container_id == container_id && e.network_id == want.network.id)
    {
        return Err(NetworkError::Conflict(format!(
            "container {container_name} is already connected to network {}",
            want.network.name
        )));
    }
    // A container that had only internal networks gets its route out with this one.
    let nets = list_with_default(paths)?;
    let routed = att.endpoints.iter().any(|e| {
        e.container_id == container_id && nets.iter().any(|n| n.id == e.network_id && !n.internal)
    });
    let ep = add_endpoint(&mut att, container_id, container_name, want)?;
    let route = !routed && !want.network.internal;
    plumb(holder, pid, &want.network, &ep, route, &mut att.bridges)?;
    write_attachments(paths, &att)
}

/// `network disconnect` for a running container: its interface on the network goes away.
pub fn disconnect_running(
    paths: &Paths,
    container_id: &str,
    network_id: &str,
    pid: i32,
) -> Result<(), NetworkError> {
    let _lock = lock(paths)?;
    let mut att = read_attachments(paths)?;
    let Some(i) = att
        .endpoints
        .iter()
        .position(|e| e.container_id == container_id && e.network_id == network_id)
    else {
        return Ok(());
    };
    let ep = att.endpoints.remove(i);
    ip_batch(pid, &format!("link del {}\n", ep.ifname), false)?;
    write_attachments(paths, &att)
}

/// A process that is no container's monitor keeps the shared namespace (the holder and its
/// slirp4netns) up while it lives: the API service, whose clients run containers one after
/// another with pauses longer than [`HOLDER_LINGER`] between them, each of which would start
/// the holder again (about 40 ms). Registered as a client named `key` with no endpoint, only
/// while a holder runs (this never starts one); the holder forgets it once `owner` has exited
/// (its periodic check), or [`release`] removes it. True when it is registered.
pub fn hold(paths: &Paths, key: &str, owner: i32) -> Result<bool, NetworkError> {
    if !endpoints_path(paths).exists() {
        return Ok(false);
    }
    let _lock = lock(paths)?;
    if holder_pid(paths).is_none() {
        return Ok(false);
    }
    let mut att = read_attachments(paths)?;
    let start = crate::sys::proc::start_time(owner).unwrap_or(0);
    if att
        .clients
        .iter()
        .any(|c| c.container_id == key && c.pid == owner && c.start == start)
    {
        return Ok(true);
    }
    att.clients.retain(|c| c.container_id != key);
    att.clients.push(Client {
        container_id: key.to_string(),
        pid: owner,
        start,
    });
    write_attachments(paths, &att)?;
    Ok(true)
}

/// The container's monitor (or a [`hold`]er) is done with the shared namespace (called when
/// it exits).
pub fn release(paths: &Paths, container_id: &str) {
    if !endpoints_path(paths).exists() {
        return;
    }
    let Ok(_lock) = lock(paths) else { return };
    let Ok(mut att) = read_attachments(paths) else {
        return;
    };
    let before = att.clone();
    att.clients.retain(|c| c.container_id != container_id);
    att.endpoints.retain(|e| e.container_id != container_id);
    if att != before {
        let _ = write_attachments(paths, &att);
    }
}

/// How long the holder stays once its last client is gone.
pub const HOLDER_LINGER: std::time::Duration = std::time::Duration::from_secs(2);

/// The holder's periodic check, under the lock: forget clients (and their endpoints) whose
/// monitor is gone; when none has been left for [`HOLDER_LINGER`] (`empty_since` keeps when
/// the last one went), remove the holder record and return false (the holder then exits,
/// still holding the lock, so no starter can pick it). Also returns how many clients it has.
pub fn holder_should_run(
    paths: &Paths,
    me: i32,
    empty_since: &mut Option<std::time::Instant>,
) -> Result<(bool, usize, LockFile), NetworkError> {
    let l = lock(paths)?;
    let mut att = read_attachments(paths)?;
    let before = att.clone();
    att.clients.retain(|c| alive(c.pid, c.start));
    let live: Vec<String> = att.clients.iter().map(|c| c.container_id.clone()).collect();
    att.endpoints.retain(|e| live.contains(&e.container_id));
    if att != before {
        write_attachments(paths, &att)?;
    }
    let h: Option<HolderRecord> = read_json(&holder_path(paths)).ok();
    let mine = h.is_some_and(|h| h.pid == me);
    let clients = att.clients.len();
    if !mine {
        return Ok((false, clients, l));
    }
    if clients > 0 {
        *empty_since = None;
        return Ok((true, clients, l));
    }
    // No client left: stay for [`HOLDER_LINGER`] more, so that a script's next container
    // (`run --rm` after `run --rm`) finds the namespace, its bridge and its slirp4netns ready
    // instead of starting them again (about 40 ms).
    let since = *empty_since.get_or_insert_with(std::time::Instant::now);
    if since.elapsed() < HOLDER_LINGER {
        return Ok((true, 0, l));
    }
    let _ = std::fs::remove_file(holder_path(paths));
    Ok((false, 0, l))
}

fn same_ns(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}

/// Run `ip -batch -` with `script` in the network namespace of `pid` (through nsenter, joining
/// its user namespace unless this process is already in it).
fn ip_batch(pid: i32, script: &str, force: bool) -> Result<(), NetworkError> {
    let mut cmd = super::nat::nsenter(pid);
    cmd.arg("ip");
    if force {
        cmd.arg("-force");
    }
    cmd.args(["-batch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| {
        NetworkError::Config(format!(
            "running nsenter and ip (install util-linux and iproute2): {e}"
        ))
    })?;
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(script.as_bytes());
    }
    let out = child.wait_with_output().map_err(io("waiting for ip"))?;
    if out.status.success() || force {
        return Ok(());
    }
    Err(NetworkError::Config(format!(
        "configuring the network ({}): {}",
        script.lines().next().unwrap_or(""),
        String::from_utf8_lossy(&out.stderr).trim()
    )))
}

/// The bridge of `net` in the holder's namespace (if not in `bridges`, the ones made there),
/// and a veth pair from it into the namespace of `pid`, with the endpoint's address, and the
/// default route through the bridge's gateway when `route`.
fn plumb(
    holder: i32,
    pid: i32,
    net: &Network,
    ep: &Endpoint,
    route: bool,
    bridges: &mut Vec<String>,
) -> Result<(), NetworkError> {
    let br = net.bridge();
    let len = net.prefix_len();
    let mtu = net.mtu().map(|m| format!(" mtu {m}")).unwrap_or_default();
    if !bridges.contains(&br) {
        ip_batch(
            holder,
            &format!(
                "link add {br}{mtu} type bridge\naddr add {}/{len} dev {br}\nlink set {br} up\n",
                net.gateway
            ),
            true,
        )?;
        super::nat::setup_bridge(holder, &br, net.internal)?;
        bridges.push(br.clone());
    }
    let host_if = format!("skv{}", random_hex(5)?);
    ip_batch(
        holder,
        &format!(
            "link add {host_if}{mtu} type veth peer name {} address {}{mtu} netns {pid}\nlink set {host_if} master {br}\nlink set {host_if} up\n",
            ep.ifname, ep.mac
        ),
        false,
    )?;
    let default = if route {
        format!("route add default via {}\n", net.gateway)
    } else {
        String::new()
    };
    ip_batch(
        pid,
        &format!(
            "addr add {}/{len} dev {}\nlink set {} up\nlink set lo up\n{default}",
            ep.ip, ep.ifname, ep.ifname
        ),
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(id: &str, subnet: &str, gw: [u8; 4]) -> Network {
        Network {
            name: id.into(),
            id: id.into(),
            created: String::new(),
            driver: "bridge".into(),
            subnet: subnet.into(),
            gateway: Ipv4Addr::from(gw),
            internal: false,
            labels: BTreeMap::new(),
            ip_range: None,
            aux_addresses: BTreeMap::new(),
            options: BTreeMap::new(),
        }
    }

    #[test]
    fn cidrs() {
        assert_eq!(
            parse_cidr("10.1.2.3/16").unwrap(),
            (Ipv4Addr::new(10, 1, 0, 0), 16)
        );
        assert!(parse_cidr("10.1.2.3").is_err());
        assert!(parse_cidr("10.1.2.3/33").is_err());
        assert!(overlaps(
            (Ipv4Addr::new(10, 89, 0, 0), 16),
            (Ipv4Addr::new(10, 89, 3, 0), 24)
        ));
        assert!(!overlaps(
            (Ipv4Addr::new(10, 89, 0, 0), 24),
            (Ipv4Addr::new(10, 89, 1, 0), 24)
        ));
        assert_eq!(
            default_subnet(&[(Ipv4Addr::new(10, 89, 0, 0), 24)]),
            Some((Ipv4Addr::new(10, 89, 1, 0), 24))
        );
    }

    #[test]
    fn allocation_skips_gateway_and_used_addresses() {
        let n = net("n1", "192.168.5.0/29", [192, 168, 5, 1]);
        let mut att = Attachments::default();
        let w = Want {
            network: n.clone(),
            aliases: vec![],
            ip: None,
            mac: None,
        };
        let mut ips = Vec::new();
        for c in ["a", "b", "c", "d", "e"] {
            ips.push(add_endpoint(&mut att, c, c, &w).unwrap().ip);
        }
        assert_eq!(ips[0], Ipv4Addr::new(192, 168, 5, 2));
        assert_eq!(ips[4], Ipv4Addr::new(192, 168, 5, 6));
        assert!(add_endpoint(&mut att, "f", "f", &w).is_err());
        // Same container and network: the same endpoint.
        assert_eq!(add_endpoint(&mut att, "a", "a", &w).unwrap().ip, ips[0]);
        let m = net("n2", "10.0.0.0/24", [10, 0, 0, 1]);
        let e = add_endpoint(
            &mut att,
            "a",
            "a",
            &Want {
                network: m,
                aliases: vec![],
                ip: None,
                mac: None,
            },
        )
        .unwrap();
        assert_eq!(e.ifname, "eth1");
        assert_eq!(e.mac, "02:42:0a:00:00:02");
    }
}
