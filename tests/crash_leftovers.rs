//! `run --rm` forces nothing to disk (its container is ephemeral: a crash of the machine ends
//! it, as docker's daemon removes `--rm` containers when it starts again), and what a crash
//! leaves of containers (an empty or cut record, a directory without its record, a `--rm`
//! record, a name whose container is gone) is removed by `ps` and by a `run --name` that wants
//! the name. A crash cannot be made here, so its traces are made by hand and dated before this
//! boot (files of an earlier boot are taken for a crash's); a create killed in this boot is
//! made for real (strace's fault injection) and recognised by its name nobody claims.
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
        let (o, text) = env.skiff_traced("fsync,fdatasync,syncfs,sync", args);
        assert_success(&o, "strace skiff");
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
        assert_eq!(code(&o), 1, "{n}: {}", stderr(&o));
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
    // A name file of this boot that a live process holds locked is a create in progress (its
    // claim), not a crash's: the name stays taken while the lock is held, and is freed after.
    let busy = names.join("busyname");
    std::fs::write(&busy, "").expect("write name");
    let claim = std::fs::File::open(&busy).expect("open the name file");
    claim.lock().expect("lock the name file");
    let o = env.skiff(&["create", "--name", "busyname", BUSYBOX, "true"]);
    let held = code(&o) == 1 && stderr(&o).contains("is already in use");
    drop(claim);
    assert!(held, "a claimed name was taken: {}", stderr(&o));
    let id = create(&env, &["--name", "busyname", BUSYBOX, "true"]);
    assert_eq!(std::fs::read_to_string(&busy).expect("name"), id);
}

/// A `create` killed in this boot before its record is written (SIGKILL at its first rename,
/// by strace's fault injection) leaves a directory without a record and a name nobody claims
/// any more: a new container takes the name, and `ps` removes the directory.
#[test]
fn a_create_killed_before_its_record_leaves_nothing_in_the_way() {
    let env = env_with_busybox();
    // The first run starts the user-namespace holder (strace would stop newuidmap being setuid).
    env.skiff_ok(&["run", "--rm", "--network", "none", BUSYBOX, "true"]);
    let killed_create = |name: &str| -> String {
        let o = env.skiff_killed_at_rename(
            1,
            &[
                "create",
                "--network",
                "none",
                "--name",
                name,
                BUSYBOX,
                "true",
            ],
        );
        assert_ne!(code(&o), 0, "the create was not killed: {}", stderr(&o));
        let holder = std::fs::read_to_string(env.data_dir().join("names").join(name))
            .unwrap_or_else(|e| panic!("the killed create left no name {name}: {e}"));
        let dir = container_dir(&env, holder.trim());
        assert!(dir.is_dir(), "the killed create left no directory");
        assert!(
            !dir.join("container.json").exists(),
            "the record was written"
        );
        holder.trim().to_string()
    };
    // The name: taken by the next container that wants it, the leftover removed with it.
    let first = killed_create("cutshort");
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--name",
        "cutshort",
        "--network",
        "none",
        BUSYBOX,
        "echo",
        "again",
    ]);
    assert_eq!(out, "again\n");
    assert!(
        !container_dir(&env, &first).exists(),
        "the leftover's directory was kept"
    );
    // ps: the directory goes, and so does its name.
    let second = killed_create("cutagain");
    let ps = env.skiff_ok(&["ps", "-a", "--format", "{{.Names}}"]);
    assert!(!ps.contains("cutagain"), "{ps}");
    assert!(
        !container_dir(&env, &second).exists(),
        "ps kept the leftover"
    );
    assert!(
        !env.data_dir().join("names/cutagain").exists(),
        "ps kept its name"
    );
}

/// The trash entries of the store (`containers/.trash/ID`: `--rm` containers being removed).
fn trash_entries(env: &TestEnv) -> Vec<String> {
    std::fs::read_dir(env.data_dir().join("containers/.trash"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The processes named `skiff-rm` (a `--rm` container's remover) of this test's store: checked
/// by their environment, so that no other test's process is taken.
fn removers_of(env: &TestEnv) -> Vec<i32> {
    let want = format!("SKIFF_ROOT={}", env.data_dir().display());
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "skiff-rm")
                && std::fs::read(format!("/proc/{pid}/environ"))
                    .is_ok_and(|e| e.split(|&b| b == 0).any(|v| v == want.as_bytes()))
        })
        .collect()
}

/// Whether `pid` is gone or a zombie.
fn dead(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|t| t.trim_start().starts_with('Z'))
        })
        .unwrap_or(true)
}

fn wait_for(limit: std::time::Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + limit;
    while std::time::Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    cond()
}

/// `run --rm` returns once its container is out of sight (its name free, `ps -a` without it):
/// its files are deleted after, by a process of their own (`skiff-rm`). Killed with SIGKILL
/// half-way, that process leaves a trash entry nobody holds, which the next `ps` sweeps.
#[test]
fn run_rm_returns_before_its_files_go_and_a_killed_remover_leaves_them_to_ps() {
    let env = env_with_busybox();
    // Files enough for their deletion to take a while (100,000 empty files).
    env.skiff_ok(&[
        "run",
        "--rm",
        "--name",
        "many",
        "--network",
        "none",
        BUSYBOX,
        "sh",
        "-c",
        "mkdir /d && cd /d && seq 1 100000 | xargs touch",
    ]);
    let removers = removers_of(&env);
    assert_eq!(
        removers.len(),
        1,
        "the files are deleted after run returns, by one skiff-rm: {removers:?}"
    );
    let entries = trash_entries(&env);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let id = entries[0].clone();
    assert!(!container_dir(&env, &id).exists());
    // Out of sight already: not listed, its name free.
    let ps = env.skiff_ok(&["ps", "-a", "--format", "{{.Names}}"]);
    assert!(!ps.lines().any(|l| l == "many"), "{ps}");
    assert!(
        !env.data_dir().join("names/many").exists(),
        "the name is free when run --rm returns"
    );
    // That ps left the entry to its remover (it holds the entry's lock).
    assert_eq!(trash_entries(&env), std::slice::from_ref(&id));
    // SIGKILL the remover half-way (the pid was checked just above: ours, in this store).
    let pid = removers[0];
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGKILL)
        .expect("kill -9 the remover");
    assert!(
        wait_for(std::time::Duration::from_secs(10), || dead(pid)),
        "skiff-rm {pid} still runs"
    );
    let left = env.data_dir().join("containers/.trash").join(&id);
    assert!(left.exists(), "the killed remover removed everything");
    // The next ps sweeps what it left, and shows nothing of it.
    let ps = env.skiff_ok(&["ps", "-a", "--format", "{{.Names}}"]);
    assert!(!ps.lines().any(|l| l == "many"), "{ps}");
    assert!(!left.exists(), "ps did not sweep the trash");
    assert!(
        !env.data_dir().join("containers/.trash").exists(),
        "the empty trash directory stays"
    );
    env.skiff_ok(&[
        "run",
        "--rm",
        "--name",
        "many",
        "--network",
        "none",
        BUSYBOX,
        "true",
    ]);
}

/// A monitor killed between the move of its `--rm` container into the trash and the release of
/// its name (made here by hand: that window is a few microseconds) leaves a name that names a
/// container in the trash: a new container that wants the name gets it, and `ps` sweeps such
/// an entry (its name and its files).
#[test]
fn a_name_held_by_a_container_in_the_trash_is_freed() {
    let env = env_with_busybox();
    let to_trash = |id: &str| {
        let o = env.sh(&format!(
            "mkdir -p -m 700 \"$SKIFF_ROOT/containers/.trash\" && \
             mv \"$SKIFF_ROOT/containers/{id}\" \"$SKIFF_ROOT/containers/.trash/{id}\""
        ));
        assert_success(&o, "move into the trash");
    };
    let half = create(&env, &["--rm", "--name", "half", BUSYBOX, "true"]);
    to_trash(&half);
    assert!(env.data_dir().join("names/half").exists());
    // The name is taken by a new container.
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--name",
        "half",
        "--network",
        "none",
        BUSYBOX,
        "echo",
        "again",
    ]);
    assert_eq!(out.trim(), "again");
    assert!(!env
        .data_dir()
        .join("containers/.trash")
        .join(&half)
        .exists());
    // ps sweeps another such entry: its name is freed and its files go.
    let other = create(&env, &["--rm", "--name", "other", BUSYBOX, "true"]);
    to_trash(&other);
    let ps = env.skiff_ok(&["ps", "-a", "--format", "{{.Names}}"]);
    assert!(!ps.lines().any(|l| l == "other"), "{ps}");
    assert!(
        !env.data_dir().join("names/other").exists(),
        "the name stays"
    );
    assert!(trash_entries(&env).is_empty(), "{:?}", trash_entries(&env));
}
