//! A container's changes against its image, read from the overlay upper dir and the image's
//! unpacked layers (no mount needed):
//!
//! - [`changes`]: docker's `diff` (`A`, `C`, `D` per path);
//! - [`write_layer_tar`]: the upper dir as an image layer (`commit`): whiteouts become
//!   `.wh.NAME` entries and opaque directories get a `.wh..wh..opq` entry;
//! - [`write_merged_tar`]: the merged tree, layers and upper together (`export`).
//!
//! Whiteouts are character devices 0/0; opaque directories carry `user.overlay.opaque=y`
//! (`trusted.overlay.opaque` when rootful). Run these where the tree's owners are mapped (the
//! user namespace helper) so the tar headers carry the container's own ids.
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// One line of `diff`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Change {
    /// `A` added, `C` changed, `D` deleted.
    pub kind: char,
    /// Absolute path in the container.
    pub path: String,
}

/// An entry that went away (or was swapped for something else) while a running container's
/// tree was walked: skipped, as tar skips a file that vanishes while it reads.
pub fn vanished(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ENOENT | libc::ENOTDIR | libc::ELOOP)
    )
}

/// `r`, with a vanished entry as `None`.
fn unless_vanished<T>(r: io::Result<T>) -> io::Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if vanished(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// True for an overlay whiteout: a character device with device number 0/0.
pub fn is_whiteout(meta: &std::fs::Metadata) -> bool {
    meta.file_type().is_char_device() && meta.rdev() == 0
}

/// True for an opaque overlay directory.
pub fn is_opaque(dir: &Path) -> bool {
    ["user.overlay.opaque", "trusted.overlay.opaque"]
        .iter()
        .any(|x| matches!(xattr::get(dir, x), Ok(Some(v)) if v == b"y"))
}

/// Does `rel` exist in the merged view of `lowers` (top layer first)? Returns its metadata.
pub fn lookup_lower(lowers: &[PathBuf], rel: &Path) -> Option<std::fs::Metadata> {
    let comps: Vec<_> = rel.components().collect();
    for layer in lowers {
        let mut cur = layer.clone();
        let mut opaque_above = false;
        for c in &comps[..comps.len().saturating_sub(1)] {
            cur.push(c);
            match std::fs::symlink_metadata(&cur) {
                Ok(m) if !m.is_dir() => return None, // a whiteout or a file hides the rest
                Ok(_) => opaque_above |= is_opaque(&cur),
                Err(_) => {}
            }
        }
        match std::fs::symlink_metadata(layer.join(rel)) {
            Ok(m) if is_whiteout(&m) => return None,
            Ok(m) => return Some(m),
            Err(_) if opaque_above => return None,
            Err(_) => {}
        }
    }
    None
}

/// docker's `diff`: every path of the upper dir, as added, changed or deleted against the
/// image's layers (top first), sorted by path.
pub fn changes(upper: &Path, lowers: &[PathBuf]) -> io::Result<Vec<Change>> {
    let mut out = Vec::new();
    walk_changes(upper, Path::new(""), lowers, false, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn abs(rel: &Path) -> String {
    format!("/{}", rel.display())
}

fn walk_changes(
    upper: &Path,
    rel: &Path,
    lowers: &[PathBuf],
    hidden_below: bool,
    out: &mut Vec<Change>,
) -> io::Result<()> {
    let dir = upper.join(rel);
    let mut seen = Vec::new();
    let Some(entries) = unless_vanished(std::fs::read_dir(&dir))? else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let child = rel.join(&name);
        let Some(meta) = unless_vanished(entry.metadata())? else {
            continue;
        };
        seen.push(name);
        let lower = if hidden_below {
            None
        } else {
            lookup_lower(lowers, &child)
        };
        if is_whiteout(&meta) {
            if lower.is_some() {
                out.push(Change {
                    kind: 'D',
                    path: abs(&child),
                });
            }
            continue;
        }
        let kind = if lower.is_some() { 'C' } else { 'A' };
        out.push(Change {
            kind,
            path: abs(&child),
        });
        if meta.is_dir() {
            let opaque = is_opaque(&upper.join(&child));
            let lower_is_dir = lower.as_ref().is_some_and(|m| m.is_dir());
            if opaque && lower_is_dir {
                // Everything the lower layers had here is gone, unless the upper has it again.
                let mut gone = BTreeMap::new();
                merged_names(lowers, &child, &mut gone)?;
                let here: Vec<_> = unless_vanished(std::fs::read_dir(upper.join(&child)))?
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e.ok().map(|e| e.file_name()))
                    .collect();
                for name in gone.keys() {
                    if !here.contains(name) {
                        out.push(Change {
                            kind: 'D',
                            path: abs(&child.join(name)),
                        });
                    }
                }
            }
            walk_changes(
                upper,
                &child,
                lowers,
                hidden_below || opaque || !lower_is_dir,
                out,
            )?;
        }
    }
    Ok(())
}

/// The names visible in directory `rel` of the merged `lowers` (top first).
pub fn merged_names(
    lowers: &[PathBuf],
    rel: &Path,
    names: &mut BTreeMap<std::ffi::OsString, bool>,
) -> io::Result<()> {
    let stack: Vec<PathBuf> = lowers.iter().map(|l| l.join(rel)).collect();
    let mut visible = BTreeMap::new();
    for d in dir_stack(&stack) {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let white = e.metadata().map(|m| is_whiteout(&m)).unwrap_or(false);
            visible.entry(e.file_name()).or_insert(!white);
        }
        if is_opaque(&d) {
            break;
        }
    }
    names.extend(visible.into_iter().filter(|(_, v)| *v));
    Ok(())
}

/// The directories of `candidates` (top first) that make up one merged directory: down to the
/// first that is not a directory (a file or whiteout hides everything below it).
fn dir_stack(candidates: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for c in candidates {
        match std::fs::symlink_metadata(c) {
            Ok(m) if m.is_dir() => out.push(c.clone()),
            Ok(_) => break,
            Err(_) => {}
        }
    }
    out
}

/// Writes tar entries from files on disk, turning repeated inodes into hard links.
pub struct TarWriter<W: Write> {
    builder: tar::Builder<W>,
    links: HashMap<(u64, u64), PathBuf>,
}

impl<W: Write> TarWriter<W> {
    pub fn new(out: W) -> Self {
        let mut builder = tar::Builder::new(out);
        builder.follow_symlinks(false);
        TarWriter {
            builder,
            links: HashMap::new(),
        }
    }

    /// Add the file at `path` (never followed) under the name `name`.
    pub fn add_path(&mut self, path: &Path, name: &Path) -> io::Result<()> {
        let meta = std::fs::symlink_metadata(path)?;
        let mut h = tar::Header::new_gnu();
        h.set_metadata_in_mode(&meta, tar::HeaderMode::Complete);
        h.set_size(0);
        let ft = meta.file_type();
        if ft.is_file() && meta.nlink() > 1 {
            let key = (meta.dev(), meta.ino());
            if let Some(first) = self.links.get(&key) {
                h.set_entry_type(tar::EntryType::Link);
                let first = first.clone();
                return self.builder.append_link(&mut h, name, first);
            }
            self.links.insert(key, name.to_path_buf());
        }
        if ft.is_symlink() {
            let target = std::fs::read_link(path)?;
            self.builder.append_link(&mut h, name, target)
        } else if ft.is_file() {
            // Never a symlink swapped in since the stat, and the same file; a file that
            // shrinks meanwhile is padded, so the header's size stays true.
            use std::os::unix::fs::OpenOptionsExt;
            let f = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                .open(path)?;
            let now = f.metadata()?;
            if (now.dev(), now.ino()) != (meta.dev(), meta.ino()) || !now.is_file() {
                return Err(io::Error::from_raw_os_error(libc::ENOENT));
            }
            h.set_size(meta.len());
            let data = std::io::Read::chain(f, io::repeat(0));
            self.builder
                .append_data(&mut h, name, std::io::Read::take(data, meta.len()))
        } else {
            if ft.is_char_device() || ft.is_block_device() {
                let rdev = meta.rdev();
                h.set_device_major(nix::sys::stat::major(rdev) as u32)?;
                h.set_device_minor(nix::sys::stat::minor(rdev) as u32)?;
            }
            self.builder.append_data(&mut h, name, io::empty())
        }
    }

    /// An empty regular file (a whiteout marker).
    pub fn add_marker(&mut self, name: &Path, mtime: u64) -> io::Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_size(0);
        h.set_mode(0o600);
        h.set_mtime(mtime);
        self.builder.append_data(&mut h, name, io::empty())
    }

    pub fn finish(self) -> io::Result<W> {
        self.builder.into_inner()
    }
}

/// The upper dir as an image layer tar (docker's whiteout conventions).
pub fn write_layer_tar<W: Write>(upper: &Path, lowers: &[PathBuf], out: W) -> io::Result<W> {
    let mut tw = TarWriter::new(out);
    layer_dir(&mut tw, upper, lowers, Path::new(""))?;
    tw.finish()
}

fn sorted_entries(dir: &Path) -> io::Result<Vec<std::ffi::OsString>> {
    let mut names: Vec<_> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    names.sort();
    Ok(names)
}

fn layer_dir<W: Write>(
    tw: &mut TarWriter<W>,
    upper: &Path,
    lowers: &[PathBuf],
    rel: &Path,
) -> io::Result<()> {
    let dir = upper.join(rel);
    let Some(names) = unless_vanished(sorted_entries(&dir))? else {
        return Ok(());
    };
    for name in names {
        let child = rel.join(&name);
        if super::is_runtime_mount_point(upper, lowers, &child) {
            continue;
        }
        let path = upper.join(&child);
        let Some(meta) = unless_vanished(std::fs::symlink_metadata(&path))? else {
            continue;
        };
        if is_whiteout(&meta) {
            let mut wh = std::ffi::OsString::from(".wh.");
            wh.push(&name);
            tw.add_marker(&rel.join(wh), meta.mtime().max(0) as u64)?;
            continue;
        }
        if unless_vanished(tw.add_path(&path, &child))?.is_none() {
            continue;
        }
        if meta.is_dir() {
            if is_opaque(&path) {
                tw.add_marker(&child.join(".wh..wh..opq"), meta.mtime().max(0) as u64)?;
            }
            layer_dir(tw, upper, lowers, &child)?;
        }
    }
    Ok(())
}

/// The merged tree of `dirs` (the upper dir then the layers, top first) as a tar.
pub fn write_merged_tar<W: Write>(dirs: &[PathBuf], out: W) -> io::Result<W> {
    let mut tw = TarWriter::new(out);
    let stack = dir_stack(dirs);
    merged_dir(&mut tw, &stack, Path::new(""))?;
    tw.finish()
}

fn merged_dir<W: Write>(tw: &mut TarWriter<W>, stack: &[PathBuf], rel: &Path) -> io::Result<()> {
    // name -> index in `stack` of the top directory that has it (a whiteout hides it).
    let mut names: BTreeMap<std::ffi::OsString, Option<usize>> = BTreeMap::new();
    for (i, d) in stack.iter().enumerate() {
        let Ok(rd) = std::fs::read_dir(d) else {
            continue;
        };
        for e in rd {
            let Some(e) = unless_vanished(e)? else {
                continue;
            };
            let white = e.metadata().map(|m| is_whiteout(&m)).unwrap_or(false);
            names
                .entry(e.file_name())
                .or_insert(if white { None } else { Some(i) });
        }
        if is_opaque(d) {
            break;
        }
    }
    for (name, top) in names {
        let Some(i) = top else { continue };
        let path = stack[i].join(&name);
        let child = rel.join(&name);
        if unless_vanished(tw.add_path(&path, &child))?.is_none() {
            continue;
        }
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            let below: Vec<PathBuf> = stack[i..].iter().map(|d| d.join(&name)).collect();
            let sub = dir_stack(&below);
            merged_dir(tw, &sub, &child)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whiteout(p: &Path) -> bool {
        nix::sys::stat::mknod(
            p,
            nix::sys::stat::SFlag::S_IFCHR,
            nix::sys::stat::Mode::empty(),
            0,
        )
        .is_ok()
    }

    #[test]
    fn changes_against_layers() {
        let t = tempfile::tempdir().unwrap();
        let lower = t.path().join("lower");
        let upper = t.path().join("upper");
        std::fs::create_dir_all(lower.join("etc")).unwrap();
        std::fs::create_dir_all(lower.join("gone")).unwrap();
        std::fs::write(lower.join("etc/passwd"), "x").unwrap();
        std::fs::write(lower.join("etc/group"), "x").unwrap();
        std::fs::create_dir_all(upper.join("etc")).unwrap();
        std::fs::write(upper.join("etc/passwd"), "y").unwrap();
        std::fs::write(upper.join("etc/new"), "y").unwrap();
        std::fs::create_dir_all(upper.join("newdir/sub")).unwrap();
        // mknod needs privileges; without them the deletion case is not covered here.
        let wh = whiteout(&upper.join("gone"));
        let got = changes(&upper, std::slice::from_ref(&lower)).unwrap();
        let lines: Vec<String> = got
            .iter()
            .map(|c| format!("{} {}", c.kind, c.path))
            .collect();
        let mut want = vec![
            "C /etc",
            "A /etc/new",
            "C /etc/passwd",
            "A /newdir",
            "A /newdir/sub",
        ];
        if wh {
            want.insert(3, "D /gone");
        }
        assert_eq!(lines, want);
        // The merged tree: the upper wins, and the lower's other files show through.
        let tar = write_merged_tar(&[upper.clone(), lower.clone()], Vec::new()).unwrap();
        let mut a = tar::Archive::new(&tar[..]);
        let mut names: Vec<String> = a
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        names.sort();
        let mut want: Vec<&str> = vec![
            "etc",
            "etc/group",
            "etc/new",
            "etc/passwd",
            "newdir",
            "newdir/sub",
        ];
        if !wh {
            want.push("gone");
            want.sort();
        }
        assert_eq!(names, want);
    }
}
