//! Safe layer unpacking: gzip, zstd or plain tar into a fresh directory, with overlayfs
//! whiteouts, ownership and xattrs, refusing anything that would land outside the root.
//!
//! Runs as root inside a user namespace (the `image-unpack` helper), so `lchown` maps tar ids
//! onto the user's subordinate ids.
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use nix::sys::stat::{Mode, SFlag};

use super::{digest_hex, HashingReader, ImageError};

pub use super::inflate::{decompressed, Compression};

/// Where the limit on a layer's unpacked size is raised (see `crate::limits`).
const LAYER_LIMIT_VARS: &str = "SKIFF_MAX_LAYER_RATIO and SKIFF_MAX_LAYER_FLOOR";

/// The diff_id (sha256 of the uncompressed stream) of a layer blob.
pub fn diff_id_of(blob: &Path) -> io::Result<String> {
    let file = File::open(blob)?;
    let limit = crate::limits::max_layer_size(file.metadata()?.len());
    let mut r = HashingReader::new(crate::limits::Bounded::new(
        decompressed(file)?,
        limit,
        format!(
            "{} (uncompressed; {LAYER_LIMIT_VARS} raise the limit)",
            blob.display()
        ),
    ));
    io::copy(&mut r, &mut io::sink())?;
    Ok(r.finish().0)
}

/// How whiteouts and opaque directories are marked for the overlay mount.
#[derive(Debug, Clone, Copy)]
pub struct UnpackOptions {
    /// Real root (rootful): `trusted.overlay.opaque`; otherwise `user.overlay.opaque`.
    pub rootful: bool,
}

impl UnpackOptions {
    fn opaque_xattr(&self) -> &'static str {
        if self.rootful {
            "trusted.overlay.opaque"
        } else {
            "user.overlay.opaque"
        }
    }
}

/// The directory a layer is unpacked into: `layers_dir/<hex of diff_id>`.
pub fn layer_dir(layers_dir: &Path, diff_id: &str) -> PathBuf {
    layers_dir.join(digest_hex(diff_id))
}

/// The small metadata file kept beside a layer directory (its unpacked size).
pub fn layer_meta_path(layers_dir: &Path, diff_id: &str) -> PathBuf {
    layers_dir.join(format!("{}.json", digest_hex(diff_id)))
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct LayerMeta {
    pub diff_id: String,
    pub size: u64,
}

/// Unpack the layer blob at `blob` into `layers_dir/<hex of diff_id>`, unless it is already
/// there. The tree is built in a temp dir under `layers_dir` and renamed into place only once
/// complete and verified against `diff_id`; on any error the temp dir is removed.
/// Returns the unpacked size (sum of regular file sizes).
pub fn unpack_layer(
    blob: &Path,
    diff_id: &str,
    layers_dir: &Path,
    opts: &UnpackOptions,
) -> Result<u64, ImageError> {
    if let Some(size) = unpacked_size(layers_dir, diff_id) {
        return Ok(size);
    }
    let file = File::open(blob).map_err(ImageError::io(format!("opening {}", blob.display())))?;
    let compressed = file
        .metadata()
        .map_err(ImageError::io(format!("opening {}", blob.display())))?
        .len();
    let staged = stage_layer(file, compressed, diff_id, layers_dir, opts)?;
    let size = staged.size;
    staged.commit()?;
    Ok(size)
}

/// The size of the layer when it is already unpacked and complete.
pub fn unpacked_size(layers_dir: &Path, diff_id: &str) -> Option<u64> {
    if !layer_dir(layers_dir, diff_id).is_dir() {
        return None;
    }
    crate::state::atomic::read_json::<LayerMeta>(&layer_meta_path(layers_dir, diff_id))
        .ok()
        .map(|m| m.size)
}

/// A layer extracted and verified in a temp dir beside its final place, not yet visible.
/// Dropping it removes the temp tree.
pub struct StagedLayer {
    tmp: tempfile::TempDir,
    layers_dir: PathBuf,
    diff_id: String,
    pub size: u64,
}

/// Extract the layer stream `blob` (of `compressed` bytes, any compression) into a temp dir
/// under `layers_dir`, checking its diff_id and the limit on its unpacked size.
pub fn stage_layer<R: Read + Send + 'static>(
    blob: R,
    compressed: u64,
    diff_id: &str,
    layers_dir: &Path,
    opts: &UnpackOptions,
) -> Result<StagedLayer, ImageError> {
    if !super::is_sha256_digest(diff_id) {
        return Err(ImageError::Corrupt {
            what: format!("layer {diff_id}"),
            reason: format!("bad diff_id {diff_id:?}"),
        });
    }
    fs::create_dir_all(layers_dir)
        .map_err(ImageError::io(format!("creating {}", layers_dir.display())))?;
    let tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempdir_in(layers_dir)
        .map_err(ImageError::io(format!(
            "creating a temp dir in {}",
            layers_dir.display()
        )))?;
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755))
        .map_err(ImageError::io(format!("chmod {}", tmp.path().display())))?;
    // Decompressed and hashed on a thread of its own (`inflate`), unpacked on this one.
    // A decompression bomb fills the disk long before its diff_id can be checked: stop at a
    // size no sane layer of this compressed size reaches.
    let (tar, digest) = super::inflate::spawn(
        blob,
        crate::limits::max_layer_size(compressed),
        format!("layer {diff_id} (uncompressed; {LAYER_LIMIT_VARS} raise the limit)"),
    )
    .map_err(ImageError::io(format!("reading layer {diff_id}")))?;
    // On error `tmp` is dropped here, which removes the partial tree.
    let done = extract_tar(tar, tmp.path(), diff_id, opts)?;
    // The reader has seen the end of the stream: the digest is of all of it.
    let actual = digest.wait().map(|(d, _)| d).ok_or_else(|| {
        ImageError::io(format!("layer {diff_id}: reading the tar stream"))(io::Error::other(
            "the decompressing thread stopped",
        ))
    })?;
    let size = done.finish(&actual, diff_id)?;
    Ok(StagedLayer {
        tmp,
        layers_dir: layers_dir.to_path_buf(),
        diff_id: diff_id.to_string(),
        size,
    })
}

impl StagedLayer {
    /// Make the layer visible: its metadata file (written and synced), then its tree renamed
    /// into place. The tree's files are not synced (as before streaming pulls): see
    /// `commit_all` for the durable way.
    pub fn commit(self) -> Result<(), ImageError> {
        let meta_path = layer_meta_path(&self.layers_dir, &self.diff_id);
        let meta = self.meta();
        crate::state::write_json_atomic(&meta_path, &meta)
            .map_err(ImageError::io(format!("writing {}", meta_path.display())))?;
        self.rename_into_place()
    }

    fn meta(&self) -> LayerMeta {
        LayerMeta {
            diff_id: self.diff_id.clone(),
            size: self.size,
        }
    }

    fn rename_into_place(self) -> Result<(), ImageError> {
        let final_dir = layer_dir(&self.layers_dir, &self.diff_id);
        let tmp_path = self.tmp.keep();
        match fs::rename(&tmp_path, &final_dir) {
            Ok(()) => Ok(()),
            // Someone else unpacked the same layer meanwhile: theirs is as good as ours.
            Err(_) if final_dir.is_dir() => {
                let _ = fs::remove_dir_all(&tmp_path);
                Ok(())
            }
            Err(e) => {
                let _ = fs::remove_dir_all(&tmp_path);
                Err(ImageError::io(format!(
                    "renaming into {}",
                    final_dir.display()
                ))(e))
            }
        }
    }
}

/// Make staged layers visible, durably, with one `syncfs` for all of them instead of an fsync
/// per file: each layer's metadata is written to a temp file, the file system is synced (the
/// trees, the metadata and whatever else was written before, such as the layer blobs), then
/// the metadata files and the trees are renamed into place and `layers_dir` is fsynced. A
/// crash before the sync leaves only temp names (removed later as stale); after it, every
/// name that is visible points to data on disk.
pub fn commit_all(layers: Vec<StagedLayer>, layers_dir: &Path) -> Result<(), ImageError> {
    if layers.is_empty() {
        return Ok(());
    }
    let ctx = |p: &Path| format!("writing {}", p.display());
    let mut metas = Vec::new();
    for l in &layers {
        let meta_path = layer_meta_path(layers_dir, &l.diff_id);
        let mut body =
            serde_json::to_vec(&l.meta()).map_err(|e| ImageError::io(ctx(&meta_path))(e.into()))?;
        body.push(b'\n');
        let mut f = tempfile::Builder::new()
            .prefix(".tmp-")
            .suffix(".json")
            .tempfile_in(layers_dir)
            .map_err(ImageError::io(ctx(&meta_path)))?;
        f.write_all(&body)
            .map_err(ImageError::io(ctx(&meta_path)))?;
        metas.push((f, meta_path));
    }
    sync_filesystem(layers_dir).map_err(ImageError::io(format!(
        "syncing the file system of {}",
        layers_dir.display()
    )))?;
    for (f, meta_path) in metas {
        f.persist(&meta_path)
            .map_err(|e| ImageError::io(ctx(&meta_path))(e.error))?;
    }
    let mut first_err = None;
    for l in layers {
        if let Err(e) = l.rename_into_place() {
            first_err.get_or_insert(e);
        }
    }
    sync_dir(layers_dir).map_err(ImageError::io(format!("syncing {}", layers_dir.display())))?;
    first_err.map_or(Ok(()), Err)
}

/// Flush every dirty page of the file system holding `path` (`syncfs(2)`): one call makes a
/// whole unpacked layer durable, where an fsync per file would wait for the disk thousands of
/// times.
pub fn sync_filesystem(path: &Path) -> io::Result<()> {
    let dir = File::open(path)?;
    nix::unistd::syncfs(&dir).map_err(io::Error::from)
}

/// fsync a directory (the renames in it become durable).
pub fn sync_dir(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()
}

/// Extract a tar stream into `root` (an empty directory), checking its diff_id.
pub fn extract(
    reader: impl Read,
    root: &Path,
    diff_id: &str,
    opts: &UnpackOptions,
) -> Result<u64, ImageError> {
    let mut hashing = HashingReader::new(reader);
    let done = extract_tar(&mut hashing, root, diff_id, opts)?;
    let (actual, _) = hashing.finish();
    done.finish(&actual, diff_id)
}

/// A tar stream unpacked and read to its end, its digest not yet checked.
struct Extracted {
    size: u64,
    dir_times: Vec<(PathBuf, u64)>,
}

impl Extracted {
    /// Check the stream's digest; set the directories' times. The unpacked size.
    fn finish(self, actual: &str, diff_id: &str) -> Result<u64, ImageError> {
        if actual != diff_id {
            return Err(ImageError::DiffIdMismatch {
                expected: diff_id.to_string(),
                actual: actual.to_string(),
            });
        }
        // Directory times last: creating entries inside them changed their mtimes.
        for (path, mtime) in self.dir_times.iter().rev() {
            set_mtime(path, *mtime);
        }
        Ok(self.size)
    }
}

/// Unpack the entries of a tar stream into `root`, then read the stream to its end (the
/// digest covers the whole stream, including padding after the end-of-archive blocks).
fn extract_tar(
    mut reader: impl Read,
    root: &Path,
    diff_id: &str,
    opts: &UnpackOptions,
) -> Result<Extracted, ImageError> {
    let root_setgid = fs::symlink_metadata(root)
        .map(|m| m.permissions().mode() & 0o2000 != 0)
        .unwrap_or(true);
    let mut x = Extractor {
        root,
        layer: diff_id,
        opts,
        size: 0,
        dir_times: Vec::new(),
        known_dirs: Default::default(),
        root_setgid: std::cell::Cell::new(root_setgid),
        me: (
            nix::unistd::geteuid().as_raw(),
            nix::unistd::getegid().as_raw(),
        ),
        umask: current_umask(),
        buf: Vec::new(),
    };
    {
        let mut archive = tar::Archive::new(&mut reader);
        let entries = archive.entries().map_err(ImageError::io(format!(
            "layer {diff_id}: reading the tar stream"
        )))?;
        for entry in entries {
            let entry = entry.map_err(ImageError::io(format!(
                "layer {diff_id}: reading the tar stream"
            )))?;
            x.entry(entry)?;
        }
    }
    io::copy(&mut reader, &mut io::sink()).map_err(ImageError::io(format!(
        "layer {diff_id}: reading the tar stream"
    )))?;
    Ok(Extracted {
        size: x.size,
        dir_times: x.dir_times,
    })
}

/// The process's umask (`Umask:` in /proc/self/status: reading it with umask(2) would change
/// it for a moment under the other threads). All bits when unknown: every mode is then set
/// with a chmod.
fn current_umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o777)
}

/// Lexically normalise an entry name relative to the root; None when it leads out of it.
fn normalise(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    Some(out)
}

struct Extractor<'a> {
    root: &'a Path,
    layer: &'a str,
    opts: &'a UnpackOptions,
    size: u64,
    dir_times: Vec<(PathBuf, u64)>,
    /// Paths (relative to the root) checked or made to be real directories in this layer, so
    /// that each entry does not lstat every one of its parents again, each with whether it is
    /// set-group-ID (what is created in it then takes its group). Emptied whenever a directory
    /// is removed (an entry replacing it), so it never names anything but a directory.
    known_dirs: std::cell::RefCell<std::collections::HashMap<PathBuf, bool>>,
    /// Whether the root is set-group-ID.
    root_setgid: std::cell::Cell<bool>,
    /// The owner (uid, gid) of what this process creates in a directory that is not
    /// set-group-ID: an entry owned by it needs no chown.
    me: (u32, u32),
    /// The process's umask: a mode it would cut is set with a chmod, any other at creation.
    umask: u32,
    /// The copy buffer for file data: big writes (io::copy's 8 KiB would make a write(2) per
    /// 8 KiB), allocated once per layer.
    buf: Vec<u8>,
}

impl Extractor<'_> {
    fn bad(&self, entry: &str, reason: impl Into<String>) -> ImageError {
        ImageError::BadEntry {
            layer: self.layer.to_string(),
            entry: entry.to_string(),
            reason: reason.into(),
        }
    }

    fn io_err(&self, entry: &str) -> impl FnOnce(io::Error) -> ImageError {
        let layer = self.layer.to_string();
        let entry = entry.to_string();
        move |e| ImageError::BadEntry {
            layer,
            entry,
            reason: e.to_string(),
        }
    }

    /// Walk the parents of `rel` below the root: refuse symlinks, create missing directories.
    /// With `create` false, a missing parent is an error.
    fn check_parents(&self, rel: &Path, name: &str, create: bool) -> Result<(), ImageError> {
        let mut cur = self.root.to_path_buf();
        let mut rel_cur = PathBuf::new();
        let comps: Vec<Component> = rel.components().collect();
        let n = comps.len().saturating_sub(1);
        for c in &comps[..n] {
            cur.push(c);
            rel_cur.push(c);
            if self.known_dirs.borrow().contains_key(&rel_cur) {
                continue;
            }
            match fs::symlink_metadata(&cur) {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(ImageError::ThroughSymlink {
                        layer: self.layer.to_string(),
                        entry: name.to_string(),
                        link: cur
                            .strip_prefix(self.root)
                            .unwrap_or(&cur)
                            .display()
                            .to_string(),
                    })
                }
                Ok(m) if m.is_dir() => {
                    let setgid = m.permissions().mode() & 0o2000 != 0;
                    self.known_dirs.borrow_mut().insert(rel_cur.clone(), setgid);
                }
                Ok(_) => return Err(self.bad(name, "a parent is not a directory")),
                Err(e) if e.kind() == io::ErrorKind::NotFound && create => {
                    // In a set-group-ID parent it would be set-group-ID too: 0755 exactly.
                    let chmod = self.parent_setgid(&rel_cur) || 0o755 & self.umask != 0;
                    fs::DirBuilder::new()
                        .mode(0o755)
                        .create(&cur)
                        .map_err(self.io_err(name))?;
                    if chmod {
                        fs::set_permissions(&cur, fs::Permissions::from_mode(0o755))
                            .map_err(self.io_err(name))?;
                    }
                    self.known_dirs.borrow_mut().insert(rel_cur.clone(), false);
                }
                Err(e) => return Err(self.io_err(name)(e)),
            }
        }
        Ok(())
    }

    /// Is the directory `rel` is created in set-group-ID? True when not known (then the
    /// owner and mode are set whatever they are).
    fn parent_setgid(&self, rel: &Path) -> bool {
        match rel.parent() {
            None => true,
            Some(p) if p.as_os_str().is_empty() => self.root_setgid.get(),
            Some(p) => self.known_dirs.borrow().get(p).copied().unwrap_or(true),
        }
    }

    /// Remove whatever is at `path` (never following a symlink), unless it is a directory and
    /// a directory is wanted.
    fn clear(&self, path: &Path, want_dir: bool, name: &str) -> Result<bool, ImageError> {
        match fs::symlink_metadata(path) {
            Ok(m) if m.is_dir() => {
                if want_dir {
                    return Ok(true);
                }
                // Whatever was known below it is gone.
                self.known_dirs.borrow_mut().clear();
                fs::remove_dir_all(path).map_err(self.io_err(name))?;
            }
            Ok(_) => fs::remove_file(path).map_err(self.io_err(name))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(self.io_err(name)(e)),
        }
        Ok(false)
    }

    fn entry<R: Read>(&mut self, mut entry: tar::Entry<'_, R>) -> Result<(), ImageError> {
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let raw = entry.path().map_err(self.io_err(&name))?.into_owned();
        let rel = normalise(&raw).ok_or_else(|| ImageError::Escape {
            layer: self.layer.to_string(),
            entry: name.clone(),
        })?;
        let xattrs = entry_xattrs(&mut entry);
        let header = entry.header().clone();
        let kind = header.entry_type();
        if matches!(
            kind,
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader
        ) {
            return Ok(());
        }
        let path = self.root.join(&rel);
        if rel.as_os_str().is_empty() {
            // The root itself ("./"): take its mode, owner and time.
            if kind.is_dir() {
                self.apply_meta(&header, &xattrs, Target::existing(self.root), &name)?;
                self.root_setgid.set(header_mode(&header) & 0o2000 != 0);
                let mtime = header.mtime().unwrap_or(0);
                self.dir_times.push((self.root.to_path_buf(), mtime));
            }
            return Ok(());
        }
        self.check_parents(&rel, &name, true)?;

        // overlayfs whiteouts.
        let base = rel
            .file_name()
            .map(|b| b.to_string_lossy().into_owned())
            .unwrap_or_default();
        if base == ".wh..wh..opq" {
            let dir = path.parent().unwrap_or(self.root);
            xattr::set(dir, self.opts.opaque_xattr(), b"y")
                .map_err(|e| self.bad(&name, format!("marking the directory opaque: {e}")))?;
            return Ok(());
        }
        if let Some(hidden) = base.strip_prefix(".wh.") {
            if hidden.is_empty() || hidden == "." || hidden == ".." {
                return Err(self.bad(&name, "bad whiteout name"));
            }
            let target = path.with_file_name(hidden);
            self.clear(&target, false, &name)?;
            nix::sys::stat::mknod(&target, SFlag::S_IFCHR, Mode::empty(), 0)
                .map_err(|e| self.bad(&name, format!("creating the whiteout: {e}")))?;
            return Ok(());
        }

        match kind {
            tar::EntryType::Directory => {
                let mode = header_mode(&header);
                let mkdir = || fs::DirBuilder::new().mode(mode & 0o777).create(&path);
                // Made here (the common case: one mkdir), or already a directory.
                let made = match mkdir() {
                    Ok(()) => true,
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                        if self.clear(&path, true, &name)? {
                            false
                        } else {
                            mkdir().map_err(self.io_err(&name))?;
                            true
                        }
                    }
                    Err(e) => return Err(self.io_err(&name)(e)),
                };
                let target = Target {
                    made: made.then_some(rel.as_path()),
                    dir: true,
                    ..Target::existing(&path)
                };
                self.apply_meta(&header, &xattrs, target, &name)?;
                // Its mode is now the header's exactly.
                self.known_dirs
                    .borrow_mut()
                    .insert(rel.clone(), mode & 0o2000 != 0);
                let mtime = header.mtime().unwrap_or(0);
                self.dir_times.push((path, mtime));
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let mode = header_mode(&header);
                // O_EXCL and O_NOFOLLOW: whatever is there (a symlink above all) is removed
                // first, never written through.
                let create = || {
                    OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .mode(mode & 0o777)
                        .custom_flags(libc::O_NOFOLLOW)
                        .open(&path)
                };
                let mut f = match create() {
                    Ok(f) => f,
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                        self.clear(&path, false, &name)?;
                        create().map_err(self.io_err(&name))?
                    }
                    Err(e) => return Err(self.io_err(&name)(e)),
                };
                let n = self
                    .copy_data(&mut entry, &mut f)
                    .map_err(self.io_err(&name))?;
                if n >= EARLY_WRITEBACK_MIN {
                    start_writeback(&f);
                }
                self.size += n;
                let target = Target {
                    made: Some(rel.as_path()),
                    file: Some(&f),
                    ..Target::existing(&path)
                };
                self.apply_meta(&header, &xattrs, target, &name)?;
                let t = nix::sys::time::TimeSpec::new(header.mtime().unwrap_or(0) as i64, 0);
                let _ = nix::sys::stat::futimens(&f, &t, &t);
            }
            tar::EntryType::Symlink => {
                let target = entry
                    .link_name()
                    .map_err(self.io_err(&name))?
                    .ok_or_else(|| self.bad(&name, "symlink without a target"))?
                    .into_owned();
                let link = || std::os::unix::fs::symlink(&target, &path);
                match link() {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                        self.clear(&path, false, &name)?;
                        link().map_err(self.io_err(&name))?;
                    }
                    Err(e) => return Err(self.io_err(&name)(e)),
                }
                let target = Target {
                    made: Some(rel.as_path()),
                    symlink: true,
                    ..Target::existing(&path)
                };
                self.apply_meta(&header, &xattrs, target, &name)?;
                set_mtime(&path, header.mtime().unwrap_or(0));
            }
            tar::EntryType::Link => {
                let target = entry
                    .link_name()
                    .map_err(self.io_err(&name))?
                    .ok_or_else(|| self.bad(&name, "hardlink without a target"))?
                    .into_owned();
                let target_name = target.display().to_string();
                let rel_target = normalise(&target)
                    .filter(|t| !t.as_os_str().is_empty())
                    .ok_or_else(|| ImageError::Escape {
                        layer: self.layer.to_string(),
                        entry: format!("{name} -> {target_name}"),
                    })?;
                self.check_parents(&rel_target, &name, false)?;
                let src = self.root.join(&rel_target);
                match fs::symlink_metadata(&src) {
                    Ok(m) if !m.is_dir() => {}
                    Ok(_) => return Err(self.bad(&name, "hardlink to a directory")),
                    Err(_) => {
                        return Err(self.bad(
                            &name,
                            format!("hardlink target {target_name:?} is not in the layer"),
                        ))
                    }
                }
                if src == path {
                    return Ok(());
                }
                self.clear(&path, false, &name)?;
                fs::hard_link(&src, &path).map_err(self.io_err(&name))?;
            }
            tar::EntryType::Char | tar::EntryType::Block if !is_whiteout_node(&header) => {
                // A layer's device node could name a host disk (rootful) and would be usable
                // wherever a file system is not nodev: never created, rootless or rootful. The
                // container's /dev holds the host's own nodes, bind-mounted.
                tracing::debug!(entry = %name, "device node in a layer, not created");
            }
            tar::EntryType::Fifo | tar::EntryType::Char | tar::EntryType::Block => {
                self.clear(&path, false, &name)?;
                let h = &header;
                let (flag, dev) = match kind {
                    tar::EntryType::Fifo => (SFlag::S_IFIFO, 0),
                    tar::EntryType::Char => (
                        SFlag::S_IFCHR,
                        nix::sys::stat::makedev(
                            h.device_major().ok().flatten().unwrap_or(0).into(),
                            h.device_minor().ok().flatten().unwrap_or(0).into(),
                        ),
                    ),
                    _ => (
                        SFlag::S_IFBLK,
                        nix::sys::stat::makedev(
                            h.device_major().ok().flatten().unwrap_or(0).into(),
                            h.device_minor().ok().flatten().unwrap_or(0).into(),
                        ),
                    ),
                };
                match nix::sys::stat::mknod(&path, flag, Mode::from_bits_truncate(0o600), dev) {
                    Ok(()) => {
                        self.apply_meta(&header, &xattrs, Target::existing(&path), &name)?;
                        set_mtime(&path, header.mtime().unwrap_or(0));
                    }
                    Err(nix::errno::Errno::EPERM) if flag != SFlag::S_IFIFO => {
                        tracing::debug!(entry = %name, "device node not permitted here, skipped");
                    }
                    Err(e) => return Err(self.bad(&name, format!("mknod: {e}"))),
                }
            }
            other => {
                tracing::debug!(entry = %name, kind = ?other, "unsupported tar entry type, skipped");
            }
        }
        Ok(())
    }

    /// Copy an entry's data into `f` in writes of up to 256 KiB; the number of bytes.
    fn copy_data(&mut self, from: &mut impl Read, f: &mut File) -> io::Result<u64> {
        if self.buf.is_empty() {
            self.buf = vec![0u8; 256 * 1024];
        }
        let mut total = 0u64;
        loop {
            // Fill as much of the buffer as the entry gives before writing it.
            let mut filled = 0;
            while filled < self.buf.len() {
                match from.read(&mut self.buf[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            if filled == 0 {
                return Ok(total);
            }
            f.write_all(&self.buf[..filled])?;
            total += filled as u64;
            if filled < self.buf.len() {
                return Ok(total);
            }
        }
    }

    /// Owner, mode and xattrs of an entry. One just made by this extractor is chowned and
    /// chmodded only where it differs from what it was made with (most entries of a layer are
    /// root's and need neither: a chown and a chmod fewer per file).
    fn apply_meta(
        &self,
        h: &tar::Header,
        xattrs: &[(String, Vec<u8>)],
        t: Target<'_>,
        name: &str,
    ) -> Result<(), ImageError> {
        let uid = h.uid().unwrap_or(0) as u32;
        let gid = h.gid().unwrap_or(0) as u32;
        let mode = header_mode(h);
        let (chown, chmod) = match t.made {
            None => (true, !t.symlink),
            Some(rel) => {
                // In a set-group-ID directory it took the directory's group (and a directory
                // the set-group-ID bit); otherwise it is ours, with the mode it was made with
                // less the umask. chown clears a file's set-user-ID and set-group-ID bits:
                // those are always set again by the chmod.
                let setgid = self.parent_setgid(rel);
                let chown = (uid, gid) != self.me || setgid;
                let chmod = !t.symlink
                    && (mode & 0o7000 != 0 || mode & self.umask != 0 || (t.dir && setgid));
                (chown, chmod)
            }
        };
        if chown {
            let res = match t.file {
                Some(f) => std::os::unix::fs::fchown(f, Some(uid), Some(gid)),
                None => std::os::unix::fs::lchown(t.path, Some(uid), Some(gid)),
            };
            if let Err(e) = res {
                // EINVAL: the id is not mapped in this user namespace (no subordinate ids).
                if e.raw_os_error() == Some(libc::EINVAL) || e.raw_os_error() == Some(libc::EPERM) {
                    tracing::debug!(entry = %name, uid, gid, "cannot chown: {e}");
                } else {
                    return Err(self.io_err(name)(e));
                }
            }
        }
        if chmod {
            let perms = fs::Permissions::from_mode(mode);
            match t.file {
                Some(f) => f.set_permissions(perms),
                None => fs::set_permissions(t.path, perms),
            }
            .map_err(self.io_err(name))?;
        }
        for (attr, value) in xattrs {
            let attr = attr.as_str();
            if !layer_xattr_allowed(attr) {
                tracing::debug!(entry = %name, attr, "overlay or trusted xattr in a layer, dropped");
                continue;
            }
            let res = match t.file {
                Some(f) => xattr::FileExt::set_xattr(f, attr, value),
                None => xattr::set(t.path, attr, value),
            };
            if let Err(e) = res {
                let ignorable = matches!(
                    e.raw_os_error(),
                    Some(libc::EPERM) | Some(libc::ENOTSUP) | Some(libc::EACCES)
                );
                if attr.starts_with("user.") && !t.symlink && !ignorable {
                    return Err(self.bad(name, format!("setting xattr {attr}: {e}")));
                }
                tracing::debug!(entry = %name, attr, "xattr not set: {e}");
            }
        }
        Ok(())
    }
}

/// What `Extractor::apply_meta` sets the owner, mode and xattrs of.
struct Target<'p> {
    path: &'p Path,
    /// A symlink: no mode of its own.
    symlink: bool,
    /// A directory.
    dir: bool,
    /// Made just now by the extractor, at this path below the root, with the header's
    /// permission bits (less the umask).
    made: Option<&'p Path>,
    /// Open: set through the descriptor rather than the path.
    file: Option<&'p File>,
}

impl<'p> Target<'p> {
    /// Something that was there before (or the root): its owner and mode are all set.
    fn existing(path: &'p Path) -> Target<'p> {
        Target {
            path,
            symlink: false,
            dir: false,
            made: None,
            file: None,
        }
    }
}

/// The permission bits of an entry (with set-user-ID, set-group-ID and sticky).
fn header_mode(h: &tar::Header) -> u32 {
    h.mode().unwrap_or(0o644) & 0o7777
}

/// May a layer carry this extended attribute? Not `trusted.*` (overlayfs's own when rootful,
/// and other kernel users'), nor `user.overlay.*` (overlayfs's when rootless): an opaque or
/// redirect marker smuggled in a layer would change what the merged tree shows. skiff sets
/// the opaque marker itself, from `.wh..wh..opq` entries.
fn layer_xattr_allowed(attr: &str) -> bool {
    !(attr.starts_with("trusted.") || attr.starts_with("user.overlay."))
}

/// A character device 0:0: overlayfs's own whiteout, the only device node a layer may hold.
fn is_whiteout_node(h: &tar::Header) -> bool {
    h.entry_type() == tar::EntryType::Char
        && h.device_major().ok().flatten().unwrap_or(0) == 0
        && h.device_minor().ok().flatten().unwrap_or(0) == 0
}

/// The `SCHILY.xattr.*` PAX records of an entry: (attribute name, value).
fn entry_xattrs<R: Read>(entry: &mut tar::Entry<'_, R>) -> Vec<(String, Vec<u8>)> {
    let Ok(Some(exts)) = entry.pax_extensions() else {
        return Vec::new();
    };
    exts.filter_map(Result::ok)
        .filter_map(|e| {
            let key = e.key().ok()?;
            let attr = key.strip_prefix("SCHILY.xattr.")?;
            Some((attr.to_string(), e.value_bytes().to_vec()))
        })
        .collect()
}

/// Files at least this big have their writeback started as soon as they are written (75% of
/// the bytes of a Debian root with perl and python3 are in its 5% of files over 64 KiB).
const EARLY_WRITEBACK_MIN: u64 = 64 * 1024;

/// Start writing `f`'s data to disk without waiting for it: the disk works while the layers
/// are still being unpacked, and the one `syncfs` that makes the pull durable (`commit_all`)
/// has little left to wait for. Small files are left to the `syncfs` (a call per file would
/// cost more than it saves).
fn start_writeback(f: &File) {
    crate::sys::fd::start_writeback(f.as_fd());
}

fn set_mtime(path: &Path, mtime: u64) {
    let t = nix::sys::time::TimeSpec::new(mtime as i64, 0);
    let _ = nix::sys::stat::utimensat(
        nix::fcntl::AT_FDCWD,
        path,
        &t,
        &t,
        nix::sys::stat::UtimensatFlags::NoFollowSymlink,
    );
}

#[cfg(test)]
mod tests;
