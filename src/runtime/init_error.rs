//! The error of a container's or an exec'd process's set-up on its way to exec (init, exec,
//! the container's mounts): a message and docker's exit code for it, reported to the parent.

/// An error on the way to exec: the message and docker's exit code for it.
#[derive(Debug)]
pub(super) struct InitError {
    pub(super) code: i32,
    pub(super) message: String,
}

pub(super) fn fail(message: impl Into<String>) -> InitError {
    InitError {
        code: crate::exit::ENGINE,
        message: message.into(),
    }
}

pub(super) fn ctx<E: std::fmt::Display>(what: impl Into<String>) -> impl FnOnce(E) -> InitError {
    let what = what.into();
    move |e| fail(format!("{what}: {e}"))
}
