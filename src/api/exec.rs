//! Exec instances: `POST /containers/{id}/exec` makes one, `POST /exec/{id}/start` runs it
//! (hijacking the connection unless detached), `GET /exec/{id}/json` tells how it ended.
//!
//! The engine's exec forks into the container's namespaces and so needs a single-threaded
//! process: the service runs it in `skiff __api-exec`, re-executed, with the options as JSON
//! in its environment and pipes for its standard streams.
use std::collections::HashMap;
use std::os::fd::{AsFd, OwnedFd, RawFd};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::hijack::{relay_child, require_upgrade, switching, Streams};
use super::http::{self, blocking, strings, ApiError, ApiResult, Query};
use super::Ctx;
use crate::engine::container::ExecOptions;
use crate::engine::EngineError;
use crate::state::container::Status;

/// The environment variable that carries the options to `__api-exec`.
const OPTS_ENV: &str = "_SKIFF_API_EXEC";
/// The environment variable that names `__api-exec`'s resize pipe (a tty exec's).
const RESIZE_ENV: &str = "_SKIFF_API_EXEC_RESIZE";
/// Where `__api-exec` finds its resize pipe.
const RESIZE_FD: RawFd = 3;

/// What `__api-exec` runs: the engine's options, serialisable.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChildOpts {
    container: String,
    command: Vec<String>,
    interactive: bool,
    tty: bool,
    detach: bool,
    env: Vec<String>,
    workdir: Option<String>,
    user: Option<String>,
    privileged: bool,
}

/// One exec instance.
#[derive(Debug, Clone)]
pub struct Exec {
    container_id: String,
    opts: ChildOpts,
    attach_stdout: bool,
    attach_stderr: bool,
    running: bool,
    started: bool,
    exit_code: Option<i32>,
    pid: u32,
    /// The write end of a running tty exec's resize pipe.
    resize: Option<Arc<OwnedFd>>,
}

#[derive(Default)]
pub struct Execs(Mutex<HashMap<String, Exec>>);

impl Execs {
    fn get(&self, id: &str) -> Result<Exec, ApiError> {
        self.0
            .lock()
            .ok()
            .and_then(|m| m.get(id).cloned())
            .ok_or_else(|| ApiError::not_found(format!("No such exec instance: {id}")))
    }
    fn update(&self, id: &str, f: impl FnOnce(&mut Exec)) {
        if let Ok(mut m) = self.0.lock() {
            if let Some(e) = m.get_mut(id) {
                f(e);
            }
        }
    }
}

/// `POST /containers/{id}/exec`.
pub async fn create(ctx: &Arc<Ctx>, id: &str, req: Request<Incoming>) -> ApiResult {
    let body = http::read_json(req).await?;
    if !body.is_object() {
        return Err(ApiError::bad("exec config cannot be empty"));
    }
    let command = strings(&body["Cmd"]);
    if command.is_empty() {
        return Err(ApiError::bad("No exec command specified"));
    }
    let (paths, name) = (ctx.paths.clone(), id.to_string());
    let info = blocking(move || crate::engine::container::get(&paths, &name)).await?;
    if info.state.status == Status::Paused {
        return Err(ApiError::conflict(format!(
            "Container {} is paused, unpause the container before exec",
            info.record.id
        )));
    }
    if info.state.status != Status::Running {
        return Err(ApiError::conflict(format!(
            "Container {} is not running",
            info.record.id
        )));
    }
    let flag = |k: &str| body[k].as_bool().unwrap_or(false);
    let text = |k: &str| body[k].as_str().filter(|s| !s.is_empty()).map(String::from);
    let exec = Exec {
        container_id: info.record.id.clone(),
        opts: ChildOpts {
            container: info.record.id.clone(),
            command,
            interactive: flag("AttachStdin"),
            tty: flag("Tty"),
            detach: false,
            env: strings(&body["Env"]),
            workdir: text("WorkingDir"),
            user: text("User"),
            privileged: flag("Privileged"),
        },
        attach_stdout: flag("AttachStdout"),
        attach_stderr: flag("AttachStderr"),
        running: false,
        started: false,
        exit_code: None,
        pid: 0,
        resize: None,
    };
    let exec_id =
        crate::engine::create::names::new_id().map_err(|e| ApiError::internal(e.to_string()))?;
    if let Ok(mut m) = ctx.execs.0.lock() {
        m.insert(exec_id.clone(), exec);
    }
    Ok(http::json_status(
        StatusCode::CREATED,
        &json!({"Id": exec_id}),
    ))
}

/// A pipe for terminal sizes: (read end for the helper, write end kept here, non-blocking).
fn resize_pipe() -> Result<(OwnedFd, OwnedFd), ApiError> {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    let (r, w) = nix::unistd::pipe2(OFlag::O_CLOEXEC)
        .map_err(|e| ApiError::internal(format!("resize pipe: {e}")))?;
    fcntl(&w, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))
        .map_err(|e| ApiError::internal(format!("resize pipe: {e}")))?;
    Ok((r, w))
}

/// Start `__api-exec`; with `piped`, its standard streams are pipes for the client, and a
/// tty exec gets a resize pipe (whose write end is returned).
fn spawn_child(
    opts: &ChildOpts,
    piped: bool,
) -> Result<(std::process::Child, Option<OwnedFd>), ApiError> {
    let exe = std::env::current_exe()
        .map_err(|e| ApiError::internal(format!("finding skiff's own binary: {e}")))?;
    let json = serde_json::to_string(opts).map_err(|e| ApiError::internal(e.to_string()))?;
    let mut cmd = Command::new(exe);
    cmd.arg("__api-exec").env(OPTS_ENV, json);
    let mut resize = None;
    if piped {
        cmd.stdin(if opts.interactive {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        if opts.tty {
            let (r, w) = resize_pipe()?;
            cmd.env(RESIZE_ENV, RESIZE_FD.to_string());
            // Both ends were made close-on-exec, so no other child started meanwhile
            // inherits them; the helper gets its copy at RESIZE_FD without the flag.
            crate::sys::fd::pass_to_child(&mut cmd, &[(r.as_fd(), RESIZE_FD)]);
            let child = cmd
                .spawn()
                .map_err(|e| ApiError::internal(format!("starting the exec helper: {e}")))?;
            drop(r);
            resize = Some(w);
            return Ok((child, resize));
        }
    } else {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    }
    let child = cmd
        .spawn()
        .map_err(|e| ApiError::internal(format!("starting the exec helper: {e}")))?;
    Ok((child, resize.take()))
}

/// `POST /exec/{id}/start` with `{"Detach": bool, "Tty": bool}`.
pub async fn start(ctx: &Arc<Ctx>, id: &str, mut req: Request<Incoming>) -> ApiResult {
    let exec = ctx.execs.get(id)?;
    if exec.started {
        return Err(ApiError::conflict(format!(
            "Exec {id} has already been started"
        )));
    }
    let upgrading = require_upgrade(&req);
    let on_upgrade = hyper::upgrade::on(&mut req);
    let detach = http::read_json(req).await?["Detach"]
        .as_bool()
        .unwrap_or(false);
    let (paths, cid) = (ctx.paths.clone(), exec.container_id.clone());
    let info = blocking(move || crate::engine::container::get(&paths, &cid)).await?;
    if info.state.status == Status::Paused {
        return Err(ApiError::conflict(format!(
            "Container {} is paused, unpause the container before exec",
            info.record.id
        )));
    }
    if info.state.status != Status::Running {
        return Err(ApiError::conflict(format!(
            "Container {} is not running",
            info.record.id
        )));
    }
    let id = id.to_string();
    ctx.execs.update(&id, |e| {
        e.started = true;
        e.running = true;
    });
    if detach {
        let mut opts = exec.opts.clone();
        opts.detach = true;
        let (child, _) = spawn_child(&opts, false)?;
        ctx.execs.update(&id, |e| e.pid = child.id());
        let ctx2 = ctx.clone();
        tokio::task::spawn_blocking(move || {
            let mut child = child;
            let code = child.wait().ok().and_then(|s| s.code());
            ctx2.execs.update(&id, |e| {
                e.running = false;
                e.exit_code = code;
            });
        });
        return http::status_only(StatusCode::OK);
    }
    upgrading?;
    let streams = Streams {
        stdin: exec.opts.interactive,
        stdout: exec.attach_stdout,
        stderr: exec.attach_stderr,
        tty: exec.opts.tty,
    };
    let (child, resize) = spawn_child(&exec.opts, true)?;
    let resize = resize.map(Arc::new);
    ctx.execs.update(&id, |e| {
        e.pid = child.id();
        e.resize = resize;
    });
    let busy = ctx.activity.enter();
    let ctx2 = ctx.clone();
    tokio::spawn(async move {
        let ctx3 = ctx2.clone();
        let id2 = id.clone();
        let on_exit: super::hijack::OnExit = Box::new(move |code| {
            ctx3.execs.update(&id2, |e| {
                e.running = false;
                e.exit_code = code;
                e.resize = None;
            });
        });
        match on_upgrade.await {
            Ok(up) => relay_child(TokioIo::new(up), child, streams, None, busy, on_exit).await,
            Err(_) => {
                let mut child = child;
                let _ = child.kill();
                let code =
                    tokio::task::spawn_blocking(move || child.wait().ok().and_then(|s| s.code()))
                        .await
                        .ok()
                        .flatten();
                on_exit(code);
            }
        }
    });
    Ok(switching(exec.opts.tty))
}

/// `GET /exec/{id}/json`.
pub fn inspect(ctx: &Arc<Ctx>, id: &str) -> ApiResult {
    let e = ctx.execs.get(id)?;
    let (entry, args) = e
        .opts
        .command
        .split_first()
        .map(|(a, b)| (a.clone(), b.to_vec()))
        .unwrap_or_default();
    http::json(&json!({
        "ID": id,
        "Running": e.running,
        "ExitCode": e.exit_code,
        "ProcessConfig": {
            "tty": e.opts.tty,
            "entrypoint": entry,
            "arguments": args,
            "privileged": e.opts.privileged,
            "user": e.opts.user.clone().unwrap_or_default(),
        },
        "OpenStdin": e.opts.interactive,
        "OpenStdout": e.attach_stdout,
        "OpenStderr": e.attach_stderr,
        "CanRemove": false,
        "ContainerID": e.container_id,
        "DetachKeys": "",
        "Pid": e.pid,
    }))
}

/// `POST /exec/{id}/resize?h&w`: the new size goes down the tty exec's resize pipe to the
/// helper that holds its terminal. An exec without a terminal has nothing to resize (docker's
/// CLI only asks for tty execs); one that has ended neither.
pub fn resize(ctx: &Arc<Ctx>, id: &str, q: &Query) -> ApiResult {
    let (rows, cols) = super::hijack::terminal_size(q)?;
    let e = ctx.execs.get(id)?;
    if !e.opts.tty {
        return Err(ApiError::conflict(format!(
            "exec {id} has no terminal to resize"
        )));
    }
    if let Some(w) = &e.resize {
        let mut msg = rows.to_be_bytes().to_vec();
        msg.extend_from_slice(&cols.to_be_bytes());
        // A few bytes on a pipe the helper keeps reading: it never fills in practice; a
        // full or closed one (the exec just ended) loses only this size.
        let _ = nix::unistd::write(w.as_ref(), &msg);
    }
    http::status_only(StatusCode::OK)
}

/// The resize pipe the service passed, made close-on-exec so the command does not inherit it.
fn resize_fd() -> Option<std::os::fd::OwnedFd> {
    let fd: RawFd = std::env::var(RESIZE_ENV).ok()?.parse().ok()?;
    std::env::remove_var(RESIZE_ENV);
    if fd != RESIZE_FD {
        return None;
    }
    crate::sys::fd::adopt_inherited(fd).ok()
}

/// Entry point of `skiff __api-exec`: run the exec the service described, with this
/// process's standard streams; exit with the command's exit code.
pub fn exec_child_main() -> i32 {
    let run = || -> Result<i32, EngineError> {
        let raw = std::env::var(OPTS_ENV)
            .map_err(|_| EngineError::Internal(format!("{OPTS_ENV} is not set")))?;
        let o: ChildOpts = serde_json::from_str(&raw).map_err(EngineError::failed(OPTS_ENV))?;
        let opts = ExecOptions {
            container: o.container,
            command: o.command,
            interactive: o.interactive,
            tty: o.tty,
            detach: o.detach,
            env: o.env,
            env_files: Vec::new(),
            workdir: o.workdir,
            user: o.user,
            privileged: o.privileged,
            resize_fd: resize_fd().map(std::sync::Arc::new),
            detach_keys: None,
        };
        crate::engine::container::exec(&crate::state::Paths::from_env(), &opts)
    };
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", crate::engine::error_chain(&e));
            e.exit_code()
        }
    }
}
