//! slirp4netns, started with std::process for a container's network namespace.
use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::process::{Child, Command, Stdio};

use super::NetworkError;

/// A running slirp4netns. It exits when `exit_w` closes (the monitor dies or drops it).
#[derive(Debug)]
pub struct Slirp {
    child: Child,
    exit_w: Option<OwnedFd>,
}

/// Start slirp4netns for the network namespace of `pid` and wait until it has configured tap0.
pub fn start(pid: i32) -> Result<Slirp, NetworkError> {
    let err = |what: &str, e: nix::Error| NetworkError::Slirp(format!("{what}: {e}"));
    // Inherited by slirp4netns (no O_CLOEXEC on its ends).
    let (ready_r, ready_w) = nix::unistd::pipe().map_err(|e| err("pipe", e))?;
    let (exit_r, exit_w) = nix::unistd::pipe().map_err(|e| err("pipe", e))?;
    for fd in [&ready_r, &exit_w] {
        let _ = nix::fcntl::fcntl(
            fd,
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
        );
    }
    let child = Command::new("slirp4netns")
        .arg("--configure")
        .arg("--mtu=65520")
        .arg("--disable-host-loopback")
        .arg(format!("--ready-fd={}", ready_w.as_raw_fd()))
        .arg(format!("--exit-fd={}", exit_r.as_raw_fd()))
        .arg(pid.to_string())
        .arg("tap0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            NetworkError::Slirp(format!(
                "cannot start slirp4netns (install the slirp4netns package): {e}"
            ))
        })?;
    drop(ready_w);
    drop(exit_r);
    let mut slirp = Slirp {
        child,
        exit_w: Some(exit_w),
    };
    let mut ready = std::fs::File::from(ready_r);
    let mut b = [0u8; 1];
    if ready.read_exact(&mut b).is_err() {
        let mut msg = String::new();
        slirp.stop();
        if let Some(mut e) = slirp.child.stderr.take() {
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
    drop(slirp.child.stderr.take());
    Ok(slirp)
}

impl Slirp {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stop slirp4netns and reap it.
    pub fn stop(&mut self) {
        self.exit_w.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Slirp {
    fn drop(&mut self) {
        self.stop();
    }
}
