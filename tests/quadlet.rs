//! Quadlet: podman's `.container`/`.volume`/`.network`/`.image` files turned into units by skiff's
//! generator (`skiff __quadlet`, the code behind `skiff-user-generator`). A golden test per
//! key, `systemd-analyze verify` on every output, bad files named by file and line, and a unit
//! run command by command as systemd would run it (`tests/quadlet_manager.rs` runs them under a
//! real `systemd --user`).
mod common;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::unit;
use common::*;

/// A directory of Quadlet files, readable by the test user.
fn quadlet_dir(env: &TestEnv, files: &[(&str, &str)]) -> PathBuf {
    let dir = env.dir().join(format!("quadlet-{}", files.len()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

/// Run the generator over `dir` into `out` (as the test user); its output.
fn generate(env: &TestEnv, dir: &Path, out: &Path) -> std::process::Output {
    let bin = skiff_bin().to_string_lossy().into_owned();
    let dirs = format!("QUADLET_UNIT_DIRS={}", dir.display());
    let out = out.to_string_lossy().into_owned();
    run_with_timeout(
        env.user_command("env", &[&dirs, &bin, "__quadlet", &out]),
        None,
        env.timeout(),
    )
    .unwrap()
}

fn out_dir(env: &TestEnv, name: &str) -> PathBuf {
    let d = env.dir().join(name);
    std::fs::create_dir_all(&d).unwrap();
    if nix::unistd::geteuid().is_root() {
        std::os::unix::fs::chown(&d, Some(test_uid()), Some(test_gid())).unwrap();
    }
    d
}

fn verify(path: &Path) {
    let o = std::process::Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(path)
        .output()
        .expect("systemd-analyze (tests/env/setup.sh installs systemd)");
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "systemd-analyze verify {}: {}\n{}",
        path.display(),
        stderr(&o),
        std::fs::read_to_string(path).unwrap_or_default()
    );
}

fn spec(env: &TestEnv, stem: &str) -> HashMap<char, String> {
    [
        ('t', env.run_dir().to_string_lossy().into_owned()),
        ('N', stem.to_string()),
        ('n', format!("{stem}.service")),
        ('h', "/home/u".to_string()),
    ]
    .into_iter()
    .collect()
}

/// One `.container` with `Image=img` and `line` in `[Container]`: its ExecStart's words after
/// the binary.
fn exec_start_for(env: &TestEnv, line: &str) -> Vec<String> {
    let text = format!("[Container]\nImage=img\n{line}\n");
    let dir = quadlet_dir(
        env,
        &[
            ("t.container", &text),
            ("data.volume", "[Volume]\n"),
            ("named.volume", "[Volume]\nVolumeName=shared\n"),
            ("net.network", "[Network]\n"),
            ("named.network", "[Network]\nNetworkName=backend\n"),
            ("app.image", "[Image]\nImage=registry.example/app:1\n"),
            (
                "tagged.image",
                "[Image]\nImage=registry.example/app:1\nImageTag=app:stable\n",
            ),
        ],
    );
    let out = out_dir(env, "out-keys");
    let o = generate(env, &dir, &out);
    assert_success(&o, &format!("generator with {line:?}"));
    let unit_text = std::fs::read_to_string(out.join("t.service")).unwrap();
    let argv = unit::exec_argv(
        &unit::value(&unit_text, "Service", "ExecStart"),
        &spec(env, "t"),
    );
    assert_eq!(argv[0], skiff_bin().to_string_lossy());
    argv[1..].to_vec()
}

#[test]
fn a_golden_command_line_per_key() {
    let env = TestEnv::new();
    let prefix = |notify: &str| -> Vec<String> {
        [
            "run",
            "--name=systemd-t",
            &format!("--cidfile={}/t.cid", env.run_dir().display()),
            "--replace",
            "--rm",
            &format!("--sdnotify={notify}"),
            "-d",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let cases: &[(&str, &[&str], &[&str])] = &[
        ("ContainerName=web", &[], &[]),
        (
            "Exec=sh -c 'echo \"$HOME\" 100%%'",
            &[],
            &["sh", "-c", "echo \"$HOME\" 100%"],
        ),
        ("Entrypoint=/bin/sh", &["--entrypoint", "/bin/sh"], &[]),
        (
            "Environment=A=1 \"B=two words\"",
            &["--env", "A=1", "--env", "B=two words"],
            &[],
        ),
        (
            "EnvironmentFile=/etc/x.env",
            &["--env-file", "/etc/x.env"],
            &[],
        ),
        ("PublishPort=8080:80", &["--publish", "8080:80"], &[]),
        ("Volume=/srv:/srv:ro", &["-v", "/srv:/srv:ro"], &[]),
        (
            "Volume=data.volume:/data",
            &["-v", "systemd-data:/data"],
            &[],
        ),
        (
            "Volume=named.volume:/data:ro",
            &["-v", "shared:/data:ro"],
            &[],
        ),
        ("Tmpfs=/run/x", &["--tmpfs", "/run/x"], &[]),
        ("Network=none", &["--network", "none"], &[]),
        ("Network=net.network", &["--network", "systemd-net"], &[]),
        ("Network=named.network", &["--network", "backend"], &[]),
        ("Label=a=b c=d", &["--label", "a=b", "--label", "c=d"], &[]),
        ("User=1000", &["--user", "1000"], &[]),
        ("User=1000\nGroup=100", &["--user", "1000:100"], &[]),
        ("WorkingDir=/srv", &["--workdir", "/srv"], &[]),
        ("HostName=web1", &["--hostname", "web1"], &[]),
        (
            "AddCapability=CAP_NET_ADMIN CAP_SYS_TIME",
            &["--cap-add", "CAP_NET_ADMIN", "--cap-add", "CAP_SYS_TIME"],
            &[],
        ),
        (
            "DropCapability=CAP_CHOWN",
            &["--cap-drop", "CAP_CHOWN"],
            &[],
        ),
        ("ReadOnly=true", &["--read-only"], &[]),
        ("ReadOnly=no", &[], &[]),
        (
            "HealthCmd=test -e /ok",
            &["--health-cmd", "test -e /ok"],
            &[],
        ),
        ("HealthInterval=5s", &["--health-interval", "5s"], &[]),
        ("HealthRetries=2", &["--health-retries", "2"], &[]),
        ("HealthTimeout=3s", &["--health-timeout", "3s"], &[]),
        (
            "HealthStartPeriod=9s",
            &["--health-start-period", "9s"],
            &[],
        ),
        (
            "HealthStartupInterval=1s",
            &["--health-start-interval", "1s"],
            &[],
        ),
        (
            "HealthOnFailure=kill",
            &["--health-on-failure", "kill"],
            &[],
        ),
        ("Pull=never", &["--pull", "never"], &[]),
        (
            "LogDriver=passthrough",
            &["--log-driver", "passthrough"],
            &[],
        ),
        (
            "LogDriver=journald\nLogOpt=tag=web",
            &["--log-driver", "journald", "--log-opt", "tag=web"],
            &[],
        ),
        (
            "PodmanArgs=--init --stop-timeout 5",
            &["--init", "--stop-timeout", "5"],
            &[],
        ),
    ];
    for (line, flags, exec) in cases {
        let mut want = prefix("conmon");
        if *line == "ContainerName=web" {
            want[1] = "--name=web".into();
        }
        want.extend(flags.iter().map(|s| s.to_string()));
        want.push("img".into());
        want.extend(exec.iter().map(|s| s.to_string()));
        assert_eq!(exec_start_for(&env, line), want, "{line}");
    }
    // An .image file named as the image: the name it pulls, or its ImageTag.
    for (line, image) in [
        ("Image=app.image", "registry.example/app:1"),
        ("Image=tagged.image", "app:stable"),
    ] {
        let argv = exec_start_for(&env, line);
        assert_eq!(argv.last().unwrap(), image, "{line}");
    }
    for (line, mode) in [
        ("Notify=true", "container"),
        ("Notify=false", "conmon"),
        ("Notify=healthy\nHealthCmd=true", "healthy"),
    ] {
        let argv = exec_start_for(&env, line);
        assert_eq!(argv[..7], prefix(mode)[..], "{line}");
    }
}

#[test]
fn units_pass_through_sections_and_verify() {
    let env = TestEnv::new();
    let web = "[Unit]\nDescription=the web\n\n[Container]\nImage=bb.image\nNetwork=net.network\nVolume=data.volume:/data\n\n[Service]\nRestart=always\nTimeoutStartSec=900\n\n[Install]\nWantedBy=default.target multi-user.target\n";
    let dir = quadlet_dir(
        &env,
        &[
            ("web.container", web),
            ("data.volume", "[Volume]\nLabel=a=b\n"),
            (
                "net.network",
                "[Network]\nSubnet=10.99.0.0/24\nInternal=yes\n",
            ),
            (
                "bb.image",
                &format!("[Image]\nImage={BUSYBOX}\nImageTag=localhost/bb:unit\nArch=amd64\nTLSVerify=false\n"),
            ),
        ],
    );
    let out = out_dir(&env, "out");
    let o = generate(&env, &dir, &out);
    assert_success(&o, "generator");
    assert_eq!(stderr(&o), "");
    for u in [
        "web.service",
        "data-volume.service",
        "net-network.service",
        "bb-image.service",
    ] {
        verify(&out.join(u));
    }
    let text = std::fs::read_to_string(out.join("web.service")).unwrap();
    assert_eq!(unit::value(&text, "Unit", "Description"), "the web");
    assert_eq!(
        unit::values(&text, "Unit", "Requires"),
        [
            "bb-image.service",
            "data-volume.service",
            "net-network.service"
        ]
    );
    assert_eq!(
        unit::values(&text, "Unit", "After"),
        [
            "bb-image.service",
            "data-volume.service",
            "net-network.service"
        ]
    );
    assert_eq!(unit::value(&text, "Service", "Restart"), "always");
    assert_eq!(unit::value(&text, "Service", "TimeoutStartSec"), "900");
    assert_eq!(unit::value(&text, "Service", "Type"), "notify");
    assert_eq!(
        unit::value(&text, "Install", "WantedBy"),
        "default.target multi-user.target"
    );
    for t in ["default.target.wants", "multi-user.target.wants"] {
        assert_eq!(
            std::fs::read_link(out.join(t).join("web.service")).unwrap(),
            Path::new("../web.service")
        );
    }
    let vol = std::fs::read_to_string(out.join("data-volume.service")).unwrap();
    let bin = skiff_bin().to_string_lossy().into_owned();
    assert_eq!(
        unit::exec_argv(
            &unit::value(&vol, "Service", "ExecStart"),
            &spec(&env, "data-volume")
        ),
        [
            &bin,
            "volume",
            "create",
            "--ignore",
            "--label=a=b",
            "systemd-data"
        ]
    );
    let net = std::fs::read_to_string(out.join("net-network.service")).unwrap();
    assert_eq!(
        unit::exec_argv(
            &unit::value(&net, "Service", "ExecStart"),
            &spec(&env, "net-network")
        ),
        [
            &bin,
            "network",
            "create",
            "--ignore",
            "--subnet=10.99.0.0/24",
            "--internal",
            "systemd-net"
        ]
    );
    // Each oneshot may run again: --ignore.
    for (text, stem) in [(&vol, "data-volume"), (&net, "net-network")] {
        let argv = unit::exec_argv(
            &unit::value(text, "Service", "ExecStart"),
            &spec(&env, stem),
        );
        let args: Vec<&str> = argv[1..].iter().map(String::as_str).collect();
        env.skiff_ok(&args);
        env.skiff_ok(&args);
    }
    env.skiff_ok(&["volume", "inspect", "systemd-data"]);
    env.skiff_ok(&["network", "inspect", "systemd-net"]);

    // The .image unit pulls (a oneshot that stays active), then tags the name the container runs.
    let img = std::fs::read_to_string(out.join("bb-image.service")).unwrap();
    assert_eq!(unit::value(&img, "Service", "Type"), "oneshot");
    assert_eq!(unit::value(&img, "Service", "RemainAfterExit"), "yes");
    let pull = unit::exec_argv(
        &unit::value(&img, "Service", "ExecStart"),
        &spec(&env, "bb-image"),
    );
    assert_eq!(
        pull,
        [
            &bin,
            "pull",
            "--quiet",
            "--platform=linux/amd64",
            "--tls-verify=false",
            BUSYBOX
        ]
    );
    let tag = unit::exec_argv(
        &unit::value(&img, "Service", "ExecStartPost"),
        &spec(&env, "bb-image"),
    );
    assert_eq!(tag, [&bin, "tag", BUSYBOX, "localhost/bb:unit"]);
    for argv in [&pull, &tag] {
        let args: Vec<&str> = argv[1..].iter().map(String::as_str).collect();
        env.skiff_ok(&args);
    }
    let web_argv = unit::exec_argv(
        &unit::value(&text, "Service", "ExecStart"),
        &spec(&env, "web"),
    );
    assert_eq!(web_argv.last().unwrap(), "localhost/bb:unit");
    let images = env.skiff_ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(images.lines().any(|l| l == "localhost/bb:unit"), "{images}");
}

#[test]
fn a_bad_file_is_named_with_its_line_and_gives_no_unit() {
    let env = TestEnv::new();
    let dir = quadlet_dir(
        &env,
        &[
            (
                "bad.container",
                "[Container]\nImage=img\n\nFrobnicate=yes\n",
            ),
            ("noimage.container", "[Container]\nExec=true\n"),
            ("group.container", "[Container]\nImage=img\nGroup=100\n"),
            (
                "quote.container",
                "[Container]\nImage=img\nExec=sh -c 'oops\n",
            ),
            ("good.container", "[Container]\nImage=img\n"),
            (
                "noref.container",
                "[Container]\nImage=img\nVolume=nope.volume:/x\n",
            ),
            ("badimage.image", "[Image]\nImage=img\nAuthFile=/x\n"),
        ],
    );
    let out = out_dir(&env, "out-bad");
    let o = generate(&env, &dir, &out);
    assert_eq!(code(&o), 1);
    let d = dir.display();
    assert_eq!(
        stderr(&o),
        format!(
            "skiff-generator: {d}/bad.container:4: unsupported key 'Frobnicate' in group 'Container'\n\
             skiff-generator: {d}/badimage.image:3: unsupported key 'AuthFile' in group 'Image'\n\
             skiff-generator: {d}/group.container:3: Group set without User\n\
             skiff-generator: {d}/noimage.container: no Image key specified\n\
             skiff-generator: {d}/noref.container:3: Volume: no Quadlet file nope.volume was found\n\
             skiff-generator: {d}/quote.container:3: Exec: unbalanced quotes in \"sh -c 'oops\"\n"
        )
    );
    let mut made: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    assert_eq!(made, ["good.service"]);
}

#[test]
fn a_container_unit_runs_as_systemd_would_run_it() {
    let env = env_with_busybox();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let web = format!(
        "[Unit]\nDescription=web\n\n[Container]\nImage={BUSYBOX}\n\
         Exec=sh -c 'echo hello > /tmp/index.html && exec httpd -f -p 80 -h /tmp'\n\
         PublishPort=127.0.0.1:{port}:80\nVolume=data.volume:/data\nNotify=healthy\n\
         HealthCmd=wget -qO- http://127.0.0.1/\nHealthInterval=1s\n\n[Install]\nWantedBy=default.target\n"
    );
    let dir = quadlet_dir(
        &env,
        &[("web.container", &web), ("data.volume", "[Volume]\n")],
    );
    let out = out_dir(&env, "out-run");
    assert_success(&generate(&env, &dir, &out), "generator");
    let vol = std::fs::read_to_string(out.join("data-volume.service")).unwrap();
    let text = std::fs::read_to_string(out.join("web.service")).unwrap();
    verify(&out.join("web.service"));
    let run = |text: &str, key: &str, stem: &str, extra: &[String]| {
        let argv = unit::exec_argv(&unit::value(text, "Service", key), &spec(&env, stem));
        let bin = skiff_bin().to_string_lossy().into_owned();
        assert_eq!(argv[0], bin);
        let mut all: Vec<String> = extra.to_vec();
        all.extend(argv);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        run_with_timeout(env.user_command("env", &refs), None, env.timeout()).unwrap()
    };
    // systemd starts what the unit requires first.
    assert_success(
        &run(&vol, "ExecStart", "data-volume", &[]),
        "data-volume ExecStart",
    );

    let sock_path = env.dir().join("notify.sock");
    let sock = std::os::unix::net::UnixDatagram::bind(&sock_path).unwrap();
    std::fs::set_permissions(&sock_path, std::fs::Permissions::from_mode(0o777)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let var = format!("NOTIFY_SOCKET={}", sock_path.display());
    let o = run(&text, "ExecStart", "web", &[var]);
    assert_success(&o, "web ExecStart");
    let mut got = String::new();
    let mut buf = [0u8; 512];
    while !got.contains("READY=1") {
        let n = sock
            .recv(&mut buf)
            .expect("READY=1 once the healthcheck passes");
        got.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert_eq!(
        env.skiff_ok(&["inspect", "-f", "{{.State.Health.Status}}", "systemd-web"])
            .trim(),
        "healthy"
    );
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    use std::io::{Read, Write};
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.ends_with("hello\n"), "{resp}");
    let mounts = env.skiff_ok(&[
        "inspect",
        "-f",
        "{{range .Mounts}}{{.Name}}{{end}}",
        "systemd-web",
    ]);
    assert_eq!(mounts.trim(), "systemd-data");

    assert_success(&run(&text, "ExecStop", "web", &[]), "ExecStop");
    assert_success(&run(&text, "ExecStopPost", "web", &[]), "ExecStopPost");
    assert_eq!(env.skiff_ok(&["ps", "-aq"]), "");
    assert!(!env.run_dir().join("web.cid").exists());
}

#[test]
fn systemd_runs_it_as_skiff_user_generator() {
    let env = TestEnv::new();
    let dir = quadlet_dir(&env, &[("web.container", "[Container]\nImage=img\n")]);
    let link = env.dir().join("skiff-user-generator");
    std::os::unix::fs::symlink(skiff_bin(), &link).unwrap();
    let (normal, early, late) = (
        out_dir(&env, "normal"),
        out_dir(&env, "early"),
        out_dir(&env, "late"),
    );
    let dirs = format!("QUADLET_UNIT_DIRS={}", dir.display());
    let args = [
        dirs.as_str(),
        link.to_str().unwrap(),
        normal.to_str().unwrap(),
        early.to_str().unwrap(),
        late.to_str().unwrap(),
    ];
    let o = run_with_timeout(env.user_command("env", &args), None, env.timeout()).unwrap();
    assert_success(&o, "skiff-user-generator");
    assert!(normal.join("web.service").exists());
    assert_eq!(std::fs::read_dir(&early).unwrap().count(), 0);
    // Without QUADLET_UNIT_DIRS it reads the user's ~/.config/containers/systemd (and the other
    // directories podman reads), which here hold nothing: no unit, no error.
    let o = run_with_timeout(
        env.user_command(&link, &[late.to_str().unwrap()]),
        None,
        env.timeout(),
    )
    .unwrap();
    assert_success(&o, "skiff-user-generator without files");
}
