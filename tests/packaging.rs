//! The Debian packages: `packaging/deb/build.sh` builds skiff and skiff-docker from this tree
//! (offline, from the binary under test), `dpkg-deb` shows what is in them, and they are
//! installed with `dpkg --root` into a scratch root only (the machine running the tests is not
//! changed), used from there, and purged.
mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// `prog` run inside a private pid and mount namespace: the test runs as root, and skiff run as
/// root must not be able to signal or mount outside what the test made.
fn private(prog: &Path) -> Command {
    let mut c = Command::new("unshare");
    c.args(["--pid", "--fork", "--mount-proc", "--mount", "--"])
        .arg(prog);
    c
}

fn ok(cmd: &mut Command, what: &str) -> String {
    let o = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_success(&o, what);
    stdout(&o)
}

#[test]
fn debian_packages_build_install_into_a_scratch_root_and_purge() {
    let env = env_with_busybox();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = env.dir().join("debs");
    let built = ok(
        Command::new(repo.join("packaging/deb/build.sh"))
            .arg("--binary")
            .arg(env!("CARGO_BIN_EXE_skiff"))
            .arg("--out")
            .arg(&out)
            .args(["--compress", "none"]),
        "packaging/deb/build.sh",
    );
    let debs: Vec<&str> = built.lines().collect();
    assert_eq!(debs.len(), 2, "{built}");
    let (skiff_deb, docker_deb) = (debs[0], debs[1]);
    assert!(skiff_deb.ends_with(".deb") && docker_deb.ends_with("_all.deb"));

    let info = ok(
        Command::new("dpkg-deb").args(["-I", skiff_deb]),
        "dpkg-deb -I",
    );
    for want in [
        "Package: skiff\n",
        "Depends: uidmap, slirp4netns, fuse3, iproute2, iptables\n",
        "Version: ",
    ] {
        assert!(info.contains(want), "{want:?} in\n{info}");
    }
    let list = ok(
        Command::new("dpkg-deb").args(["-c", skiff_deb]),
        "dpkg-deb -c",
    );
    for want in [
        " ./usr/bin/skiff\n",
        " ./usr/libexec/skiff/skiff-monitor\n",
        " ./usr/share/man/man1/skiff-run.1.gz\n",
        " ./usr/share/man/man1/skiff-generate-systemd.1.gz\n",
        " ./usr/share/man/man5/skiff-systemd.unit.5.gz\n",
        " ./usr/share/bash-completion/completions/skiff\n",
        " ./usr/share/zsh/vendor-completions/_skiff\n",
        " ./usr/share/fish/vendor_completions.d/skiff.fish\n",
        " ./usr/lib/systemd/user/skiff-restart.service\n",
        " ./usr/lib/systemd/user-generators/skiff-user-generator -> ../../../bin/skiff\n",
        " ./usr/share/doc/skiff/docs/systemd.md\n",
    ] {
        assert!(list.contains(want), "{want:?} missing from the package");
    }
    assert!(list.contains("root/root"), "files are owned by root");
    let dinfo = ok(
        Command::new("dpkg-deb").args(["-I", docker_deb]),
        "dpkg-deb -I",
    );
    assert!(dinfo.contains("Package: skiff-docker\n") && dinfo.contains("Depends: skiff (= "));
    let dlist = ok(
        Command::new("dpkg-deb").args(["-c", docker_deb]),
        "dpkg-deb -c",
    );
    assert!(
        dlist.contains(" ./usr/bin/docker\n")
            && dlist.contains(" ./etc/profile.d/skiff-docker.sh\n")
    );

    // A scratch root with an empty dpkg database: nothing outside it is touched.
    let root = env.dir().join("root");
    for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
    let dpkg = |args: &[&str]| {
        let mut c = Command::new("dpkg");
        c.arg(format!("--root={}", root.display()))
            .args(["--force-not-root", "--force-depends", "--log=/dev/null"])
            .args(args);
        c
    };
    ok(&mut dpkg(&["-i", skiff_deb, docker_deb]), "dpkg -i");
    let status = ok(&mut dpkg(&["-l", "skiff", "skiff-docker"]), "dpkg -l");
    assert_eq!(
        status.lines().filter(|l| l.starts_with("ii ")).count(),
        2,
        "{status}"
    );

    let bin = root.join("usr/bin/skiff");
    let version = ok(private(&bin).arg("--version"), "skiff --version");
    assert_eq!(version, format!("skiff {}\n", env!("CARGO_PKG_VERSION")));
    let page = ok(
        Command::new("man")
            .args(["-w", "skiff-run"])
            .env("MANPATH", root.join("usr/share/man")),
        "man -w skiff-run",
    );
    assert_eq!(
        page.trim(),
        root.join("usr/share/man/man1/skiff-run.1.gz")
            .to_string_lossy()
    );
    // The generator systemd would run (a link named skiff-user-generator).
    let gen_out = env.dir().join("gen");
    ok(
        private(&root.join("usr/lib/systemd/user-generators/skiff-user-generator"))
            .env("QUADLET_UNIT_DIRS", env.dir().join("none"))
            .arg(&gen_out),
        "skiff-user-generator",
    );
    // The shim, as the test user, against this test's store.
    let path = format!("PATH={}:{PATH}", root.join("usr/bin").display());
    let docker = root.join("usr/bin/docker").to_string_lossy().into_owned();
    env.skiff_ok(&["create", "--name", "shimmed", BUSYBOX, "true"]);
    let o = run_with_timeout(
        env.user_command(
            "env",
            &[&path, &docker, "ps", "-a", "--format", "{{.Names}}"],
        ),
        None,
        env.timeout(),
    )
    .unwrap();
    assert_success(&o, "docker ps (the shim)");
    assert_eq!(stdout(&o), "shimmed\n");
    assert!(stderr(&o).starts_with("Emulate Docker CLI using skiff."));
    let host = ok(
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                ". {}; echo $DOCKER_HOST",
                root.join("etc/profile.d/skiff-docker.sh").display()
            ))
            .env("XDG_RUNTIME_DIR", "/run/user/1234")
            .env_remove("DOCKER_HOST"),
        "profile.d",
    );
    assert_eq!(host, "unix:///run/user/1234/skiff/skiff.sock\n");

    // Removing the shim takes /usr/bin/docker away and keeps skiff; its profile.d script, a
    // configuration file, stays until a purge (Debian's rule).
    ok(&mut dpkg(&["-r", "skiff-docker"]), "dpkg -r skiff-docker");
    assert!(!root.join("usr/bin/docker").exists());
    assert!(root.join("etc/profile.d/skiff-docker.sh").exists());
    assert!(root.join("usr/bin/skiff").exists());
    let status = ok(&mut dpkg(&["-l", "skiff-docker"]), "dpkg -l");
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("rc ") && l.contains("skiff-docker")),
        "{status}"
    );
    ok(&mut dpkg(&["-P", "skiff-docker", "skiff"]), "dpkg -P");
    let mut left = Vec::new();
    for e in walk(&root) {
        if !e.starts_with(root.join("var/lib/dpkg")) && e.is_file() {
            left.push(e);
        }
    }
    assert!(left.is_empty(), "left after purge: {left:?}");
    assert!(!root
        .join("usr/lib/systemd/user-generators/skiff-user-generator")
        .exists());
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() && !p.is_symlink() {
                out.extend(walk(&p));
            }
            out.push(p);
        }
    }
    out
}
