//! Platforms as `--platform` names them (`linux/arm64/v8`) and as indexes list them.
use std::fmt;

use oci_spec::image::{Descriptor, ImageIndex};

use super::RegistryError;

/// `os/architecture[/variant]`, normalised to GOOS/GOARCH names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

/// `x86_64` → `amd64` and the like.
fn normalize_arch(arch: &str) -> &str {
    match arch {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        "i386" | "i686" => "386",
        "armhf" | "armel" => "arm",
        other => other,
    }
}

/// The variant an architecture has when none is named (arm64 is v8, arm is v7).
fn default_variant(arch: &str) -> Option<&'static str> {
    match arch {
        "arm64" => Some("v8"),
        "arm" => Some("v7"),
        _ => None,
    }
}

const KNOWN_OS: &[&str] = &["linux", "windows", "darwin", "freebsd"];

impl Platform {
    /// `linux/<host architecture>`.
    pub fn host(host_arch: &str) -> Platform {
        Platform {
            os: "linux".into(),
            architecture: host_arch.to_string(),
            variant: None,
        }
    }

    /// Parse `os/arch[/variant]`, `arch` (linux assumed) or `os` (the host architecture).
    pub fn parse(s: &str, host_arch: &str) -> Result<Platform, RegistryError> {
        let bad = |reason: &str| RegistryError::BadPlatform {
            platform: s.to_string(),
            reason: reason.to_string(),
        };
        let lower = s.trim().to_ascii_lowercase();
        let parts: Vec<&str> = lower.split('/').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(bad("expected OS/ARCH[/VARIANT]"));
        }
        let (os, arch, variant) = match parts.as_slice() {
            [one] if KNOWN_OS.contains(one) => (*one, host_arch, None),
            [one] => ("linux", *one, None),
            [os, arch] => (*os, *arch, None),
            [os, arch, variant] => (*os, *arch, Some(variant.to_string())),
            _ => return Err(bad("expected OS/ARCH[/VARIANT]")),
        };
        let valid = |p: &str| {
            p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        };
        if !valid(os) || !valid(arch) || variant.as_deref().is_some_and(|v| !valid(v)) {
            return Err(bad("unexpected characters"));
        }
        Ok(Platform {
            os: os.to_string(),
            architecture: normalize_arch(arch).to_string(),
            variant,
        })
    }

    /// Does an image of `os`/`arch`/`variant` (from an index entry or a config) fit?
    pub fn matches(&self, os: &str, arch: &str, variant: Option<&str>) -> bool {
        if os != self.os || normalize_arch(arch) != self.architecture {
            return false;
        }
        match &self.variant {
            None => true,
            Some(want) => {
                let have = variant
                    .filter(|v| !v.is_empty())
                    .or(default_variant(&self.architecture));
                have == Some(want.as_str())
            }
        }
    }

    /// Pick this platform's manifest from a list or index. Without a variant, an entry with
    /// no variant or the architecture's default one is preferred, else the first match.
    pub fn select<'a>(
        &self,
        index: &'a ImageIndex,
        reference: &str,
    ) -> Result<&'a Descriptor, RegistryError> {
        let matching: Vec<(&Descriptor, Option<String>)> = index
            .manifests()
            .iter()
            .filter_map(|d| {
                let p = d.platform().as_ref()?;
                let variant = p.variant().clone();
                self.matches(
                    &p.os().to_string(),
                    &p.architecture().to_string(),
                    variant.as_deref(),
                )
                .then_some((d, variant))
            })
            .collect();
        let preferred = default_variant(&self.architecture);
        matching
            .iter()
            .find(|(_, v)| v.as_deref().is_none_or(|v| Some(v) == preferred))
            .or(matching.first())
            .map(|(d, _)| *d)
            .ok_or_else(|| RegistryError::NoPlatform {
                reference: reference.to_string(),
                platform: self.to_string(),
            })
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> ImageIndex {
        serde_json::from_str(
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
              {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","size":1,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
              {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc","size":1,"platform":{"architecture":"arm","os":"linux","variant":"v6"}},
              {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd","size":1,"platform":{"architecture":"arm","os":"linux","variant":"v7"}},
              {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","size":1,"platform":{"architecture":"amd64","os":"linux"}}]}"#,
        )
        .unwrap()
    }

    fn pick(p: &str) -> Result<char, String> {
        let idx = index();
        Platform::parse(p, "amd64")
            .and_then(|p| p.select(&idx, "x").map(|d| d.digest().to_string()))
            .map(|d| d.chars().nth(7).unwrap_or('?'))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn parses_and_normalises() {
        let p = Platform::parse("linux/arm64/v8", "amd64").unwrap();
        assert_eq!(p.to_string(), "linux/arm64/v8");
        assert_eq!(
            Platform::parse("Linux/x86_64", "arm64")
                .unwrap()
                .to_string(),
            "linux/amd64"
        );
        assert_eq!(
            Platform::parse("arm64", "amd64").unwrap().to_string(),
            "linux/arm64"
        );
        assert_eq!(
            Platform::parse("linux", "s390x").unwrap().to_string(),
            "linux/s390x"
        );
        for bad in ["", "linux/", "a/b/c/d", "linux/amd 64"] {
            assert!(Platform::parse(bad, "amd64").is_err(), "{bad}");
        }
    }

    #[test]
    fn selects_entries() {
        assert_eq!(pick("linux/amd64"), Ok('b'));
        assert_eq!(pick("linux/arm64"), Ok('a'));
        assert_eq!(pick("linux/arm64/v8"), Ok('a'));
        assert_eq!(pick("linux/arm"), Ok('d'));
        assert_eq!(pick("linux/arm/v6"), Ok('c'));
        let e = pick("linux/s390x").unwrap_err();
        assert!(e.contains("no matching manifest for linux/s390x"), "{e}");
        assert!(pick("linux/arm64/v9").is_err());
        assert!(pick("windows/amd64").is_err());
    }

    #[test]
    fn matches_configs() {
        let p = Platform::parse("linux/arm64", "amd64").unwrap();
        assert!(p.matches("linux", "arm64", Some("v8")));
        assert!(p.matches("linux", "aarch64", None));
        assert!(!p.matches("linux", "amd64", None));
        let p = Platform::parse("linux/arm64/v8", "amd64").unwrap();
        assert!(p.matches("linux", "arm64", None));
        assert!(!p.matches("linux", "arm64", Some("v9")));
    }
}
