//! `info` and `system ...`.
use clap::{Args, Subcommand};

use super::render;
use crate::engine::EngineError;
use crate::state::Paths;

#[derive(Debug, Subcommand)]
pub enum SystemCommand {
    /// Display system-wide information
    Info(InfoArgs),
    /// Remove unused data
    Prune(PruneArgs),
    /// Show skiff disk usage
    Df(DfArgs),
    /// Get real time events from containers, images, volumes and networks
    Events(EventsArgs),
    /// Serve the Docker Engine API on a socket, until idle
    Service(ServiceArgs),
    /// Proxy stdin and stdout to the API service's socket (the docker CLI's ssh:// transport)
    DialStdio,
}

#[derive(Debug, Args)]
pub struct ServiceArgs {
    /// Exit after this many idle seconds (0: never)
    #[arg(short, long, default_value_t = 5, value_name = "SECONDS")]
    pub time: u64,
    /// Where to listen: unix:///PATH or tcp://HOST:PORT (default:
    /// unix://$XDG_RUNTIME_DIR/skiff/skiff.sock; sockets passed by systemd win)
    pub uri: Option<String>,
}

#[derive(Debug, Args)]
pub struct DfArgs {
    /// Format the output using the given Go template
    #[arg(long)]
    pub format: Option<String>,
    /// Show detailed information on space usage
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Remove all unused images not just dangling ones
    #[arg(short, long)]
    pub all: bool,
    /// Do not prompt for confirmation
    #[arg(short, long)]
    pub force: bool,
    /// Prune anonymous volumes
    #[arg(long)]
    pub volumes: bool,
    /// Provide filter values (e.g. "label=<key>=<value>")
    #[arg(long, value_name = "FILTER")]
    pub filter: Vec<String>,
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Show all events created since timestamp
    #[arg(long)]
    pub since: Option<String>,
    /// Stream events until this timestamp
    #[arg(long)]
    pub until: Option<String>,
    /// Filter output based on conditions provided
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Format the output using the given Go template
    #[arg(long)]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Format the output using the given Go template
    #[arg(short = 'f', long)]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Format the output using the given Go template
    #[arg(short = 'f', long)]
    pub format: Option<String>,
}

pub fn dispatch(c: SystemCommand) -> Result<i32, EngineError> {
    match c {
        SystemCommand::Info(a) => info(a),
        SystemCommand::Prune(a) => prune(a),
        SystemCommand::Df(a) => df(a),
        SystemCommand::Events(a) => events(a),
        SystemCommand::Service(a) => service(a),
        SystemCommand::DialStdio => {
            crate::api::dial_stdio(&Paths::from_env())?;
            Ok(0)
        }
    }
}

/// `system service`: the Docker Engine API until idle for `--time` seconds.
fn service(a: ServiceArgs) -> Result<i32, EngineError> {
    let opts = crate::api::ServiceOptions {
        uri: a.uri,
        idle: (a.time > 0).then(|| std::time::Duration::from_secs(a.time)),
    };
    crate::api::serve(&Paths::from_env(), &opts)?;
    Ok(0)
}

/// `events`: docker's line per event (local time with nanoseconds, type, action, actor and
/// its attributes), or a template per event.
pub fn events(a: EventsArgs) -> Result<i32, EngineError> {
    use std::io::Write;
    let query = crate::engine::events::EventQuery::parse(
        a.since.as_deref(),
        a.until.as_deref(),
        &a.filter,
    )?;
    let template = match a.format.as_deref() {
        None | Some("") => None,
        Some(f) => Some(render::Template::parse(f)?),
    };
    let mut print = |e: &crate::state::events::Event| -> Result<(), EngineError> {
        let line = match &template {
            Some(t) => {
                let v = serde_json::to_value(e).unwrap_or_default();
                t.render(&v)?
            }
            None => {
                let t = chrono::DateTime::from_timestamp_nanos(e.time_nano)
                    .with_timezone(&chrono::Local)
                    .format("%Y-%m-%dT%H:%M:%S%.9f%:z")
                    .to_string()
                    .replace("+00:00", "Z");
                let attrs: Vec<String> = e
                    .actor
                    .attributes
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                let mut l = format!("{t} {} {} {}", e.kind, e.action, e.actor.id);
                if !attrs.is_empty() {
                    l.push_str(&format!(" ({})", attrs.join(", ")));
                }
                l
            }
        };
        let mut out = std::io::stdout().lock();
        // A closed pipe (`skiff events | head`) ends the stream.
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(EngineError::io("writing events"))
    };
    match crate::engine::events::stream(&Paths::from_env(), &query, &mut print, &|| true) {
        Err(EngineError::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            Ok(0)
        }
        other => other.map(|()| 0),
    }
}

/// `system df`: docker's table, or one template line per row (`.Type`, `.TotalCount`,
/// `.Active`, `.Size`, `.Reclaimable`).
pub fn df(a: DfArgs) -> Result<i32, EngineError> {
    if a.verbose {
        return df_verbose();
    }
    let rows = crate::engine::info::disk_usage(&Paths::from_env())?;
    let reclaim = |u: &crate::engine::info::Usage| {
        let size = render::human_size(u.reclaimable);
        if u.kind == "Containers" || u.kind == "Build Cache" || u.size == 0 {
            size
        } else {
            format!("{size} ({}%)", u.reclaimable * 100 / u.size.max(1))
        }
    };
    let values: Vec<serde_json::Value> = rows
        .iter()
        .map(|u| {
            serde_json::json!({
                "Type": u.kind,
                "TotalCount": u.total.to_string(),
                "Active": u.active.to_string(),
                "Size": render::human_size(u.size),
                "Reclaimable": reclaim(u),
            })
        })
        .collect();
    let fmt = render::ListFormat::parse(
        a.format.as_deref(),
        "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
    )?;
    fmt.print(
        &values,
        &[
            ("Type", "TYPE"),
            ("TotalCount", "TOTAL"),
            ("Active", "ACTIVE"),
            ("Size", "SIZE"),
            ("Reclaimable", "RECLAIMABLE"),
        ],
    )?;
    Ok(0)
}

/// `system df -v`: docker's four sections, each a table of docker's columns.
fn df_verbose() -> Result<i32, EngineError> {
    use std::io::Write;
    let v = crate::engine::disk_usage::verbose(&Paths::from_env())?;
    let since = |t: Option<&str>| match t {
        Some(_) => format!("{} ago", render::human_duration(super::container::ago(t))),
        None => "N/A".into(),
    };
    let short = |id: &str| {
        crate::image::digest_hex(id)
            .chars()
            .take(12)
            .collect::<String>()
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(b"Images space usage:\n\n");
    let mut tw = render::table();
    let _ = writeln!(
        tw,
        "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tCONTAINERS"
    );
    for i in &v.images {
        let _ = writeln!(
            tw,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            i.repository,
            i.tag,
            short(&i.id),
            since(i.created.as_deref()),
            render::human_size(i.size),
            render::human_size(i.shared),
            render::human_size(i.size.saturating_sub(i.shared)),
            i.containers
        );
    }
    let _ = out.write_all(&tw.into_inner().unwrap_or_default());
    let _ = out.write_all(b"\nContainers space usage:\n\n");
    let mut tw = render::table();
    let _ = writeln!(
        tw,
        "CONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\tCREATED\tSTATUS\tNAMES"
    );
    for c in &v.containers {
        let r = &c.info.record;
        let _ = writeln!(
            tw,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            &r.id[..12.min(r.id.len())],
            r.image,
            super::container::command_column(&r.path, &r.args, false),
            c.local_volumes,
            render::human_size(c.size),
            since(Some(&r.created)),
            super::container::status_column(&c.info.state),
            r.name
        );
    }
    let _ = out.write_all(&tw.into_inner().unwrap_or_default());
    let _ = out.write_all(b"\nLocal Volumes space usage:\n\n");
    let mut tw = render::table();
    let _ = writeln!(tw, "VOLUME NAME\tLINKS\tSIZE");
    for vol in &v.volumes {
        let _ = writeln!(
            tw,
            "{}\t{}\t{}",
            vol.name,
            vol.links,
            render::human_size(vol.size)
        );
    }
    let _ = out.write_all(&tw.into_inner().unwrap_or_default());
    let _ = write!(
        out,
        "\nBuild cache usage: {}\n\n",
        render::human_size(v.build_cache_size)
    );
    let mut tw = render::table();
    let _ = writeln!(
        tw,
        "CACHE ID\tCACHE TYPE\tSIZE\tCREATED\tLAST USED\tUSAGE\tSHARED"
    );
    for e in &v.build_cache {
        let _ = writeln!(
            tw,
            "{}\tregular\t{}\t{}\t{}\t1\tfalse",
            short(&e.id),
            render::human_size(e.size),
            since(Some(&e.created)),
            since(Some(&e.created))
        );
    }
    let _ = out.write_all(&tw.into_inner().unwrap_or_default());
    Ok(0)
}

/// `system prune`: stopped containers, unused networks, dangling (or all unused) images and,
/// with `--volumes`, unused anonymous volumes; docker's warning and report.
pub fn prune(a: PruneArgs) -> Result<i32, EngineError> {
    use std::io::Write;
    let paths = Paths::from_env();
    if !a.force {
        let mut w = String::from(
            "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n",
        );
        if a.volumes {
            w.push_str("  - all anonymous volumes not used by at least one container\n");
        }
        w.push_str(if a.all {
            "  - all images without at least one container associated to them\n  - all build cache\n"
        } else {
            "  - all dangling images\n  - unused build cache\n"
        });
        if !render::confirm(&w) {
            return Ok(0);
        }
    }
    // Filters that only some kinds know are passed to those (docker takes label and until).
    let pick = |keys: &[&str]| -> Vec<String> {
        a.filter
            .iter()
            .filter(|f| keys.iter().any(|k| f.starts_with(&format!("{k}="))))
            .cloned()
            .collect()
    };
    let containers = crate::engine::prune::prune(&paths, &pick(&["until", "label", "label!"]))?;
    let networks = crate::engine::network::prune_networks(&paths, &pick(&["label"]))?;
    let (volumes, vol_bytes) = if a.volumes {
        let f = crate::engine::volume::Filters::parse(
            &pick(&["label", "label!"]),
            &["label", "label!"],
        )?;
        crate::engine::volume::prune(&paths, false, &f)?
    } else {
        (Vec::new(), 0)
    };
    let img_filters =
        crate::engine::image::ImageFilters::parse(&pick(&["until", "label", "label!"]))?;
    let images = crate::engine::image::prune(&paths, a.all, &img_filters)?;
    let cache = crate::engine::build::prune(&paths, a.all)?;

    let mut out = std::io::stdout().lock();
    let mut section = |title: &str, items: &[String]| {
        if !items.is_empty() {
            let _ = writeln!(out, "{title}:");
            for i in items {
                let _ = writeln!(out, "{i}");
            }
            let _ = writeln!(out);
        }
    };
    section("Deleted Containers", &containers.deleted);
    section("Deleted Networks", &networks);
    section("Deleted Volumes", &volumes);
    let image_lines: Vec<String> = images
        .untagged
        .iter()
        .map(|u| format!("untagged: {u}"))
        .chain(images.deleted.iter().map(|d| format!("deleted: {d}")))
        .collect();
    section("Deleted Images", &image_lines);
    if cache.entries > 0 {
        let _ = writeln!(out, "Deleted build cache objects: {}\n", cache.entries);
    }
    let total = containers.reclaimed + vol_bytes + images.reclaimed + cache.reclaimed;
    let _ = writeln!(out, "Total reclaimed space: {}", render::human_size(total));
    Ok(0)
}

/// `version`: docker's Client and Server sections (both are this binary).
pub fn version(a: VersionArgs) -> Result<i32, EngineError> {
    let uts = nix::sys::utsname::uname().ok();
    let kernel = uts
        .as_ref()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default();
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let v = env!("CARGO_PKG_VERSION");
    let side = serde_json::json!({
        "Version": v,
        "ApiVersion": "1.41",
        "Os": "linux",
        "Arch": arch,
        "KernelVersion": kernel,
        "GoVersion": "",
        "GitCommit": "",
        "BuildTime": "",
    });
    let value = serde_json::json!({"Client": side, "Server": side});
    if let Some(f) = a.format.as_deref() {
        println!("{}", render::template(f, &value)?);
        return Ok(0);
    }
    println!(
        "Client:\n Version:           {v}\n API version:       1.41\n OS/Arch:           linux/{arch}\n Context:           default\n\nServer: skiff\n Engine:\n  Version:          {v}\n  API version:      1.41\n  OS/Arch:          linux/{arch}\n  Kernel Version:   {kernel}"
    );
    Ok(0)
}

pub fn info(a: InfoArgs) -> Result<i32, EngineError> {
    let v = crate::engine::info::info(&Paths::from_env())?;
    if let Some(f) = a.format.as_deref() {
        println!("{}", render::template(f, &v)?);
        return Ok(0);
    }
    let s = |k: &str| match &v[k] {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut out = String::new();
    out.push_str("Client:\n Context:    default\n Debug Mode: false\n\nServer:\n");
    out.push_str(&format!(" Containers: {}\n", s("Containers")));
    out.push_str(&format!("  Running: {}\n", s("ContainersRunning")));
    out.push_str(&format!("  Paused: {}\n", s("ContainersPaused")));
    out.push_str(&format!("  Stopped: {}\n", s("ContainersStopped")));
    out.push_str(&format!(" Images: {}\n", s("Images")));
    out.push_str(&format!(
        " Server Version: {} (skiff)\n",
        s("ServerVersion")
    ));
    out.push_str(&format!(" Storage Driver: {}\n", s("Driver")));
    for pair in v["DriverStatus"].as_array().into_iter().flatten() {
        if let (Some(k), Some(val)) = (pair[0].as_str(), pair[1].as_str()) {
            out.push_str(&format!("  {k}: {val}\n"));
        }
    }
    out.push_str(&format!(" Logging Driver: {}\n", s("LoggingDriver")));
    out.push_str(&format!(" Cgroup Driver: {}\n", s("CgroupDriver")));
    out.push_str(" Security Options:\n");
    for o in v["SecurityOptions"].as_array().into_iter().flatten() {
        let o = o.as_str().unwrap_or_default();
        let mut parts = o.split(',');
        if let Some(name) = parts.next() {
            out.push_str(&format!("  {}\n", name.trim_start_matches("name=")));
        }
        for p in parts {
            if let Some((k, val)) = p.split_once('=') {
                let mut k = k.to_string();
                if let Some(first) = k.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                out.push_str(&format!("   {k}: {val}\n"));
            }
        }
    }
    out.push_str(&format!(" Kernel Version: {}\n", s("KernelVersion")));
    out.push_str(&format!(" Operating System: {}\n", s("OperatingSystem")));
    out.push_str(&format!(" OSType: {}\n", s("OSType")));
    out.push_str(&format!(" Architecture: {}\n", s("Architecture")));
    out.push_str(&format!(" CPUs: {}\n", s("NCPU")));
    let mem = v["MemTotal"].as_u64().unwrap_or(0);
    out.push_str(&format!(
        " Total Memory: {:.4}GiB\n",
        mem as f64 / (1u64 << 30) as f64
    ));
    out.push_str(&format!(" Name: {}\n", s("Name")));
    out.push_str(&format!(" Docker Root Dir: {}\n", s("DockerRootDir")));
    print!("{out}");
    Ok(0)
}
