//! `diff`, `export`, `commit` and `cp` as the unprivileged test user, on running and stopped
//! containers, including a symlink planted in the container to escape it.
mod common;

use common::*;

/// A directory of the test's own, writable by the user skiff runs as.
fn host_dir(env: &TestEnv, name: &str) -> std::path::PathBuf {
    let d = env.dir().join(name);
    assert_success(&env.sh(&format!("mkdir -p {}", d.display())), "mkdir");
    d
}

fn tar_names(data: &[u8]) -> Vec<String> {
    let mut a = tar::Archive::new(data);
    a.entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect()
}

#[test]
fn diff_shows_added_changed_and_deleted_paths() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "--name",
        "d1",
        BUSYBOX,
        "sh",
        "-c",
        "echo x > /etc/passwd && mkdir -p /newdir/sub && echo y > /newdir/sub/f && rm /bin/ls && echo z > /home/user/file && chown 1000 /home/user/file",
    ]);
    let out = env.skiff_ok(&["diff", "d1"]);
    let lines: Vec<&str> = out.lines().collect();
    for want in [
        "C /etc",
        "C /etc/passwd",
        "A /newdir",
        "A /newdir/sub",
        "A /newdir/sub/f",
        "C /bin",
        "D /bin/ls",
        "C /home/user",
        "A /home/user/file",
    ] {
        assert!(lines.contains(&want), "missing {want:?} in:\n{out}");
    }
    let mut sorted = lines.clone();
    sorted.sort_by_key(|l| &l[2..]);
    assert_eq!(lines, sorted, "sorted by path");

    // Running too; and an opaque directory (removed then re-created) deletes what was below.
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "d2",
        BUSYBOX,
        "sh",
        "-c",
        "rm -rf /var && mkdir /var && echo a > /var/only && touch /ready && sleep 300",
    ]);
    let mut out = String::new();
    for _ in 0..100 {
        out = env.skiff_ok(&["diff", "d2"]);
        if out.contains("A /ready") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(out.contains("C /var\n"), "{out}");
    assert!(out.contains("A /var/only\n"), "{out}");
    assert!(out.contains("D /var/www\n"), "{out}");
    assert!(!out.contains("/var/www/index.html"), "{out}");
    let o = env.skiff(&["diff", "nope"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o), "Error: No such container: nope\n");
}

#[test]
fn export_writes_the_merged_filesystem() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "--name",
        "e1",
        BUSYBOX,
        "sh",
        "-c",
        "echo hi > /hello && rm /bin/ls && mkdir /owned && chown 1234:99 /owned",
    ]);
    let o = env.skiff(&["export", "e1"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let names = tar_names(&o.stdout);
    assert!(names.iter().any(|n| n == "hello"), "{names:?}");
    assert!(names.iter().any(|n| n == "bin/sh"), "{names:?}");
    assert!(
        !names.iter().any(|n| n == "bin/ls"),
        "deleted file exported"
    );
    let mut a = tar::Archive::new(&o.stdout[..]);
    for e in a.entries().unwrap() {
        let e = e.unwrap();
        let p = e.path().unwrap().display().to_string();
        if p == "owned" {
            assert_eq!(e.header().uid().unwrap(), 1234);
            assert_eq!(e.header().gid().unwrap(), 99);
        }
        if p == "bin/sh" || p == "hello" {
            assert_eq!(e.header().uid().unwrap(), 0, "{p} owned by container root");
        }
    }
    // -o FILE.
    let dir = host_dir(&env, "exp");
    let file = dir.join("e1.tar");
    env.skiff_ok(&["export", "-o", file.to_str().unwrap(), "e1"]);
    let data = std::fs::read(&file).unwrap();
    assert!(tar_names(&data).iter().any(|n| n == "hello"));
}

#[test]
fn commit_makes_a_runnable_image() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "--name",
        "c1",
        BUSYBOX,
        "sh",
        "-c",
        "echo committed > /hello && rm /bin/ls && mkdir /d && chown 7:8 /d",
    ]);
    let id = env.skiff_ok(&[
        "commit",
        "-c",
        "ENV GREETING=hi",
        "-c",
        "CMD [\"cat\", \"/hello\"]",
        "-m",
        "my message",
        "-a",
        "Ann <ann@example.com>",
        "c1",
        "mine:v1",
    ]);
    assert!(
        id.trim().starts_with("sha256:") && id.trim().len() == 71,
        "{id}"
    );
    assert_eq!(env.skiff_ok(&["run", "--rm", "mine:v1"]), "committed\n");
    assert_eq!(
        env.skiff_ok(&[
            "run",
            "--rm",
            "mine:v1",
            "sh",
            "-c",
            "echo $GREETING; ls /bin/ls 2>&1; stat -c %u:%g /d"
        ]),
        "hi\nls: /bin/ls: No such file or directory\n7:8\n"
    );
    let author = env.skiff_ok(&["inspect", "-f", "{{.Author}} / {{.Comment}}", "mine:v1"]);
    assert_eq!(author.trim(), "Ann <ann@example.com> / my message");
    // A running container, without a name for the image.
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "c2",
        BUSYBOX,
        "sh",
        "-c",
        "touch /made && sleep 300",
    ]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let id = env.skiff_ok(&["commit", "c2"]);
    let o = env.skiff(&["run", "--rm", id.trim(), "ls", "/made"]);
    assert_eq!(stdout(&o), "/made\n", "{}", stderr(&o));
}

#[test]
fn cp_into_and_out_of_stopped_and_running_containers() {
    let env = env_with_busybox();
    let host = host_dir(&env, "host");
    assert_success(
        &env.sh(&format!(
            "cd {0} && mkdir -p tree/sub && echo one > tree/sub/f && ln -s sub/f tree/link && echo solo > single",
            host.display()
        )),
        "prepare",
    );
    for running in [false, true] {
        let name = if running { "run1" } else { "stop1" };
        if running {
            env.skiff_ok(&["run", "-d", "--name", name, BUSYBOX, "sleep", "300"]);
        } else {
            env.skiff_ok(&["create", "--name", name, BUSYBOX, "sleep", "300"]);
        }
        // A file into a directory, a directory to a new name, a file to a new name.
        env.skiff_ok(&[
            "cp",
            host.join("single").to_str().unwrap(),
            &format!("{name}:/tmp"),
        ]);
        env.skiff_ok(&[
            "cp",
            host.join("tree").to_str().unwrap(),
            &format!("{name}:/copied"),
        ]);
        env.skiff_ok(&[
            "cp",
            host.join("single").to_str().unwrap(),
            &format!("{name}:/etc/renamed"),
        ]);
        // And back out.
        let back = host.join(format!("back-{name}"));
        env.skiff_ok(&["cp", &format!("{name}:/copied"), back.to_str().unwrap()]);
        assert_eq!(
            std::fs::read_to_string(back.join("sub/f")).unwrap(),
            "one\n"
        );
        assert_eq!(
            std::fs::read_link(back.join("link"))
                .unwrap()
                .display()
                .to_string(),
            "sub/f"
        );
        let f = host.join(format!("passwd-{name}"));
        env.skiff_ok(&["cp", &format!("{name}:/etc/passwd"), f.to_str().unwrap()]);
        assert!(std::fs::read_to_string(&f).unwrap().starts_with("root:"));
        // Contents of a directory into an existing one.
        let into = host_dir(&env, &format!("into-{name}"));
        env.skiff_ok(&["cp", &format!("{name}:/copied/."), into.to_str().unwrap()]);
        assert!(into.join("sub/f").is_file());
        // A tar on stdout.
        let o = env.skiff(&["cp", &format!("{name}:/copied"), "-"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let names = tar_names(&o.stdout);
        assert!(names.contains(&"copied/sub/f".to_string()), "{names:?}");
        // A tar on stdin.
        let o = env.skiff_stdin(&["cp", "-", &format!("{name}:/tmp")], &o.stdout);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        // Missing source.
        let o = env.skiff(&["cp", &format!("{name}:/nope"), host.to_str().unwrap()]);
        assert_ne!(code(&o), 0);
        assert!(
            stderr(&o).contains("Could not find the file /nope"),
            "{}",
            stderr(&o)
        );
        if !running {
            env.skiff_ok(&["start", name]);
        }
        let o = env.skiff(&[
            "exec", name, "sh", "-c",
            "cat /tmp/single /copied/sub/f /etc/renamed /tmp/copied/sub/f; readlink /copied/link; stat -c %u:%g /copied/sub/f /tmp/single",
        ]);
        assert_eq!(
            stdout(&o),
            "solo\none\nsolo\none\nsub/f\n0:0\n0:0\n",
            "{name}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn cp_archive_mode_keeps_ownership() {
    let env = env_with_busybox();
    env.skiff_ok(&["create", "--name", "a1", BUSYBOX, "true"]);
    // A tar whose entries belong to 1234:5678 goes in with -a as those ids.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_mode(0o640);
    h.set_uid(1234);
    h.set_gid(5678);
    h.set_size(3);
    b.append_data(&mut h, "owned", &b"abc"[..]).unwrap();
    let data = b.into_inner().unwrap();
    let o = env.skiff_stdin(&["cp", "-a", "-", "a1:/"], &data);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = env.skiff(&["cp", "a1:/owned", "-"]);
    let mut a = tar::Archive::new(&o.stdout[..]);
    let e = a.entries().unwrap().next().unwrap().unwrap();
    assert_eq!(
        (e.header().uid().unwrap(), e.header().gid().unwrap()),
        (1234, 5678)
    );
    assert_eq!(e.header().mode().unwrap() & 0o777, 0o640);
}

#[test]
fn cp_never_escapes_through_a_planted_symlink() {
    let env = env_with_busybox();
    let host = host_dir(&env, "h");
    std::fs::write(host.join("payload"), "pwned").unwrap();
    let _ = env.sh(&format!("chmod 644 {}/payload", host.display()));
    let marker = format!("skiff-escape-{}", std::process::id());
    // The container plants links to the host's /tmp (as seen from inside, its own /tmp).
    env.skiff_ok(&[
        "run",
        "--name",
        "evil",
        BUSYBOX,
        "sh",
        "-c",
        "ln -s /tmp /escape && ln -s ../../../../../../../tmp /rel",
    ]);
    for dest in [
        format!("evil:/escape/{marker}"),
        format!("evil:/rel/{marker}-rel"),
    ] {
        env.skiff_ok(&["cp", host.join("payload").to_str().unwrap(), &dest]);
    }
    assert!(
        !std::path::Path::new("/tmp").join(&marker).exists(),
        "escaped to the host"
    );
    assert!(!std::path::Path::new("/tmp")
        .join(format!("{marker}-rel"))
        .exists());
    // They landed in the container's own /tmp.
    let o = env.skiff(&["cp", &format!("evil:/tmp/{marker}"), "-"]);
    assert_eq!(tar_names(&o.stdout), vec![marker.clone()], "{}", stderr(&o));
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "evil2",
        BUSYBOX,
        "sh",
        "-c",
        "ln -s /tmp /escape && sleep 300",
    ]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    env.skiff_ok(&[
        "cp",
        host.join("payload").to_str().unwrap(),
        &format!("evil2:/escape/{marker}"),
    ]);
    assert!(
        !std::path::Path::new("/tmp").join(&marker).exists(),
        "escaped to the host"
    );
    let o = env.skiff(&["exec", "evil2", "cat", &format!("/tmp/{marker}")]);
    assert_eq!(stdout(&o), "pwned", "{}", stderr(&o));
    // Copying out a link does not follow it onto the host's files unless -L.
    let out = host.join("out");
    env.skiff_ok(&["cp", "evil2:/escape", out.to_str().unwrap()]);
    assert!(std::fs::symlink_metadata(&out)
        .unwrap()
        .file_type()
        .is_symlink());
}
