//! Pull behaviour: `--platform`, `-a/--all-tags`, registries configuration (mirrors, insecure,
//! blocked), an interrupted pull resumed, and two concurrent pulls sharing their downloads.
//!
//! A small TCP proxy in the test process stands in front of the fixture registry: it logs the
//! requests it forwards (to tell which blobs were fetched) and can throttle the responses (so a
//! pull is slow enough to be killed, or to overlap with another one).
mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use sha2::Digest;

/// A forwarding proxy to the fixture registry.
struct Proxy {
    port: u16,
    /// Bytes per second from the registry to the client; 0: unthrottled.
    rate: Arc<AtomicU64>,
    /// `GET /v2/...` request lines seen.
    log: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start(bind: &str) -> Proxy {
        let listener = TcpListener::bind(format!("{bind}:0")).expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let rate = Arc::new(AtomicU64::new(0));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (rate2, log2) = (rate.clone(), log.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(upstream) = TcpStream::connect(REGISTRY_ADDR) else {
                    continue;
                };
                let (rate, log) = (rate2.clone(), log2.clone());
                let (Ok(c2), Ok(u2)) = (client.try_clone(), upstream.try_clone()) else {
                    continue;
                };
                std::thread::spawn(move || requests(client, upstream, log));
                std::thread::spawn(move || responses(u2, c2, rate));
            }
        });
        Proxy { port, rate, log }
    }

    fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// How many GETs of blob `digest` went through.
    fn blob_gets(&self, digest: &str) -> usize {
        self.requests()
            .iter()
            .filter(|l| l.starts_with("GET ") && l.contains(&format!("/blobs/{digest}")))
            .count()
    }
}

/// Client → registry, logging request lines.
fn requests(mut from: TcpStream, mut to: TcpStream, log: Arc<Mutex<Vec<String>>>) {
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&buf[..n]);
        while let Some(i) = pending.windows(2).position(|w| w == b"\r\n") {
            let line = String::from_utf8_lossy(&pending[..i]).into_owned();
            if line.starts_with("GET ") || line.starts_with("HEAD ") {
                log.lock().unwrap().push(line);
            }
            pending.drain(..i + 2);
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

/// Registry → client, throttled to `rate` bytes per second when it is not 0.
fn responses(mut from: TcpStream, mut to: TcpStream, rate: Arc<AtomicU64>) {
    let mut buf = [0u8; 4 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let r = rate.load(Ordering::Relaxed);
        if r > 0 {
            std::thread::sleep(Duration::from_secs_f64(n as f64 / r as f64));
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Both);
}

/// The layer digests of a fixture image's manifest.
fn layer_digests(repo: &str) -> Vec<String> {
    let (status, body) =
        registry_get(&format!("/v2/{repo}/manifests/latest")).expect("fixture manifest");
    assert_eq!(status, 200, "manifest of {repo}");
    let v: serde_json::Value = serde_json::from_slice(&body).expect("manifest JSON");
    v["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| l["digest"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// skiff ARGS with extra environment variables (`K=V`).
fn skiff_with(env: &TestEnv, vars: &[String], args: &[&str]) -> std::process::Output {
    let bin = skiff_bin().to_string_lossy().to_string();
    let mut all: Vec<&str> = vars.iter().map(String::as_str).collect();
    all.push(&bin);
    all.extend_from_slice(args);
    run_with_timeout(env.user_command("env", &all), None, env.timeout())
        .unwrap_or_else(|e| panic!("skiff {args:?}: {e}"))
}

/// Write skiff's registries.toml for this test; returns the variables that make skiff read it
/// (and an empty registries.conf, so the machine's does not count).
fn registries_toml(env: &TestEnv, text: &str) -> Vec<String> {
    let cfg = env.dir().join("config");
    std::fs::create_dir_all(cfg.join("skiff")).unwrap();
    std::fs::write(cfg.join("skiff/registries.toml"), text).unwrap();
    let empty = env.dir().join("empty-registries.conf");
    std::fs::write(&empty, "").unwrap();
    vec![
        format!("XDG_CONFIG_HOME={}", cfg.display()),
        format!("CONTAINERS_REGISTRIES_CONF={}", empty.display()),
    ]
}

/// A local port nothing listens on.
fn dead_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The files of the blob store, each checked to be complete (named by its sha256).
fn stored_blobs(data: &Path) -> Vec<String> {
    let dir = data.join("blobs/sha256");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let data = std::fs::read(e.path()).unwrap();
        let actual = hex::encode(sha2::Sha256::digest(&data));
        assert_eq!(actual, name, "blob {name} in the store is not complete");
        out.push(format!("sha256:{name}"));
    }
    out
}

#[test]
fn pull_platform() {
    let env = TestEnv::new();
    let out = env.skiff_ok(&[
        "pull",
        "--platform",
        "linux/arm64",
        "localhost:5000/multiarch",
    ]);
    assert!(out.contains("Status: Downloaded newer image"), "{out}");
    let arch = env.skiff_ok(&[
        "image",
        "inspect",
        "-f",
        "{{.Os}}/{{.Architecture}}/{{.Variant}}",
        "localhost:5000/multiarch",
    ]);
    assert_eq!(arch.trim(), "linux/arm64/v8");
    let out = env.skiff_ok(&["run", "--rm", "localhost:5000/multiarch", "cat", "/arch"]);
    assert_eq!(out.trim(), "arm64");

    // The host's entry by default; an explicit amd64 too.
    env.skiff_ok(&[
        "pull",
        "--platform",
        "linux/amd64",
        "localhost:5000/multiarch",
    ]);
    let arch = env.skiff_ok(&[
        "inspect",
        "-f",
        "{{.Architecture}}",
        "localhost:5000/multiarch",
    ]);
    assert_eq!(arch.trim(), "amd64");

    // No such entry; a single-platform image of another platform; a malformed value.
    let e = env.skiff_err(&[
        "pull",
        "--platform",
        "linux/s390x",
        "localhost:5000/multiarch",
    ]);
    assert!(e.contains("no matching manifest for linux/s390x"), "{e}");
    let o = env.skiff(&[
        "pull",
        "--platform",
        "linux/arm64",
        "localhost:5000/busybox",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "does not match the specified platform: wanted linux/arm64, actual: linux/amd64"
        ),
        "{}",
        stderr(&o)
    );
    let e = env.skiff_err(&["pull", "--platform", "linux/", "localhost:5000/busybox"]);
    assert!(e.contains("invalid platform"), "{e}");
    // Nothing of busybox was stored (the arm64 image is still there, untagged).
    let out = env.skiff_ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "localhost:5000/multiarch:<none>",
            "localhost:5000/multiarch:latest"
        ],
        "{out}"
    );
}

#[test]
fn pull_all_tags() {
    let env = TestEnv::new();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let repo = format!("{REGISTRY}/alltags-{}-{nanos}", std::process::id());
    env.pull("busybox");
    env.pull("layered");
    env.skiff_ok(&["tag", "localhost:5000/busybox", &format!("{repo}:one")]);
    env.skiff_ok(&["tag", "localhost:5000/layered", &format!("{repo}:two")]);
    env.skiff_ok(&["push", &format!("{repo}:one")]);
    env.skiff_ok(&["push", &format!("{repo}:two")]);

    let fresh = TestEnv::new();
    let e = fresh.skiff_err(&["pull", "-a", &format!("{repo}:one")]);
    assert!(e.contains("tag can't be used with --all-tags/-a"), "{e}");
    let out = fresh.skiff_ok(&["pull", "--all-tags", &repo]);
    assert!(out.contains(&format!("{repo}:one")), "{out}");
    assert!(out.contains(&format!("{repo}:two")), "{out}");
    let out = fresh.skiff_ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    let mut tags: Vec<&str> = out.lines().collect();
    tags.sort();
    assert_eq!(tags, [format!("{repo}:one"), format!("{repo}:two")]);
    let e = fresh.skiff_err(&["pull", "-a", "localhost:5000/no-such-repo-here"]);
    assert!(e.contains("no-such-repo-here"), "{e}");
}

#[test]
fn mirrors_from_skiff_config_are_tried_first() {
    let env = TestEnv::new();
    let proxy = Proxy::start("127.0.0.1");
    let vars = registries_toml(
        &env,
        &format!(
            r#"
# mirror-test.invalid does not resolve: only its mirrors can serve it.
[[registry]]
location = "mirror-test.invalid"
[[registry.mirror]]
location = "localhost:{dead}"
[[registry.mirror]]
location = "127.0.0.1:{port}"

# A mirror without the repository: the registry itself serves it.
[[registry]]
location = "localhost:5000"
[[registry.mirror]]
location = "localhost:5000/nowhere"
"#,
            dead = dead_port(),
            port = proxy.port
        ),
    );
    let o = skiff_with(&env, &vars, &["pull", "mirror-test.invalid/layered"]);
    assert_success(&o, "pull through a mirror");
    assert!(
        proxy
            .requests()
            .iter()
            .any(|l| l.starts_with("GET /v2/layered/manifests/latest")),
        "{:?}",
        proxy.requests()
    );
    let out = env.skiff_ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert_eq!(out.trim(), "mirror-test.invalid/layered:latest");
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "mirror-test.invalid/layered",
        "cat",
        "/data/keep",
    ]);
    assert_eq!(out.trim(), "keep");

    let o = skiff_with(&env, &vars, &["pull", "localhost:5000/busybox"]);
    assert_success(&o, "pull with a mirror that lacks the repository");

    // Without the configuration, the name does not resolve, and the error names it.
    let o = env.skiff(&["pull", "mirror-test.invalid/busybox"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("mirror-test.invalid"), "{}", stderr(&o));

    // A bad configuration file is an error naming it.
    let bad = registries_toml(&env, "[[registry]]\nlocation = 5\n");
    let o = skiff_with(&env, &bad, &["pull", "localhost:5000/busybox"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("registries.toml"), "{}", stderr(&o));
}

#[test]
fn registries_conf_v2_mirror_and_blocked() {
    let env = TestEnv::new();
    let conf = env.dir().join("registries.conf");
    std::fs::write(
        &conf,
        r#"
unqualified-search-registries = ["docker.io"]
short-name-mode = "enforcing"

# Docker Hub's library served by the local registry: short names work offline.
[[registry]]
prefix = "docker.io/library"
location = "docker.io/library"
[[registry.mirror]]
location = "localhost:5000"

[[registry]]
location = "localhost:5000/plain"
blocked = true
"#,
    )
    .unwrap();
    let vars = vec![
        format!("CONTAINERS_REGISTRIES_CONF={}", conf.display()),
        format!("XDG_CONFIG_HOME={}", env.dir().join("none").display()),
    ];
    let o = skiff_with(&env, &vars, &["pull", "busybox"]);
    assert_success(&o, "pull busybox through the docker.io mirror");
    assert!(
        stdout(&o).lines().last() == Some("docker.io/library/busybox:latest"),
        "{}",
        stdout(&o)
    );
    let out = env.skiff_ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert_eq!(out.trim(), "busybox:latest");

    let o = skiff_with(&env, &vars, &["pull", "localhost:5000/plain"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("blocked"), "{}", stderr(&o));
}

/// The first IPv4 address of this machine that is not loopback.
fn non_loopback_ipv4() -> String {
    let out = std::process::Command::new("ip")
        .args(["-4", "-o", "addr", "show"])
        .output()
        .expect("ip addr");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(3))
        .filter_map(|a| a.split('/').next())
        .find(|a| !a.starts_with("127."))
        .map(str::to_string)
        .expect("this machine has a non-loopback IPv4 address")
}

#[test]
fn insecure_registry_allows_plain_http() {
    let env = TestEnv::new();
    let proxy = Proxy::start("0.0.0.0");
    let addr = format!("{}:{}", non_loopback_ipv4(), proxy.port);
    let image = format!("{addr}/busybox");
    let none = registries_toml(&env, "");
    // Not loopback: HTTPS is required, and this registry speaks plain HTTP.
    let o = skiff_with(&env, &none, &["pull", &image]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains(&addr), "{}", stderr(&o));
    let vars = registries_toml(
        &env,
        &format!("[[registry]]\nlocation = \"{addr}\"\ninsecure = true\n"),
    );
    let o = skiff_with(&env, &vars, &["pull", &image]);
    assert_success(&o, "pull from an insecure registry");
    assert!(
        proxy.requests().iter().any(|l| l.contains("/manifests/")),
        "{:?}",
        proxy.requests()
    );
}

#[test]
fn interrupted_pull_leaves_no_image_and_is_resumed() {
    let env = TestEnv::new();
    let proxy = Proxy::start("127.0.0.1");
    let image = format!("127.0.0.1:{}/layered", proxy.port);
    let layers = layer_digests("layered");
    // Slow enough that the big busybox layer is still on its way when the small ones are in.
    proxy.rate.store(64 * 1024, Ordering::Relaxed);
    let mut cmd = env.command(&["pull", &image]);
    cmd.process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn skiff pull");
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = loop {
        let blobs = stored_blobs(&env.data_dir());
        if !blobs.is_empty() {
            break blobs;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the pull ended ({status}) before a blob was stored");
        }
        assert!(Instant::now() < deadline, "no blob stored after 60 s");
        std::thread::sleep(Duration::from_millis(20));
    };
    let pgid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
    let _ = child.wait();
    std::thread::sleep(Duration::from_millis(200));

    // No image, and every blob in the store is complete.
    assert_eq!(env.skiff_ok(&["images", "-a", "-q"]).trim(), "");
    assert!(done.iter().all(|b| layers.contains(b)), "{done:?}");
    let done: Vec<String> = stored_blobs(&env.data_dir())
        .into_iter()
        .filter(|b| layers.contains(b))
        .collect();
    assert!(
        done.len() < layers.len(),
        "all layers were stored before the kill"
    );

    // Again, at full speed: the complete blobs are not fetched again.
    proxy.rate.store(0, Ordering::Relaxed);
    proxy.log.lock().unwrap().clear();
    let out = env.skiff_ok(&["pull", &image]);
    for d in &done {
        assert_eq!(proxy.blob_gets(d), 0, "{d} fetched again\n{out}");
    }
    assert!(out.contains("Already exists"), "{out}");
    let fetched: usize = layers.iter().map(|d| proxy.blob_gets(d)).sum();
    assert_eq!(fetched, layers.len() - done.len(), "{:?}", proxy.requests());
    // No partial download is left behind, and the image is whole.
    let tmp: Vec<String> = std::fs::read_dir(env.data_dir().join("tmp"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(tmp.is_empty(), "{tmp:?}");
    let out = env.skiff_ok(&["run", "--rm", &image, "cat", "/data/keep", "/data/new"]);
    assert_eq!(out, "keep\nnew\n");
}

#[test]
fn concurrent_pulls_download_each_blob_once() {
    let env = TestEnv::new();
    let proxy = Proxy::start("127.0.0.1");
    let image = format!("127.0.0.1:{}/layered", proxy.port);
    let layers = layer_digests("layered");
    proxy.rate.store(512 * 1024, Ordering::Relaxed);
    let outs: Vec<std::process::Output> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (env, image) = (&env, &image);
                s.spawn(move || env.skiff(&["pull", image]))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("pull thread"))
            .collect()
    });
    for o in &outs {
        assert_success(o, "concurrent pull");
    }
    for d in &layers {
        assert_eq!(
            proxy.blob_gets(d),
            1,
            "blob {d} downloaded more than once: {:?}",
            proxy.requests()
        );
    }
    let ids = env.skiff_ok(&["images", "-q"]);
    assert_eq!(ids.lines().count(), 1, "{ids}");
    let out = env.skiff_ok(&["run", "--rm", &image, "cat", "/data/keep"]);
    assert_eq!(out.trim(), "keep");
}

/// Layers are unpacked while they download, all at once, and none is visible before all are
/// complete: with the proxy holding the blobs back, the layers' temp trees fill up while blobs
/// are still partial, and no layer directory (named by its diff id) appears before the pull
/// ends.
#[test]
fn layers_are_unpacked_while_they_download() {
    let env = TestEnv::new();
    let proxy = Proxy::start("127.0.0.1");
    let image = format!("127.0.0.1:{}/layered", proxy.port);
    proxy.rate.store(64 * 1024, Ordering::Relaxed);
    let mut cmd = env.command(&["pull", &image]);
    cmd.process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn skiff pull");
    let layers_dir = env.data_dir().join("layers");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen_overlap = false;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        let entries: Vec<std::fs::DirEntry> = std::fs::read_dir(&layers_dir)
            .into_iter()
            .flatten()
            .flatten()
            .collect();
        // A temp tree with something unpacked in it while a blob is still partial.
        let unpacking = entries.iter().any(|e| {
            e.file_name().to_string_lossy().starts_with(".tmp-")
                && e.path().is_dir()
                && std::fs::read_dir(e.path()).is_ok_and(|mut d| d.next().is_some())
        });
        let partial = std::fs::read_dir(env.data_dir().join("tmp"))
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".partial"));
        let visible: Vec<String> = entries
            .iter()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.len() == 64)
            .collect();
        if partial {
            assert!(
                visible.is_empty(),
                "a layer is visible mid-pull: {visible:?}"
            );
        }
        if unpacking && partial {
            seen_overlap = true;
            proxy.rate.store(0, Ordering::Relaxed);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().expect("wait for the pull");
    assert!(status.success(), "the pull failed");
    assert!(
        seen_overlap,
        "no layer was unpacked while its blob downloaded"
    );
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        &image,
        "cat",
        "/data/keep",
    ]);
    assert_eq!(out, "keep\n");
}
