//! Health checks: the probe (the check's command run inside the container as `exec` runs one,
//! its output captured through a pipe), the schedule the monitor keeps (docker's: interval,
//! start period and start interval, timeout), the record in the container's state
//! (`State.Health`, under the container's lock) with its `health_status` events, and podman's
//! `--health-on-failure` actions.
//!
//! The monitor stays single-threaded: a probe is a forked process whose output pipe and exit
//! (SIGCHLD on the monitor's signalfd) join the monitor's poll loop, and between probes the
//! monitor sleeps in `poll` until the next one is due ([`Checker::timeout`]).
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use crate::runtime::exec::{Credentials, ExecProcess, ExecRequest};
use crate::state::container::{ContainerRecord, Containers, Status};
use crate::state::health::{
    go_duration, Health, HealthConfig, HealthStatus, LimitedOutput, OnFailure, Probe, ProbeResult,
};
use crate::state::{events, Paths};

/// What a probe runs, and as whom: the container's process settings from its runtime spec
/// (environment, working directory, user, capabilities, seccomp), as docker's health exec
/// takes the container's.
pub fn probe_request(
    rec: &ContainerRecord,
    spec: &oci_spec::runtime::Spec,
    pid: i32,
    pid_start: u64,
) -> Option<(ExecRequest, Credentials)> {
    let cfg = rec.healthcheck.as_ref()?;
    let args = match cfg.probe()? {
        Probe::Exec(args) => args,
        Probe::Shell(cmd) => {
            let mut a = if rec.shell.is_empty() {
                vec!["/bin/sh".to_string(), "-c".to_string()]
            } else {
                rec.shell.clone()
            };
            a.push(cmd);
            a
        }
    };
    let process = spec.process().as_ref();
    let env = process
        .and_then(|p| p.env().clone())
        .unwrap_or_else(|| rec.env.clone());
    let cwd = process
        .map(|p| p.cwd().to_string_lossy().into_owned())
        .unwrap_or_else(|| rec.working_dir.clone());
    let capabilities: Vec<String> = process
        .and_then(|p| p.capabilities().as_ref())
        .and_then(|c| c.bounding().as_ref())
        .map(|set| {
            set.iter()
                .filter_map(|c| serde_json::to_value(c).ok())
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_else(|| {
            crate::runtime::spec::DEFAULT_CAPS
                .iter()
                .map(|c| c.to_string())
                .collect()
        });
    let creds = process
        .map(|p| Credentials {
            uid: p.user().uid(),
            gid: p.user().gid(),
            groups: p.user().additional_gids().clone().unwrap_or_default(),
        })
        .unwrap_or_default();
    let req = ExecRequest {
        pid,
        pid_start,
        args,
        env,
        cwd,
        capabilities,
        tty: false,
        interactive: false,
        detach: false,
        // Compiled once for all the probes of this checker.
        seccomp: match spec.linux().as_ref().and_then(|l| l.seccomp().as_ref()) {
            Some(s) => {
                let compiled = serde_json::to_value(s)
                    .map_err(|e| e.to_string())
                    .and_then(|v| crate::runtime::seccomp::compile(&v).map_err(|e| e.to_string()));
                match compiled {
                    Ok(progs) => Some(progs),
                    Err(e) => {
                        // Never probe without the container's filter.
                        tracing::warn!("health check of {}: seccomp profile: {e}", rec.id);
                        return None;
                    }
                }
            }
            None => None,
        },
        no_new_privileges: process.and_then(|p| p.no_new_privileges()) == Some(true),
        capture: None,
    };
    Some((req, creds))
}

/// A probe under way.
pub struct Running {
    /// The exec joiner: the probe's exit status is its; it leads the probe's process group.
    waiter: i32,
    out: Option<OwnedFd>,
    output: LimitedOutput,
    start: String,
    deadline: Instant,
    timeout_ns: i64,
    timed_out: bool,
    exit: Option<i32>,
}

impl Running {
    /// Start the probe `req` (with its output captured) in the container.
    pub fn start(
        req: &ExecRequest,
        creds: &Credentials,
        timeout_ns: i64,
    ) -> Result<Running, ProbeResult> {
        let start = super::now_rfc3339();
        let failed = |msg: String| ProbeResult {
            start: start.clone(),
            end: super::now_rfc3339(),
            exit_code: -1,
            output: msg,
        };
        let (r, w) =
            nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC | nix::fcntl::OFlag::O_NONBLOCK)
                .map_err(|e| failed(format!("pipe: {e}")))?;
        // The write end is blocking for the command (O_NONBLOCK is per open file: set it on
        // the read end only).
        let _ = nix::fcntl::fcntl(
            &w,
            nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::empty()),
        );
        let mut req = req.clone();
        req.capture = Some(w.as_raw_fd());
        let creds = creds.clone();
        let resolve = move || Ok(creds.clone());
        let proc: ExecProcess = crate::runtime::exec::spawn(&req, &resolve).map_err(|e| {
            failed(match e {
                crate::runtime::RuntimeError::Start { message, .. } => message,
                other => other.to_string(),
            })
        })?;
        drop(w);
        let timeout = Duration::from_nanos(timeout_ns.max(0) as u64);
        Ok(Running {
            waiter: proc.waiter,
            out: Some(r),
            output: LimitedOutput::default(),
            start,
            deadline: Instant::now() + timeout,
            timeout_ns,
            timed_out: false,
            exit: None,
        })
    }

    /// The output pipe, while it is open.
    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.out.as_ref().map(|f| f.as_fd())
    }

    /// Take what the probe wrote so far; close the pipe at EOF.
    pub fn read(&mut self) {
        let Some(fd) = &self.out else { return };
        let mut buf = [0u8; 4096];
        loop {
            match nix::unistd::read(fd, &mut buf) {
                Ok(0) => {
                    self.out = None;
                    return;
                }
                Ok(n) => self.output.push(&buf[..n]),
                Err(nix::errno::Errno::EINTR) => continue,
                Err(nix::errno::Errno::EAGAIN) => return,
                Err(_) => {
                    self.out = None;
                    return;
                }
            }
        }
    }

    /// Reap the probe if it has exited (`block`: wait for it).
    pub fn reap(&mut self, block: bool) {
        if self.exit.is_some() {
            return;
        }
        let flags = (!block).then_some(WaitPidFlag::WNOHANG);
        loop {
            match waitpid(Pid::from_raw(self.waiter), flags) {
                Ok(WaitStatus::Exited(_, c)) => self.exit = Some(c),
                Ok(WaitStatus::Signaled(_, s, _)) => self.exit = Some(128 + s as i32),
                Ok(WaitStatus::StillAlive) => {}
                Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => self.exit = Some(-1),
            }
            return;
        }
    }

    /// Past its timeout: kill the probe's process group (the joiner and the command).
    pub fn enforce_timeout(&mut self, now: Instant) {
        if self.exit.is_none() && !self.timed_out && now >= self.deadline {
            self.timed_out = true;
            let _ = nix::sys::signal::killpg(Pid::from_raw(self.waiter), Signal::SIGKILL);
        }
    }

    pub fn exited(&self) -> bool {
        self.exit.is_some()
    }

    /// Time left before the timeout (zero once past it).
    pub fn time_left(&self, now: Instant) -> Duration {
        if self.timed_out {
            // Killed: only its exit is awaited now (SIGCHLD wakes the poll).
            return Duration::from_secs(1);
        }
        self.deadline.saturating_duration_since(now)
    }

    /// The result of an exited probe, as docker records it.
    pub fn finish(mut self) -> ProbeResult {
        self.read();
        let out = self.output.text();
        let end = super::now_rfc3339();
        if self.timed_out {
            let t = go_duration(self.timeout_ns);
            let output = if out.is_empty() {
                format!("Health check exceeded timeout ({t})")
            } else {
                format!("Health check exceeded timeout ({t}): {out}")
            };
            return ProbeResult {
                start: std::mem::take(&mut self.start),
                end,
                exit_code: -1,
                output,
            };
        }
        ProbeResult {
            start: std::mem::take(&mut self.start),
            end,
            exit_code: self.exit.unwrap_or(-1),
            output: out,
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.exit.is_none() {
            let _ = nix::sys::signal::killpg(Pid::from_raw(self.waiter), Signal::SIGKILL);
            self.reap(true);
        }
    }
}

/// Run a probe to its end (`healthcheck run`), waiting in `poll` on its output.
pub fn run_blocking(req: &ExecRequest, creds: &Credentials, timeout_ns: i64) -> ProbeResult {
    let mut p = match Running::start(req, creds, timeout_ns) {
        Ok(p) => p,
        Err(result) => return result,
    };
    loop {
        p.reap(false);
        if p.exited() {
            return p.finish();
        }
        let now = Instant::now();
        p.enforce_timeout(now);
        // Without a SIGCHLD source here, look at the probe's exit at least every 50 ms.
        let wait = p.time_left(now).min(Duration::from_millis(50));
        let ms = wait.as_millis().max(1) as u16;
        match p.fd() {
            Some(fd) => {
                let mut fds = [nix::poll::PollFd::new(fd, nix::poll::PollFlags::POLLIN)];
                let _ = nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(ms));
                p.read();
            }
            None => std::thread::sleep(Duration::from_millis(ms as u64)),
        }
    }
}

/// Record a probe's result in the container's state and log a `health_status` event if the
/// status changed. Returns the container's health status afterwards, or None when the
/// container no longer runs (the result is dropped, as docker drops a cancelled probe's).
pub fn save_result(
    paths: &Paths,
    rec: &ContainerRecord,
    cfg: &HealthConfig,
    result: ProbeResult,
) -> Option<HealthStatus> {
    let store = Containers::new(paths);
    let changed;
    let status;
    {
        let lock = store.lock(&rec.id).ok()?;
        let mut st = store.state(&rec.id).ok()?;
        if st.status != Status::Running {
            return None;
        }
        // docker: failures of probes started within the start period do not count.
        let in_start_period = match (
            st.started_at
                .as_deref()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()),
            chrono::DateTime::parse_from_rfc3339(&result.start).ok(),
        ) {
            (Some(started), Some(probe)) => {
                (probe - started).num_nanoseconds().unwrap_or(i64::MAX) < cfg.start_period
            }
            _ => false,
        };
        let h = st.health.get_or_insert_with(|| Health::restart(None));
        changed = h.record(result, cfg, in_start_period);
        status = h.status;
        store.save_state_volatile(&lock, &st).ok()?;
    }
    if let Some(s) = changed {
        events::container(paths, rec, &format!("health_status: {}", s.as_str()), &[]);
    }
    Some(status)
}

/// The monitor's health checker for one run of the container.
pub struct Checker {
    paths: Paths,
    rec: ContainerRecord,
    cfg: HealthConfig,
    req: ExecRequest,
    creds: Credentials,
    /// When the container started (docker's `State.StartedAt`, for the start period).
    started: Instant,
    status: HealthStatus,
    next: Instant,
    running: Option<Running>,
    /// An on-failure stop or restart sent the stop signal: SIGKILL at this time.
    kill_at: Option<Instant>,
    /// On-failure `restart` asked for this exit: the monitor starts the container again.
    pub restart_wanted: bool,
    /// No more probes: the container is stopping.
    stopped: bool,
}

impl Checker {
    /// The checker for a container that just started, or None without a health check.
    pub fn new(
        paths: &Paths,
        rec: &ContainerRecord,
        spec: &oci_spec::runtime::Spec,
        pid: i32,
        pid_start: u64,
    ) -> Option<Checker> {
        let cfg = rec.healthcheck.clone()?;
        let (req, creds) = probe_request(rec, spec, pid, pid_start)?;
        let now = Instant::now();
        let mut c = Checker {
            paths: paths.clone(),
            rec: rec.clone(),
            cfg,
            req,
            creds,
            started: now,
            status: HealthStatus::Starting,
            next: now,
            running: None,
            kill_at: None,
            restart_wanted: false,
            stopped: false,
        };
        c.next = now + c.interval(now);
        Some(c)
    }

    /// docker's wait before the next probe: the start interval while starting within the
    /// start period, never past the end of the start period, else the interval.
    fn interval(&self, now: Instant) -> Duration {
        let nanos = |n: i64| Duration::from_nanos(n.max(0) as u64);
        let interval = nanos(self.cfg.interval_ns());
        let start_period = nanos(self.cfg.start_period);
        let elapsed = now.saturating_duration_since(self.started);
        if elapsed >= start_period {
            return interval;
        }
        let remaining = start_period - elapsed;
        if remaining < interval {
            return remaining;
        }
        if self.status == HealthStatus::Starting {
            nanos(self.cfg.start_interval_ns())
        } else {
            interval
        }
    }

    /// The health status after the last probe.
    pub fn status(&self) -> HealthStatus {
        self.status
    }

    /// The probe's output pipe, for the monitor's poll set.
    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.running.as_ref().and_then(|r| r.fd())
    }

    /// How long the monitor may sleep before [`Checker::tick`] has something to do.
    pub fn timeout(&self, now: Instant) -> Option<Duration> {
        let mut t: Option<Duration> = None;
        let mut at = |d: Duration| t = Some(t.map_or(d, |x| x.min(d)));
        if let Some(k) = self.kill_at {
            at(k.saturating_duration_since(now));
        }
        if self.stopped {
            return t;
        }
        match &self.running {
            Some(r) => at(r.time_left(now)),
            None => at(self.next.saturating_duration_since(now)),
        }
        t
    }

    /// The probe's output is readable.
    pub fn on_output(&mut self) {
        if let Some(r) = self.running.as_mut() {
            r.read();
        }
    }

    /// The container is gone: no more probes; a running one is killed.
    pub fn stop(&mut self) {
        self.stopped = true;
        self.kill_at = None;
        self.running = None;
    }

    /// Start a due probe, enforce a probe's timeout, record a finished probe and act on it.
    /// Called after every wake-up of the monitor (SIGCHLD included).
    pub fn tick(&mut self, pid: i32) {
        let now = Instant::now();
        if let Some(k) = self.kill_at {
            if now >= k {
                self.kill_at = None;
                let _ = nix::sys::signal::kill(Pid::from_raw(pid), Signal::SIGKILL);
                events::container(&self.paths, &self.rec, "kill", &[("signal", "9".into())]);
            }
        }
        if self.stopped {
            return;
        }
        if let Some(r) = self.running.as_mut() {
            r.reap(false);
            r.enforce_timeout(now);
            if !r.exited() {
                return;
            }
            let Some(r) = self.running.take() else { return };
            let result = r.finish();
            match save_result(&self.paths, &self.rec, &self.cfg, result) {
                Some(status) => {
                    self.status = status;
                    if status == HealthStatus::Unhealthy {
                        self.on_failure(pid);
                    }
                }
                None => self.stopped = true,
            }
            let now = Instant::now();
            self.next = now + self.interval(now);
            return;
        }
        if now >= self.next {
            match Running::start(&self.req, &self.creds, self.cfg.timeout_ns()) {
                Ok(r) => self.running = Some(r),
                Err(result) => {
                    // Could not even start: a failed probe, docker's exit code -1.
                    if let Some(s) = save_result(&self.paths, &self.rec, &self.cfg, result) {
                        self.status = s;
                        if s == HealthStatus::Unhealthy {
                            self.on_failure(pid);
                        }
                    }
                    let now = Instant::now();
                    self.next = now + self.interval(now);
                }
            }
        }
    }

    /// podman's `--health-on-failure` once the container is unhealthy.
    fn on_failure(&mut self, pid: i32) {
        let signal = |sig: Signal| {
            let _ = nix::sys::signal::kill(Pid::from_raw(pid), sig);
            events::container(
                &self.paths,
                &self.rec,
                "kill",
                &[("signal", (sig as i32).to_string())],
            );
        };
        match self.rec.health_on_failure {
            OnFailure::None => {}
            OnFailure::Kill => {
                self.stopped = true;
                signal(Signal::SIGKILL);
            }
            OnFailure::Stop | OnFailure::Restart => {
                self.stopped = true;
                if self.rec.health_on_failure == OnFailure::Restart {
                    self.restart_wanted = true;
                } else {
                    // A wanted exit: the restart policy must not undo it.
                    let store = Containers::new(&self.paths);
                    if let Ok(lock) = store.lock(&self.rec.id) {
                        if let Ok(mut st) = store.state(&self.rec.id) {
                            st.stop_requested = true;
                            let _ = store.save_state(&lock, &st);
                        }
                    }
                }
                let sig = self
                    .rec
                    .stop_signal
                    .as_deref()
                    .and_then(crate::units::parse_signal)
                    .and_then(|n| Signal::try_from(n).ok())
                    .unwrap_or(Signal::SIGTERM);
                signal(sig);
                let secs = self.rec.stop_timeout.unwrap_or(10).max(0) as u64;
                self.kill_at = Some(Instant::now() + Duration::from_secs(secs));
            }
        }
    }
}
