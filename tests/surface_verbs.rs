//! docker verbs and flags of issue 20, part 5: `stop`/`restart -s`, `logs --details`,
//! `inspect -s`, `rmi --no-prune`, `context ls|show|use|inspect`, the global `-H/--host` and
//! `DOCKER_HOST`.
mod common;

use common::*;

fn inspect(env: &TestEnv, name: &str, template: &str) -> String {
    env.skiff_ok(&["inspect", "-f", template, name])
        .trim()
        .to_string()
}

/// A detached container whose shell reports the signal that ends it in its log.
fn trapping(env: &TestEnv, name: &str) {
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        name,
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "trap 'echo got USR1; exit 3' USR1; trap 'echo got TERM; exit 4' TERM; echo up; while :; do sleep 0.1; done",
    ]);
    for _ in 0..100 {
        if env.skiff_ok(&["logs", name]).contains("up") {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{name} did not start");
}

#[test]
fn stop_and_restart_with_a_signal() {
    let env = env_with_busybox();
    trapping(&env, "s1");
    assert_eq!(env.skiff_ok(&["stop", "-s", "USR1", "s1"]), "s1\n");
    assert_eq!(inspect(&env, "s1", "{{.State.ExitCode}}"), "3");
    assert!(env.skiff_ok(&["logs", "s1"]).contains("got USR1"));

    // The container's own stop signal without -s.
    trapping(&env, "s2");
    env.skiff_ok(&["stop", "s2"]);
    assert_eq!(inspect(&env, "s2", "{{.State.ExitCode}}"), "4");

    // restart --signal: stopped with it, then running again.
    env.skiff_ok(&["start", "s1"]);
    assert_eq!(
        env.skiff_ok(&["restart", "--signal", "SIGUSR1", "s1"]),
        "s1\n"
    );
    assert_eq!(inspect(&env, "s1", "{{.State.Running}}"), "true");
    assert_eq!(env.skiff_ok(&["logs", "s1"]).matches("got USR1").count(), 2);

    // A bad signal: docker's message for that container, exit 1, the container untouched.
    let o = env.skiff(&["stop", "-s", "NOPE", "s1"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o).trim(), "Error: Invalid signal: NOPE");
    assert_eq!(inspect(&env, "s1", "{{.State.Running}}"), "true");
    env.skiff_ok(&["rm", "-f", "s1", "s2"]);
}

#[test]
fn logs_details_inspect_size_and_rmi_no_prune() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "--name",
        "l",
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "echo one; head -c 5000 /dev/zero > /big",
    ]);
    // docker: the (empty) attributes and a space before each line.
    assert_eq!(env.skiff_ok(&["logs", "--details", "l"]), " one\n");
    let ts = env.skiff_ok(&["logs", "--details", "-t", "l"]);
    let (time, rest) = ts.split_once(' ').unwrap();
    assert!(time.ends_with('Z'), "{ts}");
    assert_eq!(rest, " one\n");

    // inspect -s: SizeRw counts the container's own files, SizeRootFs adds the image.
    let o = env.skiff(&["inspect", "-s", "-f", "{{.SizeRw}} {{.SizeRootFs}}", "l"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let got: Vec<u64> = stdout(&o)
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(got[0] >= 5000 && got[0] < 100_000, "{got:?}");
    let image_size: u64 = inspect(&env, BUSYBOX, "{{.Size}}").parse().unwrap();
    assert_eq!(got[1], got[0] + image_size);
    // Without -s docker leaves them out.
    let plain = env.skiff_ok(&["inspect", "l"]);
    assert!(!plain.contains("SizeRw"), "{plain}");

    // rmi --no-prune: the tag goes as with rmi.
    env.skiff_ok(&["tag", BUSYBOX, "extra:1"]);
    let out = env.skiff_ok(&["rmi", "--no-prune", "extra:1"]);
    assert_eq!(out, "Untagged: extra:1\n");
}

#[test]
fn default_context_and_host() {
    let env = TestEnv::new();
    assert_eq!(env.skiff_ok(&["context", "show"]), "default\n");
    let sock = env.run_dir().join("skiff.sock");
    let endpoint = format!("unix://{}", sock.display());
    let ls = env.skiff_ok(&["context", "ls"]);
    let lines: Vec<&str> = ls.lines().collect();
    assert_eq!(lines.len(), 2, "{ls}");
    assert!(lines[0].starts_with("NAME"), "{ls}");
    let row: Vec<&str> = lines[1]
        .split("   ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(
        row,
        [
            "default *",
            "Current DOCKER_HOST based configuration",
            endpoint.as_str()
        ],
        "{ls}"
    );
    assert_eq!(env.skiff_ok(&["context", "ls", "-q"]), "default\n");
    assert_eq!(
        env.skiff_ok(&["context", "inspect", "-f", "{{.Endpoints.docker.Host}}"]),
        format!("{endpoint}\n")
    );
    let o = env.skiff(&["context", "use", "default"]);
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o), "default\n");
    assert_eq!(stderr(&o), "Current context is now \"default\"\n");
    let o = env.skiff(&["context", "use", "remote"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o).trim(),
        "Error: context \"remote\" does not exist"
    );

    // -H / DOCKER_HOST: skiff's own socket runs locally, anything else is refused.
    assert_eq!(env.skiff_ok(&["-H", &endpoint, "ps", "-q"]), "");
    let skiff = skiff_bin().display().to_string();
    let o = env.sh(&format!("DOCKER_HOST={endpoint} {skiff} ps -q"));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let o = env.sh(&format!("DOCKER_HOST=ssh://me@far {skiff} ps -q"));
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("-H/DOCKER_HOST is ssh://me@far"),
        "{}",
        stderr(&o)
    );
    let o = env.skiff(&["-H", "tcp://10.0.0.1:2375", "ps"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with(
            "Error: skiff does not drive remote engines yet: -H/DOCKER_HOST is tcp://10.0.0.1:2375"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn ps_filters_network_volume_ports_and_order() {
    let env = env_with_busybox();
    env.skiff_ok(&["network", "create", "pnet"]);
    env.skiff_ok(&["volume", "create", "pvol"]);
    let run = |args: &[&str]| {
        let mut a = vec!["run", "-d"];
        a.extend_from_slice(args);
        a.extend_from_slice(&[BUSYBOX, "sleep", "1000"]);
        env.skiff_ok(&a);
    };
    run(&["--name", "first", "--network", "none", "-v", "pvol:/data"]);
    run(&["--name", "second", "--network", "pnet", "--expose", "7000"]);
    run(&[
        "--name",
        "third",
        "-p",
        "127.0.0.1::8080",
        "--tmpfs",
        "/scratch",
    ]);
    let names = |filter: &str| {
        let mut v: Vec<String> = env
            .skiff_ok(&["ps", "--filter", filter, "--format", "{{.Names}}"])
            .lines()
            .map(String::from)
            .collect();
        v.sort();
        v.join(",")
    };
    assert_eq!(names("network=pnet"), "second");
    assert_eq!(names("network=none"), "first");
    assert_eq!(names("network=bridge"), "third");
    assert_eq!(names("network=nosuch"), "");
    assert_eq!(names("volume=pvol"), "first");
    assert_eq!(names("volume=/scratch"), "third");
    assert_eq!(names("publish=8080"), "third");
    assert_eq!(names("publish=8000-8100/tcp"), "third");
    assert_eq!(names("publish=8080/udp"), "");
    assert_eq!(names("expose=7000"), "second");
    assert_eq!(names("expose=8080"), "third");
    assert_eq!(names("before=third"), "first,second");
    assert_eq!(names("since=first"), "second,third");
    assert_eq!(names("is-task=false"), "first,second,third");
    assert_eq!(names("is-task=true"), "");
    for (f, want) in [
        ("publish=http", "Error: invalid filter 'publish=http'"),
        ("is-task=maybe", "Error: invalid filter 'is-task=maybe'"),
        ("before=ghost", "Error: No such container: ghost"),
    ] {
        let o = env.skiff(&["ps", "--filter", f]);
        assert_eq!(code(&o), 1, "{f}");
        assert_eq!(stderr(&o).trim(), want, "{f}");
    }
    env.skiff_ok(&["rm", "-f", "first", "second", "third"]);
}

#[test]
fn image_platform_flags_and_push_all_tags() {
    let env = env_with_busybox();
    let host = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        a => a,
    };
    let mine = format!("linux/{host}");
    let other = if host == "amd64" {
        "linux/arm64"
    } else {
        "linux/amd64"
    };
    // The stored platform: each verb acts as without the flag.
    assert_eq!(
        env.skiff_ok(&[
            "image",
            "inspect",
            "--platform",
            &mine,
            "-f",
            "{{.Os}}",
            BUSYBOX
        ]),
        "linux\n"
    );
    assert!(env
        .skiff_ok(&["history", "--platform", &mine, "-q", BUSYBOX])
        .lines()
        .next()
        .is_some());
    let tar = env.dir().join("b.tar");
    env.skiff_ok(&[
        "save",
        "--platform",
        &mine,
        "-o",
        &tar.to_string_lossy(),
        BUSYBOX,
    ]);
    assert!(std::fs::metadata(&tar).unwrap().len() > 0);
    // Another platform: docker's message, nothing done.
    let want = format!(
        "Error: image with reference {BUSYBOX} was found but its platform ({mine}) does not match the specified platform ({other})"
    );
    for args in [
        vec!["image", "inspect", "--platform", other, BUSYBOX],
        vec!["history", "--platform", other, BUSYBOX],
        vec!["rmi", "--platform", other, BUSYBOX],
    ] {
        let o = env.skiff(&args);
        assert_ne!(code(&o), 0, "{args:?}");
        assert_eq!(stderr(&o).trim(), want, "{args:?}");
    }
    assert!(env.skiff(&["image", "inspect", BUSYBOX]).status.success());

    // push -a: every tag of the repository.
    let repo = format!("localhost:5000/surface-all-{}", std::process::id());
    for t in ["a", "b"] {
        env.skiff_ok(&["tag", BUSYBOX, &format!("{repo}:{t}")]);
    }
    let out = env.skiff_ok(&["push", "--all-tags", &repo]);
    assert!(out.contains("a: digest: sha256:"), "{out}");
    assert!(out.contains("b: digest: sha256:"), "{out}");
    let repo_path = repo.trim_start_matches("localhost:5000/");
    let (st, body) = registry_get(&format!("/v2/{repo_path}/tags/list")).unwrap();
    assert_eq!(st, 200);
    let tags: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let mut got: Vec<&str> = tags["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    got.sort();
    assert_eq!(got, ["a", "b"]);
    let o = env.skiff(&["push", "-a", &format!("{repo}:a")]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o).trim(),
        "Error: tag can't be used with --all-tags/-a"
    );
}

#[test]
fn network_create_options_and_connect_ip() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "network",
        "create",
        "--subnet",
        "10.77.0.0/24",
        "--ip-range",
        "10.77.0.128/25",
        "--aux-address",
        "router=10.77.0.129",
        "-o",
        "com.docker.network.driver.mtu=1400",
        "rnet",
    ]);
    assert_eq!(
        env.skiff_ok(&[
            "network",
            "inspect",
            "-f",
            "{{range .IPAM.Config}}{{.IPRange}} {{.AuxiliaryAddresses.router}}{{end}} {{index .Options \"com.docker.network.driver.mtu\"}}",
            "rnet"
        ])
        .trim(),
        "10.77.0.128/25 10.77.0.129 1400"
    );
    // Allocation starts in the range (its first address, .128, as docker's sub-pool does),
    // then skips the auxiliary address; the MTU is applied.
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "c0",
        "--network",
        "rnet",
        BUSYBOX,
        "sleep",
        "1000",
    ]);
    assert_eq!(
        env.skiff_ok(&[
            "inspect",
            "-f",
            "{{(index .NetworkSettings.Networks \"rnet\").IPAddress}}",
            "c0"
        ])
        .trim(),
        "10.77.0.128"
    );
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "rnet",
        BUSYBOX,
        "sh",
        "-c",
        "ip -4 -o addr show eth0 | awk '{print $4}'; cat /sys/class/net/eth0/mtu",
    ]);
    assert_eq!(out, "10.77.0.130/24\n1400\n");

    // network connect --ip.
    env.skiff_ok(&["network", "create", "--subnet", "10.78.0.0/24", "cnet"]);
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "c1",
        "--network",
        "rnet",
        BUSYBOX,
        "sleep",
        "1000",
    ]);
    env.skiff_ok(&["network", "connect", "--ip", "10.78.0.50", "cnet", "c1"]);
    let out = env.skiff_ok(&["exec", "c1", "ip", "-4", "-o", "addr"]);
    assert!(out.contains("10.78.0.50/24"), "{out}");
    assert_eq!(
        env.skiff_ok(&[
            "inspect",
            "-f",
            "{{(index .NetworkSettings.Networks \"cnet\").IPAddress}}",
            "c1"
        ])
        .trim(),
        "10.78.0.50"
    );
    env.skiff_ok(&["rm", "-f", "c0", "c1"]);

    // docker's refusals; nothing is created.
    for (args, want) in [
        (
            vec!["--ip-range", "10.79.0.0/25"],
            "Error: every ip-range or gateway must have a corresponding subnet",
        ),
        (
            vec!["--subnet", "10.79.0.0/24", "--ip-range", "10.80.0.0/25"],
            "Error: no matching subnet for range 10.80.0.0/25",
        ),
        (
            vec!["--subnet", "10.79.0.0/24", "--aux-address", "x=10.80.0.1"],
            "Error: no matching subnet for aux-address 10.80.0.1",
        ),
        (
            vec!["--ipv6"],
            "Error: --ipv6: skiff's networks have no IPv6 (its rootless bridges are IPv4 only)",
        ),
    ] {
        let mut a = vec!["network", "create"];
        a.extend_from_slice(&args);
        a.push("bad");
        let o = env.skiff(&a);
        assert_ne!(code(&o), 0, "{args:?}");
        assert_eq!(stderr(&o).trim(), want, "{args:?}");
        assert!(!env.skiff(&["network", "inspect", "bad"]).status.success());
    }
}

#[test]
fn system_df_verbose() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "--name",
        "dfc",
        "--network",
        "none",
        "-v",
        "dfvol:/data",
        BUSYBOX,
        "sh",
        "-c",
        "head -c 3000 /dev/zero > /data/f",
    ]);
    let out = env.skiff_ok(&["system", "df", "-v"]);
    let sections: Vec<&str> = out
        .lines()
        .filter(|l| l.ends_with("usage:") || l.starts_with("Build cache usage:"))
        .collect();
    assert_eq!(
        sections,
        [
            "Images space usage:",
            "Containers space usage:",
            "Local Volumes space usage:",
            "Build cache usage: 0B"
        ],
        "{out}"
    );
    let cols = |l: &str| -> Vec<String> {
        l.split("   ")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    };
    let row = |first: &str| {
        out.lines()
            .find(|l| l.starts_with(first))
            .map(cols)
            .unwrap_or_else(|| panic!("no {first} row in {out}"))
    };
    let img = row(BUSYBOX);
    assert_eq!(img[1], "latest", "{img:?}");
    assert_eq!(img[6], img[4], "unique = size with no other image: {img:?}");
    assert_eq!(img[7], "1", "{img:?}");
    let id = inspect(&env, "dfc", "{{.Id}}");
    let c = row(&id[..12]);
    assert_eq!(c[3], "1", "one local volume: {c:?}");
    assert_eq!(c.last().map(String::as_str), Some("dfc"), "{c:?}");
    let v = row("dfvol");
    assert_eq!(v[1], "1", "{v:?}");
    assert_eq!(v[2], "3kB", "{v:?}");
    assert!(out.contains("CACHE ID   CACHE TYPE"), "{out}");
}

#[test]
fn search_on_a_registry_without_the_search_api() {
    let env = TestEnv::new();
    // docker-registry speaks only the v2 API: docker's answer, exit status 1.
    let o = env.skiff(&["search", "localhost:5000/busybox"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o).trim(), "Error: unexpected status code 404");
    assert_eq!(stdout(&o), "");
    let o = env.skiff(&["search", "--limit", "0", "localhost:5000/busybox"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o).trim(),
        "Error: limit 0 is outside the range of [1, 100]"
    );
    let o = env.skiff(&["search", "http://localhost:5000/busybox"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o).trim(),
        "Error: invalid repository name: repository name (http://localhost:5000/busybox) should not have a scheme"
    );
    let o = env.skiff(&["search", "--filter", "colour=red", "localhost:5000/busybox"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o).trim(), "Error: invalid filter 'colour'");
}
