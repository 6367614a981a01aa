//! systemd integration that needs no running systemd: the sd_notify protocol and podman's
//! `--sdnotify` modes (`notify`), quoting for unit files (`unit`), and the units of
//! `generate systemd` (`generate`), and Quadlet: podman's `.container`/`.volume`/`.network`
//! files made into units (`quadlet`) by a systemd generator (`generator`).
pub mod generate;
pub mod generator;
pub mod notify;
pub mod quadlet;
pub mod unit;
