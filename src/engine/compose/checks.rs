//! The checks across a loaded project's services, and what depends on the whole project:
//! profiles, the default network, dependencies that exist and form no cycle, networks,
//! volumes, secrets and configs that are defined.
use std::collections::BTreeSet;

use super::interpolate::Vars;
use super::model::{self, Project};
use super::options::Options;

/// Profiles, the default network, and the checks across services: dependencies that exist and
/// form no cycle, networks, volumes, secrets and configs that are defined.
pub(super) fn finish(p: &mut Project, opts: &Options, vars: &Vars) -> Result<(), String> {
    let mut active: BTreeSet<String> = opts.profiles.iter().cloned().collect();
    if active.is_empty() {
        if let Some(env) = vars.get("COMPOSE_PROFILES") {
            active.extend(
                env.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from),
            );
        }
    }
    for s in &opts.services {
        if !p.services.contains_key(s) {
            return Err(format!("no such service: {s}"));
        }
    }
    let all: BTreeSet<String> = p.services.keys().cloned().collect();
    for (name, s) in &p.services {
        for d in s.depends_on.keys() {
            if !all.contains(d) {
                return Err(format!(
                    "services.{name}.depends_on: service {name:?} depends on undefined service {d:?}"
                ));
            }
        }
        for v in &s.volumes_from {
            if let Some(other) = super::ops::volumes_from_service(v) {
                if !all.contains(other) {
                    return Err(format!(
                        "services.{name}.volumes_from: undefined service {other:?}"
                    ));
                }
            }
        }
        if let Some(m) = &s.network_mode {
            if let Some(other) = m.strip_prefix("service:") {
                if !all.contains(other) {
                    return Err(format!(
                        "services.{name}.network_mode: undefined service {other:?}"
                    ));
                }
            }
        }
        if s.container_name.is_some() && s.replicas() > 1 {
            return Err(format!(
                "services.{name}: container_name is set, so the service cannot have more than one container (scale {})",
                s.replicas()
            ));
        }
    }
    cycle_check(p)?;
    let enabled = |name: &str, s: &model::Service| {
        s.profiles.is_empty()
            || opts.services.iter().any(|x| x == name)
            || active.contains("*")
            || s.profiles.iter().any(|pr| active.contains(pr))
    };
    let names: Vec<String> = p.services.keys().cloned().collect();
    for n in names {
        let keep = p.services.get(&n).is_some_and(|s| enabled(&n, s));
        if !keep {
            if let Some(s) = p.services.remove(&n) {
                p.disabled.insert(n, s);
            }
        }
    }
    for (name, s) in &p.services {
        for (d, dep) in &s.depends_on {
            if dep.required && p.disabled.contains_key(d) {
                return Err(format!(
                    "services.{name}.depends_on: service {d:?} is disabled by its profiles ({}); enable one with --profile",
                    p.disabled.get(d).map(|s| s.profiles.join(", ")).unwrap_or_default()
                ));
            }
        }
    }
    // The default network, for every service that names none.
    let mut needs_default = false;
    for s in p.services.values_mut() {
        if s.networks.is_empty() && s.network_mode.is_none() {
            s.networks.insert("default".into(), None);
        }
        needs_default |= s.networks.contains_key("default");
    }
    if needs_default && !p.networks.contains_key("default") {
        p.networks.insert(
            "default".into(),
            model::Network {
                name: format!("{}_default", p.name),
                ..Default::default()
            },
        );
    }
    for (name, s) in &p.services {
        for n in s.networks.keys() {
            if !p.networks.contains_key(n) {
                return Err(format!(
                    "services.{name}.networks: service {name:?} refers to undefined network {n:?}"
                ));
            }
        }
        for m in &s.volumes {
            if m.kind == "volume" {
                if let Some(src) = &m.source {
                    if !p.volumes.contains_key(src) {
                        return Err(format!(
                            "services.{name}.volumes: service {name:?} refers to undefined volume {src:?}"
                        ));
                    }
                }
            }
        }
        for (kind, refs, defined) in [
            ("secrets", &s.secrets, &p.secrets),
            ("configs", &s.configs, &p.configs),
        ] {
            for r in refs {
                if !defined.contains_key(&r.source) {
                    return Err(format!(
                        "services.{name}.{kind}: service {name:?} refers to undefined {} {:?}",
                        kind.trim_end_matches('s'),
                        r.source
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A dependency cycle is an error naming it (`a -> b -> a`).
fn cycle_check(p: &Project) -> Result<(), String> {
    fn visit(
        n: &str,
        p: &Project,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Result<(), String> {
        if let Some(i) = path.iter().position(|x| x == n) {
            let mut c = path[i..].to_vec();
            c.push(n.to_string());
            return Err(format!("dependency cycle detected: {}", c.join(" -> ")));
        }
        if done.contains(n) {
            return Ok(());
        }
        path.push(n.to_string());
        if let Some(s) = p.services.get(n) {
            for d in super::ops::start_after(s) {
                visit(d, p, path, done)?;
            }
        }
        path.pop();
        done.insert(n.to_string());
        Ok(())
    }
    let mut done = BTreeSet::new();
    for n in p.services.keys() {
        visit(n, p, &mut Vec::new(), &mut done)?;
    }
    Ok(())
}
