//! `docker run --rm` through `skiff system service`, as the benchmark runs it: the container is
//! what docker makes (no sd_notify socket or variable), an `AutoRemove` container forces
//! nothing to disk (as `skiff run --rm`), and the service keeps the shared network namespace
//! up while it runs, so that its clients' containers never wait for it to start again, and
//! lets go of it when it exits.
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::api::*;
use common::*;

/// The service's skiff process below `root` (runuser, strace...), found by its command line.
fn service_below(root: i32) -> Option<i32> {
    let mut todo = vec![root];
    while let Some(p) = todo.pop() {
        let cmd = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
        let args: Vec<&[u8]> = cmd.split(|&b| b == 0).collect();
        let is_skiff = args
            .first()
            .is_some_and(|a| Path::new(std::str::from_utf8(a).unwrap_or("")) == skiff_bin());
        if is_skiff && args.get(1) == Some(&&b"system"[..]) {
            return Some(p);
        }
        let kids =
            std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")).unwrap_or_default();
        todo.extend(
            kids.split_whitespace()
                .filter_map(|k| k.parse::<i32>().ok()),
        );
    }
    None
}

/// The fsync-family calls in an strace log.
fn syncs(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| {
            ["fsync(", "fdatasync(", "syncfs(", "sync("]
                .iter()
                .any(|c| l.contains(c))
        })
        .map(String::from)
        .collect()
}

#[test]
fn docker_run_rm_is_docker_s_container_and_forces_nothing_to_disk() {
    let env = env_with_busybox();
    // The first run starts the user-namespace holder (setuid newuidmap, which strace would
    // stop being setuid); the traced service's containers join it.
    env.skiff_ok(&["run", "--rm", "--network", "none", BUSYBOX, "true"]);
    let log = env.dir().join("service.strace");
    let sock = env.run_dir().join("api.sock");
    let uri = format!("unix://{}", sock.display());
    let skiff = skiff_bin().to_str().expect("path").to_string();
    let log_s = log.to_str().expect("path").to_string();
    let child = env
        .user_command(
            "strace",
            &[
                "-f",
                "-qq",
                "-e",
                "trace=fsync,fdatasync,syncfs,sync",
                "-o",
                &log_s,
                &skiff,
                "system",
                "service",
                "--time",
                "0",
                &uri,
            ],
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("strace skiff system service");
    let svc = Service { child, sock };
    svc.wait_ready();

    // `--network none`, as skiff's own test of `run --rm` (on the default network the
    // shared namespace's records in the runtime directory are synced, by the CLI as well).
    let o = svc.docker(&env, &["run", "--rm", "--network", "none", BUSYBOX, "env"]);
    assert_success(&o, "docker run --rm busybox env");
    let out = stdout(&o);
    assert!(out.contains("PATH=") && out.contains("HOSTNAME="), "{out}");
    // docker has no sd_notify: its containers get no NOTIFY_SOCKET (nor the socket's mount).
    assert!(!out.contains("NOTIFY_SOCKET"), "{out}");
    let o = svc.docker(
        &env,
        &[
            "run",
            "--rm",
            "--network",
            "none",
            BUSYBOX,
            "cat",
            "/proc/self/mounts",
        ],
    );
    assert_success(&o, "docker run --rm busybox cat /proc/self/mounts");
    assert!(!stdout(&o).contains("/run/notify"), "{}", stdout(&o));
    // Both removed, with nothing forced to disk on their way.
    assert_eq!(
        env.skiff_ok(&["ps", "-aq"]),
        "",
        "docker run --rm left a container"
    );
    assert_eq!(syncs(&log), Vec::<String>::new(), "docker run --rm synced");

    // The trace sees the syncs of a container that outlives its command.
    svc.docker_ok(
        &env,
        &[
            "create",
            "--network",
            "none",
            "--name",
            "kept",
            BUSYBOX,
            "true",
        ],
    );
    assert!(
        !syncs(&log).is_empty(),
        "docker create (no --rm) synced nothing that strace saw"
    );
    env.skiff_ok(&["rm", "-f", "kept"]);
    let pid = service_below(svc.child.id() as i32).expect("the service's process");
    // SIGTERM to skiff itself (strace in between would not pass it on).
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    )
    .expect("SIGTERM the service");
}

/// The pid the shared namespace's holder record names, if one runs.
fn holder_pid(env: &TestEnv) -> Option<i64> {
    let p = env.run_dir().join("netns").join("holder.json");
    let text = std::fs::read_to_string(p).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["pid"]
        .as_i64()
        .filter(|p| Path::new(&format!("/proc/{p}")).exists())
}

/// The clients registered with the shared namespace (`endpoints.json`).
fn clients(env: &TestEnv) -> Vec<String> {
    let p = env.run_dir().join("netns").join("endpoints.json");
    let text = std::fs::read_to_string(p).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    v["clients"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["container_id"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn wait_until(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !ok() {
        assert!(Instant::now() < deadline, "{what}: not after {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_service_keeps_the_shared_namespace_while_it_runs_then_lets_go() {
    let env = TestEnv::new();
    let mut svc = Service::with_busybox(&env);
    // No container yet: the service holds nothing and starts no holder.
    assert_eq!(holder_pid(&env), None);
    svc.docker_ok(&env, &["run", "--rm", BUSYBOX, "true"]);
    let first = holder_pid(&env).expect("a holder after the first container");
    // Well past the holder's linger (2 s) and its checks (twice a second): it stays, the
    // service registered as its client.
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(holder_pid(&env), Some(first), "the holder stayed");
    let me = format!("service-{}", service_pid(&svc));
    assert!(clients(&env).contains(&me), "{:?}", clients(&env));
    // The next container finds it, with its network working.
    let out = svc.docker_ok(&env, &["run", "--rm", BUSYBOX, "ip", "-4", "route"]);
    assert!(out.contains("default via"), "{out}");
    assert_eq!(holder_pid(&env), Some(first), "the same holder");
    // A CLI container beside it leaves and the holder stays for the service.
    env.skiff_ok(&["run", "--rm", BUSYBOX, "true"]);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(holder_pid(&env), Some(first));

    // The service exits: its registration goes, then the holder (after its linger).
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(svc.child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .expect("SIGTERM the service");
    let _ = svc.child.wait();
    assert!(!clients(&env).contains(&me), "{:?}", clients(&env));
    wait_until("the holder went", Duration::from_secs(15), || {
        holder_pid(&env).is_none()
    });
}
