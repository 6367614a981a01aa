//! create/start/kill/rename/restart and the security and metadata options of run, as the
//! unprivileged test user.
mod common;

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

#[test]
fn create_start_kill_rename_restart() {
    let env = env_with_busybox();
    let id = env.skiff_ok(&[
        "create",
        "--name",
        "c1",
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "echo started; sleep 300",
    ]);
    let id = id.trim();
    assert_eq!(id.len(), 64);
    let ps = env.skiff_ok(&["ps", "-a"]);
    assert!(ps.contains("Created"), "{ps}");
    assert_eq!(env.skiff_ok(&["ps", "-q"]), "", "created is not running");

    assert_eq!(env.skiff_ok(&["start", "c1"]), "c1\n");
    assert_eq!(env.skiff_ok(&["ps", "-q"]).trim(), &id[..12]);
    // Starting a running container is a no-op, as in docker.
    assert_eq!(env.skiff_ok(&["start", "c1"]), "c1\n");

    assert_eq!(env.skiff_ok(&["kill", "c1"]), "c1\n");
    let st = env.skiff_ok(&[
        "inspect",
        "-f",
        "{{.State.Status}} {{.State.ExitCode}}",
        "c1",
    ]);
    assert_eq!(st.trim(), "exited 137");
    let o = env.skiff(&["kill", "c1"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("is not running"), "{}", stderr(&o));
    let o = env.skiff(&["kill", "-s", "NOPE", "c1"]);
    assert_ne!(code(&o), 0);

    env.skiff_ok(&["rename", "c1", "c2"]);
    let o = env.skiff(&["inspect", "c1"]);
    assert_ne!(code(&o), 0);
    assert_eq!(
        env.skiff_ok(&["inspect", "-f", "{{.Name}}", "c2"]).trim(),
        "/c2"
    );
    // The old name is free again.
    env.skiff_ok(&[
        "create",
        "--name",
        "c1",
        "--network",
        "none",
        BUSYBOX,
        "true",
    ]);

    assert_eq!(env.skiff_ok(&["restart", "-t", "1", "c2"]), "c2\n");
    assert_eq!(
        env.skiff_ok(&["inspect", "-f", "{{.State.Running}}", "c2"])
            .trim(),
        "true"
    );
    // Both runs wrote to the same log.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut logs = String::new();
    while std::time::Instant::now() < deadline {
        logs = env.skiff_ok(&["logs", "c2"]);
        if logs.matches("started").count() == 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(logs, "started\nstarted\n");
    env.skiff_ok(&["rm", "-f", "c2", "c1"]);

    // start -a: attached, with the container's exit code.
    env.skiff_ok(&[
        "create",
        "--name",
        "att",
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "echo attached; exit 5",
    ]);
    let o = env.skiff(&["start", "-a", "att"]);
    assert_eq!(code(&o), 5);
    assert_eq!(stdout(&o), "attached\n");
}

#[test]
fn capabilities_privileged_read_only_no_new_privs() {
    let env = env_with_busybox();
    let caps = |args: &[&str]| {
        let mut a = vec!["run", "--rm", "--network", "none"];
        a.extend_from_slice(args);
        a.extend_from_slice(&[BUSYBOX, "grep", "CapEff", "/proc/self/status"]);
        env.skiff_ok(&a)
            .trim()
            .trim_start_matches("CapEff:")
            .trim()
            .to_string()
    };
    // default a80425fb; +NET_ADMIN (bit 12) -CHOWN (bit 0)
    assert_eq!(
        caps(&["--cap-add", "NET_ADMIN", "--cap-drop", "chown"]),
        "00000000a80435fa"
    );
    assert_eq!(caps(&["--cap-drop", "ALL"]), "0000000000000000");
    let all = caps(&["--privileged"]);
    assert!(all.ends_with("ffffffffff"), "{all}");
    let o = env.skiff(&["run", "--rm", "--cap-add", "BOGUS", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert!(stderr(&o).contains("invalid capability"), "{}", stderr(&o));

    let o = env.skiff(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--read-only",
        BUSYBOX,
        "touch",
        "/x",
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("Read-only file system"),
        "{}",
        stderr(&o)
    );
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--security-opt",
        "no-new-privileges",
        BUSYBOX,
        "grep",
        "NoNewPrivs",
        "/proc/self/status",
    ]);
    assert_eq!(out.split_whitespace().last(), Some("1"));
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        BUSYBOX,
        "grep",
        "NoNewPrivs",
        "/proc/self/status",
    ]);
    assert_eq!(out.split_whitespace().last(), Some("0"));
    // --privileged unmasks /proc.
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--privileged",
        BUSYBOX,
        "sh",
        "-c",
        "mount | grep -c ' /proc/keys ' || true",
    ]);
    assert_eq!(out.trim(), "0");
}

#[test]
fn init_reaps_and_forwards_signals() {
    let env = env_with_busybox();
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--init",
        BUSYBOX,
        "sh",
        "-c",
        "echo $$",
    ]);
    assert_eq!(out.trim(), "2", "the command is not PID 1 under --init");
    let o = env.skiff(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--init",
        BUSYBOX,
        "sh",
        "-c",
        "exit 7",
    ]);
    assert_eq!(code(&o), 7);
    let o = env.skiff(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--init",
        BUSYBOX,
        "nope",
    ]);
    assert_eq!(code(&o), 127);
    // SIGTERM reaches `sleep` through the init (without it, PID 1 would ignore it).
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "s",
        "--network",
        "none",
        "--init",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let t = std::time::Instant::now();
    env.skiff_ok(&["stop", "-t", "20", "s"]);
    assert!(
        t.elapsed() < std::time::Duration::from_secs(10),
        "stop took {:?}",
        t.elapsed()
    );
    let st = env.skiff_ok(&["inspect", "-f", "{{.State.ExitCode}}", "s"]);
    assert_eq!(st.trim(), "143", "terminated by SIGTERM");
}

#[test]
fn env_files_labels_cidfile_stop_signal_group_add() {
    let env = env_with_busybox();
    let dir = env.dir().join("files");
    let o = env.sh(&format!(
        "mkdir -p {d} && printf 'A=1\\n# comment\\n\\nB=two words\\n' > {d}/env && printf 'team=core\\n' > {d}/labels",
        d = dir.display()
    ));
    assert_success(&o, "write files");
    let env_file = dir.join("env").display().to_string();
    let label_file = dir.join("labels").display().to_string();
    let cid = dir.join("cid").display().to_string();
    let out = env.skiff_ok(&[
        "run",
        "--network",
        "none",
        "--name",
        "meta",
        "--env-file",
        &env_file,
        "-e",
        "B=override",
        "-l",
        "a=b",
        "--label-file",
        &label_file,
        "--cidfile",
        &cid,
        "--stop-signal",
        "USR1",
        "--group-add",
        "user",
        BUSYBOX,
        "sh",
        "-c",
        "echo $A $B; id -G",
    ]);
    assert_eq!(out, "1 override\n0 1000\n");
    let labels = env.skiff_ok(&["inspect", "-f", "{{json .Config.Labels}}", "meta"]);
    assert_eq!(labels.trim(), r#"{"a":"b","team":"core"}"#);
    let id = env.skiff_ok(&["inspect", "-f", "{{.Id}}", "meta"]);
    let written = std::fs::read_to_string(dir.join("cid")).expect("cidfile");
    assert_eq!(written, id.trim());
    assert_eq!(
        env.skiff_ok(&["inspect", "-f", "{{.Config.StopSignal}}", "meta"])
            .trim(),
        "USR1"
    );
    // An existing cidfile is refused before anything is created.
    let o = env.skiff(&["run", "--rm", "--cidfile", &cid, BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert!(
        stderr(&o).contains("container ID file found"),
        "{}",
        stderr(&o)
    );
    let o = env.skiff(&[
        "run",
        "--rm",
        "--env-file",
        "/nonexistent/env",
        BUSYBOX,
        "true",
    ]);
    assert_eq!(code(&o), 125);
    assert!(
        stderr(&o).starts_with("Error: open /nonexistent/env"),
        "{}",
        stderr(&o)
    );
}
