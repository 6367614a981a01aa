//! `exec`: a new process in a running container, in the foreground or detached.
use std::path::PathBuf;

use crate::engine::create::names::new_id;
use crate::engine::create::parse::{env_file, set_env};
use crate::engine::create::user::{resolve_group, resolve_user};
use crate::engine::EngineError;
use crate::state::container::Containers;
use crate::state::{events, Paths};
use crate::sys::term::RawTerminal;

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
    // Whether the PID is still the container's is checked by `spawn` once it holds the
    // namespaces (`/proc/PID/stat` read once more there): here the state alone.
    if !(st.status.is_up() && st.pid > 0) {
        return Err(EngineError::Conflict(format!(
            "container {} is not running",
            opts.container
        )));
    }
    if st.status == crate::state::container::Status::Paused {
        return Err(EngineError::Conflict(format!(
            "Container {} is paused, unpause the container before exec",
            opts.container
        )));
    }
    if opts.command.is_empty() {
        return Err(EngineError::Usage("exec needs a command to run".into()));
    }
    // The spec's process section and seccomp filter (`exec.cache`, else `config.json`).
    let spec = crate::runtime::exec_cache::load(&store.dir(&id))?;
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
        seccomp: spec.seccomp,
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
            && crate::engine::create::parse_extras::keep_id(&rec.extras.userns).is_some()
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
        events::container_event(&rec, action, &attrs)
    };
    // Made now, recorded with `exec_start` in one write once the command runs (alone if it
    // could not start).
    let created = exec_event(&format!("exec_create: {cmdline}"), None);
    let started = crate::runtime::exec::spawn(&req, &resolve)
        .inspect_err(|_| events::record(paths, &created));
    let started = started.map_err(|e| match e {
        crate::runtime::RuntimeError::Start { message, code } if code != crate::exit::ENGINE => {
            EngineError::Exec { message, code }
        }
        crate::runtime::RuntimeError::Start { message, .. } => EngineError::Internal(message),
        other if !st.is_alive() => {
            tracing::debug!("exec: {other}");
            EngineError::Conflict(format!("container {} is not running", opts.container))
        }
        other => other.into(),
    })?;
    events::record_all(
        paths,
        &[created, exec_event(&format!("exec_start: {cmdline}"), None)],
    );
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
    events::record(
        paths,
        &exec_event("exec_die", Some(("exitCode", code.to_string()))),
    );
    Ok(ExecOutcome::Exited(code))
}
