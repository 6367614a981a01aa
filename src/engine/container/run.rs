//! `run`, `start` and `restart`: the container's monitor spawned (it starts the container's
//! process and outlives the command), and the foreground wait with signals forwarded.
use std::os::fd::AsFd;
use std::process::Child;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, Signal};
use nix::unistd::Pid;

use crate::engine::EngineError;
use crate::state::container::{ContainerRecord, Containers, Status};
use crate::state::{events, Paths};
use crate::sys::term::RawTerminal;

use super::stop::stop_with;

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

/// `run`: create the container, start its monitor, and either return its ID (`detach`) or stay
/// attached until it exits.
pub fn run(
    paths: &Paths,
    req: &crate::engine::create::CreateRequest,
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
    req: &crate::engine::create::CreateRequest,
    detach: bool,
    sig_proxy: bool,
    detach_keys: Option<&[u8]>,
    notices: &mut dyn std::io::Write,
) -> Result<RunOutcome, EngineError> {
    if req.log.driver == "passthrough" {
        // Refused before anything is created.
        check_passthrough_stdio(req.interactive)?;
    }
    let crate::engine::create::Created { rec, stamp, spec } =
        crate::engine::create::create_record(paths, req, notices)?;
    let fresh = Fresh { stamp, spec };
    start_inner(
        paths,
        &rec,
        !detach,
        sig_proxy || rec.tty,
        detach_keys,
        Some(fresh),
    )
}

/// A container `run` has just created: its record file's stamp and its runtime spec, which a
/// forked monitor takes from memory ([`crate::monitor::Given`]).
struct Fresh {
    stamp: crate::state::summary::RecordStamp,
    spec: oci_spec::runtime::Spec,
}

/// Start a created container under a new monitor. In the foreground, wait for it and return
/// its exit code; detached, return once its process runs.
pub fn start(
    paths: &Paths,
    rec: &ContainerRecord,
    foreground: bool,
) -> Result<RunOutcome, EngineError> {
    start_inner(paths, rec, foreground, true, None, None)
}

fn start_inner(
    paths: &Paths,
    rec: &ContainerRecord,
    foreground: bool,
    sig_proxy: bool,
    detach_keys: Option<&[u8]>,
    fresh: Option<Fresh>,
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
    let (child, detach_pipe) = match spawn_monitor(paths, rec, io, detach_keys, fresh) {
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
    match spawn_monitor(paths, rec, MonitorIo::Piped, None, None)? {
        (MonitorProc::Exec(c), _) => Ok(c),
        // Piped monitors are always exec'd (spawn_monitor forks only Inherit ones).
        (mut m @ MonitorProc::Forked(_), _) => {
            let _ = m.wait();
            Err(EngineError::Internal("a piped monitor was forked".into()))
        }
    }
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
/// `fresh`: the container was created by this command (no state yet, no stop asked for).
fn spawn_monitor(
    paths: &Paths,
    rec: &ContainerRecord,
    io: MonitorIo,
    detach_keys: Option<&[u8]>,
    fresh: Option<Fresh>,
) -> Result<(MonitorProc, Option<std::fs::File>), EngineError> {
    if fresh.is_none() {
        // A new start: whatever stop was asked for before is over.
        let store = Containers::new(paths);
        let lock = store.lock(&rec.id)?;
        let mut st = store.state(&rec.id)?;
        if st.stop_requested {
            st.stop_requested = false;
            store.save_state(&lock, &st)?;
        }
    }
    let pause_ns = crate::engine::pause_process::ensure_for(paths, rec);
    let request = crate::helper::Request::Monitor {
        id: rec.id.clone(),
        foreground: matches!(
            io,
            MonitorIo::Inherit | MonitorIo::InheritOwnGroup | MonitorIo::Piped
        ),
        detach_keys: detach_keys.map(<[u8]>::to_vec),
    };
    let env: Vec<(std::ffi::OsString, std::ffi::OsString)> = vec![
        ("SKIFF_ROOT".into(), paths.data.clone().into()),
        ("SKIFF_RUNROOT".into(), paths.runtime.clone().into()),
    ];
    // A monitor in the foreground lives no longer than this command: it is forked, not
    // exec'd (helper::fork_helper says what that saves). A detached one runs in the small
    // binary, whose memory is a fraction of this one's for the container's whole life.
    if let MonitorIo::Inherit | MonitorIo::InheritOwnGroup = io {
        let keys = detach_keys.map(<[u8]>::to_vec);
        // `wait_foreground` (Inherit) reads the pipe until the container's end: the monitor
        // says the exit code there as soon as it is final, and finishes (a `--rm` container's
        // files) without being waited for.
        let report = matches!(io, MonitorIo::Inherit);
        // A container this command created: the monitor (a copy of this process) reads
        // neither its record nor its spec back, nor checks the pause process again.
        let given = fresh.map(|f| crate::monitor::Given {
            rec: rec.clone(),
            stamp: f.stamp,
            spec: std::mem::ManuallyDrop::new(f.spec),
            pause_ns,
        });
        let inherit: Vec<i32> = given
            .as_ref()
            .and_then(|g| g.pause_ns.as_ref())
            .map(std::os::fd::AsRawFd::as_raw_fd)
            .into_iter()
            .collect();
        let forked = crate::helper::fork_helper(
            &env,
            matches!(io, MonitorIo::InheritOwnGroup),
            &inherit,
            move |ready| {
                crate::monitor::main(paths, &rec.id, true, keys, Some(ready), report, given)
            },
        );
        if let Some(forked) = forked {
            let mut forked =
                forked.map_err(EngineError::failed("starting the container monitor"))?;
            let mut monitor = MonitorProc::Forked(forked.pid);
            let ready = crate::helper::read_ready(&mut forked.ready);
            if ready != Some(crate::helper::Ready::Ok) {
                let _ = monitor.wait();
                return Err(start_error(ready));
            }
            let pipe = (report || detach_keys.is_some()).then_some(forked.ready);
            return Ok((monitor, pipe));
        }
    }
    let mut spawn = crate::helper::Spawn::new(&request);
    spawn.ready = true;
    spawn.env = env;
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
        .map_err(EngineError::failed("starting the container monitor"))?;
    // None: the monitor died before it said anything.
    let ready = monitor.wait_ready();
    if ready != Some(crate::helper::Ready::Ok) {
        let _ = monitor.child.wait();
        return Err(start_error(ready));
    }
    let pipe = detach_keys.and_then(|_| monitor.take_ready_pipe());
    Ok((MonitorProc::Exec(monitor.child), pipe))
}

/// A container's monitor as this command started it: the small binary exec'd, or this
/// process forked ([`crate::helper::fork_helper`]).
enum MonitorProc {
    Exec(Child),
    Forked(Pid),
}

impl MonitorProc {
    fn id(&self) -> u32 {
        match self {
            MonitorProc::Exec(c) => c.id(),
            MonitorProc::Forked(p) => p.as_raw() as u32,
        }
    }

    /// Its exit status, if it has exited (reaped then).
    fn try_wait(&mut self) -> std::io::Result<Option<std::process::ExitStatus>> {
        match self {
            MonitorProc::Exec(c) => c.try_wait(),
            MonitorProc::Forked(p) => crate::helper::waitpid_status(*p, true),
        }
    }

    fn wait(&mut self) -> std::io::Result<std::process::ExitStatus> {
        match self {
            MonitorProc::Exec(c) => c.wait(),
            MonitorProc::Forked(p) => crate::helper::waitpid_status(*p, false)?
                .ok_or_else(|| std::io::Error::other("the monitor did not exit")),
        }
    }
}

fn start_error(ready: Option<crate::helper::Ready>) -> EngineError {
    match ready {
        Some(crate::helper::Ready::Failed { code, message }) if code != crate::exit::ENGINE => {
            EngineError::Exec { message, code }
        }
        Some(crate::helper::Ready::Failed { message, .. }) => EngineError::Internal(message),
        _ => EngineError::Internal(
            "the container monitor exited before the container started".into(),
        ),
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
fn wait_unproxied(mut child: MonitorProc) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    child
        .wait()
        .map(|s| s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0)))
        .unwrap_or(crate::exit::ENGINE)
}

/// Wait for the foreground monitor; forward the signals the terminal did not already deliver
/// to it. Its exit status (the container's exit code), or the code it reported on the pipe
/// (`Ready::Exited`: it finishes alone, not waited for), or that it let go of the terminal.
fn wait_foreground(
    mut child: MonitorProc,
    mask: &SigSet,
    mut detach_pipe: Option<std::fs::File>,
) -> RunOutcome {
    let status_code = |s: std::process::ExitStatus| {
        use std::os::unix::process::ExitStatusExt;
        s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0))
    };
    let exited = |child: &mut MonitorProc| {
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
                match crate::helper::read_ready(p) {
                    Some(crate::helper::Ready::Detached) => return RunOutcome::DetachedByKeys,
                    Some(crate::helper::Ready::Exited { code }) => return RunOutcome::Exited(code),
                    _ => {}
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
    if !st.can_start() {
        return Ok(RunOutcome::Detached(id));
    }
    start_inner(paths, &rec, attach, true, detach_keys, None)
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
