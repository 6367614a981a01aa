//! docker's exit statuses for failures, in one place: every layer that reports how a command
//! failed (the CLI, the monitor, the runtime's init, the helper processes) takes them from here.
//!
//! docker uses 125 for flag errors and when `run` (or a helper starting a container) failed in
//! the engine (bad flags, no such image, a mount that failed), 126 when the container's command
//! exists but cannot be executed, 127 when it was not found; any other command that fails exits
//! 1 (which command gets which: `cli/status.rs`). Any other status is the container's own.

/// The engine failed (docker's "daemon error" for `run`, and every flag error): the status of
/// a container start that failed for any reason but its command.
pub const ENGINE: i32 = 125;
/// Any other docker command failed (docker/cli's `getExitCode` for an error that carries no
/// status of its own).
pub const FAILED: i32 = 1;
/// The container's command was found but could not be executed (permission, bad format).
pub const CANNOT_EXECUTE: i32 = 126;
/// The container's command was not found.
pub const NOT_FOUND: i32 = 127;

/// The status for an `execve` that failed with `errno`: 127 when the file does not exist, else
/// 126, as docker (and a shell) reports it.
pub fn for_exec_errno(errno: nix::errno::Errno) -> i32 {
    match errno {
        nix::errno::Errno::ENOENT => NOT_FOUND,
        _ => CANNOT_EXECUTE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_errnos_map_as_docker_reports_them() {
        assert_eq!(for_exec_errno(nix::errno::Errno::ENOENT), 127);
        assert_eq!(for_exec_errno(nix::errno::Errno::EACCES), 126);
        assert_eq!(for_exec_errno(nix::errno::Errno::ENOEXEC), 126);
    }
}
