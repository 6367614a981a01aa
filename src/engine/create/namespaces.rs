//! The namespace modes of a create request checked against the other containers they name:
//! `--pid container:X` and `--ipc container:X` (X must run; for IPC it must be `shareable`, as
//! docker asks), and `--userns keep-id`, which needs a user namespace of the container's own.
//!
//! Rootless, each container's namespaces belong to a user namespace, and a process can be in
//! only one: a container joining another's PID or IPC namespace joins that container's user
//! namespace too (the monitor does it at start), so it cannot also be in the shared one of the
//! user networks or another container's unless it is the same one.
use crate::engine::EngineError;
use crate::network::Mode;
use crate::runtime::spec::SpecExtras;
use crate::state::container::{Containers, Status};
use crate::state::Paths;

use super::parse_extras::container_target;

/// The request's extras with `container:NAME` resolved to `container:ID`, after the checks.
/// `mode` is the network mode with `container:` already resolved to an ID.
pub(super) fn resolve(
    paths: &Paths,
    extras: &SpecExtras,
    mode: &Mode,
) -> Result<SpecExtras, EngineError> {
    let store = Containers::new(paths);
    let mut out = extras.clone();
    let rootless = !crate::runtime::userns::is_rootful();
    if super::parse_extras::keep_id(&extras.userns).is_some() {
        if !rootless {
            return Err(EngineError::Unsupported(
                "--userns keep-id is only supported in rootless mode".into(),
            ));
        }
        let joins = match mode {
            Mode::User(_) => Some("a user-defined network"),
            Mode::Container(_) => Some("--network container:"),
            _ if container_target(&extras.pid).is_some() => Some("--pid container:"),
            _ if container_target(&extras.ipc).is_some() => Some("--ipc container:"),
            _ => None,
        };
        if let Some(what) = joins {
            return Err(EngineError::Usage(format!(
                "--userns keep-id cannot be combined with {what}: that container joins another user namespace"
            )));
        }
    }
    // The user namespace the network mode puts the container in, if not its own.
    let net_userns = match mode {
        Mode::User(_) if rootless => Some(UserNs::Networks),
        Mode::Container(id) => Some(UserNs::Of(id.clone())),
        _ => None,
    };
    let mut joined: Option<UserNs> = net_userns.clone();
    for (flag, value, slot) in [
        ("pid", &extras.pid, &mut out.pid),
        ("ipc", &extras.ipc, &mut out.ipc),
    ] {
        let Some(target) = container_target(value) else {
            continue;
        };
        let id = store.resolve(target)?;
        if store.state(&id)?.status != Status::Running {
            return Err(EngineError::Conflict(format!(
                "container {target} is not running"
            )));
        }
        let rec = store.record(&id)?;
        if flag == "ipc" && rec.extras.ipc != "shareable" {
            return Err(EngineError::Usage(format!(
                "container {target}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)"
            )));
        }
        // Rootless: the target's user namespace, where its namespaces belong.
        if rootless {
            let theirs = match rec.network {
                Mode::User(_) => UserNs::Networks,
                Mode::Container(c) => UserNs::Of(c),
                _ => UserNs::Of(id.clone()),
            };
            match &joined {
                Some(j) if *j != theirs => {
                    return Err(EngineError::Unsupported(format!(
                        "--{flag} container:{target}: rootless, a container can join the namespaces of one user namespace only, and its network is in another"
                    )))
                }
                _ => joined = Some(theirs),
            }
        }
        *slot = format!("container:{id}");
    }
    Ok(out)
}

/// The network a container asking for the default network gets: docker's `bridge` in the
/// shared namespace, unless it needs a user namespace that cannot be the shared one (podman's
/// `--userns keep-id`, or `--pid`/`--ipc container:X` where X is not in the shared one): then
/// its own slirp4netns, as before the default bridge existed.
pub(super) fn default_network(paths: &Paths, extras: &SpecExtras) -> Result<Mode, EngineError> {
    if crate::runtime::userns::is_rootful() {
        return Ok(Mode::default_network());
    }
    let own = || Ok(Mode::Slirp4netns(Default::default()));
    if super::parse_extras::keep_id(&extras.userns).is_some() {
        return own();
    }
    let store = Containers::new(paths);
    for value in [&extras.pid, &extras.ipc] {
        let Some(target) = container_target(value) else {
            continue;
        };
        // An unknown target is `resolve`'s error to report.
        let Ok(rec) = store.resolve(target).and_then(|id| store.record(&id)) else {
            continue;
        };
        if !matches!(rec.network, Mode::User(_)) {
            return own();
        }
    }
    Ok(Mode::default_network())
}

/// Whose user namespace a rootless container is in.
#[derive(Debug, Clone, PartialEq, Eq)]
enum UserNs {
    /// The one of the user networks' namespace holder.
    Networks,
    /// The one of this container (by ID).
    Of(String),
}
