//! A project's networks, volumes and images: created (or checked, when external) before its
//! containers, removed by `down`. Each carries docker compose's labels, so `down` finds what
//! the project made and leaves the rest alone.
use std::collections::BTreeSet;

use super::convert::{LABEL_NETWORK, LABEL_PROJECT, LABEL_VERSION, LABEL_VOLUME, VERSION};
use super::model::{Project, Service};
use super::{Progress, Report};
use crate::engine::EngineError;
use crate::state::Paths;

fn usage(msg: impl Into<String>) -> EngineError {
    EngineError::Usage(msg.into())
}

/// The networks the selected services use: external ones must exist; the others are created
/// when missing.
pub fn ensure_networks(
    paths: &Paths,
    p: &Project,
    selected: &BTreeSet<String>,
    report: Report<'_>,
) -> Result<(), EngineError> {
    let used: BTreeSet<&String> = selected
        .iter()
        .filter_map(|s| p.services.get(s))
        .flat_map(|s| s.networks.keys())
        .collect();
    for key in used {
        let Some(n) = p.networks.get(key) else {
            continue;
        };
        let exists = crate::network::user::find(paths, &n.name).is_ok();
        if n.external {
            if !exists {
                return Err(usage(format!(
                    "network {} declared as external, but could not be found",
                    n.name
                )));
            }
            continue;
        }
        if exists {
            continue;
        }
        if let Some(d) = n.driver.as_deref().filter(|d| *d != "bridge") {
            return Err(usage(format!(
                "network {key}: driver {d:?} is not supported (bridge only)"
            )));
        }
        report(Progress::resource("Network", &n.name, "Creating"));
        let mut labels = n.labels.clone();
        labels.insert(LABEL_PROJECT.into(), p.name.clone());
        labels.insert(LABEL_NETWORK.into(), key.clone());
        labels.insert(LABEL_VERSION.into(), VERSION.into());
        let req = crate::engine::network::CreateRequest {
            name: n.name.clone(),
            driver: None,
            subnet: n.subnet.clone(),
            gateway: n.gateway.clone(),
            internal: n.internal,
            labels,
            ip_range: None,
            aux_addresses: Vec::new(),
            // compose's driver_opts are `network create -o`.
            options: n.driver_opts.clone(),
            ipv6: false,
        };
        match crate::engine::network::create_network(paths, &req) {
            Ok(_) => report(Progress::resource("Network", &n.name, "Created")),
            // Another `up` made it meanwhile.
            Err(_) if crate::network::user::find(paths, &n.name).is_ok() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The named volumes the selected services mount.
pub fn ensure_volumes(
    paths: &Paths,
    p: &Project,
    selected: &BTreeSet<String>,
    report: Report<'_>,
) -> Result<(), EngineError> {
    let used: BTreeSet<&String> = selected
        .iter()
        .filter_map(|s| p.services.get(s))
        .flat_map(|s| s.volumes.iter())
        .filter(|m| m.kind == "volume")
        .filter_map(|m| m.source.as_ref())
        .collect();
    for key in used {
        let Some(v) = p.volumes.get(key) else {
            continue;
        };
        let exists = crate::engine::volume::get(paths, &v.name).is_ok();
        if v.external {
            if !exists {
                return Err(usage(format!("external volume {:?} not found", v.name)));
            }
            continue;
        }
        if exists {
            continue;
        }
        report(Progress::resource(
            "Volume",
            &format!("\"{}\"", v.name),
            "Creating",
        ));
        let mut labels = v.labels.clone();
        labels.insert(LABEL_PROJECT.into(), p.name.clone());
        labels.insert(LABEL_VOLUME.into(), key.clone());
        labels.insert(LABEL_VERSION.into(), VERSION.into());
        let req = crate::volume::CreateRequest {
            name: Some(v.name.clone()),
            driver: v.driver.clone(),
            options: v.driver_opts.clone().into_iter().collect(),
            labels,
        };
        crate::engine::volume::create(paths, &req)?;
        report(Progress::resource(
            "Volume",
            &format!("\"{}\"", v.name),
            "Created",
        ));
    }
    Ok(())
}

/// The image a service runs, built or pulled as its `build` section, `pull_policy` and the
/// flags say; returns its ID.
pub fn ensure_image(
    paths: &Paths,
    p: &Project,
    name: &str,
    s: &Service,
    build: bool,
    no_build: bool,
    report: Report<'_>,
) -> Result<String, EngineError> {
    let image = s.image_name(&p.name, name);
    let present = crate::engine::image::resolve(paths, &image).ok();
    let policy = s.pull_policy.as_deref().unwrap_or("missing");
    if s.build.is_some() && !no_build && (build || present.is_none() || policy == "build") {
        return build_image(paths, p, name, s, report);
    }
    match present {
        Some(img) if policy != "always" => Ok(img.id),
        _ if policy == "never" => Err(usage(format!(
            "service {name:?}: image {image} not found and pull_policy is never"
        ))),
        _ if s.build.is_some() && no_build => Err(usage(format!(
            "service {name:?}: image {image} not found and --no-build given"
        ))),
        _ => pull_image(paths, name, &image, report),
    }
}

/// Pull one image, reporting docker compose's `Pulling`/`Pulled`.
pub fn pull_image(
    paths: &Paths,
    service: &str,
    image: &str,
    report: Report<'_>,
) -> Result<String, EngineError> {
    report(Progress::resource("", service, "Pulling"));
    let mut sink = std::io::sink();
    let img = crate::engine::image::pull(
        paths,
        image,
        &crate::engine::image::PullOptions {
            quiet: true,
            tls_verify: true,
        },
        &mut sink,
    )?;
    report(Progress::resource("", service, "Pulled"));
    Ok(img.id)
}

/// Build a service's image (tagged as its `image`, else `<project>-<service>`).
pub fn build_image(
    paths: &Paths,
    p: &Project,
    name: &str,
    s: &Service,
    report: Report<'_>,
) -> Result<String, EngineError> {
    let Some(b) = &s.build else {
        return Err(usage(format!("service {name:?} has no build section")));
    };
    let image = s.image_name(&p.name, name);
    report(Progress::resource("Service", name, "Building"));
    let file = std::path::Path::new(&b.context).join(&b.dockerfile);
    let opts = crate::engine::build::BuildOptions {
        context: b.context.clone(),
        file: Some(file.to_string_lossy().into_owned()),
        tags: vec![image.clone()],
        build_args: b
            .args
            .iter()
            .filter_map(|(k, v)| {
                v.clone()
                    .or_else(|| p.environment.get(k).cloned())
                    .map(|v| format!("{k}={v}"))
            })
            .collect(),
        target: b.target.clone(),
        no_cache: b.no_cache,
        pull: b.pull,
        labels: b.labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        network: match b.network.as_deref() {
            Some("none") => "none".into(),
            Some("host") => "host".into(),
            _ => "default".into(),
        },
        platform: None,
        outputs: Vec::new(),
        secrets: Vec::new(),
        tls_verify: true,
        allow: Vec::new(),
        ulimits: Vec::new(),
        cancel: Default::default(),
    };
    let svc = name.to_string();
    let img = crate::engine::build::build(paths, &opts, &mut |ev| {
        use crate::engine::build::BuildEvent;
        let line = match ev {
            BuildEvent::Start { name: step, .. } => Some(step),
            BuildEvent::Log { line, .. } => Some(format!("  {line}")),
            BuildEvent::Error { message, .. } => Some(format!("ERROR: {message}")),
            BuildEvent::Warning(w) => Some(format!("WARNING: {w}")),
            _ => None,
        };
        if let Some(l) = line {
            report(Progress::Output(format!("{svc}  {l}")));
        }
    })?;
    report(Progress::resource("Service", name, "Built"));
    Ok(img.id)
}

/// `down`'s networks: those this project created (by label), removed.
pub fn remove_networks(paths: &Paths, p: &Project, report: Report<'_>) -> Result<(), EngineError> {
    let nets = crate::engine::network::list_networks(
        paths,
        &[format!("label={LABEL_PROJECT}={}", p.name)],
    )?;
    for n in nets {
        report(Progress::resource("Network", &n.name, "Removing"));
        crate::engine::network::remove_network(paths, &n.name)?;
        report(Progress::resource("Network", &n.name, "Removed"));
    }
    Ok(())
}

/// `down -v`: the project's named volumes (not external ones).
pub fn remove_volumes(paths: &Paths, p: &Project, report: Report<'_>) -> Result<(), EngineError> {
    for v in p.volumes.values().filter(|v| !v.external) {
        let Ok(info) = crate::engine::volume::get(paths, &v.name) else {
            continue;
        };
        if info.volume.labels.get(LABEL_PROJECT) != Some(&p.name) {
            continue;
        }
        let shown = format!("\"{}\"", v.name);
        report(Progress::resource("Volume", &shown, "Removing"));
        crate::engine::volume::remove(paths, &v.name, false)?;
        report(Progress::resource("Volume", &shown, "Removed"));
    }
    Ok(())
}
