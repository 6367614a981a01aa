//! State on disk: where things live, atomic writes, locks, and container records.
pub mod atomic;
pub mod container;
pub mod events;
mod fast_parse;
pub mod health;
pub mod host_config;
pub mod listing;
pub mod mount_record;
pub mod network;
pub mod network_mode;
pub mod paths;
pub mod restart;
pub mod summary;
pub mod trash;

pub use atomic::{
    write_atomic, write_atomic_dir_later, write_json_atomic, write_replace, LockFile,
};
pub use paths::Paths;
