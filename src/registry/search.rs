//! `search`: docker's v1 search API (`GET /v1/search?q=TERM&n=LIMIT` on the registry's index;
//! Docker Hub's is index.docker.io). Registries that only speak the v2 API (docker-registry,
//! distribution) answer 404 there, and docker reports `unexpected status code 404`.
use std::time::Duration;

use super::RegistryError;

/// One result, with docker's JSON names.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct SearchResult {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub star_count: u64,
    #[serde(default)]
    pub is_official: bool,
}

#[derive(Debug, serde::Deserialize)]
struct SearchResults {
    #[serde(default)]
    results: Vec<SearchResult>,
}

/// docker's `splitReposSearchTerm`: (index, remote name); a first part with no `.`, `:` and
/// not `localhost` is a Docker Hub name.
pub fn split_term(term: &str) -> (String, String) {
    match term.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first.to_string(), rest.to_string())
        }
        _ => ("docker.io".into(), term.to_string()),
    }
}

/// Search `term` on its index (`limit` results at most).
pub fn search(
    term: &str,
    limit: u32,
    tls_verify: bool,
) -> Result<Vec<SearchResult>, RegistryError> {
    let err = |m: String| RegistryError::Search(m);
    if term.contains("://") {
        return Err(err(format!(
            "invalid repository name: repository name ({term}) should not have a scheme"
        )));
    }
    if !(1..=100).contains(&limit) {
        return Err(err(format!(
            "limit {limit} is outside the range of [1, 100]"
        )));
    }
    let (index, remote) = split_term(term);
    let remote = if index == "docker.io" {
        remote
            .strip_prefix("library/")
            .unwrap_or(&remote)
            .to_string()
    } else {
        remote
    };
    let base = if index == "docker.io" {
        "https://index.docker.io".to_string()
    } else if super::client::is_loopback_registry(&index) || !tls_verify {
        format!("http://{index}")
    } else {
        format!("https://{index}")
    };
    let http = super::http::client_builder()
        .user_agent(concat!("skiff/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(30))
        .timeout(Duration::from_secs(60))
        .danger_accept_invalid_certs(!tls_verify)
        .build()
        .map_err(|e| err(e.to_string()))?;
    let mut url = reqwest::Url::parse(&format!("{base}/v1/search"))
        .map_err(|e| err(format!("invalid registry endpoint {base}: {e}")))?;
    url.query_pairs_mut()
        .append_pair("q", &remote)
        .append_pair("n", &limit.to_string());
    let resp = http
        .get(url)
        .header("X-Docker-Token", "true")
        .send()
        .map_err(|e| RegistryError::Connect {
            registry: index.clone(),
            reason: e.to_string(),
        })?;
    if !resp.status().is_success() {
        return Err(err(format!(
            "unexpected status code {}",
            resp.status().as_u16()
        )));
    }
    let body: SearchResults = resp
        .json()
        .map_err(|e| err(format!("error decoding registry search results: {e}")))?;
    Ok(body.results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_terms() {
        assert_eq!(
            split_term("busybox"),
            ("docker.io".into(), "busybox".into())
        );
        assert_eq!(split_term("me/app"), ("docker.io".into(), "me/app".into()));
        assert_eq!(
            split_term("localhost:5000/busybox"),
            ("localhost:5000".into(), "busybox".into())
        );
        assert_eq!(split_term("quay.io/x/y"), ("quay.io".into(), "x/y".into()));
    }
}
