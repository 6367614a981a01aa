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
