//! `update`: changing a container's resource limits and restart policy.

use crate::cli::render;
use crate::engine::EngineError;
use crate::state::Paths;

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
    pub resources: crate::cli::resource_flags::ResourceFlags,
    #[arg(required = true)]
    pub containers: Vec<String>,
}

pub fn update(a: UpdateArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    if let Some(k) = &a.kernel_memory {
        crate::engine::resources::parse_bytes(k)?;
        eprintln!("{}", super::KERNEL_MEMORY_DEPRECATED);
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
