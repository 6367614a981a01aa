//! README's install command, `sudo ./packaging/install.sh`, from a fresh clone of this
//! repository: it packs the Debian package (from the binary under test: `--binary`, as CI must
//! not build a release), installs it with apt, and runs a first container as the invoking user.
//! The machine is not changed: it all happens in a private pid and mount namespace where
//! /usr, /etc, /var/lib, /var/cache and /var/log are overlays on a scratch directory, /tmp is a
//! tmpfs and the user's home a scratch directory.
mod common;

use std::process::{Command, Stdio};

use common::*;

#[test]
fn install_sh_from_a_fresh_clone_installs_the_package_and_runs_a_container() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test installs packages into overlays in a private namespace: run the tests as root (tests/run.sh does)"
    );
    let env = TestEnv::new();
    let host_had_skiff = host_has_skiff();
    let s = env.dir().join("install");
    std::fs::create_dir(&s).unwrap();
    let repo = env!("CARGO_MANIFEST_DIR");
    let src = s.join("src");
    let o = Command::new("git")
        .args(["clone", "-q", "--no-hardlinks", repo])
        .arg(&src)
        .output()
        .unwrap();
    assert_success(&o, "git clone");
    let script = format!(
        r#"set -e
S={s}
for d in usr etc var/lib var/cache var/log; do
    n=$(echo $d | tr / _)
    mkdir -p $S/ov/$n/up $S/ov/$n/work
    mount -t overlay overlay -o lowerdir=/$d,upperdir=$S/ov/$n/up,workdir=$S/ov/$n/work /$d
done
mount -t tmpfs tmpfs /tmp
mkdir -p $S/home
chown {user}: $S/home
home=$(getent passwd {user} | cut -d: -f6)
mount --bind $S/home $home
cd $S/src
SUDO_USER={user} ./packaging/install.sh --binary {bin} --compress none > $S/install.out 2>&1
dpkg-query -W -f='${{Status}} ${{Version}}\n' skiff > $S/status.out
command -v skiff > $S/which.out
ls /usr/libexec/skiff > $S/libexec.out
skiff --version > $S/version.out
man -w skiff-run > $S/man1.out
man -w 5 skiff-systemd.unit > $S/man5.out
readlink -f /usr/lib/systemd/user-generators/skiff-user-generator > $S/generator.out
ls /usr/lib/systemd/user > $S/units.out
runuser -u {user} -- env -i HOME=$home PATH=/usr/bin:/bin skiff images --format '{{{{.Repository}}}}:{{{{.Tag}}}}' > $S/images.out
apt-get remove -y -qq skiff > /dev/null
dpkg-query -W -f='${{Status}}\n' skiff > $S/removed.out 2>&1 || true
[ -e /usr/bin/skiff ] || echo gone > $S/bin-after-remove.out
"#,
        s = s.display(),
        user = "skifftest",
        bin = skiff_bin().display(),
    );
    let mut c = Command::new("unshare");
    c.args([
        "--pid",
        "--fork",
        "--mount-proc",
        "--mount",
        "--",
        "sh",
        "-c",
    ])
    .arg(&script)
    .stdin(Stdio::null());
    let o = run_with_timeout(c, None, std::time::Duration::from_secs(600)).unwrap();
    let read = |f: &str| std::fs::read_to_string(s.join(f)).unwrap_or_default();
    assert_success(&o, &format!("the install script\n{}", read("install.out")));
    let out = read("install.out");
    assert!(
        out.contains("==> installing skiff_")
            && out.ends_with("skiff works\n==> done: try `skiff run --rm -it busybox`\n"),
        "{out}"
    );
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        read("status.out"),
        format!("install ok installed {version}\n")
    );
    assert_eq!(read("which.out"), "/usr/bin/skiff\n");
    // The small binary the monitors run in.
    assert_eq!(read("libexec.out"), "skiff-monitor\n");
    assert_eq!(read("version.out"), format!("skiff {version}\n"));
    assert_eq!(read("man1.out"), "/usr/share/man/man1/skiff-run.1.gz\n");
    assert_eq!(
        read("man5.out"),
        "/usr/share/man/man5/skiff-systemd.unit.5.gz\n"
    );
    assert_eq!(read("generator.out"), "/usr/bin/skiff\n");
    for u in ["skiff-restart.service", "skiff.service", "skiff.socket"] {
        assert!(
            read("units.out").lines().any(|l| l == u),
            "{u}: {}",
            read("units.out")
        );
    }
    assert_eq!(read("images.out"), "busybox:latest\n");
    // Removed: the package's files go (its configuration stays until a purge; it has none).
    let removed = read("removed.out");
    assert!(
        removed.contains("no packages found matching skiff")
            || removed.starts_with("deinstall ok config-files"),
        "{removed}"
    );
    assert_eq!(read("bin-after-remove.out"), "gone\n");
    // Nothing of it outside the namespace.
    assert_eq!(
        host_has_skiff(),
        host_had_skiff,
        "the host's packages changed"
    );
}

/// Whether the machine running the test has a skiff package installed.
fn host_has_skiff() -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", "skiff"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("ok installed"))
        .unwrap_or(false)
}
