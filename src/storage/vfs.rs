//! The `vfs` driver: a container's root file system is a plain copy of its image's layers, for
//! machines where neither kernel overlayfs nor FUSE works in a user namespace.
//!
//! - [`copy_layers`]: apply the unpacked layers (overlay format: whiteouts are 0/0 character
//!   devices, opaque directories carry the `*.overlay.opaque` xattr) one after another into an
//!   empty directory, keeping owners, modes, times, xattrs and hard links;
//! - [`changes`] and [`write_layer_tar`]: `diff` and `commit` by comparing the copy with the
//!   layers (what docker's "naive diff" does for its vfs driver), since there is no upper dir.
//!
//! Like the rest of storage, these run where the files' owners are mapped (the user namespace
//! helper).
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsString;
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::sys::stat::{Mode, SFlag, UtimensatFlags};
use nix::sys::time::TimeSpec;

use super::diff::{self, is_opaque, is_whiteout, lookup_lower, Change, TarWriter};

/// Apply `layers` (bottom first) into `dest`, which must exist (and is normally empty).
pub fn copy_layers(dest: &Path, layers: &[PathBuf]) -> io::Result<()> {
    for layer in layers {
        let mut links = HashMap::new();
        apply_dir(layer, dest, &mut links)?;
    }
    Ok(())
}

fn remove_any(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

fn is_overlay_xattr(name: &std::ffi::OsStr) -> bool {
    let n = name.to_string_lossy();
    n.starts_with("user.overlay.") || n.starts_with("trusted.overlay.")
}

/// Owner, mode, xattrs and times of `src` onto `dst` (never following a symlink). The owner
/// goes first: chown clears the set-id bits that the mode then puts back.
fn copy_metadata(src: &Path, dst: &Path, meta: &std::fs::Metadata) -> io::Result<()> {
    std::os::unix::fs::lchown(dst, Some(meta.uid()), Some(meta.gid()))?;
    let symlink = meta.file_type().is_symlink();
    if !symlink {
        std::fs::set_permissions(dst, std::fs::Permissions::from_mode(meta.mode() & 0o7777))?;
        if let Ok(names) = xattr::list(src) {
            for name in names.filter(|n| !is_overlay_xattr(n)) {
                if let Ok(Some(value)) = xattr::get(src, &name) {
                    // A file system without xattr support only loses the xattrs.
                    let _ = xattr::set(dst, &name, &value);
                }
            }
        }
    }
    let atime = TimeSpec::new(meta.atime(), meta.atime_nsec());
    let mtime = TimeSpec::new(meta.mtime(), meta.mtime_nsec());
    nix::sys::stat::utimensat(
        nix::fcntl::AT_FDCWD,
        dst,
        &atime,
        &mtime,
        UtimensatFlags::NoFollowSymlink,
    )
    .map_err(io::Error::from)
}

fn apply_dir(src: &Path, dst: &Path, links: &mut HashMap<(u64, u64), PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        let name = entry.file_name();
        let s = src.join(&name);
        let d = dst.join(&name);
        let meta = std::fs::symlink_metadata(&s)?;
        let ft = meta.file_type();
        if is_whiteout(&meta) {
            remove_any(&d)?;
            continue;
        }
        if ft.is_dir() {
            match std::fs::symlink_metadata(&d) {
                Ok(m) if m.is_dir() => {
                    if is_opaque(&s) {
                        for e in std::fs::read_dir(&d)? {
                            remove_any(&e?.path())?;
                        }
                    }
                }
                Ok(_) => {
                    std::fs::remove_file(&d)?;
                    std::fs::create_dir(&d)?;
                }
                Err(_) => std::fs::create_dir(&d)?,
            }
            apply_dir(&s, &d, links)?;
            copy_metadata(&s, &d, &meta)?;
            continue;
        }
        // Never write into what is there: it may be a hard link shared with another name.
        remove_any(&d)?;
        if meta.nlink() > 1 {
            if let Some(first) = links.get(&(meta.dev(), meta.ino())) {
                std::fs::hard_link(first, &d)?;
                continue;
            }
        }
        if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&s)?, &d)?;
        } else if ft.is_file() {
            std::fs::copy(&s, &d)?;
        } else {
            let kind = if ft.is_fifo() {
                SFlag::S_IFIFO
            } else if ft.is_socket() {
                SFlag::S_IFSOCK
            } else if ft.is_block_device() {
                SFlag::S_IFBLK
            } else {
                SFlag::S_IFCHR
            };
            nix::sys::stat::mknod(&d, kind, Mode::from_bits_truncate(0o600), meta.rdev())?;
        }
        copy_metadata(&s, &d, &meta)?;
        if meta.nlink() > 1 && !ft.is_dir() {
            links.insert((meta.dev(), meta.ino()), d);
        }
    }
    Ok(())
}

fn abs(rel: &Path) -> String {
    format!("/{}", rel.display())
}

/// Has the file changed against its image version? Directories compare owner and mode here;
/// their children decide the rest.
fn differs(copy: &Path, new: &std::fs::Metadata, old_path: &Path, old: &std::fs::Metadata) -> bool {
    if new.file_type() != old.file_type()
        || new.mode() != old.mode()
        || new.uid() != old.uid()
        || new.gid() != old.gid()
    {
        return true;
    }
    if new.is_dir() {
        return false;
    }
    if new.len() != old.len()
        || new.rdev() != old.rdev()
        || new.mtime() != old.mtime()
        || new.mtime_nsec() != old.mtime_nsec()
    {
        return true;
    }
    new.file_type().is_symlink()
        && std::fs::read_link(copy).ok() != std::fs::read_link(old_path).ok()
}

/// Where `rel` lives in the merged `lowers` (top first), if it does.
fn lower_path(lowers: &[PathBuf], rel: &Path) -> Option<PathBuf> {
    lookup_lower(lowers, rel)?;
    lowers
        .iter()
        .map(|l| l.join(rel))
        .find(|p| std::fs::symlink_metadata(p).is_ok())
}

/// docker's `diff` for a copied root file system: what differs from the image's layers (top
/// first), sorted by path. A directory is changed when anything below it is.
pub fn changes(rootfs: &Path, lowers: &[PathBuf]) -> io::Result<Vec<Change>> {
    let mut out = Vec::new();
    walk(rootfs, Path::new(""), lowers, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Walk directory `rel` of the copy; returns whether anything in it changed.
fn walk(rootfs: &Path, rel: &Path, lowers: &[PathBuf], out: &mut Vec<Change>) -> io::Result<bool> {
    let mut any = false;
    let mut here = BTreeSet::new();
    for entry in std::fs::read_dir(rootfs.join(rel))? {
        let name = entry?.file_name();
        let child = rel.join(&name);
        here.insert(name);
        let path = rootfs.join(&child);
        let meta = std::fs::symlink_metadata(&path)?;
        match lower_path(lowers, &child) {
            None => {
                any = true;
                out.push(Change {
                    kind: 'A',
                    path: abs(&child),
                });
                if meta.is_dir() {
                    added_below(rootfs, &child, out)?;
                }
            }
            Some(lp) => {
                let lm = std::fs::symlink_metadata(&lp)?;
                let mut changed = differs(&path, &meta, &lp, &lm);
                if meta.is_dir() && lm.is_dir() {
                    changed |= walk(rootfs, &child, lowers, out)?;
                } else if meta.is_dir() {
                    added_below(rootfs, &child, out)?;
                }
                if changed {
                    any = true;
                    out.push(Change {
                        kind: 'C',
                        path: abs(&child),
                    });
                }
            }
        }
    }
    let mut before = BTreeMap::new();
    diff::merged_names(lowers, rel, &mut before)?;
    for name in before.keys().filter(|n| !here.contains(*n)) {
        any = true;
        out.push(Change {
            kind: 'D',
            path: abs(&rel.join(name)),
        });
    }
    Ok(any)
}

fn added_below(rootfs: &Path, rel: &Path, out: &mut Vec<Change>) -> io::Result<()> {
    for entry in std::fs::read_dir(rootfs.join(rel))? {
        let entry = entry?;
        let child = rel.join(entry.file_name());
        out.push(Change {
            kind: 'A',
            path: abs(&child),
        });
        if entry.file_type()?.is_dir() {
            added_below(rootfs, &child, out)?;
        }
    }
    Ok(())
}

/// The copy's changes as an image layer tar: added and changed paths as they are now, deleted
/// ones as `.wh.NAME` markers.
pub fn write_layer_tar<W: Write>(rootfs: &Path, lowers: &[PathBuf], out: W) -> io::Result<W> {
    let mut tw = TarWriter::new(out);
    for c in super::changes(super::Driver::Vfs, rootfs, lowers)? {
        let rel = Path::new(c.path.trim_start_matches('/'));
        if c.kind == 'D' {
            let mut wh = OsString::from(".wh.");
            wh.push(rel.file_name().unwrap_or_default());
            let marker = rel.parent().unwrap_or(Path::new("")).join(wh);
            tw.add_marker(&marker, 0)?;
        } else {
            tw.add_path(&rootfs.join(rel), rel)?;
        }
    }
    tw.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(c: &[Change]) -> Vec<String> {
        c.iter().map(|c| format!("{} {}", c.kind, c.path)).collect()
    }

    #[test]
    fn copy_then_diff_sees_only_what_changed() {
        let t = tempfile::tempdir().unwrap();
        let l1 = t.path().join("l1");
        let l2 = t.path().join("l2");
        let root = t.path().join("root");
        for d in [&l1, &l2, &root] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::create_dir_all(l1.join("etc")).unwrap();
        std::fs::write(l1.join("etc/passwd"), "root").unwrap();
        std::fs::write(l1.join("etc/group"), "g").unwrap();
        std::fs::write(l1.join("bin"), "busybox").unwrap();
        std::fs::hard_link(l1.join("bin"), l1.join("sh")).unwrap();
        std::os::unix::fs::symlink("bin", l1.join("ls")).unwrap();
        std::fs::create_dir_all(l2.join("etc")).unwrap();
        std::fs::write(l2.join("etc/hosts"), "h").unwrap();
        copy_layers(&root, &[l1.clone(), l2.clone()]).unwrap();
        let lowers = vec![l2.clone(), l1.clone()];
        assert!(changes(&root, &lowers).unwrap().is_empty());
        // Hard links stay linked in the copy.
        let a = std::fs::metadata(root.join("bin")).unwrap();
        let b = std::fs::metadata(root.join("sh")).unwrap();
        assert_eq!(a.ino(), b.ino());
        assert_eq!(
            std::fs::read_link(root.join("ls")).unwrap(),
            Path::new("bin")
        );

        std::fs::write(root.join("etc/passwd"), "changed").unwrap();
        std::fs::remove_file(root.join("etc/group")).unwrap();
        std::fs::create_dir_all(root.join("new/sub")).unwrap();
        assert_eq!(
            lines(&changes(&root, &lowers).unwrap()),
            vec![
                "C /etc",
                "D /etc/group",
                "C /etc/passwd",
                "A /new",
                "A /new/sub"
            ]
        );
        let tar = write_layer_tar(&root, &lowers, Vec::new()).unwrap();
        let mut a = tar::Archive::new(&tar[..]);
        let names: Vec<String> = a
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            vec!["etc", "etc/.wh.group", "etc/passwd", "new", "new/sub"]
        );
    }
}
