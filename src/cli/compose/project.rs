//! What every `compose` command starts with: the project loaded with the services named on
//! the command line enabled, and docker compose's plain progress lines on stderr.
use std::io::Write;

use crate::engine::compose::{self, Progress, Project};
use crate::engine::EngineError;

/// Load the project with the services named on the command line enabled.
pub fn load_for(opts: &compose::Options, services: &[String]) -> Result<Project, EngineError> {
    let mut o = opts.clone();
    o.services = services.to_vec();
    let p = compose::load(&o)?;
    for w in &p.warnings {
        progress(Progress::Warning(w.clone()));
    }
    Ok(p)
}

/// docker compose's plain progress on stderr: ` Container demo-web-1  Started`.
pub fn progress(p: Progress) {
    let mut err = std::io::stderr().lock();
    let _ = match p {
        Progress::Resource {
            kind: "",
            name,
            status,
        } => {
            writeln!(err, " {name} {status}")
        }
        Progress::Resource { kind, name, status } => writeln!(err, " {kind} {name}  {status}"),
        Progress::Warning(w) => writeln!(err, "WARN[0000] {w}"),
        Progress::Output(l) => writeln!(err, "{l}"),
    };
}
