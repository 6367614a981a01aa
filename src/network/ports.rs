//! Published ports: docker's `-p` syntax, `--expose`, the host-side check that a port is free,
//! and docker's renderings (`0.0.0.0:8080->80/tcp`, `80/tcp -> 0.0.0.0:8080`).
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket};

use super::NetworkError;

pub use crate::state::network::{ExposedPort, PortMapping, Proto};

impl Proto {
    fn parse(s: &str) -> Result<Proto, NetworkError> {
        match s.to_ascii_lowercase().as_str() {
            "" | "tcp" => Ok(Proto::Tcp),
            "udp" => Ok(Proto::Udp),
            "sctp" => Err(NetworkError::Config(
                "sctp ports cannot be published with rootless user-mode networking".into(),
            )),
            other => Err(NetworkError::Config(format!("invalid proto: {other}"))),
        }
    }
}

/// One `-p` argument, parsed: a container port range and where the host side goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishSpec {
    /// Empty: every IPv4 address (docker's default).
    pub host_ip: String,
    /// `None`: a random free port for each container port.
    pub host_ports: Option<(u16, u16)>,
    pub container_ports: (u16, u16),
    pub proto: Proto,
}

/// The spec in `-p` syntax again (`IP:HOST:CTR/PROTO`), as docker keeps it in PortBindings;
/// `parse_publish` of it gives the same spec back.
impl fmt::Display for PublishSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let range = |(a, b): (u16, u16)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        };
        if !self.host_ip.is_empty() {
            write!(f, "{}:", self.host_ip)?;
        }
        match self.host_ports {
            Some(h) => write!(f, "{}:", range(h))?,
            None if !self.host_ip.is_empty() => write!(f, ":")?,
            None => {}
        }
        write!(f, "{}/{}", range(self.container_ports), self.proto.as_str())
    }
}

fn parse_port(s: &str, what: &str) -> Result<u16, NetworkError> {
    match s.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(NetworkError::Config(format!("invalid {what}: {s}"))),
    }
}

fn parse_range(s: &str, what: &str) -> Result<(u16, u16), NetworkError> {
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (parse_port(a, what)?, parse_port(b, what)?);
            if b < a {
                return Err(NetworkError::Config(format!("invalid {what} range: {s}")));
            }
            Ok((a, b))
        }
        None => {
            let p = parse_port(s, what)?;
            Ok((p, p))
        }
    }
}

/// Parse one `--expose` value: `80`, `80/udp`, `8000-8010/tcp`.
pub fn parse_expose(s: &str) -> Result<Vec<ExposedPort>, NetworkError> {
    let (ports, proto) = s.rsplit_once('/').unwrap_or((s, "tcp"));
    let proto = Proto::parse(proto)?;
    let (a, b) = parse_range(ports, "port")?;
    Ok((a..=b).map(|port| ExposedPort { port, proto }).collect())
}

/// Parse an image's `ExposedPorts` key (`80/tcp`); None for what cannot be published here.
pub fn parse_exposed_key(s: &str) -> Option<ExposedPort> {
    parse_expose(s).ok().and_then(|v| v.into_iter().next())
}

/// Parse one `-p` value in any of docker's forms: `CTR`, `HOST:CTR`, `IP:HOST:CTR`,
/// `IP::CTR`, with ranges (`8000-8001:80-81`) and `/tcp` or `/udp`.
pub fn parse_publish(s: &str) -> Result<PublishSpec, NetworkError> {
    let bad = |why: &str| NetworkError::Config(format!("invalid publish spec {s:?}: {why}"));
    let (rest, proto) = match s.rsplit_once('/') {
        Some((r, p)) => (r, Proto::parse(p)?),
        None => (s, Proto::Tcp),
    };
    // An IPv6 host address is bracketed: [::1]:8080:80.
    let (host_ip, rest) = if let Some(r) = rest.strip_prefix('[') {
        let (ip, after) = r
            .split_once("]:")
            .ok_or_else(|| bad("unterminated IPv6 address"))?;
        (ip.to_string(), after.to_string())
    } else {
        let parts: Vec<&str> = rest.split(':').collect();
        match parts.len() {
            1 | 2 => (String::new(), rest.to_string()),
            3 => (parts[0].to_string(), format!("{}:{}", parts[1], parts[2])),
            _ => return Err(bad("too many colons (bracket IPv6 addresses)")),
        }
    };
    if !host_ip.is_empty() {
        let ip: IpAddr = host_ip
            .parse()
            .map_err(|_| bad(&format!("invalid IP address {host_ip}")))?;
        if ip.is_ipv6() {
            return Err(bad(
                "IPv6 host addresses cannot be published with slirp4netns port forwarding",
            ));
        }
    }
    let (host, ctr) = match rest.split_once(':') {
        Some((h, c)) => (h, c),
        None if host_ip.is_empty() => ("", rest.as_str()),
        None => return Err(bad("no container port")),
    };
    let container_ports = parse_range(ctr, "container port")?;
    let host_ports = if host.is_empty() {
        None
    } else {
        let h = parse_range(host, "host port")?;
        let (hn, cn) = (h.1 - h.0, container_ports.1 - container_ports.0);
        // docker: equal ranges map one to one; one container port takes any port of a range.
        if hn != cn && cn != 0 {
            return Err(bad("host and container port ranges differ in size"));
        }
        Some(h)
    };
    Ok(PublishSpec {
        host_ip,
        host_ports,
        container_ports,
        proto,
    })
}

/// A host port held open while the others are chosen, so that two random ports never collide.
enum Held {
    Tcp(#[allow(dead_code)] TcpListener),
    Udp(#[allow(dead_code)] UdpSocket),
}

fn bind(ip: &str, port: u16, proto: Proto) -> std::io::Result<(Held, u16)> {
    let ip: IpAddr = ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let addr = SocketAddr::new(ip, port);
    match proto {
        Proto::Tcp => {
            let l = TcpListener::bind(addr)?;
            let p = l.local_addr()?.port();
            Ok((Held::Tcp(l), p))
        }
        Proto::Udp => {
            let s = UdpSocket::bind(addr)?;
            let p = s.local_addr()?.port();
            Ok((Held::Udp(s), p))
        }
    }
}

fn in_use(ip: &str, port: u16, proto: Proto, e: &std::io::Error) -> NetworkError {
    NetworkError::PortInUse {
        addr: format!("{ip}:{port}/{}", proto.as_str()),
        reason: e.to_string(),
    }
}

/// Turn `-p` specs (and, for `-P`, exposed ports without one) into concrete mappings: random
/// ports are chosen now, and every host port is checked by binding it, so that a port in use
/// is an error before the container starts.
pub fn resolve(
    specs: &[PublishSpec],
    publish_all: &[ExposedPort],
) -> Result<Vec<PortMapping>, NetworkError> {
    let mut held = Vec::new();
    let mut take = |ip: &str, host: u16, ctr: u16, proto: Proto| -> Result<(), NetworkError> {
        let bind_ip = if ip.is_empty() { "0.0.0.0" } else { ip };
        let (h, port) = bind(bind_ip, host, proto).map_err(|e| in_use(bind_ip, host, proto, &e))?;
        held.push((
            h,
            PortMapping {
                host_ip: ip.to_string(),
                host_port: port,
                container_port: ctr,
                proto,
            },
        ));
        Ok(())
    };
    for s in specs {
        let (c0, c1) = s.container_ports;
        match s.host_ports {
            None => {
                for c in c0..=c1 {
                    take(&s.host_ip, 0, c, s.proto)?;
                }
            }
            Some((h0, h1)) if c0 == c1 && h0 != h1 => {
                // One container port, a range of host ports: the first free one.
                let mut last = None;
                let mut done = false;
                for h in h0..=h1 {
                    match take(&s.host_ip, h, c0, s.proto) {
                        Ok(()) => {
                            done = true;
                            break;
                        }
                        Err(e) => last = Some(e),
                    }
                }
                if !done {
                    return Err(last.unwrap_or_else(|| {
                        NetworkError::Config(format!("no free port in {h0}-{h1}"))
                    }));
                }
            }
            Some((h0, _)) => {
                for (i, c) in (c0..=c1).enumerate() {
                    take(&s.host_ip, h0 + i as u16, c, s.proto)?;
                }
            }
        }
    }
    for e in publish_all {
        if !specs.iter().any(|s| {
            s.proto == e.proto && (s.container_ports.0..=s.container_ports.1).contains(&e.port)
        }) {
            take("", 0, e.port, e.proto)?;
        }
    }
    // The ports are released here, just before slirp4netns binds them.
    Ok(held.into_iter().map(|(_, m)| m).collect())
}

/// docker's PORTS column: mappings with consecutive ports folded into ranges
/// (`0.0.0.0:8000-8001->80-81/tcp`), then exposed ports nobody published (`443/tcp`).
pub fn ps_column(ports: &[PortMapping], exposed: &[ExposedPort]) -> String {
    let mut maps: Vec<&PortMapping> = ports.iter().collect();
    maps.sort_by_key(|m| (m.bind_ip().to_string(), m.proto, m.container_port));
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < maps.len() {
        let first = maps[i];
        let mut j = i;
        while j + 1 < maps.len() {
            let (a, b) = (maps[j], maps[j + 1]);
            if b.bind_ip() == a.bind_ip()
                && b.proto == a.proto
                && b.container_port == a.container_port + 1
                && b.host_port == a.host_port.wrapping_add(1)
            {
                j += 1;
            } else {
                break;
            }
        }
        let last = maps[j];
        if i == j {
            parts.push(first.to_string());
        } else {
            parts.push(format!(
                "{}:{}-{}->{}-{}/{}",
                first.bind_ip(),
                first.host_port,
                last.host_port,
                first.container_port,
                last.container_port,
                first.proto.as_str()
            ));
        }
        i = j + 1;
    }
    let mut unpublished: Vec<&ExposedPort> = exposed
        .iter()
        .filter(|e| !ports.iter().any(|m| m.exposed() == **e))
        .collect();
    unpublished.sort();
    unpublished.dedup();
    parts.extend(unpublished.iter().map(|e| e.to_string()));
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_spec_round_trips() {
        for given in [
            "80",
            "8080:80",
            "127.0.0.1:8080:80/udp",
            "127.0.0.1::80",
            "8000-8001:80-81",
        ] {
            let spec = parse_publish(given).unwrap();
            assert_eq!(parse_publish(&spec.to_string()).unwrap(), spec, "{given}");
        }
        assert_eq!(parse_publish("8080:80").unwrap().to_string(), "8080:80/tcp");
    }

    fn spec(ip: &str, h: Option<(u16, u16)>, c: (u16, u16), p: Proto) -> PublishSpec {
        PublishSpec {
            host_ip: ip.into(),
            host_ports: h,
            container_ports: c,
            proto: p,
        }
    }

    #[test]
    fn docker_publish_forms() {
        use Proto::*;
        let p = |s| parse_publish(s).unwrap();
        assert_eq!(p("80"), spec("", None, (80, 80), Tcp));
        assert_eq!(p("8080:80"), spec("", Some((8080, 8080)), (80, 80), Tcp));
        assert_eq!(
            p("127.0.0.1:8080:80/udp"),
            spec("127.0.0.1", Some((8080, 8080)), (80, 80), Udp)
        );
        assert_eq!(p("127.0.0.1::80"), spec("127.0.0.1", None, (80, 80), Tcp));
        assert_eq!(
            p("8000-8001:80-81/tcp"),
            spec("", Some((8000, 8001)), (80, 81), Tcp)
        );
        assert_eq!(
            p("8000-8010:80"),
            spec("", Some((8000, 8010)), (80, 80), Tcp)
        );
        assert_eq!(p("80-82"), spec("", None, (80, 82), Tcp));
        assert!(parse_publish("8000-8002:80-81").is_err());
        assert!(parse_publish("x:80").is_err());
        assert!(parse_publish("0").is_err());
        assert!(parse_publish("80/sctp").is_err());
        assert!(parse_publish("1.2.3.4:1:2:3").is_err());
        assert!(parse_publish("[::1]:8080:80").is_err());
        assert!(parse_publish("300.1.1.1:8080:80").is_err());
    }

    #[test]
    fn expose_forms() {
        assert_eq!(
            parse_expose("7000-7001/udp").unwrap(),
            vec![
                ExposedPort {
                    port: 7000,
                    proto: Proto::Udp
                },
                ExposedPort {
                    port: 7001,
                    proto: Proto::Udp
                }
            ]
        );
        assert_eq!(
            parse_exposed_key("80/tcp"),
            Some(ExposedPort {
                port: 80,
                proto: Proto::Tcp
            })
        );
    }

    #[test]
    fn random_ports_and_in_use() {
        let got = resolve(
            &[spec("127.0.0.1", None, (80, 81), Proto::Tcp)],
            &[ExposedPort {
                port: 53,
                proto: Proto::Udp,
            }],
        )
        .unwrap();
        assert_eq!(got.len(), 3);
        assert!(got.iter().all(|m| m.host_port != 0));
        assert_ne!(got[0].host_port, got[1].host_port);
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let err = resolve(
            &[spec("127.0.0.1", Some((port, port)), (80, 80), Proto::Tcp)],
            &[],
        )
        .unwrap_err();
        assert!(err.to_string().contains("already allocated"), "{err}");
    }

    #[test]
    fn ps_rendering() {
        let m = |h, c, p| PortMapping {
            host_ip: String::new(),
            host_port: h,
            container_port: c,
            proto: p,
        };
        let ports = vec![
            m(8001, 81, Proto::Tcp),
            m(8000, 80, Proto::Tcp),
            m(5353, 53, Proto::Udp),
        ];
        let exposed = vec![ExposedPort {
            port: 443,
            proto: Proto::Tcp,
        }];
        assert_eq!(
            ps_column(&ports, &exposed),
            "0.0.0.0:8000-8001->80-81/tcp, 0.0.0.0:5353->53/udp, 443/tcp"
        );
    }
}
