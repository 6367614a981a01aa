//! A cache of compiled seccomp filters: `exec` (and every health probe) needs the container's
//! filter as BPF, and compiling docker's profile again each time cost a tenth of an `exec`.
//! The programs are kept in one file next to the container's `config.json` (`exec`), or in
//! one file per profile shared by all containers (a container's start: `compile_shared`),
//! keyed by the SHA-256 of the profile's JSON text, so a changed profile is never served a
//! stale filter.
//!
//! The file is derived data: written by rename without fsync, and rebuilt whenever it is
//! missing, of another profile, or damaged (a crash can leave it empty or, on some file
//! systems, zero-filled). A second SHA-256, over the programs themselves, tells a damaged
//! file from a good one, so a filter is never installed from bytes that were not written whole.
//!
//! Layout: `skiff-bpf 2\n`, the profile's SHA-256 (32 bytes), the programs' SHA-256 (32
//! bytes), then the programs: a count (u32), and per program its length (u32) and its
//! instructions (`code` u16, `jt` u8, `jf` u8, `k` u32); integers little-endian. Version 2:
//! the programs carry a range front (`seccomp_ranges`); a version-1 file (seccompiler's
//! longer programs) is compiled again.
use std::io::Write;
use std::path::Path;

use seccompiler::{sock_filter, BpfProgram};
use sha2::{Digest, Sha256};

use super::RuntimeError;

const MAGIC: &[u8] = b"skiff-bpf 2\n";
/// Far above any real filter (the kernel's limit is 4096 instructions per program).
const MAX_PROGRAMS: usize = 64;
const MAX_LEN: usize = 4096;

/// The BPF programs of `profile` (the spec's `linux.seccomp` as JSON text), from `cache` when
/// it holds this profile's programs intact, else compiled and stored there for the next time.
/// A cache that cannot be written only costs the next caller a compilation.
pub fn compile_cached(profile: &str, cache: &Path) -> Result<Vec<BpfProgram>, RuntimeError> {
    let key: [u8; 32] = Sha256::digest(profile.as_bytes()).into();
    if let Some(progs) = std::fs::read(cache).ok().and_then(|d| decode(&d, &key)) {
        return Ok(progs);
    }
    let value: serde_json::Value =
        serde_json::from_str(profile).map_err(RuntimeError::ctx("seccomp profile"))?;
    let progs = super::seccomp::compile(&value)?;
    if let Err(e) = store(cache, &encode(&key, &progs)) {
        tracing::debug!("seccomp cache {}: {e}", cache.display());
    }
    Ok(progs)
}

/// The same, from a cache shared by every container: `dir/SHA256-OF-PROFILE.bpf`. A container's
/// start uses it, so that a new container (every `run --rm`) finds docker's default profile
/// already compiled; `dir` is made when missing.
pub fn compile_shared(profile: &str, dir: &Path) -> Result<Vec<BpfProgram>, RuntimeError> {
    let key = Sha256::digest(profile.as_bytes());
    let _ = std::fs::create_dir_all(dir);
    compile_cached(profile, &dir.join(format!("{}.bpf", hex::encode(key))))
}

fn encode(key: &[u8; 32], progs: &[BpfProgram]) -> Vec<u8> {
    let body = encode_programs(progs);
    let sum: [u8; 32] = Sha256::digest(&body).into();
    let mut out = Vec::with_capacity(MAGIC.len() + 64 + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(key);
    out.extend_from_slice(&sum);
    out.extend_from_slice(&body);
    out
}

/// The programs as the cache files hold them: a count, then each program's length and
/// instructions.
pub(super) fn encode_programs(progs: &[BpfProgram]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&(progs.len() as u32).to_le_bytes());
    for p in progs {
        body.extend_from_slice(&(p.len() as u32).to_le_bytes());
        for ins in p {
            body.extend_from_slice(&ins.code.to_le_bytes());
            body.push(ins.jt);
            body.push(ins.jf);
            body.extend_from_slice(&ins.k.to_le_bytes());
        }
    }
    body
}

/// The programs in `data` if it is an intact cache of the profile `key`.
fn decode(data: &[u8], key: &[u8; 32]) -> Option<Vec<BpfProgram>> {
    let rest = data.strip_prefix(MAGIC)?;
    let (k, rest) = rest.split_at_checked(32)?;
    let (sum, body) = rest.split_at_checked(32)?;
    if k != key || Sha256::digest(body).as_slice() != sum {
        return None;
    }
    decode_programs(body)
}

/// [`encode_programs`] read back: `None` unless `body` is exactly that, within the kernel's
/// limits.
pub(super) fn decode_programs(body: &[u8]) -> Option<Vec<BpfProgram>> {
    let mut r = Reader(body);
    let count = r.u32()? as usize;
    if count > MAX_PROGRAMS {
        return None;
    }
    let mut progs = Vec::with_capacity(count);
    for _ in 0..count {
        let len = r.u32()? as usize;
        if len > MAX_LEN {
            return None;
        }
        let mut p = Vec::with_capacity(len);
        for _ in 0..len {
            let code = u16::from_le_bytes(r.take::<2>()?);
            let [jt, jf] = r.take::<2>()?;
            let k = u32::from_le_bytes(r.take::<4>()?);
            p.push(sock_filter { code, jt, jf, k });
        }
        progs.push(p);
    }
    r.0.is_empty().then_some(progs)
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, tail) = self.0.split_first_chunk::<N>()?;
        self.0 = tail;
        Some(*head)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take::<4>().map(u32::from_le_bytes)
    }
}

/// Replace `path` by rename (a reader sees the old file or the new), not forced to disk.
pub(super) fn store(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-bpf-")
        .tempfile_in(dir)?;
    tmp.write_all(data)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: &str = r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}"#;

    fn compiled(profile: &str) -> Vec<BpfProgram> {
        super::super::seccomp::compile(&serde_json::from_str(profile).unwrap()).unwrap()
    }

    #[test]
    fn stores_then_serves_the_same_programs() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("seccomp.bpf");
        let first = compile_cached(PROFILE, &cache).unwrap();
        assert_eq!(first, compiled(PROFILE));
        assert!(cache.exists());
        let key: [u8; 32] = Sha256::digest(PROFILE.as_bytes()).into();
        let stored = decode(&std::fs::read(&cache).unwrap(), &key).unwrap();
        assert_eq!(stored, first);
        assert_eq!(compile_cached(PROFILE, &cache).unwrap(), first);
    }

    #[test]
    fn another_profile_or_a_damaged_file_is_compiled_again() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("seccomp.bpf");
        compile_cached(PROFILE, &cache).unwrap();
        // Another profile: its own programs, and the cache now holds them.
        let other = PROFILE.replace("mkdirat", "rmdir");
        assert_eq!(compile_cached(&other, &cache).unwrap(), compiled(&other));
        let key: [u8; 32] = Sha256::digest(other.as_bytes()).into();
        assert!(decode(&std::fs::read(&cache).unwrap(), &key).is_some());
        // Damage of every kind is refused: empty, cut short, zero-filled, one bit flipped.
        let good = std::fs::read(&cache).unwrap();
        let mut flipped = good.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        for bad in [
            Vec::new(),
            good[..good.len() - 3].to_vec(),
            vec![0; good.len()],
            flipped,
        ] {
            assert!(decode(&bad, &key).is_none());
            std::fs::write(&cache, &bad).unwrap();
            assert_eq!(compile_cached(&other, &cache).unwrap(), compiled(&other));
            assert_eq!(std::fs::read(&cache).unwrap(), good, "rewritten whole");
        }
    }

    #[test]
    fn a_bad_profile_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("seccomp.bpf");
        assert!(compile_cached("{not json", &cache).is_err());
        assert!(compile_cached(r#"{"defaultAction":"SCMP_ACT_NOTIFY"}"#, &cache).is_err());
    }
}
