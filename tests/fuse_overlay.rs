//! Differential tests of skiff's FUSE overlay (`skiff __fuse-overlay`) against the kernel's
//! overlayfs: the same layers, the same operations, the same merged view; and the FUSE upper
//! directory must be a valid overlay upper (the kernel mounts it and shows the same view).
//!
//! Needs root, /dev/fuse and overlayfs (as CI has); without them the tests fail, never skip.
//! Each test runs itself again inside a private PID and mount namespace made with
//! `unshare --pid --fork --mount-proc --mount`, so that its mounts and the FUSE server it starts
//! as root cannot reach the machine running the tests, whatever goes wrong.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::hash::{DefaultHasher, Hasher};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set in the inner run, inside the private namespaces.
const INSIDE: &str = "SKIFF_FUSE_TEST_PRIVATE_NS";

/// Outside the private namespaces: run this test binary's `test` again inside new PID and mount
/// namespaces, check that it ran and passed, and return true (the caller then returns). Inside:
/// return false, and the caller does the work.
fn rerun_in_private_namespaces(test: &str) -> bool {
    if std::env::var_os(INSIDE).is_some() {
        return false;
    }
    require_environment();
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new("unshare")
        .args([
            "--pid",
            "--fork",
            "--mount-proc",
            "--mount",
            "--propagation",
            "private",
            "--",
        ])
        .arg(exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1")
        .output()
        .expect("run unshare");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{test} in its private namespaces failed:\n{text}"
    );
    assert!(
        text.contains("1 passed"),
        "{test} did not run in its private namespaces:\n{text}"
    );
    true
}

fn require_environment() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "the FUSE overlay tests mount file systems: run them as root"
    );
    assert!(
        Path::new("/dev/fuse").exists(),
        "/dev/fuse is missing: load the fuse module (modprobe fuse)"
    );
    let fs = std::fs::read_to_string("/proc/filesystems").unwrap_or_default();
    assert!(
        fs.contains("overlay"),
        "the kernel has no overlayfs (modprobe overlay): the differential tests need it"
    );
}

fn sh(dir: &Path, script: &str) -> String {
    let out = Command::new("sh")
        .arg("-ec")
        .arg(script)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("running sh: {e}"));
    assert!(
        out.status.success(),
        "script failed in {}:\n{script}\nstdout:\n{}\nstderr:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn set_xattr(path: &Path, name: &str, value: &[u8]) {
    xattr::set(path, name, value)
        .unwrap_or_else(|e| panic!("setting {name} on {}: {e}", path.display()));
}

/// A scratch directory under /var/tmp (a real disk file system: overlayfs needs xattrs and
/// whiteouts on it), removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = tempfile::Builder::new()
            .prefix(&format!("skiff-fuse-{tag}-"))
            .tempdir_in("/var/tmp")
            .unwrap_or_else(|e| panic!("creating a scratch dir in /var/tmp: {e}"))
            .keep();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Anything still mounted below first (a failed test), lazily.
        if let Ok(info) = std::fs::read_to_string("/proc/self/mountinfo") {
            for line in info.lines() {
                if let Some(mp) = line.split(' ').nth(4) {
                    if mp.starts_with(self.0.to_string_lossy().as_ref()) {
                        let _ = Command::new("umount").arg("-l").arg(mp).status();
                    }
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Two lower layers, `l1` on top of `l2`, exercising every part of the format.
fn build_layers(root: &Path) {
    for d in ["l1", "l2", "u", "w", "m"] {
        std::fs::create_dir_all(root.join(d)).unwrap_or_else(|e| panic!("mkdir {d}: {e}"));
    }
    sh(
        &root.join("l2"),
        r#"
        mkdir -p d/sub/deep od gone ld/s emptydir pub sg hl cp
        echo a > d/a; echo deep > d/sub/deep/f; echo subf > d/sub/f
        echo x > od/x; echo z > gone/z; echo wh > wh
        echo f1 > ld/f1; echo f2 > ld/s/f2; ln -s f1 ld/lnk
        echo keep-content > keep.txt; echo mode > chmodme; chmod 644 chmodme
        echo owned > owned; chown 1000:1000 owned
        echo hardlinked > h1; ln h1 h2; ln h1 hl/h3
        echo other > h4; ln h4 h5
        echo cp > cp/stable
        ln -s d/a sym; ln -s /nonexistent dangling
        mkfifo ff
        mknod chr c 1 3
        chmod 1777 pub
        chgrp 50 sg; chmod 2775 sg
        echo xattr > xf
        echo replace-me > replaced
        "#,
    );
    set_xattr(&root.join("l2/xf"), "user.one", b"1");
    set_xattr(&root.join("l2/xf"), "user.two", b"2");
    set_xattr(&root.join("l2/d/a"), "trusted.skiff", b"t");
    sh(
        &root.join("l1"),
        r#"
        mkdir -p d od
        echo b > d/b
        echo y > od/y
        mknod wh c 0 0
        mknod gone c 0 0
        echo upper-ish > l1only
        "#,
    );
    set_xattr(&root.join("l1/od"), "trusted.overlay.opaque", b"y");
}

/// The operations, run in the merged directory (as a shell script, in both engines).
const OPS: &str = r#"
    i0=$(stat -c '%i' cp/stable)
    echo more >> cp/stable
    if [ "$(stat -c '%i' cp/stable)" = "$i0" ]; then echo ino-stable; else echo ino-changed; fi
    i1=$(stat -c %i d); ls d > /dev/null; touch d/newer; [ "$(stat -c %i d)" = "$i1" ] && echo dir-ino-stable
    echo new > newfile
    echo append >> d/a
    truncate -s 4 keep.txt
    chmod 600 chmodme
    chown 1234:5678 d/b
    chown 4321 owned
    touch -m -d @1000000000 l1only
    stat -c '%Y' l1only
    mv d/sub d/sub2
    mv ld ld2
    cat ld2/s/f2
    rm wh 2>/dev/null || echo wh-is-gone
    rm -f d/b
    rmdir emptydir
    mkdir emptydir
    touch emptydir/fresh
    rm -rf od
    mkdir od
    ls od | wc -l
    mkdir gone; echo g > gone/new
    ls gone
    ln -s target newsym
    ln keep.txt keep-link
    mkfifo newfifo
    echo via-h1 >> h1
    cat h2 hl/h3
    stat -c '%h' h1 h2 hl/h3
    [ "$(stat -c %i h1)" = "$(stat -c %i h2)" ] && echo h1-h2-same-inode
    ln h4 h6
    echo via-h6 >> h6
    cat h5
    stat -c '%h' h4
    rm h5
    stat -c '%h' h4
    mkdir sg/nd; touch sg/nf
    stat -c '%a %g' sg/nd sg/nf
    (umask 027; touch um; mkdir umd)
    stat -c '%a' um umd
    setpriv --reuid=1000 --regid=1000 --clear-groups sh -c 'echo hi > pub/byuser; mkdir pub/userdir'
    stat -c '%u %g' pub/byuser pub/userdir
    mv newfile replaced
    cat replaced
    mv sym sym-moved
    readlink sym-moved dangling
    mv d/a od/a-moved
    ls -A d | sort
    touch chr 2>/dev/null || true
    ls -l chr | cut -c1
"#;

/// One line per path: type, mode, owner, size, content hash, link target, nlink, xattrs.
fn listing(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
            .map(|e| e.unwrap_or_else(|e| panic!("listing {}: {e}", dir.display())))
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            let meta = std::fs::symlink_metadata(&path)
                .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()));
            let ft = meta.file_type();
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            let kind = if ft.is_dir() {
                stack.push(path.clone());
                "dir"
            } else if ft.is_file() {
                "file"
            } else if ft.is_symlink() {
                "symlink"
            } else if ft.is_fifo() {
                "fifo"
            } else if ft.is_char_device() {
                "chr"
            } else if ft.is_block_device() {
                "blk"
            } else {
                "socket"
            };
            let mut line = format!(
                "{kind} {:o} {}:{}",
                meta.mode() & 0o7777,
                meta.uid(),
                meta.gid()
            );
            if ft.is_file() {
                let data = std::fs::read(&path)
                    .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
                let mut h = DefaultHasher::new();
                h.write(&data);
                line += &format!(" size={} hash={:x}", data.len(), h.finish());
            }
            if ft.is_symlink() {
                let t = std::fs::read_link(&path).unwrap_or_default();
                line += &format!(" -> {}", t.display());
            }
            if ft.is_char_device() {
                line += &format!(" rdev={}", meta.rdev());
            }
            if !ft.is_dir() {
                line += &format!(" nlink={}", meta.nlink());
            }
            if let Ok(names) = xattr::list(&path) {
                let mut names: Vec<_> = names.collect();
                names.sort();
                for n in names {
                    let v = xattr::get(&path, &n).ok().flatten().unwrap_or_default();
                    line += &format!(" {}={}", n.to_string_lossy(), String::from_utf8_lossy(&v));
                }
            }
            out.insert(rel, line);
        }
    }
    out
}

fn assert_same(what: &str, a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) {
    if a == b {
        return;
    }
    let mut diff = String::new();
    for (k, v) in a {
        match b.get(k) {
            Some(w) if w == v => {}
            Some(w) => diff += &format!("  {k}:\n    kernel: {v}\n    fuse:   {w}\n"),
            None => diff += &format!("  {k}: only in kernel: {v}\n"),
        }
    }
    for (k, w) in b {
        if !a.contains_key(k) {
            diff += &format!("  {k}: only in fuse: {w}\n");
        }
    }
    panic!("{what}: the merged views differ:\n{diff}");
}

fn is_mounted(target: &Path) -> bool {
    let t = target.to_string_lossy();
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(' ').nth(4) == Some(t.as_ref()))
}

fn kernel_mount(root: &Path, upper: &str, work: &str, extra: &str) {
    let opts = format!(
        "lowerdir={r}/l1:{r}/l2,upperdir={r}/{upper},workdir={r}/{work}{extra}",
        r = root.display()
    );
    let st = Command::new("mount")
        .args(["-t", "overlay", "overlay", "-o", &opts])
        .arg(root.join("m"))
        .status()
        .unwrap_or_else(|e| panic!("running mount: {e}"));
    assert!(st.success(), "mount -t overlay -o {opts} failed");
}

fn umount(target: &Path) {
    let st = Command::new("umount")
        .arg(target)
        .status()
        .unwrap_or_else(|e| panic!("running umount: {e}"));
    assert!(st.success(), "umount {} failed", target.display());
}

/// Mount skiff's FUSE overlay of `lowers` (top first) at `target` and wait until it is up.
fn fuse_mount(lowers: &[PathBuf], upper: &Path, work: &Path, target: &Path) -> Child {
    fuse_mount_with(lowers, upper, work, target, &[])
}

/// [`fuse_mount`] with `env` set for the server.
fn fuse_mount_with(
    lowers: &[PathBuf],
    upper: &Path,
    work: &Path,
    target: &Path,
    env: &[(&str, &str)],
) -> Child {
    let lowers: Vec<&OsStr> = lowers.iter().map(|p| p.as_os_str()).collect();
    let joined = lowers
        .iter()
        .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
        .collect::<Vec<_>>()
        .join(":");
    let mut child = Command::new(env!("CARGO_BIN_EXE_skiff"))
        .arg("__fuse-overlay")
        .arg(joined)
        .arg(upper)
        .arg(work)
        .arg(target)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting skiff __fuse-overlay: {e}"));
    let start = Instant::now();
    while !is_mounted(target) {
        if let Ok(Some(st)) = child.try_wait() {
            panic!("skiff __fuse-overlay exited before mounting: {st}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "skiff __fuse-overlay did not mount {} within 10s",
            target.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

fn fuse_umount(target: &Path, mut child: Child) {
    let dev = std::fs::metadata(target)
        .unwrap_or_else(|e| panic!("stat {}: {e}", target.display()))
        .dev();
    umount(target);
    let start = Instant::now();
    let mut aborted = false;
    loop {
        match child.try_wait() {
            Ok(Some(st)) => {
                assert!(st.success(), "skiff __fuse-overlay exited with {st}");
                return;
            }
            Ok(None) if start.elapsed() < Duration::from_secs(3) => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Ok(None) if !aborted => {
                // A mount namespace created meanwhile elsewhere on the machine (a container
                // started by another test) may hold a copy of the mount, so the connection
                // lives on: end it the way `fusectl` allows; the server must then exit 0.
                abort_connection(dev);
                aborted = true;
            }
            Ok(None) if start.elapsed() < Duration::from_secs(10) => {
                std::thread::sleep(Duration::from_millis(10))
            }
            _ => {
                let _ = child.kill();
                panic!("skiff __fuse-overlay did not exit after the unmount");
            }
        }
    }
}

fn abort_connection(dev: u64) {
    let conns = Path::new("/sys/fs/fuse/connections");
    let minor = nix::sys::stat::minor(dev);
    let abort = conns.join(minor.to_string()).join("abort");
    if !abort.exists() {
        let _ = Command::new("mount")
            .args(["-t", "fusectl", "fusectl"])
            .arg(conns)
            .status();
    }
    std::fs::write(&abort, "1").unwrap_or_else(|e| panic!("writing {}: {e}", abort.display()));
}

fn xattr_ops(m: &Path) {
    set_xattr(&m.join("xf"), "user.three", b"3");
    xattr::remove(m.join("xf"), "user.one").unwrap_or_else(|e| panic!("removexattr: {e}"));
    set_xattr(&m.join("d"), "user.dir", b"d");
}

/// The listing walks (`read_dir`, then a stat of each name) take the readdirplus path: the
/// attributes come with the listing.
#[test]
fn merged_view_matches_kernel_overlay() {
    if rerun_in_private_namespaces("merged_view_matches_kernel_overlay") {
        return;
    }
    merged_view(&[]);
}

/// The same with readdirplus off: every listed name is looked up on its own.
#[test]
fn merged_view_matches_kernel_overlay_without_readdirplus() {
    if rerun_in_private_namespaces("merged_view_matches_kernel_overlay_without_readdirplus") {
        return;
    }
    merged_view(&[("SKIFF_FUSE_NO_READDIRPLUS", "1")]);
}

fn merged_view(env: &[(&str, &str)]) {
    let s = Scratch::new("diff");
    let k = s.0.join("kernel");
    let f = s.0.join("fuse");
    build_layers(&k);
    build_layers(&f);

    // Kernel overlay, index=on: hard links survive copy-up (the model for the FUSE overlay).
    kernel_mount(&k, "u", "w", ",index=on");
    let k_before = listing(&k.join("m"));
    let k_out = sh(&k.join("m"), OPS);
    xattr_ops(&k.join("m"));
    let k_after = listing(&k.join("m"));
    umount(&k.join("m"));

    let fm = f.join("m");
    let child = fuse_mount_with(
        &[f.join("l1"), f.join("l2")],
        &f.join("u"),
        &f.join("w"),
        &fm,
        env,
    );
    let f_before = listing(&fm);
    let f_out = sh(&fm, OPS);
    xattr_ops(&fm);
    let f_after = listing(&fm);
    // Overlay xattrs never show through.
    assert!(
        xattr::list(fm.join("od"))
            .map(|names| names.into_iter().all(
                |n| !n.as_bytes().contains(&b'.') || !n.to_string_lossy().contains(".overlay.")
            ))
            .unwrap_or(true),
        "overlay xattrs are visible in the FUSE mount"
    );
    fuse_umount(&fm, child);

    assert_same("before the operations", &k_before, &f_before);
    assert_eq!(k_out, f_out, "the operations printed different results");
    assert!(
        f_out.contains("ino-stable"),
        "st_ino changed at copy-up:\n{f_out}"
    );
    assert_same("after the operations", &k_after, &f_after);

    // The FUSE upper directory is a valid overlay upper: the kernel shows the same view.
    std::fs::create_dir_all(f.join("w2")).unwrap_or_else(|e| panic!("mkdir w2: {e}"));
    kernel_mount(&f, "u", "w2", "");
    let remounted = listing(&f.join("m"));
    umount(&f.join("m"));
    assert_same("FUSE upper under the kernel overlay", &k_after, &remounted);
}

#[test]
fn unpack_rename_delete_workload_matches_a_plain_directory() {
    if rerun_in_private_namespaces("unpack_rename_delete_workload_matches_a_plain_directory") {
        return;
    }
    let s = Scratch::new("work");
    let root = &s.0;
    for d in ["lower", "u", "w", "m", "plain", "src"] {
        std::fs::create_dir_all(root.join(d)).unwrap_or_else(|e| panic!("mkdir {d}: {e}"));
    }
    // A tarball of 2000 small files in 20 directories.
    sh(
        &root.join("src"),
        r#"
        for d in $(seq 0 19); do
            mkdir -p tree/dir$d/sub
            for f in $(seq 0 99); do echo "file $d $f" > tree/dir$d/sub/f$f; done
        done
        tar cf ../tree.tar tree
        "#,
    );
    sh(
        &root.join("lower"),
        "mkdir -p base/etc base/keep; echo conf > base/etc/conf; echo k > base/keep/k",
    );
    sh(root, "cp -a lower/. plain/");
    let work = r#"
        tar xf ../tree.tar
        mv tree tree2
        mv tree2/dir3 tree2/dir3-renamed
        mv base base2
        for d in $(seq 0 19); do
            [ -d tree2/dir$d ] || continue
            rm -f tree2/dir$d/sub/f*[02468]
        done
        rm -rf tree2/dir1[0-9]
        echo changed >> base2/etc/conf
        find . | wc -l
    "#;
    let child = fuse_mount(
        &[root.join("lower")],
        &root.join("u"),
        &root.join("w"),
        &root.join("m"),
    );
    let m_out = sh(&root.join("m"), work);
    let m_view = listing(&root.join("m"));
    fuse_umount(&root.join("m"), child);
    let p_out = sh(&root.join("plain"), work);
    let p_view = listing(&root.join("plain"));
    assert_eq!(m_out, p_out);
    assert_same("workload", &p_view, &m_view);
}

/// Deterministic bytes that differ at every offset that matters (no page repeats another).
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// The server's `rchar`: bytes it read with read(2)/pread(2) (spliced pages are not counted).
fn rchar(pid: u32) -> u64 {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io"))
        .unwrap_or_else(|e| panic!("reading /proc/{pid}/io: {e}"));
    io.lines()
        .find_map(|l| l.strip_prefix("rchar: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no rchar in /proc/{pid}/io:\n{io}"))
}

/// `len` bytes at `offset` through a fresh descriptor; `direct` bypasses the page cache, so
/// every read is a READ request to the server (at any offset and size).
fn read_at(path: &Path, offset: u64, len: usize, direct: bool) -> Vec<u8> {
    use std::os::unix::fs::{FileExt, OpenOptionsExt};
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(if direct { libc::O_DIRECT } else { 0 })
        .open(path)
        .unwrap_or_else(|e| panic!("opening {}: {e}", path.display()));
    let mut buf = vec![0u8; len];
    let mut done = 0;
    while done < len {
        let n = f
            .read_at(&mut buf[done..], offset + done as u64)
            .unwrap_or_else(|e| panic!("reading {} at {offset}: {e}", path.display()));
        if n == 0 {
            break;
        }
        done += n;
    }
    buf.truncate(done);
    buf
}

/// Large reads are answered by splicing the file's pages into /dev/fuse (the server never
/// reads them itself); every read, spliced or copied, returns the file's bytes: whole files,
/// an odd size, offsets, unaligned direct reads, past the end, and a file changed in the upper
/// layer after its copy-up. Passthrough is off, as for every rootless mount.
#[test]
fn spliced_reads_return_the_files_bytes() {
    if rerun_in_private_namespaces("spliced_reads_return_the_files_bytes") {
        return;
    }
    let s = Scratch::new("splice");
    let root = &s.0;
    for d in ["l", "u", "w", "m"] {
        std::fs::create_dir_all(root.join(d)).unwrap_or_else(|e| panic!("mkdir {d}: {e}"));
    }
    let big = pattern(8 * 1024 * 1024 + 123, 1);
    let odd = pattern(1_234_567, 2);
    let aligned = pattern(128 * 1024, 3);
    let small = pattern(100, 4);
    for (name, data) in [
        ("big", &big),
        ("odd", &odd),
        ("aligned", &aligned),
        ("small", &small),
    ] {
        std::fs::write(root.join("l").join(name), data)
            .unwrap_or_else(|e| panic!("writing {name}: {e}"));
    }
    let m = root.join("m");
    let child = fuse_mount_with(
        &[root.join("l")],
        &root.join("u"),
        &root.join("w"),
        &m,
        &[("SKIFF_FUSE_NO_PASSTHROUGH", "1")],
    );
    let pid = child.id();

    let before = rchar(pid);
    let got = std::fs::read(m.join("big")).unwrap_or_else(|e| panic!("reading big: {e}"));
    let copied = rchar(pid) - before;
    assert!(got == big, "big: the bytes differ");
    assert!(
        copied < 1024 * 1024,
        "the server read {copied} bytes itself for an 8 MiB file: its reads were not spliced"
    );
    for (name, data) in [("odd", &odd), ("aligned", &aligned), ("small", &small)] {
        let got = std::fs::read(m.join(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"));
        assert!(&got == data, "{name}: the bytes differ");
    }
    // Offsets, through the server every time (direct), unaligned and aligned.
    for (off, len) in [
        (3_000_001u64, 200_000usize),
        (4096, 1 << 20),
        (1000, 300_000),
        (7, 40_000),
    ] {
        let got = read_at(&m.join("big"), off, len, true);
        let want = &big[off as usize..off as usize + len];
        assert!(got == want, "big at {off}+{len}: the bytes differ");
    }
    // The end of the file: a read across it is short, a read past it empty.
    let end = odd.len() as u64;
    assert!(read_at(&m.join("odd"), end - 5, 100_000, true) == odd[odd.len() - 5..]);
    assert!(read_at(&m.join("odd"), end + 10, 100_000, true).is_empty());
    assert!(read_at(&m.join("odd"), end - 70_000, 1 << 20, false) == odd[odd.len() - 70_000..]);

    // Copy-up, then change the upper file: reads come from it.
    {
        use std::os::unix::fs::FileExt;
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(m.join("big"))
            .unwrap_or_else(|e| panic!("opening big for writing: {e}"));
        let patch = pattern(300_000, 5);
        f.write_all_at(&patch, 5_000_000)
            .unwrap_or_else(|e| panic!("writing big: {e}"));
        f.write_all_at(b"tail", big.len() as u64)
            .unwrap_or_else(|e| panic!("appending to big: {e}"));
    }
    let mut changed = big.clone();
    let patch = pattern(300_000, 5);
    changed[5_000_000..5_300_000].copy_from_slice(&patch);
    changed.extend_from_slice(b"tail");
    let upper = std::fs::read(root.join("u/big")).unwrap_or_else(|e| panic!("u/big: {e}"));
    assert!(upper == changed, "the upper file is not the changed one");
    let before = rchar(pid);
    let got = read_at(&m.join("big"), 0, changed.len() + 4096, true);
    assert!(
        got == changed,
        "big after its copy-up: the bytes differ ({} read)",
        got.len()
    );
    assert!(
        rchar(pid) - before < 1024 * 1024,
        "reads of the upper file were not spliced"
    );
    let lower = std::fs::read(root.join("l/big")).unwrap_or_else(|e| panic!("l/big: {e}"));
    assert!(lower == big, "the lower file changed");
    fuse_umount(&m, child);
}

/// Reads the directory `fd` with getdents64 into a small buffer: one call returns only some of
/// the entries, so the FUSE listing is fetched in several requests. Returns the names read.
fn getdents_some(fd: i32, buf: &mut [u8]) -> Vec<String> {
    // SAFETY: getdents64 writes at most `buf.len()` bytes into the buffer we borrow mutably.
    let n = unsafe { libc::syscall(libc::SYS_getdents64, fd, buf.as_mut_ptr(), buf.len()) };
    assert!(n >= 0, "getdents64: {}", std::io::Error::last_os_error());
    let n = usize::try_from(n).unwrap_or(0);
    let mut names = Vec::new();
    let mut off = 0;
    // struct linux_dirent64: u64 ino, i64 off, u16 reclen, u8 type, then the name, NUL-ended.
    while off + 19 <= n {
        let reclen = usize::from(u16::from_ne_bytes([buf[off + 16], buf[off + 17]]));
        let name = &buf[off + 19..off + reclen];
        let end = name.iter().position(|b| *b == 0).unwrap_or(name.len());
        names.push(String::from_utf8_lossy(&name[..end]).into_owned());
        off += reclen;
    }
    names
}

/// A listing is read in pieces while the container deletes and appends to lower files it has
/// not reached yet: the later pieces (readdirplus: names with their attributes, which the kernel
/// caches) must not bring a deleted name back nor an appended file's old size.
#[test]
fn a_listing_read_in_pieces_sees_changes_made_meanwhile() {
    if rerun_in_private_namespaces("a_listing_read_in_pieces_sees_changes_made_meanwhile") {
        return;
    }
    let s = Scratch::new("pieces");
    let root = &s.0;
    for d in ["lower/dir", "u", "w", "m"] {
        std::fs::create_dir_all(root.join(d)).unwrap_or_else(|e| panic!("mkdir {d}: {e}"));
    }
    // 400 names of 40 bytes: several 4 KiB listing requests.
    for i in 0..400 {
        std::fs::write(
            root.join(format!("lower/dir/{i:04}-{}", "n".repeat(35))),
            "lower\n",
        )
        .unwrap_or_else(|e| panic!("writing lower file {i}: {e}"));
    }
    let m = root.join("m");
    let child = fuse_mount(&[root.join("lower")], &root.join("u"), &root.join("w"), &m);
    let dir = std::fs::File::open(m.join("dir")).unwrap_or_else(|e| panic!("open dir: {e}"));
    let fd = std::os::fd::AsRawFd::as_raw_fd(&dir);
    let mut buf = vec![0u8; 1024];
    let mut seen = getdents_some(fd, &mut buf);
    assert!(
        !seen.is_empty() && seen.len() < 100,
        "the first piece has {} names",
        seen.len()
    );
    // The server lists a single layer in the order the lower directory gives: its last two
    // names come in the last piece, fetched after the changes.
    let order: Vec<String> = std::fs::read_dir(root.join("lower/dir"))
        .unwrap_or_else(|e| panic!("listing the lower dir: {e}"))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let (gone, grown) = (
        order[order.len() - 1].clone(),
        order[order.len() - 2].clone(),
    );
    assert!(!seen.contains(&gone) && !seen.contains(&grown));
    std::fs::remove_file(m.join("dir").join(&gone)).unwrap_or_else(|e| panic!("rm: {e}"));
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(m.join("dir").join(&grown))
            .unwrap_or_else(|e| panic!("open for append: {e}"));
        f.write_all(b"appended in the container\n")
            .unwrap_or_else(|e| panic!("append: {e}"));
    }
    for name in &order {
        // A stat of a name not stat'ed yet before each piece (as a walk that stats what it
        // lists makes): the kernel then asks for the next piece with attributes (readdirplus).
        let _ = std::fs::symlink_metadata(m.join("dir").join(name));
        let more = getdents_some(fd, &mut buf);
        if more.is_empty() {
            break;
        }
        seen.extend(more);
    }
    drop(dir);
    let gone_stat = std::fs::symlink_metadata(m.join("dir").join(&gone));
    let grown_len = std::fs::symlink_metadata(m.join("dir").join(&grown)).map(|m| m.len());
    let listed_again = std::fs::read_dir(m.join("dir"))
        .map(|rd| rd.filter_map(|e| e.ok()).count())
        .unwrap_or(0);
    fuse_umount(&m, child);
    assert!(seen.len() >= 399, "the listing had {} names", seen.len());
    assert!(
        matches!(&gone_stat, Err(e) if e.kind() == std::io::ErrorKind::NotFound),
        "the deleted name is back: {gone_stat:?}"
    );
    assert_eq!(
        grown_len.ok(),
        Some(("lower\n".len() + "appended in the container\n".len()) as u64),
        "the appended file's size"
    );
    assert_eq!(listed_again, 399, "names listed after the delete");
}
