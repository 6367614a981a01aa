//! `skiff exec` end to end, as the unprivileged test user: output and exit codes, the
//! container's PID namespace and filesystem, -u, -e, --env-file, -w, -i, -t, -d, --privileged,
//! and the engine errors (no such container, not running).
mod common;

use common::*;

/// A running container named `c` that wrote /tmp/marker, with `sleep` as its PID 1.
fn env_with_container(network: &str) -> TestEnv {
    let env = TestEnv::new();
    env.pull("busybox");
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "c",
        "--network",
        network,
        BUSYBOX,
        "sh",
        "-c",
        "echo from-the-container > /tmp/marker; exec sleep 1000",
    ]);
    // The marker is written just after start: wait for it.
    for _ in 0..100 {
        if code(&env.skiff(&["exec", "c", "test", "-f", "/tmp/marker"])) == 0 {
            return env;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the container never wrote /tmp/marker");
}

#[test]
fn output_exit_codes_and_not_found() {
    let env = env_with_container("none");
    let o = env.skiff(&["exec", "c", "sh", "-c", "echo out; echo err >&2; exit 7"]);
    assert_eq!(code(&o), 7);
    assert_eq!(stdout(&o), "out\n");
    assert_eq!(stderr(&o), "err\n");

    let o = env.skiff(&["exec", "c", "no-such-command"]);
    assert_eq!(code(&o), 127);
    assert_eq!(
        stderr(&o).trim(),
        "Error: exec: \"no-such-command\": executable file not found in $PATH"
    );
    let o = env.skiff(&["exec", "c", "/etc/passwd"]);
    assert_eq!(code(&o), 126, "{}", stderr(&o));

    // The container is unaffected and still runs.
    let ps = env.skiff_ok(&["ps", "-q"]);
    assert_eq!(ps.lines().count(), 1, "{ps}");
}

#[test]
fn runs_in_the_containers_namespaces() {
    let env = env_with_container("slirp4netns");
    // Its filesystem: the file the container wrote.
    assert_eq!(
        env.skiff_ok(&["exec", "c", "cat", "/tmp/marker"]),
        "from-the-container\n"
    );
    // Its PID namespace: PID 1 is the container's command, and we are in there too.
    let ps = env.skiff_ok(&["exec", "c", "ps", "-o", "pid,args"]);
    let first = ps
        .lines()
        .nth(1)
        .unwrap_or_else(|| panic!("no processes: {ps}"));
    assert_eq!(
        first.split_whitespace().collect::<Vec<_>>(),
        ["1", "sleep", "1000"],
        "{ps}"
    );
    assert!(ps.contains("ps -o pid,args"), "{ps}");
    // Its host name and network (slirp4netns gives it tap0).
    let id = env.skiff_ok(&["inspect", "--format", "{{.Id}}", "c"]);
    assert_eq!(
        env.skiff_ok(&["exec", "c", "hostname"]).trim(),
        &id.trim()[..12]
    );
    let links = env.skiff_ok(&["exec", "c", "cat", "/proc/net/dev"]);
    assert!(links.contains("tap0"), "{links}");
    // Its environment, and root with docker's default capabilities.
    let envs = env.skiff_ok(&["exec", "c", "env"]);
    assert!(envs.contains("PATH=/"), "{envs}");
    assert!(
        envs.contains(&format!("HOSTNAME={}", &id.trim()[..12])),
        "{envs}"
    );
    let status = env.skiff_ok(&["exec", "c", "cat", "/proc/self/status"]);
    assert!(status.contains("CapEff:\t00000000a80425fb"), "{status}");
    let status = env.skiff_ok(&["exec", "--privileged", "c", "cat", "/proc/self/status"]);
    assert!(!status.contains("CapEff:\t00000000a80425fb"), "{status}");
    assert!(!status.contains("CapEff:\t0000000000000000"), "{status}");
}

#[test]
fn user_env_and_workdir() {
    let env = env_with_container("none");
    assert_eq!(
        env.skiff_ok(&["exec", "-u", "nobody", "c", "id"]).trim(),
        "uid=65534(nobody) gid=65534(nogroup)"
    );
    assert_eq!(
        env.skiff_ok(&["exec", "-u", "1234:55", "c", "id", "-u"])
            .trim(),
        "1234"
    );
    let o = env.skiff(&["exec", "-u", "no-such-user", "c", "true"]);
    assert_eq!(code(&o), 126);
    assert!(
        stderr(&o).contains("unable to find user no-such-user"),
        "{}",
        stderr(&o)
    );

    let file = env.dir().join("envfile");
    std::fs::write(&file, "# a comment\nFROM_FILE=1\n\nBOTH=file\n").unwrap();
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let out = env.skiff_ok(&[
        "exec",
        "-e",
        "A=b c",
        "-e",
        "BOTH=flag",
        "--env-file",
        &file.display().to_string(),
        "c",
        "sh",
        "-c",
        "echo \"$A|$FROM_FILE|$BOTH\"",
    ]);
    assert_eq!(out, "b c|1|flag\n");

    assert_eq!(env.skiff_ok(&["exec", "-w", "/etc", "c", "pwd"]), "/etc\n");
    assert_eq!(env.skiff_ok(&["exec", "c", "pwd"]), "/\n");
    let o = env.skiff(&["exec", "-w", "/no/such/dir", "c", "true"]);
    assert_eq!(code(&o), 126, "{}", stderr(&o));
}

#[test]
fn stdin_terminal_and_detach() {
    let env = env_with_container("none");
    let o = env.skiff_stdin(&["exec", "-i", "c", "tr", "a-z", "A-Z"], b"piped input\n");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "PIPED INPUT\n");
    // Without -i the command's stdin is empty.
    let o = env.skiff_stdin(&["exec", "c", "cat"], b"ignored\n");
    assert_eq!(stdout(&o), "");

    // -t: a terminal from the container's devpts (script(1) gives skiff one).
    let skiff = skiff_bin().display().to_string();
    let o = env.sh(&format!(
        "script -qec \"{skiff} exec -t c sh -c 'test -t 0 && test -t 1 && tty && echo is-a-tty; exit 3'\" /dev/null; echo \"rc=$?\""
    ));
    let out = stdout(&o);
    assert!(out.contains("/dev/pts/"), "{out}");
    assert!(out.contains("is-a-tty"), "{out}");
    assert!(out.contains("rc=3"), "{out}");

    // -d returns at once; the command keeps running in the container.
    let started = std::time::Instant::now();
    let o = env.skiff(&[
        "exec",
        "-d",
        "c",
        "sh",
        "-c",
        "sleep 1; touch /tmp/detached",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    let mut found = false;
    for _ in 0..100 {
        if code(&env.skiff(&["exec", "c", "test", "-f", "/tmp/detached"])) == 0 {
            found = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(found, "the detached command did not run");
}

#[test]
fn engine_errors_exit_1() {
    let env = env_with_container("none");
    let o = env.skiff(&["exec", "no-such-container", "true"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o).trim(),
        "Error: No such container: no-such-container"
    );

    env.skiff_ok(&["stop", "-t", "0", "c"]);
    let o = env.skiff(&["exec", "c", "true"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o).trim(), "Error: container c is not running");
}

/// `exec` copies the CLI's memory once, for the command only: the joiner is a CLONE_VM |
/// CLONE_VFORK task (a fork of the CLI copied its page tables and took copy-on-write faults in
/// both processes), and the command, the CLI's own child (CLONE_PARENT) in the container's
/// PID namespace, is a copy: never a task sharing the CLI's memory, which the container's
/// processes could signal or (with CAP_SYS_PTRACE over the host's user namespace) ptrace
/// before its execve. Output, exit code and the command's place are unchanged.
#[test]
fn exec_shares_the_clis_memory_only_with_the_joiner_and_the_command_is_its_child() {
    let env = env_with_container("none");
    let log = env.dir().join("strace-exec.log");
    let skiff = skiff_bin().to_str().expect("path").to_string();
    let log_s = log.to_str().expect("path").to_string();
    let o = run_with_timeout(
        env.user_command(
            "strace",
            &[
                "-f",
                "-qq",
                "-e",
                "trace=clone,clone3,fork,vfork",
                "-e",
                "signal=none",
                "-o",
                &log_s,
                &skiff,
                "exec",
                "c",
                "sh",
                "-c",
                "echo pid $$ ppid $PPID; exit 4",
            ],
        ),
        None,
        env.timeout(),
    )
    .expect("strace");
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    // In the container's PID namespace, its parent outside it (the CLI).
    let out = stdout(&o);
    assert!(
        out.starts_with("pid ") && out.ends_with(" ppid 0\n") && !out.starts_with("pid 1 "),
        "{out}"
    );
    let text = std::fs::read_to_string(&log).expect("strace log");
    let clones: Vec<&str> = text
        .lines()
        // A call's own line (a clone with CLONE_VFORK is `<unfinished ...>` there, then
        // `<... clone resumed>` on a line of its own).
        .filter(|l| ["clone(", "clone3(", "fork("].iter().any(|c| l.contains(c)))
        .collect();
    assert_eq!(clones.len(), 2, "the joiner and the command only: {text}");
    let (command, joiner): (Vec<&str>, Vec<&str>) =
        clones.iter().partition(|c| c.contains("CLONE_PARENT"));
    assert_eq!(
        command.len(),
        1,
        "the command is the CLI's child: {clones:?}"
    );
    assert!(
        !command[0].contains("CLONE_VM"),
        "the command, in the container's PID namespace, must not share the CLI's memory: {}",
        command[0]
    );
    assert!(
        joiner[0].contains("CLONE_VM") && joiner[0].contains("CLONE_VFORK"),
        "the joiner copies nothing: {}",
        joiner[0]
    );
}
