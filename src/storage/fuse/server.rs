//! The FUSE overlay's server process: forked before the container's mount namespace exists
//! (so that it never keeps that namespace alive), it waits for the mounted connection on a
//! socket (SCM_RIGHTS), serves it until the kernel drops it, and is reaped after the
//! container ([`reap_server`]).
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;

use nix::sched::CloneFlags;

use super::OverlayDirs;

/// Starting a server, or handing it its connection, failed: what was being done and why.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
pub struct ServerError {
    pub what: &'static str,
    #[source]
    pub source: std::io::Error,
}

fn err(what: &'static str) -> impl FnOnce(std::io::Error) -> ServerError {
    move |source| ServerError { what, source }
}

/// A FUSE overlay server waiting for its /dev/fuse descriptor.
pub struct Server {
    pub pid: i32,
    sock: UnixStream,
}

impl Server {
    /// Fork the server now, in this process's mount namespace, joining the user namespace
    /// `userns` first when given. Call from a single-threaded process.
    pub fn spawn(dirs: OverlayDirs, userns: Option<std::fs::File>) -> Result<Server, ServerError> {
        let (ours, theirs) = UnixStream::pair().map_err(err("socketpair for the FUSE server"))?;
        // SAFETY: the caller is single-threaded, so the child has a consistent copy of the
        // heap and may allocate; it ends in exit().
        match unsafe { nix::unistd::fork() } {
            Err(e) => Err(err("fork for the FUSE server")(e.into())),
            Ok(nix::unistd::ForkResult::Parent { child }) => Ok(Server {
                pid: child.as_raw(),
                sock: ours,
            }),
            Ok(nix::unistd::ForkResult::Child) => {
                drop(ours);
                std::process::exit(server_main(theirs, dirs, userns))
            }
        }
    }

    /// Hand the mounted connection to the server; its PID, to reap after the container.
    pub fn serve(self, fd: OwnedFd) -> Result<i32, ServerError> {
        crate::sys::fd::send_with_fd(&self.sock, b'F', fd.as_fd())
            .map_err(err("handing /dev/fuse to its server"))?;
        Ok(self.pid)
    }
}

/// The server's side: a process of its own, no descriptors but the socket and /dev/fuse.
fn server_main(sock: UnixStream, dirs: OverlayDirs, userns: Option<std::fs::File>) -> i32 {
    let _ = nix::unistd::setsid();
    let _ = nix::sys::signal::sigprocmask(
        nix::sys::signal::SigmaskHow::SIG_SETMASK,
        Some(&nix::sys::signal::SigSet::empty()),
        None,
    );
    if let Some(ns) = userns {
        if nix::sched::setns(&ns, CloneFlags::CLONE_NEWUSER).is_err() {
            return 1;
        }
    }
    // Keep nothing of the parent's open: a pipe end held here would keep a container's
    // output open after it exits.
    crate::sys::fd::detach_descriptors(&[sock.as_raw_fd()]);
    let mut byte = [0u8; 1];
    match crate::sys::fd::recv_with_fd(sock.as_raw_fd(), &mut byte) {
        Ok((1, Some(fd))) if byte[0] == b'F' => {
            drop(sock);
            match super::serve(fd, dirs) {
                Ok(()) => 0,
                Err(_) => 1,
            }
        }
        // The container failed before mounting: nothing to serve.
        _ => 0,
    }
}

/// Wait for a server whose container is gone: it ends when the kernel drops the connection;
/// one that does not within two seconds is killed.
pub fn reap_server(pid: i32) {
    use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
    let pid = nix::unistd::Pid::from_raw(pid);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(5))
            }
            Ok(WaitStatus::StillAlive) => {
                let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
                let _ = waitpid(pid, None);
                return;
            }
            _ => return,
        }
    }
}
