//! More of docker's `run`/`create` flags: `--domainname`, `--shm-size`, `--sysctl`,
//! `--annotation` and `--security-opt label=|apparmor=|systempaths=unconfined`; what the
//! container sees, what inspect shows, and docker's messages (exit 125, nothing created) for
//! bad values.
mod common;

use common::*;

fn inspect(env: &TestEnv, name: &str, template: &str) -> String {
    env.skiff_ok(&["inspect", "-f", template, name])
        .trim()
        .to_string()
}

/// `run ARGS`, expecting docker's refusal: exit 125, `want` on stderr, no container left.
fn refused(env: &TestEnv, args: &[&str], want: &str) {
    let mut a = vec!["run", "--name", "refused", "--network", "none"];
    a.extend_from_slice(args);
    a.extend_from_slice(&[BUSYBOX, "true"]);
    let o = env.skiff(&a);
    assert_eq!(code(&o), 125, "{args:?}: {}", stderr(&o));
    assert_eq!(stderr(&o).trim(), want, "{args:?}");
    assert_eq!(
        env.skiff_ok(&["ps", "-aq"]),
        "",
        "{args:?} left a container"
    );
}

#[test]
fn domainname_and_shm_size() {
    let env = env_with_busybox();
    let out = env.skiff_ok(&[
        "run",
        "--name",
        "d1",
        "--network",
        "none",
        "--domainname",
        "example.org",
        "--shm-size",
        "8m",
        BUSYBOX,
        "sh",
        "-c",
        "cat /proc/sys/kernel/domainname; grep ' /dev/shm ' /proc/mounts",
    ]);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("example.org"), "{out}");
    assert!(lines.next().unwrap_or("").contains("size=8192k"), "{out}");
    assert_eq!(inspect(&env, "d1", "{{.Config.Domainname}}"), "example.org");
    assert_eq!(inspect(&env, "d1", "{{.HostConfig.ShmSize}}"), "8388608");
    // docker's default: 64 MiB, no domain name.
    let out = env.skiff_ok(&[
        "run",
        "--name",
        "d2",
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "cat /proc/sys/kernel/domainname; grep ' /dev/shm ' /proc/mounts",
    ]);
    assert!(out.contains("size=65536k"), "{out}");
    assert_eq!(inspect(&env, "d2", "{{.HostConfig.ShmSize}}"), "67108864");
    assert_eq!(inspect(&env, "d2", "{{.Config.Domainname}}"), "");
    env.skiff_ok(&["rm", "d1", "d2"]);
    refused(
        &env,
        &["--shm-size", "lots"],
        "Error: invalid argument \"lots\" for \"--shm-size\" flag: invalid size: 'lots'",
    );
}

#[test]
fn namespaced_sysctls() {
    let env = env_with_busybox();
    let out = env.skiff_ok(&[
        "run",
        "--name",
        "s1",
        "--network",
        "none",
        "--sysctl",
        "net.ipv4.ip_forward=1",
        "--sysctl",
        "kernel.shmmax=1234567",
        "--sysctl",
        "fs.mqueue.msg_max=20",
        BUSYBOX,
        "cat",
        "/proc/sys/net/ipv4/ip_forward",
        "/proc/sys/kernel/shmmax",
        "/proc/sys/fs/mqueue/msg_max",
    ]);
    assert_eq!(out, "1\n1234567\n20\n");
    let v: serde_json::Value =
        serde_json::from_str(&inspect(&env, "s1", "{{json .HostConfig.Sysctls}}")).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "net.ipv4.ip_forward": "1",
            "kernel.shmmax": "1234567",
            "fs.mqueue.msg_max": "20"
        })
    );
    env.skiff_ok(&["rm", "s1"]);
    refused(
        &env,
        &["--sysctl", "kernel.hostname=x"],
        "Error: invalid argument \"kernel.hostname=x\" for \"--sysctl\" flag: sysctl 'kernel.hostname=x' is not allowed",
    );
    refused(
        &env,
        &["--sysctl", "net.ipv4.ip_forward"],
        "Error: invalid argument \"net.ipv4.ip_forward\" for \"--sysctl\" flag: sysctl 'net.ipv4.ip_forward' is not allowed",
    );
    let o = env.skiff(&[
        "run",
        "--network",
        "host",
        "--sysctl",
        "net.ipv4.ip_forward=1",
        BUSYBOX,
        "true",
    ]);
    assert_eq!(code(&o), 125);
    assert_eq!(
        stderr(&o).trim(),
        "Error: sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace"
    );
    assert_eq!(env.skiff_ok(&["ps", "-aq"]), "");
}

#[test]
fn annotations_and_security_opts() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "create",
        "--name",
        "a1",
        "--network",
        "none",
        "--annotation",
        "org.example.team=blue",
        "--annotation",
        "bare",
        BUSYBOX,
        "true",
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&inspect(&env, "a1", "{{json .HostConfig.Annotations}}")).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"org.example.team": "blue", "bare": ""})
    );
    env.skiff_ok(&["rm", "a1"]);

    // SELinux labels and AppArmor profiles are accepted, as docker does on a host that has
    // neither.
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--security-opt",
        "label=disable",
        "--security-opt",
        "label=type:container_t",
        "--security-opt",
        "apparmor=unconfined",
        "--security-opt",
        "apparmor:docker-default",
        BUSYBOX,
        "echo",
        "ok",
    ]);
    assert_eq!(out, "ok\n");
    // docker masks /proc/keys and friends; systempaths=unconfined does not.
    let masked = |extra: &[&str]| {
        let mut a = vec!["run", "--rm", "--network", "none"];
        a.extend_from_slice(extra);
        a.extend_from_slice(&[
            BUSYBOX,
            "sh",
            "-c",
            "grep -c -e ' /proc/keys ' -e ' /proc/sys ' /proc/self/mountinfo || true",
        ]);
        env.skiff_ok(&a).trim().to_string()
    };
    assert_eq!(masked(&[]), "2");
    assert_eq!(masked(&["--security-opt", "systempaths=unconfined"]), "0");
    refused(
        &env,
        &["--security-opt", "nonsense"],
        "Error: Invalid --security-opt: \"nonsense\"",
    );
    refused(
        &env,
        &["--security-opt", "colour=blue"],
        "Error: invalid --security-opt 2: \"colour=blue\"",
    );
    refused(
        &env,
        &["--security-opt", "systempaths=open"],
        "Error: invalid --security-opt 2: \"systempaths=open\"",
    );
}

/// The namespace link (`ipc:[4026531839]`) as the test process sees its own.
fn host_ns(kind: &str) -> String {
    std::fs::read_link(format!("/proc/self/ns/{kind}"))
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

#[test]
fn pid_ipc_uts_and_cgroup_namespaces() {
    let env = env_with_busybox();
    let ns = |flags: &[&str], kind: &str| {
        let mut a = vec!["run", "--rm", "--network", "none"];
        a.extend_from_slice(flags);
        let link = format!("/proc/self/ns/{kind}");
        a.extend_from_slice(&[BUSYBOX, "readlink", &link]);
        env.skiff_ok(&a).trim().to_string()
    };
    // Own namespaces by default (docker's private IPC; the host's cgroup namespace on this
    // cgroup v1 host, as docker does there).
    for kind in ["pid", "ipc", "uts"] {
        assert_ne!(ns(&[], kind), host_ns(kind), "{kind}");
    }
    assert_eq!(ns(&[], "cgroup"), host_ns("cgroup"));
    assert_eq!(ns(&["--pid", "host"], "pid"), host_ns("pid"));
    assert_eq!(ns(&["--ipc", "host"], "ipc"), host_ns("ipc"));
    assert_eq!(ns(&["--uts", "host"], "uts"), host_ns("uts"));
    assert_ne!(ns(&["--cgroupns", "private"], "cgroup"), host_ns("cgroup"));
    for mode in ["private", "shareable", "none"] {
        assert_ne!(ns(&["--ipc", mode], "ipc"), host_ns("ipc"), "{mode}");
    }

    // --pid host: the host's processes, its PID 1 among them.
    let host_init = std::fs::read_to_string("/proc/1/comm").unwrap();
    let comm = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--pid",
        "host",
        BUSYBOX,
        "cat",
        "/proc/1/comm",
    ]);
    assert_eq!(comm, host_init);
    // --ipc none: no /dev/shm.
    let shm = |mode: &str| {
        env.skiff_ok(&[
            "run",
            "--rm",
            "--network",
            "none",
            "--ipc",
            mode,
            BUSYBOX,
            "sh",
            "-c",
            "grep -c ' /dev/shm ' /proc/mounts || true",
        ])
    };
    assert_eq!(shm("none"), "0\n");
    assert_eq!(shm("shareable"), "1\n");
    // --uts host: the host's name.
    let host = nix::unistd::gethostname().unwrap().into_string().unwrap();
    let out = env.skiff_ok(&[
        "run",
        "--name",
        "u1",
        "--network",
        "none",
        "--uts",
        "host",
        BUSYBOX,
        "sh",
        "-c",
        "hostname; cat /etc/hostname",
    ]);
    assert_eq!(out, format!("{host}\n{host}\n"));
    assert_eq!(
        inspect(&env, "u1", "{{.HostConfig.UTSMode}} {{.HostConfig.PidMode}}|{{.HostConfig.IpcMode}} {{.HostConfig.CgroupnsMode}} {{.Config.Hostname}}"),
        format!("host |private host {host}")
    );
    env.skiff_ok(&["rm", "u1"]);

    refused(
        &env,
        &["--uts", "host", "-h", "box"],
        "Error: Conflicting options: hostname and the UTS mode",
    );
    refused(&env, &["--pid", "nope"], "Error: --pid: invalid PID mode");
    refused(&env, &["--ipc", "nope"], "Error: invalid IPC mode: nope");
    refused(&env, &["--uts", "nope"], "Error: --uts: invalid UTS mode");
    refused(
        &env,
        &["--cgroupns", "nope"],
        "Error: --cgroupns: invalid CGROUP mode",
    );
    refused(
        &env,
        &["--ipc", "container:other"],
        "Error: No such container: other",
    );
}

#[test]
fn attach_chooses_the_streams_shown() {
    let env = env_with_busybox();
    let script = "echo out; echo err >&2";
    let run = |flags: &[&str], name: &str| {
        let mut a = vec!["run", "--name", name, "--network", "none"];
        a.extend_from_slice(flags);
        a.extend_from_slice(&[BUSYBOX, "sh", "-c", script]);
        let o = env.skiff(&a);
        assert_eq!(code(&o), 0, "{flags:?}: {}", stderr(&o));
        (stdout(&o), stderr(&o))
    };
    assert_eq!(run(&[], "a0"), ("out\n".into(), "err\n".into()));
    assert_eq!(
        run(&["-a", "stdout"], "a1"),
        ("out\n".into(), String::new())
    );
    assert_eq!(
        run(&["--attach", "STDERR"], "a2"),
        (String::new(), "err\n".into())
    );
    assert_eq!(
        run(&["-a", "stdout", "-a", "stderr"], "a3"),
        ("out\n".into(), "err\n".into())
    );
    // The log has both streams whatever was shown.
    let o = env.skiff(&["logs", "a1"]);
    assert_eq!((stdout(&o), stderr(&o)), ("out\n".into(), "err\n".into()));
    assert_eq!(
        inspect(
            &env,
            "a1",
            "{{.Config.AttachStdout}} {{.Config.AttachStderr}}"
        ),
        "true false"
    );
    env.skiff_ok(&["rm", "a0", "a1", "a2", "a3"]);
    refused(
        &env,
        &["-a", "stdfoo"],
        "Error: invalid argument \"stdfoo\" for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR",
    );
    refused(
        &env,
        &["-a", "stdout", "-d"],
        "Error: Conflicting options: -a and -d",
    );
}
