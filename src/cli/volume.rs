//! `skiff volume ...`: arguments and rendering.
use std::collections::BTreeMap;
use std::io::Write;

use clap::{Args, Subcommand};

use super::render;
use crate::engine::volume::{self as vol, Filters, VolumeInfo};
use crate::engine::EngineError;
use crate::state::Paths;
use crate::volume::CreateRequest;

#[derive(Debug, Subcommand)]
pub enum VolumeCommand {
    /// Create a volume
    Create(CreateArgs),
    /// List volumes
    #[command(alias = "list")]
    Ls(LsArgs),
    /// Display detailed information on one or more volumes
    Inspect(InspectArgs),
    /// Remove one or more volumes
    #[command(alias = "remove")]
    Rm(RmArgs),
    /// Remove unused local volumes
    Prune(PruneArgs),
    /// Check if a volume exists (podman): exit status 0 if it does, 1 if not
    Exists(super::container::ExistsArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Specify volume driver name (only "local")
    #[arg(short, long, default_value = "local")]
    pub driver: String,
    /// Set driver specific options (type=none, o=bind, device=/path)
    #[arg(short, long = "opt", value_name = "KEY=VALUE")]
    pub opt: Vec<String>,
    /// Set metadata for a volume
    #[arg(long, value_name = "KEY[=VALUE]")]
    pub label: Vec<String>,
    /// Succeed when a volume of that name exists already (podman; Quadlet units use it)
    #[arg(long)]
    pub ignore: bool,
    /// The volume's name (a random one when left out)
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Only display volume names
    #[arg(short, long)]
    pub quiet: bool,
    /// Provide filter values (dangling=, driver=, label=, name=)
    #[arg(short, long)]
    pub filter: Vec<String>,
    /// Format output using a custom template ({{.Name}}, {{.Driver}}, {{json .}}...)
    #[arg(long)]
    pub format: Option<String>,
    /// Do not print the column headings (podman)
    #[arg(long)]
    pub noheading: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Format output using a custom template
    #[arg(short, long)]
    pub format: Option<String>,
    #[arg(required = true)]
    pub volumes: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Do not fail on volumes that do not exist (volumes in use are still refused)
    #[arg(short, long)]
    pub force: bool,
    #[arg(required = true)]
    pub volumes: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Remove all unused volumes, not just anonymous ones
    #[arg(short, long)]
    pub all: bool,
    /// Provide filter values (label=, label!=, all=)
    #[arg(long)]
    pub filter: Vec<String>,
    /// Do not prompt for confirmation
    #[arg(short, long)]
    pub force: bool,
}

pub fn dispatch(cmd: VolumeCommand) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    match cmd {
        VolumeCommand::Create(a) => create(&paths, a),
        VolumeCommand::Ls(a) => ls(&paths, a),
        VolumeCommand::Inspect(a) => inspect(&paths, a),
        VolumeCommand::Rm(a) => rm(&paths, a),
        VolumeCommand::Prune(a) => prune(&paths, a),
        VolumeCommand::Exists(a) => match vol::get(&paths, &a.name) {
            Ok(_) => Ok(0),
            Err(e) if e.is_not_found() => Ok(1),
            Err(e) => Err(e),
        },
    }
}

fn key_values(
    items: &[String],
    what: &str,
    need_value: bool,
) -> Result<BTreeMap<String, String>, EngineError> {
    let mut out = BTreeMap::new();
    for item in items {
        let (k, v) = match item.split_once('=') {
            Some((k, v)) => (k, v),
            None if !need_value => (item.as_str(), ""),
            None => {
                return Err(EngineError::Usage(format!(
                    "invalid {what} {item:?}: expected key=value"
                )))
            }
        };
        if k.is_empty() {
            return Err(EngineError::Usage(format!("invalid {what} {item:?}")));
        }
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

fn create(paths: &Paths, a: CreateArgs) -> Result<i32, EngineError> {
    let req = CreateRequest {
        name: a.name,
        driver: Some(a.driver),
        options: key_values(&a.opt, "option", true)?,
        labels: key_values(&a.label, "label", false)?,
    };
    let v = vol::create(paths, &req)?;
    println!("{}", v.name);
    Ok(0)
}

/// The object `ls --format` templates see.
fn ls_value(i: &VolumeInfo) -> serde_json::Value {
    let labels = i
        .labels()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    serde_json::json!({
        "Name": i.volume.name,
        "Driver": i.volume.driver,
        "Scope": "local",
        "Mountpoint": i.mountpoint,
        "Labels": labels,
        "Links": i.users.len().to_string(),
    })
}

fn ls(paths: &Paths, a: LsArgs) -> Result<i32, EngineError> {
    let filters = Filters::parse(&a.filter, &["dangling", "driver", "label", "name"])?;
    let list = vol::list(paths, &filters)?;
    let mut out = std::io::stdout().lock();
    if a.quiet {
        for i in &list {
            let _ = writeln!(out, "{}", i.volume.name);
        }
        return Ok(0);
    }
    if let Some(f) = a.format.as_deref() {
        let (table, f) = match f.strip_prefix("table") {
            Some(rest) => (true, rest.trim_start()),
            None => (false, f),
        };
        if table && !a.noheading {
            let header = ls_value(&VolumeInfo {
                volume: crate::volume::Volume {
                    name: "VOLUME NAME".into(),
                    driver: "DRIVER".into(),
                    created_at: String::new(),
                    labels: BTreeMap::new(),
                    options: BTreeMap::new(),
                    anonymous: false,
                },
                mountpoint: "MOUNTPOINT".into(),
                users: Vec::new(),
            });
            let mut tw = render::table();
            let mut header = header;
            header["Scope"] = "SCOPE".into();
            header["Labels"] = "LABELS".into();
            header["Links"] = "LINKS".into();
            let _ = writeln!(tw, "{}", render::template(f, &header)?);
            for i in &list {
                let _ = writeln!(tw, "{}", render::template(f, &ls_value(i))?);
            }
            drop(out);
            render::print_table(tw);
            return Ok(0);
        }
        for i in &list {
            let _ = writeln!(out, "{}", render::template(f, &ls_value(i))?);
        }
        return Ok(0);
    }
    drop(out);
    let mut tw = render::table();
    if !a.noheading {
        let _ = writeln!(tw, "DRIVER\tVOLUME NAME");
    }
    for i in &list {
        let _ = writeln!(tw, "{}\t{}", i.volume.driver, i.volume.name);
    }
    render::print_table(tw);
    Ok(0)
}

fn inspect(paths: &Paths, a: InspectArgs) -> Result<i32, EngineError> {
    render::check_inspect_format(a.format.as_deref())?;
    let mut values = Vec::new();
    let mut code = 0;
    for name in &a.volumes {
        match vol::get(paths, name) {
            Ok(i) => values.push(vol::inspect_json(&i)),
            Err(e) => {
                eprintln!("Error: {}", render::error_chain(&e));
                code = 1;
            }
        }
    }
    render::print_inspect(&values, a.format.as_deref())?;
    Ok(code)
}

fn rm(paths: &Paths, a: RmArgs) -> Result<i32, EngineError> {
    let mut code = 0;
    for name in &a.volumes {
        match vol::remove(paths, name, a.force) {
            Ok(()) => println!("{name}"),
            Err(e) => {
                eprintln!("Error: {}", render::error_chain(&e));
                code = 1;
            }
        }
    }
    Ok(code)
}

fn prune(paths: &Paths, a: PruneArgs) -> Result<i32, EngineError> {
    let filters = Filters::parse(&a.filter, &["label", "label!", "all"])?;
    if !a.force {
        let what = if a.all {
            "all local volumes not used by at least one container"
        } else {
            "anonymous local volumes not used by at least one container"
        };
        if !super::render::confirm(&format!("WARNING! This will remove {what}.")) {
            return Ok(0);
        }
    }
    let (removed, bytes) = vol::prune(paths, a.all, &filters)?;
    let mut out = std::io::stdout().lock();
    if !removed.is_empty() {
        let _ = writeln!(out, "Deleted Volumes:");
        for n in &removed {
            let _ = writeln!(out, "{n}");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "Total reclaimed space: {}", render::human_size(bytes));
    Ok(0)
}
