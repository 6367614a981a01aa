//! The seam between the container's init and the kernel (youki's `Syscall` trait): every call
//! of `init` that changes the process or the mount table (mount, umount, pivot_root, chdir,
//! unshare, host and domain names, links in /dev, ids, groups, capabilities, rlimits) goes
//! through [`Syscall`]. [`Linux`] makes the calls; in unit tests [`Recorder`] writes them down
//! instead, so the order of the init sequence is tested without privileges.
//!
//! Reads of the file system (stat, statvfs, opening a path inside the root) stay real: they
//! need no privilege, and the tests run them on a temporary directory.
use std::os::fd::BorrowedFd;
use std::path::Path;

use nix::mount::{MntFlags, MsFlags};
use nix::sched::CloneFlags;
use nix::unistd::{Gid, Uid};

/// The kernel calls of the container's init.
pub(crate) trait Syscall {
    fn mount(
        &self,
        source: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> nix::Result<()>;
    fn umount2(&self, target: &Path, flags: MntFlags) -> nix::Result<()>;
    fn pivot_root(&self, new_root: &Path, put_old: &Path) -> nix::Result<()>;
    fn chdir(&self, path: &Path) -> nix::Result<()>;
    fn unshare(&self, flags: CloneFlags) -> nix::Result<()>;
    fn sethostname(&self, name: &str) -> nix::Result<()>;
    fn setdomainname(&self, name: &str) -> nix::Result<()>;
    /// `symlinkat(target, dir, name)`.
    fn symlinkat(&self, target: &str, dir: BorrowedFd<'_>, name: &str) -> nix::Result<()>;
    fn setgroups(&self, gids: &[Gid]) -> nix::Result<()>;
    fn setresgid(&self, gid: Gid) -> nix::Result<()>;
    fn setresuid(&self, uid: Uid) -> nix::Result<()>;
    /// Drop `cap` from the bounding set.
    fn drop_bounding(&self, cap: caps::Capability) -> Result<(), caps::errors::CapsError>;
    fn set_caps(
        &self,
        set: caps::CapSet,
        value: &caps::CapsHashSet,
    ) -> Result<(), caps::errors::CapsError>;
    fn clear_ambient(&self) -> Result<(), caps::errors::CapsError>;
    fn setrlimit(&self, resource: RlimitResource, soft: u64, hard: u64) -> std::io::Result<()>;
    fn set_no_new_privs(&self) -> std::io::Result<()>;
}

/// libc's rlimit resource number (its type differs between C libraries).
#[cfg(target_env = "gnu")]
pub(crate) type RlimitResource = libc::__rlimit_resource_t;
#[cfg(not(target_env = "gnu"))]
pub(crate) type RlimitResource = libc::c_int;

/// The real calls.
pub(crate) struct Linux;

impl Syscall for Linux {
    fn mount(
        &self,
        source: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> nix::Result<()> {
        nix::mount::mount(source, target, fstype, flags, data)
    }
    fn umount2(&self, target: &Path, flags: MntFlags) -> nix::Result<()> {
        nix::mount::umount2(target, flags)
    }
    fn pivot_root(&self, new_root: &Path, put_old: &Path) -> nix::Result<()> {
        nix::unistd::pivot_root(new_root, put_old)
    }
    fn chdir(&self, path: &Path) -> nix::Result<()> {
        nix::unistd::chdir(path)
    }
    fn unshare(&self, flags: CloneFlags) -> nix::Result<()> {
        nix::sched::unshare(flags)
    }
    fn sethostname(&self, name: &str) -> nix::Result<()> {
        nix::unistd::sethostname(name)
    }
    fn setdomainname(&self, name: &str) -> nix::Result<()> {
        // nix has no wrapper for it.
        // SAFETY: setdomainname reads `len` bytes from a buffer that lives across the call.
        let r = unsafe { libc::setdomainname(name.as_ptr().cast(), name.len()) };
        nix::errno::Errno::result(r).map(drop)
    }
    fn symlinkat(&self, target: &str, dir: BorrowedFd<'_>, name: &str) -> nix::Result<()> {
        nix::unistd::symlinkat(target, dir, name)
    }
    fn setgroups(&self, gids: &[Gid]) -> nix::Result<()> {
        nix::unistd::setgroups(gids)
    }
    fn setresgid(&self, gid: Gid) -> nix::Result<()> {
        nix::unistd::setresgid(gid, gid, gid)
    }
    fn setresuid(&self, uid: Uid) -> nix::Result<()> {
        nix::unistd::setresuid(uid, uid, uid)
    }
    fn drop_bounding(&self, cap: caps::Capability) -> Result<(), caps::errors::CapsError> {
        caps::drop(None, caps::CapSet::Bounding, cap)
    }
    fn set_caps(
        &self,
        set: caps::CapSet,
        value: &caps::CapsHashSet,
    ) -> Result<(), caps::errors::CapsError> {
        caps::set(None, set, value)
    }
    fn clear_ambient(&self) -> Result<(), caps::errors::CapsError> {
        caps::clear(None, caps::CapSet::Ambient)
    }
    fn setrlimit(&self, resource: RlimitResource, soft: u64, hard: u64) -> std::io::Result<()> {
        let lim = libc::rlimit {
            rlim_cur: soft,
            rlim_max: hard,
        };
        // SAFETY: setrlimit reads the rlimit struct we own.
        if unsafe { libc::setrlimit(resource, &lim) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
    fn set_no_new_privs(&self) -> std::io::Result<()> {
        // SAFETY: prctl with integer arguments only.
        if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) use recorder::{Call, Recorder};

#[cfg(test)]
mod recorder {
    use super::*;
    use std::cell::RefCell;
    use std::path::PathBuf;

    /// One call the init made, as the test double saw it.
    #[derive(Debug, Clone, PartialEq)]
    pub(crate) enum Call {
        Mount {
            source: Option<PathBuf>,
            target: PathBuf,
            fstype: Option<String>,
            flags: MsFlags,
            data: Option<String>,
        },
        Umount(PathBuf, MntFlags),
        PivotRoot(PathBuf, PathBuf),
        Chdir(PathBuf),
        Unshare(CloneFlags),
        Sethostname(String),
        Setdomainname(String),
        /// The link's directory (resolved), its name and its target.
        Symlink(PathBuf, String, String),
        Setgroups(Vec<u32>),
        Setresgid(u32),
        Setresuid(u32),
        DropBounding(caps::Capability),
        /// The set (`Effective`, `Permitted`, `Inheritable`) and its capabilities.
        SetCaps(String, Vec<caps::Capability>),
        ClearAmbient,
        Setrlimit(RlimitResource, u64, u64),
        NoNewPrivs,
    }

    /// Writes every call down and makes none. `fail_mount_of` makes a mount of that fstype
    /// fail with EPERM (a refused sysfs, say).
    #[derive(Default)]
    pub(crate) struct Recorder {
        pub calls: RefCell<Vec<Call>>,
        pub fail_mount_of: Option<&'static str>,
    }

    /// A path the init names through `/proc/self/fd/N` is written down as the path it
    /// stands for, so tests can compare it with the directory they made.
    fn resolved(p: &Path) -> PathBuf {
        if p.starts_with("/proc/self/fd") {
            std::fs::read_link(p).unwrap_or_else(|_| p.to_path_buf())
        } else {
            p.to_path_buf()
        }
    }

    impl Recorder {
        pub(crate) fn calls(&self) -> Vec<Call> {
            self.calls.borrow().clone()
        }
        fn push(&self, c: Call) {
            self.calls.borrow_mut().push(c);
        }
        /// The mounts only, as (source, target, fstype, flags).
        pub(crate) fn mounts(&self) -> Vec<(Option<PathBuf>, PathBuf, Option<String>, MsFlags)> {
            self.calls()
                .into_iter()
                .filter_map(|c| match c {
                    Call::Mount {
                        source,
                        target,
                        fstype,
                        flags,
                        ..
                    } => Some((source, target, fstype, flags)),
                    _ => None,
                })
                .collect()
        }
    }

    fn sorted(v: &caps::CapsHashSet) -> Vec<caps::Capability> {
        let mut v: Vec<_> = v.iter().copied().collect();
        v.sort_by_key(|c| c.index());
        v
    }

    impl Syscall for Recorder {
        fn mount(
            &self,
            source: Option<&Path>,
            target: &Path,
            fstype: Option<&str>,
            flags: MsFlags,
            data: Option<&str>,
        ) -> nix::Result<()> {
            self.push(Call::Mount {
                source: source.map(resolved),
                target: resolved(target),
                fstype: fstype.map(String::from),
                flags,
                data: data.map(String::from),
            });
            if fstype.is_some() && fstype == self.fail_mount_of {
                return Err(nix::errno::Errno::EPERM);
            }
            Ok(())
        }
        fn umount2(&self, target: &Path, flags: MntFlags) -> nix::Result<()> {
            self.push(Call::Umount(target.to_path_buf(), flags));
            Ok(())
        }
        fn pivot_root(&self, new_root: &Path, put_old: &Path) -> nix::Result<()> {
            self.push(Call::PivotRoot(new_root.into(), put_old.into()));
            Ok(())
        }
        fn chdir(&self, path: &Path) -> nix::Result<()> {
            self.push(Call::Chdir(path.into()));
            Ok(())
        }
        fn unshare(&self, flags: CloneFlags) -> nix::Result<()> {
            self.push(Call::Unshare(flags));
            Ok(())
        }
        fn sethostname(&self, name: &str) -> nix::Result<()> {
            self.push(Call::Sethostname(name.into()));
            Ok(())
        }
        fn setdomainname(&self, name: &str) -> nix::Result<()> {
            self.push(Call::Setdomainname(name.into()));
            Ok(())
        }
        fn symlinkat(&self, target: &str, dir: BorrowedFd<'_>, name: &str) -> nix::Result<()> {
            use std::os::fd::AsRawFd;
            let dir = resolved(Path::new(&format!("/proc/self/fd/{}", dir.as_raw_fd())));
            self.push(Call::Symlink(dir, name.into(), target.into()));
            Ok(())
        }
        fn setgroups(&self, gids: &[Gid]) -> nix::Result<()> {
            self.push(Call::Setgroups(gids.iter().map(|g| g.as_raw()).collect()));
            Ok(())
        }
        fn setresgid(&self, gid: Gid) -> nix::Result<()> {
            self.push(Call::Setresgid(gid.as_raw()));
            Ok(())
        }
        fn setresuid(&self, uid: Uid) -> nix::Result<()> {
            self.push(Call::Setresuid(uid.as_raw()));
            Ok(())
        }
        fn drop_bounding(&self, cap: caps::Capability) -> Result<(), caps::errors::CapsError> {
            self.push(Call::DropBounding(cap));
            Ok(())
        }
        fn set_caps(
            &self,
            set: caps::CapSet,
            value: &caps::CapsHashSet,
        ) -> Result<(), caps::errors::CapsError> {
            self.push(Call::SetCaps(format!("{set:?}"), sorted(value)));
            Ok(())
        }
        fn clear_ambient(&self) -> Result<(), caps::errors::CapsError> {
            self.push(Call::ClearAmbient);
            Ok(())
        }
        fn setrlimit(&self, resource: RlimitResource, soft: u64, hard: u64) -> std::io::Result<()> {
            self.push(Call::Setrlimit(resource, soft, hard));
            Ok(())
        }
        fn set_no_new_privs(&self) -> std::io::Result<()> {
            self.push(Call::NoNewPrivs);
            Ok(())
        }
    }
}
