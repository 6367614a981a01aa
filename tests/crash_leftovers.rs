//! `run --rm` forces nothing to disk (its container is ephemeral: a crash of the machine ends
//! it, as docker's daemon removes `--rm` containers when it starts again), and what a crash
//! leaves of containers (an empty or cut record, a directory without its record, a `--rm`
//! record, a name whose container is gone) is removed by `ps` and by a `run --name` that wants
//! the name. A crash cannot be made here, so its traces are made by hand and dated before this
//! boot (files of an earlier boot are the only ones skiff may take for a crash's).
mod common;

use std::path::{Path, PathBuf};

use common::*;

/// When this boot began (`btime` of /proc/stat), in seconds since the epoch.
fn boot_time() -> i64 {
    let stat = std::fs::read_to_string("/proc/stat").expect("/proc/stat");
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
        .expect("btime in /proc/stat")
}

/// Date `path` an hour before this boot, as if the crash had left it.
fn date_before_boot(path: &Path) {
    let when = format!("@{}", boot_time() - 3600);
    let o = std::process::Command::new("touch")
        .args(["-h", "-m", "-d", &when])
        .arg(path)
        .output()
        .expect("touch");
    assert_success(&o, "touch -d");
}

fn container_dir(env: &TestEnv, id: &str) -> PathBuf {
    env.data_dir().join("containers").join(id)
}

fn create(env: &TestEnv, args: &[&str]) -> String {
    let mut all = vec!["create", "--network", "none"];
    all.extend_from_slice(args);
    env.skiff_ok(&all).trim().to_string()
}

/// Cut `path` to `len` bytes, as a crash cuts a file whose data had not reached the disk.
fn cut(path: &Path, len: u64) {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    f.set_len(len).expect("truncate");
}

#[test]
fn run_rm_forces_nothing_to_disk_and_run_d_still_does() {
    let env = env_with_busybox();
    // The first run starts the user-namespace holder (setuid newuidmap, which strace would
    // stop being setuid); the traced ones join it.
    env.skiff_ok(&["run", "--rm", "--network", "none", BUSYBOX, "true"]);
    let count = |args: &[&str]| -> usize {
        let log = env.dir().join(format!("strace-{}.log", args.len()));
        let skiff = skiff_bin().to_str().expect("path").to_string();
        let log_s = log.to_str().expect("path").to_string();
        let mut all = vec![
            "-f",
            "-qq",
            "-e",
            "trace=fsync,fdatasync,syncfs,sync",
            "-o",
            &log_s,
            &skiff,
        ];
        all.extend_from_slice(args);
        let o = run_with_timeout(env.user_command("strace", &all), None, env.timeout())
            .expect("strace");
        assert_success(&o, "strace skiff");
        let text = std::fs::read_to_string(&log).expect("strace log");
        text.lines()
            .filter(|l| l.contains("sync") && l.contains(" = 0"))
            .count()
    };
    assert_eq!(
        count(&["run", "--rm", "--network", "none", BUSYBOX, "true"]),
        0,
        "run --rm forces nothing to disk"
    );
    // A container that outlives the command still has its name, spec and record on disk
    // before `run -d` returns.
    let synced = count(&[
        "run",
        "-d",
        "--name",
        "durable",
        "--network",
        "none",
        BUSYBOX,
        "true",
    ]);
    assert!(
        synced >= 3,
        "run -d syncs its name, spec and record: {synced}"
    );
}

#[test]
fn ps_removes_what_a_crash_left_and_keeps_the_rest() {
    let env = env_with_busybox();
    let boot_dated = |id: &str| {
        let dir = container_dir(&env, id);
        date_before_boot(&dir.join("container.json"));
        date_before_boot(&dir);
    };
    // An empty record and a cut one, from before this boot: only a crash makes those.
    let empty = create(&env, &["--name", "emptyrec", BUSYBOX, "true"]);
    cut(&container_dir(&env, &empty).join("container.json"), 0);
    boot_dated(&empty);
    let cutrec = create(&env, &["--name", "cutrec", BUSYBOX, "true"]);
    cut(&container_dir(&env, &cutrec).join("container.json"), 100);
    boot_dated(&cutrec);
    // A `--rm` container of an earlier boot that never ran again (docker removes those when
    // its daemon starts).
    let rm = create(&env, &["--rm", "--name", "rmctr", BUSYBOX, "true"]);
    boot_dated(&rm);
    // A directory whose record never reached the disk.
    let norec = create(&env, &["--name", "norec", BUSYBOX, "true"]);
    std::fs::remove_file(container_dir(&env, &norec).join("container.json")).expect("rm");
    date_before_boot(&container_dir(&env, &norec));
    // Kept: an ordinary container of an earlier boot, an empty record of this boot (nothing
    // but a crash empties a record, and this boot had none: not skiff's to judge), and a
    // `--rm` container created in this boot.
    let old = create(&env, &["--name", "oldctr", BUSYBOX, "true"]);
    boot_dated(&old);
    let fresh_empty = create(&env, &["--name", "freshempty", BUSYBOX, "true"]);
    cut(&container_dir(&env, &fresh_empty).join("container.json"), 0);
    let fresh_rm = create(&env, &["--rm", "--name", "freshrm", BUSYBOX, "true"]);

    let ps = env.skiff_ok(&["ps", "-a", "--format", "{{.Names}}"]);
    let mut names: Vec<&str> = ps.lines().collect();
    names.sort();
    assert_eq!(names, ["freshrm", "oldctr"], "{ps}");
    for id in [&empty, &cutrec, &rm, &norec] {
        assert!(!container_dir(&env, id).exists(), "{id} was left");
    }
    for id in [&old, &fresh_empty, &fresh_rm] {
        assert!(container_dir(&env, id).exists(), "{id} was removed");
    }
    // Their names are free again; the kept ones' are not.
    for n in ["emptyrec", "cutrec", "rmctr", "norec"] {
        assert!(
            !env.data_dir().join("names").join(n).exists(),
            "name {n} kept"
        );
        create(&env, &["--name", n, BUSYBOX, "true"]);
    }
    for n in ["oldctr", "freshempty", "freshrm"] {
        let o = env.skiff(&["create", "--name", n, BUSYBOX, "true"]);
        assert_eq!(code(&o), 125, "{n}: {}", stderr(&o));
        assert!(stderr(&o).contains("is already in use"), "{}", stderr(&o));
    }
}

#[test]
fn a_name_a_crash_left_is_freed_for_a_new_container() {
    let env = env_with_busybox();
    let names = env.data_dir().join("names");
    // A cut record behind a name, not yet seen by any `ps`: `run --name` frees the name
    // itself, removing the leftover.
    let torn = create(&env, &["--name", "tornname", BUSYBOX, "true"]);
    let dir = container_dir(&env, &torn);
    cut(&dir.join("container.json"), 7);
    date_before_boot(&dir.join("container.json"));
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--name",
        "tornname",
        "--network",
        "none",
        BUSYBOX,
        "echo",
        "again",
    ]);
    assert_eq!(out, "again\n");
    assert!(!dir.exists(), "the leftover's directory was kept");
    // A name file the crash emptied, and one naming a container with no directory.
    for (n, content) in [("emptyname", ""), ("ghostname", &"ab".repeat(32)[..])] {
        let p = names.join(n);
        std::fs::write(&p, content).expect("write name");
        date_before_boot(&p);
        let id = create(&env, &["--name", n, BUSYBOX, "true"]);
        assert_eq!(std::fs::read_to_string(&p).expect("name"), id);
    }
    // The same traces from this boot are a create in progress, not a crash's: the name stays
    // taken.
    std::fs::write(names.join("busyname"), "").expect("write name");
    let o = env.skiff(&["create", "--name", "busyname", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125, "{}", stderr(&o));
    assert!(stderr(&o).contains("is already in use"), "{}", stderr(&o));
}
