//! Starting the pause process (`runtime::pause`: the long-lived user namespace rootless
//! monitors join) when a container is about to start and no usable one runs. Best effort: if it
//! cannot start, each container gets a user namespace of its own, as without it.
use crate::helper::{Ready, Request, Spawn};
use crate::runtime::pause;
use crate::runtime::userns::{is_rootful, IdMapping};
use crate::state::atomic::{write_replace, LockFile};
use crate::state::container::ContainerRecord;
use crate::state::Paths;

/// Whether `rec`'s monitor may join the pause process: a rootless container of the built-in
/// runtime that makes its own user namespace with the user's usual maps, on a network whose
/// helpers work from inside that namespace (`network::backend::fits_pause_process`).
fn wanted(rec: &ContainerRecord) -> bool {
    !is_rootful()
        && rec.runtime.is_none()
        && crate::engine::create::parse_extras::keep_id(&rec.extras.userns).is_none()
        && crate::network::backend::fits_pause_process(&rec.network)
}

/// Make sure a pause process with the user's maps runs before `rec`'s monitor starts. Its user
/// namespace, opened and verified for the user's maps ([`pause::open_verified`]), when one ran
/// already: a monitor this process forks joins it without checking it again (one it starts
/// anew is left to the monitor's own check).
pub fn ensure_for(paths: &Paths, rec: &ContainerRecord) -> Option<std::fs::File> {
    if !wanted(rec) {
        return None;
    }
    let record = pause::record_path(paths);
    let mapping = IdMapping::for_current_user();
    if !mapping.subordinate {
        return None;
    }
    if let Some(ns) = pause::open_verified(&record, Some(&mapping)) {
        return Some(ns);
    }
    if std::fs::create_dir_all(&paths.runtime).is_err() {
        return None;
    }
    let Ok(_lock) = LockFile::exclusive(&pause::lock_path(paths)) else {
        return None;
    };
    // Another command may have started one while we waited for the lock.
    if let Some(ns) = pause::open_verified(&record, Some(&mapping)) {
        return Some(ns);
    }
    match spawn(paths) {
        Ok(pid) => match pause::record_for(pid) {
            // Not forced to disk: the run root does not outlive a reboot, nor the holder.
            Some(r) => match serde_json::to_vec(&r) {
                Ok(data) => {
                    if let Err(e) = write_replace(&record, &data) {
                        tracing::debug!("writing {}: {e}", record.display());
                    }
                }
                Err(e) => tracing::debug!("encoding the pause record: {e}"),
            },
            None => tracing::debug!("the pause process {pid} is gone already"),
        },
        Err(e) => tracing::debug!("the pause process did not start: {e}"),
    }
    None
}

/// Start the pause helper; the pid of its daemon (its own session, not our child).
fn spawn(paths: &Paths) -> Result<i32, crate::runtime::RuntimeError> {
    let request = Request::Pause;
    let mut s = Spawn::new(&request);
    s.ready = true;
    s.stdout = std::process::Stdio::null();
    s.env = vec![
        ("SKIFF_ROOT".into(), paths.data.clone().into()),
        ("SKIFF_RUNROOT".into(), paths.runtime.clone().into()),
    ];
    let mut helper = crate::helper::spawn(s)?;
    match helper.wait_ready() {
        Some(Ready::Pid(pid)) => {
            let _ = helper.child.wait();
            Ok(pid)
        }
        _ => Err(match helper.finish() {
            Err(e) => e,
            Ok(_) => crate::runtime::RuntimeError::Helper(
                "the pause helper exited without a message".into(),
            ),
        }),
    }
}
