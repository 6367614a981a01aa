//! systemd integration: `--sdnotify` (a NOTIFY_SOCKET listener here receives what systemd
//! would), `--pidfile`, `--replace`, `stop`/`rm --cidfile --ignore`, and `generate systemd`
//! units checked by `systemd-analyze verify` and run command by command as systemd would split
//! them (no systemd manager runs on the test machines).
mod common;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::unit;
use common::*;

/// A datagram socket standing in for systemd's notification socket.
struct Listener {
    sock: UnixDatagram,
    path: PathBuf,
}

impl Listener {
    fn new(env: &TestEnv) -> Listener {
        let path = env.dir().join("notify.sock");
        let sock = UnixDatagram::bind(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).unwrap();
        Listener { sock, path }
    }

    fn var(&self) -> String {
        format!("NOTIFY_SOCKET={}", self.path.display())
    }

    /// The next message, or None after `wait`.
    fn recv(&self, wait: Duration) -> Option<String> {
        self.sock.set_read_timeout(Some(wait)).unwrap();
        let mut buf = [0u8; 4096];
        match self.sock.recv(&mut buf) {
            Ok(n) => Some(String::from_utf8_lossy(&buf[..n]).into_owned()),
            Err(_) => None,
        }
    }

    /// Messages until one holds READY=1 (panics after 20 s): all of them, joined.
    fn until_ready(&self) -> String {
        let mut all = String::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            if let Some(m) = self.recv(Duration::from_secs(1)) {
                all.push_str(&m);
                if m.lines().any(|l| l == "READY=1") {
                    return all;
                }
            }
        }
        panic!("no READY=1 received; got {all:?}");
    }
}

/// The MAINPID= value of a message.
fn mainpid(msg: &str) -> i32 {
    msg.lines()
        .rev()
        .find_map(|l| l.strip_prefix("MAINPID="))
        .unwrap_or_else(|| panic!("no MAINPID in {msg:?}"))
        .parse()
        .unwrap()
}

/// Assert `pid` is the monitor of container `id` (`skiff __helper monitor ID`).
fn assert_monitor(pid: i32, id: &str) {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let args: Vec<String> = cmdline
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    assert!(
        args.len() >= 4 && args[1] == "__helper" && args[2] == "monitor" && args[3] == id,
        "pid {pid} is not the monitor of {id}: {args:?}"
    );
}

fn id_of(env: &TestEnv, name: &str) -> String {
    env.skiff_ok(&["inspect", "-f", "{{.Id}}", name])
        .trim()
        .to_string()
}

fn status(env: &TestEnv, name: &str) -> String {
    env.skiff_ok(&["inspect", "-f", "{{.State.Status}}", name])
        .trim()
        .to_string()
}

/// skiff ARGS with extra environment variables.
fn skiff_with(env: &TestEnv, vars: &[String], args: &[&str]) -> std::process::Output {
    let bin = skiff_bin().to_string_lossy().into_owned();
    let mut all: Vec<&str> = vars.iter().map(String::as_str).collect();
    all.push(&bin);
    all.extend_from_slice(args);
    run_with_timeout(env.user_command("env", &all), None, env.timeout()).unwrap()
}

#[test]
fn sdnotify_conmon_sends_ready_with_the_monitor_as_main_pid() {
    let env = env_with_busybox();
    let l = Listener::new(&env);
    let o = skiff_with(
        &env,
        &[l.var()],
        &[
            "run",
            "-d",
            "--name",
            "svc",
            "--sdnotify=conmon",
            "--network",
            "none",
            BUSYBOX,
            "sleep",
            "300",
        ],
    );
    assert_success(&o, "run --sdnotify=conmon");
    let id = stdout(&o).trim().to_string();
    let msg = l.until_ready();
    assert_monitor(mainpid(&msg), &id);
    assert_eq!(status(&env, "svc"), "running");
    // Once: nothing more arrives while it runs.
    assert_eq!(l.recv(Duration::from_millis(500)), None);
}

#[test]
fn sdnotify_ignore_sends_nothing_and_bad_mode_is_refused() {
    let env = env_with_busybox();
    let l = Listener::new(&env);
    let o = skiff_with(
        &env,
        &[l.var()],
        &[
            "run",
            "-d",
            "--sdnotify=ignore",
            "--network",
            "none",
            BUSYBOX,
            "sleep",
            "300",
        ],
    );
    assert_success(&o, "run --sdnotify=ignore");
    assert_eq!(l.recv(Duration::from_secs(2)), None);
    let o = env.skiff(&["run", "--sdnotify=sometimes", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert_eq!(
        stderr(&o).trim(),
        "Error: invalid sdnotify value \"sometimes\": must be conmon, container, healthy or ignore"
    );
    assert_eq!(env.skiff_ok(&["ps", "-aq"]).lines().count(), 1);
}

/// A static `systemd-notify`-like sender (busybox has none): its arguments, one per line, to
/// `$NOTIFY_SOCKET`. Built with the C compiler Rust itself links with.
fn notify_sender(env: &TestEnv) -> PathBuf {
    let src = env.dir().join("notify-send.c");
    std::fs::write(
        &src,
        r#"#include <sys/socket.h>
#include <sys/un.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
int main(int argc, char **argv) {
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path) { fprintf(stderr, "no NOTIFY_SOCKET\n"); return 2; }
    char msg[4096] = "";
    for (int i = 1; i < argc; i++) {
        strncat(msg, argv[i], sizeof msg - strlen(msg) - 2);
        strcat(msg, "\n");
    }
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    strncpy(a.sun_path, path, sizeof a.sun_path - 1);
    if (a.sun_path[0] == '@') a.sun_path[0] = 0;
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("sendto");
        return 1;
    }
    return 0;
}
"#,
    )
    .unwrap();
    let bin = env.dir().join("notify-send");
    let o = std::process::Command::new("cc")
        .args(["-static", "-Os", "-o"])
        .arg(&bin)
        .arg(&src)
        .output()
        .expect("cc");
    assert_success(&o, "cc -static notify-send.c");
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

#[test]
fn sdnotify_container_relays_what_the_application_sends() {
    let env = env_with_busybox();
    let sender = notify_sender(&env);
    let l = Listener::new(&env);
    let mount = format!("{}:/notify-send:ro", sender.display());
    // A non-root container user must reach the socket too.
    let o = skiff_with(
        &env,
        &[l.var()],
        &[
            "run", "-d", "--name", "app", "--sdnotify=container", "--network", "none", "-u",
            "1000:1000", "-v", &mount, BUSYBOX, "sh", "-c",
            "sleep 1; /notify-send STATUS=warming; /notify-send READY=1 'STATUS=serving requests' MAINPID=1 WATCHDOG=1 && sleep 300",
        ],
    );
    assert_success(&o, "run --sdnotify=container");
    let id = stdout(&o).trim().to_string();
    // First the monitor says it is the main process (before `run` returns), then it relays.
    let first = l.recv(Duration::from_secs(10)).expect("MAINPID message");
    assert_eq!(first, format!("MAINPID={}\n", mainpid(&first)));
    assert_monitor(mainpid(&first), &id);
    let status = l.recv(Duration::from_secs(10)).expect("STATUS message");
    assert_eq!(
        status,
        format!("MAINPID={}\nSTATUS=warming\n", mainpid(&first))
    );
    let ready = l.recv(Duration::from_secs(10)).expect("READY message");
    assert_eq!(
        ready,
        format!(
            "MAINPID={}\nREADY=1\nSTATUS=serving requests\nWATCHDOG=1\n",
            mainpid(&first)
        ),
        "the container's MAINPID=1 is replaced by the monitor's"
    );
    let env_in = env.skiff_ok(&["exec", "app", "sh", "-c", "echo $NOTIFY_SOCKET"]);
    assert_eq!(env_in.trim(), "/run/notify/notify.sock");
}

#[test]
fn pidfile_replace_and_cidfile_verbs() {
    let env = env_with_busybox();
    let pidfile = env.dir().join("ctr.pid");
    let cidfile = env.dir().join("ctr.id");
    let p = pidfile.to_string_lossy().into_owned();
    let c = cidfile.to_string_lossy().into_owned();
    let first = env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "r",
        "--pidfile",
        &p,
        "--network",
        "none",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let host_pid = env.skiff_ok(&["inspect", "-f", "{{.State.Pid}}", "r"]);
    assert_eq!(pid.to_string(), host_pid.trim());
    // Without --replace the name is taken; with it, the old container goes.
    let err = env.skiff_err(&[
        "run",
        "-d",
        "--name",
        "r",
        "--network",
        "none",
        BUSYBOX,
        "true",
    ]);
    assert!(err.contains("is already in use"), "{err}");
    let second = env.skiff_ok(&[
        "run",
        "-d",
        "--replace",
        "--name",
        "r",
        "--cidfile",
        &c,
        "--network",
        "none",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    assert_ne!(first, second);
    assert!(!env.skiff(&["inspect", first.trim()]).status.success());
    // The pidfile goes with the container's process.
    assert!(
        !pidfile.exists(),
        "pidfile left after the container was replaced"
    );
    assert_eq!(std::fs::read_to_string(&cidfile).unwrap(), second.trim());

    assert_eq!(
        env.skiff_ok(&["stop", "-t", "1", "--cidfile", &c]),
        format!("{}\n", second.trim())
    );
    assert_eq!(status(&env, "r"), "exited");
    assert_eq!(
        env.skiff_ok(&["rm", "--cidfile", &c]),
        format!("{}\n", second.trim())
    );
    assert!(!cidfile.exists(), "rm --cidfile removes the file");
    // Missing cidfile: an error, unless --ignore.
    let err = env.skiff_err(&["stop", "--cidfile", &c]);
    assert!(err.starts_with("Error: reading CIDFile"), "{err}");
    env.skiff_ok(&["stop", "--ignore", "--cidfile", &c]);
    env.skiff_ok(&["rm", "-f", "--ignore", "--cidfile", &c]);
    // A cidfile naming a container that is gone.
    std::fs::write(&cidfile, second.trim()).unwrap();
    let o = env.skiff(&["rm", "-f", "--cidfile", &c]);
    assert_eq!(code(&o), 1);
    env.skiff_ok(&["rm", "-f", "--ignore", "--cidfile", &c]);
    assert!(!cidfile.exists());
}

/// `systemd-analyze verify` on a unit file: it must pass without a single complaint.
fn verify(path: &Path) {
    let o = std::process::Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(path)
        .output()
        .expect("systemd-analyze (Debian's systemd package; tests/env/setup.sh installs it)");
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "systemd-analyze verify {}: {}\n{}",
        path.display(),
        stderr(&o),
        std::fs::read_to_string(path).unwrap_or_default()
    );
}

/// Run one Exec*= line of `text` as systemd would (as the test user, with the unit's
/// Environment= and `extra` variables).
fn run_exec(
    env: &TestEnv,
    text: &str,
    key: &str,
    spec: &HashMap<char, String>,
    extra: &[String],
) -> std::process::Output {
    let argv = unit::exec_argv(&unit::value(text, "Service", key), spec);
    let mut vars: Vec<String> = unit::values(text, "Service", "Environment")
        .iter()
        .flat_map(|v| unit::exec_argv(v, spec))
        .collect();
    vars.extend_from_slice(extra);
    let mut all: Vec<&str> = vars.iter().map(String::as_str).collect();
    all.extend(argv.iter().map(String::as_str));
    run_with_timeout(env.user_command("env", &all), None, env.timeout()).unwrap()
}

#[test]
fn generate_systemd_new_unit_runs_as_systemd_would_run_it() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "create",
        "--name",
        "web",
        "--network",
        "none",
        "-e",
        "GREETING=hello $USER 100%",
        "--restart",
        "unless-stopped",
        BUSYBOX,
        "sh",
        "-c",
        "echo \"$GREETING\"; sleep 300",
    ]);
    let text = env.skiff_ok(&["generate", "systemd", "--new", "--name", "web"]);
    assert!(
        text.starts_with("# container-web.service\n# autogenerated by skiff "),
        "{text}"
    );
    assert_eq!(unit::value(&text, "Service", "Type"), "notify");
    assert_eq!(unit::value(&text, "Service", "NotifyAccess"), "all");
    assert_eq!(unit::value(&text, "Service", "Restart"), "always");
    assert_eq!(unit::value(&text, "Service", "TimeoutStopSec"), "70");
    assert_eq!(unit::value(&text, "Install", "WantedBy"), "default.target");
    let path = env.dir().join("container-web.service");
    std::fs::write(&path, &text).unwrap();
    verify(&path);

    let run = env.run_dir().to_string_lossy().into_owned();
    let spec: HashMap<char, String> = [('t', run.clone()), ('n', "container-web.service".into())]
        .into_iter()
        .collect();
    let argv = unit::exec_argv(&unit::value(&text, "Service", "ExecStart"), &spec);
    assert_eq!(
        &argv[1..8],
        [
            "run",
            &format!("--cidfile={run}/container-web.service.ctr-id"),
            "--rm",
            "--sdnotify=conmon",
            "-d",
            "--replace",
            "--name"
        ]
    );
    assert!(!argv.iter().any(|a| a.starts_with("--restart")), "{argv:?}");

    let l = Listener::new(&env);
    // Twice: the second start replaces what the first left (a unit restarted after a crash).
    for round in 0..2 {
        let o = run_exec(&env, &text, "ExecStart", &spec, &[l.var()]);
        assert_success(&o, &format!("ExecStart (round {round})"));
        let msg = l.until_ready();
        let cid = std::fs::read_to_string(format!("{run}/container-web.service.ctr-id")).unwrap();
        assert_eq!(cid, id_of(&env, "web"));
        assert_monitor(mainpid(&msg), &cid);
        assert_eq!(status(&env, "web"), "running");
    }
    assert_eq!(
        env.skiff_ok(&["ps", "-aq"]).lines().count(),
        1,
        "replaced, not added"
    );
    let logs = env.skiff_ok(&["logs", "web"]);
    assert_eq!(
        logs,
        format!("hello $USER 100%\n"),
        "quoting survives the unit"
    );

    assert_success(&run_exec(&env, &text, "ExecStop", &spec, &[]), "ExecStop");
    assert_success(
        &run_exec(&env, &text, "ExecStopPost", &spec, &[]),
        "ExecStopPost",
    );
    assert_eq!(
        env.skiff_ok(&["ps", "-aq"]),
        "",
        "--rm and rm -f removed it"
    );
    assert!(!Path::new(&format!("{run}/container-web.service.ctr-id")).exists());
    // Stopping a unit whose container is already gone is fine.
    assert_success(
        &run_exec(&env, &text, "ExecStop", &spec, &[]),
        "ExecStop again",
    );
    assert_success(
        &run_exec(&env, &text, "ExecStopPost", &spec, &[]),
        "ExecStopPost again",
    );
}

#[test]
fn generate_systemd_existing_container_unit() {
    let env = env_with_busybox();
    let id = env.skiff_ok(&[
        "create",
        "--name",
        "old",
        "--stop-timeout",
        "3",
        "--network",
        "none",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let id = id.trim();
    let out = env.skiff_ok(&[
        "generate",
        "systemd",
        "--files",
        "--container-prefix",
        "skiff",
        "--separator",
        "_",
        "--restart-policy",
        "always",
        "--restart-sec",
        "5",
        "--no-header",
        id,
    ]);
    let path = env.dir().join(format!("skiff_{id}.service"));
    assert_eq!(out, format!("{}\n", path.display()));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with(&format!("# skiff_{id}.service\n\n[Unit]\n")),
        "{text}"
    );
    assert_eq!(unit::value(&text, "Service", "Type"), "forking");
    assert_eq!(unit::value(&text, "Service", "Restart"), "always");
    assert_eq!(unit::value(&text, "Service", "RestartSec"), "5");
    assert_eq!(unit::value(&text, "Service", "TimeoutStopSec"), "63");
    verify(&path);
    let spec: HashMap<char, String> = [('n', format!("skiff_{id}.service"))].into_iter().collect();
    assert_eq!(
        unit::exec_argv(&unit::value(&text, "Service", "ExecStop"), &spec)[1..],
        ["stop", "-t", "3", id]
    );
    assert_success(&run_exec(&env, &text, "ExecStart", &spec, &[]), "ExecStart");
    assert_eq!(status(&env, "old"), "running");
    // systemd reads the main PID from PIDFile= once ExecStart has returned.
    let pidfile = unit::value(&text, "Service", "PIDFile");
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_monitor(pid, id);
    assert_success(&run_exec(&env, &text, "ExecStop", &spec, &[]), "ExecStop");
    assert_eq!(status(&env, "old"), "exited");
    assert!(
        !Path::new(&pidfile).exists(),
        "the monitor removes its PID file"
    );

    // Errors: bad policy, --new without a create command is covered by unit tests.
    let o = env.skiff(&[
        "generate",
        "systemd",
        "--restart-policy",
        "sometimes",
        "old",
    ]);
    assert_eq!(code(&o), 125);
    assert_eq!(
        stderr(&o).trim(),
        "Error: sometimes is not a valid restart policy"
    );
    let o = env.skiff(&["generate", "systemd", "nosuch"]);
    assert_ne!(code(&o), 0);
    assert_eq!(stderr(&o).trim(), "Error: No such container: nosuch");
}

#[test]
fn sdnotify_healthy_sends_ready_at_the_first_passing_healthcheck() {
    let env = env_with_busybox();
    let l = Listener::new(&env);
    let o = skiff_with(
        &env,
        &[l.var()],
        &[
            "run",
            "-d",
            "--name",
            "h",
            "--sdnotify=healthy",
            "--health-cmd",
            "test -e /tmp/up",
            "--health-interval",
            "1s",
            "--network",
            "none",
            BUSYBOX,
            "sh",
            "-c",
            "sleep 3; touch /tmp/up; sleep 300",
        ],
    );
    assert_success(&o, "run --sdnotify=healthy");
    let id = stdout(&o).trim().to_string();
    let first = l.recv(Duration::from_secs(10)).expect("MAINPID message");
    assert_eq!(first, format!("MAINPID={}\n", mainpid(&first)));
    assert_monitor(mainpid(&first), &id);
    // Not ready while the check fails.
    assert_eq!(l.recv(Duration::from_millis(1500)), None);
    let ready = l.recv(Duration::from_secs(20)).expect("READY once healthy");
    assert_eq!(ready, format!("MAINPID={}\nREADY=1\n", mainpid(&first)));
    let health = env.skiff_ok(&["inspect", "-f", "{{.State.Health.Status}}", "h"]);
    assert_eq!(health.trim(), "healthy");
    // Once only.
    assert_eq!(l.recv(Duration::from_secs(2)), None);
    // Without a healthcheck, healthy mode is refused and nothing is created.
    let o = env.skiff(&["create", "--sdnotify=healthy", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert_eq!(
        stderr(&o).trim(),
        "Error: --sdnotify=healthy needs a healthcheck (--health-cmd, or one in the image)"
    );
    assert_eq!(env.skiff_ok(&["ps", "-aq"]).lines().count(), 1);
}

/// Kill -9 a process of this test after checking it is what we think it is.
fn kill9(pid: i32) {
    assert!(pid > 0);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z ")) {
        assert!(
            std::time::Instant::now() < deadline,
            "pid {pid} survived SIGKILL"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The monitor's PID (from its PID file), checked to be this container's monitor.
fn monitor_of(env: &TestEnv, id: &str) -> i32 {
    let f = env
        .data_dir()
        .join("containers")
        .join(id)
        .join("monitor.pid");
    let pid: i32 = std::fs::read_to_string(&f).unwrap().trim().parse().unwrap();
    assert_monitor(pid, id);
    pid
}

#[test]
fn restart_unit_brings_back_always_and_unless_stopped_containers() {
    let env = env_with_busybox();
    let mut ids = HashMap::new();
    for (name, policy) in [
        ("a", "always"),
        ("u", "unless-stopped"),
        ("n", "no"),
        ("s", "unless-stopped"),
        ("o", "always"),
        ("f", "on-failure"),
    ] {
        let id = env.skiff_ok(&[
            "run",
            "-d",
            "--name",
            name,
            "--restart",
            policy,
            "--network",
            "none",
            BUSYBOX,
            "sleep",
            "300",
        ]);
        ids.insert(name, id.trim().to_string());
    }
    env.skiff_ok(&["stop", "-t", "1", "s"]);
    // A reboot, as far as skiff can tell: every monitor and every container process killed.
    let mut old_monitors = HashMap::new();
    for name in ["a", "u", "n", "f", "o"] {
        let id = &ids[name];
        let pid: i32 = env
            .skiff_ok(&["inspect", "-f", "{{.State.Pid}}", name])
            .trim()
            .parse()
            .unwrap();
        let mon = monitor_of(&env, id);
        old_monitors.insert(name, mon);
        kill9(mon);
        // `o` keeps its process: an orphan without a monitor.
        if name != "o" {
            kill9(pid);
        }
    }
    let orphan: i32 = env
        .skiff_ok(&["inspect", "-f", "{{.State.Pid}}", "o"])
        .trim()
        .parse()
        .unwrap();
    assert!(Path::new(&format!("/proc/{orphan}")).exists());
    for name in ["a", "u", "n", "f"] {
        assert_eq!(status(&env, name), "exited", "{name} after the 'reboot'");
    }

    // The shipped unit, checked, and its ExecStart run as systemd would run it.
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/systemd/user/skiff-restart.service"),
    )
    .unwrap();
    let bin = skiff_bin().to_string_lossy().into_owned();
    let text = shipped.replace("/usr/bin/skiff", &bin);
    let path = env.dir().join("skiff-restart.service");
    std::fs::write(&path, &text).unwrap();
    verify(&path);
    assert_eq!(unit::value(&text, "Service", "Type"), "oneshot");
    let spec = HashMap::new();
    let vars: HashMap<String, String> = unit::values(&text, "Service", "Environment")
        .iter()
        .flat_map(|v| unit::exec_argv(v, &spec))
        .filter_map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let argv = unit::exec_argv_env(&unit::value(&text, "Service", "ExecStart"), &spec, &vars);
    assert_eq!(argv[1], "--log-level=info");
    let args: Vec<&str> = argv[1..].iter().map(String::as_str).collect();
    let o = run_with_timeout(env.command(&args), None, env.timeout()).unwrap();
    assert_success(&o, "skiff-restart.service's ExecStart");
    let mut started: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    started.sort();
    let mut want = vec![ids["a"].clone(), ids["o"].clone(), ids["u"].clone()];
    want.sort();
    assert_eq!(started, want);

    for name in ["a", "u", "o"] {
        assert_eq!(status(&env, name), "running", "{name} came back");
        let mon = monitor_of(&env, &ids[name]);
        assert_ne!(mon, old_monitors[name]);
    }
    assert!(
        !Path::new(&format!("/proc/{orphan}")).exists()
            || std::fs::read_to_string(format!("/proc/{orphan}/stat"))
                .is_ok_and(|s| s.contains(") Z ")),
        "the orphan was replaced, not left running beside the new one"
    );
    for name in ["n", "s", "f"] {
        assert_eq!(status(&env, name), "exited", "{name} stays stopped");
    }
    // Running it again changes nothing.
    let o = run_with_timeout(env.command(&args), None, env.timeout()).unwrap();
    assert_success(&o, "second run");
    assert_eq!(stdout(&o), "");
    // A bad filter is refused.
    let err = env.skiff_err(&["start", "--all", "--filter", "restart-policy=sometimes"]);
    assert!(err.starts_with("Error: invalid restart policy"), "{err}");
    let err = env.skiff_err(&["start", "--filter", "restart-policy=always", "a"]);
    assert!(err.contains("--all"), "{err}");
}

#[test]
fn replace_frees_a_name_left_by_a_removal_cut_short() {
    let env = env_with_busybox();
    let id = env
        .skiff_ok(&[
            "create",
            "--name",
            "stale",
            "--network",
            "none",
            BUSYBOX,
            "true",
        ])
        .trim()
        .to_string();
    // What a monitor SIGKILLed while removing its `--rm` container leaves: the name, and a
    // directory without its record. Nobody holds the name (no create is making it), so it is
    // a leftover: a new container takes the name and the directory goes.
    let record_of = |id: &str| {
        env.data_dir()
            .join("containers")
            .join(id)
            .join("container.json")
    };
    std::fs::remove_file(record_of(&id)).unwrap();
    let again = env
        .skiff_ok(&["create", "--name", "stale", BUSYBOX, "true"])
        .trim()
        .to_string();
    assert!(!env.data_dir().join("containers").join(&id).exists());
    // The same under `run --replace` (what generated units run).
    std::fs::remove_file(record_of(&again)).unwrap();
    let o = env.skiff(&[
        "run",
        "--replace",
        "--rm",
        "--name",
        "stale",
        "--network",
        "none",
        BUSYBOX,
        "echo",
        "back",
    ]);
    assert_success(&o, "run --replace over a stale name");
    assert_eq!(stdout(&o), "back\n");
}
