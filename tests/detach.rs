//! docker's detach keys typed on a real terminal: a foreground `run -it`, `start -ai`,
//! `attach` and `exec -it` let go of it while the container (or the exec'd command) runs on.
//! `run` and `start` leave silently with 0; `attach` and `exec` print docker's
//! `read escape sequence` and exit 1, as docker's CLI does. `--detach-keys` and config.json's
//! `detachKeys` choose the keys.
mod common;

use std::time::Duration;

use common::pty::OnPty;
use common::*;

const ESCAPE: &str = "read escape sequence";
const CTRL_P_Q: [u8; 2] = [0x10, 0x11];

fn running(env: &TestEnv, name: &str) -> String {
    env.skiff_ok(&["inspect", "-f", "{{.State.Running}}", name])
        .trim()
        .to_string()
}

/// A shell on the terminal answers: `echo` of an expression only the shell can compute, so
/// the echo of the typed line is not taken for the answer.
fn shell_answers(t: &mut OnPty, tag: &str) {
    t.type_in(format!("echo {tag}-$((6*7))\r").as_bytes());
    t.wait_output(&format!("{tag}-42"));
}

#[test]
fn run_it_detaches_silently_and_the_container_runs_on() {
    let env = env_with_busybox();
    let mut t = OnPty::spawn(
        &env,
        &[
            "run",
            "-it",
            "--network",
            "none",
            "--name",
            "r",
            BUSYBOX,
            "sh",
        ],
    );
    shell_answers(&mut t, "first");
    t.type_in(&CTRL_P_Q);
    assert_eq!(t.wait_exit(), 0, "run -it leaves with 0 on ctrl-p,ctrl-q");
    assert!(!t.output().contains(ESCAPE), "{:?}", t.output());
    assert_eq!(running(&env, "r"), "true");
    // The monitor let go of the terminal: a session of its own, its stdio on /dev/null.
    let id = env.skiff_ok(&["inspect", "-f", "{{.Id}}", "r"]);
    let state = env
        .data_dir()
        .join("containers")
        .join(id.trim())
        .join("state.json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(state).unwrap()).unwrap();
    let mon = v["monitor_pid"].as_i64().unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{mon}/stat")).unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    assert_eq!(
        fields[3],
        mon.to_string(),
        "the monitor leads its own session"
    );
    for fd in 0..3 {
        let target = std::fs::read_link(format!("/proc/{mon}/fd/{fd}")).unwrap();
        assert_eq!(target, std::path::Path::new("/dev/null"), "fd {fd}");
    }
    // The same shell is there to attach to; `attach` prints docker's message and exits 1.
    let mut a = OnPty::spawn(&env, &["attach", "r"]);
    std::thread::sleep(Duration::from_millis(300));
    shell_answers(&mut a, "again");
    a.type_in(&CTRL_P_Q);
    assert_eq!(a.wait_exit(), 1);
    assert!(a.output().contains(ESCAPE), "{:?}", a.output());
    assert_eq!(running(&env, "r"), "true");
    env.skiff_ok(&["rm", "-f", "r"]);
}

#[test]
fn run_it_with_other_keys_and_a_lone_first_key_passed_on() {
    let env = env_with_busybox();
    let mut t = OnPty::spawn(
        &env,
        &[
            "run",
            "-it",
            "--rm",
            "--network",
            "none",
            "--detach-keys",
            "ctrl-a,x",
            "--name",
            "k",
            BUSYBOX,
            "sh",
        ],
    );
    shell_answers(&mut t, "one");
    // ctrl-p,ctrl-q are no detach keys now: they reach the shell (ctrl-c clears its line).
    t.type_in(&CTRL_P_Q);
    t.type_in(&[0x03]);
    shell_answers(&mut t, "two");
    assert!(t.child.try_wait().unwrap().is_none(), "still attached");
    // A lone ctrl-a is passed on when what follows is not x.
    t.type_in(&[0x01, 0x03]);
    shell_answers(&mut t, "three");
    t.type_in(&[0x01, b'x']);
    assert_eq!(t.wait_exit(), 0);
    assert_eq!(running(&env, "k"), "true");
    // --rm: the container goes when it ends, even detached.
    env.skiff_ok(&["stop", "-t", "1", "k"]);
    for _ in 0..100 {
        if code(&env.skiff(&["inspect", "k"])) != 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the --rm container is still there");
}

#[test]
fn start_ai_detaches_silently() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "create",
        "-it",
        "--network",
        "none",
        "--name",
        "s",
        BUSYBOX,
        "sh",
    ]);
    let mut t = OnPty::spawn(&env, &["start", "-ai", "--detach-keys", "ctrl-a,y", "s"]);
    shell_answers(&mut t, "started");
    t.type_in(&[0x01, b'y']);
    assert_eq!(t.wait_exit(), 0);
    assert!(!t.output().contains(ESCAPE), "{:?}", t.output());
    assert_eq!(running(&env, "s"), "true");
    // Bad keys: docker's message, nothing started.
    env.skiff_ok(&["stop", "-t", "1", "s"]);
    let o = env.skiff(&["start", "-ai", "--detach-keys", "ctrl-", "s"]);
    assert_ne!(code(&o), 0);
    assert_eq!(
        stderr(&o),
        "Error: invalid detach keys (ctrl-): Unknown character: 'ctrl-'\n"
    );
    assert_eq!(running(&env, "s"), "false");
}

#[test]
fn exec_it_detaches_and_the_command_runs_on() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        "e",
        BUSYBOX,
        "sleep",
        "1000",
    ]);
    let mut t = OnPty::spawn(
        &env,
        &[
            "exec",
            "-it",
            "e",
            "sh",
            "-c",
            "echo exec-$((4*4)); exec sleep 1001",
        ],
    );
    t.wait_output("exec-16");
    t.type_in(&CTRL_P_Q);
    assert_eq!(t.wait_exit(), 1);
    assert!(t.output().contains(ESCAPE), "{:?}", t.output());
    // The command outlives its client.
    std::thread::sleep(Duration::from_millis(500));
    let ps = env.skiff_ok(&["exec", "e", "ps"]);
    assert!(ps.contains("sleep 1001"), "{ps}");
    // With --detach-keys, the default keys are input.
    let mut t = OnPty::spawn(
        &env,
        &["exec", "-it", "--detach-keys", "ctrl-b,b", "e", "sh"],
    );
    shell_answers(&mut t, "inner");
    t.type_in(&CTRL_P_Q);
    t.type_in(&[0x03]);
    shell_answers(&mut t, "still");
    t.type_in(&[0x02, b'b']);
    assert_eq!(t.wait_exit(), 1);
    let o = env.skiff(&["exec", "-it", "--detach-keys", "shift-b", "e", "true"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "Error: invalid detach keys (shift-b): Unknown character: 'shift-b'\n"
    );
}

#[test]
fn config_json_detach_keys_apply_and_the_flag_wins() {
    let env = env_with_busybox();
    let cfg = env.dir().join("cfg");
    let o = env.sh(&format!(
        "mkdir -p {0} && echo '{{\"detachKeys\": \"ctrl-a,z\"}}' > {0}/config.json",
        cfg.display()
    ));
    assert_success(&o, "config.json");
    let cfg = cfg.display().to_string();
    env.skiff_ok(&[
        "run",
        "-d",
        "-it",
        "--network",
        "none",
        "--name",
        "c",
        BUSYBOX,
        "sh",
    ]);
    let mut t = OnPty::spawn(&env, &["--config", &cfg, "attach", "c"]);
    std::thread::sleep(Duration::from_millis(300));
    shell_answers(&mut t, "cfg");
    // docker's default keys are no longer the keys.
    t.type_in(&CTRL_P_Q);
    t.type_in(&[0x03]);
    shell_answers(&mut t, "more");
    t.type_in(&[0x01, b'z']);
    assert_eq!(t.wait_exit(), 1);
    assert!(t.output().contains(ESCAPE), "{:?}", t.output());
    // The flag overrides the file.
    let mut t = OnPty::spawn(
        &env,
        &["--config", &cfg, "attach", "--detach-keys", "ctrl-b,b", "c"],
    );
    std::thread::sleep(Duration::from_millis(300));
    shell_answers(&mut t, "flag");
    t.type_in(&[0x02, b'b']);
    assert_eq!(t.wait_exit(), 1);
    // A bad value in the file is docker's error.
    let bad = env.dir().join("bad");
    let o = env.sh(&format!(
        "mkdir -p {0} && echo '{{\"detachKeys\": \"ctrl-\"}}' > {0}/config.json",
        bad.display()
    ));
    assert_success(&o, "config.json");
    let o = env.skiff(&["--config", &bad.display().to_string(), "attach", "c"]);
    assert_eq!(
        stderr(&o),
        "Error: invalid detach keys (ctrl-): Unknown character: 'ctrl-'\n"
    );
    assert_eq!(running(&env, "c"), "true");
}
