//! docker's syntaxes for the smaller `run`/`create` flags that map to one field of the runtime
//! spec: `--shm-size` (docker's RAM sizes), `--sysctl` (only the namespaced parameters docker
//! allows), `--annotation`, the namespace modes (`--pid`, `--ipc`, `--uts`, `--cgroupns`,
//! `--userns`), and the flags skiff checks and then refuses for want of a host facility
//! (`--gpus`, CDI `--device` names, `--storage-opt`). Messages are docker's.
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

/// `container:NAME` of `--pid`/`--ipc`: the name, or None for another value.
pub fn container_target(mode: &str) -> Option<&str> {
    mode.strip_prefix("container:").filter(|n| !n.is_empty())
}

/// `--pid`: empty, `host` or `container:NAME` (the name is resolved by create).
pub fn pid_mode(v: &str) -> Result<String, EngineError> {
    match v {
        "" | "host" => Ok(v.to_string()),
        c if container_target(c).is_some() => Ok(v.to_string()),
        _ => Err(EngineError::Usage("--pid: invalid PID mode".into())),
    }
}

/// `--ipc`: empty, `private`, `shareable`, `none`, `host` or `container:NAME`.
pub fn ipc_mode(v: &str) -> Result<String, EngineError> {
    match v {
        "" | "private" | "shareable" | "none" | "host" => Ok(v.to_string()),
        c if container_target(c).is_some() => Ok(v.to_string()),
        _ => Err(EngineError::Usage(format!("invalid IPC mode: {v}"))),
    }
}

/// `--userns`: empty or `host` (both: the user's own rootless namespace, the default) or
/// podman's `keep-id[:uid=N,gid=M,size=S]` (the user's uid and gid, or N and M, are the user's
/// own ids inside). docker's message for an unknown mode, podman's for bad keep-id options.
pub fn userns_mode(v: &str) -> Result<String, EngineError> {
    match v {
        "" | "host" => Ok(v.to_string()),
        _ => match keep_id(v) {
            Some(opts) => opts.map(|_| v.to_string()),
            None => Err(EngineError::Usage("--userns: invalid USER mode".into())),
        },
    }
}

/// The options of podman's `--userns keep-id[:uid=N,gid=M,size=S]`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct KeepId {
    /// The id inside that the user's uid maps to (default: the user's uid).
    pub uid: Option<u32>,
    /// The id inside that the user's gid maps to (default: the user's gid).
    pub gid: Option<u32>,
    /// The number of ids the namespace holds at most.
    pub size: Option<u32>,
}

/// `mode` as keep-id options: None when it is not keep-id, an error (podman's message) for
/// options podman refuses.
pub fn keep_id(mode: &str) -> Option<Result<KeepId, EngineError>> {
    let rest = mode.strip_prefix("keep-id")?;
    let opts = match rest.strip_prefix(':') {
        None if rest.is_empty() => return Some(Ok(KeepId::default())),
        None => return None,
        Some(o) => o,
    };
    let parse = || -> Result<KeepId, EngineError> {
        let mut k = KeepId::default();
        for o in opts.split(',') {
            let Some((key, val)) = o.split_once('=') else {
                return Err(EngineError::Usage(format!(
                    "invalid option specified: {o:?}"
                )));
            };
            // Go's strconv.ParseUint(val, 10, 32), as podman parses them.
            let n = || {
                val.parse::<u32>().map_err(|e| {
                    let why = match e.kind() {
                        std::num::IntErrorKind::PosOverflow => "value out of range",
                        _ => "invalid syntax",
                    };
                    EngineError::Usage(format!("strconv.ParseUint: parsing {val:?}: {why}"))
                })
            };
            match key {
                "uid" => k.uid = Some(n()?),
                "gid" => k.gid = Some(n()?),
                "size" => k.size = Some(n()?),
                _ => {
                    return Err(EngineError::Usage(format!(
                        "unknown option specified: {key:?}"
                    )))
                }
            }
        }
        Ok(k)
    };
    Some(parse())
}

/// One `--gpus` value, checked as docker's `GpuOpts` does (`all`, a count, or CSV of
/// `count=`, `device=`, `driver=`, `capabilities=`, `options=`). skiff has no GPU driver to
/// hand a request to, so a valid one is refused by `gpus_unavailable`.
pub fn gpus(v: &str) -> Result<(), EngineError> {
    let bad = |why: String| {
        EngineError::Usage(format!(
            "invalid argument \"{v}\" for \"--gpus\" flag: {why}"
        ))
    };
    let count = |s: &str| -> Result<(), EngineError> {
        if s == "all" || s.parse::<i64>().is_ok() {
            Ok(())
        } else {
            Err(bad(format!(
                "invalid count ({s}): value must be either \"all\" or an integer: invalid syntax"
            )))
        }
    };
    let mut seen: Vec<&str> = Vec::new();
    // docker reads the value as one CSV record; `device=0,1` needs quotes, which a CSV split
    // on commas outside quotes keeps together.
    for field in csv_fields(v) {
        let (key, val) = match field.split_once('=') {
            Some((k, val)) => (k, Some(val)),
            None => (field, None),
        };
        if seen.contains(&key) {
            return Err(bad(format!(
                "gpu request key '{key}' can be specified only once"
            )));
        }
        seen.push(key);
        match (key, val) {
            (k, None) => count(k)?,
            ("count", Some(c)) => count(c)?,
            ("driver" | "device" | "capabilities" | "options", Some(_)) => {}
            (k, Some(_)) => return Err(bad(format!("unexpected key '{k}' in '{field}'"))),
        }
    }
    Ok(())
}

/// The fields of one CSV record (double quotes group, `""` is a quote), as Go's csv reader
/// gives them for docker's `--gpus`.
fn csv_fields(v: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in v.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(v[start..i].trim_matches('"'));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(v[start..].trim_matches('"'));
    out
}

/// docker's answer where no daemon-side driver can serve a GPU request.
pub fn gpus_unavailable() -> EngineError {
    EngineError::Usage("could not select device driver \"\" with capabilities: [[gpu]]".into())
}

/// `--storage-opt KEY=VALUE` (docker's `parseStorageOpts`). skiff's drivers (overlay,
/// fuse-overlay, vfs on the user's file system) have no per-container quota, so a valid
/// option is refused with the reason.
pub fn storage_opts(vals: &[String]) -> Result<BTreeMap<String, String>, EngineError> {
    let mut out = BTreeMap::new();
    for o in vals {
        let Some((k, v)) = o.split_once('=') else {
            return Err(EngineError::Usage("invalid storage option".into()));
        };
        out.insert(k.to_string(), v.to_string());
    }
    if let Some(k) = out.keys().next() {
        return Err(EngineError::Unsupported(format!(
            "--storage-opt {k}: skiff's storage drivers (overlay, fuse-overlay, vfs) cannot limit a container's storage (no per-container quota)"
        )));
    }
    Ok(out)
}

/// A CDI device name (`vendor.com/class=name`) as `--device` takes it, or None for a path.
pub fn cdi_name(spec: &str) -> Option<&str> {
    let (kind, name) = spec.split_once('=')?;
    let (vendor, class) = kind.split_once('/')?;
    let ok = |s: &str, extra: &[char]| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
    };
    (!spec.starts_with('/')
        && ok(vendor, &['.', '-', '_'])
        && ok(class, &['-', '_'])
        && ok(name, &['.', '-', '_', ':']))
    .then_some(spec)
}

/// Whether the kernel runs programs of GOARCH `arch` through an enabled binfmt_misc handler
/// (qemu-user-binfmt registers `qemu-<cpu>` entries).
pub fn binfmt_handles(arch: &str) -> bool {
    let cpu = match arch {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        "386" => "i386",
        "mips64le" => "mips64el",
        "mipsle" => "mipsel",
        other => other,
    };
    let dir = std::path::Path::new("/proc/sys/fs/binfmt_misc");
    let enabled = |text: &str| text.lines().next().is_some_and(|l| l.trim() == "enabled");
    if !std::fs::read_to_string(dir.join("status")).is_ok_and(|t| enabled(&t)) {
        return false;
    }
    std::fs::read_dir(dir).is_ok_and(|rd| {
        rd.flatten().any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            let interp = text
                .lines()
                .find_map(|l| l.strip_prefix("interpreter "))
                .unwrap_or_default();
            let prog = interp.rsplit('/').next().unwrap_or_default();
            enabled(&text)
                && (name == format!("qemu-{cpu}")
                    || prog == format!("qemu-{cpu}")
                    || prog == format!("qemu-{cpu}-static"))
        })
    })
}

/// The directories CDI specs are read from (the CDI specification's defaults).
const CDI_DIRS: &[&str] = &["/etc/cdi", "/var/run/cdi"];

/// A CDI `--device`: docker's message when no spec on the host defines it; skiff does not
/// inject CDI devices, so one a spec does define is refused with that reason.
pub fn cdi_device(name: &str) -> EngineError {
    let (kind, dev) = name.split_once('=').unwrap_or((name, ""));
    let defined = CDI_DIRS.iter().any(|d| {
        std::fs::read_dir(d).is_ok_and(|rd| {
            rd.flatten().any(|e| {
                // Specs are small; a name and a kind in the same file is enough to tell the
                // user it exists.
                std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains(kind) && t.contains(dev))
            })
        })
    });
    if defined {
        EngineError::Unsupported(format!(
            "CDI device injection failed: skiff cannot inject CDI devices yet ({name} is defined under {})",
            CDI_DIRS.join(" or ")
        ))
    } else {
        EngineError::Usage(format!(
            "CDI device injection failed: unresolvable CDI devices {name}"
        ))
    }
}

/// `--uts`: empty or `host`.
pub fn uts_mode(v: &str) -> Result<String, EngineError> {
    match v {
        "" | "host" => Ok(v.to_string()),
        _ => Err(EngineError::Usage("--uts: invalid UTS mode".into())),
    }
}

/// `--cgroupns`: empty, `host` or `private`.
pub fn cgroupns_mode(v: &str) -> Result<String, EngineError> {
    match v {
        "" | "host" | "private" => Ok(v.to_string()),
        _ => Err(EngineError::Usage("--cgroupns: invalid CGROUP mode".into())),
    }
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

    #[test]
    fn gpu_requests() {
        assert!(gpus("all").is_ok());
        assert!(gpus("2").is_ok());
        assert!(gpus("\"device=0,1\",capabilities=utility").is_ok());
        let e = gpus("count=many").unwrap_err().to_string();
        assert!(e.contains("invalid count (many)"), "{e}");
        let e = gpus("count=1,count=2").unwrap_err().to_string();
        assert!(e.contains("can be specified only once"), "{e}");
        let e = gpus("colour=red").unwrap_err().to_string();
        assert!(e.contains("unexpected key 'colour' in 'colour=red'"), "{e}");
    }

    #[test]
    fn cdi_names() {
        assert_eq!(cdi_name("nvidia.com/gpu=all"), Some("nvidia.com/gpu=all"));
        assert_eq!(
            cdi_name("vendor.example/class=dev-0"),
            Some("vendor.example/class=dev-0")
        );
        assert_eq!(cdi_name("/dev/null"), None);
        assert_eq!(cdi_name("/dev/a=b/c"), None);
        assert_eq!(cdi_name("gpu=all"), None);
    }

    #[test]
    fn modes() {
        assert!(pid_mode("container:x").is_ok());
        assert!(pid_mode("container:").is_err());
        assert!(ipc_mode("container:x").is_ok());
        assert!(userns_mode("keep-id").is_ok());
        assert!(userns_mode("keep-id:uid=1000,gid=100").is_ok());
        assert!(userns_mode("keep-idx").is_err());
        assert_eq!(
            keep_id("keep-id:uid=7,size=9").and_then(Result::ok),
            Some(KeepId {
                uid: Some(7),
                gid: None,
                size: Some(9)
            })
        );
        let msg = |m: &str| match keep_id(m) {
            Some(Err(EngineError::Usage(s))) => s,
            other => panic!("{other:?}"),
        };
        assert_eq!(msg("keep-id:uid"), "invalid option specified: \"uid\"");
        assert_eq!(msg("keep-id:name=x"), "unknown option specified: \"name\"");
        assert_eq!(
            msg("keep-id:uid=x"),
            "strconv.ParseUint: parsing \"x\": invalid syntax"
        );
        assert!(userns_mode("auto").is_err());
        assert!(storage_opts(&["size".into()]).is_err());
        assert!(storage_opts(&[]).is_ok());
    }
}
