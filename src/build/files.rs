//! Files for COPY and ADD: a read-only tree (the build context with its `.dockerignore`, or an
//! image's unpacked layers), the sources a step selects in it (globs, directories), their
//! checksum for the cache key (names, content, modes; not mtimes), and the layer tar that puts
//! them in the image, with the owners the step asks for (the files on disk belong to whoever
//! made them; the tar headers say root or `--chown`).
use std::collections::HashSet;
use std::fs::Metadata;
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::ignore::{clean, has_glob, path_match, Ignore};
use super::BuildError;

fn is_whiteout(m: &Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    m.file_type().is_char_device() && m.rdev() == 0
}

fn is_opaque(dir: &Path) -> bool {
    ["user.overlay.opaque", "trusted.overlay.opaque"]
        .iter()
        .any(|x| matches!(xattr::get(dir, x), Ok(Some(v)) if v == b"y"))
}

/// A read-only file tree made of one or more directories, top first (overlay rules).
#[derive(Debug, Clone)]
pub struct Tree {
    pub layers: Vec<PathBuf>,
    pub ignore: Option<Ignore>,
    /// Image layers (whiteouts and opaque directories), not a plain directory.
    pub overlay: bool,
}

/// What a tree path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File,
    Symlink(PathBuf),
}

/// One entry to put in a layer.
#[derive(Debug, Clone)]
pub struct Item {
    /// Where the content is on the host (None for generated content).
    pub host: Option<PathBuf>,
    /// Generated content (a here-document).
    pub data: Option<Vec<u8>>,
    /// Path in the image, relative to its root.
    pub dest: String,
    pub kind: Kind,
    pub mode: u32,
    pub mtime: u64,
    pub uid: u32,
    pub gid: u32,
}

impl Tree {
    pub fn dir(root: PathBuf, ignore: Option<Ignore>) -> Tree {
        Tree {
            layers: vec![root],
            ignore,
            overlay: false,
        }
    }

    /// An image's unpacked layers, top first.
    pub fn layers(layers: Vec<PathBuf>) -> Tree {
        Tree {
            layers,
            ignore: None,
            overlay: true,
        }
    }

    fn excluded(&self, rel: &str) -> bool {
        !rel.is_empty() && self.ignore.as_ref().is_some_and(|i| i.excluded(rel))
    }

    /// The host path and metadata of `rel` in the merged view, if present.
    pub fn lookup(&self, rel: &str) -> Option<(PathBuf, Metadata)> {
        if !self.overlay {
            let p = self.layers.first()?.join(rel);
            return std::fs::symlink_metadata(&p).ok().map(|m| (p, m));
        }
        let comps: Vec<&str> = rel.split('/').filter(|c| !c.is_empty()).collect();
        for layer in &self.layers {
            let mut cur = layer.clone();
            let mut opaque_above = false;
            let mut hidden = false;
            for c in comps.iter().take(comps.len().saturating_sub(1)) {
                cur.push(c);
                match std::fs::symlink_metadata(&cur) {
                    Ok(m) if !m.is_dir() => {
                        hidden = true;
                        break;
                    }
                    Ok(_) => opaque_above |= is_opaque(&cur),
                    Err(_) => {}
                }
            }
            if hidden {
                return None;
            }
            let p = comps.iter().fold(layer.clone(), |p, c| p.join(c));
            match std::fs::symlink_metadata(&p) {
                Ok(m) if is_whiteout(&m) => return None,
                Ok(m) => return Some((p, m)),
                Err(_) if opaque_above => return None,
                Err(_) => {}
            }
        }
        None
    }

    /// `rel` with the symbolic links of its directories followed inside the tree, as a copy
    /// into an image follows them (`COPY x /bin/` where /bin links to usr/bin lands in
    /// usr/bin). The last component is followed too when it links to a directory.
    pub fn follow_links(&self, rel: &str) -> String {
        self.resolve_links(rel, true)
    }

    /// `rel` with the links of its parent directories resolved inside the tree (an absolute
    /// link starts again at the tree's root, `..` stops there): never a path out of it.
    /// With `follow_last`, a last component that links to a directory is followed too.
    pub fn resolve_links(&self, rel: &str, follow_last: bool) -> String {
        let mut todo: Vec<String> = rel
            .split('/')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .rev()
            .collect();
        let mut done: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(c) = todo.pop() {
            match c.as_str() {
                "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                _ => {}
            }
            done.push(c);
            let cur = done.join("/");
            let Some((host, m)) = self.lookup(&cur) else {
                continue;
            };
            if !m.file_type().is_symlink() {
                continue;
            }
            let last = todo.is_empty();
            if last && !follow_last {
                continue;
            }
            let Ok(target) = std::fs::read_link(&host) else {
                continue;
            };
            hops += 1;
            if hops > 40 {
                break;
            }
            let t = target.to_string_lossy().into_owned();
            let mut next: Vec<String> = if t.starts_with('/') {
                Vec::new()
            } else {
                done[..done.len() - 1].to_vec()
            };
            for seg in t.split('/').filter(|s| !s.is_empty()) {
                if seg == ".." {
                    next.pop();
                } else if seg != "." {
                    next.push(seg.to_string());
                }
            }
            let resolved = next.join("/");
            if last && !self.lookup(&resolved).is_some_and(|(_, m)| m.is_dir()) {
                // A link to a file (or to nothing) as the last component: replaced, not followed.
                continue;
            }
            done = next;
        }
        done.join("/")
    }

    /// The names in directory `rel`, merged over the layers, sorted.
    pub fn list(&self, rel: &str) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut names = Vec::new();
        for layer in &self.layers {
            let d = if rel.is_empty() {
                layer.clone()
            } else {
                layer.join(rel)
            };
            match std::fs::symlink_metadata(&d) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => break,
                Err(_) => continue,
            }
            if let Ok(rd) = std::fs::read_dir(&d) {
                for e in rd.flatten() {
                    let n = e.file_name().to_string_lossy().into_owned();
                    if !seen.insert(n.clone()) {
                        continue;
                    }
                    if self.overlay && e.metadata().map(|m| is_whiteout(&m)).unwrap_or(false) {
                        continue;
                    }
                    names.push(n);
                }
            }
            if self.overlay && is_opaque(&d) {
                break;
            }
        }
        names.sort();
        let join = |n: &str| {
            if rel.is_empty() {
                n.to_string()
            } else {
                format!("{rel}/{n}")
            }
        };
        let keep_dirs = self.ignore.as_ref().is_some_and(Ignore::has_exceptions);
        names
            .into_iter()
            .filter(|n| {
                let p = join(n);
                !self.excluded(&p)
                    || (keep_dirs && self.lookup(&p).is_some_and(|(_, m)| m.is_dir()))
            })
            .collect()
    }

    /// The tree paths a COPY source names: itself, or the matches of a glob.
    pub fn resolve(&self, src: &str) -> Result<Vec<String>, BuildError> {
        let rel = clean_inside(src)?;
        if !has_glob(&rel) {
            // Through a link of the tree, never out of it.
            let rel = self.resolve_links(&rel, false);
            if self.lookup(&rel).is_none() || self.excluded(&rel) {
                return Err(BuildError::Failed(format!(
                    "failed to compute cache key: \"/{rel}\": not found"
                )));
            }
            return Ok(vec![rel]);
        }
        let segs: Vec<&str> = rel.split('/').collect();
        let mut found = vec![String::new()];
        for (i, seg) in segs.iter().enumerate() {
            let mut next = Vec::new();
            for base in &found {
                if has_glob(seg) {
                    for n in self.list(base) {
                        if path_match(seg, &n) {
                            next.push(if base.is_empty() {
                                n
                            } else {
                                format!("{base}/{n}")
                            });
                        }
                    }
                } else {
                    let p = if base.is_empty() {
                        seg.to_string()
                    } else {
                        format!("{base}/{seg}")
                    };
                    if self.lookup(&p).is_some() {
                        next.push(p);
                    }
                }
            }
            if i + 1 < segs.len() {
                next.retain(|p| self.lookup(p).is_some_and(|(_, m)| m.is_dir()));
            }
            found = next;
        }
        found.retain(|p| !self.excluded(p));
        if found.is_empty() {
            return Err(BuildError::Failed(format!(
                "failed to compute cache key: no source files were specified: \"{src}\" matches nothing"
            )));
        }
        Ok(found)
    }

    /// The items of one source copied to `dest` (image path, relative): a directory's
    /// contents go below `dest`; a file or link becomes `dest`.
    pub fn items(&self, rel: &str, dest: &str, out: &mut Vec<Item>) -> Result<(), BuildError> {
        let (host, meta) = self.lookup(rel).ok_or_else(|| {
            BuildError::Failed(format!(
                "failed to compute cache key: \"/{rel}\": not found"
            ))
        })?;
        let item = |host: PathBuf, meta: &Metadata, dest: String| -> Result<Item, BuildError> {
            let kind = if meta.is_dir() {
                Kind::Dir
            } else if meta.file_type().is_symlink() {
                Kind::Symlink(
                    std::fs::read_link(&host)
                        .map_err(BuildError::io(format!("reading {}", host.display())))?,
                )
            } else if meta.is_file() {
                Kind::File
            } else {
                return Err(BuildError::Failed(format!(
                    "{}: not a regular file, directory or link",
                    host.display()
                )));
            };
            Ok(Item {
                host: Some(host),
                data: None,
                dest,
                kind,
                mode: meta.permissions().mode() & 0o7777,
                mtime: meta.mtime().max(0) as u64,
                uid: 0,
                gid: 0,
            })
        };
        if !meta.is_dir() {
            out.push(item(host, &meta, dest.to_string())?);
            return Ok(());
        }
        if !dest.is_empty() {
            out.push(item(host, &meta, dest.to_string())?);
        }
        for n in self.list(rel) {
            let child = if rel.is_empty() {
                n.clone()
            } else {
                format!("{rel}/{n}")
            };
            let d = if dest.is_empty() {
                n.clone()
            } else {
                format!("{dest}/{n}")
            };
            let Some((h, m)) = self.lookup(&child) else {
                continue;
            };
            if m.is_dir() {
                self.items(&child, &d, out)?;
            } else if !self.excluded(&child) {
                out.push(item(h, &m, d)?);
            }
        }
        Ok(())
    }
}

/// Clean a source path, refusing one that leaves the root (`../x`).
pub fn clean_inside(src: &str) -> Result<String, BuildError> {
    let mut depth: i64 = 0;
    for seg in src.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return Err(BuildError::Failed(format!(
                        "forbidden path outside the build context: {src}"
                    )));
                }
            }
            _ => depth += 1,
        }
    }
    Ok(clean(src))
}

/// Content checksums of files, remembered by (inode, size, mtime, ctime): a file whose
/// metadata did not change is not read again (`touch` changes mtime and ctime: the file is read
/// again, and its checksum is the same).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct SumCache {
    files: std::collections::HashMap<String, (u64, u64, i64, i64, String)>,
    #[serde(skip)]
    dirty: bool,
}

impl SumCache {
    pub fn load(path: &Path) -> SumCache {
        crate::state::atomic::read_json(path).unwrap_or_default()
    }

    pub fn save(&self, path: &Path) {
        if !self.dirty {
            return;
        }
        if let (Some(dir), Ok(data)) = (path.parent(), serde_json::to_vec(self)) {
            let _ = std::fs::create_dir_all(dir);
            // Derived data: atomic, not worth an fsync.
            let _ = crate::state::write_replace(path, &data);
        }
    }

    fn file_sum(&mut self, p: &Path) -> Result<Vec<u8>, BuildError> {
        use sha2::Digest;
        let key = p.to_string_lossy().into_owned();
        let meta =
            std::fs::metadata(p).map_err(BuildError::io(format!("reading {}", p.display())))?;
        let stamp = (
            meta.ino(),
            meta.len(),
            meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
            meta.ctime() * 1_000_000_000 + meta.ctime_nsec(),
        );
        if let Some((i, l, m, c, sum)) = self.files.get(&key) {
            if (*i, *l, *m, *c) == stamp {
                if let Ok(v) = hex::decode(sum) {
                    return Ok(v);
                }
            }
        }
        let mut f =
            std::fs::File::open(p).map_err(BuildError::io(format!("reading {}", p.display())))?;
        let mut fh = sha2::Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = f
                .read(&mut buf)
                .map_err(BuildError::io(format!("reading {}", p.display())))?;
            if n == 0 {
                break;
            }
            fh.update(&buf[..n]);
        }
        let sum = fh.finalize().to_vec();
        self.files
            .insert(key, (stamp.0, stamp.1, stamp.2, stamp.3, hex::encode(&sum)));
        self.dirty = true;
        Ok(sum)
    }
}

/// The checksum of items: names, kinds, modes, owners and content (not mtimes).
pub fn checksum(items: &[Item]) -> Result<String, BuildError> {
    checksum_cached(items, &mut SumCache::default())
}

/// [`checksum`], with the content checksums of unchanged files from `cache`.
pub fn checksum_cached(items: &[Item], cache: &mut SumCache) -> Result<String, BuildError> {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for it in items {
        let kind = match &it.kind {
            Kind::Dir => "d".to_string(),
            Kind::File => "f".to_string(),
            Kind::Symlink(t) => format!("l{}", t.display()),
        };
        h.update(
            format!(
                "{}\0{kind}\0{:o}\0{}:{}\0",
                it.dest, it.mode, it.uid, it.gid
            )
            .as_bytes(),
        );
        if it.kind == Kind::File {
            if let Some(d) = &it.data {
                h.update(sha2::Sha256::digest(d));
            } else if let Some(p) = &it.host {
                h.update(cache.file_sum(p)?);
            }
        }
    }
    Ok(hex::encode(h.finalize()))
}

/// A writer that hashes what passes through it (the layer's diff_id).
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: sha2::Sha256,
    count: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        use sha2::Digest;
        HashingWriter {
            inner,
            hasher: sha2::Sha256::new(),
            count: 0,
        }
    }
    /// (`sha256:<hex>`, length, the inner writer).
    pub fn finish(self) -> (String, u64, W) {
        use sha2::Digest;
        (
            format!("sha256:{}", hex::encode(self.hasher.finalize())),
            self.count,
            self.inner,
        )
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn header(kind: tar::EntryType, mode: u32, uid: u32, gid: u32, mtime: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(uid as u64);
    h.set_gid(gid as u64);
    h.set_mtime(mtime);
    h.set_size(0);
    h
}

/// Write items into a layer tar. Files that are hard links of one another on the host stay
/// hard links in the layer (as BuildKit's COPY keeps them): the first is written, the others
/// link to it.
pub fn write_items<W: Write>(b: &mut tar::Builder<W>, items: &[Item]) -> Result<(), BuildError> {
    use std::os::unix::fs::MetadataExt;
    let err = |d: &str| BuildError::io(format!("writing {d} into the layer"));
    let mut first_of: std::collections::HashMap<(u64, u64), &str> = Default::default();
    for it in items {
        if let (Kind::File, Some(p), None) = (&it.kind, &it.host, &it.data) {
            let meta = std::fs::symlink_metadata(p)
                .map_err(BuildError::io(format!("reading {}", p.display())))?;
            if meta.nlink() > 1 {
                match first_of.get(&(meta.dev(), meta.ino())) {
                    Some(first) => {
                        let mut h = header(tar::EntryType::Link, it.mode, it.uid, it.gid, it.mtime);
                        b.append_link(&mut h, &it.dest, first)
                            .map_err(err(&it.dest))?;
                        continue;
                    }
                    None => {
                        first_of.insert((meta.dev(), meta.ino()), &it.dest);
                    }
                }
            }
        }
        match &it.kind {
            Kind::Dir => {
                let mut h = header(tar::EntryType::Directory, it.mode, it.uid, it.gid, it.mtime);
                b.append_data(&mut h, format!("{}/", it.dest), io::empty())
                    .map_err(err(&it.dest))?;
            }
            Kind::Symlink(t) => {
                let mut h = header(tar::EntryType::Symlink, it.mode, it.uid, it.gid, it.mtime);
                b.append_link(&mut h, &it.dest, t).map_err(err(&it.dest))?;
            }
            Kind::File => {
                let mut h = header(tar::EntryType::Regular, it.mode, it.uid, it.gid, it.mtime);
                if let Some(d) = &it.data {
                    h.set_size(d.len() as u64);
                    b.append_data(&mut h, &it.dest, &d[..])
                        .map_err(err(&it.dest))?;
                } else if let Some(p) = &it.host {
                    let f = std::fs::File::open(p)
                        .map_err(BuildError::io(format!("reading {}", p.display())))?;
                    let len = f
                        .metadata()
                        .map_err(BuildError::io(format!("reading {}", p.display())))?
                        .len();
                    h.set_size(len);
                    b.append_data(&mut h, &it.dest, f.take(len))
                        .map_err(err(&it.dest))?;
                }
            }
        }
    }
    Ok(())
}

/// The compression of an archive, by its magic bytes.
pub fn archive_reader(path: &Path) -> Result<Option<Box<dyn Read>>, BuildError> {
    let mut f =
        std::fs::File::open(path).map_err(BuildError::io(format!("opening {}", path.display())))?;
    let mut magic = [0u8; 6];
    let n = f
        .read(&mut magic)
        .map_err(BuildError::io(format!("reading {}", path.display())))?;
    let f =
        std::fs::File::open(path).map_err(BuildError::io(format!("opening {}", path.display())))?;
    let m = &magic[..n];
    let reader: Box<dyn Read> = if m.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::new(f)))
    } else if m.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(
            zstd::stream::read::Decoder::new(f)
                .map_err(BuildError::io(format!("reading {}", path.display())))?,
        )
    } else if m.starts_with(b"BZh") {
        Box::new(bzip2_rs::DecoderReader::new(io::BufReader::new(f)))
    } else if m.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        // lzma-rs decodes xz into a writer: into an anonymous temp file (bounded: a small
        // archive may decompress to anything), read back.
        let out = tempfile::tempfile().map_err(BuildError::io("creating a temp file"))?;
        let limit = crate::limits::max_add_size();
        let mut bounded = crate::limits::Bounded::new(
            out,
            limit,
            format!(
                "the decompressed {} (SKIFF_MAX_ADD_SIZE raises the limit)",
                path.display()
            ),
        );
        lzma_rs::xz_decompress(&mut io::BufReader::new(f), &mut bounded).map_err(|e| {
            BuildError::Failed(match e {
                lzma_rs::error::Error::IoError(e) if e.kind() == io::ErrorKind::FileTooLarge => {
                    e.to_string()
                }
                e => format!("{}: not a valid xz archive: {e}", path.display()),
            })
        })?;
        let mut out = bounded.into_inner();
        io::Seek::rewind(&mut out).map_err(BuildError::io("reading a temp file"))?;
        Box::new(out)
    } else {
        Box::new(f)
    };
    // Whatever the compression, no more than the limit is unpacked into the layer.
    let mut r: Box<dyn Read> = Box::new(crate::limits::Bounded::new(
        reader,
        crate::limits::max_add_size(),
        format!(
            "the decompressed {} (SKIFF_MAX_ADD_SIZE raises the limit)",
            path.display()
        ),
    ));
    // A tar? (a valid header block: "ustar" at 257, or a correct checksum)
    let mut block = vec![0u8; 512];
    let mut got = 0;
    while got < 512 {
        match r.read(&mut block[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(_) => return Ok(None),
        }
    }
    if got < 512 {
        return Ok(None);
    }
    let ustar = &block[257..262] == b"ustar";
    let sum_ok = {
        let stored = std::str::from_utf8(&block[148..156])
            .ok()
            .map(|s| s.trim_matches(|c: char| c == '\0' || c == ' '))
            .and_then(|s| u32::from_str_radix(s, 8).ok());
        let computed: u32 = block
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    b as u32
                }
            })
            .sum();
        stored == Some(computed)
    };
    if !(ustar || sum_ok) {
        return Ok(None);
    }
    Ok(Some(Box::new(io::Cursor::new(block).chain(r))))
}

/// Copy the entries of an archive into the layer below `dest`, refusing entries that would
/// land outside it (`..`, links that point out, writes through a link of the archive).
pub fn write_archive<W: Write>(
    b: &mut tar::Builder<W>,
    archive: Box<dyn Read>,
    dest: &str,
    name: &str,
) -> Result<(), BuildError> {
    let hostile = |what: String| {
        BuildError::Failed(format!("ADD {name}: refusing a hostile archive: {what}"))
    };
    let mut a = tar::Archive::new(archive);
    let mut links: Vec<String> = Vec::new();
    let entries = a
        .entries()
        .map_err(BuildError::io(format!("reading {name}")))?;
    for e in entries {
        let mut e = e.map_err(BuildError::io(format!("reading {name}")))?;
        let raw = e
            .path()
            .map_err(BuildError::io(format!("reading {name}")))?
            .to_string_lossy()
            .into_owned();
        if raw.split('/').any(|s| s == "..") {
            return Err(hostile(format!("entry {raw:?} escapes the destination")));
        }
        let rel = clean(&raw);
        if rel.is_empty() {
            continue;
        }
        if links.iter().any(|l| rel.starts_with(&format!("{l}/"))) {
            return Err(hostile(format!("entry {raw:?} is written through a link")));
        }
        let full = if dest.is_empty() {
            rel.clone()
        } else {
            format!("{dest}/{rel}")
        };
        let mut h = e.header().clone();
        let kind = h.entry_type();
        match kind {
            tar::EntryType::Symlink => {
                let t = e
                    .link_name()
                    .map_err(BuildError::io(format!("reading {name}")))?
                    .map(|t| t.to_string_lossy().into_owned())
                    .unwrap_or_default();
                links.push(rel.clone());
                b.append_link(&mut h, &full, t)
                    .map_err(BuildError::io(format!("writing {full}")))?;
            }
            tar::EntryType::Link => {
                let t = e
                    .link_name()
                    .map_err(BuildError::io(format!("reading {name}")))?
                    .map(|t| t.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if t.starts_with('/') || t.split('/').any(|s| s == "..") {
                    return Err(hostile(format!("hard link {raw:?} points outside ({t:?})")));
                }
                let target = if dest.is_empty() {
                    clean(&t)
                } else {
                    format!("{dest}/{}", clean(&t))
                };
                b.append_link(&mut h, &full, target)
                    .map_err(BuildError::io(format!("writing {full}")))?;
            }
            tar::EntryType::Regular | tar::EntryType::Directory | tar::EntryType::Continuous => {
                // Streamed from the archive into the layer, never whole in memory.
                let (path, size) = if kind == tar::EntryType::Directory {
                    (format!("{full}/"), 0)
                } else {
                    (full.clone(), e.size())
                };
                h.set_size(size);
                b.append_data(&mut h, path, (&mut e).take(size))
                    .map_err(BuildError::io(format!("writing {full}")))?;
            }
            // Devices, fifos and extension headers are skipped.
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_stay_inside() {
        assert!(clean_inside("../x").is_err());
        assert!(clean_inside("a/../../x").is_err());
        assert_eq!(clean_inside("./a/../b/").unwrap(), "b");
    }

    #[test]
    fn tree_resolves_globs_and_ignores() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("src/sub")).unwrap();
        std::fs::write(d.path().join("a.txt"), "a").unwrap();
        std::fs::write(d.path().join("b.txt"), "b").unwrap();
        std::fs::write(d.path().join("c.log"), "c").unwrap();
        std::fs::write(d.path().join("src/sub/x"), "x").unwrap();
        let t = Tree::dir(d.path().to_path_buf(), Some(Ignore::parse("b.txt\n")));
        assert_eq!(t.resolve("*.txt").unwrap(), vec!["a.txt"]);
        assert!(t.resolve("b.txt").is_err());
        assert!(t.resolve("*.none").is_err());
        let mut items = Vec::new();
        t.items("src", "app", &mut items).unwrap();
        let names: Vec<_> = items.iter().map(|i| i.dest.as_str()).collect();
        assert_eq!(names, vec!["app", "app/sub", "app/sub/x"]);
        let c1 = checksum(&items).unwrap();
        std::fs::write(d.path().join("src/sub/x"), "y").unwrap();
        assert_ne!(c1, checksum(&items).unwrap());
    }
}
