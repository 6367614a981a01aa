//! docker's units, read by one parser everywhere: the sizes of `--memory` and `--log-opt
//! max-size` as `--tmpfs size=` reads them, and Go durations in `until=` filters of images as
//! of containers.
mod common;

use common::*;

#[test]
fn memory_takes_every_size_docker_writes() {
    let env = env_with_busybox();
    // `1t` and `1.5g` are sizes: the run gets past parsing to the missing cgroup.
    for size in ["1t", "1.5g", "2GiB"] {
        let o = env.skiff(&["run", "--rm", "--memory", size, BUSYBOX, "true"]);
        assert_eq!(code(&o), 125, "--memory {size}");
        let err = stderr(&o);
        assert!(
            err.contains("needs a cgroup v2 hierarchy delegated to your user"),
            "--memory {size}: {err}"
        );
    }
    let o = env.skiff(&["run", "--rm", "--memory", "lots", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert!(
        stderr(&o).contains("invalid size: \"lots\""),
        "{}",
        stderr(&o)
    );
    assert_eq!(env.skiff_ok(&["ps", "-aq"]), "", "nothing created");
}

#[test]
fn log_max_size_takes_fractions() {
    let env = env_with_busybox();
    let out = env.skiff_ok(&[
        "run",
        "--name",
        "l",
        "--log-opt",
        "max-size=1.5m",
        "--log-opt",
        "max-file=2",
        BUSYBOX,
        "echo",
        "logged",
    ]);
    assert_eq!(out, "logged\n");
    assert_eq!(env.skiff_ok(&["logs", "l"]), "logged\n");
    let o = env.skiff(&["run", "--rm", "--log-opt", "max-size=0", BUSYBOX, "true"]);
    assert_eq!(code(&o), 125);
    assert!(
        stderr(&o).contains("invalid log opt max-size: 0"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn image_until_filters_take_go_durations() {
    let env = env_with_busybox();
    // `until=1h30m` means what the same time written out means.
    let then = (chrono::Utc::now() - chrono::Duration::minutes(90)).to_rfc3339();
    let by_duration = env.skiff_ok(&["images", "-q", "--filter", "until=1h30m"]);
    let by_time = env.skiff_ok(&["images", "-q", "--filter", &format!("until={then}")]);
    assert_eq!(by_duration, by_time);
    let out = env.skiff_ok(&["image", "prune", "-a", "-f", "--filter", "until=1h30m"]);
    assert!(out.contains("Total reclaimed space"), "{out}");
    let err = env.skiff_err(&["image", "prune", "-f", "--filter", "until=1x"]);
    assert!(err.contains("invalid until filter"), "{err}");
    // The same syntax for containers.
    env.skiff_ok(&["container", "prune", "-f", "--filter", "until=1h30m"]);
}
