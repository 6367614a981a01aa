//! docker's pre-defined networks: `bridge` (skiff's default rootless network), `host` and
//! `none` in `network ls` and `network inspect`, refused by `network rm` and `network create`
//! with docker's messages; `--network bridge` is the default network.
mod common;

use common::*;

fn inspect(env: &TestEnv, name: &str) -> serde_json::Value {
    let out = env.skiff_ok(&["network", "inspect", name]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{out}: {e}"));
    v[0].clone()
}

#[test]
fn predefined_networks_are_listed_and_inspected() {
    let env = TestEnv::new();
    let ls = env.skiff_ok(&["network", "ls"]);
    let rows: Vec<Vec<&str>> = ls.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(
        rows[0],
        ["NETWORK", "ID", "NAME", "DRIVER", "SCOPE"],
        "{ls}"
    );
    assert_eq!(rows.len(), 4, "{ls}");
    for (row, (name, driver)) in
        rows[1..]
            .iter()
            .zip([("bridge", "bridge"), ("host", "host"), ("none", "null")])
    {
        assert_eq!(row[1..], [name, driver, "local"], "{ls}");
        assert_eq!(row[0].len(), 12, "{ls}");
        // The ID is the one inspect shows, and it resolves the network.
        let full = inspect(&env, name)["Id"].as_str().unwrap().to_string();
        assert!(full.starts_with(row[0]), "{full} {ls}");
        assert_eq!(inspect(&env, &full)["Name"], *name);
        assert_eq!(inspect(&env, row[0])["Name"], *name);
    }
    // The same IDs every time.
    assert_eq!(env.skiff_ok(&["network", "ls"]), ls);
    let q = env.skiff_ok(&["network", "ls", "-q", "--no-trunc"]);
    assert!(q.lines().all(|l| l.len() == 64), "{q}");

    let names = |filter: &str| {
        env.skiff_ok(&["network", "ls", "--filter", filter, "--format", "{{.Name}}"])
    };
    assert_eq!(names("type=builtin"), "bridge\nhost\nnone\n");
    assert_eq!(names("type=custom"), "");
    assert_eq!(names("driver=null"), "none\n");
    let o = env.skiff(&["network", "ls", "--filter", "type=weird"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o).trim(), "Error: invalid filter: 'type'='weird'");

    let b = inspect(&env, "bridge");
    assert_eq!(b["Driver"], "bridge");
    assert_eq!(b["Scope"], "local");
    assert_eq!(
        b["IPAM"]["Config"],
        serde_json::json!([{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}])
    );
    assert_eq!(
        b["Options"]["com.docker.network.bridge.default_bridge"],
        "true"
    );
    assert_eq!(b["Containers"], serde_json::json!({}));
    let h = inspect(&env, "host");
    assert_eq!(h["Driver"], "host");
    assert_eq!(h["IPAM"]["Config"], serde_json::json!([]));
    assert_eq!(inspect(&env, "none")["Driver"], "null");
    // `default` is docker's other name of bridge.
    assert_eq!(inspect(&env, "default")["Name"], "bridge");
    let f = env.skiff_ok(&[
        "network",
        "inspect",
        "-f",
        "{{.Name}} {{.Driver}}",
        "none",
        "host",
    ]);
    assert_eq!(f, "none null\nhost host\n");
}

#[test]
fn predefined_networks_cannot_be_removed_or_created() {
    let env = TestEnv::new();
    for name in ["bridge", "host", "none"] {
        let o = env.skiff(&["network", "rm", name]);
        assert_eq!(code(&o), 1, "{name}");
        assert_eq!(
            stderr(&o).trim(),
            format!("Error: {name} is a pre-defined network and cannot be removed")
        );
        assert_eq!(stdout(&o), "");
        let o = env.skiff(&["network", "create", name]);
        assert_ne!(code(&o), 0, "{name}");
        assert_eq!(
            stderr(&o).trim(),
            format!("Error: operation is not permitted on predefined {name} network")
        );
    }
    // `rm -f` does not hide it either, and a user network in the same command still goes.
    env.skiff_ok(&["network", "create", "mine"]);
    let o = env.skiff(&["network", "rm", "-f", "bridge", "mine"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stdout(&o), "mine\n");
    assert_eq!(
        env.skiff_ok(&["network", "ls", "--format", "{{.Name}}"]),
        "bridge\nhost\nnone\n"
    );
    // Prune never touches them.
    env.skiff_ok(&["network", "prune", "-f"]);
    assert_eq!(
        env.skiff_ok(&["network", "ls", "--format", "{{.Name}}"]),
        "bridge\nhost\nnone\n"
    );
}

#[test]
fn network_bridge_is_the_default_network() {
    let env = env_with_busybox();
    env.skiff_ok(&["run", "-d", "--name", "dflt", BUSYBOX, "sleep", "300"]);
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "brdg",
        "--network",
        "bridge",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "nonet",
        "--network",
        "none",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    // Both are on docker's default bridge network, each with its own address of it.
    for (name, want) in [("dflt", "172.17.0.2"), ("brdg", "172.17.0.3")] {
        let mode = env.skiff_ok(&["inspect", "-f", "{{.HostConfig.NetworkMode}}", name]);
        assert_eq!(mode.trim(), "bridge", "{name}");
        let ip = env.skiff_ok(&["inspect", "-f", "{{.NetworkSettings.IPAddress}}", name]);
        assert_eq!(ip.trim(), want, "{name}");
        let gw = env.skiff_ok(&["inspect", "-f", "{{.NetworkSettings.Gateway}}", name]);
        assert_eq!(gw.trim(), "172.17.0.1", "{name}");
        let net = env.skiff_ok(&[
            "inspect",
            "-f",
            "{{.NetworkSettings.Networks.bridge.IPAddress}}",
            name,
        ]);
        assert_eq!(net.trim(), want, "{name}");
        let addr = env.skiff_ok(&["exec", name, "ip", "-4", "-o", "addr", "show", "eth0"]);
        assert!(addr.contains(&format!("{want}/16")), "{name}: {addr}");
    }
    // They reach each other by address, as on docker's default bridge.
    env.skiff_ok(&["exec", "dflt", "ping", "-c", "1", "-W", "2", "172.17.0.3"]);
    // The processes a default-network container keeps are its monitor alone: no slirp4netns
    // per container, one for the shared namespace (its holder's), whatever their number.
    let marker = format!("SKIFF_ROOT={}", env.data_dir().display());
    let mut slirps = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        let environ = std::fs::read(e.path().join("environ")).unwrap_or_default();
        if comm.trim() == "slirp4netns"
            && environ.split(|&b| b == 0).any(|v| v == marker.as_bytes())
        {
            slirps.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    assert_eq!(slirps.len(), 1, "{slirps:?}");
    for name in ["dflt", "brdg"] {
        let id = env.skiff_ok(&["inspect", "-f", "{{.Id}}", name]);
        let st: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(
                env.data_dir()
                    .join("containers")
                    .join(id.trim())
                    .join("state.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let monitor = st["monitor_pid"].as_i64().unwrap();
        assert_eq!(children_named(monitor, "slirp4netns"), [], "{name}");
    }
    let b = inspect(&env, "bridge");
    let members: std::collections::BTreeMap<String, String> = b["Containers"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| {
            (
                c["Name"].as_str().unwrap().to_string(),
                c["IPv4Address"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        members,
        [
            ("brdg".to_string(), "172.17.0.3/16".to_string()),
            ("dflt".to_string(), "172.17.0.2/16".to_string())
        ]
        .into_iter()
        .collect()
    );
    let none = inspect(&env, "none");
    let names: Vec<&str> = none["Containers"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| c["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["nonet"]);
    // Joining later is not how skiff's pre-defined networks work: a clear error.
    let o = env.skiff(&["network", "connect", "bridge", "nonet"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("only when they are created"),
        "{}",
        stderr(&o)
    );
    // Stopped containers leave the list.
    env.skiff_ok(&["rm", "-f", "brdg"]);
    let b = inspect(&env, "bridge");
    assert_eq!(b["Containers"].as_object().unwrap().len(), 1, "{b}");
    env.skiff_ok(&["rm", "-f", "dflt", "nonet"]);
}

#[test]
fn network_given_more_than_once() {
    let env = env_with_busybox();
    env.skiff_ok(&["network", "create", "--subnet", "10.89.201.0/24", "mn1"]);
    env.skiff_ok(&["network", "create", "--subnet", "10.89.202.0/24", "mn2"]);
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "multi",
        "--network",
        "mn1",
        "--network",
        "mn2",
        "--network-alias",
        "web",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let nets = env.skiff_ok(&[
        "inspect",
        "-f",
        "{{json .NetworkSettings.Networks}}",
        "multi",
    ]);
    let nets: serde_json::Value = serde_json::from_str(nets.trim()).unwrap();
    let ip = |n: &str| nets[n]["IPAddress"].as_str().unwrap_or("").to_string();
    assert!(ip("mn1").starts_with("10.89.201."), "{nets}");
    assert!(ip("mn2").starts_with("10.89.202."), "{nets}");
    // docker: --network-alias belongs to the first network.
    assert_eq!(nets["mn1"]["Aliases"], serde_json::json!(["web"]), "{nets}");
    assert_eq!(nets["mn2"]["Aliases"], serde_json::json!([]), "{nets}");
    let addrs = env.skiff_ok(&["exec", "multi", "ip", "-4", "-o", "addr"]);
    assert!(
        addrs.contains(&ip("mn1")) && addrs.contains(&ip("mn2")),
        "{addrs}"
    );
    // Reachable by name from either network.
    for n in ["mn1", "mn2"] {
        let o = env.skiff(&[
            "run",
            "--rm",
            "--network",
            n,
            BUSYBOX,
            "ping",
            "-c",
            "1",
            "-W",
            "5",
            "multi",
        ]);
        assert_eq!(code(&o), 0, "from {n}: {}{}", stdout(&o), stderr(&o));
    }
    env.skiff_ok(&["rm", "-f", "multi"]);
    for (flags, want) in [
        (
            ["--network", "mn1", "--network", "host"],
            "Error: conflicting options: cannot attach both user-defined and non-user-defined network-modes",
        ),
        (
            ["--network", "mn1", "--network", "mn1"],
            "Error: network \"mn1\" is specified multiple times",
        ),
    ] {
        let mut a = vec!["run", "--name", "bad"];
        a.extend_from_slice(&flags);
        a.extend_from_slice(&[BUSYBOX, "true"]);
        let o = env.skiff(&a);
        assert_eq!(code(&o), 125, "{flags:?}");
        assert_eq!(stderr(&o).trim(), want);
        assert_eq!(env.skiff_ok(&["ps", "-aq"]), "");
    }
    env.skiff_ok(&["network", "rm", "mn1", "mn2"]);
}

#[test]
fn fixed_ip_and_mac_on_a_user_network() {
    let env = env_with_busybox();
    env.skiff_ok(&["network", "create", "--subnet", "10.89.210.0/24", "ipnet"]);
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "fixed",
        "--network",
        "ipnet",
        "--ip",
        "10.89.210.77",
        "--mac-address",
        "02:42:AA:BB:CC:DD",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let got = env.skiff_ok(&[
        "inspect",
        "-f",
        "{{.NetworkSettings.Networks.ipnet.IPAddress}} {{.NetworkSettings.Networks.ipnet.MacAddress}}",
        "fixed",
    ]);
    assert_eq!(got.trim(), "10.89.210.77 02:42:aa:bb:cc:dd");
    let link = env.skiff_ok(&["exec", "fixed", "ip", "addr", "show", "eth0"]);
    assert!(link.contains("10.89.210.77/24"), "{link}");
    assert!(link.contains("02:42:aa:bb:cc:dd"), "{link}");
    // The address is taken while `fixed` runs.
    let o = env.skiff(&[
        "run",
        "--rm",
        "--network",
        "ipnet",
        "--ip",
        "10.89.210.77",
        BUSYBOX,
        "true",
    ]);
    assert_eq!(code(&o), 125);
    assert!(
        stderr(&o).contains("Address already in use"),
        "{}",
        stderr(&o)
    );
    env.skiff_ok(&["rm", "-f", "fixed"]);
    // Free again.
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "ipnet",
        "--ip",
        "10.89.210.77",
        BUSYBOX,
        "ip",
        "-4",
        "-o",
        "addr",
        "show",
        "eth0",
    ]);
    assert!(out.contains("10.89.210.77/24"), "{out}");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--network", "ipnet", "--ip", "10.1.1.1"],
            "Error: no configured subnet or ip-range contain the IP address 10.1.1.1",
        ),
        (
            &["--network", "none", "--ip", "10.89.210.5"],
            "Error: user specified IP address is supported on user defined networks only",
        ),
        (&["--network", "ipnet", "--ip", "ten"], "Error: invalid IPv4 address: ten"),
        (
            &["--network", "ipnet", "--mac-address", "02:42"],
            "Error: invalid argument \"02:42\" for \"--mac-address\" flag: address 02:42: invalid MAC address",
        ),
    ];
    for (flags, want) in cases {
        let mut a = vec!["run", "--name", "bad"];
        a.extend_from_slice(flags);
        a.extend_from_slice(&[BUSYBOX, "true"]);
        let o = env.skiff(&a);
        assert_eq!(code(&o), 125, "{flags:?}");
        assert_eq!(stderr(&o).trim(), *want, "{flags:?}");
        assert_eq!(env.skiff_ok(&["ps", "-aq"]), "", "{flags:?}");
    }
    let o = env.skiff(&[
        "run",
        "--network",
        "ipnet",
        "--ip6",
        "fd00::5",
        BUSYBOX,
        "true",
    ]);
    assert_eq!(code(&o), 125);
    assert!(stderr(&o).contains("no IPv6"), "{}", stderr(&o));
    env.skiff_ok(&["network", "rm", "ipnet"]);
}

/// The children of `pid` named `comm`, with their state letter (`Z`: a zombie).
fn children_named(pid: i64, comm: &str) -> Vec<char> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let rest: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        if &stat[open + 1..close] == comm && rest.get(1) == Some(&pid.to_string().as_str()) {
            out.push(rest[0].chars().next().unwrap_or('?'));
        }
    }
    out
}

#[test]
fn a_stopped_slirp4netns_is_reaped_not_waited_for() {
    // The monitor kills slirp4netns when the container stops and goes on without waiting for
    // its (slow) exit: it must still reap it, so a container restarted again and again keeps
    // at most one dying slirp4netns, never a growing number of zombies (`--network
    // slirp4netns`: the container's own).
    let env = TestEnv::new();
    env.pull("busybox");
    let id = env.skiff_ok(&[
        "run",
        "-d",
        "--restart",
        "always",
        "--network",
        "slirp4netns",
        BUSYBOX,
        "sh",
        "-c",
        "sleep 0.2; exit 3",
    ]);
    let id = id.trim().to_string();
    let state = env
        .data_dir()
        .join("containers")
        .join(&id)
        .join("state.json");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut seen = 0;
    let mut saw_slirp = false;
    while std::time::Instant::now() < deadline {
        let st: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&state).unwrap_or_default())
                .unwrap_or_default();
        let count = st["restart_count"].as_i64().unwrap_or(0);
        let monitor = st["monitor_pid"].as_i64().unwrap_or(0);
        if monitor > 0 {
            let slirps = children_named(monitor, "slirp4netns");
            let zombies = slirps.iter().filter(|s| **s == 'Z').count();
            assert!(zombies <= 1, "restart {count}: {slirps:?}");
            assert!(slirps.len() <= 2, "restart {count}: {slirps:?}");
            saw_slirp |= !slirps.is_empty();
            seen = seen.max(count);
        }
        if seen >= 4 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(seen >= 4, "the container restarted {seen} times");
    assert!(
        saw_slirp,
        "slirp4netns was never seen as the monitor's child"
    );
    // Works as before: the network is up in every run.
    let o = env.skiff(&[
        "run",
        "--rm",
        "--network",
        "slirp4netns",
        BUSYBOX,
        "ip",
        "-o",
        "addr",
        "show",
        "tap0",
    ]);
    assert!(stdout(&o).contains("tap0"), "{}", stderr(&o));
    env.skiff_ok(&["rm", "-f", &id]);
}
