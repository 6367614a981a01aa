//! save / load: docker-archive and OCI archives, and their exchange with podman and skopeo.
mod common;

use common::*;

/// podman as the test user, with its storage inside this test's directory (vfs: no fuse
/// overlay needed), a clean environment and an existing XDG_RUNTIME_DIR.
fn podman(env: &TestEnv, args: &str) -> std::process::Output {
    let dir = env.dir().join("podman");
    // podman wants a runroot under 50 characters.
    let run = format!(
        "/tmp/skiff-pm-{}",
        env.dir()
            .file_name()
            .map(|n| n
                .to_string_lossy()
                .chars()
                .rev()
                .take(12)
                .collect::<String>())
            .unwrap_or_default()
    );
    env.sh(&format!(
        "mkdir -p {d} {run} && HOME={d} XDG_RUNTIME_DIR={run} podman --runtime runc --cgroup-manager cgroupfs --root {d}/storage --runroot {run}/storage --storage-driver vfs {args}",
        d = dir.display()
    ))
}

#[test]
fn save_load_round_trip_and_podman() {
    let env = TestEnv::new();
    env.pull("layered");
    env.skiff_ok(&["tag", "localhost:5000/layered", "arch/app:1"]);
    let id = env.skiff_ok(&["images", "-q", "--no-trunc", "arch/app:1"]);
    let archive = env.dir().join("app.tar");
    let a = archive.display().to_string();
    env.skiff_ok(&["save", "-o", &a, "arch/app:1", "localhost:5000/layered"]);
    let list = env.sh(&format!("tar tf {a}"));
    assert!(stdout(&list).contains("manifest.json"), "{}", stdout(&list));

    // Into a fresh store: both names, same id, runs.
    let env2 = TestEnv::new();
    let out = env2.skiff_ok(&["load", "-i", &a]);
    assert!(out.contains("Loaded image: arch/app:1"), "{out}");
    assert!(
        out.contains("Loaded image: localhost:5000/layered:latest"),
        "{out}"
    );
    assert_eq!(
        env2.skiff_ok(&["images", "-q", "--no-trunc", "arch/app:1"]),
        id
    );
    let run = env2.skiff_ok(&["run", "--rm", "arch/app:1", "cat", "/data/keep"]);
    assert_eq!(run, "keep\n");

    // gzip-compressed, from stdin.
    let gz = env.sh(&format!("gzip -c {a}"));
    assert_success(&gz, "gzip");
    let env3 = TestEnv::new();
    let o = env3.skiff_stdin(&["load"], &gz.stdout);
    assert_success(&o, "load from stdin");

    // podman loads skiff's archive and runs it.
    let o = podman(&env, &format!("load -i {a}"));
    assert_success(&o, "podman load");
    let o = podman(
        &env,
        "run --rm --net=none localhost/arch/app:1 cat /data/new",
    );
    assert_success(&o, "podman run");
    assert_eq!(stdout(&o), "new\n");

    // skiff loads podman's archive and runs it.
    let p = env.dir().join("podman.tar").display().to_string();
    let o = podman(&env, &format!("save -o {p} localhost/arch/app:1"));
    assert_success(&o, "podman save");
    let env4 = TestEnv::new();
    let out = env4.skiff_ok(&["load", "-i", &p]);
    assert!(out.contains("Loaded image: localhost/arch/app:1"), "{out}");
    let run = env4.skiff_ok(&["run", "--rm", "localhost/arch/app:1", "cat", "/data/keep"]);
    assert_eq!(run, "keep\n");
}

#[test]
fn oci_archives_from_skopeo_and_skiff() {
    let env = TestEnv::new();
    let oci = env.dir().join("bb-oci.tar").display().to_string();
    let o = env.sh(&format!(
        "skopeo copy --src-tls-verify=false docker://{REGISTRY}/busybox:latest oci-archive:{oci}:localhost/bb:oci"
    ));
    assert_success(&o, "skopeo copy");
    let out = env.skiff_ok(&["load", "-i", &oci]);
    assert!(out.contains("Loaded image"), "{out}");
    let id = out.lines().last().unwrap_or("").to_string();
    let name = id
        .strip_prefix("Loaded image: ")
        .or_else(|| id.strip_prefix("Loaded image ID: "))
        .unwrap_or("")
        .to_string();
    let run = env.skiff_ok(&["run", "--rm", &name, "echo", "oci ok"]);
    assert_eq!(run, "oci ok\n");

    // skiff's own OCI archive loads back into a fresh store with the same id.
    env.skiff_ok(&["tag", &name, "bb:oci"]);
    let ours = env.dir().join("ours.tar").display().to_string();
    env.skiff_ok(&["save", "--format", "oci-archive", "-o", &ours, "bb:oci"]);
    let env2 = TestEnv::new();
    let out = env2.skiff_ok(&["load", "-i", &ours]);
    assert!(out.contains("Loaded image: bb:oci"), "{out}");
    assert_eq!(
        env2.skiff_ok(&["images", "-q", "bb:oci"]),
        env.skiff_ok(&["images", "-q", "bb:oci"])
    );
}

#[test]
fn hostile_archives_are_refused() {
    let env = TestEnv::new();
    // A member that escapes, and an archive that is no image at all.
    let o = env.sh(
        "cd \"$(mktemp -d)\" && echo x > f && tar --transform 's,^f,../../escape-skiff,' -cf - f",
    );
    assert_success(&o, "tar");
    let r = env.skiff_stdin(&["load"], &o.stdout);
    assert_eq!(r.status.code(), Some(1), "{}", stderr(&r));
    assert!(stderr(&r).contains("escapes the archive"), "{}", stderr(&r));
    let o = env.sh("cd \"$(mktemp -d)\" && echo x > f && tar -cf - f");
    let r = env.skiff_stdin(&["load"], &o.stdout);
    assert_eq!(r.status.code(), Some(1), "{}", stderr(&r));
    assert!(stderr(&r).contains("manifest.json"), "{}", stderr(&r));
    assert_eq!(env.skiff_ok(&["images", "-q"]).trim(), "");
}
