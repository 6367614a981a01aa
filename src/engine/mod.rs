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
pub mod manifest;
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
    #[error(transparent)]
    Cgroup(#[from] crate::runtime::cgroup::CgroupError),
    /// The journal a journald container's logs are read back from.
    #[error(transparent)]
    Journal(#[from] crate::monitor::journald::JournalError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// A request skiff understands but cannot carry out (no CDI devices, no remote engines):
    /// refused as bad arguments are (125, the API's 400).
    #[error("{0}")]
    Unsupported(String),
    /// The engine failed underneath, with no cause to carry (a helper that died without a
    /// word, a protocol message it did not expect): docker's daemon error (125, the API's 500).
    #[error("{0}")]
    Internal(String),
    /// As [`EngineError::Internal`], with the failure underneath (a file skiff wrote and cannot
    /// read back, a value it cannot encode, a subsystem that answered with a message).
    #[error("{context}: {source}")]
    Failed {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
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

/// What kind of failure an [`EngineError`] is, whichever subsystem reported it: the one
/// classification the CLI's exit status, the API's HTTP status and the callers that forgive a
/// missing object (`rm -f`, `exists`) all read, so none of them matches nested variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad arguments or a bad name (the API's 400).
    Invalid,
    /// The object named does not exist: a container, image, volume or network (404).
    NotFound,
    /// A registry has no such manifest or refuses to say (404 on the API; not an object the
    /// CLI's `rm -f` forgives).
    RemoteNotFound,
    /// A conflict with existing state: name in use, container running, image in use (409).
    Conflict,
    /// The registry refused the credentials (401).
    Unauthorized,
    /// The registry refused a push (403).
    Forbidden,
    /// The container's command could not be found (127) or executed (126).
    Exec(i32),
    /// A build that failed (bad Dockerfile, failed step): docker build exits 1.
    Build,
    /// Whoever asked went away.
    Cancelled,
    /// Anything else: the engine failed (125, the API's 500).
    Internal,
}

impl ErrorKind {
    /// The exit status of a container start that failed this way (docker's `run`, podman's
    /// every command): 125 for the engine's own failures, 126/127 when the container's command
    /// could not run, 1 for a failed build. Other docker commands exit 1 (`cli/status.rs`).
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::Exec(code) => code,
            ErrorKind::Build => 1,
            _ => crate::exit::ENGINE,
        }
    }
}

impl EngineError {
    pub fn kind(&self) -> ErrorKind {
        use crate::image::ImageError;
        use crate::network::NetworkError;
        use crate::registry::RegistryError;
        use crate::state::container::StateError;
        use crate::volume::VolumeError;
        match self {
            EngineError::Usage(_)
            | EngineError::Unsupported(_)
            | EngineError::Image(ImageError::InvalidReference(_))
            | EngineError::State(StateError::BadName(_) | StateError::Ambiguous(_))
            | EngineError::Volume(VolumeError::BadName(_) | VolumeError::BadOptions { .. })
            | EngineError::Network(NetworkError::Config(_))
            | EngineError::Cgroup(crate::runtime::cgroup::CgroupError::Invalid(_))
            // docker refuses to read logs of a driver that cannot read them as a bad request.
            | EngineError::Journal(crate::monitor::journald::JournalError::NoJournalctl) => {
                ErrorKind::Invalid
            }
            EngineError::NotFound(_)
            | EngineError::State(StateError::NoSuchContainer(_))
            | EngineError::Image(ImageError::NotFound(_))
            | EngineError::Volume(VolumeError::NotFound(_))
            | EngineError::Network(NetworkError::NotFound(_)) => ErrorKind::NotFound,
            EngineError::Registry(
                RegistryError::ManifestNotFound { .. } | RegistryError::Denied { .. },
            ) => ErrorKind::RemoteNotFound,
            EngineError::Registry(RegistryError::Auth { .. }) => ErrorKind::Unauthorized,
            EngineError::Registry(RegistryError::PushDenied { .. }) => ErrorKind::Forbidden,
            EngineError::Conflict(_)
            | EngineError::Image(ImageError::Conflict(_))
            | EngineError::State(StateError::NameInUse { .. })
            | EngineError::Network(NetworkError::Conflict(_)) => ErrorKind::Conflict,
            EngineError::Exec { code, .. } => ErrorKind::Exec(*code),
            EngineError::Build(_) => ErrorKind::Build,
            EngineError::Cancelled => ErrorKind::Cancelled,
            _ => ErrorKind::Internal,
        }
    }

    /// docker's exit code for this failure (see [`ErrorKind::exit_code`]).
    pub fn exit_code(&self) -> i32 {
        self.kind().exit_code()
    }

    /// The object named does not exist (a container, image, volume or network): what
    /// `rm -f` forgives and `exists` answers with 1.
    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }

    /// A conflict with existing state (what `network create --ignore` forgives).
    pub fn is_conflict(&self) -> bool {
        self.kind() == ErrorKind::Conflict
    }

    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> EngineError {
        let context = context.into();
        move |source| EngineError::Io { context, source }
    }

    /// `map_err(EngineError::failed("reading X"))`: an [`EngineError::Failed`] with `context`
    /// and the error (or message) underneath.
    pub fn failed<E>(context: impl Into<String>) -> impl FnOnce(E) -> EngineError
    where
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let context = context.into();
        move |source| EngineError::Failed {
            context,
            source: source.into(),
        }
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
