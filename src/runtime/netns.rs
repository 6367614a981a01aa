//! The shared rootless network namespace's process (the netns holder helper): its start-up, which needs
//! a user namespace with the user's id mapping, a network namespace owned by it, and a fork to
//! leave the process that started it. What it does once running is `network::holder`.
use std::path::Path;

use super::userns::{self};
use super::RuntimeError;

fn err(what: &str) -> impl FnOnce(nix::Error) -> RuntimeError + '_ {
    move |e| RuntimeError::ctx(format!("network namespace holder: {what}"))(e)
}

/// Which process returns from [`enter_holder_namespaces`].
pub enum HolderSide {
    /// The process the starter started: it reports the daemon's pid and exits.
    Starter { daemon: i32 },
    /// The daemon: in its own session, stdin and stdout on /dev/null, stderr appended to the
    /// log.
    Daemon,
}

/// Holder side, called first thing in the holder helper: become root in a new user namespace
/// (mapped by the starter), unshare a network namespace, and fork.
pub fn enter_holder_namespaces(log: &Path) -> Result<HolderSide, RuntimeError> {
    userns::become_root_in_child_namespace()?;
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
        .map_err(err("unshare(CLONE_NEWNET)"))?;
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
    // SAFETY: the holder helper is single-threaded here (nothing has started a thread), so the
    // child is a consistent copy; the parent only prints and exits.
    match unsafe { nix::unistd::fork() }.map_err(err("fork"))? {
        nix::unistd::ForkResult::Parent { child } => Ok(HolderSide::Starter {
            daemon: child.as_raw(),
        }),
        nix::unistd::ForkResult::Child => {
            let _ = nix::unistd::setsid();
            let _ = nix::unistd::dup2_stdin(&null);
            let _ = nix::unistd::dup2_stdout(&null);
            let _ = nix::unistd::dup2_stderr(&logf);
            Ok(HolderSide::Daemon)
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
