//! User-defined networks end to end, as the unprivileged test user: containers reaching each
//! other by name and alias through the network's DNS, `network ls/inspect/rm/prune`, a network
//! in use refused, connect/disconnect, concurrent starts getting distinct addresses, and no
//! helper process (holder, slirp4netns, monitor) left behind.
//!
//! Debian's busybox-static is linked statically with glibc, whose `getaddrinfo` crashes without
//! NSS modules: its `wget` cannot resolve names (and crashes with `-T`). So names are resolved
//! with busybox's `nslookup`, which speaks DNS itself, and fetched by address.
mod common;

use std::time::{Duration, Instant};

use common::*;

const BUSYBOX: &str = "localhost:5000/busybox";

fn env_with_busybox() -> TestEnv {
    let env = TestEnv::new();
    env.pull("busybox");
    env
}

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Processes started for this test's store (their environment names it): monitors, the
/// namespace holder, slirp4netns.
fn helper_processes(env: &TestEnv) -> Vec<String> {
    let marker = format!("SKIFF_ROOT={}", env.data_dir().display());
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let p = e.path();
        let environ = std::fs::read(p.join("environ")).unwrap_or_default();
        if environ.split(|&b| b == 0).any(|v| v == marker.as_bytes()) {
            let cmd = std::fs::read(p.join("cmdline")).unwrap_or_default();
            found.push(format!(
                "{} {}",
                e.file_name().to_string_lossy(),
                String::from_utf8_lossy(&cmd).replace('\0', " ")
            ));
        }
    }
    found
}

/// Wait (up to 10 s) until no helper process of this test is left.
fn assert_no_helpers(env: &TestEnv) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = helper_processes(env);
        if left.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "helpers left: {left:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A shell script for a client container: resolve NAME with nslookup, fetch `http://IP/`.
fn fetch_by_name(name: &str) -> String {
    format!(
        "for i in 1 2 3 4 5 6 7 8 9 10; do \
           ip=$(nslookup -type=a {name} | sed -n 's/^Address: //p' | tail -1); \
           [ -n \"$ip\" ] && timeout 5 wget -q -O - http://$ip/ && exit 0; sleep 0.3; \
         done; exit 1"
    )
}

#[test]
fn containers_reach_each_other_by_name_and_alias() {
    let env = env_with_busybox();
    env.skiff_ok(&["network", "create", "appnet"]);
    env.skiff_ok(&["network", "create", "othernet"]);
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "--network",
        "appnet",
        "--network-alias",
        "www",
        BUSYBOX,
        "sh",
        "-c",
        "echo hello-from-web > /tmp/index.html; exec httpd -f -p 80 -h /tmp",
    ]);
    let by_name = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "appnet",
        BUSYBOX,
        "sh",
        "-c",
        &fetch_by_name("web"),
    ]);
    assert_eq!(by_name.trim(), "hello-from-web");
    let by_alias = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "appnet",
        BUSYBOX,
        "sh",
        "-c",
        &fetch_by_name("www.dns.skiff"),
    ]);
    assert_eq!(by_alias.trim(), "hello-from-web");

    // The container's address is the one inspect and network inspect show.
    let ip = env.skiff_ok(&[
        "inspect",
        "-f",
        "{{.NetworkSettings.Networks.appnet.IPAddress}}",
        "web",
    ]);
    assert!(ip.trim().starts_with("10.89."), "{ip}");
    let n = env.skiff_ok(&["network", "inspect", "appnet"]);
    let v: serde_json::Value = serde_json::from_str(&n).unwrap();
    let ctrs = v[0]["Containers"].as_object().unwrap();
    assert_eq!(ctrs.len(), 1, "{n}");
    let (_, c) = ctrs.iter().next().unwrap();
    assert_eq!(c["Name"], "web");
    assert_eq!(c["IPv4Address"], format!("{}/24", ip.trim()));

    // Another network does not see it.
    let o = env.skiff(&[
        "run",
        "--rm",
        "--network",
        "othernet",
        BUSYBOX,
        "nslookup",
        "web.dns.skiff",
    ]);
    assert!(
        stdout(&o).contains("NXDOMAIN") || stderr(&o).contains("NXDOMAIN"),
        "{} {}",
        stdout(&o),
        stderr(&o)
    );

    // In use: refused.
    let err = env.skiff_err(&["network", "rm", "appnet"]);
    assert!(err.contains("active endpoints"), "{err}");

    env.skiff_ok(&["rm", "-f", "web"]);
    assert_eq!(
        env.skiff_ok(&["network", "rm", "appnet", "othernet"]),
        "appnet\nothernet\n"
    );
    assert_no_helpers(&env);
}

#[test]
fn network_ls_inspect_rm_and_prune() {
    let env = env_with_busybox();
    let id = env.skiff_ok(&[
        "network",
        "create",
        "--subnet",
        "192.168.150.0/24",
        "--gateway",
        "192.168.150.254",
        "--label",
        "team=blue",
        "--internal",
        "blue",
    ]);
    let id = id.trim();
    assert_eq!(id.len(), 64, "{id}");
    env.skiff_ok(&["network", "create", "red"]);

    let ls = env.skiff_ok(&["network", "ls"]);
    let lines: Vec<&str> = ls.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["NETWORK", "ID", "NAME", "DRIVER", "SCOPE"],
        "{ls}"
    );
    // docker's order: by name, the pre-defined bridge, host and none among them.
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        [&id[..12], "blue", "bridge", "local"],
        "{ls}"
    );
    let names: Vec<&str> = lines[1..]
        .iter()
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert_eq!(names, ["blue", "bridge", "host", "none", "red"], "{ls}");
    assert_eq!(
        env.skiff_ok(&["network", "ls", "-q", "--filter", "label=team=blue"]),
        format!("{}\n", &id[..12])
    );
    assert_eq!(
        env.skiff_ok(&[
            "network",
            "ls",
            "--filter",
            "name=re",
            "--format",
            "{{.Name}}"
        ]),
        "red\n"
    );

    let v: serde_json::Value =
        serde_json::from_str(&env.skiff_ok(&["network", "inspect", "blue"])).unwrap();
    let n = &v[0];
    assert_eq!(n["Name"], "blue");
    assert_eq!(n["Id"], id);
    assert_eq!(n["Driver"], "bridge");
    assert_eq!(n["Scope"], "local");
    assert_eq!(n["EnableIPv6"], false);
    assert_eq!(n["Internal"], true);
    assert_eq!(n["IPAM"]["Driver"], "default");
    assert_eq!(n["IPAM"]["Config"][0]["Subnet"], "192.168.150.0/24");
    assert_eq!(n["IPAM"]["Config"][0]["Gateway"], "192.168.150.254");
    assert_eq!(n["Labels"]["team"], "blue");
    assert!(n["Created"].as_str().unwrap().starts_with("20"));
    assert_eq!(n["Containers"], serde_json::json!({}));
    // The default subnet is podman's 10.89.N.0/24.
    assert_eq!(
        env.skiff_ok(&[
            "network",
            "inspect",
            "-f",
            "{{(index .IPAM.Config 0).Subnet}}",
            "red"
        ]),
        "10.89.0.0/24\n"
    );

    // Refusals: a duplicate, an overlapping subnet, a reserved name, an unknown network.
    assert!(env
        .skiff_err(&["network", "create", "red"])
        .contains("already exists"));
    assert!(env
        .skiff_err(&["network", "create", "--subnet", "192.168.150.128/25", "x"])
        .contains("overlaps"));
    assert!(env
        .skiff_err(&["network", "create", "host"])
        .contains("operation is not permitted on predefined host network"));
    assert!(env
        .skiff_err(&["network", "create", "slirp4netns"])
        .contains("pre-defined"));
    assert!(env
        .skiff_err(&["network", "inspect", "nope"])
        .contains("not found"));
    assert!(env
        .skiff_err(&["run", "--rm", "--network", "nope", BUSYBOX, "true"])
        .contains("network nope not found"));
    assert!(env
        .skiff_err(&["run", "--rm", "--network-alias", "a", BUSYBOX, "true"])
        .contains("user-defined networks"));

    // A stopped container on a network keeps it; connect/disconnect of a stopped container.
    env.skiff_ok(&[
        "create",
        "--name",
        "c1",
        "--network",
        "blue",
        BUSYBOX,
        "true",
    ]);
    assert!(env
        .skiff_err(&["network", "rm", "blue"])
        .contains("active endpoints"));
    env.skiff_ok(&["network", "connect", "--alias", "r1", "red", "c1"]);
    let nets = env.skiff_ok(&[
        "inspect",
        "-f",
        "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}",
        "c1",
    ]);
    assert_eq!(nets.trim(), "blue red");
    assert!(env
        .skiff_err(&["network", "connect", "red", "c1"])
        .contains("already exists"));
    env.skiff_ok(&["network", "disconnect", "blue", "c1"]);
    env.skiff_ok(&["network", "rm", "blue"]);
    // Prune keeps the network a container is on.
    let pruned = env.skiff_ok(&["network", "prune", "-f"]);
    assert!(!pruned.contains("red"), "{pruned}");
    env.skiff_ok(&["rm", "c1"]);
    assert_eq!(
        env.skiff_ok(&["network", "prune", "-f"]),
        "Deleted Networks:\nred\n"
    );
    assert_eq!(
        env.skiff_ok(&["network", "ls", "-q", "--filter", "type=custom"]),
        ""
    );
    assert_no_helpers(&env);
}

#[test]
fn internal_network_and_connecting_a_running_container() {
    let env = env_with_busybox();
    env.skiff_ok(&["network", "create", "front"]);
    env.skiff_ok(&["network", "create", "--internal", "back"]);
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "app",
        "--network",
        "front",
        BUSYBOX,
        "sleep",
        "1000",
    ]);
    let addrs = |env: &TestEnv| {
        env.skiff_ok(&["exec", "app", "ip", "-4", "-o", "addr", "show"])
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1).map(String::from))
            .collect::<Vec<_>>()
    };
    // A network that is not internal: the default route through its gateway (out through
    // the shared namespace's slirp4netns), no tap0 of its own.
    assert_eq!(addrs(&env), ["lo", "eth0"]);
    let route = env.skiff_ok(&["exec", "app", "ip", "route", "show", "default"]);
    assert!(route.starts_with("default via 10.89."), "{route}");
    env.skiff_ok(&["network", "connect", "--alias", "db", "back", "app"]);
    assert_eq!(addrs(&env), ["lo", "eth0", "eth1"]);
    // Reachable by its alias from the internal network, which has no way out.
    let o = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "back",
        BUSYBOX,
        "sh",
        "-c",
        "ip -4 -o addr show | awk '{print $2}'; ip route | grep -c default; nslookup -type=a db | sed -n 's/^Address: //p'",
    ]);
    let ip = env.skiff_ok(&[
        "inspect",
        "-f",
        "{{.NetworkSettings.Networks.back.IPAddress}}",
        "app",
    ]);
    assert_eq!(o, format!("lo\neth0\n0\n{}", ip), "{o}");
    env.skiff_ok(&["network", "disconnect", "back", "app"]);
    assert_eq!(addrs(&env), ["lo", "eth0"]);
    env.skiff_ok(&["rm", "-f", "app"]);
    env.skiff_ok(&["network", "rm", "front", "back"]);
    assert_no_helpers(&env);
}

#[test]
fn concurrent_starts_get_distinct_addresses() {
    let env = env_with_busybox();
    env.skiff_ok(&["network", "create", "busy"]);
    let names: Vec<String> = (0..5).map(|i| format!("c{i}")).collect();
    std::thread::scope(|s| {
        for n in &names {
            let env = &env;
            s.spawn(move || {
                env.skiff_ok(&[
                    "run",
                    "-d",
                    "--name",
                    n,
                    "--network",
                    "busy",
                    BUSYBOX,
                    "sleep",
                    "1000",
                ]);
            });
        }
    });
    let mut ips = Vec::new();
    for n in &names {
        let ip = env.skiff_ok(&["inspect", "-f", "{{.NetworkSettings.IPAddress}}", n]);
        // The address is really the container's.
        let inside = env.skiff_ok(&["exec", n, "ip", "-4", "-o", "addr", "show", "eth0"]);
        assert!(
            inside.contains(&format!("inet {}/24", ip.trim())),
            "{inside}"
        );
        ips.push(ip.trim().to_string());
    }
    let mut uniq = ips.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), names.len(), "{ips:?}");
    let v: serde_json::Value =
        serde_json::from_str(&env.skiff_ok(&["network", "inspect", "busy"])).unwrap();
    assert_eq!(v[0]["Containers"].as_object().unwrap().len(), names.len());

    // Stopping concurrently too; then the holder goes away with the last one.
    let mut args = vec!["rm", "-f"];
    args.extend(names.iter().map(String::as_str));
    let o = env.skiff(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    env.skiff_ok(&["network", "rm", "busy"]);
    assert_no_helpers(&env);
}

#[test]
fn published_port_on_a_user_network() {
    use std::io::{Read, Write};
    let env = env_with_busybox();
    env.skiff_ok(&["network", "create", "pubnet"]);
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "pweb",
        "--network",
        "pubnet",
        "-p",
        "127.0.0.1::80",
        BUSYBOX,
        "sh",
        "-c",
        "echo hello-pubnet > /tmp/index.html; exec httpd -f -p 80 -h /tmp",
    ]);
    let out = env.skiff_ok(&["port", "pweb", "80/tcp"]);
    let port: u16 = out
        .lines()
        .next()
        .and_then(|l| l.rsplit(':').next())
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("skiff port: {out:?}"));
    let deadline = Instant::now() + Duration::from_secs(20);
    let resp = loop {
        let attempt = (|| -> std::io::Result<String> {
            let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
            s.write_all(b"GET /index.html HTTP/1.0\r\n\r\n")?;
            let mut r = String::new();
            s.read_to_string(&mut r)?;
            Ok(r)
        })();
        match attempt {
            Ok(r) if r.contains("hello-pubnet") => break r,
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            other => panic!("GET through the published port: {other:?}"),
        }
    };
    assert!(resp.starts_with("HTTP/"), "{resp}");
    env.skiff_ok(&["rm", "-f", "pweb"]);
    env.skiff_ok(&["network", "rm", "pubnet"]);
    assert_no_helpers(&env);
}

/// A server on all the host's addresses answering every request with `body`; its port.
fn host_server(body: &'static str) -> u16 {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("0.0.0.0:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// The slirp4netns processes of this test's store.
fn slirps(env: &TestEnv) -> Vec<String> {
    helper_processes(env)
        .into_iter()
        .filter(|p| p.split_whitespace().nth(1) == Some("slirp4netns"))
        .collect()
}

#[test]
fn user_networks_go_out_through_one_shared_slirp4netns() {
    let env = env_with_busybox();
    env.skiff_ok(&["network", "create", "outa"]);
    env.skiff_ok(&["network", "create", "outb"]);
    let port = host_server("hello-outbound");
    // The host's address as the container's /etc/hosts names it.
    let fetch = format!(
        "h=$(awk '/host.containers.internal/ {{print $1}}' /etc/hosts); \
         wget -q -O - http://$h:{port}/"
    );
    for (name, net) in [("oa", "outa"), ("ob", "outb")] {
        env.skiff_ok(&[
            "run",
            "-d",
            "--name",
            name,
            "--network",
            net,
            BUSYBOX,
            "sleep",
            "1000",
        ]);
    }
    for name in ["oa", "ob"] {
        let out = env.skiff_ok(&["exec", name, "sh", "-c", &fetch]);
        assert_eq!(out, "hello-outbound", "{name}");
    }
    // One slirp4netns for both containers (the shared namespace's), not one each.
    let s = slirps(&env);
    assert_eq!(s.len(), 1, "{s:?}");
    // The two networks are isolated from each other, as docker's are (ping itself works: the
    // own gateway answers).
    let gw = env.skiff_ok(&[
        "inspect",
        "-f",
        "{{.NetworkSettings.Networks.outa.Gateway}}",
        "oa",
    ]);
    env.skiff_ok(&["exec", "oa", "ping", "-c", "1", "-W", "2", gw.trim()]);
    let ob_ip = env.skiff_ok(&[
        "inspect",
        "-f",
        "{{.NetworkSettings.Networks.outb.IPAddress}}",
        "ob",
    ]);
    let o = env.skiff(&["exec", "oa", "ping", "-c", "1", "-W", "1", ob_ip.trim()]);
    assert_ne!(code(&o), 0, "{}", stdout(&o));
    env.skiff_ok(&["rm", "-f", "oa", "ob"]);
    env.skiff_ok(&["network", "rm", "outa", "outb"]);
    // The holder and its slirp4netns exit with the last container.
    assert_no_helpers(&env);
}
