//! Security of the store and of the engine's readers (issue 14, items 4, 5, 7, 8, 10, 12): each
//! test reproduces one hole with a hostile container, image or Dockerfile and checks that the
//! host (or the store) is left untouched.
mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use common::*;

fn chown_tree(p: &Path) {
    let _ = std::os::unix::fs::lchown(p, Some(test_uid()), Some(test_gid()));
    if p.is_dir() && !p.is_symlink() {
        for e in std::fs::read_dir(p).unwrap() {
            chown_tree(&e.unwrap().path());
        }
    }
}

/// A directory of the test, owned by the test user, holding `files`.
fn user_dir(env: &TestEnv, name: &str, files: &[(&str, &str)]) -> PathBuf {
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

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Item 8 (CVE-2021-41091): every top directory of the store is 0700, and a store made 0755
/// by an older version is fixed on first use.
#[test]
fn store_directories_are_private() {
    let env = TestEnv::new();
    // An old store: images/ and containers/ world-traversable.
    for d in ["images", "containers"] {
        let p = env.data_dir().join(d);
        std::fs::create_dir(&p).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::chown(&p, Some(test_uid()), Some(test_gid())).unwrap();
    }
    env.pull("busybox");
    env.skiff_ok(&["volume", "create", "v1"]);
    env.skiff_ok(&["run", "--name", "c1", "-v", "v1:/data", BUSYBOX, "true"]);
    let mut seen = Vec::new();
    for e in std::fs::read_dir(env.data_dir()).unwrap() {
        let e = e.unwrap();
        let meta = std::fs::symlink_metadata(e.path()).unwrap();
        if meta.is_dir() {
            seen.push(e.file_name().to_string_lossy().into_owned());
            assert_eq!(
                meta.mode() & 0o777,
                0o700,
                "{} is mode {:o}",
                e.path().display(),
                meta.mode() & 0o777
            );
        }
    }
    for want in ["images", "layers", "containers", "volumes", "blobs"] {
        assert!(seen.iter().any(|s| s == want), "{want} missing: {seen:?}");
    }
}

/// Item 10: `RUN --network=host` needs BuildKit's `network.host` entitlement.
#[test]
fn run_network_host_needs_the_entitlement() {
    let env = env_with_busybox();
    let ctx = user_dir(
        &env,
        "ctx",
        &[(
            "Dockerfile",
            "FROM localhost:5000/busybox\nRUN echo before > /before\nRUN --network=host true\n",
        )],
    );
    let o = env.skiff(&["build", "-t", "nethost", s(&ctx)]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("network.host") && err.contains("--allow network.host"),
        "{err}"
    );
    // Refused before any step ran: nothing of the build was tagged.
    assert!(!env.skiff(&["image", "inspect", "nethost"]).status.success());
    // An unknown entitlement is a usage error.
    let o = env.skiff(&["build", "--allow", "bogus", s(&ctx)]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "Error: invalid entitlement \"bogus\": use network.host\n"
    );
    // Granted: the build runs.
    let o = env.skiff(&["build", "--allow", "network.host", "-t", "nethost", s(&ctx)]);
    assert_success(&o, "build --allow network.host");
}

/// Run `script` with `sh -e` as root inside a private PID and mount namespace made here
/// (`unshare --pid --fork --mount-proc --mount`): whatever skiff does as root, and whatever a
/// regression stops or mounts, stays in there and dies with it. `$SKIFF` is the binary; the
/// state lives in `rootful/` of the test's directory.
fn rootful_sh(env: &TestEnv, script: &str) -> std::process::Output {
    assert!(
        nix::unistd::geteuid().is_root(),
        "rootful tests need the test suite to run as root"
    );
    let root = env.dir().join("rootful");
    std::fs::create_dir_all(root.join("data")).unwrap();
    std::fs::create_dir_all(root.join("run")).unwrap();
    let mut c = std::process::Command::new("unshare");
    c.args([
        "--pid",
        "--fork",
        "--mount-proc",
        "--mount",
        "sh",
        "-ec",
        script,
    ])
    .env_clear()
    .env("PATH", PATH)
    .env("HOME", "/root")
    .env("SKIFF", skiff_bin())
    .env("SKIFF_ROOT", root.join("data"))
    .env("SKIFF_RUNROOT", root.join("run"))
    .env("XDG_RUNTIME_DIR", root.join("run"))
    .current_dir(&root)
    .stdin(std::process::Stdio::null());
    let o =
        run_with_timeout(c, None, env.timeout()).unwrap_or_else(|e| panic!("rootful script: {e}"));
    remove_leftover_cgroups(&root.join("data"));
    o
}

/// Item 4: `commit`'s freeze stops the container's processes only. A container whose recorded
/// pid now belongs to a process outside it (pid reuse, here faked in its state) has nothing
/// stopped; a commit killed while the container is frozen continues it first.
#[test]
fn commit_freeze_stays_inside_the_container() {
    let env = TestEnv::new();
    let o = rootful_sh(
        &env,
        r#"
        $SKIFF pull -q localhost:5000/busybox >/dev/null
        $SKIFF run -d --network none --name c localhost:5000/busybox \
            sh -c 'head -c 50000000 /dev/zero > /big; while true; do sleep 0.05; done' >/dev/null
        id=$($SKIFF inspect --format '{{.Id}}' c)
        ctr=$($SKIFF inspect --format '{{.State.Pid}}' c)
        st=$SKIFF_ROOT/containers/$id/state.json
        sleep 1000 &
        outside=$!
        setpid() { python3 -c 'import json,sys; p=sys.argv[1]; s=json.load(open(p)); s["pid"]=int(sys.argv[2]); json.dump(s,open(p,"w"))' "$st" "$1"; }
        state() { sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' /proc/$1/status; }
        # The container's pid now names a process outside it.
        setpid $outside
        timeout 60 $SKIFF commit c reused >/dev/null
        echo "outside=$(state $outside) self=$(state $$)"
        setpid $ctr
        # Wait for the big file, then kill a commit while the container is frozen.
        i=0; while [ ! -s /proc/$ctr/root/big ] || [ $(stat -c %s /proc/$ctr/root/big) -lt 50000000 ]; do
            i=$((i+1)); [ $i -lt 600 ] || { echo "no big file"; exit 1; }; sleep 0.1; done
        $SKIFF commit c killed >/dev/null 2>&1 &
        commit=$!
        i=0; while [ "$(state $ctr)" != T ]; do
            i=$((i+1)); [ $i -lt 20000 ] || { echo "never frozen"; exit 1; }; done
        kill -TERM $commit
        wait $commit && echo "commit survived" || echo "commit=$?"
        sleep 0.3
        echo "after-kill=$(state $ctr)"
        # A commit that completes leaves the container running too.
        $SKIFF commit c done >/dev/null
        sleep 0.3
        echo "after-commit=$(state $ctr)"
        "#,
    );
    let out = stdout(&o);
    assert_success(&o, "rootful script");
    assert!(out.contains("outside=S self=S"), "{out}\n{}", stderr(&o));
    assert!(out.contains("commit=143"), "{out}\n{}", stderr(&o));
    assert!(!out.contains("after-kill=T"), "{out}\n{}", stderr(&o));
    assert!(!out.contains("after-commit=T"), "{out}\n{}", stderr(&o));
}

/// Item 7 (CVE-2018-15664): `export`, `diff` and `commit --pause=false` of a running container
/// that keeps swapping a directory for a symlink to a host directory never read the host's
/// files, and still succeed.
#[test]
fn export_diff_commit_never_follow_swapped_symlinks() {
    let env = env_with_busybox();
    let host = user_dir(
        &env,
        "hostdir",
        &[("secret", "HOST-SECRET\n"), ("zsub/host-only-file", "x\n")],
    );
    let hostvar = format!("HOSTDIR={}", s(&host));
    env.skiff_ok(&[
        "run",
        "-d",
        "--name",
        "swapper",
        "-e",
        &hostvar,
        BUSYBOX,
        "sh",
        "-c",
        "mkdir -p /d/zsub && cd /d && i=0; while [ $i -lt 1500 ]; do echo x > f$i; i=$((i+1)); done; \
         echo inside > /d/secret; echo inside > /d/zsub/inner; touch /ready; \
         while true; do mv /d /d.real; ln -s $HOSTDIR /d; usleep 5000; rm /d; mv /d.real /d; usleep 5000; done",
    ]);
    let mut ready = false;
    for _ in 0..300 {
        if env
            .skiff(&["exec", "swapper", "test", "-e", "/ready"])
            .status
            .success()
        {
            ready = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(ready, "the container never got ready");
    let leaked = |bytes: &[u8]| bytes.windows(11).any(|w| w == b"HOST-SECRET");
    for i in 0..8 {
        let o = env.skiff(&["export", "swapper"]);
        assert_success(&o, "export");
        assert!(!leaked(&o.stdout), "export {i} holds the host's file");
        let o = env.skiff(&["diff", "swapper"]);
        assert_success(&o, "diff");
        assert!(
            !stdout(&o).contains("host-only-file"),
            "diff {i} lists the host's directory:\n{}",
            stdout(&o)
        );
    }
    for i in 0..4 {
        let img = format!("snap{i}");
        env.skiff_ok(&["commit", "--pause=false", "swapper", &img]);
        let o = env.skiff(&["save", &img]);
        assert_success(&o, "save");
        assert!(!leaked(&o.stdout), "commit {i} holds the host's file");
    }
}

/// A static program for the FUSE race (`racer HOSTFILE HOSTDIR SECONDS`): one thread swaps
/// `/w/d/f` for a symlink to HOSTFILE and back, another swaps `/w/e` (a directory holding `f`)
/// for a symlink to HOSTDIR and back, as fast as they can; the main thread chmods, chowns,
/// opens for writing, truncates, touches and sets an xattr on both `f`, for SECONDS.
const RACER_C: &str = r#"
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
static const char *host;
static volatile int stop;
static long swaps, ops;
/* The file itself becomes a symlink to the host's file (one rename), then a file again. */
static void *swapper(void *arg) {
    (void)arg;
    while (!stop) {
        unlink("/w/d/s");
        symlink(host, "/w/d/s");
        rename("/w/d/s", "/w/d/f");
        int fd = open("/w/d/n", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) close(fd);
        rename("/w/d/n", "/w/d/f");
        swaps++;
    }
    return NULL;
}
/* The directory above it becomes a symlink to the host's directory, then a directory again. */
static void *dirswapper(void *arg) {
    const char *hostdir = arg;
    while (!stop) {
        if (rename("/w/e", "/w/e.real") == 0) {
            symlink(hostdir, "/w/e");
            unlink("/w/e");
            rename("/w/e.real", "/w/e");
            swaps++;
        }
    }
    return NULL;
}
static void hammer(const char *p) {
    chmod(p, 0777);
    chmod(p, 0644);
    chown(p, 1234, 1234);
    int f = open(p, O_WRONLY | O_TRUNC);
    if (f >= 0) { if (write(f, "pwned\n", 6) < 0) {} close(f); }
    truncate(p, 1);
    utimes(p, NULL);
    setxattr(p, "user.pwned", "1", 1, 0);
    ops++;
}
int main(int argc, char **argv) {
    if (argc != 4) return 2;
    host = argv[1];
    int secs = atoi(argv[3]);
    mkdir("/w", 0755);
    mkdir("/w/d", 0755);
    mkdir("/w/e", 0755);
    mkdir("/w/h", 0755);
    int fd = open("/w/e/f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "mine\n", 5) != 5) return 3;
    close(fd);
    fd = open("/w/h/f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "mine\n", 5) != 5) return 3;
    close(fd);
    fd = open("/w/ready", O_WRONLY | O_CREAT, 0644);
    close(fd);
    pthread_t t, u;
    pthread_create(&t, NULL, swapper, NULL);
    pthread_create(&u, NULL, dirswapper, argv[2]);
    time_t end = time(NULL) + secs;
    while (time(NULL) < end) {
        for (int i = 0; i < 100; i++) {
            hammer("/w/d/f");
            hammer("/w/e/f");
            hammer("/w/h/f");
        }
    }
    stop = 1;
    pthread_join(t, NULL);
    pthread_join(u, NULL);
    printf("swaps=%ld ops=%ld\n", swaps, ops);
    return 0;
}
"#;

/// Item 5: the FUSE overlay never follows a symlink a container thread swaps in while another
/// thread changes the file below it: the host file keeps its mode, owner, content, times and
/// xattrs.
#[test]
fn fuse_overlay_never_follows_swapped_symlinks() {
    let env = env_with_busybox();
    let host = user_dir(&env, "hostdir", &[("f", "HOST\n")]);
    let hf = host.join("f");
    std::fs::set_permissions(&hf, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = std::fs::metadata(&hf).unwrap();
    let tools = user_dir(&env, "tools", &[("racer.c", RACER_C)]);
    let o = std::process::Command::new("cc")
        .args(["-O2", "-static", "-pthread", "-o"])
        .arg(tools.join("racer"))
        .arg(tools.join("racer.c"))
        .output()
        .expect("cc (a C compiler is needed to build Rust, too)");
    assert_success(&o, "cc racer.c");
    chown_tree(&tools);
    let vol = format!("{}:/r:ro", s(&tools));
    let id = env
        .skiff_ok(&[
            "--storage-driver",
            "fuse-overlay",
            "run",
            "-d",
            "-v",
            &vol,
            BUSYBOX,
            "/r/racer",
            s(&hf),
            s(&host),
            "8",
        ])
        .trim()
        .to_string();
    // The race seen from the server, made wide: while the container hammers /w/h/f, its upper
    // dir's `w/h` turns into a symlink to the host's directory and back, under the server's
    // feet (as a container thread's rename would, between the server computing a path and
    // using it).
    let upper = env.data_dir().join("containers").join(&id).join("upper");
    let wh = upper.join("w/h");
    let real = upper.join("w/h.real");
    let mut ready = false;
    for _ in 0..300 {
        if upper.join("w/ready").exists() {
            ready = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(ready, "the racer never started");
    let end = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut host_swaps = 0;
    while std::time::Instant::now() < end {
        if std::fs::rename(&wh, &real).is_ok() {
            let _ = std::os::unix::fs::symlink(&host, &wh);
            std::thread::sleep(std::time::Duration::from_micros(200));
            let _ = std::fs::remove_file(&wh);
            let _ = std::fs::rename(&real, &wh);
            host_swaps += 1;
        }
    }
    assert_eq!(env.skiff_ok(&["wait", &id]).trim(), "0");
    let out = format!(
        "{} host_swaps={host_swaps}",
        env.skiff_ok(&["logs", &id]).trim()
    );
    assert!(out.starts_with("swaps="), "{out}");
    let after = std::fs::metadata(&hf).unwrap();
    assert_eq!(std::fs::read_to_string(&hf).unwrap(), "HOST\n", "{out}");
    assert_eq!(after.mode(), before.mode(), "mode changed: {out}");
    assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
    assert_eq!(
        (after.mtime(), after.mtime_nsec()),
        (before.mtime(), before.mtime_nsec()),
        "times changed: {out}"
    );
    assert_eq!(xattr_names(&hf), Vec::<String>::new(), "{out}");
    eprintln!("{out}");
}

fn xattr_names(p: &Path) -> Vec<String> {
    let o = std::process::Command::new("getfattr")
        .args(["-d", "--absolute-names"])
        .arg(p)
        .output();
    match o {
        Ok(o) => String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| l.starts_with("user."))
            .map(str::to_string)
            .collect(),
        Err(_) => {
            // No getfattr: ask the kernel directly.
            let mut buf = vec![0u8; 4096];
            let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
            // SAFETY: a valid C string and a buffer of the given length.
            let n = unsafe { libc::llistxattr(c.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
            buf.truncate(n.max(0) as usize);
            buf.split(|b| *b == 0)
                .filter(|n| n.starts_with(b"user."))
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .collect()
        }
    }
}

/// `sh -c SCRIPT` as the test user, `$SKIFF` being the binary.
fn user_sh(env: &TestEnv, script: &str) -> std::process::Output {
    env.sh(&format!("SKIFF={}; {script}", s(skiff_bin())))
}

/// A gzip tar holding one file of `size` zero bytes: tiny compressed, big unpacked.
fn zero_bomb(path: &Path, size: u64) {
    let f = std::fs::File::create(path).unwrap();
    let gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    b.append_data(
        &mut h,
        "zeros",
        std::io::Read::take(std::io::repeat(0), size),
    )
    .unwrap();
    b.into_inner().unwrap().finish().unwrap();
    std::os::unix::fs::chown(path, Some(test_uid()), Some(test_gid())).unwrap();
}

/// Item 12: what images and registries send is bounded: a 10 GB sparse /etc/passwd is read
/// within a small memory bound; a layer that unpacks far beyond its compressed size stops
/// before it fills the disk; a config blob over the limit is refused before it is fetched; a
/// registry that never answers ends the pull; a small xz archive that decompresses beyond the
/// limit is refused by ADD. Each limit can be raised (docs/limits.md).
#[test]
fn image_and_registry_reads_are_bounded() {
    let env = env_with_busybox();

    // /etc/passwd of 10 GB (sparse), its real entries first.
    let layers = env.data_dir().join("layers");
    let passwd = std::fs::read_dir(&layers)
        .unwrap()
        .map(|e| e.unwrap().path().join("etc/passwd"))
        .find(|p| p.is_file())
        .expect("the busybox layer's /etc/passwd");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&passwd)
        .unwrap()
        .set_len(10 << 30)
        .unwrap();
    let o = user_sh(
        &env,
        "ulimit -v 3000000; $SKIFF run --rm --network none -u user localhost:5000/busybox id -u",
    );
    assert_success(
        &o,
        "run -u user with a 10 GB /etc/passwd under ulimit -v 3 GB",
    );
    assert_eq!(stdout(&o).trim(), "1000");

    // A decompression bomb (limits lowered to keep the test small).
    let bomb = env.dir().join("bomb.tar.gz");
    zero_bomb(&bomb, 16 << 20);
    let o = user_sh(
        &env,
        &format!(
            "SKIFF_MAX_LAYER_FLOOR=4m SKIFF_MAX_LAYER_RATIO=10 $SKIFF import {} bomb",
            s(&bomb)
        ),
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("larger than the limit") && stderr(&o).contains("SKIFF_MAX_LAYER"),
        "{}",
        stderr(&o)
    );
    let leftovers: Vec<_> = std::fs::read_dir(&layers)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "partial layers left: {leftovers:?}");
    // Raised, the same archive imports.
    let o = user_sh(
        &env,
        &format!("SKIFF_MAX_LAYER_FLOOR=1g $SKIFF import {} bomb", s(&bomb)),
    );
    assert_success(&o, "import with the limit raised");

    // A config blob declared over the limit is refused before its download.
    let fresh = TestEnv::new();
    let o = user_sh(
        &fresh,
        "SKIFF_MAX_CONFIG_SIZE=100 $SKIFF pull localhost:5000/busybox",
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("config blob") && stderr(&o).contains("SKIFF_MAX_CONFIG_SIZE"),
        "{}",
        stderr(&o)
    );

    // A registry that accepts the connection and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for c in silent.incoming().take(8) {
            conns.push(c);
        }
        std::thread::sleep(std::time::Duration::from_secs(60));
    });
    let started = std::time::Instant::now();
    eprintln!("bounded reads: registry part starts");
    let o = fresh
        .try_sh_timeout(
            &format!(
                "SKIFF_REGISTRY_READ_TIMEOUT=3 {} pull 127.0.0.1:{port}/silent",
                s(skiff_bin())
            ),
            std::time::Duration::from_secs(60),
        )
        .expect("a pull from a silent registry must end");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).starts_with("Error: "), "{}", stderr(&o));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(50),
        "took {:?}",
        started.elapsed()
    );
    drop(held);
    eprintln!(
        "bounded reads: silent registry gave up after {:?}",
        started.elapsed()
    );

    // ADD of a small xz archive that decompresses beyond the limit.
    let ctx = user_dir(
        &env,
        "ctx",
        &[(
            "Dockerfile",
            "FROM localhost:5000/busybox\nADD big.tar.xz /x/\n",
        )],
    );
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "head -c 20000000 /dev/zero > {d}/zeros && tar -C {d} -cf - zeros | xz -1 > {d}/big.tar.xz && rm {d}/zeros",
            d = s(&ctx)
        ))
        .output()
        .unwrap();
    assert_success(&o, "making big.tar.xz");
    chown_tree(&ctx);
    let o = user_sh(
        &env,
        &format!("SKIFF_MAX_ADD_SIZE=1m $SKIFF build -q {}", s(&ctx)),
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("SKIFF_MAX_ADD_SIZE"), "{}", stderr(&o));
    let o = user_sh(&env, &format!("$SKIFF build -q {}", s(&ctx)));
    assert_success(&o, "ADD big.tar.xz within the default limit");
}

/// The confinement of `diff`, `export` and `commit` mounts its private root over /tmp: a store
/// that itself lives under /tmp (SKIFF_ROOT or XDG_DATA_HOME there) must still be readable.
#[test]
fn readers_work_with_a_store_under_tmp() {
    let env = TestEnv::new();
    let store = tempfile_in_tmp();
    let _cleanup = RemoveOnDrop(store.clone());
    std::os::unix::fs::chown(&store, Some(test_uid()), Some(test_gid())).unwrap();
    let script = format!(
        r#"set -e
        export SKIFF_ROOT={store}
        skiff() {{ {bin} "$@"; }}
        skiff pull -q {BUSYBOX} >/dev/null
        skiff run -d --name c {BUSYBOX} sh -c 'echo hello > /made; sleep 100' >/dev/null
        i=0; until skiff exec c test -e /made; do i=$((i+1)); [ $i -lt 100 ]; sleep 0.1; done
        echo "diff: $(skiff diff c | grep made)"
        echo "export: $(skiff export c | tar -tf - | grep '^made$')"
        skiff commit c tmpstore/img >/dev/null
        echo "commit: $(skiff run --rm tmpstore/img cat /made)"
        skiff rm -f c >/dev/null
        "#,
        store = s(&store),
        bin = s(skiff_bin()),
    );
    let o = env.sh(&script);
    assert_success(&o, "readers with a store under /tmp");
    let out = stdout(&o);
    assert!(out.contains("diff: A /made"), "{out}\n{}", stderr(&o));
    assert!(out.contains("export: made"), "{out}\n{}", stderr(&o));
    assert!(out.contains("commit: hello"), "{out}\n{}", stderr(&o));
}

/// A fresh directory under /tmp (not the test's own directory, which is elsewhere).
fn tempfile_in_tmp() -> PathBuf {
    for i in 0..1000u32 {
        let p = PathBuf::from(format!("/tmp/skiff-store-{}-{i}", std::process::id()));
        if std::fs::create_dir(&p).is_ok() {
            return p;
        }
    }
    panic!("no free directory under /tmp");
}

/// Removes a directory tree (as root: it holds files of the user's subordinate ids) on drop.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
