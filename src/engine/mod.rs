//! The operations behind every command. `cli` calls these; these call the subsystems.
pub mod attach;
pub mod build;
pub mod container;
pub mod container_files;
pub mod cp;
pub mod create;
pub mod events;
pub mod health;
pub mod image;
pub mod info;
pub mod logs;
pub mod mounts;
pub mod network;
pub mod prune;
pub mod ps;
pub mod resources;
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

/// Entry point of `skiff __userns OP ARGS...`: become root in a fresh user namespace mapped to
/// the caller's subordinate ids, then run one storage operation there (layer unpacking, removal
/// of trees owned by container users). Must run before any thread exists.
pub fn userns_helper_main(args: &[String]) -> i32 {
    if let Err(e) = crate::runtime::userns::become_root_in_child_namespace() {
        eprintln!("Error: {e}");
        return 125;
    }
    let result = match args.first().map(String::as_str) {
        Some("rmtree") => {
            let mut res = Ok(());
            for p in &args[1..] {
                if let Err(e) = crate::storage::remove_tree(std::path::Path::new(p)) {
                    res = Err(EngineError::io(format!("removing {p}"))(e));
                }
            }
            res
        }
        Some(op) if op.starts_with("image-") => image::userns_op(op, &args[1..]),
        Some(op) if op.starts_with("ctr-") => container_files::userns_op(op, &args[1..]),
        Some(op) if op.starts_with("cp-") => cp::userns_op(op, &args[1..]),
        Some(op) if op.starts_with("storage-") => storage::userns_op(op, &args[1..]),
        _ => Err(EngineError::Usage(format!(
            "unknown userns operation {args:?}"
        ))),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("Error: {}", error_chain(&e));
            e.exit_code()
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
