//! File-system work the container's init does for volumes and bind mounts, as root in the
//! container's user namespace (so ids are the container's): resolving a mount destination
//! inside the root without leaving it through symlinks, docker's copy-up of image content into
//! an empty volume, and the `:U` ownership change.
//!
//! Every walk below goes through directory descriptors opened with `O_NOFOLLOW`, so a symlink
//! planted inside a volume (by another container sharing it) cannot redirect a write or a chown
//! outside the volume.
use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

use nix::fcntl::{openat, readlinkat, AtFlags, OFlag};
use nix::sys::stat::{fchmod, fstatat, mkdirat, mknodat, Mode, SFlag};
use nix::unistd::{fchown, fchownat, symlinkat, Gid, Uid};

/// Resolve `path` under `root` as if `root` were `/`: symlinks are followed, but an absolute
/// link target restarts at `root` and `..` stops at `root`. Missing components are kept as they
/// are (the caller creates them).
pub fn resolve_in_root(root: &Path, path: &Path) -> std::io::Result<PathBuf> {
    fn parts(p: &Path) -> VecDeque<OsString> {
        p.components()
            .filter_map(|c| match c {
                Component::Normal(n) => Some(n.to_os_string()),
                Component::ParentDir => Some(OsString::from("..")),
                _ => None,
            })
            .collect()
    }
    let mut pending = parts(path);
    let mut resolved = PathBuf::new();
    let mut links = 0;
    while let Some(c) = pending.pop_front() {
        if c == ".." {
            resolved.pop();
            continue;
        }
        let candidate = resolved.join(&c);
        let full = root.join(&candidate);
        match std::fs::symlink_metadata(&full) {
            Ok(m) if m.file_type().is_symlink() => {
                links += 1;
                if links > 40 {
                    return Err(std::io::Error::other(format!(
                        "{}: too many levels of symbolic links",
                        path.display()
                    )));
                }
                let target = std::fs::read_link(&full)?;
                if target.is_absolute() {
                    resolved = PathBuf::new();
                }
                let mut next = parts(&target);
                next.extend(pending);
                pending = next;
            }
            _ => resolved = candidate,
        }
    }
    Ok(root.join(resolved))
}

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
pub fn copy_up(from: &Path, to: &Path) -> Result<bool, String> {
    let err = |what: &str, p: &Path| {
        let p = p.display().to_string();
        let what = what.to_string();
        move |e: nix::Error| format!("copy-up: {what} {p}: {e}")
    };
    let src = match open_dir(from) {
        Ok(fd) => fd,
        // Nothing (or not a directory) in the image there: nothing to copy.
        Err(nix::Error::ENOENT) | Err(nix::Error::ENOTDIR) | Err(nix::Error::ELOOP) => {
            return Ok(false)
        }
        Err(e) => return Err(err("opening", from)(e)),
    };
    let dst = open_dir(to).map_err(err("opening", to))?;
    if !entries(dst.as_fd()).map_err(err("reading", to))?.is_empty() {
        return Ok(false);
    }
    copy_dir(src.as_fd(), dst.as_fd()).map_err(err("copying", from))?;
    let st = nix::sys::stat::fstat(&src).map_err(err("stat", from))?;
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
                nix::sys::stat::fchmodat(
                    dst,
                    name.as_os_str(),
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
pub fn chown_tree(root: &Path, uid: u32, gid: u32) -> Result<(), String> {
    let (u, g) = (Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)));
    let fd = match open_dir(root) {
        Ok(fd) => fd,
        Err(nix::Error::ENOTDIR) => {
            // A file bind-mounted on its own.
            return nix::unistd::chown(root, u, g)
                .map_err(|e| format!("chown {}: {e}", root.display()));
        }
        Err(e) => return Err(format!("chown {}: {e}", root.display())),
    };
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
    fchown(&fd, u, g).map_err(|e| format!("chown {}: {e}", root.display()))?;
    walk(fd.as_fd(), u, g).map_err(|e| format!("chown {}: {e}", root.display()))
}

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

/// A new mount namespace for this process, with every mount private.
pub fn private_mount_namespace() -> Result<(), String> {
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS)
        .map_err(|e| format!("unshare(CLONE_NEWNS): {e}"))?;
    make_root_private().map_err(|e| format!("making / private: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_stays_in_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("real/sub")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("abs")).unwrap();
        std::os::unix::fs::symlink("../../../../..", root.join("real/up")).unwrap();
        std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
        assert_eq!(
            resolve_in_root(root, Path::new("/abs/x")).unwrap(),
            root.join("etc/x")
        );
        assert_eq!(
            resolve_in_root(root, Path::new("/real/up/tmp")).unwrap(),
            root.join("tmp")
        );
        assert_eq!(
            resolve_in_root(root, Path::new("/../../x")).unwrap(),
            root.join("x")
        );
        assert_eq!(
            resolve_in_root(root, Path::new("/real/sub/new/deeper")).unwrap(),
            root.join("real/sub/new/deeper")
        );
        assert!(resolve_in_root(root, Path::new("/loop")).is_err());
    }

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
}
