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
    assert_eq!(code(&o), 125);
    assert!(
        stderr(&o).contains("-H/DOCKER_HOST is ssh://me@far"),
        "{}",
        stderr(&o)
    );
    let o = env.skiff(&["-H", "tcp://10.0.0.1:2375", "ps"]);
    assert_eq!(code(&o), 125);
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
        assert_eq!(code(&o), 125, "{f}");
        assert_eq!(stderr(&o).trim(), want, "{f}");
    }
    env.skiff_ok(&["rm", "-f", "first", "second", "third"]);
}
