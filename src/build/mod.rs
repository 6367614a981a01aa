//! Building images from Dockerfiles: the Dockerfile grammar, variable expansion,
//! `.dockerignore`, the build context and COPY/ADD layers, and the on-disk build cache.
//! The engine (`engine::build`) runs the steps; nothing here starts containers.
pub mod cache;
pub mod files;
pub mod ignore;
pub mod parser;
pub mod shell;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum BuildError {
    /// A Dockerfile that does not parse, with the file and line.
    #[error("{file}:{line}: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
    /// A step that cannot be carried out (bad instruction, missing source, failed RUN...).
    #[error("{0}")]
    Failed(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl BuildError {
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BuildError {
        let context = context.into();
        move |source| BuildError::Io { context, source }
    }
}
