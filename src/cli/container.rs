//! `skiff container ...` and its top-level shortcuts.
use clap::{Args, Subcommand};

use crate::engine::EngineError;

#[derive(Debug, Subcommand)]
pub enum ContainerCommand {
    /// List containers
    #[command(alias = "list", alias = "ps")]
    Ls(PsArgs),
    /// Create and run a new container from an image
    Run(RunArgs),
    /// Fetch the logs of a container
    Logs(LogsArgs),
    /// Stop one or more running containers
    Stop(StopArgs),
    /// Remove one or more containers
    #[command(alias = "remove")]
    Rm(RmArgs),
    /// Block until one or more containers stop, then print their exit codes
    Wait(WaitArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {}
#[derive(Debug, Args)]
pub struct PsArgs {}
#[derive(Debug, Args)]
pub struct LogsArgs {}
#[derive(Debug, Args)]
pub struct StopArgs {}
#[derive(Debug, Args)]
pub struct RmArgs {}
#[derive(Debug, Args)]
pub struct WaitArgs {}

pub fn dispatch(cmd: ContainerCommand) -> Result<i32, EngineError> {
    match cmd {
        ContainerCommand::Ls(a) => ps(a),
        ContainerCommand::Run(a) => run(a),
        ContainerCommand::Logs(a) => logs(a),
        ContainerCommand::Stop(a) => stop(a),
        ContainerCommand::Rm(a) => rm(a),
        ContainerCommand::Wait(a) => wait(a),
    }
}
pub fn run(_a: RunArgs) -> Result<i32, EngineError> { todo_cmd() }
pub fn ps(_a: PsArgs) -> Result<i32, EngineError> { todo_cmd() }
pub fn logs(_a: LogsArgs) -> Result<i32, EngineError> { todo_cmd() }
pub fn stop(_a: StopArgs) -> Result<i32, EngineError> { todo_cmd() }
pub fn rm(_a: RmArgs) -> Result<i32, EngineError> { todo_cmd() }
pub fn wait(_a: WaitArgs) -> Result<i32, EngineError> { todo_cmd() }
pub fn inspect_value(_name: &str) -> Result<Option<serde_json::Value>, EngineError> { Ok(None) }
fn todo_cmd() -> Result<i32, EngineError> { Err(EngineError::Usage("not yet".into())) }
