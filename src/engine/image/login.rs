//! Registry credentials and search: `login`, `logout`, request credentials, v1 `search`.
use std::path::PathBuf;

use serde_json::Value;

use crate::engine::EngineError;
use crate::image::Reference;
use crate::registry::{Client, RegistriesConfig, RegistryError};

/// The registry a `login`/`logout` argument names (`docker.io` when none).
pub fn registry_of_server(server: Option<&str>) -> String {
    let s = server.unwrap_or("docker.io");
    let s = s
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let s = s
        .strip_suffix("/v1")
        .or_else(|| s.strip_suffix("/v2"))
        .unwrap_or(s);
    match s {
        "index.docker.io" | "registry-1.docker.io" | "" => "docker.io".into(),
        other => other.to_string(),
    }
}

/// `login`: check the credentials against the registry, then keep them in docker's
/// config.json (or its credential helper): the identity token the registry's token server
/// gave instead of the password, as docker does. Returns the file they were written to.
pub fn login(
    server: Option<&str>,
    username: &str,
    password: &str,
    tls_verify: bool,
) -> Result<PathBuf, EngineError> {
    let ok = check_login(server, username, password, tls_verify)?;
    Ok(crate::registry::auth::store_credentials(
        &ok.registry,
        &ok.creds,
        ok.identity_token.as_deref(),
    )
    .map_err(RegistryError::from)?)
}

/// What a login that succeeded learnt.
pub struct LoginOk {
    pub registry: String,
    pub creds: crate::registry::auth::Credentials,
    /// The refresh token the registry's token server gave (docker's `IdentityToken`).
    pub identity_token: Option<String>,
}

/// Check credentials against a registry as `login` does, keeping nothing (the API's
/// `POST /auth`: docker's client stores them itself).
pub fn check_login(
    server: Option<&str>,
    username: &str,
    password: &str,
    tls_verify: bool,
) -> Result<LoginOk, EngineError> {
    let registry = registry_of_server(server);
    let creds = crate::registry::auth::Credentials {
        username: username.to_string(),
        password: password.to_string(),
    };
    let insecure = RegistriesConfig::load()?.insecure(&registry);
    let identity_token = Client::new(&registry, "", tls_verify && !insecure)?
        .with_credentials(creds.clone())
        .check_login()?;
    Ok(LoginOk {
        registry,
        creds,
        identity_token,
    })
}

/// Run `f` (a pull or push on this thread) with credentials that come with one request (the
/// API's `X-Registry-Auth`) for the registry of `image`, or `server` when given, instead of
/// the stored ones. Nothing is written.
pub fn with_request_credentials<T>(
    server: Option<&str>,
    image: &str,
    username: &str,
    password: &str,
    f: impl FnOnce() -> T,
) -> T {
    let registry = match server.filter(|s| !s.trim().is_empty()) {
        Some(s) => registry_of_server(Some(s)),
        None => Reference::parse(image)
            .map(|r| r.registry)
            .unwrap_or_else(|_| "docker.io".into()),
    };
    let creds = crate::registry::auth::Credentials {
        username: username.to_string(),
        password: password.to_string(),
    };
    crate::registry::auth::with_given(&registry, creds, f)
}

/// `search TERM`: the registry the term names (`localhost:5000/busy`), else Docker Hub,
/// searched for the rest, as docker's daemon does it (the v1 search API). A registry that
/// does not serve it gives docker's "Unexpected status code N".
pub fn search(term: &str, limit: u32, tls_verify: bool) -> Result<Vec<Value>, EngineError> {
    let (registry, what) = match term.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first.to_string(), rest.to_string())
        }
        _ => ("docker.io".to_string(), term.to_string()),
    };
    let insecure = RegistriesConfig::load()?.insecure(&registry);
    let client = Client::new(&registry, "", tls_verify && !insecure)?;
    match client.search(&what, limit) {
        Ok(Value::Array(a)) => Ok(a),
        Ok(_) => Ok(Vec::new()),
        Err(RegistryError::Http { reason, .. }) => Err(EngineError::Usage(reason)),
        Err(e) => Err(e.into()),
    }
}

/// `logout`: forget the credentials; false when there were none.
pub fn logout(server: Option<&str>) -> Result<(String, bool), EngineError> {
    let registry = registry_of_server(server);
    let removed =
        crate::registry::auth::remove_credentials(&registry).map_err(RegistryError::from)?;
    Ok((registry, removed))
}
