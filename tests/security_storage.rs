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
    assert_eq!(code(&o), 125, "{}", stderr(&o));
    // Granted: the build runs.
    let o = env.skiff(&["build", "--allow", "network.host", "-t", "nethost", s(&ctx)]);
    assert_success(&o, "build --allow network.host");
}
