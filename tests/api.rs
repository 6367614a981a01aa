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
use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

const DOCKER: &str = "/usr/bin/docker";

/// A `skiff system service` started for one test; stopped when dropped.
struct Service {
    child: Child,
    sock: PathBuf,
}

impl Service {
    fn start(env: &TestEnv) -> Service {
        assert!(
            std::path::Path::new(DOCKER).exists(),
            "{DOCKER} is missing: run tests/env/setup.sh (it installs Debian's docker.io)"
        );
        let sock = env.run_dir().join("api.sock");
        let uri = format!("unix://{}", sock.display());
        let child = env
            .command(&["system", "service", "--time", "0", &uri])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn skiff system service");
        let svc = Service { child, sock };
        svc.wait_ready();
        svc
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok((200, body)) = http(&self.sock, "GET", "/_ping", None) {
                assert_eq!(body, b"OK");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the service did not answer on {}", self.sock.display());
    }

    /// The docker CLI as the test user, talking to this service.
    fn docker_cmd(&self, env: &TestEnv, args: &[&str]) -> std::process::Command {
        let host = format!("DOCKER_HOST=unix://{}", self.sock.display());
        let config = format!(
            "DOCKER_CONFIG={}",
            env.dir().join("docker-config").display()
        );
        let mut all = vec![host.as_str(), config.as_str(), DOCKER];
        all.extend_from_slice(args);
        env.user_command("env", &all)
    }

    fn docker(&self, env: &TestEnv, args: &[&str]) -> Output {
        self.docker_stdin(env, args, None)
    }

    fn docker_stdin(&self, env: &TestEnv, args: &[&str], stdin: Option<&[u8]>) -> Output {
        run_with_timeout(self.docker_cmd(env, args), stdin, env.timeout())
            .unwrap_or_else(|e| panic!("docker {}: {e}", args.join(" ")))
    }

    fn docker_ok(&self, env: &TestEnv, args: &[&str]) -> String {
        let o = self.docker(env, args);
        assert_success(&o, &format!("docker {}", args.join(" ")));
        stdout(&o)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // Our own child (runuser or skiff itself): SIGTERM reaches skiff through runuser.
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on the unix socket (the test runs as root, which may open it);
/// status and body (chunked bodies are decoded).
fn http(
    sock: &std::path::Path,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut s = UnixStream::connect(sock)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: skiff\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp)?;
    let split = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&resp[..split]).to_string();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line: {head}")))?;
    let mut rest = resp[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = Vec::new();
        let mut pos = 0;
        while let Some(eol) = rest[pos..].windows(2).position(|w| w == b"\r\n") {
            let size =
                usize::from_str_radix(String::from_utf8_lossy(&rest[pos..pos + eol]).trim(), 16)
                    .unwrap_or(0);
            pos += eol + 2;
            if size == 0 || pos + size > rest.len() {
                break;
            }
            out.extend_from_slice(&rest[pos..pos + size]);
            pos += size + 2;
        }
        rest = out;
    }
    Ok((status, rest))
}

fn json_message(body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)));
    v["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message in {v}"))
        .to_string()
}

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
    let svc = Service::start(&env);
    svc.docker_ok(&env, &["pull", BUSYBOX]);
    svc.docker_ok(
        &env,
        &["run", "-d", "--name", "c", BUSYBOX, "sleep", "1000"],
    );
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
    let svc = Service::start(&env);
    svc.docker_ok(&env, &["pull", BUSYBOX]);
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
    let svc = Service::start(&env);
    svc.docker_ok(&env, &["pull", BUSYBOX]);
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
        // The CLI works beside them.
        let side = env.skiff(&["ps", "-a"]);
        assert_success(&side, "skiff ps beside the service");
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for o in &results {
        assert_success(o, "docker run -d");
    }
    let out = svc.docker_ok(&env, &["ps", "--format", "{{.Names}}"]);
    let mut names: Vec<&str> = out.lines().collect();
    names.sort();
    let mut want: Vec<String> = (0..20).map(|i| format!("p{i}")).collect();
    want.sort();
    assert_eq!(names, want);
    let cli = env.skiff_ok(&["ps", "-q"]);
    assert_eq!(cli.lines().count(), 20, "{cli}");
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
