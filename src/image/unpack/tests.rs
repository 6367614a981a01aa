//! Unit tests of layer unpacking: paths, links, owners and modes, compression.
use super::*;

#[test]
fn normalises_and_refuses_escapes() {
    assert_eq!(
        normalise(Path::new("./a/b/../c")),
        Some(PathBuf::from("a/c"))
    );
    assert_eq!(
        normalise(Path::new("/etc/passwd")),
        Some(PathBuf::from("etc/passwd"))
    );
    assert_eq!(normalise(Path::new("a/../..")), None);
    assert_eq!(normalise(Path::new("../x")), None);
    assert_eq!(normalise(Path::new("./")), Some(PathBuf::new()));
}

enum E<'a> {
    File(&'a str, &'a str),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
}

fn tar_of(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_old();
        h.set_mode(0o644);
        h.set_uid(nix::unistd::geteuid().as_raw().into());
        h.set_gid(nix::unistd::getegid().as_raw().into());
        match e {
            E::File(name, data) => {
                h.set_size(data.len() as u64);
                h.set_entry_type(tar::EntryType::Regular);
                // Raw names: the builder itself refuses "..", a hostile layer does not.
                h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
                h.set_cksum();
                b.append(&h, data.as_bytes()).unwrap();
            }
            E::Symlink(name, target) | E::Hardlink(name, target) => {
                h.set_size(0);
                h.set_entry_type(if matches!(e, E::Symlink(..)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                });
                h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
                h.as_old_mut().linkname[..target.len()].copy_from_slice(target.as_bytes());
                h.set_cksum();
                b.append(&h, std::io::empty()).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

fn run(entries: &[E]) -> (tempfile::TempDir, Result<u64, ImageError>) {
    let data = tar_of(entries);
    let diff = crate::image::sha256_digest(&data);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    fs::create_dir(&root).unwrap();
    let r = extract(&data[..], &root, &diff, &UnpackOptions { rootful: false });
    (dir, r)
}

#[test]
fn extracts_files_links_and_checks_the_diff_id() {
    let (dir, r) = run(&[
        E::File("a/b.txt", "hello"),
        E::Symlink("a/l", "/etc/passwd"),
        E::Hardlink("a/h", "a/b.txt"),
    ]);
    assert_eq!(r.unwrap(), 5);
    let root = dir.path().join("root");
    assert_eq!(fs::read_to_string(root.join("a/h")).unwrap(), "hello");
    assert_eq!(
        fs::read_link(root.join("a/l")).unwrap(),
        Path::new("/etc/passwd")
    );

    let data = tar_of(&[E::File("x", "1")]);
    let other = crate::image::sha256_digest(b"not it");
    let tmp = tempfile::tempdir().unwrap();
    let e = extract(
        &data[..],
        tmp.path(),
        &other,
        &UnpackOptions { rootful: false },
    )
    .unwrap_err();
    assert!(e.to_string().contains("does not match its diff_id"), "{e}");
}

#[test]
fn big_files_written_back_early_are_whole() {
    // Over EARLY_WRITEBACK_MIN, and not a multiple of the copy buffer.
    let big: String = (0..300_001)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let (dir, r) = run(&[E::File("big", &big), E::File("small", "x")]);
    assert_eq!(r.unwrap(), big.len() as u64 + 1);
    let root = dir.path().join("root");
    assert_eq!(fs::read_to_string(root.join("big")).unwrap(), big);
    assert_eq!(fs::read_to_string(root.join("small")).unwrap(), "x");
}

#[test]
fn owners_and_modes_are_the_headers_exactly() {
    use std::os::unix::fs::MetadataExt;
    let me = (
        nix::unistd::geteuid().as_raw(),
        nix::unistd::getegid().as_raw(),
    );
    // Another group: what a set-group-ID directory hands down unless chowned back (as
    // root any; otherwise only our own group can be set).
    let other_gid = if me.0 == 0 { 50 } else { me.1 };
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |name: &str, kind: tar::EntryType, mode: u32, gid: u32, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_uid(me.0.into());
        h.set_gid(gid.into());
        h.set_size(data.len() as u64);
        h.set_mtime(1_000_000);
        if kind == tar::EntryType::Symlink {
            h.set_link_name("f").unwrap();
        }
        b.append_data(&mut h, name, data).unwrap();
    };
    add("sg", tar::EntryType::Directory, 0o2775, other_gid, b"");
    add("sg/f", tar::EntryType::Regular, 0o644, me.1, b"x");
    add("sg/sub", tar::EntryType::Directory, 0o755, me.1, b"");
    add("sg/l", tar::EntryType::Symlink, 0o777, me.1, b"");
    add("sg/implicit/g", tar::EntryType::Regular, 0o600, me.1, b"y");
    add("suid", tar::EntryType::Regular, 0o4755, me.1, b"z");
    add("open", tar::EntryType::Regular, 0o666, me.1, b"w");
    add("none", tar::EntryType::Regular, 0o000, me.1, b"");
    add("ro", tar::EntryType::Directory, 0o555, me.1, b"");
    let data = b.into_inner().unwrap();
    let diff = crate::image::sha256_digest(&data);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    fs::create_dir(&root).unwrap();
    extract(&data[..], &root, &diff, &UnpackOptions { rootful: false }).unwrap();
    let meta = |p: &str| fs::symlink_metadata(root.join(p)).unwrap();
    let mode = |p: &str| meta(p).mode() & 0o7777;
    assert_eq!(mode("sg"), 0o2775);
    assert_eq!(meta("sg").gid(), other_gid);
    assert_eq!((mode("sg/f"), meta("sg/f").gid()), (0o644, me.1));
    assert_eq!((mode("sg/sub"), meta("sg/sub").gid()), (0o755, me.1));
    assert_eq!(meta("sg/l").gid(), me.1);
    // A parent the layer does not list: 0755, and the file in it as its header says.
    assert_eq!(mode("sg/implicit"), 0o755);
    assert_eq!(
        (mode("sg/implicit/g"), meta("sg/implicit/g").gid()),
        (0o600, me.1)
    );
    assert_eq!(mode("suid"), 0o4755);
    assert_eq!(mode("open"), 0o666);
    assert_eq!(mode("none"), 0o000);
    assert_eq!(mode("ro"), 0o555);
    assert_eq!(meta("suid").mtime(), 1_000_000);
    assert_eq!(fs::read_to_string(root.join("sg/implicit/g")).unwrap(), "y");
}

#[test]
fn an_entry_replaces_what_an_earlier_one_made() {
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |name: &str, kind: tar::EntryType, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        if kind == tar::EntryType::Symlink {
            h.set_link_name("/etc/passwd").unwrap();
        }
        b.append_data(&mut h, name, data).unwrap();
    };
    // A symlink, then a file of the same name: the file replaces the link, not its target.
    add("a", tar::EntryType::Symlink, b"");
    add("a", tar::EntryType::Regular, b"file");
    add("d", tar::EntryType::Directory, b"");
    add("d/x", tar::EntryType::Regular, b"1");
    add("d", tar::EntryType::Regular, b"not a dir");
    add("f", tar::EntryType::Regular, b"old");
    add("f", tar::EntryType::Directory, b"");
    add("f", tar::EntryType::Directory, b"");
    add("s", tar::EntryType::Regular, b"");
    add("s", tar::EntryType::Symlink, b"");
    let data = b.into_inner().unwrap();
    let diff = crate::image::sha256_digest(&data);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    fs::create_dir(&root).unwrap();
    extract(&data[..], &root, &diff, &UnpackOptions { rootful: false }).unwrap();
    assert_eq!(fs::read_to_string(root.join("a")).unwrap(), "file");
    assert_eq!(fs::read_to_string(root.join("d")).unwrap(), "not a dir");
    assert!(root.join("f").is_dir());
    assert_eq!(
        fs::read_link(root.join("s")).unwrap(),
        Path::new("/etc/passwd")
    );
}

#[test]
fn refuses_escapes() {
    let (dir, r) = run(&[E::File("../../escape", "x")]);
    assert!(r.unwrap_err().to_string().contains("escapes the root"));
    assert!(!dir.path().join("escape").exists());

    let (dir, r) = run(&[E::Symlink("evil", "/tmp/.."), E::File("evil/x", "x")]);
    assert!(r.unwrap_err().to_string().contains("through the symlink"));
    assert!(!dir.path().join("x").exists());

    let (_dir, r) = run(&[E::Hardlink("h", "../../etc/passwd")]);
    assert!(r.unwrap_err().to_string().contains("escapes the root"));

    let (_dir, r) = run(&[E::Symlink("d", ".."), E::Hardlink("h", "d/x")]);
    assert!(r.unwrap_err().to_string().contains("through the symlink"));
}

#[test]
fn detects_compression() {
    assert_eq!(Compression::detect(&[0x1f, 0x8b, 8]), Compression::Gzip);
    assert_eq!(
        Compression::detect(&[0x28, 0xb5, 0x2f, 0xfd]),
        Compression::Zstd
    );
    assert_eq!(Compression::detect(b"etc/"), Compression::None);
}
