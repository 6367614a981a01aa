//! `skiff generate systemd`: flags and output (the unit on stdout, or `--files`).
use clap::{Args, Subcommand};

use crate::engine::EngineError;
use crate::state::Paths;
use crate::systemd::generate::{FlagInfo, FlagKey, Options};

#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    /// Generate systemd units for a container
    Systemd(SystemdArgs),
}

#[derive(Debug, Args)]
pub struct SystemdArgs {
    /// Create a new container at every start and remove it at stop (the unit does not need the
    /// container to exist)
    #[arg(long)]
    pub new: bool,
    /// Use the container's name instead of its ID in the unit
    #[arg(short, long)]
    pub name: bool,
    /// Write the unit to ./PREFIX-NAME.service instead of standard output, and print its path
    #[arg(short, long)]
    pub files: bool,
    /// systemd restart policy (no, on-success, on-failure, on-abnormal, on-watchdog, on-abort,
    /// always)
    #[arg(long, value_name = "POLICY")]
    pub restart_policy: Option<String>,
    /// Seconds systemd waits before restarting the service
    #[arg(long, value_name = "SECONDS")]
    pub restart_sec: Option<u32>,
    /// Stop timeout in seconds (default: the container's, else 10)
    #[arg(short, long, value_name = "SECONDS")]
    pub time: Option<u32>,
    /// Prefix of the service's name
    #[arg(long, default_value = "container", value_name = "PREFIX")]
    pub container_prefix: String,
    /// Between the prefix and the name
    #[arg(long, default_value = "-", value_name = "SEPARATOR")]
    pub separator: String,
    /// Leave out the header (generator version, time stamp)
    #[arg(long)]
    pub no_header: bool,
    /// The container (name or ID)
    pub container: String,
}

pub fn dispatch(c: GenerateCommand) -> Result<i32, EngineError> {
    match c {
        GenerateCommand::Systemd(a) => systemd(a),
    }
}

/// Which `run` flags exist and take a value, from the clap tree itself.
fn run_flag(key: FlagKey<'_>) -> Option<FlagInfo> {
    let cmd = <super::Cli as clap::CommandFactory>::command();
    let run = cmd.find_subcommand("run")?;
    let arg = run.get_arguments().find(|a| match key {
        FlagKey::Long(n) => {
            a.get_long() == Some(n) || a.get_all_aliases().is_some_and(|al| al.contains(&n))
        }
        FlagKey::Short(c) => a.get_short() == Some(c),
    })?;
    Some(FlagInfo {
        long: arg.get_long()?.to_string(),
        takes_value: arg.get_action().takes_values(),
    })
}

fn systemd(a: SystemdArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let opts = Options {
        new: a.new,
        use_name: a.name,
        restart_policy: a.restart_policy,
        restart_sec: a.restart_sec,
        stop_timeout: a.time,
        container_prefix: a.container_prefix,
        separator: a.separator,
        no_header: a.no_header,
    };
    let (service, unit) =
        crate::engine::systemd::generate_unit(&paths, &a.container, &opts, &run_flag)?;
    if a.files {
        let cwd = std::env::current_dir().map_err(EngineError::io("the current directory"))?;
        let path = cwd.join(format!("{service}.service"));
        std::fs::write(&path, unit)
            .map_err(EngineError::io(format!("writing {}", path.display())))?;
        println!("{}", path.display());
    } else {
        print!("{unit}");
    }
    Ok(0)
}
