//! The operations behind every command. `cli` calls these; these call the subsystems.
pub mod attach;
pub mod build;
pub mod cgroup;
pub mod compose;
pub mod container;
pub mod container_files;
pub mod cp;
pub mod create;
pub mod disk_usage;
pub mod events;
pub mod health;
pub mod helpers;
pub mod image;
pub mod image_platform;
pub mod info;
pub mod logs;
pub mod mounts;
pub mod network;
pub mod pause;
pub mod pause_process;
pub mod prune;
pub mod ps;
pub mod resources;
pub mod search;
pub mod start_all;
pub mod storage;
pub mod systemd;
pub mod volume;

use thiserror::Error;

/// Every failure an operation can report, with the exit code docker would use.
#[derive(Debug, Error)]
pub enum EngineError {
    /// Bad arguments the parser could not catch.
    #[error("{0}")]
    Usage(String),
    /// No such container / image / object.
    #[error("{0}")]
    NotFound(String),
    /// A conflict with existing state (name in use, container running, image in use).
    #[error("{0}")]
    Conflict(String),
    /// The container's command could not be found (127) or executed (126).
    #[error("{message}")]
    Exec { message: String, code: i32 },
    #[error(transparent)]
    Image(#[from] crate::image::ImageError),
    /// A build that failed (bad Dockerfile, failed step): exit 1, as `docker build`.
    #[error(transparent)]
    Build(#[from] crate::build::BuildError),
    #[error(transparent)]
    Registry(#[from] crate::registry::RegistryError),
    #[error(transparent)]
    Runtime(#[from] crate::runtime::RuntimeError),
    #[error(transparent)]
    Network(#[from] crate::network::NetworkError),
    #[error(transparent)]
    State(#[from] crate::state::container::StateError),
    #[error(transparent)]
    Volume(#[from] crate::volume::VolumeError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The operation was stopped because whoever asked for it went away (an API client that
    /// disconnected); docker's daemon says "context canceled".
    #[error("context canceled")]
    Cancelled,
}

/// Asks a long operation (a pull, a build) to stop early: the API service sets it when the
/// client that asked disconnects. Checked between steps and as data flows; what was already
/// stored whole stays, nothing half-made is left. The CLI never cancels (Ctrl-C ends it).
#[derive(Clone, Default)]
pub struct Cancel(Option<std::sync::Arc<dyn Fn() -> bool + Send + Sync>>);

impl Cancel {
    /// Cancelled as soon as `gone` says so.
    pub fn when(gone: impl Fn() -> bool + Send + Sync + 'static) -> Cancel {
        Cancel(Some(std::sync::Arc::new(gone)))
    }
    /// Whether anyone could cancel this at all (the CLI's never is).
    pub fn can_cancel(&self) -> bool {
        self.0.is_some()
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.as_ref().is_some_and(|gone| gone())
    }
    /// `Err(Cancelled)` once cancelled.
    pub fn check(&self) -> Result<(), EngineError> {
        if self.is_cancelled() {
            Err(EngineError::Cancelled)
        } else {
            Ok(())
        }
    }
}

impl std::fmt::Debug for Cancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Cancel").field(&self.can_cancel()).finish()
    }
}

impl EngineError {
    /// docker's exit codes: 125 for the engine's own errors, 126/127 for exec failures.
    pub fn exit_code(&self) -> i32 {
        match self {
            EngineError::Exec { code, .. } => *code,
            EngineError::Build(_) => 1,
            _ => 125,
        }
    }

    /// The object named does not exist (a container, image, volume or network): what
    /// `rm -f` forgives and `exists` answers with 1.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            EngineError::NotFound(_)
                | EngineError::State(crate::state::container::StateError::NoSuchContainer(_))
                | EngineError::Image(crate::image::ImageError::NotFound(_))
                | EngineError::Volume(crate::volume::VolumeError::NotFound(_))
                | EngineError::Network(crate::network::NetworkError::NotFound(_))
        )
    }

    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> EngineError {
        let context = context.into();
        move |source| EngineError::Io { context, source }
    }
}

/// docker's filter match (`filters.Args.Match`): the value equals the pattern, or the pattern,
/// a regular expression, matches somewhere in it (so a plain word matches as a substring). A
/// pattern that is no valid expression matches only itself.
pub fn filter_match(pattern: &str, value: &str) -> bool {
    pattern == value || regex::Regex::new(pattern).is_ok_and(|re| re.is_match(value))
}

/// An error and its causes on one line, as `Error: ...` wants it.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut msg = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let s_msg = s.to_string();
        if !msg.contains(&s_msg) {
            msg.push_str(": ");
            msg.push_str(&s_msg);
        }
        cur = s.source();
    }
    msg
}
