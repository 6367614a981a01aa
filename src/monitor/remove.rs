//! Removing a container's directory, name and anonymous volumes (`--rm`, `rm`), including
//! files owned by the container's subordinate ids.

use std::os::fd::OwnedFd;

use nix::sys::wait::{waitpid, WaitStatus};

use crate::state::container::Containers;
use crate::state::Paths;

/// Remove a container's directory and its name. The upper layer may hold files owned by
/// container users (subordinate ids): those need the user-namespace helper.
pub fn remove_container(paths: &Paths, id: &str, name: &str) {
    remove_container_in(paths, id, name, None);
}

/// Like `remove_container`, joining `userns` (the container's, kept open) when given. Returns
/// whether the directory is gone.
pub(super) fn remove_container_in(
    paths: &Paths,
    id: &str,
    name: &str,
    userns: Option<&OwnedFd>,
) -> bool {
    let store = Containers::new(paths);
    let dir = store.dir(id);
    let removed =
        userns.is_some_and(|ns| remove_tree_in_userns(ns, &dir)) || remove_tree_any_owner(&dir);
    if removed {
        store.release_name(name, id);
    }
    removed
}

/// Remove `path` as root of the user namespace `ns`, in a forked child.
fn remove_tree_in_userns(ns: &OwnedFd, path: &std::path::Path) -> bool {
    // SAFETY: the monitor is single-threaded, so the child has a consistent copy of the
    // process; it only joins the namespace, removes the tree and calls _exit.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Child) => {
            let ok = nix::sched::setns(ns, nix::sched::CloneFlags::CLONE_NEWUSER).is_ok()
                && crate::storage::remove_tree(path).is_ok();
            // SAFETY: ending the forked child without running the parent's destructors.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) }
        }
        Ok(nix::unistd::ForkResult::Parent { child }) => loop {
            match waitpid(child, None) {
                Ok(WaitStatus::Exited(_, 0)) => return !path.exists(),
                Err(nix::errno::Errno::EINTR) => continue,
                _ => return false,
            }
        },
        Err(_) => false,
    }
}

/// Remove a tree that may hold files owned by container users (subordinate ids): directly if
/// we can, else as root in a user namespace. True when it is gone.
pub fn remove_tree_any_owner(dir: &std::path::Path) -> bool {
    if crate::storage::remove_tree(dir).is_err() {
        let _ = crate::helper::run(&crate::helper::Request::Userns(
            crate::helper::UsernsOp::RemoveTrees(vec![dir.to_path_buf()]),
        ));
    }
    std::fs::symlink_metadata(dir).is_err()
}

/// Why a container's anonymous volumes could not all be removed.
#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
    #[error(transparent)]
    Volume(#[from] crate::volume::VolumeError),
    #[error(transparent)]
    State(#[from] crate::state::container::StateError),
    /// The volume's files (taken out of the volumes' directory) could not all be deleted.
    #[error("could not remove {}", .0.display())]
    Files(std::path::PathBuf),
}

/// After a container is removed: remove its anonymous volumes that no other container uses
/// (`rm -v`, `run --rm`). Named volumes are never touched.
pub fn remove_anonymous_volumes(
    paths: &Paths,
    mounts: &[crate::state::container::MountRecord],
) -> Result<(), RemoveError> {
    let anon: Vec<&str> = mounts
        .iter()
        .filter(|m| m.kind == "volume" && m.anonymous)
        .map(|m| m.name.as_str())
        .collect();
    if anon.is_empty() {
        return Ok(());
    }
    let vols = crate::volume::Volumes::new(paths);
    let lock = vols.lock()?;
    let in_use = Containers::new(paths).volumes_in_use()?;
    for name in anon {
        if in_use.iter().any(|(_, v)| v == name) {
            continue;
        }
        match vols.take_out(&lock, name) {
            Ok(trash) => {
                if !remove_tree_any_owner(&trash) {
                    return Err(RemoveError::Files(trash));
                }
            }
            Err(crate::volume::VolumeError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
