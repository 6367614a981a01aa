//! User-mode networking for rootless containers, and the files that name the container
//! (/etc/hosts, /etc/hostname, /etc/resolv.conf).
pub mod backend;
pub mod builtin;
pub mod definition;
pub mod dns;
pub mod files;
pub mod holder;
pub mod nat;
// These two fork and set up children between fork and exec (moved here from `monitor`).
#[allow(unsafe_code)]
pub mod pasta;
#[allow(unsafe_code)]
pub mod portfwd;
pub mod ports;
pub mod slirp;
pub mod user;

use thiserror::Error;

pub use crate::state::network::{Attachment, NetConfig};

#[derive(Debug, Error)]
pub enum NetworkError {
    #[error("slirp4netns: {0}")]
    Slirp(String),
    #[error("{0}")]
    Config(String),
    #[error("Bind for {addr} failed: port is already allocated ({reason})")]
    PortInUse { addr: String, reason: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// An operation docker refuses on its pre-defined networks.
    #[error("{0}")]
    Forbidden(String),
    /// pasta (`--network pasta`) could not be started or did not get ready.
    #[error(transparent)]
    Pasta(#[from] pasta::PastaError),
    /// A socket the network helpers need could not be made.
    #[error("{what}: {source}")]
    Io {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
}

pub use crate::state::network_mode::{Mode, ModeError, DEFAULT_BRIDGE};

impl From<ModeError> for NetworkError {
    fn from(e: ModeError) -> NetworkError {
        NetworkError::Config(e.0)
    }
}
