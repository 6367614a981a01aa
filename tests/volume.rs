//! Volumes and mounts end to end, as the unprivileged test user: named volumes shared between
//! containers, read-only mounts, copy-up of image content, `:U`, tmpfs limits, `--volumes-from`,
//! image VOLUMEs, bind-mount ownership, symlinks that try to leave the root, the volume command
//! set (in-use refusal, prune), and data synced before a kill -9.
mod common;

use std::time::{Duration, Instant};

use common::*;

fn run(env: &TestEnv, args: &[&str]) -> String {
    let mut all = vec!["run", "--rm", "--network", "none"];
    all.extend_from_slice(args);
    env.skiff_ok(&all)
}

/// An image built from busybox-static with `VOLUME /data`, content in /data, and two symlinks
/// that point out of the root (`/evil` -> `/etc`, `/up` -> `../../../../tmp`).
fn import_volume_image(env: &TestEnv) {
    let o = env.sh(
        "set -e; r=$PWD/volimg; rm -rf $r; mkdir -p $r/bin $r/data $r/tmp; \
         cp /bin/busybox $r/bin/busybox; for a in sh cat echo ls; do ln -s busybox $r/bin/$a; done; \
         echo image-content > $r/data/f; ln -s /etc $r/evil; ln -s ../../../../tmp $r/up; \
         tar -C $r -cf volimg.tar .",
    );
    assert_success(&o, "building the image tar");
    env.skiff_ok(&["import", "--change", "VOLUME /data", "volimg.tar", "volimg"]);
}

#[test]
fn named_volume_carries_data_between_containers() {
    let env = env_with_busybox();
    run(
        &env,
        &[
            "-v",
            "data:/data",
            BUSYBOX,
            "sh",
            "-c",
            "echo kept > /data/file",
        ],
    );
    assert_eq!(
        run(&env, &["-v", "data:/d", BUSYBOX, "cat", "/d/file"]),
        "kept\n"
    );
    // --mount names the same volume.
    assert_eq!(
        run(
            &env,
            &[
                "--mount",
                "type=volume,source=data,target=/m",
                BUSYBOX,
                "cat",
                "/m/file"
            ]
        ),
        "kept\n"
    );
    let ls = env.skiff_ok(&["volume", "ls"]);
    assert_eq!(
        ls.lines()
            .next()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["DRIVER", "VOLUME", "NAME"]
    );
    assert!(ls
        .lines()
        .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["local", "data"]));
    let v: serde_json::Value =
        serde_json::from_str(&env.skiff_ok(&["volume", "inspect", "data"])).unwrap();
    let v = &v[0];
    assert_eq!(v["Name"], "data");
    assert_eq!(v["Driver"], "local");
    assert_eq!(v["Scope"], "local");
    let mp = v["Mountpoint"].as_str().unwrap();
    assert_eq!(
        mp,
        env.data_dir().join("volumes/data/_data").to_str().unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(format!("{mp}/file")).unwrap(),
        "kept\n"
    );
    for k in ["CreatedAt", "Labels", "Options"] {
        assert!(v.get(k).is_some(), "{k} missing in {v}");
    }
    let err = env.skiff_err(&["volume", "inspect", "nope"]);
    assert_eq!(err.trim(), "Error: get nope: no such volume");
}

#[test]
fn read_only_mounts_refuse_writes() {
    let env = env_with_busybox();
    run(
        &env,
        &["-v", "data:/data", BUSYBOX, "sh", "-c", "echo 1 > /data/f"],
    );
    for args in [
        vec!["-v", "data:/data:ro"],
        vec!["--mount", "type=volume,src=data,dst=/data,readonly"],
    ] {
        let mut all = vec!["run", "--rm", "--network", "none"];
        all.extend(args.iter().copied());
        all.extend([BUSYBOX, "sh", "-c", "cat /data/f; echo 2 > /data/f"]);
        let o = env.skiff(&all);
        assert_ne!(code(&o), 0, "{args:?}");
        assert_eq!(stdout(&o), "1\n");
        assert!(
            stderr(&o).contains("Read-only file system"),
            "{}",
            stderr(&o)
        );
    }
    // A read-only bind mount of a host directory.
    env.sh("mkdir -p host && echo h > host/f");
    let src = format!("{}:/h:ro", env.dir().join("host").display());
    let o = env.skiff(&["run", "--rm", "-v", &src, BUSYBOX, "sh", "-c", "rm /h/f"]);
    assert_ne!(code(&o), 0);
    assert!(env.dir().join("host/f").exists());
    let inspect_mode = {
        env.skiff_ok(&[
            "run",
            "--name",
            "roc",
            "-v",
            "data:/data:ro",
            BUSYBOX,
            "true",
        ]);
        env.skiff_ok(&["inspect", "--format", "{{json .Mounts}}", "roc"])
    };
    let mounts: serde_json::Value = serde_json::from_str(&inspect_mode).unwrap();
    assert_eq!(mounts[0]["RW"], false);
    assert_eq!(mounts[0]["Mode"], "ro");
    assert_eq!(mounts[0]["Type"], "volume");
    assert_eq!(mounts[0]["Name"], "data");
    assert_eq!(mounts[0]["Destination"], "/data");
}

#[test]
fn new_volume_is_filled_with_image_content_keeping_owners() {
    let env = env_with_busybox();
    // /var/www holds index.html in the image; /home/user belongs to uid 1000.
    assert_eq!(
        run(
            &env,
            &["-v", "www:/var/www", BUSYBOX, "cat", "/var/www/index.html"]
        ),
        "hello from skiff\n"
    );
    assert_eq!(
        run(
            &env,
            &[
                "-v",
                "home:/home/user",
                BUSYBOX,
                "stat",
                "-c",
                "%u:%g",
                "/home/user"
            ]
        ),
        "1000:1000\n"
    );
    // The copy is in the volume itself, owned (on the host) by the user.
    let o = env.sh(&format!(
        "stat -c %u {}",
        env.data_dir()
            .join("volumes/www/_data/index.html")
            .display()
    ));
    assert_eq!(stdout(&o).trim(), test_uid().to_string());
    // Not empty any more: the image does not overwrite what the volume holds.
    run(
        &env,
        &[
            "-v",
            "www:/var/www",
            BUSYBOX,
            "sh",
            "-c",
            "echo mine > /var/www/index.html",
        ],
    );
    assert_eq!(
        run(
            &env,
            &["-v", "www:/var/www", BUSYBOX, "cat", "/var/www/index.html"]
        ),
        "mine\n"
    );
    // nocopy: an empty volume stays empty.
    assert_eq!(
        run(
            &env,
            &[
                "-v",
                "bare:/var/www:nocopy",
                BUSYBOX,
                "ls",
                "-A",
                "/var/www"
            ]
        ),
        ""
    );
}

#[test]
fn u_option_gives_the_source_to_the_container_user() {
    let env = env_with_busybox();
    let out = run(
        &env,
        &[
            "-u",
            "1000:1000",
            "-v",
            "owned:/o:U",
            BUSYBOX,
            "sh",
            "-c",
            "stat -c %u:%g /o; echo w > /o/f && stat -c %u /o/f",
        ],
    );
    assert_eq!(out, "1000:1000\n1000\n");
    // On the host the files belong to uid 1000's subordinate id.
    let o = env.sh(&format!(
        "stat -c %u {}",
        env.data_dir().join("volumes/owned/_data/f").display()
    ));
    assert_eq!(stdout(&o).trim(), "200999");
    // Without :U the same user cannot write into a root-owned bind mount.
    env.sh("mkdir -p plain");
    let src = format!("{}:/p", env.dir().join("plain").display());
    let o = env.skiff(&[
        "run", "--rm", "-u", "1000", "-v", &src, BUSYBOX, "touch", "/p/x",
    ]);
    assert_ne!(code(&o), 0);
}

#[test]
fn tmpfs_mounts_are_limited_in_size() {
    let env = env_with_busybox();
    for args in [
        vec!["--tmpfs", "/t:size=256k"],
        vec!["--mount", "type=tmpfs,target=/t,tmpfs-size=256k"],
    ] {
        let mut all = vec!["run", "--rm", "--network", "none"];
        all.extend(args.iter().copied());
        all.extend([
            BUSYBOX,
            "sh",
            "-c",
            "dd if=/dev/zero of=/t/big bs=1k count=1024 2>/dev/null; echo rc=$?; du -k /t/big",
        ]);
        let o = env.skiff(&all);
        let out = stdout(&o);
        assert!(out.starts_with("rc=1\n"), "{args:?}: {out}");
        let kb: u64 = out
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(kb <= 256, "{args:?}: {out}");
    }
    assert_eq!(
        run(
            &env,
            &[
                "--mount",
                "type=tmpfs,target=/t,tmpfs-mode=1770",
                BUSYBOX,
                "stat",
                "-c",
                "%a",
                "/t"
            ]
        ),
        "1770\n"
    );
    // A tmpfs holds nothing after its container.
    run(
        &env,
        &[
            "--name",
            "x",
            "--tmpfs",
            "/t",
            BUSYBOX,
            "sh",
            "-c",
            "echo a > /t/a",
        ],
    );
    assert_eq!(env.skiff_ok(&["volume", "ls", "-q"]), "");
}

#[test]
fn volumes_from_shares_another_containers_mounts() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "--name",
        "src",
        "--network",
        "none",
        "-v",
        "shared:/shared",
        "-v",
        "/anon",
        BUSYBOX,
        "sh",
        "-c",
        "echo s > /shared/f; echo a > /anon/f",
    ]);
    assert_eq!(
        run(
            &env,
            &[
                "--volumes-from",
                "src",
                BUSYBOX,
                "cat",
                "/shared/f",
                "/anon/f"
            ]
        ),
        "s\na\n"
    );
    let o = env.skiff(&[
        "run",
        "--rm",
        "--volumes-from",
        "src:ro",
        BUSYBOX,
        "sh",
        "-c",
        "echo x > /shared/f",
    ]);
    assert_ne!(code(&o), 0);
    assert!(stderr(&o).contains("Read-only file system"));
    let err = env.skiff_err(&["run", "--rm", "--volumes-from", "nope", BUSYBOX, "true"]);
    assert_eq!(err.trim(), "Error: No such container: nope");
}

#[test]
fn volume_in_use_cannot_be_removed() {
    let env = env_with_busybox();
    let id = env.skiff_ok(&[
        "run",
        "-d",
        "--network",
        "none",
        "-v",
        "busy:/b",
        BUSYBOX,
        "sleep",
        "60",
    ]);
    let id = id.trim();
    let err = env.skiff_err(&["volume", "rm", "busy"]);
    assert_eq!(
        err.trim(),
        format!("Error: remove busy: volume is in use - [{id}]")
    );
    // -f does not remove it either (as docker), and a stopped container still uses it.
    env.skiff_err(&["volume", "rm", "-f", "busy"]);
    env.skiff_ok(&["stop", "-t", "0", id]);
    env.skiff_err(&["volume", "rm", "busy"]);
    assert!(env.skiff_ok(&["volume", "ls", "-q"]).contains("busy"));
    env.skiff_ok(&["rm", id]);
    assert_eq!(env.skiff_ok(&["volume", "rm", "busy"]), "busy\n");
    assert_eq!(env.skiff_ok(&["volume", "ls", "-q"]), "");
    assert!(!env.data_dir().join("volumes/busy").exists());
    // Missing: an error, unless -f.
    assert_eq!(
        env.skiff_err(&["volume", "rm", "busy"]).trim(),
        "Error: get busy: no such volume"
    );
    env.skiff_ok(&["volume", "rm", "-f", "busy"]);
}

#[test]
fn prune_removes_only_unused_volumes() {
    let env = env_with_busybox();
    env.skiff_ok(&["volume", "create", "--label", "keep=no", "unused-named"]);
    env.skiff_ok(&["volume", "create", "--label", "keep=yes", "unused-kept"]);
    env.skiff_ok(&[
        "run",
        "--name",
        "user",
        "--network",
        "none",
        "-v",
        "used-named:/u",
        "-v",
        "/anon-used",
        BUSYBOX,
        "true",
    ]);
    // An anonymous volume whose container is gone (rm without -v).
    env.skiff_ok(&[
        "run",
        "--name",
        "gone",
        "--network",
        "none",
        "-v",
        "/anon-free",
        BUSYBOX,
        "true",
    ]);
    let gone_mounts: serde_json::Value =
        serde_json::from_str(&env.skiff_ok(&["inspect", "--format", "{{json .Mounts}}", "gone"]))
            .unwrap();
    let free = gone_mounts[0]["Name"].as_str().unwrap().to_string();
    assert_eq!(free.len(), 64);
    env.skiff_ok(&["rm", "gone"]);
    let before = env.skiff_ok(&["volume", "ls", "-q"]);
    assert_eq!(before.lines().count(), 5, "{before}");
    assert_eq!(
        env.skiff_ok(&[
            "volume",
            "ls",
            "-q",
            "--filter",
            "dangling=true",
            "--filter",
            "label=keep"
        ]),
        "unused-kept\nunused-named\n"
    );

    // Without -f it asks, and "no" (end of input) keeps everything.
    let o = env.skiff(&["volume", "prune"]);
    assert!(stdout(&o).contains("Are you sure you want to continue? [y/N]"));
    assert_eq!(env.skiff_ok(&["volume", "ls", "-q"]), before);

    // Default: unused anonymous volumes only.
    let out = env.skiff_ok(&["volume", "prune", "-f"]);
    assert_eq!(
        out,
        format!("Deleted Volumes:\n{free}\n\nTotal reclaimed space: 0B\n")
    );
    // -a with a filter: unused named volumes that match.
    let out = env.skiff_ok(&["volume", "prune", "-a", "-f", "--filter", "label=keep=no"]);
    assert!(
        out.starts_with("Deleted Volumes:\nunused-named\n\n"),
        "{out}"
    );
    let out = env.skiff_ok(&["volume", "prune", "-a", "-f"]);
    assert!(
        out.starts_with("Deleted Volumes:\nunused-kept\n\n"),
        "{out}"
    );
    // What the container uses survives every prune.
    let left = env.skiff_ok(&["volume", "ls", "-q"]);
    assert_eq!(left.lines().count(), 2, "{left}");
    assert!(left.contains("used-named"));
}

#[test]
fn image_volumes_become_anonymous_volumes_removed_with_rm_v() {
    let env = TestEnv::new();
    import_volume_image(&env);
    let out = env.skiff_ok(&[
        "run",
        "--name",
        "c",
        "--network",
        "none",
        "volimg",
        "cat",
        "/data/f",
    ]);
    assert_eq!(out, "image-content\n");
    let names = env.skiff_ok(&["volume", "ls", "-q"]);
    let name = names.trim();
    assert_eq!(name.len(), 64);
    assert!(name.bytes().all(|b| b.is_ascii_hexdigit()));
    let labels = env.skiff_ok(&["volume", "inspect", "--format", "{{json .Labels}}", name]);
    assert!(labels.contains("com.docker.volume.anonymous"), "{labels}");
    env.skiff_ok(&["rm", "-v", "c"]);
    assert_eq!(env.skiff_ok(&["volume", "ls", "-q"]), "");
    // --rm removes them too; a named volume over the VOLUME path is kept.
    run(&env, &["volimg", "cat", "/data/f"]);
    run(&env, &["-v", "named:/data", "volimg", "cat", "/data/f"]);
    assert_eq!(env.skiff_ok(&["volume", "ls", "-q"]), "named\n");
}

#[test]
fn mount_points_behind_symlinks_stay_inside_the_container() {
    let env = TestEnv::new();
    import_volume_image(&env);
    // /evil -> /etc and /up -> ../../../../tmp: the mounts land inside the container's root.
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        "esc:/evil/skiff-esc",
        "-v",
        "esc2:/up/skiff-esc2",
        "volimg",
        "sh",
        "-c",
        "echo in > /etc/skiff-esc/f; echo in > /tmp/skiff-esc2/f; cat /evil/skiff-esc/f",
    ]);
    assert_eq!(out, "in\n");
    assert!(!std::path::Path::new("/etc/skiff-esc").exists());
    assert!(!std::path::Path::new("/tmp/skiff-esc2").exists());
    let f = env.data_dir().join("volumes/esc2/_data/f");
    assert_eq!(std::fs::read_to_string(f).unwrap(), "in\n");
}

#[test]
fn bind_mounts_map_ownership_and_follow_dockers_source_rules() {
    let env = env_with_busybox();
    env.sh("mkdir -p bind");
    let dir = env.dir().join("bind");
    let spec = format!("{}:/b", dir.display());
    run(
        &env,
        &[
            "-v",
            &spec,
            BUSYBOX,
            "sh",
            "-c",
            "echo r > /b/by-root; echo u > /b/by-user; chown 1000:1000 /b/by-user",
        ],
    );
    let o = env.sh(&format!(
        "stat -c %u:%g {0}/by-root {0}/by-user",
        dir.display()
    ));
    assert_eq!(
        stdout(&o),
        format!("{}:{}\n200999:200999\n", test_uid(), test_gid())
    );
    // -v creates a missing source; --mount refuses it.
    let missing = env.dir().join("made/by/v");
    run(
        &env,
        &["-v", &format!("{}:/m", missing.display()), BUSYBOX, "true"],
    );
    assert!(missing.is_dir());
    let other = env.dir().join("not-there");
    let err = env.skiff_err(&[
        "run",
        "--rm",
        "--mount",
        &format!("type=bind,source={},target=/m", other.display()),
        BUSYBOX,
        "true",
    ]);
    assert_eq!(
        err.trim(),
        format!(
            "Error: invalid mount config for type \"bind\": bind source path does not exist: {}",
            other.display()
        )
    );
    assert!(!other.exists());
    let err = env.skiff_err(&[
        "run", "--rm", "-v", "data:/a", "-v", "other:/a", BUSYBOX, "true",
    ]);
    assert_eq!(err.trim(), "Error: Duplicate mount point: /a");
    assert_eq!(
        env.skiff_ok(&["volume", "ls", "-q"]),
        "",
        "a failed run leaves no volume behind"
    );
}

#[test]
fn kill_9_loses_nothing_already_synced() {
    let env = env_with_busybox();
    let id = env.skiff_ok(&[
        "run", "-d", "--network", "none", "-v", "log:/log", BUSYBOX, "sh", "-c",
        "i=0; while true; do i=$((i+1)); echo $i >> /log/lines; sync; echo $i > /log/synced.tmp; sync; mv /log/synced.tmp /log/synced; sync; done",
    ]);
    let id = id.trim().to_string();
    let synced_path = env.data_dir().join("volumes/log/_data/synced");
    let start = Instant::now();
    loop {
        let n: u64 = std::fs::read_to_string(&synced_path)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        if n >= 20 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the writer made no progress"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = env.skiff_ok(&["inspect", "--format", "{{.State.Pid}}", &id]);
    assert_success(&env.sh(&format!("kill -9 {}", pid.trim())), "kill -9");
    assert_eq!(env.skiff_ok(&["wait", &id]).trim(), "137");
    let out = run(
        &env,
        &[
            "-v",
            "log:/log",
            BUSYBOX,
            "sh",
            "-c",
            "cat /log/synced; cat /log/lines",
        ],
    );
    let mut lines = out.lines();
    let synced: u64 = lines.next().unwrap().parse().unwrap();
    assert!(synced >= 20);
    let written: Vec<u64> = lines.map(|l| l.parse().unwrap()).collect();
    // Every line up to the last synced one is there, in order.
    assert!(
        written.len() as u64 >= synced,
        "{synced} synced, {} kept",
        written.len()
    );
    for (i, n) in written.iter().take(synced as usize).enumerate() {
        assert_eq!(*n, i as u64 + 1);
    }
}

#[test]
fn tmpfs_volumes_and_refused_volume_types() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "volume",
        "create",
        "--opt",
        "type=tmpfs",
        "--opt",
        "o=size=256k",
        "scratch",
    ]);
    let out = env.skiff_ok(&[
        "run", "--rm", "--network", "none", "-v", "scratch:/t", BUSYBOX, "sh", "-c",
        "mount | grep -c ' /t type tmpfs'; dd if=/dev/zero of=/t/f bs=1k count=1000 2>/dev/null; du -k /t/f | cut -f1",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "1", "{out}");
    assert_eq!(lines[1], "256", "the size limit holds: {out}");
    // Nothing of it lands on the host.
    let o = env.sh(&format!(
        "ls -A {}/volumes/scratch/_data",
        env.data_dir().display()
    ));
    assert_eq!(stdout(&o).trim(), "");
    let o = env.skiff(&[
        "volume",
        "create",
        "--opt",
        "type=ext4",
        "--opt",
        "device=/dev/vdz",
        "disk",
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("cannot mount volumes of type \"ext4\""),
        "{}",
        stderr(&o)
    );
    let o = env.skiff(&[
        "volume",
        "create",
        "--opt",
        "type=tmpfs",
        "--opt",
        "o=bogus=1",
        "t2",
    ]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "Error: create t2: invalid tmpfs option \"bogus=1\"\n"
    );
    env.skiff_ok(&["volume", "rm", "scratch"]);
}
