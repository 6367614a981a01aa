//! The pause process (`runtime::pause`): rootless containers share one long-lived user
//! namespace mapped to the user's subordinate ids, so newuidmap and newgidmap run once per
//! holder rather than once per container; a record that does not name a live holder (a dead
//! or recycled pid, another namespace) is never joined.
mod common;

use common::{code, env_with_busybox, stdout, TestEnv};

const IMG: &str = "localhost:5000/busybox";

/// The user namespace and uid map a `run --rm` container sees.
fn userns_of(env: &TestEnv, network: &str) -> (String, String) {
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        network,
        IMG,
        "sh",
        "-c",
        "readlink /proc/self/ns/user; cat /proc/self/uid_map",
    ]);
    let mut lines = out.lines();
    let ns = lines.next().unwrap_or_default().to_string();
    let map: Vec<String> = lines
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    (ns, map.join("\n"))
}

/// The pid in the pause record, if any.
fn recorded_pid(env: &TestEnv) -> Option<i32> {
    let text = std::fs::read_to_string(env.run_dir().join("pause.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["pid"].as_i64().map(|p| p as i32)
}

/// Whether `pid` runs `skiff __helper pause`.
fn is_pause_process(pid: i32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| {
            let args: Vec<&[u8]> = c.split(|&b| b == 0).collect();
            args.len() >= 3 && args[1] == b"__helper" && args[2] == b"pause"
        })
        .unwrap_or(false)
}

#[test]
fn rootless_containers_share_the_pause_namespace_with_the_usual_maps() {
    let env = env_with_busybox();
    let (ns1, map1) = userns_of(&env, "none");
    let (ns2, map2) = userns_of(&env, "slirp4netns");
    assert!(ns1.starts_with("user:["), "{ns1}");
    assert_eq!(
        ns1, ns2,
        "both containers are in the pause process's namespace"
    );
    // The same maps as a container of its own would get: root is the user, the rest the
    // subordinate range (tests/env/setup.sh gives skifftest 200000:65536).
    assert_eq!(map1, map2);
    let lines: Vec<&str> = map1.lines().collect();
    assert_eq!(lines.len(), 2, "{map1}");
    assert!(
        lines[0].starts_with("0 ") && lines[0].ends_with(" 1"),
        "{map1}"
    );
    assert_eq!(lines[1], "1 200000 65536", "{map1}");
    let pid = recorded_pid(&env).expect("pause.json names the holder");
    assert!(is_pause_process(pid), "pid {pid} is the pause helper");
    // Files a container writes as root are the user's on the host, as before.
    let dir = env.dir().join("vol");
    std::fs::create_dir_all(&dir).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    env.skiff_ok(&[
        "run",
        "--rm",
        "-v",
        &format!("{}:/v", dir.display()),
        IMG,
        "touch",
        "/v/f",
    ]);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata(dir.join("f")).unwrap().uid(),
        common::test_uid()
    );
}

#[test]
fn a_record_naming_another_process_is_never_joined() {
    let env = env_with_busybox();
    let (real_ns, _) = userns_of(&env, "none");
    let holder = recorded_pid(&env).expect("a pause process runs");
    // A record naming a live process of the user that is not the holder (a recycled pid),
    // with the holder's namespace identity copied from the real record.
    let mut sleeper = env.user_command("sleep", &["60"]).spawn().expect("sleep");
    let real: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.run_dir().join("pause.json")).unwrap())
            .unwrap();
    let fake = serde_json::json!({
        "pid": sleeper.id(),
        "start": real["start"],
        "ns_dev": real["ns_dev"],
        "ns_ino": real["ns_ino"],
    });
    let o = env.sh(&format!(
        "printf '%s' '{fake}' > {}",
        env.run_dir().join("pause.json").display()
    ));
    assert!(o.status.success());
    // The next container neither joins the sleeper's namespace nor fails: a new holder is
    // started and recorded, and the old one goes when it sees the record is not its own.
    let (ns, _) = userns_of(&env, "none");
    assert!(ns.starts_with("user:["), "{ns}");
    let new_holder = recorded_pid(&env).expect("a new record");
    assert_ne!(new_holder, sleeper.id() as i32);
    assert!(is_pause_process(new_holder));
    assert_ne!(ns, real_ns, "a fresh namespace from the new holder");
    let sleeper_ns = std::fs::read_link(format!("/proc/{}/ns/user", sleeper.id()))
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    assert_ne!(ns, sleeper_ns);
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    assert!(holder > 0);
}

#[test]
fn a_dead_holder_is_replaced_and_keep_id_gets_its_own_namespace() {
    let env = env_with_busybox();
    let (first, _) = userns_of(&env, "none");
    let pid = recorded_pid(&env).expect("a pause process runs");
    assert!(is_pause_process(pid));
    // Verified just above: this pid is our holder.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("kill the pause process");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while is_pause_process(pid) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (second, _) = userns_of(&env, "none");
    assert_ne!(first, second, "a new holder, a new namespace");
    assert!(is_pause_process(recorded_pid(&env).expect("recorded")));
    // --userns keep-id has other maps: never the shared namespace.
    let o = env.skiff(&[
        "run",
        "--rm",
        "--userns",
        "keep-id",
        IMG,
        "readlink",
        "/proc/self/ns/user",
    ]);
    assert_eq!(code(&o), 0, "{o:?}");
    assert_ne!(stdout(&o).trim(), second);
}
