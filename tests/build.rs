//! `build`: Dockerfiles built as the unprivileged test user, then run; the layer cache;
//! multi-stage builds; `.dockerignore`; here-documents; mounts; and the errors a user meets.
mod common;

use std::path::{Path, PathBuf};

use common::*;

/// Write `files` (path, content) into a new context directory `name` of the test, owned by the
/// test user.
fn context(env: &TestEnv, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = env.dir().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (p, content) in files {
        let p = dir.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
    }
    chown_tree(&dir);
    dir
}

fn chown_tree(p: &Path) {
    let _ = std::os::unix::fs::lchown(p, Some(test_uid()), Some(test_gid()));
    if p.is_dir() && !p.is_symlink() {
        for e in std::fs::read_dir(p).unwrap() {
            chown_tree(&e.unwrap().path());
        }
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Build; assert success; (image id, stderr).
fn build_ok(env: &TestEnv, args: &[&str]) -> (String, String) {
    let mut a = vec!["build"];
    a.extend_from_slice(args);
    let o = env.skiff(&a);
    assert_success(&o, &format!("skiff {}", a.join(" ")));
    let id = stdout(&o).trim().to_string();
    assert!(id.starts_with("sha256:"), "image id on stdout: {id:?}");
    (id, stderr(&o))
}

fn inspect(env: &TestEnv, name: &str, format: &str) -> String {
    env.skiff_ok(&["image", "inspect", "--format", format, name])
        .trim()
        .to_string()
}

#[test]
fn every_metadata_and_file_instruction_lands_in_the_image() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[
            (
                "Dockerfile",
                r#"# syntax=docker/dockerfile:1
ARG BASE=localhost:5000/busybox
FROM ${BASE} AS base
ARG GREETING=hello
ARG TARGETARCH
ENV APP_HOME=/srv/app \
    MODE="two words"
ENV LEGACY value with spaces
LABEL org.example.name="demo app" version=1
EXPOSE 8080 53/udp
VOLUME /data
WORKDIR ${APP_HOME}
COPY --chown=1000:1000 --chmod=640 conf.txt ./conf/
COPY src/ ./src/
COPY *.md /docs/
ADD notes.txt /notes/
COPY "with space.txt" /quoted/
COPY ["with space.txt", "/spaced/"]
RUN echo "$GREETING from $MODE arch=$TARGETARCH" > greeting && pwd > where
USER 1000:1000
RUN id -u > /tmp/uid
STOPSIGNAL SIGINT
HEALTHCHECK --interval=30s --retries=2 CMD ["true"]
SHELL ["/bin/sh", "-ec"]
MAINTAINER someone@example.com
ONBUILD RUN echo child
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat greeting"]
"#,
            ),
            ("conf.txt", "conf\n"),
            ("src/main.c", "int main;\n"),
            ("src/lib/util.c", "util\n"),
            ("a.md", "A\n"),
            ("b.md", "B\n"),
            ("notes.txt", "notes\n"),
            ("with space.txt", "spaced\n"),
        ],
    );
    let (id, err) = build_ok(&env, &["-t", "demo:1", "-t", "demo:latest", s(&ctx)]);
    assert!(err.contains("[base 2/10] WORKDIR /srv/app"), "{err}");
    assert!(err.contains("RUN echo \"$GREETING"), "{err}");
    // CMD and ENTRYPOINT combine; the RUN saw ARGs and ENV.
    let out = env.skiff_ok(&["run", "--rm", "demo:1"]);
    let arch = if cfg!(target_arch = "x86_64") {
        "amd64"
    } else {
        "arm64"
    };
    assert_eq!(out.trim(), format!("hello from two words arch={arch}"));
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--entrypoint",
        "",
        "demo:latest",
        "sh",
        "-c",
        "cat where /tmp/uid; stat -c '%u:%g %a %n' conf/conf.txt; find src /docs /notes /quoted /spaced -type f | sort; echo $LEGACY; id -u",
    ]);
    assert_eq!(
        out,
        "/srv/app\n1000\n1000:1000 640 conf/conf.txt\n/docs/a.md\n/docs/b.md\n/notes/notes.txt\n/quoted/with space.txt\n/spaced/with space.txt\nsrc/lib/util.c\nsrc/main.c\nvalue with spaces\n1000\n"
    );
    // ARGs never reach the image's environment.
    let envs = inspect(&env, &id, "{{json .Config.Env}}");
    assert!(envs.contains("APP_HOME=/srv/app"), "{envs}");
    assert!(envs.contains("MODE=two words"), "{envs}");
    assert!(!envs.contains("GREETING"), "{envs}");
    assert!(!envs.contains("TARGETARCH"), "{envs}");
    assert_eq!(
        inspect(&env, &id, "{{json .Config.Labels}}"),
        r#"{"org.example.name":"demo app","version":"1"}"#
    );
    let cfg = inspect(&env, &id, "{{json .Config}}");
    for want in [
        r#""ExposedPorts":{"53/udp":{},"8080/tcp":{}}"#,
        r#""Volumes":{"/data":{}}"#,
        r#""StopSignal":"SIGINT""#,
        r#""User":"1000:1000""#,
        r#""WorkingDir":"/srv/app""#,
        r#""Entrypoint":["/bin/sh","-c"]"#,
        r#""Cmd":["cat greeting"]"#,
        r#""Healthcheck":{"Interval":30000000000,"Retries":2,"Test":["CMD","true"]}"#,
        r#""OnBuild":["RUN echo child"]"#,
        r#""Shell":["/bin/sh","-ec"]"#,
    ] {
        assert!(cfg.contains(want), "{want} in {cfg}");
    }
    // history shows the Dockerfile, metadata steps as empty layers.
    let hist = env.skiff_ok(&[
        "history",
        "--no-trunc",
        "--format",
        "{{.CreatedBy}}|{{.Size}}",
        "demo:1",
    ]);
    assert!(
        hist.contains("COPY --chown=1000:1000 --chmod=640 conf.txt ./conf/"),
        "{hist}"
    );
    assert!(
        hist.contains("ENV APP_HOME=/srv/app MODE=two words|0B"),
        "{hist}"
    );
    assert!(hist.contains("RUN /bin/sh -c id -u > /tmp/uid"), "{hist}");
}

#[test]
fn cache_hits_after_touch_and_misses_after_a_one_byte_change() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[
            (
                "Dockerfile",
                "FROM localhost:5000/busybox\nRUN echo one > /one\nCOPY data.txt /data.txt\nRUN cat /data.txt > /copy\n",
            ),
            ("data.txt", "version 1\n"),
        ],
    );
    let (id1, err1) = build_ok(&env, &[s(&ctx)]);
    assert!(!err1.contains("CACHED"), "{err1}");
    // touch: same content, new mtime: every step is cached, same image.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_success(&env.sh(&format!("touch {}/data.txt", s(&ctx))), "touch");
    let (id2, err2) = build_ok(&env, &[s(&ctx)]);
    assert_eq!(err2.matches("CACHED").count(), 3, "{err2}");
    assert_eq!(id1, id2);
    // One byte changed: the RUN before the COPY stays cached; the COPY and after rebuild.
    std::fs::write(ctx.join("data.txt"), "version 2\n").unwrap();
    let (id3, err3) = build_ok(&env, &[s(&ctx)]);
    assert_eq!(err3.matches("CACHED").count(), 1, "{err3}");
    let cached_step = err3
        .lines()
        .position(|l| l.ends_with("CACHED"))
        .map(|i| err3.lines().nth(i - 1).unwrap_or(""))
        .unwrap_or("");
    assert!(cached_step.contains("RUN echo one"), "{err3}");
    assert_ne!(id1, id3);
    let out = env.skiff_ok(&["run", "--rm", &id3, "cat", "/copy"]);
    assert_eq!(out, "version 2\n");
    // --no-cache runs everything again.
    let (_, err4) = build_ok(&env, &["--no-cache", s(&ctx)]);
    assert!(!err4.contains("CACHED"), "{err4}");
    // builder prune empties the cache: the next build caches nothing.
    env.skiff_ok(&["builder", "prune", "-f"]);
    let (_, err5) = build_ok(&env, &[s(&ctx)]);
    assert!(!err5.contains("CACHED"), "{err5}");
}

#[test]
fn a_failing_run_shows_step_output_and_exit_code_and_tags_nothing() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[(
            "Dockerfile",
            "FROM localhost:5000/busybox\nRUN echo about to fail && exit 3\nCMD [\"true\"]\n",
        )],
    );
    let o = env.skiff(&["build", "-t", "broken", s(&ctx)]);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(
        err.contains("[stage-0 2/2] RUN echo about to fail && exit 3"),
        "{err}"
    );
    assert!(err.contains("about to fail"), "{err}");
    let last = err.lines().last().unwrap_or("");
    assert!(
        last.starts_with("Error: ") && last.contains("exit code: 3"),
        "{err}"
    );
    assert!(stdout(&o).is_empty());
    let o = env.skiff(&["image", "inspect", "broken"]);
    assert_ne!(code(&o), 0, "nothing tagged");
    // No build container is left behind.
    assert_eq!(env.skiff_ok(&["ps", "-aq"]), "");
    // The terminal view: one line per step, the failed step's output under it.
    let o = env.skiff(&["build", "--progress", "tty", "-t", "broken", s(&ctx)]);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(
        err.contains(" => [stage-0 1/2] FROM localhost:5000/busybox"),
        "{err}"
    );
    assert!(
        err.contains(
            " => [stage-0 2/2] RUN echo about to fail && exit 3\n > about to fail\n => ERROR: process "
        ),
        "{err}"
    );
    assert!(err.contains("FAILED\n"), "{err}");
}

#[test]
fn bad_dockerfiles_and_sources_are_one_line_errors() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[
            (
                "Dockerfile",
                "FROM localhost:5000/busybox\n\nRUN true\nFOO bar\n",
            ),
            (
                "escape.Dockerfile",
                "FROM localhost:5000/busybox\nCOPY ../x /x\n",
            ),
            (
                "missing.Dockerfile",
                "FROM localhost:5000/busybox\nCOPY nothere /x\n",
            ),
            (
                "stage.Dockerfile",
                "FROM localhost:5000/busybox\nCOPY --from=nostage /a /b\n",
            ),
        ],
    );
    let cases = [
        (
            "Dockerfile",
            "Error: Dockerfile:4: unknown instruction: FOO",
        ),
        (
            "escape.Dockerfile",
            "forbidden path outside the build context: ../x",
        ),
        ("missing.Dockerfile", "\"/nothere\": not found"),
        ("stage.Dockerfile", "nostage"),
    ];
    for (file, want) in cases {
        let f = ctx.join(file);
        let o = env.skiff(&["build", "-t", "bad", "-f", s(&f), s(&ctx)]);
        assert_eq!(code(&o), 1, "{file}: {}", stderr(&o));
        let err = stderr(&o);
        let last = err.lines().last().unwrap_or("");
        assert!(
            last.starts_with("Error: ") && last.contains(want),
            "{file}: {err}"
        );
        assert_eq!(
            err.lines().filter(|l| l.starts_with("Error")).count(),
            1,
            "{err}"
        );
    }
    assert_ne!(code(&env.skiff(&["image", "inspect", "bad"])), 0);
    // An unknown --target, a missing context: one line, exit 1.
    let o = env.skiff(&[
        "build",
        "--target",
        "nope",
        "-f",
        s(&ctx.join("escape.Dockerfile")),
        s(&ctx),
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("target stage \"nope\" could not be found"),
        "{}",
        stderr(&o)
    );
    let o = env.skiff(&["build", s(&env.dir().join("no-such-dir"))]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with("Error: unable to prepare context"),
        "{}",
        stderr(&o)
    );
    // Another platform is refused, not built wrong.
    let o = env.skiff(&["build", "--platform", "linux/s390x", s(&ctx)]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("platform linux/s390x is not supported"));
}

#[test]
fn chown_in_run_gives_uid_1000_in_the_layer() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[(
            "Dockerfile",
            "FROM localhost:5000/busybox\nRUN mkdir /owned && echo x > /owned/f && chown -R 1000:1001 /owned\n\
             RUN ln /owned/f /owned/hard && rm /bin/ls\n",
        )],
    );
    build_ok(&env, &["-t", "owned", s(&ctx)]);
    let out = env.skiff_ok(&[
        "run", "--rm", "owned", "stat", "-c", "%u:%g", "/owned", "/owned/f",
    ]);
    assert_eq!(out, "1000:1001\n1000:1001\n");
    // A deletion is a whiteout in the next layer; a hard link stays one.
    let out = env.skiff_ok(&[
        "run", "--rm", "owned", "sh", "-c",
        "test -e /bin/ls && echo ls-present; [ $(stat -c %i /owned/f) = $(stat -c %i /owned/hard) ] && echo linked",
    ]);
    assert_eq!(out, "linked\n");
    // The layer tar itself says so (save the image, read the last layer).
    let tar = env.dir().join("owned.tar");
    env.skiff_ok(&["save", "-o", s(&tar), "owned"]);
    let data = std::fs::read(&tar).unwrap();
    let mut a = tar::Archive::new(&data[..]);
    let mut found = false;
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let p = e.path().unwrap().display().to_string();
        if p.ends_with(".tar") || p.contains("blobs/sha256/") {
            let mut inner = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut inner).unwrap();
            let mut la = tar::Archive::new(&inner[..]);
            let Ok(entries) = la.entries() else { continue };
            for le in entries.flatten() {
                if le
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
                    == "owned/f"
                {
                    assert_eq!(le.header().uid().unwrap(), 1000);
                    assert_eq!(le.header().gid().unwrap(), 1001);
                    found = true;
                }
            }
        }
    }
    assert!(found, "owned/f in a layer of the saved image");
}

#[test]
fn multi_stage_final_image_holds_only_the_artifact() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[(
            "Dockerfile",
            "FROM localhost:5000/busybox AS build\nRUN mkdir /out && echo artifact > /out/app && echo junk > /junk\n\
             FROM localhost:5000/busybox AS unused\nRUN echo should-not-run && exit 1\n\
             FROM scratch\nCOPY --from=build /out/app /app\nCMD [\"/app\"]\n",
        )],
    );
    let (id, err) = build_ok(&env, &["-t", "art", s(&ctx)]);
    assert!(!err.contains("should-not-run"), "unused stage built: {err}");
    let export = env.dir().join("export");
    env.skiff_ok(&[
        "build",
        "-o",
        &format!("type=local,dest={}", s(&export)),
        s(&ctx),
    ]);
    let mut names: Vec<String> = std::fs::read_dir(&export)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["app"]);
    assert_eq!(
        std::fs::read_to_string(export.join("app")).unwrap(),
        "artifact\n"
    );
    assert_eq!(inspect(&env, &id, "{{len .RootFS.Layers}}"), "1");
    // --target builds the named stage only.
    let o = env.skiff(&["build", "--target", "build", "-t", "stage1", s(&ctx)]);
    assert_success(&o, "build --target");
    let out = env.skiff_ok(&["run", "--rm", "stage1", "cat", "/out/app", "/junk"]);
    assert_eq!(out, "artifact\njunk\n");
}

#[test]
fn dockerignore_with_exceptions() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[
            (
                "Dockerfile",
                "FROM localhost:5000/busybox\nCOPY . /ctx/\nCOPY --exclude=*.txt --exclude=deep . /ex/\n",
            ),
            (
                ".dockerignore",
                "# comment\n*.log\n!keep.log\nsecret/\n**/tmp\n",
            ),
            ("a.txt", "a"),
            ("debug.log", "x"),
            ("keep.log", "k"),
            ("secret/key", "s"),
            ("deep/er/tmp/x", "t"),
            ("deep/er/ok", "ok"),
        ],
    );
    build_ok(&env, &["-t", "ign", s(&ctx)]);
    let out = env.skiff_ok(&["run", "--rm", "ign", "find", "/ctx", "-type", "f"]);
    let mut files: Vec<&str> = out.lines().collect();
    files.sort();
    assert_eq!(
        files,
        vec![
            "/ctx/.dockerignore",
            "/ctx/Dockerfile",
            "/ctx/a.txt",
            "/ctx/deep/er/ok",
            "/ctx/keep.log"
        ]
    );
    // COPY --exclude on top of .dockerignore.
    let out = env.skiff_ok(&["run", "--rm", "ign", "find", "/ex", "-type", "f"]);
    let mut files: Vec<&str> = out.lines().collect();
    files.sort();
    assert_eq!(
        files,
        vec!["/ex/.dockerignore", "/ex/Dockerfile", "/ex/keep.log"]
    );
}

#[test]
fn heredocs_in_run_and_copy() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[(
            "Dockerfile",
            "FROM localhost:5000/busybox\nARG WHO=world\nRUN <<EOT\nset -e\necho script > /script\necho line2 >> /script\nEOT\n\
             RUN cat <<EOF > /inline && cat <<'RAW' > /raw\nhello $WHO\nEOF\nkeep $WHO\nRAW\n\
             COPY <<EOF /copied.txt\nhi ${WHO} \"quoted\" 'single'\nEOF\n\
             RUN <<EOT\n#!/bin/sh -e\necho \"shebang $0\" > /shebang\nEOT\n",
        )],
    );
    build_ok(&env, &["-t", "here", s(&ctx)]);
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "here",
        "sh",
        "-c",
        "cat /script /inline /raw /copied.txt /shebang; ls -a / | grep skiff | wc -l",
    ]);
    // The #! script ran as a file (its $0), and left nothing behind.
    assert_eq!(
        out,
        "script\nline2\nhello world\nkeep $WHO\nhi world \"quoted\" 'single'\nshebang /.skiff-heredoc-script\n0\n"
    );
}

#[test]
fn run_mount_cache_keeps_a_directory_between_builds() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[
            (
                "Dockerfile",
                "FROM localhost:5000/busybox\nCOPY trigger /trigger\nRUN --mount=type=cache,target=/cache,sharing=locked echo run >> /cache/log && wc -l < /cache/log > /count\n",
            ),
            ("trigger", "1"),
        ],
    );
    build_ok(&env, &["-t", "c1", s(&ctx)]);
    std::fs::write(ctx.join("trigger"), "2").unwrap();
    build_ok(&env, &["-t", "c2", s(&ctx)]);
    assert_eq!(
        env.skiff_ok(&["run", "--rm", "c1", "cat", "/count"]).trim(),
        "1"
    );
    assert_eq!(
        env.skiff_ok(&["run", "--rm", "c2", "cat", "/count"]).trim(),
        "2"
    );
    // The cache directory is not part of the image, not even as an empty mount point.
    assert_eq!(
        env.skiff_ok(&[
            "run",
            "--rm",
            "c2",
            "sh",
            "-c",
            "test -e /cache && echo present || echo absent"
        ]),
        "absent\n"
    );
}

fn tar_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        // set_path refuses "..": write the name bytes directly.
        let raw = h.as_old_mut();
        raw.name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap()
}

#[test]
fn add_extracts_archives_and_refuses_hostile_ones() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[
            (
                "Dockerfile",
                "FROM localhost:5000/busybox\nADD good.tar.gz /opt/\n",
            ),
            (
                "evil.Dockerfile",
                "FROM localhost:5000/busybox\nADD evil.tar /opt/\n",
            ),
        ],
    );
    let good = tar_with(&[("pkg/bin/tool", b"tool\n"), ("pkg/README", b"readme\n")]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &good).unwrap();
    std::fs::write(ctx.join("good.tar.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(ctx.join("evil.tar"), tar_with(&[("../../etc/evil", b"x")])).unwrap();
    chown_tree(&ctx);
    build_ok(&env, &["-t", "added", s(&ctx)]);
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "added",
        "cat",
        "/opt/pkg/bin/tool",
        "/opt/pkg/README",
    ]);
    assert_eq!(out, "tool\nreadme\n");
    let o = env.skiff(&[
        "build",
        "-t",
        "evil",
        "-f",
        s(&ctx.join("evil.Dockerfile")),
        s(&ctx),
    ]);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(
        err.lines().last().unwrap_or("").contains("hostile archive"),
        "{err}"
    );
    assert_ne!(code(&env.skiff(&["image", "inspect", "evil"])), 0);
}

#[test]
fn dockerfile_from_stdin_and_context_from_stdin() {
    let env = env_with_busybox();
    let ctx = context(&env, "ctx", &[("file.txt", "from context\n")]);
    let o = env.skiff_stdin(
        &["build", "-t", "stdin1", "-f", "-", s(&ctx)],
        b"FROM localhost:5000/busybox\nCOPY file.txt /f\n",
    );
    assert_success(&o, "build -f -");
    assert_eq!(
        env.skiff_ok(&["run", "--rm", "stdin1", "cat", "/f"]),
        "from context\n"
    );
    // The whole context as a tar on stdin.
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in [
        (
            "Dockerfile",
            &b"FROM localhost:5000/busybox\nCOPY x /x\n"[..],
        ),
        ("x", &b"tarred\n"[..]),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, data).unwrap();
    }
    let o = env.skiff_stdin(
        &["build", "-q", "-t", "stdin2", "-"],
        &b.into_inner().unwrap(),
    );
    assert_success(&o, "build -");
    assert!(
        stderr(&o).is_empty(),
        "-q prints no progress: {}",
        stderr(&o)
    );
    assert_eq!(stdout(&o).lines().count(), 1);
    assert_eq!(
        env.skiff_ok(&["run", "--rm", "stdin2", "cat", "/x"]),
        "tarred\n"
    );
}

#[test]
fn two_builds_of_the_same_dockerfile_at_once() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[
            (
                "Dockerfile",
                "FROM localhost:5000/busybox\nCOPY f /f\nRUN sleep 1 && cat /f > /g\n",
            ),
            ("f", "same\n"),
        ],
    );
    let spawn = |tag: &str| {
        env.command(&["build", "-t", tag, s(&ctx)])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn("twin-a");
    let b = spawn("twin-b");
    let oa = a.wait_with_output().unwrap();
    let ob = b.wait_with_output().unwrap();
    assert_success(&oa, "build a");
    assert_success(&ob, "build b");
    assert_eq!(stdout(&oa), stdout(&ob), "the same image");
    assert_eq!(
        env.skiff_ok(&["run", "--rm", "twin-b", "cat", "/g"]),
        "same\n"
    );
}

#[test]
fn copy_from_an_image_not_present_pulls_it_and_honours_its_whiteouts() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[(
            "Dockerfile",
            "FROM localhost:5000/busybox\nCOPY --from=localhost:5000/layered /data /copied\n",
        )],
    );
    build_ok(&env, &["-t", "fromimg", s(&ctx)]);
    let out = env.skiff_ok(&["run", "--rm", "fromimg", "find", "/copied", "-type", "f"]);
    let mut files: Vec<&str> = out.lines().collect();
    files.sort();
    assert_eq!(
        files,
        vec!["/copied/keep", "/copied/new", "/copied/opaque/c"]
    );
    // The image was pulled for it.
    env.skiff_ok(&["image", "inspect", "localhost:5000/layered"]);
}

#[test]
fn entrypoint_resets_an_inherited_cmd_and_onbuild_runs_in_the_child() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[
            (
                "base.Dockerfile",
                "FROM localhost:5000/busybox\nCMD [\"echo\", \"base-cmd\"]\nONBUILD RUN echo triggered > /onbuild\n",
            ),
            (
                "child.Dockerfile",
                "FROM onbase\nENTRYPOINT [\"echo\", \"ep\"]\n",
            ),
            (
                "child2.Dockerfile",
                "FROM onbase\nCMD [\"x\"]\nENTRYPOINT echo shell-form\n",
            ),
        ],
    );
    build_ok(
        &env,
        &[
            "-t",
            "onbase",
            "-f",
            s(&ctx.join("base.Dockerfile")),
            s(&ctx),
        ],
    );
    assert_eq!(env.skiff_ok(&["run", "--rm", "onbase"]), "base-cmd\n");
    let (id, _) = build_ok(
        &env,
        &[
            "-t",
            "child",
            "-f",
            s(&ctx.join("child.Dockerfile")),
            s(&ctx),
        ],
    );
    // The inherited CMD is gone: only the entrypoint's words.
    assert_eq!(env.skiff_ok(&["run", "--rm", "child"]), "ep\n");
    assert_eq!(inspect(&env, &id, "{{json .Config.Cmd}}"), "null");
    // The base's ONBUILD trigger ran in the child's build, and is not inherited further.
    assert_eq!(
        env.skiff_ok(&["run", "--rm", "--entrypoint", "cat", "child", "/onbuild"]),
        "triggered\n"
    );
    assert_eq!(inspect(&env, &id, "{{json .Config.OnBuild}}"), "null");
    let (id2, _) = build_ok(&env, &["-f", s(&ctx.join("child2.Dockerfile")), s(&ctx)]);
    assert_eq!(
        inspect(&env, &id2, "{{json .Config.Entrypoint}}"),
        r#"["/bin/sh","-c","echo shell-form"]"#
    );
    assert_eq!(inspect(&env, &id2, "{{json .Config.Cmd}}"), r#"["x"]"#);
}

#[test]
fn build_flags_args_labels_iidfile_outputs_and_secrets() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[
            (
                "Dockerfile",
                "ARG VERSION=0\nFROM localhost:5000/busybox\nARG VERSION\nARG FLAVOR=plain\n\
                 RUN --mount=type=secret,id=token cp /run/secrets/token /token-copy && echo \"$VERSION-$FLAVOR\" > /version\n\
                 RUN --mount=type=bind,source=bound,target=/mnt --mount=type=tmpfs,target=/scratch cat /mnt/b > /bound && touch /scratch/x\n\
                 RUN --network=none sh -c 'ip link | grep -c \": \"' > /links\n",
            ),
            ("bound/b", "bound content\n"),
            ("token.txt", "s3cret\n"),
        ],
    );
    let iid = env.dir().join("iid");
    let tarout = env.dir().join("fs.tar");
    let (id, err) = build_ok(
        &env,
        &[
            "--build-arg",
            "VERSION=7",
            "--build-arg",
            "UNUSED=1",
            "--label",
            "built.by=test",
            "--iidfile",
            s(&iid),
            "--secret",
            &format!("id=token,src={}", s(&ctx.join("token.txt"))),
            "-o",
            &format!("type=tar,dest={}", s(&tarout)),
            "-t",
            "flags",
            s(&ctx),
        ],
    );
    assert_eq!(std::fs::read_to_string(&iid).unwrap(), id);
    assert!(
        err.contains("[Warning] One or more build-args [UNUSED] were not consumed"),
        "{err}"
    );
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "flags",
        "cat",
        "/version",
        "/bound",
        "/links",
        "/token-copy",
    ]);
    assert_eq!(out, "7-plain\nbound content\n1\ns3cret\n");
    assert_eq!(
        inspect(&env, "flags", "{{index .Config.Labels \"built.by\"}}"),
        "test"
    );
    // The secret is not in the image where it was mounted, nor the tmpfs' file.
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "flags",
        "sh",
        "-c",
        "cat /run/secrets/token 2>/dev/null; ls /scratch 2>/dev/null; echo end",
    ]);
    assert_eq!(out, "end\n");
    // -o type=tar: the image's file system.
    let data = std::fs::read(&tarout).unwrap();
    let mut a = tar::Archive::new(&data[..]);
    let names: Vec<String> = a
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    assert!(
        names.iter().any(|n| n.trim_end_matches('/') == "version"),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n.trim_end_matches('/') == "bin/busybox"),
        "{names:?}"
    );
    // image build and buildx build are the same command; images hides intermediate images.
    let o = env.skiff(&[
        "image",
        "build",
        "-q",
        "--build-arg",
        "VERSION=7",
        "--secret",
        &format!("id=token,src={}", s(&ctx.join("token.txt"))),
        "--label",
        "built.by=test",
        s(&ctx),
    ]);
    assert_success(&o, "image build");
    assert_eq!(stdout(&o).trim(), id, "fully cached: the same image");
    let o = env.skiff(&[
        "buildx",
        "build",
        "-q",
        "--build-arg",
        "VERSION=8",
        "--secret",
        &format!("id=token,src={}", s(&ctx.join("token.txt"))),
        s(&ctx),
    ]);
    assert_success(&o, "buildx build");
    assert_ne!(stdout(&o).trim(), id);
    let images = env.skiff_ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert_eq!(
        images.lines().filter(|l| *l == "<none>:<none>").count(),
        1,
        "only the last build's dangling image: {images}"
    );
    let all = env.skiff_ok(&["images", "-a", "--format", "{{.Repository}}"]);
    assert!(all.matches("<none>").count() > 3, "{all}");
}

/// A tar of `bz/file` ("bz2 content\n"), bzip2-compressed (made with Python's bz2 module).
const BZ2_TAR: &[u8] = &[
    66, 90, 104, 57, 49, 65, 89, 38, 83, 89, 32, 182, 45, 86, 0, 0, 111, 123, 128, 202, 144, 1, 0,
    64, 0, 247, 128, 0, 32, 123, 37, 158, 16, 4, 8, 32, 0, 84, 66, 38, 70, 134, 77, 12, 77, 49,
    164, 218, 130, 74, 35, 70, 33, 160, 0, 1, 246, 113, 132, 200, 64, 247, 33, 8, 148, 158, 50, 47,
    114, 4, 48, 59, 108, 58, 109, 222, 207, 66, 75, 39, 33, 47, 142, 123, 194, 47, 75, 24, 128,
    116, 13, 196, 175, 44, 94, 253, 114, 60, 26, 48, 97, 208, 136, 128, 126, 46, 228, 138, 112,
    161, 32, 65, 108, 90, 172,
];

#[test]
fn add_extracts_every_compression_and_fetches_urls() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[(
            "Dockerfile",
            "FROM localhost:5000/busybox\nADD a.tar /x/\nADD b.tar.zst /x/\nADD c.tar.xz /x/\nADD d.tar.bz2 /x/\n\
             ADD plain.txt.gz /x/\nADD http://127.0.0.1:5000/v2/ /x/registry.json\n",
        )],
    );
    std::fs::write(ctx.join("a.tar"), tar_with(&[("plain/file", b"plain\n")])).unwrap();
    let zst = zstd::encode_all(&tar_with(&[("zst/file", b"zstd\n")])[..], 3).unwrap();
    std::fs::write(ctx.join("b.tar.zst"), zst).unwrap();
    let mut xz = Vec::new();
    lzma_rs::xz_compress(&mut &tar_with(&[("xz/file", b"xz\n")])[..], &mut xz).unwrap();
    std::fs::write(ctx.join("c.tar.xz"), xz).unwrap();
    std::fs::write(ctx.join("d.tar.bz2"), BZ2_TAR).unwrap();
    // Compressed but not a tar: copied as it is.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, b"not a tar").unwrap();
    std::fs::write(ctx.join("plain.txt.gz"), gz.finish().unwrap()).unwrap();
    chown_tree(&ctx);
    build_ok(&env, &["-t", "comp", s(&ctx)]);
    let out = env.skiff_ok(&[
        "run", "--rm", "comp", "sh", "-c",
        "cat /x/plain/file /x/zst/file /x/xz/file /x/bz/file; ls /x; stat -c %a /x/registry.json; cat /x/registry.json",
    ]);
    assert_eq!(
        out,
        "plain\nzstd\nxz\nbz2 content\nbz\nplain\nplain.txt.gz\nregistry.json\nxz\nzst\n600\n{}"
    );
}

#[test]
fn a_killed_build_leaves_a_usable_cache_and_its_container_is_cleaned_up() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[
            (
                "Dockerfile",
                "FROM localhost:5000/busybox\nCOPY f /f\nRUN sleep 60\n",
            ),
            ("f", "x\n"),
            (
                "quick.Dockerfile",
                "FROM localhost:5000/busybox\nCOPY f /f\nRUN true\n",
            ),
        ],
    );
    let mut child = env
        .command(&["build", s(&ctx)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the RUN step's container; its label names the build's process.
    let mut pid = String::new();
    for _ in 0..200 {
        let ids = env.skiff_ok(&["ps", "-q"]);
        if let Some(id) = ids.lines().next() {
            pid = env
                .skiff_ok(&[
                    "inspect",
                    "--format",
                    "{{index .Config.Labels \"skiff.build.pid\"}}",
                    id,
                ])
                .trim()
                .to_string();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(!pid.is_empty(), "the RUN container never appeared");
    let pid: i32 = pid.parse().unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let _ = child.wait();
    // The next build reuses the COPY step and removes the orphaned container.
    let (_, err) = build_ok(&env, &["-f", s(&ctx.join("quick.Dockerfile")), s(&ctx)]);
    assert_eq!(err.matches("CACHED").count(), 1, "{err}");
    assert_eq!(env.skiff_ok(&["ps", "-aq"]), "");
}

#[test]
fn arg_scopes_substitution_and_a_dockerfile_outside_the_context() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[("a.txt", "a\n"), ("b.txt", "b\n"), ("sub/c.txt", "c\n")],
    );
    // The Dockerfile and its own .dockerignore live outside the context. As docker, an ENV
    // does not see the variables it sets itself (E3), the next one does (E4).
    let outside = context(
        &env,
        "elsewhere",
        &[
            (
                "app.Dockerfile",
                "ARG GLOBAL=g1\nARG IMG=localhost:5000/busybox\nFROM $IMG AS first\nARG GLOBAL\nARG LOCAL=l1\n\
                 RUN echo \"first:$GLOBAL:$LOCAL\" > /first\n\
                 FROM --platform=$BUILDPLATFORM ${IMG}\nARG LOCAL\nENV E1=${LOCAL:-unset} E2=${GLOBAL:-notvisible} E3=${E1:+set}\nENV E4=${E1:+set}\n\
                 WORKDIR base\nWORKDIR sub\nCOPY --from=0 /first ./\nCOPY . /ctx/\nRUN pwd > /pwd\n",
            ),
            ("app.Dockerfile.dockerignore", "b.txt\n"),
        ],
    );
    let df = outside.join("app.Dockerfile");
    build_ok(
        &env,
        &[
            "-t",
            "scopes",
            "--build-arg",
            "GLOBAL=g2",
            "-f",
            s(&df),
            s(&ctx),
        ],
    );
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "scopes",
        "sh",
        "-c",
        "cat first /pwd; echo \"$E1 $E2 [$E3] $E4\"; find /ctx -type f | sort",
    ]);
    assert_eq!(
        out,
        "first:g2:l1\n/base/sub\nunset notvisible [] set\n/ctx/a.txt\n/ctx/sub/c.txt\n"
    );
}

#[test]
fn independent_stages_build_side_by_side() {
    let env = env_with_busybox();
    let stage = |name: &str| {
        format!(
            "FROM localhost:5000/busybox AS {name}\nRUN cut -d\" \" -f1 /proc/uptime > /start && sleep 3 && cut -d\" \" -f1 /proc/uptime > /end\n"
        )
    };
    let dockerfile = format!(
        "{}{}FROM localhost:5000/busybox\nCOPY --from=a /start /a-start\nCOPY --from=a /end /a-end\n\
         COPY --from=b /start /b-start\nCOPY --from=b /end /b-end\n",
        stage("a"),
        stage("b")
    );
    let ctx = context(&env, "ctx", &[("Dockerfile", &dockerfile)]);
    build_ok(&env, &["-t", "par", s(&ctx)]);
    let out = env.skiff_ok(&[
        "run", "--rm", "par", "cat", "/a-start", "/a-end", "/b-start", "/b-end",
    ]);
    let t: Vec<f64> = out.lines().map(|l| l.trim().parse().unwrap()).collect();
    assert_eq!(t.len(), 4, "{out}");
    // The two stages' RUN steps overlapped in time.
    assert!(t[0] < t[3] && t[2] < t[1], "not side by side: {t:?}");
}

#[test]
fn copy_follows_links_in_the_destination() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[
            (
                "base.Dockerfile",
                "FROM localhost:5000/busybox\nRUN mkdir -p /usr/local/real && ln -s /usr/local/real /linked && ln -s real /usr/local/rel\n",
            ),
            ("Dockerfile", "FROM linkbase\nCOPY a /linked/\nCOPY b /usr/local/rel/sub/\n"),
            ("a", "a\n"),
            ("b", "b\n"),
        ],
    );
    build_ok(
        &env,
        &[
            "-t",
            "linkbase",
            "-f",
            s(&ctx.join("base.Dockerfile")),
            s(&ctx),
        ],
    );
    build_ok(&env, &["-t", "linked", s(&ctx)]);
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "linked",
        "sh",
        "-c",
        "readlink /linked; readlink /usr/local/rel; cat /usr/local/real/a /usr/local/real/sub/b",
    ]);
    assert_eq!(out, "/usr/local/real\nreal\na\nb\n");
}

/// `benches/build.sh` still works (skiff alone, one run, the smallest context it takes). It runs
/// as root and drives skiff as the test user: this test needs root, as CI runs.
#[test]
fn build_benchmark_script_reports_every_measurement() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "benches/build.sh runs as root: run the tests as root"
    );
    let _env = TestEnv::new();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/build.sh");
    let mut cmd = std::process::Command::new("bash");
    cmd.arg(&script)
        .args(["--no-podman", "--runs", "1", "--files", "7800", "--skiff"])
        .arg(skiff_bin())
        .env("SKIFF_BENCH_USER", TEST_USER);
    let o = run_with_timeout(cmd, None, std::time::Duration::from_secs(600))
        .unwrap_or_else(|e| panic!("build.sh: {e}"));
    let out = stdout(&o);
    assert!(
        o.status.success(),
        "build.sh failed:\n{out}\n{}",
        stderr(&o)
    );
    for name in ["build_cold", "build_cached", "build_change"] {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("RESULT {name} ")))
            .unwrap_or_else(|| panic!("no {name} in:\n{out}"));
        let skiff = line.split_whitespace().nth(2).unwrap_or("");
        let median = skiff
            .strip_prefix("skiff=")
            .and_then(|v| v.split('/').nth(1))
            .unwrap_or("");
        assert!(median.parse::<u64>().is_ok(), "{line}");
    }
    assert!(out.contains("# skiff's image: 7800 10"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
}

#[test]
fn links_in_the_context_never_lead_out_of_it() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[
            ("sub/file", "inside\n"),
            ("Dockerfile", "FROM localhost:5000/busybox\nCOPY inside/file /ok\nCOPY link /link\n"),
            ("out.Dockerfile", "FROM localhost:5000/busybox\nCOPY outside/passwd /leak\n"),
            (
                "bind.Dockerfile",
                "FROM localhost:5000/busybox\nRUN --mount=type=bind,source=outside,target=/m cat /m/passwd\n",
            ),
        ],
    );
    std::os::unix::fs::symlink("sub", ctx.join("inside")).unwrap();
    std::os::unix::fs::symlink("/etc", ctx.join("outside")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", ctx.join("link")).unwrap();
    chown_tree(&ctx);
    build_ok(&env, &["-t", "links", s(&ctx)]);
    // A link inside the context is followed; a link itself is copied as a link.
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "links",
        "sh",
        "-c",
        "cat /ok; readlink /link",
    ]);
    assert_eq!(out, "inside\n/etc/passwd\n");
    for file in ["out.Dockerfile", "bind.Dockerfile"] {
        let o = env.skiff(&["build", "-f", s(&ctx.join(file)), s(&ctx)]);
        assert_eq!(code(&o), 1, "{file}: {}", stderr(&o));
        assert!(
            !stderr(&o).contains("root:x:0:0"),
            "{file} read the host's /etc/passwd"
        );
        let err = stderr(&o);
        let last = err.lines().last().unwrap_or("");
        assert!(
            last.contains("not found") || last.contains("a link out of its tree"),
            "{file}: {err}"
        );
    }
}

#[test]
fn builds_work_on_every_storage_driver() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx",
        &[
            (
                "Dockerfile",
                "FROM localhost:5000/busybox\nCOPY f /f\n\
                 RUN mkdir /d && echo hi > /d/f && chown 1000 /d/f && rm /bin/ls\n\
                 RUN --mount=type=cache,target=/c cat /f > /copy\n",
            ),
            ("f", "from context\n"),
        ],
    );
    for driver in ["overlay", "fuse-overlay", "vfs"] {
        let tag = format!("drv-{driver}");
        let o = env.skiff(&[
            "--storage-driver",
            driver,
            "build",
            "--no-cache",
            "-t",
            &tag,
            s(&ctx),
        ]);
        assert_success(&o, &format!("build on {driver}"));
        let out = env.skiff_ok(&[
            "--storage-driver",
            driver,
            "run",
            "--rm",
            &tag,
            "sh",
            "-c",
            "cat /copy; stat -c %u /d/f; test -e /bin/ls || echo ls-gone; test -e /c || echo no-c",
        ]);
        assert_eq!(out, "from context\n1000\nls-gone\nno-c\n", "{driver}");
    }
}

/// A RUN step's bind mounts reach the create request as typed mounts: a comma (or `=`) in the
/// context's path is just a character of the path (it once went through a `type=bind,source=`
/// string and broke there).
#[test]
fn run_mounts_take_context_paths_with_commas() {
    let env = env_with_busybox();
    let ctx = context(
        &env,
        "ctx,target=/etc,readonly",
        &[
            (
                "Dockerfile",
                "FROM localhost:5000/busybox\n\
                 RUN --mount=type=bind,source=bound,target=/mnt cat /mnt/b > /bound\n",
            ),
            ("bound/b", "comma content\n"),
        ],
    );
    build_ok(&env, &["-t", "commas", s(&ctx)]);
    let out = env.skiff_ok(&["run", "--rm", "commas", "cat", "/bound"]);
    assert_eq!(out, "comma content\n");
}
