//! `skiff compose exec`, `run` and `cp`: commands that run in, or copy to and from, a
//! service's containers.
use std::io::IsTerminal;

use clap::Args;

use super::project::{load_for, progress};
use crate::engine::compose::{self, run as crun};
use crate::engine::container::RunOutcome;
use crate::engine::EngineError;
use crate::state::Paths;

#[derive(Debug, Args)]
#[command(trailing_var_arg = true)]
pub struct ExecArgs {
    /// Detached mode: Run command in the background
    #[arg(short, long)]
    pub detach: bool,
    /// Give extended privileges to the process
    #[arg(long)]
    pub privileged: bool,
    /// Run the command as this user
    #[arg(short, long)]
    pub user: Option<String>,
    /// Disable pseudo-TTY allocation. By default `exec` allocates a TTY when stdin is one
    #[arg(short = 'T', long = "no-TTY")]
    pub no_tty: bool,
    /// Index of the container if service has multiple replicas
    #[arg(long, default_value_t = 1)]
    pub index: u32,
    /// Set environment variables
    #[arg(short, long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Path to workdir directory for this command
    #[arg(short, long)]
    pub workdir: Option<String>,
    pub service: String,
    /// The command and its arguments
    #[arg(required = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
#[command(trailing_var_arg = true)]
pub struct RunArgs {
    /// Run container in background and print container ID
    #[arg(short, long)]
    pub detach: bool,
    /// Automatically remove the container when it exits
    #[arg(long)]
    pub rm: bool,
    /// Assign a name to the container
    #[arg(long)]
    pub name: Option<String>,
    /// Override the entrypoint of the image
    #[arg(long)]
    pub entrypoint: Option<String>,
    /// Set environment variables
    #[arg(short, long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Add or override a label
    #[arg(short, long = "label", value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// Bind mount a volume
    #[arg(short, long = "volume")]
    pub volume: Vec<String>,
    /// Publish a container's port(s) to the host
    #[arg(short, long = "publish")]
    pub publish: Vec<String>,
    /// Run command with all service's ports enabled and mapped to the host
    #[arg(short = 'P', long)]
    pub service_ports: bool,
    /// Don't start linked services
    #[arg(long)]
    pub no_deps: bool,
    /// Build image before starting container
    #[arg(long)]
    pub build: bool,
    /// Run as specified username or uid
    #[arg(short, long)]
    pub user: Option<String>,
    /// Working directory inside the container
    #[arg(short, long)]
    pub workdir: Option<String>,
    /// Disable pseudo-TTY allocation (default: auto-detected)
    #[arg(short = 'T', long = "no-TTY")]
    pub no_tty: bool,
    /// Keep STDIN open even if not attached
    #[arg(short, long)]
    pub interactive: bool,
    /// Don't print anything to STDOUT
    #[arg(short, long)]
    pub quiet: bool,
    pub service: String,
    /// The command and its arguments (default: the service's)
    #[arg(allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CpArgs {
    /// Archive mode (copy all uid/gid information)
    #[arg(short, long)]
    pub archive: bool,
    /// Always follow symbol link in SRC_PATH
    #[arg(short = 'L', long)]
    pub follow_link: bool,
    /// Index of the container if service has multiple replicas
    #[arg(long, default_value_t = 1)]
    pub index: u32,
    /// SERVICE:SRC_PATH or a host path
    pub src: String,
    /// SERVICE:DEST_PATH or a host path
    pub dest: String,
}

pub fn exec(paths: &Paths, opts: &compose::Options, a: ExecArgs) -> Result<i32, EngineError> {
    let p = load_for(opts, std::slice::from_ref(&a.service))?;
    let c = crun::service_container(paths, &p, &a.service, a.index)?;
    let tty = !a.no_tty && !a.detach && std::io::stdin().is_terminal();
    let o = crate::engine::container::ExecOptions {
        container: c.record.id.clone(),
        command: a.command,
        interactive: !a.detach,
        tty,
        detach: a.detach,
        env: a.env,
        env_files: Vec::new(),
        workdir: a.workdir,
        user: a.user,
        privileged: a.privileged,
        resize_fd: None,
        detach_keys: None,
    };
    crate::engine::container::exec(paths, &o)
}

pub fn run(paths: &Paths, opts: &compose::Options, a: RunArgs) -> Result<i32, EngineError> {
    let p = load_for(opts, std::slice::from_ref(&a.service))?;
    let tty = !a.no_tty && !a.detach && std::io::stdin().is_terminal();
    let o = crun::RunOptions {
        service: a.service,
        command: a.command,
        detach: a.detach,
        rm: a.rm,
        name: a.name,
        entrypoint: a.entrypoint,
        env: a.env,
        labels: a.label,
        volumes: a.volume,
        publish: a.publish,
        service_ports: a.service_ports,
        no_deps: a.no_deps,
        user: a.user,
        workdir: a.workdir,
        tty,
        interactive: a.interactive || (!a.detach && tty),
        build: a.build,
    };
    let quiet = a.quiet;
    let report = |pr: compose::Progress| {
        if !quiet {
            progress(pr)
        }
    };
    match crun::run(paths, &p, &o, &report)? {
        RunOutcome::Detached(id) => {
            println!("{id}");
            Ok(0)
        }
        RunOutcome::Exited(code) => Ok(code),
        RunOutcome::DetachedByKeys => Ok(0),
    }
}

/// `cp`: `SERVICE:PATH` names the service's container (`--index`).
pub fn cp(paths: &Paths, opts: &compose::Options, a: CpArgs) -> Result<i32, EngineError> {
    let p = load_for(opts, &[])?;
    let side = |s: &str| -> Result<String, EngineError> {
        match s.split_once(':') {
            Some((svc, path)) if !svc.contains('/') && !svc.is_empty() => {
                let c = crun::service_container(paths, &p, svc, a.index)?;
                Ok(format!("{}:{path}", c.record.name))
            }
            _ => Ok(s.to_string()),
        }
    };
    let o = crate::engine::cp::CpOptions {
        src: side(&a.src)?,
        dest: side(&a.dest)?,
        archive: a.archive,
        follow: a.follow_link,
    };
    crate::engine::cp::cp(paths, &o)?;
    Ok(0)
}
