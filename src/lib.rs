//! skiff: a daemonless, rootless, Docker-compatible container engine.
//!
//! Layers, from the top: `cli` (clap definitions and rendering) and `api` (the Docker Engine
//! API service) call `engine` (the operations),
//! which calls the subsystems (`image`, `registry`, `storage`, `runtime`, `monitor`, `network`,
//! `state`, `volume`, `systemd`, and `helper`, skiff re-executed as its own helper processes).
//! Subsystems share only plain types and never call upward; `limits` holds the bounds they all
//! apply to what images and registries send.
pub mod api;
pub mod build;
pub mod cli;
pub mod engine;
pub mod helper;
pub mod image;
pub mod limits;
pub mod monitor;
pub mod network;
pub mod registry;
pub mod runtime;
pub mod state;
pub mod storage;
pub mod sys;
pub mod systemd;
pub mod units;
pub mod volume;
