//! `events` and `wait`: a project's containers watched through the engine's events log (the
//! events of the containers carrying the project's label, one-off ones left out, as docker
//! compose shows them) and waited for until they exit.
use std::collections::BTreeMap;

use super::convert::{LABEL_ONEOFF, LABEL_PROJECT, LABEL_SERVICE};
use super::model::Project;
use super::{project_containers, Report};
use crate::engine::events::EventQuery;
use crate::engine::EngineError;
use crate::state::Paths;

/// One container event of the project, as docker compose's API hands it to its CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeEvent {
    pub time_nano: i64,
    pub service: String,
    /// The container's full id.
    pub container: String,
    /// The action (`create`, `start`, `die`, `health_status: healthy`…).
    pub action: String,
    /// The event's attributes without the `com.docker.compose.*` labels (`name`, `image`,
    /// `exitCode`, the service's own labels).
    pub attributes: BTreeMap<String, String>,
}

/// Stream the project's container events to `f` (those of `services` only, when some are
/// named): from `since` (Docker's time forms) on, until `until` or forever.
pub fn stream(
    paths: &Paths,
    project: &str,
    services: &[String],
    since: Option<&str>,
    until: Option<&str>,
    f: &mut dyn FnMut(&ComposeEvent) -> Result<(), EngineError>,
) -> Result<(), EngineError> {
    let query = EventQuery::parse(
        since,
        until,
        &[
            "type=container".to_string(),
            format!("label={LABEL_PROJECT}={project}"),
        ],
    )?;
    let mut each = |e: &crate::state::events::Event| -> Result<(), EngineError> {
        let attrs = &e.actor.attributes;
        if attrs.get(LABEL_ONEOFF).map(String::as_str) == Some("True") {
            return Ok(());
        }
        let service = attrs.get(LABEL_SERVICE).cloned().unwrap_or_default();
        if !services.is_empty() && !services.contains(&service) {
            return Ok(());
        }
        f(&ComposeEvent {
            time_nano: e.time_nano,
            service,
            container: e.actor.id.clone(),
            action: e.action.clone(),
            attributes: attrs
                .iter()
                .filter(|(k, _)| !k.starts_with("com.docker.compose."))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        })
    };
    crate::engine::events::stream(paths, &query, &mut each, &|| true)
}

/// `wait`: block until the containers of `services` (all the project's, one-off ones too,
/// when none is named) have exited; `on_exit` hears of each (its full id and exit code) as it
/// goes. With `down_project` the project is brought down as soon as the first one exits.
/// The exit code of the last one to exit comes back.
pub fn wait(
    paths: &Paths,
    p: &Project,
    services: &[String],
    down_project: bool,
    on_exit: &(dyn Fn(&str, i32) + Sync),
    report: Report<'_>,
) -> Result<i32, EngineError> {
    for s in services {
        if !p.services.contains_key(s) {
            return Err(EngineError::Usage(format!("no such service: {s}")));
        }
    }
    let mut ctrs = project_containers(paths, &p.name, false)?;
    ctrs.extend(project_containers(paths, &p.name, true)?);
    ctrs.retain(|c| {
        services.is_empty()
            || c.record
                .labels
                .get(LABEL_SERVICE)
                .is_some_and(|s| services.contains(s))
    });
    if ctrs.is_empty() {
        return Err(EngineError::NotFound(format!(
            "no containers for project \"{}\"",
            p.name
        )));
    }
    let (tx, rx) = std::sync::mpsc::channel::<Result<(String, i32), EngineError>>();
    std::thread::scope(|scope| {
        for c in &ctrs {
            let tx = tx.clone();
            scope.spawn(move || {
                let r = crate::engine::container::wait(paths, &c.record.id);
                let _ = tx.send(r.map(|code| (c.record.id.clone(), code)));
            });
        }
        drop(tx);
        let mut last = 0;
        let mut first_err = None;
        let mut downed = false;
        for r in rx {
            match r {
                Ok((id, code)) => {
                    on_exit(&id, code);
                    last = code;
                    if down_project && !downed {
                        downed = true;
                        let o = super::ops::DownOptions {
                            remove_orphans: true,
                            ..Default::default()
                        };
                        if let Err(e) = super::ops::down(paths, p, &o, report) {
                            first_err.get_or_insert(e);
                        }
                    }
                }
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(last),
        }
    })
}
