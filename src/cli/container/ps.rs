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

/// Whole seconds from `t` (RFC 3339) to now, 0 for none or a time that does not parse.
pub(in crate::cli) fn ago(t: Option<&str>) -> i64 {
    let Some(t) = t else { return 0 };
    if let Some((secs, nanos)) = utc_time(t) {
        if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            // As chrono's `num_seconds` of the difference: cut toward zero.
            let diff = (i128::from(now.as_secs()) - i128::from(secs)) * 1_000_000_000
                + i128::from(now.subsec_nanos())
                - i128::from(nanos);
            return i64::try_from(diff / 1_000_000_000).unwrap_or(0);
        }
    }
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|t| (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_seconds())
        .unwrap_or(0)
}

/// The time skiff writes (`YYYY-MM-DDTHH:MM:SS[.F]Z`, at most nine digits of fraction) as
/// seconds and nanoseconds since the epoch, read directly: `ps` reads two per row, and chrono's
/// RFC 3339 parser was a tenth of a row's work. `None` for any other form (an offset, a leap
/// second, a date that does not exist...), which chrono then reads.
fn utc_time(t: &str) -> Option<(i64, u32)> {
    let b = t.as_bytes();
    if b.len() < 20 || b[b.len() - 1] != b'Z' {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<u32> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0u32, |v, &d| {
            d.is_ascii_digit().then(|| v * 10 + u32::from(d - b'0'))
        })
    };
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if seps.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, min, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month)
        || day == 0
        || day > month_days[month as usize - 1]
        || hour > 23
        || min > 59
        || sec > 59
    {
        return None;
    }
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', frac @ ..] if (1..=9).contains(&frac.len()) => {
            num(20, frac.len())? * 10u32.pow(9 - frac.len() as u32)
        }
        _ => return None,
    };
    // Days from 1970-01-01 to the date (Howard Hinnant's `days_from_civil`).
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + i64::from(hour * 3600 + min * 60 + sec);
    Some((secs, nanos))
}

pub(in crate::cli) fn status_column(s: &ContainerState) -> String {
    let mut out = String::new();
    write_status(&mut out, s);
    out
}

/// [`status_column`], appended to `out`.
fn write_status(out: &mut String, s: &ContainerState) {
    use std::fmt::Write as _;
    let duration = |out: &mut String, t: Option<&str>| render::push_human_duration(out, ago(t));
    match s.status {
        // docker: `Up 3 seconds (healthy)`, `(health: starting)`, `(unhealthy)`.
        Status::Running => {
            out.push_str("Up ");
            duration(out, s.started_at.as_deref());
            if let Some(h) = &s.health {
                out.push_str(" (");
                out.push_str(match h.status {
                    crate::state::health::HealthStatus::Starting => "health: starting",
                    other => other.as_str(),
                });
                out.push(')');
            }
        }
        Status::Exited => {
            let _ = write!(out, "Exited ({})", s.exit_code);
            if let Some(f) = &s.finished_at {
                out.push(' ');
                duration(out, Some(f));
                out.push_str(" ago");
            }
        }
        Status::Created => out.push_str("Created"),
        Status::Paused => {
            out.push_str("Up ");
            duration(out, s.started_at.as_deref());
            out.push_str(" (Paused)");
        }
        Status::Restarting => {
            let _ = write!(out, "Restarting ({}) ", s.exit_code);
            duration(out, s.finished_at.as_deref());
            out.push_str(" ago");
        }
        other => out.push_str(&capitalize(other.as_str())),
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
            render::push_human_duration(out, ago(Some(&r.created)));
            out.push_str(" ago");
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
        "Status" => write_status(out, &e.state),
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

    /// The direct reading of skiff's times gives chrono's answer, and leaves every other form
    /// to it.
    #[test]
    fn utc_times_read_as_chrono_reads_them() {
        let chrono_of = |t: &str| {
            chrono::DateTime::parse_from_rfc3339(t)
                .ok()
                .map(|d| (d.timestamp(), d.timestamp_subsec_nanos()))
        };
        for t in [
            "2026-12-07T22:57:07.598740252Z",
            "2026-12-07T22:57:07Z",
            "2026-12-07T22:57:07.5Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999999999Z",
            "0001-01-01T00:00:00Z",
            "2000-02-29T12:00:00.000000001Z",
            "2024-02-29T23:59:59Z",
            "2100-03-01T00:00:00Z",
            "9999-12-31T23:59:59.123Z",
        ] {
            assert_eq!(utc_time(t), chrono_of(t), "{t}");
            assert!(utc_time(t).is_some(), "{t}");
        }
        for t in [
            "2026-12-07T22:57:07+01:00",
            "2026-12-07T22:57:07.1234567890Z",
            "2026-12-07T22:57:07.Z",
            "2026-12-07t22:57:07Z",
            "2026-12-07T22:57:60Z",
            "2023-02-29T00:00:00Z",
            "2100-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-12-00T00:00:00Z",
            "2026-12-07T24:00:00Z",
            "2026-12-07 22:57:07Z",
            "2026-1a-07T22:57:07Z",
            "+026-12-07T22:57:07Z",
            "2026-12-07T22:57:07.59874025xZ",
            "",
            "Z",
        ] {
            assert_eq!(utc_time(t), None, "{t}");
        }
        // The offsets chrono reads give the same ages.
        let t = "2026-12-07T23:57:07.5+01:00";
        assert_eq!(ago(Some(t)), ago(Some("2026-12-07T22:57:07.5Z")));
        assert_eq!(ago(Some("garbage")), 0);
        assert_eq!(ago(None), 0);
        let past = (chrono::Utc::now() - chrono::Duration::seconds(3725))
            .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
        assert!((3725..=3726).contains(&ago(Some(&past))), "{past}");
    }

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
