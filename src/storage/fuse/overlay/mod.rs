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

use crate::storage::fuse::layers::{
    filter_xattr_list, is_opaque, is_overlay_xattr, is_whiteout, synth_ino, valid_name,
};
use crate::storage::fuse::OverlayDirs;

mod copy_up;
mod handles;
mod kernel;
mod names;
mod splice;

pub use splice::MAX_READ;

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
    /// Spliced READ replies (see `splice`), once the connection's descriptor is known.
    splice: Option<splice::Splicer>,
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
            splice: None,
            next_fh: AtomicU64::new(1),
            next_tmp: AtomicU64::new(1),
        })
    }

    /// Answer large reads by splicing, on `dev`: a duplicate of the /dev/fuse descriptor the
    /// session reads requests from (not a clone: replies must come back on that device).
    pub fn splice_replies_to(&mut self, dev: OwnedFd) {
        self.splice = splice::Splicer::new(dev);
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
}
