//! docker's cgroup flags of `run`, `create` and `update` beyond `--memory`, `--cpus` and
//! `--pids-limit`: parsed here into the engine's `Limits` (sizes with docker's units), checked
//! by the engine.
use crate::engine::resources::Limits;
use crate::engine::EngineError;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ResourceFlags {
    /// Swap limit equal to memory plus swap: '-1' to enable unlimited swap
    #[arg(long, value_name = "BYTES", allow_hyphen_values = true)]
    pub memory_swap: Option<String>,
    /// Memory soft limit
    #[arg(long, value_name = "BYTES")]
    pub memory_reservation: Option<String>,
    /// CPU shares (relative weight)
    #[arg(short = 'c', long, value_name = "N")]
    pub cpu_shares: Option<i64>,
    /// Limit CPU CFS (Completely Fair Scheduler) period
    #[arg(long, value_name = "N")]
    pub cpu_period: Option<i64>,
    /// Limit CPU CFS (Completely Fair Scheduler) quota
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub cpu_quota: Option<i64>,
    /// CPUs in which to allow execution (0-3, 0,1)
    #[arg(long, value_name = "LIST")]
    pub cpuset_cpus: Option<String>,
    /// MEMs in which to allow execution (0-3, 0,1)
    #[arg(long, value_name = "LIST")]
    pub cpuset_mems: Option<String>,
    /// Block IO (relative weight), between 10 and 1000, or 0 to disable
    #[arg(long, value_name = "N")]
    pub blkio_weight: Option<u16>,
    /// Block IO weight (relative device weight)
    #[arg(long, value_name = "DEVICE:WEIGHT")]
    pub blkio_weight_device: Vec<String>,
    /// Limit read rate (bytes per second) from a device
    #[arg(long, value_name = "DEVICE:RATE")]
    pub device_read_bps: Vec<String>,
    /// Limit write rate (bytes per second) to a device
    #[arg(long, value_name = "DEVICE:RATE")]
    pub device_write_bps: Vec<String>,
    /// Limit read rate (IO per second) from a device
    #[arg(long, value_name = "DEVICE:IOPS")]
    pub device_read_iops: Vec<String>,
    /// Limit write rate (IO per second) to a device
    #[arg(long, value_name = "DEVICE:IOPS")]
    pub device_write_iops: Vec<String>,
}

/// `run`/`create` only: flags `update` does not have.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CreateResourceFlags {
    /// Tune container memory swappiness (0 to 100)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub memory_swappiness: Option<i64>,
    /// Disable OOM Killer
    #[arg(long)]
    pub oom_kill_disable: bool,
    /// Optional parent cgroup for the container
    #[arg(long, value_name = "PATH")]
    pub cgroup_parent: Option<String>,
}

impl ResourceFlags {
    /// Add these flags to `l`.
    pub fn fill(&self, l: &mut Limits) -> Result<(), EngineError> {
        let size = crate::engine::create::request::size;
        l.memory_swap = match self.memory_swap.as_deref() {
            Some("-1") => Some(-1),
            Some(s) => Some(size(s)? as i64),
            None => None,
        };
        l.memory_reservation = self.memory_reservation.as_deref().map(size).transpose()?;
        l.cpu_shares = self.cpu_shares;
        l.cpu_period = self.cpu_period;
        l.cpu_quota = self.cpu_quota;
        l.cpuset_cpus = self.cpuset_cpus.clone();
        l.cpuset_mems = self.cpuset_mems.clone();
        l.blkio_weight = self.blkio_weight;
        for (flag, vals) in [
            ("--blkio-weight-device", &self.blkio_weight_device),
            ("--device-read-bps", &self.device_read_bps),
            ("--device-write-bps", &self.device_write_bps),
            ("--device-read-iops", &self.device_read_iops),
            ("--device-write-iops", &self.device_write_iops),
        ] {
            for v in vals {
                crate::engine::resources::check_device_io(flag, v)?;
                l.device_io.push((flag.to_string(), v.clone()));
            }
        }
        Ok(())
    }
}

impl CreateResourceFlags {
    pub fn fill(&self, l: &mut Limits) {
        l.memory_swappiness = self.memory_swappiness;
        l.oom_kill_disable = self.oom_kill_disable;
        l.cgroup_parent = self.cgroup_parent.clone().filter(|p| !p.is_empty());
    }
}
