//! `benches/compare.sh --quick` still works: one run of every measurement, with podman if it is
//! installed and skiff alone otherwise. The script runs as root and drives skiff as the test
//! user, so this test needs root (as CI runs); it fails, never skips, without it.
mod common;

use std::path::Path;
use std::process::Command;

/// Every measurement the script reports, in order.
const MEASUREMENTS: &[&str] = &[
    "ps0",
    "run_none",
    "floor_unshare",
    "run_floor_min",
    "run_default",
    "cycle",
    "exec",
    "monitor_peak_rss_mb",
    "ps100",
    "images50",
    "pull",
    "storage_throughput",
    "network_throughput",
    "network_throughput_in",
    // benches/scale.sh, which compare.sh runs at its end (--quick: levels 1 and 3).
    "monitor_rss_kb",
    "pss_per_container_kb",
    "scale_run_1",
    "scale_ps_1",
    "scale_inspect_1",
    "scale_exec_1",
    "scale_stop_1",
    "memory_per_container_kb_1",
    "scale_run_3",
    "scale_exec_3",
    "scale_stop_3",
];

#[test]
fn compare_script_quick_mode_reports_every_measurement() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "benches/compare.sh runs as root (it drives skiff as `{}`): run the tests as root",
        common::TEST_USER
    );
    // The environment checks of the harness (test user, registry), and a skiff binary the test
    // user can reach.
    let _env = common::TestEnv::new();
    let skiff = common::skiff_bin();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/compare.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(&script)
        .arg("--quick")
        .arg("--skiff")
        .arg(skiff)
        .env("SKIFF_BENCH_USER", common::TEST_USER);
    let o = common::run_with_timeout(cmd, None, std::time::Duration::from_secs(900))
        .unwrap_or_else(|e| panic!("compare.sh --quick: {e}"));
    let out = common::stdout(&o);
    let err = common::stderr(&o);
    assert!(
        o.status.success(),
        "compare.sh --quick failed: {}\n{out}\n{err}",
        o.status
    );
    for name in MEASUREMENTS {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("RESULT {name} ")))
            .unwrap_or_else(|| panic!("no result line for {name}:\n{out}\n{err}"));
        if line.contains("skipped") {
            continue;
        }
        // A number for skiff (or the floor), never FAIL.
        let value = line
            .split_whitespace()
            .nth(2)
            .and_then(|kv| kv.split_once('=').map(|(_, v)| v.to_string()))
            .unwrap_or_default();
        assert!(
            value.parse::<f64>().is_ok(),
            "{name}: no measurement in {line:?}\n{out}\n{err}"
        );
    }
    assert!(!out.contains("FAIL"), "{out}\n{err}");
}

/// `benches/api.sh --quick` still works (issue 16's benchmark of the API service), and its
/// `--breakdown` traces the steps of a `docker run --rm` through the service and of a
/// `skiff run --rm` (with perf; where perf is missing it must say so).
#[test]
fn api_script_quick_mode_reports_every_measurement_and_the_breakdown() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "benches/api.sh runs as root (it drives skiff as `{}`): run the tests as root",
        common::TEST_USER
    );
    let _env = common::TestEnv::new();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/api.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(&script)
        .args(["--quick", "--breakdown", "2", "--skiff"])
        .arg(common::skiff_bin())
        .env("SKIFF_BENCH_USER", common::TEST_USER);
    let o = common::run_with_timeout(cmd, None, std::time::Duration::from_secs(600))
        .unwrap_or_else(|e| panic!("api.sh --quick: {e}"));
    let (out, err) = (common::stdout(&o), common::stderr(&o));
    assert!(
        o.status.success(),
        "api.sh failed: {}\n{out}\n{err}",
        o.status
    );
    for name in [
        "api_ps",
        "api_run",
        "idle_rss_mb",
        "activation_first_answer",
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("RESULT {name} skiff=")))
            .unwrap_or_else(|| panic!("no result line for {name}:\n{out}\n{err}"));
        let value = line
            .split_whitespace()
            .nth(2)
            .and_then(|kv| kv.strip_prefix("skiff="))
            .unwrap_or_default();
        assert!(
            value.parse::<f64>().is_ok(),
            "{name}: no measurement in {line:?}\n{out}\n{err}"
        );
    }
    // The floor: the docker CLI against canned answers, each figure a number.
    let floor = out
        .lines()
        .find(|l| l.starts_with("RESULT api_floor "))
        .unwrap_or_else(|| panic!("no result line for api_floor:\n{out}\n{err}"));
    for key in ["run", "ps", "service_share_run", "cli_run", "goal_run"] {
        let value = floor
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
            .unwrap_or_default();
        assert!(
            value.parse::<f64>().is_ok(),
            "api_floor {key}: no measurement in {floor:?}\n{out}\n{err}"
        );
    }
    let perf = Command::new("perf")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if perf {
        for step in [
            "api_run destroy to wait answer",
            "api_run total",
            "cli_run die to destroy (removal)",
            "cli_run total",
        ] {
            let line = out
                .lines()
                .find(|l| l.starts_with(&format!("BREAKDOWN {step}: ")))
                .unwrap_or_else(|| panic!("no breakdown of {step:?}:\n{out}\n{err}"));
            let ms = line.rsplit(' ').next().unwrap_or_default();
            assert!(
                ms.parse::<f64>().is_ok_and(|v| v >= 0.0),
                "{step}: {line:?}\n{out}"
            );
        }
    } else {
        assert!(out.contains("--breakdown: no perf"), "{out}\n{err}");
    }
    assert!(!out.contains("FAIL"), "{out}\n{err}");
}

/// `benches/run_phases.sh --quick` still works: two traced `run --rm` and, per phase, the CPU
/// of the command, the monitor and the container's init (docs/performance.md's timeline).
#[test]
fn run_phases_script_quick_mode_prints_every_phase() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "benches/run_phases.sh runs as root (perf, and skiff as `{}`): run the tests as root",
        common::TEST_USER
    );
    let _env = common::TestEnv::new();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/run_phases.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(&script)
        .args(["--quick", "--skiff"])
        .arg(common::skiff_bin())
        .env("SKIFF_BENCH_USER", common::TEST_USER);
    let o = common::run_with_timeout(cmd, None, std::time::Duration::from_secs(600))
        .unwrap_or_else(|e| panic!("run_phases.sh --quick: {e}"));
    let (out, err) = (common::stdout(&o), common::stderr(&o));
    assert!(
        o.status.success(),
        "run_phases.sh failed: {}\n{out}\n{err}",
        o.status
    );
    assert!(out.contains("\nruns 2\n"), "{out}\n{err}");
    for phase in [
        "cli: start, parse, create",
        "init: clone..first mount",
        "init: mounts, pivot_root",
        "init: seccomp..exec",
        "container: true runs, exits",
        "cli: exit",
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(phase))
            .unwrap_or_else(|| panic!("no phase {phase}:\n{out}\n{err}"));
        assert!(
            line[phase.len()..].split(',').any(|c| c
                .split_whitespace()
                .nth(1)
                .is_some_and(|v| v.parse::<f64>().is_ok())),
            "{line}"
        );
    }
}
