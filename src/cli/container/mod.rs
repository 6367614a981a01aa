//! `skiff container ...` and its top-level shortcuts (`run`, `ps`, `logs`, ...): arguments and
//! rendering, one file per concern. The command tree and `inspect`/`exists` are here.

use clap::{Args, Subcommand};

use crate::cli::render;
use crate::engine::container::{self as ctr};
use crate::engine::EngineError;
use crate::state::Paths;

mod exec;
mod files;
mod lifecycle;
mod logs;
mod port;
mod ps;
mod run;
mod run_spec_flags;
mod stats;
mod update;

pub use exec::*;
pub use files::*;
pub use lifecycle::*;
pub use logs::*;
pub use port::*;
pub use ps::*;
pub use run::*;
pub use stats::*;
pub use update::*;

#[derive(Debug, Subcommand)]
pub enum ContainerCommand {
    /// List containers
    #[command(alias = "list", alias = "ps")]
    Ls(PsArgs),
    /// Create and run a new container from an image
    Run(Box<RunArgs>),
    /// Fetch the logs of a container
    Logs(LogsArgs),
    /// Stop one or more running containers
    Stop(StopArgs),
    /// Remove one or more containers
    #[command(alias = "remove")]
    Rm(RmArgs),
    /// Block until one or more containers stop, then print their exit codes
    Wait(WaitArgs),
    /// Display detailed information on one or more containers
    Inspect(ContainerInspectArgs),
    /// Create a new container
    Create(Box<RunArgs>),
    /// Start one or more stopped containers
    Start(StartArgs),
    /// Kill one or more running containers
    Kill(KillArgs),
    /// Rename a container
    Rename(RenameArgs),
    /// Restart one or more containers
    Restart(StopArgs),
    /// Execute a command in a running container
    Exec(ExecArgs),
    /// Attach local standard input, output, and error streams to a running container
    Attach(AttachArgs),
    /// Display the running processes of a container
    Top(TopArgs),
    /// Remove all stopped containers
    Prune(PruneArgs),
    /// Pause all processes within one or more containers
    Pause(PauseArgs),
    /// Unpause all processes within one or more containers
    Unpause(PauseArgs),
    /// Display a live stream of container(s) resource usage statistics
    Stats(StatsArgs),
    /// Update configuration of one or more containers
    Update(Box<UpdateArgs>),
    /// Copy files/folders between a container and the local filesystem
    Cp(CpArgs),
    /// Inspect changes to files or directories on a container's filesystem
    Diff(DiffArgs),
    /// Export a container's filesystem as a tar archive
    Export(ExportArgs),
    /// Create a new image from a container's changes
    Commit(CommitArgs),
    /// List port mappings or a specific mapping for the container
    Port(PortArgs),
    /// Check if a container exists (podman): exit status 0 if it does, 1 if not
    Exists(ExistsArgs),
}

#[derive(Debug, Args)]
pub struct ExistsArgs {
    pub name: String,
}

#[derive(Debug, Args)]
pub struct ContainerInspectArgs {
    /// Format output using a custom template
    #[arg(short, long)]
    pub format: Option<String>,
    #[arg(required = true)]
    pub containers: Vec<String>,
}

pub fn dispatch(cmd: ContainerCommand) -> Result<i32, EngineError> {
    match cmd {
        ContainerCommand::Ls(a) => ps(a),
        ContainerCommand::Run(a) => run(*a),
        ContainerCommand::Exec(a) => exec(a),
        ContainerCommand::Logs(a) => logs(a),
        ContainerCommand::Stop(a) => stop(a),
        ContainerCommand::Rm(a) => rm(a),
        ContainerCommand::Wait(a) => wait(a),
        ContainerCommand::Create(a) => create(*a),
        ContainerCommand::Start(a) => start(a),
        ContainerCommand::Kill(a) => kill(a),
        ContainerCommand::Rename(a) => rename(a),
        ContainerCommand::Restart(a) => restart(a),
        ContainerCommand::Attach(a) => attach(a),
        ContainerCommand::Top(a) => top(a),
        ContainerCommand::Prune(a) => prune(a),
        ContainerCommand::Pause(a) => pause(a, true),
        ContainerCommand::Unpause(a) => pause(a, false),
        ContainerCommand::Stats(a) => stats(a),
        ContainerCommand::Update(a) => update(*a),
        ContainerCommand::Cp(a) => cp(a),
        ContainerCommand::Diff(a) => diff(a),
        ContainerCommand::Export(a) => export(a),
        ContainerCommand::Commit(a) => commit(a),
        ContainerCommand::Port(a) => port(a),
        ContainerCommand::Exists(a) => exists(a),
        ContainerCommand::Inspect(a) => {
            render::check_inspect_format(a.format.as_deref())?;
            let mut values = Vec::new();
            let mut code = 0;
            for name in &a.containers {
                match inspect_value(name)? {
                    Some(v) => values.push(v),
                    None => {
                        eprintln!("Error: No such container: {name}");
                        code = 1;
                    }
                }
            }
            render::print_inspect(&values, a.format.as_deref())?;
            Ok(code)
        }
    }
}

/// podman's `container exists`: exit status 0 or 1, nothing printed.
pub fn exists(a: ExistsArgs) -> Result<i32, EngineError> {
    match ctr::get(&Paths::from_env(), &a.name) {
        Ok(_) => Ok(0),
        Err(e) if e.is_not_found() => Ok(1),
        Err(e) => Err(e),
    }
}

/// docker's inspect JSON of a container, or None when there is no such container.
pub fn inspect_value(name: &str) -> Result<Option<serde_json::Value>, EngineError> {
    let paths = Paths::from_env();
    match ctr::get(&paths, name) {
        Ok(info) => Ok(Some(ctr::inspect_json(&paths, &info))),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}
