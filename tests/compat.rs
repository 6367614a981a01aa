//! docker's command-line behaviours an outside compatibility suite checks (issue 22): argument
//! parsing, exit statuses, time and signal parsing, filters, templates, the flags docker has,
//! podman users' everyday flags and the grouped `--help`. One test per item.
mod common;

use common::*;

const NONE: [&str; 2] = ["--network", "none"];

fn inspect(env: &TestEnv, format: &str, name: &str) -> String {
    env.skiff_ok(&["inspect", "--format", format, name])
        .trim()
        .to_string()
}

/// Item 1: a flag given twice takes its last value, as pflag does, for every single-valued flag.
#[test]
fn a_flag_given_twice_takes_the_last_value() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "create",
        "--name",
        "a",
        "--name",
        "b",
        "-w",
        "/a",
        "-w",
        "/tmp",
        "--restart",
        "no",
        "--restart",
        "on-failure:3",
        "-d",
        "-d",
        NONE[0],
        "none",
        NONE[0],
        "none",
        BUSYBOX,
    ]);
    assert_eq!(
        inspect(
            &env,
            "{{.Name}} {{.Config.WorkingDir}} {{.HostConfig.RestartPolicy.Name}}",
            "b"
        ),
        "/b /tmp on-failure"
    );
    // A repeated listing flag too.
    let o = env.skiff(&["ps", "-a", "--format", "{{.ID}}", "--format", "{{.Names}}"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "b\n");
}

/// Item 2: a value starting with `-` is taken by the flag before it.
#[test]
fn a_value_starting_with_a_dash_is_accepted() {
    let env = env_with_busybox();
    let out = env.skiff_ok(&[
        "run", "--name", "c", NONE[0], NONE[1], "-e", "-x=1", BUSYBOX, "env",
    ]);
    assert!(out.lines().any(|l| l == "-x=1"), "{out}");
    let o = env.skiff(&["logs", "--since", "-1s", "c"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = env.skiff(&["history", "--format", "--{{.ID}}--", BUSYBOX]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines = stdout(&o);
    assert!(!lines.is_empty());
    assert!(
        lines
            .lines()
            .all(|l| l.starts_with("--") && l.ends_with("--")),
        "{lines}"
    );
    // `ps -n -1`: no limit.
    assert_eq!(
        env.skiff_ok(&["ps", "-a", "-n", "-1", "--format", "{{.Names}}"]),
        "c\n"
    );
}

/// Item 3: `history -H` is a switch; `--human=false` gives sizes in bytes.
#[test]
fn history_human_is_a_switch() {
    let env = env_with_busybox();
    let o = env.skiff(&["history", "-H", BUSYBOX]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).starts_with("IMAGE"), "{}", stdout(&o));
    let sizes = env.skiff_ok(&["history", "--human=false", "--format", "{{.Size}}", BUSYBOX]);
    assert!(
        sizes.lines().all(|l| l.bytes().all(|b| b.is_ascii_digit())),
        "{sizes}"
    );
    let human = env.skiff_ok(&["history", "-H=true", "--format", "{{.Size}}", BUSYBOX]);
    assert!(human.lines().all(|l| l.ends_with('B')), "{human}");
}

/// Item 4: `rm -f` of a missing container exits 0 (other failures still fail).
#[test]
fn rm_force_of_a_missing_container_exits_zero() {
    let env = env_with_busybox();
    env.skiff_ok(&["create", "--name", "real", BUSYBOX]);
    let o = env.skiff(&["rm", "-f", "nosuch", "real"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "real\n");
    assert!(
        stderr(&o).contains("No such container: nosuch"),
        "{}",
        stderr(&o)
    );
    let o = env.skiff(&["rm", "nosuch"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).starts_with("Error: No such container: nosuch"));
}

/// Item 5: real-time signals, by number up to 64 and by name.
#[test]
fn kill_sends_real_time_signals() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run", "-d", "--name", "rt", NONE[0], NONE[1], BUSYBOX, "sh", "-c",
        "trap 'echo got64' 64; trap 'echo got37; exit 7' 37; echo ready; while :; do sleep 0.1; done",
    ]);
    wait_for_log(&env, "rt", "ready");
    let o = env.skiff(&["kill", "-s", "64", "rt"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "rt\n");
    wait_for_log(&env, "rt", "got64");
    let o = env.skiff(&["kill", "--signal", "SIGRTMIN+3", "rt"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(env.skiff_ok(&["wait", "rt"]), "7\n");
    assert!(env.skiff_ok(&["logs", "rt"]).contains("got37"));
    // skiff's --init forwards them, and ends as its child does (128 + 64).
    env.skiff_ok(&[
        "run", "-d", "--init", "--name", "ini", NONE[0], NONE[1], BUSYBOX, "sleep", "300",
    ]);
    assert_eq!(env.skiff_ok(&["kill", "-s", "RTMAX", "ini"]), "ini\n");
    assert_eq!(env.skiff_ok(&["wait", "ini"]), "192\n");
    let o = env.skiff(&["kill", "-s", "65", "rt"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("invalid signal: 65"), "{}", stderr(&o));
}

fn wait_for_log(env: &TestEnv, name: &str, text: &str) {
    for _ in 0..100 {
        if env.skiff_ok(&["logs", name]).contains(text) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{name} never logged {text:?}");
}

/// Item 6: `--memory 0`, `--cpus 0`, `--pids-limit 0` or -1 mean no limit, with or without
/// cgroups; a real limit still needs one.
#[test]
fn zero_limits_mean_no_limit() {
    let env = env_with_busybox();
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        NONE[0],
        NONE[1],
        "--memory",
        "0",
        "--cpus",
        "0",
        "--pids-limit",
        "0",
        BUSYBOX,
        "echo",
        "ok",
    ]);
    assert_eq!(out, "ok\n");
    env.skiff_ok(&["create", "--pids-limit", "-1", "-m", "0b", BUSYBOX]);
    let o = env.skiff(&["create", "--memory", "64m", BUSYBOX]);
    assert_eq!(code(&o), 125);
    assert!(
        stderr(&o).starts_with("Error: --memory needs"),
        "{}",
        stderr(&o)
    );
}

/// Item 7: `--name /x` names the container `x` (docker's canonical `/x`).
#[test]
fn a_leading_slash_in_a_name_is_the_canonical_form() {
    let env = env_with_busybox();
    env.skiff_ok(&["create", "--name", "/x", BUSYBOX]);
    assert_eq!(env.skiff_ok(&["ps", "-a", "--format", "{{.Names}}"]), "x\n");
    assert_eq!(inspect(&env, "{{.Name}}", "/x"), "/x");
    env.skiff_ok(&["rename", "x", "/y"]);
    assert_eq!(env.skiff_ok(&["ps", "-a", "--format", "{{.Names}}"]), "y\n");
}

/// Item 8: `logs --since/--until` take docker's times: a comma before the fraction
/// (`date --iso-8601=ns`), nanoseconds, with or without a zone.
#[test]
fn logs_take_docker_times() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run", "--name", "t", NONE[0], NONE[1], BUSYBOX, "echo", "hello",
    ]);
    std::thread::sleep(std::time::Duration::from_millis(50));
    let now = |fmt: &str| stdout(&env.sh(&format!("date {fmt}"))).trim().to_string();
    let comma = now("--iso-8601=ns");
    assert!(comma.contains(','), "{comma}");
    let local_ns = now("+%Y-%m-%dT%H:%M:%S.%N");
    let utc_ns = now("-u +%Y-%m-%dT%H:%M:%S.%NZ");
    for t in [&comma, &local_ns, &utc_ns] {
        let o = env.skiff(&["logs", "--until", t, "t"]);
        assert_eq!(code(&o), 0, "--until {t}: {}", stderr(&o));
        assert_eq!(stdout(&o), "hello\n", "--until {t}");
        let o = env.skiff(&["logs", "--since", t, "t"]);
        assert_eq!(code(&o), 0, "--since {t}: {}", stderr(&o));
        assert_eq!(stdout(&o), "", "--since {t}");
    }
    let o = env.skiff(&["logs", "--since", "2024-13-01T00:00:00Z", "t"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with("Error: invalid time \"2024-13-01T00:00:00Z\""),
        "{}",
        stderr(&o)
    );
}

/// Item 10: name filters are docker's (a regular expression, so a word matches as a substring)
/// for volumes, containers and networks.
#[test]
fn name_filters_match_as_docker_does() {
    let env = env_with_busybox();
    for v in ["foo-bar", "other"] {
        env.skiff_ok(&["volume", "create", v]);
    }
    let q = |args: &[&str]| env.skiff_ok(args);
    assert_eq!(
        q(&["volume", "ls", "-q", "--filter", "name=o-b"]),
        "foo-bar\n"
    );
    assert_eq!(
        q(&["volume", "ls", "-q", "--filter", "name=^oth"]),
        "other\n"
    );
    assert_eq!(
        q(&["volume", "ls", "-q", "--filter", "name=f.o"]),
        "foo-bar\n"
    );
    assert_eq!(
        q(&["volume", "ls", "-q", "--filter", "name="]),
        "foo-bar\nother\n"
    );
    env.skiff_ok(&["create", "--name", "web-1", BUSYBOX]);
    env.skiff_ok(&["create", "--name", "db", BUSYBOX]);
    assert_eq!(
        q(&["ps", "-a", "--filter", "name=eb-", "--format", "{{.Names}}"]),
        "web-1\n"
    );
    assert_eq!(
        q(&[
            "ps",
            "-a",
            "--filter",
            "name=^/w.b",
            "--format",
            "{{.Names}}"
        ]),
        "web-1\n"
    );
    env.skiff_ok(&["network", "create", "backend-net"]);
    assert_eq!(
        q(&[
            "network",
            "ls",
            "--filter",
            "name=kend",
            "--format",
            "{{.Name}}"
        ]),
        "backend-net\n"
    );
    assert_eq!(
        q(&[
            "network",
            "ls",
            "--filter",
            "name=^back.*net$",
            "--format",
            "{{.Name}}"
        ]),
        "backend-net\n"
    );
}

/// Item 13: `.ID` in image and container templates, `HostConfig.Ulimits`, and `.Label` in
/// `ps` and `images` templates.
#[test]
fn templates_have_docker_fields() {
    let env = env_with_busybox();
    let id = env.skiff_ok(&["image", "inspect", "--format", "{{.Id}}", BUSYBOX]);
    assert!(id.starts_with("sha256:"));
    assert_eq!(
        env.skiff_ok(&["image", "inspect", "--format", "{{.ID}}", BUSYBOX]),
        id
    );
    env.skiff_ok(&[
        "create",
        "--name",
        "u",
        "-l",
        "tier=front",
        "--ulimit",
        "nofile=1024:2048",
        "--ulimit",
        "core=-1",
        BUSYBOX,
    ]);
    let ulimits: serde_json::Value =
        serde_json::from_str(&inspect(&env, "{{json .HostConfig.Ulimits}}", "u")).unwrap();
    assert_eq!(
        ulimits,
        serde_json::json!([
            {"Name": "core", "Hard": -1, "Soft": -1},
            {"Name": "nofile", "Hard": 2048, "Soft": 1024}
        ])
    );
    assert_eq!(inspect(&env, "{{.ID}}", "u"), inspect(&env, "{{.Id}}", "u"));
    env.skiff_ok(&["create", "--name", "plain", BUSYBOX]);
    assert_eq!(inspect(&env, "{{json .HostConfig.Ulimits}}", "plain"), "[]");
    assert_eq!(
        env.skiff_ok(&["ps", "-a", "--format", "{{.Names}}:{{.Label \"tier\"}}"]),
        "plain:\nu:front\n"
    );
    env.skiff_ok(&["commit", "-c", "LABEL k=v1", "u", "labelled:1"]);
    assert_eq!(
        env.skiff_ok(&[
            "images",
            "--format",
            "{{.Repository}}={{.Label \"k\"}}",
            "labelled"
        ]),
        "labelled=v1\n"
    );
}

/// Item 14: flags docker has: `--oom-score-adj`, `--kernel-memory` (deprecated),
/// `--device-cgroup-rule`, `build --ulimit`, `update`'s per-device limits, `run -q`.
#[test]
fn docker_flags_are_accepted() {
    let env = TestEnv::new();
    // -q: no pull output (the image is not there yet).
    let o = env.skiff(&[
        "run",
        "-q",
        "--rm",
        NONE[0],
        NONE[1],
        "--oom-score-adj",
        "500",
        BUSYBOX,
        "cat",
        "/proc/self/oom_score_adj",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "500\n");
    assert_eq!(stderr(&o), "");
    let o = env.skiff(&[
        "create",
        "--name",
        "k",
        "--kernel-memory",
        "10m",
        "--device-cgroup-rule",
        "c 1:3 rwm",
        "--oom-score-adj",
        "300",
        BUSYBOX,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "Flag --kernel-memory has been deprecated, and no longer supported by the kernel\n"
    );
    assert_eq!(inspect(&env, "{{.HostConfig.OomScoreAdj}}", "k"), "300");
    assert_eq!(
        inspect(&env, "{{json .HostConfig.DeviceCgroupRules}}", "k"),
        r#"["c 1:3 rwm"]"#
    );
    let o = env.skiff(&["create", "--oom-score-adj", "1001", BUSYBOX]);
    assert_eq!(code(&o), 125);
    assert_eq!(
        stderr(&o),
        "Error: Invalid value 1001, range for oom score adj is [-1000, 1000]\n"
    );
    let o = env.skiff(&["create", "--device-cgroup-rule", "x 1:3 rwm", BUSYBOX]);
    assert_eq!(code(&o), 125);
    // build --ulimit reaches the RUN steps.
    let o = env.skiff_stdin(
        &["build", "-q", "--ulimit", "nofile=100:200", "-t", "ul", "-"],
        format!("FROM {BUSYBOX}\nRUN ulimit -n > /n\n").as_bytes(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        env.skiff_ok(&["run", "--rm", NONE[0], NONE[1], "ul", "cat", "/n"]),
        "100\n"
    );
    let o = env.skiff(&["update", "--kernel-memory", "10m", "k"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "k\n");
    assert!(stderr(&o).starts_with("Flag --kernel-memory has been deprecated"));
    // update's per-device limits parse; applying one needs a cgroup, as --memory does.
    let o = env.skiff(&["update", "--device-read-bps", "/dev/sda:1mb", "k"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with("Error: --device-read-bps needs"),
        "{}",
        stderr(&o)
    );
    let o = env.skiff(&["update", "--blkio-weight-device", "sda:100", "k"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "Error: invalid argument \"sda:100\" for \"--blkio-weight-device\": bad format for device path\n"
    );
    for flag in [
        "--blkio-weight-device",
        "--device-write-bps",
        "--device-read-iops",
        "--device-write-iops",
    ] {
        let o = env.skiff(&["update", flag, "/dev/sda:100", "k"]);
        assert_eq!(code(&o), 1, "{flag}: {}", stderr(&o));
        assert!(stderr(&o).contains(flag), "{}", stderr(&o));
    }
}

/// Item 15: podman's everyday flags, as podman documents them.
#[test]
fn podman_flags() {
    let env = env_with_busybox();
    // exists: 0 or 1, nothing printed.
    env.skiff_ok(&["create", "--name", "e1", BUSYBOX]);
    env.skiff_ok(&["volume", "create", "v1"]);
    env.skiff_ok(&["network", "create", "n1"]);
    for (args, want) in [
        (vec!["container", "exists", "e1"], 0),
        (vec!["container", "exists", "nope"], 1),
        (vec!["image", "exists", BUSYBOX], 0),
        (vec!["image", "exists", "nope"], 1),
        (vec!["volume", "exists", "v1"], 0),
        (vec!["volume", "exists", "nope"], 1),
        (vec!["network", "exists", "n1"], 0),
        (vec!["network", "exists", "nope"], 1),
    ] {
        let o = env.skiff(&args);
        assert_eq!(code(&o), want, "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "", "{args:?}");
        assert_eq!(stderr(&o), "", "{args:?}");
    }
    // --noheading on the listings.
    assert_eq!(
        env.skiff_ok(&["ps", "-a", "--noheading"]).lines().count(),
        1
    );
    assert_eq!(env.skiff_ok(&["images", "-n"]).lines().count(), 1);
    assert_eq!(
        env.skiff_ok(&["volume", "ls", "--noheading"]),
        "local     v1\n"
    );
    assert!(!env
        .skiff_ok(&["network", "ls", "--noheading"])
        .contains("NETWORK ID"));
    // inspect --type (-t).
    assert_eq!(inspect(&env, "{{.Name}}", "v1"), "v1");
    let o = env.skiff(&["inspect", "-t", "volume", "--format", "{{.Name}}", "n1"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        env.skiff_ok(&[
            "inspect",
            "--type",
            "network",
            "--format",
            "{{.Name}}",
            "n1"
        ]),
        "n1\n"
    );
    let o = env.skiff(&["inspect", "--type", "pod", "e1"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "Error: unknown type: \"pod\": must be one of \"container\", \"image\", \"network\", \"volume\"\n"
    );
    // commit -q prints the ID alone.
    let id = env.skiff_ok(&["commit", "-q", "e1", "committed"]);
    assert!(
        id.trim().starts_with("sha256:") && id.lines().count() == 1,
        "{id}"
    );
    // -a/--all on start, pause, unpause, kill, stop, rm; rm -t needs -f.
    let e1 = inspect(&env, "{{.Id}}", "e1");
    env.skiff_ok(&["rm", "e1"]);
    env.skiff_ok(&[
        "create", "--name", "s1", NONE[0], NONE[1], BUSYBOX, "sleep", "300",
    ]);
    let s1 = inspect(&env, "{{.Id}}", "s1");
    assert_eq!(env.skiff_ok(&["start", "--all"]), format!("{s1}\n"));
    assert_eq!(env.skiff_ok(&["pause", "-a"]), format!("{s1}\n"));
    assert_eq!(env.skiff_ok(&["unpause", "--all"]), format!("{s1}\n"));
    let o = env.skiff(&["unpause", "--all"]);
    assert_eq!(code(&o), 0, "nothing is paused: {}", stderr(&o));
    assert_eq!(env.skiff_ok(&["stop", "-a", "-t", "1"]), format!("{s1}\n"));
    assert_eq!(env.skiff_ok(&["start", "--all"]), format!("{s1}\n"));
    assert_eq!(env.skiff_ok(&["kill", "-a"]), format!("{s1}\n"));
    let o = env.skiff(&["rm", "-t", "2", "s1"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "Error: --force option must be specified to use the --time option\n"
    );
    let o = env.skiff(&["rm", "-a", "s1"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o), "Error: no arguments are needed with --all\n");
    env.skiff_ok(&["start", "s1"]);
    assert_eq!(
        env.skiff_ok(&["rm", "-f", "-t", "0", "--all"]),
        format!("{s1}\n")
    );
    assert_eq!(env.skiff_ok(&["ps", "-aq"]), "");
    let _ = e1;
    // rmi -a removes every image.
    let o = env.skiff(&["rmi", "-a"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Untagged: committed:latest"),
        "{}",
        stdout(&o)
    );
    assert_eq!(env.skiff_ok(&["images", "-q"]), "");
    // docker's meanings stay: start -a is --attach.
    env.skiff_ok(&[
        "create", "--name", "att", NONE[0], NONE[1], BUSYBOX, "echo", "hi",
    ]);
    assert_eq!(env.skiff_ok(&["start", "-a", "att"]), "hi\n");
}

/// Item 16: `skiff --help` groups the commands as docker does.
#[test]
fn help_groups_commands_as_docker_does() {
    let env = TestEnv::new();
    let help = env.skiff_ok(&["--help"]);
    assert!(
        help.starts_with("Usage:  skiff [OPTIONS] COMMAND\n"),
        "{help}"
    );
    let sections: Vec<&str> = help
        .lines()
        .filter(|l| !l.starts_with(' ') && l.ends_with(':'))
        .collect();
    assert_eq!(
        sections,
        [
            "Common Commands:",
            "Management Commands:",
            "Commands:",
            "Global Options:"
        ]
    );
    let section = |title: &str| -> Vec<String> {
        help.split(&format!("\n{title}:\n"))
            .nth(1)
            .unwrap_or_default()
            .lines()
            .take_while(|l| !l.is_empty())
            .map(|l| l.split_whitespace().next().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(
        section("Common Commands"),
        [
            "run", "exec", "ps", "build", "pull", "push", "images", "login", "logout", "search",
            "version", "info"
        ]
    );
    let management = section("Management Commands");
    let mut sorted = management.clone();
    sorted.sort();
    assert_eq!(management, sorted);
    for c in [
        "builder",
        "container",
        "image",
        "network",
        "system",
        "volume",
    ] {
        assert!(
            management.iter().any(|x| x == c),
            "{c} in Management Commands"
        );
    }
    assert!(!management.iter().any(|x| x == "rm" || x == "run"));
    let commands = section("Commands");
    let mut sorted = commands.clone();
    sorted.sort();
    assert_eq!(commands, sorted);
    for c in ["attach", "cp", "rm", "rmi", "wait", "events"] {
        assert!(commands.iter().any(|x| x == c), "{c} in Commands");
    }
    // docker's column: names padded to 12.
    assert!(help.contains("\n  run         Create and run a new container from an image\n"));
    assert!(help.contains("\n  system      Manage skiff\n"), "{help}");
    assert!(!help.contains("Manage Docker"), "skiff's own words: {help}");
    assert!(
        !help.contains("from the server"),
        "skiff has no server: {help}"
    );
    assert!(help.contains("\nRun 'skiff COMMAND --help' for more information on a command.\n"));
}

/// Item 9: `exec --user U:G` runs with exactly group G; without a group the user gets the
/// groups that list it in the container's /etc/group (docker's runc lookup).
#[test]
fn exec_user_with_a_group_gets_exactly_that_group() {
    let env = env_with_busybox();
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "g",
        NONE[0],
        NONE[1],
        BUSYBOX,
        "sh",
        "-c",
        "echo wheel:x:10:root >> /etc/group && touch /ready && sleep 300",
    ]);
    for _ in 0..100 {
        if code(&env.skiff(&["exec", "g", "test", "-e", "/ready"])) == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(
        env.skiff_ok(&["exec", "--user", "root:root", "g", "id", "-G"]),
        "0\n"
    );
    assert_eq!(env.skiff_ok(&["exec", "-u", "0:0", "g", "id", "-G"]), "0\n");
    assert_eq!(
        env.skiff_ok(&["exec", "--user", "0", "g", "id", "-G"]),
        "0 10\n"
    );
    assert_eq!(
        env.skiff_ok(&["exec", "--user", "root", "g", "id", "-G"]),
        "0 10\n"
    );
    assert_eq!(
        env.skiff_ok(&["exec", "--user", "root:wheel", "g", "id", "-G"]),
        "10\n"
    );
    // The container's --group-add groups come with every exec, as docker adds them.
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "ga",
        "--group-add",
        "20",
        NONE[0],
        NONE[1],
        BUSYBOX,
        "sleep",
        "300",
    ]);
    assert_eq!(env.skiff_ok(&["exec", "ga", "id", "-G"]), "0 20\n");
    assert_eq!(
        env.skiff_ok(&["exec", "-u", "root:root", "ga", "id", "-G"]),
        "0 20\n"
    );
}

/// Item 11: `cp` into a volume and a bind mount of a container that never ran, and `cp -` of a
/// gzipped tar (docker detects the compression).
#[test]
fn cp_into_volumes_of_a_created_container_and_gzipped_stdin() {
    let env = env_with_busybox();
    let bind = env.dir().join("bindsrc");
    std::fs::create_dir(&bind).unwrap();
    std::os::unix::fs::chown(&bind, Some(test_uid()), Some(test_gid())).unwrap();
    let src = env.dir().join("hello.txt");
    std::fs::write(&src, "hello volume\n").unwrap();
    std::os::unix::fs::chown(&src, Some(test_uid()), Some(test_gid())).unwrap();
    let bind_spec = format!("{}:/bind", bind.display());
    env.skiff_ok(&[
        "create",
        "--name",
        "c",
        "-v",
        "vol1:/data",
        "-v",
        &bind_spec,
        "-v",
        "rovol:/ro:ro",
        BUSYBOX,
        "cat",
        "/data/hello.txt",
        "/bind/hello.txt",
        "/gz.txt",
    ]);
    let src = src.to_str().unwrap();
    let o = env.skiff(&["cp", src, "c:/data/"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    env.skiff_ok(&["cp", src, "c:/bind/hello.txt"]);
    assert_eq!(
        std::fs::read_to_string(bind.join("hello.txt")).unwrap(),
        "hello volume\n"
    );
    // The volume itself has it (another container sees it).
    assert_eq!(
        env.skiff_ok(&[
            "run",
            "--rm",
            NONE[0],
            NONE[1],
            "-v",
            "vol1:/v",
            BUSYBOX,
            "cat",
            "/v/hello.txt"
        ]),
        "hello volume\n"
    );
    // A read-only volume refuses the copy.
    let o = env.skiff(&["cp", src, "c:/ro/"]);
    assert_ne!(code(&o), 0);
    // gzip on stdin.
    let mut b = tar::Builder::new(Vec::new());
    let data = b"from a gzipped tar\n";
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, "gz.txt", &data[..]).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &b.into_inner().unwrap()).unwrap();
    let o = env.skiff_stdin(&["cp", "-", "c:/"], &gz.finish().unwrap());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        env.skiff_ok(&["start", "-a", "c"]),
        "hello volume\nhello volume\nfrom a gzipped tar\n"
    );
}

/// Item 12: `build -` with a Dockerfile alone on stdin, `build - < context.tar.gz`, and COPY
/// keeping hard links.
#[test]
fn build_from_stdin_and_copy_keeps_hard_links() {
    let env = env_with_busybox();
    // A Dockerfile alone: the context is empty.
    let o = env.skiff_stdin(
        &["build", "-q", "-t", "plain", "-"],
        format!("FROM {BUSYBOX}\nRUN echo built > /x\n").as_bytes(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).starts_with("sha256:"), "{}", stdout(&o));
    assert_eq!(
        env.skiff_ok(&["run", "--rm", NONE[0], NONE[1], "plain", "cat", "/x"]),
        "built\n"
    );
    let o = env.skiff_stdin(
        &["build", "-q", "-"],
        format!("FROM {BUSYBOX}\nCOPY nothing /n\n").as_bytes(),
    );
    assert_eq!(code(&o), 1, "no context to copy from: {}", stderr(&o));
    // A gzipped context.
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in [
        (
            "Dockerfile",
            format!("FROM {BUSYBOX}\nCOPY f.txt /f.txt\n").into_bytes(),
        ),
        ("f.txt", b"from the tar.gz\n".to_vec()),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, &data[..]).unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &b.into_inner().unwrap()).unwrap();
    let o = env.skiff_stdin(&["build", "-q", "-t", "gzctx", "-"], &gz.finish().unwrap());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        env.skiff_ok(&["run", "--rm", NONE[0], NONE[1], "gzctx", "cat", "/f.txt"]),
        "from the tar.gz\n"
    );
    // Hard links in the context stay hard links.
    let ctx = env.dir().join("links");
    std::fs::create_dir_all(ctx.join("d")).unwrap();
    std::fs::write(ctx.join("d/a"), "same\n").unwrap();
    std::fs::hard_link(ctx.join("d/a"), ctx.join("d/b")).unwrap();
    std::fs::write(ctx.join("d/c"), "other\n").unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        format!("FROM {BUSYBOX}\nCOPY d /d\n"),
    )
    .unwrap();
    for p in ["", "d", "d/a", "d/b", "d/c", "Dockerfile"] {
        std::os::unix::fs::lchown(ctx.join(p), Some(test_uid()), Some(test_gid())).unwrap();
    }
    env.skiff_ok(&["build", "-q", "-t", "links", ctx.to_str().unwrap()]);
    let out = env.skiff_ok(&[
        "run", "--rm", NONE[0], NONE[1], "links", "sh", "-c",
        "stat -c '%h' /d/a /d/b /d/c; [ $(stat -c %i /d/a) = $(stat -c %i /d/b) ] && echo same-inode",
    ]);
    assert_eq!(out, "2\n2\n1\nsame-inode\n");
}

/// `inspect` shows docker's `GraphDriver`: the overlay's directories, the container's writes
/// landing in its UpperDir (scripts and IDE plugins read them).
#[test]
fn inspect_shows_the_graph_driver_directories() {
    let env = env_with_busybox();
    env.skiff_ok(&["run", "-d", "--name", "g", BUSYBOX, "sleep", "100"]);
    env.skiff_ok(&["exec", "g", "sh", "-c", "echo written > /marker"]);
    let driver = inspect(&env, "{{.GraphDriver.Name}}", "g");
    assert_eq!(driver, inspect(&env, "{{.Driver}}", "g"));
    if driver == "vfs" {
        assert_eq!(inspect(&env, "{{json .GraphDriver.Data}}", "g"), "null");
    } else {
        assert_eq!(driver, "overlay");
        let upper = inspect(&env, "{{.GraphDriver.Data.UpperDir}}", "g");
        assert_eq!(
            std::fs::read_to_string(std::path::Path::new(&upper).join("marker")).unwrap(),
            "written\n"
        );
        let lower = inspect(&env, "{{.GraphDriver.Data.LowerDir}}", "g");
        assert!(
            lower.split(':').all(|d| std::path::Path::new(d).is_dir()),
            "{lower}"
        );
        for key in ["MergedDir", "WorkDir"] {
            let d = inspect(&env, &format!("{{{{.GraphDriver.Data.{key}}}}}"), "g");
            assert!(std::path::Path::new(&d).is_dir(), "{key}: {d}");
        }
    }
    env.skiff_ok(&["rm", "-f", "g"]);
}

/// docker's exit status per command (`docs/exit-codes.md`): 1 for a failed command that is not
/// `run`, 125 for flag errors and `run`'s engine failures, 126/127 when a command cannot be
/// invoked or found, the command's own status from `run`, `start -a` and `exec`, and each
/// failure one `Error:` line. The codes marked "20.10" were compared with the rootless docker
/// 20.10 on the test machine (shared/tools/docker-reference.sh); those marked "28.2" with the
/// docker 28.2.2 CLI, which decides them before it asks a daemon.
#[test]
fn exit_statuses_are_dockers_per_command() {
    let env = env_with_busybox();
    let fails = |args: &[&str], want: i32, err: &str| {
        let o = env.skiff(args);
        assert_eq!(code(&o), want, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(err), "{args:?}: {}", stderr(&o));
    };
    env.skiff_ok(&[
        "create",
        "--name",
        "three",
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "exit 3",
    ]);
    // Missing objects (20.10: 1 for each).
    let missing = "No such container: nope";
    fails(&["logs", "nope"], 1, missing);
    fails(&["port", "nope"], 1, missing);
    fails(&["rename", "nope", "other"], 1, missing);
    fails(&["top", "nope"], 1, missing);
    fails(&["diff", "nope"], 1, missing);
    fails(&["export", "nope"], 1, missing);
    fails(&["commit", "nope"], 1, missing);
    fails(&["cp", "nope:/etc/hostname", "-"], 1, missing);
    fails(&["exec", "nope", "true"], 1, missing);
    fails(&["start", "nope"], 1, missing);
    fails(&["wait", "nope"], 1, missing);
    fails(&["history", "nope"], 1, "No such image: nope");
    fails(&["save", "nope"], 1, "No such image: nope");
    fails(&["tag", "nope", "other:1"], 1, "No such image: nope");
    fails(&["pull", "localhost:5000/nope"], 1, "localhost:5000/nope");
    fails(&["network", "create", "--driver", "none", "n"], 1, "none");
    assert!(env.skiff(&["network", "inspect", "n"]).status.code() == Some(1));
    // inspect still prints what it found ([] here); rm removes the others, then exits 1.
    let o = env.skiff(&["inspect", "nope"]);
    assert_eq!((code(&o), stdout(&o).trim()), (1, "[]"), "{}", stderr(&o));
    env.skiff_ok(&["create", "--name", "gone", "--network", "none", BUSYBOX]);
    let o = env.skiff(&["rm", "nope", "gone"]);
    assert_eq!(
        (code(&o), stdout(&o)),
        (1, "gone\n".to_string()),
        "{}",
        stderr(&o)
    );
    assert_eq!(stderr(&o), format!("Error: {missing}\n"));
    // create: a daemon's refusal is 1 (20.10), a bad flag value 125 (28.2).
    fails(
        &["create", "--name", "three", BUSYBOX],
        1,
        "is already in use",
    );
    fails(&["create", "-p", "bogus", BUSYBOX], 125, "bogus");
    // docker/cli's createContainer refuses a bad image reference with a plain error.
    fails(&["create", "Bad:Ref"], 1, "invalid reference format");
    assert_eq!(env.skiff_ok(&["ps", "-aq"]).lines().count(), 1);
    // Command-line errors (28.2): a flag 125, an argument count or unknown command 1, a
    // command group alone its help and 0.
    fails(&["ps", "--bogus"], 125, "--bogus");
    fails(&["ps", "-n", "x"], 125, "x");
    fails(&["rm"], 1, "<CONTAINERS>");
    fails(&["rename", "a"], 1, "<NEW_NAME>");
    fails(&["frobnicate"], 1, "frobnicate");
    let o = env.skiff(&["network"]);
    assert_eq!(code(&o), 0);
    assert!(
        stderr(&o).contains("Usage: skiff network"),
        "{}",
        stderr(&o)
    );
    // No daemon to reach (28.2): run 125, the others 1.
    fails(&["-H", "tcp://10.0.0.1:2375", "ps"], 1, "remote engines");
    fails(
        &["-H", "tcp://10.0.0.1:2375", "run", BUSYBOX],
        125,
        "remote engines",
    );
    // run (20.10): 125 for the engine, 127 not found, 126 not executable, else the command's.
    fails(
        &["run", "--rm", "localhost:5000/nope"],
        125,
        "localhost:5000/nope",
    );
    fails(
        &["run", "--rm", "--network", "none", BUSYBOX, "/nope"],
        127,
        "/nope",
    );
    fails(
        &["run", "--rm", "--network", "none", BUSYBOX, "/etc"],
        126,
        "/etc",
    );
    fails(
        &[
            "run",
            "--rm",
            "--network",
            "none",
            BUSYBOX,
            "sh",
            "-c",
            "exit 7",
        ],
        7,
        "",
    );
    // start -a and exec give the command's status; wait prints it and succeeds.
    fails(&["start", "-a", "three"], 3, "");
    assert_eq!(env.skiff_ok(&["wait", "three"]), "3\n");
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "up",
        "--network",
        "none",
        BUSYBOX,
        "sleep",
        "60",
    ]);
    fails(&["exec", "up", "sh", "-c", "exit 4"], 4, "");
    fails(&["exec", "up", "/nope"], 127, "/nope");
    env.skiff_ok(&["rm", "-f", "-t", "0", "up"]);
    // A --format template that does not parse (28.2): 64 for the inspectors, info, events and
    // version, which parse it before anything else (inspect looks nothing up); 1 elsewhere.
    for args in [
        &["inspect", "-f", "{{.Id", "nope"][..],
        &["container", "inspect", "-f", "{{.Id", "three"],
        &["image", "inspect", "-f", "{{.Id", BUSYBOX],
        &["volume", "inspect", "-f", "{{.Id", "nope"],
        &["network", "inspect", "-f", "{{.Id", "nope"],
        &["version", "-f", "{{.Id"],
        &["events", "--format", "{{.Id"],
        &["info", "-f", "{{.Id"],
    ] {
        let o = env.skiff(args);
        assert_eq!(code(&o), 64, "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{args:?}: {}", stdout(&o));
        assert!(
            stderr(&o).starts_with("Error: template: ") && stderr(&o).lines().count() == 1,
            "{args:?}: {}",
            stderr(&o)
        );
    }
    fails(&["ps", "--format", "{{.Id"], 1, "Error: template: ");
    // compose exits as docker compose: 1, an unknown flag too; alone, its help and 0.
    fails(
        &["compose", "-f", "/nonexistent.yaml", "config"],
        1,
        "/nonexistent.yaml",
    );
    fails(&["compose", "up", "--bogus"], 1, "--bogus");
    assert_eq!(code(&env.skiff(&["compose"])), 0);
    // skiff's podman additions keep podman's 125.
    fails(&["healthcheck", "run", "nope"], 125, missing);
}
