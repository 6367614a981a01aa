//! docker's syntaxes for the smaller `run`/`create` flags that map to one field of the runtime
//! spec: `--shm-size` (docker's RAM sizes), `--sysctl` (only the namespaced parameters docker
//! allows) and `--annotation`. Messages are the docker CLI's flag errors.
use std::collections::BTreeMap;

use crate::engine::EngineError;

fn flag_error(flag: &str, value: &str, why: String) -> EngineError {
    EngineError::Usage(format!(
        "invalid argument \"{value}\" for \"--{flag}\" flag: {why}"
    ))
}

/// docker's `units.RAMInBytes`: `NUMBER[ ][k|m|g|t|p][i][b]`, any case, powers of 1024
/// (`64m`, `1.5g`, `512`). The existing `resources::parse_bytes` is looser (no `t`, `p`, `i`,
/// spaces) and has its own message, so `--shm-size` has this one.
pub fn ram_in_bytes(v: &str) -> Option<u64> {
    let digits_end = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (num, rest) = v.split_at(digits_end);
    if num.is_empty() || num.starts_with('.') || num.ends_with('.') || num.contains("..") {
        return None;
    }
    let n: f64 = num.parse().ok()?;
    let rest = rest.strip_prefix(' ').unwrap_or(rest).to_ascii_lowercase();
    let mut chars = rest.chars().peekable();
    let mult: u64 = match chars.peek() {
        Some('k') => 1 << 10,
        Some('m') => 1 << 20,
        Some('g') => 1 << 30,
        Some('t') => 1 << 40,
        Some('p') => 1 << 50,
        _ => 1,
    };
    if mult != 1 {
        chars.next();
    }
    if chars.peek() == Some(&'i') {
        chars.next();
    }
    if chars.peek() == Some(&'b') {
        chars.next();
    }
    if chars.next().is_some() {
        return None;
    }
    Some((n * mult as f64) as u64)
}

/// `--shm-size`.
pub fn shm_size(v: &str) -> Result<u64, EngineError> {
    ram_in_bytes(v).ok_or_else(|| flag_error("shm-size", v, format!("invalid size: '{v}'")))
}

/// The sysctls docker lets a container set: those of the namespaces it owns.
const SYSCTLS: &[&str] = &[
    "kernel.msgmax",
    "kernel.msgmnb",
    "kernel.msgmni",
    "kernel.sem",
    "kernel.shmall",
    "kernel.shmmax",
    "kernel.shmmni",
    "kernel.shm_rmid_forced",
];
const SYSCTL_PREFIXES: &[&str] = &["net.", "fs.mqueue."];

/// `--sysctl KEY=VALUE`s (docker's `ValidateSysctl`).
pub fn sysctls(vals: &[String]) -> Result<BTreeMap<String, String>, EngineError> {
    let mut out = BTreeMap::new();
    for s in vals {
        let allowed = s.split_once('=').filter(|(k, _)| {
            SYSCTLS.contains(k) || SYSCTL_PREFIXES.iter().any(|p| k.starts_with(p))
        });
        let Some((k, v)) = allowed else {
            return Err(flag_error(
                "sysctl",
                s,
                format!("sysctl '{s}' is not allowed"),
            ));
        };
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

/// `--annotation KEY[=VALUE]` (docker's map flag: a key alone has an empty value).
pub fn annotations(vals: &[String]) -> BTreeMap<String, String> {
    vals.iter()
        .map(|a| {
            let (k, v) = a.split_once('=').unwrap_or((a, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ram_sizes() {
        assert_eq!(ram_in_bytes("64m"), Some(64 << 20));
        assert_eq!(ram_in_bytes("1.5g"), Some(3 << 29));
        assert_eq!(ram_in_bytes("512"), Some(512));
        assert_eq!(ram_in_bytes("2 MiB"), Some(2 << 20));
        assert_eq!(ram_in_bytes("8KB"), Some(8 << 10));
        assert_eq!(ram_in_bytes("lots"), None);
        assert_eq!(ram_in_bytes("-1m"), None);
        assert_eq!(ram_in_bytes("1x"), None);
        assert_eq!(ram_in_bytes(""), None);
    }

    #[test]
    fn allowed_sysctls() {
        let ok = sysctls(&["net.ipv4.ip_forward=1".into(), "kernel.sem=1 2 3 4".into()]).unwrap();
        assert_eq!(ok["kernel.sem"], "1 2 3 4");
        assert!(sysctls(&["kernel.hostname=x".into()]).is_err());
        assert!(sysctls(&["net.core.somaxconn".into()]).is_err());
    }
}
