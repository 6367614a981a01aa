//! Paths inside the container's root file system, resolved by the kernel as the container
//! will see them: `openat2(RESOLVE_IN_ROOT)` from a descriptor of the root, so a symlink in the
//! image (`/dev -> /tmp/x`, `/etc/hosts -> ../../host`) resolves inside the root and never
//! reaches the host's file system. Mounts then go through `/proc/self/fd/N` of the descriptor
//! (as runc does), so a path swapped after the check cannot redirect them.
use std::ffi::OsString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{openat, openat2, OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::{fstatat, mkdirat, Mode, SFlag};

/// What a mount point must be when it has to be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File,
}

/// Open the container's root (an `O_PATH` directory descriptor).
pub fn open_root(path: &Path) -> nix::Result<OwnedFd> {
    nix::fcntl::open(
        path,
        OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
}

/// The relative form of a container path (`/` is `.`), `..` kept (the kernel stops it at the
/// root).
fn rel_of(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => out.push(".."),
            _ => {}
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Open `path` (a container path) inside `root`; symlinks, a final one included, resolve
/// inside it. Magic links (`/proc/self/root`) are refused.
pub fn open(root: BorrowedFd<'_>, path: &Path, flags: OFlag) -> nix::Result<OwnedFd> {
    openat2(
        root,
        &rel_of(path),
        OpenHow::new()
            .flags(flags | OFlag::O_CLOEXEC)
            .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS),
    )
}

/// Open `path` inside `root` (symlinks resolve within it); `follow`: follow a final symlink
/// (else `O_NOFOLLOW`). Magic links are refused.
pub fn resolve(
    root: BorrowedFd<'_>,
    path: &Path,
    flags: OFlag,
    follow: bool,
) -> nix::Result<OwnedFd> {
    if follow {
        open(root, path, flags)
    } else {
        open(root, path, flags | OFlag::O_NOFOLLOW)
    }
}

/// Open `path` inside `root` refusing any symlink on the way (ELOOP), the final component
/// included: for `/proc` and `/sys`, which must be ordinary directories.
pub fn open_no_symlinks(root: BorrowedFd<'_>, path: &Path, flags: OFlag) -> nix::Result<OwnedFd> {
    openat2(
        root,
        &rel_of(path),
        OpenHow::new()
            .flags(flags | OFlag::O_CLOEXEC)
            .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_SYMLINKS),
    )
}

/// `/proc/self/fd/N` for a descriptor: the path that mount(2) and friends follow to exactly
/// the file the descriptor holds.
pub fn fd_path(fd: &OwnedFd) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

/// Resolve `path` inside `root`, creating what is missing (directories 0755; the last
/// component as `kind`, an empty 0644 file for a file), and return an `O_PATH` descriptor of
/// it. A dangling symlink on the way is followed (inside the root) and its target created, as
/// the container would find it.
pub fn make(root: BorrowedFd<'_>, path: &Path, kind: Kind) -> Result<OwnedFd, String> {
    let err = |what: &str, e: Errno| format!("{what} {}: {e}", path.display());
    let mut pending: PathBuf = rel_of(path);
    // Two short cuts for what the walk below would do in more steps (each step an openat2):
    // an existing mount point (`/proc`, `/dev`, `/sys`) is one resolution of the whole path,
    // the walk's own last step; a missing one whose parent directory exists (the device nodes
    // and `/dev/pts` in the new `/dev` tmpfs, `/etc/hosts`) is made in that parent, as the
    // walk makes it in the same directory. Anything else (a link at the end, an error) takes
    // the walk, which follows or reports it.
    let last_flags = match kind {
        Kind::Dir => OFlag::O_PATH | OFlag::O_DIRECTORY,
        Kind::File => OFlag::O_PATH,
    };
    match open(root, &pending, last_flags) {
        Ok(fd) => return Ok(fd),
        Err(Errno::ENOENT) => {
            if let Some(fd) = make_in_parent(root, &pending, kind, last_flags) {
                return Ok(fd);
            }
        }
        Err(_) => {}
    }
    let mut links = 0;
    'restart: loop {
        let comps: Vec<OsString> = pending
            .components()
            .filter_map(|c| match c {
                Component::Normal(n) => Some(n.to_os_string()),
                Component::ParentDir => Some(OsString::from("..")),
                _ => None,
            })
            .collect();
        let mut cur = open(root, Path::new("."), OFlag::O_PATH | OFlag::O_DIRECTORY)
            .map_err(|e| err("opening the root for", e))?;
        let mut prefix = PathBuf::new();
        for (i, name) in comps.iter().enumerate() {
            let last = i + 1 == comps.len();
            prefix.push(name);
            let want_dir = !last || kind == Kind::Dir;
            let mut flags = OFlag::O_PATH;
            if want_dir {
                flags |= OFlag::O_DIRECTORY;
            }
            match open(root, &prefix, flags) {
                Ok(fd) => {
                    cur = fd;
                    continue;
                }
                Err(Errno::ENOENT) => {}
                Err(e) => return Err(err("resolving", e)),
            }
            // Missing: either the name is not there, or it is a link to something missing.
            match fstatat(
                cur.as_fd(),
                name.as_os_str(),
                nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
            ) {
                Ok(st) if st.st_mode & SFlag::S_IFMT.bits() == SFlag::S_IFLNK.bits() => {
                    links += 1;
                    if links > 40 {
                        return Err(err("resolving", Errno::ELOOP));
                    }
                    let target = nix::fcntl::readlinkat(cur.as_fd(), name.as_os_str())
                        .map_err(|e| err("reading a link in", e))?;
                    let target = PathBuf::from(target);
                    let mut next = if target.is_absolute() {
                        rel_of(&target)
                    } else {
                        let mut p = prefix.parent().map(Path::to_path_buf).unwrap_or_default();
                        p.push(&target);
                        p
                    };
                    for rest in &comps[i + 1..] {
                        next.push(rest);
                    }
                    pending = next;
                    continue 'restart;
                }
                Ok(_) => return Err(err("resolving", Errno::ENOTDIR)),
                Err(Errno::ENOENT) => {}
                Err(e) => return Err(err("resolving", e)),
            }
            if want_dir {
                match mkdirat(
                    cur.as_fd(),
                    name.as_os_str(),
                    Mode::from_bits_truncate(0o755),
                ) {
                    Ok(()) | Err(Errno::EEXIST) => {}
                    Err(e) => return Err(err("creating", e)),
                }
            } else {
                match openat(
                    cur.as_fd(),
                    name.as_os_str(),
                    OFlag::O_WRONLY
                        | OFlag::O_CREAT
                        | OFlag::O_EXCL
                        | OFlag::O_NOFOLLOW
                        | OFlag::O_CLOEXEC,
                    Mode::from_bits_truncate(0o644),
                ) {
                    Ok(_) | Err(Errno::EEXIST) => {}
                    Err(e) => return Err(err("creating", e)),
                }
            }
            cur = openat(
                cur.as_fd(),
                name.as_os_str(),
                flags | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| err("opening", e))?;
        }
        return Ok(cur);
    }
}

/// [`make`]'s second short cut: `rel` (relative, missing) made in its parent directory when
/// that resolves and the name is free there; None for anything else (the walk decides).
fn make_in_parent(root: BorrowedFd<'_>, rel: &Path, kind: Kind, flags: OFlag) -> Option<OwnedFd> {
    let name = match rel.components().next_back()? {
        Component::Normal(n) => n,
        _ => return None,
    };
    let parent = rel.parent().filter(|p| !p.as_os_str().is_empty());
    let dir = open(
        root,
        parent.unwrap_or(Path::new(".")),
        OFlag::O_PATH | OFlag::O_DIRECTORY,
    )
    .ok()?;
    // Not there at all (a dangling link is there: the walk follows it).
    match fstatat(dir.as_fd(), name, nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW) {
        Err(Errno::ENOENT) => {}
        _ => return None,
    }
    let made = match kind {
        Kind::Dir => mkdirat(dir.as_fd(), name, Mode::from_bits_truncate(0o755)),
        Kind::File => openat(
            dir.as_fd(),
            name,
            OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::from_bits_truncate(0o644),
        )
        .map(drop),
    };
    match made {
        Ok(()) | Err(Errno::EEXIST) => {}
        Err(_) => return None,
    }
    openat(
        dir.as_fd(),
        name,
        flags | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_resolve_inside_the_root_and_targets_are_made_there() {
        let dir = tempfile::tempdir().unwrap();
        let root_path = dir.path().join("root");
        std::fs::create_dir(&root_path).unwrap();
        let outside = dir.path().join("outside");
        // An absolute link to the host's path, a dangling relative one, a loop.
        std::os::unix::fs::symlink(&outside, root_path.join("dev")).unwrap();
        std::os::unix::fs::symlink("../../missing/deeper", root_path.join("rel")).unwrap();
        std::os::unix::fs::symlink("loop", root_path.join("loop")).unwrap();
        let root = open_root(&root_path).unwrap();

        let fd = make(root.as_fd(), Path::new("/dev/null"), Kind::File).unwrap();
        let inside = root_path
            .join(outside.strip_prefix("/").unwrap())
            .join("null");
        assert!(inside.is_file(), "{}", inside.display());
        assert!(!outside.exists(), "created on the host side");
        assert_eq!(std::fs::read_link(fd_path(&fd)).unwrap(), inside);

        make(root.as_fd(), Path::new("/rel/x"), Kind::Dir).unwrap();
        assert!(root_path.join("missing/deeper/x").is_dir());
        assert!(make(root.as_fd(), Path::new("/loop/x"), Kind::Dir).is_err());

        std::fs::create_dir(root_path.join("proc")).unwrap();
        assert!(open_no_symlinks(root.as_fd(), Path::new("/proc"), OFlag::O_PATH).is_ok());
        assert_eq!(
            open_no_symlinks(root.as_fd(), Path::new("/dev"), OFlag::O_PATH).err(),
            Some(Errno::ELOOP)
        );
    }

    /// The short cuts of `make` give what the walk gives: an existing mount point as it is, a
    /// missing one made in its parent with the kind asked for, a dangling link at the end
    /// followed inside the root, a file where a directory is wanted refused.
    #[test]
    fn make_short_cuts_agree_with_the_walk() {
        let dir = tempfile::tempdir().unwrap();
        let root_path = dir.path().join("root");
        std::fs::create_dir_all(root_path.join("dev")).unwrap();
        std::fs::create_dir_all(root_path.join("etc")).unwrap();
        std::fs::write(root_path.join("etc/file"), "").unwrap();
        std::os::unix::fs::symlink("/elsewhere/hosts", root_path.join("etc/hosts")).unwrap();
        let root = open_root(&root_path).unwrap();
        let target = |fd: &OwnedFd| std::fs::read_link(fd_path(fd)).unwrap();

        let fd = make(root.as_fd(), Path::new("/dev"), Kind::Dir).unwrap();
        assert_eq!(target(&fd), root_path.join("dev"));
        let fd = make(root.as_fd(), Path::new("/dev/null"), Kind::File).unwrap();
        assert_eq!(target(&fd), root_path.join("dev/null"));
        assert!(root_path.join("dev/null").is_file());
        let fd = make(root.as_fd(), Path::new("/dev/pts"), Kind::Dir).unwrap();
        assert_eq!(target(&fd), root_path.join("dev/pts"));
        assert!(root_path.join("dev/pts").is_dir());
        // Deeper than an existing parent: the walk makes each level.
        make(root.as_fd(), Path::new("/a/b/c"), Kind::Dir).unwrap();
        assert!(root_path.join("a/b/c").is_dir());
        // A dangling link: its target is made inside the root, never on the host.
        let fd = make(root.as_fd(), Path::new("/etc/hosts"), Kind::File).unwrap();
        assert_eq!(target(&fd), root_path.join("elsewhere/hosts"));
        assert!(!Path::new("/elsewhere/hosts").exists());
        assert!(make(root.as_fd(), Path::new("/etc/file"), Kind::Dir).is_err());
        assert!(make(root.as_fd(), Path::new("/etc/file/x"), Kind::File).is_err());
    }
}
