//! The commands on a project's existing containers: `down`, `stop`, `start`, `restart`,
//! `kill`, `rm`. They find the containers by their labels (project, service), in dependency
//! order (`start`) or its reverse (`down`, `stop`), independent services in parallel.
use std::collections::{BTreeMap, BTreeSet};

use super::convert::LABEL_SERVICE;
use super::model::{Project, Service};
use super::{project_containers, Progress, Report};
use crate::engine::container::{self, ContainerInfo};
use crate::engine::EngineError;
use crate::state::Paths;

/// Stop (if running) and remove one container, reporting it.
pub fn remove_one(
    paths: &Paths,
    c: &ContainerInfo,
    timeout: Option<i64>,
    volumes: bool,
    report: Report<'_>,
) -> Result<(), EngineError> {
    let name = &c.record.name;
    if c.state.status.is_up() || c.state.status == crate::state::container::Status::Restarting {
        report(Progress::resource("Container", name, "Stopping"));
        container::stop(paths, &c.record.id, timeout)?;
        report(Progress::resource("Container", name, "Stopped"));
    }
    report(Progress::resource("Container", name, "Removing"));
    match container::remove(paths, &c.record.id, true, volumes) {
        Ok(()) => {}
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(e),
    }
    report(Progress::resource("Container", name, "Removed"));
    Ok(())
}

/// The services one must start after: its `depends_on`, the service whose network it shares
/// (`network_mode: service:NAME`) and those it takes volumes from (`volumes_from`).
pub fn start_after(s: &Service) -> Vec<&str> {
    let by_network = s
        .network_mode
        .as_deref()
        .and_then(|m| m.strip_prefix("service:"));
    let mut v: Vec<&str> = s.depends_on.keys().map(String::as_str).collect();
    v.extend(by_network);
    v.extend(
        s.volumes_from
            .iter()
            .filter_map(|f| volumes_from_service(f)),
    );
    v.sort();
    v.dedup();
    v
}

/// The service a `volumes_from` entry names (`NAME`, `service:NAME`, with `:ro`/`:rw`), or
/// None for a container (`container:NAME`).
pub fn volumes_from_service(v: &str) -> Option<&str> {
    let target = match v.rsplit_once(':') {
        Some((t, "ro" | "rw")) => t,
        _ => v,
    };
    match target.split_once(':') {
        Some(("service", name)) => Some(name),
        Some(_) => None,
        None => Some(target),
    }
}

/// Services in dependency levels: the first level depends on nothing in `set`, each next
/// level only on earlier ones. Services unknown to the project (orphans) come last.
pub fn levels(p: &Project, set: &BTreeSet<String>) -> Vec<Vec<String>> {
    let mut left: BTreeSet<String> = set.clone();
    let mut out = Vec::new();
    while !left.is_empty() {
        let level: Vec<String> = left
            .iter()
            .filter(|n| {
                p.services
                    .get(*n)
                    .is_none_or(|s| start_after(s).into_iter().all(|d| !left.contains(d)))
            })
            .cloned()
            .collect();
        if level.is_empty() {
            // A cycle cannot be loaded; stay safe anyway.
            out.push(left.iter().cloned().collect());
            break;
        }
        for n in &level {
            left.remove(n);
        }
        out.push(level);
    }
    out
}

/// The project's containers grouped by service (the one-off ones of `run` included when
/// `oneoff`).
fn by_service(
    paths: &Paths,
    p: &Project,
    services: &[String],
    oneoff: bool,
) -> Result<BTreeMap<String, Vec<ContainerInfo>>, EngineError> {
    let mut map: BTreeMap<String, Vec<ContainerInfo>> = BTreeMap::new();
    let mut all = project_containers(paths, &p.name, false)?;
    if oneoff {
        all.extend(project_containers(paths, &p.name, true)?);
    }
    for c in all {
        let svc = c
            .record
            .labels
            .get(LABEL_SERVICE)
            .cloned()
            .unwrap_or_default();
        if services.is_empty() || services.contains(&svc) {
            map.entry(svc).or_default().push(c);
        }
    }
    Ok(map)
}

/// Run `f` on every container, level by level (`reverse`: dependents first), the containers of
/// one level in parallel. The first error is returned once all have run.
fn each_container(
    p: &Project,
    groups: &BTreeMap<String, Vec<ContainerInfo>>,
    reverse: bool,
    f: &(dyn Fn(&ContainerInfo) -> Result<(), EngineError> + Sync),
) -> Result<(), EngineError> {
    let set: BTreeSet<String> = groups.keys().cloned().collect();
    let mut lv = levels(p, &set);
    if reverse {
        lv.reverse();
    }
    let mut first_err = None;
    for level in lv {
        let errs: Vec<EngineError> = std::thread::scope(|scope| {
            let handles: Vec<_> = level
                .iter()
                .flat_map(|s| groups.get(s).into_iter().flatten())
                .map(|c| scope.spawn(move || f(c)))
                .collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().ok().and_then(Result::err))
                .collect()
        });
        if first_err.is_none() {
            first_err = errs.into_iter().next();
        }
    }
    first_err.map_or(Ok(()), Err)
}

/// `down`'s flags.
#[derive(Debug, Clone, Default)]
pub struct DownOptions {
    pub volumes: bool,
    pub remove_orphans: bool,
    pub timeout: Option<i64>,
    /// `--rmi local|all`.
    pub rmi: Option<String>,
}

/// `down`: the project's containers stopped and removed (dependents first), then its networks,
/// and with `volumes` its named volumes.
pub fn down(
    paths: &Paths,
    p: &Project,
    o: &DownOptions,
    report: Report<'_>,
) -> Result<(), EngineError> {
    let mut groups = by_service(paths, p, &[], true)?;
    let known: BTreeSet<&String> = p.services.keys().chain(p.disabled.keys()).collect();
    let orphans: Vec<String> = groups
        .keys()
        .filter(|s| !known.contains(s))
        .cloned()
        .collect();
    if !o.remove_orphans {
        for s in &orphans {
            groups.remove(s);
        }
        if !orphans.is_empty() {
            report(Progress::Warning(format!(
                "Found orphan containers for the services [{}] of this project. Run down with --remove-orphans to remove them.",
                orphans.join(" ")
            )));
        }
    }
    each_container(p, &groups, true, &|c| {
        remove_one(paths, c, o.timeout, true, report)
    })?;
    super::resources::remove_networks(paths, p, report)?;
    if o.volumes {
        super::resources::remove_volumes(paths, p, report)?;
    }
    if let Some(which) = &o.rmi {
        for (name, s) in &p.services {
            if which == "local" && s.image.is_some() {
                continue;
            }
            let image = s.image_name(&p.name, name);
            if crate::engine::image::resolve(paths, &image).is_ok() {
                report(Progress::resource("Image", &image, "Removing"));
                crate::engine::image::remove(paths, &image, false)?;
                report(Progress::resource("Image", &image, "Removed"));
            }
        }
    }
    Ok(())
}

/// What `act` does to the selected services' containers.
#[derive(Debug, Clone)]
pub enum Action {
    Stop(Option<i64>),
    Start,
    Restart(Option<i64>),
    Kill(String),
    /// `rm` (`volumes`: their anonymous volumes too); running ones only when `stop`.
    Remove {
        stop: bool,
        volumes: bool,
    },
    Pause,
    Unpause,
}

/// `stop`, `start`, `restart`, `kill`, `rm`, `pause`, `unpause` on some services (all when
/// `services` is empty).
pub fn act(
    paths: &Paths,
    p: &Project,
    services: &[String],
    action: &Action,
    report: Report<'_>,
) -> Result<(), EngineError> {
    for s in services {
        if !p.services.contains_key(s) {
            return Err(EngineError::Usage(format!("no such service: {s}")));
        }
    }
    let mut services = services.to_vec();
    if matches!(action, Action::Restart(_)) && !services.is_empty() {
        services = with_restart_dependents(p, &services);
    }
    let groups = by_service(paths, p, &services, matches!(action, Action::Remove { .. }))?;
    // Restart goes in dependency order (a dependency first, then what restarts with it), as
    // docker compose does; stopping ones in reverse.
    let reverse = !matches!(action, Action::Start | Action::Unpause | Action::Restart(_));
    each_container(p, &groups, reverse, &|c| {
        let name = c.record.name.as_str();
        let id = c.record.id.as_str();
        let up = c.state.status.is_up();
        let (doing, done) = match action {
            Action::Stop(_) => ("Stopping", "Stopped"),
            Action::Start => ("Starting", "Started"),
            Action::Restart(_) => ("Restarting", "Started"),
            Action::Kill(_) => ("Killing", "Killed"),
            Action::Remove { .. } => ("Removing", "Removed"),
            Action::Pause => ("Pausing", "Paused"),
            Action::Unpause => ("Unpausing", "Unpaused"),
        };
        match action {
            Action::Start if up => return Ok(()),
            Action::Kill(_) | Action::Pause if !up => return Ok(()),
            Action::Remove { stop: false, .. } if up => return Ok(()),
            _ => {}
        }
        report(Progress::resource("Container", name, doing));
        match action {
            Action::Stop(t) => container::stop(paths, id, *t)?,
            Action::Start => {
                container::start_existing(paths, id, false)?;
            }
            Action::Restart(t) => container::restart(paths, id, *t)?,
            Action::Kill(sig) => container::kill(paths, id, sig)?,
            Action::Remove { volumes, .. } => {
                if up {
                    container::stop(paths, id, None)?;
                }
                container::remove(paths, id, true, *volumes)?
            }
            Action::Pause => crate::engine::pause::pause(paths, id)?,
            Action::Unpause => crate::engine::pause::unpause(paths, id)?,
        }
        report(Progress::resource("Container", name, done));
        Ok(())
    })
}

/// `services` and, transitively, the services that depend on one of them with
/// `restart: true` (docker compose restarts those along with their dependency).
pub fn with_restart_dependents(p: &Project, services: &[String]) -> Vec<String> {
    let mut out: BTreeSet<String> = services.iter().cloned().collect();
    loop {
        let more: Vec<String> = p
            .services
            .iter()
            .filter(|(n, s)| {
                !out.contains(*n)
                    && s.depends_on
                        .iter()
                        .any(|(d, dep)| dep.restart && out.contains(d))
            })
            .map(|(n, _)| n.clone())
            .collect();
        if more.is_empty() {
            return out.into_iter().collect();
        }
        out.extend(more);
    }
}
