//! The rest of the image command set: tag, history, prune, --filter/--format, push (round
//! trip, mounts), login/logout against the htpasswd registry on 127.0.0.1:5001.
mod common;

use common::*;

const AUTH_REGISTRY: &str = "localhost:5001";

/// A unique repository name, so parallel tests (and reruns) do not see each other's pushes.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// skiff ARGS with DOCKER_CONFIG pointing into this test's directory (never the real home).
fn skiff_cfg(env: &TestEnv, args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    let cfg = format!("DOCKER_CONFIG={}", env.dir().join("docker").display());
    let bin = skiff_bin().to_string_lossy().to_string();
    let mut all = vec![cfg.as_str(), bin.as_str()];
    all.extend_from_slice(args);
    run_with_timeout(env.user_command("env", &all), stdin, env.timeout())
        .unwrap_or_else(|e| panic!("skiff {args:?}: {e}"))
}

#[test]
fn tag_history_and_formats() {
    let env = TestEnv::new();
    env.pull("layered");
    env.skiff_ok(&["tag", "localhost:5000/layered", "mine/app:1"]);
    env.skiff_ok(&["image", "tag", "mine/app:1", "mine/app:2"]);
    let out = env.skiff_ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        ["localhost:5000/layered:latest", "mine/app:1", "mine/app:2"]
    );

    // table with docker's headers; json one object per line; reference filter.
    let out = env.skiff_ok(&[
        "images",
        "--filter",
        "reference=mine/*",
        "--format",
        "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}",
    ]);
    let mut it = out.lines();
    let head: Vec<&str> = it.next().unwrap_or("").split_whitespace().collect();
    assert_eq!(head, ["REPOSITORY", "TAG", "IMAGE", "ID"], "{out}");
    assert_eq!(it.count(), 2, "{out}");
    let out = env.skiff_ok(&["images", "--format", "json", "-f", "reference=mine/app:2"]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    assert_eq!(v["Repository"], "mine/app");
    assert_eq!(v["Tag"], "2");
    assert_eq!(v["Size"].as_str().map(|s| s.ends_with('B')), Some(true));
    // A missing key is an error, as in docker.
    let o = env.skiff(&["images", "--format", "{{.Nope}}"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("template"), "{}", stderr(&o));
    // dangling=false keeps the tagged image, dangling=true finds none.
    assert_eq!(
        env.skiff_ok(&["images", "-q", "-f", "dangling=true"])
            .trim(),
        ""
    );

    // history: three layers, top entry carries the id, others <missing>.
    let out = env.skiff_ok(&["history", "mine/app:1"]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("IMAGE"), "{out}");
    assert!(lines[0].contains("CREATED BY"), "{out}");
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[2].starts_with("<missing>"), "{out}");
    let ids = env.skiff_ok(&["history", "-q", "--no-trunc", "mine/app:1"]);
    assert!(
        ids.lines().next().unwrap_or("").starts_with("sha256:"),
        "{ids}"
    );
    let by = env.skiff_ok(&[
        "image",
        "history",
        "--format",
        "{{.CreatedBy}}",
        "mine/app:1",
    ]);
    assert!(by.contains("busybox root"), "{by}");

    // Tag errors: no such source, digest in the target.
    let o = env.skiff(&["tag", "nosuch", "x:1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("No such image: nosuch"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn prune_removes_dangling_then_unused() {
    let env = TestEnv::new();
    env.pull("busybox");
    // Import twice under one tag: the first image becomes dangling.
    let tar = {
        let o = env.sh("cd \"$HOME\" 2>/dev/null; tmp=$(mktemp -d); echo hi > $tmp/f; tar -C $tmp -cf - f; rm -rf $tmp");
        assert_success(&o, "tar");
        o.stdout
    };
    env.skiff_stdin(&["import", "-", "imp:1"], &tar);
    let first = env
        .skiff_ok(&["images", "-q", "--no-trunc", "imp:1"])
        .trim()
        .to_string();
    env.skiff_stdin(&["import", "-", "imp:1"], &tar);
    let dangling = env.skiff_ok(&["images", "-q", "--no-trunc", "-f", "dangling=true"]);
    assert_eq!(dangling.trim(), first);
    let out = env.skiff_ok(&["image", "prune", "-f"]);
    assert!(out.contains("Deleted Images:"), "{out}");
    assert!(out.contains(&format!("deleted: {first}")), "{out}");
    assert!(out.contains("Total reclaimed space:"), "{out}");
    assert_eq!(env.skiff_ok(&["images", "-q"]).lines().count(), 2);
    // Nothing dangling left.
    let out = env.skiff_ok(&["image", "prune", "-f"]);
    assert_eq!(out.trim(), "Total reclaimed space: 0B");
    // -a takes every image no container uses.
    let out = env.skiff_ok(&["image", "prune", "-a", "-f"]);
    assert!(
        out.contains("untagged: localhost:5000/busybox:latest"),
        "{out}"
    );
    assert_eq!(env.skiff_ok(&["images", "-q"]).trim(), "");
    let left = env.sh("ls -A \"$SKIFF_ROOT/layers\" \"$SKIFF_ROOT/blobs/sha256\" 2>/dev/null | grep -v ':$' | grep -v '^$'; true");
    assert_eq!(
        stdout(&left).trim(),
        "",
        "layers or blobs left after prune -a"
    );
}

#[test]
fn push_pull_round_trip() {
    let env = TestEnv::new();
    env.pull("layered");
    let inspect = |e: &TestEnv, name: &str| -> serde_json::Value {
        let out = e.skiff_ok(&["image", "inspect", name]);
        serde_json::from_str::<serde_json::Value>(&out).expect("inspect JSON")[0].clone()
    };
    let before = inspect(&env, "localhost:5000/layered");
    let repo = format!("{REGISTRY}/{}", unique("roundtrip"));
    let target = format!("{repo}:v1");
    env.skiff_ok(&["tag", "localhost:5000/layered", &target]);
    let out = env.skiff_ok(&["push", &target]);
    assert!(
        out.contains(&format!("The push refers to repository [{repo}]")),
        "{out}"
    );
    // The layers came from another repository of the same registry: mounted, not uploaded.
    assert!(out.contains("Mounted from layered"), "{out}");
    let digest_line = out.lines().last().unwrap_or("");
    assert!(digest_line.starts_with("v1: digest: sha256:"), "{out}");
    let digest = digest_line
        .split_whitespace()
        .nth(2)
        .unwrap_or("")
        .to_string();
    // Pushing again: every layer is already there.
    let again = env.skiff_ok(&["push", &target]);
    assert!(again.contains("Layer already exists"), "{again}");

    // A fresh store pulls it back, by tag and by digest: same id, same layers.
    let env2 = TestEnv::new();
    env2.skiff_ok(&["pull", &target]);
    let after = inspect(&env2, &target);
    assert_eq!(after["Id"], before["Id"]);
    assert_eq!(after["RootFS"], before["RootFS"]);
    let by_digest = format!("{repo}@{digest}");
    let out = env2.skiff_ok(&["pull", &by_digest]);
    assert!(out.contains(&format!("Digest: {digest}")), "{out}");
    let out = env2.skiff_ok(&["run", "--rm", &target, "cat", "/data/keep", "/data/new"]);
    assert_eq!(out, "keep\nnew\n");

    // push SRC DST, and an imported image (its own manifest) pushes too.
    let dst = format!("{REGISTRY}/{}:x", unique("pushdst"));
    env.skiff_ok(&["push", "localhost:5000/layered", &dst]);
    let env3 = TestEnv::new();
    env3.skiff_ok(&["pull", &dst]);
    assert_eq!(inspect(&env3, &dst)["Id"], before["Id"]);

    // An image that does not exist locally.
    let o = env.skiff(&["push", &format!("{REGISTRY}/nosuch-here")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("does not exist locally"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn login_logout_and_auth_registry() {
    let env = TestEnv::new();
    env.pull("busybox");
    let target = format!("{AUTH_REGISTRY}/{}:1", unique("auth"));
    env.skiff_ok(&["tag", "localhost:5000/busybox", &target]);
    // Without login: refused, naming the registry.
    let o = skiff_cfg(&env, &["push", &target], None);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("denied"), "{}", stderr(&o));
    assert!(stderr(&o).contains(AUTH_REGISTRY), "{}", stderr(&o));
    // A wrong password.
    let o = skiff_cfg(
        &env,
        &["login", "-u", "skiff", "--password-stdin", AUTH_REGISTRY],
        Some(b"wrong\n"),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("incorrect username or password"),
        "{}",
        stderr(&o)
    );
    // The right one; never echoed.
    let o = skiff_cfg(
        &env,
        &["login", "-u", "skiff", "--password-stdin", AUTH_REGISTRY],
        Some(b"s3cret\n"),
    );
    assert_success(&o, "login");
    assert!(stdout(&o).contains("Login Succeeded"));
    assert!(!stdout(&o).contains("s3cret") && !stderr(&o).contains("s3cret"));
    let cfg = env.dir().join("docker/config.json");
    let mode = env.sh(&format!("stat -c %a {}", cfg.display()));
    assert_eq!(stdout(&mode).trim(), "600");
    let text = env.sh(&format!("cat {}", cfg.display()));
    let v: serde_json::Value = serde_json::from_str(&stdout(&text)).expect("config.json");
    assert!(v["auths"][AUTH_REGISTRY]["auth"].is_string(), "{v}");

    let o = skiff_cfg(&env, &["push", &target], None);
    assert_success(&o, "push after login");
    // Pull back from a fresh store with the same credentials.
    let env2 = TestEnv::new();
    let cfg2 = env2.dir().join("docker");
    let o = env2.sh(&format!(
        "mkdir -p {0} && cat > {0}/config.json && chmod 600 {0}/config.json",
        cfg2.display()
    ));
    assert_success(&o, "mkdir");
    std::fs::write(cfg2.join("config.json"), stdout(&text)).expect("write config");
    let o = skiff_cfg(&env2, &["pull", &target], None);
    assert_success(&o, "pull with credentials");

    let o = skiff_cfg(&env, &["logout", AUTH_REGISTRY], None);
    assert_success(&o, "logout");
    assert!(stdout(&o).contains("Removing login credentials for localhost:5001"));
    let o = skiff_cfg(&env, &["logout", AUTH_REGISTRY], None);
    assert!(stdout(&o).contains("Not logged in to localhost:5001"));
    let o = skiff_cfg(&env, &["push", &target], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("Error: ") && stderr(&o).lines().count() == 1,
        "{}",
        stderr(&o)
    );
}

/// A layer over the 16 MiB single-request limit is uploaded in PATCH chunks, and comes back
/// byte for byte.
#[test]
fn large_layer_is_pushed_in_chunks() {
    let env = TestEnv::new();
    // 20 MiB of incompressible data in a one-file tar, imported as an image.
    let dir = env.dir().join("big");
    let o = env.sh(&format!(
        "mkdir -p {d}/root && head -c 20971520 /dev/urandom > {d}/root/blob && sha256sum {d}/root/blob | cut -d' ' -f1 > {d}/sum && tar -C {d}/root -cf {d}/layer.tar blob",
        d = dir.display()
    ));
    assert_success(&o, "make the tar");
    let want = std::fs::read_to_string(dir.join("sum")).expect("sum");
    let repo = format!("{REGISTRY}/{}", unique("chunky"));
    let tar = dir.join("layer.tar").display().to_string();
    env.skiff_ok(&["import", &tar, &format!("{repo}:v1")]);
    let out = env.skiff_ok(&["push", &format!("{repo}:v1")]);
    assert!(out.contains("v1: digest: sha256:"), "{out}");
    let env2 = TestEnv::new();
    env2.skiff_ok(&["pull", &format!("{repo}:v1")]);
    // Read the blob back out of the pulled image's layer.
    let layers = env2.skiff_ok(&[
        "image",
        "inspect",
        "-f",
        "{{json .RootFS.Layers}}",
        &format!("{repo}:v1"),
    ]);
    let diff: Vec<String> = serde_json::from_str(layers.trim()).expect("layers");
    let hex = diff[0].trim_start_matches("sha256:");
    let o = env2.sh(&format!(
        "sha256sum {}/layers/{hex}/blob | cut -d' ' -f1",
        env2.data_dir().display()
    ));
    assert_eq!(stdout(&o), want);
}
