//! Container operations after create (`engine::create`): start under a monitor, exec, ps,
//! logs, stop, rm, wait, inspect.
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, Signal};
use nix::unistd::Pid;

use super::create::names::new_id;
use super::create::parse::{env_file, set_env};
use super::create::user::{resolve_group, resolve_user};
use super::{mounts, EngineError};
use crate::state::container::{
    process_start_time, ContainerRecord, ContainerState, Containers, Status,
};
use crate::state::{events, Paths};
use crate::sys::term::RawTerminal;

/// How `run` ended.
#[derive(Debug)]
pub enum RunOutcome {
    /// `-d`: the container runs under its monitor; here is its ID.
    Detached(String),
    /// Foreground: the container's exit code.
    Exited(i32),
    /// Foreground, until the detach keys were typed: the container runs on.
    DetachedByKeys,
}

/// A container as `ps` and `inspect` see it.
#[derive(Debug, Clone)]
pub struct ContainerInfo {
    pub record: ContainerRecord,
    pub state: ContainerState,
}

/// `run`: create the container, start its monitor, and either return its ID (`detach`) or stay
/// attached until it exits.
pub fn run(
    paths: &Paths,
    req: &super::create::CreateRequest,
    detach: bool,
    notices: &mut dyn std::io::Write,
) -> Result<RunOutcome, EngineError> {
    run_with(paths, req, detach, true, None, notices)
}

/// `run` with docker's `--sig-proxy`: false leaves the signals skiff receives to skiff (which
/// they end) and keeps the terminal's from the container, which runs on in its own process
/// group. With a terminal (`-t`) the keys reach the container through it either way.
/// `detach_keys`: typed on the terminal of a foreground `-it` container, they leave it running
/// ([`RunOutcome::DetachedByKeys`]).
pub fn run_with(
    paths: &Paths,
    req: &super::create::CreateRequest,
    detach: bool,
    sig_proxy: bool,
    detach_keys: Option<&[u8]>,
    notices: &mut dyn std::io::Write,
) -> Result<RunOutcome, EngineError> {
    if req.log.driver == "passthrough" {
        // Refused before anything is created.
        check_passthrough_stdio(req.interactive)?;
    }
    let id = super::create::create(paths, req, notices)?;
    let rec = Containers::new(paths).record(&id)?;
    start_inner(paths, &rec, !detach, sig_proxy || rec.tty, detach_keys)
}

/// Start a created container under a new monitor. In the foreground, wait for it and return
/// its exit code; detached, return once its process runs.
pub fn start(
    paths: &Paths,
    rec: &ContainerRecord,
    foreground: bool,
) -> Result<RunOutcome, EngineError> {
    start_inner(paths, rec, foreground, true, None)
}

fn start_inner(
    paths: &Paths,
    rec: &ContainerRecord,
    foreground: bool,
    sig_proxy: bool,
    detach_keys: Option<&[u8]>,
) -> Result<RunOutcome, EngineError> {
    // In the foreground the CLI stays until the monitor exits; signals meant for the container
    // reach the monitor (same process group) or are forwarded to it.
    let mask = forwarded_signals();
    if foreground && sig_proxy {
        let _ = mask.thread_block();
    }
    let raw = if foreground && rec.tty {
        RawTerminal::enter()
    } else {
        None
    };
    let passthrough = rec.log_config.driver == "passthrough";
    if passthrough {
        check_passthrough_stdio(rec.interactive)?;
    }
    let io = match (foreground, sig_proxy) {
        (true, true) => MonitorIo::Inherit,
        (true, false) => MonitorIo::InheritOwnGroup,
        (false, _) if passthrough => MonitorIo::DetachedPassthrough,
        (false, _) => MonitorIo::Detached,
    };
    // docker watches for the detach keys only on a terminal the container reads.
    let detach_keys = detach_keys.filter(|_| foreground && rec.tty && rec.interactive);
    let (child, detach_pipe) = match spawn_monitor(paths, rec, io, detach_keys) {
        Ok(c) => c,
        Err(e) => {
            drop(raw);
            return Err(e);
        }
    };
    if !foreground {
        return Ok(RunOutcome::Detached(rec.id.clone()));
    }
    let outcome = if sig_proxy {
        wait_foreground(child, &mask, detach_pipe)
    } else {
        RunOutcome::Exited(wait_unproxied(child))
    };
    drop(raw);
    Ok(outcome)
}

/// Start a created or stopped container under a monitor whose standard streams are pipes to
/// the caller (the API service's attach): the container's output comes on the monitor's
/// stdout and stderr (or stdout alone with a terminal), the monitor's stdin feeds the
/// container's, and the monitor's exit status is the container's exit code. The monitor gets
/// its own process group, so the caller's terminal signals do not reach it.
pub fn start_piped(paths: &Paths, rec: &ContainerRecord) -> Result<Child, EngineError> {
    spawn_monitor(paths, rec, MonitorIo::Piped, None).map(|(c, _)| c)
}

/// `--log-driver passthrough` hands the caller's stdio to the container: never a terminal, which
/// the container could type into (TIOCSTI), as podman refuses it too.
fn check_passthrough_stdio(interactive: bool) -> Result<(), EngineError> {
    use std::io::IsTerminal;
    let terminal = if interactive && std::io::stdin().is_terminal() {
        Some("stdin")
    } else if std::io::stdout().is_terminal() {
        Some("stdout")
    } else if std::io::stderr().is_terminal() {
        Some("stderr")
    } else {
        None
    };
    match terminal {
        Some(which) => Err(EngineError::Usage(format!(
            "the passthrough log driver cannot give the container a terminal ({which} is one): run it under systemd, or redirect its output"
        ))),
        None => Ok(()),
    }
}

/// How a new monitor's standard streams are wired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MonitorIo {
    /// Its own session, streams to /dev/null (`-d`).
    Detached,
    /// `-d` with `--log-driver passthrough`: its own session, the caller's stdout and stderr
    /// (and stdin with `-i`), which the monitor gives to the container.
    DetachedPassthrough,
    /// The CLI's own streams (foreground `run` and `start -a`).
    Inherit,
    /// The CLI's own streams, in a process group of its own (`run --sig-proxy=false`).
    InheritOwnGroup,
    /// Pipes to the caller.
    Piped,
}

/// Spawn the monitor and wait until it reports that the container's process runs. With
/// `detach_keys`, also the readiness pipe, on which the monitor says when they were typed.
fn spawn_monitor(
    paths: &Paths,
    rec: &ContainerRecord,
    io: MonitorIo,
    detach_keys: Option<&[u8]>,
) -> Result<(Child, Option<std::fs::File>), EngineError> {
    {
        // A new start: whatever stop was asked for before is over.
        let store = Containers::new(paths);
        let _lock = store.lock(&rec.id)?;
        let mut st = store.state(&rec.id)?;
        if st.stop_requested {
            st.stop_requested = false;
            store.save_state(&rec.id, &st)?;
        }
    }
    super::pause_process::ensure_for(paths, rec);
    let request = crate::helper::Request::Monitor {
        id: rec.id.clone(),
        foreground: matches!(
            io,
            MonitorIo::Inherit | MonitorIo::InheritOwnGroup | MonitorIo::Piped
        ),
        detach_keys: detach_keys.map(<[u8]>::to_vec),
    };
    let mut spawn = crate::helper::Spawn::new(&request);
    spawn.ready = true;
    spawn.env = vec![
        ("SKIFF_ROOT".into(), paths.data.clone().into()),
        ("SKIFF_RUNROOT".into(), paths.runtime.clone().into()),
    ];
    use std::process::Stdio;
    let (stdin, stdout, stderr) = match io {
        MonitorIo::Detached => (Stdio::null(), Stdio::null(), Stdio::null()),
        MonitorIo::DetachedPassthrough => (
            if rec.interactive {
                Stdio::inherit()
            } else {
                Stdio::null()
            },
            Stdio::inherit(),
            Stdio::inherit(),
        ),
        MonitorIo::Inherit | MonitorIo::InheritOwnGroup => {
            (Stdio::inherit(), Stdio::inherit(), Stdio::inherit())
        }
        MonitorIo::Piped => (Stdio::piped(), Stdio::piped(), Stdio::piped()),
    };
    spawn.stdin = stdin;
    spawn.stdout = stdout;
    spawn.stderr = stderr;
    spawn.new_process_group = matches!(io, MonitorIo::Piped | MonitorIo::InheritOwnGroup);
    let mut monitor = crate::helper::spawn(spawn)
        .map_err(|e| EngineError::Usage(format!("starting the container monitor: {e}")))?;
    // None: the monitor died before it said anything.
    let ready = monitor.wait_ready();
    if ready != Some(crate::helper::Ready::Ok) {
        let _ = monitor.child.wait();
        return Err(start_error(ready));
    }
    let pipe = detach_keys.and_then(|_| monitor.take_ready_pipe());
    Ok((monitor.child, pipe))
}

fn start_error(ready: Option<crate::helper::Ready>) -> EngineError {
    match ready {
        Some(crate::helper::Ready::Failed { code, message }) if code != crate::exit::ENGINE => {
            EngineError::Exec { message, code }
        }
        Some(crate::helper::Ready::Failed { message, .. }) => EngineError::Usage(message),
        _ => EngineError::Usage("the container monitor exited before the container started".into()),
    }
}

fn forwarded_signals() -> SigSet {
    let mut mask = SigSet::empty();
    for s in [
        Signal::SIGCHLD,
        Signal::SIGINT,
        Signal::SIGQUIT,
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGUSR1,
        Signal::SIGUSR2,
    ] {
        mask.add(s);
    }
    mask
}

/// Wait for the monitor without touching signals: one that ends skiff leaves it running.
fn wait_unproxied(mut child: Child) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    child
        .wait()
        .map(|s| s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0)))
        .unwrap_or(crate::exit::ENGINE)
}

/// Wait for the foreground monitor; forward the signals the terminal did not already deliver
/// to it. Its exit status (the container's exit code), or that it let go of the terminal.
fn wait_foreground(
    mut child: Child,
    mask: &SigSet,
    mut detach_pipe: Option<std::fs::File>,
) -> RunOutcome {
    let status_code = |s: std::process::ExitStatus| {
        use std::os::unix::process::ExitStatusExt;
        s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0))
    };
    let exited = |child: &mut Child| {
        RunOutcome::Exited(child.wait().map(status_code).unwrap_or(crate::exit::ENGINE))
    };
    let sfd = nix::sys::signalfd::SignalFd::with_flags(
        mask,
        nix::sys::signalfd::SfdFlags::SFD_NONBLOCK | nix::sys::signalfd::SfdFlags::SFD_CLOEXEC,
    )
    .ok();
    loop {
        if let Ok(Some(s)) = child.try_wait() {
            return RunOutcome::Exited(status_code(s));
        }
        let Some(sfd) = sfd.as_ref() else {
            return exited(&mut child);
        };
        // The monitor's readiness pipe: `Detached` when the detach keys were typed; EOF when
        // it exits.
        let mut fds = vec![PollFd::new(sfd.as_fd(), PollFlags::POLLIN)];
        if let Some(p) = detach_pipe.as_ref() {
            fds.push(PollFd::new(p.as_fd(), PollFlags::POLLIN));
        }
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(_) => return exited(&mut child),
        }
        let pipe_ready = fds
            .get(1)
            .and_then(|f| f.revents())
            .is_some_and(|r| !r.is_empty());
        drop(fds);
        if pipe_ready {
            if let Some(p) = detach_pipe.as_mut() {
                if crate::helper::read_ready(p) == Some(crate::helper::Ready::Detached) {
                    return RunOutcome::DetachedByKeys;
                }
            }
            detach_pipe = None;
        }
        loop {
            match sfd.read_signal() {
                Ok(Some(si)) => {
                    let signo = si.ssi_signo as i32;
                    // SIGINT and SIGQUIT from the terminal already reached the monitor.
                    if ![libc::SIGCHLD, libc::SIGINT, libc::SIGQUIT].contains(&signo) {
                        if let Ok(sig) = Signal::try_from(signo) {
                            let _ = nix::sys::signal::kill(Pid::from_raw(child.id() as i32), sig);
                        }
                    }
                }
                Ok(None) => break,
                Err(_) => return exited(&mut child),
            }
        }
    }
}

// ---- exec -----------------------------------------------------------------------------------

/// Everything `exec` takes, already parsed.
#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    pub container: String,
    pub command: Vec<String>,
    pub interactive: bool,
    pub tty: bool,
    pub detach: bool,
    pub env: Vec<String>,
    pub env_files: Vec<PathBuf>,
    pub workdir: Option<String>,
    pub user: Option<String>,
    pub privileged: bool,
    /// A pipe of terminal sizes (4 bytes each: rows, cols, u16 big-endian) for a `tty` exec
    /// whose client's terminal is elsewhere (the API service's exec resize).
    pub resize_fd: Option<std::sync::Arc<std::os::fd::OwnedFd>>,
    /// docker's detach keys, watched for on our terminal with `-it`: typed, `exec` returns
    /// [`ExecOutcome::Detached`] and the command runs on.
    pub detach_keys: Option<Vec<u8>>,
}

/// How `exec` ended.
#[derive(Debug, PartialEq, Eq)]
pub enum ExecOutcome {
    /// The command's exit code (0 at once with `detach`).
    Exited(i32),
    /// The detach keys were typed: the command runs on.
    Detached,
}

/// `exec`: run a command in a running container. Returns the command's exit code (0 at once
/// with `detach`; 0 too if the detach keys left it running).
pub fn exec(paths: &Paths, opts: &ExecOptions) -> Result<i32, EngineError> {
    Ok(match exec_outcome(paths, opts)? {
        ExecOutcome::Exited(code) => code,
        ExecOutcome::Detached => 0,
    })
}

/// `exec`, telling an exit from a detach (`opts.detach_keys`).
pub fn exec_outcome(paths: &Paths, opts: &ExecOptions) -> Result<ExecOutcome, EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(&opts.container)?;
    let rec = store.record(&id)?;
    let st = store.state(&id)?;
    if !is_alive(&st) {
        return Err(EngineError::Conflict(format!(
            "container {} is not running",
            opts.container
        )));
    }
    if st.status == Status::Paused {
        return Err(EngineError::Conflict(format!(
            "Container {} is paused, unpause the container before exec",
            opts.container
        )));
    }
    if opts.command.is_empty() {
        return Err(EngineError::Usage("exec needs a command to run".into()));
    }
    let spec_path = store.dir(&id).join("config.json");
    let spec = crate::runtime::spec::ExecSpec::load(&spec_path)
        .map_err(|e| EngineError::Usage(format!("reading {}: {e}", spec_path.display())))?;
    let process = spec.process.as_ref();
    let mut env = process
        .and_then(|p| p.env().clone())
        .unwrap_or_else(|| rec.env.clone());
    if opts.tty && !opts.detach {
        set_env(&mut env, "TERM=xterm", false);
    }
    for file in &opts.env_files {
        for kv in env_file(file)? {
            set_env(&mut env, &kv, true);
        }
    }
    for e in &opts.env {
        if e.contains('=') {
            set_env(&mut env, e, true);
        } else if let Ok(v) = std::env::var(e) {
            set_env(&mut env, &format!("{e}={v}"), true);
        }
    }
    let cwd = match &opts.workdir {
        Some(w) if !w.starts_with('/') => {
            return Err(EngineError::Usage(format!(
                "the working directory '{w}' is invalid, it needs to be an absolute path"
            )))
        }
        Some(w) => w.clone(),
        None => process
            .map(|p| p.cwd().to_string_lossy().into_owned())
            .unwrap_or_else(|| rec.working_dir.clone()),
    };
    // The container's capabilities (its --cap-add, --cap-drop, --privileged), all of them
    // with `exec --privileged`, as docker does.
    let capabilities: Vec<String> = if opts.privileged {
        caps::all().iter().map(|c| c.to_string()).collect()
    } else {
        process
            .and_then(|p| p.capabilities().as_ref())
            .and_then(|c| c.bounding().clone())
            .unwrap_or_default()
            .iter()
            .filter_map(|c| serde_json::to_value(c).ok())
            .filter_map(|v| v.as_str().map(String::from))
            .collect()
    };
    let req = crate::runtime::exec::ExecRequest {
        pid: st.pid,
        pid_start: st.pid_start,
        args: opts.command.clone(),
        env,
        cwd,
        capabilities,
        tty: opts.tty && !opts.detach,
        interactive: opts.interactive,
        detach: opts.detach,
        seccomp: spec
            .seccomp(&store.dir(&id).join("seccomp.bpf"))
            .map_err(|e| EngineError::Usage(format!("{}: {e}", spec_path.display())))?,
        no_new_privileges: process.and_then(|p| p.no_new_privileges()) == Some(true),
        capture: None,
    };
    let user_spec = opts.user.clone().unwrap_or_else(|| rec.user.clone());
    // Runs inside the container, after joining its mount namespace: `/` is its root.
    // docker: the user's groups, then the container's `--group-add` ones.
    let resolve = || {
        let root = [PathBuf::from("/")];
        let u = resolve_user(&root, &user_spec).map_err(|e| e.to_string())?;
        let mut groups = u.groups;
        // keep-id's user has its group as a supplementary one too, as at create.
        if opts.user.is_none()
            && super::create::parse_extras::keep_id(&rec.extras.userns).is_some()
            && !groups.contains(&u.gid)
        {
            groups.insert(0, u.gid);
        }
        for g in &rec.group_add {
            groups.push(resolve_group(&root, g).map_err(|e| e.to_string())?);
        }
        Ok(crate::runtime::exec::Credentials {
            uid: u.uid,
            gid: u.gid,
            groups,
        })
    };
    // docker's exec events: the exec ID is ours to make (docker's is the exec instance's).
    let exec_id = new_id().unwrap_or_default();
    let cmdline = opts.command.join(" ");
    let exec_event = |action: &str, extra: Option<(&str, String)>| {
        let mut attrs = vec![("execID", exec_id.clone())];
        attrs.extend(extra);
        events::container(paths, &rec, action, &attrs);
    };
    exec_event(&format!("exec_create: {cmdline}"), None);
    let started = crate::runtime::exec::spawn(&req, &resolve).map_err(|e| match e {
        crate::runtime::RuntimeError::Start { message, code } if code != crate::exit::ENGINE => {
            EngineError::Exec { message, code }
        }
        crate::runtime::RuntimeError::Start { message, .. } => EngineError::Usage(message),
        other if !is_alive(&st) => {
            tracing::debug!("exec: {other}");
            EngineError::Conflict(format!("container {} is not running", opts.container))
        }
        other => other.into(),
    })?;
    exec_event(&format!("exec_start: {cmdline}"), None);
    if opts.detach {
        return Ok(ExecOutcome::Exited(0));
    }
    let mut started = started;
    let code = if started.pty_master.is_some() {
        let raw = RawTerminal::enter();
        let resize = opts.resize_fd.as_deref().map(std::os::fd::AsFd::as_fd);
        // docker watches for the detach keys only when the command reads our terminal.
        let keys = opts.detach_keys.as_deref().filter(|_| opts.interactive);
        let relayed = started.relay(opts.interactive, resize, keys);
        drop(raw);
        match relayed {
            crate::runtime::exec::Relayed::Exited(code) => code,
            crate::runtime::exec::Relayed::Detached => {
                started.leave_running();
                return Ok(ExecOutcome::Detached);
            }
        }
    } else {
        started.wait()
    };
    exec_event("exec_die", Some(("exitCode", code.to_string())));
    Ok(ExecOutcome::Exited(code))
}

// ---- listing and inspecting ------------------------------------------------------------------

/// All containers (`all`) or the running ones, newest first.
pub fn list(paths: &Paths, all: bool) -> Result<Vec<ContainerInfo>, EngineError> {
    let store = Containers::new(paths);
    let mut out = Vec::new();
    for id in store.listed_ids()? {
        let (Ok(record), Ok(state)) = (store.record(&id), store.state(&id)) else {
            continue;
        };
        if all || state.status.is_up() {
            out.push(ContainerInfo { record, state });
        }
    }
    out.sort_by(|a, b| b.record.created.cmp(&a.record.created));
    Ok(out)
}

/// One container by name, ID or ID prefix.
pub fn get(paths: &Paths, name_or_id: &str) -> Result<ContainerInfo, EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name_or_id)?;
    Ok(ContainerInfo {
        record: store.record(&id)?,
        state: store.state(&id)?,
    })
}

/// docker's inspect JSON for a container.
/// docker's (and podman's) name of the storage driver: both overlay kinds are `overlay` (podman
/// names fuse-overlayfs a mount program of its overlay driver).
fn graph_driver_name(driver: crate::storage::Driver) -> &'static str {
    match driver {
        crate::storage::Driver::Overlay | crate::storage::Driver::FuseOverlay => "overlay",
        crate::storage::Driver::Vfs => "vfs",
    }
}

/// docker's `GraphDriver`: the overlay's directories (LowerDir top layer first, as overlayfs
/// takes them); `Data` null for vfs, which keeps one copied tree.
fn graph_driver_json(
    paths: &Paths,
    r: &crate::state::container::ContainerRecord,
) -> serde_json::Value {
    let dir = paths.container(&r.id);
    let data = match r.storage_driver {
        crate::storage::Driver::Vfs => serde_json::Value::Null,
        _ => {
            let lower = r
                .layers
                .iter()
                .rev()
                .map(|l| l.display().to_string())
                .collect::<Vec<_>>()
                .join(":");
            serde_json::json!({
                "LowerDir": lower,
                "MergedDir": dir.join("merged"),
                "UpperDir": dir.join("upper"),
                "WorkDir": dir.join("work"),
            })
        }
    };
    serde_json::json!({"Data": data, "Name": graph_driver_name(r.storage_driver)})
}

pub fn inspect_json(paths: &Paths, info: &ContainerInfo) -> serde_json::Value {
    let r = &info.record;
    let s = &info.state;
    let zero = "0001-01-01T00:00:00Z";
    let mut v = serde_json::json!({
        "Id": r.id,
        "Created": r.created,
        "Path": r.path,
        "Args": r.args,
        "State": {
            "Status": s.status.as_str(),
            "Running": s.status.is_up(),
            "Paused": s.status == Status::Paused,
            "Restarting": s.status == Status::Restarting,
            "OOMKilled": s.oom_killed,
            "Dead": s.status == Status::Dead,
            "Pid": s.pid,
            "ExitCode": s.exit_code,
            "Error": s.error,
            "StartedAt": s.started_at.as_deref().unwrap_or(zero),
            "FinishedAt": s.finished_at.as_deref().unwrap_or(zero),
            "Health": s.health,
        },
        "Image": r.image_id,
        "ResolvConfPath": paths.container(&r.id).join("resolv.conf"),
        "HostnamePath": paths.container(&r.id).join("hostname"),
        "HostsPath": paths.container(&r.id).join("hosts"),
        // docker's: empty for drivers that keep no file.
        "LogPath": if matches!(r.log_config.driver.as_str(), "json-file" | "k8s-file") {
            paths.container(&r.id).join("ctr.log")
        } else {
            PathBuf::new()
        },
        "Name": format!("/{}", r.name),
        "RestartCount": s.restart_count,
        "Driver": graph_driver_name(r.storage_driver),
        "Platform": "linux",
        "GraphDriver": graph_driver_json(paths, r),
        "HostConfig": {
            "NetworkMode": r.network,
            "Runtime": r.runtime.as_ref().map_or(crate::state::container::BUILTIN_RUNTIME, |rt| rt.name.as_str()),
            "AutoRemove": r.auto_remove,
            "RestartPolicy": restart_policy_json(&r.restart_policy),
            "LogConfig": {"Type": r.log_config.driver, "Config": r.log_config.options()},
            "GroupAdd": if r.group_add.is_empty() { serde_json::Value::Null } else { serde_json::json!(r.group_add) },
            "DeviceCgroupRules": if r.device_cgroup_rules.is_empty() { serde_json::Value::Null } else { serde_json::json!(r.device_cgroup_rules) },
        },
        "Mounts": r.mounts.iter().map(mounts::inspect_json).collect::<Vec<_>>(),
        "Config": {
            "Hostname": r.hostname,
            "User": r.user,
            "AttachStdin": r.interactive,
            "Tty": r.tty,
            "OpenStdin": r.interactive,
            "Env": r.env,
            "Cmd": r.cmd,
            "Image": r.image,
            "WorkingDir": r.working_dir,
            "Entrypoint": if r.entrypoint.is_empty() { serde_json::Value::Null } else { serde_json::json!(r.entrypoint) },
            "Labels": r.labels,
            "StopSignal": r.stop_signal,
            "Healthcheck": r.healthcheck,
        },
    });
    // Without a health check both stay null: docker's templates see nil there
    // (`{{json .State.Health}}` prints `null`).
    if !r.shell.is_empty() {
        v["Config"]["Shell"] = serde_json::json!(r.shell);
    }
    if !r.attach.is_empty() {
        for (key, stream) in [
            ("AttachStdin", "stdin"),
            ("AttachStdout", "stdout"),
            ("AttachStderr", "stderr"),
        ] {
            v["Config"][key] = serde_json::json!(r.attach.iter().any(|a| a == stream));
        }
    }
    let x = &r.extras;
    v["Config"]["Domainname"] = serde_json::json!(x.domainname);
    let hc = &mut v["HostConfig"];
    hc["ShmSize"] = serde_json::json!(x.shm_size.unwrap_or(crate::runtime::spec::DEFAULT_SHM_SIZE));
    let map_or_null = |m: &std::collections::BTreeMap<String, String>| {
        if m.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::json!(m)
        }
    };
    hc["Sysctls"] = map_or_null(&x.sysctls);
    hc["Annotations"] = map_or_null(&x.annotations);
    hc["PidMode"] = serde_json::json!(x.pid);
    hc["IpcMode"] = serde_json::json!(if x.ipc.is_empty() {
        "private"
    } else {
        x.ipc.as_str()
    });
    hc["UTSMode"] = serde_json::json!(x.uts);
    hc["UsernsMode"] = serde_json::json!(x.userns);
    hc["CgroupnsMode"] = serde_json::json!(if x.cgroupns.is_empty() {
        "host"
    } else {
        x.cgroupns.as_str()
    });
    super::network::extend_inspect(paths, &mut v, r, s.status.is_up());
    super::resources::extend_inspect(paths, &mut v, &r.id);
    super::resources::inspect_limits(&mut v, r);
    v
}

fn restart_policy_json(p: &str) -> serde_json::Value {
    let (name, max) = match crate::monitor::RestartPolicy::parse(p) {
        Ok(crate::monitor::RestartPolicy::Always) => ("always", 0),
        Ok(crate::monitor::RestartPolicy::UnlessStopped) => ("unless-stopped", 0),
        Ok(crate::monitor::RestartPolicy::OnFailure(n)) => ("on-failure", n),
        _ => ("no", 0),
    };
    serde_json::json!({"Name": name, "MaximumRetryCount": max})
}

/// Read a container's log entries.
pub fn log_entries(
    paths: &Paths,
    id: &str,
) -> Result<Vec<crate::monitor::log::Entry>, EngineError> {
    let p = paths.container(id).join("ctr.log");
    crate::monitor::log::read(&p).map_err(EngineError::io(format!("reading {}", p.display())))
}

/// Follow a container's log: call `emit` for every entry from `skip` on, until it stops.
pub fn follow_log(
    paths: &Paths,
    id: &str,
    mut skip: usize,
    emit: &mut dyn FnMut(&crate::monitor::log::Entry),
) -> Result<(), EngineError> {
    let store = Containers::new(paths);
    loop {
        let running = store.state(id).map(|s| s.status.is_up()).unwrap_or(false);
        let entries = log_entries(paths, id)?;
        for e in entries.iter().skip(skip) {
            emit(e);
        }
        skip = skip.max(entries.len());
        if !running {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

// ---- stopping and removing -------------------------------------------------------------------

fn is_alive(st: &ContainerState) -> bool {
    st.status.is_up() && st.pid > 0 && process_start_time(st.pid) == Some(st.pid_start)
}

/// Wait until the container is no longer running and its monitor has recorded it.
fn wait_stopped(store: &Containers<'_>, id: &str, timeout: Option<Duration>) -> bool {
    let start = Instant::now();
    let mut delay = Duration::from_millis(2);
    loop {
        match store.state(id) {
            Ok(st) if st.status.is_up() || st.status == Status::Restarting => {}
            _ => return true,
        }
        if timeout.is_some_and(|t| start.elapsed() >= t) {
            return false;
        }
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(50));
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
    if !is_alive(&st) && st.status != Status::Restarting {
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
    if !is_alive(&st) {
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
    super::pause::thaw(paths, &store, &id)?;
    events::container(paths, &rec, "kill", &[("signal", sig.to_string())]);
    let secs = timeout.or(rec.stop_timeout).unwrap_or(10).max(0) as u64;
    if !wait_stopped(&store, &id, Some(Duration::from_secs(secs))) {
        let st = store.state(&id)?;
        if is_alive(&st) {
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

/// Wait (at most `timeout`) until process `pid`, started at `start`, no longer runs.
fn wait_process_gone(pid: i32, start: u64, timeout: Duration) {
    if pid <= 0 {
        return;
    }
    let deadline = Instant::now() + timeout;
    while process_start_time(pid) == Some(start) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Tell the monitor that the coming exit is wanted (no restart).
fn request_stop(store: &Containers<'_>, id: &str) -> Result<(), EngineError> {
    let _lock = store.lock(id)?;
    let mut st = store.state(id)?;
    st.stop_requested = true;
    store.save_state(id, &st)?;
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
    if is_alive(&st) || st.status == Status::Restarting {
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
        super::pause::thaw(paths, &store, &id)?;
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
        return Err(EngineError::Usage(format!(
            "could not remove the files of container {}",
            &id[..12]
        )));
    }
    events::container(paths, &rec, "destroy", &[]);
    if volumes {
        crate::monitor::remove_anonymous_volumes(paths, &rec.mounts).map_err(|e| {
            EngineError::Usage(format!(
                "removing the volumes of container {}: {e}",
                &id[..12]
            ))
        })?;
    }
    Ok(())
}

/// `start`: start a created or stopped container (a running one is left alone). With
/// `attach`, stay in the foreground and return its exit code.
pub fn start_existing(paths: &Paths, name: &str, attach: bool) -> Result<RunOutcome, EngineError> {
    start_existing_with(paths, name, attach, None)
}

/// `start_existing`; `detach_keys` (`start -ai` of a `-it` container), typed on the terminal,
/// end the attachment early and leave the container running.
pub fn start_existing_with(
    paths: &Paths,
    name: &str,
    attach: bool,
    detach_keys: Option<&[u8]>,
) -> Result<RunOutcome, EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let rec = store.record(&id)?;
    let st = store.state(&id)?;
    if st.status == Status::Paused {
        return Err(EngineError::Conflict(
            "cannot start a paused container, try unpause instead".into(),
        ));
    }
    if is_alive(&st) {
        return Ok(RunOutcome::Detached(id));
    }
    start_inner(paths, &rec, attach, true, detach_keys)
}

/// `kill`: send a signal (SIGKILL by default) to a running container.
pub fn kill(paths: &Paths, name: &str, signal: &str) -> Result<(), EngineError> {
    let sig = parse_signal(signal)
        .ok_or_else(|| EngineError::Usage(format!("invalid signal: {signal}")))?;
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let st = store.state(&id)?;
    if !is_alive(&st) {
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
    if st.status == Status::Paused && super::pause::signal_unpauses(rec.stop_signal.as_deref(), sig)
    {
        super::pause::thaw(paths, &store, &id)?;
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
    let _lock = store.lock(&id)?;
    let mut rec = store.record(&id)?;
    if rec.name == new_name {
        return Err(EngineError::Conflict(
            "Renaming a container with the same name as its current name".into(),
        ));
    }
    store.reserve_name(new_name, &id)?;
    let old = std::mem::replace(&mut rec.name, new_name.to_string());
    if let Err(e) = store.save_record(&rec) {
        store.release_name(new_name, &id);
        return Err(e.into());
    }
    store.release_name(&old, &id);
    events::container(paths, &rec, "rename", &[("oldName", format!("/{old}"))]);
    Ok(())
}

/// `restart`: stop (with the timeout), then start in the background.
pub fn restart(paths: &Paths, name: &str, timeout: Option<i64>) -> Result<(), EngineError> {
    restart_with(paths, name, timeout, None)
}

/// `restart -s SIGNAL`: stopped with `signal`, then started.
pub fn restart_with(
    paths: &Paths,
    name: &str,
    timeout: Option<i64>,
    signal: Option<&str>,
) -> Result<(), EngineError> {
    stop_with(paths, name, timeout, signal)?;
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let rec = store.record(&id)?;
    start(paths, &rec, false)?;
    events::container(paths, &rec, "restart", &[]);
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

/// The path of a container's directory (for tests and diagnostics).
pub fn container_dir(paths: &Paths, id: &str) -> PathBuf {
    paths.container(id)
}

#[allow(dead_code)]
fn _assert_paths(_: &Path, _: OwnedFd) {}

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
