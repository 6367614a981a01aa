//! The netns holder helper: the process that keeps the shared rootless user and network namespaces of
//! user networks alive, and answers DNS on port 53 there (on every bridge's gateway address).
//! The process that started it starts the namespace's one slirp4netns (which exits with the
//! holder) and its NAT rules (`nat`) before reporting it ready.
//!
//! It is started on demand, under the networks lock, by the first monitor whose container is on
//! a user network (`user::join`), and exits when no such monitor is left (checked twice a
//! second under the same lock, which also forgets the endpoints of monitors that died).
//!
//! DNS: container names, aliases and short IDs on the networks the asking container shares
//! (looked up by the query's source address in `endpoints.json`), bare or under `dns.skiff`;
//! other names go to the host's first IPv4 name server through a socket opened in the host's
//! network namespace before the holder left it, so 127.0.0.53 and the like work too.
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use super::dns::{self, Query};
use super::user::{self, Attachments, DNS_DOMAIN};
use super::NetworkError;
use crate::state::Paths;

/// The host's first IPv4 name server.
fn host_resolver() -> Option<SocketAddr> {
    let text = std::fs::read_to_string("/etc/resolv.conf").ok()?;
    text.lines().find_map(|l| {
        let mut w = l.split_whitespace();
        (w.next() == Some("nameserver"))
            .then(|| w.next()?.parse::<Ipv4Addr>().ok())
            .flatten()
            .map(|ip| SocketAddr::new(IpAddr::V4(ip), 53))
    })
}

/// Entry point of the holder helper (`helper::Request::NetnsHolder`); returns the exit code.
/// The process the starter started reports the daemon's pid on `ready` and exits.
pub fn main(paths: &Paths, ready: Option<crate::helper::ReadySender>) -> i32 {
    let upstream = host_resolver();
    // Opened before unsharing: it stays in the host's network namespace.
    let up_sock = UdpSocket::bind("0.0.0.0:0").ok();
    let log = user::run_dir(paths).join("holder.log");
    // Held (never read or written) for the daemon's life: slirp4netns exits when it closes.
    let _exit_w = match crate::runtime::netns::enter_holder_namespaces(&log) {
        Err(e) => {
            eprintln!("Error: {e}");
            return crate::exit::ENGINE;
        }
        Ok(crate::runtime::netns::HolderSide::Starter { daemon, exit_r }) => {
            // Still in the host's network namespace: the one slirp4netns of the shared
            // namespace (it lives as long as the daemon holds the exit pipe), and the rules
            // that masquerade the bridges out through it.
            let outside = super::slirp::start_for_holder(daemon, exit_r, &log)
                .and_then(|()| super::nat::setup_holder(daemon));
            if let Err(e) = outside {
                // The daemon, never recorded, exits at its first check.
                eprintln!("Error: {e}");
                return crate::exit::ENGINE;
            }
            if let Some(r) = ready {
                r.send(&crate::helper::Ready::Pid(daemon));
            }
            return 0;
        }
        Ok(crate::runtime::netns::HolderSide::Daemon { exit_w }) => {
            drop(ready);
            exit_w
        }
    };
    match serve(paths, upstream, up_sock) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("skiff netns holder: {e}");
            1
        }
    }
}

/// How long the holder sees no query and no container come or go before it lets go of the
/// memory it touched.
const IDLE_AFTER: Duration = Duration::from_secs(1);

/// What the responder decides for one query.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    Answer(Vec<Ipv4Addr>),
    NxDomain,
    Forward,
}

/// `unnamed`: the default bridge network's ID, whose containers have no names in the DNS (as
/// docker's default bridge).
fn decide(att: &Attachments, from: Ipv4Addr, q: &Query, unnamed: &str) -> Decision {
    let suffix = format!(".{DNS_DOMAIN}");
    let (name, ours) = match q.name.strip_suffix(&suffix) {
        Some(n) => (n, true),
        None => (q.name.as_str(), false),
    };
    if !ours && name.contains('.') {
        return Decision::Forward;
    }
    let me = att.endpoints.iter().find(|e| e.ip == from);
    let scope: Vec<&str> = match me {
        Some(me) => att
            .endpoints
            .iter()
            .filter(|e| e.container_id == me.container_id)
            .map(|e| e.network_id.as_str())
            .collect(),
        None => att
            .endpoints
            .iter()
            .map(|e| e.network_id.as_str())
            .collect(),
    };
    let mut ips: Vec<Ipv4Addr> = att
        .endpoints
        .iter()
        .filter(|e| e.network_id != unnamed && scope.contains(&e.network_id.as_str()))
        .filter(|e| {
            e.container_name.eq_ignore_ascii_case(name)
                || e.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
                || (name.len() >= 12 && e.container_id.starts_with(name))
        })
        .map(|e| e.ip)
        .collect();
    ips.dedup();
    if !ips.is_empty() {
        if q.qtype != dns::TYPE_A {
            ips.clear();
        }
        return Decision::Answer(ips);
    }
    if ours {
        Decision::NxDomain
    } else {
        Decision::Forward
    }
}

fn serve(
    paths: &Paths,
    upstream: Option<SocketAddr>,
    up_sock: Option<UdpSocket>,
) -> Result<(), NetworkError> {
    let me = std::process::id() as i32;
    let unnamed = super::builtin::default_bridge(paths).id;
    let sock = UdpSocket::bind("0.0.0.0:53").map_err(|source| NetworkError::Io {
        what: "binding port 53",
        source,
    })?;
    let mut pending: HashMap<u16, (SocketAddr, u16, Instant)> = HashMap::new();
    let mut next_id: u16 = 1;
    let mut last_check = Instant::now() - Duration::from_secs(1);
    let mut empty_since = None;
    let mut buf = [0u8; 4096];
    // Its start-up memory (and what answering queries and containers coming and going brought
    // in) is let go once nothing happened for a while: the holder lives as long as the shared
    // namespace's containers, and what it keeps resident counts against each of them
    // (docs/performance.md, "Memory of the monitor").
    let mut last_event = Instant::now();
    let mut released = false;
    let mut clients = 0;
    loop {
        if last_check.elapsed() >= Duration::from_millis(500) {
            last_check = Instant::now();
            match user::holder_should_run(paths, me, &mut empty_since) {
                // Exit with the lock held: no starter can find this holder half gone.
                Ok((false, _, _lock)) => return Ok(()),
                Ok((true, now, _)) if now != clients => {
                    clients = now;
                    last_event = Instant::now();
                    released = false;
                }
                Ok(_) => {}
                // Its store was deleted (a reset, a removed test or benchmark store): no
                // container can find this holder any more, and it could not tell when its last
                // one goes. It used to stay, with its slirp4netns, for ever.
                Err(_) if user::holder_record_lost(paths, me) => return Ok(()),
                Err(e) => eprintln!("skiff netns holder: {e}"),
            }
            pending.retain(|_, (_, _, t)| t.elapsed() < Duration::from_secs(5));
            if !released && last_event.elapsed() >= IDLE_AFTER {
                released = true;
                crate::sys::memory::release_startup_memory();
            }
        }
        let (dns_ready, up_ready) = {
            let mut fds = vec![PollFd::new(sock.as_fd(), PollFlags::POLLIN)];
            if let Some(u) = &up_sock {
                fds.push(PollFd::new(u.as_fd(), PollFlags::POLLIN));
            }
            match poll(&mut fds, PollTimeout::from(500u16)) {
                Ok(n) if n > 0 => {}
                _ => continue,
            }
            let ready = |f: &PollFd| f.revents().is_some_and(|r| r.contains(PollFlags::POLLIN));
            (ready(&fds[0]), fds.get(1).is_some_and(ready))
        };
        if up_ready {
            if let Some(u) = &up_sock {
                if let Ok((n, _)) = u.recv_from(&mut buf) {
                    if n >= 2 {
                        let id = u16::from_be_bytes([buf[0], buf[1]]);
                        if let Some((client, orig, _)) = pending.remove(&id) {
                            buf[..2].copy_from_slice(&orig.to_be_bytes());
                            let _ = sock.send_to(&buf[..n], client);
                        }
                    }
                }
            }
        }
        if !dns_ready {
            continue;
        }
        last_event = Instant::now();
        released = false;
        let Ok((n, from)) = sock.recv_from(&mut buf) else {
            continue;
        };
        let packet = &buf[..n];
        let Some(q) = dns::parse_query(packet) else {
            continue;
        };
        let from_ip = match from.ip() {
            IpAddr::V4(ip) => ip,
            IpAddr::V6(_) => Ipv4Addr::UNSPECIFIED,
        };
        let att = user::read_attachments(paths).unwrap_or_default();
        let reply = match decide(&att, from_ip, &q, &unnamed) {
            Decision::Answer(ips) => dns::answer(packet, &q, &ips, 0),
            Decision::NxDomain => dns::answer(packet, &q, &[], dns::RCODE_NXDOMAIN),
            Decision::Forward => match (&up_sock, upstream) {
                (Some(u), Some(server)) => {
                    let id = next_id;
                    next_id = next_id.wrapping_add(1).max(1);
                    let mut fwd = packet.to_vec();
                    fwd[..2].copy_from_slice(&id.to_be_bytes());
                    if u.send_to(&fwd, server).is_ok() {
                        pending.insert(id, (from, q.id, Instant::now()));
                        continue;
                    }
                    dns::answer(packet, &q, &[], dns::RCODE_SERVFAIL)
                }
                _ => dns::answer(packet, &q, &[], dns::RCODE_SERVFAIL),
            },
        };
        let _ = sock.send_to(&reply, from);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::user::Endpoint;

    fn ep(c: &str, net: &str, ip: [u8; 4], aliases: &[&str]) -> Endpoint {
        Endpoint {
            container_id: format!("{c}0123456789abcdef"),
            container_name: c.into(),
            network_id: net.into(),
            ip: Ipv4Addr::from(ip),
            mac: String::new(),
            ifname: "eth0".into(),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn q(name: &str, qtype: u16) -> Query {
        let mut p = vec![0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        for l in name.split('.') {
            p.push(l.len() as u8);
            p.extend_from_slice(l.as_bytes());
        }
        p.extend_from_slice(&[0, 0, qtype as u8, 0, 1]);
        dns::parse_query(&p).unwrap()
    }

    #[test]
    fn names_resolve_only_on_shared_networks() {
        let att = Attachments {
            clients: vec![],
            bridges: vec![],
            endpoints: vec![
                ep("web", "n1", [10, 89, 0, 2], &["www"]),
                ep("cli", "n1", [10, 89, 0, 3], &[]),
                ep("other", "n2", [10, 89, 1, 2], &[]),
            ],
        };
        let from = Ipv4Addr::new(10, 89, 0, 3);
        let web = Decision::Answer(vec![Ipv4Addr::new(10, 89, 0, 2)]);
        assert_eq!(decide(&att, from, &q("web", 1), ""), web);
        assert_eq!(decide(&att, from, &q("www.dns.skiff", 1), ""), web);
        assert_eq!(decide(&att, from, &q("WEB", 1), ""), web);
        assert_eq!(
            decide(&att, from, &q("web", 28), ""),
            Decision::Answer(vec![])
        );
        assert_eq!(
            decide(&att, from, &q("other.dns.skiff", 1), ""),
            Decision::NxDomain
        );
        assert_eq!(decide(&att, from, &q("other", 1), ""), Decision::Forward);
        assert_eq!(
            decide(&att, from, &q("example.com", 1), ""),
            Decision::Forward
        );
        // Nothing by name on the default bridge.
        assert_eq!(decide(&att, from, &q("web", 1), "n1"), Decision::Forward);
    }
}
