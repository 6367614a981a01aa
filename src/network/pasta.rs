//! `--network pasta[:ARGS]`: pasta (Debian's `passt` package) for the container's network
//! namespace, started by the monitor through its network backend (`backend::Pasta`) like
//! slirp4netns, and owned by it.
//!
//! pasta runs in the foreground (`-f`) as the monitor's child; it dies with the monitor
//! (`PR_SET_PDEATHSIG`, set between fork and exec) and the monitor kills and reaps it when the
//! container stops. It is ready once it has written its pid file (`--pid`, written after
//! `--config-net` has configured the namespace). Published ports are pasta's own (`-t`, `-u`);
//! nothing else is forwarded (`-t none -u none -T none -U none` unless ARGS say otherwise).
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::network::ports::{PortMapping, Proto};

/// A running pasta; dropping it kills and reaps it.
#[derive(Debug)]
pub struct Pasta {
    child: Child,
    files: Vec<PathBuf>,
    /// Until [`Pasta::wait_ready`]: the pid file pasta writes once the namespace is
    /// configured, and its log.
    pending: Option<(PathBuf, PathBuf)>,
}

impl Drop for Pasta {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// pasta's `-t`/`-u` spec for one published port: `[ADDR/]HOST:CTR`.
fn port_spec(p: &PortMapping) -> String {
    if p.host_ip.is_empty() {
        format!("{}:{}", p.host_port, p.container_port)
    } else {
        format!("{}/{}:{}", p.host_ip, p.host_port, p.container_port)
    }
}

/// Why pasta could not be started or did not get ready.
#[derive(Debug, thiserror::Error)]
pub enum PastaError {
    /// Its pid or log file (or their directory) could not be made.
    #[error("creating {}: {source}", path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The program could not be run (not installed).
    #[error("cannot start pasta (install the passt package): {0}")]
    Spawn(#[source] std::io::Error),
    /// It exited or did not get ready in time: the last line of its log, or which.
    #[error("pasta: {0}")]
    NotReady(String),
}

/// Start pasta for the namespaces of `pid`, with `extra` arguments from `--network pasta:...`,
/// without waiting for it ([`Pasta::wait_ready`] does); `base` (`DIR/ID12.pasta`) names its pid
/// and log files (`DIR/ID12.pasta.pid`, `.pasta.log`).
pub fn spawn(
    pid: i32,
    extra: &[String],
    ports: &[PortMapping],
    base: &Path,
) -> Result<Pasta, PastaError> {
    let create = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PastaError::Create { path, source }
    };
    if let Some(dir) = base.parent() {
        std::fs::create_dir_all(dir).map_err(create(dir))?;
    }
    let pidfile = base.with_extension("pasta.pid");
    let logfile = base.with_extension("pasta.log");
    let _ = std::fs::remove_file(&pidfile);
    let log = std::fs::File::create(&logfile).map_err(create(&logfile))?;
    let mut cmd = Command::new("pasta");
    cmd.args(["--config-net", "--foreground", "--quiet"])
        .arg("--pid")
        .arg(&pidfile);
    let given = |flags: &[&str]| extra.iter().any(|a| flags.contains(&a.as_str()));
    for (proto, flag, long) in [
        (Proto::Tcp, "-t", "--tcp-ports"),
        (Proto::Udp, "-u", "--udp-ports"),
    ] {
        let mine: Vec<String> = ports
            .iter()
            .filter(|p| p.proto == proto)
            .map(port_spec)
            .collect();
        for m in &mine {
            cmd.arg(flag).arg(m);
        }
        if mine.is_empty() && !given(&[flag, long]) {
            cmd.arg(flag).arg("none");
        }
    }
    if !given(&["-T", "--tcp-ns"]) {
        cmd.args(["-T", "none"]);
    }
    if !given(&["-U", "--udp-ns"]) {
        cmd.args(["-U", "none"]);
    }
    // resolv.conf names the gateway when the host's resolver is on its loopback
    // (network::files::resolv_conf).
    if let Some(gw) = crate::network::files::default_gateway() {
        if !given(&["--dns-forward"]) {
            cmd.arg("--dns-forward").arg(gw);
        }
    }
    cmd.args(extra)
        .arg("--netns")
        .arg(format!("/proc/{pid}/ns/net"))
        .arg("--userns")
        .arg(format!("/proc/{pid}/ns/user"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    // SAFETY: between fork and exec the child only calls prctl, which is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().map_err(PastaError::Spawn)?;
    Ok(Pasta {
        child,
        files: vec![pidfile.clone(), logfile.clone()],
        pending: Some((pidfile, logfile)),
    })
}

impl Pasta {
    /// Wait until pasta has configured the namespace (its pid file is written); the last line
    /// of its log when it fails. Returns at once the second time.
    pub fn wait_ready(&mut self) -> Result<(), PastaError> {
        let Some((pidfile, logfile)) = self.pending.take() else {
            return Ok(());
        };
        wait_for_pidfile(&mut self.child, &pidfile, &logfile)
    }
}

fn wait_for_pidfile(child: &mut Child, pidfile: &Path, logfile: &Path) -> Result<(), PastaError> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if std::fs::read_to_string(pidfile).is_ok_and(|s| !s.trim().is_empty()) {
            return Ok(());
        }
        let exited = matches!(child.try_wait(), Ok(Some(_)));
        if exited || Instant::now() > deadline {
            let msg = std::fs::read_to_string(logfile).unwrap_or_default();
            let last = msg
                .lines()
                .rfind(|l| !l.trim().is_empty())
                .unwrap_or(if exited {
                    "exited before it was ready"
                } else {
                    "not ready after 10 s"
                })
                .to_string();
            return Err(PastaError::NotReady(last));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
