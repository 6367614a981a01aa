//! What the long-lived helpers let go of once idle, and that they work on after it: a
//! container's monitor keeps no runtime spec while the container runs (a restart reads
//! `config.json` again), so a restart policy, `update --restart` and `restart` of an idle
//! container start it with the same spec (environment, hostname, seccomp filter, network);
//! the network namespace holder releases its start-up memory and still answers DNS.
mod common;

use std::time::{Duration, Instant};

use common::*;

/// What the container's process sees of its spec: an environment variable, the hostname, the
/// seccomp mode (2: a filter) and its network interfaces.
const SHOW_SPEC: &str = r#"echo "$X $(hostname) $(sed -n 's/^Seccomp:[[:space:]]*//p' /proc/self/status) $(ls /sys/class/net | tr '\n' ' ')""#;
/// What SHOW_SPEC prints for `-e X=ex --hostname hn` on the default network.
const SHOWN: &str = "ex hn 2 eth0 lo \n";

/// The PID recorded in the container's state file under `field`.
fn state_pid(env: &TestEnv, id: &str, field: &str) -> i32 {
    let p = env
        .data_dir()
        .join("containers")
        .join(id)
        .join("state.json");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&p).unwrap()).expect("state.json");
    v[field].as_i64().unwrap_or(0) as i32
}

/// Wait (up to 10 s) until `pid` keeps less than half its peak resident: it let go of its
/// start-up memory.
fn wait_released(pid: i32, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (rss, peak) = (status_kb(pid, "VmRSS"), status_kb(pid, "VmHWM"));
        if rss * 2 < peak {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what} ({pid}) keeps {rss} kB resident of its peak {peak} kB"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Poll `inspect -f FORMAT NAME` (up to 30 s) until it prints `want`.
fn wait_inspect(env: &TestEnv, name: &str, format: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = env.skiff_ok(&["inspect", "-f", format, name]);
        if got == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "inspect {format} {name}: {got:?}, waited for {want:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_restart_policy_restarts_with_the_whole_spec_after_the_monitor_dropped_it() {
    let env = env_with_busybox();
    // Each run outlives the monitor's idle second, then fails.
    let script = format!("{SHOW_SPEC}; sleep 2; exit 3");
    let id = env
        .skiff_ok(&[
            "run",
            "-d",
            "--name",
            "rp",
            "--restart",
            "on-failure:2",
            "-e",
            "X=ex",
            "--hostname",
            "hn",
            BUSYBOX,
            "sh",
            "-c",
            &script,
        ])
        .trim()
        .to_string();
    wait_released(state_pid(&env, &id, "monitor_pid"), "the monitor");
    wait_inspect(
        &env,
        "rp",
        "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}",
        "exited 2 3\n",
    );
    assert_eq!(env.skiff_ok(&["logs", "rp"]), SHOWN.repeat(3));
}

#[test]
fn update_and_restart_of_an_idle_container_keep_its_spec() {
    let env = env_with_busybox();
    // Runs until /tmp/stop exists (in its upper layer: a second run finds it and fails at
    // once), then fails.
    let script = format!("{SHOW_SPEC}; while [ ! -e /tmp/stop ]; do sleep 0.2; done; exit 4");
    let id = env
        .skiff_ok(&[
            "run",
            "-d",
            "--name",
            "up",
            "-e",
            "X=ex",
            "--hostname",
            "hn",
            BUSYBOX,
            "sh",
            "-c",
            &script,
        ])
        .trim()
        .to_string();
    wait_released(state_pid(&env, &id, "monitor_pid"), "the monitor");
    // `update` of the idle container's restart policy, then its process fails: the monitor
    // restarts it once, from config.json.
    env.skiff_ok(&["update", "--restart", "on-failure:1", "up"]);
    env.skiff_ok(&["exec", "up", "touch", "/tmp/stop"]);
    wait_inspect(
        &env,
        "up",
        "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}",
        "exited 1 4\n",
    );
    assert_eq!(env.skiff_ok(&["logs", "up"]), SHOWN.repeat(2));

    // `restart` of an idle running container.
    let id = env
        .skiff_ok(&[
            "run",
            "-d",
            "--name",
            "rs",
            "-e",
            "X=ex",
            "--hostname",
            "hn",
            BUSYBOX,
            "sh",
            "-c",
            &format!("{SHOW_SPEC}; exec sleep 1000"),
        ])
        .trim()
        .to_string();
    wait_released(state_pid(&env, &id, "monitor_pid"), "the monitor");
    env.skiff_ok(&["restart", "-t", "0", "rs"]);
    wait_inspect(&env, "rs", "{{.State.Status}}", "running\n");
    let deadline = Instant::now() + Duration::from_secs(10);
    while env.skiff_ok(&["logs", "rs"]).lines().count() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(env.skiff_ok(&["logs", "rs"]), SHOWN.repeat(2));
    env.skiff_ok(&["rm", "-f", "rs", "up"]);
}

/// The PID of this test's network namespace holder (its environment names the test's store).
fn holder_pid(env: &TestEnv) -> Option<i32> {
    let marker = format!("SKIFF_ROOT={}", env.data_dir().display());
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: i32 = e.file_name().to_str()?.parse().ok()?;
        let environ = std::fs::read(e.path().join("environ")).ok()?;
        let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
        (environ.split(|&b| b == 0).any(|v| v == marker.as_bytes())
            && cmdline.split(|&b| b == 0).any(|a| a == b"netns"))
        .then_some(pid)
    })
}

#[test]
fn the_idle_network_holder_lets_go_of_its_memory_and_still_answers_dns() {
    let env = env_with_busybox();
    env.skiff_ok(&["network", "create", "idlenet"]);
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "--network",
        "idlenet",
        BUSYBOX,
        "sleep",
        "1000",
    ]);
    let holder = holder_pid(&env).expect("the network holder runs");
    wait_released(holder, "the network holder");
    let ip = env.skiff_ok(&[
        "inspect",
        "-f",
        "{{.NetworkSettings.Networks.idlenet.IPAddress}}",
        "web",
    ]);
    let got = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "idlenet",
        BUSYBOX,
        "sh",
        "-c",
        "nslookup -type=a web | sed -n 's/^Address: //p' | tail -1",
    ]);
    assert_eq!(got, ip);
    env.skiff_ok(&["rm", "-f", "web"]);
    env.skiff_ok(&["network", "rm", "idlenet"]);
}
