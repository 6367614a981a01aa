//! Health checks on the engine side: the configuration a new container gets (the image's
//! HEALTHCHECK under the `--health-*` flags, docker's merge and checks) and podman's
//! `healthcheck run`, which runs the check now, records it and applies `--health-on-failure`.
//! The schedule itself is the monitor's (`monitor::health`).
use super::EngineError;
use crate::state::container::{Containers, Status};
use crate::state::health::{HealthConfig, HealthStatus, OnFailure};
use crate::state::Paths;

/// The container's `Config.Healthcheck`: the user's settings over the image's
/// (`HealthConfig::effective`).
pub fn effective_config(
    user: Option<&HealthConfig>,
    image_config: &serde_json::Value,
) -> Result<Option<HealthConfig>, EngineError> {
    HealthConfig::effective(user, image_config).map_err(EngineError::Usage)
}

/// docker's health of a listed container: `starting`, `healthy`, `unhealthy`, or `none` (no
/// health check, or not started yet).
pub fn status_name(health: Option<&crate::state::health::Health>) -> &'static str {
    health.map(|h| h.status.as_str()).unwrap_or("none")
}

/// `healthcheck run`: run the container's check now and record it; the status afterwards.
pub fn run_now(paths: &Paths, name: &str) -> Result<HealthStatus, EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let rec = store.record(&id)?;
    let st = store.state(&id)?;
    let alive = st.status == Status::Running
        && st.pid > 0
        && crate::sys::proc::start_time(st.pid) == Some(st.pid_start);
    if !alive {
        return Err(EngineError::Conflict(format!(
            "container {id} is not running"
        )));
    }
    let cfg = rec
        .healthcheck
        .clone()
        .filter(|h| h.probe().is_some())
        .ok_or_else(|| EngineError::Usage(format!("container {id} has no defined healthcheck")))?;
    let spec_path = store.dir(&id).join("config.json");
    let spec = oci_spec::runtime::Spec::load(&spec_path).map_err(EngineError::failed(format!(
        "reading {}",
        spec_path.display()
    )))?;
    let (req, creds) = crate::monitor::health::probe_request(&rec, &spec, st.pid, st.pid_start)
        .ok_or_else(|| EngineError::Usage(format!("container {id} has no defined healthcheck")))?;
    let result = crate::monitor::health::run_blocking(&req, &creds, cfg.timeout_ns());
    let status = crate::monitor::health::save_result(paths, &rec, &cfg, result)
        .ok_or_else(|| EngineError::Conflict(format!("container {id} is not running")))?;
    if status == HealthStatus::Unhealthy {
        match rec.health_on_failure {
            OnFailure::None => {}
            OnFailure::Kill => super::container::kill(paths, &id, "KILL")?,
            OnFailure::Stop => super::container::stop(paths, &id, None)?,
            OnFailure::Restart => super::container::restart(paths, &id, None)?,
        }
    }
    Ok(status)
}
