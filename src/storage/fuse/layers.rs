//! The overlay on-disk format (shared with the kernel overlay driver and `storage::diff`):
//! whiteouts are character devices 0/0, opaque directories carry `*.overlay.opaque = y`.
//! Pure helpers with no FUSE state, so they can be unit-tested.

use std::ffi::{OsStr, OsString};
use std::fs::Metadata;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

/// The two names an opaque marker may have; both are honoured when reading.
pub const OPAQUE_NAMES: [&str; 2] = ["trusted.overlay.opaque", "user.overlay.opaque"];

/// Is this entry a whiteout (character device 0/0)?
pub fn is_whiteout(meta: &Metadata) -> bool {
    meta.file_type().is_char_device() && meta.rdev() == 0
}

/// Does this directory carry an opaque marker (either namespace)?
pub fn is_opaque(path: &Path) -> bool {
    OPAQUE_NAMES
        .iter()
        .any(|name| matches!(xattr::get(path, name), Ok(Some(v)) if v.as_slice() == b"y"))
}

/// Extended attributes that belong to the overlay format and are hidden from the container.
pub fn is_overlay_xattr(name: &OsStr) -> bool {
    let b = name.as_bytes();
    b.starts_with(b"trusted.overlay.") || b.starts_with(b"user.overlay.")
}

/// Is `name` a single, valid path component (not empty, no slash, not `.` or `..`)?
pub fn valid_name(name: &OsStr) -> bool {
    let b = name.as_bytes();
    !b.is_empty() && b != b"." && b != b".." && !b.contains(&b'/')
}

/// The xattr list as the kernel wants it (NUL-terminated names), without overlay names.
pub fn filter_xattr_list(names: impl IntoIterator<Item = OsString>) -> Vec<u8> {
    let mut out = Vec::new();
    for name in names {
        if is_overlay_xattr(&name) {
            continue;
        }
        out.extend_from_slice(name.as_bytes());
        out.push(0);
    }
    out
}

/// A stable FUSE inode number for an underlying (device index, inode) pair: the upper
/// file system's inodes keep their numbers, other devices get their index in the top byte.
/// 1 is the root's number, so anything else that would map to 1 is moved out of the way.
pub fn synth_ino(dev_index: u64, ino: u64) -> u64 {
    let n = if dev_index == 0 {
        ino
    } else {
        ino ^ (dev_index << 56)
    };
    if n <= 1 {
        n | (1 << 63) | 2
    } else {
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_xattrs_are_recognised() {
        assert!(is_overlay_xattr(OsStr::new("trusted.overlay.opaque")));
        assert!(is_overlay_xattr(OsStr::new("user.overlay.origin")));
        assert!(!is_overlay_xattr(OsStr::new("user.mime_type")));
        assert!(!is_overlay_xattr(OsStr::new("security.capability")));
    }

    #[test]
    fn xattr_list_hides_overlay_names() {
        let list = filter_xattr_list(vec![
            OsString::from("user.a"),
            OsString::from("user.overlay.opaque"),
            OsString::from("security.capability"),
        ]);
        assert_eq!(list, b"user.a\0security.capability\0".to_vec());
    }

    #[test]
    fn names() {
        assert!(valid_name(OsStr::new("a")));
        assert!(!valid_name(OsStr::new("")));
        assert!(!valid_name(OsStr::new("..")));
        assert!(!valid_name(OsStr::new("a/b")));
    }

    #[test]
    fn inode_numbers_never_collide_with_root() {
        assert_ne!(synth_ino(0, 1), 1);
        assert_ne!(synth_ino(0, 0), 1);
        assert_eq!(synth_ino(0, 1234), 1234);
        assert_ne!(synth_ino(1, 1234), synth_ino(0, 1234));
        assert_ne!(synth_ino(1, 1234), synth_ino(2, 1234));
    }

    #[test]
    fn whiteouts_and_opaque_dirs_on_disk() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let sub = dir.path().join("d");
        std::fs::create_dir(&sub).unwrap_or_else(|e| panic!("mkdir: {e}"));
        assert!(!is_opaque(&sub));
        // user.* xattrs work unprivileged on most file systems; skip the check where not.
        if xattr::set(&sub, "user.overlay.opaque", b"y").is_ok() {
            assert!(is_opaque(&sub));
        }
        let meta = std::fs::symlink_metadata(&sub).unwrap_or_else(|e| panic!("stat: {e}"));
        assert!(!is_whiteout(&meta));
    }
}
