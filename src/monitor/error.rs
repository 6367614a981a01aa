//! Why a monitor could not start (or restart) its container: the [`MonitorError`] its caller
//! gets on the readiness pipe and records as the container's error, with the exit code docker
//! would give for it decided in one place ([`MonitorError::exit_code`]).
use crate::runtime::RuntimeError;

/// A failed start, as the monitor reports it.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    /// The container's record or state could not be read, locked or saved.
    #[error(transparent)]
    State(#[from] crate::state::container::StateError),
    /// The container's runtime spec (`config.json`) could not be read.
    #[error("reading the runtime spec: {0}")]
    Spec(#[source] oci_spec::OciSpecError),
    /// The network mode cannot be used (a container it joins is gone, a user network is
    /// missing).
    #[error(transparent)]
    Network(#[from] crate::network::NetworkError),
    /// The journald log driver has no journal to write to.
    #[error(transparent)]
    Journal(#[from] super::journald::JournalError),
    /// A system call the monitor needs for itself failed (signals, pipes).
    #[error("{what}: {source}")]
    Sys {
        what: &'static str,
        #[source]
        source: nix::errno::Errno,
    },
    /// A file the monitor opens for the container failed to open (`/dev/null`).
    #[error("{path}: {source}")]
    Open {
        path: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// `--pid`/`--ipc container:NAME`: that container does not run.
    #[error("container {0} is not running")]
    NotRunning(String),
    /// The runtime spec has no namespaces to join another container's.
    #[error("runtime spec has no namespaces")]
    NoNamespaces,
    /// The runtime could not create or start the container.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

impl MonitorError {
    /// docker's exit status for this failure: the runtime's own for a command that could not
    /// be found (127) or executed (126), else the engine's (125).
    pub fn exit_code(&self) -> i32 {
        match self {
            MonitorError::Runtime(RuntimeError::Start { code, .. }) => *code,
            _ => crate::exit::ENGINE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_runtimes_for_a_start_else_the_engines() {
        let start = |code| {
            MonitorError::Runtime(RuntimeError::Start {
                message: "exec: nope".into(),
                code,
            })
        };
        assert_eq!(start(127).exit_code(), 127);
        assert_eq!(start(126).exit_code(), 126);
        assert_eq!(MonitorError::NoNamespaces.exit_code(), crate::exit::ENGINE);
        assert_eq!(
            MonitorError::Runtime(RuntimeError::Failed("x".into())).exit_code(),
            crate::exit::ENGINE
        );
        assert_eq!(
            MonitorError::NotRunning("db".into()).to_string(),
            "container db is not running"
        );
    }
}
