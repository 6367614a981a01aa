//! `build`, `image build`, `buildx build` and `builder prune`: arguments and rendering.
use std::io::Write;

use clap::{Args, Subcommand};

use crate::engine::build::{self, BuildEvent, BuildOptions};
use crate::engine::EngineError;
use crate::state::Paths;

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Name and optionally a tag in the name:tag format (repeatable)
    #[arg(short, long = "tag", value_name = "NAME[:TAG]")]
    pub tags: Vec<String>,
    /// Name of the Dockerfile (default: PATH/Dockerfile; - reads it from standard input)
    #[arg(short, long = "file", value_name = "PATH")]
    pub file: Option<String>,
    /// Set build-time variables
    #[arg(long = "build-arg", value_name = "KEY[=VALUE]")]
    pub build_args: Vec<String>,
    /// Set the target build stage to build
    #[arg(long)]
    pub target: Option<String>,
    /// Do not use cache when building the image
    #[arg(long)]
    pub no_cache: bool,
    /// Always attempt to pull a newer version of the base images
    #[arg(long)]
    pub pull: bool,
    /// Set metadata for an image
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// Suppress the build output and print the image ID on success
    #[arg(short, long)]
    pub quiet: bool,
    /// Write the image ID to the file
    #[arg(long)]
    pub iidfile: Option<String>,
    /// Networking mode for the RUN instructions during build: default, none or host
    #[arg(long, default_value = "default")]
    pub network: String,
    /// Type of progress output: auto, plain, tty or quiet
    #[arg(long, default_value = "auto")]
    pub progress: String,
    /// Set the target platform (only the host's platform is supported)
    #[arg(long)]
    pub platform: Option<String>,
    /// Output destination: type=local,dest=DIR or type=tar,dest=FILE
    #[arg(short, long = "output", value_name = "type=TYPE,dest=PATH")]
    pub outputs: Vec<String>,
    /// Secret to expose to the build: id=ID,src=PATH
    #[arg(long = "secret")]
    pub secrets: Vec<String>,
    /// Require HTTPS and verify certificates when pulling base images
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub tls_verify: bool,
    /// Build context: a directory, or - for a tar archive on standard input
    pub context: String,
}

#[derive(Debug, Subcommand)]
pub enum BuildxCommand {
    /// Start a build
    Build(Box<BuildArgs>),
    /// Remove build cache
    Prune(BuilderPruneArgs),
}

#[derive(Debug, Subcommand)]
pub enum BuilderCommand {
    /// Build an image from a Dockerfile
    Build(Box<BuildArgs>),
    /// Remove build cache
    Prune(BuilderPruneArgs),
}

#[derive(Debug, Args)]
pub struct BuilderPruneArgs {
    /// Remove all unused build cache, not just dangling ones
    #[arg(short, long)]
    pub all: bool,
    /// Do not prompt for confirmation
    #[arg(short, long)]
    pub force: bool,
}

pub fn buildx(c: BuildxCommand) -> Result<i32, EngineError> {
    match c {
        BuildxCommand::Build(a) => run(*a),
        BuildxCommand::Prune(a) => prune(a),
    }
}

pub fn builder(c: BuilderCommand) -> Result<i32, EngineError> {
    match c {
        BuilderCommand::Build(a) => run(*a),
        BuilderCommand::Prune(a) => prune(a),
    }
}

/// Renders build events as BuildKit's plain progress lines on stderr.
struct Plain {
    quiet: bool,
    out: std::io::Stderr,
    warnings: Vec<String>,
}

impl Plain {
    fn event(&mut self, ev: BuildEvent) {
        if self.quiet {
            if let BuildEvent::Warning(w) = ev {
                self.warnings.push(w);
            }
            return;
        }
        let mut out = self.out.lock();
        let _ = match ev {
            BuildEvent::Start { n, name } => writeln!(out, "#{n} {name}"),
            BuildEvent::Log { n, secs, line } => writeln!(out, "#{n} {secs:.3} {line}"),
            BuildEvent::Cached { n } => writeln!(out, "#{n} CACHED"),
            BuildEvent::Done { n, secs } => writeln!(out, "#{n} DONE {secs:.1}s\n"),
            BuildEvent::Error { n, message } => writeln!(out, "#{n} ERROR: {message}"),
            BuildEvent::Warning(w) => {
                self.warnings.push(w);
                Ok(())
            }
        };
        let _ = out.flush();
    }
}

pub fn run(a: BuildArgs) -> Result<i32, EngineError> {
    let quiet = match a.progress.as_str() {
        "auto" | "plain" | "tty" | "rawjson" => a.quiet,
        "quiet" => true,
        other => {
            return Err(EngineError::Usage(format!(
                "invalid progress mode {other:?}: use auto, plain, tty or quiet"
            )))
        }
    };
    let network = match a.network.as_str() {
        "default" | "" => "default".to_string(),
        "none" | "host" => a.network.clone(),
        other => {
            return Err(EngineError::Usage(format!(
                "network mode {other:?} not supported for builds: use default, none or host"
            )))
        }
    };
    let opts = BuildOptions {
        context: a.context.clone(),
        file: a.file.clone(),
        tags: a.tags.clone(),
        build_args: a.build_args.clone(),
        target: a.target.clone(),
        no_cache: a.no_cache,
        pull: a.pull,
        labels: a.labels.clone(),
        network,
        platform: a.platform.clone(),
        outputs: a.outputs.clone(),
        secrets: a.secrets.clone(),
        tls_verify: a.tls_verify,
    };
    let mut plain = Plain {
        quiet,
        out: std::io::stderr(),
        warnings: Vec::new(),
    };
    let img = build::build(&Paths::from_env(), &opts, &mut |ev| plain.event(ev))?;
    for w in &plain.warnings {
        eprintln!("[Warning] {w}");
    }
    if let Some(f) = &a.iidfile {
        crate::state::write_atomic(std::path::Path::new(f), img.id.as_bytes())
            .map_err(EngineError::io(format!("writing the iidfile {f}")))?;
    }
    println!("{}", img.id);
    Ok(0)
}

pub fn prune(a: BuilderPruneArgs) -> Result<i32, EngineError> {
    if !a.force && !super::render::confirm("WARNING! This will remove all dangling build cache.") {
        return Ok(0);
    }
    let r = build::prune(&Paths::from_env(), a.all)?;
    println!(
        "Deleted build cache objects: {} (images: {})",
        r.entries, r.images
    );
    println!("Total:\t{}", super::render::human_size(r.reclaimed));
    Ok(0)
}
