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
    assert_eq!(code(&o), 1);
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
        for cmd in [&["config"][..], &["up", "-d"][..]] {
            let o = compose_in(&env, &dir, cmd);
            assert_eq!(code(&o), 1, "{cmd:?} {text}");
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

/// A TCP port free on the host right now.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Fetch `http://127.0.0.1:PORT/` from the host (retrying while the server starts).
fn http_get(port: u16) -> String {
    use std::io::{Read, Write};
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let r = (|| -> std::io::Result<String> {
            let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
            s.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
            s.write_all(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")?;
            let mut body = String::new();
            s.read_to_string(&mut body)?;
            Ok(body)
        })();
        match r {
            Ok(b) if b.contains("200 OK") => return b,
            _ if std::time::Instant::now() > deadline => panic!("GET :{port}: {r:?}"),
            _ => std::thread::sleep(std::time::Duration::from_millis(200)),
        }
    }
}

/// The names of the project's containers (all states), sorted.
fn names(env: &TestEnv, project: &str) -> Vec<String> {
    let out = env.skiff_ok(&[
        "ps",
        "-a",
        "--filter",
        &format!("label=com.docker.compose.project={project}"),
        "--format",
        "{{.Names}}",
    ]);
    let mut v: Vec<String> = out.lines().map(String::from).collect();
    v.sort();
    v
}

fn inspect(env: &TestEnv, what: &str, name: &str) -> String {
    env.skiff_ok(&["inspect", "-f", what, name])
        .trim()
        .to_string()
}

/// Busybox's nslookup speaks DNS itself (its wget cannot resolve names: see network_user.rs).
fn lookup_and_fetch(name: &str) -> String {
    format!(
        "for i in 1 2 3 4 5 6 7 8 9 10; do \
           ip=$(nslookup -type=a {name} | sed -n 's/^Address: //p' | tail -1); \
           [ -n \"$ip\" ] && wget -q -O - http://$ip/ && exit 0; sleep 0.3; \
         done; exit 1"
    )
}

#[test]
fn up_ps_logs_down_with_service_dns_alias_and_published_port() {
    let env = env_with_busybox();
    let port = free_port();
    let dir = project(
        &env,
        "shop",
        &[(
            "compose.yaml",
            &format!(
                "services:\n  web:\n    image: {BUSYBOX}\n    init: true\n    command: sh -c 'echo hello-from-web > /tmp/index.html; echo web-up; exec httpd -f -p 80 -h /tmp'\n    networks:\n      default:\n        aliases: [www]\n    ports: [\"{port}:80\"]\n  client:\n    image: {BUSYBOX}\n    init: true\n    depends_on: [web]\n    command: sh -c 'sleep 3600'\n"
            ),
        )],
    );
    let o = compose_in(&env, &dir, &["up", "-d"]);
    assert_success(&o, "compose up -d");
    let err = stderr(&o);
    for line in [
        " Network shop_default  Created",
        " Container shop-web-1  Started",
        " Container shop-client-1  Started",
    ] {
        assert!(err.contains(line), "{line:?} in {err}");
    }
    assert_eq!(names(&env, "shop"), ["shop-client-1", "shop-web-1"]);
    // The labels tools read.
    assert_eq!(
        inspect(
            &env,
            "{{index .Config.Labels \"com.docker.compose.service\"}}",
            "shop-web-1"
        ),
        "web"
    );
    assert_eq!(
        inspect(
            &env,
            "{{index .Config.Labels \"com.docker.compose.container-number\"}}",
            "shop-web-1"
        ),
        "1"
    );
    assert_eq!(
        inspect(
            &env,
            "{{index .Config.Labels \"com.docker.compose.oneoff\"}}",
            "shop-web-1"
        ),
        "False"
    );
    assert_eq!(
        inspect(
            &env,
            "{{index .Config.Labels \"com.docker.compose.depends_on\"}}",
            "shop-client-1"
        ),
        "web:service_started:false"
    );
    assert_eq!(
        inspect(
            &env,
            "{{index .Config.Labels \"com.docker.compose.config-hash\"}}",
            "shop-web-1"
        )
        .len(),
        64
    );
    // The client reaches the web service by its name and by its alias on the project network.
    for name in ["web", "www"] {
        let got = env.skiff_ok(&["exec", "shop-client-1", "sh", "-c", &lookup_and_fetch(name)]);
        assert_eq!(got.trim(), "hello-from-web", "by {name}");
    }
    // The published port, from the host.
    assert!(http_get(port).contains("hello-from-web"));
    // ps: docker compose's columns, one line per running container.
    let ps = compose_ok(&env, &dir, &["ps"]);
    let lines: Vec<&str> = ps.lines().collect();
    assert_eq!(lines.len(), 3, "{ps}");
    for h in [
        "NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS",
    ] {
        assert!(lines[0].contains(h), "{ps}");
    }
    assert!(
        lines[1].starts_with("shop-client-1 ") && lines[1].contains(" client "),
        "{ps}"
    );
    assert!(
        lines[2].starts_with("shop-web-1 ") && lines[2].contains("Up "),
        "{ps}"
    );
    assert!(
        lines[2].contains(&format!("0.0.0.0:{port}->80/tcp")),
        "{ps}"
    );
    assert_eq!(
        compose_ok(&env, &dir, &["ps", "--services"]),
        "client\nweb\n"
    );
    assert_eq!(compose_ok(&env, &dir, &["ps", "-q"]).lines().count(), 2);
    // logs: prefixed by the container's name in the project.
    let logs = compose_ok(&env, &dir, &["logs", "web"]);
    assert_eq!(logs, "web-1  | web-up\n");
    let logs = compose_ok(&env, &dir, &["logs", "--no-log-prefix"]);
    assert_eq!(logs, "web-up\n");
    // down: containers and network gone.
    let o = compose_in(&env, &dir, &["down", "-t", "1"]);
    assert_success(&o, "compose down");
    let err = stderr(&o);
    assert!(err.contains(" Container shop-web-1  Removed"), "{err}");
    assert!(err.contains(" Network shop_default  Removed"), "{err}");
    assert!(names(&env, "shop").is_empty());
    let nets = env.skiff_ok(&["network", "ls", "--format", "{{.Name}}"]);
    assert!(!nets.contains("shop_default"), "{nets}");
}

#[test]
fn a_named_volume_survives_down_but_not_down_v() {
    let env = env_with_busybox();
    let dir = project(
        &env,
        "vols",
        &[(
            "compose.yaml",
            &format!(
                "services:\n  app:\n    image: {BUSYBOX}\n    init: true\n    command: sh -c 'date +%s%N >> /data/boots; sleep 3600'\n    volumes: [store:/data]\nvolumes:\n  store:\n    labels:\n      purpose: test\n"
            ),
        )],
    );
    compose_ok(&env, &dir, &["up", "-d"]);
    assert_eq!(
        inspect(
            &env,
            "{{index .Labels \"com.docker.compose.project\"}}",
            "vols_store"
        ),
        "vols"
    );
    assert_eq!(
        inspect(&env, "{{index .Labels \"purpose\"}}", "vols_store"),
        "test"
    );
    compose_ok(&env, &dir, &["down", "-t", "0"]);
    assert_eq!(env.skiff_ok(&["volume", "ls", "-q"]).trim(), "vols_store");
    compose_ok(&env, &dir, &["up", "-d"]);
    let boots = env.skiff_ok(&[
        "exec",
        "vols-app-1",
        "sh",
        "-c",
        "sleep 0.2; cat /data/boots",
    ]);
    assert_eq!(
        boots.lines().count(),
        2,
        "the volume kept the first run's line: {boots}"
    );
    let o = compose_in(&env, &dir, &["down", "-v", "-t", "0"]);
    assert_success(&o, "down -v");
    assert!(
        stderr(&o).contains(" Volume \"vols_store\"  Removed"),
        "{}",
        stderr(&o)
    );
    assert_eq!(env.skiff_ok(&["volume", "ls", "-q"]), "");
}

#[test]
fn service_healthy_orders_the_starts() {
    let env = env_with_busybox();
    let dir = project(
        &env,
        "health",
        &[(
            "compose.yaml",
            &format!(
                "services:\n  db:\n    image: {BUSYBOX}\n    init: true\n    command: sh -c 'sleep 2; touch /tmp/ready; sleep 3600'\n    healthcheck:\n      test: [CMD, test, -f, /tmp/ready]\n      interval: 300ms\n      retries: 30\n  web:\n    image: {BUSYBOX}\n    init: true\n    command: sleep 3600\n    depends_on:\n      db:\n        condition: service_healthy\n"
            ),
        )],
    );
    let o = compose_in(&env, &dir, &["up", "-d"]);
    assert_success(&o, "up -d");
    let err = stderr(&o);
    assert!(err.contains(" Container health-db-1  Healthy"), "{err}");
    let started = |n: &str| {
        let t = inspect(&env, "{{.State.StartedAt}}", n);
        chrono::DateTime::parse_from_rfc3339(&t).unwrap_or_else(|e| panic!("{t}: {e}"))
    };
    let (db, web) = (started("health-db-1"), started("health-web-1"));
    let gap = web.signed_duration_since(db).num_milliseconds();
    assert!(
        gap >= 2000,
        "web started {gap} ms after db, before db was healthy"
    );
    assert_eq!(
        inspect(&env, "{{.State.Health.Status}}", "health-db-1"),
        "healthy"
    );
    compose_ok(&env, &dir, &["down", "-t", "0"]);
}

#[test]
fn scale_and_replicas_name_the_containers_by_number() {
    let env = env_with_busybox();
    let dir = project(
        &env,
        "scaled",
        &[(
            "compose.yaml",
            &format!(
                "services:\n  worker:\n    image: {BUSYBOX}\n    init: true\n    command: sleep 3600\n    scale: 3\n  other:\n    image: {BUSYBOX}\n    init: true\n    command: sleep 3600\n    deploy:\n      replicas: 2\n"
            ),
        )],
    );
    compose_ok(&env, &dir, &["up", "-d"]);
    assert_eq!(
        names(&env, "scaled"),
        [
            "scaled-other-1",
            "scaled-other-2",
            "scaled-worker-1",
            "scaled-worker-2",
            "scaled-worker-3"
        ]
    );
    assert_eq!(
        inspect(
            &env,
            "{{index .Config.Labels \"com.docker.compose.container-number\"}}",
            "scaled-worker-3"
        ),
        "3"
    );
    // --scale overrides the file: down to one worker.
    compose_ok(&env, &dir, &["up", "-d", "-t", "0", "--scale", "worker=1"]);
    assert_eq!(
        names(&env, "scaled"),
        ["scaled-other-1", "scaled-other-2", "scaled-worker-1"]
    );
    compose_ok(&env, &dir, &["down", "-t", "0"]);
}

#[test]
fn up_recreates_only_what_changed() {
    let env = env_with_busybox();
    let file = |mode: &str| {
        format!(
            "services:\n  a:\n    image: {BUSYBOX}\n    init: true\n    command: sleep 3600\n    environment:\n      MODE: {mode}\n  b:\n    image: {BUSYBOX}\n    init: true\n    command: sleep 3600\n"
        )
    };
    let dir = project(&env, "recreate", &[("compose.yaml", &file("one"))]);
    compose_ok(&env, &dir, &["up", "-d"]);
    let id = |n: &str| inspect(&env, "{{.Id}}", n);
    let (a1, b1) = (id("recreate-a-1"), id("recreate-b-1"));
    // The same files again: nothing is recreated or restarted.
    let o = compose_in(&env, &dir, &["up", "-d"]);
    assert_success(&o, "second up");
    let err = stderr(&o);
    assert!(err.contains(" Container recreate-a-1  Running"), "{err}");
    assert!(
        !err.contains("Recreate") && !err.contains("Created"),
        "{err}"
    );
    assert_eq!(
        (id("recreate-a-1"), id("recreate-b-1")),
        (a1.clone(), b1.clone())
    );
    // A changed environment recreates that service alone.
    project(&env, "recreate", &[("compose.yaml", &file("two"))]);
    let o = compose_in(&env, &dir, &["up", "-d", "-t", "0"]);
    assert_success(&o, "third up");
    let err = stderr(&o);
    assert!(err.contains(" Container recreate-a-1  Recreated"), "{err}");
    assert!(err.contains(" Container recreate-b-1  Running"), "{err}");
    assert_ne!(id("recreate-a-1"), a1);
    assert_eq!(id("recreate-b-1"), b1);
    let env_a = env.skiff_ok(&["exec", "recreate-a-1", "sh", "-c", "echo $MODE"]);
    assert_eq!(env_a.trim(), "two");
    // --force-recreate recreates everything.
    compose_ok(&env, &dir, &["up", "-d", "-t", "0", "--force-recreate"]);
    assert_ne!(id("recreate-b-1"), b1);
    compose_ok(&env, &dir, &["down", "-t", "0"]);
}

#[test]
fn a_build_section_builds_the_image_up_runs() {
    let env = env_with_busybox();
    let dir = project(
        &env,
        "built",
        &[
            (
                "compose.yaml",
                "services:\n  app:\n    build:\n      context: ./app\n      dockerfile: app.Dockerfile\n      args:\n        GREETING: hello-from-build\n    init: true\n    command: sh -c 'cat /greeting; sleep 3600'\n",
            ),
            (
                "app/app.Dockerfile",
                &format!("FROM {BUSYBOX}\nARG GREETING\nRUN echo $GREETING > /greeting\n"),
            ),
        ],
    );
    let o = compose_in(&env, &dir, &["up", "-d"]);
    assert_success(&o, "up -d with a build");
    assert!(stderr(&o).contains(" Service app  Built"), "{}", stderr(&o));
    // The image is named <project>-<service>, as docker compose names it.
    let images = env.skiff_ok(&["images", "--format", "{{.Repository}}"]);
    assert!(images.lines().any(|l| l == "built-app"), "{images}");
    let got = env.skiff_ok(&["exec", "built-app-1", "cat", "/greeting"]);
    assert_eq!(got.trim(), "hello-from-build");
    // A second up uses the image it built; --build builds again (from the cache).
    let o = compose_in(&env, &dir, &["up", "-d"]);
    assert!(!stderr(&o).contains("Building"), "{}", stderr(&o));
    let o = compose_in(&env, &dir, &["up", "-d", "--build"]);
    assert!(stderr(&o).contains(" Service app  Built"), "{}", stderr(&o));
    compose_ok(&env, &dir, &["down", "-t", "0", "--rmi", "local"]);
    let images = env.skiff_ok(&["images", "--format", "{{.Repository}}"]);
    assert!(!images.lines().any(|l| l == "built-app"), "{images}");
}

#[test]
fn stop_start_restart_kill_rm_act_on_the_services() {
    let env = env_with_busybox();
    let dir = project(
        &env,
        "life",
        &[(
            "compose.yaml",
            &format!(
                "services:\n  a:\n    image: {BUSYBOX}\n    init: true\n    command: sleep 3600\n  b:\n    image: {BUSYBOX}\n    init: true\n    command: sleep 3600\n    depends_on: [a]\n"
            ),
        )],
    );
    compose_ok(&env, &dir, &["up", "-d"]);
    let state = |n: &str| inspect(&env, "{{.State.Status}}", n);
    let o = compose_in(&env, &dir, &["stop", "-t", "0", "b"]);
    assert_success(&o, "stop b");
    assert!(
        stderr(&o).contains(" Container life-b-1  Stopped"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        (state("life-a-1"), state("life-b-1")),
        ("running".into(), "exited".into())
    );
    compose_ok(&env, &dir, &["start"]);
    assert_eq!(state("life-b-1"), "running");
    let started = inspect(&env, "{{.State.StartedAt}}", "life-a-1");
    compose_ok(&env, &dir, &["restart", "-t", "0", "a"]);
    assert_ne!(inspect(&env, "{{.State.StartedAt}}", "life-a-1"), started);
    compose_ok(&env, &dir, &["kill"]);
    assert_eq!(
        (state("life-a-1"), state("life-b-1")),
        ("exited".into(), "exited".into())
    );
    assert_eq!(inspect(&env, "{{.State.ExitCode}}", "life-a-1"), "137");
    // ps shows running containers; -a the stopped ones too.
    assert_eq!(compose_ok(&env, &dir, &["ps", "-q"]), "");
    assert_eq!(
        compose_ok(&env, &dir, &["ps", "-a", "-q"]).lines().count(),
        2
    );
    let o = compose_in(&env, &dir, &["rm", "-f"]);
    assert_success(&o, "rm -f");
    assert!(names(&env, "life").is_empty());
    let err = compose_err(&env, &dir, &["stop", "nope"]);
    assert!(err.contains("no such service: nope"), "{err}");
}

#[test]
fn exec_run_cp_port_images_top_ls_version() {
    let env = env_with_busybox();
    let port = free_port();
    let dir = project(
        &env,
        "tools",
        &[
            (
                "compose.yaml",
                &format!(
                    "services:\n  web:\n    image: {BUSYBOX}\n    init: true\n    command: httpd -f -p 80 -h /tmp\n    ports: [\"{port}:80\"]\n    environment: [ROLE=web]\n  db:\n    image: {BUSYBOX}\n    init: true\n    command: sleep 3600\n"
                ),
            ),
            ("note.txt", "copied-in\n"),
        ],
    );
    compose_ok(&env, &dir, &["up", "-d"]);
    // exec: the command's output and exit status, the service's environment.
    let o = compose_in(
        &env,
        &dir,
        &["exec", "-T", "web", "sh", "-c", "echo $ROLE; exit 3"],
    );
    assert_eq!((code(&o), stdout(&o)), (3, "web\n".to_string()));
    let o = compose_in(
        &env,
        &dir,
        &[
            "exec",
            "-T",
            "-e",
            "X=1",
            "-w",
            "/etc",
            "db",
            "sh",
            "-c",
            "echo $X $PWD",
        ],
    );
    assert_eq!(stdout(&o), "1 /etc\n");
    let err = compose_err(&env, &dir, &["exec", "-T", "--index", "2", "web", "true"]);
    assert!(
        err.contains("service \"web\" is not running container #2"),
        "{err}"
    );
    // run: a one-off container with the service's settings, its exit status, removed with --rm.
    let o = compose_in(
        &env,
        &dir,
        &[
            "run",
            "--rm",
            "-T",
            "web",
            "sh",
            "-c",
            "echo $ROLE-oneoff; exit 4",
        ],
    );
    assert_eq!((code(&o), stdout(&o)), (4, "web-oneoff\n".to_string()));
    let o = compose_in(
        &env,
        &dir,
        &["run", "-d", "--name", "kept", "db", "sleep", "60"],
    );
    assert_success(&o, "run -d");
    assert_eq!(
        inspect(
            &env,
            "{{index .Config.Labels \"com.docker.compose.oneoff\"}}",
            "kept"
        ),
        "True"
    );
    // The one-off container is not one of the service's (ps), but ps -a lists it.
    assert!(!compose_ok(&env, &dir, &["ps"]).contains("kept"));
    assert!(compose_ok(&env, &dir, &["ps", "-a"]).contains("kept"));
    // cp both ways.
    compose_ok(&env, &dir, &["cp", "note.txt", "db:/tmp/note.txt"]);
    let o = compose_in(&env, &dir, &["exec", "-T", "db", "cat", "/tmp/note.txt"]);
    assert_eq!(stdout(&o), "copied-in\n");
    compose_ok(&env, &dir, &["cp", "db:/tmp/note.txt", "back.txt"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("back.txt")).unwrap(),
        "copied-in\n"
    );
    // port, images, top, ls, version.
    assert_eq!(
        compose_ok(&env, &dir, &["port", "web", "80"]),
        format!("0.0.0.0:{port}\n")
    );
    let images = compose_ok(&env, &dir, &["images"]);
    assert!(images.starts_with("CONTAINER "), "{images}");
    assert!(
        images.contains("tools-web-1") && images.contains("localhost:5000/busybox"),
        "{images}"
    );
    let top = compose_ok(&env, &dir, &["top", "web"]);
    assert!(
        top.starts_with("tools-web-1\n") && top.contains("httpd -f -p 80"),
        "{top}"
    );
    let ls = compose_ok(&env, &dir, &["ls"]);
    assert!(ls.starts_with("NAME "), "{ls}");
    assert!(
        ls.lines()
            .any(|l| l.starts_with("tools ") && l.contains("running(3)")),
        "{ls}"
    );
    assert_eq!(compose_ok(&env, &dir, &["version", "--short"]), "2.29.0\n");
    compose_ok(&env, &dir, &["down", "-t", "0"]);
    // down removes the one-off container too.
    assert!(names(&env, "tools").is_empty());
    assert_eq!(compose_ok(&env, &dir, &["ls", "-a", "-q"]), "");
}

/// The pids of processes of this test's store running `skiff compose up` (we started them).
fn compose_up_pids(env: &TestEnv) -> Vec<i32> {
    let marker = format!("SKIFF_ROOT={}", env.data_dir().display());
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let environ = std::fs::read(e.path().join("environ")).unwrap_or_default();
        let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if environ.split(|&b| b == 0).any(|v| v == marker.as_bytes())
            && cmd.contains("skiff compose up")
            && !cmd.starts_with("runuser")
            && !cmd.starts_with("env ")
        {
            found.push(pid);
        }
    }
    found
}

#[test]
fn attached_up_prefixes_output_and_ctrl_c_stops_the_project() {
    use std::io::Read;
    let env = env_with_busybox();
    let dir = project(
        &env,
        "fg",
        &[(
            "compose.yaml",
            &format!(
                "services:\n  ticker:\n    image: {BUSYBOX}\n    init: true\n    command: sh -c 'while true; do echo tick; sleep 0.2; done'\n  once:\n    image: {BUSYBOX}\n    command: echo done-once\n"
            ),
        )],
    );
    let mut c = env.command(&["compose", "up", "-t", "1"]);
    c.current_dir(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut so = child.stdout.take().unwrap();
    let out = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let out2 = out.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = so.read(&mut buf) {
            if n == 0 {
                break;
            }
            out2.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let text = out.lock().unwrap().clone();
        if text.contains("ticker-1  | tick\n") && text.contains("once-1 exited with code 0") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no output: {text}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let text = out.lock().unwrap().clone();
    assert!(text.contains("once-1    | done-once\n"), "{text}");
    // Ctrl-C (SIGINT to the compose process) stops the project.
    let pids = compose_up_pids(&env);
    assert_eq!(pids.len(), 1, "{pids:?}");
    // SAFETY: kill(2) on the pid of the skiff process this test started, just looked up.
    unsafe { libc::kill(pids[0], libc::SIGINT) };
    let status = run_wait(&mut child);
    reader.join().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status, 130, "{err}");
    assert!(err.contains("Gracefully stopping..."), "{err}");
    assert_eq!(inspect(&env, "{{.State.Status}}", "fg-ticker-1"), "exited");
    compose_ok(&env, &dir, &["down"]);
}

/// Wait (up to 60 s) for a child; its exit code.
fn run_wait(child: &mut std::process::Child) -> i32 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s.code().unwrap_or(-1);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("compose up did not end");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn secrets_configs_extends_include_and_completed_dependencies() {
    let env = env_with_busybox();
    let dir = project(
        &env,
        "sec",
        &[
            (
                "compose.yaml",
                &format!(
                    "include:\n  - lib/compose.yaml\nx-base: &base\n  image: {BUSYBOX}\n  init: true\nservices:\n  app:\n    extends: common\n    command: sleep 3600\n    environment:\n      LEVEL: app\n    secrets: [db_pass, {{source: api_key, target: key.txt}}]\n    configs: [app_conf, {{source: inline, target: /etc/inline.conf}}]\n    depends_on:\n      setup:\n        condition: service_completed_successfully\n  common:\n    <<: *base\n    command: 'true'\n    environment:\n      LEVEL: common\n      FROM_BASE: yes\n  setup:\n    image: {BUSYBOX}\n    command: sh -c 'sleep 1; exit 0'\nsecrets:\n  db_pass:\n    file: ./db_pass.txt\n  api_key:\n    environment: API_KEY\nconfigs:\n  app_conf:\n    file: ./app.conf\n  inline:\n    content: inline-config\n"
                ),
            ),
            ("db_pass.txt", "s3cret\n"),
            ("app.conf", "conf-from-file\n"),
            (".env", "API_KEY=key-from-env\n"),
            (
                "lib/compose.yaml",
                &format!(
                    "services:\n  helper:\n    image: {BUSYBOX}\n    init: true\n    command: sh -c 'cat /data/hello; sleep 3600'\n    volumes: [./data:/data:ro]\n"
                ),
            ),
            ("lib/data/hello", "from-included-dir\n"),
        ],
    );
    // include and extends, as config shows them.
    assert_eq!(
        compose_ok(&env, &dir, &["config", "--services"]),
        "app\ncommon\nhelper\nsetup\n"
    );
    let cfg = compose_ok(&env, &dir, &["config"]);
    assert!(
        cfg.contains("FROM_BASE: \"yes\"") && cfg.contains("LEVEL: app"),
        "{cfg}"
    );
    assert!(
        cfg.contains(&format!("source: {}", dir.join("lib/data").display())),
        "{cfg}"
    );
    let o = compose_in(&env, &dir, &["up", "-d"]);
    assert_success(&o, "up -d");
    assert!(
        stderr(&o).contains(" Container sec-setup-1  Exited"),
        "{}",
        stderr(&o)
    );
    let read = |f: &str| {
        let o = compose_in(&env, &dir, &["exec", "-T", "app", "cat", f]);
        assert_success(&o, f);
        stdout(&o)
    };
    assert_eq!(read("/run/secrets/db_pass"), "s3cret\n");
    assert_eq!(read("/run/secrets/key.txt"), "key-from-env");
    assert_eq!(read("/app_conf"), "conf-from-file\n");
    assert_eq!(read("/etc/inline.conf"), "inline-config");
    // Secrets are read-only in the container.
    let o = compose_in(
        &env,
        &dir,
        &[
            "exec",
            "-T",
            "app",
            "sh",
            "-c",
            "echo x > /run/secrets/db_pass",
        ],
    );
    assert_ne!(code(&o), 0);
    let o = compose_in(
        &env,
        &dir,
        &["exec", "-T", "app", "sh", "-c", "echo $LEVEL $FROM_BASE"],
    );
    assert_eq!(stdout(&o), "app yes\n");
    // The included service's relative bind is against its own directory.
    let logs = compose_ok(&env, &dir, &["logs", "helper"]);
    assert_eq!(logs, "helper-1  | from-included-dir\n");
    // A failing dependency stops the dependent from starting.
    compose_ok(&env, &dir, &["down", "-t", "0"]);
    let bad = project(
        &env,
        "failing",
        &[(
            "compose.yaml",
            &format!(
                "services:\n  app:\n    image: {BUSYBOX}\n    command: sleep 3600\n    depends_on:\n      setup:\n        condition: service_completed_successfully\n  setup:\n    image: {BUSYBOX}\n    command: sh -c 'exit 3'\n"
            ),
        )],
    );
    let o = compose_in(&env, &bad, &["up", "-d"]);
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("service \"setup\" didn't complete successfully: exit 3"),
        "{}",
        stderr(&o)
    );
    assert_eq!(names(&env, "failing"), ["failing-setup-1"]);
    compose_ok(&env, &bad, &["down"]);
}

#[test]
fn obsolete_and_unsupported_keys_warn_and_are_ignored() {
    let env = TestEnv::new();
    let dir = project(
        &env,
        "warns",
        &[(
            "compose.yaml",
            "version: '3.8'\nservices:\n  web:\n    image: busybox\n    links: [db]\n    cpu_shares: 512\n  db:\n    image: busybox\n",
        )],
    );
    let o = compose_in(&env, &dir, &["config", "--services"]);
    assert_success(&o, "config");
    assert_eq!(stdout(&o), "db\nweb\n");
    let err = stderr(&o);
    assert!(
        err.contains("WARN[0000] the attribute `version` is obsolete"),
        "{err}"
    );
    assert!(
        err.contains("WARN[0000] services.web.links: not supported by skiff, ignored"),
        "{err}"
    );
    assert!(
        err.contains("WARN[0000] services.web.cpu_shares: not supported by skiff, ignored"),
        "{err}"
    );
}

/// Seconds since the epoch, as `--since`/`--until` take them.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn create_scale_stats_wait_attach_events_and_watch() {
    let env = env_with_busybox();
    let dir = project(
        &env,
        "verbs",
        &[(
            "compose.yaml",
            &format!(
                "services:\n  app:\n    image: {BUSYBOX}\n    init: true\n    command: sleep 3600\n    labels: [tier=back]\n  job:\n    image: {BUSYBOX}\n    command: sh -c 'sleep 1; exit 5'\n  echoer:\n    image: {BUSYBOX}\n    command: sh -c 'sleep 2; echo attached-out; exit 3'\n"
            ),
        )],
    );
    let since = (unix_now() - 1).to_string();
    // create: the containers exist, none runs.
    let o = compose_in(&env, &dir, &["create"]);
    assert_success(&o, "create");
    assert!(
        stderr(&o).contains(" Container verbs-app-1  Created"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        names(&env, "verbs"),
        ["verbs-app-1", "verbs-echoer-1", "verbs-job-1"]
    );
    assert_eq!(inspect(&env, "{{.State.Status}}", "verbs-app-1"), "created");
    // scale: two app containers, running; the others untouched.
    let o = compose_in(&env, &dir, &["scale", "app=2"]);
    assert_success(&o, "scale");
    assert!(
        stderr(&o).contains(" Container verbs-app-2  Started"),
        "{}",
        stderr(&o)
    );
    assert_eq!(inspect(&env, "{{.State.Status}}", "verbs-app-2"), "running");
    assert_eq!(inspect(&env, "{{.State.Status}}", "verbs-job-1"), "created");
    let err = compose_err(&env, &dir, &["scale", "app"]);
    assert!(err.contains("invalid scale \"app\": SERVICE=NUM"), "{err}");
    // stats: the project's running containers only.
    let out = compose_ok(
        &env,
        &dir,
        &["stats", "--no-stream", "--format", "{{.Name}}"],
    );
    assert_eq!(out, "verbs-app-1\nverbs-app-2\n");
    // wait: the job's exit, reported and returned.
    compose_ok(&env, &dir, &["start", "job"]);
    let o = compose_in(&env, &dir, &["wait", "job"]);
    let job_id = inspect(&env, "{{.Id}}", "verbs-job-1");
    assert_eq!(
        (code(&o), stdout(&o)),
        (
            5,
            format!("container \"{job_id}\" exited with status code 5\n")
        )
    );
    // attach: the running container's output until it exits, and its exit code.
    compose_ok(&env, &dir, &["start", "echoer"]);
    let o = compose_in(&env, &dir, &["attach", "--no-stdin", "echoer"]);
    assert_eq!((code(&o), stdout(&o)), (3, "attached-out\n".to_string()));
    let err = compose_err(&env, &dir, &["attach", "--index", "3", "app"]);
    assert!(
        err.contains("service \"app\" is not running container #3"),
        "{err}"
    );
    // events: what happened, as docker compose's JSON objects (keys in Go's order, no compose
    // labels among the attributes), and as its text lines.
    let until = (unix_now() + 1).to_string();
    let out = compose_ok(
        &env,
        &dir,
        &["events", "--json", "--since", &since, "--until", &until],
    );
    let evs: Vec<serde_json::Value> = out
        .lines()
        .map(|l| {
            assert!(l.starts_with("{\"action\":"), "{l}");
            serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"))
        })
        .collect();
    let find = |action: &str, name: &str| {
        evs.iter()
            .find(|e| e["action"] == action && e["attributes"]["name"] == name)
            .unwrap_or_else(|| panic!("{action} of {name} in {out}"))
    };
    let created = find("create", "verbs-app-1");
    assert_eq!(created["service"], "app");
    assert_eq!(created["type"], "container");
    assert_eq!(created["attributes"]["tier"], "back");
    assert_eq!(created["id"].as_str().unwrap().len(), 64);
    let t = created["time"].as_str().unwrap();
    chrono::DateTime::parse_from_rfc3339(t).unwrap_or_else(|e| panic!("{t}: {e}"));
    assert_eq!(find("die", "verbs-job-1")["attributes"]["exitCode"], "5");
    find("start", "verbs-app-2");
    for e in &evs {
        let attrs = e["attributes"].as_object().unwrap();
        assert!(
            attrs.keys().all(|k| !k.starts_with("com.docker.compose.")),
            "{e}"
        );
    }
    let text = compose_ok(
        &env,
        &dir,
        &["events", "--since", &since, "--until", &until, "job"],
    );
    let start = text
        .lines()
        .find(|l| l.contains(" container start "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        start.ends_with(&format!(
            " container start {job_id} (image={BUSYBOX}, name=verbs-job-1)"
        )),
        "{start}"
    );
    assert!(!text.contains("verbs-app-1"), "{text}");
    // watch is refused, clearly.
    let o = compose_in(&env, &dir, &["watch"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with("Error: compose watch is not supported by skiff"),
        "{}",
        stderr(&o)
    );
    // wait --down-project: the project goes as soon as the job exits.
    compose_ok(&env, &dir, &["start", "job"]);
    let o = compose_in(&env, &dir, &["wait", "--down-project", "job"]);
    assert_eq!(code(&o), 5, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(" Container verbs-app-2  Removed"),
        "{}",
        stderr(&o)
    );
    assert!(names(&env, "verbs").is_empty());
}

#[test]
fn restart_dependents_volumes_from_order_and_owned_secrets() {
    let env = env_with_busybox();
    let file = |db_env: &str| {
        format!(
            "services:\n  db:\n    image: {BUSYBOX}\n    init: true\n    command: sleep 3600\n    environment: [V={db_env}]\n  app:\n    image: {BUSYBOX}\n    init: true\n    command: sleep 3600\n    depends_on:\n      db:\n        condition: service_started\n        restart: true\n  reader:\n    image: {BUSYBOX}\n    init: true\n    command: sleep 3600\n    volumes_from: [donor]\n    secrets:\n      - source: token\n        target: token\n        uid: '1000'\n        gid: '1001'\n        mode: 0400\n  donor:\n    image: {BUSYBOX}\n    init: true\n    command: sh -c 'echo from-donor > /vol/file; sleep 3600'\n    volumes: [/vol]\nsecrets:\n  token:\n    file: ./token.txt\n"
        )
    };
    let dir = project(
        &env,
        "deps",
        &[("compose.yaml", &file("1")), ("token.txt", "t0ken\n")],
    );
    // volumes_from: the donor is brought up (and started) before the container that uses it.
    let o = compose_in(&env, &dir, &["up", "-d", "reader"]);
    assert_success(&o, "up -d reader");
    let err = stderr(&o);
    let at = |line: &str| {
        err.find(line)
            .unwrap_or_else(|| panic!("{line:?} in {err}"))
    };
    assert!(
        at(" Container deps-donor-1  Started") < at(" Container deps-reader-1  Creating"),
        "{err}"
    );
    let o = compose_in(
        &env,
        &dir,
        &[
            "exec",
            "-T",
            "reader",
            "sh",
            "-c",
            "for i in 1 2 3 4 5 6 7 8 9 10; do cat /vol/file 2>/dev/null && exit 0; sleep 0.3; done; exit 1",
        ],
    );
    assert_eq!(stdout(&o), "from-donor\n");
    // The secret's uid, gid and mode, as the container sees them; the user's file untouched.
    let o = compose_in(
        &env,
        &dir,
        &[
            "exec",
            "-T",
            "reader",
            "sh",
            "-c",
            "stat -c '%u %g %a' /run/secrets/token; cat /run/secrets/token",
        ],
    );
    assert_eq!(stdout(&o), "1000 1001 400\nt0ken\n", "{}", stderr(&o));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.join("token.txt"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
    // depends_on restart: true: restarting db restarts app, after it.
    compose_ok(&env, &dir, &["up", "-d"]);
    let started = |n: &str| inspect(&env, "{{.State.StartedAt}}", n);
    let app0 = started("deps-app-1");
    let o = compose_in(&env, &dir, &["restart", "-t", "0", "db"]);
    assert_success(&o, "restart db");
    let err = stderr(&o);
    assert!(
        at_in(&err, " Container deps-db-1  Started")
            < at_in(&err, " Container deps-app-1  Restarting"),
        "{err}"
    );
    assert!(!err.contains("deps-reader-1"), "{err}");
    let app1 = started("deps-app-1");
    assert_ne!(app0, app1);
    // up: db recreated (its environment changed), so app is restarted; reader left alone.
    project(&env, "deps", &[("compose.yaml", &file("2"))]);
    let o = compose_in(&env, &dir, &["up", "-d", "-t", "0"]);
    assert_success(&o, "up -d after a change");
    let err = stderr(&o);
    assert!(err.contains(" Container deps-db-1  Recreated"), "{err}");
    assert!(err.contains(" Container deps-app-1  Restarted"), "{err}");
    assert!(err.contains(" Container deps-reader-1  Running"), "{err}");
    assert_ne!(started("deps-app-1"), app1);
    compose_ok(&env, &dir, &["down", "-t", "0"]);
}

fn at_in(text: &str, line: &str) -> usize {
    text.find(line)
        .unwrap_or_else(|| panic!("{line:?} in {text}"))
}

#[test]
fn keys_skiff_cannot_apply_are_refused_or_warned_and_deploy_maps() {
    let env = TestEnv::new();
    let dir = project(
        &env,
        "keys",
        &[(
            "compose.yaml",
            "services:\n  web:\n    image: busybox\n    annotations: {a: b}\n    deploy:\n      resources:\n        limits: {memory: 64M, cpus: '0.5'}\n        reservations: {memory: 32M}\n      restart_policy:\n        condition: on-failure\n        max_attempts: 3\n    ports:\n      - target: 80\n        name: http\n",
        )],
    );
    let o = compose_in(&env, &dir, &["config"]);
    assert_success(&o, "config");
    let out = stdout(&o);
    for want in ["mem_limit: 64M", "cpus: \"0.5\"", "restart: on-failure:3"] {
        assert!(out.contains(want), "{want} in {out}");
    }
    let err = stderr(&o);
    for key in [
        "services.web.annotations",
        "services.web.deploy.resources.reservations",
        "services.web.ports[0].name",
    ] {
        assert!(
            err.contains(&format!(
                "WARN[0000] {key}: not supported by skiff, ignored"
            )),
            "{key} in {err}"
        );
    }
    for (yaml, key) in [
        ("    mac_address: 02:42:ac:11:00:02\n", "services.web.mac_address"),
        (
            "    volumes:\n      - type: volume\n        source: v\n        target: /v\n        volume: {subpath: sub}\nvolumes:\n  v: {}\n",
            "services.web.volumes[0].volume.subpath",
        ),
        (
            "    build:\n      dockerfile_inline: FROM busybox\n",
            "services.web.build.dockerfile_inline",
        ),
    ] {
        project(
            &env,
            "keys",
            &[(
                "compose.yaml",
                &format!("services:\n  web:\n    image: busybox\n{yaml}"),
            )],
        );
        let o = compose_in(&env, &dir, &["config", "-q"]);
        assert_eq!(code(&o), 1, "{key}");
        let err = stderr(&o);
        assert!(
            err.starts_with("Error: ") && err.contains(&format!("{key}: not supported by skiff (")),
            "{key} in {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}
