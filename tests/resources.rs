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
    // Every process of the container is stopped: sh, its sleep 300 and the loop's sleep.
    let states = process_states(&env, "c1");
    assert!(states.len() >= 2, "{states:?}");
    assert!(states.iter().all(|s| *s == 'T'), "{states:?}");

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
    assert_eq!(code(&o), 125);
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
