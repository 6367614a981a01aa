//! Images: references, the content-addressed store, and layer unpacking.
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ImageError {
    #[error("{0}")]
    Other(String),
}
