//! `skiff compose images`, `top`, `port`, `ls`, `version`, and the image commands `build`,
//! `pull`, `push`: arguments and rendering.
use std::io::Write;

use clap::Args;

use super::project::{load_for, progress};
use crate::cli::render;
use crate::engine::compose::{self, convert, resources, run as crun};
use crate::engine::EngineError;
use crate::state::Paths;

#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// Only display IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Format the output: table or json
    #[arg(long, default_value = "table")]
    pub format: String,
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PortArgs {
    /// tcp or udp
    #[arg(long, default_value = "tcp")]
    pub protocol: String,
    /// Index of the container if service has multiple replicas
    #[arg(long, default_value_t = 1)]
    pub index: u32,
    pub service: String,
    pub private_port: u16,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Show all stopped Compose projects
    #[arg(short, long)]
    pub all: bool,
    /// Only display project names
    #[arg(short, long)]
    pub quiet: bool,
    /// Format the output: table or json
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Filter output based on conditions provided (name=NAME)
    #[arg(long)]
    pub filter: Vec<String>,
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Shows only Compose's version number
    #[arg(long)]
    pub short: bool,
    /// Format the output: pretty or json
    #[arg(short, long)]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Do not use cache when building the image
    #[arg(long)]
    pub no_cache: bool,
    /// Always attempt to pull a newer version of the image
    #[arg(long)]
    pub pull: bool,
    /// Set build-time variables for services
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    pub build_arg: Vec<String>,
    /// Don't print anything to STDOUT
    #[arg(short, long)]
    pub quiet: bool,
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Pull what it can and ignores images with pull failures
    #[arg(long)]
    pub ignore_pull_failures: bool,
    /// Pull without printing progress information
    #[arg(short, long)]
    pub quiet: bool,
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Push what it can and ignores images with push failures
    #[arg(long)]
    pub ignore_push_failures: bool,
    /// Push without printing progress information
    #[arg(short, long)]
    pub quiet: bool,
    pub services: Vec<String>,
}

/// `images`: the image of each of the project's containers.
pub fn images(paths: &Paths, opts: &compose::Options, a: ImagesArgs) -> Result<i32, EngineError> {
    let p = load_for(opts, &a.services)?;
    let ctrs = compose::service_containers(paths, &p.name, &a.services, false)?;
    let mut rows = Vec::new();
    for c in &ctrs {
        let img = crate::engine::image::resolve(paths, &c.record.image_id).ok();
        let (repo, tag) = match c
            .record
            .image
            .rsplit_once(':')
            .filter(|(_, t)| !t.contains('/'))
        {
            Some((r, t)) => (r.to_string(), t.to_string()),
            None => (c.record.image.clone(), "latest".to_string()),
        };
        let id = c.record.image_id.trim_start_matches("sha256:").to_string();
        rows.push(serde_json::json!({
            "ContainerName": c.record.name,
            "Repository": repo,
            "Tag": tag,
            "ID": id,
            "Size": img.map(|i| i.size).unwrap_or(0),
        }));
    }
    let mut out = std::io::stdout().lock();
    if a.quiet {
        let mut ids: Vec<String> = rows
            .iter()
            .map(|r| r["ID"].as_str().unwrap_or("").to_string())
            .collect();
        ids.dedup();
        for id in ids {
            let _ = writeln!(out, "{}", &id[..id.len().min(12)]);
        }
        return Ok(0);
    }
    match a.format.as_str() {
        "json" => {
            let _ = writeln!(out, "{}", serde_json::Value::Array(rows));
        }
        "table" => {
            drop(out);
            let mut tw = render::table();
            let _ = writeln!(tw, "CONTAINER\tREPOSITORY\tTAG\tIMAGE ID\tSIZE");
            for r in &rows {
                let id = r["ID"].as_str().unwrap_or("");
                let _ = writeln!(
                    tw,
                    "{}\t{}\t{}\t{}\t{}",
                    r["ContainerName"].as_str().unwrap_or(""),
                    r["Repository"].as_str().unwrap_or(""),
                    r["Tag"].as_str().unwrap_or(""),
                    &id[..id.len().min(12)],
                    render::human_size(r["Size"].as_u64().unwrap_or(0)),
                );
            }
            render::print_table(tw);
        }
        f => {
            return Err(EngineError::Usage(format!(
                "unsupported format {f:?}: table or json"
            )))
        }
    }
    Ok(0)
}

/// `top`: each running container's processes under its name.
pub fn top(
    paths: &Paths,
    opts: &compose::Options,
    services: Vec<String>,
) -> Result<i32, EngineError> {
    let p = load_for(opts, &services)?;
    let ctrs = compose::service_containers(paths, &p.name, &services, true)?;
    for (i, c) in ctrs.iter().enumerate() {
        let (header, rows) = crate::engine::resources::top(paths, &c.record.id, &[])?;
        if i > 0 {
            println!();
        }
        println!("{}", c.record.name);
        let mut tw = render::table();
        let _ = writeln!(tw, "{}", header.join("\t"));
        for r in rows {
            let _ = writeln!(tw, "{}", r.join("\t"));
        }
        render::print_table(tw);
    }
    Ok(0)
}

/// `port`: the host address a container port is published on.
pub fn port(paths: &Paths, opts: &compose::Options, a: PortArgs) -> Result<i32, EngineError> {
    let p = load_for(opts, std::slice::from_ref(&a.service))?;
    let c = crun::service_container(paths, &p, &a.service, a.index)?;
    let ports = crate::engine::network::published_ports(paths, &c.record.id)?;
    let hit = ports
        .iter()
        .find(|m| m.container_port == a.private_port && m.proto.as_str() == a.protocol)
        .ok_or_else(|| {
            EngineError::NotFound(format!(
                "no port {}/{} for container {}",
                a.private_port, a.protocol, c.record.name
            ))
        })?;
    println!("{}:{}", hit.bind_ip(), hit.host_port);
    Ok(0)
}

/// `ls`: the projects with containers (running ones unless `-a`).
pub fn ls(paths: &Paths, a: LsArgs) -> Result<i32, EngineError> {
    let mut list = compose::projects(paths)?;
    list.retain(|p| a.all || p.running);
    for f in &a.filter {
        match f.split_once('=') {
            Some(("name", n)) => list.retain(|p| crate::engine::filter_match(n, &p.name)),
            _ => {
                return Err(EngineError::Usage(format!(
                    "invalid filter {f:?}: name=NAME"
                )))
            }
        }
    }
    if a.quiet {
        for p in &list {
            println!("{}", p.name);
        }
        return Ok(0);
    }
    match a.format.as_str() {
        "json" => {
            let v: Vec<serde_json::Value> = list
                .iter()
                .map(|p| {
                    serde_json::json!({"Name": p.name, "Status": p.status, "ConfigFiles": p.config_files})
                })
                .collect();
            println!("{}", serde_json::Value::Array(v));
        }
        "table" => {
            let mut tw = render::table();
            let _ = writeln!(tw, "NAME\tSTATUS\tCONFIG FILES");
            for p in &list {
                let _ = writeln!(tw, "{}\t{}\t{}", p.name, p.status, p.config_files);
            }
            render::print_table(tw);
        }
        f => {
            return Err(EngineError::Usage(format!(
                "unsupported format {f:?}: table or json"
            )))
        }
    }
    Ok(0)
}

/// `version`.
pub fn version(a: VersionArgs) -> Result<i32, EngineError> {
    let v = convert::VERSION;
    if a.short {
        println!("{v}");
    } else if a.format.as_deref() == Some("json") {
        println!("{}", serde_json::json!({"version": format!("v{v}")}));
    } else {
        println!(
            "skiff compose version v{v} (skiff {}, native Compose)",
            env!("CARGO_PKG_VERSION")
        );
    }
    Ok(0)
}

/// `build`: the images of the services with a build section.
pub fn build(paths: &Paths, opts: &compose::Options, a: BuildArgs) -> Result<i32, EngineError> {
    let p = load_for(opts, &a.services)?;
    let quiet = a.quiet;
    let report = |pr: compose::Progress| {
        if !quiet {
            progress(pr)
        }
    };
    for (name, s) in &p.services {
        if !a.services.is_empty() && !a.services.contains(name) {
            continue;
        }
        let Some(b) = &s.build else { continue };
        let mut s = s.clone();
        if let Some(b2) = &mut s.build {
            b2.no_cache |= a.no_cache;
            b2.pull |= a.pull;
            for kv in &a.build_arg {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                b2.args.insert(k.to_string(), Some(v.to_string()));
            }
        }
        let _ = b;
        resources::build_image(paths, &p, name, &s, &report)?;
    }
    Ok(0)
}

/// `pull`: the images of the services without a build section (or with an `image` too).
pub fn pull(paths: &Paths, opts: &compose::Options, a: PullArgs) -> Result<i32, EngineError> {
    let p = load_for(opts, &a.services)?;
    let quiet = a.quiet;
    let report = |pr: compose::Progress| {
        if !quiet {
            progress(pr)
        }
    };
    let mut code = 0;
    for (name, s) in &p.services {
        if !a.services.is_empty() && !a.services.contains(name) {
            continue;
        }
        let Some(image) = &s.image else { continue };
        if s.build.is_some() && crate::engine::image::resolve(paths, image).is_err() {
            // Built, not pulled, when there is nothing to pull yet (docker compose skips it).
            continue;
        }
        match resources::pull_image(paths, name, image, &report) {
            Ok(_) => {}
            Err(e) if a.ignore_pull_failures => {
                eprintln!("WARN[0000] {name}: {}", render::error_chain(&e));
            }
            Err(e) => {
                eprintln!("Error: {name}: {}", render::error_chain(&e));
                code = 1;
            }
        }
    }
    Ok(code)
}

/// `push`: the images of the services that have an `image` and a `build` section.
pub fn push(paths: &Paths, opts: &compose::Options, a: PushArgs) -> Result<i32, EngineError> {
    let p = load_for(opts, &a.services)?;
    let mut code = 0;
    for (name, s) in &p.services {
        if (!a.services.is_empty() && !a.services.contains(name)) || s.build.is_none() {
            continue;
        }
        let Some(image) = &s.image else { continue };
        if !a.quiet {
            progress(compose::Progress::resource("", name, "Pushing"));
        }
        let mut sink = std::io::sink();
        match crate::engine::image::push(paths, image, None, true, true, &mut sink) {
            Ok(_) => {
                if !a.quiet {
                    progress(compose::Progress::resource("", name, "Pushed"));
                }
            }
            Err(e) if a.ignore_push_failures => {
                eprintln!("WARN[0000] {name}: {}", render::error_chain(&e));
            }
            Err(e) => {
                eprintln!("Error: {name}: {}", render::error_chain(&e));
                code = 1;
            }
        }
    }
    Ok(code)
}
