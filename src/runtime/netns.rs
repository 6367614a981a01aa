//! The shared rootless network namespace's process (`skiff __netns`): its start-up, which needs
//! a user namespace with the user's id mapping, a network namespace owned by it, and a fork to
//! leave the process that started it. What it does once running is `network::holder`.
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::{Command, Stdio};

use super::userns::{self, IdMapping};
use super::RuntimeError;

fn err(what: &str) -> impl FnOnce(nix::Error) -> RuntimeError + '_ {
    move |e| RuntimeError::Other(format!("network namespace holder: {what}: {e}"))
}

/// Starter side: run `skiff ARGS...` (the holder's entry point), write the id maps of the user
/// namespace it creates, and wait until it reports `ready PID`: the holder's process id, in its
/// own session, no longer our child. `env` is added to its environment.
pub fn spawn_holder(args: &[&str], env: &[(&str, &str)]) -> Result<i32, RuntimeError> {
    let exe = std::env::current_exe()
        .map_err(|e| RuntimeError::Other(format!("cannot find skiff's own binary: {e}")))?;
    let (go_r, go_w) = nix::unistd::pipe().map_err(err("pipe"))?;
    let (ready_r, ready_w) = nix::unistd::pipe().map_err(err("pipe"))?;
    for fd in [&go_w, &ready_r] {
        let _ = nix::fcntl::fcntl(
            fd,
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
        );
    }
    for fd in [&go_r, &ready_w] {
        let _ = nix::fcntl::fcntl(
            fd,
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
        );
    }
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .env(
            userns::SYNC_ENV,
            format!("{},{}", go_r.as_raw_fd(), ready_w.as_raw_fd()),
        )
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| RuntimeError::Other(format!("starting skiff __netns: {e}")))?;
    drop(go_r);
    drop(ready_w);
    let mut ready = std::fs::File::from(ready_r);
    let mut go = std::fs::File::from(go_w);
    if !userns::is_rootful() {
        let mut b = [0u8; 1];
        if ready.read_exact(&mut b).is_ok() {
            IdMapping::for_current_user().write_for(child.id() as i32)?;
            let _ = go.write_all(b"G");
        }
    }
    drop(go);
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let _ = child.wait();
    match line.trim().strip_prefix("ready ").map(str::parse::<i32>) {
        Some(Ok(pid)) => Ok(pid),
        _ => Err(RuntimeError::Helper(format!(
            "the network namespace holder did not start: {}",
            stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no message")
                .trim_start_matches("Error: ")
        ))),
    }
}

/// Holder side, called first thing in `skiff __netns`: become root in a new user namespace
/// (mapped by the starter), unshare a network namespace, and fork. The parent prints
/// `ready PID` and exits; this returns in the child, which is in its own session with stdin
/// and stdout on /dev/null and stderr appended to `log`.
pub fn enter_holder_namespaces(log: &Path) -> Result<(), RuntimeError> {
    userns::become_root_in_child_namespace()?;
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
        .map_err(err("unshare(CLONE_NEWNET)"))?;
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map_err(|e| RuntimeError::Other(format!("/dev/null: {e}")))?;
    let logf = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| RuntimeError::Other(format!("{}: {e}", log.display())))?;
    // SAFETY: `skiff __netns` is single-threaded here (nothing has started a thread), so the
    // child is a consistent copy; the parent only prints and exits.
    match unsafe { nix::unistd::fork() }.map_err(err("fork"))? {
        nix::unistd::ForkResult::Parent { child } => {
            println!("ready {child}");
            let _ = std::io::stdout().flush();
            std::process::exit(0);
        }
        nix::unistd::ForkResult::Child => {
            let _ = nix::unistd::setsid();
            let _ = nix::unistd::dup2_stdin(&null);
            let _ = nix::unistd::dup2_stdout(&null);
            let _ = nix::unistd::dup2_stderr(&logf);
            Ok(())
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
