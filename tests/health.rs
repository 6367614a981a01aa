//! Health checks: the `--health-*` flags, an image's HEALTHCHECK, `State.Health` as docker
//! records it, `ps` (status and `health=` filter), `health_status` events, podman's
//! `healthcheck run` and `--health-on-failure`. Timing: short intervals, generous deadlines,
//! and the state is polled for rather than slept for.
mod common;

use std::time::{Duration, Instant};

use common::*;

/// Poll `inspect -f TEMPLATE NAME` until it prints `want` (trimmed); panics after `secs`.
fn wait_inspect(env: &TestEnv, name: &str, template: &str, want: &str, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut last = String::new();
    while Instant::now() < deadline {
        let o = env.skiff(&["inspect", "-f", template, name]);
        last = format!("{}{}", stdout(&o), stderr(&o));
        if code(&o) == 0 && stdout(&o).trim() == want {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("{name}: {template} never became {want:?} in {secs}s (last: {last:?})");
}

fn health_json(env: &TestEnv, name: &str) -> serde_json::Value {
    let out = env.skiff_ok(&["inspect", "-f", "{{json .State.Health}}", name]);
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{out}: {e}"))
}

#[test]
fn healthy_check_is_recorded_as_docker_does() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "h1",
        "--network",
        "none",
        "--health-cmd",
        "echo checked; test -e /tmp/ok || true",
        "--health-interval",
        "300ms",
        "--health-retries",
        "2",
        "--health-timeout",
        "5s",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    wait_inspect(&env, "h1", "{{.State.Health.Status}}", "healthy", 60);
    let h = health_json(&env, "h1");
    assert_eq!(h["FailingStreak"], 0);
    let log = h["Log"].as_array().unwrap();
    assert!(!log.is_empty());
    let last = log.last().unwrap();
    assert_eq!(last["ExitCode"], 0);
    assert_eq!(last["Output"], "checked\n");
    for k in ["Start", "End"] {
        let t = last[k].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(t).is_ok(), "{k}: {t}");
    }
    // The log keeps the last five probes.
    wait_inspect(&env, "h1", "{{len .State.Health.Log}}", "5", 60);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(health_json(&env, "h1")["Log"].as_array().unwrap().len(), 5);
    // Config.Healthcheck as docker shows it: durations in nanoseconds, unset fields left out.
    let cfg = env.skiff_ok(&["inspect", "-f", "{{json .Config.Healthcheck}}", "h1"]);
    let cfg: serde_json::Value = serde_json::from_str(cfg.trim()).unwrap();
    assert_eq!(
        cfg,
        serde_json::json!({
            "Test": ["CMD-SHELL", "echo checked; test -e /tmp/ok || true"],
            "Interval": 300_000_000i64,
            "Timeout": 5_000_000_000i64,
            "Retries": 2
        })
    );
    // ps: `Up N seconds (healthy)`.
    let st = env.skiff_ok(&["ps", "--filter", "name=h1", "--format", "{{.Status}}"]);
    assert!(
        st.trim().starts_with("Up ") && st.trim().ends_with(" (healthy)"),
        "{st}"
    );
    env.skiff_ok(&["rm", "-f", "h1"]);
}

#[test]
fn failing_check_turns_unhealthy_after_retries_and_output_is_cut() {
    let env = env_with_busybox();
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "u1",
        "--network",
        "none",
        "--health-cmd",
        "head -c 5000 /dev/zero | tr '\\0' x; exit 1",
        "--health-interval",
        "300ms",
        "--health-retries",
        "3",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    // Starting while the streak is below the retries.
    let st = env.skiff_ok(&["ps", "--format", "{{.Status}}"]);
    assert!(st.trim().ends_with("(health: starting)"), "{st}");
    wait_inspect(&env, "u1", "{{.State.Health.Status}}", "unhealthy", 60);
    let h = health_json(&env, "u1");
    assert!(h["FailingStreak"].as_i64().unwrap() >= 3, "{h}");
    let last = h["Log"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["ExitCode"], 1);
    let out = last["Output"].as_str().unwrap();
    assert_eq!(out.len(), 4096 + 3, "output cut to 4 KiB plus '...'");
    assert!(out.ends_with("xxx..."));
    let st = env.skiff_ok(&["ps", "--format", "{{.Names}} {{.Status}}"]);
    assert!(
        st.trim().starts_with("u1 Up ") && st.trim().ends_with(" (unhealthy)"),
        "{st}"
    );

    // ps --filter health=...
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "plain",
        "--network",
        "none",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let names = |f: &str| env.skiff_ok(&["ps", "--filter", f, "--format", "{{.Names}}"]);
    assert_eq!(names("health=unhealthy"), "u1\n");
    assert_eq!(names("health=none"), "plain\n");
    assert_eq!(names("health=healthy"), "");
    assert_eq!(names("health=starting"), "");
    let o = env.skiff(&["ps", "--filter", "health=sick"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o).trim(),
        "Error: Unrecognised filter value for health: sick"
    );

    // The status changes as events: starting -> unhealthy is one `health_status: unhealthy`.
    let since = format!("{}.{:09}", start.as_secs(), start.subsec_nanos());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let until = format!("{}.{:09}", now.as_secs(), now.subsec_nanos());
    let ev = env.skiff_ok(&[
        "events",
        "--since",
        &since,
        "--until",
        &until,
        "--filter",
        "event=health_status",
        "--format",
        "{{.Actor.Attributes.name}} {{.Action}}",
    ]);
    assert_eq!(ev, "u1 health_status: unhealthy\n");
    env.skiff_ok(&["rm", "-f", "u1", "plain"]);
}

#[test]
fn start_period_failures_do_not_count() {
    let env = env_with_busybox();
    // Fails until /tmp/ready exists; retries 1 would make the first counted failure unhealthy.
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "sp",
        "--network",
        "none",
        "--health-cmd",
        "test -e /tmp/ready",
        "--health-interval",
        "30s",
        "--health-start-period",
        "60s",
        "--health-start-interval",
        "200ms",
        "--health-retries",
        "1",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    // Several failed probes (every 200 ms in the start period), still starting, no streak.
    wait_inspect(&env, "sp", "{{len .State.Health.Log}}", "5", 60);
    let h = health_json(&env, "sp");
    assert_eq!(h["Status"], "starting", "{h}");
    assert_eq!(h["FailingStreak"], 0, "{h}");
    assert_eq!(h["Log"][0]["ExitCode"], 1);
    env.skiff_ok(&["exec", "sp", "touch", "/tmp/ready"]);
    wait_inspect(&env, "sp", "{{.State.Health.Status}}", "healthy", 60);
    env.skiff_ok(&["rm", "-f", "sp"]);
}

#[test]
fn slow_check_is_killed_at_its_timeout() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "slow",
        "--network",
        "none",
        "--health-cmd",
        "echo begun; sleep 60",
        "--health-interval",
        "500ms",
        "--health-timeout",
        "1s",
        "--health-retries",
        "1",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    wait_inspect(&env, "slow", "{{.State.Health.Status}}", "unhealthy", 60);
    let h = health_json(&env, "slow");
    let last = &h["Log"][0];
    assert_eq!(last["ExitCode"], -1);
    assert_eq!(
        last["Output"],
        "Health check exceeded timeout (1s): begun\n"
    );
    let start = chrono::DateTime::parse_from_rfc3339(last["Start"].as_str().unwrap()).unwrap();
    let end = chrono::DateTime::parse_from_rfc3339(last["End"].as_str().unwrap()).unwrap();
    let took = (end - start).num_milliseconds();
    assert!((900..20_000).contains(&took), "the probe took {took} ms");
    // Killed probes do not pile up: after three timeouts at most the probe under way runs
    // (the killed ones are zombies of the container's `sleep`, which reaps nothing, as with
    // docker).
    wait_inspect(&env, "slow", "{{len .State.Health.Log}}", "3", 60);
    // (busybox shows a zombie as `[sleep]`.) A probe being killed at the moment of the look
    // may still show for an instant on a loaded machine, so look a few times: probes that
    // pile up would show two or more at every look.
    let mut ps = String::new();
    let mut settled = false;
    for _ in 0..20 {
        ps = env.skiff_ok(&["exec", "slow", "ps", "-o", "args"]);
        let live = ps.lines().filter(|l| l.trim() == "sleep 60").count();
        if live <= 1 {
            settled = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    assert!(settled, "probes pile up:\n{ps}");
    env.skiff_ok(&["rm", "-f", "slow"]);
}

#[test]
fn image_healthcheck_from_build_and_none() {
    let env = env_with_busybox();
    let ctx = env.dir().join("ctx");
    std::fs::create_dir_all(&ctx).unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        format!(
            "FROM {BUSYBOX}\nHEALTHCHECK --interval=300ms --retries=2 CMD [\"sh\", \"-c\", \"echo from-image\"]\n"
        ),
    )
    .unwrap();
    let s = |p: &std::path::Path| p.to_string_lossy().into_owned();
    env.sh(&format!("chmod -R a+rX {}", s(&ctx)));
    env.skiff_ok(&["build", "-q", "-t", "hc-img", &s(&ctx)]);
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "img1",
        "--network",
        "none",
        "hc-img",
        "sleep",
        "300",
    ]);
    wait_inspect(&env, "img1", "{{.State.Health.Status}}", "healthy", 60);
    let h = health_json(&env, "img1");
    assert_eq!(h["Log"][0]["Output"], "from-image\n");
    let cfg = env.skiff_ok(&["inspect", "-f", "{{json .Config.Healthcheck}}", "img1"]);
    let cfg: serde_json::Value = serde_json::from_str(cfg.trim()).unwrap();
    assert_eq!(
        cfg["Test"],
        serde_json::json!(["CMD", "sh", "-c", "echo from-image"])
    );
    assert_eq!(cfg["Interval"], 300_000_000i64);

    // The same check from a pulled image's config.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let repo = format!("{REGISTRY}/health-{}-{nanos}:v1", std::process::id());
    env.skiff_ok(&["tag", "hc-img", &repo]);
    env.skiff_ok(&["push", &repo]);
    env.skiff_ok(&["rm", "-f", "img1"]);
    env.skiff_ok(&["rmi", "hc-img", &repo]);
    env.skiff_ok(&["pull", &repo]);
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "img1",
        "--network",
        "none",
        &repo,
        "sleep",
        "300",
    ]);
    wait_inspect(&env, "img1", "{{.State.Health.Status}}", "healthy", 60);
    env.skiff_ok(&["tag", &repo, "hc-img"]);

    // The flags override the image's fields one by one.
    env.skiff_ok(&[
        "create",
        "--name",
        "img2",
        "--network",
        "none",
        "--health-retries",
        "9",
        "hc-img",
        "sleep",
        "300",
    ]);
    let cfg = env.skiff_ok(&["inspect", "-f", "{{json .Config.Healthcheck}}", "img2"]);
    let cfg: serde_json::Value = serde_json::from_str(cfg.trim()).unwrap();
    assert_eq!(cfg["Retries"], 9);
    assert_eq!(cfg["Interval"], 300_000_000i64);
    assert_eq!(cfg["Test"][0], "CMD");
    // Not started: no State.Health yet.
    let h = env.skiff_ok(&["inspect", "-f", "{{json .State.Health}}", "img2"]);
    assert_eq!(h.trim(), "null");

    // --no-healthcheck disables the image's check.
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "img3",
        "--network",
        "none",
        "--no-healthcheck",
        "hc-img",
        "sleep",
        "300",
    ]);
    // docker's merge: the image's other fields stay under Test ["NONE"].
    let cfg = env.skiff_ok(&["inspect", "-f", "{{json .Config.Healthcheck}}", "img3"]);
    let cfg: serde_json::Value = serde_json::from_str(cfg.trim()).unwrap();
    assert_eq!(
        cfg,
        serde_json::json!({"Test": ["NONE"], "Interval": 300_000_000i64, "Retries": 2})
    );
    std::thread::sleep(Duration::from_millis(1000));
    let h = env.skiff_ok(&["inspect", "-f", "{{json .State.Health}}", "img3"]);
    assert_eq!(h.trim(), "null");
    let st = env.skiff_ok(&["ps", "--filter", "name=img3", "--format", "{{.Status}}"]);
    assert!(st.trim().starts_with("Up ") && !st.contains('('), "{st}");

    // HEALTHCHECK NONE in a child image disables the parent's.
    std::fs::write(ctx.join("Dockerfile"), "FROM hc-img\nHEALTHCHECK NONE\n").unwrap();
    env.skiff_ok(&["build", "-q", "-t", "hc-none", &s(&ctx)]);
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "img4",
        "--network",
        "none",
        "hc-none",
        "sleep",
        "300",
    ]);
    let cfg = env.skiff_ok(&["inspect", "-f", "{{json .Config.Healthcheck}}", "img4"]);
    assert_eq!(cfg.trim(), r#"{"Test":["NONE"]}"#);
    let h = env.skiff_ok(&["inspect", "-f", "{{json .State.Health}}", "img4"]);
    assert_eq!(h.trim(), "null");
    let names = env.skiff_ok(&["ps", "--filter", "health=none", "--format", "{{.Names}}"]);
    let mut names: Vec<&str> = names.lines().collect();
    names.sort();
    assert_eq!(names, vec!["img3", "img4"]);
    env.skiff_ok(&["rm", "-f", "img1", "img2", "img3", "img4"]);
}

#[test]
fn bad_health_flags_are_refused_and_create_nothing() {
    let env = env_with_busybox();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--no-healthcheck", "--health-cmd", "true"],
            "Error: --no-healthcheck conflicts with --health-* options",
        ),
        (
            &["--health-interval", "abc"],
            "Error: invalid argument \"abc\" for \"--health-interval\" flag: time: invalid duration \"abc\"",
        ),
        (
            &["--health-timeout", "-1s"],
            "Error: --health-timeout cannot be negative",
        ),
        (
            &["--health-retries", "x"],
            "Error: invalid argument \"x\" for \"--health-retries\" flag: strconv.ParseInt: parsing \"x\": invalid syntax",
        ),
        (
            &["--health-cmd", "true", "--health-interval", "10us"],
            "Error: Interval in Healthcheck cannot be less than 1ms",
        ),
        (
            &["--health-cmd", "true", "--health-on-failure", "explode"],
            "Error: invalid on-failure action \"explode\" for health check: supported actions are none,kill,restart,stop",
        ),
    ];
    for (flags, want) in cases {
        let mut args = vec!["run", "-d", "--name", "bad", "--network", "none"];
        args.extend_from_slice(flags);
        args.extend_from_slice(&[BUSYBOX, "true"]);
        let o = env.skiff(&args);
        assert_eq!(code(&o), 125, "{flags:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).trim(), *want, "{flags:?}");
        assert_eq!(
            env.skiff_ok(&["ps", "-aq"]),
            "",
            "{flags:?} created a container"
        );
    }
}

#[test]
fn healthcheck_run_exit_codes() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "hr",
        "--network",
        "none",
        "--health-cmd",
        "test -e /tmp/ok",
        "--health-interval",
        "1h",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    // Retries 3: one failure leaves it starting (podman prints it and exits 1).
    let o = env.skiff(&["healthcheck", "run", "hr"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stdout(&o), "starting\n");
    env.skiff(&["healthcheck", "run", "hr"]);
    let o = env.skiff(&["healthcheck", "run", "hr"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stdout(&o), "unhealthy\n");
    assert_eq!(health_json(&env, "hr")["FailingStreak"], 3);
    env.skiff_ok(&["exec", "hr", "touch", "/tmp/ok"]);
    let o = env.skiff(&["healthcheck", "run", "hr"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let h = health_json(&env, "hr");
    assert_eq!(h["Status"], "healthy");
    assert_eq!(h["Log"].as_array().unwrap().len(), 4);

    // No health check, not running, no such container: errors, exit 125.
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "nohc",
        "--network",
        "none",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let o = env.skiff(&["healthcheck", "run", "nohc"]);
    assert_eq!(code(&o), 125);
    assert!(
        stderr(&o).contains("has no defined healthcheck"),
        "{}",
        stderr(&o)
    );
    env.skiff_ok(&["stop", "-t", "0", "hr"]);
    let o = env.skiff(&["healthcheck", "run", "hr"]);
    assert_eq!(code(&o), 125);
    assert!(stderr(&o).contains("is not running"), "{}", stderr(&o));
    let o = env.skiff(&["healthcheck", "run", "nope"]);
    assert_eq!(code(&o), 125);
    assert_eq!(stderr(&o).trim(), "Error: No such container: nope");
    env.skiff_ok(&["rm", "-f", "hr", "nohc"]);
}

fn unhealthy_container(env: &TestEnv, name: &str, action: &str) {
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        name,
        "--network",
        "none",
        "--health-cmd",
        "false",
        "--health-interval",
        "300ms",
        "--health-retries",
        "1",
        "--health-on-failure",
        action,
        "--stop-timeout",
        "2",
        BUSYBOX,
        "sleep",
        "300",
    ]);
}

#[test]
fn on_failure_kill_stop_restart() {
    let env = env_with_busybox();
    unhealthy_container(&env, "okill", "kill");
    wait_inspect(
        &env,
        "okill",
        "{{.State.Status}} {{.State.ExitCode}}",
        "exited 137",
        60,
    );
    unhealthy_container(&env, "ostop", "stop");
    // sleep ignores SIGTERM as PID 1: SIGKILL after the stop timeout.
    wait_inspect(
        &env,
        "ostop",
        "{{.State.Status}} {{.State.ExitCode}}",
        "exited 137",
        60,
    );
    unhealthy_container(&env, "orestart", "restart");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let o = env.skiff_ok(&[
            "inspect",
            "-f",
            "{{.State.Status}} {{.RestartCount}}",
            "orestart",
        ]);
        let mut f = o.split_whitespace();
        let (status, count) = (f.next().unwrap_or("").to_string(), f.next().unwrap_or("0"));
        if status == "running" && count.parse::<u32>().unwrap_or(0) >= 1 {
            break;
        }
        assert!(Instant::now() < deadline, "never restarted: {o}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // none: stays unhealthy and running.
    unhealthy_container(&env, "onone", "none");
    wait_inspect(&env, "onone", "{{.State.Health.Status}}", "unhealthy", 60);
    std::thread::sleep(Duration::from_millis(1000));
    wait_inspect(&env, "onone", "{{.State.Status}}", "running", 5);
    env.skiff_ok(&["rm", "-f", "okill", "ostop", "orestart", "onone"]);
}
