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
    let mut out = String::new();
    write_command(&mut out, path, args, no_trunc);
    out
}

/// [`command_column`], appended to `out`.
fn write_command(out: &mut String, path: &str, args: &[String], no_trunc: bool) {
    out.push('"');
    let start = out.len();
    out.push_str(path);
    for a in args {
        out.push(' ');
        out.push_str(a);
    }
    if !no_trunc {
        // The byte where the 20th character starts, if there are more than 20.
        let mut chars = out[start..].char_indices().skip(19);
        if let (Some((cut, _)), Some(_)) = (chars.next(), chars.next()) {
            out.truncate(start + cut);
            out.push('…');
        }
    }
    out.push('"');
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
    let mut row = serde_json::Map::new();
    for (key, _) in PS_FIELDS {
        if want(key) {
            let mut value = String::new();
            write_field(e, no_trunc, key, &mut value);
            row.insert(key.to_string(), value.into());
        }
    }
    serde_json::Value::Object(row)
}

/// The fields of a `ps` row in the order of their names (a JSON row's keys), with their
/// column titles.
const PS_FIELDS: [(&str, &str); 14] = [
    ("Command", "COMMAND"),
    ("CreatedAt", "CREATED AT"),
    ("ID", "CONTAINER ID"),
    ("Image", "IMAGE"),
    ("Labels", "LABELS"),
    ("LocalVolumes", "LOCAL VOLUMES"),
    ("Mounts", "MOUNTS"),
    ("Names", "NAMES"),
    ("Networks", "NETWORKS"),
    ("Ports", "PORTS"),
    ("RunningFor", "CREATED"),
    ("Size", "SIZE"),
    ("State", "STATE"),
    ("Status", "STATUS"),
];

/// Append the `ps` field `key` of `e` to `out` (nothing for a name that is not one: see
/// [`PS_FIELDS`]).
fn write_field(e: &PsEntry, no_trunc: bool, key: &str, out: &mut String) {
    use std::fmt::Write as _;
    let r = &e.summary;
    match key {
        "Command" => write_command(out, &r.path, &r.args, no_trunc),
        "CreatedAt" => out.push_str(&go_time(&r.created)),
        "ID" => out.push_str(if no_trunc { &r.id[..] } else { &r.id[..12] }),
        "Image" => out.push_str(&r.image),
        "Labels" => {
            for (i, (k, v)) in r.labels.iter().enumerate() {
                let sep = if i > 0 { "," } else { "" };
                let _ = write!(out, "{sep}{k}={v}");
            }
        }
        "LocalVolumes" => {
            let n = r.mounts.iter().filter(|m| m.kind == "volume").count();
            let _ = write!(out, "{n}");
        }
        "Mounts" => {
            for (i, m) in r.mounts.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(if m.kind == "volume" {
                    &m.name
                } else {
                    &m.source
                });
            }
        }
        "Names" => out.push_str(&r.name),
        "Networks" => {
            let _ = write!(out, "{}", r.network);
        }
        "Ports" => out.push_str(&crate::engine::network::ps_ports(r, e.state.status)),
        "RunningFor" => {
            let _ = write!(out, "{} ago", render::human_duration(ago(Some(&r.created))));
        }
        "Size" => match (e.size_rw, e.size_root) {
            (Some(rw), Some(root)) => {
                let _ = write!(
                    out,
                    "{} (virtual {})",
                    render::human_size(rw),
                    render::human_size(root)
                );
            }
            _ => out.push_str("0B"),
        },
        "State" => out.push_str(e.state.status.as_str()),
        "Status" => out.push_str(&status_column(&e.state)),
        _ => {}
    }
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
    // A table of `{{.Field}}`s (the default) is written straight from the entries.
    let title = |k: &str| PS_FIELDS.iter().find(|(f, _)| *f == k).map(|(_, t)| *t);
    if fmt.print_fields(&list, title, |e, k, out| write_field(e, a.no_trunc, k, out)) {
        // Not freed: the process ends right after (freeing the entries one by one was 4% of
        // the instructions of a `ps -a` with 100 containers).
        std::mem::forget(list);
        return Ok(0);
    }
    // Only the fields the format shows (all of them for `json` or a template that is more than
    // `{{.Field}}`s).
    let shown = fmt.fields();
    let want = |k: &str| shown.as_ref().is_none_or(|f| f.contains(&k));
    let rows: Vec<serde_json::Value> = list
        .iter()
        .map(|e| ps_row_of(e, a.no_trunc, &want))
        .collect();
    fmt.print(&rows, &PS_FIELDS)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The COMMAND column as docker cuts it: at most 20 characters, the 20th an ellipsis.
    #[test]
    fn command_columns_cut_at_twenty_characters() {
        let joined = |path: &str, args: &[&str]| {
            let cmd = std::iter::once(path)
                .chain(args.iter().copied())
                .collect::<Vec<_>>()
                .join(" ");
            if cmd.chars().count() > 20 {
                format!("\"{}…\"", cmd.chars().take(19).collect::<String>())
            } else {
                format!("\"{cmd}\"")
            }
        };
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        for (path, a) in [
            ("true", &[][..]),
            ("sleep", &["1d"][..]),
            ("12345678901234567890", &[][..]),
            ("123456789012345678901", &[][..]),
            ("sh", &["-c", "échelle été ünïcödé tâche"][..]),
            ("日本語のコマンド", &["引数", "もう一つの引数"][..]),
            ("", &[""][..]),
        ] {
            assert_eq!(command_column(path, &args(a), false), joined(path, a));
            let whole = format!(
                "\"{}\"",
                std::iter::once(path)
                    .chain(a.iter().copied())
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            assert_eq!(command_column(path, &args(a), true), whole);
        }
        assert_eq!(
            command_column("sleep", &args(&["1000000", "&&", "echo"]), false),
            "\"sleep 1000000 && ec…\""
        );
    }
}
