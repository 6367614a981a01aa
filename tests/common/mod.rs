//! The integration-test harness: every `tests/*.rs` file uses it through `mod common;`.
//!
//! Each [`TestEnv`] is a fresh, isolated skiff state (its own `SKIFF_ROOT` and `SKIFF_RUNROOT`
//! below `/var/tmp/skiff-tests/`). skiff always runs unprivileged: when the tests run as root
//! (CI) it runs as the test user `skifftest` through `runuser`; when they run as a normal user it
//! runs as that user. The machine is prepared by `tests/env/setup.sh` (as root); a missing
//! environment makes [`TestEnv::new`] panic: tests fail, they never skip.
//!
//! Environment knobs: `SKIFF_TEST_TIMEOUT` (seconds per command, default 120),
//! `SKIFF_TEST_KEEP=1` (keep each test's directory for a post-mortem), and `RUST_LOG`,
//! `RUST_BACKTRACE`, `SKIFF_LOG_LEVEL` are passed on to skiff when set.
#![allow(dead_code)]

pub mod api;
pub mod pty;
pub mod unit;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The fixture registry, as image references name it (`localhost:5000/busybox`).
pub const REGISTRY: &str = "localhost:5000";

/// The busybox fixture image.
pub const BUSYBOX: &str = "localhost:5000/busybox";
/// Where the registry listens (what `tests/env/setup.sh` starts).
pub const REGISTRY_ADDR: &str = "127.0.0.1:5000";
/// The unprivileged user skiff runs as when the tests run as root.
pub const TEST_USER: &str = "skifftest";
/// Parent of every test's directory (mode 1777, made by setup.sh or by the harness).
pub const BASE_DIR: &str = "/var/tmp/skiff-tests";
/// PATH given to skiff and to `sh()`.
pub const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const SETUP_HINT: &str = "run `sudo tests/env/setup.sh` (as root) first";

/// Who skiff runs as.
#[derive(Debug, Clone)]
struct Identity {
    /// `Some(name)`: we are root and switch to this user with runuser.
    runuser: Option<String>,
    uid: u32,
    gid: u32,
    user: String,
    home: PathBuf,
}

fn identity() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| {
        if nix::unistd::geteuid().is_root() {
            let u = match nix::unistd::User::from_name(TEST_USER) {
                Ok(Some(u)) => u,
                _ => panic!("test user `{TEST_USER}` does not exist: {SETUP_HINT}"),
            };
            Identity {
                runuser: Some(TEST_USER.to_string()),
                uid: u.uid.as_raw(),
                gid: u.gid.as_raw(),
                user: u.name.clone(),
                home: u.dir.clone(),
            }
        } else {
            let uid = nix::unistd::geteuid();
            let u = nix::unistd::User::from_uid(uid)
                .ok()
                .flatten()
                .unwrap_or_else(|| panic!("no passwd entry for uid {uid}"));
            Identity {
                runuser: None,
                uid: uid.as_raw(),
                gid: nix::unistd::getegid().as_raw(),
                user: u.name.clone(),
                home: std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .unwrap_or(u.dir.clone()),
            }
        }
    })
}

/// The uid skiff runs as in these tests (skifftest's uid under root, else our own).
pub fn test_uid() -> u32 {
    identity().uid
}

/// The gid skiff runs as in these tests.
pub fn test_gid() -> u32 {
    identity().gid
}

/// Checked once per test process: the test user, the registry, the base directory.
fn check_environment() {
    static CHECKED: OnceLock<Result<(), String>> = OnceLock::new();
    let r = CHECKED.get_or_init(|| {
        let id = identity();
        if id.runuser.is_some() {
            for f in ["/etc/subuid", "/etc/subgid"] {
                let text = std::fs::read_to_string(f).unwrap_or_default();
                if !text
                    .lines()
                    .any(|l| l.starts_with(&format!("{TEST_USER}:")))
                {
                    return Err(format!("{f} has no range for {TEST_USER}: {SETUP_HINT}"));
                }
            }
            if Command::new("runuser").arg("--help").output().is_err() {
                return Err(format!("`runuser` is not available: {SETUP_HINT}"));
            }
        }
        match registry_get("/v2/") {
            Ok((200, _)) => {}
            Ok((status, _)) => {
                return Err(format!(
                    "registry on {REGISTRY_ADDR} answered /v2/ with {status}: {SETUP_HINT}"
                ))
            }
            Err(e) => {
                return Err(format!(
                    "no registry on {REGISTRY_ADDR} ({e}): {SETUP_HINT}"
                ))
            }
        }
        ensure_base_dir()
    });
    if let Err(e) = r {
        panic!("skiff test environment is missing: {e}");
    }
}

fn ensure_base_dir() -> Result<(), String> {
    let base = Path::new(BASE_DIR);
    if !base.is_dir() {
        std::fs::create_dir_all(base)
            .map_err(|e| format!("cannot create {BASE_DIR}: {e}: {SETUP_HINT}"))?;
        // Shared like /tmp: root (CI) and developers can both make their directories here.
        let _ = std::fs::set_permissions(base, std::fs::Permissions::from_mode(0o1777));
    }
    Ok(())
}

/// The skiff binary, reachable by the test user.
///
/// The repository (and so `target/`) may not be traversable by `skifftest`, so under root the
/// binary is linked or copied once per test process to `/var/tmp/skiff-tests/bin-<pid>/skiff`.
pub fn skiff_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let built = PathBuf::from(env!("CARGO_BIN_EXE_skiff"));
        if identity().runuser.is_none() {
            return built;
        }
        check_environment();
        sweep_stale();
        let dir = Path::new(BASE_DIR).join(format!("bin-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        // skiff and, next to it, the small binary its monitors run in (as cargo builds them).
        let small = PathBuf::from(env!("CARGO_BIN_EXE_skiff-monitor"));
        for (from, name) in [(&small, "skiff-monitor"), (&built, "skiff")] {
            let to = dir.join(name);
            if std::fs::hard_link(from, &to).is_err() {
                std::fs::copy(from, &to)
                    .unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), to.display()));
                std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
        }
        dir.join("skiff")
    })
}

fn pid_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Remove directories left by test processes that are gone (crashed, killed, or bin copies).
fn sweep_stale() {
    let Ok(entries) = std::fs::read_dir(BASE_DIR) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        // Directories kept on purpose for a post-mortem stay while SKIFF_TEST_KEEP is set.
        if !name.starts_with("bin-") && std::env::var_os("SKIFF_TEST_KEEP").is_some() {
            continue;
        }
        let pid = name
            .strip_prefix("bin-")
            .unwrap_or(&name)
            .split('-')
            .next()
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !pid_alive(pid) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// A fresh, isolated skiff state for one test. Dropping it removes every container and the state.
pub struct TestEnv {
    dir: PathBuf,
    timeout: Duration,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    /// A new environment. Panics with a clear message if `tests/env/setup.sh` has not been run.
    pub fn new() -> TestEnv {
        check_environment();
        let id = identity();
        let _ = skiff_bin();
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = Path::new(BASE_DIR).join(format!("{}-{n}-{nanos}", std::process::id()));
        for d in [dir.clone(), dir.join("data"), dir.join("run")] {
            std::fs::create_dir(&d).unwrap_or_else(|e| panic!("create {}: {e}", d.display()));
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
            if id.runuser.is_some() {
                std::os::unix::fs::chown(&d, Some(id.uid), Some(id.gid))
                    .unwrap_or_else(|e| panic!("chown {}: {e}", d.display()));
            }
        }
        let timeout = std::env::var("SKIFF_TEST_TIMEOUT")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .map(Duration::from_secs)
            .unwrap_or(Duration::from_secs(120));
        TestEnv { dir, timeout }
    }

    /// This environment's directory (`data/` and `run/` are below it).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `SKIFF_ROOT` of this environment.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The PID of container `id`'s monitor, from its `state.json`.
    pub fn monitor_pid(&self, id: &str) -> i32 {
        let p = self
            .data_dir()
            .join("containers")
            .join(id)
            .join("state.json");
        let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let v: serde_json::Value = serde_json::from_slice(&data).expect("state.json");
        v["monitor_pid"]
            .as_i64()
            .expect("monitor_pid in state.json") as i32
    }

    /// `SKIFF_RUNROOT` (and `XDG_RUNTIME_DIR`) of this environment.
    pub fn run_dir(&self) -> PathBuf {
        self.dir.join("run")
    }

    /// The per-command timeout (`SKIFF_TEST_TIMEOUT`, default 120 s).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The environment variables skiff and `sh()` get (and nothing else).
    pub fn vars(&self) -> Vec<(String, OsString)> {
        let id = identity();
        let mut v: Vec<(String, OsString)> = vec![
            ("HOME".into(), id.home.clone().into()),
            ("USER".into(), id.user.clone().into()),
            ("LOGNAME".into(), id.user.clone().into()),
            ("PATH".into(), PATH.into()),
            ("XDG_RUNTIME_DIR".into(), self.run_dir().into()),
            ("SKIFF_ROOT".into(), self.data_dir().into()),
            ("SKIFF_RUNROOT".into(), self.run_dir().into()),
        ];
        for k in [
            "RUST_LOG",
            "RUST_BACKTRACE",
            "SKIFF_LOG_LEVEL",
            "SKIFF_RUNTIME",
        ] {
            if let Some(val) = std::env::var_os(k) {
                v.push((k.into(), val));
            }
        }
        v
    }

    /// `program args…` as the test user with this environment's variables, not yet spawned.
    /// stdin is /dev/null, the working directory is [`TestEnv::dir`].
    pub fn user_command<S: AsRef<std::ffi::OsStr>>(&self, program: S, args: &[&str]) -> Command {
        let mut c;
        if let Some(user) = &identity().runuser {
            c = Command::new("runuser");
            c.args(["-u", user, "--", "env", "-i"]);
            for (k, v) in self.vars() {
                let mut kv = OsString::from(format!("{k}="));
                kv.push(v);
                c.arg(kv);
            }
            c.arg(program);
        } else {
            c = Command::new(program);
            c.env_clear();
            c.envs(self.vars());
        }
        c.args(args).current_dir(&self.dir).stdin(Stdio::null());
        c
    }

    /// `skiff ARGS` as the test user under strace, killed (SIGKILL, by strace's fault
    /// injection) at its `when`-th rename (`rename`, `renameat`, `renameat2`): a crash at a
    /// chosen step of skiff's atomic writes. The command's output (a failed status if killed).
    pub fn skiff_killed_at_rename(&self, when: u32, args: &[&str]) -> Output {
        let skiff = skiff_bin().to_str().expect("path").to_string();
        let set = "rename,renameat,renameat2";
        let inject = format!("inject={set}:signal=SIGKILL:when={when}");
        let trace = format!("trace={set}");
        let mut all = vec![
            "-f",
            "-qq",
            "-o",
            "/dev/null",
            "-e",
            &trace,
            "-e",
            &inject,
            &skiff,
        ];
        all.extend_from_slice(args);
        run_with_timeout(self.user_command("strace", &all), None, self.timeout()).expect("strace")
    }

    /// `skiff ARGS` as the test user under `strace -f -e trace=TRACE` (signals not shown):
    /// its output and the trace's text. (A setuid helper run under strace loses its setuid
    /// bit: start the user-namespace holder untraced first.)
    pub fn skiff_traced(&self, trace: &str, args: &[&str]) -> (Output, String) {
        let log = self.dir().join("strace.log");
        let _ = std::fs::remove_file(&log);
        let skiff = skiff_bin().to_str().expect("path").to_string();
        let log_s = log.to_str().expect("path").to_string();
        let trace = format!("trace={trace}");
        let mut all = vec![
            "-f",
            "-qq",
            "-e",
            &trace,
            "-e",
            "signal=none",
            "-o",
            &log_s,
            &skiff,
        ];
        all.extend_from_slice(args);
        let o = run_with_timeout(self.user_command("strace", &all), None, self.timeout())
            .expect("strace");
        (o, std::fs::read_to_string(&log).expect("strace log"))
    }

    /// skiff ARGS as the test user, not yet spawned (for custom stdio or a background process).
    pub fn command(&self, args: &[&str]) -> Command {
        self.user_command(skiff_bin(), args)
    }

    /// Run skiff ARGS as the test user, stdin /dev/null; panics if it outlives the timeout.
    pub fn skiff(&self, args: &[&str]) -> Output {
        self.skiff_stdin_opt(args, None)
    }

    /// Run skiff ARGS with `stdin` as its standard input.
    pub fn skiff_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        self.skiff_stdin_opt(args, Some(stdin))
    }

    fn skiff_stdin_opt(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let what = format!("skiff {}", args.join(" "));
        run_with_timeout(self.command(args), stdin, self.timeout)
            .unwrap_or_else(|e| panic!("{what}: {e}"))
    }

    /// Run skiff ARGS, assert it succeeded, return its stdout.
    pub fn skiff_ok(&self, args: &[&str]) -> String {
        let o = self.skiff(args);
        assert_success(&o, &format!("skiff {}", args.join(" ")));
        stdout(&o)
    }

    /// Run skiff ARGS, assert it failed (non-zero exit), return its stderr.
    pub fn skiff_err(&self, args: &[&str]) -> String {
        let o = self.skiff(args);
        assert!(
            !o.status.success(),
            "skiff {} unexpectedly succeeded\n--- stdout\n{}\n--- stderr\n{}",
            args.join(" "),
            stdout(&o),
            stderr(&o)
        );
        stderr(&o)
    }

    /// Run skiff ARGS with a timeout of your choosing; `Err` (with what it printed) on expiry.
    pub fn try_skiff_timeout(&self, args: &[&str], timeout: Duration) -> Result<Output, String> {
        run_with_timeout(self.command(args), None, timeout)
    }

    /// `sh -c SCRIPT` as the test user with the same environment (e.g. to look at files).
    pub fn sh(&self, script: &str) -> Output {
        run_with_timeout(self.user_command("sh", &["-c", script]), None, self.timeout)
            .unwrap_or_else(|e| panic!("sh -c {script:?}: {e}"))
    }

    /// `sh -c SCRIPT` with a timeout of your choosing; `Err` on expiry.
    pub fn try_sh_timeout(&self, script: &str, timeout: Duration) -> Result<Output, String> {
        run_with_timeout(self.user_command("sh", &["-c", script]), None, timeout)
    }

    /// Pull an image from the fixture registry (`localhost:5000/NAME`), asserting success.
    pub fn pull(&self, name: &str) -> String {
        self.skiff_ok(&["pull", &format!("{REGISTRY}/{name}")])
    }

    /// Kill every process still running with this environment's `SKIFF_ROOT` (monitors etc.).
    fn kill_leftovers(&self) {
        let needle = {
            let mut n = b"SKIFF_ROOT=".to_vec();
            n.extend_from_slice(self.data_dir().as_os_str().as_encoded_bytes());
            n
        };
        let me = std::process::id();
        for _round in 0..3 {
            let mut found = false;
            let Ok(entries) = std::fs::read_dir("/proc") else {
                return;
            };
            for e in entries.flatten() {
                let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
                    continue;
                };
                if pid as u32 == me {
                    continue;
                }
                let Ok(environ) = std::fs::read(e.path().join("environ")) else {
                    continue;
                };
                if environ.split(|b| *b == 0).any(|kv| kv == needle.as_slice()) {
                    found = true;
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
            }
            if !found {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        let quick = Duration::from_secs(30);
        if let Ok(o) = run_with_timeout(self.command(&["ps", "-aq"]), None, quick) {
            if o.status.success() {
                let ids: Vec<String> = stdout(&o).split_whitespace().map(str::to_string).collect();
                if !ids.is_empty() {
                    let mut args = vec!["rm", "-f"];
                    args.extend(ids.iter().map(String::as_str));
                    let _ = run_with_timeout(self.command(&args), None, quick);
                }
            }
        }
        self.kill_leftovers();
        if std::env::var_os("SKIFF_TEST_KEEP").is_some_and(|v| v == "1") {
            eprintln!("SKIFF_TEST_KEEP=1: keeping {}", self.dir.display());
            return;
        }
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            if identity().runuser.is_some() {
                eprintln!("warning: could not remove {}: {e}", self.dir.display());
            }
            // As a normal user, files owned by subordinate ids may be left behind: best effort.
        }
    }
}

/// Spawn `cmd` in its own process group, feed it `stdin`, collect its output, and give up after
/// `timeout`: then the whole process group is killed and `Err` carries what it printed so far.
/// After the command exits, its output pipes must close soon (a process it left behind holding
/// them is an error too, as it would hang `$(skiff …)` in a shell).
pub fn run_with_timeout(
    mut cmd: Command,
    stdin: Option<&[u8]>,
    timeout: Duration,
) -> Result<Output, String> {
    cmd.process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot spawn {cmd:?}: {e}"))?;
    let pgid = nix::unistd::Pid::from_raw(child.id() as i32);
    let kill_group = || {
        let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
    };

    if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let data = data.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data); // EPIPE if it does not read it all: fine
        });
    }
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let collect = |pipe: Option<Box<dyn Read + Send>>| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        if let Some(mut pipe) = pipe {
            let (buf2, tx) = (buf.clone(), tx.clone());
            std::thread::spawn(move || {
                let mut chunk = [0u8; 8192];
                loop {
                    match pipe.read(&mut chunk) {
                        Ok(0) => break,
                        Ok(n) => buf2.lock().unwrap().extend_from_slice(&chunk[..n]),
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(_) => break,
                    }
                }
                let _ = tx.send(());
            });
        } else {
            let _ = tx.send(());
        }
        buf
    };
    let out = collect(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = collect(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let so_far = |out: &Arc<Mutex<Vec<u8>>>, err: &Arc<Mutex<Vec<u8>>>| {
        format!(
            "\n--- stdout so far\n{}\n--- stderr so far\n{}",
            String::from_utf8_lossy(&out.lock().unwrap()),
            String::from_utf8_lossy(&err.lock().unwrap())
        )
    };

    let start = Instant::now();
    let deadline = start + timeout;
    let mut nap = Duration::from_millis(1);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(format!("wait: {e}")),
        }
        if Instant::now() >= deadline {
            kill_group();
            let _ = child.wait();
            return Err(format!(
                "timed out after {timeout:?}; killed it{}",
                so_far(&out, &err)
            ));
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(20));
    };
    // Both readers must reach EOF: allow a little time after exit.
    let grace = Instant::now() + timeout.min(Duration::from_secs(10));
    for _ in 0..2 {
        let left = grace.saturating_duration_since(Instant::now());
        if rx.recv_timeout(left).is_err() {
            kill_group();
            return Err(format!(
                "exited ({status}) but a process it started still holds its stdout/stderr open \
                 after {:?}{}",
                start.elapsed(),
                so_far(&out, &err)
            ));
        }
    }
    let take = |b: Arc<Mutex<Vec<u8>>>| std::mem::take(&mut *b.lock().unwrap());
    Ok(Output {
        status,
        stdout: take(out),
        stderr: take(err),
    })
}

/// stdout as (lossy) UTF-8.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as (lossy) UTF-8.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Panic with the full output unless `o` exited 0.
pub fn assert_success(o: &Output, what: &str) {
    assert!(
        o.status.success(),
        "{what} failed: {}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        stdout(o),
        stderr(o)
    );
}

/// A plain HTTP GET to the fixture registry: (status, body). Accepts every manifest type.
pub fn registry_get(path: &str) -> std::io::Result<(u16, Vec<u8>)> {
    use std::net::{SocketAddr, TcpStream};
    let addr: SocketAddr = REGISTRY_ADDR.parse().unwrap();
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let accept = "application/vnd.docker.distribution.manifest.v2+json, \
                  application/vnd.docker.distribution.manifest.list.v2+json, \
                  application/vnd.oci.image.manifest.v1+json, \
                  application/vnd.oci.image.index.v1+json";
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: {REGISTRY}\r\nAccept: {accept}\r\n\r\n"
    )?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp)?;
    let split = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("malformed HTTP response"))?;
    let head = String::from_utf8_lossy(&resp[..split]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line: {head}")))?;
    Ok((status, resp[split + 4..].to_vec()))
}

/// A fresh environment with the busybox fixture pulled.
pub fn env_with_busybox() -> TestEnv {
    let env = TestEnv::new();
    env.pull("busybox");
    env
}

/// A command's exit code (-1 when a signal ended it).
pub fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// GET `path` from 127.0.0.1:`port`, retrying while the server starts; the whole response.
pub fn http_get(port: u16, path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let attempt = (|| -> std::io::Result<String> {
            let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
            s.set_read_timeout(Some(Duration::from_secs(10)))?;
            write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
            let mut resp = String::new();
            s.read_to_string(&mut resp)?;
            Ok(resp)
        })();
        match attempt {
            Ok(r) if r.starts_with("HTTP/") => return r,
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            other => panic!("GET 127.0.0.1:{port}{path}: {other:?}"),
        }
    }
}

/// After skiff ran as root inside a private PID namespace (the rootful tests): the end of that
/// namespace killed the containers' monitors before they could remove their cgroups, so remove
/// the cgroups of the containers recorded under `data` (a SKIFF_ROOT), deepest first. Only
/// `rmdir`: a cgroup that still holds a process stays (and the kernel refuses anyway).
pub fn remove_leftover_cgroups(data: &Path) {
    let Ok(entries) = std::fs::read_dir(data.join("containers")) else {
        return;
    };
    let ids: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|id| id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect();
    for mount in ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"] {
        for id in &ids {
            let dir = Path::new(mount).join("skiff.slice").join(id);
            if dir.is_dir() {
                rmdir_tree(&dir);
            }
        }
    }
}

fn rmdir_tree(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                rmdir_tree(&e.path());
            }
        }
    }
    let _ = std::fs::remove_dir(dir);
}

/// A field of /proc/PID/status in kB.
pub fn status_kb(pid: i32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap_or_else(|| panic!("{field} of {pid}: {status}"))
}
