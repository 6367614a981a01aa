//! `skiff compose` end to end, as the unprivileged test user: loading and `config` (the
//! normalised output, `.env` interpolation, `:?` errors, profiles, a broken file naming its
//! key), and real projects (`up -d`, `ps`, `logs`, `down`) on the project network.
mod common;

use std::path::{Path, PathBuf};

use common::*;

/// Write a project's files into `env.dir()/NAME` (owned by the test user); returns the dir.
fn project(env: &TestEnv, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = env.dir().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, text) in files {
        let p = dir.join(f);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
    }
    chown_tree(&dir);
    dir
}

fn chown_tree(p: &Path) {
    let _ = std::os::unix::fs::chown(p, Some(test_uid()), Some(test_gid()));
    if p.is_dir() {
        for e in std::fs::read_dir(p).unwrap().flatten() {
            chown_tree(&e.path());
        }
    }
}

/// `skiff compose ARGS` run in `dir` (so the file is found as a user's would be).
fn compose_in(env: &TestEnv, dir: &Path, args: &[&str]) -> std::process::Output {
    let mut c = env.command(&["compose"]);
    c.args(args).current_dir(dir);
    run_with_timeout(c, None, env.timeout()).unwrap_or_else(|e| panic!("compose {args:?}: {e}"))
}

/// `skiff compose ARGS` in `dir` with extra environment variables.
fn compose_env(env: &TestEnv, dir: &Path, vars: &[&str], args: &[&str]) -> std::process::Output {
    let bin = skiff_bin().display().to_string();
    let mut all: Vec<&str> = vars.to_vec();
    all.push(&bin);
    all.push("compose");
    all.extend_from_slice(args);
    let mut c = env.user_command("env", &all);
    c.current_dir(dir);
    run_with_timeout(c, None, env.timeout()).unwrap_or_else(|e| panic!("compose {args:?}: {e}"))
}

fn compose_ok(env: &TestEnv, dir: &Path, args: &[&str]) -> String {
    let o = compose_in(env, dir, args);
    assert_success(&o, &format!("skiff compose {}", args.join(" ")));
    stdout(&o)
}

fn compose_err(env: &TestEnv, dir: &Path, args: &[&str]) -> String {
    let o = compose_in(env, dir, args);
    assert!(
        !o.status.success(),
        "compose {args:?} unexpectedly succeeded\n{}",
        stdout(&o)
    );
    stderr(&o)
}

#[test]
fn config_prints_the_normalised_project() {
    let env = TestEnv::new();
    let dir = project(
        &env,
        "myapp",
        &[
            (
                "compose.yaml",
                "services:\n  web:\n    image: ${IMAGE}\n    command: httpd -f -p ${PORT:-80}\n    ports: [\"8080:80\", 9000]\n    environment:\n      - MODE=${MODE:?MODE must be set}\n    volumes: [data:/data, ./site:/site:ro]\n    depends_on: [db]\n  db:\n    image: busybox\n    x-note: ignored\nvolumes:\n  data: {}\nx-common: {a: 1}\n",
            ),
            (".env", "IMAGE=busybox:1.36\nMODE=prod\n"),
        ],
    );
    let out = compose_ok(&env, &dir, &["config"]);
    let site = dir.join("site");
    let want = format!(
        r#"name: myapp
services:
  db:
    image: busybox
    networks:
      default: null
  web:
    command:
      - httpd
      - -f
      - -p
      - "80"
    depends_on:
      db:
        condition: service_started
        required: true
    environment:
      MODE: prod
    image: busybox:1.36
    networks:
      default: null
    ports:
      - mode: ingress
        target: 80
        published: "8080"
        protocol: tcp
      - mode: ingress
        target: 9000
        protocol: tcp
    volumes:
      - type: volume
        source: data
        target: /data
        volume: {{}}
      - type: bind
        source: {}
        target: /site
        read_only: true
        bind:
          create_host_path: true
networks:
  default:
    name: myapp_default
volumes:
  data:
    name: myapp_data
"#,
        site.display()
    );
    assert_eq!(out, want);
    assert_eq!(
        compose_ok(&env, &dir, &["config", "--services"]),
        "db\nweb\n"
    );
    assert_eq!(compose_ok(&env, &dir, &["config", "--volumes"]), "data\n");
    assert_eq!(compose_ok(&env, &dir, &["config", "-q"]), "");
    // The process environment wins over .env; -p names the project.
    let o = compose_env(&env, &dir, &["PORT=81"], &["-p", "other", "config"]);
    assert_success(&o, "config with PORT");
    let out = stdout(&o);
    assert!(out.starts_with("name: other\n"), "{out}");
    assert!(out.contains("- \"81\""), "{out}");
    assert!(out.contains("name: other_default"), "{out}");
}

#[test]
fn a_missing_required_variable_is_an_error_naming_the_key() {
    let env = TestEnv::new();
    let dir = project(
        &env,
        "req",
        &[(
            "compose.yaml",
            "services:\n  web:\n    image: busybox\n    environment:\n      MODE: ${MODE:?MODE must be set}\n",
        )],
    );
    let o = compose_in(&env, &dir, &["config"]);
    assert_eq!(code(&o), 125);
    let err = stderr(&o);
    assert_eq!(
        err.trim(),
        format!(
            "Error: {}:5: services.web.environment.MODE: required variable MODE is missing a value: MODE must be set",
            dir.join("compose.yaml").display()
        )
    );
    // --env-file supplies it.
    project(&env, "req", &[("prod.env", "MODE=prod\n")]);
    let out = compose_ok(&env, &dir, &["--env-file", "prod.env", "config"]);
    assert!(out.contains("MODE: prod"), "{out}");
}

#[test]
fn profiles_select_services() {
    let env = TestEnv::new();
    let dir = project(
        &env,
        "prof",
        &[(
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n  debug:\n    image: busybox\n    profiles: [dev]\n  tools:\n    image: busybox\n    profiles: [ops, dev]\n",
        )],
    );
    assert_eq!(compose_ok(&env, &dir, &["config", "--services"]), "app\n");
    assert_eq!(
        compose_ok(&env, &dir, &["--profile", "dev", "config", "--services"]),
        "app\ndebug\ntools\n"
    );
    assert_eq!(
        compose_ok(&env, &dir, &["--profile", "ops", "config", "--services"]),
        "app\ntools\n"
    );
    let o = compose_env(
        &env,
        &dir,
        &["COMPOSE_PROFILES=ops"],
        &["config", "--services"],
    );
    assert_eq!(stdout(&o), "app\ntools\n");
    assert_eq!(
        compose_ok(&env, &dir, &["config", "--profiles"]),
        "dev\nops\n"
    );
}

#[test]
fn broken_files_name_the_key_and_create_nothing() {
    let env = TestEnv::new();
    let cases: &[(&str, &str)] = &[
        (
            "services:\n  web:\n    image: busybox\n    restart: always\n    imagee: busybox\n",
            "compose.yaml:5: services.web.imagee: additional property is not allowed (unknown key)",
        ),
        (
            "services:\n  web:\n    image: busybox\n    ports: {a: 1}\n",
            "compose.yaml:4: services.web.ports: invalid type: map, expected a sequence",
        ),
        (
            "services:\n  web:\n    image: busybox\n    depends_on: [db]\n",
            "services.web.depends_on: service \"web\" depends on undefined service \"db\"",
        ),
        (
            "services:\n  a:\n    image: busybox\n    depends_on: [b]\n  b:\n    image: busybox\n    depends_on: [a]\n",
            "dependency cycle detected: a -> b -> a",
        ),
        (
            "services:\n  web:\n    image: busybox\n    volumes: [data:/data]\n",
            "service \"web\" refers to undefined volume \"data\"",
        ),
        (
            "services:\n  web:\n    image: [busybox\n",
            "compose.yaml:3:12: unclosed bracket '['",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let dir = project(&env, &format!("bad{i}"), &[("compose.yaml", text)]);
        for cmd in [&["config"][..], &["config", "-q"][..]] {
            let o = compose_in(&env, &dir, cmd);
            assert_eq!(code(&o), 125, "{cmd:?} {text}");
            let err = stderr(&o);
            assert!(err.starts_with("Error: "), "{err}");
            assert_eq!(err.trim().lines().count(), 1, "{err}");
            assert!(err.contains(want), "want {want:?} in {err}");
        }
    }
    // Nothing was created: no container, network or volume.
    assert_eq!(env.skiff_ok(&["ps", "-aq"]), "");
    assert_eq!(env.skiff_ok(&["volume", "ls", "-q"]), "");
    let nets = env.skiff_ok(&["network", "ls", "--format", "{{.Name}}"]);
    assert!(!nets.contains("_default"), "{nets}");
}

#[test]
fn the_file_is_found_in_a_parent_directory() {
    let env = TestEnv::new();
    let dir = project(
        &env,
        "parent",
        &[
            (
                "docker-compose.yml",
                "services:\n  a:\n    image: busybox\n",
            ),
            (
                "docker-compose.override.yml",
                "services:\n  b:\n    image: busybox\n",
            ),
            ("sub/deeper/.keep", ""),
        ],
    );
    let out = compose_ok(&env, &dir.join("sub/deeper"), &["config", "--services"]);
    assert_eq!(out, "a\nb\n");
    let out = compose_ok(&env, &dir.join("sub"), &["config"]);
    assert!(out.starts_with("name: parent\n"), "{out}");
    let empty = project(&env, "empty", &[(".keep", "")]);
    let err = compose_err(&env, &empty, &["config"]);
    assert!(err.contains("no configuration file provided"), "{err}");
}
