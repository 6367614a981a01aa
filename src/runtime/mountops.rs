//! File-system work the container's init does for volumes and bind mounts, as root in the
//! container's user namespace (so ids are the container's): docker's copy-up of image content
//! into an empty volume, and the `:U` ownership change. (Mount points are resolved inside the
//! root by `inroot`.)
//!
//! Every walk below goes through directory descriptors opened with `O_NOFOLLOW`, so a symlink
//! planted inside a volume (by another container sharing it) cannot redirect a write or a chown
//! outside the volume.
use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use super::RuntimeError;
use nix::fcntl::{openat, readlinkat, AtFlags, OFlag};
use nix::sys::stat::{fchmod, fstatat, mkdirat, mknodat, Mode, SFlag};
use nix::unistd::{fchown, fchownat, symlinkat, Gid, Uid};

pub use crate::sys::mount_ns::{make_root_private, private_mount_namespace};

fn open_dir_at(dir: BorrowedFd<'_>, name: &OsStr) -> nix::Result<OwnedFd> {
    openat(
        dir,
        name,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
}

fn open_dir(path: &Path) -> nix::Result<OwnedFd> {
    nix::fcntl::open(
        path,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
}

/// The names in a directory, without `.` and `..`.
fn entries(dir: BorrowedFd<'_>) -> nix::Result<Vec<OsString>> {
    let fd = open_dir_at(dir, OsStr::new("."))?;
    let mut d = nix::dir::Dir::from_fd(fd)?;
    let mut out = Vec::new();
    for e in d.iter() {
        let e = e?;
        let name = <OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(e.file_name().to_bytes());
        if name != "." && name != ".." {
            out.push(name.to_os_string());
        }
    }
    Ok(out)
}

fn perm(st: &nix::sys::stat::FileStat) -> Mode {
    Mode::from_bits_truncate(st.st_mode & 0o7777)
}

fn ids(st: &nix::sys::stat::FileStat) -> (Option<Uid>, Option<Gid>) {
    (
        Some(Uid::from_raw(st.st_uid)),
        Some(Gid::from_raw(st.st_gid)),
    )
}

/// docker's copy-up: when the volume directory `to` is empty and the image has a directory at
/// `from`, copy its content (modes, owners, symlinks, fifos) into the volume, and give the
/// volume's root the owner and mode of `from`. Returns whether anything was copied.
pub fn copy_up(from: &Path, to: &Path) -> Result<bool, RuntimeError> {
    let src = match open_dir(from) {
        Ok(fd) => fd,
        // Nothing (or not a directory) in the image there: nothing to copy.
        Err(nix::Error::ENOENT) | Err(nix::Error::ENOTDIR) | Err(nix::Error::ELOOP) => {
            return Ok(false)
        }
        Err(e) => {
            return Err(RuntimeError::ctx(format!(
                "copy-up: opening {}",
                from.display()
            ))(e))
        }
    };
    copy_up_from(src.as_fd(), to)
}

/// [`copy_up`] from a directory already open (resolved inside the container's root).
pub fn copy_up_from(src: BorrowedFd<'_>, to: &Path) -> Result<bool, RuntimeError> {
    let err = |what: &str, p: &Path| {
        RuntimeError::ctx::<nix::Error>(format!("copy-up: {what} {}", p.display()))
    };
    let from = Path::new("the image's directory");
    let dst = open_dir(to).map_err(err("opening", to))?;
    if !entries(dst.as_fd()).map_err(err("reading", to))?.is_empty() {
        return Ok(false);
    }
    copy_dir(src, dst.as_fd()).map_err(err("copying", from))?;
    let st = nix::sys::stat::fstat(src).map_err(err("stat", from))?;
    let (u, g) = ids(&st);
    fchown(&dst, u, g).map_err(err("chown", to))?;
    fchmod(&dst, perm(&st)).map_err(err("chmod", to))?;
    Ok(true)
}

fn copy_dir(src: BorrowedFd<'_>, dst: BorrowedFd<'_>) -> nix::Result<()> {
    for name in entries(src)? {
        let st = fstatat(src, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW)?;
        let (u, g) = ids(&st);
        let kind = SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits());
        match kind {
            SFlag::S_IFDIR => {
                mkdirat(dst, name.as_os_str(), Mode::from_bits_truncate(0o700))?;
                let s = open_dir_at(src, &name)?;
                let d = open_dir_at(dst, &name)?;
                copy_dir(s.as_fd(), d.as_fd())?;
                fchown(&d, u, g)?;
                fchmod(&d, perm(&st))?;
            }
            SFlag::S_IFREG => {
                let s = openat(
                    src,
                    name.as_os_str(),
                    OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )?;
                let d = openat(
                    dst,
                    name.as_os_str(),
                    OFlag::O_WRONLY
                        | OFlag::O_CREAT
                        | OFlag::O_EXCL
                        | OFlag::O_NOFOLLOW
                        | OFlag::O_CLOEXEC,
                    Mode::from_bits_truncate(0o600),
                )?;
                let mut sf = std::fs::File::from(s);
                let mut df = std::fs::File::from(d);
                std::io::copy(&mut sf, &mut df)
                    .map_err(|e| nix::Error::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))?;
                // chown first: it clears set-id bits that chmod then restores.
                fchown(&df, u, g)?;
                fchmod(&df, perm(&st))?;
            }
            SFlag::S_IFLNK => {
                let target = readlinkat(src, name.as_os_str())?;
                symlinkat(target.as_os_str(), dst, name.as_os_str())?;
                fchownat(dst, name.as_os_str(), u, g, AtFlags::AT_SYMLINK_NOFOLLOW)?;
            }
            SFlag::S_IFIFO => {
                mknodat(dst, name.as_os_str(), SFlag::S_IFIFO, perm(&st), 0)?;
                fchownat(dst, name.as_os_str(), u, g, AtFlags::AT_SYMLINK_NOFOLLOW)?;
                // Never through a symlink: the volume may be shared with a running container
                // that swaps one in. The mode goes through a descriptor of the FIFO itself.
                let fifo = openat(
                    dst,
                    name.as_os_str(),
                    OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )?;
                let now = nix::sys::stat::fstat(&fifo)?;
                if SFlag::from_bits_truncate(now.st_mode & SFlag::S_IFMT.bits()) != SFlag::S_IFIFO {
                    return Err(nix::Error::ELOOP);
                }
                nix::sys::stat::fchmodat(
                    nix::fcntl::AT_FDCWD,
                    &PathBuf::from(format!("/proc/self/fd/{}", fifo.as_raw_fd())),
                    perm(&st),
                    nix::sys::stat::FchmodatFlags::FollowSymlink,
                )?;
            }
            // Device nodes cannot be made in a user namespace; sockets are not content.
            _ => tracing::debug!("copy-up: skipping special file {:?}", name),
        }
    }
    Ok(())
}

/// `:U`: give `root` and everything below it to `uid:gid` (container ids), never following a
/// symlink.
/// [`chown_tree`] of a directory already open (an `O_PATH` descriptor will do).
pub fn chown_tree_at(dir: BorrowedFd<'_>, uid: u32, gid: u32) -> nix::Result<()> {
    let fd = open_dir_at(dir, OsStr::new("."))?;
    chown_tree_fd(fd, uid, gid)
}

pub fn chown_tree(root: &Path, uid: u32, gid: u32) -> Result<(), RuntimeError> {
    let err = || RuntimeError::ctx::<nix::Error>(format!("chown {}", root.display()));
    let fd = match open_dir(root) {
        Ok(fd) => fd,
        Err(nix::Error::ENOTDIR) => {
            // A file bind-mounted on its own.
            return nix::unistd::chown(root, Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)))
                .map_err(err());
        }
        Err(e) => return Err(err()(e)),
    };
    chown_tree_fd(fd, uid, gid).map_err(err())
}

fn chown_tree_fd(fd: OwnedFd, uid: u32, gid: u32) -> nix::Result<()> {
    let (u, g) = (Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)));
    fn walk(dir: BorrowedFd<'_>, u: Option<Uid>, g: Option<Gid>) -> nix::Result<()> {
        for name in entries(dir)? {
            fchownat(dir, name.as_os_str(), u, g, AtFlags::AT_SYMLINK_NOFOLLOW)?;
            let st = fstatat(dir, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW)?;
            if SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits()) == SFlag::S_IFDIR {
                let sub = open_dir_at(dir, &name)?;
                walk(sub.as_fd(), u, g)?;
            }
        }
        Ok(())
    }
    fchown(&fd, u, g)?;
    walk(fd.as_fd(), u, g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_up_copies_into_an_empty_dir_only() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("from");
        let to = dir.path().join("to");
        std::fs::create_dir_all(from.join("d")).unwrap();
        std::fs::write(from.join("d/f"), "x").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", from.join("link")).unwrap();
        std::fs::create_dir(&to).unwrap();
        assert!(copy_up(&from, &to).unwrap());
        assert_eq!(std::fs::read_to_string(to.join("d/f")).unwrap(), "x");
        assert_eq!(
            std::fs::read_link(to.join("link")).unwrap(),
            Path::new("/etc/passwd")
        );
        // Not empty any more: nothing is copied again.
        std::fs::write(from.join("later"), "y").unwrap();
        assert!(!copy_up(&from, &to).unwrap());
        assert!(!to.join("later").exists());
        assert!(!copy_up(&dir.path().join("missing"), &to).unwrap());
    }

    #[test]
    fn copy_up_gives_a_fifo_its_mode_through_its_own_descriptor() {
        use std::os::unix::fs::{FileTypeExt, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("from");
        let to = dir.path().join("to");
        std::fs::create_dir_all(&from).unwrap();
        std::fs::create_dir(&to).unwrap();
        nix::unistd::mkfifo(&from.join("pipe"), Mode::from_bits_truncate(0o640)).unwrap();
        std::fs::set_permissions(from.join("pipe"), std::fs::Permissions::from_mode(0o604))
            .unwrap();
        assert!(copy_up(&from, &to).unwrap());
        let meta = std::fs::symlink_metadata(to.join("pipe")).unwrap();
        assert!(meta.file_type().is_fifo());
        assert_eq!(meta.permissions().mode() & 0o7777, 0o604);
    }
}
