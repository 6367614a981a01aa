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
    assert_eq!(code(&o), 125);
    assert_eq!(stderr(&o).trim(), "Error: invalid filter: 'type'='weird'");

    let b = inspect(&env, "bridge");
    assert_eq!(b["Driver"], "bridge");
    assert_eq!(b["Scope"], "local");
    assert_eq!(
        b["IPAM"]["Config"],
        serde_json::json!([{"Subnet": "10.0.2.0/24", "Gateway": "10.0.2.2"}])
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
    // Both are on the same kind of network, with the bridge's address.
    for name in ["dflt", "brdg"] {
        let mode = env.skiff_ok(&["inspect", "-f", "{{.HostConfig.NetworkMode}}", name]);
        assert_eq!(mode.trim(), "slirp4netns", "{name}");
        let ip = env.skiff_ok(&["inspect", "-f", "{{.NetworkSettings.IPAddress}}", name]);
        assert_eq!(ip.trim(), "10.0.2.100", "{name}");
        let addr = env.skiff_ok(&["exec", name, "ip", "-4", "-o", "addr", "show", "tap0"]);
        assert!(addr.contains("10.0.2.100/24"), "{name}: {addr}");
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
            ("brdg".to_string(), "10.0.2.100/24".to_string()),
            ("dflt".to_string(), "10.0.2.100/24".to_string())
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
    assert_eq!(code(&o), 125);
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
