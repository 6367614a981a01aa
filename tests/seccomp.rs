//! Seccomp: docker's default profile, `--privileged` and `seccomp=unconfined` without one, and
//! a custom docker-format profile, in `run` and in `exec`.
mod common;

use common::*;

#[test]
fn default_profile_blocks_what_docker_blocks() {
    let env = TestEnv::new();
    env.pull("busybox");
    // A new user namespace needs no capability here: only seccomp stands in the way.
    let o = env.skiff(&["run", "--rm", BUSYBOX, "unshare", "-U", "true"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Operation not permitted"),
        "{}",
        stderr(&o)
    );
    for opts in [
        vec!["--security-opt", "seccomp=unconfined"],
        vec!["--security-opt", "seccomp:unconfined"],
        vec!["--privileged"],
    ] {
        let mut args = vec!["run", "--rm"];
        args.extend(opts.iter());
        args.extend([BUSYBOX, "unshare", "-U", "true"]);
        let o = env.skiff(&args);
        assert_eq!(code(&o), 0, "{opts:?}: {}", stderr(&o));
    }
    // Everyday work is unaffected: fork, exec, files, the network stack, users.
    let o = env.skiff(&[
        "run",
        "--rm",
        "-u",
        "1000",
        BUSYBOX,
        "sh",
        "-c",
        "mkdir /tmp/x && echo ok > /tmp/x/f && cat /tmp/x/f && (sleep 0 &) && wait && id -u",
    ]);
    assert_eq!(stdout(&o), "ok\n1000\n", "{}", stderr(&o));
    // no-new-privileges installs the filter last; still in force.
    let o = env.skiff(&[
        "run",
        "--rm",
        "--security-opt",
        "no-new-privileges",
        "--init",
        BUSYBOX,
        "unshare",
        "-U",
        "true",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    // exec gets the container's filter.
    env.skiff_ok(&["run", "-d", "--name", "s1", BUSYBOX, "sleep", "300"]);
    let o = env.skiff(&["exec", "s1", "unshare", "-U", "true"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    // exec's filter comes compiled from caches beside the container's config.json:
    // `exec.cache` (the spec's process section and the filter, keyed by the spec's identity),
    // else `seccomp.bpf` (keyed by the profile); a cache that is damaged (empty, zero-filled,
    // garbage) is never used: the filter is compiled again, still in force, and the caches
    // rewritten.
    let id = env.skiff_ok(&["inspect", "-f", "{{.Id}}", "s1"]);
    let dir = env.data_dir().join("containers").join(id.trim());
    let (exec_cache, bpf) = (dir.join("exec.cache"), dir.join("seccomp.bpf"));
    let (exec_cache, bpf) = (exec_cache.display(), bpf.display());
    for cache in [&exec_cache, &bpf] {
        assert_success(&env.sh(&format!("test -s {cache}")), "the cache exists");
    }
    for damage in [
        ": > {}",
        "head -c 4000 /dev/zero > {}",
        "head -c 12 {} > {}.x && echo garbage >> {}.x && mv {}.x {}",
    ] {
        for cache in [&exec_cache, &bpf] {
            let damage = damage.replace("{}", &cache.to_string());
            assert_success(&env.sh(&damage), &damage);
        }
        let o = env.skiff(&["exec", "s1", "unshare", "-U", "true"]);
        assert_eq!(code(&o), 1, "{damage}: {}", stderr(&o));
        let o = env.sh(&format!("head -c 12 {bpf}"));
        assert_eq!(stdout(&o), "skiff-bpf 2\n", "{damage}: rewritten");
        let o = env.sh(&format!("head -c 13 {exec_cache}"));
        assert_eq!(stdout(&o), "skiff-exec 1\n", "{damage}: rewritten");
        // And served from the rewritten cache.
        let o = env.skiff(&["exec", "s1", "unshare", "-U", "true"]);
        assert_eq!(code(&o), 1, "{damage}: {}", stderr(&o));
    }
    let o = env.skiff(&["exec", "s1", "sh", "-c", "echo fine"]);
    assert_eq!(stdout(&o), "fine\n", "{}", stderr(&o));
    // A container's own start takes its filter from a cache too, shared by all containers
    // (`cache/seccomp/SHA256.bpf`, one file per profile; s1 made the default profile's):
    // started again with that cache damaged, the filter is still in force.
    let id = env.skiff_ok(&["create", BUSYBOX, "unshare", "-U", "true"]);
    let id = id.trim();
    let o = env.skiff(&["start", "-a", id]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let shared = env.data_dir().join("cache/seccomp");
    let files: Vec<_> = std::fs::read_dir(&shared)
        .unwrap_or_else(|e| panic!("{}: {e}", shared.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "bpf"))
        .collect();
    assert_eq!(files.len(), 1, "one profile, one file: {files:?}");
    assert!(
        !env.data_dir()
            .join("containers")
            .join(id)
            .join("seccomp-start.bpf")
            .exists(),
        "nothing cached per container at start"
    );
    let cache = files[0].display();
    assert_success(
        &env.sh(&format!("test -s {cache}")),
        "the start cache exists",
    );
    for damage in [
        format!(": > {cache}"),
        format!("head -c 5000 /dev/zero > {cache}"),
    ] {
        assert_success(&env.sh(&damage), &damage);
        let o = env.skiff(&["start", "-a", id]);
        assert_eq!(code(&o), 1, "{damage}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("Operation not permitted"),
            "{}",
            stderr(&o)
        );
        let o = env.sh(&format!("head -c 12 {cache}"));
        assert_eq!(stdout(&o), "skiff-bpf 2\n", "{damage}: rewritten");
    }
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "s2",
        "--security-opt",
        "seccomp=unconfined",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let o = env.skiff(&["exec", "s2", "unshare", "-U", "true"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn custom_profile_from_a_file() {
    let env = TestEnv::new();
    env.pull("busybox");
    let dir = env.dir().join("prof");
    assert_success(&env.sh(&format!("mkdir -p {}", dir.display())), "mkdir");
    let profile = dir.join("no-mkdir.json");
    std::fs::write(
        &profile,
        r#"{"defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}"#,
    )
    .unwrap();
    let _ = env.sh(&format!("chmod 644 {}", profile.display()));
    let opt = format!("seccomp={}", profile.display());
    let o = env.skiff(&[
        "run",
        "--rm",
        "--security-opt",
        &opt,
        BUSYBOX,
        "mkdir",
        "/tmp/d",
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("Operation not permitted"),
        "{}",
        stderr(&o)
    );
    let o = env.skiff(&[
        "run",
        "--rm",
        "--security-opt",
        &opt,
        BUSYBOX,
        "sh",
        "-c",
        "touch /tmp/f && echo fine",
    ]);
    assert_eq!(stdout(&o), "fine\n", "{}", stderr(&o));
    // A profile that cannot be read or parsed is refused at once.
    let o = env.skiff(&[
        "run",
        "--rm",
        "--security-opt",
        "seccomp=/nonexistent.json",
        BUSYBOX,
        "true",
    ]);
    assert_eq!(code(&o), 125);
    assert!(stderr(&o).contains("seccomp profile"), "{}", stderr(&o));
}
