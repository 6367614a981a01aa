//! The Docker Engine API's long operations and the images it makes, with real clients: `docker
//! stats` (the live display and `--no-stream`) shows a busy container's CPU and memory; a
//! client that leaves mid-pull or mid-build cancels the work (no download goes on, no step's
//! process stays, no half-made image or container); `docker commit` and `docker import`
//! through the socket, and an import whose body is cut short stores nothing.
mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::api::*;
use common::*;

/// Wait until `cond` holds, up to `limit`; whether it did.
fn eventually(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The service's thread count once it has settled to at most `most` (blocking threads leave
/// 2 s after their work); panics after 20 s.
fn settle(pid: i32, most: usize) -> usize {
    let mut n = 0;
    let ok = eventually(Duration::from_secs(20), || {
        n = thread_count(pid);
        n <= most
    });
    assert!(
        ok,
        "the service still has {n} threads (expected at most {most})"
    );
    n
}

/// Send a request (head and body) and read until the body so far contains `marker`; the
/// connection is handed back to be dropped (the client leaving).
fn request_until(sock: &std::path::Path, head: &str, body: &[u8], marker: &str) -> UnixStream {
    let mut s = UnixStream::connect(sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "{head}\r\nHost: skiff\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut got = Vec::new();
    let mut b = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains(marker) {
        let n = s.read(&mut b).unwrap();
        assert!(
            n > 0,
            "ended before {marker:?}: {}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&b[..n]);
    }
    s
}

/// Files anywhere below `dir` whose name contains `part`.
fn files_named(dir: &std::path::Path, part: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            } else if e.file_name().to_string_lossy().contains(part) {
                out.push(p.display().to_string());
            }
        }
    }
    out
}

/// Pids whose command line is exactly `argv`.
fn processes(argv: &[&str]) -> Vec<i32> {
    let want: Vec<u8> = argv
        .iter()
        .flat_map(|a| [a.as_bytes(), b"\0"].concat())
        .collect();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|p| std::fs::read(format!("/proc/{p}/cmdline")).is_ok_and(|c| c == want))
        .collect()
}

/// A TCP proxy to the fixture registry that passes the registry's answers on slowly (4 KiB
/// every 50 ms: busybox's 1 MB layer would take 13 s), counting the bytes it passed and the
/// connections still open.
struct SlowProxy {
    port: u16,
    sent: Arc<AtomicU64>,
    open: Arc<AtomicUsize>,
}

fn slow_proxy() -> SlowProxy {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (sent, open) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicUsize::new(0)));
    let (sent2, open2) = (sent.clone(), open.clone());
    std::thread::spawn(move || {
        for client in l.incoming().flatten() {
            let Ok(upstream) = TcpStream::connect(REGISTRY_ADDR) else {
                continue;
            };
            open2.fetch_add(1, Ordering::SeqCst);
            let (mut c_in, mut u_out) =
                (client.try_clone().unwrap(), upstream.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c_in, &mut u_out);
                let _ = u_out.shutdown(std::net::Shutdown::Write);
            });
            let (sent, open) = (sent2.clone(), open2.clone());
            let (mut up, mut client) = (upstream, client);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    match up.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if client.write_all(&buf[..n]).is_err() {
                                break;
                            }
                            sent.fetch_add(n as u64, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(50));
                        }
                    }
                }
                let _ = client.shutdown(std::net::Shutdown::Both);
                let _ = up.shutdown(std::net::Shutdown::Both);
                open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    SlowProxy { port, sent, open }
}

/// A CPU percentage as the docker CLI renders it (`23.19%`).
fn percent(s: &str) -> f64 {
    s.trim_end_matches('%')
        .parse()
        .unwrap_or_else(|_| panic!("not a percentage: {s:?}"))
}

#[test]
fn docker_cli_stats_live_and_no_stream_show_cpu_and_memory() {
    let env = TestEnv::new();
    let svc = Service::with_busybox(&env);
    svc.docker_ok(
        &env,
        &[
            "run",
            "-d",
            "--name",
            "busy",
            BUSYBOX,
            "sh",
            "-c",
            "while :; do :; done",
        ],
    );
    svc.run_sleeping(&env, "idle");
    // --no-stream: one sample pair a second apart; the busy loop shows real CPU use. The CLI
    // shows `--` for a container whose first answer took over 2 s (its own timeout, which a
    // loaded test machine can reach): asked again then, at most twice.
    let mut out = String::new();
    for _ in 0..3 {
        out = svc.docker_ok(
            &env,
            &[
                "stats",
                "--no-stream",
                "--format",
                "{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}",
            ],
        );
        if !out.contains("--") {
            break;
        }
    }
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 2, "{out}");
    for r in &rows {
        assert!(
            r[2].ends_with("iB") && !r[2].starts_with('0'),
            "memory: {out}"
        );
        assert_eq!(r[5], "1", "pids: {out}");
        match r[0] {
            "busy" => assert!(percent(r[1]) >= 5.0, "a busy loop's CPU: {out}"),
            "idle" => assert!(percent(r[1]) < 5.0, "a sleeper's CPU: {out}"),
            other => panic!("unexpected container {other}: {out}"),
        }
    }
    // The live display (no terminal: the CLI still redraws each frame after `ESC [H`). The
    // docker 28 CLI ignores SIGTERM in this loop (its own bug), so it is killed.
    let host = format!("DOCKER_HOST=unix://{}", svc.sock.display());
    let config = format!("DOCKER_CONFIG={}/docker-config", env.dir().display());
    let o = run_with_timeout(
        env.user_command(
            "timeout",
            &[
                "-s", "KILL", "8", "env", &host, &config, DOCKER, "stats", "busy", "idle",
            ],
        ),
        None,
        env.timeout(),
    )
    .expect("docker stats");
    let text = stdout(&o);
    // (stderr has only the shell's note that the CLI was killed.)
    assert!(!stderr(&o).contains("rror"), "{}", stderr(&o));
    let frames: Vec<&str> = text
        .split("\x1b[H")
        .filter(|f| f.contains("CONTAINER ID"))
        .collect();
    assert!(frames.len() >= 4, "a frame every 500 ms: {text:?}");
    // The CLI is killed wherever it is: its last frame can be cut short. The one before it is
    // whole (the next frame's `ESC [H` followed it).
    let last = frames[frames.len() - 2]
        .replace("\x1b[K", "")
        .replace("\x1b[J", "");
    let busy: Vec<&str> = last
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some("busy"))
        .unwrap_or_else(|| panic!("no busy row: {last}"))
        .split_whitespace()
        .collect();
    // ID NAME CPU% USAGE / LIMIT MEM% NET-IN / NET-OUT BLOCK-IN / BLOCK-OUT PIDS
    assert!(percent(busy[2]) >= 5.0, "{last}");
    assert!(
        busy[3].ends_with("iB") && !busy[3].starts_with('0'),
        "{last}"
    );
    assert!(
        !last.contains("--"),
        "no placeholders for missing values: {last}"
    );
}

#[test]
fn a_client_leaving_cancels_its_pull() {
    let env = TestEnv::new();
    let svc = Service::start(&env);
    let pid = service_pid(&svc);
    let baseline = settle(pid, 1);
    let proxy = slow_proxy();
    let name = format!("127.0.0.1:{}/busybox", proxy.port);
    let s = request_until(
        &svc.sock,
        &format!("POST /images/create?fromImage={name}&tag=latest HTTP/1.1"),
        b"",
        "Pulling fs layer",
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        proxy.open.load(Ordering::SeqCst) > 0,
        "the layer is downloading"
    );
    drop(s);
    // The download stops with the client: the proxy's connections close long before the
    // layer could have arrived, and no byte flows after.
    assert!(
        eventually(Duration::from_secs(6), || proxy.open.load(Ordering::SeqCst)
            == 0),
        "the download went on after the client left ({} bytes)",
        proxy.sent.load(Ordering::SeqCst)
    );
    let sent = proxy.sent.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(proxy.sent.load(Ordering::SeqCst), sent);
    assert!(sent < 1_000_000, "{sent} bytes: the layer was not cut");
    // Nothing half-made: no image, no partial blob, no helper, no thread.
    let (st, body) = http(&svc.sock, "GET", "/images/json", None).unwrap();
    assert_eq!((st, String::from_utf8_lossy(&body).trim()), (200, "[]"));
    assert_eq!(
        files_named(&env.data_dir(), ".partial"),
        Vec::<String>::new()
    );
    settle(pid, baseline);
    let kids = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap();
    assert_eq!(kids.trim(), "", "the service's children");
    // The store is whole: the same layers pull and run.
    svc.docker_ok(&env, &["pull", BUSYBOX]);
    assert_eq!(
        svc.docker_ok(&env, &["run", "--rm", BUSYBOX, "echo", "whole"]),
        "whole\n"
    );
}

#[test]
fn a_client_leaving_cancels_its_build() {
    let env = TestEnv::new();
    let svc = Service::with_busybox(&env);
    let pid = service_pid(&svc);
    let baseline = settle(pid, 1);
    let o = env.sh(&format!(
        "mkdir -p ctx && cd ctx && \
         printf 'FROM {BUSYBOX}\\nRUN echo step-started && exec sleep 43217\\n' > Dockerfile && \
         tar -cf ../ctx.tar ."
    ));
    assert_success(&o, "write the context");
    let tar = std::fs::read(env.dir().join("ctx.tar")).unwrap();
    let s = request_until(
        &svc.sock,
        "POST /build?t=cut:1 HTTP/1.1\r\nContent-Type: application/x-tar",
        &tar,
        "step-started",
    );
    let sleep = ["sleep", "43217"];
    assert!(
        eventually(Duration::from_secs(10), || !processes(&sleep).is_empty()),
        "the RUN step's process runs"
    );
    drop(s);
    // The step's process is killed, its container removed, nothing is tagged.
    assert!(
        eventually(Duration::from_secs(15), || processes(&sleep).is_empty()),
        "the RUN step's process outlived its client: {:?}",
        processes(&sleep)
    );
    assert!(
        eventually(Duration::from_secs(10), || {
            std::fs::read_dir(env.data_dir().join("containers"))
                .map(|d| d.count() == 0)
                .unwrap_or(true)
        }),
        "the step's container is removed"
    );
    let (st, _) = http(&svc.sock, "GET", "/images/cut:1/json", None).unwrap();
    assert_eq!(st, 404, "the cancelled build tagged its image");
    settle(pid, baseline);
    // The builder is fine afterwards.
    let ctx = env.dir().join("ctx").display().to_string();
    let o = env.sh(&format!(
        "printf 'FROM {BUSYBOX}\\nRUN echo done > /d\\n' > ctx/Dockerfile"
    ));
    assert_success(&o, "rewrite the Dockerfile");
    svc.docker_ok(&env, &["build", "-t", "after:1", &ctx]);
    assert_eq!(
        svc.docker_ok(&env, &["run", "--rm", "after:1", "cat", "/d"]),
        "done\n"
    );
}

#[test]
fn docker_cli_commit_and_import() {
    let env = TestEnv::new();
    let svc = Service::with_busybox(&env);
    svc.run_sleeping(&env, "c");
    svc.docker_ok(&env, &["exec", "c", "sh", "-c", "echo data > /made"]);

    // commit: changes, message, author; paused for the copy (docker's default) and running
    // again after.
    let id = svc.docker_ok(
        &env,
        &[
            "commit",
            "-c",
            "ENV X=1",
            "-c",
            r#"CMD ["cat", "/made"]"#,
            "-m",
            "a message",
            "-a",
            "Some One <one@example.com>",
            "c",
            "committed:1",
        ],
    );
    assert!(id.starts_with("sha256:") && id.trim().len() == 71, "{id}");
    let out = svc.docker_ok(
        &env,
        &[
            "inspect",
            "--format",
            "{{.Id}}|{{.Comment}}|{{.Author}}|{{json .Config.Env}}",
            "committed:1",
        ],
    );
    assert_eq!(
        out.trim(),
        format!(
            "{}|a message|Some One <one@example.com>|[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"X=1\"]",
            id.trim()
        )
    );
    assert_eq!(
        svc.docker_ok(&env, &["run", "--rm", "committed:1"]),
        "data\n"
    );
    assert_eq!(
        svc.docker_ok(&env, &["inspect", "--format", "{{.State.Status}}", "c"])
            .trim(),
        "running"
    );
    let id = svc.docker_ok(&env, &["commit", "--pause=false", "c"]);
    assert!(id.starts_with("sha256:"), "{id}");
    // A config in the body (docker-py's `conf`).
    let (st, body) = http(
        &svc.sock,
        "POST",
        "/commit?container=c&repo=fromconf&tag=2",
        Some(r#"{"Cmd": ["sh", "-c", "echo $Y"], "Env": ["Y=from conf"]}"#),
    )
    .unwrap();
    assert_eq!(st, 201, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        svc.docker_ok(&env, &["run", "--rm", "fromconf:2"]),
        "from conf\n"
    );
    let o = svc.docker(&env, &["commit", "nosuch", "x:1"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o).trim(),
        "Error response from daemon: No such container: nosuch"
    );

    // import: a file, and stdin; docker prints the new image's ID.
    let tar = env.dir().join("c.tar").display().to_string();
    svc.docker_ok(&env, &["export", "-o", &tar, "c"]);
    let out = svc.docker_ok(
        &env,
        &[
            "import",
            "-c",
            r#"CMD ["cat", "/made"]"#,
            "-m",
            "imported",
            &tar,
            "imported:1",
        ],
    );
    assert!(
        out.starts_with("sha256:") && out.trim().len() == 71,
        "{out}"
    );
    assert_eq!(
        svc.docker_ok(&env, &["run", "--rm", "imported:1"]),
        "data\n"
    );
    let out = svc.docker_ok(&env, &["history", "--format", "{{.Comment}}", "imported:1"]);
    assert_eq!(out.trim(), "imported");
    let bytes = std::fs::read(&tar).unwrap();
    let o = svc.docker_stdin(&env, &["import", "-", "piped:1"], Some(&bytes));
    assert_success(&o, "docker import -");
    assert_eq!(
        svc.docker_ok(&env, &["run", "--rm", "piped:1", "cat", "/made"]),
        "data\n"
    );
    let o = svc.docker_stdin(&env, &["import", "-", "bad:1"], Some(b"not a tar at all"));
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with("Error response from daemon: "),
        "{}",
        stderr(&o)
    );
    let (st, body) = http(
        &svc.sock,
        "POST",
        "/images/create?fromSrc=http://example.com/x.tar",
        None,
    )
    .unwrap();
    assert_eq!(st, 400, "{}", String::from_utf8_lossy(&body));

    // An upload cut short (the client left mid-body) stores nothing.
    let images = |svc: &Service| {
        let (st, body) = http(&svc.sock, "GET", "/images/json", None).unwrap();
        assert_eq!(st, 200);
        serde_json::from_slice::<Vec<serde_json::Value>>(&body)
            .unwrap()
            .len()
    };
    let before = images(&svc);
    {
        let mut s = UnixStream::connect(&svc.sock).unwrap();
        write!(
            s,
            "POST /images/create?fromSrc=-&repo=cut&tag=1 HTTP/1.1\r\nHost: skiff\r\nContent-Length: {}\r\n\r\n",
            bytes.len()
        )
        .unwrap();
        s.write_all(&bytes[..bytes.len() / 2]).unwrap();
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(
        eventually(Duration::from_secs(10), || files_named(
            &env.data_dir(),
            ".import-"
        )
        .is_empty()),
        "the cut upload's temp file stays"
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(images(&svc), before, "a cut upload made an image");
    let (st, _) = http(&svc.sock, "GET", "/images/cut:1/json", None).unwrap();
    assert_eq!(st, 404);
}
