//! `cp`: tar streams out of and into a directory tree treated as a root, never leaving it.
//!
//! Paths are resolved with `openat2(RESOLVE_IN_ROOT)`: a symlink planted in the tree (even an
//! absolute one, `escape -> /tmp`) resolves inside the root, as the container itself would see
//! it. Below the first resolved directory every step is an `*at` call on a directory
//! descriptor with `O_NOFOLLOW`, so the tree cannot be swapped for a link under our feet.
use std::ffi::{OsStr, OsString};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use nix::fcntl::{openat, openat2, OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::{fstat, fstatat, FileStat, Mode, SFlag};
use nix::unistd::{Gid, Uid};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CopyError {
    #[error("Could not find the file {0} in container")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
}

fn io_ctx(context: impl Into<String>) -> impl FnOnce(io::Error) -> CopyError {
    let context = context.into();
    move |source| CopyError::Io { context, source }
}

fn nix_ctx(context: impl Into<String>) -> impl FnOnce(nix::errno::Errno) -> CopyError {
    let context = context.into();
    move |e| CopyError::Io {
        context,
        source: io::Error::from(e),
    }
}

/// Who owns what `extract` creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// uid 0, gid 0 (docker's default for files copied into a container).
    Root,
    /// The ids in the tar headers (`-a` into a container).
    Keep,
    /// The ids in the tar headers where allowed, else the caller's (`-a` onto the host).
    KeepIfAllowed,
    /// The caller's (onto the host).
    Caller,
}

/// How the stream maps onto the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// docker's rules: the stream's top entry becomes the destination (or goes inside it, if
    /// the destination is an existing directory).
    Rebase,
    /// A tar from stdin: extracted as it is into the destination directory.
    Plain,
}

/// Open `path` inside `root` (symlinks resolve within it). `follow`: follow a final symlink.
pub use crate::sys::inroot::resolve;

/// Open a directory to serve as a root.
pub fn open_root(path: &Path) -> Result<OwnedFd, CopyError> {
    crate::sys::inroot::open_root(path).map_err(nix_ctx(format!("opening {}", path.display())))
}

fn kind(st: &FileStat) -> SFlag {
    SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits())
}

fn header_of(st: &FileStat) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_mode(st.st_mode & 0o7777);
    h.set_uid(st.st_uid as u64);
    h.set_gid(st.st_gid as u64);
    h.set_mtime(st.st_mtime.max(0) as u64);
    h.set_size(0);
    let k = kind(st);
    h.set_entry_type(if k == SFlag::S_IFDIR {
        tar::EntryType::Directory
    } else if k == SFlag::S_IFLNK {
        tar::EntryType::Symlink
    } else if k == SFlag::S_IFCHR {
        tar::EntryType::Char
    } else if k == SFlag::S_IFBLK {
        tar::EntryType::Block
    } else if k == SFlag::S_IFIFO {
        tar::EntryType::Fifo
    } else {
        tar::EntryType::Regular
    });
    if k == SFlag::S_IFCHR || k == SFlag::S_IFBLK {
        let _ = h.set_device_major(nix::sys::stat::major(st.st_rdev) as u32);
        let _ = h.set_device_minor(nix::sys::stat::minor(st.st_rdev) as u32);
    }
    h
}

/// The name the top entry of `cp`'s stream gets: the source's base name, or `.` for
/// `DIR/.` (its contents).
pub fn top_name(src: &str) -> OsString {
    if src.ends_with("/.") || src == "." {
        return ".".into();
    }
    Path::new(src)
        .file_name()
        .map(OsStr::to_os_string)
        .unwrap_or_else(|| ".".into())
}

struct Archiver<W: Write> {
    tw: tar::Builder<W>,
    links: std::collections::HashMap<(u64, u64), PathBuf>,
}

/// Write a tar of `src` (inside `root`) to `out`, its top entry named [`top_name`].
/// `follow`: follow `src` itself if it is a symlink (`-L`).
pub fn archive<W: Write>(
    root: BorrowedFd<'_>,
    src: &str,
    follow: bool,
    out: W,
) -> Result<W, CopyError> {
    let path = Path::new(src);
    let name = PathBuf::from(top_name(src));
    let top = resolve(root, path, OFlag::O_PATH, follow).map_err(|e| match e {
        nix::errno::Errno::ENOENT | nix::errno::Errno::ENOTDIR => {
            CopyError::NotFound(src.to_string())
        }
        e => nix_ctx(format!("opening {src}"))(e),
    })?;
    let st = fstat(&top).map_err(nix_ctx(format!("stat {src}")))?;
    let mut a = Archiver {
        tw: tar::Builder::new(out),
        links: Default::default(),
    };
    let k = kind(&st);
    if k == SFlag::S_IFDIR {
        let dir = openat(
            &top,
            ".",
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(nix_ctx(format!("opening {src}")))?;
        a.add(&name, &st, None, None)?;
        a.walk(dir, &name)?;
    } else if k == SFlag::S_IFREG {
        let f = resolve(
            root,
            path,
            OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_NOCTTY,
            follow,
        )
        .map_err(nix_ctx(format!("opening {src}")))?;
        let st2 = fstat(&f).map_err(nix_ctx(format!("stat {src}")))?;
        if (st2.st_dev, st2.st_ino) != (st.st_dev, st.st_ino) {
            return Err(CopyError::Invalid(format!("{src} changed while copying")));
        }
        a.add(&name, &st2, Some(f), None)?;
    } else if k == SFlag::S_IFLNK {
        let target =
            nix::fcntl::readlinkat(&top, "").map_err(nix_ctx(format!("reading the link {src}")))?;
        a.add(&name, &st, None, Some(PathBuf::from(target)))?;
    } else {
        a.add(&name, &st, None, None)?;
    }
    a.tw.into_inner().map_err(io_ctx("writing the archive"))
}

impl<W: Write> Archiver<W> {
    fn add(
        &mut self,
        name: &Path,
        st: &FileStat,
        file: Option<OwnedFd>,
        link: Option<PathBuf>,
    ) -> Result<(), CopyError> {
        let mut h = header_of(st);
        let ctx = || format!("archiving {}", name.display());
        if let Some(target) = link {
            return self
                .tw
                .append_link(&mut h, name, target)
                .map_err(io_ctx(ctx()));
        }
        match file {
            Some(f) => {
                if st.st_nlink > 1 {
                    let key = (st.st_dev, st.st_ino);
                    if let Some(first) = self.links.get(&key).cloned() {
                        h.set_entry_type(tar::EntryType::Link);
                        return self
                            .tw
                            .append_link(&mut h, name, first)
                            .map_err(io_ctx(ctx()));
                    }
                    self.links.insert(key, name.to_path_buf());
                }
                let size = st.st_size.max(0) as u64;
                h.set_size(size);
                // A file that shrinks meanwhile is padded with zeros (the header is written).
                let reader = std::fs::File::from(f).take(size).chain(io::repeat(0));
                self.tw
                    .append_data(&mut h, name, reader.take(size))
                    .map_err(io_ctx(ctx()))
            }
            None => self
                .tw
                .append_data(&mut h, name, io::empty())
                .map_err(io_ctx(ctx())),
        }
    }

    fn walk(&mut self, dir: OwnedFd, prefix: &Path) -> Result<(), CopyError> {
        // /proc and /sys of a running container are not its files.
        if let Ok(sfs) = nix::sys::statfs::fstatfs(&dir) {
            let t = sfs.filesystem_type();
            if t == nix::sys::statfs::PROC_SUPER_MAGIC || t == nix::sys::statfs::SYSFS_MAGIC {
                return Ok(());
            }
        }
        let ctx = || format!("reading {}", prefix.display());
        let mut names: Vec<OsString> = {
            let dup = dir.try_clone().map_err(io_ctx(ctx()))?;
            let mut d = nix::dir::Dir::from_fd(dup).map_err(nix_ctx(ctx()))?;
            d.iter()
                .filter_map(|e| e.ok())
                .map(|e| OsStr::from_bytes(e.file_name().to_bytes()).to_os_string())
                .filter(|n| n != "." && n != "..")
                .collect()
        };
        names.sort();
        for n in names {
            let child = prefix.join(&n);
            let cctx = || format!("reading {}", child.display());
            let st = match fstatat(
                &dir,
                n.as_os_str(),
                nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
            ) {
                Ok(st) => st,
                Err(nix::errno::Errno::ENOENT) => continue, // removed meanwhile
                Err(e) => return Err(nix_ctx(cctx())(e)),
            };
            let k = kind(&st);
            if k == SFlag::S_IFDIR {
                let sub = openat(
                    &dir,
                    n.as_os_str(),
                    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(nix_ctx(cctx()))?;
                self.add(&child, &st, None, None)?;
                self.walk(sub, &child)?;
            } else if k == SFlag::S_IFREG {
                let f = openat(
                    &dir,
                    n.as_os_str(),
                    OFlag::O_RDONLY
                        | OFlag::O_NOFOLLOW
                        | OFlag::O_NONBLOCK
                        | OFlag::O_NOCTTY
                        | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(nix_ctx(cctx()))?;
                let st = fstat(&f).map_err(nix_ctx(cctx()))?;
                self.add(&child, &st, Some(f), None)?;
            } else if k == SFlag::S_IFLNK {
                let target =
                    nix::fcntl::readlinkat(&dir, n.as_os_str()).map_err(nix_ctx(cctx()))?;
                self.add(&child, &st, None, Some(PathBuf::from(target)))?;
            } else {
                self.add(&child, &st, None, None)?;
            }
        }
        Ok(())
    }
}

/// Lexically normalise a tar entry name; None when it leaves the root.
fn normalise(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => out.pop().then_some(())?,
            _ => {}
        }
    }
    Some(out)
}

fn is_dir_fd(fd: BorrowedFd<'_>) -> bool {
    fstat(fd).is_ok_and(|st| kind(&st) == SFlag::S_IFDIR)
}

/// Extract a tar stream at `dest` inside `root`, following docker's `cp` rules (`layout`).
/// Every entry lands below the destination directory, whatever links the stream or the tree
/// holds.
pub fn extract<R: Read>(
    root: BorrowedFd<'_>,
    dest: &str,
    layout: Layout,
    owner: Owner,
    input: R,
) -> Result<(), CopyError> {
    let mut ar = tar::Archive::new(input);
    let mut entries = ar
        .entries()
        .map_err(io_ctx("reading the archive"))?
        .peekable();
    let dest_path = Path::new(dest);
    let existing = resolve(root, dest_path, OFlag::O_PATH, true).ok();
    let dest_is_dir = existing.as_ref().is_some_and(|f| is_dir_fd(f.as_fd()));
    let no_dir = || CopyError::Invalid(format!("no such directory: {dest}"));

    // (base directory, name replacing the stream's top entry, whether the top is `.`)
    let (base, rename, contents): (OwnedFd, Option<OsString>, bool) = match layout {
        Layout::Plain => {
            let fd = existing.filter(|_| dest_is_dir).ok_or_else(no_dir)?;
            (fd, None, true)
        }
        Layout::Rebase => {
            let (top, top_is_dir) = match entries.peek() {
                Some(Ok(e)) => {
                    let p = e.path().map_err(io_ctx("reading the archive"))?;
                    let n = normalise(&p).unwrap_or_default();
                    let top = n.components().next().map(|c| c.as_os_str().to_os_string());
                    (top, e.header().entry_type().is_dir())
                }
                Some(Err(_)) | None => (None, false),
            };
            let contents = top.is_none();
            if dest_is_dir {
                (existing.ok_or_else(no_dir)?, None, contents)
            } else {
                if existing.is_some() && top_is_dir {
                    return Err(CopyError::Invalid(format!(
                        "cannot copy a directory to the file {dest}"
                    )));
                }
                if existing.is_none() && dest.ends_with('/') && !top_is_dir {
                    return Err(no_dir());
                }
                let parent = dest_path.parent().unwrap_or(Path::new("/"));
                let name = dest_path
                    .file_name()
                    .map(OsStr::to_os_string)
                    .ok_or_else(no_dir)?;
                let fd = resolve(root, parent, OFlag::O_PATH | OFlag::O_DIRECTORY, true)
                    .map_err(|_| no_dir())?;
                (fd, Some(name), contents)
            }
        }
    };
    let mut x = Extractor {
        base,
        owner,
        dir_times: Vec::new(),
    };
    for entry in entries {
        let mut entry = entry.map_err(io_ctx("reading the archive"))?;
        let raw = entry
            .path()
            .map_err(io_ctx("reading the archive"))?
            .into_owned();
        let norm = normalise(&raw).ok_or_else(|| {
            CopyError::Invalid(format!(
                "archive entry {} leaves the destination",
                raw.display()
            ))
        })?;
        let target = if contents {
            match &rename {
                Some(r) => Path::new(r).join(&norm),
                None => norm,
            }
        } else {
            let mut comps = norm.components();
            let first = comps.next();
            let rest = comps.as_path().to_path_buf();
            match (&rename, first) {
                (Some(r), Some(_)) => Path::new(r).join(rest),
                (None, Some(f)) => Path::new(f.as_os_str()).join(rest),
                (_, None) => PathBuf::new(),
            }
        };
        if target.as_os_str().is_empty() {
            continue; // the destination directory itself: left as it is
        }
        x.entry(&mut entry, &target)?;
    }
    for (path, mtime) in x.dir_times.iter().rev() {
        if let Ok(fd) = resolve(x.base.as_fd(), path, OFlag::O_PATH, false) {
            let t = nix::sys::time::TimeSpec::new(*mtime as i64, 0);
            let _ = nix::sys::stat::utimensat(
                &fd,
                "",
                &t,
                &t,
                nix::sys::stat::UtimensatFlags::NoFollowSymlink,
            )
            .or_else(|_| {
                // utimensat on an O_PATH descriptor needs AT_EMPTY_PATH: reopen the directory.
                openat(&fd, ".", OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty())
                    .and_then(|d| nix::sys::stat::futimens(&d, &t, &t))
            });
        }
    }
    Ok(())
}

struct Extractor {
    base: OwnedFd,
    owner: Owner,
    dir_times: Vec<(PathBuf, u64)>,
}

impl Extractor {
    /// The directory that will hold `rel`, created (0755) where missing, inside `base`.
    fn parent_dir(&self, rel: &Path) -> Result<OwnedFd, CopyError> {
        let parent = rel.parent().unwrap_or(Path::new(""));
        let mut cur = resolve(
            self.base.as_fd(),
            Path::new("."),
            OFlag::O_PATH | OFlag::O_DIRECTORY,
            true,
        )
        .map_err(nix_ctx("opening the destination"))?;
        for c in parent.components() {
            let name = c.as_os_str();
            let next = openat2(
                &cur,
                name,
                OpenHow::new()
                    .flags(OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC)
                    .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS),
            );
            cur = match next {
                Ok(fd) => fd,
                Err(nix::errno::Errno::ENOENT) => {
                    nix::sys::stat::mkdirat(&cur, name, Mode::from_bits_truncate(0o755))
                        .map_err(nix_ctx(format!("creating {}", parent.display())))?;
                    openat(
                        &cur,
                        name,
                        OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                        Mode::empty(),
                    )
                    .map_err(nix_ctx(format!("opening {}", parent.display())))?
                }
                Err(e) => return Err(nix_ctx(format!("opening {}", parent.display()))(e)),
            };
        }
        // Resolving each step inside the previous one keeps us below `base`, but a link in the
        // middle could still point to `base`'s own parents if resolved from `base` later: the
        // descriptor we hold is what counts from here on.
        Ok(cur)
    }

    fn ids(&self, h: &tar::Header) -> Option<(u32, u32)> {
        match self.owner {
            Owner::Root => Some((0, 0)),
            Owner::Keep | Owner::KeepIfAllowed => {
                Some((h.uid().unwrap_or(0) as u32, h.gid().unwrap_or(0) as u32))
            }
            Owner::Caller => None,
        }
    }

    fn chown_at(&self, dir: &OwnedFd, name: &OsStr, h: &tar::Header) -> Result<(), CopyError> {
        let Some((u, g)) = self.ids(h) else {
            return Ok(());
        };
        let r = nix::unistd::fchownat(
            dir,
            name,
            Some(Uid::from_raw(u)),
            Some(Gid::from_raw(g)),
            nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
        );
        match r {
            Ok(()) => Ok(()),
            Err(_) if self.owner == Owner::KeepIfAllowed => Ok(()),
            Err(e) => Err(nix_ctx(format!("chown {}", Path::new(name).display()))(e)),
        }
    }

    fn entry<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        rel: &Path,
    ) -> Result<(), CopyError> {
        let h = entry.header().clone();
        let kind = h.entry_type();
        if matches!(
            kind,
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader
        ) {
            return Ok(());
        }
        let ctx = || rel.display().to_string();
        let name = rel
            .file_name()
            .ok_or_else(|| CopyError::Invalid(format!("bad archive entry {}", ctx())))?
            .to_os_string();
        let dir = self.parent_dir(rel)?;
        let mode = Mode::from_bits_truncate(h.mode().unwrap_or(0o644) & 0o7777);
        let mtime = h.mtime().unwrap_or(0);
        // What is there already: a directory stays for a directory; anything else goes.
        match fstatat(
            &dir,
            name.as_os_str(),
            nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
        ) {
            Ok(st) if self::kind(&st) == SFlag::S_IFDIR => {
                if !kind.is_dir() {
                    return Err(CopyError::Invalid(format!(
                        "cannot overwrite directory {} with non-directory",
                        ctx()
                    )));
                }
            }
            Ok(_) => nix::unistd::unlinkat(
                &dir,
                name.as_os_str(),
                nix::unistd::UnlinkatFlags::NoRemoveDir,
            )
            .map_err(nix_ctx(format!("replacing {}", ctx())))?,
            Err(_) => {}
        }
        match kind {
            tar::EntryType::Directory => {
                match nix::sys::stat::mkdirat(
                    &dir,
                    name.as_os_str(),
                    Mode::from_bits_truncate(0o700),
                ) {
                    Ok(()) | Err(nix::errno::Errno::EEXIST) => {}
                    Err(e) => return Err(nix_ctx(format!("creating {}", ctx()))(e)),
                }
                self.chown_at(&dir, &name, &h)?;
                nix::sys::stat::fchmodat(
                    &dir,
                    name.as_os_str(),
                    mode,
                    nix::sys::stat::FchmodatFlags::FollowSymlink,
                )
                .map_err(nix_ctx(format!("chmod {}", ctx())))?;
                self.dir_times.push((rel.to_path_buf(), mtime));
            }
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                let fd = openat(
                    &dir,
                    name.as_os_str(),
                    OFlag::O_WRONLY
                        | OFlag::O_CREAT
                        | OFlag::O_EXCL
                        | OFlag::O_NOFOLLOW
                        | OFlag::O_CLOEXEC,
                    Mode::from_bits_truncate(0o600),
                )
                .map_err(nix_ctx(format!("creating {}", ctx())))?;
                let mut f = std::fs::File::from(fd);
                io::copy(entry, &mut f).map_err(io_ctx(format!("writing {}", ctx())))?;
                if let Some((u, g)) = self.ids(&h) {
                    let r = nix::unistd::fchown(&f, Some(Uid::from_raw(u)), Some(Gid::from_raw(g)));
                    if r.is_err() && self.owner != Owner::KeepIfAllowed {
                        r.map_err(nix_ctx(format!("chown {}", ctx())))?;
                    }
                }
                nix::sys::stat::fchmod(&f, mode).map_err(nix_ctx(format!("chmod {}", ctx())))?;
                let t = nix::sys::time::TimeSpec::new(mtime as i64, 0);
                let _ = nix::sys::stat::futimens(&f, &t, &t);
            }
            tar::EntryType::Symlink => {
                let target = entry.link_name().map_err(io_ctx(ctx()))?.ok_or_else(|| {
                    CopyError::Invalid(format!("symlink {} has no target", ctx()))
                })?;
                nix::unistd::symlinkat(target.as_ref(), &dir, name.as_os_str())
                    .map_err(nix_ctx(format!("creating {}", ctx())))?;
                self.chown_at(&dir, &name, &h)?;
                let t = nix::sys::time::TimeSpec::new(mtime as i64, 0);
                let _ = nix::sys::stat::utimensat(
                    &dir,
                    name.as_os_str(),
                    &t,
                    &t,
                    nix::sys::stat::UtimensatFlags::NoFollowSymlink,
                );
            }
            tar::EntryType::Link => {
                let target = entry
                    .link_name()
                    .map_err(io_ctx(ctx()))?
                    .ok_or_else(|| CopyError::Invalid(format!("link {} has no target", ctx())))?;
                let t = normalise(&target).ok_or_else(|| {
                    CopyError::Invalid(format!("link {} leaves the destination", ctx()))
                })?;
                // The link target was written by this stream: the same mapping applies, so
                // look it up by the name the stream gave it, relative to the top.
                let t = self.map_link(rel, &t);
                let tdir = self.parent_dir(&t)?;
                let tname = t.file_name().unwrap_or_default().to_os_string();
                nix::unistd::linkat(
                    &tdir,
                    tname.as_os_str(),
                    &dir,
                    name.as_os_str(),
                    nix::fcntl::AtFlags::empty(),
                )
                .map_err(nix_ctx(format!("linking {}", ctx())))?;
            }
            tar::EntryType::Fifo | tar::EntryType::Char | tar::EntryType::Block => {
                let (sflag, dev) = match kind {
                    tar::EntryType::Fifo => (SFlag::S_IFIFO, 0),
                    t => (
                        if t == tar::EntryType::Char {
                            SFlag::S_IFCHR
                        } else {
                            SFlag::S_IFBLK
                        },
                        nix::sys::stat::makedev(
                            h.device_major().ok().flatten().unwrap_or(0) as u64,
                            h.device_minor().ok().flatten().unwrap_or(0) as u64,
                        ),
                    ),
                };
                nix::sys::stat::mknodat(&dir, name.as_os_str(), sflag, mode, dev)
                    .map_err(nix_ctx(format!("creating {}", ctx())))?;
                self.chown_at(&dir, &name, &h)?;
            }
            other => {
                tracing::debug!("skipping archive entry {} of type {other:?}", ctx());
            }
        }
        Ok(())
    }

    /// A hard link's target names an entry of the same stream: give it the same first
    /// component as the link itself has (the stream's top, possibly renamed).
    fn map_link(&self, link: &Path, target: &Path) -> PathBuf {
        let mut lc = link.components();
        let mut tc = target.components();
        match (lc.next(), tc.next()) {
            (Some(first), Some(_)) if link.components().count() > 1 => {
                Path::new(first.as_os_str()).join(tc.as_path())
            }
            _ => target.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_stays_inside() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        std::fs::create_dir_all(root.join("data/sub")).unwrap();
        std::fs::write(root.join("data/sub/f"), "hello").unwrap();
        std::os::unix::fs::symlink("/tmp", root.join("escape")).unwrap();
        let rfd = open_root(&root).unwrap();
        let tar = archive(rfd.as_fd(), "/data", false, Vec::new()).unwrap();
        // Into the planted link: lands in root/tmp, never in the real /tmp.
        std::fs::create_dir_all(root.join("tmp")).unwrap();
        extract(
            rfd.as_fd(),
            "/escape/copy",
            Layout::Rebase,
            Owner::Caller,
            &tar[..],
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(root.join("tmp/copy/sub/f")).unwrap(),
            "hello"
        );
        assert!(!Path::new("/tmp/copy/sub/f").exists() || Path::new("/tmp/copy").is_dir());
        // Into an existing directory: goes inside it under its own name.
        extract(rfd.as_fd(), "/tmp", Layout::Rebase, Owner::Caller, &tar[..]).unwrap();
        assert!(root.join("tmp/data/sub/f").is_file());
        // A file onto a missing name: renamed.
        let tar = archive(rfd.as_fd(), "/data/sub/f", false, Vec::new()).unwrap();
        extract(rfd.as_fd(), "/g", Layout::Rebase, Owner::Caller, &tar[..]).unwrap();
        assert_eq!(std::fs::read_to_string(root.join("g")).unwrap(), "hello");
        // Contents of a directory (`dir/.`) into a new directory.
        let tar = archive(rfd.as_fd(), "/data/.", false, Vec::new()).unwrap();
        extract(rfd.as_fd(), "/new", Layout::Rebase, Owner::Caller, &tar[..]).unwrap();
        assert!(root.join("new/sub/f").is_file());
    }

    #[test]
    fn hostile_stream_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        std::fs::create_dir_all(&root).unwrap();
        let outside = t.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        // link -> ../outside, then link/x: must not land in `outside`.
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_size(0);
        b.append_data(&mut h, "top", io::empty()).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, "top/link", outside.to_str().unwrap())
            .unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_size(1);
        b.append_data(&mut h, "top/link/x", &b"x"[..]).unwrap();
        let tar = b.into_inner().unwrap();
        let rfd = open_root(&root).unwrap();
        let _ = extract(rfd.as_fd(), "/", Layout::Rebase, Owner::Caller, &tar[..]);
        assert!(!outside.join("x").exists());
    }
}
