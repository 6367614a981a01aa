//! The settings of a container record that docker shows under `HostConfig` (and its
//! `GraphDriver`): the storage driver, the smaller spec settings, the resource limits. Plain
//! data: `storage` and `runtime` act on them (their behaviour is implemented there).
use serde::{Deserialize, Serialize};

/// A storage driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Driver {
    #[default]
    #[serde(rename = "overlay")]
    Overlay,
    #[serde(rename = "fuse-overlay")]
    FuseOverlay,
    #[serde(rename = "vfs")]
    Vfs,
}

impl Driver {
    pub const ALL: [Driver; 3] = [Driver::Overlay, Driver::FuseOverlay, Driver::Vfs];

    pub fn name(self) -> &'static str {
        match self {
            Driver::Overlay => "overlay",
            Driver::FuseOverlay => "fuse-overlay",
            Driver::Vfs => "vfs",
        }
    }
}

impl std::fmt::Display for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Driver {
    type Err = String;
    fn from_str(s: &str) -> Result<Driver, String> {
        match s {
            "overlay" | "overlay2" => Ok(Driver::Overlay),
            "fuse-overlay" | "fuse-overlayfs" => Ok(Driver::FuseOverlay),
            "vfs" => Ok(Driver::Vfs),
            other => Err(format!(
                "unknown storage driver {other:?} (use overlay, fuse-overlay or vfs)"
            )),
        }
    }
}

/// The smaller settings of `run`: each maps to one field of the spec (the container record
/// keeps them for `inspect`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpecExtras {
    /// The NIS domain name of the container's UTS namespace (`--domainname`).
    pub domainname: String,
    /// The size of /dev/shm in bytes (`--shm-size`; docker's default is 64 MiB).
    pub shm_size: Option<u64>,
    /// Namespaced kernel parameters, written under /proc/sys at start (`--sysctl`).
    pub sysctls: std::collections::BTreeMap<String, String>,
    /// OCI annotations (`--annotation`).
    pub annotations: std::collections::BTreeMap<String, String>,
    /// `--pid`: empty (a namespace of its own), `host` or `container:ID` (that container's,
    /// joined when it starts).
    pub pid: String,
    /// `--ipc`: empty or `private`, `shareable` (a namespace of its own), `none` (one of its
    /// own without /dev/shm), `host` or `container:ID` (a shareable container's namespace and
    /// /dev/shm).
    pub ipc: String,
    /// `--userns`: empty or `host` (the user's rootless namespace) or `keep-id`.
    pub userns: String,
    /// `--uts`: empty or `host`.
    pub uts: String,
    /// `--cgroupns`: empty or `host` (the host's cgroup namespace), `private`.
    pub cgroupns: String,
}

/// A per-device rate (`--device-read-bps /dev/sda:1mb`): the device path and the rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThrottleDevice {
    pub path: String,
    pub rate: u64,
}

/// A per-device weight (`--blkio-weight-device /dev/sda:200`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightDevice {
    pub path: String,
    pub weight: u16,
}

/// A container's resource limits, with docker's HostConfig meanings (0 = not set).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Resources {
    /// `--memory`, bytes.
    pub memory: i64,
    /// `--memory-swap`: memory plus swap, bytes; -1 unlimited.
    pub memory_swap: i64,
    /// `--memory-reservation`, bytes.
    pub memory_reservation: i64,
    /// `--cpus` in billionths of a CPU.
    pub nano_cpus: i64,
    /// `--cpu-shares` (relative weight, 1024 by docker's count).
    pub cpu_shares: i64,
    /// `--cpu-period`, microseconds.
    pub cpu_period: i64,
    /// `--cpu-quota`, microseconds per period; -1 unlimited.
    pub cpu_quota: i64,
    /// `--cpuset-cpus`.
    pub cpuset_cpus: String,
    /// `--cpuset-mems`.
    pub cpuset_mems: String,
    /// `--pids-limit`: > 0 a limit; 0 or -1 none.
    pub pids_limit: i64,
    /// `--blkio-weight` (10 to 1000).
    pub blkio_weight: u16,
    pub blkio_weight_device: Vec<WeightDevice>,
    pub device_read_bps: Vec<ThrottleDevice>,
    pub device_write_bps: Vec<ThrottleDevice>,
    pub device_read_iops: Vec<ThrottleDevice>,
    pub device_write_iops: Vec<ThrottleDevice>,
}
