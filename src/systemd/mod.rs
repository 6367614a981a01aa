//! systemd integration that needs no running systemd: the sd_notify protocol and podman's
//! `--sdnotify` modes (`notify`), quoting for unit files (`unit`), and the units of
//! `generate systemd` (`generate`).
pub mod generate;
pub mod notify;
pub mod unit;
