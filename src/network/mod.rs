//! User-mode networking for rootless containers, and the files that name the container
//! (/etc/hosts, /etc/hostname, /etc/resolv.conf).
pub mod files;
pub mod slirp;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum NetworkError {
    #[error("slirp4netns: {0}")]
    Slirp(String),
    #[error("{0}")]
    Config(String),
}

/// A container's network mode, as `--network` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    None,
    Host,
    Slirp4netns,
}

impl Mode {
    /// Parse `--network`; `bridge` and `default` mean the rootless default (slirp4netns).
    pub fn parse(s: &str) -> Result<Mode, NetworkError> {
        match s {
            "none" => Ok(Mode::None),
            "host" => Ok(Mode::Host),
            "slirp4netns" | "bridge" | "default" | "" => Ok(Mode::Slirp4netns),
            other => Err(NetworkError::Config(format!(
                "network {other} not found (supported here: none, host, slirp4netns)"
            ))),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Mode::None => "none",
            Mode::Host => "host",
            Mode::Slirp4netns => "slirp4netns",
        }
    }
}
