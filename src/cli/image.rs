//! `skiff image ...`, `pull`, `images`, `rmi`, `import`: arguments and rendering.
use clap::{Args, Subcommand};

use crate::engine::EngineError;

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// List images
    #[command(alias = "list")]
    Ls(ImagesArgs),
    /// Download an image from a registry
    Pull(PullArgs),
    /// Remove one or more images
    #[command(alias = "remove")]
    Rm(RmiArgs),
    /// Import the contents from a tarball to create a filesystem image
    Import(ImportArgs),
    /// Display detailed information on one or more images
    Inspect(ImageInspectArgs),
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Suppress verbose output
    #[arg(short, long)]
    pub quiet: bool,
    /// Require HTTPS and verify certificates when contacting registries
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub tls_verify: bool,
    /// Image name, e.g. busybox, localhost:5000/busybox:1.36 or NAME@sha256:...
    pub name: String,
}

#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// Show all images (default hides intermediate images)
    #[arg(short, long)]
    pub all: bool,
    /// Only show image IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Show digests
    #[arg(long)]
    pub digests: bool,
    /// Only images of this repository (and tag)
    pub reference: Option<String>,
}

#[derive(Debug, Args)]
pub struct RmiArgs {
    /// Force removal of the image
    #[arg(short, long)]
    pub force: bool,
    #[arg(required = true)]
    pub images: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Apply Dockerfile instruction to the created image
    #[arg(short, long = "change")]
    pub changes: Vec<String>,
    /// Set commit message for imported image
    #[arg(short, long)]
    pub message: Option<String>,
    /// Tarball path, or - for standard input
    pub file: String,
    /// Repository and tag for the new image
    pub reference: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImageInspectArgs {
    /// Format output using a custom template
    #[arg(short, long)]
    pub format: Option<String>,
    #[arg(required = true)]
    pub images: Vec<String>,
}

pub fn dispatch(cmd: ImageCommand) -> Result<i32, EngineError> {
    match cmd {
        ImageCommand::Ls(a) => images(a),
        ImageCommand::Pull(a) => pull(a),
        ImageCommand::Rm(a) => rmi(a),
        ImageCommand::Import(a) => import(a),
        ImageCommand::Inspect(a) => {
            let mut values = Vec::new();
            let mut code = 0;
            for name in &a.images {
                match inspect_value(name)? {
                    Some(v) => values.push(v),
                    None => {
                        eprintln!("Error: No such image: {name}");
                        code = 1;
                    }
                }
            }
            super::render::print_inspect(&values, a.format.as_deref())?;
            Ok(code)
        }
    }
}

pub fn pull(_a: PullArgs) -> Result<i32, EngineError> {
    Err(EngineError::Usage("pull: not yet".into()))
}
pub fn images(_a: ImagesArgs) -> Result<i32, EngineError> {
    Err(EngineError::Usage("images: not yet".into()))
}
pub fn rmi(_a: RmiArgs) -> Result<i32, EngineError> {
    Err(EngineError::Usage("rmi: not yet".into()))
}
pub fn import(_a: ImportArgs) -> Result<i32, EngineError> {
    Err(EngineError::Usage("import: not yet".into()))
}
/// The docker-style inspect JSON of an image, or None when there is no such image.
pub fn inspect_value(_name: &str) -> Result<Option<serde_json::Value>, EngineError> {
    Ok(None)
}
