//! `ps`: arguments, filters, docker's columns (command, created, status) and `--format`.
use std::io::Write;

use clap::Args;

use crate::cli::render;
use crate::engine::ps::{PsEntry, PsQuery};
use crate::engine::EngineError;
use crate::state::container::{ContainerState, Status};
use crate::state::Paths;

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Show all containers (default shows just running)
    #[arg(short, long)]
    pub all: bool,
    /// Only display container IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Show n last created containers (includes all states)
    #[arg(short = 'n', long, value_name = "N")]
    pub last: Option<i64>,
    /// Show the latest created container (includes all states)
    #[arg(short, long)]
    pub latest: bool,
    /// Display total file sizes
    #[arg(short, long)]
    pub size: bool,
    /// Filter output based on conditions provided (name, id, label, status, ancestor, exited,
    /// health)
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Format output using a custom template ('table', 'table TEMPLATE', 'json' or a Go template)
    #[arg(long)]
    pub format: Option<String>,
    /// Do not print the column headings (podman)
    #[arg(long)]
    pub noheading: bool,
}

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

/// docker's COMMAND column: the command line quoted, cut to 20 characters with an ellipsis.
pub(in crate::cli) fn command_column(path: &str, args: &[String], no_trunc: bool) -> String {
    let mut cmd = std::iter::once(path)
        .chain(args.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    if !no_trunc && cmd.chars().count() > 20 {
        cmd = cmd.chars().take(19).collect::<String>() + "…";
    }
    format!("\"{cmd}\"")
}

pub(in crate::cli) fn ago(t: Option<&str>) -> i64 {
    t.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_seconds())
        .unwrap_or(0)
}

pub(in crate::cli) fn status_column(s: &ContainerState) -> String {
    match s.status {
        // docker: `Up 3 seconds (healthy)`, `(health: starting)`, `(unhealthy)`.
        Status::Running => match &s.health {
            Some(h) => format!(
                "Up {} ({})",
                render::human_duration(ago(s.started_at.as_deref())),
                match h.status {
                    crate::state::health::HealthStatus::Starting => "health: starting",
                    other => other.as_str(),
                }
            ),
            None => format!(
                "Up {}",
                render::human_duration(ago(s.started_at.as_deref()))
            ),
        },
        Status::Exited => match &s.finished_at {
            Some(f) => format!(
                "Exited ({}) {} ago",
                s.exit_code,
                render::human_duration(ago(Some(f)))
            ),
            None => format!("Exited ({})", s.exit_code),
        },
        Status::Created => "Created".into(),
        Status::Paused => format!(
            "Up {} (Paused)",
            render::human_duration(ago(s.started_at.as_deref()))
        ),
        Status::Restarting => format!(
            "Restarting ({}) {} ago",
            s.exit_code,
            render::human_duration(ago(s.finished_at.as_deref()))
        ),
        other => capitalize(other.as_str()),
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// One `ps` row with docker's field names.
pub(in crate::cli) fn ps_row(e: &PsEntry, no_trunc: bool) -> serde_json::Value {
    ps_row_of(e, no_trunc, &|_| true)
}

/// The fields of a `ps` row that `want` names (a table shows seven of the fourteen: the
/// others are not computed).
fn ps_row_of(e: &PsEntry, no_trunc: bool, want: &dyn Fn(&str) -> bool) -> serde_json::Value {
    let r = &e.summary;
    let mut row = serde_json::Map::new();
    let mut put = |key: &str, value: &dyn Fn() -> String| {
        if want(key) {
            row.insert(key.to_string(), value().into());
        }
    };
    put("Command", &|| command_column(&r.path, &r.args, no_trunc));
    put("CreatedAt", &|| go_time(&r.created));
    put("ID", &|| {
        if no_trunc { &r.id[..] } else { &r.id[..12] }.to_string()
    });
    put("Image", &|| r.image.clone());
    put("Labels", &|| {
        r.labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    });
    put("LocalVolumes", &|| {
        r.mounts
            .iter()
            .filter(|m| m.kind == "volume")
            .count()
            .to_string()
    });
    put("Mounts", &|| {
        r.mounts
            .iter()
            .map(|m| {
                if m.kind == "volume" {
                    m.name.clone()
                } else {
                    m.source.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    });
    put("Names", &|| r.name.clone());
    put("Networks", &|| r.network.to_string());
    put("Ports", &|| {
        crate::engine::network::ps_ports(r, e.state.status)
    });
    put("RunningFor", &|| {
        format!("{} ago", render::human_duration(ago(Some(&r.created))))
    });
    put("Size", &|| match (e.size_rw, e.size_root) {
        (Some(rw), Some(root)) => format!(
            "{} (virtual {})",
            render::human_size(rw),
            render::human_size(root)
        ),
        _ => "0B".to_string(),
    });
    put("State", &|| e.state.status.as_str().to_string());
    put("Status", &|| status_column(&e.state));
    serde_json::Value::Object(row)
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
            let id = &c.summary.id;
            let _ = writeln!(out, "{}", if a.no_trunc { &id[..] } else { &id[..12] });
        }
        return Ok(0);
    }
    let default = if a.size {
        format!("{PS_TABLE}\\t{{{{.Size}}}}")
    } else {
        PS_TABLE.to_string()
    };
    let mut fmt = render::ListFormat::parse(a.format.as_deref(), &default)?;
    if a.noheading {
        fmt = fmt.without_header();
    }
    // Only the fields the format shows (all of them for `json` or a template that is more than
    // `{{.Field}}`s).
    let shown = fmt.fields();
    let want = |k: &str| shown.as_ref().is_none_or(|f| f.contains(&k));
    let rows: Vec<serde_json::Value> = list
        .iter()
        .map(|e| ps_row_of(e, a.no_trunc, &want))
        .collect();
    fmt.print(&rows, PS_HEADERS)?;
    Ok(0)
}
