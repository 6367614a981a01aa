//! `start --all [--filter ...]`: what `skiff-restart.service` runs at login (podman's
//! podman-restart.service). Every matching container that does not run is started, except an
//! `unless-stopped` one stopped by hand. A container whose monitor died (kill -9, OOM) while its
//! process lives on is not managed any more (no log, no exit code, no restart): when its policy
//! restarts it, that orphan is killed and the container started afresh under a new monitor.
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nix::unistd::Pid;

use super::ps::{ps, PsQuery};
use super::EngineError;
use crate::state::container::{ContainerState, Status};
use crate::state::restart::RestartPolicy;
use crate::state::Paths;

/// The IDs `start --all` starts, given podman's `--filter`s (an orphan with a restarting policy
/// is killed on the way).
pub fn select(paths: &Paths, filters: &[String]) -> Result<Vec<String>, EngineError> {
    let entries = ps(
        paths,
        &PsQuery {
            all: true,
            filters: filters.to_vec(),
            ..PsQuery::default()
        },
    )?;
    let mut ids = Vec::new();
    for e in entries {
        let (rec, st) = (&e.summary, &e.state);
        let policy = rec.restart_policy;
        if policy == RestartPolicy::UnlessStopped && st.stop_requested {
            continue;
        }
        if orphaned(st) {
            if policy == RestartPolicy::No {
                continue;
            }
            kill_orphan(&rec.id, st);
        } else if matches!(
            st.status,
            Status::Running | Status::Restarting | Status::Paused
        ) {
            continue;
        }
        ids.push(rec.id.clone());
    }
    Ok(ids)
}

/// Its process runs, its monitor is gone.
fn orphaned(st: &ContainerState) -> bool {
    st.status == Status::Running
        && crate::sys::proc::start_time(st.pid) == Some(st.pid_start)
        && crate::sys::proc::start_time(st.monitor_pid) != Some(st.monitor_start)
}

/// SIGKILL the container's process 1 (its PID checked against its start time first) and wait
/// until it is gone.
fn kill_orphan(id: &str, st: &ContainerState) {
    if crate::sys::proc::start_time(st.pid) != Some(st.pid_start) {
        return;
    }
    let _ = nix::sys::signal::kill(Pid::from_raw(st.pid), Signal::SIGKILL);
    let deadline = Instant::now() + Duration::from_secs(10);
    while crate::sys::proc::start_time(st.pid) == Some(st.pid_start) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    tracing::info!("container {id}: killed its process, left without a monitor");
}
