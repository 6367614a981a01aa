//! The Docker Engine API service for the tests: a `skiff system service` started as the test
//! user (`Service`, stopped when dropped), the docker CLI pointed at it, raw HTTP/1.1 on its
//! socket, and the service's pid and thread count (to see that streams leave nothing behind).
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use super::*;

pub const DOCKER: &str = "/usr/bin/docker";

/// A `skiff system service` started for one test; stopped when dropped.
pub struct Service {
    pub child: Child,
    pub sock: PathBuf,
}

impl Service {
    pub fn start(env: &TestEnv) -> Service {
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

    pub fn wait_ready(&self) {
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
    pub fn docker_cmd(&self, env: &TestEnv, args: &[&str]) -> std::process::Command {
        let host = format!("DOCKER_HOST=unix://{}", self.sock.display());
        let config = format!(
            "DOCKER_CONFIG={}",
            env.dir().join("docker-config").display()
        );
        let mut all = vec![host.as_str(), config.as_str(), DOCKER];
        all.extend_from_slice(args);
        env.user_command("env", &all)
    }

    pub fn docker(&self, env: &TestEnv, args: &[&str]) -> Output {
        self.docker_stdin(env, args, None)
    }

    pub fn docker_stdin(&self, env: &TestEnv, args: &[&str], stdin: Option<&[u8]>) -> Output {
        run_with_timeout(self.docker_cmd(env, args), stdin, env.timeout())
            .unwrap_or_else(|e| panic!("docker {}: {e}", args.join(" ")))
    }

    pub fn docker_ok(&self, env: &TestEnv, args: &[&str]) -> String {
        let o = self.docker(env, args);
        assert_success(&o, &format!("docker {}", args.join(" ")));
        stdout(&o)
    }

    /// A service with the test busybox image pulled through it (most tests start so).
    pub fn with_busybox(env: &TestEnv) -> Service {
        let svc = Service::start(env);
        svc.docker_ok(env, &["pull", BUSYBOX]);
        svc
    }

    /// `docker run -d --name NAME busybox sleep 1000`: a container that runs until removed.
    pub fn run_sleeping(&self, env: &TestEnv, name: &str) {
        self.docker_ok(
            env,
            &["run", "-d", "--name", name, BUSYBOX, "sleep", "1000"],
        );
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // Already reaped (a test stopped it): its pid may be someone else's now.
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
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
pub fn http(
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

pub fn json_message(body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)));
    v["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message in {v}"))
        .to_string()
}

/// A free TCP port on the loopback (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The pid of the service's skiff process (the child itself, or runuser's child).
pub fn service_pid(svc: &Service) -> i32 {
    let child = svc.child.id() as i32;
    let comm = std::fs::read_to_string(format!("/proc/{child}/comm")).unwrap_or_default();
    if comm.trim() == "skiff" {
        return child;
    }
    let kids =
        std::fs::read_to_string(format!("/proc/{child}/task/{child}/children")).unwrap_or_default();
    kids.split_whitespace()
        .filter_map(|p| p.parse().ok())
        .find(|p: &i32| {
            std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == "skiff")
        })
        .expect("the service's skiff process")
}

pub fn thread_count(pid: i32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Start a request and read only its status line and headers, then leave (drop the socket).
pub fn start_and_leave(sock: &std::path::Path, method: &str, path: &str) -> UnixStream {
    let mut s = UnixStream::connect(sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: skiff\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut b).unwrap(), 1, "the headers of {path}");
        head.push(b[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "{path}: {}",
        String::from_utf8_lossy(&head)
    );
    s
}
