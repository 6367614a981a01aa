//! `system prune`, `version` and `info` as a script would use them.
mod common;

use common::*;

#[test]
fn system_prune_removes_what_nothing_uses() {
    let env = env_with_busybox();
    env.skiff_ok(&["run", "--name", "stopped", "-v", "/anon", BUSYBOX, "true"]);
    env.skiff_ok(&["run", "-d", "--name", "running", BUSYBOX, "sleep", "300"]);
    env.skiff_ok(&["network", "create", "unused-net"]);
    env.skiff_ok(&["volume", "create", "named-vol"]);
    // A dangling image: the tag moves to a second commit.
    env.skiff_ok(&["commit", "running", "moving:tag"]);
    let first = env.skiff_ok(&["image", "inspect", "-f", "{{.Id}}", "moving:tag"]);
    env.skiff_ok(&["commit", "-c", "ENV X=1", "running", "moving:tag"]);

    // Refused at the prompt: nothing goes.
    let o = env.skiff_stdin(&["system", "prune"], b"n\n");
    assert_success(&o, "system prune, answered no");
    let out = stdout(&o);
    assert!(
        out.starts_with("WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - unused build cache\n\nAre you sure you want to continue? [y/N] "),
        "{out}"
    );
    assert!(env.skiff_ok(&["ps", "-a", "-q"]).lines().count() == 2);

    // A build leaves a cache step and its untagged image.
    let ctx = env.dir().join("ctx");
    assert_success(
        &env.sh(&format!(
            "mkdir -p {0} && printf 'FROM {BUSYBOX}\\nRUN echo cached > /x\\n' > {0}/Dockerfile",
            ctx.display()
        )),
        "context",
    );
    env.skiff_ok(&["build", "-q", ctx.to_str().unwrap()]);
    let df = env.skiff_ok(&["system", "df", "--format", "{{.Type}}={{.TotalCount}}"]);
    assert!(df.contains("Build Cache=1\n"), "{df}");

    let out = env.skiff_ok(&["system", "prune", "-f", "--volumes"]);
    assert!(out.contains("Deleted build cache objects: 1\n"), "{out}");
    let stopped_gone = !env
        .skiff_ok(&["ps", "-a", "--format", "{{.Names}}"])
        .contains("stopped");
    assert!(stopped_gone, "{out}");
    assert!(out.contains("Deleted Containers:\n"), "{out}");
    assert!(out.contains("Deleted Networks:\nunused-net\n"), "{out}");
    assert!(out.contains("Deleted Volumes:\n"), "{out}");
    assert!(out.contains(&format!("deleted: {}", first.trim())), "{out}");
    assert!(out
        .trim_end()
        .lines()
        .last()
        .unwrap()
        .starts_with("Total reclaimed space: "));
    // What is in use, and named volumes, stay.
    assert!(env.skiff_ok(&["ps", "-q"]).lines().count() == 1);
    assert!(env
        .skiff_ok(&["volume", "ls", "-q"])
        .lines()
        .any(|l| l == "named-vol"));
    assert!(!env.skiff_ok(&["network", "ls"]).contains("unused-net"));
    env.skiff_ok(&["image", "inspect", "moving:tag"]);
    env.skiff_ok(&["image", "inspect", BUSYBOX]);
    // system df: docker's table (Go tabwriter spacing) and templates.
    let df = env.skiff_ok(&["system", "df"]);
    let lines: Vec<&str> = df.lines().collect();
    assert_eq!(
        lines[0], "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE",
        "{df}"
    );
    assert!(
        lines[1].starts_with("Images          2         1         "),
        "{df}"
    );
    assert!(
        lines[2].starts_with("Containers      1         1         "),
        "{df}"
    );
    assert!(
        lines[3].starts_with("Local Volumes   1         0         "),
        "{df}"
    );
    assert_eq!(
        lines[4], "Build Cache     0         0         0B        0B",
        "{df}"
    );
    let rows = env.skiff_ok(&["system", "df", "--format", "{{.Type}}={{.TotalCount}}"]);
    assert_eq!(
        rows,
        "Images=2\nContainers=1\nLocal Volumes=1\nBuild Cache=0\n"
    );
    env.skiff_ok(&["rm", "-f", "running"]);
}

#[test]
fn version_and_info_formats() {
    let env = TestEnv::new();
    let v = env.skiff_ok(&["version", "--format", "{{.Server.Version}}"]);
    assert_eq!(v.trim(), env!("CARGO_PKG_VERSION"));
    let out = env.skiff_ok(&["version"]);
    assert!(out.starts_with("Client:\n Version:"), "{out}");
    assert!(out.contains("\nServer: skiff\n"), "{out}");
    let info = env.skiff_ok(&["info", "--format", "{{json .}}"]);
    let v: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(v["Containers"], 0);
    assert_eq!(v["OSType"], "linux");
    assert_eq!(v["Rootless"], true);
    assert_eq!(v["DockerRootDir"], env.data_dir().display().to_string());
    let err = env.skiff(&["info", "--format", "{{.NoSuchField}}"]);
    assert_eq!(code(&err), 1, "{}", stderr(&err));
    assert_eq!(
        stderr(&err),
        "Error: template: map has no entry for key: NoSuchField\n"
    );
}

#[test]
fn events_record_what_happened_and_follow_new_ones() {
    let env = env_with_busybox();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let since = format!("{}.{:09}", now.as_secs(), now.subsec_nanos());
    let o = env.skiff(&[
        "run", "--name", "ev1", "--label", "app=x", BUSYBOX, "sh", "-c", "exit 3",
    ]);
    assert_eq!(code(&o), 3);
    env.skiff_ok(&["rename", "ev1", "ev2"]);
    env.skiff_ok(&["rm", "ev2"]);
    env.skiff_ok(&["volume", "create", "v1"]);
    env.skiff_ok(&["volume", "rm", "v1"]);
    env.skiff_ok(&["network", "create", "n1"]);
    env.skiff_ok(&["network", "rm", "n1"]);
    env.skiff_ok(&["tag", BUSYBOX, "evtag"]);
    env.skiff_ok(&["rmi", "evtag"]);
    // Until now: the queries below end at once instead of following.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let until = format!("{}.{:09}", now.as_secs(), now.subsec_nanos());
    let all = env.skiff_ok(&[
        "events",
        "--since",
        &since,
        "--until",
        &until,
        "--format",
        "{{.Type}} {{.Action}}",
    ]);
    let want = "container create
container start
container die
container rename
container destroy
volume create
volume destroy
network create
network destroy
image tag
image untag
";
    // The pull of the fixture (before `since`) is not there; nothing else is.
    assert_eq!(all, want);
    let names = env.skiff_ok(&[
        "events",
        "--since",
        &since,
        "--until",
        &until,
        "--filter",
        "type=container",
        "--filter",
        "type=network",
        "--format",
        "{{.Actor.Attributes.name}}",
    ]);
    assert_eq!(names, "ev1\nev1\nev1\nev2\nev2\nn1\nn1\n");
    let die = env.skiff_ok(&[
        "events",
        "--since",
        &since,
        "--until",
        &until,
        "--filter",
        "event=die",
        "--filter",
        "container=ev1",
        "--format",
        "{{json .}}",
    ]);
    let v: serde_json::Value = serde_json::from_str(die.trim()).unwrap();
    assert_eq!(v["status"], "die");
    assert_eq!(v["Actor"]["Attributes"]["exitCode"], "3");
    assert_eq!(v["Actor"]["Attributes"]["app"], "x");
    assert_eq!(v["from"], BUSYBOX);
    // The default line: time, type, action, id, attributes.
    let line = env.skiff_ok(&[
        "events",
        "--since",
        &since,
        "--until",
        &until,
        "--filter",
        "type=volume",
    ]);
    let first = line.lines().next().unwrap();
    let rest = first.split_once(' ').unwrap().1;
    assert_eq!(rest, "volume create v1 (driver=local)");
    // exec's three events, the command in the action as docker writes it.
    env.skiff_ok(&["run", "-d", "--name", "evx", BUSYBOX, "sleep", "300"]);
    let o = env.skiff(&["exec", "evx", "sh", "-c", "exit 4"]);
    assert_eq!(code(&o), 4);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let until2 = format!("{}.{:09}", now.as_secs(), now.subsec_nanos());
    let execs = env.skiff_ok(&[
        "events",
        "--since",
        &since,
        "--until",
        &until2,
        "--filter",
        "container=evx",
        "--filter",
        "event=exec_create",
        "--filter",
        "event=exec_start",
        "--filter",
        "event=exec_die",
        "--format",
        "{{.Action}}",
    ]);
    assert_eq!(
        execs,
        "exec_create: sh -c exit 4\nexec_start: sh -c exit 4\nexec_die\n"
    );
    let died = env.skiff_ok(&[
        "events",
        "--since",
        &since,
        "--until",
        &until2,
        "--filter",
        "event=exec_die",
        "--format",
        "{{.Actor.Attributes.exitCode}} {{len .Actor.Attributes.execID}}",
    ]);
    assert_eq!(died, "4 64\n");
    env.skiff_ok(&["rm", "-f", "evx"]);
    let err = env.skiff(&["events", "--filter", "colour=blue"]);
    assert_eq!(code(&err), 1);
    assert_eq!(stderr(&err), "Error: invalid filter 'colour'\n");

    // Following: a container started after `events` began shows up.
    let mut follower = env
        .command(&[
            "events",
            "--filter",
            "event=start",
            "--format",
            "{{.Actor.Attributes.name}}",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    env.skiff_ok(&["run", "--rm", "--name", "followed", BUSYBOX, "true"]);
    let mut out = follower.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        let n = std::io::Read::read(&mut out, &mut buf).unwrap_or(0);
        let _ = tx.send(String::from_utf8_lossy(&buf[..n]).to_string());
    });
    let got = rx.recv_timeout(std::time::Duration::from_secs(20));
    let _ = follower.kill();
    let _ = follower.wait();
    assert_eq!(got.as_deref(), Ok("followed\n"));
}
