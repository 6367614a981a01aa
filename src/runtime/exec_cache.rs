//! What `exec` takes from a container's `config.json`, kept in one small file beside it
//! (`exec.cache`): the spec's `process` section and its seccomp filter, compiled. An `exec`
//! then reads one file of ~3 kB instead of the 17 kB spec (which it had to scan whole, the
//! seccomp profile included, ~70 µs of a release build's CPU) plus the seccomp cache, and
//! hashes nothing: the cache is keyed by the identity of `config.json` (inode, modification
//! time to the nanosecond, size), which any rewrite of the spec changes, rather than by the
//! SHA-256 of its profile (sha2's first use also probes the CPU with `cpuid`, which traps to
//! the hypervisor on a VM: ~40 µs per exec measured here).
//!
//! `config.json` is written once, by `create`, through a new file renamed into place (a new
//! inode); an external runtime's spec goes to the bundle directory, not there.
//!
//! The file is derived data, like the seccomp caches: written by rename without fsync by the
//! first `exec` that misses it, and never trusted unless whole. A checksum over the rest
//! (64-bit FNV-1a, written here in a few lines: the check only tells a torn or zero-filled
//! file from a whole one, and the crates that would do it, sha2 and crc32fast, probe the CPU
//! first) tells a damaged file from a good one; a missing, damaged or stale file costs the
//! reading of `config.json` as before (`ExecSpec`) and is written again.
//!
//! Layout: `skiff-exec 1\n`, the spec's identity (inode u64, mtime seconds i64, nanoseconds
//! i64, size u64), the checksum (u64) of what follows, the length (u32) of the `process`
//! section's JSON (0: none) and that JSON, a byte saying whether a filter follows (0 or 1),
//! then the programs as the seccomp cache holds them; integers little-endian.
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use seccompiler::BpfProgram;

use super::spec::ExecSpec;
use super::RuntimeError;

const MAGIC: &[u8] = b"skiff-exec 1\n";
/// Far above a real `process` section (a few kB even with a long environment).
const MAX_PROCESS: usize = 1 << 20;

/// What `exec` needs of the spec.
#[derive(Debug)]
pub struct ExecConfig {
    pub process: Option<oci_spec::runtime::Process>,
    /// The container's seccomp filter, compiled, if it has one.
    pub seccomp: Option<Vec<BpfProgram>>,
}

/// The exec settings of the container whose directory is `dir`: from `dir/exec.cache` when it
/// is whole and made from the current `dir/config.json`, else from the spec (the seccomp
/// filter through the container's seccomp cache), and the cache written for the next time.
pub fn load(dir: &Path) -> Result<ExecConfig, RuntimeError> {
    let spec_path = dir.join("config.json");
    let cache = dir.join("exec.cache");
    let failed = |e: &dyn std::fmt::Display| {
        RuntimeError::Failed(format!("reading {}: {e}", spec_path.display()))
    };
    // One `statx` of the spec when the cache serves.
    let meta = std::fs::metadata(&spec_path).map_err(|e| failed(&e))?;
    if let Some(found) = std::fs::read(&cache)
        .ok()
        .and_then(|d| decode(&d, &Stamp::of(&meta)))
    {
        return Ok(found);
    }
    // The spec read from the descriptor whose identity is the key: what the cache holds is
    // never older than its key says.
    let spec_file = std::fs::File::open(&spec_path).map_err(|e| failed(&e))?;
    let stamp = Stamp::of(&spec_file.metadata().map_err(|e| failed(&e))?);
    let spec = ExecSpec::read_from(spec_file).map_err(|e| failed(&e))?;
    let seccomp = spec.seccomp(&dir.join("seccomp.bpf"))?;
    let config = ExecConfig {
        process: spec.process,
        seccomp,
    };
    if let Some(data) = encode(&stamp, &config) {
        if let Err(e) = super::seccomp_cache::store(&cache, &data) {
            tracing::debug!("exec cache {}: {e}", cache.display());
        }
    }
    Ok(config)
}

/// The identity of one version of `config.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    ino: u64,
    mtime: i64,
    mtime_ns: i64,
    size: u64,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            ino: meta.ino(),
            mtime: meta.mtime(),
            mtime_ns: meta.mtime_nsec(),
            size: meta.size(),
        }
    }

    fn bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out[..8].copy_from_slice(&self.ino.to_le_bytes());
        out[8..16].copy_from_slice(&self.mtime.to_le_bytes());
        out[16..24].copy_from_slice(&self.mtime_ns.to_le_bytes());
        out[24..].copy_from_slice(&self.size.to_le_bytes());
        out
    }
}

/// 64-bit FNV-1a (see the module's comment for why by hand).
fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn encode(stamp: &Stamp, config: &ExecConfig) -> Option<Vec<u8>> {
    let process = match &config.process {
        Some(p) => serde_json::to_vec(p).ok()?,
        None => Vec::new(),
    };
    let mut body = Vec::with_capacity(process.len() + 2048);
    body.extend_from_slice(&u32::try_from(process.len()).ok()?.to_le_bytes());
    body.extend_from_slice(&process);
    match &config.seccomp {
        Some(progs) => {
            body.push(1);
            body.extend_from_slice(&super::seccomp_cache::encode_programs(progs));
        }
        None => body.push(0),
    }
    let mut out = Vec::with_capacity(MAGIC.len() + 40 + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&stamp.bytes());
    out.extend_from_slice(&fnv1a(&body).to_le_bytes());
    out.extend_from_slice(&body);
    Some(out)
}

/// The settings in `data` if it is a whole cache made from the spec `stamp` identifies.
fn decode(data: &[u8], stamp: &Stamp) -> Option<ExecConfig> {
    let rest = data.strip_prefix(MAGIC)?;
    let (key, rest) = rest.split_first_chunk::<32>()?;
    let (sum, body) = rest.split_first_chunk::<8>()?;
    if *key != stamp.bytes() || u64::from_le_bytes(*sum) != fnv1a(body) {
        return None;
    }
    let (len, rest) = body.split_first_chunk::<4>()?;
    let len = u32::from_le_bytes(*len) as usize;
    if len > MAX_PROCESS {
        return None;
    }
    let (process, rest) = rest.split_at_checked(len)?;
    let process = if process.is_empty() {
        None
    } else {
        Some(serde_json::from_slice(process).ok()?)
    };
    let (has_filter, programs) = rest.split_first()?;
    let seccomp = match has_filter {
        0 if programs.is_empty() => None,
        1 => Some(super::seccomp_cache::decode_programs(programs)?),
        _ => return None,
    };
    Some(ExecConfig { process, seccomp })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: &str = r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}"#;

    fn spec(args: &str) -> String {
        format!(
            r#"{{"ociVersion":"1.0.2","process":{{"user":{{"uid":0,"gid":0}},"args":["{args}"],"cwd":"/w","env":["A=1"]}},"linux":{{"seccomp":{PROFILE}}}}}"#
        )
    }

    fn args(c: &ExecConfig) -> Vec<String> {
        c.process
            .as_ref()
            .and_then(|p| p.args().clone())
            .unwrap_or_default()
    }

    #[test]
    fn the_cache_serves_what_the_spec_says_until_the_spec_changes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), spec("one")).unwrap();
        let first = load(dir.path()).unwrap();
        assert_eq!(args(&first), ["one"]);
        let progs = first.seccomp.clone().expect("a filter");
        assert!(dir.path().join("exec.cache").exists());
        // What the cache holds for this spec: the same settings and programs.
        let data = std::fs::read(dir.path().join("exec.cache")).unwrap();
        let meta = std::fs::metadata(dir.path().join("config.json")).unwrap();
        let cached = decode(&data, &Stamp::of(&meta)).expect("whole");
        assert_eq!(args(&cached), ["one"]);
        assert_eq!(cached.seccomp.as_ref(), Some(&progs));
        assert_eq!(
            cached.process.as_ref().map(|p| p.cwd().clone()),
            Some("/w".into())
        );
        // A rewritten spec (a new file by rename, as create writes it) is read again.
        std::fs::write(dir.path().join("new.json"), spec("second")).unwrap();
        std::fs::rename(dir.path().join("new.json"), dir.path().join("config.json")).unwrap();
        assert_eq!(args(&load(dir.path()).unwrap()), ["second"]);
        assert_eq!(
            args(&load(dir.path()).unwrap()),
            ["second"],
            "and the cache rewritten"
        );
    }

    #[test]
    fn a_damaged_cache_is_never_used() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), spec("one")).unwrap();
        load(dir.path()).unwrap();
        let cache = dir.path().join("exec.cache");
        let good = std::fs::read(&cache).unwrap();
        let meta = std::fs::metadata(dir.path().join("config.json")).unwrap();
        let stamp = Stamp::of(&meta);
        assert!(decode(&good, &stamp).is_some());
        assert!(
            decode(&good[..good.len() - 1], &stamp).is_none(),
            "cut short"
        );
        assert!(
            decode(&vec![0u8; good.len()], &stamp).is_none(),
            "zero-filled"
        );
        for at in [MAGIC.len() + 40, good.len() / 2, good.len() - 1] {
            let mut bad = good.clone();
            bad[at] ^= 0x10;
            assert!(decode(&bad, &stamp).is_none(), "a flipped bit at {at}");
        }
        let other = Stamp {
            mtime_ns: stamp.mtime_ns + 1,
            ..stamp
        };
        assert!(decode(&good, &other).is_none(), "another spec's");
        // A damaged file on disk: the spec is read again and the cache rewritten.
        std::fs::write(&cache, vec![0u8; good.len()]).unwrap();
        assert_eq!(args(&load(dir.path()).unwrap()), ["one"]);
        assert_eq!(std::fs::read(&cache).unwrap(), good);
    }

    #[test]
    fn a_spec_without_process_or_filter() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), r#"{"ociVersion":"1.0.2"}"#).unwrap();
        let c = load(dir.path()).unwrap();
        assert!(c.process.is_none() && c.seccomp.is_none());
        let c = load(dir.path()).unwrap();
        assert!(c.process.is_none() && c.seccomp.is_none());
    }
}
