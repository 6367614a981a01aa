//! /etc/hosts, /etc/hostname and /etc/resolv.conf for a container.
use super::Mode;

/// slirp4netns's fixed addresses (`--configure` defaults).
pub const SLIRP_IP: &str = "10.0.2.100";
pub const SLIRP_DNS: &str = "10.0.2.3";
pub const SLIRP_GATEWAY: &str = "10.0.2.2";

pub fn hosts(mode: &Mode, hostname: &str, name: &str) -> String {
    let mut s = String::from(
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n",
    );
    match mode {
        Mode::Slirp4netns => {
            s.push_str(&format!("{SLIRP_IP}\t{hostname} {name}\n"));
            s.push_str(&format!(
                "{SLIRP_GATEWAY}\thost.containers.internal host.docker.internal\n"
            ));
        }
        Mode::None => s.push_str(&format!("127.0.1.1\t{hostname} {name}\n")),
        Mode::Host => {}
    }
    s
}

/// The container's resolv.conf: the host's, with slirp4netns's DNS forwarder first when the
/// host's servers are loopback addresses the container cannot reach.
pub fn resolv_conf(mode: &Mode) -> String {
    let host = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    if *mode != Mode::Slirp4netns {
        return host;
    }
    let mut out = String::new();
    let mut servers = 0;
    for line in host.lines() {
        let t = line.trim();
        if let Some(ip) = t.strip_prefix("nameserver") {
            let ip = ip.trim();
            if ip.starts_with("127.") || ip == "::1" {
                continue;
            }
            servers += 1;
        }
        out.push_str(line);
        out.push('\n');
    }
    if servers == 0 {
        out = format!("nameserver {SLIRP_DNS}\n{out}");
    }
    out
}
