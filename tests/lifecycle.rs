//! create/start/kill/rename/restart and the security and metadata options of run, as the
//! unprivileged test user.
mod common;

use common::*;

#[test]
fn create_start_kill_rename_restart() {
    // Names with a letter that is not hex: `inspect c1` could otherwise match an ID prefix
    // (docker's lookup falls back to one), one time in 256.
    let env = env_with_busybox();
    let id = env.skiff_ok(&[
        "create",
        "--name",
        "ctr1",
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "echo started; sleep 300",
    ]);
    let id = id.trim();
    assert_eq!(id.len(), 64);
    let ps = env.skiff_ok(&["ps", "-a"]);
    assert!(ps.contains("Created"), "{ps}");
    assert_eq!(env.skiff_ok(&["ps", "-q"]), "", "created is not running");

    assert_eq!(env.skiff_ok(&["start", "ctr1"]), "ctr1\n");
    assert_eq!(env.skiff_ok(&["ps", "-q"]).trim(), &id[..12]);
    // Starting a running container is a no-op, as in docker.
    assert_eq!(env.skiff_ok(&["start", "ctr1"]), "ctr1\n");

    assert_eq!(env.skiff_ok(&["kill", "ctr1"]), "ctr1\n");
    let st = env.skiff_ok(&[
        "inspect",
        "-f",
        "{{.State.Status}} {{.State.ExitCode}}",
        "ctr1",
    ]);
    assert_eq!(st.trim(), "exited 137");
    let o = env.skiff(&["kill", "ctr1"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("is not running"), "{}", stderr(&o));
    let o = env.skiff(&["kill", "-s", "NOPE", "ctr1"]);
    assert_ne!(code(&o), 0);

    env.skiff_ok(&["rename", "ctr1", "ctr2"]);
    let o = env.skiff(&["inspect", "ctr1"]);
    assert_ne!(code(&o), 0);
    assert_eq!(
        env.skiff_ok(&["inspect", "-f", "{{.Name}}", "ctr2"]).trim(),
        "/ctr2"
    );
    // The old name is free again.
    env.skiff_ok(&[
        "create",
        "--name",
        "ctr1",
        "--network",
        "none",
        BUSYBOX,
        "true",
    ]);

    assert_eq!(env.skiff_ok(&["restart", "-t", "1", "ctr2"]), "ctr2\n");
    assert_eq!(
        env.skiff_ok(&["inspect", "-f", "{{.State.Running}}", "ctr2"])
            .trim(),
        "true"
    );
    // Both runs wrote to the same log.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut logs = String::new();
    while std::time::Instant::now() < deadline {
        logs = env.skiff_ok(&["logs", "ctr2"]);
        if logs.matches("started").count() == 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(logs, "started\nstarted\n");
    env.skiff_ok(&["rm", "-f", "ctr2", "ctr1"]);

    // start -a: attached, with the container's exit code.
    env.skiff_ok(&[
        "create",
        "--name",
        "att",
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "echo attached; exit 5",
    ]);
    let o = env.skiff(&["start", "-a", "att"]);
    assert_eq!(code(&o), 5);
    assert_eq!(stdout(&o), "attached\n");
}

#[test]
fn capabilities_privileged_read_only_no_new_privs() {
    let env = env_with_busybox();
    let caps = |args: &[&str]| {
        let mut a = vec!["run", "--rm", "--network", "none"];
        a.extend_from_slice(args);
        a.extend_from_slice(&[BUSYBOX, "grep", "CapEff", "/proc/self/status"]);
        env.skiff_ok(&a)
            .trim()
            .trim_start_matches("CapEff:")
            .trim()
            .to_string()
    };
    // default a80425fb; +NET_ADMIN (bit 12) -CHOWN (bit 0)
    assert_eq!(
        caps(&["--cap-add", "NET_ADMIN", "--cap-drop", "chown"]),
        "00000000a80435fa"
    );
    assert_eq!(caps(&["--cap-drop", "ALL"]), "0000000000000000");
    let all = caps(&["--privileged"]);
    assert!(all.ends_with("ffffffffff"), "{all}");
    let o = env.skiff(&["run", "--rm", "--cap-add", "BOGUS", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert!(stderr(&o).contains("invalid capability"), "{}", stderr(&o));

    let o = env.skiff(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--read-only",
        BUSYBOX,
        "touch",
        "/x",
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("Read-only file system"),
        "{}",
        stderr(&o)
    );
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--security-opt",
        "no-new-privileges",
        BUSYBOX,
        "grep",
        "NoNewPrivs",
        "/proc/self/status",
    ]);
    assert_eq!(out.split_whitespace().last(), Some("1"));
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        BUSYBOX,
        "grep",
        "NoNewPrivs",
        "/proc/self/status",
    ]);
    assert_eq!(out.split_whitespace().last(), Some("0"));
    // --privileged unmasks /proc.
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--privileged",
        BUSYBOX,
        "sh",
        "-c",
        "mount | grep -c ' /proc/keys ' || true",
    ]);
    assert_eq!(out.trim(), "0");
}

#[test]
fn init_reaps_and_forwards_signals() {
    let env = env_with_busybox();
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--init",
        BUSYBOX,
        "sh",
        "-c",
        "echo $$",
    ]);
    assert_eq!(out.trim(), "2", "the command is not PID 1 under --init");
    let o = env.skiff(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--init",
        BUSYBOX,
        "sh",
        "-c",
        "exit 7",
    ]);
    assert_eq!(code(&o), 7);
    let o = env.skiff(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--init",
        BUSYBOX,
        "nope",
    ]);
    assert_eq!(code(&o), 127);
    // SIGTERM reaches `sleep` through the init (without it, PID 1 would ignore it).
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "s",
        "--network",
        "none",
        "--init",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let t = std::time::Instant::now();
    env.skiff_ok(&["stop", "-t", "20", "s"]);
    assert!(
        t.elapsed() < std::time::Duration::from_secs(10),
        "stop took {:?}",
        t.elapsed()
    );
    let st = env.skiff_ok(&["inspect", "-f", "{{.State.ExitCode}}", "s"]);
    assert_eq!(st.trim(), "143", "terminated by SIGTERM");
}

#[test]
fn env_files_labels_cidfile_stop_signal_group_add() {
    let env = env_with_busybox();
    let dir = env.dir().join("files");
    let o = env.sh(&format!(
        "mkdir -p {d} && printf 'A=1\\n# comment\\n\\nB=two words\\n' > {d}/env && printf 'team=core\\n' > {d}/labels",
        d = dir.display()
    ));
    assert_success(&o, "write files");
    let env_file = dir.join("env").display().to_string();
    let label_file = dir.join("labels").display().to_string();
    let cid = dir.join("cid").display().to_string();
    let out = env.skiff_ok(&[
        "run",
        "--network",
        "none",
        "--name",
        "meta",
        "--env-file",
        &env_file,
        "-e",
        "B=override",
        "-l",
        "a=b",
        "--label-file",
        &label_file,
        "--cidfile",
        &cid,
        "--stop-signal",
        "USR1",
        "--group-add",
        "user",
        BUSYBOX,
        "sh",
        "-c",
        "echo $A $B; id -G",
    ]);
    assert_eq!(out, "1 override\n0 1000\n");
    let labels = env.skiff_ok(&["inspect", "-f", "{{json .Config.Labels}}", "meta"]);
    assert_eq!(labels.trim(), r#"{"a":"b","team":"core"}"#);
    let id = env.skiff_ok(&["inspect", "-f", "{{.Id}}", "meta"]);
    let written = std::fs::read_to_string(dir.join("cid")).expect("cidfile");
    assert_eq!(written, id.trim());
    assert_eq!(
        env.skiff_ok(&["inspect", "-f", "{{.Config.StopSignal}}", "meta"])
            .trim(),
        "USR1"
    );
    // An existing cidfile is refused before anything is created.
    let o = env.skiff(&["run", "--rm", "--cidfile", &cid, BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert!(
        stderr(&o).contains("container ID file found"),
        "{}",
        stderr(&o)
    );
    let o = env.skiff(&[
        "run",
        "--rm",
        "--env-file",
        "/nonexistent/env",
        BUSYBOX,
        "true",
    ]);
    assert_eq!(code(&o), 125);
    assert!(
        stderr(&o).starts_with("Error: open /nonexistent/env"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn restart_policies() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "rp",
        "--restart",
        "on-failure:2",
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "echo run; exit 3",
    ]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let mut st = String::new();
    while std::time::Instant::now() < deadline {
        st = env.skiff_ok(&[
            "inspect",
            "-f",
            "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}",
            "rp",
        ]);
        if st.trim() == "2 exited 3" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(st.trim(), "2 exited 3", "two restarts, then it stays down");
    assert_eq!(env.skiff_ok(&["logs", "rp"]), "run\nrun\nrun\n");
    let pol = env.skiff_ok(&["inspect", "-f", "{{json .HostConfig.RestartPolicy}}", "rp"]);
    assert_eq!(pol.trim(), r#"{"MaximumRetryCount":2,"Name":"on-failure"}"#);

    // always: restarted after it exits on its own, but not after `stop`.
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "ra",
        "--restart",
        "always",
        "--network",
        "none",
        BUSYBOX,
        "sleep",
        "1",
    ]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while std::time::Instant::now() < deadline {
        let n = env.skiff_ok(&["inspect", "-f", "{{.RestartCount}}", "ra"]);
        if n.trim() != "0" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_ne!(
        env.skiff_ok(&["inspect", "-f", "{{.RestartCount}}", "ra"])
            .trim(),
        "0"
    );
    env.skiff_ok(&["stop", "-t", "1", "ra"]);
    let count = env.skiff_ok(&["inspect", "-f", "{{.RestartCount}}", "ra"]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let after = env.skiff_ok(&["inspect", "-f", "{{.RestartCount}} {{.State.Status}}", "ra"]);
    assert_eq!(
        after.trim(),
        format!("{} exited", count.trim()),
        "stop is final"
    );

    let o = env.skiff(&["run", "--rm", "--restart", "always", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert!(stderr(&o).contains("Conflicting options: --restart and --rm"));
    let o = env.skiff(&["run", "--restart", "sometimes", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert!(
        stderr(&o).contains("invalid restart policy"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn pull_policy() {
    let env = TestEnv::new();
    let o = env.skiff(&[
        "run",
        "--rm",
        "--pull",
        "never",
        "--network",
        "none",
        BUSYBOX,
        "true",
    ]);
    assert_eq!(code(&o), 125);
    assert!(stderr(&o).contains("No such image"), "{}", stderr(&o));
    let o = env.skiff(&[
        "run",
        "--rm",
        "--pull",
        "always",
        "--network",
        "none",
        BUSYBOX,
        "true",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Pulling from busybox"),
        "{}",
        stderr(&o)
    );
    let o = env.skiff(&[
        "run",
        "--rm",
        "--pull",
        "never",
        "--network",
        "none",
        BUSYBOX,
        "true",
    ]);
    assert_eq!(code(&o), 0);
    assert_eq!(stderr(&o), "", "nothing pulled");
    let o = env.skiff(&["run", "--rm", "--pull", "sometimes", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
}

#[test]
fn ulimit_device_log_driver_platform() {
    let env = env_with_busybox();
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--ulimit",
        "nofile=100:200",
        BUSYBOX,
        "sh",
        "-c",
        "ulimit -n; ulimit -Hn",
    ]);
    assert_eq!(out, "100\n200\n");
    let o = env.skiff(&["run", "--rm", "--ulimit", "nofile=20:10", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert!(stderr(&o).contains("ulimit"), "{}", stderr(&o));

    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--device",
        "/dev/fuse",
        "--device",
        "/dev/null:/dev/mynull:rw",
        BUSYBOX,
        "sh",
        "-c",
        "ls -l /dev/fuse /dev/mynull | cut -c1; echo x > /dev/mynull && echo wrote",
    ]);
    assert_eq!(out, "c\nc\nwrote\n");
    let o = env.skiff(&["run", "--rm", "--device", "/dev/nope", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert!(
        stderr(&o).contains("error gathering device information"),
        "{}",
        stderr(&o)
    );

    // k8s-file keeps stdout and stderr apart too; none keeps nothing.
    env.skiff_ok(&[
        "run",
        "--name",
        "k8s",
        "--network",
        "none",
        "--log-driver",
        "k8s-file",
        BUSYBOX,
        "sh",
        "-c",
        "echo out; echo err >&2",
    ]);
    let o = env.skiff(&["logs", "k8s"]);
    assert_eq!(
        (stdout(&o), stderr(&o)),
        ("out\n".to_string(), "err\n".to_string())
    );
    env.skiff_ok(&[
        "run",
        "--name",
        "quiet",
        "--network",
        "none",
        "--log-driver",
        "none",
        BUSYBOX,
        "echo",
        "shown",
    ]);
    let o = env.skiff(&["logs", "quiet"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("does not support reading"),
        "{}",
        stderr(&o)
    );
    // max-size rotates: the log stays small and keeps the newest lines.
    env.skiff_ok(&[
        "run",
        "--name",
        "chatty",
        "--network",
        "none",
        "--log-opt",
        "max-size=4k",
        "--log-opt",
        "max-file=2",
        BUSYBOX,
        "sh",
        "-c",
        "i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done",
    ]);
    let logs = env.skiff_ok(&["logs", "chatty"]);
    assert!(
        logs.ends_with("line 1999\n"),
        "{}",
        &logs[logs.len().saturating_sub(100)..]
    );
    assert!(!logs.contains("line 0\n"), "old lines were rotated away");
    let dir = env
        .data_dir()
        .join("containers")
        .join(env.skiff_ok(&["inspect", "-f", "{{.Id}}", "chatty"]).trim());
    let size = std::fs::metadata(dir.join("ctr.log"))
        .map(|m| m.len())
        .unwrap_or(u64::MAX);
    assert!(size <= 4096 + 200, "ctr.log is {size} bytes");
    assert!(dir.join("ctr.log.1").exists() && !dir.join("ctr.log.2").exists());
    let o = env.skiff(&["run", "--rm", "--log-driver", "syslog", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);

    let o = env.skiff(&["run", "--rm", "--platform", "linux/arm64", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert!(stderr(&o).contains("cannot run on this"), "{}", stderr(&o));
    let host = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        a => a,
    };
    let plat = format!("linux/{host}");
    let o = env.skiff(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--platform",
        &plat,
        BUSYBOX,
        "true",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn commit_pauses_a_running_container_and_continues_it() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "busy",
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "while true; do echo tick >> /ticks; sleep 0.05; done",
    ]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let id = env.skiff_ok(&["commit", "busy", "snap:1"]);
    assert!(id.trim().starts_with("sha256:"), "{id}");
    // Continued afterwards: not left stopped (state T) and still writing.
    let pid = env.skiff_ok(&["inspect", "-f", "{{.State.Pid}}", "busy"]);
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
    let state = stat
        .rsplit(") ")
        .next()
        .and_then(|r| r.split(' ').next())
        .unwrap_or("?")
        .to_string();
    assert_ne!(state, "T", "the container was left stopped");
    let n1 = env.skiff_ok(&["exec", "busy", "sh", "-c", "wc -l < /ticks"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let n2 = env.skiff_ok(&["exec", "busy", "sh", "-c", "wc -l < /ticks"]);
    assert!(n2.trim().parse::<u32>().unwrap_or(0) > n1.trim().parse::<u32>().unwrap_or(0));
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "snap:1",
        "sh",
        "-c",
        "test -s /ticks && echo has-ticks",
    ]);
    assert_eq!(out, "has-ticks\n");
    env.skiff_ok(&["rm", "-f", "busy"]);
}

/// Whether process `pid` still runs (a zombie has ended: only its parent's wait is left).
fn process_runs(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit(") ").next().map(|r| !r.starts_with('Z')))
        .unwrap_or(false)
}

#[test]
fn stop_and_rm_f_return_once_the_exit_is_recorded_and_the_monitor_is_gone() {
    // `stop` waits on the monitor's pidfd: when it returns, the exit is recorded and the
    // monitor has ended (what systemd's ExecStop needs); a stop request (not forced to disk)
    // still keeps a `--restart always` container down.
    let env = env_with_busybox();
    for round in 0..3 {
        let id = env.skiff_ok(&[
            "run",
            "-d",
            "--name",
            "st",
            "--restart",
            "always",
            "--network",
            "none",
            BUSYBOX,
            "sleep",
            "1000",
        ]);
        let id = id.trim();
        let monitor = env.monitor_pid(id);
        assert!(monitor > 0 && process_runs(monitor), "no monitor for {id}");
        assert_eq!(env.skiff_ok(&["stop", "-t", "0", "st"]), "st\n");
        assert!(
            !process_runs(monitor),
            "round {round}: the monitor still runs after stop"
        );
        let st = env.skiff_ok(&[
            "inspect",
            "-f",
            "{{.State.Status}} {{.State.ExitCode}}",
            "st",
        ]);
        assert_eq!(st, "exited 137\n", "round {round}");
        std::thread::sleep(std::time::Duration::from_millis(300));
        let st = env.skiff_ok(&["inspect", "-f", "{{.State.Status}}", "st"]);
        assert_eq!(st, "exited\n", "round {round}: restarted after stop");
        // `rm -f` of a running one: gone, with its monitor, when it returns.
        env.skiff_ok(&["start", "st"]);
        let monitor = env.monitor_pid(id);
        assert!(process_runs(monitor));
        assert_eq!(env.skiff_ok(&["rm", "-f", "st"]), "st\n");
        assert!(
            !process_runs(monitor),
            "round {round}: the monitor still runs after rm -f"
        );
        let o = env.skiff(&["inspect", "st"]);
        assert_eq!(code(&o), 1, "round {round}: {}", stderr(&o));
    }
}
