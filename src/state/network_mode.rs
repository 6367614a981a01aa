//! A container's network mode as its record keeps it (`--network`: none, host,
//! slirp4netns[:OPTIONS], pasta[:ARGS], container:NAME, a user-defined network), parsed once
//! into [`Mode`]; on disk it is the canonical `--network` string (`Display`), what `parse`
//! reads back. `network` acts on it (`network::backend`).
use std::fmt;
use std::net::Ipv4Addr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// A `--network` value that does not parse.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{0}")]
pub struct ModeError(pub String);

/// A container's network mode, as `--network` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    None,
    Host,
    Slirp4netns(SlirpOptions),
    /// `pasta[:ARGS]`: pasta (Debian's `passt`), with extra command-line arguments (comma-separated
    /// as podman takes them).
    Pasta(Vec<String>),
    /// `container:NAME`: the network namespace of that container (its ID once resolved).
    Container(String),
    /// A user-defined network, by name (the container's networks are in `NetConfig::networks`),
    /// or docker's default `bridge` ([`DEFAULT_BRIDGE`]), which lives in the same shared
    /// namespace (`network::builtin::default_bridge`).
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
    pub fn parse(s: &str) -> Result<Mode, ModeError> {
        let (kind, opts) = s.split_once(':').unwrap_or((s, ""));
        match kind {
            "none" | "host" if !opts.is_empty() => Err(ModeError(format!(
                "network mode {kind} takes no options"
            ))),
            "none" => Ok(Mode::None),
            "host" => Ok(Mode::Host),
            "slirp4netns" => Ok(Mode::Slirp4netns(SlirpOptions::parse(opts)?)),
            "bridge" | "default" | "" if opts.is_empty() => Ok(Mode::default_network()),
            "container" if !opts.is_empty() => Ok(Mode::Container(opts.to_string())),
            "container" => Err(ModeError(
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
            other => Err(ModeError(format!(
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
            Mode::Slirp4netns(o) if *o != SlirpOptions::default() => {
                write!(f, "slirp4netns:{o}")
            }
            Mode::Pasta(a) if !a.is_empty() => write!(f, "pasta:{}", a.join(",")),
            Mode::Container(c) => write!(f, "container:{c}"),
            Mode::User(n) => f.write_str(n),
            other => f.write_str(other.as_str()),
        }
    }
}

impl Serialize for Mode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Mode, D::Error> {
        let s = String::deserialize(d)?;
        Mode::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// `--network slirp4netns:OPTIONS`, podman's option names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlirpOptions {
    /// Let the container reach the host's loopback through the gateway address (10.0.2.2).
    pub allow_host_loopback: bool,
    pub mtu: u32,
    /// The guest network (`10.0.2.0/24`): the container is .100, the gateway .2, DNS .3.
    pub cidr: Option<(Ipv4Addr, u8)>,
    pub enable_ipv6: bool,
    pub outbound_addr: Option<String>,
    pub outbound_addr6: Option<String>,
}

impl Default for SlirpOptions {
    fn default() -> Self {
        SlirpOptions {
            allow_host_loopback: false,
            mtu: 65520,
            cidr: None,
            enable_ipv6: false,
            outbound_addr: None,
            outbound_addr6: None,
        }
    }
}

impl SlirpOptions {
    /// Parse `allow_host_loopback=true,mtu=1500,...` (empty: the defaults).
    pub fn parse(s: &str) -> Result<SlirpOptions, ModeError> {
        let mut o = SlirpOptions::default();
        let bad = |m: String| ModeError(format!("slirp4netns option {m}"));
        let boolean = |k: &str, v: &str| -> Result<bool, ModeError> {
            match v {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(bad(format!("{k}: expected true or false, got {v:?}"))),
            }
        };
        for kv in s.split(',').filter(|kv| !kv.is_empty()) {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| bad(format!("{kv:?}: expected KEY=VALUE")))?;
            match k {
                "allow_host_loopback" => o.allow_host_loopback = boolean(k, v)?,
                "enable_ipv6" => o.enable_ipv6 = boolean(k, v)?,
                "mtu" => {
                    o.mtu = v
                        .parse()
                        .ok()
                        .filter(|m| (68..=65521).contains(m))
                        .ok_or_else(|| bad(format!("mtu: invalid value {v:?}")))?
                }
                "cidr" => {
                    let (ip, len) = v
                        .split_once('/')
                        .ok_or_else(|| bad(format!("cidr: {v:?} is not ADDRESS/PREFIX")))?;
                    let ip: Ipv4Addr = ip
                        .parse()
                        .map_err(|_| bad(format!("cidr: invalid address in {v:?}")))?;
                    let len: u8 = len
                        .parse()
                        .ok()
                        .filter(|l| (1..=25).contains(l))
                        .ok_or_else(|| bad(format!("cidr: prefix of {v:?} must be 1 to 25")))?;
                    let mask = u32::MAX << (32 - len);
                    o.cidr = Some((Ipv4Addr::from(u32::from(ip) & mask), len));
                }
                "outbound_addr" => o.outbound_addr = Some(v.to_string()),
                "outbound_addr6" => o.outbound_addr6 = Some(v.to_string()),
                "port_handler" if v == "slirp4netns" => {}
                "port_handler" => {
                    return Err(bad(format!(
                        "port_handler={v}: only slirp4netns is supported here"
                    )))
                }
                other => return Err(bad(format!("{other:?} is unknown"))),
            }
        }
        Ok(o)
    }

    fn nth(&self, n: u32) -> Ipv4Addr {
        let base = self
            .cidr
            .map(|(ip, _)| u32::from(ip))
            .unwrap_or(u32::from(Ipv4Addr::new(10, 0, 2, 0)));
        Ipv4Addr::from(base + n)
    }

    /// The container's address.
    /// The network's own address (`10.0.2.0` by default).
    pub fn network(&self) -> Ipv4Addr {
        self.nth(0)
    }

    pub fn ip(&self) -> Ipv4Addr {
        self.nth(100)
    }

    /// The gateway: the host's loopback when `allow_host_loopback`.
    pub fn gateway(&self) -> Ipv4Addr {
        self.nth(2)
    }

    /// slirp4netns's DNS forwarder.
    pub fn dns(&self) -> Ipv4Addr {
        self.nth(3)
    }

    pub fn prefix_len(&self) -> u8 {
        self.cidr.map(|(_, l)| l).unwrap_or(24)
    }
}

impl fmt::Display for SlirpOptions {
    /// The options that differ from the defaults, in `SlirpOptions::parse` syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = SlirpOptions::default();
        let mut parts = Vec::new();
        if self.allow_host_loopback {
            parts.push("allow_host_loopback=true".to_string());
        }
        if self.mtu != d.mtu {
            parts.push(format!("mtu={}", self.mtu));
        }
        if let Some((ip, len)) = self.cidr {
            parts.push(format!("cidr={ip}/{len}"));
        }
        if self.enable_ipv6 {
            parts.push("enable_ipv6=true".into());
        }
        if let Some(a) = &self.outbound_addr {
            parts.push(format!("outbound_addr={a}"));
        }
        if let Some(a) = &self.outbound_addr6 {
            parts.push(format!("outbound_addr6={a}"));
        }
        f.write_str(&parts.join(","))
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

    #[test]
    fn options() {
        let o = SlirpOptions::parse("allow_host_loopback=true,cidr=10.5.3.7/24,mtu=1500").unwrap();
        assert!(o.allow_host_loopback);
        assert_eq!(o.ip().to_string(), "10.5.3.100");
        assert_eq!(o.gateway().to_string(), "10.5.3.2");
        assert_eq!(o.dns().to_string(), "10.5.3.3");
        assert_eq!(o.mtu, 1500);
        assert_eq!(SlirpOptions::parse("").unwrap(), SlirpOptions::default());
        assert_eq!(SlirpOptions::default().ip().to_string(), "10.0.2.100");
        assert!(SlirpOptions::parse("mtu=x").is_err());
        assert!(SlirpOptions::parse("bogus=1").is_err());
        assert!(SlirpOptions::parse("cidr=10.0.0.0/30").is_err());
    }

    #[test]
    fn modes_keep_their_on_disk_strings() {
        for s in ["slirp4netns", "container:abc", "mynet", "pasta:-4", "none"] {
            let m: Mode = serde_json::from_str(&format!("{s:?}")).unwrap();
            assert_eq!(serde_json::to_string(&m).unwrap(), format!("{s:?}"));
        }
        assert!(serde_json::from_str::<Mode>("\"no/pe\"").is_err());
    }
}
