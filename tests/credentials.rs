//! docker's credential helpers (`credsStore`, `credHelpers`: `docker-credential-NAME
//! get|store|erase|list` on stdin/stdout) and the global `--config DIR`, against the htpasswd
//! registry on 127.0.0.1:5001 (user `skiff`, password `s3cret`). The helper is a shell script
//! of this test's own that keeps secrets in files and logs its calls.
mod common;

use common::*;

const AUTH_REGISTRY: &str = "localhost:5001";

/// A helper `docker-credential-testkeys` in `DIR/bin`, keeping secrets under `DIR/store`.
const HELPER: &str = r#"#!/bin/sh
store="$(dirname "$0")/../store"
mkdir -p "$store"
echo "$1" >> "$store/calls"
key() { printf %s "$1" | tr -c 'A-Za-z0-9' '_'; }
case "$1" in
get)
  url=$(cat)
  f="$store/$(key "$url")"
  if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
store)
  body=$(cat)
  url=$(printf %s "$body" | sed 's/.*"ServerURL":"\([^"]*\)".*/\1/')
  printf %s "$body" > "$store/$(key "$url")" ;;
erase)
  url=$(cat)
  rm -f "$store/$(key "$url")" ;;
list)
  echo '{}' ;;
*) exit 2 ;;
esac
"#;

struct Setup {
    /// The `--config` directory.
    cfg: std::path::PathBuf,
    store: std::path::PathBuf,
    bin: std::path::PathBuf,
}

fn setup(env: &TestEnv) -> Setup {
    let bin = env.dir().join("bin");
    let cfg = env.dir().join("cfg");
    for d in [&bin, &cfg] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::set_permissions(d, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    }
    let h = bin.join("docker-credential-testkeys");
    std::fs::write(&h, HELPER).unwrap();
    std::fs::set_permissions(&h, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    // The helper's store is made by the helper, as the test user.
    Setup {
        store: env.dir().join("store"),
        cfg,
        bin,
    }
}

impl Setup {
    fn write_config(&self, env: &TestEnv, json: &str) {
        let path = self.cfg.join("config.json");
        let o = env.sh(&format!("cat > {} <<'EOF'\n{json}\nEOF", path.display()));
        assert_success(&o, "config.json");
    }

    /// skiff --config DIR ARGS with the helper on PATH (`input` on stdin).
    fn skiff(&self, env: &TestEnv, args: &str, input: Option<&[u8]>) -> std::process::Output {
        let script = format!(
            "PATH={}:$PATH exec {} --config {} {args}",
            self.bin.display(),
            skiff_bin().display(),
            self.cfg.display()
        );
        run_with_timeout(
            env.user_command("sh", &["-c", &script]),
            input,
            env.timeout(),
        )
        .unwrap_or_else(|e| panic!("{args}: {e}"))
    }

    fn config(&self) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(self.cfg.join("config.json")).unwrap())
            .unwrap()
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(self.store.join("calls")).unwrap_or_default()
    }
}

#[test]
fn creds_store_keeps_the_secret_out_of_config_json() {
    let env = TestEnv::new();
    env.pull("busybox");
    let s = setup(&env);
    s.write_config(&env, r#"{"credsStore": "testkeys"}"#);
    let target = format!(
        "{AUTH_REGISTRY}/creds-{}-{}:1",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    env.skiff_ok(&["tag", BUSYBOX, &target]);

    let o = s.skiff(
        &env,
        &format!("login -u skiff --password-stdin {AUTH_REGISTRY}"),
        Some(b"s3cret\n"),
    );
    assert_success(&o, "login");
    assert_eq!(stdout(&o), "Login Succeeded\n");
    // config.json lists the registry with no secret; the helper has it.
    let cfg = s.config();
    assert_eq!(cfg["auths"][AUTH_REGISTRY], serde_json::json!({}), "{cfg}");
    assert_eq!(cfg["credsStore"], "testkeys");
    let kept = std::fs::read_to_string(s.store.join("localhost_5001")).unwrap();
    let kept: serde_json::Value = serde_json::from_str(&kept).unwrap();
    assert_eq!(
        kept,
        serde_json::json!({"ServerURL": AUTH_REGISTRY, "Username": "skiff", "Secret": "s3cret"})
    );

    // push asks the helper.
    let o = s.skiff(&env, &format!("push {target}"), None);
    assert_success(&o, "push through the helper");
    assert!(s.calls().lines().any(|l| l == "get"), "{}", s.calls());

    // logout erases it there; then the registry refuses us.
    let o = s.skiff(&env, &format!("logout {AUTH_REGISTRY}"), None);
    assert_success(&o, "logout");
    assert!(s.calls().lines().any(|l| l == "erase"), "{}", s.calls());
    assert!(!s.store.join("localhost_5001").exists());
    let o = s.skiff(&env, &format!("push {target}"), None);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("denied"), "{}", stderr(&o));
}

#[test]
fn cred_helpers_per_registry_and_a_missing_helper() {
    let env = TestEnv::new();
    let s = setup(&env);
    // credHelpers wins over credsStore for its registry.
    s.write_config(
        &env,
        &format!(r#"{{"credsStore": "absent", "credHelpers": {{"{AUTH_REGISTRY}": "testkeys"}}}}"#),
    );
    let o = s.skiff(
        &env,
        &format!("login -u skiff --password-stdin {AUTH_REGISTRY}"),
        Some(b"s3cret\n"),
    );
    assert_success(&o, "login with credHelpers");
    assert!(s.store.join("localhost_5001").exists());

    // A helper that is not installed: docker's message, nothing written.
    s.write_config(&env, r#"{"credsStore": "absent"}"#);
    let o = s.skiff(
        &env,
        &format!("login -u skiff --password-stdin {AUTH_REGISTRY}"),
        Some(b"s3cret\n"),
    );
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o).trim(),
        "Error: Error saving credentials: error storing credentials - err: exec: \"docker-credential-absent\": executable file not found in $PATH, out: ``"
    );
    assert_eq!(s.config(), serde_json::json!({"credsStore": "absent"}));

    // A wrong password never reaches the helper.
    s.write_config(&env, r#"{"credsStore": "testkeys"}"#);
    let stores = |c: String| c.lines().filter(|l| *l == "store").count();
    let before = stores(s.calls());
    let o = s.skiff(
        &env,
        &format!("login -u skiff --password-stdin {AUTH_REGISTRY}"),
        Some(b"wrong\n"),
    );
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with("Error: ") && stderr(&o).lines().count() == 1,
        "{}",
        stderr(&o)
    );
    assert_eq!(stores(s.calls()), before);
}
