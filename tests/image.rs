//! Image commands against the fixture registry: pull, images, inspect, rmi, import, and the
//! refusal of hostile, corrupt and mislabelled images.
mod common;

use common::*;

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// Layer directories and leftovers in the store, as the test user sees them.
fn sh_out(env: &TestEnv, script: &str) -> String {
    let o = env.sh(script);
    assert_success(&o, script);
    stdout(&o)
}

/// Nothing escaped: no `skiff-escape-*` file anywhere it could land, no temp dir left in
/// `layers/`, no image recorded.
fn assert_clean_refusal(env: &TestEnv) {
    // Other tests' environments (below BASE_DIR, each a directory of its own) may hold such
    // files inside their containers, legitimately: their insides are left out, this test's own
    // directory is searched whole, and a file landing directly in BASE_DIR is still found.
    let escaped = sh_out(
        env,
        &format!(
            "find /tmp /var/tmp -path '{base}/*/*' -prune -o -name 'skiff-escape-*' -print 2>/dev/null; \
             find {own} -name 'skiff-escape-*' 2>/dev/null; true",
            base = common::BASE_DIR,
            own = env.dir().display()
        ),
    );
    assert_eq!(escaped.trim(), "", "files escaped the store");
    let leftovers = sh_out(env, "ls -A \"$SKIFF_ROOT/layers\" | grep '^\\.tmp' ; true");
    assert_eq!(leftovers.trim(), "", "temp dirs left under layers/");
    let tmp = sh_out(env, "ls -A \"$SKIFF_ROOT/tmp\" 2>/dev/null; true");
    assert_eq!(tmp.trim(), "", "temp files left under tmp/");
    assert_eq!(env.skiff_ok(&["images", "-q"]).trim(), "");
}

#[test]
fn pull_then_images_lists_it() {
    let env = TestEnv::new();
    let out = env.pull("busybox");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.first(), Some(&"Using default tag: latest"), "{out}");
    assert!(out.contains("latest: Pulling from busybox"), "{out}");
    assert!(out.contains(": Pull complete"), "{out}");
    assert!(out.contains("Digest: sha256:"), "{out}");
    assert!(
        out.contains("Status: Downloaded newer image for localhost:5000/busybox:latest"),
        "{out}"
    );
    assert_eq!(
        lines.last(),
        Some(&"localhost:5000/busybox:latest"),
        "{out}"
    );

    let images = env.skiff_ok(&["images"]);
    let mut rows = images.lines();
    let header: Vec<&str> = rows
        .next()
        .unwrap_or("")
        .split("   ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(
        header,
        ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"],
        "{images}"
    );
    let row: Vec<&str> = rows.next().unwrap_or("").split_whitespace().collect();
    assert_eq!(&row[..2], ["localhost:5000/busybox", "latest"], "{images}");
    assert_eq!(row[2].len(), 12, "{images}");
    assert!(images.contains(" ago "), "{images}");

    // `image ls` is the same command; the second pull finds everything in place.
    assert_eq!(env.skiff_ok(&["image", "ls"]), images);
    let again = env.pull("busybox");
    assert!(again.contains(": Already exists"), "{again}");
    assert!(
        again.contains("Status: Image is up to date for localhost:5000/busybox:latest"),
        "{again}"
    );
}

#[test]
fn pull_quiet_prints_only_the_reference() {
    let env = TestEnv::new();
    let out = env.skiff_ok(&["pull", "-q", "localhost:5000/busybox"]);
    assert_eq!(out, "localhost:5000/busybox:latest\n");
    let ids = env.skiff_ok(&["images", "-q"]);
    assert_eq!(ids.lines().count(), 1, "{ids}");
}

#[test]
fn image_inspect_fields() {
    let env = TestEnv::new();
    env.pull("busybox");
    for args in [
        &["image", "inspect", "localhost:5000/busybox"][..],
        &["inspect", "localhost:5000/busybox:latest"][..],
    ] {
        let v = json(&env.skiff_ok(args));
        let img = &v[0];
        let id = img["Id"].as_str().unwrap_or("");
        assert!(id.starts_with("sha256:") && id.len() == 71, "{v}");
        assert_eq!(
            img["RepoTags"],
            serde_json::json!(["localhost:5000/busybox:latest"])
        );
        assert!(img["RepoDigests"][0]
            .as_str()
            .is_some_and(|d| d.starts_with("localhost:5000/busybox@sha256:")));
        assert_eq!(img["Config"]["Cmd"], serde_json::json!(["sh"]));
        assert_eq!(img["RootFS"]["Type"], "layers");
        assert_eq!(img["RootFS"]["Layers"].as_array().map(Vec::len), Some(1));
        assert_eq!(img["Os"], "linux");
        assert!(img["Size"].as_u64().is_some_and(|s| s > 0));
        // By id and by id prefix too.
        let by_id = json(&env.skiff_ok(&["image", "inspect", id]));
        assert_eq!(by_id[0]["Id"], id);
        let by_prefix = json(&env.skiff_ok(&["image", "inspect", &id[7..12]]));
        assert_eq!(by_prefix[0]["Id"], id);
    }
    let err = env.skiff(&["image", "inspect", "nosuch"]);
    assert_eq!(err.status.code(), Some(1));
    assert!(
        stderr(&err).contains("No such image: nosuch"),
        "{}",
        stderr(&err)
    );
}

#[test]
fn multiarch_resolves_to_the_host_platform() {
    let env = TestEnv::new();
    env.pull("multiarch");
    let arch = sh_out(&env, "cat \"$SKIFF_ROOT\"/layers/*/arch");
    assert_eq!(arch.trim(), host_arch());
    let v = json(&env.skiff_ok(&["image", "inspect", "localhost:5000/multiarch"]));
    assert_eq!(v[0]["Architecture"], host_arch());
}

#[test]
fn zstd_and_uncompressed_layers() {
    let env = TestEnv::new();
    env.pull("zstd");
    env.pull("plain");
    let images = env.skiff_ok(&["images"]);
    assert!(images.contains("localhost:5000/zstd"), "{images}");
    assert!(images.contains("localhost:5000/plain"), "{images}");
    let sh = sh_out(&env, "ls \"$SKIFF_ROOT\"/layers/*/bin/sh | wc -l");
    assert!(
        sh.trim().parse::<u32>().unwrap_or(0) >= 1,
        "no bin/sh unpacked"
    );
}

#[test]
fn layered_whiteouts_become_overlay_markers() {
    let env = TestEnv::new();
    env.pull("layered");
    // A whiteout is a 0/0 character device; an opaque dir carries the overlay xattr.
    let devs = sh_out(
        &env,
        "find \"$SKIFF_ROOT\"/layers -type c -exec stat -c '%t:%T' {} + 2>/dev/null",
    );
    assert!(
        devs.lines().any(|l| l == "0:0"),
        "no whiteout device: {devs}"
    );
    let names = sh_out(&env, "find \"$SKIFF_ROOT\"/layers -name '.wh.*'");
    assert_eq!(names.trim(), "", "whiteout files were written as such");
}

#[test]
fn hostile_layers_are_refused() {
    for (name, needle) in [
        ("hostile-dotdot", "escapes the root"),
        ("hostile-symlink", "symlink"),
        ("hostile-hardlink", "escapes the root"),
    ] {
        let env = TestEnv::new();
        let o = env.skiff(&["pull", &format!("localhost:5000/{name}")]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(needle), "{name}: {err}");
        assert!(err.starts_with("Error: layer sha256:"), "{name}: {err}");
        assert_clean_refusal(&env);
    }
}

#[test]
fn corrupt_blob_is_refused_and_not_stored() {
    let env = TestEnv::new();
    let o = env.skiff(&["pull", "localhost:5000/corrupt"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("digest mismatch"), "{err}");
    let expected = err
        .split("expected sha256:")
        .nth(1)
        .and_then(|s| s.get(..64))
        .unwrap_or_else(|| panic!("no expected digest in {err}"));
    let present = sh_out(
        &env,
        &format!("test -e \"$SKIFF_ROOT/blobs/sha256/{expected}\" && echo present; true"),
    );
    assert_eq!(present.trim(), "", "the corrupt blob was stored");
    assert_clean_refusal(&env);
}

#[test]
fn bad_diff_id_is_refused() {
    let env = TestEnv::new();
    let o = env.skiff(&["pull", "localhost:5000/baddiffid"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("does not match its diff_id"), "{err}");
    assert_clean_refusal(&env);
    let layers = sh_out(&env, "ls -A \"$SKIFF_ROOT/layers\"");
    assert_eq!(layers.trim(), "", "a layer of a refused image was kept");
}

#[test]
fn bad_references_and_missing_images() {
    let env = TestEnv::new();
    let o = env.skiff(&["pull", "Bad:Ref"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("invalid reference format"),
        "{}",
        stderr(&o)
    );

    let o = env.skiff(&["pull", "localhost:5000/nope"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("manifest for localhost:5000/nope:latest not found"),
        "{}",
        stderr(&o)
    );

    let o = env.skiff(&["pull", "127.0.0.1:5999/x"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("127.0.0.1:5999: connection refused"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn rmi_untags_and_deletes() {
    let env = TestEnv::new();
    env.pull("busybox");
    let id = env
        .skiff_ok(&["images", "-q", "--no-trunc"])
        .trim()
        .to_string();
    let out = env.skiff_ok(&["rmi", "localhost:5000/busybox"]);
    assert!(
        out.contains("Untagged: localhost:5000/busybox:latest"),
        "{out}"
    );
    assert!(out.contains(&format!("Deleted: {id}")), "{out}");
    assert_eq!(env.skiff_ok(&["images", "-q"]).trim(), "");
    let layers = sh_out(&env, "ls -A \"$SKIFF_ROOT/layers\"");
    assert_eq!(layers.trim(), "", "layers left after the last image went");

    // By id prefix, through `image rm`.
    env.pull("busybox");
    let short = env.skiff_ok(&["images", "-q"]).trim().to_string();
    let out = env.skiff_ok(&["image", "rm", &short[..6]]);
    assert!(out.contains("Deleted: sha256:"), "{out}");

    let o = env.skiff(&["rmi", "nosuch"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("Error: No such image: nosuch"),
        "{}",
        stderr(&o)
    );
}

fn small_tar() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Directory);
    h.set_mode(0o755);
    h.set_size(0);
    h.set_mtime(1_700_000_000);
    b.append_data(&mut h, "etc/", std::io::empty())
        .expect("tar");
    let data = b"hello from import\n";
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o644);
    h.set_size(data.len() as u64);
    h.set_mtime(1_700_000_000);
    b.append_data(&mut h, "etc/greeting", &data[..])
        .expect("tar");
    b.into_inner().expect("tar")
}

#[test]
fn import_from_stdin() {
    let env = TestEnv::new();
    let o = env.skiff_stdin(
        &[
            "import",
            "-",
            "mine:1",
            "-c",
            r#"CMD ["sh"]"#,
            "-c",
            "ENV A=1",
            "-m",
            "hi",
        ],
        &small_tar(),
    );
    assert_success(&o, "import");
    let id = stdout(&o).trim().to_string();
    assert!(id.starts_with("sha256:") && id.len() == 71, "{id}");
    let images = env.skiff_ok(&["images"]);
    let row: Vec<&str> = images
        .lines()
        .nth(1)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(&row[..3], ["mine", "1", &id[7..19]], "{images}");
    let v = json(&env.skiff_ok(&["image", "inspect", "mine:1"]));
    assert_eq!(v[0]["Config"]["Cmd"], serde_json::json!(["sh"]));
    assert_eq!(v[0]["Comment"], "hi");
    assert!(v[0]["Config"]["Env"]
        .as_array()
        .is_some_and(|e| e.iter().any(|x| x == "A=1")));
    let greeting = sh_out(&env, "cat \"$SKIFF_ROOT\"/layers/*/etc/greeting");
    assert_eq!(greeting, "hello from import\n");
}
