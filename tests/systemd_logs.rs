//! Logs for units: `--log-driver journald` (a datagram socket here stands in for the journal's,
//! through `SKIFF_JOURNAL_SOCKET`; and a real systemd-journald in a private namespace for
//! reading back), `--log-driver passthrough` (the caller's stdio is the container's, also under
//! `-d`), their option checks, and `logs` on such containers.
mod common;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// A datagram socket standing in for journald's native socket.
struct Journal {
    sock: UnixDatagram,
    path: PathBuf,
}

impl Journal {
    fn new(env: &TestEnv) -> Journal {
        let path = env.dir().join("journal.sock");
        let sock = UnixDatagram::bind(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).unwrap();
        Journal { sock, path }
    }

    fn var(&self) -> String {
        format!("SKIFF_JOURNAL_SOCKET={}", self.path.display())
    }

    /// The next `n` entries (panics after 20 s without them).
    fn entries(&self, n: usize) -> Vec<HashMap<String, Vec<u8>>> {
        let mut out = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut buf = vec![0u8; 256 * 1024];
        while out.len() < n {
            assert!(
                Instant::now() < deadline,
                "only {} entries: {out:?}",
                out.len()
            );
            self.sock
                .set_read_timeout(Some(Duration::from_secs(1)))
                .unwrap();
            if let Ok(len) = self.sock.recv(&mut buf) {
                out.push(parse(&buf[..len]));
            }
        }
        out
    }
}

/// The native journal protocol, read independently of skiff's writer: `KEY=value\n`, or
/// `KEY\n` + 64-bit little-endian length + value + `\n`.
fn parse(mut d: &[u8]) -> HashMap<String, Vec<u8>> {
    let mut m = HashMap::new();
    while !d.is_empty() {
        let end = d.iter().position(|&b| b == b'=' || b == b'\n').unwrap();
        let key = String::from_utf8(d[..end].to_vec()).unwrap();
        assert!(
            !key.is_empty()
                && key
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
            "bad field name {key:?}"
        );
        if d[end] == b'=' {
            let rest = &d[end + 1..];
            let nl = rest.iter().position(|&b| b == b'\n').unwrap();
            m.insert(key, rest[..nl].to_vec());
            d = &rest[nl + 1..];
        } else {
            let rest = &d[end + 1..];
            let len = u64::from_le_bytes(rest[..8].try_into().unwrap()) as usize;
            m.insert(key, rest[8..8 + len].to_vec());
            assert_eq!(rest[8 + len], b'\n');
            d = &rest[8 + len + 1..];
        }
    }
    m
}

fn field(e: &HashMap<String, Vec<u8>>, k: &str) -> String {
    String::from_utf8_lossy(e.get(k).unwrap_or_else(|| panic!("no {k} in {e:?}"))).into_owned()
}

/// skiff ARGS with extra environment variables.
fn skiff_with(env: &TestEnv, vars: &[String], args: &[&str]) -> std::process::Output {
    let bin = skiff_bin().to_string_lossy().into_owned();
    let mut all: Vec<&str> = vars.iter().map(String::as_str).collect();
    all.push(&bin);
    all.extend_from_slice(args);
    run_with_timeout(env.user_command("env", &all), None, env.timeout()).unwrap()
}

#[test]
fn journald_entries_carry_docker_fields_and_long_lines_come_in_pieces() {
    let env = env_with_busybox();
    let j = Journal::new(&env);
    let o = skiff_with(
        &env,
        &[j.var()],
        &[
            "run",
            "--name",
            "jl",
            "--network",
            "none",
            "--log-driver",
            "journald",
            "--log-opt",
            "tag={{.Name}}/{{.ID}}",
            BUSYBOX,
            "sh",
            "-c",
            "echo out; echo err >&2; head -c 40000 /dev/zero | tr '\\0' a; echo",
        ],
    );
    assert_success(&o, "run --log-driver journald");
    // Nothing is shown in the foreground but what the container wrote, and nothing is kept.
    assert!(stdout(&o).starts_with("out\n"), "{}", stdout(&o));
    let id = env
        .skiff_ok(&["inspect", "-f", "{{.Id}}", "jl"])
        .trim()
        .to_string();
    let short = &id[..12];
    let mut got = j.entries(5);
    // stdout and stderr are pumped separately: order them per stream.
    let err_at = got
        .iter()
        .position(|e| field(e, "PRIORITY") == "3")
        .unwrap();
    let err = got.remove(err_at);
    assert_eq!(field(&err, "MESSAGE"), "err");
    let out: Vec<_> = got;
    assert_eq!(field(&out[0], "MESSAGE"), "out");
    for e in out.iter().chain([&err]) {
        assert_eq!(field(e, "CONTAINER_NAME"), "jl");
        assert_eq!(field(e, "CONTAINER_ID"), short);
        assert_eq!(field(e, "CONTAINER_ID_FULL"), id);
        assert_eq!(field(e, "CONTAINER_TAG"), format!("jl/{short}"));
        assert_eq!(field(e, "SYSLOG_IDENTIFIER"), format!("jl/{short}"));
        assert_eq!(field(e, "IMAGE_NAME"), BUSYBOX);
    }
    for e in &out {
        assert_eq!(field(e, "PRIORITY"), "6");
    }
    // 40000 bytes: two 16 KiB pieces marked partial, then the rest of the line.
    let sizes: Vec<usize> = out[1..].iter().map(|e| field(e, "MESSAGE").len()).collect();
    assert_eq!(sizes, vec![16384, 16384, 40000 - 2 * 16384]);
    assert!(out[1..]
        .iter()
        .all(|e| field(e, "MESSAGE").bytes().all(|b| b == b'a')));
    assert_eq!(field(&out[1], "CONTAINER_PARTIAL_MESSAGE"), "true");
    assert_eq!(field(&out[2], "CONTAINER_PARTIAL_MESSAGE"), "true");
    assert!(!out[3].contains_key("CONTAINER_PARTIAL_MESSAGE"));
    assert!(!out[0].contains_key("CONTAINER_PARTIAL_MESSAGE"));

    // inspect shows the driver, its options and no log file.
    assert_eq!(
        env.skiff_ok(&[
            "inspect",
            "-f",
            "{{.HostConfig.LogConfig.Type}} {{json .HostConfig.LogConfig.Config}} [{{.LogPath}}]",
            "jl"
        ])
        .trim(),
        r#"journald {"tag":"{{.Name}}/{{.ID}}"} []"#
    );
    assert!(!env
        .data_dir()
        .join("containers")
        .join(&id)
        .join("ctr.log")
        .exists());
}

#[test]
fn journald_without_a_journal_and_bad_log_options_are_clear_errors() {
    let env = env_with_busybox();
    let missing = env.dir().join("no-such-journal.sock");
    let o = skiff_with(
        &env,
        &[format!("SKIFF_JOURNAL_SOCKET={}", missing.display())],
        &[
            "run",
            "-d",
            "--name",
            "nj",
            "--network",
            "none",
            "--log-driver",
            "journald",
            BUSYBOX,
            "true",
        ],
    );
    assert_eq!(code(&o), 125, "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "Error: failed to initialize logging driver: journald is not enabled on this host"
        ) && err.contains(&missing.display().to_string()),
        "{err}"
    );
    // The container was created, it did not start (skiff records it as any failed start).
    let st = env.skiff_ok(&["inspect", "-f", "{{.State.Status}} {{.State.Error}}", "nj"]);
    assert!(
        st.starts_with("exited failed to initialize logging driver: journald"),
        "{st}"
    );
    env.skiff_ok(&["rm", "nj"]);

    for (args, want) in [
        (
            &["--log-driver", "journald", "--log-opt", "max-size=1k"][..],
            "unknown log opt 'max-size' for journald log driver",
        ),
        (
            &["--log-driver", "journald", "--log-opt", "tag={{.Nope}}"][..],
            "invalid log opt tag",
        ),
        (
            &["--log-driver", "passthrough", "--log-opt", "tag=x"][..],
            "the passthrough log driver takes no options",
        ),
        (
            &["--log-driver", "passthrough", "-t"][..],
            "the passthrough log driver cannot be used with a terminal",
        ),
        (
            &["--log-driver", "syslog"][..],
            "unsupported log driver: syslog",
        ),
    ] {
        let mut all = vec!["create", "--network", "none"];
        all.extend_from_slice(args);
        all.extend_from_slice(&[BUSYBOX, "true"]);
        let o = env.skiff(&all);
        assert_eq!(code(&o), 125, "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("Error: ") && err.contains(want),
            "{args:?}: {err}"
        );
    }
    assert_eq!(env.skiff_ok(&["ps", "-aq"]), "", "nothing half-created");
}

#[test]
fn passthrough_hands_the_callers_stdio_to_the_container_even_detached() {
    let env = env_with_busybox();
    // Foreground: straight through.
    let o = env.skiff(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--log-driver",
        "passthrough",
        BUSYBOX,
        "sh",
        "-c",
        "echo hi; echo oops >&2; exit 3",
    ]);
    assert_eq!(code(&o), 3);
    assert_eq!((stdout(&o), stderr(&o)), ("hi\n".into(), "oops\n".into()));

    // Detached: the CLI's stdout and stderr (files here, a unit's journal stream under
    // systemd) go to the monitor and on to the container, which writes after the CLI is gone.
    let out_path = env.dir().join("unit.out");
    let err_path = env.dir().join("unit.err");
    let mut cmd = env.command(&[
        "run",
        "-d",
        "--name",
        "pt",
        "--network",
        "none",
        "--log-driver",
        "passthrough",
        BUSYBOX,
        "sh",
        "-c",
        "sleep 1; echo late; echo late-err >&2",
    ]);
    cmd.stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    let status = cmd.status().unwrap();
    assert!(status.success());
    let right_after = std::fs::read_to_string(&out_path).unwrap();
    assert_eq!(
        right_after.lines().count(),
        1,
        "only the ID yet: {right_after:?}"
    );
    let id = right_after.trim().to_string();
    assert_eq!(id.len(), 64);
    assert_eq!(env.skiff_ok(&["wait", "pt"]).trim(), "0");
    assert_eq!(
        std::fs::read_to_string(&out_path).unwrap(),
        format!("{id}\nlate\n")
    );
    assert_eq!(std::fs::read_to_string(&err_path).unwrap(), "late-err\n");

    // A terminal is never handed over (the container could type into it): under script(1)
    // stdout is a terminal.
    let line = format!(
        "{} run --network none --log-driver passthrough {BUSYBOX} echo leaked",
        skiff_bin().display()
    );
    let o = run_with_timeout(
        env.user_command("script", &["-qec", &line, "/dev/null"]),
        None,
        env.timeout(),
    )
    .unwrap();
    assert_eq!(code(&o), 125, "{}", stdout(&o));
    assert!(
        stdout(&o).starts_with("Error: the passthrough log driver cannot give the container a terminal (stdout is one)")
            && !stdout(&o).contains("leaked"),
        "{}",
        stdout(&o)
    );

    assert_eq!(
        env.skiff_ok(&["ps", "-aq"]).lines().count(),
        1,
        "only pt exists"
    );

    // Nothing to read back: docker's message.
    let o = env.skiff(&["logs", "pt"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "Error: configured logging driver does not support reading\n"
    );
    assert_eq!(
        env.skiff_ok(&["inspect", "-f", "{{.HostConfig.LogConfig.Type}}", "pt"])
            .trim(),
        "passthrough"
    );
}

/// A script run as root in a private pid and mount namespace where a real systemd-journald
/// serves /run/systemd/journal/socket and keeps its files on tmpfs (/var/log/journal, so that
/// the test user's entries go to its own user-UID.journal, readable by it). `$SKIFF` in the
/// script is skiff as the test user, with this environment.
fn with_journald(env: &TestEnv, script: &str) -> std::process::Output {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test starts systemd-journald in a private namespace: run the tests as root (tests/run.sh does)"
    );
    // skiff as the test user; and the same without journalctl on its PATH.
    let skiff = |path: Option<&str>| {
        let mut c = vec!["runuser".to_string(), "-u".into(), "skifftest".into()];
        c.extend(["--".into(), "env".into(), "-i".into()]);
        for (k, v) in env.vars() {
            let v = match (k.as_str(), path) {
                ("PATH", Some(p)) => p.to_string(),
                _ => v.to_string_lossy().into_owned(),
            };
            c.push(format!("{k}={v}"));
        }
        c.push(skiff_bin().to_string_lossy().into_owned());
        c.join(" ")
    };
    let full = format!(
        r#"set -e
mount -t tmpfs tmpfs /run/systemd
mkdir -p /run/systemd/journal
mount -t tmpfs tmpfs /run/log
mount -t tmpfs -o mode=2755 tmpfs /var/log/journal
chgrp systemd-journal /var/log/journal
/lib/systemd/systemd-journald &
i=0; while [ ! -S /run/systemd/journal/socket ]; do i=$((i+1)); [ $i -lt 100 ] || exit 90; sleep 0.1; done
journalctl --flush
{script}"#
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
    .arg(full)
    .arg("sh")
    .env("SKIFF", skiff(None))
    .env("SKIFF_NO_JOURNALCTL", skiff(Some("/nonexistent")))
    .current_dir(env.dir())
    .stdin(Stdio::null());
    run_with_timeout(c, None, env.timeout()).unwrap()
}

#[test]
fn journald_entries_are_read_back_from_a_real_journal() {
    let env = env_with_busybox();
    let o = with_journald(
        &env,
        &format!(
            r#"$SKIFF run --name jr --network none --log-driver journald {BUSYBOX} sh -c 'echo one; echo two >&2; printf three' > run.out
i=0; until [ "$($SKIFF logs jr 2>/dev/null | wc -l)" -ge 2 ]; do i=$((i+1)); [ $i -lt 50 ] || break; sleep 0.1; done
$SKIFF logs jr > logs.out 2> logs.err
$SKIFF logs --tail 1 jr > tail.out 2> tail.err
journalctl --no-pager -o json CONTAINER_NAME=jr > journal.json
$SKIFF run -d --name jf --network none --log-driver journald {BUSYBOX} sh -c 'sleep 1; echo later' > /dev/null
$SKIFF logs -f jf > follow.out
$SKIFF inspect -f '{{{{.State.Status}}}}' jf > follow.status
$SKIFF_NO_JOURNALCTL logs jr > nojctl.out 2> nojctl.err || echo $? > nojctl.code
"#
        ),
    );
    assert_success(&o, "the journald script");
    let read = |f: &str| std::fs::read_to_string(env.dir().join(f)).unwrap_or_default();
    assert_eq!(read("run.out"), "one\nthree");
    // What the journal kept, the streams apart (a last line without its newline comes back as
    // a line, as docker's journald reader gives it).
    assert_eq!(read("logs.out"), "one\nthree\n");
    assert_eq!(read("logs.err"), "two\n");
    assert_eq!(read("tail.out"), "three\n");
    let journal = read("journal.json");
    assert_eq!(journal.lines().count(), 3, "{journal}");
    assert!(journal.contains(r#""MESSAGE":"two""#) && journal.contains(r#""PRIORITY":"3""#));
    assert_eq!(read("follow.out"), "later\n");
    assert_eq!(read("follow.status").trim(), "exited");
    assert_eq!(read("nojctl.code").trim(), "1", "{}", read("nojctl.err"));
    assert!(
        read("nojctl.err").starts_with("Error: configured logging driver does not support reading: the journald driver's entries are read back with journalctl, which is not installed"),
        "{}",
        read("nojctl.err")
    );
}
