//! The Docker Engine API (`skiff system service`) end to end, with real clients: Debian's docker
//! CLI (`/usr/bin/docker`, DOCKER_HOST=unix://...) and raw HTTP on the socket, against a
//! service the test starts as the unprivileged test user. Version negotiation and docker's
//! JSON errors, ps/run/logs/exec/inspect/rm, pull from the local registry, images, volumes,
//! networks, cp both ways, the socket's mode, socket activation and idle exit, and 20
//! parallel create+start.
mod common;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use common::api::*;
use common::*;

#[test]
fn ping_version_errors_and_socket_mode() {
    let env = TestEnv::new();
    let svc = Service::start(&env);
    let mode = std::fs::metadata(&svc.sock).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the socket's mode");

    let (st, body) = http(&svc.sock, "HEAD", "/_ping", None).unwrap();
    assert_eq!((st, body.len()), (200, 0));
    let (st, body) = http(&svc.sock, "GET", "/v1.41/version", None).unwrap();
    assert_eq!(st, 200);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["ApiVersion"], "1.41");
    assert_eq!(v["MinAPIVersion"], "1.24");

    // docker's JSON errors, with its status codes; the service survives them all.
    let (st, body) = http(&svc.sock, "GET", "/v1.99/version", None).unwrap();
    assert_eq!(st, 400);
    assert_eq!(
        json_message(&body),
        "client version 1.99 is too new. Maximum supported API version is 1.41"
    );
    let (st, body) = http(&svc.sock, "GET", "/v1.41/no/such/endpoint", None).unwrap();
    assert_eq!((st, json_message(&body).as_str()), (404, "page not found"));
    let (st, body) = http(
        &svc.sock,
        "POST",
        "/containers/create",
        Some("{\"Image\": "),
    )
    .unwrap();
    assert_eq!(st, 400);
    assert!(json_message(&body).starts_with("invalid JSON"), "{body:?}");
    let (st, body) = http(&svc.sock, "POST", "/containers/create", Some("[1,2]")).unwrap();
    assert_eq!(st, 400, "{}", String::from_utf8_lossy(&body));
    let (st, body) = http(&svc.sock, "GET", "/containers/nosuch/json", None).unwrap();
    assert_eq!(
        (st, json_message(&body).as_str()),
        (404, "No such container: nosuch")
    );
    let (st, body) = http(&svc.sock, "POST", "/exec/nosuch/start", Some("{}")).unwrap();
    assert_eq!(
        (st, json_message(&body).as_str()),
        (404, "No such exec instance: nosuch")
    );
    let (st, _) = http(&svc.sock, "GET", "/_ping", None).unwrap();
    assert_eq!(st, 200, "the service survived bad input");

    // The docker CLI negotiates and talks to it; its errors carry the same messages.
    let out = svc.docker_ok(&env, &["version", "--format", "{{.Server.APIVersion}}"]);
    assert_eq!(out.trim(), "1.41");
    let o = svc.docker(&env, &["inspect", "nosuch"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("No such object: nosuch"),
        "{}",
        stderr(&o)
    );
    let o = svc.docker(&env, &["rm", "nosuch"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o), "Error: No such container: nosuch\n");
    // A conflict comes back as the daemon's message.
    let o = svc.docker(&env, &["network", "create", "n1"]);
    assert_success(&o, "network create");
    let o = svc.docker(&env, &["network", "create", "n1"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with("Error response from daemon: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn docker_cli_pull_run_logs_exec_inspect_rm() {
    let env = TestEnv::new();
    let svc = Service::start(&env);
    let out = svc.docker_ok(&env, &["pull", BUSYBOX]);
    assert!(
        out.contains("Status: Downloaded newer image for localhost:5000/busybox:latest"),
        "{out}"
    );
    let out = svc.docker_ok(&env, &["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert_eq!(out.trim(), "localhost:5000/busybox:latest");
    // The CLI beside the service sees the same store.
    assert!(env.skiff_ok(&["images"]).contains("localhost:5000/busybox"));

    // Attached run: both streams, the exit code.
    let o = svc.docker(
        &env,
        &[
            "run",
            "--name",
            "once",
            BUSYBOX,
            "sh",
            "-c",
            "echo out; echo err >&2; exit 3",
        ],
    );
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(stdout(&o), "out\n");
    assert_eq!(stderr(&o), "err\n");
    // The events of that run, as docker's CLI asks for them.
    let until = (chrono::Utc::now() + chrono::Duration::seconds(1))
        .timestamp()
        .to_string();
    let out = svc.docker_ok(
        &env,
        &[
            "events",
            "--since",
            "0",
            "--until",
            &until,
            "--filter",
            "container=once",
            "--format",
            "{{.Action}}",
        ],
    );
    let actions: Vec<&str> = out.lines().collect();
    for a in ["create", "start", "die"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    // --rm with stdin through the hijacked connection.
    let o = svc.docker_stdin(
        &env,
        &["run", "--rm", "-i", BUSYBOX, "cat"],
        Some(b"from stdin\n"),
    );
    assert_eq!(
        (code(&o), stdout(&o).as_str()),
        (0, "from stdin\n"),
        "{}",
        stderr(&o)
    );

    // Detached, logs, exec, inspect, ps.
    let id = svc.docker_ok(
        &env,
        &[
            "run",
            "-d",
            "--name",
            "web",
            "-e",
            "GREETING=hi",
            BUSYBOX,
            "sh",
            "-c",
            "echo started; echo warn >&2; exec sleep 1000",
        ],
    );
    assert_eq!(id.trim().len(), 64, "{id}");
    let mut logs = String::new();
    for _ in 0..100 {
        logs = svc.docker_ok(&env, &["logs", "web"]);
        if logs.contains("started") {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(logs, "started\n");
    let o = svc.docker(&env, &["logs", "web"]);
    assert_eq!(stderr(&o), "warn\n", "logs keep stderr apart");
    // logs -f follows until the container exits.
    svc.docker_ok(
        &env,
        &[
            "run",
            "-d",
            "--name",
            "slow",
            BUSYBOX,
            "sh",
            "-c",
            "echo a; sleep 1; echo b",
        ],
    );
    assert_eq!(svc.docker_ok(&env, &["logs", "-f", "slow"]), "a\nb\n");
    assert_eq!(svc.docker_ok(&env, &["wait", "slow"]).trim(), "0");
    svc.docker_ok(&env, &["rm", "slow"]);
    let o = svc.docker(&env, &["exec", "web", "sh", "-c", "echo $GREETING; exit 5"]);
    assert_eq!((code(&o), stdout(&o).as_str()), (5, "hi\n"));
    let o = svc.docker_stdin(&env, &["exec", "-i", "web", "cat"], Some(b"piped\n"));
    assert_eq!(stdout(&o), "piped\n");
    let out = svc.docker_ok(
        &env,
        &[
            "inspect",
            "--format",
            "{{.State.Status}} {{.Name}} {{.Config.Image}}",
            "web",
        ],
    );
    assert_eq!(out.trim(), "running /web localhost:5000/busybox");
    let out = svc.docker_ok(&env, &["ps", "--format", "{{.Names}} {{.Status}}"]);
    assert!(out.starts_with("web Up"), "{out}");
    assert!(!out.contains("once"), "{out}");
    let out = svc.docker_ok(
        &env,
        &[
            "ps",
            "-a",
            "--filter",
            "status=exited",
            "--format",
            "{{.Names}} {{.Status}}",
        ],
    );
    assert!(out.starts_with("once Exited (3)"), "{out}");
    assert!(env.skiff_ok(&["ps"]).contains("web"));

    // Stop and remove; a running container is refused without force.
    let o = svc.docker(&env, &["rm", "web"]);
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("container is running"),
        "{}",
        stderr(&o)
    );
    svc.docker_ok(&env, &["stop", "-t", "1", "web"]);
    let out = svc.docker_ok(&env, &["inspect", "--format", "{{.State.Status}}", "web"]);
    assert_eq!(out.trim(), "exited");
    svc.docker_ok(&env, &["rm", "web", "once"]);
    assert_eq!(svc.docker_ok(&env, &["ps", "-aq"]).trim(), "");
}

#[test]
fn docker_cli_cp_both_ways() {
    let env = TestEnv::new();
    let svc = Service::with_busybox(&env);
    svc.run_sleeping(&env, "c");
    let o = env.sh("mkdir -p in/sub && echo payload > in/sub/f.txt && echo top > in.txt");
    assert_success(&o, "make files");
    let dir = env.dir().display().to_string();
    svc.docker_ok(&env, &["cp", &format!("{dir}/in.txt"), "c:/tmp/"]);
    svc.docker_ok(&env, &["cp", &format!("{dir}/in"), "c:/tmp/in"]);
    let out = svc.docker_ok(
        &env,
        &["exec", "c", "cat", "/tmp/in.txt", "/tmp/in/sub/f.txt"],
    );
    assert_eq!(out, "top\npayload\n");
    let out = svc.docker_ok(
        &env,
        &["exec", "c", "stat", "-c", "%u", "/tmp/in/sub/f.txt"],
    );
    assert_eq!(out.trim(), "0", "copied in as the container's root");

    svc.docker_ok(
        &env,
        &[
            "exec",
            "c",
            "sh",
            "-c",
            "mkdir -p /out/d && echo back > /out/d/x",
        ],
    );
    svc.docker_ok(&env, &["cp", "c:/out/d", &format!("{dir}/got")]);
    svc.docker_ok(&env, &["cp", "c:/etc/hostname", &format!("{dir}/hostname")]);
    let o = env.sh("cat got/x hostname");
    let out = stdout(&o);
    assert!(out.starts_with("back\n"), "{out}");
    assert_eq!(out.lines().nth(1).map(str::len), Some(12), "{out}");

    let o = svc.docker(&env, &["cp", "c:/no/such", &format!("{dir}/x")]);
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("No such container:path: c:/no/such"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn docker_cli_volumes_and_networks() {
    let env = TestEnv::new();
    let svc = Service::with_busybox(&env);
    assert_eq!(
        svc.docker_ok(&env, &["volume", "create", "data"]).trim(),
        "data"
    );
    let out = svc.docker_ok(&env, &["volume", "ls", "--format", "{{.Name}} {{.Driver}}"]);
    assert_eq!(out.trim(), "data local");
    let id = svc.docker_ok(&env, &["network", "create", "backend"]);
    assert_eq!(id.trim().len(), 64, "{id}");
    let out = svc.docker_ok(&env, &["network", "ls", "--format", "{{.Name}}"]);
    assert!(out.lines().any(|l| l == "backend"), "{out}");
    // A container on the network with the volume; the CLI sees both.
    svc.docker_ok(
        &env,
        &[
            "run",
            "--rm",
            "--network",
            "backend",
            "-v",
            "data:/data",
            BUSYBOX,
            "sh",
            "-c",
            "echo kept > /data/f",
        ],
    );
    let out = svc.docker_ok(
        &env,
        &["run", "--rm", "-v", "data:/data", BUSYBOX, "cat", "/data/f"],
    );
    assert_eq!(out, "kept\n");
    assert!(env.skiff_ok(&["volume", "ls"]).contains("data"));
    assert!(env.skiff_ok(&["network", "ls"]).contains("backend"));
    let o = svc.docker(&env, &["volume", "rm", "nosuch"]);
    assert!(
        stderr(&o).contains("No such volume: nosuch"),
        "{}",
        stderr(&o)
    );
    svc.docker_ok(&env, &["volume", "rm", "data"]);
    svc.docker_ok(&env, &["network", "rm", "backend"]);
    assert_eq!(svc.docker_ok(&env, &["volume", "ls", "-q"]).trim(), "");
    let out = svc.docker_ok(&env, &["network", "ls", "--format", "{{.Name}}"]);
    assert!(!out.contains("backend"), "{out}");
}

#[test]
fn twenty_parallel_create_and_start() {
    let env = TestEnv::new();
    let svc = Service::with_busybox(&env);
    let results: Vec<Output> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|i| {
                let (svc, env) = (&svc, &env);
                s.spawn(move || {
                    let name = format!("p{i}");
                    svc.docker(
                        env,
                        &["run", "-d", "--name", &name, BUSYBOX, "sleep", "1000"],
                    )
                })
            })
            .collect();
        // The CLI works beside them: listing, creating and starting, a volume.
        let side = s.spawn(|| {
            for args in [
                &["ps", "-a"][..],
                &["run", "-d", "--name", "cli1", BUSYBOX, "sleep", "1000"][..],
                &["volume", "create", "cliv"][..],
                &["run", "-d", "--name", "cli2", BUSYBOX, "sleep", "1000"][..],
                &["ps", "-a"][..],
            ] {
                let o = env.skiff(args);
                assert_success(&o, &format!("skiff {} beside the service", args.join(" ")));
            }
        });
        let r = handles.into_iter().map(|h| h.join().unwrap()).collect();
        side.join().unwrap();
        r
    });
    for o in &results {
        assert_success(o, "docker run -d");
    }
    let out = svc.docker_ok(&env, &["ps", "--format", "{{.Names}}"]);
    let mut names: Vec<&str> = out.lines().collect();
    names.sort();
    let mut want: Vec<String> = (0..20).map(|i| format!("p{i}")).collect();
    want.extend(["cli1".to_string(), "cli2".to_string()]);
    want.sort();
    assert_eq!(names, want);
    let cli = env.skiff_ok(&["ps", "-q"]);
    assert_eq!(cli.lines().count(), 22, "{cli}");
    assert_eq!(svc.docker_ok(&env, &["volume", "ls", "-q"]).trim(), "cliv");
}

/// docker-py's `containers.run` starts, then waits: a wait that comes just after a quick
/// exit (between the monitor's `die` event and the exit it records in the state) answers
/// with the exit code at once instead of waiting for an event that has already passed.
#[test]
fn wait_right_after_a_quick_exit_answers_at_once() {
    let env = TestEnv::new();
    let svc = Service::start(&env);
    svc.docker_ok(&env, &["pull", BUSYBOX]);
    let body = format!(r#"{{"Image": "{BUSYBOX}", "Cmd": ["sh", "-c", "exit 3"]}}"#);
    // The delay between the start and the wait sweeps over the moment of the exit.
    for delay_ms in (0..40).step_by(4) {
        let (st, out) = http(&svc.sock, "POST", "/v1.41/containers/create", Some(&body)).unwrap();
        assert_eq!(st, 201, "{}", String::from_utf8_lossy(&out));
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let id = v["Id"].as_str().unwrap().to_string();
        let (st, _) = http(&svc.sock, "POST", &format!("/containers/{id}/start"), None).unwrap();
        assert_eq!(st, 204);
        std::thread::sleep(Duration::from_millis(delay_ms));
        let t = Instant::now();
        let (st, out) = http(&svc.sock, "POST", &format!("/containers/{id}/wait"), None)
            .unwrap_or_else(|e| panic!("wait {delay_ms} ms after the start: {e}"));
        assert_eq!(st, 200);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["StatusCode"], 3, "{v}");
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "wait {delay_ms} ms after the start took {:?}",
            t.elapsed()
        );
    }
}

/// The same moment, made to last: the monitor logs `die`, then records the exit in the state.
/// A wait that begins between the two must answer once the state says so. The test stops the
/// monitor (so that no event comes) and writes the exited state itself, as the monitor would.
#[test]
fn wait_begun_before_the_exit_is_recorded_answers_from_the_state() {
    let env = TestEnv::new();
    let svc = Service::start(&env);
    svc.docker_ok(&env, &["pull", BUSYBOX]);
    let id = svc
        .docker_ok(&env, &["run", "-d", BUSYBOX, "sleep", "1000"])
        .trim()
        .to_string();
    let state_path = env
        .data_dir()
        .join("containers")
        .join(&id)
        .join("state.json");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state_path).unwrap()).unwrap();
    let monitor = state["monitor_pid"].as_i64().unwrap() as i32;
    let comm = std::fs::read_to_string(format!("/proc/{monitor}/comm")).unwrap_or_default();
    assert!(comm.starts_with("skiff"), "monitor {monitor} is {comm:?}");
    let signal = |sig| nix::sys::signal::kill(nix::unistd::Pid::from_raw(monitor), sig).unwrap();
    signal(nix::sys::signal::Signal::SIGSTOP);

    let sock = svc.sock.clone();
    let path = format!("/containers/{id}/wait");
    let waiter = std::thread::spawn(move || http(&sock, "POST", &path, None));
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !waiter.is_finished(),
        "the wait answered while the container ran"
    );
    let mut exited = state.clone();
    exited["status"] = "exited".into();
    exited["exit_code"] = 7.into();
    exited["pid"] = 0.into();
    let tmp = state_path.with_extension("test-tmp");
    std::fs::write(&tmp, serde_json::to_vec(&exited).unwrap()).unwrap();
    std::os::unix::fs::chown(&tmp, Some(test_uid()), Some(test_gid())).unwrap();
    std::fs::rename(&tmp, &state_path).unwrap();
    let t = Instant::now();
    while !waiter.is_finished() && t.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let finished = waiter.is_finished();
    // The real state back, then the monitor on: it ends the container as usual.
    std::fs::write(&tmp, serde_json::to_vec(&state).unwrap()).unwrap();
    std::os::unix::fs::chown(&tmp, Some(test_uid()), Some(test_gid())).unwrap();
    std::fs::rename(&tmp, &state_path).unwrap();
    signal(nix::sys::signal::Signal::SIGCONT);
    assert!(finished, "the wait did not see the exit the state records");
    let (st, body) = waiter.join().unwrap().unwrap();
    assert_eq!(st, 200);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["StatusCode"], 7, "{v}");
    assert_success(&env.skiff(&["rm", "-f", &id]), "skiff rm -f");
}

/// `POST /containers/{id}/pause` and `unpause` (docker's 409s when there is nothing to do),
/// and `GET /info`'s counts, with the docker CLI; the skiff CLI sees the same state.
#[test]
fn docker_cli_pause_unpause_and_info() {
    let env = TestEnv::new();
    let svc = Service::start(&env);
    svc.docker_ok(&env, &["pull", BUSYBOX]);
    svc.docker_ok(
        &env,
        &["run", "-d", "--name", "pz", BUSYBOX, "sleep", "1000"],
    );
    svc.docker_ok(&env, &["create", "--name", "idle", BUSYBOX, "true"]);
    let counts = "{{.Containers}} {{.ContainersRunning}} {{.ContainersPaused}} {{.ContainersStopped}} {{.Images}}";
    assert_eq!(
        svc.docker_ok(&env, &["info", "--format", counts]),
        "2 1 0 1 1\n"
    );

    assert_eq!(svc.docker_ok(&env, &["pause", "pz"]), "pz\n");
    let status = ["inspect", "--format", "{{.State.Status}}", "pz"];
    assert_eq!(svc.docker_ok(&env, &status), "paused\n");
    assert_eq!(env.skiff_ok(&status), "paused\n");
    assert_eq!(
        svc.docker_ok(&env, &["info", "--format", counts]),
        "2 0 1 1 1\n"
    );
    let o = svc.docker(&env, &["pause", "pz"]);
    assert_eq!(code(&o), 1, "{o:?}");
    assert!(stderr(&o).contains("is already paused"), "{o:?}");

    assert_eq!(svc.docker_ok(&env, &["unpause", "pz"]), "pz\n");
    assert_eq!(svc.docker_ok(&env, &status), "running\n");
    // Its processes really continue.
    assert_eq!(
        svc.docker_ok(&env, &["exec", "pz", "echo", "alive"]),
        "alive\n"
    );
    let o = svc.docker(&env, &["unpause", "pz"]);
    assert_eq!(code(&o), 1, "{o:?}");
    assert!(stderr(&o).contains("is not paused"), "{o:?}");
    let o = svc.docker(&env, &["pause", "idle"]);
    assert_eq!(code(&o), 1, "{o:?}");
    assert!(stderr(&o).contains("is not running"), "{o:?}");
    assert_eq!(
        svc.docker_ok(&env, &["info", "--format", counts]),
        "2 1 0 1 1\n"
    );
    svc.docker_ok(&env, &["rm", "-f", "pz", "idle"]);
}

#[test]
fn socket_activation_and_idle_exit() {
    use std::os::fd::AsRawFd;
    let env = TestEnv::new();
    let sock = env.run_dir().join("activated.sock");
    let listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    if nix::unistd::geteuid().is_root() {
        std::os::unix::fs::chown(&sock, Some(test_uid()), Some(test_gid())).unwrap();
    }
    // fd 3 in the service, as systemd passes it; LISTEN_PID is the pid that execs skiff.
    let script = format!(
        "LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=skiff.socket exec {} system service --time 1",
        skiff_bin().display()
    );
    let mut cmd = env.user_command("sh", &["-c", &script]);
    let fd = listener.as_raw_fd();
    // SAFETY: between fork and exec, only dup2 and fcntl (async-signal-safe) on descriptors
    // we own. dup2 onto itself would keep close-on-exec: clear it instead.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || {
            let r = if fd == 3 {
                libc::fcntl(3, libc::F_SETFD, 0)
            } else {
                libc::dup2(fd, 3)
            };
            if r == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the service");
    let (st, body) = http(&sock, "GET", "/_ping", None).expect("the activated socket answers");
    assert_eq!((st, body.as_slice()), (200, b"OK".as_slice()));
    let (st, _) = http(&sock, "GET", "/v1.41/containers/json", None).unwrap();
    assert_eq!(st, 200);
    // Idle for --time 1: it exits on its own.
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the service did not exit when idle"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    assert!(status.success(), "exit status {status:?}: {err}");
    assert!(started.elapsed() >= Duration::from_secs(1));
    drop(listener);
}

/// SIGTERM (systemd's stop) ends the service at once, as it does docker's and podman's, and
/// the socket file goes with it: idle, and after a paused `commit`, whose freeze had left a
/// signal handler behind that swallowed SIGTERM (the unit's stop then waited for its timeout).
#[test]
fn sigterm_ends_the_service_at_once_even_after_a_paused_commit() {
    let env = TestEnv::new();
    for commit in [false, true] {
        let mut svc = Service::start(&env);
        if commit {
            svc.docker_ok(&env, &["pull", BUSYBOX]);
            svc.docker_ok(
                &env,
                &["run", "-d", "--name", "c", BUSYBOX, "sleep", "1000"],
            );
            let id = svc.docker_ok(&env, &["commit", "c", "committed:1"]);
            assert!(id.starts_with("sha256:"), "{id}");
        }
        let pid = service_pid(&svc);
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
        let (status, _) = wait_exit(&mut svc.child, Duration::from_secs(3))
            .unwrap_or_else(|| panic!("the service (commit: {commit}) outlived SIGTERM by 3 s"));
        assert!(status.success(), "commit: {commit}: {status:?}");
        assert!(!svc.sock.exists(), "the socket file is left behind");
    }
    let out = env.skiff(&["inspect", "--format", "{{.State.Status}}", "c"]);
    assert_eq!(
        stdout(&out).trim(),
        "running",
        "the container outlives the service"
    );
    env.skiff(&["rm", "-f", "c"]);
}

#[test]
fn docker_py_containers_exec_archives_networks_volumes() {
    let python = "/var/lib/skiff-test/venv/bin/python";
    assert!(
        std::path::Path::new(python).exists(),
        "{python} is missing: run tests/env/setup.sh (it makes the docker-py venv)"
    );
    let env = TestEnv::new();
    let svc = Service::start(&env);
    let script = r#"
import docker, io, os, tarfile, time
c = docker.DockerClient(base_url=os.environ["DOCKER_HOST"])
print("api", c.version()["ApiVersion"])
img = c.images.pull("localhost:5000/busybox", tag="latest")
print("pulled", img.tags)
print("run", c.containers.run("localhost:5000/busybox", "echo hi", remove=True))
ct = c.containers.run("localhost:5000/busybox", "sh -c 'echo out; exec sleep 100'",
                      detach=True, name="py1", labels={"k": "v"})
for _ in range(100):
    if ct.logs():
        break
    time.sleep(0.05)
print("logs", ct.logs())
r = ct.exec_run("sh -c 'echo ex; exit 4'")
print("exec", r.exit_code, r.output)
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as t:
    data = b"put-archive\n"
    ti = tarfile.TarInfo("p.txt")
    ti.size = len(data)
    t.addfile(ti, io.BytesIO(data))
print("put", ct.put_archive("/tmp", buf.getvalue()))
bits, stat = ct.get_archive("/tmp/p.txt")
raw = b"".join(bits)
print("get", stat["name"], stat["size"], tarfile.open(fileobj=io.BytesIO(raw)).extractfile("p.txt").read())
print("list", [x.name for x in c.containers.list(filters={"label": "k=v"})])
n = c.networks.create("pynet")
v = c.volumes.create("pyvol")
print("net", [x.name for x in c.networks.list(names=["pynet"])], "vol", v.name)
ct.stop(timeout=1)
ct.reload()
print("status", ct.status)
ct.remove()
n.remove()
v.remove()
print("left", c.containers.list(all=True), [x.name for x in c.volumes.list()])
"#;
    let path = env.dir().join("client.py");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let host = format!("DOCKER_HOST=unix://{}", svc.sock.display());
    let path_s = path.display().to_string();
    let o = run_with_timeout(
        env.user_command("env", &[&host, python, &path_s]),
        None,
        env.timeout(),
    )
    .expect("docker-py");
    assert_success(&o, "the docker-py script");
    assert_eq!(
        stdout(&o),
        "api 1.41\n\
         pulled ['localhost:5000/busybox:latest']\n\
         run b'hi\\n'\n\
         logs b'out\\n'\n\
         exec 4 b'ex\\n'\n\
         put True\n\
         get p.txt 12 b'put-archive\\n'\n\
         list ['py1']\n\
         net ['pynet'] vol pyvol\n\
         status exited\n\
         left [] []\n"
    );
}

#[test]
fn docker_compose_up_ps_logs_exec_down() {
    assert!(
        std::path::Path::new("/usr/bin/docker-compose").exists(),
        "docker-compose is missing: run tests/env/setup.sh"
    );
    let env = TestEnv::new();
    let svc = Service::with_busybox(&env);
    let port = free_port();
    let project = format!(
        r#"version: "3.8"
services:
  web:
    image: {BUSYBOX}
    command: sh -c "mkdir -p /www && echo hello-compose > /www/index.html && exec httpd -f -p 8080 -h /www"
    ports:
      - "127.0.0.1:{port}:8080"
    volumes:
      - data:/data
    networks: [back]
  worker:
    image: {BUSYBOX}
    command: sh -c "echo worker-up; exec sleep 1000"
    networks: [back]
    depends_on: [web]
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
volumes:
  data:
networks:
  back:
"#
    );
    let file = env.dir().join("docker-compose.yml");
    std::fs::write(&file, project).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let host = format!("DOCKER_HOST=unix://{}", svc.sock.display());
    let file_s = file.display().to_string();
    let compose = |args: &[&str]| -> Output {
        let mut all = vec![host.as_str(), "docker-compose", "-p", "proj", "-f", &file_s];
        all.extend_from_slice(args);
        run_with_timeout(env.user_command("env", &all), None, env.timeout())
            .unwrap_or_else(|e| panic!("docker-compose {}: {e}", args.join(" ")))
    };
    let o = compose(&["up", "-d"]);
    assert_success(&o, "docker-compose up -d");
    let o = compose(&["ps", "--services", "--filter", "status=running"]);
    assert_success(&o, "docker-compose ps");
    let mut services: Vec<String> = stdout(&o).lines().map(String::from).collect();
    services.sort();
    assert_eq!(services, ["web", "worker"]);
    let out = svc.docker_ok(&env, &["ps", "--format", "{{.Names}}"]);
    let mut names: Vec<&str> = out.lines().collect();
    names.sort();
    assert_eq!(names, ["proj_web_1", "proj_worker_1"]);
    // A healthcheck with fields left out (docker-compose sends them as null).
    let out = svc.docker_ok(
        &env,
        &[
            "inspect",
            "-f",
            "{{json .Config.Healthcheck.Test}}",
            "proj_worker_1",
        ],
    );
    assert_eq!(out.trim(), r#"["CMD","true"]"#);
    let mut logs = String::new();
    for _ in 0..100 {
        logs = stdout(&compose(&["logs", "--no-color", "worker"]));
        if logs.contains("worker-up") {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(logs.contains("worker_1  | worker-up"), "{logs}");
    // The service name resolves on the project's network; the port is published.
    let mut page = String::new();
    for _ in 0..100 {
        let o = compose(&["exec", "-T", "worker", "wget", "-qO-", "http://web:8080/"]);
        page = stdout(&o);
        if code(&o) == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(page, "hello-compose\n");
    let o = env.sh(&format!(
        "wget -qO- http://127.0.0.1:{port}/ || curl -s http://127.0.0.1:{port}/"
    ));
    assert_eq!(stdout(&o), "hello-compose\n");

    let o = compose(&["down", "-v"]);
    assert_success(&o, "docker-compose down -v");
    assert_eq!(svc.docker_ok(&env, &["ps", "-aq"]).trim(), "");
    assert_eq!(svc.docker_ok(&env, &["volume", "ls", "-q"]).trim(), "");
    let out = svc.docker_ok(&env, &["network", "ls", "--format", "{{.Name}}"]);
    assert!(!out.contains("proj_back"), "{out}");
}

#[test]
fn docker_cli_run_it_through_a_pty() {
    let env = TestEnv::new();
    let svc = Service::with_busybox(&env);
    // script(1) gives the docker CLI a real terminal; what we type goes through it.
    let line = format!(
        "env DOCKER_HOST=unix://{} DOCKER_CONFIG={}/docker-config {DOCKER} run --rm -it {BUSYBOX} sh -c 'tty; echo typed:$(head -c 3)'",
        svc.sock.display(),
        env.dir().display()
    );
    let o = run_with_timeout(
        env.user_command("script", &["-qec", &line, "/dev/null"]),
        Some(b"abc\n"),
        env.timeout(),
    )
    .expect("script");
    assert_success(&o, "docker run -it under script");
    let out = stdout(&o).replace('\r', "");
    assert!(out.contains("/dev/pts/0\n"), "{out:?}");
    assert!(out.contains("typed:abc\n"), "{out:?}");
    assert_eq!(svc.docker_ok(&env, &["ps", "-aq"]).trim(), "");
}

#[test]
fn docker_cli_images_tag_push_history_rmi() {
    let env = TestEnv::new();
    let svc = Service::with_busybox(&env);
    // A repository of our own in the local registry, so that parallel runs do not collide.
    let repo = format!("localhost:5000/api-push-{}", std::process::id());
    svc.docker_ok(&env, &["tag", BUSYBOX, &format!("{repo}:v1")]);
    let out = svc.docker_ok(&env, &["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(out.lines().any(|l| l == format!("{repo}:v1")), "{out}");
    let out = svc.docker_ok(&env, &["push", &format!("{repo}:v1")]);
    assert!(out.contains("v1: digest: sha256:"), "{out}");
    let (st, _) = registry_get(&format!("/v2/api-push-{}/manifests/v1", std::process::id()))
        .expect("the registry answers");
    assert_eq!(st, 200, "the pushed manifest is in the registry");
    let out = svc.docker_ok(&env, &["history", "--format", "{{.CreatedBy}}", BUSYBOX]);
    assert!(!out.trim().is_empty(), "{out}");
    let out = svc.docker_ok(&env, &["rmi", &format!("{repo}:v1")]);
    assert_eq!(out.trim(), format!("Untagged: {repo}:v1"));
    let o = svc.docker(&env, &["rmi", "nosuch:latest"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("No such image: nosuch:latest"),
        "{}",
        stderr(&o)
    );
    let o = svc.docker(&env, &["pull", "localhost:5000/no-such-repo"]);
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).starts_with("Error response from daemon: "),
        "{}",
        stderr(&o)
    );
    // A used image is refused, then removed with its container.
    svc.docker_ok(&env, &["create", "--name", "user", BUSYBOX, "true"]);
    let o = svc.docker(&env, &["rmi", BUSYBOX]);
    assert_ne!(code(&o), 0);
    svc.docker_ok(&env, &["rm", "user"]);
    let out = svc.docker_ok(&env, &["rmi", BUSYBOX]);
    assert!(
        out.contains("Untagged: localhost:5000/busybox:latest"),
        "{out}"
    );
    assert!(out.contains("Deleted: sha256:"), "{out}");
    assert_eq!(svc.docker_ok(&env, &["images", "-q"]).trim(), "");
}

#[test]
fn docker_cli_rename_top_kill_restart_prune() {
    let env = TestEnv::new();
    let svc = Service::with_busybox(&env);
    svc.run_sleeping(&env, "a");
    svc.docker_ok(&env, &["rename", "a", "b"]);
    let out = svc.docker_ok(&env, &["top", "b"]);
    assert!(out.lines().any(|l| l.contains("sleep 1000")), "{out}");
    svc.docker_ok(&env, &["restart", "-t", "1", "b"]);
    let out = svc.docker_ok(&env, &["inspect", "--format", "{{.State.Status}}", "b"]);
    assert_eq!(out.trim(), "running");
    svc.docker_ok(&env, &["kill", "b"]);
    let out = svc.docker_ok(
        &env,
        &[
            "inspect",
            "--format",
            "{{.State.Status}} {{.State.ExitCode}}",
            "b",
        ],
    );
    assert_eq!(out.trim(), "exited 137");
    let o = svc.docker(&env, &["kill", "b"]);
    assert_ne!(code(&o), 0);
    assert!(stderr(&o).contains("is not running"), "{}", stderr(&o));
    // docker start -a: attach, then start, the output from the first byte.
    svc.docker_ok(
        &env,
        &["create", "--name", "c", BUSYBOX, "echo", "attached"],
    );
    assert_eq!(svc.docker_ok(&env, &["start", "-a", "c"]), "attached\n");
    let out = svc.docker_ok(&env, &["container", "prune", "-f"]);
    assert!(out.contains("Total reclaimed space"), "{out}");
    assert_eq!(svc.docker_ok(&env, &["ps", "-aq"]).trim(), "");
}

#[test]
fn docker_cli_build_legacy_api() {
    let env = TestEnv::new();
    let svc = Service::with_busybox(&env);
    let o = env.sh(&format!(
        "mkdir -p ctx && cd ctx && echo copied > f.txt && \
         printf 'FROM {BUSYBOX}\\nARG WHO=nobody\\nRUN echo built-for-$WHO > /b.txt\\nCOPY f.txt /f.txt\\nCMD cat /b.txt /f.txt\\n' > Dockerfile && \
         printf 'FROM {BUSYBOX}\\nRUN echo failing; exit 3\\n' > Bad.dockerfile"
    ));
    assert_success(&o, "write the context");
    let ctx = env.dir().join("ctx").display().to_string();
    let o = svc.docker(
        &env,
        &["build", "-t", "app:1", "--build-arg", "WHO=api", &ctx],
    );
    assert_success(&o, "docker build");
    let out = stdout(&o);
    assert!(out.contains("Successfully tagged app:1"), "{out}");
    assert_eq!(
        svc.docker_ok(&env, &["run", "--rm", "app:1"]),
        "built-for-api\ncopied\n"
    );
    // A failing step: docker's exit status and the step's error.
    let o = svc.docker(
        &env,
        &["build", "-f", &format!("{ctx}/Bad.dockerfile"), &ctx],
    );
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(
        stderr(&o).contains("did not complete successfully: exit code: 3"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("failing"), "{}", stdout(&o));
}

#[test]
fn shipped_units_verify() {
    let env = TestEnv::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/systemd/user");
    let socket = std::fs::read_to_string(dir.join("skiff.socket")).unwrap();
    let service = std::fs::read_to_string(dir.join("skiff.service")).unwrap();
    assert!(
        socket.contains("\nListenStream=%t/skiff/skiff.sock\n"),
        "{socket}"
    );
    assert!(socket.contains("\nSocketMode=0600\n"), "{socket}");
    assert!(
        service.contains("\nExecStart=/usr/bin/skiff system service --time 5\n"),
        "{service}"
    );
    let bin = skiff_bin().to_string_lossy().into_owned();
    std::fs::write(env.dir().join("skiff.socket"), &socket).unwrap();
    std::fs::write(
        env.dir().join("skiff.service"),
        service.replace("/usr/bin/skiff", &bin),
    )
    .unwrap();
    let o = std::process::Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(env.dir().join("skiff.socket"))
        .arg(env.dir().join("skiff.service"))
        .output()
        .expect("systemd-analyze (tests/env/setup.sh installs systemd)");
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "systemd-analyze verify: {}",
        stderr(&o)
    );
}

#[test]
fn missing_images_are_404_and_gone_clients_leave_no_threads() {
    let env = TestEnv::new();
    let svc = Service::start(&env);
    // docker's 404s and messages for what is not there.
    let (st, body) = http(&svc.sock, "GET", "/images/nosuch/json", None).unwrap();
    assert_eq!(
        (st, json_message(&body).as_str()),
        (404, "No such image: nosuch:latest")
    );
    let (st, body) = http(&svc.sock, "GET", "/images/nosuch:v2/history", None).unwrap();
    assert_eq!(
        (st, json_message(&body).as_str()),
        (404, "No such image: nosuch:v2")
    );
    let (st, body) = http(
        &svc.sock,
        "POST",
        "/images/create?fromImage=localhost:5000/no-such-repo&tag=latest",
        None,
    )
    .unwrap();
    assert_eq!(st, 404, "{}", String::from_utf8_lossy(&body));
    assert!(
        json_message(&body)
            .starts_with("manifest for localhost:5000/no-such-repo:latest not found"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    let o = svc.docker(&env, &["pull", "localhost:5000/no-such-repo"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains(
            "Error response from daemon: manifest for localhost:5000/no-such-repo:latest not found"
        ),
        "{}",
        stderr(&o)
    );

    // Streams whose client leaves: their work stops, no thread stays behind.
    svc.docker_ok(&env, &["pull", BUSYBOX]);
    svc.run_sleeping(&env, "quiet");
    let pid = service_pid(&svc);
    let settle = |most: usize| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let n = thread_count(pid);
            if n <= most {
                return n;
            }
            assert!(
                Instant::now() < deadline,
                "the service still has {n} threads (expected at most {most})"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let baseline = settle(1);
    let mut streams = Vec::new();
    for _ in 0..4 {
        streams.push(start_and_leave(
            &svc.sock,
            "GET",
            "/containers/quiet/logs?follow=1&stdout=1&stderr=1",
        ));
        streams.push(start_and_leave(&svc.sock, "GET", "/events"));
        streams.push(start_and_leave(&svc.sock, "POST", "/containers/quiet/wait"));
        streams.push(start_and_leave(
            &svc.sock,
            "GET",
            "/containers/quiet/stats?stream=1",
        ));
    }
    std::thread::sleep(Duration::from_millis(300));
    let busy = thread_count(pid);
    assert!(busy > baseline + 8, "the streams run on {busy} threads");
    drop(streams);
    let after = settle(baseline);
    assert_eq!(after, baseline);
    // Clients that leave while a big body is being written (EPIPE, never SIGPIPE).
    for _ in 0..3 {
        drop(start_and_leave(
            &svc.sock,
            "GET",
            "/containers/quiet/export",
        ));
        drop(start_and_leave(
            &svc.sock,
            "GET",
            "/images/get?names=localhost:5000/busybox",
        ));
    }
    std::thread::sleep(Duration::from_millis(500));
    let (st, _) = http(&svc.sock, "GET", "/_ping", None).unwrap();
    assert_eq!(st, 200, "the service outlived clients that left mid-body");
    settle(baseline);
}

#[test]
fn docker_cli_exec_it_and_run_it_get_the_terminal_size() {
    let env = TestEnv::new();
    let svc = Service::with_busybox(&env);
    svc.run_sleeping(&env, "c");
    let docker = format!(
        "env DOCKER_HOST=unix://{} DOCKER_CONFIG={}/docker-config {DOCKER}",
        svc.sock.display(),
        env.dir().display()
    );
    // script(1) gives the docker CLI a terminal of 33x77; the container's terminal follows
    // (the CLI resizes right after the start, so the command looks a moment later).
    let line = format!(
        "stty rows 33 cols 77; \
         {docker} exec -it c sh -c 'sleep 1; echo exec:$(stty size)'; \
         {docker} run --rm -it {BUSYBOX} sh -c 'sleep 1; echo run:$(stty size)'"
    );
    let o = run_with_timeout(
        env.user_command("script", &["-qec", &line, "/dev/null"]),
        Some(b""),
        env.timeout(),
    )
    .expect("script");
    assert_success(&o, "docker exec -it / run -it under script");
    let out = stdout(&o).replace('\r', "");
    assert!(out.contains("exec:33 77\n"), "{out:?}");
    assert!(out.contains("run:33 77\n"), "{out:?}");
    assert!(!out.contains("failed to resize"), "{out:?}");
    // A resize of an exec that does not exist is docker's 404; the service goes on.
    let (st, body) = http(&svc.sock, "POST", "/exec/nosuch/resize?h=10&w=10", None).unwrap();
    assert_eq!(
        (st, json_message(&body).as_str()),
        (404, "No such exec instance: nosuch")
    );
}

#[test]
fn docker_cli_stats_df_export_diff_update() {
    let env = TestEnv::new();
    let svc = Service::with_busybox(&env);
    svc.run_sleeping(&env, "c");
    // stats, one-shot as the CLI asks for it, and streamed (one object a second).
    let out = svc.docker_ok(
        &env,
        &[
            "stats",
            "--no-stream",
            "--format",
            "{{.Name}} {{.PIDs}} {{.CPUPerc}} {{.MemUsage}}",
            "c",
        ],
    );
    let f: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(&f[..2], ["c", "1"], "{out}");
    assert!(f[2].ends_with('%'), "{out}");
    assert!(f[3].ends_with("iB") && f[3] != "0B", "{out}");
    let mut s = start_and_leave(&svc.sock, "GET", "/containers/c/stats");
    let mut got = Vec::new();
    let mut b = [0u8; 4096];
    let started = Instant::now();
    let objects = |got: &[u8]| {
        String::from_utf8_lossy(got)
            .lines()
            .filter(|l| l.starts_with('{') && l.ends_with('}'))
            .count()
    };
    while objects(&got) < 2 {
        let n = s.read(&mut b).unwrap();
        assert!(n > 0, "the stats stream ended");
        got.extend_from_slice(&b[..n]);
    }
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "one a second"
    );
    // Chunked: the JSON objects are the lines that start with '{'.
    let text = String::from_utf8_lossy(&got);
    let objs: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(objs.len() >= 2, "{text}");
    assert_eq!(objs[1]["name"], "/c");
    assert_eq!(objs[1]["pids_stats"]["current"], 1);
    assert!(
        objs[1]["precpu_stats"]["system_cpu_usage"]
            .as_u64()
            .unwrap()
            > 0
    );
    drop(s);

    // changes and export.
    svc.docker_ok(&env, &["exec", "c", "sh", "-c", "echo x > /newfile"]);
    let out = svc.docker_ok(&env, &["diff", "c"]);
    assert!(out.lines().any(|l| l == "A /newfile"), "{out}");
    let tar = env.dir().join("c.tar").display().to_string();
    svc.docker_ok(&env, &["export", "-o", &tar, "c"]);
    let o = env.sh("tar tf c.tar");
    let list = stdout(&o);
    assert!(list.lines().any(|l| l == "newfile"), "{list}");
    assert!(list.lines().any(|l| l == "bin/busybox"), "{list}");

    // update: the restart policy; limits the engine cannot apply are docker's errors.
    svc.docker_ok(&env, &["update", "--restart", "on-failure:2", "c"]);
    let out = svc.docker_ok(
        &env,
        &[
            "inspect",
            "--format",
            "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}",
            "c",
        ],
    );
    assert_eq!(out.trim(), "on-failure:2");
    let o = svc.docker(&env, &["update", "--cpu-shares", "512", "c"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with("Error response from daemon: "),
        "{}",
        stderr(&o)
    );
    let o = svc.docker(&env, &["update", "--restart", "always", "nosuch"]);
    assert!(
        stderr(&o).contains("No such container: nosuch"),
        "{}",
        stderr(&o)
    );

    // system df: the CLI's summary from the service's objects.
    let out = svc.docker_ok(
        &env,
        &[
            "system",
            "df",
            "--format",
            "{{.Type}}/{{.TotalCount}}/{{.Active}}",
        ],
    );
    let rows: Vec<&str> = out.lines().collect();
    assert!(rows.contains(&"Images/1/1"), "{out}");
    assert!(rows.contains(&"Containers/1/1"), "{out}");
    assert!(rows.contains(&"Local Volumes/0/0"), "{out}");
}

#[test]
fn docker_cli_save_load_search() {
    let env = TestEnv::new();
    let svc = Service::with_busybox(&env);
    svc.docker_ok(&env, &["tag", BUSYBOX, "mine:1"]);
    let tar = env.dir().join("images.tar").display().to_string();
    svc.docker_ok(&env, &["save", "-o", &tar, BUSYBOX, "mine:1"]);
    let o = env.sh("tar tf images.tar");
    assert!(
        stdout(&o).lines().any(|l| l == "manifest.json"),
        "{}",
        stdout(&o)
    );
    svc.docker_ok(&env, &["rmi", "mine:1", BUSYBOX]);
    assert_eq!(svc.docker_ok(&env, &["images", "-q"]).trim(), "");
    let out = svc.docker_ok(&env, &["load", "-i", &tar]);
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "Loaded image: localhost:5000/busybox:latest",
            "Loaded image: mine:1"
        ]
    );
    assert_eq!(
        svc.docker_ok(&env, &["run", "--rm", "mine:1", "echo", "loaded"]),
        "loaded\n"
    );
    // The archive streams through a pipe too.
    let o = env.sh(&format!(
        "env DOCKER_HOST=unix://{sock} {DOCKER} save mine:1 | env DOCKER_HOST=unix://{sock} {DOCKER} load",
        sock = svc.sock.display()
    ));
    assert_success(&o, "docker save | docker load");
    assert_eq!(stdout(&o), "Loaded image: mine:1\n");
    let o = svc.docker(&env, &["save", "nosuch"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "Error response from daemon: No such image: nosuch:latest\n"
    );
    let o = svc.docker_stdin(&env, &["load"], Some(b"not an archive"));
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with("Error response from daemon: "),
        "{}",
        stderr(&o)
    );
    // The local registry (distribution v2) has no search: docker's message.
    let o = svc.docker(&env, &["search", "localhost:5000/busybox"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "Error response from daemon: Unexpected status code 404\n"
    );
}

#[test]
fn auth_and_x_registry_auth_with_the_password_registry() {
    let env = TestEnv::new();
    // The service has no stored credentials of its own: an empty docker config, no auth.json.
    let empty = env.dir().join("service-config");
    std::fs::create_dir(&empty).unwrap();
    if nix::unistd::geteuid().is_root() {
        std::os::unix::fs::chown(&empty, Some(test_uid()), Some(test_gid())).unwrap();
    }
    let sock = env.run_dir().join("api.sock");
    let config = format!("DOCKER_CONFIG={}", empty.display());
    let bin = skiff_bin().display().to_string();
    let uri = format!("unix://{}", sock.display());
    let child = env
        .user_command(
            "env",
            &[
                &config,
                "REGISTRY_AUTH_FILE=/nonexistent",
                &bin,
                "system",
                "service",
                "--time",
                "0",
                &uri,
            ],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the service");
    let svc = Service { child, sock };
    svc.wait_ready();
    svc.docker_ok(&env, &["pull", BUSYBOX]);

    // POST /auth checks against the registry; only the client keeps what it accepted.
    let o = svc.docker(
        &env,
        &["login", "-u", "skiff", "-p", "wrong", "localhost:5001"],
    );
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("unauthorized: incorrect username or password"),
        "{}",
        stderr(&o)
    );
    let o = svc.docker_stdin(
        &env,
        &["login", "-u", "skiff", "--password-stdin", "localhost:5001"],
        Some(b"s3cret\n"),
    );
    assert_success(&o, "docker login");
    assert!(stdout(&o).contains("Login Succeeded"), "{}", stdout(&o));
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);

    // Pushes and pulls carry the client's credentials in X-Registry-Auth.
    let repo = format!("localhost:5001/api-auth-{}", std::process::id());
    svc.docker_ok(&env, &["tag", BUSYBOX, &format!("{repo}:1")]);
    let out = svc.docker_ok(&env, &["push", &format!("{repo}:1")]);
    assert!(out.contains("1: digest: sha256:"), "{out}");
    svc.docker_ok(&env, &["rmi", &format!("{repo}:1")]);
    let out = svc.docker_ok(&env, &["pull", &format!("{repo}:1")]);
    assert!(out.contains("Downloaded newer image"), "{out}");
    // Without them (a client with no login), the registry refuses.
    let o = svc.docker(
        &env,
        &["--config", "/nonexistent", "pull", &format!("{repo}:1")],
    );
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with("Error response from daemon: "),
        "{}",
        stderr(&o)
    );
    let o = svc.docker(&env, &["logout", "localhost:5001"]);
    assert_success(&o, "docker logout");
}

#[test]
fn docker_cli_over_ssh_through_dial_stdio() {
    let env = TestEnv::new();
    // A stand-in for ssh that runs the remote command here, with `docker` being skiff (as
    // the skiff-docker package's shim makes it); the docker CLI runs
    // `ssh ... -- HOST docker system dial-stdio`.
    let bin = env.dir().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = env.dir().join("ssh.log");
    std::fs::write(
        bin.join("ssh"),
        format!(
            "#!/bin/sh\necho \"$@\" >> {log}\nwhile [ $# -gt 0 ] && [ \"$1\" != \"--\" ]; do shift; done\nshift; shift\n[ \"$1\" = docker ] && shift\nexec {skiff} \"$@\"\n",
            log = log.display(),
            skiff = skiff_bin().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(bin.join("ssh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    for p in [&bin, &bin.join("ssh")] {
        if nix::unistd::geteuid().is_root() {
            std::os::unix::fs::chown(p, Some(test_uid()), Some(test_gid())).unwrap();
        }
    }
    env.skiff_ok(&["pull", BUSYBOX]);
    env.skiff_ok(&["run", "-d", "--name", "far", BUSYBOX, "sleep", "1000"]);
    let path = format!("PATH={}:/usr/bin:/bin", bin.display());
    let docker = |args: &[&str]| {
        let mut all = vec![path.as_str(), "DOCKER_HOST=ssh://skifftest@remote", DOCKER];
        all.extend_from_slice(args);
        run_with_timeout(env.user_command("env", &all), None, env.timeout()).unwrap()
    };
    // No service runs: dial-stdio starts one on the default socket (it exits when idle).
    let o = docker(&["ps", "--format", "{{.Names}}"]);
    assert_success(&o, "docker ps over ssh");
    assert_eq!(stdout(&o), "far\n");
    let o = docker(&["exec", "far", "echo", "over-ssh"]);
    assert_success(&o, "docker exec over ssh");
    assert_eq!(stdout(&o), "over-ssh\n");
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(
        calls
            .lines()
            .all(|l| l.ends_with("-- remote docker system dial-stdio")),
        "{calls}"
    );
    // Raw HTTP through it, as a pipe: the answer, then it ends.
    let o = env.sh(&format!(
        "(printf 'GET /_ping HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'; sleep 2) | {} system dial-stdio",
        skiff_bin().display()
    ));
    assert_success(&o, "dial-stdio");
    let out = stdout(&o);
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.ends_with("\r\n\r\nOK"), "{out}");
}

/// `skiff system service ARGS` as the test user, stderr piped.
fn spawn_service(env: &TestEnv, args: &[&str]) -> Child {
    let mut all = vec!["system", "service"];
    all.extend_from_slice(args);
    env.command(&all)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn skiff system service")
}

/// Wait for `child` to exit on its own (up to `limit`); its status and stderr.
fn wait_exit(child: &mut Child, limit: Duration) -> Option<(std::process::ExitStatus, String)> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            return Some((s, err));
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn tcp_listen_warns_off_loopback_and_idle_exit_waits_for_streams() {
    let env = TestEnv::new();
    // tcp:// on the loopback: the docker CLI talks to it, no warning.
    let port = free_port();
    let uri = format!("tcp://127.0.0.1:{port}");
    let mut child = spawn_service(&env, &["--time", "1", &uri]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let docker_host = format!("DOCKER_HOST={uri}");
    let out = loop {
        let o = run_with_timeout(
            env.user_command(
                "env",
                &[
                    &docker_host,
                    DOCKER,
                    "version",
                    "--format",
                    "{{.Server.APIVersion}}",
                ],
            ),
            None,
            env.timeout(),
        )
        .unwrap();
        if code(&o) == 0 || Instant::now() > deadline {
            break o;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_success(&out, "docker version over tcp");
    assert_eq!(stdout(&out).trim(), "1.41");
    let (status, err) = wait_exit(&mut child, Duration::from_secs(15)).expect("idle exit");
    assert!(status.success(), "{status:?} {err}");
    assert!(!err.contains("WARNING"), "{err}");

    // Off the loopback: podman's warning.
    let port = free_port();
    let uri = format!("tcp://0.0.0.0:{port}");
    let mut child = spawn_service(&env, &["--time", "1", &uri]);
    let (status, err) = wait_exit(&mut child, Duration::from_secs(15)).expect("idle exit");
    assert!(status.success(), "{status:?} {err}");
    assert!(
        err.contains("WARNING: Using the skiff API service with TCP sockets is not recommended"),
        "{err}"
    );

    // --time 1 on a unix socket: an attached stream keeps it; once the client leaves it
    // exits after a second and removes its socket.
    let sock = env.run_dir().join("idle.sock");
    let uri = format!("unix://{}", sock.display());
    let mut child = spawn_service(&env, &["--time", "1", &uri]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while http(&sock, "GET", "/_ping", None).is_err() {
        assert!(Instant::now() < deadline, "the service did not answer");
        std::thread::sleep(Duration::from_millis(50));
    }
    let events = start_and_leave(&sock, "GET", "/events");
    assert!(
        wait_exit(&mut child, Duration::from_secs(3)).is_none(),
        "the service left with a stream attached"
    );
    let left = Instant::now();
    drop(events);
    let (status, err) = wait_exit(&mut child, Duration::from_secs(15)).expect("idle exit");
    assert!(status.success(), "{status:?} {err}");
    assert!(
        left.elapsed() >= Duration::from_millis(900),
        "{:?}",
        left.elapsed()
    );
    assert!(!sock.exists(), "the socket is removed");
}

#[test]
fn docker_cli_prune_and_network_connect_disconnect() {
    let env = TestEnv::new();
    let svc = Service::with_busybox(&env);
    svc.docker_ok(&env, &["network", "create", "front"]);
    svc.docker_ok(&env, &["network", "create", "back"]);
    svc.docker_ok(
        &env,
        &[
            "run",
            "-d",
            "--name",
            "srv",
            "--network",
            "front",
            BUSYBOX,
            "sleep",
            "1000",
        ],
    );
    svc.docker_ok(
        &env,
        &["network", "connect", "--alias", "db", "back", "srv"],
    );
    let nets = |svc: &Service| {
        svc.docker_ok(
            &env,
            &[
                "inspect",
                "--format",
                "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}",
                "srv",
            ],
        )
    };
    assert_eq!(nets(&svc).trim(), "back front");
    // The alias resolves from another container on that network.
    let out = svc.docker_ok(
        &env,
        &[
            "run",
            "--rm",
            "--network",
            "back",
            BUSYBOX,
            "nslookup",
            "db",
        ],
    );
    assert!(out.contains("Address"), "{out}");
    svc.docker_ok(&env, &["network", "disconnect", "back", "srv"]);
    assert_eq!(nets(&svc).trim(), "front");
    let o = svc.docker(&env, &["network", "disconnect", "back", "srv"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("is not connected to network back"),
        "{}",
        stderr(&o)
    );
    let o = svc.docker(&env, &["network", "connect", "nosuch", "srv"]);
    assert!(
        stderr(&o).contains("No such network: nosuch") || stderr(&o).contains("not found"),
        "{}",
        stderr(&o)
    );

    // Prunes: what is unused goes, what is used stays; the CLI renders the daemon's reports.
    svc.docker_ok(&env, &["create", "--name", "dead", BUSYBOX, "true"]);
    svc.docker_ok(&env, &["volume", "create", "unused"]);
    svc.docker_ok(&env, &["pull", &format!("{REGISTRY}/layered")]);
    let out = svc.docker_ok(&env, &["container", "prune", "-f"]);
    assert!(out.starts_with("Deleted Containers:\n"), "{out}");
    assert_eq!(out.lines().nth(1).map(str::len), Some(64), "{out}");
    let out = svc.docker_ok(&env, &["volume", "prune", "-f"]);
    assert!(out.contains("Deleted Volumes:\nunused\n"), "{out}");
    let out = svc.docker_ok(&env, &["network", "prune", "-f"]);
    assert_eq!(out, "Deleted Networks:\nback\n\n", "{out}");
    let out = svc.docker_ok(&env, &["image", "prune", "-af"]);
    assert!(
        out.contains("untagged: localhost:5000/layered:latest"),
        "{out}"
    );
    assert!(out.contains("Total reclaimed space"), "{out}");
    let out = svc.docker_ok(&env, &["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert_eq!(
        out.trim(),
        "localhost:5000/busybox:latest",
        "the used image stays"
    );
    let out = svc.docker_ok(&env, &["ps", "-a", "--format", "{{.Names}}"]);
    assert_eq!(out.trim(), "srv");
    let out = svc.docker_ok(&env, &["network", "ls", "--format", "{{.Name}}"]);
    assert!(
        out.lines().any(|l| l == "front") && !out.contains("back"),
        "{out}"
    );
}

#[test]
fn bad_input_gets_docker_errors_and_the_service_lives_on() {
    let env = TestEnv::new();
    let svc = Service::with_busybox(&env);
    let cases: &[(&str, &str, &str, u16, &str)] = &[
        ("POST", "/containers/create", "{\"Image\": ", 400, "invalid JSON"),
        ("POST", "/containers/create", "{\"Image\": 5}", 400,
         "json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Image of type string"),
        ("POST", "/containers/create?name=t1", "{\"Image\": \"localhost:5000/busybox\", \"Env\": {\"A\": \"1\"}}", 400,
         "json: cannot unmarshal object into Go struct field ContainerConfigWrapper.Env of type []string"),
        ("POST", "/containers/create?name=t2", "{\"Image\": \"localhost:5000/busybox\", \"HostConfig\": {\"Memory\": \"lots\"}}", 400,
         "json: cannot unmarshal string into Go struct field HostConfig.Memory of type int64"),
        ("POST", "/containers/create?name=t3", "{\"Image\": \"localhost:5000/busybox\", \"HostConfig\": {\"Binds\": [\"/h:relative\"]}}", 400, ""),
        ("POST", "/networks/create", "[]", 400, "network name is required"),
        ("POST", "/volumes/create", "\"x\"", 400, "json: cannot unmarshal"),
        ("GET", "/containers/json?filters=notjson", "", 400, "invalid filter"),
        ("GET", "/containers/json?limit=abc", "", 400, "invalid value for limit"),
        ("POST", "/exec/nosuch/resize?h=1&w=1", "", 404, "No such exec instance: nosuch"),
        ("GET", "/exec/nosuch/json", "", 404, "No such exec instance: nosuch"),
        ("DELETE", "/networks/nosuch", "", 404, "network nosuch not found"),
    ];
    for (method, path, body, status, msg) in cases {
        let (st, got) = http(&svc.sock, method, path, Some(body)).unwrap();
        let m = json_message(&got);
        assert_eq!(st, *status, "{method} {path} {body}: {m}");
        assert!(m.starts_with(msg), "{method} {path} {body}: {m}");
    }
    // An oversize body: refused, nothing made.
    let big = format!(
        "{{\"Image\": \"localhost:5000/busybox\", \"Labels\": {{\"pad\": \"{}\"}}}}",
        "x".repeat(5 << 20)
    );
    // The service answers before it has read it all and closes: the rest of our write may
    // fail, the answer is there to read.
    let mut s = UnixStream::connect(&svc.sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = write!(
        s,
        "POST /containers/create?name=big HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{big}",
        big.len()
    );
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    let resp = String::from_utf8_lossy(&resp).into_owned();
    assert!(resp.starts_with("HTTP/1.1 413"), "{resp}");
    assert!(resp.contains("request body over"), "{resp}");
    // A hijack of an exec that does not exist.
    let mut s = UnixStream::connect(&svc.sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST /v1.41/exec/nosuch/start HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: 29\r\n\r\n{{\"Detach\":false,\"Tty\":false}}"
    )
    .unwrap();
    let mut head = [0u8; 12];
    s.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 404");
    drop(s);
    // Nothing half-made, and the service still answers.
    assert_eq!(svc.docker_ok(&env, &["ps", "-aq"]).trim(), "");
    assert_eq!(env.skiff_ok(&["ps", "-aq"]).trim(), "");
    let (st, _) = http(&svc.sock, "GET", "/_ping", None).unwrap();
    assert_eq!(st, 200);
    let o = svc.docker(&env, &["run", "--rm", BUSYBOX, "echo", "still-here"]);
    assert_eq!(stdout(&o), "still-here\n");
}

/// An idle service lets go of the memory its work touched (the engine's code pages, the free
/// heap) a moment after the last request, and serves on afterwards.
#[test]
fn an_idle_service_lets_go_of_the_memory_its_work_touched() {
    let env = TestEnv::new();
    let svc = Service::start(&env);
    svc.docker_ok(&env, &["pull", BUSYBOX]);
    assert_eq!(
        svc.docker_ok(&env, &["run", "--rm", BUSYBOX, "echo", "first"]),
        "first\n"
    );
    let pid = service_pid(&svc);
    let (mut rss, mut peak) = (0, 0);
    for _ in 0..100 {
        rss = status_kb(pid, "VmRSS");
        peak = status_kb(pid, "VmHWM");
        if rss * 2 < peak {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        rss * 2 < peak,
        "the idle service keeps {rss} kB resident of its peak {peak} kB"
    );
    assert_eq!(
        svc.docker_ok(&env, &["run", "--rm", BUSYBOX, "echo", "again"]),
        "again\n"
    );
}
