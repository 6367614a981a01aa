//! ps filters and formats, logs windows, monitor loss, parallel runs, attach, top, prune,
//! stats, pause and update, as the unprivileged test user.
mod common;

use std::time::Duration;

use common::pty::OnPty;
use common::*;

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

#[test]
fn ps_filters_formats_and_sizes() {
    let env = env_with_busybox();
    let net = ["--network", "none"];
    let run = |args: &[&str]| {
        let mut a = vec!["run"];
        a.extend_from_slice(args);
        env.skiff_ok(&a).trim().to_string()
    };
    let web = run(&[
        "-d",
        net[0],
        net[1],
        "--name",
        "web1",
        "-l",
        "tier=front",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    run(&[
        net[0],
        net[1],
        "--name",
        "job0",
        "-l",
        "tier=back",
        BUSYBOX,
        "sh",
        "-c",
        "head -c 5000 /dev/zero > /blob",
    ]);
    let o = env.skiff(&[
        "run", net[0], net[1], "--name", "job3", BUSYBOX, "sh", "-c", "exit 3",
    ]);
    assert_eq!(code(&o), 3);

    // Without -a only the running one; -n/-l and status filters look at every state.
    assert_eq!(env.skiff_ok(&["ps", "--format", "{{.Names}}"]), "web1\n");
    assert_eq!(
        env.skiff_ok(&["ps", "-l", "--format", "{{.Names}}"]),
        "job3\n"
    );
    assert_eq!(
        env.skiff_ok(&["ps", "-n", "2", "--format", "{{.Names}}"]),
        "job3\njob0\n"
    );
    let names = |filters: &[&str]| {
        let mut a = vec!["ps", "-a", "--format", "{{.Names}}"];
        for f in filters {
            a.push("--filter");
            a.push(f);
        }
        let mut v: Vec<String> = env.skiff_ok(&a).lines().map(String::from).collect();
        v.sort();
        v
    };
    assert_eq!(names(&["status=exited"]), ["job0", "job3"]);
    assert_eq!(names(&["status=running"]), ["web1"]);
    assert_eq!(names(&["status=running", "status=exited"]).len(), 3);
    assert_eq!(names(&["exited=3"]), ["job3"]);
    assert_eq!(names(&["exited=0"]), ["job0"]);
    assert_eq!(names(&["name=job"]), ["job0", "job3"]);
    assert_eq!(names(&["name=^web1$"]), ["web1"]);
    assert_eq!(names(&["label=tier"]), ["job0", "web1"]);
    assert_eq!(names(&["label=tier=front"]), ["web1"]);
    // Label filters all must match (docker's rule; compose selects by project and service).
    assert_eq!(names(&["label=tier", "label=tier=front"]), ["web1"]);
    // Different keys: all must match.
    assert_eq!(names(&["label=tier", "status=exited"]), ["job0"]);
    assert_eq!(names(&[&format!("id={}", &web[..8])]), ["web1"]);
    assert_eq!(names(&[&format!("ancestor={BUSYBOX}")]).len(), 3);
    assert!(names(&["ancestor=sha256:0000"]).is_empty());
    let err = env.skiff_err(&["ps", "--filter", "status=sleepy"]);
    assert!(err.contains("invalid filter 'status=sleepy'"), "{err}");
    let err = env.skiff_err(&["ps", "--filter", "colour=red"]);
    assert!(err.contains("invalid filter 'colour'"), "{err}");

    // Formats: docker's field names, table with headers, json, and newlines only.
    let t = env.skiff_ok(&[
        "ps",
        "-a",
        "--filter",
        "name=web1",
        "--format",
        "table {{.ID}}\t{{.Names}}\t{{.State}}\t{{.Labels}}",
    ]);
    let l = lines(&t);
    assert!(l[0].starts_with("CONTAINER ID"), "{t}");
    assert!(l[0].contains("NAMES") && l[0].contains("STATE"), "{t}");
    assert!(l[1].starts_with(&web[..12]), "{t}");
    assert!(
        l[1].contains("running") && l[1].contains("tier=front"),
        "{t}"
    );
    let j = env.skiff_ok(&["ps", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(j.trim()).expect("one JSON object");
    assert_eq!(v["Names"], "web1");
    assert_eq!(v["State"], "running");
    assert_eq!(v["Image"], BUSYBOX);
    assert!(v["Status"].as_str().unwrap().starts_with("Up "), "{v}");
    assert!(v["RunningFor"].as_str().unwrap().ends_with(" ago"), "{v}");
    assert!(
        v["CreatedAt"].as_str().unwrap().ends_with(" +0000 UTC"),
        "{v}"
    );
    let nl = env.skiff_ok(&["ps", "-a", "--format", "{{\"\\n\"}}"]);
    assert!(!nl.is_empty() && nl.chars().all(|c| c == '\n'), "{nl:?}");
    let err = env.skiff_err(&["ps", "--format", "{{.Nope}}"]);
    assert!(err.contains("Nope"), "{err}");

    // -s: the writable layer, and the image as virtual size.
    let s = env.skiff_ok(&["ps", "-a", "-s", "--filter", "name=job0"]);
    let l = lines(&s);
    assert!(l[0].trim_end().ends_with("SIZE"), "{s}");
    assert!(l[1].contains("5kB (virtual "), "{s}");
    let s = env.skiff_ok(&["ps", "-a", "--filter", "name=job3", "--format", "{{.Size}}"]);
    assert!(s.starts_with("0B (virtual ") && s.contains("MB)"), "{s}");
}

#[test]
fn logs_tail_since_until() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "--network",
        "none",
        "--name",
        "l",
        BUSYBOX,
        "sh",
        "-c",
        "echo one; echo two; echo err >&2; sleep 2; echo three",
    ]);
    let o = env.skiff(&["logs", "l"]);
    assert_eq!(stdout(&o), "one\ntwo\nthree\n");
    assert_eq!(stderr(&o), "err\n");
    let o = env.skiff(&["logs", "--tail", "2", "l"]);
    assert_eq!(stdout(&o), "three\n");
    assert_eq!(stderr(&o), "err\n");
    assert_eq!(
        env.skiff_ok(&["logs", "--tail", "all", "l"]),
        "one\ntwo\nthree\n"
    );
    assert_eq!(env.skiff_ok(&["logs", "-n", "0", "l"]), "");
    // Times from the log itself: split between "two" and "three".
    let t = env.skiff_ok(&["logs", "-t", "l"]);
    let stamp = |line: &str| line.split(' ').next().unwrap_or_default().to_string();
    let two = stamp(lines(&t)[1]);
    let three = stamp(lines(&t)[2]);
    assert!(two < three);
    let two_t = chrono::DateTime::parse_from_rfc3339(&two).unwrap();
    let mid = two_t + chrono::Duration::milliseconds(1000);
    let mid_rfc = mid.to_rfc3339();
    assert_eq!(env.skiff_ok(&["logs", "--since", &mid_rfc, "l"]), "three\n");
    assert_eq!(
        env.skiff_ok(&["logs", "--until", &mid_rfc, "l"]),
        "one\ntwo\n"
    );
    let unix = format!("{}.{:09}", mid.timestamp(), mid.timestamp_subsec_nanos());
    assert_eq!(env.skiff_ok(&["logs", "--since", &unix, "l"]), "three\n");
    // Durations count back from now: everything is newer than an hour ago, nothing is older.
    assert_eq!(
        env.skiff_ok(&["logs", "--since", "1h", "l"]),
        "one\ntwo\nthree\n"
    );
    assert_eq!(env.skiff_ok(&["logs", "--until", "1h", "l"]), "");
    let err = env.skiff_err(&["logs", "--since", "yesterday", "l"]);
    assert!(err.contains("invalid time"), "{err}");

    // -f with --tail: the last line, then what comes, until the container stops.
    env.skiff_ok(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        "f",
        BUSYBOX,
        "sh",
        "-c",
        "echo a; echo b; sleep 2; echo c",
    ]);
    std::thread::sleep(Duration::from_millis(800));
    let o = env.skiff(&["logs", "-f", "--tail", "1", "f"]);
    assert_eq!(stdout(&o), "b\nc\n");
}

fn kill9(pid: i32) {
    assert!(pid > 0);
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    );
}

fn wait_gone(pid: i32) {
    for _ in 0..200 {
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("process {pid} did not go away");
}

#[test]
fn killed_monitor_is_reported_exited_and_can_start_again() {
    let env = env_with_busybox();
    let id = env.skiff_ok(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        "k",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let id = id.trim();
    let pid: i32 = env
        .skiff_ok(&["inspect", "-f", "{{.State.Pid}}", "k"])
        .trim()
        .parse()
        .unwrap();
    let mon = env.monitor_pid(id);
    // A reboot: the monitor and the container both vanish without a word.
    kill9(mon);
    kill9(pid);
    wait_gone(mon);
    wait_gone(pid);
    let ps = env.skiff_ok(&["ps", "-a", "--format", "{{.Names}} {{.State}} {{.Status}}"]);
    assert_eq!(ps.trim(), "k exited Exited (255)");
    assert_eq!(env.skiff_ok(&["ps", "-q"]), "");
    let st = env.skiff_ok(&[
        "inspect",
        "-f",
        "{{.State.Status}} {{.State.Running}} {{.State.ExitCode}} {{.State.Error}}",
        "k",
    ]);
    assert!(st.starts_with("exited false 255 "), "{st}");
    assert!(st.contains("monitor died"), "{st}");
    // It starts again under a new monitor, and stops normally.
    assert_eq!(env.skiff_ok(&["start", "k"]), "k\n");
    let st = env.skiff_ok(&["inspect", "-f", "{{.State.Status}} {{.State.Error}}", "k"]);
    assert_eq!(st.trim(), "running");
    assert_ne!(env.monitor_pid(id), mon);
    env.skiff_ok(&["stop", "-t", "1", "k"]);

    // Only the monitor killed: the container lives on; stop still ends it and it reads exited.
    env.skiff_ok(&["start", "k"]);
    kill9(env.monitor_pid(id));
    env.skiff_ok(&["stop", "-t", "1", "k"]);
    let st = env.skiff_ok(&["inspect", "-f", "{{.State.Status}}", "k"]);
    assert_eq!(st.trim(), "exited");
    env.skiff_ok(&["start", "k"]);
    assert_eq!(env.skiff_ok(&["ps", "-q"]).trim(), &id[..12]);
}

#[test]
fn twenty_parallel_detached_runs_are_all_listed() {
    let env = env_with_busybox();
    let mut children = Vec::new();
    for i in 0..20 {
        let name = format!("p{i}");
        let mut c = env.command(&[
            "run",
            "-d",
            "--network",
            "none",
            "--name",
            &name,
            BUSYBOX,
            "sleep",
            "300",
        ]);
        c.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        children.push(c.spawn().expect("spawn skiff run"));
    }
    let mut ids = Vec::new();
    for c in children {
        let o = c.wait_with_output().expect("wait");
        assert_success(&o, "skiff run -d");
        ids.push(stdout(&o).trim()[..12].to_string());
    }
    let mut listed: Vec<String> = env
        .skiff_ok(&["ps", "-q"])
        .lines()
        .map(String::from)
        .collect();
    listed.sort();
    ids.sort();
    assert_eq!(listed, ids);
    let mut names: Vec<String> = env
        .skiff_ok(&["ps", "--format", "{{.Names}} {{.State}}"])
        .lines()
        .map(String::from)
        .collect();
    names.sort();
    let mut want: Vec<String> = (0..20).map(|i| format!("p{i} running")).collect();
    want.sort();
    assert_eq!(names, want);
}

#[test]
fn detached_container_outlives_the_cli() {
    let env = env_with_busybox();
    // The CLI returns (its output pipes close: the harness checks that) while the container
    // keeps running and logging under its monitor.
    let o = env.skiff(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        "bg",
        BUSYBOX,
        "sh",
        "-c",
        "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done",
    ]);
    assert_success(&o, "run -d");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        env.skiff_ok(&["inspect", "-f", "{{.State.Running}}", "bg"])
            .trim(),
        "true"
    );
    let logs = env.skiff_ok(&["logs", "bg"]);
    assert!(logs.lines().count() >= 3, "{logs}");
    assert!(logs.starts_with("tick 0\n"), "{logs}");
    // The monitor is not a child of anything the CLI left behind: it is in its own session.
    let id = stdout(&o).trim().to_string();
    let mon = env.monitor_pid(&id);
    let stat = std::fs::read_to_string(format!("/proc/{mon}/stat")).unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    assert_eq!(
        fields[3],
        mon.to_string(),
        "the monitor leads its own session"
    );
}

#[test]
fn attach_on_a_pty_with_detach_keys() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "-it",
        "--network",
        "none",
        "--name",
        "t",
        BUSYBOX,
        "sh",
    ]);
    let mut a = OnPty::spawn(&env, &["attach", "t"]);
    std::thread::sleep(Duration::from_millis(500));
    a.type_in(b"echo hel''lo-$((6*7))\r");
    a.wait_output("hello-42");
    // ctrl-p ctrl-q: attach ends as docker's does (its message, status 1), the container
    // runs on.
    a.type_in(&[0x10, 0x11]);
    assert_eq!(a.wait_exit(), 1);
    assert!(
        a.output().contains("read escape sequence"),
        "{}",
        a.output()
    );
    assert_eq!(
        env.skiff_ok(&["inspect", "-f", "{{.State.Running}}", "t"])
            .trim(),
        "true"
    );
    // Other detach keys; a lone ctrl-p is passed on (here: harmless to the shell).
    let mut a = OnPty::spawn(&env, &["attach", "--detach-keys", "ctrl-a,x", "t"]);
    std::thread::sleep(Duration::from_millis(500));
    a.type_in(b"echo again-$((2*3))\r");
    a.wait_output("again-6");
    a.type_in(&[0x01, b'x']);
    assert_eq!(a.wait_exit(), 1);
    // Attached when the container exits: attach exits with its code.
    let mut a = OnPty::spawn(&env, &["attach", "t"]);
    std::thread::sleep(Duration::from_millis(500));
    a.type_in(b"exit 7\r");
    assert_eq!(a.wait_exit(), 7);
    assert_eq!(
        env.skiff_ok(&[
            "inspect",
            "-f",
            "{{.State.Status}} {{.State.ExitCode}}",
            "t"
        ])
        .trim(),
        "exited 7"
    );
    let err = env.skiff_err(&["attach", "t"]);
    assert!(
        err.contains("cannot attach to a stopped container"),
        "{err}"
    );
}

#[test]
fn attach_without_a_terminal_keeps_streams_apart() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "-i",
        "--network",
        "none",
        "--name",
        "p",
        BUSYBOX,
        "sh",
        "-c",
        "read line; echo got $line; echo oops >&2; exit 5",
    ]);
    let o = env.skiff_stdin(&["attach", "p"], b"hi\n");
    assert_eq!(code(&o), 5, "{}", stderr(&o));
    assert_eq!(stdout(&o), "got hi\n");
    assert_eq!(stderr(&o), "oops\n");
    let err = env.skiff_err(&["attach", "--detach-keys", "ctrl-", "p"]);
    assert!(err.contains("invalid detach keys"), "{err}");
}

#[test]
fn top_stats_update_pause_and_prune() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        "w",
        BUSYBOX,
        "sh",
        "-c",
        "sleep 300 & sleep 301; true",
    ]);
    std::thread::sleep(Duration::from_millis(300));
    let top = env.skiff_ok(&["top", "w"]);
    let l = lines(&top);
    for col in ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"] {
        assert!(l[0].contains(col), "{top}");
    }
    assert_eq!(l.len(), 4, "sh and two sleeps: {top}");
    assert!(
        top.contains("sleep 300") && top.contains("sleep 301"),
        "{top}"
    );
    let top = env.skiff_ok(&["container", "top", "w", "-o", "pid,args"]);
    assert!(lines(&top)[0].contains("PID"), "{top}");
    assert_eq!(lines(&top).len(), 4, "{top}");

    let s = env.skiff_ok(&["stats", "--no-stream"]);
    let l = lines(&s);
    assert!(
        l[0].starts_with("CONTAINER ID") && l[0].contains("MEM USAGE / LIMIT"),
        "{s}"
    );
    assert!(l[1].contains(" w ") && l[1].contains("MiB /"), "{s}");
    let s = env.skiff_ok(&[
        "stats",
        "--no-stream",
        "--format",
        "{{.Name}} {{.PIDs}}",
        "w",
    ]);
    assert_eq!(s, "w 3\n");
    let j = env.skiff_ok(&["stats", "--no-stream", "--format", "json", "w"]);
    let v: serde_json::Value = serde_json::from_str(j.trim()).unwrap();
    assert!(v["CPUPerc"].as_str().unwrap().ends_with('%'), "{v}");

    // No delegated cgroup v2 here: limits say so instead of pretending.
    for args in [
        vec!["update", "--memory", "64m", "w"],
        vec!["update", "--cpus", "1", "w"],
        vec!["run", "--rm", "--pids-limit", "10", BUSYBOX, "true"],
        vec!["create", "--memory", "32m", BUSYBOX, "true"],
    ] {
        let o = env.skiff(&args);
        assert_ne!(code(&o), 0, "{args:?} succeeded");
        assert!(
            stderr(&o).contains("needs a cgroup v2 hierarchy delegated to your user"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    assert_eq!(
        env.skiff_ok(&["ps", "-aq"]).lines().count(),
        1,
        "nothing created"
    );
    let err = env.skiff_err(&["unpause", "w"]);
    assert!(err.contains("is not paused"), "{err}");

    // update --restart works without cgroups, and the running monitor follows it.
    assert_eq!(
        env.skiff_ok(&["update", "--restart", "on-failure:2", "w"]),
        "w\n"
    );
    assert_eq!(
        env.skiff_ok(&["inspect", "-f", "{{json .HostConfig.RestartPolicy}}", "w"])
            .trim(),
        r#"{"MaximumRetryCount":2,"Name":"on-failure"}"#
    );
    env.skiff_ok(&["kill", "w"]);
    let mut restarted = String::new();
    for _ in 0..100 {
        restarted = env.skiff_ok(&["inspect", "-f", "{{.RestartCount}}", "w"]);
        if restarted.trim() == "2" {
            break;
        }
        // Keep killing it: on-failure gives up after 2 restarts.
        let _ = env.skiff(&["kill", "w"]);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(restarted.trim(), "2");
    let err = env.skiff_err(&["update", "--restart", "sometimes", "w"]);
    assert!(err.contains("invalid restart policy"), "{err}");

    // prune: stopped ones only, with label and until filters, docker's report.
    env.skiff_ok(&["stop", "-t", "1", "w"]);
    env.skiff_ok(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        "up",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let keep = env.skiff_ok(&["create", "--name", "keep", "-l", "keep=1", BUSYBOX, "true"]);
    let o = env.skiff(&["container", "prune", "-f", "--filter", "until=1h"]);
    assert_eq!(stdout(&o), "Total reclaimed space: 0B\n");
    let out = env.skiff_ok(&["container", "prune", "-f", "--filter", "label!=keep"]);
    let wid = env.skiff_ok(&["ps", "-aq", "--no-trunc", "--filter", "name=^w$"]);
    assert!(wid.is_empty(), "w was pruned");
    assert!(out.starts_with("Deleted Containers:\n"), "{out}");
    assert!(out.contains("\nTotal reclaimed space: "), "{out}");
    assert!(!out.contains(keep.trim()), "{out}");
    let mut names: Vec<String> = env
        .skiff_ok(&["ps", "-a", "--format", "{{.Names}}"])
        .lines()
        .map(String::from)
        .collect();
    names.sort();
    assert_eq!(names, ["keep", "up"]);
    // Without -f it asks; "n" keeps everything.
    let o = env.skiff_stdin(&["container", "prune"], b"n\n");
    assert!(
        stdout(&o).contains("Are you sure you want to continue? [y/N]"),
        "{}",
        stdout(&o)
    );
    assert_eq!(env.skiff_ok(&["ps", "-aq"]).lines().count(), 2);
    let out = env.skiff_ok(&["container", "prune", "-f"]);
    assert!(out.contains(keep.trim()), "{out}");
}

/// What `ps -a` shows of every container, in a form that does not change with time.
fn ps_snapshot(env: &TestEnv) -> String {
    let all = env.skiff_ok(&[
        "ps",
        "-a",
        "--no-trunc",
        "--format",
        "{{.ID}} {{.Names}} {{.Image}} {{.Command}} {{.State}} {{.Labels}} {{.Ports}}",
    ]);
    let exited3 = env.skiff_ok(&["ps", "-a", "-q", "--filter", "exited=3"]);
    let running = env.skiff_ok(&["ps", "--format", "{{.Names}}"]);
    format!("{all}--\n{exited3}--\n{running}")
}

/// Take the `ps` summaries out of every state.json (a store written before they existed);
/// `created_without_state` also removes the state of never-started containers (which had none).
fn strip_summaries(env: &TestEnv, created_without_state: bool) {
    let script = format!(
        r#"python3 - "$SKIFF_ROOT/containers" {created_without_state} <<'PY'
import json, os, sys
root, drop_created = sys.argv[1], sys.argv[2] == "true"
for c in os.listdir(root):
    p = os.path.join(root, c, "state.json")
    if not os.path.exists(p):
        continue
    st = json.load(open(p))
    st.pop("summary", None)
    if drop_created and st["status"] == "created":
        os.remove(p)
        continue
    open(p + ".new", "w").write(json.dumps(st))
    os.rename(p + ".new", p)
PY"#
    );
    assert_success(&env.sh(&script), "strip summaries");
}

/// How many state.json files hold a summary.
fn summaries(env: &TestEnv) -> usize {
    let o = env.sh(r#"grep -l '"summary"' "$SKIFF_ROOT"/containers/*/state.json | wc -l"#);
    stdout(&o).trim().parse().unwrap_or(0)
}

#[test]
fn ps_reads_one_summary_per_container_and_rebuilds_missing_stale_or_killed_ones() {
    let env = env_with_busybox();
    let net = ["--network", "none"];
    let o = env.skiff(&[
        "run", net[0], net[1], "--name", "three", "-l", "k=v", BUSYBOX, "sh", "-c", "exit 3",
    ]);
    assert_eq!(code(&o), 3);
    env.skiff_ok(&[
        "run", "-d", net[0], net[1], "--name", "up", BUSYBOX, "sleep", "300",
    ]);
    for i in 0..4 {
        env.skiff_ok(&[
            "create",
            net[0],
            net[1],
            "--name",
            &format!("new{i}"),
            BUSYBOX,
            "true",
        ]);
    }
    let want = ps_snapshot(&env);
    assert!(
        want.contains(" three ") && want.contains(" new3 ") && want.contains("k=v"),
        "{want}"
    );
    assert!(want.ends_with("--\nup\n"), "{want}");
    // Every container has its summary now (the created ones from that first listing).
    assert_eq!(summaries(&env), 6);

    // ps reads state.json alone: no container.json is opened, nor looked at.
    let trace = env.dir().join("ps.trace");
    let o = env.sh(&format!(
        "strace -f -e trace=openat,newfstatat,statx,fstatat64,stat,lstat -o {} {} ps -a -q",
        trace.display(),
        common::skiff_bin().display()
    ));
    assert_success(&o, "strace ps");
    let opened = std::fs::read_to_string(&trace).unwrap_or_default();
    assert_eq!(opened.matches("container.json").count(), 0, "{opened}");
    assert_eq!(opened.matches("state.json").count(), 6, "{opened}");

    // An old store (no summaries, no state for created containers) lists the same, and gets
    // its summaries written back.
    strip_summaries(&env, true);
    assert_eq!(summaries(&env), 0);
    assert_eq!(ps_snapshot(&env), want);
    assert_eq!(summaries(&env), 6);

    // A stale summary of an earlier release (stamped with the record it was taken from, and
    // the record replaced after it) is not trusted.
    let o = env.sh(
        r#"d=$(dirname $(grep -l '"name": "new0"' "$SKIFF_ROOT"/containers/*/container.json))
        python3 - "$d" <<'PY'
import json, os, sys
d = sys.argv[1]
m = os.lstat(os.path.join(d, "container.json"))
p = os.path.join(d, "state.json")
st = json.load(open(p))
st["summary"]["name"] = "bogus"
st["summary"]["stamp"] = {"ino": m.st_ino, "mtime": m.st_mtime_ns // 10**9,
                          "mtime_ns": m.st_mtime_ns % 10**9, "size": m.st_size}
open(p + ".new", "w").write(json.dumps(st, indent=2))
os.rename(p + ".new", p)
PY
        cp "$d/container.json" "$d/c.tmp" && mv "$d/c.tmp" "$d/container.json"
        grep -q '"name": "bogus"' "$d/state.json""#,
    );
    assert_success(&o, "stale summary");
    assert_eq!(ps_snapshot(&env), want);

    // kill -9 at any moment of a listing that rebuilds, or of a rename: nothing is lost.
    let bin = common::skiff_bin().display().to_string();
    for delay_us in (0..30_000).step_by(1_500) {
        strip_summaries(&env, delay_us % 3_000 == 0);
        let o = env.sh(&format!(
            "{bin} ps -a >/dev/null 2>&1 & p=$!; usleep() {{ sleep $(printf '0.%06d' $1); }}; \
             usleep {delay_us}; kill -9 $p; wait $p; true"
        ));
        assert_success(&o, "killed ps");
        assert_eq!(
            ps_snapshot(&env),
            want,
            "after a ps killed at {delay_us} us"
        );
    }
    let id = env
        .skiff_ok(&["inspect", "-f", "{{.Id}}", "new1"])
        .trim()
        .to_string();
    let mut name = "new1".to_string();
    // A rename killed at each of its renames (the summary taken out of the state, the record
    // replaced, the new summary written: `state::summary`), by strace's fault injection.
    for when in 1..=4 {
        let new_name = format!("k{when}");
        let o = env.skiff_killed_at_rename(when, &["rename", &name, &new_name]);
        let before = name.clone();
        name = env
            .skiff_ok(&["inspect", "-f", "{{.Name}}", &id])
            .trim()
            .trim_start_matches('/')
            .to_string();
        // Killed before the record's rename: the old name; after it, the new one; not
        // killed at all (there are three renames): done.
        let expected_name = if when <= 2 { &before } else { &new_name };
        assert_eq!(
            (&name, code(&o) == 0),
            (expected_name, when == 4),
            "rename killed at its rename {when}: {}",
            stderr(&o)
        );
        let expected = want.replace(" new1 ", &format!(" {name} "));
        assert_eq!(
            ps_snapshot(&env),
            expected,
            "after a rename killed at its rename {when}"
        );
        // The name the record has is the one that is taken.
        if when <= 2 {
            env.skiff_ok(&["rename", &name, &format!("s{when}")]);
            name = format!("s{when}");
            let expected = want.replace(" new1 ", &format!(" {name} "));
            assert_eq!(ps_snapshot(&env), expected);
        }
    }
    for (i, delay_us) in (0..20_000).step_by(2_000).enumerate() {
        let o = env.sh(&format!(
            "{bin} rename {name} r{i} >/dev/null 2>&1 & p=$!; \
             sleep $(printf '0.%06d' {delay_us}); kill -9 $p; wait $p; true"
        ));
        assert_success(&o, "killed rename");
        // Whichever name the record has now, ps shows it.
        name = env
            .skiff_ok(&["inspect", "-f", "{{.Name}}", &id])
            .trim()
            .trim_start_matches('/')
            .to_string();
        let expected = want.replace(" new1 ", &format!(" {name} "));
        assert_eq!(
            ps_snapshot(&env),
            expected,
            "after a rename killed at {delay_us} us"
        );
    }
}
