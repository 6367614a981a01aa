//! Quadlet under a real systemd user manager: `systemd --user` runs in a private pid and mount
//! namespace (with `/run/systemd/system` made there so it believes systemd booted the machine,
//! and a cgroup of its own delegated to the test user, which it needs to start), finds skiff's
//! generator in `/run/systemd/user-generators`, and `systemctl --user start web` pulls the
//! image (`.image`), creates the volume (`.volume`), starts the container, waits for its first
//! passing healthcheck (`Notify=healthy`), and serves on the published port; stop removes it.
mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Cgroups made for the manager (one per hierarchy it uses), removed once every process in them
/// is gone.
struct Cgroups(Vec<PathBuf>);

impl Cgroups {
    fn new(name: &str) -> Cgroups {
        let mut made = Vec::new();
        for h in [
            "/sys/fs/cgroup/unified",
            "/sys/fs/cgroup/systemd",
            "/sys/fs/cgroup",
        ] {
            let base = Path::new(h);
            // cgroup v2 (unified or the whole tree), and the named v1 `systemd` hierarchy of a
            // hybrid machine.
            if !base.join("cgroup.procs").exists() || (h == "/sys/fs/cgroup" && !made.is_empty()) {
                continue;
            }
            let d = base.join(name);
            std::fs::create_dir(&d).unwrap_or_else(|e| panic!("mkdir {}: {e}", d.display()));
            chown_tree(&d);
            made.push(d);
        }
        assert!(!made.is_empty(), "no cgroup hierarchy to delegate");
        Cgroups(made)
    }
}

fn chown_tree(d: &Path) {
    for e in std::fs::read_dir(d).unwrap().flatten() {
        std::os::unix::fs::chown(e.path(), Some(test_uid()), Some(test_gid())).unwrap();
    }
    std::os::unix::fs::chown(d, Some(test_uid()), Some(test_gid())).unwrap();
}

impl Drop for Cgroups {
    fn drop(&mut self) {
        // The namespace is gone, so are its processes: remove the tree, deepest first.
        let deadline = Instant::now() + Duration::from_secs(10);
        for d in &self.0 {
            loop {
                let o = Command::new("find")
                    .arg(d)
                    .args(["-depth", "-type", "d", "-exec", "rmdir", "{}", ";"])
                    .stderr(Stdio::null())
                    .status();
                if o.is_err() || !d.exists() || Instant::now() > deadline {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

#[test]
fn a_real_user_manager_starts_and_stops_a_quadlet_unit() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test starts systemd --user in a private namespace: run the tests as root (tests/run.sh does)"
    );
    let env = env_with_busybox();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = env.dir().join("config");
    let qdir = config.join("containers/systemd");
    std::fs::create_dir_all(&qdir).unwrap();
    let web = format!(
        "[Unit]\nDescription=web\n\n[Container]\nImage=bb.image\n\
         Exec=sh -c 'echo hello > /data/index.html && httpd -f -p 80 -h /data & trap \"exit 0\" TERM; wait'\n\
         PublishPort=127.0.0.1:{port}:80\nVolume=data.volume:/data\nNotify=healthy\n\
         HealthCmd=wget -qO- http://127.0.0.1/\nHealthInterval=1s\n\n[Install]\nWantedBy=default.target\n"
    );
    for (name, text) in [
        ("web.container", web.as_str()),
        ("data.volume", "[Volume]\nVolumeName=webdata\n"),
        (
            "bb.image",
            &format!("[Image]\nImage={BUSYBOX}\nImageTag=localhost/bb:unit\n"),
        ),
    ] {
        std::fs::write(qdir.join(name), text).unwrap();
    }
    for d in [
        env.dir().join("config"),
        env.dir().join("config/containers"),
        qdir.clone(),
    ] {
        std::os::unix::fs::chown(&d, Some(test_uid()), Some(test_gid())).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // The manager's own cgroup, delegated to the test user (systemd --user refuses to start
    // without one it can write: it makes init.scope and the slices below it).
    let cg = Cgroups::new(&format!(
        "skiff-test-manager-{}",
        env.dir().file_name().unwrap().to_string_lossy()
    ));
    let cg_procs: Vec<String> =
        cg.0.iter()
            .map(|d| d.join("cgroup.procs").display().to_string())
            .collect();

    let mut vars: Vec<String> = env
        .vars()
        .into_iter()
        .map(|(k, v)| format!("{k}={}", v.to_string_lossy()))
        .collect();
    vars.push(format!("XDG_CONFIG_HOME={}", config.display()));
    let vars = vars.join(" ");
    let run = env.run_dir().display().to_string();
    let script = format!(
        r#"set -e
for p in {procs}; do echo $$ > $p; done
mount -t tmpfs tmpfs /run/systemd
mkdir -p /run/systemd/system /run/systemd/user-generators
ln -s {bin} /run/systemd/user-generators/skiff-user-generator
runuser -u {user} -- env -i {vars} /lib/systemd/systemd --user > manager.log 2>&1 &
SC="runuser -u {user} -- env -i XDG_RUNTIME_DIR={run} PATH=/usr/bin:/bin systemctl --user"
i=0; until $SC is-system-running --wait > state.out 2>/dev/null; do
    i=$((i+1)); [ $i -lt 150 ] || {{ echo "the user manager did not come up" >&2; exit 91; }}
    [ "$(cat state.out)" = degraded ] && break; sleep 0.2
done
$SC start web.service
$SC is-active web.service bb-image.service data-volume.service > active.out
$SC show -p MainPID --value web.service > mainpid.out
tr '\0' ' ' < /proc/$(cat mainpid.out)/cmdline > main.cmdline
python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen("http://127.0.0.1:{port}/").read().decode())' > fetch.out
runuser -u {user} -- env -i {vars} {bin} inspect -f '{{{{.Name}}}} {{{{.Config.Image}}}} {{{{range .Mounts}}}}{{{{.Name}}}}{{{{end}}}} {{{{.State.Health.Status}}}}' systemd-web > inspect.out
$SC stop web.service
$SC is-active web.service > stopped.out || true
$SC status web.service --no-pager -l > stopped.status 2>&1 || true
runuser -u {user} -- env -i {vars} {bin} ps -aq > ps.out
"#,
        procs = cg_procs.join(" "),
        bin = skiff_bin().display(),
        user = "skifftest",
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
    .current_dir(env.dir())
    .stdin(Stdio::null());
    let o = run_with_timeout(c, None, env.timeout()).unwrap();
    let read = |f: &str| std::fs::read_to_string(env.dir().join(f)).unwrap_or_default();
    assert_success(
        &o,
        &format!("the user manager script\n{}", read("manager.log")),
    );
    drop(cg);

    // The generator made the units, systemd started them in order, the container answers.
    assert_eq!(read("active.out"), "active\nactive\nactive\n");
    assert_eq!(read("fetch.out"), "hello\n");
    assert_eq!(
        read("inspect.out").trim(),
        "/systemd-web localhost/bb:unit webdata healthy"
    );
    // The unit's main process is the container's monitor (MAINPID= from --sdnotify).
    let cmdline = read("main.cmdline");
    assert!(
        cmdline.contains(" __helper monitor "),
        "main PID {}: {cmdline}",
        read("mainpid.out")
    );
    // Stopped cleanly: the unit is inactive and the container is gone.
    assert_eq!(
        read("stopped.out"),
        "inactive\n",
        "{}",
        read("stopped.status")
    );
    assert_eq!(read("ps.out"), "");
}
