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
pub(super) fn ps_row(e: &PsEntry, no_trunc: bool) -> serde_json::Value {
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
        "Ports": crate::engine::network::ps_ports(r, e.info.state.status),
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
    let mut fmt = render::ListFormat::parse(a.format.as_deref(), &default)?;
    if a.noheading {
        fmt = fmt.without_header();
    }
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
        // docker: the attributes, then a space, before the line; the time before both.
        let details = if a.details { " " } else { "" };
        let text = if a.timestamps {
            format!("{} {details}{}", e.time, e.log)
        } else {
            format!("{details}{}", e.log)
        };
        if e.stream == "stderr" {
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        } else {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    };
    el::logs(&paths, &info.record.id, &q, &mut emit, &|| true)?;
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

#[derive(Debug, clap::Args)]
#[command(trailing_var_arg = true)]
pub struct TopArgs {
    pub container: String,
    /// ps options (default: docker's `-ef` columns)
    #[arg(allow_hyphen_values = true)]
    pub ps_options: Vec<String>,
}

pub fn top(a: TopArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let (header, rows) = crate::engine::resources::top(&paths, &a.container, &a.ps_options)?;
    let mut tw = render::table();
    let _ = writeln!(tw, "{}", header.join("\t"));
    for r in rows {
        let _ = writeln!(tw, "{}", r.join("\t"));
    }
    render::print_table(tw);
    Ok(0)
}

#[derive(Debug, clap::Args)]
pub struct PruneArgs {
    /// Do not prompt for confirmation
    #[arg(short, long)]
    pub force: bool,
    /// Provide filter values (e.g. "until=<timestamp>", "label=<key>=<value>")
    #[arg(long, value_name = "FILTER")]
    pub filter: Vec<String>,
}

pub fn prune(a: PruneArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    if !a.force && !super::render::confirm("WARNING! This will remove all stopped containers.") {
        return Ok(0);
    }
    let report = crate::engine::prune::prune(&paths, &a.filter)?;
    let mut out = std::io::stdout().lock();
    if !report.deleted.is_empty() {
        let _ = writeln!(out, "Deleted Containers:");
        for id in &report.deleted {
            let _ = writeln!(out, "{id}");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "Total reclaimed space: {}",
        render::human_size(report.reclaimed)
    );
    Ok(0)
}

#[derive(Debug, clap::Args)]
pub struct PauseArgs {
    /// All running (for unpause: paused) containers (podman)
    #[arg(short, long)]
    pub all: bool,
    #[arg(required_unless_present = "all")]
    pub containers: Vec<String>,
}

pub fn pause(a: PauseArgs, pause: bool) -> Result<i32, EngineError> {
    use crate::state::container::Status;
    let paths = Paths::from_env();
    let names = super::container::targets(&paths, a.all, &a.containers, |s| {
        if pause {
            s.status == Status::Running
        } else {
            s.status == Status::Paused
        }
    })?;
    let mut code = 0;
    for n in &names {
        let done = if pause {
            crate::engine::pause::pause(&paths, n)
        } else {
            crate::engine::pause::unpause(&paths, n)
        };
        match done {
            Ok(()) => println!("{n}"),
            Err(e) => {
                eprintln!("Error: {}", render::error_chain(&e));
                code = 1;
            }
        }
    }
    Ok(code)
}

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Show all containers (default shows just running)
    #[arg(short, long)]
    pub all: bool,
    /// Disable streaming stats and only pull the first result
    #[arg(long)]
    pub no_stream: bool,
    /// Do not truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Format output using a custom template ('table', 'table TEMPLATE', 'json' or a Go template)
    #[arg(long)]
    pub format: Option<String>,
    pub containers: Vec<String>,
}

const STATS_TABLE: &str = "table {{.ID}}\\t{{.Name}}\\t{{.CPUPerc}}\\t{{.MemUsage}}\\t{{.MemPerc}}\\t{{.NetIO}}\\t{{.BlockIO}}\\t{{.PIDs}}";

const STATS_HEADERS: &[(&str, &str)] = &[
    ("ID", "CONTAINER ID"),
    ("Container", "CONTAINER"),
    ("Name", "NAME"),
    ("CPUPerc", "CPU %"),
    ("MemUsage", "MEM USAGE / LIMIT"),
    ("MemPerc", "MEM %"),
    ("NetIO", "NET I/O"),
    ("BlockIO", "BLOCK I/O"),
    ("PIDs", "PIDS"),
];

/// docker's binary sizes for memory ("1.5MiB").
fn binary_size(b: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1024.0 && i < units.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}{}", units[i])
}

pub fn stats(a: StatsArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let named = a.containers.clone();
    stats_of(a, &|| {
        if named.is_empty() {
            crate::engine::resources::running_ids(&paths)
        } else {
            Ok(named.clone())
        }
    })
}

/// `stats` of the containers `select` names each round (`compose stats` gives a project's).
pub fn stats_of(
    a: StatsArgs,
    select: &dyn Fn() -> Result<Vec<String>, EngineError>,
) -> Result<i32, EngineError> {
    use crate::engine::resources as res;
    let paths = Paths::from_env();
    let fmt = render::ListFormat::parse(a.format.as_deref(), STATS_TABLE)?;
    loop {
        let names = select()?;
        let samples = res::stats_once(&paths, &names, std::time::Duration::from_millis(500))?;
        let rows: Vec<serde_json::Value> = samples
            .iter()
            .map(|(s, cpu)| {
                let id = if a.no_trunc { &s.id[..] } else { &s.id[..12] };
                let mem_pct = if s.mem_limit > 0 {
                    s.mem as f64 / s.mem_limit as f64 * 100.0
                } else {
                    0.0
                };
                serde_json::json!({
                    "ID": id,
                    "Container": id,
                    "Name": s.name,
                    "CPUPerc": format!("{cpu:.2}%"),
                    "MemUsage": format!("{} / {}", binary_size(s.mem), binary_size(s.mem_limit)),
                    "MemPerc": format!("{mem_pct:.2}%"),
                    "NetIO": format!("{} / {}", render::human_size(s.net_rx), render::human_size(s.net_tx)),
                    "BlockIO": format!("{} / {}", render::human_size(s.blk_read), render::human_size(s.blk_write)),
                    "PIDs": s.pids.to_string(),
                })
            })
            .collect();
        if !a.no_stream {
            // Like docker: redraw in place.
            print!("\x1b[2J\x1b[H");
        }
        fmt.print(&rows, STATS_HEADERS)?;
        if a.no_stream {
            return Ok(0);
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

#[derive(Debug, clap::Args)]
pub struct UpdateArgs {
    /// Restart policy to apply when a container exits
    #[arg(long, value_name = "POLICY")]
    pub restart: Option<String>,
    /// Memory limit (needs a delegated cgroup v2 hierarchy)
    #[arg(short, long, value_name = "BYTES")]
    pub memory: Option<String>,
    /// Number of CPUs (needs a delegated cgroup v2 hierarchy)
    #[arg(long, value_name = "DECIMAL")]
    pub cpus: Option<String>,
    /// Tune container pids limit (needs a delegated cgroup v2 hierarchy)
    #[arg(long, value_name = "N")]
    pub pids_limit: Option<i64>,
    /// Kernel memory limit (deprecated, no longer supported by the kernel: ignored)
    #[arg(long, value_name = "BYTES")]
    pub kernel_memory: Option<String>,
    #[command(flatten)]
    pub resources: super::resource_flags::ResourceFlags,
    #[arg(required = true)]
    pub containers: Vec<String>,
}

pub fn update(a: UpdateArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    if let Some(k) = &a.kernel_memory {
        crate::engine::resources::parse_bytes(k)?;
        eprintln!("{}", super::container::KERNEL_MEMORY_DEPRECATED);
    }
    let mut limits = crate::engine::resources::Limits::parse(
        a.memory.as_deref(),
        a.cpus.as_deref(),
        a.pids_limit,
    )?;
    a.resources.fill(&mut limits)?;
    let mut code = 0;
    for n in &a.containers {
        match crate::engine::resources::update(&paths, n, a.restart.as_deref(), &limits) {
            Ok(()) => println!("{n}"),
            Err(e) => {
                eprintln!("Error: {}", render::error_chain(&e));
                code = 1;
            }
        }
    }
    Ok(code)
}
