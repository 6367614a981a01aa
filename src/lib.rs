//! skiff: a daemonless, rootless, Docker-compatible container engine.
//!
//! Layers, from the top: `cli` (clap definitions and rendering) and `api` (the Docker Engine
//! API service) call `engine` (the operations),
//! which calls the subsystems (`image`, `registry`, `storage`, `runtime`, `monitor`, `network`,
//! `state`, `volume`, `systemd`, and `helper`, skiff re-executed as its own helper processes).
//! Subsystems share only plain types and never call upward; `limits` holds the bounds they all
//! apply to what images and registries send, `exit` docker's exit statuses for failures.
//!
//! `unsafe` is denied everywhere but in the modules that talk to the kernel directly:
//! `runtime`, `monitor`, `helper` (fork/exec) and `sys`, whose safe functions the rest uses.
#![deny(unsafe_code)]
pub mod api;
pub mod build;
pub mod cli;
pub mod engine;
pub mod exit;
#[allow(unsafe_code)]
pub mod helper;
pub mod image;
pub mod limits;
#[allow(unsafe_code)]
pub mod monitor;
pub mod network;
pub mod registry;
#[allow(unsafe_code)]
pub mod runtime;
pub mod state;
pub mod storage;
#[allow(unsafe_code)]
pub mod sys;
pub mod systemd;
pub mod units;
pub mod volume;
