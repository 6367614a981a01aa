//! Registry identity tokens (issue 20): `login` to a registry behind a token server that hands
//! out refresh tokens stores the token as docker does (config.json `identitytoken`, the
//! password dropped; a credential helper gets it under the `<token>` user), and later pulls and
//! pushes trade it for access tokens with the OAuth2 refresh-token grant. The registry is a
//! real one (Debian's docker-registry with `auth: token`), started by the test; the token
//! server is the test's own (`tests/env/token_server.py`: RS256 JWTs the registry checks).
mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::*;

/// The token server and the registry, killed when dropped.
struct Servers {
    children: Vec<Child>,
    dir: PathBuf,
    /// `127.0.0.1:PORT` of the registry.
    registry: String,
}

impl Drop for Servers {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..200 {
        if ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("{what} did not come up");
}

fn start_servers(env: &TestEnv) -> Servers {
    let dir = env.dir().join("token");
    std::fs::create_dir_all(&dir).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/env/token_server.py");
    let mut servers = Servers {
        children: Vec::new(),
        dir: dir.clone(),
        registry: String::new(),
    };
    servers.children.push(
        Command::new("/usr/bin/python3")
            .arg(&script)
            .arg(&dir)
            .args(["alice", "s3cret-pass"])
            .stdin(Stdio::null())
            .spawn()
            .expect("/usr/bin/python3 (python3-cryptography) for the token server"),
    );
    let port_file = dir.join("port");
    wait_for("the token server", || port_file.exists());
    let token_port = std::fs::read_to_string(&port_file).unwrap();
    let port = free_port();
    let config = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {data}\n\
         http:\n  addr: 127.0.0.1:{port}\nauth:\n  token:\n    realm: http://127.0.0.1:{token_port}/token\n\
         \x20   service: skiff-test\n    issuer: skiff-test-issuer\n    rootcertbundle: {cert}\n",
        data = dir.join("data").display(),
        cert = dir.join("cert.pem").display(),
    );
    std::fs::write(dir.join("registry.yml"), config).unwrap();
    servers.children.push(
        Command::new("docker-registry")
            .arg("serve")
            .arg(dir.join("registry.yml"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry"),
    );
    servers.registry = format!("127.0.0.1:{port}");
    wait_for("the token registry", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    servers
}

impl Servers {
    /// The token server's log: one JSON object per request.
    fn requests(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.dir.join("requests.log"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn clear_log(&self) {
        let _ = std::fs::remove_file(self.dir.join("requests.log"));
    }
}

/// skiff --config CFG ARGS (with `bin` first on PATH), as the test user.
fn skiff_cfg(env: &TestEnv, cfg: &Path, bin: Option<&Path>, args: &[&str]) -> std::process::Output {
    let mut script = String::new();
    if let Some(b) = bin {
        script.push_str(&format!("PATH={}:$PATH ", b.display()));
    }
    script.push_str(&format!(
        "exec {} --config {} \"$@\"",
        skiff_bin().display(),
        cfg.display()
    ));
    let mut a = vec!["-c", script.as_str(), "sh"];
    a.extend_from_slice(args);
    run_with_timeout(env.user_command("sh", &a), None, env.timeout()).unwrap()
}

fn config_dir(env: &TestEnv, name: &str) -> PathBuf {
    let d = env.dir().join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::set_permissions(&d, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    d
}

#[test]
fn login_keeps_the_identity_token_and_pulls_with_it() {
    let env = env_with_busybox();
    let srv = start_servers(&env);
    let reg = srv.registry.clone();
    let cfg = config_dir(&env, "cfg");

    // A wrong password: the token server's refusal (skiff's login exit status, 125, as with
    // a Basic-auth registry), nothing stored.
    let o = skiff_cfg(
        &env,
        &cfg,
        None,
        &["login", "-u", "alice", "-p", "nope", &reg],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("token server answered 401 Unauthorized: bad credentials"),
        "{}",
        stderr(&o)
    );
    assert!(
        !cfg.join("config.json").exists()
            || !std::fs::read_to_string(cfg.join("config.json"))
                .unwrap()
                .contains(&reg)
    );

    srv.clear_log();
    let o = skiff_cfg(
        &env,
        &cfg,
        None,
        &["login", "-u", "alice", "-p", "s3cret-pass", &reg],
    );
    assert_success(&o, "login");
    assert!(stdout(&o).contains("Login Succeeded"), "{}", stdout(&o));
    // docker's login asks for offline access with Basic credentials, once.
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0]["method"], "GET");
    assert_eq!(reqs[0]["basic"], true);
    assert_eq!(reqs[0]["query"]["offline_token"], "true");
    assert_eq!(reqs[0]["query"]["client_id"], "docker");
    assert_eq!(reqs[0]["query"]["service"], "skiff-test");

    // config.json as docker writes it: `auth` is "alice:" (no password), and the token.
    let text = std::fs::read_to_string(cfg.join("config.json")).unwrap();
    assert!(!text.contains("s3cret-pass"), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entry = &v["auths"][reg.as_str()];
    assert_eq!(entry["auth"], "YWxpY2U6", "{text}");
    let token = entry["identitytoken"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(token.starts_with("refresh-"), "{text}");

    // A push and a pull trade the token for access tokens (OAuth2 refresh grant): no Basic
    // credentials, no password.
    srv.clear_log();
    let image = format!("{reg}/team/busybox:v1");
    env.skiff_ok(&["tag", BUSYBOX, &image]);
    let o = skiff_cfg(&env, &cfg, None, &["push", &image]);
    assert_success(&o, "push");
    env.skiff_ok(&["rmi", &image]);
    let o = skiff_cfg(&env, &cfg, None, &["pull", &image]);
    assert_success(&o, "pull");
    let out = env.skiff_ok(&["run", "--rm", "--network", "none", &image, "echo", "pulled"]);
    assert_eq!(out, "pulled\n");
    let reqs = srv.requests();
    assert!(!reqs.is_empty());
    for r in &reqs {
        assert_eq!(r["method"], "POST", "{r}");
        assert_eq!(r["basic"], false, "{r}");
        assert_eq!(r["form"]["grant_type"], "refresh_token", "{r}");
        assert_eq!(r["form"]["refresh_token"], token.as_str(), "{r}");
        assert_eq!(r["form"]["client_id"], "docker", "{r}");
        assert_eq!(r["form"]["service"], "skiff-test", "{r}");
    }
    assert!(
        reqs.iter().any(|r| [
            "repository:team/busybox:push,pull",
            "repository:team/busybox:pull,push"
        ]
        .contains(&r["form"]["scope"].as_str().unwrap_or_default())),
        "{reqs:?}"
    );

    // Without credentials the registry refuses the pull.
    env.skiff_ok(&["rmi", &image]);
    let empty = config_dir(&env, "empty");
    let o = skiff_cfg(&env, &empty, None, &["pull", &image]);
    assert_ne!(code(&o), 0);

    // A token the server does not know: the pull fails with the token server's refusal.
    let forged = text.replace(&token, "refresh-forged");
    std::fs::write(cfg.join("config.json"), forged).unwrap();
    let o = skiff_cfg(&env, &cfg, None, &["pull", &image]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("token server answered 401 Unauthorized")
            && stderr(&o).contains("invalid_grant"),
        "{}",
        stderr(&o)
    );
}

/// A helper `docker-credential-tokens` that keeps what `store` gets in DIR/stored.json and
/// gives it back on `get`.
const HELPER: &str = r#"#!/bin/sh
d="$(dirname "$0")"
case "$1" in
store) cat > "$d/stored.json" ;;
get) cat > /dev/null; if [ -f "$d/stored.json" ]; then cat "$d/stored.json"; else echo "credentials not found in native keychain"; exit 1; fi ;;
erase) cat > /dev/null; rm -f "$d/stored.json" ;;
list) echo '{}' ;;
*) exit 2 ;;
esac
"#;

#[test]
fn a_credential_helper_gets_the_token_under_the_token_user() {
    let env = env_with_busybox();
    let srv = start_servers(&env);
    let reg = srv.registry.clone();
    let cfg = config_dir(&env, "cfg");
    let bin = config_dir(&env, "bin");
    let helper = bin.join("docker-credential-tokens");
    std::fs::write(&helper, HELPER).unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(cfg.join("config.json"), r#"{"credsStore": "tokens"}"#).unwrap();
    std::fs::set_permissions(
        cfg.join("config.json"),
        std::os::unix::fs::PermissionsExt::from_mode(0o666),
    )
    .unwrap();

    let o = skiff_cfg(
        &env,
        &cfg,
        Some(&bin),
        &["login", "-u", "alice", "-p", "s3cret-pass", &reg],
    );
    assert_success(&o, "login");
    // docker's native store: {"ServerURL": ..., "Username": "<token>", "Secret": TOKEN}.
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(bin.join("stored.json")).unwrap()).unwrap();
    assert_eq!(stored["Username"], "<token>", "{stored}");
    let token = stored["Secret"].as_str().unwrap_or_default();
    assert!(token.starts_with("refresh-"), "{stored}");
    let text = std::fs::read_to_string(cfg.join("config.json")).unwrap();
    assert!(!text.contains(token) && !text.contains("s3cret"), "{text}");

    srv.clear_log();
    let image = format!("{reg}/h/busybox:v1");
    env.skiff_ok(&["tag", BUSYBOX, &image]);
    assert_success(
        &skiff_cfg(&env, &cfg, Some(&bin), &["push", &image]),
        "push",
    );
    let reqs = srv.requests();
    assert!(!reqs.is_empty());
    for r in &reqs {
        assert_eq!(r["form"]["grant_type"], "refresh_token", "{r}");
        assert_eq!(r["form"]["refresh_token"], token, "{r}");
    }
}
