//! `exec` and `attach`: arguments and how their exit status is reported.

use clap::Args;

use crate::engine::container::{self as ctr};
use crate::engine::EngineError;
use crate::state::Paths;

#[derive(Debug, Args)]
#[command(trailing_var_arg = true)]
pub struct ExecArgs {
    /// Detached mode: run command in the background
    #[arg(short, long)]
    pub detach: bool,
    /// Keep STDIN open even if not attached
    #[arg(short, long)]
    pub interactive: bool,
    /// Allocate a pseudo-TTY
    #[arg(short, long)]
    pub tty: bool,
    /// Set environment variables
    #[arg(short, long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Read in a file of environment variables
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<std::path::PathBuf>,
    /// Working directory inside the container
    #[arg(short, long)]
    pub workdir: Option<String>,
    /// Username or UID (format: <name|uid>[:<group|gid>])
    #[arg(short, long)]
    pub user: Option<String>,
    /// Give extended privileges to the command
    #[arg(long)]
    pub privileged: bool,
    /// Override the key sequence for detaching a container (default: detachKeys of
    /// config.json, else ctrl-p,ctrl-q)
    #[arg(long, value_name = "KEYS")]
    pub detach_keys: Option<String>,
    /// The container
    pub container: String,
    /// The command and its arguments
    #[arg(required = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

pub fn exec(a: ExecArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    // The keys are watched for only with -it (not -d): docker's config.json is read only then
    // (an explicit --detach-keys is checked whatever the flags).
    let watched = a.tty && a.interactive && !a.detach;
    let detach_keys = if watched || a.detach_keys.as_deref().is_some_and(|k| !k.is_empty()) {
        Some(crate::engine::attach::detach_keys(
            a.detach_keys.as_deref(),
        )?)
    } else {
        None
    };
    let opts = ctr::ExecOptions {
        container: a.container,
        command: a.command,
        interactive: a.interactive,
        tty: a.tty,
        detach: a.detach,
        env: a.env,
        env_files: a.env_file,
        workdir: a.workdir,
        user: a.user,
        privileged: a.privileged,
        resize_fd: None,
        detach_keys,
    };
    match ctr::exec_outcome(&paths, &opts)? {
        ctr::ExecOutcome::Exited(code) => Ok(code),
        ctr::ExecOutcome::Detached => Ok(detached_by_keys()),
    }
}

#[derive(Debug, clap::Args)]
pub struct AttachArgs {
    /// Override the key sequence for detaching a container (default: detachKeys of
    /// config.json, else ctrl-p,ctrl-q)
    #[arg(long, value_name = "KEYS")]
    pub detach_keys: Option<String>,
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
        AttachOutcome::Detached => Ok(detached_by_keys()),
        AttachOutcome::Exited(code) => Ok(code),
    }
}

/// docker's `attach` and `exec` when the detach keys end them: its CLI prints the escape
/// error, without the `Error:` prefix, and exits 1.
fn detached_by_keys() -> i32 {
    eprintln!("{}", crate::engine::attach::DETACHED_MESSAGE);
    1
}
