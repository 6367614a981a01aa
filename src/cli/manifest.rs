//! `manifest create|annotate|inspect|push|rm`: docker's manifest lists (docker 28's command,
//! no experimental switch needed). Failures are docker's CLI messages with exit status 1.
use std::io::Write;

use clap::{Args, Subcommand};

use super::render;
use crate::engine::manifest as m;
use crate::engine::EngineError;
use crate::state::Paths;

#[derive(Debug, Subcommand)]
pub enum ManifestCommand {
    /// Create a local manifest list for annotating and pushing to a registry
    Create(CreateArgs),
    /// Display an image manifest, or manifest list
    Inspect(InspectArgs),
    /// Add additional information to a local image manifest
    Annotate(AnnotateArgs),
    /// Push a manifest list to a repository
    Push(PushArgs),
    /// Delete one or more manifest lists from local storage
    Rm(RmArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Amend an existing manifest list
    #[arg(short, long)]
    pub amend: bool,
    /// Allow communication with an insecure registry
    #[arg(long)]
    pub insecure: bool,
    #[arg(value_name = "MANIFEST_LIST")]
    pub list: String,
    #[arg(value_name = "MANIFEST", required = true)]
    pub manifests: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Allow communication with an insecure registry
    #[arg(long)]
    pub insecure: bool,
    /// Output additional info including layers and platform
    #[arg(short, long)]
    pub verbose: bool,
    /// [MANIFEST_LIST] MANIFEST
    #[arg(value_name = "MANIFEST", num_args = 1..=2, required = true)]
    pub refs: Vec<String>,
}

#[derive(Debug, Args)]
pub struct AnnotateArgs {
    /// Set architecture
    #[arg(long, value_name = "ARCH")]
    pub arch: Option<String>,
    /// Set operating system
    #[arg(long, value_name = "OS")]
    pub os: Option<String>,
    /// Set operating system feature
    #[arg(long, value_name = "FEATURES", value_delimiter = ',')]
    pub os_features: Vec<String>,
    /// Set operating system version
    #[arg(long, value_name = "VERSION")]
    pub os_version: Option<String>,
    /// Set architecture variant
    #[arg(long, value_name = "VARIANT")]
    pub variant: Option<String>,
    #[arg(value_name = "MANIFEST_LIST")]
    pub list: String,
    #[arg(value_name = "MANIFEST")]
    pub manifest: String,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Allow push to an insecure registry
    #[arg(long)]
    pub insecure: bool,
    /// Remove the local manifest list after push
    #[arg(short, long)]
    pub purge: bool,
    #[arg(value_name = "MANIFEST_LIST")]
    pub list: String,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    #[arg(value_name = "MANIFEST_LIST", required = true)]
    pub lists: Vec<String>,
}

/// docker's CLI: the error on stderr, exit status 1.
fn failed(e: &EngineError) -> i32 {
    eprintln!("Error: {}", render::error_chain(e));
    1
}

pub fn dispatch(c: ManifestCommand) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let mut out = std::io::stdout().lock();
    let result = match c {
        ManifestCommand::Create(a) => m::create(&paths, &a.list, &a.manifests, a.amend, a.insecure)
            .map(|name| {
                let _ = writeln!(out, "Created manifest list {name}");
            }),
        ManifestCommand::Inspect(a) => {
            let (list, image) = match a.refs.as_slice() {
                [list, image] => (Some(list.as_str()), image.as_str()),
                [image] => (None, image.as_str()),
                _ => return Err(EngineError::Usage("requires 1 or 2 arguments".into())),
            };
            m::inspect(&paths, list, image, a.verbose, a.insecure).map(|json| {
                let _ = writeln!(out, "{json}");
            })
        }
        ManifestCommand::Annotate(a) => {
            let ann = m::Annotation {
                os: a.os.unwrap_or_default(),
                arch: a.arch.unwrap_or_default(),
                variant: a.variant.unwrap_or_default(),
                os_version: a.os_version.unwrap_or_default(),
                os_features: a.os_features,
            };
            m::annotate(&paths, &a.list, &a.manifest, &ann)
        }
        ManifestCommand::Push(a) => m::push(&paths, &a.list, a.purge, a.insecure, &mut out),
        ManifestCommand::Rm(a) => {
            let errors = m::remove(&paths, &a.lists);
            for e in &errors {
                eprintln!("Error: {}", render::error_chain(e));
            }
            return Ok(if errors.is_empty() { 0 } else { 1 });
        }
    };
    Ok(match result {
        Ok(()) => 0,
        Err(e) => failed(&e),
    })
}
