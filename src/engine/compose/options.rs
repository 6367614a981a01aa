//! What a project is loaded from (compose's global flags and the environment), and the two
//! helpers every loading step shares: relative paths resolved against a base, and the error
//! that names what the user must fix.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::engine::EngineError;

/// What a project is loaded from (compose's global flags and the environment).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-f`, in order; empty: `COMPOSE_FILE` or the file found from `cwd` upwards.
    pub files: Vec<PathBuf>,
    /// `-p`.
    pub project_name: Option<String>,
    /// `--project-directory`.
    pub project_directory: Option<PathBuf>,
    /// `--env-file`; empty: `.env` in the project directory.
    pub env_files: Vec<PathBuf>,
    /// `--profile`.
    pub profiles: Vec<String>,
    /// Services named on the command line: their profiles are enabled.
    pub services: Vec<String>,
    pub cwd: PathBuf,
    /// The process environment.
    pub environ: BTreeMap<String, String>,
}

impl Options {
    /// Options for `cwd` with the process environment.
    pub fn from_env(cwd: PathBuf) -> Options {
        Options {
            cwd,
            environ: std::env::vars().collect(),
            ..Default::default()
        }
    }
}

/// The error of every loading step: a compose file the user must fix.
pub fn usage(msg: impl Into<String>) -> EngineError {
    EngineError::Usage(msg.into())
}

/// `p` relative to `base` (already absolute: as it is), cleaned.
pub fn abs(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        clean(&base.join(p))
    }
}

/// `a/./b/../c` → `a/c`, without touching the filesystem.
fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}
