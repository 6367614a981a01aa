//! The shared rootless network namespace's process (the netns holder helper): its start-up, which needs
//! a user namespace with the user's id mapping, a network namespace owned by it, and a fork to
//! leave the process that started it. What it does once running is `network::holder`.
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::Path;

use super::userns::{self};
use super::RuntimeError;

fn err(what: &str) -> impl FnOnce(nix::Error) -> RuntimeError + '_ {
    move |e| RuntimeError::ctx(format!("network namespace holder: {what}"))(e)
}

/// Which process returns from [`enter_holder_namespaces`].
pub enum HolderSide {
    /// The process the starter started, still in the host's network namespace (and root in
    /// the holder's user namespace): it starts what connects the daemon's namespace to the
    /// host (slirp4netns, given `exit_r` as its exit fd), reports the daemon's pid and exits.
    Starter { daemon: i32, exit_r: OwnedFd },
    /// The daemon: in its own session and network namespace, stdin and stdout on /dev/null,
    /// stderr appended to the log. It holds `exit_w` for its whole life: when it exits (even
    /// killed), the pipe closes and what the starter started with `exit_r` exits too.
    Daemon { exit_w: OwnedFd },
}

/// Holder side, called first thing in the holder helper: become root in a new user namespace
/// (mapped by the starter), fork; the child unshares a network namespace and becomes the
/// daemon, the parent stays in the host's network namespace and returns once the daemon's
/// namespace exists.
pub fn enter_holder_namespaces(log: &Path) -> Result<HolderSide, RuntimeError> {
    userns::become_root_in_child_namespace()?;
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map_err(RuntimeError::ctx("/dev/null"))?;
    let logf = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(RuntimeError::ctx(log.display().to_string()))?;
    let cloexec = nix::fcntl::OFlag::O_CLOEXEC;
    let (exit_r, exit_w) = nix::unistd::pipe2(cloexec).map_err(err("pipe"))?;
    let (sync_r, sync_w) = nix::unistd::pipe2(cloexec).map_err(err("pipe"))?;
    // SAFETY: the holder helper is single-threaded here (nothing has started a thread), so the
    // child is a consistent copy.
    match unsafe { nix::unistd::fork() }.map_err(err("fork"))? {
        nix::unistd::ForkResult::Parent { child } => {
            drop(exit_w);
            drop(sync_w);
            let mut b = [0u8; 1];
            std::fs::File::from(sync_r)
                .read_exact(&mut b)
                .map_err(RuntimeError::ctx(
                    "network namespace holder: the daemon did not make its network namespace",
                ))?;
            Ok(HolderSide::Starter {
                daemon: child.as_raw(),
                exit_r,
            })
        }
        nix::unistd::ForkResult::Child => {
            drop(exit_r);
            drop(sync_r);
            let _ = nix::unistd::setsid();
            let _ = nix::unistd::dup2_stdin(&null);
            let _ = nix::unistd::dup2_stdout(&null);
            let _ = nix::unistd::dup2_stderr(&logf);
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
                .map_err(err("unshare(CLONE_NEWNET)"))?;
            // The namespace routes between its bridges and slirp4netns's tap0 (which
            // `network::nat` masquerades); the sysctl is the namespace's own.
            std::fs::write("/proc/sys/net/ipv4/ip_forward", b"1").map_err(RuntimeError::ctx(
                "network namespace holder: net.ipv4.ip_forward",
            ))?;
            // The parent reads one byte; an error here makes it report that we failed.
            let _ = std::fs::File::from(sync_w).write_all(b"N");
            Ok(HolderSide::Daemon { exit_w })
        }
    }
}

/// Whether this process is already in the user namespace at `path` (joining it again fails).
pub fn in_user_namespace(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (
        std::fs::metadata("/proc/self/ns/user"),
        std::fs::metadata(path),
    ) {
        (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}
