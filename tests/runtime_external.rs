//! `--runtime runc`: an external OCI runtime runs skiff's containers, rootless, with skiff's
//! monitor as the container's parent. The core run/exec cases of container.rs, exec.rs and
//! lifecycle.rs, here with Debian's runc (setup.sh installs it); the same files also pass
//! whole with `SKIFF_RUNTIME=runc` (the harness passes it through), which the note on the
//! issue records.
mod common;

use std::time::{Duration, Instant};

use common::*;

const RT: &str = "runc";

/// The runtime's own view of the container (`runc state`, as the test user, who owns the
/// state directory skiff gives it).
fn runc_state(env: &TestEnv, id: &str) -> serde_json::Value {
    let root = env.data_dir().join("containers").join(id).join("runtime");
    let o = env
        .user_command(
            "runc",
            &["--root", &root.display().to_string(), "state", id],
        )
        .output()
        .expect("runc state");
    assert_success(&o, "runc state");
    serde_json::from_str(&stdout(&o)).expect("runc state prints JSON")
}

fn full_id(env: &TestEnv, name: &str) -> String {
    env.skiff_ok(&["inspect", "-f", "{{.Id}}", name])
        .trim()
        .to_string()
}

#[test]
fn output_exit_codes_and_start_errors() {
    let env = env_with_busybox();
    let o = env.skiff(&[
        "run",
        "--rm",
        "--runtime",
        RT,
        BUSYBOX,
        "sh",
        "-c",
        "echo to-out; echo to-err >&2; exit 9",
    ]);
    assert_eq!(code(&o), 9, "{}", stderr(&o));
    assert_eq!(stdout(&o), "to-out\n");
    assert_eq!(stderr(&o), "to-err\n");

    // The same one-line errors and exit codes as skiff's own runtime.
    let o = env.skiff(&["run", "--rm", "--runtime", RT, BUSYBOX, "no-such-command"]);
    assert_eq!(code(&o), 127);
    assert_eq!(
        stderr(&o).trim(),
        "Error: exec: \"no-such-command\": executable file not found in $PATH"
    );
    let o = env.skiff(&["run", "--rm", "--runtime", RT, BUSYBOX, "/etc/passwd"]);
    assert_eq!(code(&o), 126);
    assert!(stderr(&o).starts_with("Error: "), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));

    // An unknown runtime: docker's message, 125, nothing created.
    let o = env.skiff(&["run", "--runtime", "no-such-runtime", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert_eq!(
        stderr(&o).trim(),
        "Error: unknown or invalid runtime name: no-such-runtime"
    );
    let o = env.skiff(&["create", "--runtime", "/etc/passwd", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert_eq!(env.skiff_ok(&["ps", "-a", "-q"]), "");
}

#[test]
fn runc_runs_it_rootless_in_its_own_namespaces() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "c1",
        "--runtime",
        RT,
        "--network",
        "none",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let id = full_id(&env, "c1");
    assert_eq!(
        env.skiff_ok(&[
            "inspect",
            "-f",
            "{{.HostConfig.Runtime}} {{.State.Status}}",
            "c1"
        ])
        .trim(),
        "runc running"
    );
    // runc knows it, and its process is the one skiff reports.
    let st = runc_state(&env, &id);
    assert_eq!(st["status"], "running", "{st}");
    let pid = env.skiff_ok(&["inspect", "-f", "{{.State.Pid}}", "c1"]);
    assert_eq!(st["pid"].to_string(), pid.trim());
    // Its parent is skiff's monitor (the runtime has exited), as conmon is for podman.
    let ppid = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
        .unwrap()
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    let parent = std::fs::read_to_string(format!("/proc/{ppid}/cmdline")).unwrap();
    assert!(parent.contains("__helper\0monitor"), "{parent:?}");

    // Rootless: root inside is the test user, the rest the subordinate range.
    let maps = env.skiff_ok(&["exec", "c1", "cat", "/proc/self/uid_map"]);
    let first: Vec<&str> = maps.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(first, ["0", &test_uid().to_string(), "1"]);
    assert!(maps.lines().count() >= 2, "{maps}");
    // Its own pid, uts and mount namespaces: the command is PID 1, the hostname its short ID.
    assert_eq!(
        env.skiff_ok(&["exec", "c1", "cat", "/proc/1/cmdline"]),
        "sleep\x00300\x00"
    );
    assert_eq!(env.skiff_ok(&["exec", "c1", "hostname"]).trim(), &id[..12]);
    for ns in ["pid", "uts", "mnt", "user"] {
        let inside = env.skiff_ok(&["exec", "c1", "readlink", &format!("/proc/1/ns/{ns}")]);
        let host = std::fs::read_link(format!("/proc/self/ns/{ns}")).unwrap();
        assert_ne!(inside.trim(), host.display().to_string(), "{ns}");
    }

    // Rootless --privileged: every capability (a new user namespace has a full bounding set).
    let all = env.skiff_ok(&[
        "run",
        "--rm",
        "--privileged",
        "--runtime",
        RT,
        "--network",
        "none",
        BUSYBOX,
        "grep",
        "CapEff",
        "/proc/self/status",
    ]);
    assert!(all.trim().ends_with("ffffffffff"), "{all}");

    // stop: the monitor signals it; runc forgets it afterwards.
    let o = env.skiff(&["stop", "-t", "1", "c1"]);
    assert_success(&o, "stop");
    assert_eq!(
        env.skiff_ok(&[
            "inspect",
            "-f",
            "{{.State.Status}} {{.State.ExitCode}}",
            "c1"
        ])
        .trim(),
        "exited 137"
    );
    let root = env.data_dir().join("containers").join(&id).join("runtime");
    let o = env
        .user_command(
            "runc",
            &["--root", &root.display().to_string(), "state", &id],
        )
        .output()
        .unwrap();
    assert!(!o.status.success(), "runc still knows the container");
    env.skiff_ok(&["rm", "c1"]);
    assert!(!env.data_dir().join("containers").join(&id).exists());
}

#[test]
fn exec_logs_restart_and_rm() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "c2",
        "--runtime",
        RT,
        BUSYBOX,
        "sh",
        "-c",
        "echo started; trap 'echo got-term; exit 3' TERM; while true; do sleep 0.1; done",
    ]);
    let o = env.skiff(&[
        "exec",
        "-u",
        "1000:1000",
        "-w",
        "/tmp",
        "-e",
        "X=y",
        "c2",
        "sh",
        "-c",
        "id -u; pwd; echo $X; exit 4",
    ]);
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert_eq!(stdout(&o), "1000\n/tmp\ny\n");
    let o = env.skiff(&["exec", "c2", "no-such-command"]);
    assert_eq!(code(&o), 127);
    // A stop that the command handles: its own exit code.
    env.skiff_ok(&["stop", "c2"]);
    assert_eq!(
        env.skiff_ok(&["inspect", "-f", "{{.State.ExitCode}}", "c2"])
            .trim(),
        "3"
    );
    assert_eq!(env.skiff_ok(&["logs", "c2"]), "started\ngot-term\n");
    // Started again by the same runtime, under the same ID.
    env.skiff_ok(&["start", "c2"]);
    assert_eq!(
        env.skiff_ok(&["inspect", "-f", "{{.State.Status}}", "c2"])
            .trim(),
        "running"
    );
    env.skiff_ok(&["rm", "-f", "c2"]);
    assert_eq!(env.skiff_ok(&["ps", "-a", "-q"]), "");

    // A restart policy: the monitor starts it again through the runtime.
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "c3",
        "--runtime",
        RT,
        "--restart",
        "on-failure:2",
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "echo run; exit 1",
    ]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = env.skiff_ok(&["inspect", "-f", "{{.State.Status}} {{.RestartCount}}", "c3"]);
        if s.trim() == "exited 2" {
            break;
        }
        assert!(Instant::now() < deadline, "{s}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(env.skiff_ok(&["logs", "c3"]), "run\nrun\nrun\n");

    // --rm: the container and its runtime state go.
    let o = env.skiff(&[
        "run",
        "--rm",
        "--runtime",
        RT,
        "--network",
        "none",
        BUSYBOX,
        "true",
    ]);
    assert_success(&o, "run --rm");
    assert_eq!(env.skiff_ok(&["ps", "-a", "-q", "--filter", "name=c2"]), "");
}

#[test]
fn published_port_and_user_network_dns() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "--runtime",
        RT,
        "-p",
        "127.0.0.1::80",
        BUSYBOX,
        "httpd",
        "-f",
        "-p",
        "80",
        "-h",
        "/etc",
    ]);
    let port: u16 = env
        .skiff_ok(&["port", "web", "80"])
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a published port");
    let id = full_id(&env, "web");
    let resp = http_get(port, "/hostname");
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.ends_with(&format!("{}\n", &id[..12])), "{resp}");

    env.skiff_ok(&["network", "create", "rtnet"]);
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "srv",
        "--network",
        "rtnet",
        "--runtime",
        RT,
        BUSYBOX,
        "httpd",
        "-f",
        "-p",
        "80",
        "-h",
        "/etc",
    ]);
    let o = env.skiff(&[
        "run", "--rm", "--network", "rtnet", "--runtime", RT, BUSYBOX, "sh", "-c",
        "for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://srv/hostname && exit 0; sleep 0.3; done; exit 1",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let srv = full_id(&env, "srv");
    assert_eq!(stdout(&o).trim(), &srv[..12]);
    env.skiff_ok(&["rm", "-f", "web", "srv"]);
}

#[test]
fn terminal_stdin_and_init() {
    let env = env_with_busybox();
    let o = env.skiff_stdin(
        &[
            "run",
            "--rm",
            "-i",
            "--runtime",
            RT,
            "--network",
            "none",
            BUSYBOX,
            "tr",
            "a-z",
            "A-Z",
        ],
        b"piped input\n",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "PIPED INPUT\n");
    // -t: the runtime's terminal, handed to the monitor over the console socket.
    let skiff = skiff_bin().display().to_string();
    let o = env.sh(&format!(
        "script -qec \"{skiff} run --rm -t --runtime {RT} --network none {BUSYBOX} sh -c 'test -t 0 && test -t 1 && tty && echo is-a-tty; exit 5'\" /dev/null"
    ));
    let out = stdout(&o);
    assert!(out.contains("/dev/pts/0"), "{out}");
    assert!(out.contains("is-a-tty"), "{out}");
    assert_eq!(code(&o), 5, "{out}");
    // --init: docker's init binary (tini) as PID 1, which reaps and forwards signals.
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--init",
        "--runtime",
        RT,
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "cat /proc/1/cmdline | tr '\\0' ' '; echo; test $$ != 1 && echo not-pid-1",
    ]);
    assert_eq!(
        out,
        "/sbin/docker-init -- sh -c cat /proc/1/cmdline | tr '\\0' ' '; echo; test $$ != 1 && echo not-pid-1 \nnot-pid-1\n"
    );
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "i1",
        "--init",
        "--runtime",
        RT,
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "trap 'exit 7' TERM; while true; do sleep 0.1; done",
    ]);
    env.skiff_ok(&["stop", "i1"]);
    assert_eq!(
        env.skiff_ok(&["inspect", "-f", "{{.State.ExitCode}}", "i1"])
            .trim(),
        "7"
    );
    // runc 1.1 cannot set a domain name: a clear error rather than a container without it.
    let version = std::process::Command::new("runc")
        .arg("--version")
        .output()
        .unwrap();
    if String::from_utf8_lossy(&version.stdout).contains("runc version 1.1.") {
        let o = env.skiff(&[
            "run",
            "--rm",
            "--runtime",
            RT,
            "--domainname",
            "x.org",
            BUSYBOX,
            "true",
        ]);
        assert_eq!(code(&o), 125);
        assert!(
            stderr(&o).contains("--domainname needs runc 1.2"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn every_storage_driver_and_the_default_from_the_environment() {
    for driver in ["overlay", "fuse-overlay", "vfs"] {
        let env = TestEnv::new();
        env.skiff_ok(&["--storage-driver", driver, "pull", "-q", BUSYBOX]);
        let out = env.skiff_ok(&[
            "--storage-driver",
            driver,
            "run",
            "--rm",
            "--runtime",
            RT,
            "--network",
            "none",
            BUSYBOX,
            "sh",
            "-c",
            "echo written > /etc/new; cat /etc/new; grep -c . /etc/passwd",
        ]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.first(), Some(&"written"), "{driver}: {out}");
        assert!(lines.len() == 2, "{driver}: {out}");
        // The image itself is untouched.
        let out = env.skiff_ok(&[
            "--storage-driver",
            driver,
            "run",
            "--rm",
            "--runtime",
            RT,
            "--network",
            "none",
            BUSYBOX,
            "sh",
            "-c",
            "test -e /etc/new && echo leaked || echo clean",
        ]);
        assert_eq!(out, "clean\n", "{driver}");
    }
    // SKIFF_RUNTIME names the default runtime (`--runtime skiff` is the built-in one).
    let env = env_with_busybox();
    let out = env
        .user_command(
            "env",
            &[
                "SKIFF_RUNTIME=runc",
                &skiff_bin().display().to_string(),
                "create",
                "--name",
                "e1",
                BUSYBOX,
                "true",
            ],
        )
        .output()
        .unwrap();
    assert_success(&out, "create with SKIFF_RUNTIME");
    env.skiff_ok(&[
        "create",
        "--name",
        "e2",
        "--runtime",
        "skiff",
        BUSYBOX,
        "true",
    ]);
    assert_eq!(
        env.skiff_ok(&[
            "inspect",
            "-f",
            "{{.Name}} {{.HostConfig.Runtime}}",
            "e1",
            "e2"
        ]),
        "/e1 runc\n/e2 skiff\n"
    );
    env.skiff_ok(&["start", "-a", "e1"]);
}

#[test]
fn docker_cli_run_runtime_through_the_api() {
    let env = env_with_busybox();
    let sock = env.run_dir().join("rt-api.sock");
    let uri = format!("unix://{}", sock.display());
    let mut service = env
        .command(&["system", "service", "--time", "0", &uri])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn skiff system service");
    let docker = |args: &[&str]| {
        let host = format!("DOCKER_HOST={uri}");
        let config = format!(
            "DOCKER_CONFIG={}",
            env.dir().join("docker-config").display()
        );
        let mut all = vec![host.as_str(), config.as_str(), "/usr/bin/docker"];
        all.extend_from_slice(args);
        run_with_timeout(env.user_command("env", &all), None, env.timeout()).expect("docker")
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while !docker(&["version"]).status.success() {
        assert!(Instant::now() < deadline, "the service did not answer");
        std::thread::sleep(Duration::from_millis(100));
    }
    let o = docker(&[
        "run",
        "--name",
        "a1",
        "--runtime",
        "runc",
        BUSYBOX,
        "echo",
        "via-runc",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "via-runc\n");
    let o = docker(&["inspect", "-f", "{{.HostConfig.Runtime}}", "a1"]);
    assert_eq!(stdout(&o), "runc\n", "{}", stderr(&o));
    let o = docker(&[
        "run",
        "--rm",
        "--runtime",
        "no-such-runtime",
        BUSYBOX,
        "true",
    ]);
    assert_eq!(code(&o), 125);
    assert!(
        stderr(&o).contains("unknown or invalid runtime name: no-such-runtime"),
        "{}",
        stderr(&o)
    );
    // Our own child (runuser or skiff): SIGTERM reaches skiff through runuser.
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(service.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let _ = service.wait();
}

#[test]
fn volumes_copy_up_and_chown_before_the_runtime_starts() {
    let env = env_with_busybox();
    // A new named volume is filled with the image's content at its mount point.
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--runtime",
        RT,
        "--network",
        "none",
        "-v",
        "etcvol:/etc",
        BUSYBOX,
        "sh",
        "-c",
        "test -s /etc/passwd && echo filled",
    ]);
    assert_eq!(out, "filled\n");
    // `:U` gives the source to the container user; a tmpfs too.
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--runtime",
        RT,
        "--network",
        "none",
        "-u",
        "1000:1000",
        "-v",
        "owned:/o:U",
        "--mount",
        "type=tmpfs,destination=/t",
        BUSYBOX,
        "sh",
        "-c",
        "stat -c %u:%g /o; echo w > /o/f && stat -c %u /o/f",
    ]);
    assert_eq!(out, "1000:1000\n1000\n");
    // A bind mount, read-only.
    let dir = env.dir().join("bound");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hello"), "from the host\n").unwrap();
    let o = env.skiff(&[
        "run",
        "--rm",
        "--runtime",
        RT,
        "--network",
        "none",
        "-v",
        &format!("{}:/b:ro", dir.display()),
        BUSYBOX,
        "sh",
        "-c",
        "cat /b/hello; touch /b/x",
    ]);
    assert_eq!(stdout(&o), "from the host\n");
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("Read-only file system"),
        "{}",
        stderr(&o)
    );
}

/// As root (inside a private pid and mount namespace this test creates): runc runs as real
/// root, the root filesystem and /dev stay nodev (a node made with mknod opens nothing), the
/// devices are the host's, and `--privileged` gets what this host's bounding set allows.
#[test]
fn rootful_runc_keeps_device_nodes_closed() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "rootful tests need the test suite to run as root"
    );
    let env = TestEnv::new();
    let root = env.dir().join("rootful");
    std::fs::create_dir_all(root.join("data")).unwrap();
    std::fs::create_dir_all(root.join("run")).unwrap();
    let script = format!(
        r#"S={skiff}
$S pull -q {BUSYBOX} >/dev/null
$S run --rm --runtime runc --network none {BUSYBOX} sh -c '
  cat /proc/self/uid_map | tr -s " "
  echo x > /dev/null && head -c 3 /dev/zero | wc -c
  mknod /tmp/disk b 8 0 && mknod /dev/disk2 b 8 0
  head -c 1 /tmp/disk 2>&1; head -c 1 /dev/disk2 2>&1; true'
$S run --rm --runtime runc --privileged --network none {BUSYBOX} sh -c 'mknod /tmp/z c 1 5 && head -c 4 /tmp/z | wc -c'
"#,
        skiff = skiff_bin().display()
    );
    let mut c = std::process::Command::new("unshare");
    c.args([
        "--pid",
        "--fork",
        "--mount-proc",
        "--mount",
        "sh",
        "-ec",
        &script,
    ])
    .env_clear()
    .env("PATH", PATH)
    .env("HOME", "/root")
    .env("SKIFF_ROOT", root.join("data"))
    .env("SKIFF_RUNROOT", root.join("run"))
    .env("XDG_RUNTIME_DIR", root.join("run"))
    .current_dir(&root)
    .stdin(std::process::Stdio::null());
    let o = run_with_timeout(c, None, env.timeout()).expect("rootful script");
    remove_leftover_cgroups(&root.join("data"));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        " 0 0 4294967295\n3\nhead: /tmp/disk: Permission denied\nhead: /dev/disk2: Permission denied\n4\n"
    );
}
