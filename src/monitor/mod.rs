//! The per-container monitor: skiff re-executed, outliving the CLI.
use crate::state::Paths;

/// Entry point of `skiff __monitor ID`; returns the process exit code.
pub fn main(_paths: &Paths, _id: &str) -> i32 {
    125
}
