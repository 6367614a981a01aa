//! The registry HTTP API v2 / OCI distribution client.
use thiserror::Error;

#[derive(Debug, Error)]
pub enum RegistryError {
    #[error("{0}")]
    Other(String),
}
