//! Lifecycle verbs: start, stop, restart, kill, rename, rm, wait, pause/unpause, prune, and choosing their targets (names, `--all`, `--cidfile`).
use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::cli::render;
use crate::engine::container::{self as ctr, RunOutcome};
use crate::engine::EngineError;
use crate::state::container::Status;
use crate::state::Paths;

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Attach STDOUT/STDERR and forward signals
    #[arg(short, long)]
    pub attach: bool,
    /// Attach container's STDIN
    #[arg(short, long)]
    pub interactive: bool,
    /// Start all containers that are not running (podman); an unless-stopped one stopped by
    /// hand stays stopped
    #[arg(long)]
    pub all: bool,
    /// With --all: only containers matching the filter (podman's restart-policy=POLICY, and ps's
    /// filters)
    #[arg(short, long, value_name = "FILTER", requires = "all")]
    pub filter: Vec<String>,
    #[arg(required_unless_present = "all")]
    pub containers: Vec<String>,
}

pub fn start(a: StartArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    if a.attach || a.interactive {
        // docker attaches to one container at a time.
        if a.containers.len() > 1 {
            return Err(EngineError::Usage(
                "you cannot start and attach multiple containers at once".into(),
            ));
        }
        if a.all {
            return Err(EngineError::Usage(
                "--all cannot be used with --attach or --interactive".into(),
            ));
        }
        return match ctr::start_existing(&paths, &a.containers[0], true)? {
            RunOutcome::Exited(code) => Ok(code),
            RunOutcome::Detached(_) => Ok(0),
        };
    }
    let names = if a.all {
        if !a.containers.is_empty() {
            return Err(EngineError::Usage(
                "no arguments are needed with --all".into(),
            ));
        }
        crate::engine::start_all::select(&paths, &a.filter)?
    } else {
        a.containers.clone()
    };
    Ok(each(&names, |n| {
        ctr::start_existing(&paths, n, false)?;
        Ok(Some(n.to_string()))
    }))
}

#[derive(Debug, Args)]
pub struct StopArgs {
    /// Seconds to wait before killing the container
    #[arg(short, long = "time", visible_alias = "timeout")]
    pub time: Option<i64>,
    /// Signal to send to the container (default: its stop signal)
    #[arg(short, long, value_name = "SIGNAL")]
    pub signal: Option<String>,
    /// All running containers (podman)
    #[arg(short, long)]
    pub all: bool,
    /// Read the container ID from the file (repeatable)
    #[arg(long, value_name = "FILE")]
    pub cidfile: Vec<PathBuf>,
    /// Ignore errors when a container (or a cidfile) is missing
    #[arg(long)]
    pub ignore: bool,
    #[arg(required_unless_present_any = ["all", "cidfile"])]
    pub containers: Vec<String>,
}

pub fn stop(a: StopArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let mut names = targets(&paths, a.all, &a.containers, running)?;
    names.extend(
        cidfile_targets(&a.cidfile, a.ignore)?
            .into_iter()
            .map(|(n, _)| n),
    );
    Ok(each(&names, |n| {
        match ctr::stop_with(&paths, n, a.time, a.signal.as_deref()) {
            Err(e) if a.ignore && e.is_not_found() => Ok(None),
            r => r.map(|()| Some(n.to_string())),
        }
    }))
}

pub fn restart(a: StopArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let mut names = targets(&paths, a.all, &a.containers, running)?;
    names.extend(
        cidfile_targets(&a.cidfile, a.ignore)?
            .into_iter()
            .map(|(n, _)| n),
    );
    Ok(each(&names, |n| {
        match ctr::restart_with(&paths, n, a.time, a.signal.as_deref()) {
            Err(e) if a.ignore && e.is_not_found() => Ok(None),
            r => r.map(|()| Some(n.to_string())),
        }
    }))
}

#[derive(Debug, Args)]
pub struct KillArgs {
    /// Signal to send to the container
    #[arg(short, long, default_value = "KILL")]
    pub signal: String,
    /// Signal all running containers (podman)
    #[arg(short, long)]
    pub all: bool,
    #[arg(required_unless_present = "all")]
    pub containers: Vec<String>,
}

pub fn kill(a: KillArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let names = targets(&paths, a.all, &a.containers, running)?;
    Ok(each(&names, |n| {
        ctr::kill(&paths, n, &a.signal)?;
        Ok(Some(n.to_string()))
    }))
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    pub container: String,
    pub new_name: String,
}

pub fn rename(a: RenameArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let new_name = a.new_name.strip_prefix('/').unwrap_or(&a.new_name);
    ctr::rename(&paths, &a.container, new_name)?;
    Ok(0)
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Force the removal of a running container (uses SIGKILL)
    #[arg(short, long)]
    pub force: bool,
    /// Remove anonymous volumes associated with the container
    #[arg(short, long)]
    pub volumes: bool,
    /// Seconds to wait for the stop before killing the container; needs --force (podman)
    #[arg(short, long, value_name = "SECONDS")]
    pub time: Option<i64>,
    /// Remove all containers (podman)
    #[arg(short, long)]
    pub all: bool,
    /// Read the container ID from the file, and remove the file with the container
    #[arg(long, value_name = "FILE")]
    pub cidfile: Vec<PathBuf>,
    /// Ignore errors when a container (or a cidfile) is missing
    #[arg(long)]
    pub ignore: bool,
    #[arg(required_unless_present_any = ["all", "cidfile"])]
    pub containers: Vec<String>,
}

/// `rm`. With `--force`, a container that does not exist is no failure (docker prints the error
/// and exits 0); podman's `--time` stops it with that timeout before the removal.
pub fn rm(a: RmArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    if a.time.is_some() && !a.force {
        return Err(EngineError::Usage(
            "--force option must be specified to use the --time option".into(),
        ));
    }
    let mut names: Vec<(String, Option<PathBuf>)> =
        targets(&paths, a.all, &a.containers, |_| true)?
            .into_iter()
            .map(|n| (n, None))
            .collect();
    names.extend(
        cidfile_targets(&a.cidfile, a.ignore)?
            .into_iter()
            .map(|(n, f)| (n, Some(f))),
    );
    let mut code = 0;
    for (n, cidfile) in names {
        let one = each(std::slice::from_ref(&n), |n| {
            let result = match a.time {
                Some(t) => ctr::stop(&paths, n, Some(t))
                    .and_then(|()| ctr::remove(&paths, n, a.force, a.volumes)),
                None => ctr::remove(&paths, n, a.force, a.volumes),
            };
            match result {
                Err(e) if a.ignore && e.is_not_found() => Ok(None),
                Err(e) if a.force && e.is_not_found() && cidfile.is_none() => {
                    eprintln!("Error: {}", render::error_chain(&e));
                    Ok(None)
                }
                Err(e) => Err(e),
                Ok(()) => Ok(Some(n.to_string())),
            }
        });
        // podman removes the cidfile with its container.
        if let (0, Some(f)) = (one, cidfile) {
            let _ = std::fs::remove_file(f);
        }
        code |= one;
    }
    Ok(code)
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    #[arg(required = true)]
    pub containers: Vec<String>,
}

pub fn wait(a: WaitArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    Ok(each(&a.containers, |n| {
        Ok(Some(ctr::wait(&paths, n)?.to_string()))
    }))
}

#[derive(Debug, clap::Args)]
pub struct PauseArgs {
    /// All running (for unpause: paused) containers (podman)
    #[arg(short, long)]
    pub all: bool,
    #[arg(required_unless_present = "all")]
    pub containers: Vec<String>,
}

pub fn pause(a: PauseArgs, pause: bool) -> Result<i32, EngineError> {
    use crate::state::container::Status;
    let paths = Paths::from_env();
    let names = super::targets(&paths, a.all, &a.containers, |s| {
        if pause {
            s.status == Status::Running
        } else {
            s.status == Status::Paused
        }
    })?;
    let mut code = 0;
    for n in &names {
        let done = if pause {
            crate::engine::pause::pause(&paths, n)
        } else {
            crate::engine::pause::unpause(&paths, n)
        };
        match done {
            Ok(()) => println!("{n}"),
            Err(e) => {
                eprintln!("Error: {}", render::error_chain(&e));
                code = 1;
            }
        }
    }
    Ok(code)
}

#[derive(Debug, clap::Args)]
pub struct PruneArgs {
    /// Do not prompt for confirmation
    #[arg(short, long)]
    pub force: bool,
    /// Provide filter values (e.g. "until=<timestamp>", "label=<key>=<value>")
    #[arg(long, value_name = "FILTER")]
    pub filter: Vec<String>,
}

pub fn prune(a: PruneArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    if !a.force && !crate::cli::render::confirm("WARNING! This will remove all stopped containers.")
    {
        return Ok(0);
    }
    let report = crate::engine::prune::prune(&paths, &a.filter)?;
    let mut out = std::io::stdout().lock();
    if !report.deleted.is_empty() {
        let _ = writeln!(out, "Deleted Containers:");
        for id in &report.deleted {
            let _ = writeln!(out, "{id}");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "Total reclaimed space: {}",
        render::human_size(report.reclaimed)
    );
    Ok(0)
}

/// Run `op` on every named container, printing each name that succeeded and one `Error:` line
/// for each that failed; exit status 1 if any failed (docker's behaviour for these verbs).
fn each(names: &[String], mut op: impl FnMut(&str) -> Result<Option<String>, EngineError>) -> i32 {
    let mut code = 0;
    for n in names {
        match op(n) {
            Ok(Some(line)) => println!("{line}"),
            Ok(None) => {}
            Err(e) => {
                eprintln!("Error: {}", render::error_chain(&e));
                code = 1;
            }
        }
    }
    code
}

/// The containers named in `--cidfile`s, each with its file; with `--ignore`, a missing file
/// is skipped.
fn cidfile_targets(
    cidfiles: &[PathBuf],
    ignore: bool,
) -> Result<Vec<(String, PathBuf)>, EngineError> {
    let mut out = Vec::new();
    for f in cidfiles {
        match std::fs::read_to_string(f) {
            Ok(id) => out.push((id.trim().to_string(), f.clone())),
            Err(e) if ignore && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(EngineError::io(format!("reading CIDFile {}", f.display()))(
                    e,
                ))
            }
        }
    }
    Ok(out)
}

/// The containers a verb acts on: the names given, or with podman's `--all` the IDs of every
/// container whose state `pick` accepts (none named then).
pub(super) fn targets(
    paths: &Paths,
    all: bool,
    names: &[String],
    pick: impl Fn(&crate::state::container::ContainerState) -> bool,
) -> Result<Vec<String>, EngineError> {
    if !all {
        return Ok(names.to_vec());
    }
    if !names.is_empty() {
        return Err(EngineError::Usage(
            "no arguments are needed with --all".into(),
        ));
    }
    Ok(ctr::list(paths, true)?
        .into_iter()
        .filter(|c| pick(&c.state))
        .map(|c| c.record.id)
        .collect())
}

/// Running in the sense of podman's `--all` for stop, kill and pause.
pub(super) fn running(s: &crate::state::container::ContainerState) -> bool {
    matches!(
        s.status,
        Status::Running | Status::Restarting | Status::Paused
    )
}
