//! The built-in OCI runtime: namespaces, mounts, pivot_root, /proc, /dev, capabilities, exec.
pub mod userns;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum RuntimeError {
    #[error("user namespace: {0}")]
    UserNamespace(String),
    /// A helper process reported this error (its own message, passed through).
    #[error("{0}")]
    Helper(String),
    #[error("{0}")]
    Other(String),
}
