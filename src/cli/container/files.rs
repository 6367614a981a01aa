//! `cp`, `diff`, `export` and `commit`: a container's files, arguments and rendering.

use clap::Args;

use crate::engine::container_files::{self as files, CommitOptions};
use crate::engine::cp::{self, CpOptions};
use crate::engine::EngineError;
use crate::state::Paths;

#[derive(Debug, Args)]
pub struct CpArgs {
    /// Archive mode (copy all uid/gid information)
    #[arg(short, long)]
    pub archive: bool,
    /// Always follow symbol link in SRC_PATH
    #[arg(short = 'L', long)]
    pub follow_link: bool,
    /// Suppress progress output during copy (there is none)
    #[arg(short, long)]
    pub quiet: bool,
    /// CONTAINER:SRC_PATH, a host path, or - (a tar stream on stdin)
    pub src: String,
    /// CONTAINER:DEST_PATH, a host path, or - (a tar stream on stdout)
    pub dest: String,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    pub container: String,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to a file, instead of STDOUT
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    pub container: String,
}

#[derive(Debug, Args)]
pub struct CommitArgs {
    /// Apply Dockerfile instruction to the created image
    #[arg(short, long = "change", value_name = "CHANGE")]
    pub change: Vec<String>,
    /// Commit message
    #[arg(short, long)]
    pub message: Option<String>,
    /// Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")
    #[arg(short, long)]
    pub author: Option<String>,
    /// Pause container during commit (its processes are stopped with SIGSTOP while the layer is copied)
    #[arg(short, long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub pause: bool,
    /// Suppress output other than the image ID (podman; there is none)
    #[arg(short, long)]
    pub quiet: bool,
    pub container: String,
    /// REPOSITORY[:TAG]
    pub reference: Option<String>,
}

pub fn cp(a: CpArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    cp::cp(
        &paths,
        &CpOptions {
            src: a.src,
            dest: a.dest,
            archive: a.archive,
            follow: a.follow_link,
        },
    )?;
    Ok(0)
}

pub fn diff(a: DiffArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let changes = files::diff(&paths, &a.container)?;
    let mut out = std::io::stdout().lock();
    for c in changes {
        let _ = std::io::Write::write_fmt(&mut out, format_args!("{} {}\n", c.kind, c.path));
    }
    Ok(0)
}

pub fn export(a: ExportArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let out = match &a.output {
        Some(p) => std::process::Stdio::from(
            std::fs::File::create(p)
                .map_err(EngineError::io(format!("creating {}", p.display())))?,
        ),
        None => {
            if nix::unistd::isatty(std::io::stdout()).unwrap_or(false) {
                return Err(EngineError::Usage(
                    "cowardly refusing to save to a terminal. Use the -o flag or redirect".into(),
                ));
            }
            std::process::Stdio::inherit()
        }
    };
    files::export(&paths, &a.container, out)?;
    Ok(0)
}

pub fn commit(a: CommitArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let img = files::commit(
        &paths,
        &CommitOptions {
            container: a.container,
            reference: a.reference,
            changes: a.change,
            message: a.message,
            author: a.author,
            pause: a.pause,
        },
    )?;
    println!("{}", img.id);
    Ok(0)
}
