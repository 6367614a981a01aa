//! Bounds on what skiff reads from images, registries and build contexts, so a hostile image
//! or registry cannot exhaust memory or disk, or hang a command (docs/limits.md).
//!
//! Each limit has a default and, where a user may need more, an environment variable to
//! change it (the helper processes skiff starts inherit it); the table is in docs/limits.md.
//! Sizes take a plain number of bytes or a docker-style size (`64m`, `2g`).
use std::io::{self, Read, Write};
use std::time::Duration;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// What is read of an image's `/etc/passwd` or `/etc/group` (the rest is ignored).
pub const MAX_ACCOUNT_FILE: u64 = 16 * MIB;

/// A docker-style size: `123`, `64k`, `64m`, `2g`, `1t` (binary units, an optional `b`).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_lowercase();
    let s = s.strip_suffix('b').unwrap_or(&s);
    let (num, mult) = match s.char_indices().last()? {
        (i, 'k') => (&s[..i], 1u64 << 10),
        (i, 'm') => (&s[..i], MIB),
        (i, 'g') => (&s[..i], GIB),
        (i, 't') => (&s[..i], 1u64 << 40),
        _ => (s, 1),
    };
    num.trim().parse::<u64>().ok()?.checked_mul(mult)
}

fn env_size(var: &str, default: u64) -> u64 {
    match std::env::var(var) {
        Ok(v) => parse_size(&v).unwrap_or_else(|| {
            tracing::warn!("{var}={v:?} is not a size: using {default}");
            default
        }),
        Err(_) => default,
    }
}

/// The largest image config blob skiff downloads or loads.
pub fn max_config_size() -> u64 {
    env_size("SKIFF_MAX_CONFIG_SIZE", 32 * MIB)
}

/// The largest uncompressed stream of a layer whose blob is `compressed` bytes: beyond it the
/// unpacking stops before the disk fills up (a decompression bomb), whatever its diff_id says.
pub fn max_layer_size(compressed: u64) -> u64 {
    let ratio = std::env::var("SKIFF_MAX_LAYER_RATIO")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(100);
    let floor = env_size("SKIFF_MAX_LAYER_FLOOR", GIB);
    compressed.saturating_mul(ratio).saturating_add(floor)
}

/// The largest decompressed xz archive an `ADD` unpacks.
pub fn max_add_size() -> u64 {
    env_size("SKIFF_MAX_ADD_SIZE", 8 * GIB)
}

/// How long one read of a registry response may wait for data.
pub fn registry_read_timeout() -> Duration {
    std::env::var("SKIFF_REGISTRY_READ_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().trim_end_matches('s').parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(120))
}

/// A reader that fails (`what` is too large, with the variable to raise it) once more than
/// `limit` bytes went through.
pub struct Bounded<R> {
    inner: R,
    left: u64,
    limit: u64,
    what: String,
}

impl<R> Bounded<R> {
    pub fn new(inner: R, limit: u64, what: impl Into<String>) -> Self {
        Bounded {
            inner,
            left: limit,
            limit,
            what: what.into(),
        }
    }

    pub fn into_inner(self) -> R {
        self.inner
    }
}

fn too_large(what: &str, limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("{what} is larger than the limit of {limit} bytes"),
    )
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // One more byte tells a stream of exactly `limit` bytes from a longer one.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(too_large(&self.what, self.limit)),
            };
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

impl<W: Write> Write for Bounded<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() as u64 > self.left {
            return Err(too_large(&self.what, self.limit));
        }
        let n = self.inner.write(buf)?;
        self.left -= n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The start of a small text file (at most `limit` bytes; the rest is ignored), lossily
/// decoded: for `/etc/passwd` and `/etc/group`, which may be huge or sparse in a hostile image.
pub fn read_head(path: &std::path::Path, limit: u64) -> io::Result<String> {
    let mut data = Vec::new();
    std::fs::File::open(path)?
        .take(limit)
        .read_to_end(&mut data)?;
    Ok(String::from_utf8_lossy(&data).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("123"), Some(123));
        assert_eq!(parse_size("64m"), Some(64 * MIB));
        assert_eq!(parse_size("2G"), Some(2 * GIB));
        assert_eq!(parse_size("1kb"), Some(1024));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size(""), None);
    }

    #[test]
    fn bounded_reader_and_writer() {
        let mut out = Vec::new();
        let r = Bounded::new(&[7u8; 10][..], 10, "ten");
        assert!(io::copy(&mut { r }, &mut out).is_ok());
        let r = Bounded::new(&[7u8; 11][..], 10, "eleven");
        let e = io::copy(&mut { r }, &mut out).unwrap_err();
        assert!(e.to_string().contains("eleven is larger"), "{e}");
        let mut w = Bounded::new(Vec::new(), 4, "w");
        assert!(w.write_all(b"abcd").is_ok());
        assert!(w.write_all(b"e").is_err());
    }
}
