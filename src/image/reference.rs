//! Image references with docker's normalisation: `busybox` is `docker.io/library/busybox:latest`.
use std::fmt;

use super::ImageError;

/// The registry a reference without a domain points to.
pub const DEFAULT_REGISTRY: &str = "docker.io";
const MAX_NAME_LEN: usize = 255;

/// A parsed, normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `docker.io`, `localhost:5000`, `host.tld`.
    pub registry: String,
    /// `library/busybox`, `user/app`, `a/b`.
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:<64 hex>`.
    pub digest: Option<String>,
}

fn invalid(reason: impl Into<String>) -> ImageError {
    ImageError::InvalidReference(reason.into())
}

impl Reference {
    /// Parse and normalise a reference as docker does.
    pub fn parse(s: &str) -> Result<Reference, ImageError> {
        if s.is_empty() {
            return Err(invalid(""));
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                validate_digest(d)?;
                (r, Some(d.to_string()))
            }
            None => (s, None),
        };
        // A tag is after the last ':' that follows the last '/' (a registry port is before it).
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let i = last_slash + i;
                (&rest[..i], Some(rest[i + 1..].to_string()))
            }
            None => (rest, None),
        };
        if let Some(t) = &tag {
            validate_tag(t)?;
        }
        if name.is_empty() {
            return Err(invalid(""));
        }
        if name.len() > MAX_NAME_LEN {
            return Err(invalid(format!(
                "repository name must not be more than {MAX_NAME_LEN} characters"
            )));
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                validate_domain(first)?;
                (first.to_string(), rest.to_string())
            }
            _ => (DEFAULT_REGISTRY.to_string(), name.to_string()),
        };
        let registry = if registry == "index.docker.io" || registry == "registry-1.docker.io" {
            DEFAULT_REGISTRY.to_string()
        } else {
            registry
        };
        let repository = if registry == DEFAULT_REGISTRY && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        validate_path(&repository)?;
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The tag, or `latest` when there is neither a tag nor a digest... or just a digest.
    pub fn tag_or_latest(&self) -> &str {
        self.tag.as_deref().unwrap_or("latest")
    }

    /// `registry/repository`, e.g. `docker.io/library/busybox`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The fully qualified reference: `docker.io/library/busybox:latest`, with the tag
    /// defaulting to `latest` unless only a digest was given.
    pub fn full(&self) -> String {
        let mut s = self.name();
        match (&self.tag, &self.digest) {
            (Some(t), _) => {
                s.push(':');
                s.push_str(t);
            }
            (None, None) => s.push_str(":latest"),
            (None, Some(_)) => {}
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }

    /// The repository as docker displays it: `busybox`, `user/app`, `localhost:5000/busybox`.
    pub fn familiar_name(&self) -> String {
        if self.registry == DEFAULT_REGISTRY {
            match self.repository.strip_prefix("library/") {
                Some(r) if !r.contains('/') => r.to_string(),
                _ => self.repository.clone(),
            }
        } else {
            self.name()
        }
    }

    /// `familiar_name:tag` (tag defaulting to latest), as in `RepoTags`.
    pub fn familiar_tagged(&self) -> String {
        format!("{}:{}", self.familiar_name(), self.tag_or_latest())
    }

    /// What the registry is asked for: the digest when there is one, else the tag.
    pub fn manifest_ref(&self) -> &str {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d,
            (None, Some(t)) => t,
            (None, None) => "latest",
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full())
    }
}

/// `sha256:` followed by 64 lowercase hex digits (the only algorithm skiff stores).
pub fn validate_digest(d: &str) -> Result<(), ImageError> {
    match d.split_once(':') {
        Some(("sha256", hex)) if hex.len() == 64 && hex.bytes().all(is_lower_hex) => Ok(()),
        Some((alg, hex))
            if !alg.is_empty()
                && alg
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && hex.len() >= 32
                && hex.bytes().all(is_lower_hex) =>
        {
            Err(invalid(format!("unsupported digest algorithm {alg}")))
        }
        _ => Err(invalid("")),
    }
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

fn validate_tag(t: &str) -> Result<(), ImageError> {
    let mut bytes = t.bytes();
    let ok = t.len() <= 128
        && matches!(bytes.next(), Some(b) if b.is_ascii_alphanumeric() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(invalid(""))
    }
}

fn validate_domain(d: &str) -> Result<(), ImageError> {
    let (host, port) = if let Some(rest) = d.strip_prefix('[') {
        // [ipv6]:port
        let (h, after) = rest.split_once(']').ok_or_else(|| invalid(""))?;
        if h.is_empty()
            || !h
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err(invalid(""));
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| invalid(""))?),
        };
        (None, port)
    } else {
        match d.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(d), None),
        }
    };
    if let Some(host) = host {
        let ok = !host.is_empty()
            && host.split('.').all(|c| {
                !c.is_empty()
                    && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !c.starts_with('-')
                    && !c.ends_with('-')
            });
        if !ok {
            return Err(invalid(""));
        }
    }
    if let Some(p) = port {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(""));
        }
    }
    Ok(())
}

fn validate_path(path: &str) -> Result<(), ImageError> {
    if path.split('/').all(valid_component) {
        return Ok(());
    }
    if path.bytes().any(|b| b.is_ascii_uppercase())
        && path.to_ascii_lowercase().split('/').all(valid_component)
    {
        return Err(invalid(format!(
            "repository name ({path}) must be lowercase"
        )));
    }
    Err(invalid(""))
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn valid_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        // a separator run: ".", "_", "__", or one or more "-"
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn docker_normalisation() {
        let r = Reference::parse("busybox").unwrap();
        assert_eq!(r.full(), "docker.io/library/busybox:latest");
        assert_eq!(r.familiar_name(), "busybox");
        assert_eq!(r.tag, None);
        assert_eq!(r.tag_or_latest(), "latest");

        let r = Reference::parse("user/app").unwrap();
        assert_eq!(r.full(), "docker.io/user/app:latest");
        assert_eq!(r.familiar_name(), "user/app");

        let r = Reference::parse("localhost:5000/busybox").unwrap();
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.repository, "busybox");
        assert_eq!(r.familiar_name(), "localhost:5000/busybox");
        assert_eq!(r.full(), "localhost:5000/busybox:latest");

        let r = Reference::parse("host.tld/a/b:tag").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("host.tld", "a/b", Some("tag"))
        );

        let r = Reference::parse("index.docker.io/library/alpine:3.20").unwrap();
        assert_eq!(r.familiar_tagged(), "alpine:3.20");
    }

    #[test]
    fn digests() {
        let r = Reference::parse(&format!("busybox@{D}")).unwrap();
        assert_eq!(r.digest.as_deref(), Some(D));
        assert_eq!(r.tag, None);
        assert_eq!(r.full(), format!("docker.io/library/busybox@{D}"));
        assert_eq!(r.manifest_ref(), D);

        let r = Reference::parse(&format!("localhost:5000/x:1.0@{D}")).unwrap();
        assert_eq!(r.tag.as_deref(), Some("1.0"));
        assert_eq!(r.digest.as_deref(), Some(D));
        assert_eq!(r.manifest_ref(), D);
    }

    #[test]
    fn invalid_references() {
        for bad in [
            "",
            "Bad:Ref",
            "UPPER",
            "a//b",
            "-a",
            "a-",
            "a b",
            "busybox:",
            "busybox:-x",
            "busybox@sha256:abc",
            "busybox@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
            "a..b",
            "localhost:port/x",
            ":tag",
            "a/",
        ] {
            let e = Reference::parse(bad).expect_err(bad);
            assert!(
                e.to_string().starts_with("invalid reference format"),
                "{bad}: {e}"
            );
        }
        let e = Reference::parse("Bad:Ref").unwrap_err().to_string();
        assert!(e.contains("must be lowercase"), "{e}");
    }

    #[test]
    fn separators() {
        for good in ["a.b", "a_b", "a__b", "a---b", "a1/b-2/c_3"] {
            Reference::parse(good).expect(good);
        }
        for bad in ["a___b", "a._b", "a.-b"] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }
}
