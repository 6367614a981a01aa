//! Self-tests of the test harness and of the machine set up by tests/env/setup.sh.
//! They do not need any skiff command to be implemented.
mod common;

use common::*;
use std::time::{Duration, Instant};

#[test]
fn runs_as_the_unprivileged_test_user() {
    let env = TestEnv::new();
    let o = env.sh("id -u; id -g");
    assert_success(&o, "id");
    let out = stdout(&o);
    let mut lines = out.lines();
    let uid: u32 = lines.next().unwrap().trim().parse().unwrap();
    let gid: u32 = lines.next().unwrap().trim().parse().unwrap();
    assert_ne!(uid, 0, "skiff must never run as root in the tests");
    assert_eq!(uid, test_uid());
    assert_eq!(gid, test_gid());
    if nix::unistd::geteuid().is_root() {
        let u = nix::unistd::User::from_name(TEST_USER).unwrap().unwrap();
        assert_eq!(
            uid,
            u.uid.as_raw(),
            "under root the tests run skiff as {TEST_USER}"
        );
    }
}

#[test]
fn environment_is_isolated_and_owned_by_the_test_user() {
    let env = TestEnv::new();
    let o = env.sh(
        "echo \"$SKIFF_ROOT|$SKIFF_RUNROOT|$XDG_RUNTIME_DIR|$PATH\"; \
         touch \"$SKIFF_ROOT/probe\" \"$SKIFF_RUNROOT/probe\" && stat -c %u \"$SKIFF_ROOT/probe\"; \
         env | grep -c -E '^(CARGO|RUSTFLAGS)' || true",
    );
    assert_success(&o, "sh");
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    let expected = format!(
        "{}|{}|{}|{}",
        env.data_dir().display(),
        env.run_dir().display(),
        env.run_dir().display(),
        PATH
    );
    assert_eq!(lines[0], expected);
    assert_eq!(lines[1], test_uid().to_string());
    assert_eq!(
        lines[2], "0",
        "the test process's environment must not leak into skiff's"
    );

    let other = TestEnv::new();
    assert_ne!(env.data_dir(), other.data_dir());
    assert!(env.data_dir().starts_with(BASE_DIR));
}

#[test]
fn drop_removes_the_environment() {
    let env = TestEnv::new();
    let dir = env.dir().to_path_buf();
    assert_success(
        &env.sh("mkdir -p \"$SKIFF_ROOT/a/b\" && echo x > \"$SKIFF_ROOT/a/b/c\""),
        "mkdir",
    );
    assert!(dir.exists());
    if std::env::var_os("SKIFF_TEST_KEEP").is_some() {
        return;
    }
    drop(env);
    assert!(!dir.exists(), "{} should be gone", dir.display());
}

#[test]
fn registry_serves_the_fixture_catalog() {
    // Each fixture is asked for by name: the catalog is paginated (100 names by default) and
    // other tests push repositories with unique names into the same long-lived registry.
    for name in [
        "busybox",
        "layered",
        "multiarch",
        "zstd",
        "plain",
        "hostile-dotdot",
        "hostile-symlink",
        "hostile-hardlink",
        "corrupt",
        "baddiffid",
    ] {
        let (status, body) = registry_get(&format!("/v2/{name}/tags/list")).expect("registry");
        assert_eq!(
            status, 200,
            "fixture {name} missing: run tests/env/setup.sh"
        );
        let tags: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(
            tags["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|v| v == "latest")),
            "fixture {name} has no latest tag: {tags}"
        );
    }
    let (status, body) = registry_get("/v2/busybox/manifests/latest").unwrap();
    assert_eq!(status, 200);
    let m: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        m["mediaType"],
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    assert_eq!(m["layers"].as_array().unwrap().len(), 1);
}

#[test]
fn skiff_binary_runs_as_the_test_user() {
    let env = TestEnv::new();
    let out = env.skiff_ok(&["--help"]);
    assert!(out.contains("skiff"), "{out}");
}

#[test]
fn stdin_reaches_the_command() {
    let env = TestEnv::new();
    let o = common::run_with_timeout(
        env.user_command("cat", &[]),
        Some(b"hello\n"),
        env.timeout(),
    )
    .unwrap();
    assert_success(&o, "cat");
    assert_eq!(stdout(&o), "hello\n");
}

#[test]
fn a_hanging_command_is_killed_not_waited_for() {
    let env = TestEnv::new();
    let t = Instant::now();
    let r = env.try_sh_timeout("echo before; sleep 60", Duration::from_secs(1));
    let e = r.expect_err("must time out");
    assert!(e.contains("timed out") && e.contains("before"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_leftover_process_holding_stdout_is_reported() {
    let env = TestEnv::new();
    let t = Instant::now();
    let r = env.try_sh_timeout("sleep 60 & echo started", Duration::from_secs(1));
    let e = r.expect_err("must notice the pipe held open");
    assert!(e.contains("still holds") && e.contains("started"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(10));
}
