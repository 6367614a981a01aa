//! Removing a container's directory, name and anonymous volumes (`--rm`, `rm`), including
//! files owned by the container's subordinate ids. A `--rm` container's files are deleted
//! after its monitor has exited, by a process of their own ([`remove_container_later`]).

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

/// A `--rm` container's end, without waiting for its files to be deleted: its directory is
/// locked and renamed into the store's trash and its name freed (from then on no listing shows
/// it and the name can be taken: what `run --rm` promises once it returns), then a forked child
/// (its own session, no descriptor of ours but the lock and `userns`) deletes the tree, joining
/// the container's user namespace `userns` where given for the files of subordinate ids, while
/// the monitor goes on to exit with the container's code. The child holds the trash entry's lock
/// until the tree is gone; killed, it leaves an unlocked entry, which `ps` or a container that
/// wants the name sweeps (`state::trash`). Returns whether the container is gone from the store;
/// where the rename fails, the tree is removed here, as before.
///
/// docker's CLI waits for the daemon's removal before `run --rm` exits: what a script sees
/// after it (the name free, `ps -a` without it) is the same here; the disk space comes back a
/// moment later.
pub(super) fn remove_container_later(
    paths: &Paths,
    id: &str,
    name: &str,
    userns: Option<&OwnedFd>,
) -> bool {
    let trash = crate::state::trash::Trash::new(paths);
    let taken = match trash.take(id) {
        Ok(t) => t,
        Err(e) => {
            tracing::debug!("moving {id} into the trash: {e}; removing it in place");
            return remove_container_in(paths, id, name, userns);
        }
    };
    Containers::new(paths).release_name(name, id);
    spawn_remover(&trash, &taken, userns);
    true
}

/// Fork the process that deletes a trash entry (see [`remove_container_later`]). Where the fork
/// fails, the entry stays for the next sweep.
fn spawn_remover(
    trash: &crate::state::trash::Trash<'_>,
    taken: &crate::state::trash::Taken,
    userns: Option<&OwnedFd>,
) {
    use std::os::fd::AsRawFd;
    // SAFETY: the monitor is single-threaded, so the child has a consistent copy of the
    // process; it detaches, removes the tree and calls _exit.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Child) => {
            let _ = nix::unistd::setsid();
            let mut keep = vec![taken.lock.as_raw_fd()];
            keep.extend(userns.map(|n| n.as_raw_fd()));
            // Nobody may wait on it: the caller's pipes and terminal are not held.
            crate::sys::fd::detach_descriptors(&keep);
            // SAFETY: a constant name of 8 bytes and its NUL, for `ps` and `top`.
            unsafe {
                libc::prctl(libc::PR_SET_NAME, c"skiff-rm".as_ptr(), 0, 0, 0);
            }
            // Background work: the user's next command goes first.
            // SAFETY: nice(2) changes only this process's priority.
            unsafe {
                libc::nice(10);
            }
            let gone = match userns {
                Some(ns) => {
                    nix::sched::setns(ns, nix::sched::CloneFlags::CLONE_NEWUSER).is_ok()
                        && crate::storage::remove_tree(&taken.path).is_ok()
                }
                None => remove_tree_any_owner(&taken.path),
            };
            if gone {
                trash.remove_if_empty();
            }
            // SAFETY: ending the forked child without running the parent's destructors.
            unsafe { libc::_exit(if gone { 0 } else { 1 }) }
        }
        Ok(nix::unistd::ForkResult::Parent { .. }) => {}
        Err(e) => tracing::debug!("forking the remover of {}: {e}", taken.path.display()),
    }
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
