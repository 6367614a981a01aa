//! The registry HTTP API v2 / OCI distribution client: pull, push, login.
pub mod auth;
pub mod client;
pub mod config;
pub mod cred_helper;
pub mod credentials;
pub mod http;
pub mod platform;
pub mod search;

use thiserror::Error;

pub use client::{Client, Manifest};
pub use config::{Endpoint, RegistriesConfig};
pub use platform::Platform;

#[derive(Debug, Error)]
pub enum RegistryError {
    /// The registry could not be reached (refused, DNS, TLS, reset).
    #[error("{registry}: {reason}")]
    Connect { registry: String, reason: String },
    /// A download stopped because its progress callback asked to (nobody wants it any more).
    #[error("download cancelled")]
    Cancelled,
    #[error("manifest for {reference} not found: {reason}")]
    ManifestNotFound { reference: String, reason: String },
    #[error("pull access denied for {repository}, repository does not exist or may require authorization: {reason}")]
    Denied { repository: String, reason: String },
    #[error(
        "denied: requested access to the resource is denied ({registry}/{repository}: {reason})"
    )]
    PushDenied {
        registry: String,
        repository: String,
        reason: String,
    },
    #[error("{registry}: authentication failed: {reason}")]
    Auth { registry: String, reason: String },
    #[error("{registry}: {what}: unexpected HTTP status {status}: {reason}")]
    Http {
        registry: String,
        what: String,
        status: u16,
        reason: String,
    },
    #[error("{what}: digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        what: String,
        expected: String,
        actual: String,
    },
    #[error("{what}: size mismatch: expected {expected} bytes, got {actual}")]
    SizeMismatch {
        what: String,
        expected: u64,
        actual: u64,
    },
    #[error("no matching manifest for {platform} in the manifest list entries of {reference}")]
    NoPlatform { reference: String, platform: String },
    #[error("image with reference {reference} was found but does not match the specified platform: wanted {wanted}, actual: {actual}")]
    PlatformMismatch {
        reference: String,
        wanted: String,
        actual: String,
    },
    #[error("invalid platform {platform:?}: {reason}")]
    BadPlatform { platform: String, reason: String },
    #[error("{path}: {reason}")]
    Config { path: String, reason: String },
    #[error(
        "pulling from {registry} is blocked by the registries configuration (prefix {prefix})"
    )]
    Blocked { registry: String, prefix: String },
    #[error("{reference}: bad manifest: {reason}")]
    BadManifest { reference: String, reason: String },
    #[error(transparent)]
    AuthFile(#[from] auth::AuthFileError),
    /// `search`, with docker's messages.
    #[error("{0}")]
    Search(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}
