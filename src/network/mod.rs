//! User-mode networking for rootless containers, and the files that name the container
//! (/etc/hosts, /etc/hostname, /etc/resolv.conf).
pub mod backend;
pub mod builtin;
pub mod dns;
pub mod files;
pub mod holder;
pub mod nat;
// These two fork and set up children between fork and exec (moved here from `monitor`).
#[allow(unsafe_code)]
pub mod pasta;
#[allow(unsafe_code)]
pub mod portfwd;
pub mod ports;
pub mod slirp;
pub mod user;

use std::fmt;

use thiserror::Error;

pub use crate::state::network::{Attachment, NetConfig};

#[derive(Debug, Error)]
pub enum NetworkError {
    #[error("slirp4netns: {0}")]
    Slirp(String),
    #[error("{0}")]
    Config(String),
    #[error("Bind for {addr} failed: port is already allocated ({reason})")]
    PortInUse { addr: String, reason: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// An operation docker refuses on its pre-defined networks.
    #[error("{0}")]
    Forbidden(String),
}

/// A container's network mode, as `--network` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    None,
    Host,
    Slirp4netns(slirp::Options),
    /// `pasta[:ARGS]`: pasta (Debian's `passt`), with extra command-line arguments (comma-separated
    /// as podman takes them).
    Pasta(Vec<String>),
    /// `container:NAME`: the network namespace of that container (its ID once resolved).
    Container(String),
    /// A user-defined network, by name (the container's networks are in `NetConfig::networks`),
    /// or docker's default `bridge` ([`DEFAULT_BRIDGE`]), which lives in the same shared
    /// namespace (`builtin::default_bridge`).
    User(String),
}

/// The name of docker's default network, skiff's default: `Mode::User(DEFAULT_BRIDGE)`.
pub const DEFAULT_BRIDGE: &str = "bridge";

impl Mode {
    /// The default network: docker's `bridge`, in the shared namespace.
    pub fn default_network() -> Mode {
        Mode::User(DEFAULT_BRIDGE.to_string())
    }

    /// Whether this is docker's default `bridge` network.
    pub fn is_default_bridge(&self) -> bool {
        matches!(self, Mode::User(n) if n == DEFAULT_BRIDGE)
    }

    /// Whether this is a network `network create` made.
    pub fn is_user_defined(&self) -> bool {
        matches!(self, Mode::User(n) if n != DEFAULT_BRIDGE)
    }

    /// Parse `--network`; `bridge` and `default` mean docker's default bridge network.
    pub fn parse(s: &str) -> Result<Mode, NetworkError> {
        let (kind, opts) = s.split_once(':').unwrap_or((s, ""));
        match kind {
            "none" | "host" if !opts.is_empty() => Err(NetworkError::Config(format!(
                "network mode {kind} takes no options"
            ))),
            "none" => Ok(Mode::None),
            "host" => Ok(Mode::Host),
            "slirp4netns" => Ok(Mode::Slirp4netns(slirp::Options::parse(opts)?)),
            "bridge" | "default" | "" if opts.is_empty() => Ok(Mode::default_network()),
            "container" if !opts.is_empty() => Ok(Mode::Container(opts.to_string())),
            "container" => Err(NetworkError::Config(
                "container network mode needs a container: container:NAME".into(),
            )),
            "pasta" => Ok(Mode::Pasta(
                opts.split(',')
                    .filter(|a| !a.is_empty())
                    .map(String::from)
                    .collect(),
            )),
            name if opts.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) =>
            {
                Ok(Mode::User(name.to_string()))
            }
            other => Err(NetworkError::Config(format!(
                "network {other} not found (supported here: none, host, slirp4netns[:OPTIONS], pasta[:OPTIONS], container:NAME, NETWORK)"
            ))),
        }
    }

    /// The kind alone: `none`, `host`, `slirp4netns`, `container`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Mode::None => "none",
            Mode::Host => "host",
            Mode::Slirp4netns(_) => "slirp4netns",
            Mode::Pasta(_) => "pasta",
            Mode::Container(_) => "container",
            Mode::User(_) => "user",
        }
    }

    /// Whether the container gets a network namespace of its own.
    pub fn private_namespace(&self) -> bool {
        matches!(
            self,
            Mode::None | Mode::Slirp4netns(_) | Mode::Pasta(_) | Mode::User(_)
        )
    }
}

impl fmt::Display for Mode {
    /// The canonical `--network` value (what `Mode::parse` reads back).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mode::Slirp4netns(o) if *o != slirp::Options::default() => {
                write!(f, "slirp4netns:{o}")
            }
            Mode::Pasta(a) if !a.is_empty() => write!(f, "pasta:{}", a.join(",")),
            Mode::Container(c) => write!(f, "container:{c}"),
            Mode::User(n) => f.write_str(n),
            other => f.write_str(other.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_round_trip() {
        for s in [
            "none",
            "host",
            "slirp4netns",
            "slirp4netns:allow_host_loopback=true,mtu=1500",
            "container:abc",
            "mynet",
            "pasta",
            "pasta:-4,--mtu,1500",
        ] {
            assert_eq!(Mode::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Mode::parse("bridge").unwrap().to_string(), "bridge");
        assert_eq!(Mode::parse("default").unwrap(), Mode::default_network());
        assert!(Mode::parse("bridge").unwrap().is_default_bridge());
        assert!(Mode::parse("container:").is_err());
        assert_eq!(Mode::parse("nope").unwrap(), Mode::User("nope".into()));
        assert!(Mode::parse("no/pe").is_err());
        assert!(Mode::parse("slirp4netns:port_handler=rootlesskit").is_err());
        assert_eq!(
            Mode::parse("pasta:-4,--mtu,1500").unwrap(),
            Mode::Pasta(vec!["-4".into(), "--mtu".into(), "1500".into()])
        );
    }
}
