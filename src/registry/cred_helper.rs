//! docker's credential helpers: `credsStore` and `credHelpers` in config.json name a program
//! `docker-credential-NAME` on PATH that keeps the secrets (a keychain, pass, a vault). docker
//! speaks to it on stdin/stdout: `get` (the server URL in, `{"ServerURL", "Username",
//! "Secret"}` out), `store` (that JSON in), `erase` (the server URL in) and `list` (a JSON map
//! of server URL to user name out). A `Username` of `<token>` means the secret is an identity
//! token. Written by hand: the protocol is four calls of a few lines each, and the Rust crates
//! for it only read.
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use super::credentials::Credentials;

/// What a helper answers when it has nothing for a server.
const NOT_FOUND: &str = "credentials not found in native keychain";

/// A helper failed; docker's wording (`error getting credentials - err: ..., out: `...``).
#[derive(Debug, thiserror::Error)]
#[error("error {action} credentials - err: {err}, out: `{out}`")]
pub struct HelperError {
    action: &'static str,
    err: String,
    out: String,
}

/// The helper config.json names for `key` (a registry as `auths` keys it): its own in
/// `credHelpers`, else `credsStore`.
pub fn helper_for(config: &serde_json::Value, key: &str, registry: &str) -> Option<String> {
    let own = config["credHelpers"].as_object().and_then(|m| {
        m.iter().find_map(|(k, v)| {
            let host = k
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_end_matches('/');
            (k == key || host == registry).then(|| v.as_str().map(String::from))?
        })
    });
    own.or_else(|| config["credsStore"].as_str().map(String::from))
        .filter(|n| !n.is_empty())
}

/// Run `docker-credential-NAME ACTION` with `input` on stdin; its stdout.
fn call(name: &str, action: &'static str, input: &[u8]) -> Result<String, HelperError> {
    let what = match action {
        "get" => "getting",
        "store" => "storing",
        "erase" => "erasing",
        _ => "listing",
    };
    let fail = |err: String, out: String| HelperError {
        action: what,
        err,
        out,
    };
    let program = format!("docker-credential-{name}");
    let mut child = Command::new(&program)
        .arg(action)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            let err = if e.kind() == std::io::ErrorKind::NotFound {
                format!("exec: \"{program}\": executable file not found in $PATH")
            } else {
                e.to_string()
            };
            fail(err, String::new())
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input);
    }
    let out = child
        .wait_with_output()
        .map_err(|e| fail(e.to_string(), String::new()))?;
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() {
        let code = out.status.code().unwrap_or(-1);
        let text = if stdout.is_empty() {
            String::from_utf8_lossy(&out.stderr).trim().to_string()
        } else {
            stdout
        };
        return Err(fail(format!("exit status {code}"), text));
    }
    Ok(stdout)
}

/// `get`: the credentials the helper keeps for `server`, None when it has none.
pub fn get(name: &str, server: &str) -> Result<Option<Credentials>, HelperError> {
    match call(name, "get", server.as_bytes()) {
        Ok(out) => {
            let v: serde_json::Value = serde_json::from_str(&out).map_err(|e| HelperError {
                action: "getting",
                err: e.to_string(),
                out: out.clone(),
            })?;
            let user = v["Username"].as_str().unwrap_or_default();
            let secret = v["Secret"].as_str().unwrap_or_default();
            Ok((!secret.is_empty()).then(|| Credentials {
                username: user.to_string(),
                password: secret.to_string(),
            }))
        }
        Err(e) if e.out.contains(NOT_FOUND) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `store`: hand the credentials for `server` to the helper.
pub fn store(name: &str, server: &str, creds: &Credentials) -> Result<(), HelperError> {
    let body = serde_json::json!({
        "ServerURL": server,
        "Username": creds.username,
        "Secret": creds.password,
    });
    call(name, "store", body.to_string().as_bytes()).map(|_| ())
}

/// `erase`: forget `server`; a helper that had nothing is no failure.
pub fn erase(name: &str, server: &str) -> Result<(), HelperError> {
    match call(name, "erase", server.as_bytes()) {
        Err(e) if e.out.contains(NOT_FOUND) => Ok(()),
        r => r.map(|_| ()),
    }
}

/// `list`: the servers the helper keeps credentials for, with their user names.
pub fn list(name: &str) -> Result<BTreeMap<String, String>, HelperError> {
    let out = call(name, "list", b"")?;
    serde_json::from_str(&out).map_err(|e| HelperError {
        action: "listing",
        err: e.to_string(),
        out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_helper() {
        let c = serde_json::json!({
            "credsStore": "pass",
            "credHelpers": {"gcr.io": "gcloud", "https://quay.io": "quay"},
        });
        assert_eq!(
            helper_for(&c, "gcr.io", "gcr.io").as_deref(),
            Some("gcloud")
        );
        assert_eq!(
            helper_for(&c, "quay.io", "quay.io").as_deref(),
            Some("quay")
        );
        assert_eq!(
            helper_for(&c, "other:5000", "other:5000").as_deref(),
            Some("pass")
        );
        assert_eq!(helper_for(&serde_json::json!({}), "x", "x"), None);
    }
}
