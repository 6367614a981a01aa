//! `generate systemd`: the container's record and skiff's paths turned into a unit by
//! `systemd::generate`; the Quadlet generator's entry point.
use super::EngineError;
use crate::state::container::Containers;
use crate::state::restart::RestartPolicy;
use crate::state::Paths;
use crate::systemd::generate::{self, FlagInfo, FlagKey, Host, Options};

/// The unit for container `name`: its service name (without `.service`) and its text.
/// `lookup` tells which `run` flags take a value (the CLI knows its own flags).
pub fn generate_unit(
    paths: &Paths,
    name: &str,
    opts: &Options,
    lookup: &dyn Fn(FlagKey<'_>) -> Option<FlagInfo>,
) -> Result<(String, String), EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let rec = store.record(&id)?;
    if !opts.new && rec.restart_policy != RestartPolicy::No {
        tracing::warn!(
            "Container {id} has restart policy \"{}\" which can lead to issues on shutdown: consider recreating the container without a restart policy and use systemd's restart mechanism instead",
            rec.restart_policy
        );
    }
    let executable = std::env::current_exe()
        .map_err(EngineError::io("finding skiff's own binary"))?
        .to_string_lossy()
        .into_owned();
    // A store other than the default must be named in every command of the unit.
    let environment = ["SKIFF_ROOT", "SKIFF_RUNROOT"]
        .iter()
        .filter_map(|k| std::env::var(k).ok().map(|v| format!("{k}={v}")))
        .collect();
    let host = Host {
        executable,
        version: env!("CARGO_PKG_VERSION").to_string(),
        run_root: paths.runtime.to_string_lossy().into_owned(),
        new_run_root: match std::env::var("SKIFF_RUNROOT") {
            Ok(r) => r.replace('%', "%%"),
            Err(_) => "%t/skiff".into(),
        },
        monitor_pidfile: crate::monitor::monitor_pidfile(paths, &id)
            .to_string_lossy()
            .into_owned(),
        environment,
        timestamp: chrono::Utc::now()
            .format("%a %b %e %H:%M:%S UTC %Y")
            .to_string(),
    };
    let ctr = generate::Container {
        id: &rec.id,
        name: &rec.name,
        stop_timeout: rec.stop_timeout,
        create_command: &rec.create_command,
        env: &rec.env,
    };
    generate::container_unit(&ctr, opts, &host, lookup).map_err(EngineError::Usage)
}

/// The Quadlet generator (systemd's user generator is a link to skiff named
/// `skiff-user-generator`; `skiff __quadlet` runs it by hand). Returns the exit status.
pub fn quadlet_generator(args: &[String], user: bool) -> i32 {
    let exe = std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "/usr/bin/skiff".into());
    crate::systemd::generator::main(args, user, &exe)
}
