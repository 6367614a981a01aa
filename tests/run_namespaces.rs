//! `run`/`create` flags of issue 20 that join or remap namespaces, and those skiff checks and
//! refuses for want of a host facility: `--pid container:X`, `--ipc container:X` (and the
//! shareable donor's /dev/shm), `--userns host|keep-id`, `--gpus`, CDI `--device` names,
//! `--storage-opt`, `--platform` of another architecture, `--detach-keys`, `--sig-proxy`.
mod common;

use common::*;

fn inspect(env: &TestEnv, name: &str, template: &str) -> String {
    env.skiff_ok(&["inspect", "-f", template, name])
        .trim()
        .to_string()
}

/// `run --rm --network none --userns USERNS ARGS busybox sh -c SCRIPT`: its output.
fn run_userns(env: &TestEnv, userns: &str, args: &[&str], script: &str) -> String {
    let mut a = vec!["run", "--rm", "--network", "none", "--userns", userns];
    a.extend_from_slice(args);
    a.extend_from_slice(&[BUSYBOX, "sh", "-c", script]);
    env.skiff_ok(&a)
}

/// The owner (uid, gid) of `path` on the host.
fn owner(path: &std::path::Path) -> (u32, u32) {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).unwrap();
    (meta.uid(), meta.gid())
}

/// `run ARGS IMAGE true`, expecting docker's refusal: exit 125, `want` on stderr, and no
/// container other than those listed in `keep`.
fn refused(env: &TestEnv, args: &[&str], want: &str, keep: &[&str]) {
    let mut a = vec!["run", "--name", "refused"];
    if !args.contains(&"--network") {
        a.extend_from_slice(&["--network", "none"]);
    }
    a.extend_from_slice(args);
    a.extend_from_slice(&[BUSYBOX, "true"]);
    let o = env.skiff(&a);
    assert_eq!(code(&o), 125, "{args:?}: {}", stderr(&o));
    assert_eq!(stderr(&o).trim(), want, "{args:?}");
    let mut left: Vec<String> = env
        .skiff_ok(&["ps", "-a", "--format", "{{.Names}}"])
        .lines()
        .map(String::from)
        .collect();
    left.sort();
    let mut keep: Vec<String> = keep.iter().map(|s| s.to_string()).collect();
    keep.sort();
    assert_eq!(left, keep, "{args:?} left a container");
}

#[test]
fn pid_and_ipc_join_a_running_container() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "donor",
        "--network",
        "none",
        "--ipc",
        "shareable",
        BUSYBOX,
        "sleep",
        "1000",
    ]);
    let donor_ns = |kind: &str| {
        let link = format!("/proc/1/ns/{kind}");
        env.skiff_ok(&["exec", "donor", "readlink", &link])
            .trim()
            .to_string()
    };
    // --pid container: the donor's processes, its namespace.
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--pid",
        "container:donor",
        BUSYBOX,
        "sh",
        "-c",
        "readlink /proc/self/ns/pid; cat /proc/1/cmdline | tr '\\0' ' '",
    ]);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some(donor_ns("pid").as_str()), "{out}");
    assert_eq!(lines.next(), Some("sleep 1000 "), "{out}");

    // --ipc container: the donor's IPC namespace and its /dev/shm.
    env.skiff_ok(&["exec", "donor", "sh", "-c", "echo shared > /dev/shm/note"]);
    let out = env.skiff_ok(&[
        "run",
        "--name",
        "joiner",
        "--network",
        "none",
        "--ipc",
        "container:donor",
        BUSYBOX,
        "sh",
        "-c",
        "readlink /proc/self/ns/ipc; cat /dev/shm/note; echo back > /dev/shm/reply",
    ]);
    assert_eq!(out, format!("{}\nshared\n", donor_ns("ipc")));
    assert_eq!(
        env.skiff_ok(&["exec", "donor", "cat", "/dev/shm/reply"]),
        "back\n"
    );
    let id = inspect(&env, "donor", "{{.Id}}");
    assert_eq!(
        inspect(&env, "joiner", "{{.HostConfig.IpcMode}}"),
        format!("container:{id}")
    );
    env.skiff_ok(&["rm", "joiner"]);

    // docker's refusals: a donor that is not shareable, one that does not run, none at all.
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "private",
        "--network",
        "none",
        BUSYBOX,
        "sleep",
        "1000",
    ]);
    refused(
        &env,
        &["--ipc", "container:private"],
        "Error: container private: non-shareable IPC (hint: use IpcMode:shareable for the donor container)",
        &["donor", "private"],
    );
    env.skiff_ok(&["create", "--name", "idle", BUSYBOX, "true"]);
    for flag in ["--pid", "--ipc"] {
        refused(
            &env,
            &[flag, "container:idle"],
            "Error: container idle is not running",
            &["donor", "private", "idle"],
        );
    }
    refused(
        &env,
        &["--pid", "container:ghost"],
        "Error: No such container: ghost",
        &["donor", "private", "idle"],
    );
    env.skiff_ok(&["rm", "-f", "donor", "private", "idle"]);
}

#[test]
fn userns_keep_id_maps_the_user_to_itself() {
    let env = env_with_busybox();
    let (uid, gid) = (test_uid(), test_gid());
    let share = env.dir().join("share");
    std::fs::create_dir(&share).unwrap();
    std::fs::set_permissions(&share, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let vol = format!("{}:/share", share.display());
    let out = env.skiff_ok(&[
        "run",
        "--name",
        "k",
        "--network",
        "none",
        "--userns",
        "keep-id",
        "-v",
        &vol,
        BUSYBOX,
        "sh",
        "-c",
        "id -u; id -g; touch /share/made; stat -c %u:%g /share/made",
    ]);
    assert_eq!(out, format!("{uid}\n{gid}\n{uid}:{gid}\n"));
    // On the host, the file is the user's own.
    assert_eq!(owner(&share.join("made")), (uid, gid));
    assert_eq!(inspect(&env, "k", "{{.HostConfig.UsernsMode}}"), "keep-id");
    // Root inside is still root, mapped elsewhere; -u still picks the user.
    let out = run_userns(
        &env,
        "keep-id",
        &["-u", "0"],
        "id -u; grep -c . /proc/self/uid_map",
    );
    assert_eq!(out, "0\n4\n");

    // --userns host: the user's rootless namespace, as without the flag.
    let out = env.skiff_ok(&[
        "run",
        "--name",
        "h",
        "--network",
        "none",
        "--userns",
        "host",
        BUSYBOX,
        "sh",
        "-c",
        "id -u; cat /proc/self/uid_map | head -n1",
    ]);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("0"));
    let first: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    assert_eq!(first, ["0", &uid.to_string(), "1"], "{out}");
    assert_eq!(inspect(&env, "h", "{{.HostConfig.UsernsMode}}"), "host");
    env.skiff_ok(&["rm", "k", "h"]);

    refused(
        &env,
        &["--userns", "auto"],
        "Error: --userns: invalid USER mode",
        &[],
    );
    env.skiff_ok(&["network", "create", "n1"]);
    refused(
        &env,
        &["--userns", "keep-id", "--network", "n1"],
        "Error: --userns keep-id cannot be combined with a user-defined network: that container joins another user namespace",
        &[],
    );
}

/// The user's host account: name, GECOS up to its first comma, home.
fn host_account() -> (String, String, String) {
    let u = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(test_uid()))
        .unwrap()
        .unwrap();
    let gecos = u
        .gecos
        .to_string_lossy()
        .split(',')
        .next()
        .unwrap_or("")
        .to_string();
    (u.name, gecos, u.dir.to_string_lossy().into_owned())
}

#[test]
fn userns_keep_id_adds_the_user_to_passwd_and_group() {
    let env = env_with_busybox();
    let (uid, gid) = (test_uid(), test_gid());
    let (name, gecos, home) = host_account();
    let group = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid))
        .unwrap()
        .unwrap()
        .name;
    let script =
        "whoami; id; echo HOME=$HOME; grep :{uid}: /etc/passwd; grep :{gid}: /etc/group; pwd";
    let script = script
        .replace("{uid}", &uid.to_string())
        .replace("{gid}", &gid.to_string());
    // podman's entries: the host name, GECOS and /bin/sh; the home is the working directory.
    let want = format!(
        "{name}\nuid={uid}({name}) gid={gid}({group}) groups={gid}({group})\nHOME=/tmp\n\
         {name}:*:{uid}:{gid}:{gecos}:/tmp:/bin/sh\n{group}:x:{gid}:{name}\n/tmp\n"
    );
    let keep_id = [
        "--network",
        "none",
        "--userns",
        "keep-id",
        "-w",
        "/tmp",
        BUSYBOX,
    ];
    let mut args = vec!["run", "--rm"];
    args.extend_from_slice(&keep_id);
    args.extend_from_slice(&["sh", "-c", &script]);
    assert_eq!(env.skiff_ok(&args), want);
    // exec sees the same files and user.
    let mut args = vec!["run", "-d", "--name", "k"];
    args.extend_from_slice(&keep_id);
    args.extend_from_slice(&["sleep", "1000"]);
    env.skiff_ok(&args);
    assert_eq!(env.skiff_ok(&["exec", "k", "sh", "-c", &script]), want);
    env.skiff_ok(&["rm", "-f", "k"]);

    // A mounted home is the entry's home and HOME; files made there are the user's.
    let share = env.dir().join("home");
    std::fs::create_dir(&share).unwrap();
    std::os::unix::fs::chown(&share, Some(uid), Some(gid)).unwrap();
    let vol = format!("{}:{home}", share.display());
    let out = run_userns(
        &env,
        "keep-id",
        &["-v", &vol],
        "echo $HOME; cd; touch made; pwd",
    );
    assert_eq!(out, format!("{home}\n{home}\n"));
    assert_eq!(owner(&share.join("made")), (uid, gid));

    // An image that has the uid keeps its own entry: nobody is 65534 in busybox.
    // keep-id:uid=N,gid=M: the user is N:M inside, with podman's numeric entries.
    let out = run_userns(
        &env,
        "keep-id:uid=2000,gid=3000",
        &["-v", &format!("{}:/share", share.display())],
        "id -u; id -g; echo $HOME; grep 2000 /etc/passwd; grep 3000 /etc/group; touch /share/n; stat -c %u:%g /share/n",
    );
    assert_eq!(
        out,
        "2000\n3000\n/\n2000:*:2000:3000:container user:/:/bin/sh\n3000:x:3000:2000\n2000:3000\n"
    );
    assert_eq!(owner(&share.join("n")), (uid, gid));
    // keep-id:uid=0: root inside is the user, as without keep-id; the image has root.
    let out = run_userns(
        &env,
        "keep-id:uid=0,gid=0",
        &[],
        "whoami; echo $HOME; grep -c . /etc/passwd",
    );
    let image_lines = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        BUSYBOX,
        "grep",
        "-c",
        ".",
        "/etc/passwd",
    ]);
    assert_eq!(out, format!("root\n/root\n{image_lines}"));

    // podman's messages for bad options; nothing is created.
    refused(
        &env,
        &["--userns", "keep-id:uid"],
        "Error: invalid option specified: \"uid\"",
        &[],
    );
    refused(
        &env,
        &["--userns", "keep-id:name=x"],
        "Error: unknown option specified: \"name\"",
        &[],
    );
    refused(
        &env,
        &["--userns", "keep-id:uid=-1"],
        "Error: strconv.ParseUint: parsing \"-1\": invalid syntax",
        &[],
    );
}

#[test]
fn unavailable_host_facilities_are_refused() {
    let env = env_with_busybox();
    refused(
        &env,
        &["--gpus", "all"],
        "Error: could not select device driver \"\" with capabilities: [[gpu]]",
        &[],
    );
    refused(
        &env,
        &["--gpus", "count=many"],
        "Error: invalid argument \"count=many\" for \"--gpus\" flag: invalid count (many): value must be either \"all\" or an integer: invalid syntax",
        &[],
    );
    refused(
        &env,
        &["--gpus", "colour=red"],
        "Error: invalid argument \"colour=red\" for \"--gpus\" flag: unexpected key 'colour' in 'colour=red'",
        &[],
    );
    refused(
        &env,
        &["--device", "vendor.example/gpu=all"],
        "Error: CDI device injection failed: unresolvable CDI devices vendor.example/gpu=all",
        &[],
    );
    refused(
        &env,
        &["--storage-opt", "size"],
        "Error: invalid storage option",
        &[],
    );
    refused(
        &env,
        &["--storage-opt", "size=1G"],
        "Error: --storage-opt size: skiff's storage drivers (overlay, fuse-overlay, vfs) cannot limit a container's storage (no per-container quota)",
        &[],
    );
    let other = if std::env::consts::ARCH == "x86_64" {
        ("linux/s390x", "s390x")
    } else {
        ("linux/amd64", "amd64")
    };
    let o = env.skiff(&["run", "--rm", "--platform", other.0, BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert!(
        stderr(&o).contains(&format!("no binfmt_misc handler for {}", other.1)),
        "{}",
        stderr(&o)
    );
    refused(
        &env,
        &["--platform", "linux/"],
        "Error: invalid platform \"linux/\": expected OS/ARCH[/VARIANT]",
        &[],
    );
}

#[test]
fn detach_keys_and_sig_proxy() {
    let env = env_with_busybox();
    refused(
        &env,
        &["--detach-keys", "shift-a"],
        "Error: invalid detach keys (shift-a): Unknown character: 'shift-a'",
        &[],
    );
    // --detach-keys of docker's syntax is taken; --sig-proxy=false alone changes nothing for a
    // container that ends by itself.
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--sig-proxy=false",
        "--detach-keys",
        "ctrl-a,x",
        BUSYBOX,
        "echo",
        "ok",
    ]);
    assert_eq!(out, "ok\n");

    // SIGTERM to a foreground `run`: passed on to the container by default (it ends); kept by
    // skiff with --sig-proxy=false (skiff ends, the container runs on).
    let skiff = skiff_bin().display().to_string();
    for (name, proxy) in [("proxied", "true"), ("unproxied", "false")] {
        let script = format!(
            "{skiff} run --name {name} --network none --sig-proxy={proxy} {BUSYBOX} sh -c 'trap \"exit 7\" TERM; sleep 60 & wait' >/dev/null 2>&1 & p=$!
             for i in $(seq 100); do
               [ \"$({skiff} inspect -f '{{{{.State.Running}}}}' {name} 2>/dev/null)\" = true ] && break
               sleep 0.1
             done
             kill -TERM $p; wait $p; echo $?"
        );
        let o = env.sh(&script);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let cli_code = stdout(&o).trim().to_string();
        let running = || inspect(&env, name, "{{.State.Running}}");
        if proxy == "true" {
            // The container got the TERM: its trap ends it, and skiff with its code.
            assert_eq!(cli_code, "7", "{name}");
            assert_eq!(running(), "false", "{name}");
        } else {
            assert_eq!(cli_code, "143", "{name}");
            assert_eq!(running(), "true", "{name}");
        }
    }
    env.skiff_ok(&["rm", "-f", "proxied", "unproxied"]);
}
