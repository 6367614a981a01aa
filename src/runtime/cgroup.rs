//! Container cgroups (cgroup v2 only), written through cgroupfs directly.
//!
//! Where a container's cgroups live: under the cgroup v2 subtree the user owns (found from
//! `/proc/self/cgroup` and the ownership of its directories: systemd's `Delegate=yes` makes
//! `user@UID.service` such a subtree), or, for root, under the hierarchy's root. Each container
//! gets `<parent>/<id>`, the parent being `skiff.slice` below that subtree or `--cgroup-parent`.
//!
//! Why cgroupfs and not a systemd scope (podman's `cgroup_manager=systemd`): skiff has no
//! daemon and must work where no user manager runs (CI, containers, `su`); a scope would need a
//! D-Bus client (or `systemd-run --user --scope` per container) only to get a directory that a
//! delegated subtree already lets us make ourselves. Directories made here are below a subtree
//! systemd delegated, which it leaves alone.
//!
//! The limits are written as runc's cgroup v2 driver writes them for the same docker flags
//! (`memory.max`, `memory.swap.max`, `memory.low`, `cpu.max`, `cpu.weight`, `cpuset.cpus`,
//! `cpuset.mems`, `pids.max`, `io.weight`/`io.bfq.weight`, `io.max`), so `cat` shows the same
//! values as under docker. `SKIFF_CGROUP_ROOT` names another directory to use as the cgroup v2
//! mount (tests lay out a fake delegated cgroupfs there to check the exact writes).
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use crate::state::host_config::{Resources, ThrottleDevice, WeightDevice};

/// Environment variable: a directory to use as the cgroup v2 mount point (tests).
pub const ROOT_ENV: &str = "SKIFF_CGROUP_ROOT";

/// The default parent of container cgroups, below the delegated subtree.
pub const DEFAULT_PARENT: &str = "skiff.slice";

/// Finds a device path's (major, minor) numbers.
pub type DeviceNumbers<'a> = &'a dyn Fn(&str) -> Result<(u64, u64), CgroupError>;

/// Why a container's cgroup could not be found, made, limited, frozen or removed.
#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    /// No cgroup v2 subtree this user may change (no hierarchy, nothing delegated).
    #[error("{0}")]
    NotDelegated(String),
    /// A parent or limit that cannot be used (a `..` parent, swap without memory, a path that
    /// is no block device): the caller's arguments.
    #[error("{0}")]
    Invalid(String),
    /// A cgroupfs file or directory that could not be read or written: which, and the error.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// A freeze or thaw the kernel did not finish in time.
    #[error("{dir} did not become {want:?}")]
    Timeout { dir: PathBuf, want: &'static str },
}

impl CgroupError {
    fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> CgroupError {
        let context = context.into();
        move |source| CgroupError::Io { context, source }
    }
}

impl Resources {
    pub fn is_empty(&self) -> bool {
        *self == Resources::default()
    }

    /// The controllers these limits need, each with the first flag that needs it.
    pub fn controllers(&self) -> Vec<(&'static str, &'static str)> {
        let mut c = Vec::new();
        if self.memory != 0 {
            c.push(("memory", "--memory"));
        } else if self.memory_swap != 0 {
            c.push(("memory", "--memory-swap"));
        } else if self.memory_reservation != 0 {
            c.push(("memory", "--memory-reservation"));
        }
        if self.nano_cpus != 0 {
            c.push(("cpu", "--cpus"));
        } else if self.cpu_shares != 0 {
            c.push(("cpu", "--cpu-shares"));
        } else if self.cpu_quota != 0 {
            c.push(("cpu", "--cpu-quota"));
        } else if self.cpu_period != 0 {
            c.push(("cpu", "--cpu-period"));
        }
        if !self.cpuset_cpus.is_empty() {
            c.push(("cpuset", "--cpuset-cpus"));
        } else if !self.cpuset_mems.is_empty() {
            c.push(("cpuset", "--cpuset-mems"));
        }
        if self.pids_limit > 0 {
            c.push(("pids", "--pids-limit"));
        }
        let io = [
            (self.blkio_weight != 0, "--blkio-weight"),
            (
                !self.blkio_weight_device.is_empty(),
                "--blkio-weight-device",
            ),
            (!self.device_read_bps.is_empty(), "--device-read-bps"),
            (!self.device_write_bps.is_empty(), "--device-write-bps"),
            (!self.device_read_iops.is_empty(), "--device-read-iops"),
            (!self.device_write_iops.is_empty(), "--device-write-iops"),
        ];
        if let Some((_, flag)) = io.iter().find(|(set, _)| *set) {
            c.push(("io", flag));
        }
        c
    }

    /// The (file, value) writes runc's cgroup v2 driver makes for these limits.
    /// `devnum` gives a device path's major and minor numbers; `bfq` says whether the cgroup
    /// has `io.bfq.weight` (then weights are written there unconverted, as runc does).
    pub fn writes(
        &self,
        devnum: DeviceNumbers<'_>,
        bfq: bool,
    ) -> Result<Vec<(&'static str, String)>, CgroupError> {
        let mut w = Vec::new();
        let num = |v: i64| {
            if v < 0 {
                "max".to_string()
            } else {
                v.to_string()
            }
        };
        // cpu: cpu.weight from the shares, cpu.max from quota and period (--cpus sets both).
        if self.cpu_shares != 0 {
            w.push((
                "cpu.weight",
                shares_to_weight(self.cpu_shares as u64).to_string(),
            ));
        }
        let (quota, period) = self.cpu_quota_period();
        if quota != 0 || period != 0 {
            let mut s = if quota > 0 {
                quota.to_string()
            } else {
                "max".to_string()
            };
            if period != 0 {
                s.push_str(&format!(" {period}"));
            }
            w.push(("cpu.max", s));
        }
        if !self.cpuset_cpus.is_empty() {
            w.push(("cpuset.cpus", self.cpuset_cpus.clone()));
        }
        if !self.cpuset_mems.is_empty() {
            w.push(("cpuset.mems", self.cpuset_mems.clone()));
        }
        // memory: swap first (the kernel checks nothing between them, runc's order).
        let swap = swap_to_v2(self.memory_swap, self.memory)?;
        if swap != 0 {
            w.push(("memory.swap.max", num(swap)));
        }
        if self.memory != 0 {
            w.push(("memory.max", num(self.memory)));
        }
        if self.memory_reservation != 0 {
            w.push(("memory.low", num(self.memory_reservation)));
        }
        if self.pids_limit > 0 {
            w.push(("pids.max", self.pids_limit.to_string()));
        }
        if self.blkio_weight != 0 {
            if bfq {
                w.push(("io.bfq.weight", self.blkio_weight.to_string()));
            } else {
                w.push((
                    "io.weight",
                    blkio_to_io_weight(self.blkio_weight).to_string(),
                ));
            }
        }
        for d in &self.blkio_weight_device {
            let (ma, mi) = devnum(&d.path)?;
            if bfq {
                w.push(("io.bfq.weight", format!("{ma}:{mi} {}", d.weight)));
            } else {
                w.push((
                    "io.weight",
                    format!("{ma}:{mi} {}", blkio_to_io_weight(d.weight)),
                ));
            }
        }
        for (list, key) in [
            (&self.device_read_bps, "rbps"),
            (&self.device_write_bps, "wbps"),
            (&self.device_read_iops, "riops"),
            (&self.device_write_iops, "wiops"),
        ] {
            for d in list {
                let (ma, mi) = devnum(&d.path)?;
                w.push(("io.max", format!("{ma}:{mi} {key}={}", d.rate)));
            }
        }
        Ok(w)
    }

    /// The CFS quota and period: docker turns `--cpus` into a 100 ms period and its share of
    /// it.
    pub fn cpu_quota_period(&self) -> (i64, i64) {
        if self.nano_cpus > 0 {
            let period = 100_000;
            (self.nano_cpus * period / 1_000_000_000, period)
        } else {
            (self.cpu_quota, self.cpu_period)
        }
    }
}

/// runc's (1.2, docker 28's) conversion of cgroup v1 CPU shares (2 to 262144) to a cgroup v2
/// weight (1 to 10000): `1 + (shares - 2) * 9999 / 262142`.
pub fn shares_to_weight(shares: u64) -> u64 {
    if shares == 0 {
        return 0;
    }
    let s = shares.clamp(2, 262_144);
    1 + (s - 2) * 9999 / 262_142
}

/// runc's conversion of a blkio weight (10 to 1000) to an `io.weight` (1 to 10000).
pub fn blkio_to_io_weight(w: u16) -> u64 {
    if w == 0 {
        return 0;
    }
    1 + (u64::from(w.max(10)) - 10) * 9999 / 990
}

/// runc's conversion of docker's memory+swap to cgroup v2's swap alone (-1 is unlimited, 0
/// unset).
pub fn swap_to_v2(memory_swap: i64, memory: i64) -> Result<i64, CgroupError> {
    if memory == -1 && memory_swap == 0 {
        return Ok(-1);
    }
    if memory_swap == -1 || memory_swap == 0 {
        return Ok(memory_swap);
    }
    if memory == 0 || memory == -1 {
        return Err(CgroupError::Invalid(
            "unable to set swap limit without memory limit".into(),
        ));
    }
    if memory_swap < memory {
        return Err(CgroupError::Invalid(
            "memory+swap limit should be >= memory limit".into(),
        ));
    }
    Ok(memory_swap - memory)
}

/// The cgroup v2 mount point: `SKIFF_CGROUP_ROOT`, `/sys/fs/cgroup` on a unified machine,
/// `/sys/fs/cgroup/unified` on a hybrid one.
pub fn mount_point() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(ROOT_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.join("cgroup.controllers").exists())
}

/// Where container cgroups may be made: the cgroup v2 mount and the subtree this user may
/// change (root: the whole hierarchy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    pub mount: PathBuf,
    pub root: PathBuf,
}

impl Delegation {
    /// The controllers the subtree's root can hand down.
    pub fn controllers(&self) -> Vec<String> {
        controllers(&self.root)
    }

    /// The directory of a container's cgroup: `parent` (`--cgroup-parent`; relative to the
    /// delegated subtree, or absolute in the hierarchy and then inside that subtree) or
    /// `skiff.slice`, then the container's ID.
    pub fn container_dir(&self, parent: Option<&str>, id: &str) -> Result<PathBuf, CgroupError> {
        let parent = parent.filter(|p| !p.is_empty()).unwrap_or(DEFAULT_PARENT);
        let rel = Path::new(parent);
        if rel
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            return Err(CgroupError::Invalid(format!(
                "invalid cgroup parent {parent:?}: \"..\" is not allowed"
            )));
        }
        let dir = if rel.is_absolute() {
            self.mount.join(rel.strip_prefix("/").unwrap_or(rel))
        } else {
            self.root.join(rel)
        };
        if !dir.starts_with(&self.root) {
            return Err(CgroupError::Invalid(format!(
                "cgroup parent {parent:?} is outside the cgroup subtree delegated to you ({})",
                self.root.display()
            )));
        }
        Ok(dir.join(id))
    }
}

/// This process's cgroup v2 path (the `0::` line of /proc/self/cgroup).
fn own_cgroup() -> Option<String> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    own.lines()
        .find_map(|l| l.strip_prefix("0::"))
        .map(|s| s.trim().to_string())
}

/// The subtree of the cgroup v2 hierarchy this user may change, or why there is none: root
/// has the whole hierarchy; a user has the topmost ancestor of its own cgroup that it owns and
/// may move processes in (`cgroup.procs` writable), as systemd's delegation leaves it.
pub fn delegation() -> Result<Delegation, CgroupError> {
    let Some(mount) = mount_point() else {
        return Err(CgroupError::NotDelegated(
            "the machine has no cgroup v2 hierarchy".into(),
        ));
    };
    let euid = nix::unistd::geteuid();
    if euid.is_root() {
        return Ok(Delegation {
            root: mount.clone(),
            mount,
        });
    }
    let rel = own_cgroup()
        .ok_or_else(|| CgroupError::NotDelegated("this process is in no cgroup v2 group".into()))?;
    let own = mount.join(rel.trim_start_matches('/'));
    let owned = |d: &Path| {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(d).is_ok_and(|m| m.uid() == euid.as_raw())
            && nix::unistd::access(&d.join("cgroup.procs"), nix::unistd::AccessFlags::W_OK).is_ok()
    };
    let mut root = None;
    let mut d = own.as_path();
    loop {
        if !owned(d) {
            break;
        }
        root = Some(d.to_path_buf());
        if d == mount {
            break;
        }
        match d.parent() {
            Some(p) if p.starts_with(&mount) => d = p,
            _ => break,
        }
    }
    match root {
        Some(root) => Ok(Delegation { mount, root }),
        None => Err(CgroupError::NotDelegated(format!(
            "{} is not delegated to your user (no systemd user session with Delegate=yes)",
            own.display()
        ))),
    }
}

/// The controllers listed in `dir/cgroup.controllers`.
pub fn controllers(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("cgroup.controllers"))
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect()
}

/// Write `value` to `dir/name` as one write (cgroupfs takes one value per write).
pub fn write(dir: &Path, name: &str, value: &str) -> std::io::Result<()> {
    let path = dir.join(name);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)?;
    f.write_all(value.as_bytes())
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

/// Make the cgroup `dir` below `root` (the delegated subtree), enabling `needed` controllers
/// from `root` down to `dir`'s parent.
pub fn create(root: &Path, dir: &Path, needed: &[&str]) -> Result<(), CgroupError> {
    std::fs::create_dir_all(dir).map_err(CgroupError::io(dir.display().to_string()))?;
    if needed.is_empty() {
        return Ok(());
    }
    let rel = dir.strip_prefix(root).map_err(|_| {
        CgroupError::Invalid(format!("{} is not below {}", dir.display(), root.display()))
    })?;
    let mut level = root.to_path_buf();
    let comps: Vec<_> = rel.components().collect();
    for c in comps
        .iter()
        .take(comps.len().saturating_sub(1))
        .map(Some)
        .chain([None])
    {
        let enabled =
            std::fs::read_to_string(level.join("cgroup.subtree_control")).unwrap_or_default();
        for n in needed {
            if !enabled.split_whitespace().any(|e| e == *n) {
                write(&level, "cgroup.subtree_control", &format!("+{n}")).map_err(
                    CgroupError::io(format!(
                        "enabling the {n} controller in {}",
                        level.display()
                    )),
                )?;
            }
        }
        match c {
            Some(c) => level.push(c),
            None => break,
        }
    }
    Ok(())
}

/// Write the limits into the cgroup `dir`.
pub fn apply(dir: &Path, r: &Resources) -> Result<(), CgroupError> {
    let bfq = dir.join("io.bfq.weight").exists();
    for (file, value) in r.writes(&device_number, bfq)? {
        write(dir, file, &value)
            .map_err(CgroupError::io(format!("writing {value:?} to {file}")))?;
    }
    Ok(())
}

/// The major and minor numbers of a block device.
pub fn device_number(path: &str) -> Result<(u64, u64), CgroupError> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let m = std::fs::metadata(path).map_err(CgroupError::io(path))?;
    if !m.file_type().is_block_device() {
        return Err(CgroupError::Invalid(format!(
            "{path} is not a block device"
        )));
    }
    let rdev = m.rdev();
    Ok((nix::sys::stat::major(rdev), nix::sys::stat::minor(rdev)))
}

/// Move process `pid` into the cgroup `dir`.
pub fn add_process(dir: &Path, pid: i32) -> Result<(), CgroupError> {
    write(dir, "cgroup.procs", &pid.to_string()).map_err(CgroupError::io(
        dir.join("cgroup.procs").display().to_string(),
    ))
}

/// Whether `dir` is a real cgroup with a freezer (`cgroup.freeze`, kernel 5.2).
pub fn can_freeze(dir: &Path) -> bool {
    dir.join("cgroup.freeze").exists() && dir.join("cgroup.events").exists()
}

/// Freeze (or thaw) the cgroup `dir`, waiting until `cgroup.events` says it is done.
pub fn freeze(dir: &Path, on: bool) -> Result<(), CgroupError> {
    write(dir, "cgroup.freeze", if on { "1" } else { "0" }).map_err(CgroupError::io(
        dir.join("cgroup.freeze").display().to_string(),
    ))?;
    let want = if on { "frozen 1" } else { "frozen 0" };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let events = std::fs::read_to_string(dir.join("cgroup.events")).unwrap_or_default();
        if events.lines().any(|l| l.trim() == want) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(CgroupError::Timeout {
                dir: dir.to_path_buf(),
                want,
            });
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether the cgroup is frozen (`cgroup.freeze` is 1).
pub fn is_frozen(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("cgroup.freeze")).is_ok_and(|s| s.trim() == "1")
}

/// SIGKILL every process of the cgroup (`cgroup.kill`, kernel 5.14); false without one.
pub fn kill(dir: &Path) -> bool {
    dir.join("cgroup.kill").exists() && write(dir, "cgroup.kill", "1").is_ok()
}

/// The processes of the cgroup (`cgroup.procs`).
pub fn processes(dir: &Path) -> Vec<i32> {
    std::fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Remove the cgroup `dir` (killing what is left in it first) and its `skiff.slice` parent
/// if that is now empty. Missing is fine.
pub fn remove(dir: &Path) -> Result<(), CgroupError> {
    if !dir.exists() {
        return Ok(());
    }
    if !processes(dir).is_empty() {
        if is_frozen(dir) {
            let _ = write(dir, "cgroup.freeze", "0");
        }
        kill(dir);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match std::fs::remove_dir(dir) {
            Ok(()) => break,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
            // Not a cgroupfs directory (the tests' fake one holds the files skiff wrote).
            Err(_) if !dir.join("cgroup.events").exists() => {
                match std::fs::remove_dir_all(dir) {
                    // Someone else (the monitor, `rm`) removed it meanwhile.
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound && dir.exists() => {
                        return Err(CgroupError::io(dir.display().to_string())(e))
                    }
                    _ => break,
                }
            }
            Err(e) if Instant::now() >= deadline => {
                return Err(CgroupError::io(dir.display().to_string())(e))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    if let Some(parent) = dir.parent().filter(|p| p.ends_with(DEFAULT_PARENT)) {
        // Busy (other containers) or not ours: fine.
        let _ = std::fs::remove_dir(parent);
    }
    Ok(())
}

/// Usage read from a cgroup: what `stats` shows, where the files exist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// `memory.current` less `inactive_file` of `memory.stat` (docker's "usage").
    pub memory: Option<u64>,
    /// `memory.max` when a number.
    pub memory_limit: Option<u64>,
    /// `cpu.stat` `usage_usec`.
    pub cpu_usec: Option<u64>,
    /// `pids.current`.
    pub pids: Option<u64>,
    /// `io.stat` rbytes and wbytes summed over devices.
    pub io: Option<(u64, u64)>,
    /// `memory.events` `oom_kill`.
    pub oom_kills: u64,
}

fn read_u64(dir: &Path, name: &str) -> Option<u64> {
    std::fs::read_to_string(dir.join(name))
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn keyed(dir: &Path, name: &str, key: &str) -> Option<u64> {
    std::fs::read_to_string(dir.join(name))
        .ok()?
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(' ')?;
            (k == key).then(|| v.trim().parse().ok()).flatten()
        })
}

/// Read the usage of the cgroup `dir`.
pub fn usage(dir: &Path) -> Usage {
    let memory = read_u64(dir, "memory.current")
        .map(|cur| cur.saturating_sub(keyed(dir, "memory.stat", "inactive_file").unwrap_or(0)));
    let io = std::fs::read_to_string(dir.join("io.stat")).ok().map(|s| {
        let mut r = (0, 0);
        for field in s.split_whitespace() {
            if let Some(v) = field.strip_prefix("rbytes=") {
                r.0 += v.parse::<u64>().unwrap_or(0);
            } else if let Some(v) = field.strip_prefix("wbytes=") {
                r.1 += v.parse::<u64>().unwrap_or(0);
            }
        }
        r
    });
    Usage {
        memory,
        memory_limit: read_u64(dir, "memory.max"),
        cpu_usec: keyed(dir, "cpu.stat", "usage_usec"),
        pids: read_u64(dir, "pids.current"),
        io,
        oom_kills: keyed(dir, "memory.events", "oom_kill").unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_dev(p: &str) -> Result<(u64, u64), CgroupError> {
        match p {
            "/dev/sda" => Ok((8, 0)),
            _ => Err(CgroupError::Invalid(format!("{p}: no such device"))),
        }
    }

    #[test]
    fn conversions_match_runc() {
        assert_eq!(shares_to_weight(1024), 39);
        assert_eq!(shares_to_weight(2), 1);
        assert_eq!(shares_to_weight(262_144), 10000);
        assert_eq!(shares_to_weight(512), 20);
        assert_eq!(blkio_to_io_weight(10), 1);
        assert_eq!(blkio_to_io_weight(1000), 10000);
        assert_eq!(blkio_to_io_weight(500), 4950);
        assert_eq!(swap_to_v2(0, 64).ok(), Some(0));
        assert_eq!(swap_to_v2(-1, 64).ok(), Some(-1));
        assert_eq!(swap_to_v2(128, 64).ok(), Some(64));
        assert!(swap_to_v2(32, 64).is_err());
        assert!(swap_to_v2(128, 0).is_err());
    }

    #[test]
    fn writes_as_runc() {
        let r = Resources {
            memory: 64 << 20,
            memory_swap: 128 << 20,
            memory_reservation: 32 << 20,
            nano_cpus: 1_500_000_000,
            cpu_shares: 512,
            cpuset_cpus: "0".into(),
            cpuset_mems: "0".into(),
            pids_limit: 10,
            blkio_weight: 300,
            device_read_bps: vec![ThrottleDevice {
                path: "/dev/sda".into(),
                rate: 1 << 20,
            }],
            device_write_iops: vec![ThrottleDevice {
                path: "/dev/sda".into(),
                rate: 100,
            }],
            ..Default::default()
        };
        let w = r.writes(&no_dev, false).unwrap();
        let w: Vec<(&str, &str)> = w.iter().map(|(f, v)| (*f, v.as_str())).collect();
        assert_eq!(
            w,
            vec![
                ("cpu.weight", "20"),
                ("cpu.max", "150000 100000"),
                ("cpuset.cpus", "0"),
                ("cpuset.mems", "0"),
                ("memory.swap.max", "67108864"),
                ("memory.max", "67108864"),
                ("memory.low", "33554432"),
                ("pids.max", "10"),
                ("io.weight", "2930"),
                ("io.max", "8:0 rbps=1048576"),
                ("io.max", "8:0 wiops=100"),
            ]
        );
        let q = Resources {
            cpu_quota: -1,
            cpu_period: 50_000,
            memory: -1,
            ..Default::default()
        };
        let w = q.writes(&no_dev, true).unwrap();
        assert_eq!(
            w,
            vec![
                ("cpu.max", "max 50000".to_string()),
                ("memory.swap.max", "max".to_string()),
                ("memory.max", "max".to_string()),
            ]
        );
    }

    #[test]
    fn container_dirs() {
        let d = Delegation {
            mount: "/cg".into(),
            root: "/cg/user.slice/u".into(),
        };
        assert_eq!(
            d.container_dir(None, "abc").unwrap(),
            PathBuf::from("/cg/user.slice/u/skiff.slice/abc")
        );
        assert_eq!(
            d.container_dir(Some("mine"), "abc").unwrap(),
            PathBuf::from("/cg/user.slice/u/mine/abc")
        );
        assert_eq!(
            d.container_dir(Some("/user.slice/u/x"), "abc").unwrap(),
            PathBuf::from("/cg/user.slice/u/x/abc")
        );
        assert!(d.container_dir(Some("/system.slice"), "abc").is_err());
        assert!(d.container_dir(Some("../x"), "abc").is_err());
    }

    #[test]
    fn create_enables_controllers_down_to_the_parent() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        std::fs::write(root.join("cgroup.controllers"), "cpu memory pids").unwrap();
        let dir = root.join("skiff.slice/abc");
        create(root, &dir, &["memory", "pids"]).unwrap();
        assert!(dir.is_dir());
        // One write per controller: the fake file keeps the last.
        assert_eq!(
            std::fs::read_to_string(root.join("cgroup.subtree_control")).unwrap(),
            "+pids"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("skiff.slice/cgroup.subtree_control")).unwrap(),
            "+pids"
        );
        assert!(!dir.join("cgroup.subtree_control").exists());
    }
}
