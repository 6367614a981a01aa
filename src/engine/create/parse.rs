//! docker's flag syntaxes for `run`/`create`, parsed into the request's types: each function
//! takes one flag's value(s) as given and either returns the typed value or docker's error.
//! Files named by flags (`--env-file`, `--label-file`) are read here, on the client side, as
//! docker does. The mount syntaxes are in `parse_mounts`.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::request::{DeviceRequest, PullPolicy, Ulimit};
use crate::engine::EngineError;
use crate::network::ports::{self, ExposedPort, PublishSpec};
use crate::network::Mode;
use crate::runtime::spec::Security;
use crate::state::container::LogConfig;
use crate::state::restart::RestartPolicy;

pub use super::parse_mounts::{
    parse_mount as mount, parse_tmpfs as tmpfs, parse_volume as volume,
    parse_volumes_from as volumes_from,
};

fn usage(msg: impl Into<String>) -> EngineError {
    EngineError::Usage(msg.into())
}

/// `--env-file`s then `-e`s, in order, as `KEY=VALUE` entries: a `KEY` alone takes the value
/// from our environment and is left out when we have none.
pub fn env(files: &[PathBuf], flags: &[String]) -> Result<Vec<String>, EngineError> {
    let mut out = Vec::new();
    for f in files {
        out.extend(env_file(f)?);
    }
    out.extend(env_entries(flags, |k| std::env::var(k).ok()));
    Ok(out)
}

/// `-e` values: `KEY=VALUE` as given, a `KEY` alone from `lookup` (left out when None).
pub fn env_entries(flags: &[String], lookup: impl Fn(&str) -> Option<String>) -> Vec<String> {
    flags
        .iter()
        .filter_map(|e| {
            if e.contains('=') {
                Some(e.clone())
            } else {
                lookup(e).map(|v| format!("{e}={v}"))
            }
        })
        .collect()
}

/// Read a docker env file: `KEY=VALUE` lines, `KEY` alone from our environment, `#` comments
/// and blank lines skipped.
pub fn env_file(path: &Path) -> Result<Vec<String>, EngineError> {
    let text = std::fs::read_to_string(path)
        .map_err(EngineError::io(format!("open {}", path.display())))?;
    Ok(parse_env_file(&text, |k| std::env::var(k).ok()))
}

/// The entries of an env file's text; `lookup` gives the value of a `KEY` alone.
pub fn parse_env_file(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.contains('=') {
            out.push(line.to_string());
        } else if let Some(v) = lookup(line.trim_end()) {
            out.push(format!("{}={v}", line.trim_end()));
        }
    }
    out
}

/// Set `KEY=VALUE` in an environment list: an existing `KEY` is replaced only if `replace`.
pub fn set_env(env: &mut Vec<String>, kv: &str, replace: bool) {
    let key = kv.split('=').next().unwrap_or(kv);
    if let Some(existing) = env.iter_mut().find(|e| e.split('=').next() == Some(key)) {
        if replace {
            *existing = kv.to_string();
        }
    } else {
        env.push(kv.to_string());
    }
}

/// `--label-file`s then `--label`s: `KEY=VALUE` (a `KEY` alone has an empty value).
pub fn labels(
    files: &[PathBuf],
    flags: &[String],
) -> Result<BTreeMap<String, String>, EngineError> {
    let mut lines = Vec::new();
    for f in files {
        let text =
            std::fs::read_to_string(f).map_err(EngineError::io(format!("open {}", f.display())))?;
        lines.extend(
            text.lines()
                .map(|l| l.trim_start())
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from),
        );
    }
    Ok(lines
        .iter()
        .chain(flags.iter())
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or((l.as_str(), ""));
            (k.to_string(), v.to_string())
        })
        .collect())
}

/// `--entrypoint`: an empty string clears the image's entrypoint.
pub fn entrypoint(flag: Option<&str>) -> Option<Vec<String>> {
    flag.map(|ep| {
        if ep.is_empty() {
            Vec::new()
        } else {
            vec![ep.to_string()]
        }
    })
}

/// The security flags together: `--privileged`, `--cap-add`, `--cap-drop`, `--security-opt`,
/// `--read-only`, `--init`.
pub struct SecurityFlags<'a> {
    pub privileged: bool,
    pub cap_add: &'a [String],
    pub cap_drop: &'a [String],
    pub security_opt: &'a [String],
    pub read_only: bool,
    pub init: bool,
}

/// The security settings of `SecurityFlags`. `--security-opt` as docker takes it:
/// `no-new-privileges[=BOOL]`, `seccomp=unconfined|PROFILE.json`, `systempaths=unconfined`,
/// and `label=...` / `apparmor=...`, which docker accepts and ignores on a host without
/// SELinux / AppArmor (skiff applies neither, so it refuses them where the host enforces one).
/// `KEY:VALUE` is docker's old spelling of `KEY=VALUE`.
pub fn security(f: &SecurityFlags<'_>) -> Result<Security, EngineError> {
    let mut no_new_privileges = false;
    let mut seccomp = None;
    let mut unconfined_system_paths = false;
    for o in f.security_opt {
        if o == "systempaths=unconfined" {
            unconfined_system_paths = true;
            continue;
        }
        let (k, v) = match o.split_once('=') {
            Some(kv) => kv,
            None if o == "no-new-privileges" => (o.as_str(), ""),
            None => o.split_once(':').unwrap_or((o.as_str(), "")),
        };
        if v.is_empty() && k != "no-new-privileges" {
            return Err(usage(format!("Invalid --security-opt: {o:?}")));
        }
        let refused = || usage(format!("invalid --security-opt 2: {o:?}"));
        match k {
            "no-new-privileges" => {
                no_new_privileges = match v {
                    "" | "1" | "t" | "T" | "true" | "TRUE" | "True" => true,
                    "0" | "f" | "F" | "false" | "FALSE" | "False" => false,
                    _ => return Err(refused()),
                }
            }
            "seccomp" => seccomp = Some(v.to_string()),
            "label" if v != "disable" && host_enforces("/sys/fs/selinux/enforce", "1") => {
                return Err(usage(format!(
                    "--security-opt {o}: SELinux is enabled on this host and skiff does not apply SELinux labels"
                )))
            }
            "apparmor"
                if v != "unconfined"
                    && host_enforces("/sys/module/apparmor/parameters/enabled", "Y") =>
            {
                return Err(usage(format!(
                    "--security-opt {o}: AppArmor is enabled on this host and skiff does not apply AppArmor profiles"
                )))
            }
            "label" | "apparmor" => {}
            _ => return Err(refused()),
        }
    }
    Ok(Security {
        privileged: f.privileged,
        cap_add: f.cap_add.to_vec(),
        cap_drop: f.cap_drop.to_vec(),
        no_new_privileges,
        readonly_rootfs: f.read_only,
        seccomp,
        init: f.init,
        oom_score_adj: None,
        unconfined_system_paths,
    })
}

/// Whether a kernel security module is on: its switch file reads `on`.
fn host_enforces(switch: &str, on: &str) -> bool {
    std::fs::read_to_string(switch).is_ok_and(|s| s.trim() == on)
}

/// `--network`.
pub fn network_mode(s: &str) -> Result<Mode, EngineError> {
    Mode::parse(s).map_err(|e| usage(e.to_string()))
}

/// One `-p` value.
pub fn publish(s: &str) -> Result<PublishSpec, EngineError> {
    Ok(ports::parse_publish(s)?)
}

/// One `--expose` value (a range gives several ports).
pub fn expose(s: &str) -> Result<Vec<ExposedPort>, EngineError> {
    Ok(ports::parse_expose(s)?)
}

/// `--restart`: no, always, unless-stopped, on-failure[:N].
pub fn restart(s: &str) -> Result<RestartPolicy, EngineError> {
    RestartPolicy::parse(s).map_err(usage)
}

/// `--pull`: always, missing (or empty) or never.
pub fn pull(s: &str) -> Result<PullPolicy, EngineError> {
    match s {
        "missing" | "" => Ok(PullPolicy::Missing),
        "always" => Ok(PullPolicy::Always),
        "never" => Ok(PullPolicy::Never),
        other => Err(usage(format!(
            "invalid pull policy {other:?}: use always, missing or never"
        ))),
    }
}

/// `--platform`: None for the host's own platform; another one only where the host's
/// binfmt_misc has an enabled handler for its architecture (the image of that platform is then
/// pulled and its programs run through the handler); otherwise a clear error.
pub fn platform(p: &str) -> Result<Option<crate::registry::Platform>, EngineError> {
    let want = crate::engine::image::parse_platform(p)?;
    let host = crate::image::host_arch();
    if want.os == "linux" && want.architecture == host {
        return Ok(None);
    }
    if want.os == "linux" && super::parse_extras::binfmt_handles(&want.architecture) {
        return Ok(Some(want));
    }
    Err(usage(format!(
        "platform {p} cannot run on this linux/{host} host: no binfmt_misc handler for {} (install qemu-user-binfmt to run other architectures)",
        want.architecture
    )))
}

/// `--log-driver` and its `--log-opt`s.
pub fn log(driver: &str, opts: &[String]) -> Result<LogConfig, EngineError> {
    LogConfig::parse(driver, opts).map_err(usage)
}

/// `--ulimit NAME=SOFT[:HARD]` (`-1` is unlimited).
pub fn ulimit(s: &str) -> Result<Ulimit, EngineError> {
    let (name, soft, hard) = crate::runtime::spec::parse_ulimit(s)?;
    Ok(Ulimit { name, soft, hard })
}

/// `--device HOST[:CONTAINER[:PERMISSIONS]]` (whether HOST is a device is checked by create).
pub fn device(spec: &str) -> Result<DeviceRequest, EngineError> {
    if let Some(name) = super::parse_extras::cdi_name(spec) {
        return Err(super::parse_extras::cdi_device(name));
    }
    let mut parts = spec.split(':');
    let host = parts.next().unwrap_or_default();
    let ctr = parts.next().filter(|c| !c.is_empty()).unwrap_or(host);
    if let Some(perms) = parts.next() {
        if perms.is_empty() || !perms.chars().all(|c| matches!(c, 'r' | 'w' | 'm')) {
            return Err(usage(format!("invalid device mode: {perms}")));
        }
    }
    if !host.starts_with('/') || !ctr.starts_with('/') {
        return Err(usage(format!("invalid device specification: {spec}")));
    }
    Ok(DeviceRequest {
        host: PathBuf::from(host),
        container: ctr.to_string(),
    })
}

/// `--stop-signal`: a signal name (`TERM`, `SIGTERM`) or number.
pub fn stop_signal(s: &str) -> Result<String, EngineError> {
    match crate::units::parse_signal(s) {
        Some(_) => Ok(s.to_string()),
        None => Err(usage(format!("invalid signal: {s}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_override() {
        let mut env = vec!["PATH=/bin".to_string(), "A=1".to_string()];
        set_env(&mut env, "A=2", true);
        set_env(&mut env, "PATH=/x", false);
        set_env(&mut env, "B=3", true);
        assert_eq!(env, vec!["PATH=/bin", "A=2", "B=3"]);
    }

    #[test]
    fn env_file_lines() {
        let text = "# comment\n\nA=1\nB= two words \nHOME\nUNSET\n";
        let got = parse_env_file(text, |k| (k == "HOME").then(|| "/h".to_string()));
        assert_eq!(got, vec!["A=1", "B= two words ", "HOME=/h"]);
        let flags = ["X=1".to_string(), "HOME".into(), "NOPE".into()];
        let got = env_entries(&flags, |k| (k == "HOME").then(|| "/h".to_string()));
        assert_eq!(got, vec!["X=1", "HOME=/h"]);
    }

    #[test]
    fn small_flags() {
        assert_eq!(pull("").unwrap(), PullPolicy::Missing);
        assert_eq!(pull("never").unwrap(), PullPolicy::Never);
        assert!(pull("sometimes").is_err());
        assert_eq!(entrypoint(Some("")), Some(vec![]));
        assert_eq!(
            entrypoint(Some("/bin/sh")),
            Some(vec!["/bin/sh".to_string()])
        );
        assert_eq!(entrypoint(None), None);
        let d = device("/dev/null:/dev/x:rw").unwrap();
        assert_eq!(
            (d.host.to_str(), d.container.as_str()),
            (Some("/dev/null"), "/dev/x")
        );
        assert!(device("/dev/null:/dev/x:q").is_err());
        assert!(device("null").is_err());
        assert!(stop_signal("SIGUSR1").is_ok());
        assert!(stop_signal("NOPE").is_err());
        let opts = ["seccomp=unconfined".to_string(), "no-new-privileges".into()];
        let s = security(&SecurityFlags {
            privileged: false,
            cap_add: &[],
            cap_drop: &[],
            security_opt: &opts,
            read_only: true,
            init: false,
        })
        .unwrap();
        assert!(s.no_new_privileges && s.readonly_rootfs);
        assert_eq!(s.seccomp.as_deref(), Some("unconfined"));
    }
}
