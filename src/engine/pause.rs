//! `pause` and `unpause`, and the unpausing that `stop`, `kill` and `rm -f` do as docker's.
//!
//! A container in its own cgroup v2 group is paused with the cgroup's freezer
//! (`cgroup.freeze`). With no cgroup freezer, a container is paused by stopping every process of its own PID
//! namespace with SIGSTOP (`runtime::freeze`: pidfds, namespace and start-time checks, scans
//! until nothing of the namespace runs) and unpaused by SIGCONT to the same processes in
//! reverse. The paused state lives in the container's `state.json` (status `paused` and the
//! processes stopped), so it outlives the command and every later command sees it; the monitor
//! clears it when the container exits.
use super::EngineError;
use crate::state::container::{Containers, Frozen, Status};
use crate::state::{events, Paths};

/// `pause`: freeze a running container.
pub fn pause(paths: &Paths, name: &str) -> Result<(), EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let rec = store.record(&id)?;
    let lock = store.lock(&id)?;
    let mut st = store.state(&id)?;
    match st.status {
        Status::Paused => {
            return Err(EngineError::Conflict(format!(
                "container {id} is already paused"
            )))
        }
        Status::Restarting => {
            return Err(EngineError::Conflict(format!(
                "Container {id} is restarting, wait until the container is running"
            )))
        }
        Status::Running if st.pid > 0 => {}
        _ => {
            return Err(EngineError::Conflict(format!(
                "container {id} is not running"
            )))
        }
    }
    if let Some(cg) = frozen_by_cgroup(&rec, st.pid) {
        crate::runtime::cgroup::freeze(&cg.dir, true).map_err(|e| {
            let _ = crate::runtime::cgroup::freeze(&cg.dir, false);
            EngineError::Conflict(format!("cannot pause container {id}: {e}"))
        })?;
        st.status = Status::Paused;
        st.frozen = Some(Frozen::Cgroup);
        if let Err(e) = store.save_state(&lock, &st) {
            let _ = crate::runtime::cgroup::freeze(&cg.dir, false);
            return Err(e.into());
        }
        events::container(paths, &rec, "pause", &[]);
        return Ok(());
    }
    let guard = crate::runtime::freeze::freeze(st.pid, st.pid_start).map_err(|e| match e {
        crate::runtime::freeze::FreezeError::Gone(_) => {
            EngineError::Conflict(format!("container {id} is not running"))
        }
        e => EngineError::Conflict(format!("cannot pause container {id}: {e}")),
    })?;
    st.status = Status::Paused;
    st.frozen = Some(Frozen::Signals {
        processes: guard.processes(),
    });
    // On failure the guard's drop continues the processes: not paused, nothing recorded.
    store.save_state(&lock, &st)?;
    guard.keep();
    events::container(paths, &rec, "pause", &[]);
    Ok(())
}

/// `unpause`: continue a paused container.
pub fn unpause(paths: &Paths, name: &str) -> Result<(), EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    if !thaw(paths, &store, &id)? {
        return Err(EngineError::Conflict(format!(
            "container {id} is not paused"
        )));
    }
    Ok(())
}

/// Continue container `id` if it is paused (with its `unpause` event); false if it was not.
/// `stop`, `kill` and `rm -f` call this after their signal, as docker's daemon resumes a paused
/// container so that the signal is delivered.
pub fn thaw(paths: &Paths, store: &Containers<'_>, id: &str) -> Result<bool, EngineError> {
    let lock = store.lock(id)?;
    let mut st = store.state(id)?;
    if !st.can_unpause() {
        return Ok(false);
    }
    match &st.frozen {
        Some(Frozen::Signals { processes }) => {
            crate::runtime::freeze::thaw(st.pid, st.pid_start, processes);
        }
        Some(Frozen::Cgroup) => {
            if let Some(cg) = store.record(id)?.cgroup {
                crate::runtime::cgroup::freeze(&cg.dir, false).map_err(|e| {
                    EngineError::Conflict(format!("cannot unpause container {id}: {e}"))
                })?;
            }
        }
        None => {}
    }
    st.status = Status::Running;
    st.frozen = None;
    store.save_state(&lock, &st)?;
    if let Ok(rec) = store.record(id) {
        events::container(paths, &rec, "unpause", &[]);
    }
    Ok(true)
}

/// The container's cgroup, if it has one with a freezer and its first process is in it.
fn frozen_by_cgroup(
    rec: &crate::state::container::ContainerRecord,
    pid: i32,
) -> Option<&crate::state::container::CgroupPlace> {
    rec.cgroup.as_ref().filter(|cg| {
        crate::runtime::cgroup::can_freeze(&cg.dir)
            && crate::runtime::cgroup::processes(&cg.dir).contains(&pid)
    })
}

/// Whether docker's daemon resumes a paused container after sending it `sig`: for SIGKILL, for
/// the container's stop signal, and for any signal when it has no `--stop-signal` (moby's
/// `killWithSignal`). Otherwise the signal waits, pending, for `unpause`.
pub fn signal_unpauses(stop_signal: Option<&str>, sig: i32) -> bool {
    match stop_signal.and_then(crate::units::parse_signal) {
        None => true,
        Some(stop) => sig == libc::SIGKILL || sig == stop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_signals_unpause() {
        assert!(signal_unpauses(None, libc::SIGUSR1));
        assert!(signal_unpauses(Some("SIGUSR2"), libc::SIGUSR2));
        assert!(signal_unpauses(Some("SIGUSR2"), libc::SIGKILL));
        assert!(!signal_unpauses(Some("SIGUSR2"), libc::SIGHUP));
    }
}
