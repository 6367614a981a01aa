//! ps filters and formats, logs windows, monitor loss, parallel runs, attach, top, prune,
//! stats, pause and update, as the unprivileged test user.
mod common;

use std::time::Duration;

use common::*;

const BUSYBOX: &str = "localhost:5000/busybox";

fn env_with_busybox() -> TestEnv {
    let env = TestEnv::new();
    env.pull("busybox");
    env
}

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

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
