//! docker's three pre-defined networks, as skiff has them: `bridge` (skiff's default rootless
//! network, docker's 172.17.0.0/16 with the gateway at .1, a bridge `docker0` in the shared
//! namespace of the user networks, out through its one slirp4netns), `host` and `none`. They are not stored anywhere: `network ls` and `network inspect` show them, `network
//! rm` and `network create` refuse them with docker's messages, and `--network bridge` (or
//! `default`) picks the rootless default.
use std::net::Ipv4Addr;

use sha2::{Digest, Sha256};

use super::definition::Network;
pub use super::definition::{is_predefined, NAMES};
use super::Mode;
use crate::state::Paths;

/// The pre-defined networks. Their IDs are stable for one skiff root (docker's are random per
/// daemon); their creation time is the root's.
pub fn list(paths: &Paths) -> Vec<Network> {
    let created = std::fs::metadata(&paths.data)
        .and_then(|m| m.created().or_else(|_| m.modified()))
        .ok()
        .map(|t| {
            chrono::DateTime::<chrono::Utc>::from(t)
                .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
        })
        .unwrap_or_else(|| "0001-01-01T00:00:00Z".into());
    NAMES
        .iter()
        .map(|name| {
            let mut h = Sha256::new();
            h.update(b"skiff pre-defined network\0");
            h.update(paths.data.as_os_str().as_encoded_bytes());
            h.update(b"\0");
            h.update(name.as_bytes());
            let (driver, subnet, gateway) = match *name {
                "bridge" => ("bridge", BRIDGE_SUBNET.to_string(), BRIDGE_GATEWAY),
                "host" => ("host", String::new(), Ipv4Addr::UNSPECIFIED),
                _ => ("null", String::new(), Ipv4Addr::UNSPECIFIED),
            };
            Network {
                name: name.to_string(),
                id: hex::encode(h.finalize()),
                created: created.clone(),
                driver: driver.into(),
                subnet,
                gateway,
                internal: false,
                labels: Default::default(),
                ip_range: None,
                aux_addresses: Default::default(),
                options: Default::default(),
            }
        })
        .collect()
}

/// docker's default bridge network's subnet and gateway.
pub const BRIDGE_SUBNET: &str = "172.17.0.0/16";
pub const BRIDGE_GATEWAY: Ipv4Addr = Ipv4Addr::new(172, 17, 0, 1);

/// The default `bridge` network, as the shared namespace's code sees a network.
pub fn default_bridge(paths: &Paths) -> Network {
    let mut all = list(paths);
    all.swap_remove(0)
}

/// A pre-defined network by name, full ID or ID prefix (`default` is `bridge`).
pub fn find(paths: &Paths, name_or_id: &str) -> Option<Network> {
    let name = if name_or_id == "default" {
        "bridge"
    } else {
        name_or_id
    };
    list(paths)
        .into_iter()
        .find(|n| n.name == name || n.id == name || (name.len() >= 3 && n.id.starts_with(name)))
}

/// Whether a container with network mode `mode` is on the pre-defined network `name`.
pub fn has_member(name: &str, mode: &Mode) -> bool {
    matches!((name, mode), ("host", Mode::Host) | ("none", Mode::None))
        || (name == super::DEFAULT_BRIDGE && mode.is_default_bridge())
}
