//! A private mount namespace for the calling process: what the runtime's init, `enter` and the
//! storage probe each start from before they mount anything.
/// Make every mount of this mount namespace private (recursively), so nothing mounted here
/// propagates back to the namespace it was copied from.
pub fn make_root_private() -> nix::Result<()> {
    nix::mount::mount(
        None::<&str>,
        "/",
        None::<&str>,
        nix::mount::MsFlags::MS_REC | nix::mount::MsFlags::MS_PRIVATE,
        None::<&str>,
    )
}

/// Why a private mount namespace could not be had.
#[derive(Debug, thiserror::Error)]
pub enum MountNsError {
    #[error("unshare(CLONE_NEWNS): {0}")]
    Unshare(#[source] nix::errno::Errno),
    #[error("making / private: {0}")]
    MakePrivate(#[source] nix::errno::Errno),
}

/// A new mount namespace for this process, with every mount private.
pub fn private_mount_namespace() -> Result<(), MountNsError> {
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS).map_err(MountNsError::Unshare)?;
    make_root_private().map_err(MountNsError::MakePrivate)
}
