//! `compose`: Compose files run natively, in this process, with no service. The project model
//! and its loading (`load`: files, `.env`, the project name; `read`: one file, interpolated
//! and checked; `merge`: include, extends, override files; `checks`: profiles and the checks
//! across services), the mapping of a service to the engine's typed create request (`convert`), and the
//! orchestration: `up` (dependency order, config hash, recreate decisions), the commands on
//! existing containers (`ops`), networks, volumes and images (`resources`).
pub mod checks;
pub mod convert;
pub mod events;
pub mod interpolate;
pub mod load;
pub mod merge;
pub mod model;
pub mod ops;
pub mod options;
pub mod raw;
pub mod read;
pub mod resources;
pub mod run;
pub mod unsupported;
pub mod up;

pub use load::{load, Options};
pub use model::Project;

use crate::engine::container::ContainerInfo;
use crate::engine::EngineError;
use crate::state::Paths;

/// What compose reports as it works, for the CLI to render (docker compose's plain progress:
/// ` Container demo-web-1  Started`).
#[derive(Debug, Clone)]
pub enum Progress {
    /// A resource changing state: `kind` is `Network`, `Volume`, `Container`, `Image`,
    /// `Service` or empty (a service being pulled).
    Resource {
        kind: &'static str,
        name: String,
        status: String,
    },
    /// A warning (orphan containers, ignored keys).
    Warning(String),
    /// A line of build output.
    Output(String),
}

impl Progress {
    pub fn resource(kind: &'static str, name: &str, status: &str) -> Progress {
        Progress::Resource {
            kind,
            name: name.to_string(),
            status: status.to_string(),
        }
    }
}

/// Where progress goes; called from several threads.
pub type Report<'a> = &'a (dyn Fn(Progress) + Sync);

/// The containers of a project (by its label): the service containers, or the one-off ones
/// `run` makes (`oneoff`).
pub fn project_containers(
    paths: &Paths,
    project: &str,
    oneoff: bool,
) -> Result<Vec<ContainerInfo>, EngineError> {
    let want = if oneoff { "True" } else { "False" };
    Ok(crate::engine::container::list(paths, true)?
        .into_iter()
        .filter(|c| {
            c.record
                .labels
                .get(convert::LABEL_PROJECT)
                .map(String::as_str)
                == Some(project)
                && c.record
                    .labels
                    .get(convert::LABEL_ONEOFF)
                    .map(String::as_str)
                    .unwrap_or("False")
                    == want
        })
        .collect())
}

/// The project's service containers (not `run`'s) of the services named (all when none is),
/// sorted by name; with `running`, only those whose process is up.
pub fn service_containers(
    paths: &Paths,
    project: &str,
    services: &[String],
    running: bool,
) -> Result<Vec<ContainerInfo>, EngineError> {
    let mut ctrs = project_containers(paths, project, false)?;
    ctrs.retain(|c| {
        (!running || c.state.status.is_up())
            && (services.is_empty()
                || c.record
                    .labels
                    .get(convert::LABEL_SERVICE)
                    .is_some_and(|s| services.contains(s)))
    });
    ctrs.sort_by(|x, y| x.record.name.cmp(&y.record.name));
    Ok(ctrs)
}

/// The normalised project as YAML (`config`).
pub fn to_yaml(p: &Project) -> Result<String, EngineError> {
    // docker compose's layout: list items indented under their key, long strings kept on
    // one line.
    let mut o = serde_saphyr::SerializerOptions::default();
    o.compact_list_indent = false;
    o.prefer_block_scalars = false;
    serde_saphyr::to_string_with_options(p, o).map_err(EngineError::failed("rendering the project"))
}

/// A project as `ls` shows it, from its containers' labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSummary {
    pub name: String,
    /// docker compose's `running(2), exited(1)`.
    pub status: String,
    pub config_files: String,
    pub running: bool,
}

/// Every project with containers in the store, by name.
pub fn projects(paths: &Paths) -> Result<Vec<ProjectSummary>, EngineError> {
    use std::collections::BTreeMap;
    let mut by: BTreeMap<String, (BTreeMap<&'static str, usize>, String)> = BTreeMap::new();
    for c in crate::engine::container::list(paths, true)? {
        let Some(p) = c.record.labels.get(convert::LABEL_PROJECT) else {
            continue;
        };
        let e = by.entry(p.clone()).or_default();
        *e.0.entry(c.state.status.as_str()).or_default() += 1;
        if e.1.is_empty() {
            if let Some(f) = c.record.labels.get(convert::LABEL_CONFIG_FILES) {
                e.1 = f.clone();
            }
        }
    }
    Ok(by
        .into_iter()
        .map(|(name, (counts, files))| ProjectSummary {
            status: counts
                .iter()
                .map(|(s, n)| format!("{s}({n})"))
                .collect::<Vec<_>>()
                .join(", "),
            running: counts.contains_key("running"),
            name,
            config_files: files,
        })
        .collect())
}
