//! /etc/hosts, /etc/hostname and /etc/resolv.conf for a container.
use super::{Mode, NetConfig, NetworkError};

/// slirp4netns's default addresses (`--configure` without `--cidr`).
pub const SLIRP_IP: &str = "10.0.2.100";
pub const SLIRP_DNS: &str = "10.0.2.3";
pub const SLIRP_GATEWAY: &str = "10.0.2.2";

/// The host's IPv4 addresses other than loopback, from the kernel's local routing table.
pub fn host_addresses() -> Vec<String> {
    let trie = std::fs::read_to_string("/proc/net/fib_trie").unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    let mut last_ip: Option<&str> = None;
    for line in trie.lines() {
        let t = line.trim_start_matches([' ', '|', '+', '-']).trim();
        if line.contains("|--") {
            last_ip = Some(t);
        } else if t.starts_with("/32 host LOCAL") {
            if let Some(ip) = last_ip.take() {
                if !ip.starts_with("127.") && !out.iter().any(|o| o == ip) {
                    out.push(ip.to_string());
                }
            }
        }
    }
    out
}

/// The host's IPv4 default gateway (what pasta gives the container too), from /proc/net/route.
pub fn default_gateway() -> Option<String> {
    let routes = std::fs::read_to_string("/proc/net/route").unwrap_or_default();
    routes.lines().skip(1).find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.get(1) != Some(&"00000000") || f.get(7) != Some(&"00000000") {
            return None;
        }
        let gw = u32::from_str_radix(f.get(2)?, 16).ok()?;
        (gw != 0).then(|| std::net::Ipv4Addr::from(u32::from_be(gw)).to_string())
    })
}

/// The address that means "the host" from inside the container (docker's `host-gateway`,
/// `host.containers.internal`). With slirp4netns that is the gateway when it may reach the
/// host's loopback; otherwise, as podman decides, the host's first non-loopback address (the
/// gateway address is then blocked), and the gateway only when the host has none.
pub fn host_gateway(mode: &Mode) -> Option<String> {
    match mode {
        Mode::Slirp4netns(o) if o.allow_host_loopback => Some(o.gateway().to_string()),
        Mode::Slirp4netns(o) => Some(
            host_addresses()
                .into_iter()
                .next()
                .unwrap_or_else(|| o.gateway().to_string()),
        ),
        Mode::Host => Some("127.0.0.1".into()),
        // pasta copies the host's addresses and routes: the host's own address would be the
        // container's, but pasta takes connections to the gateway to the host.
        Mode::Pasta(_) => default_gateway(),
        // The shared namespace's slirp4netns, reached by NAT (networks that are not internal).
        Mode::User(_) => host_gateway(&Mode::Slirp4netns(super::slirp::Options::default())),
        Mode::None | Mode::Container(_) => None,
    }
}

/// Parse `--add-host NAME:IP` (or `NAME=IP`); `host-gateway` stands for the host.
pub fn parse_add_host(s: &str, gateway: Option<&str>) -> Result<(String, String), NetworkError> {
    let (name, ip) = s
        .split_once('=')
        .or_else(|| s.split_once(':'))
        .ok_or_else(|| NetworkError::Config(format!("bad format for add-host: {s:?}")))?;
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    if name.is_empty() {
        return Err(NetworkError::Config(format!(
            "bad format for add-host: {s:?}"
        )));
    }
    let ip = if ip == "host-gateway" {
        gateway
            .ok_or_else(|| {
                NetworkError::Config("host-gateway is not available with this network mode".into())
            })?
            .to_string()
    } else {
        ip.parse::<std::net::IpAddr>()
            .map_err(|_| NetworkError::Config(format!("invalid IP address in add-host: {ip:?}")))?
            .to_string()
    };
    Ok((name.to_string(), ip))
}

/// The container's /etc/hosts.
pub fn hosts(
    mode: &Mode,
    hostname: &str,
    name: &str,
    cfg: &NetConfig,
) -> Result<String, NetworkError> {
    let mut s = String::from(
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n",
    );
    let gateway = host_gateway(mode);
    match mode {
        Mode::Slirp4netns(o) => s.push_str(&format!("{}\t{hostname} {name}\n", o.ip())),
        // On user networks the address is chosen at start; other containers ask the DNS.
        Mode::None | Mode::User(_) | Mode::Pasta(_) => {
            s.push_str(&format!("127.0.1.1\t{hostname} {name}\n"))
        }
        Mode::Host | Mode::Container(_) => {}
    }
    if let (Some(gw), Mode::Slirp4netns(_) | Mode::User(_) | Mode::Pasta(_)) = (&gateway, mode) {
        s.push_str(&format!(
            "{gw}\thost.containers.internal host.docker.internal\n"
        ));
    }
    for h in &cfg.add_hosts {
        let (n, ip) = parse_add_host(h, gateway.as_deref())?;
        s.push_str(&format!("{ip}\t{n}\n"));
    }
    Ok(s)
}

/// The container's resolv.conf: the host's, with slirp4netns's DNS forwarder first when the
/// host's servers are loopback addresses the container cannot reach; `--dns`, `--dns-search`
/// and `--dns-option` replace the host's servers, search domains and options.
pub fn resolv_conf(mode: &Mode, cfg: &NetConfig) -> String {
    let host = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let mut servers: Vec<String> = Vec::new();
    let mut search: Vec<String> = Vec::new();
    let mut options: Vec<String> = Vec::new();
    for line in host.lines() {
        let mut w = line.split_whitespace();
        match w.next() {
            Some("nameserver") => servers.extend(w.next().map(String::from)),
            Some("search") | Some("domain") => search = w.map(String::from).collect(),
            Some("options") => options.extend(w.map(String::from)),
            _ => {}
        }
    }
    // The default bridge goes out through the shared namespace's slirp4netns: its DNS
    // forwarder is reached by NAT, as the container's own one is in slirp4netns mode.
    let slirp = match mode {
        Mode::Slirp4netns(o) => Some(o.clone()),
        m if m.is_default_bridge() => Some(super::slirp::Options::default()),
        _ => None,
    };
    if let Some(o) = slirp {
        servers.retain(|ip| !ip.starts_with("127.") && ip != "::1");
        if servers.is_empty() {
            servers.push(o.dns().to_string());
        }
    }
    if let Mode::Pasta(_) = mode {
        // A resolver on the host's loopback: pasta forwards DNS sent to the gateway to it
        // (`--dns-forward`, see network::pasta).
        servers.retain(|ip| !ip.starts_with("127.") && ip != "::1");
        if servers.is_empty() {
            servers.extend(default_gateway());
        }
    }
    if mode.is_user_defined() {
        // The networks' DNS responders (which forward other names to the host's resolver),
        // then slirp4netns's forwarder.
        servers = cfg.networks.iter().map(|a| a.gateway.clone()).collect();
        servers.dedup();
        servers.push(super::files::SLIRP_DNS.to_string());
        search.insert(0, super::user::DNS_DOMAIN.to_string());
    }
    if !cfg.dns.is_empty() {
        servers = cfg.dns.clone();
    }
    if !cfg.dns_search.is_empty() {
        // docker: `--dns-search .` means no search domains.
        search = cfg
            .dns_search
            .iter()
            .filter(|s| *s != ".")
            .cloned()
            .collect();
    }
    if !cfg.dns_options.is_empty() {
        options = cfg.dns_options.clone();
    }
    let mut out = String::new();
    if !search.is_empty() {
        out.push_str(&format!("search {}\n", search.join(" ")));
    }
    for s in &servers {
        out.push_str(&format!("nameserver {s}\n"));
    }
    if !options.is_empty() {
        out.push_str(&format!("options {}\n", options.join(" ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_host_forms() {
        assert_eq!(
            parse_add_host("db:10.1.2.3", None).unwrap(),
            ("db".into(), "10.1.2.3".into())
        );
        assert_eq!(
            parse_add_host("db=::1", None).unwrap(),
            ("db".into(), "::1".into())
        );
        assert_eq!(
            parse_add_host("h:host-gateway", Some("10.0.2.2")).unwrap(),
            ("h".into(), "10.0.2.2".into())
        );
        assert!(parse_add_host("h:host-gateway", None).is_err());
        assert!(parse_add_host("nocolon", None).is_err());
        assert!(parse_add_host("x:notanip", None).is_err());
    }

    #[test]
    fn hosts_names_the_container_and_host() {
        let mode = Mode::parse("slirp4netns:allow_host_loopback=true").unwrap();
        let cfg = NetConfig {
            add_hosts: vec!["gw:host-gateway".into(), "db:10.9.9.9".into()],
            ..Default::default()
        };
        let h = hosts(&mode, "hn", "web", &cfg).unwrap();
        assert!(h.contains("10.0.2.100\thn web\n"), "{h}");
        assert!(
            h.contains("10.0.2.2\thost.containers.internal host.docker.internal\n"),
            "{h}"
        );
        assert!(h.contains("10.0.2.2\tgw\n"), "{h}");
        assert!(h.contains("10.9.9.9\tdb\n"), "{h}");
    }

    #[test]
    fn resolv_conf_overrides() {
        let mode = Mode::parse("slirp4netns").unwrap();
        let cfg = NetConfig {
            dns: vec!["1.1.1.1".into()],
            dns_search: vec!["example.com".into()],
            dns_options: vec!["ndots:2".into()],
            ..Default::default()
        };
        let r = resolv_conf(&mode, &cfg);
        assert!(r.contains("nameserver 1.1.1.1\n"), "{r}");
        assert_eq!(r.matches("nameserver").count(), 1, "{r}");
        assert!(r.contains("search example.com\n"), "{r}");
        assert!(r.contains("options ndots:2\n"), "{r}");
    }

    #[test]
    fn local_addresses_exclude_loopback() {
        assert!(host_addresses().iter().all(|a| !a.starts_with("127.")));
    }
}
