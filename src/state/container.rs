//! Container records on disk.
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StateError {
    #[error("{0}")]
    Other(String),
}
