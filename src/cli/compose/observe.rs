//! `skiff compose events`, `wait`, `attach` and `stats`: watching a project's running
//! containers, and their output as docker compose prints it.
use std::io::Write;

use clap::Args;

use super::project::{load_for, progress};
use crate::engine::compose::{self, events};
use crate::engine::EngineError;
use crate::state::Paths;

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Output events as a stream of json objects
    #[arg(long)]
    pub json: bool,
    /// Show all events created since timestamp
    #[arg(long)]
    pub since: Option<String>,
    /// Stream events until this timestamp
    #[arg(long)]
    pub until: Option<String>,
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Drops project when the first container stops
    #[arg(long)]
    pub down_project: bool,
    #[arg(required = true)]
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct AttachArgs {
    /// Override the key sequence for detaching from a container
    #[arg(long, value_name = "KEYS", default_value = crate::engine::attach::DEFAULT_DETACH_KEYS)]
    pub detach_keys: String,
    /// index of the container if service has multiple replicas
    #[arg(long, default_value_t = 1)]
    pub index: u32,
    /// Do not attach STDIN
    #[arg(long)]
    pub no_stdin: bool,
    /// Proxy all received signals to the process
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub sig_proxy: bool,
    pub service: String,
}

/// Go's `time.RFC3339Nano` (trailing zeros of the fraction dropped), in local time, as Go's
/// JSON encoding of a `time.Time` writes it.
fn rfc3339_nano(nanos: i64) -> String {
    let t = chrono::DateTime::from_timestamp_nanos(nanos).with_timezone(&chrono::Local);
    let frac = format!("{:09}", t.timestamp_subsec_nanos());
    let frac = frac.trim_end_matches('0');
    let zone = t.format("%:z").to_string().replace("+00:00", "Z");
    let dot = if frac.is_empty() { "" } else { "." };
    format!("{}{dot}{frac}{zone}", t.format("%Y-%m-%dT%H:%M:%S"))
}

/// `events`: docker compose's line per container event, or with `--json` its object
/// (`action`, `attributes`, `id`, `service`, `time`, `type`: Go's sorted map keys).
pub fn events(paths: &Paths, opts: &compose::Options, a: EventsArgs) -> Result<i32, EngineError> {
    let p = load_for(opts, &a.services)?;
    for s in &a.services {
        if !p.services.contains_key(s) {
            return Err(EngineError::Usage(format!("no such service: {s}")));
        }
    }
    let mut print = |e: &events::ComposeEvent| -> Result<(), EngineError> {
        let line = if a.json {
            serde_json::json!({
                "action": e.action,
                "attributes": e.attributes,
                "id": e.container,
                "service": e.service,
                "time": rfc3339_nano(e.time_nano),
                "type": "container",
            })
            .to_string()
        } else {
            let t = chrono::DateTime::from_timestamp_nanos(e.time_nano)
                .with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S%.6f");
            let attrs: Vec<String> = e
                .attributes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            // docker compose's event text ends with a newline and is then printed with
            // another: a blank line follows each event. Kept, for scripts that expect it.
            format!(
                "{t} container {} {} ({})\n",
                e.action,
                e.container,
                attrs.join(", ")
            )
        };
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(EngineError::io("writing events"))
    };
    match events::stream(
        paths,
        &p.name,
        &a.services,
        a.since.as_deref(),
        a.until.as_deref(),
        &mut print,
    ) {
        // A closed pipe (`compose events | head`) ends the stream.
        Err(EngineError::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            Ok(0)
        }
        other => other.map(|()| 0),
    }
}

/// `wait`: one line per container as it exits; the exit status is the last one's code.
pub fn wait(paths: &Paths, opts: &compose::Options, a: WaitArgs) -> Result<i32, EngineError> {
    let p = load_for(opts, &a.services)?;
    let on_exit = |id: &str, code: i32| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "container {id:?} exited with status code {code}");
        let _ = out.flush();
    };
    events::wait(paths, &p, &a.services, a.down_project, &on_exit, &progress)
}

/// `attach`: the terminal joined to a service's container (`--index`), as `skiff attach`.
pub fn attach(paths: &Paths, opts: &compose::Options, a: AttachArgs) -> Result<i32, EngineError> {
    use crate::engine::attach::{AttachOptions, AttachOutcome};
    let p = load_for(opts, std::slice::from_ref(&a.service))?;
    let c = compose::run::service_container(paths, &p, &a.service, a.index)?;
    let o = AttachOptions {
        container: c.record.id,
        detach_keys: Some(a.detach_keys),
        no_stdin: a.no_stdin,
        sig_proxy: a.sig_proxy,
    };
    match crate::engine::attach::attach(paths, &o)? {
        AttachOutcome::Detached => Ok(0),
        AttachOutcome::Exited(code) => Ok(code),
    }
}

/// `stats`: `skiff stats` of the project's running containers (of the services named).
pub fn stats(
    paths: &Paths,
    opts: &compose::Options,
    a: crate::cli::container::StatsArgs,
) -> Result<i32, EngineError> {
    let services = a.containers.clone();
    let p = load_for(opts, &services)?;
    for s in &services {
        if !p.services.contains_key(s) {
            return Err(EngineError::Usage(format!("no such service: {s}")));
        }
    }
    let select = || -> Result<Vec<String>, EngineError> {
        let ctrs = compose::service_containers(paths, &p.name, &services, true)?;
        Ok(ctrs.into_iter().map(|c| c.record.id).collect())
    };
    crate::cli::container::stats_of(a, &select)
}
