//! slirp4netns, started with std::process for a container's network namespace, and its API
//! socket for port forwarding.
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub use crate::state::network_mode::SlirpOptions as Options;

use super::ports::PortMapping;
use super::NetworkError;

/// A running slirp4netns. It exits when `exit_w` closes (the monitor dies or drops it).
#[derive(Debug)]
pub struct Slirp {
    child: Child,
    exit_w: Option<OwnedFd>,
    api_socket: Option<PathBuf>,
    /// Until [`Slirp::wait_ready`]: the pipe slirp4netns writes one byte to once tap0 is
    /// configured, and the ports to publish then.
    pending: Option<(std::fs::File, Vec<PortMapping>)>,
    /// `stop` ran: the pid may have been reaped since (and reused), never signal it again.
    stopped: bool,
}

/// Start slirp4netns for the network namespace of `pid`, wait until it has configured tap0,
/// then publish `ports` through its API socket (created at `api_socket`).
pub fn start(
    pid: i32,
    opts: &Options,
    api_socket: &Path,
    ports: &[PortMapping],
) -> Result<Slirp, NetworkError> {
    let mut slirp = spawn(pid, opts, api_socket, ports)?;
    slirp.wait_ready()?;
    Ok(slirp)
}

/// Start slirp4netns for the network namespace of `pid` without waiting for it: the
/// container's root filesystem can be mounted meanwhile. [`Slirp::wait_ready`] waits until
/// tap0 is configured and publishes `ports`.
pub fn spawn(
    pid: i32,
    opts: &Options,
    api_socket: &Path,
    ports: &[PortMapping],
) -> Result<Slirp, NetworkError> {
    reap_lingering();
    let err = |what: &str, e: nix::Error| NetworkError::Slirp(format!("{what}: {e}"));
    // Close-on-exec from the start, so that no other program started meanwhile (by another
    // thread) inherits them; slirp4netns gets its two ends with the flag cleared after fork.
    let cloexec = nix::fcntl::OFlag::O_CLOEXEC;
    let (ready_r, ready_w) = nix::unistd::pipe2(cloexec).map_err(|e| err("pipe", e))?;
    let (exit_r, exit_w) = nix::unistd::pipe2(cloexec).map_err(|e| err("pipe", e))?;
    let api = if ports.is_empty() {
        None
    } else {
        if let Some(dir) = api_socket.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| NetworkError::Slirp(format!("creating {}: {e}", dir.display())))?;
        }
        let _ = std::fs::remove_file(api_socket);
        Some(api_socket.to_path_buf())
    };
    let child =
        launch(command(pid, opts, api.as_deref(), &ready_w, &exit_r).stderr(Stdio::piped()))?;
    drop(ready_w);
    drop(exit_r);
    Ok(Slirp {
        child,
        exit_w: Some(exit_w),
        api_socket: api,
        pending: Some((std::fs::File::from(ready_r), ports.to_vec())),
        stopped: false,
    })
}

/// Start slirp4netns for the shared namespace of the netns holder `pid` (its default
/// network: `tap0` with 10.0.2.100/24, the default route and DNS at 10.0.2.3), and wait until
/// it is ready. It is left running on its own: it exits when `exit_r`'s other end closes,
/// which the holder keeps open for its life (so also when the holder is killed). Its
/// messages go to `log` (no pipe that could break once the starter has exited).
pub fn start_for_holder(pid: i32, exit_r: OwnedFd, log: &Path) -> Result<(), NetworkError> {
    let err = |what: &str, e: nix::Error| NetworkError::Slirp(format!("{what}: {e}"));
    let (ready_r, ready_w) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| err("pipe", e))?;
    let logf = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| NetworkError::Slirp(format!("opening {}: {e}", log.display())))?;
    let mut child =
        launch(command(pid, &Options::default(), None, &ready_w, &exit_r.as_fd()).stderr(logf))?;
    drop(ready_w);
    drop(exit_r);
    let mut b = [0u8; 1];
    if std::fs::File::from(ready_r).read_exact(&mut b).is_err() {
        let _ = child.kill();
        let _ = child.wait();
        return Err(NetworkError::Slirp(format!(
            "exited before it was ready (see {})",
            log.display()
        )));
    }
    Ok(())
}

/// The slirp4netns command for the network namespace of `pid` with `opts` (the defaults:
/// what the shared namespace uses), its API socket if ports are to be published, and the
/// two pipe ends it gets (close-on-exec cleared in the child only): `--ready-fd` is written
/// once tap0 is configured, `--exit-fd` makes it exit when its other end closes.
fn command(
    pid: i32,
    opts: &Options,
    api_socket: Option<&Path>,
    ready_w: &impl AsFd,
    exit_r: &impl AsFd,
) -> Command {
    let (ready_raw, exit_raw) = (ready_w.as_fd().as_raw_fd(), exit_r.as_fd().as_raw_fd());
    let mut cmd = Command::new("slirp4netns");
    crate::sys::fd::pass_to_child(
        &mut cmd,
        &[(ready_w.as_fd(), ready_raw), (exit_r.as_fd(), exit_raw)],
    );
    cmd.arg("--configure")
        .arg(format!("--mtu={}", opts.mtu))
        .arg("--enable-sandbox")
        .arg("--enable-seccomp");
    if !opts.allow_host_loopback {
        cmd.arg("--disable-host-loopback");
    }
    if let Some((ip, len)) = opts.cidr {
        cmd.arg(format!("--cidr={ip}/{len}"));
    }
    if opts.enable_ipv6 {
        cmd.arg("--enable-ipv6");
    }
    if let Some(a) = &opts.outbound_addr {
        cmd.arg(format!("--outbound-addr={a}"));
    }
    if let Some(a) = &opts.outbound_addr6 {
        cmd.arg(format!("--outbound-addr6={a}"));
    }
    if let Some(a) = api_socket {
        cmd.arg(format!("--api-socket={}", a.display()));
    }
    cmd.arg(format!("--ready-fd={ready_raw}"))
        .arg(format!("--exit-fd={exit_raw}"))
        .arg(pid.to_string())
        .arg("tap0")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    cmd
}

/// Start the command [`command`] built.
fn launch(cmd: &mut Command) -> Result<std::process::Child, NetworkError> {
    cmd.spawn().map_err(|e| {
        NetworkError::Slirp(format!(
            "cannot start slirp4netns (install the slirp4netns package): {e}"
        ))
    })
}

impl Slirp {
    /// Wait until slirp4netns has configured tap0, then publish the ports given to `spawn`.
    /// Returns at once the second time.
    pub fn wait_ready(&mut self) -> Result<(), NetworkError> {
        let Some((mut ready, ports)) = self.pending.take() else {
            return Ok(());
        };
        let mut b = [0u8; 1];
        if ready.read_exact(&mut b).is_err() {
            let mut msg = String::new();
            self.stop();
            if let Some(mut e) = self.child.stderr.take() {
                let _ = e.read_to_string(&mut msg);
            }
            return Err(NetworkError::Slirp(
                msg.lines()
                    .last()
                    .unwrap_or("exited before it was ready")
                    .to_string(),
            ));
        }
        // Nobody reads its stderr from here on.
        drop(self.child.stderr.take());
        for p in &ports {
            self.add_hostfwd(p)?;
        }
        Ok(())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Forward `p.host_ip:p.host_port` on the host to the container's port.
    pub fn add_hostfwd(&self, p: &PortMapping) -> Result<(), NetworkError> {
        let path = self
            .api_socket
            .as_deref()
            .ok_or_else(|| NetworkError::Slirp("no API socket".into()))?;
        let req = serde_json::json!({
            "execute": "add_hostfwd",
            "arguments": {
                "proto": p.proto.as_str(),
                "host_addr": p.bind_ip(),
                "host_port": p.host_port,
                "guest_port": p.container_port,
            }
        });
        let fail = |why: String| {
            NetworkError::Slirp(format!(
                "cannot publish {}:{}->{}/{}: {why}",
                p.bind_ip(),
                p.host_port,
                p.container_port,
                p.proto.as_str()
            ))
        };
        let mut s = UnixStream::connect(path).map_err(|e| fail(e.to_string()))?;
        s.write_all(req.to_string().as_bytes())
            .map_err(|e| fail(e.to_string()))?;
        s.shutdown(std::net::Shutdown::Write)
            .map_err(|e| fail(e.to_string()))?;
        let mut resp = String::new();
        s.read_to_string(&mut resp)
            .map_err(|e| fail(e.to_string()))?;
        let v: serde_json::Value =
            serde_json::from_str(&resp).map_err(|e| fail(format!("bad reply {resp:?}: {e}")))?;
        if let Some(e) = v.get("error") {
            let desc = e["desc"].as_str().unwrap_or("failed").to_string();
            return Err(fail(format!("{desc} (is the port in use?)")));
        }
        Ok(())
    }

    /// Stop slirp4netns. It is reaped now if it has already exited, else later (by the next
    /// `stop` or `spawn` in this process, or by init once this process has exited): its exit
    /// closes the container's tap device, whose unregistration waits for RCU grace periods
    /// (20 ms and more measured), and nothing needs it gone before the monitor goes on. It
    /// holds no host port (published ports are skiff's own forwarder's), and its API socket is
    /// removed here at once.
    pub fn stop(&mut self) {
        if std::mem::replace(&mut self.stopped, true) {
            return;
        }
        self.exit_w.take();
        let _ = self.child.kill();
        if let Some(p) = self.api_socket.take() {
            let _ = std::fs::remove_file(p);
        }
        reap_lingering();
        if !matches!(self.child.try_wait(), Ok(Some(_)) | Err(_)) {
            let pid = self.child.id();
            if let Ok(mut l) = LINGERING.lock() {
                l.push(pid);
            }
        }
    }
}

/// Killed slirp4netns processes of this process not reaped yet (their pids).
static LINGERING: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

/// Reap the killed slirp4netns processes that have exited since (never blocks).
fn reap_lingering() {
    use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
    let Ok(mut l) = LINGERING.lock() else {
        return;
    };
    l.retain(|&pid| {
        let Ok(raw) = i32::try_from(pid) else {
            return false;
        };
        // Still alive (not yet a zombie): keep it; reaped or gone: forget it.
        matches!(
            waitpid(nix::unistd::Pid::from_raw(raw), Some(WaitPidFlag::WNOHANG)),
            Ok(WaitStatus::StillAlive)
        )
    });
}

impl Drop for Slirp {
    fn drop(&mut self) {
        self.stop();
    }
}
