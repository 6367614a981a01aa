//! Which binary a container's monitor runs in: the small `skiff-monitor` next to skiff when it
//! is there (what cargo builds and the package installs), skiff itself when it is not; the
//! container behaves the same either way (logs, exec, stop, exit code, `--rm`). A monitor in
//! the foreground (`run` without `-d`) is the command forked, no binary exec'd.
mod common;

use std::path::{Path, PathBuf};

use common::*;

/// The executable and arguments of `pid`.
fn exe_and_args(pid: i32) -> (PathBuf, Vec<String>) {
    let exe = std::fs::read_link(format!("/proc/{pid}/exe"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/exe: {e}"));
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let args = cmdline
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    (exe, args)
}

/// Run a container with `skiff` (a path the test user can run), check its monitor's binary
/// is `want_exe` and that the container works end to end through it.
fn container_works_with_monitor_in(env: &TestEnv, skiff: &Path, want_exe: &str) {
    let run = |args: &[&str]| {
        let o = run_with_timeout(env.user_command(skiff, args), None, env.timeout())
            .unwrap_or_else(|e| panic!("skiff {}: {e}", args.join(" ")));
        assert_success(&o, &format!("skiff {}", args.join(" ")));
        stdout(&o)
    };
    let id = run(&[
        "run",
        "-d",
        "--name",
        "m",
        BUSYBOX,
        "sh",
        "-c",
        "echo started; exec sleep 1000",
    ])
    .trim()
    .to_string();
    let pid = env.monitor_pid(&id);
    let (exe, args) = exe_and_args(pid);
    assert_eq!(
        exe.file_name().and_then(|n| n.to_str()),
        Some(want_exe),
        "the monitor of {id} runs {}",
        exe.display()
    );
    assert_eq!(
        args.get(1..4),
        Some(&["__helper".to_string(), "monitor".into(), id.clone()][..])
    );
    assert_eq!(run(&["exec", "m", "echo", "in"]), "in\n");
    // The log is the monitor's work.
    let mut logs = String::new();
    for _ in 0..50 {
        logs = run(&["logs", "m"]);
        if !logs.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(logs, "started\n");
    // PID 1 without a SIGTERM handler: killed after the timeout, as with docker.
    run(&["stop", "-t", "1", "m"]);
    assert_eq!(
        run(&[
            "inspect",
            "-f",
            "{{.State.Status}} {{.State.ExitCode}}",
            "m"
        ]),
        "exited 137\n"
    );
    // `--rm`: the monitor removes the container, files of a container user included.
    assert_eq!(
        run(&[
            "run",
            "--rm",
            BUSYBOX,
            "sh",
            "-c",
            "mkdir /d && touch /d/f && chown -R 1000 /d && echo bye"
        ]),
        "bye\n"
    );
    // Only the stopped container is left.
    assert_eq!(run(&["ps", "-aq"]).trim(), &id[..12]);
}

#[test]
fn the_monitor_runs_in_the_small_binary_next_to_skiff() {
    let env = env_with_busybox();
    container_works_with_monitor_in(&env, skiff_bin(), "skiff-monitor");
}

#[test]
fn without_the_small_binary_skiff_runs_its_own_monitor() {
    let env = env_with_busybox();
    // skiff alone in a directory of its own.
    let dir = env.dir().join("bin");
    std::fs::create_dir(&dir).unwrap();
    let bin = dir.join("skiff");
    std::fs::copy(skiff_bin(), &bin).unwrap();
    let id = (test_uid(), test_gid());
    for p in [&dir, &bin] {
        std::os::unix::fs::chown(p, Some(id.0), Some(id.1)).unwrap();
    }
    container_works_with_monitor_in(&env, &bin, "skiff");
}

#[test]
fn an_idle_monitor_lets_go_of_its_start_up_memory_and_works_on() {
    let env = env_with_busybox();
    let run = |args: &[&str]| {
        let o = run_with_timeout(env.user_command(skiff_bin(), args), None, env.timeout())
            .unwrap_or_else(|e| panic!("skiff {}: {e}", args.join(" ")));
        assert_success(&o, &format!("skiff {}", args.join(" ")));
        stdout(&o)
    };
    let id = run(&[
        "run",
        "-d",
        "--name",
        "idle",
        BUSYBOX,
        "sh",
        "-c",
        "while [ ! -e /tmp/go ]; do sleep 0.2; done; echo late; exec sleep 1000",
    ]);
    let pid = env.monitor_pid(id.trim());
    // Within a few seconds of quiet the monitor's resident set is well under its peak (the
    // start-up code, the dead stack and the free heap are released).
    let mut rss = 0;
    let mut peak = 0;
    for _ in 0..100 {
        rss = status_kb(pid, "VmRSS");
        peak = status_kb(pid, "VmHWM");
        if rss * 2 < peak {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        rss * 2 < peak,
        "the idle monitor keeps {rss} kB resident of its peak {peak} kB"
    );
    // It works on: output written now reaches the log, exec, stop and the exit code.
    assert_eq!(
        run(&["exec", "idle", "sh", "-c", "touch /tmp/go; echo in"]),
        "in\n"
    );
    let mut logs = String::new();
    for _ in 0..50 {
        logs = run(&["logs", "idle"]);
        if !logs.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(logs, "late\n");
    run(&["stop", "-t", "1", "idle"]);
    assert_eq!(
        run(&[
            "inspect",
            "-f",
            "{{.State.Status}} {{.State.ExitCode}}",
            "idle"
        ]),
        "exited 137\n"
    );
}

#[test]
fn the_small_binary_is_position_dependent() {
    // build.rs links skiff-monitor with -no-pie: an ELF executable (ET_EXEC, 2), not a
    // position-independent one (ET_DYN, 3), so that nothing of it is relocated at start.
    let mon = skiff_bin().with_file_name("skiff-monitor");
    let mut head = [0u8; 18];
    std::io::Read::read_exact(
        &mut std::fs::File::open(&mon).unwrap_or_else(|e| panic!("{}: {e}", mon.display())),
        &mut head,
    )
    .unwrap_or_else(|e| panic!("{}: {e}", mon.display()));
    assert_eq!(&head[..4], b"\x7fELF");
    assert_eq!(
        u16::from_le_bytes([head[16], head[17]]),
        2,
        "e_type of {}",
        mon.display()
    );
}

/// `run` in the foreground forks its monitor instead of exec'ing a binary (which costs a libc
/// start-up, ~1 ms of CPU on this VM): the programs executed are skiff, the trampoline and
/// the command; the exit code, the output and the `--rm` removal are the same. `run -d` still
/// runs the small binary, whose memory the container's whole life pays for.
#[test]
fn a_foreground_monitor_is_forked_and_a_detached_one_execs_the_small_binary() {
    let env = env_with_busybox();
    // The first run starts the user-namespace holder (setuid newuidmap, which strace would
    // stop being setuid); the traced ones join it.
    env.skiff_ok(&["run", "--rm", "--network", "none", BUSYBOX, "true"]);
    let traced = |args: &[&str]| -> (std::process::Output, Vec<String>) {
        let (o, text) = env.skiff_traced("execve,execveat", args);
        let execs = text
            .lines()
            .filter(|l| l.contains("exec") && l.ends_with(" = 0"))
            .map(|l| {
                let start = l.find('(').map_or(0, |i| i + 1);
                l[start..].split(',').next().unwrap_or("").to_string()
            })
            .collect();
        (o, execs)
    };
    let (o, execs) = traced(&[
        "run",
        "--rm",
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "echo out; exit 3",
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(stdout(&o), "out\n");
    assert!(
        !execs.iter().any(|e| e.contains("skiff-monitor")),
        "no monitor binary exec'd: {execs:?}"
    );
    assert_eq!(execs.len(), 3, "skiff, the trampoline, sh: {execs:?}");
    assert!(execs[0].ends_with("/skiff\""), "{execs:?}");
    assert_eq!(env.skiff_ok(&["ps", "-aq"]).trim(), "", "--rm removed it");

    // `true`: strace follows the detached monitor and waits for its end.
    let (o, execs) = traced(&[
        "run",
        "-d",
        "--name",
        "bg",
        "--network",
        "none",
        BUSYBOX,
        "true",
    ]);
    assert_success(&o, "run -d");
    assert!(
        execs.iter().any(|e| e.ends_with("/skiff-monitor\"")),
        "a detached monitor runs the small binary: {execs:?}"
    );
    env.skiff_ok(&["rm", "-f", "bg"]);
}

/// A forked monitor takes what the command that forked it has just written from its memory:
/// the record, the runtime spec and the pause process's verified user namespace. Neither
/// `container.json` nor `config.json` is opened by name in the whole `run --rm` (the command
/// writes them through temporary files; a kept container's record is read once after its exit,
/// for the restart policy), and the pause process's record is read once. The container
/// still gets its spec (hostname, command, exit code), and `ps`'s summary, which the monitor
/// takes from the record it was given, shows a kept container as `inspect` does, before and
/// after a rename.
#[test]
fn a_forked_monitor_reads_back_nothing_the_command_wrote() {
    let env = env_with_busybox();
    // The first run starts the user-namespace holder (setuid newuidmap, which strace would
    // stop being setuid); the traced ones join it.
    env.skiff_ok(&["run", "--rm", "--network", "none", BUSYBOX, "true"]);
    let traced = |args: &[&str]| env.skiff_traced("open,openat,openat2", args);
    let read_back = |log: &str| -> Vec<String> {
        log.lines()
            .filter(|l| l.contains("/containers/"))
            .filter(|l| l.contains("/container.json\"") || l.contains("/config.json\""))
            .map(str::to_string)
            .collect()
    };
    let (o, log) = traced(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--hostname",
        "given",
        BUSYBOX,
        "sh",
        "-c",
        "cat /etc/hostname; exit 3",
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(stdout(&o), "given\n");
    assert_eq!(read_back(&log), Vec::<String>::new(), "nothing read back");
    let pause_reads = log
        .lines()
        .filter(|l| l.contains("/pause.json\"") && l.contains("O_RDONLY"))
        .count();
    assert_eq!(pause_reads, 1, "the pause record read once:\n{log}");
    assert_eq!(env.skiff_ok(&["ps", "-aq"]).trim(), "", "--rm removed it");

    // A kept container: `ps` shows what `inspect` does.
    let (o, log) = traced(&[
        "run",
        "--name",
        "kept",
        "--network",
        "none",
        BUSYBOX,
        "true",
    ]);
    assert_success(&o, "run");
    // Once, after the exit: the restart policy, which `update` may have changed meanwhile.
    let reads = read_back(&log);
    assert!(
        reads.len() == 1 && reads[0].contains("/container.json\""),
        "the record read once, the spec never: {reads:?}"
    );
    let ps = |name: &str| {
        env.skiff_ok(&[
            "ps",
            "-a",
            "--filter",
            &format!("name={name}"),
            "--format",
            "{{.Names}} {{.Command}} {{.Image}}",
        ])
    };
    assert_eq!(ps("kept").trim(), format!("kept \"true\" {BUSYBOX}"));
    assert_eq!(
        env.skiff_ok(&[
            "inspect",
            "--format",
            "{{.Name}} {{.Config.Hostname}}",
            "kept"
        ])
        .trim()
        .split(' ')
        .next(),
        Some("/kept")
    );
    env.skiff_ok(&["rename", "kept", "renamed"]);
    assert_eq!(ps("renamed").trim(), format!("renamed \"true\" {BUSYBOX}"));
    env.skiff_ok(&["rm", "renamed"]);
}
