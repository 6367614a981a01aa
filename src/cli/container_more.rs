//! More of `skiff container ...`: ps with filters and `--format`, logs with `--tail`/`--since`/
//! `--until`, attach, top, prune, stats, pause/unpause and update. Arguments and rendering only.
use std::io::Write;

use super::container::{ago, command_column, status_column, LogsArgs, PsArgs};
use super::render;
use crate::engine::ps::{PsEntry, PsQuery};
use crate::engine::EngineError;
use crate::state::Paths;

const PS_TABLE: &str =
    "table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}\\t{{.Names}}";

/// Column titles of `ps` for docker's field names.
const PS_HEADERS: &[(&str, &str)] = &[
    ("ID", "CONTAINER ID"),
    ("Image", "IMAGE"),
    ("Command", "COMMAND"),
    ("CreatedAt", "CREATED AT"),
    ("RunningFor", "CREATED"),
    ("Status", "STATUS"),
    ("Ports", "PORTS"),
    ("Names", "NAMES"),
    ("Labels", "LABELS"),
    ("Size", "SIZE"),
    ("State", "STATE"),
    ("Mounts", "MOUNTS"),
    ("Networks", "NETWORKS"),
    ("LocalVolumes", "LOCAL VOLUMES"),
];

/// Go's `time.Time.String()` form docker prints for `.CreatedAt`.
fn go_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M:%S +0000 UTC")
                .to_string()
        })
        .unwrap_or_default()
}

/// One `ps` row with docker's field names.
fn ps_row(e: &PsEntry, no_trunc: bool) -> serde_json::Value {
    let r = &e.info.record;
    let id = if no_trunc { &r.id[..] } else { &r.id[..12] };
    let labels = r
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let size = match (e.size_rw, e.size_root) {
        (Some(rw), Some(root)) => format!(
            "{} (virtual {})",
            render::human_size(rw),
            render::human_size(root)
        ),
        _ => "0B".to_string(),
    };
    let mounts = r
        .mounts
        .iter()
        .map(|m| {
            if m.kind == "volume" {
                m.name.clone()
            } else {
                m.source.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    let local_volumes = r.mounts.iter().filter(|m| m.kind == "volume").count();
    serde_json::json!({
        "Command": command_column(&e.info, no_trunc),
        "CreatedAt": go_time(&r.created),
        "ID": id,
        "Image": r.image,
        "Labels": labels,
        "LocalVolumes": local_volumes.to_string(),
        "Mounts": mounts,
        "Names": r.name,
        "Networks": r.network,
        // Published ports come with the networking work.
        "Ports": "",
        "RunningFor": format!("{} ago", render::human_duration(ago(Some(&r.created)))),
        "Size": size,
        "State": e.info.state.status.as_str(),
        "Status": status_column(&e.info),
    })
}

pub fn ps(a: PsArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let last = match (a.last, a.latest) {
        (_, true) => Some(1),
        // docker: -n -1 (or 0) means no limit.
        (Some(n), false) if n > 0 => Some(n as usize),
        _ => None,
    };
    let size = a.size
        || a.format
            .as_deref()
            .is_some_and(|f| f == "json" || f.contains(".Size"));
    let list = crate::engine::ps::ps(
        &paths,
        &PsQuery {
            all: a.all,
            last,
            filters: a.filter.clone(),
            size,
        },
    )?;
    if a.quiet {
        let mut out = std::io::stdout().lock();
        for c in &list {
            let id = &c.info.record.id;
            let _ = writeln!(out, "{}", if a.no_trunc { &id[..] } else { &id[..12] });
        }
        return Ok(0);
    }
    let default = if a.size {
        format!("{PS_TABLE}\\t{{{{.Size}}}}")
    } else {
        PS_TABLE.to_string()
    };
    let fmt = render::ListFormat::parse(a.format.as_deref(), &default)?;
    let rows: Vec<serde_json::Value> = list.iter().map(|e| ps_row(e, a.no_trunc)).collect();
    fmt.print(&rows, PS_HEADERS)?;
    Ok(0)
}

pub fn logs(a: LogsArgs) -> Result<i32, EngineError> {
    use crate::engine::logs as el;
    let paths = Paths::from_env();
    let info = crate::engine::container::get(&paths, &a.container)?;
    let now = chrono::Utc::now();
    let q = el::LogQuery {
        follow: a.follow,
        tail: match &a.tail {
            Some(t) => el::parse_tail(t)?,
            None => None,
        },
        since: a
            .since
            .as_deref()
            .map(|s| el::parse_time(s, now))
            .transpose()?,
        until: a
            .until
            .as_deref()
            .map(|s| el::parse_time(s, now))
            .transpose()?,
    };
    let mut emit = |e: &crate::monitor::log::Entry| {
        let text = if a.timestamps {
            format!("{} {}", e.time, e.log)
        } else {
            e.log.clone()
        };
        if e.stream == "stderr" {
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        } else {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    };
    el::logs(&paths, &info.record.id, &q, &mut emit)?;
    Ok(0)
}

#[derive(Debug, clap::Args)]
pub struct AttachArgs {
    /// Override the key sequence for detaching a container
    #[arg(long, value_name = "KEYS", default_value = crate::engine::attach::DEFAULT_DETACH_KEYS)]
    pub detach_keys: String,
    /// Do not attach STDIN
    #[arg(long)]
    pub no_stdin: bool,
    /// Proxy all received signals to the process
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub sig_proxy: bool,
    pub container: String,
}

pub fn attach(a: AttachArgs) -> Result<i32, EngineError> {
    use crate::engine::attach::{AttachOptions, AttachOutcome};
    let paths = Paths::from_env();
    let opts = AttachOptions {
        container: a.container,
        detach_keys: a.detach_keys,
        no_stdin: a.no_stdin,
        sig_proxy: a.sig_proxy,
    };
    match crate::engine::attach::attach(&paths, &opts)? {
        AttachOutcome::Detached => Ok(0),
        AttachOutcome::Exited(code) => Ok(code),
    }
}
