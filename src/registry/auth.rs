//! Registry authentication: `WWW-Authenticate` challenges and `~/.docker/config.json` credentials.
use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine as _;

pub use super::credentials::{Credentials, IDENTITY_TOKEN_USER};

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// `bearer` or `basic` (lowercased).
    pub scheme: String,
    pub params: BTreeMap<String, String>,
}

/// Parse `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="..."`.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = match header.split_once(char::is_whitespace) {
        Some((s, r)) => (s, r),
        None => (header, ""),
    };
    if scheme.is_empty() {
        return None;
    }
    let mut params = BTreeMap::new();
    let mut chars = rest.chars().peekable();
    loop {
        while matches!(chars.peek(), Some(c) if *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ',' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() {
            break;
        }
        if chars.next() != Some('=') {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        params.insert(key.trim().to_ascii_lowercase(), value.trim().to_string());
    }
    Some(Challenge {
        scheme: scheme.to_ascii_lowercase(),
        params,
    })
}

fn docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    directories::BaseDirs::new().map(|b| b.home_dir().join(".docker").join("config.json"))
}

/// A string setting of docker's config.json (`detachKeys`, ...): None when the file, or the
/// key, is missing or the file cannot be read.
pub fn docker_config_string(key: &str) -> Option<String> {
    let cfg = read_config(&docker_config_path()?).ok()?;
    cfg[key].as_str().map(String::from)
}

/// Podman's auth files, in the order it reads them: `REGISTRY_AUTH_FILE`,
/// `$XDG_RUNTIME_DIR/containers/auth.json`, `~/.config/containers/auth.json`.
fn podman_auth_paths() -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(f) = std::env::var_os("REGISTRY_AUTH_FILE") {
        v.push(PathBuf::from(f));
    }
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR") {
        v.push(PathBuf::from(d).join("containers/auth.json"));
    }
    if let Some(b) = directories::BaseDirs::new() {
        v.push(b.config_dir().join("containers/auth.json"));
    }
    v
}

thread_local! {
    /// Credentials given for one operation on this thread (see [`with_given`]).
    static GIVEN: std::cell::RefCell<Option<(String, Credentials)>> =
        const { std::cell::RefCell::new(None) };
}

/// Restores what was given before, when dropped.
struct GivenGuard(Option<(String, Credentials)>);

impl Drop for GivenGuard {
    fn drop(&mut self) {
        let prev = self.0.take();
        GIVEN.with(|g| *g.borrow_mut() = prev);
    }
}

/// Run `f` with `creds` used for `registry` by the clients it makes on this thread, instead of
/// the stored ones: credentials that come with one request (the API's `X-Registry-Auth`),
/// never written anywhere.
pub fn with_given<T>(registry: &str, creds: Credentials, f: impl FnOnce() -> T) -> T {
    let prev = GIVEN.with(|g| g.borrow_mut().replace((registry.to_string(), creds)));
    let _guard = GivenGuard(prev);
    f()
}

/// Credentials for `registry`: those given for the operation running on this thread, else
/// from `~/.docker/config.json` (`auths.<host>.auth`), else from Podman's auth.json files.
pub fn credentials_for(registry: &str) -> Option<Credentials> {
    let given = GIVEN.with(|g| {
        g.borrow()
            .as_ref()
            .filter(|(r, _)| r == registry)
            .map(|(_, c)| c.clone())
    });
    if given.is_some() {
        return given;
    }
    // A credential helper named in docker's config.json keeps them (credHelpers, credsStore).
    if let Some(path) = docker_config_path() {
        if let Ok(cfg) = read_config(&path) {
            let key = config_key(registry);
            if let Some(helper) = super::cred_helper::helper_for(&cfg, &key, registry) {
                match super::cred_helper::get(&helper, &key) {
                    Ok(Some(c)) => return Some(c),
                    Ok(None) => {}
                    Err(e) => tracing::debug!("credential helper {helper}: {e}"),
                }
            }
        }
    }
    docker_config_path()
        .into_iter()
        .chain(podman_auth_paths())
        .find_map(|p| {
            let text = std::fs::read_to_string(p).ok()?;
            credentials_from_config(&text, registry)
        })
}

/// The key docker uses for a registry in `auths` (docker.io has its historical URL).
fn config_key(registry: &str) -> String {
    if registry == "docker.io" {
        "https://index.docker.io/v1/".into()
    } else {
        registry.to_string()
    }
}

/// Errors of the credential store.
#[derive(Debug, thiserror::Error)]
pub enum AuthFileError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a valid docker config: {reason}")]
    Invalid { path: String, reason: String },
    #[error("no home directory to keep credentials in")]
    NoHome,
    #[error("Error saving credentials: {0}")]
    Helper(#[from] super::cred_helper::HelperError),
}

fn read_config(path: &std::path::Path) -> Result<serde_json::Value, AuthFileError> {
    match std::fs::read_to_string(path) {
        Ok(t) if t.trim().is_empty() => Ok(serde_json::json!({})),
        Ok(t) => serde_json::from_str(&t).map_err(|e| AuthFileError::Invalid {
            path: path.display().to_string(),
            reason: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(serde_json::json!({})),
        Err(source) => Err(AuthFileError::Io {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// Write the config atomically with mode 0600 (the directory 0700 when created).
fn write_config(path: &std::path::Path, v: &serde_json::Value) -> Result<(), AuthFileError> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let io = |source| AuthFileError::Io {
        path: path.display().to_string(),
        source,
    };
    let dir = path.parent().ok_or(AuthFileError::NoHome)?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".config.json-")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(io)?;
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    tmp.write_all(text.as_bytes()).map_err(io)?;
    tmp.write_all(b"\n").map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Keep credentials for `registry` in docker's config.json (`auths.<key>.auth`).
pub fn store_credentials(
    registry: &str,
    creds: &Credentials,
    identity_token: Option<&str>,
) -> Result<PathBuf, AuthFileError> {
    let path = docker_config_path().ok_or(AuthFileError::NoHome)?;
    let mut v = read_config(&path)?;
    let v_copy = v.clone();
    let Some(obj) = v.as_object_mut() else {
        return Err(AuthFileError::Invalid {
            path: path.display().to_string(),
            reason: "not a JSON object".into(),
        });
    };
    let auths = obj.entry("auths").or_insert_with(|| serde_json::json!({}));
    if !auths.is_object() {
        *auths = serde_json::json!({});
    }
    let key = config_key(registry);
    // With a helper, the secret goes to it and config.json only lists the registry (docker's
    // empty entry).
    let entry = match super::cred_helper::helper_for(&v_copy, &key, registry) {
        // docker's native store: an identity token goes under the `<token>` user.
        Some(helper) => {
            let token_creds = identity_token.map(|t| Credentials {
                username: IDENTITY_TOKEN_USER.into(),
                password: t.to_string(),
            });
            super::cred_helper::store(&helper, &key, token_creds.as_ref().unwrap_or(creds))?;
            serde_json::json!({})
        }
        // docker's file store: with an identity token, the password is dropped (`user:`).
        None => {
            let password = if identity_token.is_some() {
                ""
            } else {
                creds.password.as_str()
            };
            let raw = format!("{}:{password}", creds.username);
            let mut e =
                serde_json::json!({"auth": base64::engine::general_purpose::STANDARD.encode(raw)});
            if let Some(t) = identity_token {
                e["identitytoken"] = serde_json::json!(t);
            }
            e
        }
    };
    if let Some(a) = auths.as_object_mut() {
        a.insert(key, entry);
    }
    write_config(&path, &v)?;
    Ok(path)
}

/// Forget the credentials for `registry`; false when there were none.
pub fn remove_credentials(registry: &str) -> Result<bool, AuthFileError> {
    let path = docker_config_path().ok_or(AuthFileError::NoHome)?;
    let mut v = read_config(&path)?;
    let key = config_key(registry);
    if let Some(helper) = super::cred_helper::helper_for(&v, &key, registry) {
        super::cred_helper::erase(&helper, &key)?;
    }
    let removed = v
        .get_mut("auths")
        .and_then(|a| a.as_object_mut())
        .map(|a| {
            let keys: Vec<String> = a
                .keys()
                .filter(|k| {
                    **k == key
                        || k.trim_start_matches("https://")
                            .trim_start_matches("http://")
                            .trim_end_matches('/')
                            == registry
                })
                .cloned()
                .collect();
            for k in &keys {
                a.remove(k);
            }
            !keys.is_empty()
        })
        .unwrap_or(false);
    if removed {
        write_config(&path, &v)?;
    }
    Ok(removed)
}

/// Look `registry` up in the text of a docker config.json.
pub fn credentials_from_config(text: &str, registry: &str) -> Option<Credentials> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let auths = v.get("auths")?.as_object()?;
    let wanted: Vec<&str> = if registry == "docker.io" {
        vec![
            "https://index.docker.io/v1/",
            "index.docker.io",
            "docker.io",
            "registry-1.docker.io",
        ]
    } else {
        vec![registry]
    };
    let entry = auths.iter().find_map(|(k, v)| {
        let host = k
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        let host = host.strip_suffix("/v1").unwrap_or(host);
        let host = host.strip_suffix("/v2").unwrap_or(host);
        (wanted.contains(&k.as_str()) || wanted.contains(&host)).then_some(v)
    })?;
    if let Some(token) = entry
        .get("identitytoken")
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
    {
        return Some(Credentials {
            username: IDENTITY_TOKEN_USER.into(),
            password: token.to_string(),
        });
    }
    let auth = entry.get("auth")?.as_str()?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (u, p) = decoded.split_once(':')?;
    Some(Credentials {
        username: u.to_string(),
        password: p.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_challenge() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push""#,
        )
        .unwrap();
        assert_eq!(c.scheme, "bearer");
        assert_eq!(c.params["realm"], "https://auth.docker.io/token");
        assert_eq!(c.params["service"], "registry.docker.io");
        assert_eq!(c.params["scope"], "repository:library/busybox:pull,push");
        let c = parse_challenge(r#"Basic realm="Registry Realm""#).unwrap();
        assert_eq!(c.scheme, "basic");
        assert_eq!(c.params["realm"], "Registry Realm");
    }

    #[test]
    fn identity_tokens() {
        let text = r#"{"auths": {"r.example": {"auth": "", "identitytoken": "refresh-me"}}}"#;
        let c = credentials_from_config(text, "r.example").unwrap();
        assert!(c.is_identity_token());
        assert_eq!(c.password, "refresh-me");
    }

    #[test]
    fn reads_docker_config() {
        let cfg = r#"{"auths":{"https://index.docker.io/v1/":{"auth":"dXNlcjpwYXNz"},"localhost:5000":{"auth":"YTpiOmM="}}}"#;
        let c = credentials_from_config(cfg, "docker.io").unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("user", "pass"));
        let c = credentials_from_config(cfg, "localhost:5000").unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("a", "b:c"));
        assert!(credentials_from_config(cfg, "quay.io").is_none());
    }
}
