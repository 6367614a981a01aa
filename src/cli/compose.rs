//! `skiff compose ...`: the Compose command line (docker compose v2's flags) and its output.
//! Loading and orchestration are `engine::compose`.
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::engine::compose::{self, Project};
use crate::engine::EngineError;

/// `skiff compose [OPTIONS] COMMAND`.
#[derive(Debug, Args)]
#[command(subcommand_required = true, arg_required_else_help = true)]
pub struct ComposeArgs {
    /// Compose configuration files
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Project name
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    pub project_name: Option<String>,
    /// Specify an alternate working directory (default: the path of the first Compose file)
    #[arg(long, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
    /// Specify an alternate environment file
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Specify a profile to enable
    #[arg(long = "profile", value_name = "PROFILE")]
    pub profile: Vec<String>,
    #[command(subcommand)]
    pub command: ComposeCommand,
}

#[derive(Debug, Subcommand)]
pub enum ComposeCommand {
    /// Parse, resolve and render the compose file in canonical format
    Config(ConfigArgs),
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Only validate the configuration, don't print anything
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the service names, one per line
    #[arg(long)]
    pub services: bool,
    /// Print the volume names, one per line
    #[arg(long)]
    pub volumes: bool,
    /// Print the profile names, one per line
    #[arg(long)]
    pub profiles: bool,
    /// Print the image names, one per line
    #[arg(long)]
    pub images: bool,
    /// Format the output: yaml or json
    #[arg(long, default_value = "yaml")]
    pub format: String,
    /// Save to file (default to stdout)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn dispatch(args: ComposeArgs) -> Result<i32, EngineError> {
    let cwd = std::env::current_dir().map_err(EngineError::io("reading the current directory"))?;
    let mut opts = compose::Options::from_env(cwd);
    opts.files = args.files.clone();
    opts.project_name = args.project_name.clone();
    opts.project_directory = args.project_directory.clone();
    opts.env_files = args.env_file.clone();
    opts.profiles = args.profile.clone();
    match args.command {
        ComposeCommand::Config(a) => config(&opts, a),
    }
}

fn config(opts: &compose::Options, a: ConfigArgs) -> Result<i32, EngineError> {
    let mut o = opts.clone();
    if a.profiles {
        // Every profile, whether enabled or not.
        o.profiles = vec!["*".into()];
    }
    let p: Project = compose::load(&o)?;
    if a.quiet {
        return Ok(0);
    }
    let text = if a.services {
        lines(p.services.keys())
    } else if a.volumes {
        lines(p.volumes.keys())
    } else if a.profiles {
        let mut all: Vec<&String> = p.services.values().flat_map(|s| &s.profiles).collect();
        all.sort();
        all.dedup();
        lines(all)
    } else if a.images {
        lines(p.services.iter().map(|(n, s)| s.image_name(&p.name, n)))
    } else {
        match a.format.as_str() {
            "yaml" => compose::to_yaml(&p)?,
            "json" => {
                let mut t = serde_json::to_string_pretty(&p)
                    .map_err(|e| EngineError::Usage(format!("rendering the project: {e}")))?;
                t.push('\n');
                t
            }
            f => {
                return Err(EngineError::Usage(format!(
                    "unsupported format {f:?}: yaml or json"
                )))
            }
        }
    };
    match &a.output {
        Some(f) => {
            std::fs::write(f, text).map_err(EngineError::io(format!("writing {}", f.display())))?
        }
        None => {
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
    }
    Ok(0)
}

fn lines<I: IntoIterator<Item = S>, S: std::fmt::Display>(items: I) -> String {
    items.into_iter().map(|i| format!("{i}\n")).collect()
}
