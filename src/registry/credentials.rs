//! A registry login: a user name and a password or token, as docker's config.json, podman's
//! auth.json and the credential helpers hold them.
use base64::Engine as _;

/// A user name and password (or token) for a registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// The user name docker's credential helpers give an identity token under.
pub const IDENTITY_TOKEN_USER: &str = "<token>";

impl Credentials {
    /// The secret is an identity token (a refresh token for the registry's token server),
    /// from `identitytoken` in config.json or a helper's `<token>` user.
    pub fn is_identity_token(&self) -> bool {
        self.username == IDENTITY_TOKEN_USER
    }

    /// The value of a `Basic` Authorization header.
    pub fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}
