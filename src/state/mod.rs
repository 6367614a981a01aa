//! State on disk: where things live, atomic writes, locks, and container records.
pub mod atomic;
pub mod container;
pub mod events;
pub mod health;
pub mod host_config;
pub mod network;
pub mod network_mode;
pub mod paths;
pub mod summary;
pub mod restart;

pub use atomic::{
    write_atomic, write_atomic_dir_later, write_json_atomic, write_replace, LockFile,
};
pub use paths::Paths;
