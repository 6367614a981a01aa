//! Containers end to end, as the unprivileged test user: run (foreground, detached, exit codes,
//! users, capabilities, networks, a terminal), ps, logs, stop, rm, wait, inspect, layered
//! images with whiteouts, and the name-uniqueness race.
mod common;

use std::time::{Duration, Instant};

use common::*;

/// slirp4netns processes started for this test's containers (their environment names its store).
fn slirp_processes(env: &TestEnv) -> Vec<String> {
    let marker = format!("SKIFF_ROOT={}", env.data_dir().display());
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let p = e.path();
        let comm = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
        if comm.trim() != "slirp4netns" {
            continue;
        }
        let environ = std::fs::read(p.join("environ")).unwrap_or_default();
        if environ.split(|&b| b == 0).any(|v| v == marker.as_bytes()) {
            found.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    found
}

/// Wait (up to 10 s) until no slirp4netns of this test is left (the default network's exits
/// with the shared namespace's holder, within a second of the last container).
fn assert_no_slirp(env: &TestEnv) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !slirp_processes(env).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        slirp_processes(env),
        Vec::<String>::new(),
        "slirp4netns left running"
    );
}

#[test]
fn run_prints_output_and_returns_exit_codes() {
    let env = env_with_busybox();
    let o = env.skiff(&["run", "--rm", BUSYBOX, "echo", "hello"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "hello\n");

    let o = env.skiff(&["run", "--rm", BUSYBOX, "sh", "-c", "exit 3"]);
    assert_eq!(code(&o), 3);

    let o = env.skiff(&[
        "run",
        "--rm",
        BUSYBOX,
        "sh",
        "-c",
        "echo to-out; echo to-err >&2; exit 9",
    ]);
    assert_eq!(code(&o), 9);
    assert_eq!(stdout(&o), "to-out\n");
    assert_eq!(stderr(&o), "to-err\n");

    // Not found: 127; not executable: 126; both with one clear line.
    let o = env.skiff(&["run", "--rm", BUSYBOX, "no-such-command"]);
    assert_eq!(code(&o), 127);
    assert_eq!(
        stderr(&o).trim(),
        "Error: exec: \"no-such-command\": executable file not found in $PATH"
    );
    let o = env.skiff(&["run", "--rm", BUSYBOX, "/etc/passwd"]);
    assert_eq!(code(&o), 126);
    assert!(stderr(&o).starts_with("Error: "), "{}", stderr(&o));

    // --rm left nothing behind.
    assert_eq!(env.skiff_ok(&["ps", "-a", "-q"]), "");
}

#[test]
fn run_pulls_a_missing_image_first() {
    let env = TestEnv::new();
    let o = env.skiff(&["run", "--rm", "--network", "none", BUSYBOX, "true"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("Unable to find image 'localhost:5000/busybox:latest' locally"));
    assert!(env.skiff_ok(&["images"]).contains("localhost:5000/busybox"));
}

#[test]
fn engine_errors_exit_with_dockers_codes_and_one_line() {
    let env = TestEnv::new();
    let o = env.skiff(&["run", "--rm", "Bad:Ref", "true"]);
    assert_eq!(code(&o), 125);
    let err = stderr(&o);
    assert!(err.starts_with("Error: invalid reference format"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    let o = env.skiff(&["run", "--rm", "localhost:5000/does-not-exist", "true"]);
    assert_eq!(code(&o), 125);
    assert!(stderr(&o).contains("not found"), "{}", stderr(&o));

    let o = env.skiff(&["run", "--no-such-flag", BUSYBOX]);
    assert_eq!(code(&o), 125);

    let o = env.skiff(&["logs", "nothing-here"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o).trim(), "Error: No such container: nothing-here");
}

#[test]
fn runs_rootless_in_its_own_namespaces() {
    let env = env_with_busybox();
    // skiff itself runs as the unprivileged user...
    let me = stdout(&env.sh("id -u"));
    assert_eq!(me.trim(), test_uid().to_string());
    assert_ne!(test_uid(), 0);
    // ...while the container sees itself as root, PID 1, with docker's default capabilities.
    let out = env.skiff_ok(&[
        "run", "--rm", "--network", "none", "--hostname", "box", BUSYBOX, "sh", "-c",
        "id -u; echo $$; hostname; grep CapEff /proc/self/status; cat /proc/self/uid_map | tr -s ' '",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "0");
    assert_eq!(lines[1], "1");
    assert_eq!(lines[2], "box");
    assert_eq!(
        lines[3], "CapEff:\t00000000a80425fb",
        "docker's default capability set"
    );
    assert_eq!(lines[4].trim(), format!("0 {} 1", test_uid()));
    assert_eq!(
        lines[5].trim(),
        "1 200000 65536",
        "subordinate range mapped"
    );

    // A file root writes in the container belongs to the user on the host (through the upper dir).
    let id = env
        .skiff_ok(&[
            "run",
            "-d",
            "--network",
            "none",
            BUSYBOX,
            "sh",
            "-c",
            "echo x > /owned; sleep 30",
        ])
        .trim()
        .to_string();
    let upper = env
        .data_dir()
        .join("containers")
        .join(&id)
        .join("upper/owned");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !upper.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = env.sh(&format!("stat -c %u {}", upper.display()));
    assert_eq!(stdout(&o).trim(), test_uid().to_string());
    env.skiff_ok(&["rm", "-f", &id]);
}

#[test]
fn user_workdir_env_entrypoint() {
    let env = env_with_busybox();
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-u",
        "user",
        BUSYBOX,
        "sh",
        "-c",
        "id; grep CapEff /proc/self/status",
    ]);
    assert!(out.starts_with("uid=1000(user) gid=1000(user)"), "{out}");
    assert!(
        out.contains("CapEff:\t0000000000000000"),
        "non-root user has no capabilities: {out}"
    );
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-u",
        "nobody",
        BUSYBOX,
        "id",
        "-u",
    ]);
    assert_eq!(out.trim(), "65534");
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-u",
        "1234:55",
        BUSYBOX,
        "id",
    ]);
    assert!(out.starts_with("uid=1234 gid=55"), "{out}");
    let o = env.skiff(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-u",
        "ghost",
        BUSYBOX,
        "true",
    ]);
    assert_eq!(code(&o), 125);
    assert!(
        stderr(&o).contains("unable to find user ghost"),
        "{}",
        stderr(&o)
    );

    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-w",
        "/new/dir",
        "-e",
        "FOO=bar",
        BUSYBOX,
        "sh",
        "-c",
        "pwd; echo $FOO; echo $HOME; echo $PATH",
    ]);
    assert_eq!(
        out,
        "/new/dir\nbar\n/root\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
    );

    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--entrypoint",
        "echo",
        BUSYBOX,
        "a",
        "b",
    ]);
    assert_eq!(out, "a b\n");
}

#[test]
fn proc_dev_sys_and_masks() {
    let env = env_with_busybox();
    let out = env.skiff_ok(&[
        "run", "--rm", "--network", "none", BUSYBOX, "sh", "-c",
        "ls /dev | tr '\\n' ' '; echo; \
         echo x > /proc/sys/kernel/hostname 2>/dev/null && echo procsys-writable || echo procsys-ro; \
         wc -c < /proc/keys; \
         touch /sys/x 2>/dev/null && echo sys-writable || echo sys-ro; \
         head -c 4 /dev/zero | wc -c; ls /proc/1/ns >/dev/null && echo proc-ok",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    for dev in [
        "null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "mqueue", "ptmx",
    ] {
        assert!(
            lines[0].split(' ').any(|d| d == dev),
            "/dev lacks {dev}: {}",
            lines[0]
        );
    }
    assert_eq!(lines[1], "procsys-ro");
    assert_eq!(lines[2].trim(), "0", "/proc/keys is masked");
    assert_eq!(lines[3], "sys-ro");
    assert_eq!(lines[4].trim(), "4");
    assert_eq!(lines[5], "proc-ok");
}

#[test]
fn networks_none_and_slirp4netns() {
    let env = env_with_busybox();
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "ls /sys/class/net",
    ]);
    assert_eq!(out.split_whitespace().collect::<Vec<_>>(), vec!["lo"]);
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--name",
        "netbox",
        BUSYBOX,
        "sh",
        "-c",
        "ip -4 addr show eth0; cat /etc/hosts",
    ]);
    // docker's default bridge network.
    assert!(out.contains("inet 172.17.0.2/16"), "{out}");
    assert!(out.contains("netbox"), "the name is in /etc/hosts: {out}");
    // No slirp4netns left behind.
    assert_no_slirp(&env);
}

#[test]
fn detached_container_lifecycle() {
    let env = env_with_busybox();
    let id = env.skiff_ok(&[
        "run", "-d", "--name", "web", BUSYBOX, "httpd", "-f", "-p", "8080",
    ]);
    let id = id.trim();
    assert_eq!(id.len(), 64, "run -d prints the full ID: {id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));

    let ps = env.skiff_ok(&["ps"]);
    let mut lines = ps.lines();
    let header = lines.next().unwrap_or_default();
    for col in [
        "CONTAINER ID",
        "IMAGE",
        "COMMAND",
        "CREATED",
        "STATUS",
        "PORTS",
        "NAMES",
    ] {
        assert!(header.contains(col), "{header}");
    }
    let row = lines.next().unwrap_or_default();
    assert!(row.starts_with(&id[..12]), "{row}");
    assert!(row.contains("\"httpd -f -p 8080\""), "{row}");
    assert!(row.contains("Up "), "{row}");
    assert!(row.trim_end().ends_with("web"), "{row}");
    assert_eq!(env.skiff_ok(&["ps", "-a", "-q"]).trim(), &id[..12]);

    let state = env.skiff_ok(&[
        "inspect",
        "-f",
        "{{.State.Status}} {{.State.Running}} {{.Name}} {{.Config.Image}}",
        "web",
    ]);
    assert_eq!(state.trim(), format!("running true /web {BUSYBOX}"));

    // The name is taken while the container exists.
    let o = env.skiff(&["run", "-d", "--name", "web", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert!(stderr(&o).contains("is already in use"), "{}", stderr(&o));

    // rm refuses a running container.
    let o = env.skiff(&["rm", "web"]);
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("container is running"),
        "{}",
        stderr(&o)
    );

    // stop: SIGTERM (httpd as PID 1 ignores it), then SIGKILL after -t.
    let t = Instant::now();
    assert_eq!(env.skiff_ok(&["stop", "-t", "1", "web"]), "web\n");
    assert!(
        t.elapsed() < Duration::from_secs(8),
        "stop took {:?}",
        t.elapsed()
    );
    let ps = env.skiff_ok(&["ps", "-a"]);
    assert!(ps.contains("Exited (137)"), "{ps}");
    assert_eq!(env.skiff_ok(&["ps", "-q"]), "");
    let st = env.skiff_ok(&[
        "inspect",
        "-f",
        "{{.State.Status}} {{.State.ExitCode}}",
        "web",
    ]);
    assert_eq!(st.trim(), "exited 137");

    assert_eq!(env.skiff_ok(&["rm", "web"]), "web\n");
    assert_eq!(env.skiff_ok(&["ps", "-a", "-q"]), "");
    assert!(
        !env.data_dir().join("containers").join(id).exists(),
        "container files removed"
    );
    let o = env.skiff(&["rm", "web"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o).trim(), "Error: No such container: web");
}

#[test]
fn logs_keep_stdout_and_stderr_apart() {
    let env = env_with_busybox();
    let id = env.skiff_ok(&[
        "run",
        "-d",
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "echo out1; echo err1 >&2; echo out2; exit 4",
    ]);
    let id = id.trim();
    assert_eq!(env.skiff_ok(&["wait", id]).trim(), "4");
    let o = env.skiff(&["logs", id]);
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o), "out1\nout2\n");
    assert_eq!(stderr(&o), "err1\n");
    // The foreground run keeps a log as well.
    env.skiff_ok(&[
        "run",
        "--name",
        "fg",
        "--network",
        "none",
        BUSYBOX,
        "echo",
        "logged",
    ]);
    assert_eq!(env.skiff_ok(&["logs", "fg"]), "logged\n");
    let ps = env.skiff_ok(&["ps", "-a"]);
    assert!(
        ps.contains("Exited (0)") && ps.contains("Exited (4)"),
        "{ps}"
    );
    env.skiff_ok(&["rm", id, "fg"]);
}

#[test]
fn rm_force_kills_a_running_container() {
    let env = env_with_busybox();
    let id = env.skiff_ok(&["run", "-d", "--name", "sleeper", BUSYBOX, "sleep", "300"]);
    let id = id.trim();
    let pid = env.skiff_ok(&["inspect", "-f", "{{.State.Pid}}", "sleeper"]);
    let pid: i32 = pid.trim().parse().unwrap_or(0);
    assert!(pid > 0);
    assert_eq!(env.skiff_ok(&["rm", "-f", "sleeper"]), "sleeper\n");
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists() || {
            // a zombie waiting for a reaper is gone for every practical purpose
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map(|s| s.contains(") Z "))
                .unwrap_or(true)
        }
    );
    assert_eq!(env.skiff_ok(&["ps", "-a", "-q"]), "");
    assert!(!env.data_dir().join("containers").join(id).exists());
    assert_no_slirp(&env);
}

#[test]
fn whiteouts_and_opaque_dirs_seen_from_inside() {
    let env = TestEnv::new();
    env.pull("layered");
    let out = env.skiff_ok(&[
        "run", "--rm", "--network", "none", "localhost:5000/layered", "sh", "-c",
        "ls /data | tr '\\n' ' '; echo; ls /data/opaque | tr '\\n' ' '; echo; cat /data/keep /data/new; test -e /data/gone && echo gone-visible || echo gone-hidden",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0].trim(), "keep new opaque");
    assert_eq!(
        lines[1].trim(),
        "c",
        "the opaque dir hides the lower a and b"
    );
    assert_eq!(lines[2], "keep");
    assert_eq!(lines[3], "new");
    assert_eq!(lines[4], "gone-hidden");
    // Writes land in the container's own layer, never in the shared image layers.
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "localhost:5000/layered",
        "sh",
        "-c",
        "rm /data/keep; echo changed > /data/new",
    ]);
    assert_eq!(out, "");
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "localhost:5000/layered",
        "cat",
        "/data/keep",
        "/data/new",
    ]);
    assert_eq!(out, "keep\nnew\n");
}

#[test]
fn stdin_and_terminal() {
    let env = env_with_busybox();
    let o = env.skiff_stdin(
        &[
            "run",
            "--rm",
            "-i",
            "--network",
            "none",
            BUSYBOX,
            "sh",
            "-c",
            "tr a-z A-Z",
        ],
        b"piped input\n",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "PIPED INPUT\n");
    // Without -i the container's stdin is empty.
    let o = env.skiff_stdin(
        &["run", "--rm", "--network", "none", BUSYBOX, "cat"],
        b"ignored\n",
    );
    assert_eq!(stdout(&o), "");
    // -t: a real terminal inside the container (run under script(1) to give skiff one).
    let skiff = skiff_bin().display().to_string();
    let o = env.sh(&format!(
        "script -qec \"{skiff} run --rm -t --network none {BUSYBOX} sh -c 'test -t 0 && test -t 1 && tty && echo is-a-tty'\" /dev/null"
    ));
    let out = stdout(&o);
    assert!(out.contains("/dev/pts/0"), "{out}");
    assert!(out.contains("is-a-tty"), "{out}");
}

#[test]
fn concurrent_runs_with_the_same_name_one_wins() {
    let env = env_with_busybox();
    let spawn = || {
        env.command(&[
            "run",
            "-d",
            "--name",
            "same",
            "--network",
            "none",
            BUSYBOX,
            "sleep",
            "60",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn skiff")
    };
    let children: Vec<_> = (0..4).map(|_| spawn()).collect();
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect();
    let winners = outs.iter().filter(|o| o.status.success()).count();
    assert_eq!(
        winners,
        1,
        "exactly one run --name same succeeds: {:?}",
        outs.iter().map(stderr).collect::<Vec<_>>()
    );
    for o in outs.iter().filter(|o| !o.status.success()) {
        assert_eq!(code(o), 125);
        assert!(
            stderr(o).contains("\"/same\" is already in use"),
            "{}",
            stderr(o)
        );
    }
    assert_eq!(env.skiff_ok(&["ps", "-q"]).lines().count(), 1);
    env.skiff_ok(&["rm", "-f", "same"]);
}

#[test]
fn container_and_image_subcommand_aliases() {
    let env = env_with_busybox();
    env.skiff_ok(&["run", "--name", "a1", "--network", "none", BUSYBOX, "true"]);
    assert_eq!(
        env.skiff_ok(&["container", "ls", "-a", "-q"]),
        env.skiff_ok(&["ps", "-a", "-q"])
    );
    assert_eq!(env.skiff_ok(&["image", "ls"]), env.skiff_ok(&["images"]));
    env.skiff_ok(&["container", "rm", "a1"]);
    let o = env.skiff(&["--log-level", "debug", "ps"]);
    assert_eq!(code(&o), 0);
}
