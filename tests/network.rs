//! Networking end to end, as the unprivileged test user: published TCP and UDP ports reached
//! from the host, `-P` with EXPOSE, `skiff port`, the PORTS column, inspect, a port in use,
//! /etc/hosts and resolv.conf options, a connection from a container to the host, `--network
//! none` and `container:NAME`, and no slirp4netns left behind.
mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
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

/// slirp4netns processes started for this test's containers (their environment names its store).
fn slirp_processes(env: &TestEnv) -> Vec<String> {
    helper_processes(env, "slirp4netns")
}

/// Wait (up to 10 s) until no slirp4netns of this test is left: the shared namespace's exits
/// with its holder, within a second of the last container.
fn assert_no_slirp(env: &TestEnv) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !slirp_processes(env).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(slirp_processes(env), Vec::<String>::new());
}

/// The addresses of the endpoints the shared namespace has (`$SKIFF_RUNROOT/netns/endpoints.json`).
fn endpoint_ips(env: &TestEnv) -> Vec<String> {
    let p = env.run_dir().join("netns").join("endpoints.json");
    let v = json(&std::fs::read_to_string(p).unwrap_or_else(|_| "{}".into()));
    v["endpoints"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["ip"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// skiff's port forwarders (one per container with a published TCP port).
fn forwarder_processes(env: &TestEnv) -> Vec<String> {
    helper_processes(env, "skiff-portfwd")
}

/// Processes named `name` started for this test's containers.
fn helper_processes(env: &TestEnv, name: &str) -> Vec<String> {
    let marker = format!("SKIFF_ROOT={}", env.data_dir().display());
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let p = e.path();
        let comm = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
        if comm.trim() != name {
            continue;
        }
        let environ = std::fs::read(p.join("environ")).unwrap_or_default();
        if environ.split(|&b| b == 0).any(|v| v == marker.as_bytes()) {
            found.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    found
}

/// The host port `skiff port NAME SPEC` reports.
fn host_port(env: &TestEnv, name: &str, spec: &str) -> u16 {
    let out = env.skiff_ok(&["port", name, spec]);
    let line = out.lines().next().unwrap_or_default();
    line.rsplit(':')
        .next()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("skiff port {name} {spec}: {out:?}"))
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("bad JSON ({e}): {s}"))
}

#[test]
fn published_tcp_port_reaches_httpd_in_the_container() {
    let env = env_with_busybox();
    // A free port for the HOST:CTR form, and a random one for IP::CTR.
    let fixed = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let spec = format!("127.0.0.1:{fixed}:80");
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "-p",
        &spec,
        "-p",
        "127.0.0.1::8080/tcp",
        "--expose",
        "443",
        BUSYBOX,
        "sh",
        "-c",
        "echo hello-from-web > /tmp/index.html; httpd -p 8080 -h /tmp; exec httpd -f -p 80 -h /tmp",
    ]);
    let resp = http_get(fixed, "/index.html");
    assert!(resp.contains("hello-from-web"), "{resp}");
    let random = host_port(&env, "web", "8080/tcp");
    assert_ne!(random, 0);
    let resp = http_get(random, "/index.html");
    assert!(resp.contains("hello-from-web"), "{resp}");

    let ports = env.skiff_ok(&["port", "web"]);
    assert_eq!(
        ports.lines().collect::<Vec<_>>(),
        vec![
            format!("80/tcp -> 127.0.0.1:{fixed}"),
            format!("8080/tcp -> 127.0.0.1:{random}")
        ],
        "{ports}"
    );
    assert_eq!(
        env.skiff_ok(&["port", "web", "80"]).trim(),
        format!("127.0.0.1:{fixed}")
    );
    let o = env.skiff(&["port", "web", "81/udp"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("No public port '81/udp'"),
        "{}",
        stderr(&o)
    );

    let ps = env.skiff_ok(&["ps"]);
    assert!(ps.lines().next().unwrap_or("").contains("PORTS"), "{ps}");
    let want = format!("127.0.0.1:{fixed}->80/tcp, 127.0.0.1:{random}->8080/tcp, 443/tcp");
    assert!(ps.contains(&want), "want {want:?} in\n{ps}");

    let v = json(&env.skiff_ok(&["inspect", "web"]));
    let ns = &v[0]["NetworkSettings"];
    // docker's default bridge network.
    assert_eq!(ns["IPAddress"], "172.17.0.2");
    assert_eq!(ns["Gateway"], "172.17.0.1");
    assert_eq!(ns["IPPrefixLen"], 16);
    assert_eq!(ns["MacAddress"], "02:42:ac:11:00:02");
    assert_eq!(ns["Networks"]["bridge"]["IPAddress"], "172.17.0.2");
    assert_eq!(v[0]["HostConfig"]["NetworkMode"], "bridge");
    assert_eq!(
        ns["Ports"]["80/tcp"],
        serde_json::json!([{"HostIp": "127.0.0.1", "HostPort": fixed.to_string()}])
    );
    assert_eq!(ns["Ports"]["443/tcp"], serde_json::Value::Null);
    assert_eq!(
        v[0]["HostConfig"]["PortBindings"]["8080/tcp"],
        serde_json::json!([{"HostIp": "127.0.0.1", "HostPort": ""}])
    );
    assert!(v[0]["Config"]["ExposedPorts"]["443/tcp"].is_object(), "{v}");

    env.skiff_ok(&["rm", "-f", "web"]);
    assert!(
        TcpStream::connect(("127.0.0.1", fixed)).is_err(),
        "the port is still published after rm -f"
    );
    assert_no_slirp(&env);
    assert_eq!(forwarder_processes(&env), Vec::<String>::new());
}

/// A static UDP echo server (busybox's nc here has no -u), compiled with the C compiler that
/// Rust links with, in an imported image that EXPOSEs 53/udp.
fn udp_echo_image(env: &TestEnv) {
    const SRC: &str = r#"
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
int main(int argc, char **argv) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(atoi(argc > 1 ? argv[1] : "53"));
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0) return 1;
    for (;;) {
        char buf[2048];
        struct sockaddr_in from;
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
        if (n >= 0) sendto(s, buf, n, 0, (struct sockaddr *)&from, len);
    }
}
"#;
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("udpecho.c");
    let bin = dir.path().join("udpecho");
    std::fs::write(&src, SRC).expect("write source");
    let o = std::process::Command::new("cc")
        .args(["-static", "-O2", "-o"])
        .arg(&bin)
        .arg(&src)
        .output()
        .expect("run cc");
    assert_success(&o, "cc -static udpecho.c");
    let data = std::fs::read(&bin).expect("read udpecho");
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o755);
    h.set_size(data.len() as u64);
    h.set_mtime(1_700_000_000);
    b.append_data(&mut h, "udpecho", &data[..]).expect("tar");
    let tar = b.into_inner().expect("tar");
    let o = env.skiff_stdin(
        &[
            "import",
            "-",
            "udpecho:1",
            "-c",
            "EXPOSE 53/udp",
            "-c",
            r#"CMD ["/udpecho", "53"]"#,
        ],
        &tar,
    );
    assert_success(&o, "import udpecho");
}

#[test]
fn published_udp_port_echoes_and_publish_all_uses_expose() {
    let env = TestEnv::new();
    udp_echo_image(&env);
    // The default network: skiff's forwarder relays UDP (slirp4netns's own would drop the
    // replies to a client on the host's loopback).
    env.skiff_ok(&["run", "-d", "--name", "echo", "-P", "udpecho:1"]);
    let port = host_port(&env, "echo", "53/udp");
    let ps = env.skiff_ok(&["ps"]);
    assert!(
        ps.contains(&format!("0.0.0.0:{port}->53/udp")),
        "PORTS column: {ps}"
    );
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    let mut buf = [0u8; 64];
    let deadline = Instant::now() + Duration::from_secs(20);
    let got = loop {
        sock.send_to(b"ping-udp", ("127.0.0.1", port))
            .expect("send");
        match sock.recv_from(&mut buf) {
            Ok((n, _)) => break buf[..n].to_vec(),
            Err(_) if Instant::now() < deadline => continue,
            Err(e) => panic!("no UDP echo through 127.0.0.1:{port}: {e}"),
        }
    };
    assert_eq!(got, b"ping-udp");
    env.skiff_ok(&["rm", "-f", "echo"]);
    assert_no_slirp(&env);
    assert_eq!(forwarder_processes(&env), Vec::<String>::new());
}

#[test]
fn port_in_use_is_an_error_before_the_container_starts() {
    let env = env_with_busybox();
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let spec = format!("127.0.0.1:{port}:80");
    let o = env.skiff(&[
        "run", "-d", "--name", "clash", "-p", &spec, BUSYBOX, "sleep", "60",
    ]);
    assert_eq!(code(&o), 125, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("127.0.0.1:{port}")) && err.contains("already allocated"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert_eq!(env.skiff_ok(&["ps", "-aq"]), "", "no container was created");
    // The name is free again.
    env.skiff_ok(&["run", "--rm", "--name", "clash", BUSYBOX, "true"]);
    // Bad specs are usage errors.
    for bad in ["80/sctp", "1-3:80-81", "x:80", "[::1]:80:80"] {
        let o = env.skiff(&["run", "--rm", "-p", bad, BUSYBOX, "true"]);
        assert_eq!(code(&o), 125, "-p {bad}: {}", stderr(&o));
    }
    drop(taken);
}

/// The whole body of `GET path` from 127.0.0.1:`port` (HTTP/1.0: the server closes).
fn http_body_len(port: u16, path: &str) -> usize {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").expect("request");
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).expect("response");
    let head = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of the headers");
    let head_text = String::from_utf8_lossy(&resp[..head]).into_owned();
    assert!(head_text.starts_with("HTTP/1.1 200"), "{head_text}");
    assert!(
        head_text.contains("Content-Length: 25165824"),
        "{head_text}"
    );
    resp.len() - head - 4
}

#[test]
fn large_downloads_through_the_port_forwarder_arrive_whole() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "big",
        "-p",
        "127.0.0.1::80",
        "-p",
        "127.0.0.1::81",
        BUSYBOX,
        "sh",
        "-c",
        "mkdir /www && dd if=/dev/urandom of=/www/big bs=1M count=24 2>/dev/null && \
         echo ok > /www/ok && exec httpd -f -p 80 -h /www",
    ]);
    let port = host_port(&env, "big", "80/tcp");
    let resp = http_get(port, "/ok");
    assert!(resp.ends_with("ok\n"), "{resp}");
    // Several at once, each byte for byte.
    let clients: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(move || http_body_len(port, "/big")))
        .collect();
    for c in clients {
        assert_eq!(c.join().expect("client"), 24 << 20);
    }
    // Nothing listens on 81 in the container: the host side is closed, it does not hang.
    let mut s =
        TcpStream::connect(("127.0.0.1", host_port(&env, "big", "81/tcp"))).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut rest = Vec::new();
    assert_eq!(s.read_to_end(&mut rest).map_err(|e| e.kind()), Ok(0));
    env.skiff_ok(&["rm", "-f", "big"]);
    assert_eq!(forwarder_processes(&env), Vec::<String>::new());
}

#[test]
fn port_ranges_are_published_one_to_one() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "ranged",
        "-p",
        "127.0.0.1::7000-7001",
        BUSYBOX,
        "sh",
        "-c",
        "echo r > /tmp/i; httpd -p 7000 -h /tmp; exec httpd -f -p 7001 -h /tmp",
    ]);
    let a = host_port(&env, "ranged", "7000");
    let b = host_port(&env, "ranged", "7001");
    assert_ne!(a, b);
    assert!(http_get(a, "/i").contains("\r\n\r\nr\n"));
    assert!(http_get(b, "/i").contains("\r\n\r\nr\n"));
}

#[test]
fn hosts_and_resolv_conf_options() {
    let env = env_with_busybox();
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--name",
        "named",
        "--hostname",
        "hn",
        "--add-host",
        "db:10.1.2.3",
        "--add-host",
        "gw:host-gateway",
        "--dns",
        "192.0.2.53",
        "--dns-search",
        "example.test",
        "--dns-option",
        "ndots:3",
        BUSYBOX,
        "sh",
        "-c",
        "cat /etc/hosts; echo ---; cat /etc/resolv.conf",
    ]);
    let (hosts, resolv) = out.split_once("---\n").expect("separator");
    // The address is chosen at start: the names go to 127.0.1.1, as on user networks.
    assert!(hosts.contains("127.0.1.1\thn named\n"), "{hosts}");
    assert!(hosts.contains("10.1.2.3\tdb\n"), "{hosts}");
    let gw_line = hosts
        .lines()
        .find(|l| l.ends_with("host.containers.internal host.docker.internal"))
        .unwrap_or_else(|| panic!("no host.containers.internal: {hosts}"));
    let gw = gw_line.split('\t').next().unwrap_or_default();
    assert!(hosts.contains(&format!("{gw}\tgw\n")), "{hosts}");
    assert!(!gw.starts_with("127."), "{hosts}");
    assert_eq!(
        resolv,
        "search example.test\nnameserver 192.0.2.53\noptions ndots:3\n"
    );

    // Loopback access to the host: the gateway is the host.
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "slirp4netns:allow_host_loopback=true",
        "--add-host",
        "gw:host-gateway",
        BUSYBOX,
        "cat",
        "/etc/hosts",
    ]);
    assert!(
        out.contains("10.0.2.2\thost.containers.internal host.docker.internal\n"),
        "{out}"
    );
    assert!(out.contains("10.0.2.2\tgw\n"), "{out}");

    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "insp",
        "--dns",
        "192.0.2.1",
        "--add-host",
        "a:10.0.0.1",
        BUSYBOX,
        "sleep",
        "60",
    ]);
    let v = json(&env.skiff_ok(&["inspect", "insp"]));
    assert_eq!(v[0]["HostConfig"]["Dns"], serde_json::json!(["192.0.2.1"]));
    assert_eq!(
        v[0]["HostConfig"]["ExtraHosts"],
        serde_json::json!(["a:10.0.0.1"])
    );

    let o = env.skiff(&["run", "--rm", "--add-host", "bad", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125, "{}", stderr(&o));
    let o = env.skiff(&[
        "run",
        "--rm",
        "--network",
        "slirp4netns:port_handler=rootlesskit",
        BUSYBOX,
        "true",
    ]);
    assert_eq!(code(&o), 125, "{}", stderr(&o));
}

/// A one-shot HTTP server on the host's loopback: answers one request with `body`.
fn host_http_server(body: &'static str) -> (u16, std::thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let h = std::thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
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
    (port, h)
}

#[test]
fn container_connects_to_a_server_on_the_host() {
    let env = env_with_busybox();
    let (port, server) = host_http_server("hello-from-host");
    let url = format!("http://host.containers.internal:{port}/");
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "slirp4netns:allow_host_loopback=true",
        BUSYBOX,
        "wget",
        "-q",
        "-O",
        "-",
        &url,
    ]);
    assert_eq!(out, "hello-from-host");
    server.join().expect("server thread");
    // Without allow_host_loopback, the gateway does not lead to the host's loopback.
    let (port, _server) = host_http_server("unreachable");
    let url = format!("http://10.0.2.2:{port}/");
    let o = env.skiff(&[
        "run", "--rm", BUSYBOX, "wget", "-q", "-T", "3", "-O", "-", &url,
    ]);
    assert_ne!(code(&o), 0, "{}", stdout(&o));
}

#[test]
fn default_network_reaches_a_server_on_the_host() {
    // Out through the shared namespace's slirp4netns (NAT from docker's bridge) to the
    // host's address that /etc/hosts names host.containers.internal.
    let env = env_with_busybox();
    let l = TcpListener::bind("0.0.0.0:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let body = "hello-over-nat";
            let _ = write!(
                s,
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let script = format!(
        "h=$(awk '/host.containers.internal/ {{print $1}}' /etc/hosts); \
         ip route show default; wget -q -O - http://$h:{port}/"
    );
    let out = env.skiff_ok(&["run", "--rm", BUSYBOX, "sh", "-c", &script]);
    assert!(out.starts_with("default via 172.17.0.1 dev eth0"), "{out}");
    assert!(out.ends_with("hello-over-nat"), "{out}");
    server.join().expect("server thread");
}

#[test]
fn network_none_has_only_loopback() {
    let env = env_with_busybox();
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-p",
        "80",
        BUSYBOX,
        "ls",
        "/sys/class/net",
    ]);
    assert_eq!(out.split_whitespace().collect::<Vec<_>>(), vec!["lo"]);
}

#[test]
fn container_network_mode_shares_the_namespace() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "srv",
        BUSYBOX,
        "sh",
        "-c",
        "echo shared > /tmp/i; exec httpd -f -p 80 -h /tmp",
    ]);
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "container:srv",
        BUSYBOX,
        "sh",
        "-c",
        "for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- http://127.0.0.1/i && break; sleep 0.2; done; grep srv /etc/hosts",
    ]);
    assert!(out.starts_with("shared\n"), "{out}");
    assert!(out.contains("127.0.1.1\t"), "the hosts file of srv: {out}");
    let o = env.skiff(&[
        "run",
        "--rm",
        "--network",
        "container:srv",
        "-p",
        "80",
        BUSYBOX,
        "true",
    ]);
    assert_eq!(code(&o), 125);
    assert!(stderr(&o).contains("conflicting options"), "{}", stderr(&o));
    let o = env.skiff(&[
        "run",
        "--rm",
        "--network",
        "container:nope",
        BUSYBOX,
        "true",
    ]);
    assert_eq!(code(&o), 125, "{}", stderr(&o));
    env.skiff_ok(&["rm", "-f", "srv"]);
    assert_no_slirp(&env);
    assert_eq!(forwarder_processes(&env), Vec::<String>::new());
}

/// The pid the shared namespace's holder record names, if one runs.
fn holder_pid(env: &TestEnv) -> Option<i64> {
    let p = env.run_dir().join("netns").join("holder.json");
    let text = std::fs::read_to_string(p).ok()?;
    json(&text)["pid"].as_i64()
}

#[test]
fn the_shared_namespace_waits_a_moment_for_the_next_container_then_goes() {
    let env = env_with_busybox();
    env.skiff_ok(&["run", "--rm", BUSYBOX, "true"]);
    let first = holder_pid(&env).expect("a holder after the first container");
    // Longer than the holder's check period (0.5 s), shorter than its linger (2 s): without
    // the linger it would be gone and the next container would start a new one.
    std::thread::sleep(Duration::from_millis(1000));
    env.skiff_ok(&["run", "--rm", BUSYBOX, "true"]);
    assert_eq!(
        holder_pid(&env),
        Some(first),
        "the next container reused the holder"
    );
    assert_eq!(slirp_processes(&env).len(), 1);
    // Then, with no container left, it goes (with its slirp4netns).
    assert_no_slirp(&env);
    assert_eq!(holder_pid(&env), None);
}

#[test]
fn a_holder_whose_store_was_deleted_goes_with_its_slirp4netns() {
    let env = env_with_busybox();
    env.skiff_ok(&["run", "--rm", BUSYBOX, "true"]);
    let pid = holder_pid(&env).expect("a holder after the container");
    assert_eq!(slirp_processes(&env).len(), 1);
    // The store is deleted while the holder lingers, and its lock cannot be made again (the
    // directory above is not writable, as a benchmark's root-owned work directory): the
    // holder used to stay, with its slirp4netns, for ever.
    for d in [env.data_dir(), env.run_dir()] {
        let _ = std::process::Command::new("rm").arg("-rf").arg(&d).status();
    }
    // Owned by root (a uid the user namespace does not map, so its root cannot write there
    // either) for the time of the check.
    let dir = env.data_dir().parent().unwrap().to_path_buf();
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let m = std::fs::metadata(&dir).unwrap();
    let owner = (m.uid(), m.gid(), m.mode() & 0o7777);
    let own = |(u, g, mode): (u32, u32, u32)| {
        std::os::unix::fs::chown(&dir, Some(u), Some(g)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    own((0, 0, 0o755));
    let gone = |pid: i64| {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| {
            s.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while !gone(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left = (!gone(pid), slirp_processes(&env));
    own(owner);
    assert_eq!(
        left,
        (false, Vec::<String>::new()),
        "holder {pid} or its slirp4netns stayed"
    );
}

#[test]
fn no_helper_left_after_rm_f_or_a_killed_monitor() {
    let env = env_with_busybox();
    for name in ["h1", "h2", "h3"] {
        env.skiff_ok(&[
            "run",
            "-d",
            "--name",
            name,
            "-p",
            "127.0.0.1::80",
            BUSYBOX,
            "sleep",
            "600",
        ]);
    }
    // The default network: one slirp4netns (the shared namespace's) for the three, a
    // forwarder each.
    assert_eq!(slirp_processes(&env).len(), 1);
    assert_eq!(forwarder_processes(&env).len(), 3);
    assert_eq!(endpoint_ips(&env).len(), 3);
    // An explicit slirp4netns: its own.
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "h4",
        "--network",
        "slirp4netns",
        BUSYBOX,
        "sleep",
        "600",
    ]);
    assert_eq!(slirp_processes(&env).len(), 2);
    let monitor_of = |name: &str| {
        let state = std::fs::read_to_string(
            env.data_dir()
                .join("containers")
                .join(
                    json(&env.skiff_ok(&["inspect", name]))[0]["Id"]
                        .as_str()
                        .unwrap_or_default(),
                )
                .join("state.json"),
        )
        .expect("state.json");
        let monitor = json(&state)["monitor_pid"].as_i64().unwrap_or(0) as i32;
        assert!(monitor > 0, "{state}");
        monitor
    };
    let kill9 = |pid: i32| {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        )
        .expect("kill the monitor")
    };
    // A killed monitor takes its own slirp4netns with it (--exit-fd).
    kill9(monitor_of("h4"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while slirp_processes(&env).len() > 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(slirp_processes(&env).len(), 1);
    // On the default network, a monitor killed with SIGKILL frees its address (the holder
    // checks its clients' pid and start time), its port forwarder goes (PR_SET_PDEATHSIG),
    // and the shared slirp4netns stays for the others.
    kill9(monitor_of("h3"));
    while (forwarder_processes(&env).len() > 2 || endpoint_ips(&env).len() > 2)
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(forwarder_processes(&env).len(), 2);
    assert_eq!(endpoint_ips(&env).len(), 2);
    assert_eq!(slirp_processes(&env).len(), 1);
    env.skiff_ok(&["rm", "-f", "h1", "h2", "h3", "h4"]);
    // The holder and its slirp4netns exit with the last container.
    assert_no_slirp(&env);
    assert_eq!(forwarder_processes(&env), Vec::<String>::new());
    assert_eq!(env.skiff_ok(&["ps", "-aq"]), "");
}

/// pasta processes of this test (pasta makes itself undumpable, so its environment cannot be
/// read: its command line names its pid file in this test's run directory).
fn pasta_processes(env: &TestEnv) -> Vec<String> {
    let marker = env.run_dir().display().to_string();
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let p = e.path();
        let comm = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
        let cmd = std::fs::read(p.join("cmdline")).unwrap_or_default();
        // pasta re-executes itself as passt.avx2 where it can.
        let named = comm.starts_with("pasta") || comm.starts_with("passt");
        if named && String::from_utf8_lossy(&cmd).contains(&marker) {
            found.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    found
}

#[test]
fn pasta_reaches_the_host_and_publishes_a_port() {
    let env = env_with_busybox();
    // Outbound: the gateway stands for the host's loopback.
    let (port, server) = host_http_server("hello-through-pasta");
    let url = format!("http://host.containers.internal:{port}/");
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "pasta",
        BUSYBOX,
        "wget",
        "-q",
        "-O",
        "-",
        &url,
    ]);
    assert_eq!(out, "hello-through-pasta");
    server.join().expect("server thread");
    // A published port, forwarded by pasta.
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "pweb",
        "--net",
        "pasta",
        "-p",
        "127.0.0.1::80",
        BUSYBOX,
        "sh",
        "-c",
        "echo hello-pasta-web > /tmp/index.html; exec httpd -f -p 80 -h /tmp",
    ]);
    assert_eq!(pasta_processes(&env).len(), 1);
    let port = host_port(&env, "pweb", "80/tcp");
    let resp = http_get(port, "/index.html");
    assert!(resp.contains("hello-pasta-web"), "{resp}");
    let v = json(&env.skiff_ok(&["inspect", "pweb"]));
    assert_eq!(v[0]["HostConfig"]["NetworkMode"], "pasta", "{v}");
    env.skiff_ok(&["rm", "-f", "pweb"]);
    assert_eq!(pasta_processes(&env), Vec::<String>::new());
    assert_no_slirp(&env);
}
