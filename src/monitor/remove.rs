//! Removing a container's directory, name and anonymous volumes (`--rm`, `rm`), including
//! files owned by the container's subordinate ids. A `--rm` container leaves the store in
//! two steps: out of sight at once ([`trash`]), its files deleted after its caller has been
//! told the exit ([`delete_trashed`], [`spawn_remover`]).

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

/// A `--rm` container moved into the trash ([`trash`]), its files still to delete.
pub(super) struct Trashed {
    pub taken: crate::state::trash::Taken,
    /// The container's user namespace (kept open), for the files of subordinate ids.
    pub userns: Option<OwnedFd>,
}

/// A `--rm` container's end, before its files are deleted: its directory is locked and renamed
/// into the store's trash and its name freed (from then on no listing shows it and the name
/// can be taken: what `run --rm` promises once it returns). Whoever deletes the files after
/// ([`delete_trashed`] in the monitor once its caller was told the exit, else [`spawn_remover`])
/// holds the trash entry's lock until the tree is gone; killed, it leaves an unlocked entry,
/// which `ps` or a container that wants the name sweeps (`state::trash`). `None` where the
/// rename failed (the caller removes the tree in place, as before).
///
/// docker's CLI waits for the daemon's removal before `run --rm` exits: what a script sees
/// after it (the name free, `ps -a` without it) is the same here; the disk space comes back a
/// moment later.
pub(super) fn trash(paths: &Paths, id: &str, name: &str) -> Option<crate::state::trash::Taken> {
    match crate::state::trash::Trash::new(paths).take(id) {
        Ok(taken) => {
            Containers::new(paths).release_name(name, id);
            Some(taken)
        }
        Err(e) => {
            tracing::debug!("moving {id} into the trash: {e}; removing it in place");
            None
        }
    }
}

/// Delete a trash entry in this process, which has nothing else to do (the monitor, after its
/// caller was told the exit and its streams let go): as `skiff-rm`, at a lower priority, as
/// root of the container's user namespace where one is given. Call last: it may leave this
/// process in that namespace.
pub(super) fn delete_trashed(paths: &Paths, t: Trashed) {
    become_remover();
    let gone = match &t.userns {
        Some(ns) => {
            (nix::sched::setns(ns, nix::sched::CloneFlags::CLONE_NEWUSER).is_ok()
                && crate::storage::remove_tree(&t.taken.path).is_ok())
                || remove_tree_any_owner(&t.taken.path)
        }
        None => remove_tree_any_owner(&t.taken.path),
    };
    if gone {
        crate::state::trash::Trash::new(paths).remove_if_empty();
    }
}

/// This process from now on only deletes a trash entry: named `skiff-rm` (for `ps` and
/// `top`), at a lower priority (the user's next command goes first).
pub(super) fn become_remover() {
    // SAFETY: a constant name of 8 bytes and its NUL.
    unsafe {
        libc::prctl(libc::PR_SET_NAME, c"skiff-rm".as_ptr(), 0, 0, 0);
    }
    // SAFETY: nice(2) changes only this process's priority.
    unsafe {
        libc::nice(10);
    }
}

/// Delete a trash entry in a forked child (its own session, no descriptor of ours but the
/// entry's lock and the user namespace), for a monitor whose exit is waited for. Where the
/// fork fails, the entry stays for the next sweep.
pub(super) fn spawn_remover(paths: &Paths, t: Trashed) {
    use std::os::fd::AsRawFd;
    // SAFETY: the monitor is single-threaded, so the child has a consistent copy of the
    // process; it detaches, removes the tree and calls _exit.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Child) => {
            let _ = nix::unistd::setsid();
            let mut keep = vec![t.taken.lock.as_raw_fd()];
            keep.extend(t.userns.as_ref().map(|n| n.as_raw_fd()));
            // Nobody may wait on it: the caller's pipes and terminal are not held.
            crate::sys::fd::detach_descriptors(&keep);
            delete_trashed(paths, t);
            // SAFETY: ending the forked child without running the parent's destructors.
            unsafe { libc::_exit(0) }
        }
        Ok(nix::unistd::ForkResult::Parent { .. }) => {}
        Err(e) => tracing::debug!("forking the remover of {}: {e}", t.taken.path.display()),
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
