//! Registries configuration: per-registry mirrors, insecure and blocked flags.
//!
//! Two files are read, both in the `[[registry]]` format of containers-registries.conf(5) v2:
//!
//! 1. `$CONTAINERS_REGISTRIES_CONF`, else `$XDG_CONFIG_HOME/containers/registries.conf` when it
//!    exists, else `/etc/containers/registries.conf` (what Podman reads);
//! 2. skiff's own file: `$SKIFF_REGISTRIES_CONF`, else `$XDG_CONFIG_HOME/skiff/registries.toml`.
//!
//! An entry of skiff's file replaces an entry of the first file with the same prefix. Missing
//! files are fine; a file that cannot be parsed is an error naming it. Other keys of
//! registries.conf (`unqualified-search-registries`, `[aliases]`, ...) are ignored: short names
//! resolve to docker.io as docker resolves them. See `docs/registries.md`.
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::RegistryError;

/// One `[[registry]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RegistryEntry {
    /// What references it applies to (`host[:port][/namespace]`, or `*.domain`); defaults to
    /// `location`.
    #[serde(default)]
    pub prefix: Option<String>,
    /// Where the images matching `prefix` really are (`host[:port][/namespace]`).
    #[serde(default)]
    pub location: String,
    /// Plain HTTP, or HTTPS without certificate checks.
    #[serde(default)]
    pub insecure: bool,
    /// Refuse to pull from it.
    #[serde(default)]
    pub blocked: bool,
    /// Use the mirrors only for pulls by digest.
    #[serde(default)]
    pub mirror_by_digest_only: bool,
    /// Tried in order before `location`.
    #[serde(default)]
    pub mirror: Vec<MirrorEntry>,
}

/// One `[[registry.mirror]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct MirrorEntry {
    pub location: String,
    #[serde(default)]
    pub insecure: bool,
}

#[derive(Debug, Default, Deserialize)]
struct File {
    #[serde(default)]
    registry: Vec<RegistryEntry>,
}

/// Where to fetch a repository from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `host[:port]`.
    pub registry: String,
    /// The repository on that registry.
    pub repository: String,
    pub insecure: bool,
    pub mirror: bool,
}

/// The merged configuration.
#[derive(Debug, Clone, Default)]
pub struct RegistriesConfig {
    entries: Vec<RegistryEntry>,
}

fn config_home() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.config_dir().to_path_buf())
}

/// The containers-registries.conf file that applies (may not exist).
pub fn containers_conf_path() -> PathBuf {
    if let Some(p) = std::env::var_os("CONTAINERS_REGISTRIES_CONF") {
        return PathBuf::from(p);
    }
    if let Some(user) = config_home().map(|c| c.join("containers/registries.conf")) {
        if user.is_file() {
            return user;
        }
    }
    PathBuf::from("/etc/containers/registries.conf")
}

/// skiff's own registries file (may not exist).
pub fn skiff_conf_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SKIFF_REGISTRIES_CONF") {
        return Some(PathBuf::from(p));
    }
    config_home().map(|c| c.join("skiff/registries.toml"))
}

fn read_file(path: &Path) -> Result<Vec<RegistryEntry>, RegistryError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                || e.kind() == std::io::ErrorKind::PermissionDenied =>
        {
            tracing::debug!(path = %path.display(), "no registries config: {e}");
            return Ok(Vec::new());
        }
        Err(source) => {
            return Err(RegistryError::Io {
                context: format!("reading {}", path.display()),
                source,
            })
        }
    };
    parse(&text).map_err(|reason| RegistryError::Config {
        path: path.display().to_string(),
        reason,
    })
}

/// Parse the `[[registry]]` entries of a registries file.
pub fn parse(text: &str) -> Result<Vec<RegistryEntry>, String> {
    let file: File = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let mut out = Vec::new();
    for mut e in file.registry {
        e.location = e.location.trim_end_matches('/').to_string();
        let prefix = e
            .prefix
            .take()
            .unwrap_or_else(|| e.location.clone())
            .trim_end_matches('/')
            .to_string();
        if prefix.is_empty() {
            return Err("a [[registry]] entry needs a location or a prefix".into());
        }
        if e.location.is_empty() && !e.blocked {
            if prefix.starts_with("*.") {
                // A wildcard entry only sets flags; it cannot rewrite.
            } else {
                e.location = prefix.clone();
            }
        }
        for m in &mut e.mirror {
            m.location = m.location.trim_end_matches('/').to_string();
            if m.location.is_empty() {
                return Err(format!("a mirror of {prefix} has no location"));
            }
        }
        e.prefix = Some(prefix);
        out.push(e);
    }
    Ok(out)
}

/// Does `prefix` match the full name `registry/repository`? Returns the matched length (the
/// part a location replaces), or None.
fn matches(prefix: &str, full: &str) -> Option<usize> {
    if let Some(domain) = prefix.strip_prefix("*.") {
        let host = full.split('/').next().unwrap_or(full);
        let bare = host.split(':').next().unwrap_or(host);
        return bare
            .strip_suffix(domain)
            .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1)
            .then_some(host.len());
    }
    let rest = full.strip_prefix(prefix)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(prefix.len())
}

fn split_endpoint(full: &str) -> (String, String) {
    match full.split_once('/') {
        Some((r, repo)) => (r.to_string(), repo.to_string()),
        None => (full.to_string(), String::new()),
    }
}

impl RegistriesConfig {
    /// Read the configuration files (see the module docs).
    pub fn load() -> Result<RegistriesConfig, RegistryError> {
        let mut cfg = RegistriesConfig {
            entries: read_file(&containers_conf_path())?,
        };
        if let Some(p) = skiff_conf_path() {
            cfg.merge(read_file(&p)?);
        }
        Ok(cfg)
    }

    /// A configuration of these entries only.
    pub fn from_entries(entries: Vec<RegistryEntry>) -> RegistriesConfig {
        RegistriesConfig { entries }
    }

    /// Add entries, replacing those with the same prefix.
    pub fn merge(&mut self, entries: Vec<RegistryEntry>) {
        for e in entries {
            self.entries.retain(|x| x.prefix != e.prefix);
            self.entries.push(e);
        }
    }

    /// The entry with the longest prefix matching `registry/repository`, and its match length.
    fn entry_for(&self, registry: &str, repository: &str) -> Option<(&RegistryEntry, usize)> {
        let full = format!("{registry}/{repository}");
        self.entries
            .iter()
            .filter_map(|e| {
                let p = e.prefix.as_deref()?;
                matches(p, &full).map(|n| (e, n, p.len()))
            })
            .max_by_key(|(_, _, plen)| *plen)
            .map(|(e, n, _)| (e, n))
    }

    /// Whether a registry host is marked insecure (for push and login, which use no mirrors).
    pub fn insecure(&self, registry: &str) -> bool {
        self.entry_for(registry, "")
            .or_else(|| {
                self.entries
                    .iter()
                    .find(|e| e.location == registry)
                    .map(|e| (e, 0))
            })
            .is_some_and(|(e, _)| e.insecure)
    }

    /// Where to pull `registry/repository` from: its mirrors first (unless they serve digests
    /// only and this is not a pull by digest), then the (possibly rewritten) location.
    pub fn endpoints(
        &self,
        registry: &str,
        repository: &str,
        by_digest: bool,
    ) -> Result<Vec<Endpoint>, RegistryError> {
        let full = format!("{registry}/{repository}");
        let Some((entry, n)) = self.entry_for(registry, repository) else {
            return Ok(vec![Endpoint {
                registry: registry.to_string(),
                repository: repository.to_string(),
                insecure: false,
                mirror: false,
            }]);
        };
        if entry.blocked {
            return Err(RegistryError::Blocked {
                registry: full,
                prefix: entry.prefix.clone().unwrap_or_default(),
            });
        }
        let rest = &full[n..];
        let mut out = Vec::new();
        if by_digest || !entry.mirror_by_digest_only {
            for m in &entry.mirror {
                let (r, repo) = split_endpoint(&format!("{}{rest}", m.location));
                out.push(Endpoint {
                    registry: r,
                    repository: repo,
                    insecure: m.insecure,
                    mirror: true,
                });
            }
        }
        let (r, repo) = if entry.location.is_empty() {
            (registry.to_string(), repository.to_string())
        } else {
            split_endpoint(&format!("{}{rest}", entry.location))
        };
        out.push(Endpoint {
            registry: r,
            repository: repo,
            insecure: entry.insecure,
            mirror: false,
        });
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> RegistriesConfig {
        RegistriesConfig::from_entries(parse(text).unwrap())
    }

    #[test]
    fn mirrors_come_first_then_the_registry() {
        let c = cfg(r#"
unqualified-search-registries = ["docker.io"]
[[registry]]
location = "docker.io"
[[registry.mirror]]
location = "mirror.example:5000"
[[registry.mirror]]
location = "localhost:5000/hub"
insecure = true
"#);
        let e = c.endpoints("docker.io", "library/busybox", false).unwrap();
        let got: Vec<(&str, &str, bool, bool)> = e
            .iter()
            .map(|e| {
                (
                    e.registry.as_str(),
                    e.repository.as_str(),
                    e.insecure,
                    e.mirror,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("mirror.example:5000", "library/busybox", false, true),
                ("localhost:5000", "hub/library/busybox", true, true),
                ("docker.io", "library/busybox", false, false),
            ]
        );
        // Other registries are untouched.
        let e = c.endpoints("quay.io", "a/b", false).unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].registry, "quay.io");
    }

    #[test]
    fn prefix_rewrites_and_longest_match_wins() {
        let c = cfg(r#"
[[registry]]
prefix = "example.com"
location = "example.net"
insecure = true
[[registry]]
prefix = "example.com/team"
location = "localhost:5000/mirrored"
"#);
        let e = c.endpoints("example.com", "team/app", false).unwrap();
        assert_eq!(e[0].registry, "localhost:5000");
        assert_eq!(e[0].repository, "mirrored/app");
        assert!(!e[0].insecure);
        let e = c.endpoints("example.com", "other/app", false).unwrap();
        assert_eq!(
            (e[0].registry.as_str(), e[0].insecure),
            ("example.net", true)
        );
        // `example.com/teamx` does not match the `example.com/team` prefix.
        let e = c.endpoints("example.com", "teamx/app", false).unwrap();
        assert_eq!(e[0].registry, "example.net");
        assert!(c.insecure("example.com"));
        assert!(!c.insecure("example.org"));
    }

    #[test]
    fn blocked_wildcard_and_digest_only() {
        let c = cfg(r#"
[[registry]]
prefix = "*.blocked.test"
blocked = true
[[registry]]
location = "digest.test"
mirror-by-digest-only = true
mirror = [{ location = "m.test" }]
"#);
        let e = c.endpoints("a.blocked.test:5000", "x", false).unwrap_err();
        assert!(e.to_string().contains("blocked"), "{e}");
        assert!(c.endpoints("blocked.test", "x", false).is_ok());
        assert_eq!(c.endpoints("digest.test", "x", false).unwrap().len(), 1);
        assert_eq!(c.endpoints("digest.test", "x", true).unwrap().len(), 2);
    }

    #[test]
    fn bad_files_are_errors() {
        assert!(parse("[[registry]]\nlocation = 1").is_err());
        assert!(parse("[[registry]]\ninsecure = true").is_err());
        assert!(parse("[registries.search]\nregistries = []")
            .unwrap()
            .is_empty());
        assert!(parse("").unwrap().is_empty());
    }
}
