//! The Compose Specification's keys skiff reads but does not apply, each one either refused
//! (the container would not be what the file asks: a MAC address, a volume subpath, IPv6)
//! or accepted with a warning naming it (hints and swarm-only settings that change nothing
//! a container does here). Nothing valid is ignored without a word.
use serde_json::Value;

use super::raw;

/// The warnings for the keys `f` sets that skiff accepts and does not apply, or an error
/// naming the first key it refuses.
pub fn check(f: &raw::File) -> Result<Vec<String>, String> {
    let mut warn = Vec::new();
    let mut note = |path: String| warn.push(format!("{path}: not supported by skiff, ignored"));
    let refuse = |path: String, why: &str| Err(format!("{path}: not supported by skiff ({why})"));
    for (name, n) in &f.networks {
        let Some(n) = n else { continue };
        let at = format!("networks.{name}");
        if n.enable_ipv6 {
            return refuse(format!("{at}.enable_ipv6"), "its networks are IPv4 only");
        }
        if n.attachable {
            note(format!("{at}.attachable"));
        }
        if let Some(ipam) = &n.ipam {
            if ipam.driver.as_deref().is_some_and(|d| d != "default") {
                return refuse(format!("{at}.ipam.driver"), "the default IPAM only");
            }
            if !ipam.options.is_empty() {
                note(format!("{at}.ipam.options"));
            }
            for (i, c) in ipam.config.iter().enumerate() {
                if c.ip_range.is_some() {
                    note(format!("{at}.ipam.config[{i}].ip_range"));
                }
                if !c.aux_addresses.is_empty() {
                    note(format!("{at}.ipam.config[{i}].aux_addresses"));
                }
            }
            if ipam.config.len() > 1 {
                return refuse(format!("{at}.ipam.config"), "one subnet per network");
            }
        }
    }
    for (kind, objs) in [("secrets", &f.secrets), ("configs", &f.configs)] {
        for (name, o) in objs {
            if o.labels.is_some() {
                note(format!("{kind}.{name}.labels"));
            }
        }
    }
    for (name, s) in &f.services {
        let Some(s) = s else { continue };
        let at = format!("services.{name}");
        for k in s.ignored_keys() {
            note(format!("{at}.{k}"));
        }
        if s.annotations.is_some() {
            note(format!("{at}.annotations"));
        }
        if s.mac_address.is_some() {
            return refuse(
                format!("{at}.mac_address"),
                "user-mode networking picks the container's MAC address",
            );
        }
        if let Some(raw::BuildField::Long(b)) = &s.build {
            if b.dockerfile_inline.is_some() {
                return refuse(
                    format!("{at}.build.dockerfile_inline"),
                    "write the Dockerfile to a file and name it in build.dockerfile",
                );
            }
            for (key, given) in [
                ("cache_from", !b.cache_from.is_empty()),
                ("tags", !b.tags.is_empty()),
                ("platforms", !b.platforms.is_empty()),
            ] {
                if given {
                    note(format!("{at}.build.{key}"));
                }
            }
        }
        if let Some(d) = &s.deploy {
            if d.mode.as_deref().is_some_and(|m| m != "replicated") {
                return refuse(
                    format!("{at}.deploy.mode"),
                    "a swarm's global mode; use replicas",
                );
            }
            for (key, given) in [
                ("placement", d.placement.is_some()),
                ("update_config", d.update_config.is_some()),
                ("rollback_config", d.rollback_config.is_some()),
                ("endpoint_mode", d.endpoint_mode.is_some()),
                ("labels", d.labels.is_some()),
            ] {
                if given {
                    note(format!("{at}.deploy.{key}"));
                }
            }
            if let Some(rp) = d.restart_policy.as_ref().and_then(Value::as_object) {
                for k in rp
                    .keys()
                    .filter(|k| ["delay", "window"].contains(&k.as_str()))
                {
                    note(format!("{at}.deploy.restart_policy.{k}"));
                }
            }
            if let Some(r) = &d.resources {
                resources(r, &format!("{at}.deploy.resources"), &mut note)?;
            }
        }
        if let Some(raw::Networks::Map(m)) = &s.networks {
            for (net, a) in m {
                let Some(a) = a else { continue };
                if a.ipv6_address.is_some() {
                    return refuse(
                        format!("{at}.networks.{net}.ipv6_address"),
                        "its networks are IPv4 only",
                    );
                }
                if a.mac_address.is_some() {
                    return refuse(
                        format!("{at}.networks.{net}.mac_address"),
                        "user-mode networking picks the container's MAC address",
                    );
                }
                if a.priority.is_some() {
                    note(format!("{at}.networks.{net}.priority"));
                }
            }
        }
        for (i, p) in s.ports.iter().enumerate() {
            if let raw::Port::Long(l) = p {
                if l.name.is_some() {
                    note(format!("{at}.ports[{i}].name"));
                }
                if l.app_protocol.is_some() {
                    note(format!("{at}.ports[{i}].app_protocol"));
                }
            }
        }
        for (i, v) in s.volumes.iter().enumerate() {
            let raw::VolumeField::Long(l) = v else {
                continue;
            };
            if l.volume.as_ref().is_some_and(|v| v.subpath.is_some()) {
                return refuse(
                    format!("{at}.volumes[{i}].volume.subpath"),
                    "a volume is mounted whole",
                );
            }
            if l.consistency.is_some() {
                note(format!("{at}.volumes[{i}].consistency"));
            }
            if l.bind.as_ref().is_some_and(|b| b.selinux.is_some()) {
                note(format!("{at}.volumes[{i}].bind.selinux"));
            }
        }
    }
    Ok(warn)
}

/// `deploy.resources`: `limits` (memory, cpus, pids) are applied as `mem_limit`, `cpus`,
/// `pids_limit`; reservations and devices are not.
fn resources(r: &Value, at: &str, note: &mut dyn FnMut(String)) -> Result<(), String> {
    let Some(m) = r.as_object() else {
        return Err(format!("{at}: must be a mapping"));
    };
    for (k, v) in m {
        match k.as_str() {
            "limits" => {
                for lk in v.as_object().map(|o| o.keys()).into_iter().flatten() {
                    if !["memory", "cpus", "pids"].contains(&lk.as_str()) {
                        note(format!("{at}.limits.{lk}"));
                    }
                }
            }
            "reservations" => note(format!("{at}.reservations")),
            other => return Err(format!("{at}.{other}: additional property is not allowed")),
        }
    }
    Ok(())
}

/// `deploy.resources.limits.KEY` as text (`memory: 50M`, `cpus: '0.5'`, `pids: 10`).
pub fn deploy_limit(d: Option<&raw::Deploy>, key: &str) -> Option<String> {
    let v = d?.resources.as_ref()?.get("limits")?.get(key)?;
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `deploy.restart_policy` as a restart policy (`condition: on-failure`, `max_attempts`):
/// `none` is `no`, `any` is `always`.
pub fn deploy_restart(d: Option<&raw::Deploy>) -> Result<Option<String>, String> {
    let Some(rp) = d.and_then(|d| d.restart_policy.as_ref()) else {
        return Ok(None);
    };
    let cond = rp.get("condition").and_then(Value::as_str).unwrap_or("any");
    let max = rp.get("max_attempts").and_then(Value::as_u64);
    Ok(Some(match (cond, max) {
        ("none", _) => "no".into(),
        ("any", _) => "always".into(),
        ("on-failure", Some(n)) => format!("on-failure:{n}"),
        ("on-failure", None) => "on-failure".into(),
        (c, _) => {
            return Err(format!(
                "deploy.restart_policy.condition: must be none, on-failure or any, not {c:?}"
            ))
        }
    }))
}
