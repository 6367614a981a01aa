//! Resources as a user sees them, run as the unprivileged test user: `pause` and `unpause`
//! (without a cgroup on this machine: by signals over the container's PID namespace), the
//! paused state in `inspect`, `ps` and events, and `exec`, `start`, `stop`, `kill` and `rm -f`
//! on a paused container.
mod common;

use std::time::Duration;

use common::*;

/// A container that prints a counter ten times a second, with a child in the background.
fn counter(env: &TestEnv, name: &str) {
    env.skiff_ok(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        name,
        BUSYBOX,
        "sh",
        "-c",
        "sleep 300 & i=0; while :; do i=$((i+1)); echo $i; sleep 0.1; done",
    ]);
}

/// How far the counter of `name` has got (lines of its log).
fn count(env: &TestEnv, name: &str) -> usize {
    env.skiff_ok(&["logs", name]).lines().count()
}

/// Wait until the counter of `name` has printed something.
fn wait_counting(env: &TestEnv, name: &str) {
    for _ in 0..100 {
        if count(env, name) > 2 {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{name} never counted");
}

fn status(env: &TestEnv, name: &str) -> String {
    env.skiff_ok(&[
        "inspect",
        "-f",
        "{{.State.Status}} {{.State.Running}} {{.State.Paused}}",
        name,
    ])
    .trim()
    .to_string()
}

/// The process states (the letter of /proc/PID/stat) of the container's processes, by `top`.
fn process_states(env: &TestEnv, name: &str) -> Vec<char> {
    let top = env.skiff_ok(&["top", name]);
    top.lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
        .filter_map(|s| {
            let after = s.rsplit_once(')')?.1;
            after.trim_start().chars().next()
        })
        .collect()
}

fn now() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    format!("{}.{:09}", t.as_secs(), t.subsec_nanos())
}

#[test]
fn pause_stops_the_counter_and_unpause_resumes_it() {
    let env = env_with_busybox();
    let since = now();
    counter(&env, "c1");
    counter(&env, "other");
    wait_counting(&env, "c1");
    wait_counting(&env, "other");

    assert_eq!(env.skiff_ok(&["pause", "c1"]), "c1\n");
    assert_eq!(status(&env, "c1"), "paused true true");
    // Every process of the container is stopped: sh, its sleep 300 and the loop's sleep (or
    // that sleep is a zombie: it ended just before sh stopped).
    let states = process_states(&env, "c1");
    assert!(
        states.iter().filter(|s| **s == 'T').count() >= 2,
        "{states:?}"
    );
    assert!(states.iter().all(|s| matches!(s, 'T' | 'Z')), "{states:?}");

    // The counter stands still while paused; the other container keeps counting.
    let (a, o) = (count(&env, "c1"), count(&env, "other"));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(count(&env, "c1"), a, "a paused container went on counting");
    assert!(
        count(&env, "other") > o + 5,
        "pausing c1 stopped another container"
    );

    // ps: docker's status, the paused filter.
    let ps = env.skiff_ok(&["ps", "--format", "{{.Names}} {{.Status}}"]);
    let line = ps
        .lines()
        .find(|l| l.starts_with("c1 "))
        .unwrap_or_default();
    assert!(
        line.starts_with("c1 Up ") && line.ends_with(" (Paused)"),
        "{ps}"
    );
    assert_eq!(
        env.skiff_ok(&["ps", "--filter", "status=paused", "--format", "{{.Names}}"]),
        "c1\n"
    );
    assert_eq!(
        env.skiff_ok(&["ps", "--filter", "status=running", "--format", "{{.Names}}"]),
        "other\n"
    );

    // A paused container refuses exec, attach, start, and a second pause.
    let o = env.skiff(&["exec", "c1", "true"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "Error: Container c1 is paused, unpause the container before exec\n"
    );
    let o = env.skiff(&["start", "c1"]);
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("cannot start a paused container, try unpause instead"),
        "{}",
        stderr(&o)
    );
    let o = env.skiff(&["pause", "c1"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("is already paused"), "{}", stderr(&o));
    // top still lists it, as docker's does.
    assert!(env.skiff_ok(&["top", "c1"]).contains("sleep 300"));

    assert_eq!(env.skiff_ok(&["unpause", "c1"]), "c1\n");
    assert_eq!(status(&env, "c1"), "running true false");
    let b = count(&env, "c1");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(count(&env, "c1") > b + 5, "the counter did not resume");
    assert!(
        process_states(&env, "c1").iter().all(|s| *s != 'T'),
        "a process stayed stopped"
    );
    let o = env.skiff(&["unpause", "c1"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("is not paused"), "{}", stderr(&o));
    // exec works again.
    assert_eq!(env.skiff_ok(&["exec", "c1", "echo", "back"]), "back\n");

    let ev = env.skiff_ok(&[
        "events",
        "--since",
        &since,
        "--until",
        &now(),
        "--filter",
        "container=c1",
        "--filter",
        "event=pause",
        "--filter",
        "event=unpause",
        "--format",
        "{{.Actor.Attributes.name}} {{.Action}}",
    ]);
    assert_eq!(ev, "c1 pause\nc1 unpause\n");
    env.skiff_ok(&["rm", "-f", "c1", "other"]);
}

#[test]
fn stop_kill_and_rm_of_a_paused_container() {
    let env = env_with_busybox();
    for n in ["s", "k", "r"] {
        counter(&env, n);
    }
    for n in ["s", "k", "r"] {
        wait_counting(&env, n);
        env.skiff_ok(&["pause", n]);
    }
    // stop: the stop signal is delivered once it runs again (sh as PID 1 ignores SIGTERM, so
    // the timeout's SIGKILL ends it).
    assert_eq!(env.skiff_ok(&["stop", "-t", "1", "s"]), "s\n");
    assert_eq!(status(&env, "s"), "exited false false");
    // kill: SIGKILL ends a paused container.
    assert_eq!(env.skiff_ok(&["kill", "k"]), "k\n");
    assert_eq!(status(&env, "k"), "exited false false");
    // A stopped container starts again, unpaused.
    env.skiff_ok(&["start", "k"]);
    assert_eq!(status(&env, "k"), "running true false");
    // rm refuses a paused container as docker's does; rm -f removes it.
    let o = env.skiff(&["rm", "r"]);
    assert_ne!(code(&o), 0);
    assert_eq!(
        stderr(&o),
        "Error: cannot remove container \"/r\": container is paused and must be unpaused first\n"
    );
    assert_eq!(env.skiff_ok(&["rm", "-f", "r"]), "r\n");
    let o = env.skiff(&["inspect", "r"]);
    assert_ne!(code(&o), 0);
    // pause of a stopped container: docker's error.
    let o = env.skiff(&["pause", "s"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("is not running"), "{}", stderr(&o));
    env.skiff_ok(&["rm", "-f", "s", "k"]);
}

// ---- container cgroups ------------------------------------------------------------------------

/// A leaf of the cgroup v2 subtree `tests/env/setup.sh` delegates to the test user, for one
/// test's skiff commands (as a user's shell sits in a leaf of `user@UID.service`). Removed on
/// drop once empty.
struct Leaf {
    delegated: std::path::PathBuf,
    dir: std::path::PathBuf,
}

impl Leaf {
    fn new(name: &str) -> Leaf {
        let delegated = std::fs::read_to_string("/etc/skiff-test/cgroup").expect(
            "/etc/skiff-test/cgroup: run tests/env/setup.sh (it delegates a cgroup v2 subtree)",
        );
        let delegated = std::path::PathBuf::from(delegated.trim());
        assert!(
            nix::unistd::geteuid().is_root(),
            "the cgroup tests move skiff into the delegated subtree: run them as root"
        );
        let dir = delegated.join(format!("{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let uid = nix::unistd::Uid::from_raw(test_uid());
        let gid = nix::unistd::Gid::from_raw(test_gid());
        for f in [
            "",
            "cgroup.procs",
            "cgroup.subtree_control",
            "cgroup.threads",
        ] {
            nix::unistd::chown(&dir.join(f), Some(uid), Some(gid)).unwrap();
        }
        Leaf { delegated, dir }
    }

    /// skiff ARGS as the test user, started inside this leaf.
    fn skiff(&self, env: &TestEnv, args: &[&str]) -> std::process::Output {
        let inner = env.command(args);
        let mut c = std::process::Command::new("/bin/sh");
        c.arg("-c")
            .arg("echo $$ > \"$0/cgroup.procs\" && exec \"$@\"")
            .arg(&self.dir)
            .arg(inner.get_program())
            .args(inner.get_args());
        for (k, v) in inner.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        c.current_dir(env.dir()).stdin(std::process::Stdio::null());
        run_with_timeout(c, None, env.timeout()).unwrap()
    }

    fn skiff_ok(&self, env: &TestEnv, args: &[&str]) -> String {
        let o = self.skiff(env, args);
        assert_success(&o, &format!("skiff {}", args.join(" ")));
        stdout(&o)
    }
}

impl Drop for Leaf {
    fn drop(&mut self) {
        for _ in 0..50 {
            if std::fs::remove_dir(&self.dir).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn read(p: &std::path::Path) -> String {
    std::fs::read_to_string(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .trim()
        .to_string()
}

#[test]
fn containers_get_their_own_cgroup_where_one_is_delegated() {
    let env = env_with_busybox();
    let leaf = Leaf::new("cg");
    leaf.skiff_ok(
        &env,
        &[
            "run",
            "-d",
            "--network",
            "none",
            "--name",
            "cg",
            BUSYBOX,
            "sh",
            "-c",
            "sleep 300 & i=0; while :; do i=$((i+1)); echo $i; sleep 0.1; done",
        ],
    );
    wait_counting(&env, "cg");
    let id = env.skiff_ok(&["inspect", "-f", "{{.Id}}", "cg"]);
    let dir = leaf.delegated.join("skiff.slice").join(id.trim());
    // pause freezes the cgroup; unpause thaws it.
    env.skiff_ok(&["pause", "cg"]);
    assert_eq!(read(&dir.join("cgroup.freeze")), "1");
    assert!(read(&dir.join("cgroup.events")).contains("frozen 1"));
    assert_eq!(status(&env, "cg"), "paused true true");
    // Frozen, the process list holds still: every process of the container's PID namespace
    // is in its cgroup, and nothing else is.
    // (Zombies aside: a loop's `sleep` may have ended, not yet reaped.)
    let live = |p: &i32| {
        std::fs::read_to_string(format!("/proc/{p}/stat"))
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')
                    .map(|(_, r)| r.trim_start().starts_with('Z'))
            })
            == Some(false)
    };
    let mut procs: Vec<i32> = read(&dir.join("cgroup.procs"))
        .lines()
        .filter_map(|l| l.parse().ok())
        .filter(live)
        .collect();
    procs.sort();
    let pid1 = env.skiff_ok(&["inspect", "-f", "{{.State.Pid}}", "cg"]);
    let ns = |pid: &str| std::fs::read_link(format!("/proc/{pid}/ns/pid")).ok();
    let own_ns = ns(pid1.trim());
    assert!(own_ns.is_some());
    let mut members: Vec<i32> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()))
        .filter(|p| ns(&p.to_string()) == own_ns)
        .filter(live)
        .collect();
    members.sort();
    assert!(members.len() >= 2, "{members:?}");
    assert_eq!(procs, members);
    let top = env.skiff_ok(&["top", "cg"]);
    for p in &members {
        assert!(top.contains(&format!(" {p} ")), "{p} missing in top: {top}");
    }
    let a = count(&env, "cg");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(count(&env, "cg"), a, "a frozen container went on counting");
    env.skiff_ok(&["unpause", "cg"]);
    assert_eq!(read(&dir.join("cgroup.freeze")), "0");
    let b = count(&env, "cg");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(count(&env, "cg") > b + 5, "the counter did not resume");

    // A limit needs its controller, which this subtree does not have: docker's error
    // naming it, exit 125, nothing created.
    let before = env.skiff_ok(&["ps", "-aq"]);
    let o = leaf.skiff(&env, &["create", "--memory", "64m", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert!(
        stderr(&o).starts_with("Error: --memory needs the memory cgroup controller, which is not delegated to your user"),
        "{}",
        stderr(&o)
    );
    assert_eq!(env.skiff_ok(&["ps", "-aq"]), before);

    // rm -f kills the whole cgroup (cgroup.kill): also a process that joined the cgroup but
    // not the container's PID namespace.
    let mut outsider = std::process::Command::new("sleep")
        .arg("300")
        .spawn()
        .unwrap();
    std::fs::write(dir.join("cgroup.procs"), outsider.id().to_string()).unwrap();
    leaf.skiff_ok(&env, &["rm", "-f", "cg"]);
    let waited = outsider.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&waited),
        Some(9),
        "{waited:?}"
    );
    assert!(!dir.exists(), "{} is left after rm", dir.display());

    // --cgroup-parent: relative to the delegated subtree; the cgroup goes when it stops.
    leaf.skiff_ok(
        &env,
        &[
            "run",
            "-d",
            "--network",
            "none",
            "--name",
            "p",
            "--cgroup-parent",
            "mine",
            BUSYBOX,
            "sleep",
            "300",
        ],
    );
    let id = env.skiff_ok(&["inspect", "-f", "{{.Id}}", "p"]);
    let dir = leaf.delegated.join("mine").join(id.trim());
    assert!(dir.join("cgroup.procs").exists(), "{}", dir.display());
    assert_eq!(
        env.skiff_ok(&["inspect", "-f", "{{.HostConfig.CgroupParent}}", "p"]),
        "mine\n"
    );
    leaf.skiff_ok(&env, &["kill", "p"]);
    assert!(
        !dir.exists(),
        "{} is left after the container stopped",
        dir.display()
    );
    leaf.skiff_ok(&env, &["rm", "p"]);
    let o = leaf.skiff(
        &env,
        &["create", "--cgroup-parent", "/elsewhere", BUSYBOX, "true"],
    );
    assert_eq!(code(&o), 125);
    assert!(stderr(&o).contains("is outside the cgroup subtree delegated to you"));
    let _ = std::fs::remove_dir(leaf.delegated.join("mine"));
}

/// The first block device of /dev (the per-device limits need a real one, as docker's do).
fn block_device() -> (String, String) {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let mut devs: Vec<_> = std::fs::read_dir("/dev")
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_block_device()))
        .collect();
    devs.sort_by_key(|e| e.file_name());
    let e = devs.first().expect("no block device in /dev");
    let rdev = e.metadata().unwrap().rdev();
    (
        e.path().to_string_lossy().into_owned(),
        format!(
            "{}:{}",
            nix::sys::stat::major(rdev),
            nix::sys::stat::minor(rdev)
        ),
    )
}

#[test]
fn limits_are_written_as_runc_writes_them() {
    let env = env_with_busybox();
    // A directory laid out as a delegated cgroupfs with every controller, named by
    // SKIFF_CGROUP_ROOT: the exact values written can be read back.
    let fake = env.dir().join("cgroupfs");
    std::fs::create_dir(&fake).unwrap();
    std::fs::write(
        fake.join("cgroup.controllers"),
        "cpuset cpu io memory pids\n",
    )
    .unwrap();
    std::fs::write(fake.join("cgroup.procs"), "").unwrap();
    let (uid, gid) = (
        nix::unistd::Uid::from_raw(test_uid()),
        nix::unistd::Gid::from_raw(test_gid()),
    );
    for f in ["", "cgroup.procs", "cgroup.controllers"] {
        nix::unistd::chown(&fake.join(f), Some(uid), Some(gid)).unwrap();
    }
    let root = format!("SKIFF_CGROUP_ROOT={}", fake.display());
    let skiff = |args: &[&str]| {
        let mut a = vec![root.as_str(), skiff_bin().to_str().unwrap()];
        a.extend_from_slice(args);
        run_with_timeout(env.user_command("env", &a), None, env.timeout()).unwrap()
    };
    let ok = |args: &[&str]| {
        let o = skiff(args);
        assert_success(&o, &format!("skiff {}", args.join(" ")));
        stdout(&o)
    };
    let (dev, devnum) = block_device();
    let iops = format!("{dev}:100");
    ok(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        "lim",
        "--memory",
        "64m",
        "--memory-swap",
        "100m",
        "--memory-reservation",
        "32m",
        "--cpus",
        "0.5",
        "--cpu-shares",
        "512",
        "--cpuset-cpus",
        "0",
        "--cpuset-mems",
        "0",
        "--pids-limit",
        "10",
        "--blkio-weight",
        "300",
        "--device-write-iops",
        &iops,
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let id = env.skiff_ok(&["inspect", "-f", "{{.Id}}", "lim"]);
    let dir = fake.join("skiff.slice").join(id.trim());
    let file = |f: &str| read(&dir.join(f));
    assert_eq!(file("memory.max"), "67108864");
    assert_eq!(file("memory.swap.max"), "37748736");
    assert_eq!(file("memory.low"), "33554432");
    assert_eq!(file("cpu.max"), "50000 100000");
    assert_eq!(file("cpu.weight"), "20");
    assert_eq!(file("cpuset.cpus"), "0");
    assert_eq!(file("cpuset.mems"), "0");
    assert_eq!(file("pids.max"), "10");
    assert_eq!(file("io.weight"), "2930");
    assert_eq!(file("io.max"), format!("{devnum} wiops=100"));
    let pid = env.skiff_ok(&["inspect", "-f", "{{.State.Pid}}", "lim"]);
    assert_eq!(file("cgroup.procs"), pid.trim());
    // The controllers are enabled for the children on the way down.
    assert!(fake.join("cgroup.subtree_control").exists());
    assert!(fake.join("skiff.slice/cgroup.subtree_control").exists());

    let hc = env.skiff_ok(&[
        "inspect",
        "-f",
        "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.MemoryReservation}} \
         {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.CpusetCpus}} \
         {{.HostConfig.PidsLimit}} {{.HostConfig.BlkioWeight}} {{json .HostConfig.BlkioDeviceWriteIOps}}",
        "lim",
    ]);
    assert_eq!(
        hc.trim(),
        format!(
            "67108864 104857600 33554432 500000000 512 0 10 300 [{{\"Path\":\"{dev}\",\"Rate\":100}}]"
        )
    );

    // stats reads the cgroup's counters where it has them.
    for (f, v) in [
        ("memory.current", "12345678\n"),
        (
            "memory.stat",
            "anon 1000\ninactive_file 345678\nactive_file 0\n",
        ),
        ("pids.current", "7\n"),
        (
            "cpu.stat",
            "usage_usec 1000\nuser_usec 500\nsystem_usec 500\n",
        ),
        (
            "io.stat",
            "7:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n",
        ),
    ] {
        std::fs::write(dir.join(f), v).unwrap();
    }
    assert_eq!(
        env.skiff_ok(&[
            "stats",
            "--no-stream",
            "--format",
            "{{.MemUsage}} {{.MemPerc}} {{.PIDs}} {{.BlockIO}}",
            "lim",
        ]),
        "11.44MiB / 64MiB 17.88% 7 100B / 200B\n"
    );

    // update changes them live; a memory limit above the swap limit needs the swap too.
    let o = skiff(&["update", "--memory", "128m", "lim"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains(
            "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time"
        ),
        "{}",
        stderr(&o)
    );
    let bps = format!("{dev}:1mb");
    assert_eq!(
        ok(&[
            "update",
            "--memory",
            "128m",
            "--memory-swap",
            "256m",
            "--pids-limit",
            "20",
            "--cpus",
            "0.25",
            "--device-read-bps",
            &bps,
            "lim",
        ]),
        "lim\n"
    );
    assert_eq!(file("memory.max"), "134217728");
    assert_eq!(file("memory.swap.max"), "134217728");
    assert_eq!(file("pids.max"), "20");
    assert_eq!(file("cpu.max"), "25000 100000");
    assert_eq!(file("io.max"), format!("{devnum} rbps=1048576"));
    assert_eq!(
        env.skiff_ok(&[
            "inspect",
            "-f",
            "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}",
            "lim"
        ]),
        "134217728 20\n"
    );

    // docker's checks, before anything is made.
    for (args, err) in [
        (
            vec!["--memory", "1m"],
            "Minimum memory limit allowed is 6MB",
        ),
        (
            vec!["--memory-swap", "1g"],
            "You should always set the Memory limit when using Memoryswap limit, see usage",
        ),
        (
            vec!["--memory", "64m", "--memory-swap", "32m"],
            "Minimum memoryswap limit should be larger than memory limit, see usage",
        ),
        (
            vec!["--memory", "64m", "--memory-reservation", "128m"],
            "Minimum memory limit can not be less than memory reservation limit, see usage",
        ),
        (
            vec!["--cpus", "0.5", "--cpu-quota", "50000"],
            "Conflicting options: Nano CPUs and CPU Quota cannot both be set",
        ),
        (
            vec!["--cpu-period", "10"],
            "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)",
        ),
        (
            vec!["--blkio-weight", "5"],
            "Range of blkio weight is from 10 to 1000",
        ),
        (
            vec!["--cpuset-cpus", "x"],
            "Invalid value x for cpuset cpus",
        ),
        (
            vec!["--memory-swappiness", "101"],
            "Invalid value: 101, valid memory swappiness range is 0-100",
        ),
    ] {
        let mut a = vec!["create"];
        a.extend_from_slice(&args);
        a.extend_from_slice(&[BUSYBOX, "true"]);
        let o = skiff(&a);
        assert_eq!(code(&o), 125, "{args:?}");
        assert_eq!(stderr(&o), format!("Error: {err}\n"), "{args:?}");
    }
    assert_eq!(
        env.skiff_ok(&["ps", "-aq"]).lines().count(),
        1,
        "nothing created"
    );
    // What cgroup v2 has no file for: docker's warnings, and the container is made.
    let o = skiff(&[
        "create",
        "--name",
        "warned",
        "--memory-swappiness",
        "10",
        "--oom-kill-disable",
        BUSYBOX,
        "true",
    ]);
    assert_success(&o, "create --memory-swappiness");
    assert_eq!(
        stderr(&o),
        "WARNING: Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.\n\
         WARNING: Your kernel does not support OomKillDisable. OomKillDisable discarded.\n"
    );

    // An OOM kill in its cgroup (memory.events) shows as State.OOMKilled and an `oom` event.
    let since = now();
    std::fs::write(
        dir.join("memory.events"),
        "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n",
    )
    .unwrap();
    ok(&["kill", "lim"]);
    assert_eq!(
        env.skiff_ok(&[
            "inspect",
            "-f",
            "{{.State.Status}} {{.State.OOMKilled}}",
            "lim"
        ]),
        "exited true\n"
    );
    let ev = env.skiff_ok(&[
        "events",
        "--since",
        &since,
        "--until",
        &now(),
        "--filter",
        "container=lim",
        "--format",
        "{{.Action}}",
    ]);
    assert!(ev.contains("oom\ndie\n"), "{ev}");
    assert!(
        !dir.exists(),
        "{} is left after the container stopped",
        dir.display()
    );
    // The next run starts with a clean slate.
    ok(&["start", "lim"]);
    assert_eq!(
        env.skiff_ok(&["inspect", "-f", "{{.State.OOMKilled}}", "lim"]),
        "false\n"
    );
    assert_eq!(
        file("memory.max"),
        "134217728",
        "the limits are written again"
    );

    ok(&["rm", "-f", "lim", "warned"]);
    assert!(!dir.exists(), "{} is left after rm", dir.display());
}

#[test]
fn private_cgroup_namespace_is_rooted_at_the_containers_cgroup() {
    let env = env_with_busybox();
    let leaf = Leaf::new("cgns");
    let v2 = |out: &str| {
        out.lines()
            .find(|l| l.starts_with("0::"))
            .unwrap_or_else(|| panic!("no cgroup v2 line in {out}"))
            .to_string()
    };
    let run = |extra: &[&str]| {
        let mut a = vec!["run", "--rm", "--network", "none"];
        a.extend_from_slice(extra);
        a.extend_from_slice(&[BUSYBOX, "cat", "/proc/self/cgroup"]);
        v2(&leaf.skiff_ok(&env, &a))
    };
    // docker's `--cgroupns private`: the container's own cgroup is its root.
    assert_eq!(run(&["--cgroupns", "private"]), "0::/");
    // The host's cgroup namespace (this cgroup v1 host's default): the whole path shows.
    let host = run(&["--cgroupns", "host"]);
    assert!(host.contains("/skiff.slice/"), "{host}");
}
