//! `build`, `image build`, `buildx build` and `builder prune`: arguments and rendering.
use std::io::{IsTerminal, Write};

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
    /// Ulimit options for the RUN steps (NAME=SOFT[:HARD], e.g. nofile=1024:2048)
    #[arg(long = "ulimit", value_name = "ULIMIT")]
    pub ulimits: Vec<String>,
    /// Allow extra privileged entitlement (network.host: RUN --network=host)
    #[arg(long = "allow", value_name = "ENTITLEMENT", value_delimiter = ',')]
    pub allow: Vec<String>,
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

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Quiet,
    /// BuildKit's `--progress=plain`: `#N` lines, every output line.
    Plain,
    /// One `=> ` line per finished step (BuildKit's terminal view, without redrawing); a
    /// step's output as it comes, under its name.
    Tty,
}

/// Renders build events on stderr.
struct Progress {
    mode: Mode,
    out: std::io::Stderr,
    warnings: Vec<String>,
    started: std::time::Instant,
    /// Running steps: name and output (for the tty view).
    steps: std::collections::HashMap<usize, (String, Vec<String>)>,
    total: usize,
}

impl Progress {
    fn event(&mut self, ev: BuildEvent) {
        if let BuildEvent::Warning(w) = ev {
            self.warnings.push(w);
            return;
        }
        match self.mode {
            Mode::Quiet => {}
            Mode::Plain => self.plain(ev),
            Mode::Tty => self.tty(ev),
        }
    }

    fn plain(&mut self, ev: BuildEvent) {
        let mut out = self.out.lock();
        let _ = match ev {
            BuildEvent::Start { n, name } => writeln!(out, "#{n} {name}"),
            BuildEvent::Log { n, secs, line } => writeln!(out, "#{n} {secs:.3} {line}"),
            BuildEvent::Cached { n } => writeln!(out, "#{n} CACHED"),
            BuildEvent::Done { n, secs } => writeln!(out, "#{n} DONE {secs:.1}s\n"),
            BuildEvent::Error { n, message } => writeln!(out, "#{n} ERROR: {message}"),
            BuildEvent::Warning(_) => Ok(()),
        };
        let _ = out.flush();
    }

    fn tty(&mut self, ev: BuildEvent) {
        let mut out = self.out.lock();
        if self.total == 0 {
            let _ = writeln!(out, "[+] Building");
        }
        let _ = match ev {
            BuildEvent::Start { n, name } => {
                self.total += 1;
                self.steps.insert(n, (name, Vec::new()));
                Ok(())
            }
            BuildEvent::Log { n, line, .. } => {
                // Output is shown as it comes, under its step's name.
                if let Some((name, lines)) = self.steps.get_mut(&n) {
                    if lines.is_empty() {
                        let _ = writeln!(out, " => {name}");
                    }
                    lines.push(line.clone());
                }
                writeln!(out, " > {line}")
            }
            BuildEvent::Cached { n } => {
                let name = self.steps.remove(&n).map(|s| s.0).unwrap_or_default();
                writeln!(out, " => CACHED {name:<60} 0.0s")
            }
            BuildEvent::Done { n, secs } => {
                let (name, lines) = self.steps.remove(&n).unwrap_or_default();
                if lines.is_empty() {
                    writeln!(out, " => {name:<67} {secs:.1}s")
                } else {
                    writeln!(out, " => DONE {secs:.1}s")
                }
            }
            BuildEvent::Error { n, message } => {
                let (name, lines) = self.steps.remove(&n).unwrap_or_default();
                if lines.is_empty() {
                    let _ = writeln!(out, " => ERROR {name}");
                }
                writeln!(out, " => ERROR: {message}")
            }
            BuildEvent::Warning(_) => Ok(()),
        };
        let _ = out.flush();
    }

    fn finish(&mut self, ok: bool) {
        if self.mode == Mode::Tty {
            let _ = writeln!(
                self.out.lock(),
                "[+] Building {:.1}s ({} steps) {}",
                self.started.elapsed().as_secs_f64(),
                self.total,
                if ok { "FINISHED" } else { "FAILED" }
            );
        }
    }
}

pub fn run(a: BuildArgs) -> Result<i32, EngineError> {
    let mode = match a.progress.as_str() {
        _ if a.quiet => Mode::Quiet,
        "quiet" => Mode::Quiet,
        "plain" | "rawjson" => Mode::Plain,
        "tty" => Mode::Tty,
        "auto" if std::io::stderr().is_terminal() => Mode::Tty,
        "auto" => Mode::Plain,
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
    for e in &a.allow {
        build::check_entitlement(e)?;
    }
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
        ulimits: a.ulimits.clone(),
        allow: a.allow.clone(),
        cancel: Default::default(),
    };
    let mut progress = Progress {
        mode,
        out: std::io::stderr(),
        warnings: Vec::new(),
        started: std::time::Instant::now(),
        steps: std::collections::HashMap::new(),
        total: 0,
    };
    let built = build::build(&Paths::from_env(), &opts, &mut |ev| progress.event(ev));
    progress.finish(built.is_ok());
    let img = built?;
    for w in &progress.warnings {
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
