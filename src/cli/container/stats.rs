//! `stats` and `top`: a container's resource usage and processes.
use std::io::Write;

use crate::cli::render;
use crate::engine::EngineError;
use crate::state::Paths;

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
