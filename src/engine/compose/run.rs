//! `run`: a one-off container of a service (`<project>-<service>-run-<id>`, labelled
//! `com.docker.compose.oneoff=True`), its dependencies brought up first; and finding a
//! service's container by index for `exec`, `cp`, `port`.
use super::convert::{self, LABEL_ONEOFF};
use super::model::Project;
use super::up::{self, UpOptions};
use super::Report;
use crate::engine::container::{self, ContainerInfo, RunOutcome};
use crate::engine::create::{parse, parse_mounts};
use crate::engine::EngineError;
use crate::state::Paths;

fn usage(msg: impl Into<String>) -> EngineError {
    EngineError::Usage(msg.into())
}

/// Container `index` (1-based) of a service, or an error naming what is missing.
pub fn service_container(
    paths: &Paths,
    p: &Project,
    service: &str,
    index: u32,
) -> Result<ContainerInfo, EngineError> {
    if !p.services.contains_key(service) {
        return Err(usage(format!("no such service: {service}")));
    }
    let ctrs = up::service_containers(paths, &p.name, service)?;
    let n = index.to_string();
    ctrs.into_iter()
        .find(|c| c.record.labels.get(convert::LABEL_NUMBER) == Some(&n))
        .ok_or_else(|| {
            EngineError::NotFound(format!(
                "service \"{service}\" is not running container #{index}"
            ))
        })
}

/// `run`'s flags.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub service: String,
    /// The command (empty: the service's).
    pub command: Vec<String>,
    pub detach: bool,
    pub rm: bool,
    pub name: Option<String>,
    pub entrypoint: Option<String>,
    pub env: Vec<String>,
    pub labels: Vec<String>,
    pub volumes: Vec<String>,
    pub publish: Vec<String>,
    pub service_ports: bool,
    pub no_deps: bool,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub tty: bool,
    pub interactive: bool,
    pub build: bool,
}

/// Run a one-off container of a service; in the foreground its exit code comes back.
pub fn run(
    paths: &Paths,
    p: &Project,
    o: &RunOptions,
    report: Report<'_>,
) -> Result<RunOutcome, EngineError> {
    let s = p
        .services
        .get(&o.service)
        .ok_or_else(|| usage(format!("no such service: {}", o.service)))?;
    // Parse everything before anything is created.
    let mut extra_mounts = Vec::new();
    for v in &o.volumes {
        extra_mounts.push(parse_mounts::parse_volume(v)?);
    }
    let mut publish = Vec::new();
    for pb in &o.publish {
        publish.push(parse::publish(pb)?);
    }
    let extra_labels = parse::labels(&[], &o.labels)?;
    if !o.no_deps && !s.depends_on.is_empty() {
        let deps: Vec<String> = s.depends_on.keys().cloned().collect();
        up::up(
            paths,
            p,
            &UpOptions {
                services: deps,
                ..Default::default()
            },
            report,
        )?;
    } else {
        let one = std::iter::once(o.service.clone()).collect();
        super::resources::ensure_networks(paths, p, &one, report)?;
        super::resources::ensure_volumes(paths, p, &one, report)?;
    }
    let image_id = super::resources::ensure_image(paths, p, &o.service, s, o.build, false, report)?;
    let name = match &o.name {
        Some(n) => n.clone(),
        None => {
            let id = crate::engine::create::names::new_id()?;
            format!("{}-{}-run-{}", p.name, o.service, &id[..12])
        }
    };
    let hash = convert::config_hash(s);
    let mut labels = convert::labels(p, &o.service, s, 1, &hash, &image_id, true);
    labels.insert(LABEL_ONEOFF.into(), "True".into());
    labels.extend(extra_labels);
    // A one-off container has no container_name of the service's and no ports unless asked.
    let mut svc = s.clone();
    svc.container_name = None;
    if !o.service_ports {
        svc.ports.clear();
    }
    let mut req = convert::request(paths, p, &o.service, &svc, name, labels)?;
    if !o.command.is_empty() {
        req.command = o.command.clone();
    }
    if let Some(ep) = &o.entrypoint {
        req.entrypoint = parse::entrypoint(Some(ep));
    }
    for e in parse::env_entries(&o.env, |k| p.environment.get(k).cloned()) {
        parse::set_env(&mut req.env, &e, true);
    }
    req.mounts.extend(extra_mounts);
    req.network.publish.extend(publish);
    if o.user.is_some() {
        req.user = o.user.clone();
    }
    if o.workdir.is_some() {
        req.workdir = o.workdir.clone();
    }
    req.tty = o.tty;
    req.interactive = o.interactive;
    req.auto_remove = o.rm;
    // docker compose's one-off containers never restart.
    req.restart = crate::state::restart::RestartPolicy::No;
    container::run(paths, &req, o.detach, &mut std::io::sink())
}
