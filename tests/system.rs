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
        out.starts_with("WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n\nAre you sure you want to continue? [y/N] "),
        "{out}"
    );
    assert!(env.skiff_ok(&["ps", "-a", "-q"]).lines().count() == 2);

    let out = env.skiff_ok(&["system", "prune", "-f", "--volumes"]);
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
    assert_eq!(code(&err), 125, "{}", stderr(&err));
}
