//! The per-container monitor: skiff re-executed as a helper (`helper::Request::Monitor`),
//! outliving the CLI.
//! It starts the container (runtime::create), owns its pty or pipes, writes the log, forwards
//! signals, records the exit code and time atomically, and removes `--rm` containers.
//!
//! Start-up protocol with the CLI: the CLI passes a pipe as `_SKIFF_READY_FD`; the monitor
//! writes `ok` once the container's process runs, or `err CODE MESSAGE`, then closes it. In the
//! foreground the monitor shares the CLI's stdio and exits with the container's exit code.
pub mod attach;
pub mod entry;
mod error;
pub mod health;
pub mod journald;
pub mod log;
pub mod notify;
mod pump;
mod remove;

pub use error::MonitorError;
pub use remove::{remove_anonymous_volumes, remove_container, remove_tree_any_owner};

use pump::{pump, PumpIo};

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::time::Duration;

use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::SignalFd;

use crate::runtime::Stdio;
use crate::state::container::{ContainerState, Containers, Status};
use crate::state::Paths;
use crate::storage::rootfs::Rootfs;

/// RFC 3339 with nanoseconds, as docker's inspect shows times.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// What a monitor forked by the command that created the container takes from that command's
/// memory instead of reading it back: the record, its file's stamp (the summary `ps` reads
/// comes from this record only while the file is still this one), the runtime spec, and the
/// pause process's user namespace, opened and verified by the command
/// ([`crate::runtime::pause::open_verified`], with the user's id maps).
pub struct Given {
    pub rec: crate::state::container::ContainerRecord,
    pub stamp: crate::state::summary::RecordStamp,
    /// Never dropped in the command that forks the monitor (a foreground command, which exits
    /// with the container): freeing its thousands of small allocations (docker's seccomp
    /// profile most of them) cost that command about 0.05 ms of CPU after the fork.
    pub spec: std::mem::ManuallyDrop<oci_spec::runtime::Spec>,
    pub pause_ns: Option<std::fs::File>,
}

/// Entry point of the monitor helper (`helper::Request::Monitor`); returns the process exit
/// code. `ready` gets `Ready::Ok` once the container runs, or why it did not start. With
/// `report_exit` (a caller that reads the pipe until the container's end: `run` and `start -a`
/// in the foreground), it also gets `Ready::Exited` as soon as the exit is recorded or a `--rm`
/// container is out of sight, and the monitor deletes that container's files after it.
/// `given`: the container as its creator has it ([`Given`]), else it is read from the store.
pub fn main(
    paths: &Paths,
    id: &str,
    foreground: bool,
    detach_keys: Option<Vec<u8>>,
    ready: Option<crate::helper::ReadySender>,
    report_exit: bool,
    given: Option<Given>,
) -> i32 {
    let mut ready = ready;
    let report = if report_exit {
        ready.as_ref().and_then(|r| r.try_clone())
    } else {
        None
    };
    if !foreground {
        let _ = nix::unistd::setsid();
    }
    // Watching the caller's terminal for the detach keys: a second handle on the readiness
    // pipe says when they were typed.
    let detach =
        match (foreground, detach_keys) {
            (true, Some(keys)) if !keys.is_empty() => ready
                .as_ref()
                .and_then(|r| r.try_clone())
                .map(|tell| TerminalDetach {
                    matcher: crate::sys::term::DetachMatcher::new(keys),
                    tell: Some(tell),
                }),
            _ => None,
        };
    let detach = std::cell::RefCell::new(detach);
    let pidfile = monitor_pidfile(paths, id);
    let _ = std::fs::write(&pidfile, format!("{}\n", std::process::id()));
    let result = run(
        paths,
        id,
        foreground,
        &detach,
        &mut ready,
        report.is_some(),
        given,
    );
    let _ = std::fs::remove_file(&pidfile);
    // Its endpoints on user networks go with the monitor (the holder forgets them too if the
    // monitor is killed).
    crate::network::user::release(paths, id);
    match result {
        Ok((code, trashed)) => {
            if trashed.is_some() {
                remove::become_remover();
            }
            if let Some(tell) = report {
                // The caller returns now: nothing of ours may hold its streams open.
                drop(detach);
                crate::sys::fd::stdio_to_null();
                tell.send(&crate::helper::Ready::Exited { code });
            }
            if let Some(t) = trashed {
                remove::delete_trashed(paths, t);
            }
            code
        }
        Err(e) => {
            let code = e.exit_code();
            if let Some(r) = ready.take() {
                r.send(&crate::helper::Ready::Failed {
                    code,
                    message: e.to_string(),
                });
            }
            code
        }
    }
}

type MonResult<T> = Result<T, MonitorError>;

/// The file holding the monitor's PID while it lives (the `PIDFile=` of a `Type=forking` unit
/// from `generate systemd`).
pub fn monitor_pidfile(paths: &Paths, id: &str) -> std::path::PathBuf {
    Containers::new(paths).dir(id).join("monitor.pid")
}

/// A foreground monitor's watch for the detach keys on the caller's terminal.
struct TerminalDetach {
    matcher: crate::sys::term::DetachMatcher,
    /// Where `Ready::Detached` goes; None once sent.
    tell: Option<crate::helper::ReadySender>,
}

impl TerminalDetach {
    fn detached(&self) -> bool {
        self.tell.is_none()
    }

    /// The keys were typed: let go of the caller's terminal (stdio to /dev/null, a session
    /// of our own, so that its hangup and keys no longer reach us), then tell the caller,
    /// which restores its terminal and exits while the container runs on.
    fn let_go(&mut self) {
        crate::sys::fd::stdio_to_null();
        let _ = nix::unistd::setsid();
        if let Some(t) = self.tell.take() {
            t.send(&crate::helper::Ready::Detached);
        }
    }
}

/// Run the container (again, by its restart policy) until its end. Returns the exit code and,
/// for a `--rm` container moved into the trash while `report` (its caller is told the exit
/// and does not wait for the monitor's), the trash entry the monitor is to delete last.
fn run(
    paths: &Paths,
    id: &str,
    foreground: bool,
    detach: &std::cell::RefCell<Option<TerminalDetach>>,
    ready: &mut Option<crate::helper::ReadySender>,
    report: bool,
    given: Option<Given>,
) -> MonResult<(i32, Option<remove::Trashed>)> {
    let store = Containers::new(paths);
    let dir = store.dir(id);
    let (rec, rec_stamp, mut spec, pause_ns) = match given {
        Some(g) if g.rec.id == id => (
            g.rec,
            g.stamp,
            std::mem::ManuallyDrop::into_inner(g.spec),
            g.pause_ns,
        ),
        _ => {
            let (rec, stamp) = store.record_stamped(id)?;
            let spec = oci_spec::runtime::Spec::load(dir.join("config.json"))
                .map_err(MonitorError::Spec)?;
            (rec, stamp, spec, None)
        }
    };
    let mut net = crate::network::backend::for_container(
        &rec.network,
        crate::network::backend::Container {
            paths,
            id,
            name: &rec.name,
            ports: &rec.net_config.ports,
            networks: &rec.net_config.networks,
        },
    );
    let joined = net
        .validate(&mut spec)
        .map_err(MonitorError::from)
        .and_then(|()| join_pid_ipc_of(&store, &mut spec, &rec.extras));
    // Before joining any user namespace: inside one, every process looks like root.
    let rootless = !crate::runtime::userns::is_rootful();
    if joined.is_ok()
        && rootless
        && rec.runtime.is_none()
        && crate::network::backend::fits_pause_process(&rec.network)
    {
        join_pause_process(paths, &mut spec, pause_ns);
    } else {
        // Not for this container: not kept open for its whole life either.
        drop(pause_ns);
    }
    if let Err(e) = joined {
        // Never started: a `--rm` container goes, as when its start fails later.
        if rec.auto_remove {
            remove_container(paths, id, &rec.name);
            let _ = remove_anonymous_volumes(paths, &rec.mounts);
        }
        return Err(e);
    }
    let sfd = block_signals()?;
    let notify = notify::Notify::setup(&rec.sdnotify, &dir);
    let rootfs = Rootfs::of_container(&dir, rec.layers.clone(), rec.storage_driver, rootless)
        .volatile(rec.auto_remove);
    let policy = rec.restart_policy;
    let mut backoff = Duration::from_millis(100);
    // The spec goes once the container runs (`run_once`); a restart reads it again.
    let namespaces = spec.linux().as_ref().and_then(|l| l.namespaces().clone());
    let mut spec = Some(spec);
    loop {
        // Once detached, a restarted container is a detached one.
        let detached = detach.borrow().as_ref().is_some_and(|d| d.detached());
        let once = match spec.take() {
            Some(s) => Ok(s),
            None => reload_spec(&dir, &namespaces),
        }
        .and_then(|spec| {
            run_once(
                &Ctx {
                    paths,
                    store: &store,
                    rec: &rec,
                    rec_stamp,
                    rootfs: &rootfs,
                    sfd: &sfd,
                    foreground: foreground && !detached,
                    detach,
                    notify: &notify,
                },
                spec,
                net.as_mut(),
                ready,
            )
        });
        let (code, userns, restart_wanted) = match once {
            Ok(r) => {
                crate::state::events::container(
                    paths,
                    &rec,
                    "die",
                    &[("exitCode", r.code.to_string())],
                );
                (r.code, r.userns, r.restart_wanted)
            }
            Err(e) => {
                // The start failed after the cgroup was made (a refused mount, a missing
                // command): nothing runs in it any more.
                if let Some(cg) = &rec.cgroup {
                    if let Err(e) = crate::runtime::cgroup::remove(&cg.dir) {
                        tracing::warn!("removing the cgroup: {e}");
                    }
                }
                record_exit(&store, id, e.exit_code(), &e.to_string());
                if rec.auto_remove {
                    remove_container(paths, id, &rec.name);
                    let _ = remove_anonymous_volumes(paths, &rec.mounts);
                }
                return Err(e);
            }
        };
        // The restart policy (`update --restart` may have changed it), unless `stop` or
        // `rm -f` asked for this exit. A `--rm` container has none (create and update refuse
        // one, as docker does): its record is not read again.
        let policy = if rec.auto_remove {
            policy
        } else {
            store
                .record(id)
                .ok()
                .map(|r| r.restart_policy)
                .unwrap_or(policy)
        };
        // Without a policy or the health check's wish, nothing restarts it: no state to read
        // (the exit of every `run --rm`).
        let restart = (restart_wanted || policy != crate::state::restart::RestartPolicy::No) && {
            let st = store.state(id).unwrap_or_default();
            !st.stop_requested && (restart_wanted || policy.wants_restart(code, st.restart_count))
        };
        if restart {
            {
                let Ok(lock) = store.lock(id) else {
                    break Ok((code, None));
                };
                let mut st = store.state(id).unwrap_or_default();
                st.status = Status::Restarting;
                st.frozen = None;
                st.pid = 0;
                st.pid_start = 0;
                st.exit_code = code;
                st.restart_count += 1;
                st.finished_at = Some(now_rfc3339());
                let _ = store.save_state(&lock, &st);
            }
            std::thread::sleep(backoff);
            backoff = (backoff * 2).min(Duration::from_secs(60));
            // A stop may have come while we slept.
            if store.state(id).map(|s| s.stop_requested).unwrap_or(true) {
                record_exit(&store, id, code, "");
                break Ok((code, None));
            }
            continue;
        }
        if !rec.auto_remove {
            record_exit(&store, id, code, "");
            break Ok((code, None));
        }
        // A `--rm` container's exit is not recorded: it disappears. Its directory goes into
        // the trash and its name is freed; its files are deleted after the caller has been
        // told the exit (`report`), or by a process of their own (`remove::trash`).
        let trashed = match remove::trash(paths, id, &rec.name) {
            Some(taken) => {
                crate::state::events::container(paths, &rec, "destroy", &[]);
                Some(remove::Trashed { taken, userns })
            }
            None => {
                // Not moved: removed in place, as before the trash.
                if remove::remove_container_in(paths, id, &rec.name, userns.as_ref()) {
                    crate::state::events::container(paths, &rec, "destroy", &[]);
                } else {
                    record_exit(&store, id, code, "");
                }
                None
            }
        };
        let _ = remove_anonymous_volumes(paths, &rec.mounts);
        match trashed {
            Some(t) if !report => {
                remove::spawn_remover(paths, t);
                break Ok((code, None));
            }
            t => break Ok((code, t)),
        }
    }
}

/// The runtime spec of a restart: `config.json` again (nothing changes it after `create`),
/// with the namespaces the first start chose (the network's, another container's, the pause
/// process's user namespace). A running container's monitor keeps no spec: the seccomp
/// profile alone was most of an idle monitor's heap (docs/performance.md, "Memory of the
/// monitor").
fn reload_spec(
    dir: &std::path::Path,
    namespaces: &Option<Vec<oci_spec::runtime::LinuxNamespace>>,
) -> MonResult<oci_spec::runtime::Spec> {
    let mut spec =
        oci_spec::runtime::Spec::load(dir.join("config.json")).map_err(MonitorError::Spec)?;
    if let Some(linux) = spec.linux_mut().as_mut() {
        linux.set_namespaces(namespaces.clone());
    }
    Ok(spec)
}

/// Block the signals the monitor handles and read them from a signalfd. A monitor must not die
/// of a closed terminal or pipe either.
fn block_signals() -> MonResult<SignalFd> {
    // SAFETY: setting SIGPIPE to ignored; the container's init restores the default.
    unsafe {
        let _ = nix::sys::signal::signal(Signal::SIGPIPE, nix::sys::signal::SigHandler::SigIgn);
    }
    let mut mask = SigSet::empty();
    for s in [
        Signal::SIGCHLD,
        Signal::SIGINT,
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGQUIT,
        Signal::SIGWINCH,
        Signal::SIGUSR1,
        Signal::SIGUSR2,
    ] {
        mask.add(s);
    }
    mask.thread_block().map_err(|source| MonitorError::Sys {
        what: "blocking signals",
        source,
    })?;
    SignalFd::with_flags(
        &mask,
        nix::sys::signalfd::SfdFlags::SFD_CLOEXEC | nix::sys::signalfd::SfdFlags::SFD_NONBLOCK,
    )
    .map_err(|source| MonitorError::Sys {
        what: "signalfd",
        source,
    })
}

/// What one run of the container needs.
struct Ctx<'a> {
    paths: &'a Paths,
    store: &'a Containers<'a>,
    rec: &'a crate::state::container::ContainerRecord,
    /// The stamp of the record file `rec` was read from (`ps`'s summary).
    rec_stamp: crate::state::summary::RecordStamp,
    rootfs: &'a Rootfs,
    sfd: &'a SignalFd,
    foreground: bool,
    detach: &'a std::cell::RefCell<Option<TerminalDetach>>,
    notify: &'a notify::Notify,
}

/// Start the container once and stay with it until it exits. `spec` is dropped once the
/// container runs.
fn run_once(
    c: &Ctx<'_>,
    spec: oci_spec::runtime::Spec,
    net: &mut dyn crate::network::backend::Backend,
    ready: &mut Option<crate::helper::ReadySender>,
) -> MonResult<Exit> {
    let (store, rec, foreground) = (c.store, c.rec, c.foreground);
    let id = rec.id.as_str();
    // Standard streams.
    let pipe = || {
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|source| MonitorError::Sys {
            what: "pipe",
            source,
        })
    };
    let mut out_r = None;
    let mut err_r = None;
    let mut child_ends: Vec<OwnedFd> = Vec::new();
    let mut stdin_keep: Option<OwnedFd> = None;
    // journald: connect first, so that a host without a journal is a start error.
    let journal = if rec.log_config.driver == "journald" {
        Some(journald::Journal::connect(rec)?)
    } else {
        None
    };
    let stdio = if rec.tty {
        Stdio::Tty
    } else if rec.log_config.driver == "passthrough" {
        // The monitor's own stdout and stderr (the CLI's, so the unit's) are the container's;
        // its stdin too with -i.
        let stdin_fd = if rec.interactive {
            0
        } else {
            let null = std::fs::File::open("/dev/null").map_err(|source| MonitorError::Open {
                path: "/dev/null",
                source,
            })?;
            let fd: OwnedFd = null.into();
            let raw = fd.as_raw_fd();
            child_ends.push(fd);
            raw
        };
        Stdio::Fds {
            stdin: stdin_fd,
            stdout: 1,
            stderr: 2,
        }
    } else {
        let (or, ow) = pipe()?;
        let (er, ew) = pipe()?;
        let stdin_fd = if rec.interactive && foreground {
            0
        } else if rec.interactive {
            // Keep stdin open (docker's -d -i) with a pipe nobody writes to yet.
            let (ir, iw) = pipe()?;
            stdin_keep = Some(iw);
            let fd = ir.as_raw_fd();
            child_ends.push(ir);
            fd
        } else {
            let null = std::fs::File::open("/dev/null").map_err(|source| MonitorError::Open {
                path: "/dev/null",
                source,
            })?;
            let fd: OwnedFd = null.into();
            let raw = fd.as_raw_fd();
            child_ends.push(fd);
            raw
        };
        let s = Stdio::Fds {
            stdin: stdin_fd,
            stdout: ow.as_raw_fd(),
            stderr: ew.as_raw_fd(),
        };
        out_r = Some(or);
        err_r = Some(er);
        child_ends.push(ow);
        child_ends.push(ew);
        s
    };

    let external = rec.runtime.is_some();
    let net = std::cell::RefCell::new(net);
    let mut hook = |pid: i32| -> Result<(), crate::runtime::RuntimeError> {
        // Into its cgroup before it runs anything: every process it starts is then inside.
        if let Some(cg) = &rec.cgroup {
            enter_cgroup(cg, &rec.resources, pid)?;
        }
        let mut net = net.borrow_mut();
        net.setup(pid)
            .map_err(|e| crate::runtime::RuntimeError::Hook(Box::new(e)))?;
        // An external runtime has no barrier: the network must be ready before it starts.
        if external {
            net.ready()
                .map_err(|e| crate::runtime::RuntimeError::Hook(Box::new(e)))?;
        }
        Ok(())
    };
    let mut after_go = || -> Result<(), crate::runtime::RuntimeError> {
        net.borrow_mut()
            .ready()
            .map_err(|e| crate::runtime::RuntimeError::Hook(Box::new(e)))
    };
    let ext = rec
        .runtime
        .as_ref()
        .map(|rt| crate::runtime::external::External {
            program: rt.path.clone(),
            state_root: store.dir(id).join("runtime"),
            bundle: store.dir(id).join("bundle"),
            id: id.to_string(),
            console_socket: c
                .paths
                .runtime
                .join("net")
                .join(format!("{}.console", id.get(..12).unwrap_or(id))),
        });
    let started = match &ext {
        Some(ext) => crate::runtime::external::create(ext, &spec, c.rootfs, &stdio, &mut hook),
        None => crate::runtime::create(&spec, c.rootfs, &stdio, &mut hook, &mut after_go),
    };
    drop(child_ends);
    if started.is_err() {
        net.borrow_mut().teardown();
    }
    let started = started?;
    let pid = started.pid;
    // Keep the container's user namespace alive past its exit: `--rm` cleanup joins it to remove
    // files owned by container users, without the cost of a new namespace and newuidmap.
    let userns: Option<OwnedFd> = (!crate::runtime::userns::is_rootful())
        .then(|| std::fs::File::open(format!("/proc/{pid}/ns/user")).ok())
        .flatten()
        .map(OwnedFd::from);
    let pid_start = crate::sys::proc::start_time(pid).unwrap_or(0);
    {
        let lock = store.lock(id)?;
        let mut st = store.state(id).unwrap_or_default();
        st.status = Status::Running;
        st.frozen = None;
        st.oom_killed = false;
        st.pid = pid;
        st.pid_start = pid_start;
        st.monitor_pid = std::process::id() as i32;
        st.monitor_start = crate::sys::proc::start_time(st.monitor_pid).unwrap_or(0);
        st.exit_code = 0;
        st.error.clear();
        st.started_at = Some(now_rfc3339());
        st.finished_at = None;
        // `ps` reads this file alone: a first start brings the record's summary (if the
        // record is still the one read above: a `rename` may have replaced it since).
        if st.summary.is_none() {
            st.summary = store
                .summary_if_current(&lock, rec, c.rec_stamp)
                .map(Box::new);
        }
        if rec
            .healthcheck
            .as_ref()
            .is_some_and(|h| h.probe().is_some())
        {
            st.health = Some(crate::state::health::Health::restart(st.health.take()));
        }
        store.save_state_volatile(&lock, &st)?;
    }
    if let Some(p) = &rec.pidfile {
        if let Err(e) = std::fs::write(p, format!("{pid}\n")) {
            tracing::warn!("writing the pidfile {}: {e}", p.display());
        }
    }
    // Before the CLI may exit: systemd must know the monitor is the main process by then.
    c.notify.started();
    let mut checker = health::Checker::new(c.paths, rec, &spec, pid, pid_start);
    drop(spec);
    // The log exists once `start` returns, so that a follower opened then sees every line
    // (even when the container is removed right after it exits).
    let mut logger = log::Logger::open(&store.dir(id).join("ctr.log"), &rec.log_config, journal);
    if let Some(r) = ready.take() {
        r.send(&crate::helper::Ready::Ok);
    }
    crate::state::events::container(c.paths, rec, "start", &[]);

    let master = started.pty_master;
    if let (Some(m), true) = (&master, foreground) {
        crate::sys::term::copy_winsize(m.as_fd());
    }
    // `skiff attach` clients; without the socket the container still runs, unattachable.
    let mut attach_server = attach::AttachServer::bind(&attach::socket_path(c.paths, id))
        .map_err(|e| tracing::warn!("attach socket: {e}"))
        .ok();
    let no_detach = std::cell::RefCell::new(None);
    let code = pump(PumpIo {
        handle: crate::runtime::ProcessHandle::open(pid).ok(),
        pid,
        sfd: c.sfd,
        master: master.as_ref(),
        out_r: out_r.as_ref(),
        err_r: err_r.as_ref(),
        foreground,
        detach: if foreground { c.detach } else { &no_detach },
        logger: &mut logger,
        attach: attach_server.as_mut(),
        stdin_w: stdin_keep.as_ref(),
        notify: c.notify,
        health: checker.as_mut(),
        shown: ["stdout", "stderr"]
            .map(|s| rec.attach.is_empty() || rec.attach.iter().any(|a| a == s)),
    });
    if let Some(p) = &rec.pidfile {
        let _ = std::fs::remove_file(p);
    }
    // docker's runtime deletes the cgroup with the container's process; a restart makes it anew.
    // First: did the OOM killer strike in it (docker's `oom` event, before `die`)?
    if let Some(cg) = &rec.cgroup {
        if crate::runtime::cgroup::usage(&cg.dir).oom_kills > 0 {
            if let Ok(lock) = store.lock(id) {
                if let Ok(mut st) = store.state(id) {
                    st.oom_killed = true;
                    let _ = store.save_state(&lock, &st);
                }
            }
            crate::state::events::container(c.paths, rec, "oom", &[]);
        }
        if let Err(e) = crate::runtime::cgroup::remove(&cg.dir) {
            tracing::warn!("removing the cgroup: {e}");
        }
    }
    let restart_wanted = checker.is_some_and(|c| c.restart_wanted);
    drop(attach_server);
    drop(stdin_keep);
    net.borrow_mut().teardown();
    if let Some(ext) = &ext {
        ext.delete(userns.as_ref().map(|n| n.as_fd()));
    }
    if let Some(server) = started.rootfs_server {
        crate::storage::rootfs::reap_server(server);
    }
    Ok(Exit {
        code,
        userns,
        restart_wanted,
    })
}

/// Make the container's cgroup, write its limits and move `pid` (the container's first
/// process, not yet running) into it. A container without limits runs on without its cgroup
/// if that fails (`pause` then uses signals); one with limits does not start.
fn enter_cgroup(
    cg: &crate::state::container::CgroupPlace,
    resources: &crate::runtime::cgroup::Resources,
    pid: i32,
) -> Result<(), crate::runtime::RuntimeError> {
    use crate::runtime::cgroup;
    let needed: Vec<&str> = resources.controllers().iter().map(|(c, _)| *c).collect();
    let made = cgroup::create(&cg.root, &cg.dir, &needed)
        .and_then(|()| cgroup::apply(&cg.dir, resources))
        .and_then(|()| cgroup::add_process(&cg.dir, pid));
    match made {
        Ok(()) => Ok(()),
        Err(e) if resources.is_empty() => {
            tracing::warn!("the container runs without its cgroup: {e}");
            let _ = cgroup::remove(&cg.dir);
            Ok(())
        }
        Err(e) => Err(crate::runtime::RuntimeError::Failed(format!(
            "setting up the container's cgroup {}: {e}",
            cg.dir.display()
        ))),
    }
}

/// How one run of the container ended.
struct Exit {
    code: i32,
    /// The container's user namespace, kept open for the cleanup.
    userns: Option<OwnedFd>,
    /// The health check's on-failure `restart` stopped it: start it again.
    restart_wanted: bool,
}

/// A rootless container whose user namespace is still to be made: join the pause process's
/// instead when its id maps are the container's (`runtime::pause`), so that no newuidmap and
/// newgidmap run for it. The monitor stays in that namespace (a restart needs no new one).
/// `verified`: the holder's namespace as the command that forked this monitor opened and
/// checked it for the user's id maps; joined without a second look when those are the
/// container's.
fn join_pause_process(
    paths: &Paths,
    spec: &mut oci_spec::runtime::Spec,
    verified: Option<std::fs::File>,
) {
    let mapping = crate::runtime::mapping_from_spec_linux(spec.linux().as_ref());
    let Some(user_ns) = user_namespace_mut(spec) else {
        return;
    };
    if user_ns.path().is_some() || !mapping.subordinate {
        return;
    }
    let verified = verified.filter(|_| {
        let user = crate::runtime::userns::IdMapping::for_current_user();
        user.uids == mapping.uids && user.gids == mapping.gids
    });
    let joined = match verified {
        Some(ns) => crate::runtime::pause::join_verified(paths, &ns),
        None => crate::runtime::pause::join(paths, &mapping),
    };
    if joined {
        user_ns.set_path(Some("/proc/self/ns/user".into()));
    }
}

/// The user namespace entry of a spec.
fn user_namespace_mut(
    spec: &mut oci_spec::runtime::Spec,
) -> Option<&mut oci_spec::runtime::LinuxNamespace> {
    spec.linux_mut()
        .as_mut()?
        .namespaces_mut()
        .as_mut()?
        .iter_mut()
        .find(|ns| ns.typ() == oci_spec::runtime::LinuxNamespaceType::User)
}

/// `--pid container:ID` and `--ipc container:ID`: the container joins that container's PID or
/// IPC namespace and, rootless, the user namespace that owns it (create checked that this is
/// the one the network mode puts it in, if any).
fn join_pid_ipc_of(
    store: &Containers<'_>,
    spec: &mut oci_spec::runtime::Spec,
    extras: &crate::runtime::spec::SpecExtras,
) -> MonResult<()> {
    use oci_spec::runtime::LinuxNamespaceType as T;
    for (typ, name, mode) in [(T::Pid, "pid", &extras.pid), (T::Ipc, "ipc", &extras.ipc)] {
        let Some(target) = mode.strip_prefix("container:") else {
            continue;
        };
        let st = store.state(target)?;
        if st.status != Status::Running
            || crate::sys::proc::start_time(st.pid) != Some(st.pid_start)
        {
            return Err(MonitorError::NotRunning(target.to_string()));
        }
        let pid = st.pid;
        let Some(namespaces) = spec
            .linux_mut()
            .as_mut()
            .and_then(|l| l.namespaces_mut().as_mut())
        else {
            return Err(MonitorError::NoNamespaces);
        };
        for ns in namespaces.iter_mut() {
            if ns.typ() == typ {
                ns.set_path(Some(format!("/proc/{pid}/ns/{name}").into()));
            } else if ns.typ() == T::User && ns.path().is_none() {
                ns.set_path(Some(format!("/proc/{pid}/ns/user").into()));
            }
        }
    }
    Ok(())
}

fn record_exit(store: &Containers<'_>, id: &str, code: i32, error: &str) {
    let Ok(lock) = store.lock(id) else { return };
    let mut st = store.state(id).unwrap_or_else(|_| ContainerState::new());
    st.status = Status::Exited;
    st.frozen = None;
    st.exit_code = code;
    st.error = error.to_string();
    st.pid = 0;
    st.pid_start = 0;
    st.monitor_pid = 0;
    st.monitor_start = 0;
    st.finished_at = Some(now_rfc3339());
    let _ = store.save_state(&lock, &st);
}
