//! `context ls|show|use|inspect` for docker's default context only, and the global `-H/--host`
//! (`DOCKER_HOST`) check: skiff runs everything locally, so the only endpoint it knows is its
//! own API socket (what `system service` serves, and what the skiff-docker shim points other
//! tools at); naming it, or nothing, runs locally, anything else is refused clearly.
use std::io::Write;

use clap::{Args, Subcommand};

use super::render;
use crate::engine::EngineError;
use crate::state::Paths;

#[derive(Debug, Subcommand)]
pub enum ContextCommand {
    /// List contexts (skiff has the default context only)
    #[command(visible_alias = "list")]
    Ls(LsArgs),
    /// Print the name of the current context
    Show,
    /// Set the current docker context (only "default")
    Use(UseArgs),
    /// Display detailed information on one or more contexts
    Inspect(InspectArgs),
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Only show context names
    #[arg(short, long)]
    pub quiet: bool,
    /// Format output using a custom template ("json" for JSON lines)
    #[arg(long)]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct UseArgs {
    pub context: String,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Format output using a custom template
    #[arg(short, long)]
    pub format: Option<String>,
    pub contexts: Vec<String>,
}

const DEFAULT: &str = "default";
const DESCRIPTION: &str = "Current DOCKER_HOST based configuration";

/// skiff's own endpoint, docker's `unix://PATH` form.
fn endpoint(paths: &Paths) -> String {
    format!("unix://{}", crate::api::default_socket(paths).display())
}

/// docker's answer for another context: its message, exit status 1.
fn no_such(name: &str) -> i32 {
    eprintln!("Error: context \"{name}\" does not exist");
    1
}

pub fn dispatch(cmd: ContextCommand) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let mut out = std::io::stdout().lock();
    match cmd {
        ContextCommand::Show => {
            let _ = writeln!(out, "{DEFAULT}");
        }
        ContextCommand::Use(a) => {
            if a.context != DEFAULT {
                return Ok(no_such(&a.context));
            }
            let _ = writeln!(out, "{DEFAULT}");
            eprintln!("Current context is now \"{DEFAULT}\"");
        }
        ContextCommand::Ls(a) => {
            let row = serde_json::json!({
                "Current": true,
                "Description": DESCRIPTION,
                "DockerEndpoint": endpoint(&paths),
                "Error": "",
                "Name": DEFAULT,
            });
            match (a.quiet, a.format.as_deref()) {
                (true, _) => {
                    let _ = writeln!(out, "{DEFAULT}");
                }
                (false, Some("json")) => {
                    let _ = writeln!(out, "{row}");
                }
                (false, Some(f)) => {
                    let _ = writeln!(out, "{}", render::template(f, &row)?);
                }
                (false, None) => {
                    let mut tw = render::table();
                    let _ = writeln!(tw, "NAME\tDESCRIPTION\tDOCKER ENDPOINT\tERROR");
                    let _ = writeln!(tw, "{DEFAULT} *\t{DESCRIPTION}\t{}\t", endpoint(&paths));
                    render::print_table(tw);
                }
            }
        }
        ContextCommand::Inspect(a) => {
            render::check_inspect_format(a.format.as_deref())?;
            let names = if a.contexts.is_empty() {
                vec![DEFAULT.to_string()]
            } else {
                a.contexts
            };
            if let Some(n) = names.iter().find(|n| *n != DEFAULT) {
                return Ok(no_such(n));
            }
            let v = serde_json::json!({
                "Name": DEFAULT,
                "Metadata": {},
                "Endpoints": {"docker": {"Host": endpoint(&paths), "SkipTLSVerify": false}},
                "TLSMaterial": {},
                "Storage": {"MetadataPath": "<IN MEMORY>", "TLSPath": "<IN MEMORY>"},
            });
            let values: Vec<serde_json::Value> = names.iter().map(|_| v.clone()).collect();
            render::print_inspect(&values, a.format.as_deref())?;
        }
    }
    Ok(0)
}

/// The global `-H/--host` or `DOCKER_HOST`: empty or skiff's own socket runs locally; any other
/// endpoint is refused (skiff does not drive remote engines).
pub fn check_host(host: Option<&str>) -> Result<(), EngineError> {
    let Some(h) = host.map(str::trim).filter(|h| !h.is_empty()) else {
        return Ok(());
    };
    let paths = Paths::from_env();
    let own = crate::api::default_socket(&paths);
    let path = h.strip_prefix("unix://").unwrap_or(h);
    let same = std::path::Path::new(path) == own
        || std::fs::canonicalize(path)
            .ok()
            .zip(std::fs::canonicalize(&own).ok())
            .is_some_and(|(a, b)| a == b);
    if same {
        return Ok(());
    }
    Err(EngineError::Unsupported(format!(
        "skiff does not drive remote engines yet: -H/DOCKER_HOST is {h}, and skiff runs containers locally (unset DOCKER_HOST, or name skiff's own socket {})",
        endpoint(&paths)
    )))
}
