//! Security of the runtime (issue 14): hostile images (a /proc, /sys, /dev or /etc that is a
//! symlink, device nodes in a layer), device nodes against the host's disks, `exec` without a
//! terminal, the capabilities and no_new_privs of `exec`, docker's current seccomp profile and
//! masked paths, and the smaller ones (user 4294967295, readable /etc/hosts).
//!
//! Rootful cases run skiff as root inside a private PID and mount namespace made by the test
//! (`unshare --pid --fork --mount-proc --mount`), so that a regression cannot reach the
//! machine running the tests; they need the tests to run as root and fail otherwise.
mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output};

use common::*;

/// Run `script` (sh) as root in a private PID and mount namespace, with `$SKIFF` the skiff
/// binary and its own SKIFF_ROOT below the test's directory.
fn rootful(env: &TestEnv, script: &str) -> Output {
    assert!(
        nix::unistd::geteuid().is_root(),
        "rootful tests need root (run the tests as root, as CI does)"
    );
    let base = env.dir().join("rootful");
    for d in [base.join("data"), base.join("run")] {
        std::fs::create_dir_all(&d).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let mut c = Command::new("unshare");
    c.args([
        "--pid",
        "--fork",
        "--mount-proc",
        "--mount",
        "sh",
        "-c",
        script,
    ])
    .env_clear()
    .env("PATH", PATH)
    .env("HOME", "/root")
    .env("SKIFF", skiff_bin())
    .env("SKIFF_ROOT", base.join("data"))
    .env("SKIFF_RUNROOT", base.join("run"))
    .env("XDG_RUNTIME_DIR", base.join("run"))
    .current_dir(env.dir());
    let o = run_with_timeout(c, None, env.timeout())
        .unwrap_or_else(|e| panic!("rootful {script}: {e}"));
    remove_leftover_cgroups(&base.join("data"));
    o
}

fn image(name: &str) -> String {
    format!("{REGISTRY}/{name}")
}

// ---- 1. /proc and /sys must be ordinary directories ------------------------------------

#[test]
fn proc_symlink_in_image_is_refused() {
    let env = TestEnv::new();
    for (name, fs) in [("hostile-proc-link", "proc"), ("hostile-sys-link", "sysfs")] {
        env.pull(name);
        let o = env.skiff(&["run", "--rm", &image(name), "true"]);
        assert_eq!(code(&o), 125, "{name}: {}", stderr(&o));
        let want = format!("filesystem \"{fs}\" must be mounted on ordinary directory");
        assert!(stderr(&o).contains(&want), "{name}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    }
    // Rootful, where the masks matter most: refused too, and an ordinary image gets its
    // /proc masks (read-only /proc/sys and /proc/sysrq-trigger, an empty /proc/kcore).
    let o = rootful(
        &env,
        &format!(
            "$SKIFF pull -q {p} >/dev/null && $SKIFF pull -q {s} >/dev/null && $SKIFF pull -q {b} >/dev/null || exit 99
             $SKIFF run --rm {p} true; echo proc=$?
             cg=$(awk '$3==\"cgroup2\"{{print $2; exit}}' /proc/mounts)/skiff-leak-test-$$
             $SKIFF run --rm --cgroup-parent skiff-leak-test-$$ {p} true; echo proc2=$?
             echo left=$(find $cg -mindepth 1 -type d | wc -l); rmdir $cg
             $SKIFF run --rm {s} true; echo sys=$?
             $SKIFF run --rm {b} sh -c 'echo 1 > /proc/sys/kernel/printk 2>/dev/null && echo WRITABLE-SYS; \
               echo h > /proc/sysrq-trigger 2>/dev/null && echo WRITABLE-SYSRQ; \
               echo kcore=$(head -c 16 /proc/kcore | wc -c)'",
            p = image("hostile-proc-link"),
            s = image("hostile-sys-link"),
            b = BUSYBOX
        ),
    );
    let out = stdout(&o);
    assert!(out.contains("proc=125"), "{out}\n{}", stderr(&o));
    // The failed start left no cgroup behind.
    assert!(out.contains("proc2=125"), "{out}\n{}", stderr(&o));
    assert!(out.contains("left=0"), "{out}\n{}", stderr(&o));
    assert!(out.contains("sys=125"), "{out}\n{}", stderr(&o));
    assert!(out.contains("kcore=0"), "{out}\n{}", stderr(&o));
    assert!(!out.contains("WRITABLE"), "{out}\n{}", stderr(&o));
}

// ---- 2. /dev as a symlink stays inside the container -----------------------------------

#[test]
fn dev_symlink_in_image_stays_inside_the_container() {
    let env = TestEnv::new();
    env.pull("hostile-dev-link");
    let host_target = PathBuf::from("/tmp/skiff-dev-link-target");
    let script = "echo x > /dev/null && test -c /dev/null && test -L /dev/fd && echo dev-ok";
    let o = env.skiff(&[
        "run",
        "--rm",
        &image("hostile-dev-link"),
        "sh",
        "-c",
        script,
    ]);
    assert_eq!(stdout(&o), "dev-ok\n", "{}", stderr(&o));
    assert!(
        !host_target.exists(),
        "skiff created {} on the host",
        host_target.display()
    );
    let o = rootful(
        &env,
        &format!(
            "$SKIFF pull -q {i} >/dev/null || exit 99; $SKIFF run --rm {i} sh -c '{script}'",
            i = image("hostile-dev-link")
        ),
    );
    assert_eq!(stdout(&o), "dev-ok\n", "{}", stderr(&o));
    assert!(
        !host_target.exists(),
        "rootful skiff created {} on the host",
        host_target.display()
    );
}

// ---- 3. device nodes cannot reach the host's disks --------------------------------------

/// The host's first disk (major:minor), from /proc/partitions.
fn host_disk() -> (u32, u32) {
    let text = std::fs::read_to_string("/proc/partitions").unwrap();
    for line in text.lines().skip(2) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() == 4
            && !["loop", "ram", "zram", "sr"]
                .iter()
                .any(|p| f[3].starts_with(p))
            && f[2] != "0"
        {
            return (f[0].parse().unwrap(), f[1].parse().unwrap());
        }
    }
    panic!("no disk in /proc/partitions:\n{text}");
}

#[test]
fn device_nodes_cannot_reach_host_disks() {
    let env = TestEnv::new();
    let (major, minor) = host_disk();
    let script = format!(
        "$SKIFF pull -q {img} >/dev/null || exit 99
         $SKIFF volume create vol1 >/dev/null || exit 98
         $SKIFF run --rm -v vol1:/vol --tmpfs /tm {img} sh -c '\
           echo nodes=$(ls /nodes); \
           for n in /nodes/*; do head -c 512 $n 2>/dev/null | wc -c | grep -qx 512 && echo READ $n; done; \
           for d in /tmp /dev /vol /tm; do \
             mknod $d/disk b {major} {minor} && echo made $d; \
             head -c 512 $d/disk 2>/dev/null | wc -c | grep -qx 512 && echo READ $d; \
           done; echo done'",
        img = image("hostile-devices")
    );
    let o = rootful(&env, &script);
    let out = stdout(&o);
    assert!(out.contains("done"), "{out}\n{}", stderr(&o));
    assert!(!out.contains("READ"), "{out}\n{}", stderr(&o));
    // The layer's nodes were not created (the 0:0 one is a whiteout: hidden by the overlay).
    assert!(out.contains("nodes=\n"), "{out}");
    // mknod works (CAP_MKNOD, as docker's) but the nodes open nothing: the file systems are
    // nodev.
    for d in ["/tmp", "/dev", "/vol", "/tm"] {
        assert!(out.contains(&format!("made {d}")), "{out}\n{}", stderr(&o));
    }
    // Rootless: the layer's nodes are not created either.
    env.pull("hostile-devices");
    // (A 0:0 node cannot be made there either: its name shows, unreadable.)
    let o = env.skiff(&["run", "--rm", &image("hostile-devices"), "ls", "/nodes"]);
    for disk in ["vda", "vda-253", "sda", "nvme0n1", "xvda", "loop0", "mem"] {
        assert!(
            !stdout(&o).lines().any(|l| l == disk),
            "{disk}: {}",
            stdout(&o)
        );
    }
}

// ---- 6. exec without -t gets no terminal ------------------------------------------------

#[test]
fn exec_without_tty_has_no_terminal_access() {
    let env = TestEnv::new();
    env.pull("busybox");
    // The host's python3 (read-only binds) tries TIOCSTI on every standard stream.
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "c",
        "-v",
        "/usr:/usr:ro",
        "-v",
        "/usr/lib:/lib:ro",
        "-v",
        "/usr/lib64:/lib64:ro",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    // script(1) gives skiff a terminal as stdin, stdout, stderr and controlling tty.
    let skiff = skiff_bin().display().to_string();
    let inner = "for f in 0 1 2; do test -t $f && echo TTY-$f; done; \
                 (: < /dev/tty) 2>/dev/null && echo DEV-TTY; \
                 /usr/bin/python3 -c \"import fcntl, termios\nfor f in (0, 1, 2):\n  try:\n    fcntl.ioctl(f, termios.TIOCSTI, b\\\" \\\"); print(chr(84) + str(f))\n  except OSError: pass\nprint(chr(80) + chr(89))\"; \
                 set -- $(cat /proc/$$/stat); echo tty_nr=$7; \
                 test $6 = $$ && echo session-leader; echo end";
    for flags in ["", "-i"] {
        let o = env.sh(&format!(
            "export INNER='{inner}'; script -qec \"{skiff} exec {flags} c sh -c \\\"\\$INNER\\\"\" /dev/null </dev/null"
        ));
        let out = stdout(&o).replace('\r', "");
        assert!(out.contains("end"), "{flags}: {out}\n{}", stderr(&o));
        assert!(!out.contains("TTY-"), "{flags}: {out}");
        assert!(!out.contains("DEV-TTY"), "{flags}: {out}");
        assert!(
            out.lines().any(|l| l == "PY"),
            "{flags}: python did not run: {out}"
        );
        // T0, T1, T2: TIOCSTI worked on that stream.
        assert!(
            !["T0", "T1", "T2"]
                .iter()
                .any(|t| out.lines().any(|l| l == *t)),
            "{flags}: {out}"
        );
        assert!(out.contains("tty_nr=0"), "{flags}: {out}");
        assert!(out.contains("session-leader"), "{flags}: {out}");
    }
    // Streams still work through the pipes: output, errors, exit code, stdin with -i.
    let o = env.skiff_stdin(
        &[
            "exec",
            "-i",
            "c",
            "sh",
            "-c",
            "tr a-z A-Z; echo err >&2; exit 3",
        ],
        b"piped\n",
    );
    assert_eq!(code(&o), 3);
    assert_eq!(stdout(&o), "PIPED\n");
    assert_eq!(stderr(&o), "err\n");
}

// ---- 9. exec keeps the container's capabilities and no_new_privs -------------------------

fn status_lines(s: &str) -> Vec<String> {
    s.lines()
        .filter(|l| l.starts_with("Cap") || l.starts_with("NoNewPrivs"))
        .map(str::to_string)
        .collect()
}

#[test]
fn exec_inherits_capabilities_and_no_new_privs() {
    let env = TestEnv::new();
    env.pull("busybox");
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "c",
        "--cap-drop",
        "CHOWN",
        "--cap-drop",
        "NET_RAW",
        "--cap-add",
        "NET_ADMIN",
        "--security-opt",
        "no-new-privileges",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let pid1 = status_lines(&env.skiff_ok(&["exec", "c", "cat", "/proc/1/status"]));
    let exec = status_lines(&env.skiff_ok(&["exec", "c", "cat", "/proc/self/status"]));
    assert_eq!(pid1, exec);
    assert!(exec.contains(&"NoNewPrivs:\t1".to_string()), "{exec:?}");
    // CHOWN (bit 0) and NET_RAW (bit 13) gone, NET_ADMIN (bit 12) there; nothing inheritable.
    let eff = exec
        .iter()
        .find_map(|l| l.strip_prefix("CapEff:\t"))
        .unwrap();
    let bits = u64::from_str_radix(eff, 16).unwrap();
    assert_eq!(bits & 1, 0, "{eff}");
    assert_eq!(bits & (1 << 13), 0, "{eff}");
    assert_ne!(bits & (1 << 12), 0, "{eff}");
    assert!(
        exec.contains(&"CapInh:\t0000000000000000".to_string()),
        "{exec:?}"
    );
    // A privileged container's exec has everything, as does exec --privileged.
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "p",
        "--privileged",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let p1 = status_lines(&env.skiff_ok(&["exec", "p", "cat", "/proc/1/status"]));
    let pe = status_lines(&env.skiff_ok(&["exec", "p", "cat", "/proc/self/status"]));
    assert_eq!(p1, pe);
    let all =
        status_lines(&env.skiff_ok(&["exec", "--privileged", "c", "cat", "/proc/self/status"]));
    let bnd = |v: &[String]| v.iter().find(|l| l.starts_with("CapBnd")).cloned();
    assert_eq!(bnd(&all), bnd(&pe));
}

// ---- 11. docker's current profile and masked paths --------------------------------------

#[test]
fn io_uring_af_alg_and_inheritable_caps_follow_docker() {
    let env = TestEnv::new();
    env.pull("busybox");
    // The host's python3, run from a read-only bind of /usr, makes the system calls.
    let py = "import ctypes, socket, errno, sys\n\
              libc = ctypes.CDLL(None, use_errno=True)\n\
              buf = ctypes.create_string_buffer(120)\n\
              r = libc.syscall(425, 1, buf)\n\
              print('io_uring', 'EPERM' if r < 0 and ctypes.get_errno() == errno.EPERM else 'allowed')\n\
              try:\n    socket.socket(38, 5, 0); print('af_alg allowed')\n\
              except OSError as e:\n    print('af_alg', 'EPERM' if e.errno == errno.EPERM else e)\n";
    let script = "/usr/bin/python3 -c \"$0\"; grep CapInh /proc/self/status; \
                  echo interrupts=$(wc -c < /proc/interrupts); \
                  for d in /sys/devices/system/cpu/cpu*/thermal_throttle; do \
                    test -d $d || continue; ls $d | grep -q . && echo UNMASKED $d; done; echo end";
    let o = env.skiff(&[
        "run",
        "--rm",
        "-v",
        "/usr:/usr:ro",
        "-v",
        "/usr/lib:/lib:ro",
        "-v",
        "/usr/lib64:/lib64:ro",
        BUSYBOX,
        "/bin/sh",
        "-c",
        script,
        py,
    ]);
    let out = stdout(&o);
    assert!(out.contains("io_uring EPERM"), "{out}\n{}", stderr(&o));
    assert!(out.contains("af_alg EPERM"), "{out}\n{}", stderr(&o));
    assert!(out.contains("CapInh:\t0000000000000000"), "{out}");
    assert!(out.contains("interrupts=0"), "{out}");
    assert!(!out.contains("UNMASKED"), "{out}");
    assert!(out.contains("end"), "{out}");
}

// ---- 13. the smaller ones -----------------------------------------------------------------

#[test]
fn user_4294967295_is_refused() {
    let env = TestEnv::new();
    env.pull("busybox");
    for user in ["4294967295", "0:4294967295", "2147483648"] {
        let o = env.skiff(&["run", "--rm", "-u", user, BUSYBOX, "id"]);
        assert_eq!(code(&o), 125, "{user}: {}", stdout(&o));
        assert!(
            stderr(&o).contains("uids and gids must be in range 0-2147483647"),
            "{user}: {}",
            stderr(&o)
        );
    }
    env.skiff_ok(&["run", "-d", "--name", "c", BUSYBOX, "sleep", "300"]);
    let o = env.skiff(&["exec", "-u", "4294967295", "c", "id", "-u"]);
    assert_ne!(code(&o), 0, "{}", stdout(&o));
    assert!(
        stderr(&o).contains("uids and gids must be in range 0-2147483647"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn hosts_hostname_and_resolv_conf_are_readable_by_any_user() {
    let env = TestEnv::new();
    env.pull("busybox");
    let o = env.skiff(&[
        "run",
        "--rm",
        "-u",
        "1000",
        BUSYBOX,
        "sh",
        "-c",
        "cat /etc/hosts /etc/hostname /etc/resolv.conf >/dev/null && echo readable",
    ]);
    assert_eq!(stdout(&o), "readable\n", "{}", stderr(&o));
}

#[test]
fn etc_link_in_image_does_not_reach_host_files() {
    let env = TestEnv::new();
    env.pull("hostile-etc-link");
    // The image's /etc points at this host directory: a passwd there must not be read.
    let dir = PathBuf::from("/tmp/skiff-etc-link-target");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let tmp = dir.join(format!(".passwd-{}", std::process::id()));
    std::fs::write(&tmp, "hostonly:x:4242:4242::/:/bin/sh\n").unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::rename(&tmp, dir.join("passwd")).unwrap();
    let o = env.skiff(&[
        "run",
        "--rm",
        "-u",
        "hostonly",
        &image("hostile-etc-link"),
        "id",
        "-u",
    ]);
    assert_ne!(stdout(&o).trim(), "4242", "read the host's file");
    assert!(
        stderr(&o).contains("unable to find user hostonly"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn layer_overlay_xattrs_are_dropped() {
    let env = TestEnv::new();
    env.pull("hostile-xattrs");
    // Were user.overlay.opaque applied, /etc would hide the busybox layer's passwd.
    let script = "grep -c root /etc/passwd";
    let o = env.skiff(&["run", "--rm", &image("hostile-xattrs"), "sh", "-c", script]);
    assert_eq!(stdout(&o), "1\n", "{}", stderr(&o));
    let o = rootful(
        &env,
        &format!(
            "$SKIFF pull -q {i} >/dev/null || exit 99; $SKIFF run --rm {i} sh -c '{script}'",
            i = image("hostile-xattrs")
        ),
    );
    assert_eq!(stdout(&o), "1\n", "{}", stderr(&o));
    // In the store: no overlay attribute on the layer's directories, other user.* kept.
    let layers = env.data_dir().join("layers");
    let mut seen_kept = false;
    for e in std::fs::read_dir(&layers).unwrap().flatten() {
        for dir in ["etc", "var"] {
            let p = e.path().join(dir);
            if !p.is_dir() {
                continue;
            }
            let names: Vec<String> = xattr::list(&p)
                .map(|l| l.map(|n| n.to_string_lossy().into_owned()).collect())
                .unwrap_or_default();
            assert!(
                !names.iter().any(|n| n.contains("overlay")),
                "{}: {names:?}",
                p.display()
            );
            seen_kept |= names.iter().any(|n| n == "user.skiff-test");
        }
    }
    assert!(seen_kept, "the other user.* attribute was dropped too");
}

#[test]
fn runtime_dir_fallback_must_be_private() {
    let env = TestEnv::new();
    // No XDG_RUNTIME_DIR nor SKIFF_RUNROOT: skiff falls back to $TMPDIR/skiff-run-UID.
    let tmp = env.dir().join("tmp");
    assert_success(
        &env.sh(&format!("mkdir -m 0755 {}", tmp.display())),
        "mkdir",
    );
    let fallback = tmp.join(format!("skiff-run-{}", test_uid()));
    let run = || {
        let mut c = env.user_command("env", &[]);
        c.args(["-u", "XDG_RUNTIME_DIR", "-u", "SKIFF_RUNROOT"])
            .arg(format!("TMPDIR={}", tmp.display()))
            .args([skiff_bin().to_str().unwrap(), "ps"]);
        run_with_timeout(c, None, env.timeout()).unwrap()
    };
    // A link planted by someone else, then a directory others can write: refused.
    assert_success(&env.sh(&format!("ln -s /tmp {}", fallback.display())), "ln");
    let o = run();
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not a private directory"),
        "{}",
        stderr(&o)
    );
    assert_success(
        &env.sh(&format!(
            "rm {f} && mkdir -m 0777 {f}",
            f = fallback.display()
        )),
        "mkdir",
    );
    let o = run();
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not a private directory"),
        "{}",
        stderr(&o)
    );
    // Missing: made, 0700.
    assert_success(&env.sh(&format!("rmdir {}", fallback.display())), "rmdir");
    let o = run();
    assert_success(&o, "skiff ps with the fallback");
    let mode = std::fs::symlink_metadata(&fallback)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o700);
}

#[test]
fn proc_self_exe_entrypoint_does_not_reach_skiff() {
    // CVE-2019-5736: a command that is a `#!/proc/self/exe` script.
    let env = TestEnv::new();
    env.pull("busybox");
    let dir = env.dir().join("x");
    assert_success(
        &env.sh(&format!(
            "mkdir -p {d} && printf '#!/proc/self/exe\\n' > {d}/evil && chmod 755 {d}/evil",
            d = dir.display()
        )),
        "script",
    );
    let vol = format!("{}:/x:ro", dir.display());
    let check = |o: &Output, what: &str| {
        let all = format!("{}{}", stdout(o), stderr(o));
        assert_eq!(code(o), 126, "{what}: {all}");
        assert!(
            !all.contains("Usage") && !all.contains("skiff") && !all.contains("error:"),
            "{what}: skiff's binary ran: {all}"
        );
    };
    let o = env.skiff(&["run", "--rm", "-v", &vol, BUSYBOX, "/x/evil"]);
    check(&o, "run");
    env.skiff_ok(&[
        "run", "-d", "--name", "c", "-v", &vol, BUSYBOX, "sleep", "300",
    ]);
    let o = env.skiff(&["exec", "c", "/x/evil"]);
    check(&o, "exec");
    let o = rootful(
        &env,
        &format!("$SKIFF pull -q {BUSYBOX} >/dev/null || exit 99; $SKIFF run --rm -v {vol} {BUSYBOX} /x/evil"),
    );
    check(&o, "rootful run");
}
