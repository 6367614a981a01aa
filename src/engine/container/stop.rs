//! `stop`, `kill`, `rm`, `rename` and `wait`: signals to a container, waiting for its monitor
//! to record the exit, and removal.
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::engine::EngineError;
use crate::state::container::{ContainerRecord, Containers, Durability, Status};
use crate::state::{events, Paths};

/// Wait until the container is no longer running and its monitor has recorded it.
///
/// The monitor records the exit and then exits itself (unless it restarts the container), so
/// the wait between two looks at the state (one small read, ~20 us) is a poll of the monitor's
/// pidfd: it ends the moment the monitor exits, right after its record, instead of at the next
/// tick (a sleep of 10 ms for the monitor's end made `stop -t 0` answer ~10 ms after the
/// record). The looks come at most 4 ms apart for the first second (a monitor that stays, or
/// none to watch), then 50 ms, so a long `stop -t` costs little CPU. Not an inotify watch on
/// the state file: closing one waits for the kernel's fsnotify grace period (0.4-20 ms), which
/// the command's exit would pay.
fn wait_stopped(store: &Containers<'_>, id: &str, timeout: Option<Duration>) -> bool {
    let start = Instant::now();
    let mut delay = Duration::from_millis(1);
    let mut monitor = None;
    loop {
        match store.state(id) {
            Ok(st) if st.is_active() => {
                if monitor.is_none() {
                    monitor = crate::runtime::ProcessHandle::open_checked(
                        st.monitor_pid,
                        st.monitor_start,
                    )
                    .map(Some);
                }
            }
            _ => return true,
        }
        let elapsed = start.elapsed();
        if timeout.is_some_and(|t| elapsed >= t) {
            return false;
        }
        let nap = timeout.map_or(delay, |t| delay.min(t - elapsed));
        match &monitor {
            // Gone: one more look at the state says whether it recorded the exit.
            Some(Some(h)) if h.wait_exit(nap) => monitor = Some(None),
            Some(Some(_)) => {}
            _ => std::thread::sleep(nap),
        }
        let cap = if elapsed < Duration::from_secs(1) {
            Duration::from_millis(4)
        } else {
            Duration::from_millis(50)
        };
        delay = (delay * 2).min(cap);
    }
}

/// `stop`: the stop signal, then SIGKILL after `timeout` seconds.
pub fn stop(paths: &Paths, name: &str, timeout: Option<i64>) -> Result<(), EngineError> {
    stop_with(paths, name, timeout, None)
}

/// `stop -s SIGNAL`: `signal` (a name or number, docker's syntax) instead of the container's
/// stop signal.
pub fn stop_with(
    paths: &Paths,
    name: &str,
    timeout: Option<i64>,
    signal: Option<&str>,
) -> Result<(), EngineError> {
    let forced = signal
        .map(|s| parse_signal(s).ok_or_else(|| EngineError::Usage(format!("Invalid signal: {s}"))))
        .transpose()?;
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let rec = store.record(&id)?;
    let st = store.state(&id)?;
    if !st.is_alive() && st.status != Status::Restarting {
        return Ok(());
    }
    // From now on the monitor will not restart it.
    request_stop(&store, &id)?;
    // Between two runs: it either settles as exited or comes up once more (then stop that).
    let deadline = Instant::now() + Duration::from_secs(70);
    let st = loop {
        let st = store.state(&id)?;
        if st.status != Status::Restarting || Instant::now() >= deadline {
            break st;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if !st.is_alive() {
        return Ok(());
    }
    let sig = forced.unwrap_or_else(|| {
        rec.stop_signal
            .as_deref()
            .and_then(parse_signal)
            .unwrap_or(Signal::SIGTERM as i32)
    });
    // Through a pidfd checked against the recorded start time: a PID reused meanwhile is
    // never signalled.
    let handle = crate::runtime::ProcessHandle::open_checked(st.pid, st.pid_start);
    if let Some(h) = &handle {
        let _ = h.signal(sig);
    }
    // A paused container gets the signal once it runs again (docker's stop resumes it).
    crate::engine::pause::thaw(paths, &store, &id)?;
    events::container(paths, &rec, "kill", &[("signal", sig.to_string())]);
    let secs = timeout.or(rec.stop_timeout).unwrap_or(10).max(0) as u64;
    if !wait_stopped(&store, &id, Some(Duration::from_secs(secs))) {
        let st = store.state(&id)?;
        if st.is_alive() {
            if let Some(h) = &handle {
                let _ = h.signal(Signal::SIGKILL as i32);
            }
            kill_cgroup(&rec);
            events::container(paths, &rec, "kill", &[("signal", "9".into())]);
        }
        wait_stopped(&store, &id, Some(Duration::from_secs(30)));
    }
    // And its monitor gone: under systemd the monitor is the unit's main process, which
    // systemd did not fork, so it cannot wait for it: a monitor still finishing (removing a
    // `--rm` container) when ExecStop returns is SIGKILLed and the unit fails.
    wait_process_gone(st.monitor_pid, st.monitor_start, Duration::from_secs(10));
    events::container(paths, &rec, "stop", &[]);
    Ok(())
}

/// SIGKILL every process of the container's cgroup (`cgroup.kill`), where it has one: what
/// the PID namespace's end already does for the processes inside it, and more (a process that
/// joined the cgroup but not the namespace).
fn kill_cgroup(rec: &ContainerRecord) {
    if let Some(cg) = &rec.cgroup {
        crate::runtime::cgroup::kill(&cg.dir);
    }
}

/// Wait (at most `timeout`) until process `pid`, started at `start`, no longer runs: on its
/// pidfd, so the wait ends at its exit.
fn wait_process_gone(pid: i32, start: u64, timeout: Duration) {
    if let Some(h) = crate::runtime::ProcessHandle::open_checked(pid, start) {
        h.wait_exit(timeout);
    }
}

/// Tell the monitor that the coming exit is wanted (no restart).
///
/// Not forced to disk (two fsyncs, 2-7 ms of `stop`): the monitor's record of the exit,
/// which is, carries the request on. A crash before that record ends a stop that had not
/// returned yet, and the container was running at the crash either way.
fn request_stop(store: &Containers<'_>, id: &str) -> Result<(), EngineError> {
    let lock = store.lock(id)?;
    let mut st = store.state(id)?;
    st.stop_requested = true;
    store.save_state_volatile(&lock, &st)?;
    Ok(())
}

/// Parse a signal as docker does (`crate::units::parse_signal`): its number, real-time ones
/// included.
pub fn parse_signal(s: &str) -> Option<i32> {
    crate::units::parse_signal(s)
}

/// `rm`: refuse a running container unless `force` (which kills it first); with `volumes`,
/// also remove its anonymous volumes that no other container uses.
pub fn remove(paths: &Paths, name: &str, force: bool, volumes: bool) -> Result<(), EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let rec = store.record(&id)?;
    let st = store.state(&id)?;
    if !st.can_remove() {
        if !force && st.status == Status::Paused {
            return Err(EngineError::Conflict(format!(
                "cannot remove container \"/{}\": container is paused and must be unpaused first",
                rec.name
            )));
        }
        if !force {
            return Err(EngineError::Conflict(format!(
                "cannot remove container \"/{}\": container is running: stop the container before removing or force remove",
                rec.name
            )));
        }
        request_stop(&store, &id)?;
        if let Some(h) = crate::runtime::ProcessHandle::open_checked(st.pid, st.pid_start) {
            let _ = h.signal(Signal::SIGKILL as i32);
        }
        kill_cgroup(&rec);
        crate::engine::pause::thaw(paths, &store, &id)?;
        wait_stopped(&store, &id, Some(Duration::from_secs(30)));
    }
    if let Some(cg) = &rec.cgroup {
        // Normally gone with its last process (the monitor removes it); a leftover must not
        // keep the container.
        if let Err(e) = crate::runtime::cgroup::remove(&cg.dir) {
            tracing::warn!("removing the cgroup of container {}: {e}", &id[..12]);
        }
    }
    // A `--rm` monitor may be removing it right now; either way it ends up gone.
    let _lock = store.lock(&id);
    if store.dir(&id).exists() {
        crate::monitor::remove_container(paths, &id, &rec.name);
    } else {
        store.release_name(&rec.name, &id);
    }
    if store.dir(&id).join("container.json").exists() {
        return Err(EngineError::Internal(format!(
            "could not remove the files of container {}",
            &id[..12]
        )));
    }
    events::container(paths, &rec, "destroy", &[]);
    if volumes {
        crate::monitor::remove_anonymous_volumes(paths, &rec.mounts).map_err(
            EngineError::failed(format!("removing the volumes of container {}", &id[..12])),
        )?;
    }
    Ok(())
}

/// `kill`: send a signal (SIGKILL by default) to a running container.
pub fn kill(paths: &Paths, name: &str, signal: &str) -> Result<(), EngineError> {
    let sig = parse_signal(signal)
        .ok_or_else(|| EngineError::Usage(format!("invalid signal: {signal}")))?;
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let st = store.state(&id)?;
    if !st.can_kill() {
        return Err(EngineError::Conflict(format!(
            "cannot kill container: {name}: container {} is not running",
            &id[..12]
        )));
    }
    let gone = || {
        EngineError::Conflict(format!(
            "cannot kill container: {name}: container {} is not running",
            &id[..12]
        ))
    };
    let handle =
        crate::runtime::ProcessHandle::open_checked(st.pid, st.pid_start).ok_or_else(gone)?;
    handle
        .signal(sig)
        .map_err(EngineError::io(format!("kill {name}")))?;
    let rec = store.record(&id)?;
    if st.status == Status::Paused
        && crate::engine::pause::signal_unpauses(rec.stop_signal.as_deref(), sig)
    {
        crate::engine::pause::thaw(paths, &store, &id)?;
    }
    events::container(paths, &rec, "kill", &[("signal", sig.to_string())]);
    if sig == Signal::SIGKILL as i32 {
        kill_cgroup(&rec);
        wait_stopped(&store, &id, Some(Duration::from_secs(10)));
    }
    Ok(())
}

/// `rename`: give a container a new name (the old one is free again).
pub fn rename(paths: &Paths, name: &str, new_name: &str) -> Result<(), EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let lock = store.lock(&id)?;
    let mut rec = store.record(&id)?;
    if rec.name == new_name {
        return Err(EngineError::Conflict(
            "Renaming a container with the same name as its current name".into(),
        ));
    }
    store.reserve_name(new_name, &id, Durability::Synced)?;
    let old = std::mem::replace(&mut rec.name, new_name.to_string());
    if let Err(e) = store.save_record(&lock, &rec) {
        store.release_name(new_name, &id);
        return Err(e.into());
    }
    store.release_name(&old, &id);
    events::container(paths, &rec, "rename", &[("oldName", format!("/{old}"))]);
    Ok(())
}

/// `wait`: block until the container stops; its exit code.
pub fn wait(paths: &Paths, name: &str) -> Result<i32, EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let mut delay = Duration::from_millis(5);
    loop {
        match store.state(&id) {
            Ok(st) if st.status.is_up() || st.status == Status::Created && st.monitor_pid != 0 => {}
            Ok(st) => return Ok(st.exit_code),
            Err(crate::state::container::StateError::NoSuchContainer(_)) => return Ok(0),
            Err(e) => return Err(e.into()),
        }
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals() {
        assert_eq!(parse_signal("TERM"), Some(15));
        assert_eq!(parse_signal("SIGKILL"), Some(9));
        assert_eq!(parse_signal("2"), Some(2));
        assert_eq!(parse_signal("64"), Some(64));
        assert_eq!(parse_signal("SIGRTMIN+3"), Some(37));
        assert_eq!(parse_signal("rtmax-1"), Some(63));
        assert_eq!(parse_signal("RTMAX"), Some(64));
        assert_eq!(parse_signal("65"), None);
        assert_eq!(parse_signal("0"), None);
        assert_eq!(parse_signal("NOPE"), None);
    }
}
