//! A container's network settings as its record keeps them (published and exposed ports,
//! extra hosts, DNS, user-defined networks): plain data, parsed and acted on by `network`.
use std::fmt;

use serde::{Deserialize, Serialize};

/// A transport protocol a port can be published for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

/// A container port as docker names it in `ExposedPorts`: `80/tcp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ExposedPort {
    pub port: u16,
    pub proto: Proto,
}

impl fmt::Display for ExposedPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.port, self.proto.as_str())
    }
}

/// A port as it is published: what slirp4netns forwards.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PortMapping {
    /// As the user gave it (empty: all IPv4 addresses).
    pub host_ip: String,
    pub host_port: u16,
    pub container_port: u16,
    pub proto: Proto,
}

impl PortMapping {
    /// The address the host side listens on.
    pub fn bind_ip(&self) -> &str {
        if self.host_ip.is_empty() {
            "0.0.0.0"
        } else {
            &self.host_ip
        }
    }

    pub fn exposed(&self) -> ExposedPort {
        ExposedPort {
            port: self.container_port,
            proto: self.proto,
        }
    }
}

impl fmt::Display for PortMapping {
    /// docker's `ps` form of one mapping: `0.0.0.0:8080->80/tcp`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}->{}/{}",
            self.bind_ip(),
            self.host_port,
            self.container_port,
            self.proto.as_str()
        )
    }
}

/// A container's network settings beyond its mode, fixed at create time and kept in its record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetConfig {
    /// Published ports, with random host ports already chosen.
    #[serde(default)]
    pub ports: Vec<PortMapping>,
    /// The `-p` values as given (docker's HostConfig.PortBindings).
    #[serde(default)]
    pub publish: Vec<String>,
    #[serde(default)]
    pub publish_all: bool,
    /// The image's EXPOSE and `--expose`.
    #[serde(default)]
    pub exposed: Vec<ExposedPort>,
    /// `--add-host` as given (`name:ip`, ip may be `host-gateway`).
    #[serde(default)]
    pub add_hosts: Vec<String>,
    #[serde(default)]
    pub dns: Vec<String>,
    #[serde(default)]
    pub dns_search: Vec<String>,
    #[serde(default)]
    pub dns_options: Vec<String>,
    /// The user-defined networks the container is on (`--network NAME`, `network connect`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<Attachment>,
}

/// A container's place on a user-defined network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: String,
    pub id: String,
    /// The network's gateway: its DNS responder.
    pub gateway: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// `--ip`: the address asked for (else the lowest free one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<std::net::Ipv4Addr>,
    /// `--mac-address`: the interface's MAC (else one derived from the address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}
