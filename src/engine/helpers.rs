//! The table of skiff's internal entry points, dispatched before the command line is parsed
//! (before clap, logging or anything that could start a thread: user namespaces need a
//! single-threaded process). Each typed `helper::Request` goes to its entry point here; the
//! protocol (spawn, request pipe, readiness) is the `helper` module.
//!
//! Three entries are not helpers and take argv: the Quadlet generator (run by systemd as
//! `skiff-user-generator` / `skiff-system-generator`, or `skiff __quadlet DIRS`), and
//! `skiff __fuse-overlay LOWERS UPPER WORK TARGET`, which mounts skiff's FUSE overlay in the
//! foreground for debugging and benchmarks.

use super::EngineError;
use crate::helper::{ReadySender, Request, UsernsOp};
use crate::state::Paths;

/// If this process is an internal entry point, run it and return its exit code.
pub fn main_if_internal() -> Option<i32> {
    let raw: Vec<String> = std::env::args().collect();
    // systemd runs the Quadlet generator through a link named after it.
    let argv0 = raw
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if argv0 == "skiff-user-generator" || argv0 == "skiff-system-generator" {
        return Some(super::systemd::quadlet_generator(
            &raw[1..],
            argv0 == "skiff-user-generator",
        ));
    }
    match raw.get(1).map(String::as_str) {
        Some("__quadlet") => return Some(super::systemd::quadlet_generator(&raw[2..], false)),
        Some("__fuse-overlay") => return Some(crate::storage::fuse::debug_main(&raw[2..])),
        _ => {}
    }
    let (request, ready) = match crate::helper::receive()? {
        Ok(r) => r,
        Err(msg) => {
            eprintln!("Error: {msg}");
            return Some(crate::exit::ENGINE);
        }
    };
    Some(dispatch(request, ready))
}

/// The small binary's entry point (`src/bin/skiff-monitor.rs`): the helpers of
/// `Request::runs_in_small_binary` and nothing else, so that the linker keeps only what they
/// need of the library (no clap, no HTTP client, no image code).
pub fn small_main() -> i32 {
    crate::helper::restore_tunables();
    let (request, ready) = match crate::helper::receive() {
        Some(Ok(r)) => r,
        Some(Err(msg)) => {
            eprintln!("Error: {msg}");
            return crate::exit::ENGINE;
        }
        None => {
            eprintln!(
                "Error: {} is internal to skiff: it runs skiff's container monitors",
                crate::helper::SMALL_BIN
            );
            return crate::exit::ENGINE;
        }
    };
    match request {
        Request::Monitor {
            id,
            foreground,
            detach_keys,
        } => monitor_main(&id, foreground, detach_keys, ready),
        Request::NetnsHolder => crate::network::holder::main(&Paths::from_env(), ready),
        Request::Pause => pause_main(&Paths::from_env(), ready),
        Request::Userns(UsernsOp::RemoveTrees(trees)) => exit_code(remove_trees_main(&trees)),
        other => {
            eprintln!(
                "Error: the {} helper runs in skiff itself, not in {}",
                other.name(),
                crate::helper::SMALL_BIN
            );
            crate::exit::ENGINE
        }
    }
}

/// Become root in a fresh user namespace (the spawner writes the maps) and remove `trees`.
fn remove_trees_main(trees: &[std::path::PathBuf]) -> Result<(), EngineError> {
    crate::runtime::userns::become_root_in_child_namespace()?;
    remove_trees(trees)
}

fn remove_trees(trees: &[std::path::PathBuf]) -> Result<(), EngineError> {
    let mut res = Ok(());
    for p in trees {
        if let Err(e) = crate::storage::remove_tree(p) {
            res = Err(EngineError::io(format!("removing {}", p.display()))(e));
        }
    }
    res
}

/// A container's monitor started by exec (either binary): its exit is waited for, so it does
/// not report the exit code on the readiness pipe (a forked foreground one does).
fn monitor_main(
    id: &str,
    foreground: bool,
    detach_keys: Option<Vec<u8>>,
    ready: Option<ReadySender>,
) -> i32 {
    crate::monitor::main(
        &Paths::from_env(),
        id,
        foreground,
        detach_keys,
        ready,
        false,
        None,
    )
}

/// The table: one entry point per helper.
fn dispatch(request: Request, ready: Option<ReadySender>) -> i32 {
    match request {
        Request::Monitor {
            id,
            foreground,
            detach_keys,
        } => monitor_main(&id, foreground, detach_keys, ready),
        Request::NetnsHolder => crate::network::holder::main(&Paths::from_env(), ready),
        Request::Pause => pause_main(&Paths::from_env(), ready),
        Request::Userns(op) => exit_code(userns_main(op)),
        Request::Nsenter { pid, start, op } => exit_code(super::cp::nsenter_main(pid, start, &op)),
    }
}

/// The pause process (`runtime::pause`): root in the fresh user namespace the spawner mapped,
/// it forks a daemon that stays while the namespace is useful; the first process reports the
/// daemon's pid and exits.
fn pause_main(paths: &Paths, ready: Option<ReadySender>) -> i32 {
    match crate::runtime::pause::become_daemon() {
        Err(e) => {
            eprintln!("Error: {e}");
            crate::exit::ENGINE
        }
        Ok(crate::runtime::pause::Side::Starter { daemon }) => {
            if let Some(r) = ready {
                r.send(&crate::helper::Ready::Pid(daemon));
            }
            0
        }
        Ok(crate::runtime::pause::Side::Daemon) => {
            drop(ready);
            crate::runtime::pause::close_inherited();
            crate::runtime::pause::wait_while_useful(paths, std::process::id() as i32);
            0
        }
    }
}

fn exit_code(result: Result<(), EngineError>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("Error: {}", super::error_chain(&e));
            e.exit_code()
        }
    }
}

/// Become root in a fresh user namespace mapped to the caller's subordinate ids (the spawner
/// writes the maps), then run one storage operation there.
fn userns_main(op: UsernsOp) -> Result<(), EngineError> {
    crate::runtime::userns::become_root_in_child_namespace()?;
    match op {
        UsernsOp::RemoveTrees(trees) => remove_trees(&trees),
        UsernsOp::UnpackLayers {
            layers_dir,
            rootful,
            blobs,
        } => super::image::unpack_layers(&layers_dir, rootful, &blobs),
        UsernsOp::UnpackLayerStream {
            layers_dir,
            rootful,
        } => super::image::unpack_layer_stream(&layers_dir, rootful),
        UsernsOp::ContainerFiles {
            op,
            driver,
            upper,
            lowers,
        } => super::container_files::read_files(op, driver, &upper, &lowers),
        UsernsOp::CopyStopped {
            op,
            rootfs,
            volumes,
        } => super::cp::copy_stopped(&op, &rootfs, &volumes),
        UsernsOp::StorageProbe { dir } => super::storage::probe_here(&dir),
        UsernsOp::VfsCopy { upper, layers } => crate::storage::vfs::copy_layers(&upper, &layers)
            .map_err(EngineError::io(format!(
                "copying the image's layers into {}",
                upper.display()
            ))),
    }
}
