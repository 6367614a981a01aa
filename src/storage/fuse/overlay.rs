//! The overlay file system proper: merged lookups and listings over the layers, copy-up,
//! whiteouts and opaque directories, answered to the kernel through `fuser`.
//!
//! Layer 0 is the upper directory, layers 1.. the lower ones, top first. A node (one FUSE
//! inode) is one underlying file: its number comes from the underlying (device, inode)
//! pair, so all names of a hard-linked file are one node, and a copy-up records the upper
//! file's pair as an alias of the original number, so `st_ino` never changes while mounted.
//!
//! Locking: `tree` is taken for writing by everything that changes the layers' directory
//! trees (create, remove, rename, copy-up) and for reading by lookups and listings; `table`
//! (the nodes) is only held for short, non-blocking sections. File data goes through open
//! file handles and takes neither.
//!
//! Path safety: the container changes names through this server only, so a node's path is
//! only trusted while `tree` is held, and every operation on a node's path (open, chmod,
//! chown, truncate, utimens, xattrs) runs under it. It also goes through [`Overlay::pin`]:
//! `openat2` from the layer's root descriptor with `RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
//! RESOLVE_NO_SYMLINKS` and `O_NOFOLLOW`, so no symlink (one a container thread renamed into
//! place, say) is ever followed onto the host's files; the pinned descriptor is then
//! changed through `AT_EMPTY_PATH` or its `/proc/self/fd` name, never by path again.

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::fs::{File, Metadata};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, FileExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fuser::{
    BackingId, Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo,
    InitFlags, KernelConfig, OpenAccMode, OpenFlags, RenameFlags, ReplyAttr, ReplyCreate,
    ReplyData, ReplyDirectory, ReplyDirectoryPlus, ReplyEmpty, ReplyEntry, ReplyOpen, ReplyStatfs,
    ReplyWrite, ReplyXattr, Request, TimeOrNow, WriteFlags,
};
use nix::fcntl::{OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::{Mode, SFlag, UtimensatFlags};
use nix::sys::time::TimeSpec;

use super::layers::{
    filter_xattr_list, is_opaque, is_overlay_xattr, is_whiteout, synth_ino, valid_name,
};
use super::OverlayDirs;

/// Only the container writes below the mount, so the kernel may cache names and attributes
/// for as long as it likes.
const TTL: Duration = Duration::from_secs(86_400);
const ROOT: u64 = 1;
const MAX_IO: u32 = 1 << 20;

type Res<T> = Result<T, Errno>;

thread_local! {
    static READ_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn errno(e: io::Error) -> Errno {
    Errno::from_i32(e.raw_os_error().unwrap_or(libc::EIO))
}

fn nerr(e: nix::errno::Errno) -> Errno {
    Errno::from_i32(e as i32)
}

/// Lock a mutex, carrying on with the data if a panicking thread poisoned it.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What a name resolves to in the merged view.
struct Found {
    /// The layers the entry comes from, top first: one for a non-directory, every merged
    /// layer for a directory.
    layers: Vec<u16>,
    /// Metadata of the topmost one.
    meta: Metadata,
}

impl Found {
    fn top(&self) -> u16 {
        self.layers.first().copied().unwrap_or(0)
    }
}

struct Node {
    layers: Vec<u16>,
    is_dir: bool,
    /// The names it was looked up by: (parent node, name).
    names: Vec<(u64, OsString)>,
    nlookup: u64,
}

#[derive(Default)]
struct Table {
    nodes: HashMap<u64, Node>,
    /// Underlying (dev, ino) of copied-up files and directories → their original number.
    alias: HashMap<(u64, u64), u64>,
}

/// An open file.
struct Handle {
    file: Arc<File>,
    ino: u64,
    passthrough: bool,
    in_upper: bool,
}

/// How an inode is open: the kernel wants every open of an inode either cached or passed
/// through to one and the same backing file.
#[derive(Default)]
struct OpenState {
    cached: u32,
    passthrough: u32,
    backing: Option<Arc<BackingId>>,
}

/// One entry of a merged directory listing.
struct DirEnt {
    name: OsString,
    ino: u64,
    kind: FileType,
    /// The layer the entry was listed from.
    layer: u16,
}

pub struct Overlay {
    /// 0 = upper, 1.. = lowers top first.
    roots: Vec<PathBuf>,
    /// The same directories, opened (`O_PATH`): [`Overlay::pin`] resolves below them.
    root_fds: Vec<OwnedFd>,
    work: PathBuf,
    opaque_xattr: String,
    /// Known devices; index 0 is the upper directory's.
    devs: Mutex<Vec<u64>>,
    table: Mutex<Table>,
    tree: RwLock<()>,
    files: RwLock<HashMap<u64, Handle>>,
    opens: Mutex<HashMap<u64, OpenState>>,
    /// Kernel passthrough of reads and writes to upper files: negotiated at init, turned off
    /// for good if the kernel refuses a backing file (it needs CAP_SYS_ADMIN in the initial
    /// user namespace, so rootless mounts never get it).
    passthrough: AtomicBool,
    dirs: Mutex<HashMap<u64, Arc<Vec<DirEnt>>>>,
    next_fh: AtomicU64,
    next_tmp: AtomicU64,
}

fn file_type(ft: std::fs::FileType) -> FileType {
    FileType::from_std(ft).unwrap_or(FileType::RegularFile)
}

fn systime(secs: i64, nsecs: i64) -> SystemTime {
    let ns = u32::try_from(nsecs).unwrap_or(0);
    if secs >= 0 {
        UNIX_EPOCH + Duration::new(secs.unsigned_abs(), ns)
    } else {
        UNIX_EPOCH - Duration::new(secs.unsigned_abs(), 0) + Duration::new(0, ns)
    }
}

fn timespec(t: Option<TimeOrNow>) -> TimeSpec {
    match t {
        None => TimeSpec::UTIME_OMIT,
        Some(TimeOrNow::Now) => TimeSpec::UTIME_NOW,
        Some(TimeOrNow::SpecificTime(st)) => match st.duration_since(UNIX_EPOCH) {
            Ok(d) => TimeSpec::from_duration(d),
            Err(e) => {
                let d = e.duration();
                TimeSpec::new(
                    -i64::try_from(d.as_secs()).unwrap_or(0),
                    i64::from(d.subsec_nanos()),
                )
            }
        },
    }
}

/// The `/proc/self/fd` name of a pinned descriptor: resolving it lands on the descriptor's
/// file itself (even a symlink), whatever happened to its path since.
fn fd_path(fd: &OwnedFd) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

fn lstat(p: &Path) -> Res<Metadata> {
    std::fs::symlink_metadata(p).map_err(errno)
}

/// Does the name exist at all on disk (any type, whiteouts included)?
fn lexists(p: &Path) -> Option<Metadata> {
    std::fs::symlink_metadata(p).ok()
}

fn set_times(p: &Path, meta: &Metadata) -> Res<()> {
    let at = TimeSpec::new(meta.atime(), meta.atime_nsec());
    let mt = TimeSpec::new(meta.mtime(), meta.mtime_nsec());
    nix::sys::stat::utimensat(
        nix::fcntl::AT_FDCWD,
        p,
        &at,
        &mt,
        UtimensatFlags::NoFollowSymlink,
    )
    .map_err(nerr)
}

fn chown(p: &Path, uid: Option<u32>, gid: Option<u32>) -> Res<()> {
    std::os::unix::fs::lchown(p, uid, gid).map_err(errno)
}

fn chmod(p: &Path, mode: u32) -> Res<()> {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode & 0o7777)).map_err(errno)
}

/// Copy ownership, mode and extended attributes (not the overlay's own) from `meta`/`src`
/// to `dst`. Times are the caller's: they change again when `dst` is renamed or filled.
fn copy_meta(src: &Path, dst: &Path, meta: &Metadata) -> Res<()> {
    // chown first: it clears set-id bits and file capabilities, which are restored below.
    chown(dst, Some(meta.uid()), Some(meta.gid()))?;
    if !meta.file_type().is_symlink() {
        chmod(dst, meta.mode())?;
    }
    if let Ok(names) = xattr::list(src) {
        for name in names {
            if is_overlay_xattr(&name) {
                continue;
            }
            if let Ok(Some(value)) = xattr::get(src, &name) {
                xattr::set(dst, &name, &value).map_err(errno)?;
            }
        }
    }
    Ok(())
}

impl Overlay {
    pub fn new(dirs: OverlayDirs) -> io::Result<Self> {
        let upper_meta = std::fs::metadata(&dirs.upper).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("upper directory {}: {e}", dirs.upper.display()),
            )
        })?;
        for l in &dirs.lowers {
            std::fs::metadata(l).map_err(|e| {
                io::Error::new(e.kind(), format!("lower directory {}: {e}", l.display()))
            })?;
        }
        std::fs::create_dir_all(&dirs.work)?;
        // Leftovers of an interrupted copy-up.
        if let Ok(rd) = std::fs::read_dir(&dirs.work) {
            for e in rd.flatten() {
                if e.file_name().as_bytes().starts_with(b"skiff-cu-") {
                    let p = e.path();
                    let _ = std::fs::remove_dir_all(&p).or_else(|_| std::fs::remove_file(&p));
                }
            }
        }
        let mut roots = vec![dirs.upper.clone()];
        roots.extend(dirs.lowers.iter().cloned());
        let n = u16::try_from(roots.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "too many layers"))?;
        let root_fds = roots
            .iter()
            .map(|r| {
                nix::fcntl::open(
                    r,
                    OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(io::Error::from)
            })
            .collect::<io::Result<Vec<_>>>()?;
        let mut table = Table::default();
        table.nodes.insert(
            ROOT,
            Node {
                layers: (0..n).collect(),
                is_dir: true,
                names: Vec::new(),
                nlookup: 1,
            },
        );
        table
            .alias
            .insert((upper_meta.dev(), upper_meta.ino()), ROOT);
        Ok(Overlay {
            roots,
            root_fds,
            work: dirs.work,
            opaque_xattr: dirs.opaque_xattr,
            devs: Mutex::new(vec![upper_meta.dev()]),
            table: Mutex::new(table),
            tree: RwLock::new(()),
            files: RwLock::new(HashMap::new()),
            opens: Mutex::new(HashMap::new()),
            passthrough: AtomicBool::new(false),
            dirs: Mutex::new(HashMap::new()),
            next_fh: AtomicU64::new(1),
            next_tmp: AtomicU64::new(1),
        })
    }

    fn real(&self, layer: u16, rel: &Path) -> PathBuf {
        let root = &self.roots[usize::from(layer)];
        if rel.as_os_str().is_empty() {
            root.clone()
        } else {
            root.join(rel)
        }
    }

    fn upper(&self, rel: &Path) -> PathBuf {
        self.real(0, rel)
    }

    /// Open `rel` of layer `layer` with `flags`, following no symlink at all (not even the
    /// last component) and never leaving the layer: see the module's "Path safety". Call it
    /// with `tree` held, so `rel` still names the node it was computed for.
    fn pin(&self, layer: u16, rel: &Path, flags: OFlag) -> Res<OwnedFd> {
        let root = self.root_fds.get(usize::from(layer)).ok_or(Errno::EIO)?;
        let rel: &Path = if rel.as_os_str().is_empty() {
            Path::new(".")
        } else {
            rel
        };
        nix::fcntl::openat2(
            root,
            rel,
            OpenHow::new()
                .flags(flags | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC)
                .resolve(
                    ResolveFlag::RESOLVE_IN_ROOT
                        | ResolveFlag::RESOLVE_NO_MAGICLINKS
                        | ResolveFlag::RESOLVE_NO_SYMLINKS,
                ),
        )
        .map_err(nerr)
    }

    fn tmp_path(&self) -> PathBuf {
        let n = self.next_tmp.fetch_add(1, Ordering::Relaxed);
        self.work
            .join(format!("skiff-cu-{}-{n}", std::process::id()))
    }

    fn dev_index(&self, dev: u64) -> u64 {
        let mut devs = lock(&self.devs);
        if let Some(i) = devs.iter().position(|d| *d == dev) {
            return i as u64;
        }
        devs.push(dev);
        (devs.len() - 1) as u64
    }

    fn ino_of(&self, table: &Table, dev: u64, ino: u64) -> u64 {
        if let Some(n) = table.alias.get(&(dev, ino)) {
            return *n;
        }
        synth_ino(self.dev_index(dev), ino)
    }

    fn path_of(table: &Table, id: u64) -> Option<PathBuf> {
        if id == ROOT {
            return Some(PathBuf::new());
        }
        let node = table.nodes.get(&id)?;
        for (parent, name) in &node.names {
            if *parent == id {
                continue;
            }
            let mut depth = 0;
            let mut parts = vec![name.as_os_str()];
            let mut cur = *parent;
            let mut ok = true;
            while cur != ROOT {
                depth += 1;
                let Some(p) = table.nodes.get(&cur) else {
                    ok = false;
                    break;
                };
                let Some((pp, pn)) = p.names.first() else {
                    ok = false;
                    break;
                };
                if depth > 4096 {
                    ok = false;
                    break;
                }
                parts.push(pn.as_os_str());
                cur = *pp;
            }
            if ok {
                let mut path = PathBuf::new();
                for part in parts.iter().rev() {
                    path.push(part);
                }
                return Some(path);
            }
        }
        None
    }

    /// Merged path and layers of a node.
    fn locate(&self, id: u64) -> Res<(PathBuf, Vec<u16>, bool)> {
        let table = lock(&self.table);
        let node = table.nodes.get(&id).ok_or(Errno::ESTALE)?;
        let path = Self::path_of(&table, id).ok_or(Errno::ESTALE)?;
        Ok((path, node.layers.clone(), node.is_dir))
    }

    /// Resolve `name` in the merged directory `dir` made of `layers`.
    fn resolve(&self, layers: &[u16], dir: &Path, name: &OsStr) -> Res<Option<Found>> {
        let mut found: Option<Found> = None;
        let last = layers.len().saturating_sub(1);
        for (i, &l) in layers.iter().enumerate() {
            let p = self.real(l, dir).join(name);
            let meta = match std::fs::symlink_metadata(&p) {
                Ok(m) => m,
                Err(e)
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::ENOENT) | Some(libc::ENOTDIR) | Some(libc::ENAMETOOLONG)
                    ) =>
                {
                    continue
                }
                Err(e) => return Err(errno(e)),
            };
            if is_whiteout(&meta) {
                break;
            }
            if meta.is_dir() {
                match &mut found {
                    None => {
                        found = Some(Found {
                            layers: vec![l],
                            meta,
                        })
                    }
                    Some(f) => f.layers.push(l),
                }
                if i < last && is_opaque(&p) {
                    break;
                }
            } else {
                if found.is_none() {
                    found = Some(Found {
                        layers: vec![l],
                        meta,
                    });
                }
                break;
            }
        }
        Ok(found)
    }

    /// Resolve a whole merged path from the root.
    fn resolve_path(&self, rel: &Path) -> Res<Found> {
        let root_layers = {
            let table = lock(&self.table);
            table
                .nodes
                .get(&ROOT)
                .map(|n| n.layers.clone())
                .unwrap_or_default()
        };
        let mut found = Found {
            layers: root_layers,
            meta: lstat(&self.upper(Path::new("")))?,
        };
        let mut prefix = PathBuf::new();
        for comp in rel.components() {
            let name = comp.as_os_str();
            if !found.meta.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            found = self
                .resolve(&found.layers, &prefix, name)?
                .ok_or(Errno::ENOENT)?;
            prefix.push(name);
        }
        Ok(found)
    }

    fn attr(&self, ino: u64, meta: &Metadata, merged_dir: bool) -> FileAttr {
        let kind = file_type(meta.file_type());
        FileAttr {
            ino: INodeNo(ino),
            size: meta.size(),
            blocks: meta.blocks(),
            atime: systime(meta.atime(), meta.atime_nsec()),
            mtime: systime(meta.mtime(), meta.mtime_nsec()),
            ctime: systime(meta.ctime(), meta.ctime_nsec()),
            crtime: UNIX_EPOCH,
            kind,
            perm: (meta.mode() & 0o7777) as u16,
            // Like the kernel overlay: counting subdirectories of merged directories is not
            // worth it, and nlink=1 tells `find` not to rely on it.
            nlink: if merged_dir {
                1
            } else {
                u32::try_from(meta.nlink()).unwrap_or(u32::MAX)
            },
            uid: meta.uid(),
            gid: meta.gid(),
            rdev: meta.rdev() as u32,
            blksize: meta.blksize() as u32,
            flags: 0,
        }
    }

    /// Record a lookup of `found` as `name` in `parent`; returns its attributes.
    fn remember(&self, found: &Found, parent: u64, name: &OsStr) -> FileAttr {
        let mut table = lock(&self.table);
        let id = self.ino_of(&table, found.meta.dev(), found.meta.ino());
        let is_dir = found.meta.is_dir();
        let node = table.nodes.entry(id).or_insert_with(|| Node {
            layers: Vec::new(),
            is_dir,
            names: Vec::new(),
            nlookup: 0,
        });
        node.layers.clone_from(&found.layers);
        node.is_dir = is_dir;
        node.nlookup += 1;
        if !node.names.iter().any(|(p, n)| *p == parent && n == name) {
            if is_dir {
                node.names.clear();
            }
            node.names.push((parent, name.to_os_string()));
        }
        drop(table);
        self.attr(id, &found.meta, is_dir && found.layers.len() > 1)
    }

    fn do_lookup(&self, parent: u64, name: &OsStr) -> Res<Option<FileAttr>> {
        let _g = self.tree.read().unwrap_or_else(|p| p.into_inner());
        if !valid_name(name) {
            return Err(Errno::ENOENT);
        }
        let (dir, layers, _) = self.locate(parent)?;
        Ok(self
            .resolve(&layers, &dir, name)?
            .map(|f| self.remember(&f, parent, name)))
    }

    // ---- copy-up ------------------------------------------------------------------------

    /// Make sure the merged directory `rel` exists in the upper layer, copying it and its
    /// ancestors up (with their metadata) where they do not.
    fn copy_up_dir_path(&self, rel: &Path) -> Res<()> {
        match std::fs::symlink_metadata(self.upper(rel)) {
            Ok(m) if m.is_dir() => return Ok(()),
            _ => {}
        }
        let root_layers = {
            let table = lock(&self.table);
            table
                .nodes
                .get(&ROOT)
                .map(|n| n.layers.clone())
                .unwrap_or_default()
        };
        let mut layers = root_layers;
        let mut prefix = PathBuf::new();
        for comp in rel.components() {
            let name = comp.as_os_str();
            let found = self.resolve(&layers, &prefix, name)?.ok_or(Errno::ENOENT)?;
            if !found.meta.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            prefix.push(name);
            let mut merged = found.layers.clone();
            if found.top() != 0 {
                self.make_upper_dir(&prefix, &found)?;
                merged.insert(0, 0);
            }
            layers = merged;
        }
        Ok(())
    }

    fn make_upper_dir(&self, rel: &Path, found: &Found) -> Res<()> {
        let src = self.real(found.top(), rel);
        let tmp = self.tmp_path();
        std::fs::create_dir(&tmp).map_err(errno)?;
        let done = copy_meta(&src, &tmp, &found.meta)
            .and_then(|()| std::fs::rename(&tmp, self.upper(rel)).map_err(errno));
        if let Err(e) = done {
            let _ = std::fs::remove_dir(&tmp);
            return Err(e);
        }
        let dst = self.upper(rel);
        set_times(&dst, &found.meta)?;
        let up = lstat(&dst)?;
        let mut table = lock(&self.table);
        let id = self.ino_of(&table, found.meta.dev(), found.meta.ino());
        table.alias.insert((up.dev(), up.ino()), id);
        if let Some(node) = table.nodes.get_mut(&id) {
            if node.layers.first() != Some(&0) {
                node.layers.insert(0, 0);
            }
        }
        Ok(())
    }

    /// Copy the non-directory `rel` up from `layer` (its metadata `meta`).
    fn copy_up_file(&self, rel: &Path, layer: u16, meta: &Metadata, skip_data: bool) -> Res<()> {
        if let Some(parent) = rel.parent() {
            self.copy_up_dir_path(parent)?;
        }
        let src = self.real(layer, rel);
        let tmp = self.tmp_path();
        let made = self.make_copy(&src, &tmp, meta, skip_data);
        let renamed = made.and_then(|()| std::fs::rename(&tmp, self.upper(rel)).map_err(errno));
        if let Err(e) = renamed {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        let up = lstat(&self.upper(rel))?;
        {
            let mut table = lock(&self.table);
            let id = self.ino_of(&table, meta.dev(), meta.ino());
            table.alias.insert((up.dev(), up.ino()), id);
            if let Some(node) = table.nodes.get_mut(&id) {
                node.layers = vec![0];
            }
        }
        if meta.nlink() > 1 {
            self.link_up_other_names(rel, layer, meta)?;
        }
        Ok(())
    }

    fn make_copy(&self, src: &Path, tmp: &Path, meta: &Metadata, skip_data: bool) -> Res<()> {
        let ft = meta.file_type();
        if ft.is_file() {
            let mut out = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(tmp)
                .map_err(errno)?;
            if !skip_data {
                let mut input = File::open(src).map_err(errno)?;
                io::copy(&mut input, &mut out).map_err(errno)?;
            }
        } else if ft.is_symlink() {
            let target = std::fs::read_link(src).map_err(errno)?;
            std::os::unix::fs::symlink(target, tmp).map_err(errno)?;
        } else {
            let kind = SFlag::from_bits_truncate(meta.mode() & libc::S_IFMT);
            nix::sys::stat::mknod(tmp, kind, Mode::from_bits_truncate(0o600), meta.rdev())
                .map_err(nerr)?;
        }
        copy_meta(src, tmp, meta)?;
        set_times(tmp, meta)
    }

    /// Kernel overlay's `index=on` semantics, done eagerly: the other visible names of a
    /// hard-linked file that was just copied up are linked to the copy, so all names keep
    /// seeing the same data (and the upper directory stays a faithful layer).
    fn link_up_other_names(&self, rel: &Path, layer: u16, meta: &Metadata) -> Res<()> {
        let root = self.real(layer, Path::new(""));
        let mut others = Vec::new();
        let mut stack = vec![PathBuf::new()];
        while let Some(dir) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(root.join(&dir)) else {
                continue;
            };
            for e in rd.flatten() {
                let Ok(ft) = e.file_type() else { continue };
                let child = dir.join(e.file_name());
                if ft.is_dir() {
                    stack.push(child);
                } else if std::os::unix::fs::DirEntryExt::ino(&e) == meta.ino() && child != rel {
                    others.push(child);
                }
            }
        }
        for other in others {
            let Ok(found) = self.resolve_path(&other) else {
                continue;
            };
            if found.top() != layer
                || found.meta.ino() != meta.ino()
                || found.meta.dev() != meta.dev()
            {
                continue;
            }
            if let Some(parent) = other.parent() {
                self.copy_up_dir_path(parent)?;
            }
            std::fs::hard_link(self.upper(rel), self.upper(&other)).map_err(errno)?;
        }
        Ok(())
    }

    /// Copy a node up (nothing to do if it is in the upper layer already).
    fn copy_up(&self, id: u64, skip_data: bool) -> Res<PathBuf> {
        let (rel, layers, is_dir) = self.locate(id)?;
        let top = layers.first().copied().unwrap_or(0);
        if top == 0 {
            return Ok(rel);
        }
        if is_dir {
            self.copy_up_dir_path(&rel)?;
        } else {
            let meta = lstat(&self.real(top, &rel))?;
            self.copy_up_file(&rel, top, &meta, skip_data)?;
        }
        Ok(rel)
    }

    /// Copy a whole merged directory tree up (before it is renamed).
    fn copy_up_tree(&self, rel: &Path) -> Res<()> {
        self.copy_up_dir_path(rel)?;
        let found = self.resolve_path(rel)?;
        for ent in self.list_merged(rel, &found.layers)?.iter() {
            let child = rel.join(&ent.name);
            if ent.kind == FileType::Directory {
                self.copy_up_tree(&child)?;
            } else {
                let f = self
                    .resolve(&found.layers, rel, &ent.name)?
                    .ok_or(Errno::ENOENT)?;
                if f.top() != 0 {
                    self.copy_up_file(&child, f.top(), &f.meta, false)?;
                }
            }
        }
        Ok(())
    }

    // ---- listings -----------------------------------------------------------------------

    fn list_merged(&self, rel: &Path, layers: &[u16]) -> Res<Vec<DirEnt>> {
        let mut seen: HashSet<OsString> = HashSet::new();
        let mut out = Vec::new();
        // (device, device index) of each entry's layer: inode numbers are mapped at the end,
        // under one short hold of the node table.
        let mut devs = Vec::new();
        for (i, &l) in layers.iter().enumerate() {
            let dir = self.real(l, rel);
            let rd = match std::fs::read_dir(&dir) {
                Ok(rd) => rd,
                Err(e) if i > 0 => {
                    if matches!(e.raw_os_error(), Some(libc::ENOENT) | Some(libc::ENOTDIR)) {
                        continue;
                    }
                    return Err(errno(e));
                }
                Err(e) => return Err(errno(e)),
            };
            let dev = match std::fs::symlink_metadata(&dir) {
                Ok(m) => m.dev(),
                Err(_) => continue,
            };
            let dev_index = self.dev_index(dev);
            for e in rd {
                let e = e.map_err(errno)?;
                let name = e.file_name();
                if seen.contains(&name) {
                    continue;
                }
                seen.insert(name.clone());
                let ft = e.file_type().map_err(errno)?;
                if ft.is_char_device() {
                    if let Ok(m) = e.metadata() {
                        if is_whiteout(&m) {
                            continue;
                        }
                    }
                }
                out.push(DirEnt {
                    name,
                    ino: std::os::unix::fs::DirEntryExt::ino(&e),
                    kind: file_type(ft),
                    layer: l,
                });
                devs.push((dev, dev_index));
            }
        }
        let table = lock(&self.table);
        for (ent, (dev, dev_index)) in out.iter_mut().zip(devs) {
            ent.ino = match table.alias.get(&(dev, ent.ino)) {
                Some(n) => *n,
                None => synth_ino(dev_index, ent.ino),
            };
        }
        Ok(out)
    }

    // ---- creating and removing names ----------------------------------------------------

    /// Make room for a new name in `parent`: the parent copied up, a whiteout removed
    /// (returns whether there was one). EEXIST if the name is visible.
    fn prepare_new(&self, parent: u64, name: &OsStr) -> Res<(PathBuf, bool, Metadata)> {
        if !valid_name(name) {
            return Err(Errno::EINVAL);
        }
        let (dir, layers, is_dir) = self.locate(parent)?;
        if !is_dir {
            return Err(Errno::ENOTDIR);
        }
        if self.resolve(&layers, &dir, name)?.is_some() {
            return Err(Errno::EEXIST);
        }
        self.copy_up_dir_path(&dir)?;
        let pmeta = lstat(&self.upper(&dir))?;
        let path = self.upper(&dir).join(name);
        let mut whiteout = false;
        if let Some(m) = lexists(&path) {
            if is_whiteout(&m) {
                std::fs::remove_file(&path).map_err(errno)?;
                whiteout = true;
            } else {
                return Err(Errno::EEXIST);
            }
        }
        Ok((path, whiteout, pmeta))
    }

    /// Owner of a new file: the caller, with the group of a set-group-id parent.
    fn owner(req: &Request, pmeta: &Metadata) -> (u32, u32) {
        let gid = if pmeta.mode() & libc::S_ISGID != 0 {
            pmeta.gid()
        } else {
            req.gid()
        };
        (req.uid(), gid)
    }

    fn finish_new(
        &self,
        req: &Request,
        parent: u64,
        name: &OsStr,
        path: &Path,
        pmeta: &Metadata,
        mode: Option<u32>,
    ) -> Res<FileAttr> {
        let (uid, gid) = Self::owner(req, pmeta);
        chown(path, Some(uid), Some(gid))?;
        if let Some(mode) = mode {
            let sgid_dir =
                pmeta.mode() & libc::S_ISGID != 0 && mode & libc::S_IFMT == libc::S_IFDIR;
            if mode & 0o7000 != 0 || sgid_dir {
                let extra = if sgid_dir { libc::S_ISGID } else { 0 };
                chmod(path, (mode & 0o7777) | extra)?;
            }
        }
        let meta = lstat(path)?;
        Ok(self.remember(
            &Found {
                layers: vec![0],
                meta,
            },
            parent,
            name,
        ))
    }

    fn forget_name(&self, found: &Found, parent: u64, name: &OsStr) {
        let mut table = lock(&self.table);
        let id = self.ino_of(&table, found.meta.dev(), found.meta.ino());
        if let Some(node) = table.nodes.get_mut(&id) {
            node.names.retain(|(p, n)| !(*p == parent && n == name));
        }
        if found.top() == 0 && (found.meta.nlink() <= 1 || found.meta.is_dir()) {
            table.alias.remove(&(found.meta.dev(), found.meta.ino()));
        }
    }

    /// Whether a lower layer of the merged directory has `name` (then removing it from the
    /// upper layer must leave a whiteout).
    fn lower_has(&self, layers: &[u16], dir: &Path, name: &OsStr) -> Res<bool> {
        let lower: Vec<u16> = layers.iter().copied().filter(|l| *l != 0).collect();
        Ok(self.resolve(&lower, dir, name)?.is_some())
    }

    fn whiteout(&self, path: &Path) -> Res<()> {
        nix::sys::stat::mknod(path, SFlag::S_IFCHR, Mode::empty(), 0).map_err(nerr)
    }

    /// Empty the upper part of a merged directory that is about to go (only whiteouts can
    /// be left in it once the merged view is empty).
    fn clear_upper_dir(&self, path: &Path) -> Res<()> {
        if let Ok(rd) = std::fs::read_dir(path) {
            for e in rd.flatten() {
                std::fs::remove_file(e.path()).map_err(errno)?;
            }
        }
        Ok(())
    }

    fn do_unlink(&self, parent: u64, name: &OsStr, dir_wanted: bool) -> Res<()> {
        let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
        let (dir, layers, _) = self.locate(parent)?;
        let found = self.resolve(&layers, &dir, name)?.ok_or(Errno::ENOENT)?;
        let is_dir = found.meta.is_dir();
        if dir_wanted && !is_dir {
            return Err(Errno::ENOTDIR);
        }
        if !dir_wanted && is_dir {
            return Err(Errno::EISDIR);
        }
        let child = dir.join(name);
        if is_dir && !self.list_merged(&child, &found.layers)?.is_empty() {
            return Err(Errno::ENOTEMPTY);
        }
        let lower = self.lower_has(&layers, &dir, name)?;
        if lower {
            self.copy_up_dir_path(&dir)?;
        }
        let path = self.upper(&child);
        if found.top() == 0 {
            if is_dir {
                self.clear_upper_dir(&path)?;
                std::fs::remove_dir(&path).map_err(errno)?;
            } else {
                std::fs::remove_file(&path).map_err(errno)?;
            }
        }
        if lower {
            self.whiteout(&path)?;
        }
        self.forget_name(&found, parent, name);
        Ok(())
    }

    fn do_rename(
        &self,
        parent: u64,
        name: &OsStr,
        newparent: u64,
        newname: &OsStr,
        flags: u32,
    ) -> Res<()> {
        if flags & !libc::RENAME_NOREPLACE != 0 {
            return Err(Errno::EINVAL);
        }
        if !valid_name(newname) {
            return Err(Errno::EINVAL);
        }
        let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
        let (dir, layers, _) = self.locate(parent)?;
        let (ndir, nlayers, nis_dir) = self.locate(newparent)?;
        if !nis_dir {
            return Err(Errno::ENOTDIR);
        }
        let src = self.resolve(&layers, &dir, name)?.ok_or(Errno::ENOENT)?;
        let from = dir.join(name);
        let to = ndir.join(newname);
        if from == to {
            return Ok(());
        }
        let target = self.resolve(&nlayers, &ndir, newname)?;
        if let Some(t) = &target {
            if flags & libc::RENAME_NOREPLACE != 0 {
                return Err(Errno::EEXIST);
            }
            if src.meta.is_dir() {
                if !t.meta.is_dir() {
                    return Err(Errno::ENOTDIR);
                }
                if !self.list_merged(&to, &t.layers)?.is_empty() {
                    return Err(Errno::ENOTEMPTY);
                }
            } else if t.meta.is_dir() {
                return Err(Errno::EISDIR);
            }
        }
        // Bring the source (a directory with everything below it) up, and the new parent.
        if src.meta.is_dir() {
            // A directory only in the upper layer moves as it is.
            if src.layers != [0] {
                self.copy_up_tree(&from)?;
            }
        } else if src.top() != 0 {
            self.copy_up_file(&from, src.top(), &src.meta, false)?;
        }
        self.copy_up_dir_path(&ndir)?;
        let src_lower = self.lower_has(&layers, &dir, name)?;
        let dst_lower = self.lower_has(&nlayers, &ndir, newname)?;
        let upath = self.upper(&from);
        let npath = self.upper(&to);
        let mut replaced_whiteout = false;
        if let Some(m) = lexists(&npath) {
            if is_whiteout(&m) {
                if src.meta.is_dir() {
                    std::fs::remove_file(&npath).map_err(errno)?;
                }
                replaced_whiteout = true;
            } else if m.is_dir() {
                self.clear_upper_dir(&npath)?;
            }
        }
        let moved = lstat(&upath)?;
        std::fs::rename(&upath, &npath).map_err(errno)?;
        if src_lower {
            self.whiteout(&upath)?;
        }
        if src.meta.is_dir() && (dst_lower || replaced_whiteout) {
            xattr::set(&npath, &self.opaque_xattr, b"y").map_err(errno)?;
        }
        // Update the nodes: the replaced target loses its name, the source gets the new one,
        // and directories below a moved directory now live in the upper layer only.
        let mut table = lock(&self.table);
        if let Some(t) = &target {
            let tid = self.ino_of(&table, t.meta.dev(), t.meta.ino());
            if let Some(node) = table.nodes.get_mut(&tid) {
                node.names
                    .retain(|(p, n)| !(*p == newparent && n == newname));
            }
        }
        let id = self.ino_of(&table, moved.dev(), moved.ino());
        if let Some(node) = table.nodes.get_mut(&id) {
            node.names.retain(|(p, n)| !(*p == parent && n == name));
            node.names.insert(0, (newparent, newname.to_os_string()));
            if node.is_dir {
                node.layers = vec![0];
            }
        }
        if src.meta.is_dir() {
            let below: Vec<u64> = table
                .nodes
                .iter()
                .filter(|(nid, n)| n.is_dir && **nid != id && Self::descends(&table, **nid, id))
                .map(|(nid, _)| *nid)
                .collect();
            for nid in below {
                if let Some(n) = table.nodes.get_mut(&nid) {
                    n.layers = vec![0];
                }
            }
        }
        Ok(())
    }

    fn descends(table: &Table, mut id: u64, ancestor: u64) -> bool {
        for _ in 0..4096 {
            let Some(node) = table.nodes.get(&id) else {
                return false;
            };
            let Some((p, _)) = node.names.first() else {
                return false;
            };
            if *p == ancestor {
                return true;
            }
            if *p == ROOT {
                return false;
            }
            id = *p;
        }
        false
    }

    /// The node's file in its top layer, pinned (`O_PATH`): call with `tree` held.
    fn pin_top(&self, id: u64) -> Res<OwnedFd> {
        let (rel, layers, _) = self.locate(id)?;
        self.pin(layers.first().copied().unwrap_or(0), &rel, OFlag::O_PATH)
    }

    fn getattr_id(&self, id: u64) -> Res<FileAttr> {
        let (rel, layers, is_dir) = self.locate(id)?;
        let meta = lstat(&self.real(layers.first().copied().unwrap_or(0), &rel))?;
        Ok(self.attr(id, &meta, is_dir && layers.len() > 1))
    }

    fn add_file(&self, file: Arc<File>, ino: u64, passthrough: bool, in_upper: bool) -> u64 {
        let fh = self.next_fh.fetch_add(1, Ordering::Relaxed);
        self.files
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                fh,
                Handle {
                    file,
                    ino,
                    passthrough,
                    in_upper,
                },
            );
        fh
    }

    fn any_upper_handle(&self, ino: u64) -> Option<Arc<File>> {
        self.files
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .find(|h| h.in_upper && h.ino == ino)
            .map(|h| h.file.clone())
    }

    /// The file of an open handle if it is an upper file (changes may go through it).
    fn upper_handle(&self, fh: FileHandle) -> Option<Arc<File>> {
        self.files
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&fh.0)
            .filter(|h| h.in_upper)
            .map(|h| h.file.clone())
    }

    /// Decide how a new open of inode `ino` is served: passed through to `file` (returns its
    /// backing id) or cached through this server. Only upper files are passed through (a lower
    /// file's backing would conflict with the upper one after a copy-up).
    fn open_mode(
        &self,
        ino: u64,
        in_upper: bool,
        register: impl FnOnce() -> io::Result<BackingId>,
    ) -> Option<Arc<BackingId>> {
        let mut opens = lock(&self.opens);
        let st = opens.entry(ino).or_default();
        if self.passthrough.load(Ordering::Relaxed) && in_upper && st.cached == 0 {
            let backing = match &st.backing {
                Some(b) => Some(b.clone()),
                None => match register() {
                    Ok(b) => {
                        let b = Arc::new(b);
                        st.backing = Some(b.clone());
                        Some(b)
                    }
                    Err(e) => {
                        tracing::debug!("FUSE passthrough unavailable: {e}");
                        self.passthrough.store(false, Ordering::Relaxed);
                        None
                    }
                },
            };
            if backing.is_some() {
                st.passthrough += 1;
                return backing;
            }
        }
        if let Some(b) = &st.backing {
            // Already passed through: every open must use the same backing file.
            st.passthrough += 1;
            return Some(b.clone());
        }
        st.cached += 1;
        None
    }

    fn file(&self, fh: FileHandle) -> Res<Arc<File>> {
        self.files
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&fh.0)
            .map(|h| h.file.clone())
            .ok_or(Errno::EBADF)
    }

    fn open_flags(flags: i32) -> nix::fcntl::OFlag {
        let keep = flags
            & !(libc::O_CREAT | libc::O_EXCL | libc::O_NOCTTY | libc::O_DIRECT | libc::O_NOATIME);
        nix::fcntl::OFlag::from_bits_truncate(keep | libc::O_CLOEXEC)
    }

    #[allow(clippy::too_many_arguments)]
    fn do_setattr(
        &self,
        ino: u64,
        mode: Option<u32>,
        uid: Option<u32>,
        gid: Option<u32>,
        size: Option<u64>,
        atime: Option<TimeOrNow>,
        mtime: Option<TimeOrNow>,
        fh: Option<FileHandle>,
    ) -> Res<FileAttr> {
        // Through an open upper file: works for open-then-unlinked files too (ftruncate,
        // fchmod, futimens on a temporary file).
        // fchmod, fchown and futimens come without a handle: if the file has no name left,
        // any open upper handle of the inode will do.
        let file = fh.and_then(|fh| self.upper_handle(fh)).or_else(|| {
            if self.locate(ino).is_err() {
                self.any_upper_handle(ino)
            } else {
                None
            }
        });
        if let Some(file) = file {
            if uid.is_some() || gid.is_some() {
                std::os::unix::fs::fchown(&*file, uid, gid).map_err(errno)?;
            }
            if let Some(mode) = mode {
                file.set_permissions(std::fs::Permissions::from_mode(mode & 0o7777))
                    .map_err(errno)?;
            }
            if let Some(size) = size {
                file.set_len(size).map_err(errno)?;
            }
            if atime.is_some() || mtime.is_some() {
                nix::sys::stat::futimens(&*file, &timespec(atime), &timespec(mtime))
                    .map_err(nerr)?;
            }
            let meta = file.metadata().map_err(errno)?;
            return Ok(self.attr(ino, &meta, false));
        }
        // The whole change under the tree lock, on the pinned node (see "Path safety").
        let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
        let rel = self.copy_up(ino, size == Some(0))?;
        let node = self.pin(0, &rel, OFlag::O_PATH)?;
        if uid.is_some() || gid.is_some() {
            nix::unistd::fchownat(
                &node,
                "",
                uid.map(nix::unistd::Uid::from_raw),
                gid.map(nix::unistd::Gid::from_raw),
                nix::fcntl::AtFlags::AT_EMPTY_PATH | nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
            )
            .map_err(nerr)?;
        }
        if let Some(mode) = mode {
            let meta = File::from(node.try_clone().map_err(errno)?)
                .metadata()
                .map_err(errno)?;
            if !meta.file_type().is_symlink() {
                chmod(&fd_path(&node), mode)?;
            }
        }
        if let Some(size) = size {
            match fh.map(|fh| self.file(fh)) {
                Some(Ok(f)) => f.set_len(size).map_err(errno)?,
                _ => File::from(self.pin(0, &rel, OFlag::O_WRONLY)?)
                    .set_len(size)
                    .map_err(errno)?,
            }
        }
        if atime.is_some() || mtime.is_some() {
            let times = [*timespec(atime).as_ref(), *timespec(mtime).as_ref()];
            // SAFETY: a valid descriptor, an empty C string and two timespecs; AT_EMPTY_PATH
            // makes the call act on the descriptor's file itself (a symlink too).
            let r = unsafe {
                libc::utimensat(
                    node.as_raw_fd(),
                    c"".as_ptr(),
                    times.as_ptr(),
                    libc::AT_EMPTY_PATH,
                )
            };
            if r != 0 {
                return Err(errno(io::Error::last_os_error()));
            }
        }
        self.getattr_id(ino)
    }
}

fn reply_xattr(reply: ReplyXattr, data: &[u8], size: u32) {
    if size == 0 {
        reply.size(u32::try_from(data.len()).unwrap_or(u32::MAX));
    } else if data.len() > size as usize {
        reply.error(Errno::ERANGE);
    } else {
        reply.data(data);
    }
}

impl Filesystem for Overlay {
    fn init(&mut self, _req: &Request, config: &mut KernelConfig) -> io::Result<()> {
        for flag in [
            InitFlags::FUSE_PARALLEL_DIROPS,
            InitFlags::FUSE_CACHE_SYMLINKS,
            InitFlags::FUSE_ATOMIC_O_TRUNC,
            InitFlags::FUSE_BIG_WRITES,
            InitFlags::FUSE_ASYNC_READ,
        ] {
            let _ = config.add_capabilities(flag);
        }
        // Readdirplus measured here: `ls -lR` 35% faster, `find` 4.5 times slower (every
        // listed name is looked up), stat-heavy walks the same. Off unless asked for.
        if std::env::var_os("SKIFF_FUSE_READDIRPLUS").is_some() {
            let _ = config.add_capabilities(
                InitFlags::FUSE_DO_READDIRPLUS | InitFlags::FUSE_READDIRPLUS_AUTO,
            );
        }
        let _ = config.set_max_write(MAX_IO);
        if let Err(max) = config.set_max_readahead(MAX_IO) {
            let _ = config.set_max_readahead(max);
        }
        let _ = config.set_max_background(64);
        // Reads and writes of upper files go straight to them (Linux 6.9 and later). A stack
        // depth of 1 keeps this mount usable under another overlay.
        // SKIFF_FUSE_NO_PASSTHROUGH measures the path rootless mounts take.
        let disabled = std::env::var_os("SKIFF_FUSE_NO_PASSTHROUGH").is_some();
        if !disabled
            && config.capabilities().contains(InitFlags::FUSE_PASSTHROUGH)
            && config.set_max_stack_depth(1).is_ok()
            && config.add_capabilities(InitFlags::FUSE_PASSTHROUGH).is_ok()
        {
            self.passthrough.store(true, Ordering::Relaxed);
        }
        Ok(())
    }

    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        match self.do_lookup(parent.0, name) {
            Ok(Some(attr)) => reply.entry(&TTL, &attr, Generation(0)),
            Ok(None) => {
                // A negative entry the kernel may cache (only the container changes names).
                reply.entry(&TTL, &negative_attr(), Generation(0));
            }
            Err(e) => reply.error(e),
        }
    }

    fn forget(&self, _req: &Request, ino: INodeNo, nlookup: u64) {
        if ino.0 == ROOT {
            return;
        }
        let mut table = lock(&self.table);
        let gone = match table.nodes.get_mut(&ino.0) {
            Some(node) => {
                node.nlookup = node.nlookup.saturating_sub(nlookup);
                node.nlookup == 0
            }
            None => false,
        };
        if gone {
            table.nodes.remove(&ino.0);
        }
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, fh: Option<FileHandle>, reply: ReplyAttr) {
        if let Some(fh) = fh {
            if let Ok(f) = self.file(fh) {
                if let Ok(meta) = f.metadata() {
                    let attr = self.attr(ino.0, &meta, false);
                    return reply.attr(&TTL, &attr);
                }
            }
        }
        let _g = self.tree.read().unwrap_or_else(|p| p.into_inner());
        match self.getattr_id(ino.0) {
            Ok(attr) => reply.attr(&TTL, &attr),
            Err(e) => reply.error(e),
        }
    }

    fn setattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        mode: Option<u32>,
        uid: Option<u32>,
        gid: Option<u32>,
        size: Option<u64>,
        atime: Option<TimeOrNow>,
        mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        match self.do_setattr(ino.0, mode, uid, gid, size, atime, mtime, fh) {
            Ok(attr) => reply.attr(&TTL, &attr),
            Err(e) => reply.error(e),
        }
    }

    fn readlink(&self, _req: &Request, ino: INodeNo, reply: ReplyData) {
        let _g = self.tree.read().unwrap_or_else(|p| p.into_inner());
        match self
            .pin_top(ino.0)
            .and_then(|fd| nix::fcntl::readlinkat(&fd, "").map_err(nerr))
        {
            Ok(t) => reply.data(t.as_bytes()),
            Err(e) => reply.error(e),
        }
    }

    fn mknod(
        &self,
        req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        rdev: u32,
        reply: ReplyEntry,
    ) {
        let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
        let res = self
            .prepare_new(parent.0, name)
            .and_then(|(path, _, pmeta)| {
                let mode = mode & !umask;
                let kind = SFlag::from_bits_truncate(mode & libc::S_IFMT);
                nix::sys::stat::mknod(
                    &path,
                    kind,
                    Mode::from_bits_truncate(mode & 0o777),
                    u64::from(rdev),
                )
                .map_err(nerr)?;
                self.finish_new(req, parent.0, name, &path, &pmeta, Some(mode))
            });
        match res {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn mkdir(
        &self,
        req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        reply: ReplyEntry,
    ) {
        let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
        let res = self
            .prepare_new(parent.0, name)
            .and_then(|(path, whiteout, pmeta)| {
                let mode = (mode & !umask & 0o7777) | libc::S_IFDIR;
                std::fs::DirBuilder::new()
                    .mode(mode & 0o777)
                    .create(&path)
                    .map_err(errno)?;
                if whiteout {
                    xattr::set(&path, &self.opaque_xattr, b"y").map_err(errno)?;
                }
                self.finish_new(req, parent.0, name, &path, &pmeta, Some(mode))
            });
        match res {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn unlink(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        match self.do_unlink(parent.0, name, false) {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rmdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        match self.do_unlink(parent.0, name, true) {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn symlink(
        &self,
        req: &Request,
        parent: INodeNo,
        link_name: &OsStr,
        target: &Path,
        reply: ReplyEntry,
    ) {
        let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
        let res = self
            .prepare_new(parent.0, link_name)
            .and_then(|(path, _, pmeta)| {
                std::os::unix::fs::symlink(target, &path).map_err(errno)?;
                self.finish_new(req, parent.0, link_name, &path, &pmeta, None)
            });
        match res {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn rename(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        flags: RenameFlags,
        reply: ReplyEmpty,
    ) {
        match self.do_rename(parent.0, name, newparent.0, newname, flags.bits()) {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn link(
        &self,
        _req: &Request,
        ino: INodeNo,
        newparent: INodeNo,
        newname: &OsStr,
        reply: ReplyEntry,
    ) {
        let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
        let res = self.copy_up(ino.0, false).and_then(|rel| {
            let (path, _, _) = self.prepare_new(newparent.0, newname)?;
            std::fs::hard_link(self.upper(&rel), &path).map_err(errno)?;
            let meta = lstat(&path)?;
            Ok(self.remember(
                &Found {
                    layers: vec![0],
                    meta,
                },
                newparent.0,
                newname,
            ))
        });
        match res {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn open(&self, _req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        let write = flags.acc_mode() != OpenAccMode::O_RDONLY || flags.0 & libc::O_TRUNC != 0;
        let oflags = Self::open_flags(flags.0);
        let res = if write {
            let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
            self.copy_up(ino.0, flags.0 & libc::O_TRUNC != 0)
                .and_then(|rel| self.pin(0, &rel, oflags))
                .map(|fd| (Arc::new(File::from(fd)), true))
        } else {
            let _g = self.tree.read().unwrap_or_else(|p| p.into_inner());
            self.locate(ino.0).and_then(|(rel, layers, _)| {
                let top = layers.first().copied().unwrap_or(0);
                self.pin(top, &rel, oflags)
                    .map(|fd| (Arc::new(File::from(fd)), top == 0))
            })
        };
        match res {
            Ok((file, in_upper)) => {
                let backing = self.open_mode(ino.0, in_upper, || reply.open_backing(&*file));
                let fh = FileHandle(self.add_file(file, ino.0, backing.is_some(), in_upper));
                match backing {
                    Some(b) => reply.opened_passthrough(fh, FopenFlags::empty(), &b),
                    None => reply.opened(fh, FopenFlags::FOPEN_KEEP_CACHE),
                }
            }
            Err(e) => reply.error(e),
        }
    }

    fn read(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<fuser::LockOwner>,
        reply: ReplyData,
    ) {
        let file = match self.file(fh) {
            Ok(f) => f,
            Err(e) => return reply.error(e),
        };
        // One buffer per worker thread, reused: no allocation or zeroing per request.
        READ_BUF.with(|cell| {
            let mut buf = cell.borrow_mut();
            let size = size as usize;
            if buf.len() < size {
                buf.resize(size, 0);
            }
            let mut done = 0;
            while done < size {
                match file.read_at(&mut buf[done..size], offset + done as u64) {
                    Ok(0) => break,
                    Ok(n) => done += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return reply.error(errno(e)),
                }
            }
            reply.data(&buf[..done]);
        });
    }

    fn write(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: WriteFlags,
        _flags: OpenFlags,
        _lock_owner: Option<fuser::LockOwner>,
        reply: ReplyWrite,
    ) {
        let file = match self.file(fh) {
            Ok(f) => f,
            Err(e) => return reply.error(e),
        };
        match file.write_all_at(data, offset) {
            Ok(()) => reply.written(u32::try_from(data.len()).unwrap_or(u32::MAX)),
            Err(e) => reply.error(errno(e)),
        }
    }

    fn flush(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _lock_owner: fuser::LockOwner,
        reply: ReplyEmpty,
    ) {
        reply.ok();
    }

    fn release(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        _lock_owner: Option<fuser::LockOwner>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        let handle = self
            .files
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&fh.0);
        if let Some(h) = handle {
            let mut opens = lock(&self.opens);
            if let Some(st) = opens.get_mut(&h.ino) {
                if h.passthrough {
                    st.passthrough = st.passthrough.saturating_sub(1);
                } else {
                    st.cached = st.cached.saturating_sub(1);
                }
                if st.passthrough == 0 && st.cached == 0 {
                    opens.remove(&h.ino);
                }
            }
        }
        reply.ok();
    }

    fn fsync(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        datasync: bool,
        reply: ReplyEmpty,
    ) {
        let res = self.file(fh).and_then(|f| {
            if datasync {
                f.sync_data().map_err(errno)
            } else {
                f.sync_all().map_err(errno)
            }
        });
        match res {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn opendir(&self, _req: &Request, ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        let _g = self.tree.read().unwrap_or_else(|p| p.into_inner());
        let res = self
            .locate(ino.0)
            .and_then(|(rel, layers, _)| self.list_merged(&rel, &layers));
        match res {
            Ok(list) => {
                let fh = self.next_fh.fetch_add(1, Ordering::Relaxed);
                lock(&self.dirs).insert(fh, Arc::new(list));
                // The kernel may keep listings: it drops them itself when it changes the
                // directory, and nothing else does.
                reply.opened(
                    FileHandle(fh),
                    FopenFlags::FOPEN_CACHE_DIR | FopenFlags::FOPEN_KEEP_CACHE,
                );
            }
            Err(e) => reply.error(e),
        }
    }

    fn readdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        let Some(list) = lock(&self.dirs).get(&fh.0).cloned() else {
            return reply.error(Errno::EBADF);
        };
        let parent_ino = {
            let table = lock(&self.table);
            table
                .nodes
                .get(&ino.0)
                .and_then(|n| n.names.first().map(|(p, _)| *p))
                .unwrap_or(ROOT)
        };
        let mut idx = offset;
        loop {
            let full = match idx {
                0 => reply.add(ino, 1, FileType::Directory, "."),
                1 => reply.add(INodeNo(parent_ino), 2, FileType::Directory, ".."),
                n => {
                    let Some(e) = usize::try_from(n - 2).ok().and_then(|i| list.get(i)) else {
                        break;
                    };
                    reply.add(INodeNo(e.ino), n + 1, e.kind, &e.name)
                }
            };
            if full {
                break;
            }
            idx += 1;
        }
        reply.ok();
    }

    /// A listing with every entry looked up (the kernel asks when it sees a walk that stats
    /// what it lists): one request per buffer instead of one per name.
    fn readdirplus(
        &self,
        _req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectoryPlus,
    ) {
        let Some(list) = lock(&self.dirs).get(&fh.0).cloned() else {
            return reply.error(Errno::EBADF);
        };
        let _g = self.tree.read().unwrap_or_else(|p| p.into_inner());
        let (rel, layers, _) = match self.locate(ino.0) {
            Ok(l) => l,
            Err(e) => return reply.error(e),
        };
        let dir_attr = match self.getattr_id(ino.0) {
            Ok(a) => a,
            Err(e) => return reply.error(e),
        };
        let mut idx = offset;
        loop {
            let full = match idx {
                // The kernel neither counts nor caches the dot entries.
                0 => reply.add(ino, 1, ".", &TTL, &dir_attr, Generation(0)),
                1 => reply.add(ino, 2, "..", &TTL, &dir_attr, Generation(0)),
                n => {
                    let Some(e) = usize::try_from(n - 2).ok().and_then(|i| list.get(i)) else {
                        break;
                    };
                    // A non-directory is wholly in the layer it was listed from: one stat.
                    let found = if e.kind == FileType::Directory {
                        self.resolve(&layers, &rel, &e.name)
                    } else {
                        std::fs::symlink_metadata(self.real(e.layer, &rel).join(&e.name))
                            .map(|meta| {
                                Some(Found {
                                    layers: vec![e.layer],
                                    meta,
                                })
                            })
                            .map_err(errno)
                    };
                    match found {
                        Ok(Some(found)) => {
                            let id = {
                                let table = lock(&self.table);
                                self.ino_of(&table, found.meta.dev(), found.meta.ino())
                            };
                            let merged = found.meta.is_dir() && found.layers.len() > 1;
                            let attr = self.attr(id, &found.meta, merged);
                            let full =
                                reply.add(INodeNo(id), n + 1, &e.name, &TTL, &attr, Generation(0));
                            if !full {
                                // Sent: it counts as a lookup.
                                self.remember(&found, ino.0, &e.name);
                            }
                            full
                        }
                        // Gone since the listing was made.
                        _ => false,
                    }
                }
            };
            if full {
                break;
            }
            idx += 1;
        }
        reply.ok();
    }

    fn releasedir(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        reply: ReplyEmpty,
    ) {
        lock(&self.dirs).remove(&fh.0);
        reply.ok();
    }

    fn fsyncdir(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        reply.ok();
    }

    fn statfs(&self, _req: &Request, _ino: INodeNo, reply: ReplyStatfs) {
        match nix::sys::statvfs::statvfs(&self.roots[0]) {
            Ok(s) => reply.statfs(
                s.blocks(),
                s.blocks_free(),
                s.blocks_available(),
                s.files(),
                s.files_free(),
                s.block_size() as u32,
                s.name_max() as u32,
                s.fragment_size() as u32,
            ),
            Err(e) => reply.error(nerr(e)),
        }
    }

    fn setxattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        name: &OsStr,
        value: &[u8],
        flags: i32,
        _position: u32,
        reply: ReplyEmpty,
    ) {
        if is_overlay_xattr(name) {
            return reply.error(Errno::EPERM);
        }
        let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
        let res = self.copy_up(ino.0, false).and_then(|rel| {
            let node = self.pin(0, &rel, OFlag::O_PATH)?;
            let path = fd_path(&node);
            let exists = matches!(xattr::get_deref(&path, name), Ok(Some(_)));
            if flags & libc::XATTR_CREATE != 0 && exists {
                return Err(Errno::EEXIST);
            }
            if flags & libc::XATTR_REPLACE != 0 && !exists {
                return Err(Errno::ENODATA);
            }
            xattr::set_deref(&path, name, value).map_err(errno)
        });
        match res {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn getxattr(&self, _req: &Request, ino: INodeNo, name: &OsStr, size: u32, reply: ReplyXattr) {
        if is_overlay_xattr(name) {
            return reply.error(Errno::ENODATA);
        }
        let res = {
            let _g = self.tree.read().unwrap_or_else(|p| p.into_inner());
            self.pin_top(ino.0)
                .and_then(|fd| xattr::get_deref(fd_path(&fd), name).map_err(errno))
        };
        match res {
            Ok(Some(v)) => reply_xattr(reply, &v, size),
            Ok(None) => reply.error(Errno::ENODATA),
            Err(e) => reply.error(e),
        }
    }

    fn listxattr(&self, _req: &Request, ino: INodeNo, size: u32, reply: ReplyXattr) {
        let res = {
            let _g = self.tree.read().unwrap_or_else(|p| p.into_inner());
            self.pin_top(ino.0)
                .and_then(|fd| xattr::list_deref(fd_path(&fd)).map_err(errno))
        };
        match res {
            Ok(names) => reply_xattr(reply, &filter_xattr_list(names), size),
            Err(e) => reply.error(e),
        }
    }

    fn removexattr(&self, _req: &Request, ino: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        if is_overlay_xattr(name) {
            return reply.error(Errno::ENODATA);
        }
        let res = {
            let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
            self.copy_up(ino.0, false).and_then(|rel| {
                let node = self.pin(0, &rel, OFlag::O_PATH)?;
                xattr::remove_deref(fd_path(&node), name).map_err(errno)
            })
        };
        match res {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn access(&self, _req: &Request, _ino: INodeNo, _mask: fuser::AccessFlags, reply: ReplyEmpty) {
        reply.ok();
    }

    fn create(
        &self,
        req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        flags: i32,
        reply: ReplyCreate,
    ) {
        let res = {
            let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
            self.prepare_new(parent.0, name)
                .and_then(|(path, _, pmeta)| {
                    let mode = mode & !umask;
                    let oflags = Self::open_flags(flags)
                        | nix::fcntl::OFlag::O_CREAT
                        | nix::fcntl::OFlag::O_EXCL;
                    let fd =
                        nix::fcntl::open(&path, oflags, Mode::from_bits_truncate(mode & 0o777))
                            .map_err(nerr)?;
                    let attr = self.finish_new(req, parent.0, name, &path, &pmeta, Some(mode))?;
                    Ok((attr, File::from(fd)))
                })
        };
        match res {
            Ok((attr, file)) => {
                let file = Arc::new(file);
                let ino = attr.ino.0;
                let backing = self.open_mode(ino, true, || reply.open_backing(&*file));
                let fh = FileHandle(self.add_file(file, ino, backing.is_some(), true));
                match backing {
                    Some(b) => reply.created_passthrough(
                        &TTL,
                        &attr,
                        Generation(0),
                        fh,
                        FopenFlags::empty(),
                        &b,
                    ),
                    None => {
                        reply.created(&TTL, &attr, Generation(0), fh, FopenFlags::FOPEN_KEEP_CACHE)
                    }
                }
            }
            Err(e) => reply.error(e),
        }
    }

    fn fallocate(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        length: u64,
        mode: i32,
        reply: ReplyEmpty,
    ) {
        let res = self.file(fh).and_then(|f| {
            nix::fcntl::fallocate(
                &*f,
                nix::fcntl::FallocateFlags::from_bits_truncate(mode),
                i64::try_from(offset).map_err(|_| Errno::EINVAL)?,
                i64::try_from(length).map_err(|_| Errno::EINVAL)?,
            )
            .map_err(nerr)
        });
        match res {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }
}

/// The attributes of a negative entry: inode 0 means "no such name", the rest is ignored.
fn negative_attr() -> FileAttr {
    FileAttr {
        ino: INodeNo(0),
        size: 0,
        blocks: 0,
        atime: UNIX_EPOCH,
        mtime: UNIX_EPOCH,
        ctime: UNIX_EPOCH,
        crtime: UNIX_EPOCH,
        kind: FileType::RegularFile,
        perm: 0,
        nlink: 0,
        uid: 0,
        gid: 0,
        rdev: 0,
        blksize: 4096,
        flags: 0,
    }
}
