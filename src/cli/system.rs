//! `info` and `system ...`.
use clap::{Args, Subcommand};

use super::render;
use crate::engine::EngineError;
use crate::state::Paths;

#[derive(Debug, Subcommand)]
pub enum SystemCommand {
    /// Display system-wide information
    Info(InfoArgs),
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
    }
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
