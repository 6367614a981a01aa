//! What a network is, as `network create` stores it and the pre-defined ones are shown: the
//! [`Network`] definition, docker's reserved names, and the IPv4 subnet arithmetic both the
//! user networks (`user`) and the pre-defined ones (`builtin`) use.
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::NetworkError;

/// The search domain under which the DNS responder answers container names.
pub const DNS_DOMAIN: &str = "dns.skiff";

/// docker's pre-defined networks' names (`builtin` has the networks), in `network ls` order.
pub const NAMES: &[&str] = &["bridge", "host", "none"];

/// The names docker refuses for a new network (`default` is an alias of `bridge`).
pub fn is_predefined(name: &str) -> bool {
    NAMES.contains(&name) || name == "default"
}

/// Names `--network` gives another meaning; no user network may take them.
pub const RESERVED: &[&str] = &[
    "none",
    "host",
    "bridge",
    "default",
    "slirp4netns",
    "pasta",
    "container",
];

/// A user-defined network, as `network create` made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    pub name: String,
    pub id: String,
    pub created: String,
    pub driver: String,
    /// `A.B.C.D/N`, the network address.
    pub subnet: String,
    pub gateway: Ipv4Addr,
    pub internal: bool,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `--ip-range`: the sub-range (CIDR) addresses are allocated from (`--ip` may be anywhere
    /// in the subnet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_range: Option<String>,
    /// `--aux-address NAME=IP`: addresses never allocated.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aux_addresses: BTreeMap<String, Ipv4Addr>,
    /// `-o KEY=VALUE`, docker's bridge driver options (`com.docker.network.driver.mtu` is
    /// applied to the bridge and the containers' interfaces; the others are kept for inspect).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}

/// docker's bridge option for the interfaces' MTU.
pub const OPT_MTU: &str = "com.docker.network.driver.mtu";

impl Network {
    /// The MTU `-o com.docker.network.driver.mtu` asks for, if any.
    pub fn mtu(&self) -> Option<u32> {
        self.options.get(OPT_MTU).and_then(|m| m.parse().ok())
    }

    /// The subnet as (network address, prefix length).
    pub fn cidr(&self) -> (Ipv4Addr, u8) {
        parse_cidr(&self.subnet).unwrap_or((Ipv4Addr::new(10, 89, 0, 0), 24))
    }

    pub fn prefix_len(&self) -> u8 {
        self.cidr().1
    }

    /// The bridge's name in the shared namespace (at most 15 characters): docker's `docker0`
    /// for the default network.
    pub fn bridge(&self) -> String {
        if self.is_default_bridge() {
            return "docker0".into();
        }
        format!("skbr{}", self.id.get(..10).unwrap_or(&self.id))
    }

    /// Whether this is docker's default `bridge` network (no names in its DNS, as docker).
    pub fn is_default_bridge(&self) -> bool {
        self.name == super::DEFAULT_BRIDGE && self.driver == "bridge"
    }
}

/// Parse `A.B.C.D/N` into the network address (host bits cleared) and the prefix length.
pub fn parse_cidr(s: &str) -> Result<(Ipv4Addr, u8), NetworkError> {
    let bad = || NetworkError::Config(format!("invalid subnet {s:?}: expected A.B.C.D/N"));
    let (ip, len) = s.split_once('/').ok_or_else(bad)?;
    let ip: Ipv4Addr = ip.parse().map_err(|_| bad())?;
    let len: u8 = len.parse().ok().filter(|l| *l <= 32).ok_or_else(bad)?;
    Ok((Ipv4Addr::from(u32::from(ip) & mask(len)), len))
}

pub(super) fn mask(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - len)
    }
}

pub(super) fn overlaps(a: (Ipv4Addr, u8), b: (Ipv4Addr, u8)) -> bool {
    let m = mask(a.1.min(b.1));
    u32::from(a.0) & m == u32::from(b.0) & m
}

pub(super) fn contains(net: (Ipv4Addr, u8), ip: Ipv4Addr) -> bool {
    u32::from(ip) & mask(net.1) == u32::from(net.0)
}
