//! Cgroup limits: whether a cgroup v2 hierarchy is delegated to the user, and the refusal of
//! what needs one (`--memory`, `--cpus`, `--pids-limit`, `pause`, `update` of limits) with the
//! reason instead of silently doing nothing.
use std::path::PathBuf;

use super::create::request::Limits;
use super::EngineError;

/// The user's delegated cgroup v2 directory, or why there is none.
pub fn delegated_cgroup() -> Result<PathBuf, String> {
    let root = std::path::Path::new("/sys/fs/cgroup");
    if !root.join("cgroup.controllers").exists() {
        let hybrid = root.join("unified/cgroup.controllers").exists();
        return Err(if hybrid {
            "the machine runs cgroup v1 (hybrid: cgroup v2 is only at /sys/fs/cgroup/unified, \
             with no controllers)"
                .into()
        } else {
            "the machine runs cgroup v1".into()
        });
    }
    let own = std::fs::read_to_string("/proc/self/cgroup")
        .map_err(|e| format!("reading /proc/self/cgroup: {e}"))?;
    let rel = own
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .ok_or("this process is in no cgroup v2 group")?;
    let dir = root.join(rel.trim_start_matches('/'));
    let writable = nix::unistd::access(
        &dir.join("cgroup.subtree_control"),
        nix::unistd::AccessFlags::W_OK,
    )
    .is_ok();
    if !writable {
        return Err(format!(
            "{} is not delegated to your user (no systemd user session with Delegate=yes)",
            dir.display()
        ));
    }
    Ok(dir)
}

/// Fail with a clear message: `what` needs a delegated cgroup v2 hierarchy.
pub fn require_cgroup(what: &str) -> Result<(), EngineError> {
    match delegated_cgroup() {
        Err(why) => Err(EngineError::Usage(format!(
            "{what} needs a cgroup v2 hierarchy delegated to your user (systemd user session); \
             none is available here: {why}"
        ))),
        Ok(dir) => Err(EngineError::Usage(format!(
            "{what} needs the container in its own cgroup, and skiff does not create container \
             cgroups yet (a delegated hierarchy exists at {})",
            dir.display()
        ))),
    }
}

/// Refuse resource limits that cannot be applied (called by `create`).
pub fn check_limits(l: &Limits) -> Result<(), EngineError> {
    for (flag, v) in &l.device_io {
        check_device_io(flag, v)?;
    }
    let effective = l.limiting();
    if effective.is_empty() {
        // docker: --memory 0, --cpus 0 and --pids-limit 0 or -1 mean "no limit".
        return Ok(());
    }
    require_cgroup(&effective.flags())
}

/// docker's syntax of the per-device limits: `/dev/PATH:VALUE`, VALUE a weight (10 to 1000, or
/// 0), a rate in bytes (`1mb`) or a number of operations per second.
pub fn check_device_io(flag: &str, v: &str) -> Result<(), EngineError> {
    let bad =
        |what: &str| EngineError::Usage(format!("invalid argument {v:?} for \"{flag}\": {what}"));
    let (path, value) = v.split_once(':').ok_or_else(|| bad("bad format"))?;
    if !path.starts_with("/dev/") {
        return Err(bad("bad format for device path"));
    }
    let ok = match flag {
        "--blkio-weight-device" => value
            .parse::<u16>()
            .is_ok_and(|w| w == 0 || (10..=1000).contains(&w)),
        "--device-read-bps" | "--device-write-bps" => crate::units::parse_bytes(value).is_some(),
        _ => value.parse::<u64>().is_ok(),
    };
    if ok {
        Ok(())
    } else {
        Err(bad("invalid value for device"))
    }
}
