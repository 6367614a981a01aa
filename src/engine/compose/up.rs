//! `up`: a project's networks, volumes, images and containers brought to what the files say.
//! Services start in dependency order, independent ones in parallel (one thread per service,
//! each waiting for its dependencies' conditions); a container whose config hash (or image)
//! changed is recreated, the others are left alone.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use super::convert::{self, LABEL_HASH, LABEL_IMAGE, LABEL_NUMBER, LABEL_SERVICE};
use super::model::{Project, Service};
use super::{project_containers, Progress, Report};
use crate::engine::container::{self, ContainerInfo};
use crate::engine::EngineError;
use crate::state::container::Status;
use crate::state::health::HealthStatus;
use crate::state::Paths;

/// `up`'s flags.
#[derive(Debug, Clone, Default)]
pub struct UpOptions {
    /// The services named (empty: all); their dependencies come too unless `no_deps`.
    pub services: Vec<String>,
    pub no_deps: bool,
    pub force_recreate: bool,
    pub no_recreate: bool,
    pub remove_orphans: bool,
    /// `--scale SERVICE=N`.
    pub scale: BTreeMap<String, u32>,
    pub build: bool,
    pub no_build: bool,
    /// `-V`: new anonymous volumes instead of the old containers'.
    pub renew_anon_volumes: bool,
    /// `--no-start`: create only.
    pub no_start: bool,
    /// `-t`: seconds to wait when stopping a container being recreated.
    pub timeout: Option<i64>,
    /// `--wait`: return once every service runs (and is healthy, if it has a health check).
    pub wait: bool,
    pub wait_timeout: Option<Duration>,
}

fn usage(msg: impl Into<String>) -> EngineError {
    EngineError::Usage(msg.into())
}

/// The services `up` (or another command) works on: those named, with their dependencies
/// unless `no_deps`; all when none is named.
pub fn select(p: &Project, names: &[String], deps: bool) -> Result<BTreeSet<String>, EngineError> {
    if names.is_empty() {
        return Ok(p.services.keys().cloned().collect());
    }
    let mut out = BTreeSet::new();
    let mut todo: Vec<String> = names.to_vec();
    while let Some(n) = todo.pop() {
        let s = p
            .services
            .get(&n)
            .ok_or_else(|| usage(format!("no such service: {n}")))?;
        if out.insert(n.clone()) && deps {
            todo.extend(super::ops::start_after(s).into_iter().map(String::from));
        }
    }
    Ok(out)
}

/// Bring the project up.
pub fn up(
    paths: &Paths,
    p: &Project,
    o: &UpOptions,
    report: Report<'_>,
) -> Result<(), EngineError> {
    let selected = select(p, &o.services, !o.no_deps)?;
    for (svc, n) in &o.scale {
        if !p.services.contains_key(svc) {
            return Err(usage(format!("no such service: {svc}")));
        }
        if *n > 1 && p.services[svc].container_name.is_some() {
            return Err(usage(format!(
                "service {svc:?} has a container_name: it cannot be scaled to {n}"
            )));
        }
    }
    super::resources::ensure_networks(paths, p, &selected, report)?;
    super::resources::ensure_volumes(paths, p, &selected, report)?;
    let mut images = BTreeMap::new();
    for name in &selected {
        let s = &p.services[name];
        let id = super::resources::ensure_image(paths, p, name, s, o.build, o.no_build, report)?;
        images.insert(name.clone(), id);
    }
    orphans(paths, p, o.remove_orphans, report)?;
    // Per service: Ok(true) when its containers were recreated or restarted (dependents with
    // `depends_on.restart` then restart), Ok(false) when left alone.
    let done: Mutex<BTreeMap<String, Result<bool, String>>> = Mutex::new(BTreeMap::new());
    let cv = Condvar::new();
    std::thread::scope(|scope| {
        for name in &selected {
            let (done, cv, images, selected) = (&done, &cv, &images, &selected);
            scope.spawn(move || {
                let r = service_thread(paths, p, name, o, images, selected, done, cv, report);
                if let Ok(mut d) = done.lock() {
                    d.insert(name.clone(), r);
                }
                cv.notify_all();
            });
        }
    });
    let results = done.into_inner().unwrap_or_default();
    if let Some(e) = results.into_values().find_map(|r| r.err()) {
        return Err(usage(e));
    }
    if o.wait && !o.no_start {
        wait_all(paths, p, &selected, o.wait_timeout)?;
    }
    Ok(())
}

/// One service's thread: wait for its dependencies, then converge it.
#[allow(clippy::too_many_arguments)]
fn service_thread(
    paths: &Paths,
    p: &Project,
    name: &str,
    o: &UpOptions,
    images: &BTreeMap<String, String>,
    selected: &BTreeSet<String>,
    done: &Mutex<BTreeMap<String, Result<bool, String>>>,
    cv: &Condvar,
    report: Report<'_>,
) -> Result<bool, String> {
    let s = &p.services[name];
    // depends_on with its conditions; the services of `network_mode: service:` and
    // `volumes_from` must have been started (their containers exist) first.
    let started = super::model::Dependency {
        condition: "service_started".into(),
        restart: false,
        required: true,
    };
    let deps: Vec<(&str, &super::model::Dependency)> = super::ops::start_after(s)
        .into_iter()
        .filter(|d| selected.contains(*d))
        .map(|d| (d, s.depends_on.get(d).unwrap_or(&started)))
        .collect();
    // The dependencies' containers exist and were started.
    {
        let mut d = done
            .lock()
            .map_err(|_| "internal error: lock poisoned".to_string())?;
        loop {
            if let Some((dep, _)) = deps
                .iter()
                .find(|(dep, _)| matches!(d.get(*dep), Some(Err(_))))
            {
                return Err(format!(
                    "service {name:?}: dependency {dep:?} failed to start"
                ));
            }
            if deps.iter().all(|(dep, _)| d.contains_key(*dep)) {
                break;
            }
            d = cv
                .wait(d)
                .map_err(|_| "internal error: lock poisoned".to_string())?;
        }
    }
    let restart = {
        let d = done
            .lock()
            .map_err(|_| "internal error: lock poisoned".to_string())?;
        deps.iter()
            .any(|(dep, cond)| cond.restart && matches!(d.get(*dep), Some(Ok(true))))
    };
    if !o.no_start {
        for (dep, cond) in &deps {
            wait_condition(paths, p, dep, &cond.condition, report).map_err(|e| e.to_string())?;
        }
    }
    converge(paths, p, name, s, o, &images[name], restart, report).map_err(|e| e.to_string())
}

/// Wait until `dep`'s containers meet `condition`.
fn wait_condition(
    paths: &Paths,
    p: &Project,
    dep: &str,
    condition: &str,
    report: Report<'_>,
) -> Result<(), EngineError> {
    if condition == "service_started" {
        return Ok(());
    }
    let mut announced = BTreeSet::new();
    loop {
        let ctrs = service_containers(paths, &p.name, dep)?;
        let mut all_ok = true;
        for c in &ctrs {
            let name = c.record.name.clone();
            if announced.insert(name.clone()) {
                report(Progress::resource("Container", &name, "Waiting"));
            }
            match condition {
                "service_healthy" => match c.state.health.as_ref().map(|h| h.status) {
                    Some(HealthStatus::Healthy) => {}
                    Some(HealthStatus::Unhealthy) => {
                        report(Progress::resource("Container", &name, "Error"));
                        return Err(usage(format!(
                            "dependency failed to start: container {name} is unhealthy"
                        )));
                    }
                    None if c
                        .record
                        .healthcheck
                        .as_ref()
                        .is_none_or(|h| h.probe().is_none()) =>
                    {
                        return Err(usage(format!(
                            "dependency failed to start: container {name} has no healthcheck configured"
                        )));
                    }
                    _ => all_ok = false,
                },
                _ => match c.state.status {
                    Status::Exited | Status::Dead if c.state.exit_code == 0 => {}
                    Status::Exited | Status::Dead => {
                        return Err(usage(format!(
                            "service {dep:?} didn't complete successfully: exit {}",
                            c.state.exit_code
                        )));
                    }
                    _ => all_ok = false,
                },
            }
            if condition == "service_healthy" && !c.state.status.is_up() {
                return Err(usage(format!(
                    "dependency failed to start: container {name} exited ({})",
                    c.state.exit_code
                )));
            }
        }
        if all_ok {
            for n in &announced {
                let what = if condition == "service_healthy" {
                    "Healthy"
                } else {
                    "Exited"
                };
                report(Progress::resource("Container", n, what));
            }
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The containers of one service (not the one-off ones), by number.
pub fn service_containers(
    paths: &Paths,
    project: &str,
    service: &str,
) -> Result<Vec<ContainerInfo>, EngineError> {
    let mut v: Vec<ContainerInfo> = project_containers(paths, project, false)?
        .into_iter()
        .filter(|c| c.record.labels.get(LABEL_SERVICE).map(String::as_str) == Some(service))
        .collect();
    v.sort_by_key(number);
    Ok(v)
}

fn number(c: &ContainerInfo) -> u32 {
    c.record
        .labels
        .get(LABEL_NUMBER)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Make a service's containers what the project says: as many as its scale, each with the
/// current config hash and image, running; running ones are restarted when `restart` (a
/// dependency with `restart: true` was recreated). True when a container was recreated or
/// restarted.
#[allow(clippy::too_many_arguments)]
fn converge(
    paths: &Paths,
    p: &Project,
    name: &str,
    s: &Service,
    o: &UpOptions,
    image_id: &str,
    restart: bool,
    report: Report<'_>,
) -> Result<bool, EngineError> {
    let mut touched = false;
    let hash = convert::config_hash(s);
    let want = o.scale.get(name).copied().unwrap_or_else(|| s.replicas());
    let existing = service_containers(paths, &p.name, name)?;
    let mut have = BTreeSet::new();
    for c in &existing {
        let n = number(c);
        let cname = c.record.name.clone();
        if n == 0 || n > want || !have.insert(n) {
            super::ops::remove_one(paths, c, o.timeout, false, report)?;
            continue;
        }
        let changed = c.record.labels.get(LABEL_HASH).map(String::as_str) != Some(hash.as_str())
            || c.record.labels.get(LABEL_IMAGE).map(String::as_str) != Some(image_id);
        if (changed || o.force_recreate) && !o.no_recreate {
            touched = true;
            report(Progress::resource("Container", &cname, "Recreate"));
            container::stop(paths, &c.record.id, o.timeout)?;
            container::remove(paths, &c.record.id, true, o.renew_anon_volumes)?;
            create_and_start(
                paths,
                p,
                name,
                s,
                n,
                &hash,
                image_id,
                o,
                report,
                "Recreated",
            )?;
            continue;
        }
        if o.no_start {
            continue;
        }
        if c.state.status.is_up() && restart {
            touched = true;
            report(Progress::resource("Container", &cname, "Restarting"));
            container::restart(paths, &c.record.id, o.timeout)?;
            report(Progress::resource("Container", &cname, "Restarted"));
        } else if c.state.status.is_up() {
            report(Progress::resource("Container", &cname, "Running"));
        } else {
            report(Progress::resource("Container", &cname, "Starting"));
            container::start_existing(paths, &c.record.id, false)?;
            report(Progress::resource("Container", &cname, "Started"));
        }
    }
    for n in 1..=want {
        if !have.contains(&n) {
            create_and_start(paths, p, name, s, n, &hash, image_id, o, report, "Created")?;
        }
    }
    Ok(touched)
}

#[allow(clippy::too_many_arguments)]
fn create_and_start(
    paths: &Paths,
    p: &Project,
    service: &str,
    s: &Service,
    n: u32,
    hash: &str,
    image_id: &str,
    o: &UpOptions,
    report: Report<'_>,
    created: &str,
) -> Result<(), EngineError> {
    let cname = convert::container_name(p, service, s, n);
    if created == "Created" {
        report(Progress::resource("Container", &cname, "Creating"));
    }
    let labels = convert::labels(p, service, s, n, hash, image_id, false);
    let req = convert::request(paths, p, service, s, cname.clone(), labels)?;
    let id = crate::engine::create::create(paths, &req, &mut std::io::sink())?;
    report(Progress::resource("Container", &cname, created));
    if o.no_start {
        return Ok(());
    }
    report(Progress::resource("Container", &cname, "Starting"));
    let rec = crate::state::container::Containers::new(paths).record(&id)?;
    container::start(paths, &rec, false)?;
    report(Progress::resource("Container", &cname, "Started"));
    Ok(())
}

/// Containers of this project whose service is no longer in the files: removed with
/// `--remove-orphans`, else a warning.
fn orphans(
    paths: &Paths,
    p: &Project,
    remove: bool,
    report: Report<'_>,
) -> Result<(), EngineError> {
    let known: BTreeSet<&String> = p.services.keys().chain(p.disabled.keys()).collect();
    let orphans: Vec<ContainerInfo> = project_containers(paths, &p.name, false)?
        .into_iter()
        .filter(|c| {
            c.record
                .labels
                .get(LABEL_SERVICE)
                .is_none_or(|s| !known.contains(s))
        })
        .collect();
    if orphans.is_empty() {
        return Ok(());
    }
    if remove {
        for c in &orphans {
            super::ops::remove_one(paths, c, None, false, report)?;
        }
    } else {
        let names: Vec<&str> = orphans.iter().map(|c| c.record.name.as_str()).collect();
        report(Progress::Warning(format!(
            "Found orphan containers ([{}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.",
            names.join(" ")
        )));
    }
    Ok(())
}

/// `--wait`: every selected service's containers running, and healthy where they have a check.
fn wait_all(
    paths: &Paths,
    p: &Project,
    selected: &BTreeSet<String>,
    timeout: Option<Duration>,
) -> Result<(), EngineError> {
    let start = Instant::now();
    loop {
        let mut ready = true;
        for name in selected {
            for c in service_containers(paths, &p.name, name)? {
                let healthy = match c.state.health.as_ref().map(|h| h.status) {
                    None | Some(HealthStatus::Healthy) => true,
                    Some(HealthStatus::Unhealthy) => {
                        return Err(usage(format!("container {} is unhealthy", c.record.name)))
                    }
                    _ => false,
                };
                if !c.state.status.is_up() {
                    if c.state.status == Status::Exited && c.state.exit_code == 0 {
                        continue;
                    }
                    return Err(usage(format!(
                        "container {} exited ({})",
                        c.record.name, c.state.exit_code
                    )));
                }
                ready &= healthy;
            }
        }
        if ready {
            return Ok(());
        }
        if timeout.is_some_and(|t| start.elapsed() > t) {
            return Err(usage("timeout waiting for the project's services"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
