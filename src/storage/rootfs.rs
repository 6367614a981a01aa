//! A container's root file system as the runtime mounts it: the layer set ([`Rootfs`]) and the
//! driver that makes one tree of it ([`RootfsDriver`]: kernel overlayfs, skiff's FUSE overlay,
//! vfs's plain copy). Storage picks the driver once, from the container's storage driver
//! ([`Rootfs::driver`]); the runtime drives the trait and never asks which one it has:
//!
//! 1. `spawn_server`, before the container's mount namespace exists: a driver served by a
//!    process of its own (FUSE) forks it there, so that it never keeps that namespace alive;
//! 2. `mount`, inside the container's namespaces: the tree at `target`, and for a served
//!    driver the connection its server must get ([`Server::serve`]) before anything looks into
//!    the tree;
//! 3. [`reap_server`], once the container is gone: the server ends with its mount.
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

pub use super::fuse::server::{reap_server, Server, ServerError};
use super::Driver;

/// The layered root filesystem of one container, as the runtime mounts it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rootfs {
    /// Lower layer directories, bottom to top.
    pub lower: Vec<PathBuf>,
    pub upper: PathBuf,
    pub work: PathBuf,
    /// Where the merged tree is mounted (and pivoted into).
    pub target: PathBuf,
    /// Mount with `userxattr` (rootless overlay).
    pub userxattr: bool,
    /// How the layers become one tree (the upper dir is a full copy with vfs).
    #[serde(default)]
    pub driver: Driver,
    /// The upper layer is thrown away when the container ends (`--rm`): kernel overlayfs is
    /// mounted `volatile`, so that its unmount, when the container's mount namespace goes,
    /// does not sync the whole file system under the upper dir (a device cache flush, and all
    /// of that file system's dirty data written back: 1 to 9 ms here under load, for a
    /// container that wrote nothing). Podman mounts `--rm` containers the same way.
    #[serde(default)]
    pub volatile: bool,
}

/// How a driver makes one tree of a container's layers.
pub trait RootfsDriver: Sync {
    /// Mount `rootfs` at its target, in the caller's mount namespace (as root of the
    /// container's user namespace). A served driver returns the connection to hand to its
    /// server; the error says which step failed.
    fn mount(&self, rootfs: &Rootfs) -> Result<Option<OwnedFd>, String>;

    /// Whether `mount` returns a connection that a server process must serve.
    fn served(&self) -> bool {
        false
    }

    /// Fork the server that will serve `rootfs` (None for a driver that needs none), in this
    /// process's mount namespace, joining the user namespace `userns` first when given: it
    /// must be root where the container's files are owned. Call from a single-threaded
    /// process.
    fn spawn_server(
        &self,
        _rootfs: &Rootfs,
        _userns: Option<std::fs::File>,
    ) -> Result<Option<Server>, ServerError> {
        Ok(None)
    }
}

impl Rootfs {
    /// The root file system of the container whose directory is `dir` (its `upper`, `work`
    /// and `merged`), on the image layers `lower` (bottom to top), made with `driver`.
    pub fn of_container(dir: &Path, lower: Vec<PathBuf>, driver: Driver, userxattr: bool) -> Self {
        Rootfs {
            lower,
            upper: dir.join("upper"),
            work: dir.join("work"),
            target: dir.join("merged"),
            userxattr,
            driver,
            volatile: false,
        }
    }

    /// The same, with an upper layer nobody keeps ([`Rootfs::volatile`]).
    pub fn volatile(self, volatile: bool) -> Self {
        Rootfs { volatile, ..self }
    }

    /// The driver that mounts this root file system.
    pub fn driver(&self) -> &'static dyn RootfsDriver {
        match self.driver {
            Driver::Overlay => &KernelOverlay,
            Driver::FuseOverlay => &FuseOverlay,
            Driver::Vfs => &Vfs,
        }
    }

    /// Mount it at `target` with its driver ([`RootfsDriver::mount`]).
    pub fn mount(&self) -> Result<Option<OwnedFd>, String> {
        self.driver().mount(self)
    }

    /// The layer set for the FUSE overlay server.
    pub fn overlay_dirs(&self) -> super::fuse::OverlayDirs {
        super::fuse::OverlayDirs {
            lowers: self.lower.iter().rev().cloned().collect(),
            upper: self.upper.clone(),
            work: self.work.clone(),
            opaque_xattr: if self.userxattr {
                "user.overlay.opaque"
            } else {
                "trusted.overlay.opaque"
            }
            .to_string(),
        }
    }
}

/// Kernel overlayfs, mounted inside the container's user namespace.
struct KernelOverlay;

impl RootfsDriver for KernelOverlay {
    /// The lower dirs are passed relative to their common parent when they share one (this
    /// process chdirs there), which keeps the option string, limited to a page, short enough
    /// for many layers; an image with no layers gets an empty lower dir.
    fn mount(&self, rootfs: &Rootfs) -> Result<Option<OwnedFd>, String> {
        let parent = rootfs
            .lower
            .first()
            .and_then(|p| p.parent())
            .filter(|par| rootfs.lower.iter().all(|l| l.parent() == Some(par)));
        let lower: Vec<String> = rootfs
            .lower
            .iter()
            .rev()
            .map(|l| match parent {
                Some(_) => l
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                None => l.to_string_lossy().into_owned(),
            })
            .collect();
        if let Some(par) = parent {
            nix::unistd::chdir(par).map_err(|e| format!("chdir to the layer store: {e}"))?;
        }
        let lowerdir = if lower.is_empty() {
            let empty = rootfs.work.with_file_name("empty");
            let _ = std::fs::create_dir_all(&empty);
            empty.to_string_lossy().into_owned()
        } else {
            lower.join(":")
        };
        let mut opts = format!(
            "lowerdir={lowerdir},upperdir={},workdir={}",
            rootfs.upper.display(),
            rootfs.work.display()
        );
        if rootfs.userxattr {
            opts.push_str(",userxattr");
        }
        let mount = |opts: &str| {
            nix::mount::mount(
                Some("overlay"),
                &rootfs.target,
                Some("overlay"),
                nix::mount::MsFlags::empty(),
                Some(opts),
            )
        };
        // `volatile` came with Linux 5.10; an older kernel refuses the option (EINVAL) and
        // gets the plain mount. A volatile mount leaves `work/incompat/volatile/dirty` behind,
        // and the kernel refuses to mount over it again (the upper dir may have lost data in a
        // crash): this container's previous run (a restart) left it, in this boot, so it goes.
        let mounted = if rootfs.volatile {
            let _ = std::fs::remove_dir_all(rootfs.work.join("work/incompat/volatile"));
            mount(&format!("{opts},volatile")).or_else(|e| match e {
                nix::errno::Errno::EINVAL => mount(&opts),
                e => Err(e),
            })
        } else {
            mount(&opts)
        };
        mounted.map(|()| None).map_err(|e| {
            format!(
                "mounting the overlay root filesystem at {}: {e}",
                rootfs.target.display()
            )
        })
    }
}

/// skiff's FUSE overlay, served by a process beside the container.
struct FuseOverlay;

impl RootfsDriver for FuseOverlay {
    fn mount(&self, rootfs: &Rootfs) -> Result<Option<OwnedFd>, String> {
        super::fuse::mount(&rootfs.target).map(Some).map_err(|e| {
            format!(
                "mounting the FUSE overlay at {} (is /dev/fuse there?): {e}",
                rootfs.target.display()
            )
        })
    }

    fn served(&self) -> bool {
        true
    }

    fn spawn_server(
        &self,
        rootfs: &Rootfs,
        userns: Option<std::fs::File>,
    ) -> Result<Option<Server>, ServerError> {
        Server::spawn(rootfs.overlay_dirs(), userns).map(Some)
    }
}

/// vfs: the upper dir is a full copy of the layers, bind-mounted.
struct Vfs;

impl RootfsDriver for Vfs {
    fn mount(&self, rootfs: &Rootfs) -> Result<Option<OwnedFd>, String> {
        nix::mount::mount(
            Some(&rootfs.upper),
            &rootfs.target,
            None::<&str>,
            nix::mount::MsFlags::MS_BIND,
            None::<&str>,
        )
        .map(|()| None)
        .map_err(|e| {
            format!(
                "bind-mounting the root file system at {}: {e}",
                rootfs.target.display()
            )
        })
    }
}
