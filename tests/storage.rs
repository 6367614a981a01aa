//! One semantic suite, run on every storage driver (overlay, fuse-overlay, vfs), each case
//! seen from inside a real rootless container; plus driver selection (`--storage-driver`,
//! the config file, `skiff info`) and a real workload on the FUSE overlay compared with the
//! same steps on the host.
mod common;

use common::*;

/// Run each case once per driver: `mod case { fn overlay(); fn fuse_overlay(); fn vfs(); }`.
macro_rules! on_every_driver {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[test]
            fn overlay() {
                super::$case("overlay")
            }
            #[test]
            fn fuse_overlay() {
                super::$case("fuse-overlay")
            }
            #[test]
            fn vfs() {
                super::$case("vfs")
            }
        }
    )*};
}

on_every_driver!(
    copy_up_keeps_metadata_and_inode,
    deletions_hide_lower_files_and_survive_commit,
    renames_links_and_special_files,
    diff_export_cp_and_ownership,
    a_real_workload_matches_the_host,
);

/// `skiff --storage-driver DRIVER args...`, which must succeed; its stdout.
fn sk(env: &TestEnv, driver: &str, args: &[&str]) -> String {
    let mut all = vec!["--storage-driver", driver];
    all.extend_from_slice(args);
    env.skiff_ok(&all)
}

/// Run `script` in a new container of `image` on `driver`, named `name`; its output.
fn run_sh(env: &TestEnv, driver: &str, name: &str, image: &str, script: &str) -> String {
    sk(
        env,
        driver,
        &["run", "--name", name, image, "sh", "-euc", script],
    )
}

/// An image whose top layer holds a tree made in a container: files of several owners, a hard
/// link pair, a symlink, a fifo, nested directories.
fn base_image(env: &TestEnv, driver: &str) -> &'static str {
    run_sh(
        env,
        driver,
        "base",
        BUSYBOX,
        "mkdir -p /data/tree/a/b /data/keep
         echo one > /data/tree/a/b/f
         echo two > /data/tree/g
         ln /data/tree/g /data/tree/g2
         ln -s a/b/f /data/tree/link
         mkfifo /data/tree/fifo
         echo k > /data/keep/k
         chown -R 1000:1000 /data/tree/a
         chmod 640 /data/tree/a/b/f",
    );
    sk(env, driver, &["commit", "base", "base-image"]);
    sk(env, driver, &["rm", "base"]);
    "base-image"
}

fn copy_up_keeps_metadata_and_inode(driver: &str) {
    let env = env_with_busybox();
    let img = base_image(&env, driver);
    let out = run_sh(
        &env,
        driver,
        "c1",
        img,
        "f=/data/tree/a/b/f
         before=$(stat -c '%i' $f)
         echo appended >> $f
         after=$(stat -c '%i' $f)
         [ \"$before\" = \"$after\" ] && echo same-inode
         stat -c '%a %u:%g' $f
         cat $f
         chmod 600 /data/keep/k; chown 33:44 /data/keep/k
         stat -c '%a %u:%g' /data/keep/k
         touch -d '2001-02-03 04:05:06' /data/keep/k
         date -r /data/keep/k +%Y-%m-%d
         truncate -s 0 /data/tree/g2 2>/dev/null || : > /data/tree/g2
         stat -c '%s' /data/tree/g2
         df / | tail -n 1 | awk '{print ($2 > 0) ? \"statfs-ok\" : \"statfs-zero\"}'",
    );
    let want = "same-inode\n640 1000:1000\none\nappended\n600 33:44\n2001-02-03\n0\nstatfs-ok\n";
    assert_eq!(out, want, "on {driver}");
    // The image (lower layer) did not change.
    let out = run_sh(
        &env,
        driver,
        "c2",
        img,
        "cat /data/tree/a/b/f; stat -c '%a %u:%g' /data/keep/k",
    );
    assert_eq!(out, "one\n644 0:0\n", "on {driver}");
}

fn deletions_hide_lower_files_and_survive_commit(driver: &str) {
    let env = env_with_busybox();
    let img = base_image(&env, driver);
    let script = "rm /data/tree/g
         rm -r /data/tree/a
         rm -r /data/keep && mkdir /data/keep && echo new > /data/keep/n
         rm /data/tree/link && mkdir /data/tree/link
         rmdir /data/tree/link && echo file > /data/tree/link
         ls -A /data/tree | tr '\\n' ' '; echo
         ls -A /data/keep | tr '\\n' ' '; echo
         [ ! -e /data/tree/a ] && [ ! -e /data/tree/g ] && echo gone";
    let out = run_sh(&env, driver, "d1", img, script);
    assert_eq!(out, "fifo g2 link \nn \ngone\n", "on {driver}");
    let diff = sk(&env, driver, &["diff", "d1"]);
    for want in [
        "D /data/tree/a",
        "D /data/tree/g",
        "C /data/tree/link",
        "A /data/keep/n",
    ] {
        assert!(
            diff.lines().any(|l| l == want),
            "{want} missing on {driver}:\n{diff}"
        );
    }
    // What was deleted stays deleted in an image made from the container, and the emptied
    // directory does not get its old content back.
    sk(&env, driver, &["commit", "d1", "after-delete"]);
    let out = run_sh(
        &env,
        driver,
        "d2",
        "after-delete",
        "ls -A /data/tree | tr '\\n' ' '; echo; ls -A /data/keep; cat /data/tree/link",
    );
    assert_eq!(out, "fifo g2 link \nn\nfile\n", "on {driver}");
}

fn renames_links_and_special_files(driver: &str) {
    let env = env_with_busybox();
    let img = base_image(&env, driver);
    let out = run_sh(
        &env,
        driver,
        "r1",
        img,
        "mv /data/tree /data/moved
         [ ! -e /data/tree ] && echo old-name-gone
         cat /data/moved/a/b/f
         readlink /data/moved/link
         cat /data/moved/link
         [ -p /data/moved/fifo ] && echo fifo
         stat -c '%u:%g' /data/moved/a
         mv /data/moved/a/b/f /data/moved/f2 && cat /data/moved/f2
         mkdir /data/n && echo x > /data/n/x && mv /data/n /data/m && cat /data/m/x
         ln /data/m/x /data/m/y && echo more >> /data/m/x && cat /data/m/y
         ln -s /data/m/x /data/s && cat /data/s",
    );
    assert_eq!(
        out, "old-name-gone\none\na/b/f\none\nfifo\n1000:1000\none\nx\nx\nmore\nx\nmore\n",
        "on {driver}"
    );
    // Hard links from an image layer: writing through one name shows through the other on the
    // FUSE overlay and vfs. Rootless kernel overlayfs cannot keep them (no index: the upper
    // file system has no file handles in a user namespace), like docker's overlay2 there.
    let out = run_sh(
        &env,
        driver,
        "r2",
        img,
        "echo more >> /data/tree/g; cat /data/tree/g2; stat -c '%h' /data/tree/g2",
    );
    let want = if driver == "overlay" {
        "two\n2\n"
    } else {
        "two\nmore\n2\n"
    };
    assert_eq!(out, want, "on {driver}");
}

fn diff_export_cp_and_ownership(driver: &str) {
    let env = env_with_busybox();
    run_sh(
        &env,
        driver,
        "x1",
        BUSYBOX,
        "echo hello > /root/hello; chown 1000:1000 /root/hello; rm /bin/ls",
    );
    let info = env.skiff_ok(&["inspect", "-f", "{{.Id}}", "x1"]);
    let id = info.trim();
    // Rootless: the container's uid 1000 is a subordinate id on the host, and the container's
    // root is the test user.
    let upper = env
        .data_dir()
        .join("containers")
        .join(id)
        .join("upper/root/hello");
    let meta = std::fs::metadata(&upper).expect("the changed file is in the upper dir");
    use std::os::unix::fs::MetadataExt;
    assert_eq!(meta.uid(), 200_000 + 999, "uid 1000 in the container");
    let root_meta = std::fs::metadata(upper.parent().unwrap()).unwrap();
    assert_eq!(root_meta.uid(), test_uid(), "root in the container");

    let diff = sk(&env, driver, &["diff", "x1"]);
    for want in ["C /root", "A /root/hello", "C /bin", "D /bin/ls"] {
        assert!(
            diff.lines().any(|l| l == want),
            "{want} on {driver}:\n{diff}"
        );
    }
    let tar = env.skiff(&["--storage-driver", driver, "export", "x1"]);
    assert_success(&tar, "export");
    let mut a = tar::Archive::new(&tar.stdout[..]);
    let mut found = None;
    let mut has_ls = false;
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let p = e.path().unwrap().display().to_string();
        has_ls |= p == "bin/ls";
        if p == "root/hello" {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut e, &mut s).unwrap();
            found = Some((s, e.header().uid().unwrap()));
        }
    }
    assert_eq!(found, Some(("hello\n".to_string(), 1000)), "on {driver}");
    assert!(!has_ls, "a deleted file is not exported on {driver}");
    // cp out of and into the stopped container.
    let out = env.skiff(&["cp", "x1:/root/hello", "-"]);
    assert_success(&out, "cp out");
    let mut a = tar::Archive::new(&out.stdout[..]);
    let e = a.entries().unwrap().next().unwrap().unwrap();
    assert_eq!(e.path().unwrap().display().to_string(), "hello");
    let mut t = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(3);
    h.set_mode(0o644);
    h.set_cksum();
    t.append_data(&mut h, "in.txt", &b"in\n"[..]).unwrap();
    let data = t.into_inner().unwrap();
    let o = env.skiff_stdin(&["cp", "-", "x1:/root/"], &data);
    assert_success(&o, "cp in");
    sk(&env, driver, &["commit", "x1", "x1-image"]);
    let out = run_sh(
        &env,
        driver,
        "x2",
        "x1-image",
        "cat /root/in.txt /root/hello; stat -c %u /root/hello; [ ! -e /bin/ls ] && echo no-ls",
    );
    assert_eq!(out, "in\nhello\n1000\nno-ls\n", "on {driver}");
}

/// Thousands of files made, archived, unpacked, renamed and half deleted in the container,
/// compared with the same script run by busybox on the host.
fn a_real_workload_matches_the_host(driver: &str) {
    let env = env_with_busybox();
    let script = "mkdir -p \"$1\" && cd \"$1\"
         mkdir -p src
         i=0
         while [ $i -lt 40 ]; do
           mkdir -p src/d$i/sub
           j=0
           while [ $j -lt 50 ]; do echo \"file $i $j\" > src/d$i/sub/f$j; j=$((j+1)); done
           i=$((i+1))
         done
         tar cf t.tar src
         mkdir out && tar xf t.tar -C out
         mv out/src out/renamed
         mv out/renamed/d1 out/renamed/d1-moved
         i=0
         while [ $i -lt 40 ]; do
           if [ $((i % 2)) = 0 ]; then rm -r out/renamed/d$i 2>/dev/null || true; fi
           i=$((i+1))
         done
         rm -r src t.tar
         find . | sort | md5sum
         find . -type f | sort | xargs cat | md5sum
         find . -type f | wc -l";
    let host_dir = env.dir().join("host-work");
    assert_success(
        &env.sh(&format!("mkdir -p {}", host_dir.display())),
        "mkdir",
    );
    let host = env.user_command(
        "busybox",
        &["sh", "-euc", script, "sh", host_dir.to_str().unwrap()],
    );
    let host = run_with_timeout(host, None, env.timeout()).unwrap();
    assert_success(&host, "the workload on the host");
    let ctr = sk(
        &env,
        driver,
        &[
            "run",
            "--rm",
            BUSYBOX,
            "sh",
            "-euc",
            script,
            "sh",
            "/tmp/work",
        ],
    );
    let host = stdout(&host);
    assert!(host.ends_with("1000\n"), "1000 files remain: {host}");
    assert_eq!(ctr, host, "on {driver}");
}

#[test]
fn driver_selection_flag_config_and_info() {
    let env = env_with_busybox();
    // The default here: kernel overlayfs works in a user namespace, and info says so.
    let out = env.skiff_ok(&["info", "--format", "{{.Driver}}"]);
    assert_eq!(out.trim(), "overlay");
    let out = env.skiff_ok(&["info"]);
    assert!(out.contains(" Storage Driver: overlay\n"), "{out}");
    assert!(
        out.contains("kernel overlayfs works in a user namespace"),
        "{out}"
    );
    assert!(out.contains("rootless"), "{out}");
    // The probe ran once and is cached for this kernel.
    let cache = env.data_dir().join("storage/probe.json");
    let probe: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&cache).expect("probe cached")).unwrap();
    assert!(probe["overlay"].is_null(), "{probe}");
    assert!(probe["fuse"].is_null(), "FUSE works here too: {probe}");

    let out = env.skiff_ok(&[
        "--storage-driver",
        "vfs",
        "system",
        "info",
        "-f",
        "{{.Driver}}",
    ]);
    assert_eq!(out.trim(), "vfs");
    let err = env.skiff(&["--storage-driver", "zfs", "info"]);
    assert_eq!(code(&err), 125);
    assert_eq!(
        stderr(&err).trim(),
        "Error: unknown storage driver \"zfs\" (use overlay, fuse-overlay or vfs)"
    );

    // The config file's key, and what each container was made with.
    let conf = env.dir().join("skiff.toml");
    assert_success(
        &env.sh(&format!(
            "echo 'storage_driver = \"fuse-overlay\"' > {}",
            conf.display()
        )),
        "config",
    );
    let with_conf = |args: &[&str]| {
        let mut all = vec![
            format!("SKIFF_CONFIG={}", conf.display()),
            skiff_bin().display().to_string(),
        ];
        all.extend(args.iter().map(|s| s.to_string()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let o = run_with_timeout(env.user_command("env", &all), None, env.timeout()).unwrap();
        assert_success(&o, "skiff with a config file");
        stdout(&o)
    };
    assert_eq!(
        with_conf(&["info", "-f", "{{.Driver}}"]).trim(),
        "fuse-overlay"
    );
    let out = with_conf(&["info"]);
    assert!(
        out.contains(&format!("storage_driver in {}", conf.display())),
        "{out}"
    );
    with_conf(&["run", "--name", "viaconf", BUSYBOX, "true"]);
    let mounts = with_conf(&[
        "run",
        "--rm",
        BUSYBOX,
        "sh",
        "-c",
        "grep ' / ' /proc/mounts | cut -d' ' -f3",
    ]);
    assert_eq!(mounts.trim(), "fuse.skiff-overlay");
    // The flag wins over the file.
    let out = with_conf(&["--storage-driver", "vfs", "info", "-f", "{{.Driver}}"]);
    assert_eq!(out.trim(), "vfs");
    // A bad value in the file is an error naming the file.
    assert_success(
        &env.sh(&format!(
            "echo 'storage_driver = \"nope\"' > {}",
            conf.display()
        )),
        "config",
    );
    let o = run_with_timeout(
        env.user_command(
            "env",
            &[
                &format!("SKIFF_CONFIG={}", conf.display()),
                skiff_bin().to_str().unwrap(),
                "info",
            ],
        ),
        None,
        env.timeout(),
    )
    .unwrap();
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with(&format!(
            "Error: {}: unknown storage driver",
            conf.display()
        )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn fuse_server_ends_with_its_container() {
    let env = env_with_busybox();
    let id = sk(
        &env,
        "fuse-overlay",
        &[
            "run",
            "-d",
            "--network",
            "none",
            "--name",
            "f1",
            BUSYBOX,
            "sleep",
            "300",
        ],
    );
    let id = id.trim().to_string();
    let out = env.skiff_ok(&["exec", "f1", "sh", "-c", "grep ' / ' /proc/mounts"]);
    assert!(
        out.starts_with("/dev/fuse / fuse") || out.contains(" / fuse"),
        "{out}"
    );
    // Processes that are not zombies and run for this container: the monitor and the server.
    let live = || -> usize {
        let mut n = 0;
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let p = e.path();
            let Ok(cmd) = std::fs::read(p.join("cmdline")) else {
                continue;
            };
            let stat = std::fs::read_to_string(p.join("stat")).unwrap_or_default();
            let zombie = stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
            if !zombie && String::from_utf8_lossy(&cmd).contains(&id) {
                n += 1;
            }
        }
        n
    };
    assert_eq!(live(), 2, "the monitor and the FUSE server");
    env.skiff_ok(&["stop", "-t", "1", "f1"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while live() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(live(), 0, "nothing left once the container stopped");
    // It starts again on the same upper dir.
    env.skiff_ok(&["start", "f1"]);
    let out = env.skiff_ok(&["exec", "f1", "cat", "/etc/hostname"]);
    assert_eq!(out.trim(), &id[..12]);
    env.skiff_ok(&["rm", "-f", "f1"]);
}

/// Rootless, the FUSE server answers large reads by splicing the file's pages (see
/// `tests/fuse_overlay.rs` for the proof that nothing is copied): a 5 MB file of an image
/// layer, read whole, at an offset, across and past its end in a new container, is the file
/// that was written.
#[test]
fn fuse_overlay_reads_large_files_intact() {
    let env = env_with_busybox();
    let reads = "md5sum /big
         dd if=/big bs=4096 skip=300 count=100 2>/dev/null | md5sum
         dd if=/big bs=1000 skip=4999 2>/dev/null | wc -c
         dd if=/big bs=1000 skip=6000 2>/dev/null | wc -c";
    let written = run_sh(
        &env,
        "fuse-overlay",
        "w",
        BUSYBOX,
        &format!("head -c 5000001 /dev/urandom > /big\n{reads}"),
    );
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 4, "{written}");
    assert_eq!(lines[2].trim(), "1001", "{written}");
    assert_eq!(lines[3].trim(), "0", "{written}");
    sk(&env, "fuse-overlay", &["commit", "w", "big-image"]);
    let read = run_sh(&env, "fuse-overlay", "r", "big-image", reads);
    assert_eq!(read, written, "the file read back differs");
}

/// A `--rm` container's upper layer is thrown away, so kernel overlayfs mounts it `volatile`
/// (no sync of the upper file system when the container's mounts go: podman does the same);
/// a container that is kept is not. A volatile mount leaves `work/incompat/volatile`, which
/// would refuse the next mount: a `--rm` container restarted by its health check mounts again.
#[test]
fn rm_containers_mount_a_volatile_overlay() {
    let env = env_with_busybox();
    let root_line = "grep ' / / ' /proc/self/mountinfo";
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        root_line,
    ]);
    assert!(out.contains(" overlay overlay "), "{out}");
    assert!(out.contains("volatile"), "a --rm container: {out}");
    let out = env.skiff_ok(&[
        "run",
        "--name",
        "kept",
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        root_line,
    ]);
    assert!(out.contains(" overlay overlay "), "{out}");
    assert!(!out.contains("volatile"), "a kept container: {out}");
    env.skiff_ok(&["rm", "kept"]);

    env.skiff_ok(&[
        "run",
        "-d",
        "--rm",
        "--name",
        "again",
        "--network",
        "none",
        "--health-cmd",
        "false",
        "--health-interval",
        "300ms",
        "--health-retries",
        "1",
        "--health-on-failure",
        "restart",
        "--stop-timeout",
        "1",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        let o = env.skiff(&[
            "inspect",
            "-f",
            "{{.State.Status}} {{.RestartCount}}",
            "again",
        ]);
        let got = stdout(&o);
        let mut f = got.split_whitespace();
        let (status, count) = (f.next().unwrap_or(""), f.next().unwrap_or("0"));
        if status == "running" && count.parse::<u32>().unwrap_or(0) >= 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never restarted on its volatile upper layer: {got} {}",
            stderr(&o)
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let out = env.skiff_ok(&["exec", "again", "sh", "-c", root_line]);
    assert!(out.contains("volatile"), "{out}");
    env.skiff_ok(&["rm", "-f", "again"]);
    let out = env.skiff_ok(&["ps", "-aq"]);
    assert_eq!(out.trim(), "", "nothing left");
}
