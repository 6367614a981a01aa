//! The typed create request: everything a new container is made from, each field already in
//! its parsed form. A front end fills one in (the CLI from `run`/`create` flags through
//! `create::parse`, the builder for a RUN step, the Docker API from a JSON `Config` +
//! `HostConfig`, compose from a service) and hands it to `create::create` or `create::run`.
//!
//! What a front end must know:
//! - Start from `CreateRequest::new(image)`: every other field then has docker's default.
//! - Strings left in the request are docker's own values, already checked for syntax (a
//!   capability name, an environment entry `KEY=VALUE`, a signal name): the parse step
//!   (`create::parse`) turns flag syntax into these types; an API front end fills them from JSON
//!   directly and may use the same functions for the string forms docker's API also accepts.
//! - What depends on the image or on other objects (the user in /etc/passwd, a network or
//!   container by name, a free host port) is checked by `create` before anything is created.
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::engine::EngineError;
use crate::network::ports::{ExposedPort, PublishSpec};
use crate::network::Mode;
use crate::runtime::spec::Security;
use crate::state::container::LogConfig;
use crate::state::restart::RestartPolicy;

/// A new container, as asked for.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    /// The image: a reference (`busybox`, `registry:5000/x:tag`) or an image ID.
    pub image: String,
    /// When to pull the image.
    pub pull: PullPolicy,
    /// Require HTTPS and verified certificates when pulling.
    pub tls_verify: bool,
    /// `--platform` of another architecture (None: the host's), which the host's binfmt_misc
    /// runs (`parse::platform` checks).
    pub platform: Option<crate::registry::Platform>,
    /// `--name`; None picks a free `adjective_surname`.
    pub name: Option<String>,

    /// The command (docker's `Cmd`); empty keeps the image's unless an entrypoint is given.
    pub command: Vec<String>,
    /// docker's `Entrypoint`: None keeps the image's; `Some(vec![])` clears it. Setting it drops
    /// the image's Cmd too, as docker does.
    pub entrypoint: Option<Vec<String>>,
    /// `KEY=VALUE` entries, applied in order over the image's environment (a later one wins).
    pub env: Vec<String>,
    /// Labels, applied over the image's.
    pub labels: BTreeMap<String, String>,
    /// `-w`: an absolute path; None keeps the image's (or `/`).
    pub workdir: Option<String>,
    /// `-u USER[:GROUP]` (names or numbers, looked up in the image); None keeps the image's.
    pub user: Option<String>,
    /// `--group-add`: extra groups, by name (looked up in the image) or number.
    pub group_add: Vec<String>,
    /// `-h`; None: the first 12 characters of the container ID.
    pub hostname: Option<String>,
    /// `-t`: a terminal.
    pub tty: bool,
    /// `-i`: keep stdin open.
    pub interactive: bool,
    /// `--rm`: remove the container when it exits.
    pub auto_remove: bool,

    /// The network mode and everything that goes with it.
    pub network: NetworkRequest,
    /// `-v`, `--mount` and `--tmpfs`, in that order.
    pub mounts: Vec<MountRequest>,
    /// `--volumes-from`.
    pub volumes_from: Vec<VolumesFrom>,
    /// `--device`.
    pub devices: Vec<DeviceRequest>,
    /// `--device-cgroup-rule`, validated (`c 1:3 rwm`).
    pub device_cgroup_rules: Vec<String>,

    /// `--restart`.
    pub restart: RestartPolicy,
    /// `--log-driver` and `--log-opt`.
    pub log: LogConfig,
    /// Capabilities, privileges, seccomp, read-only root, init.
    pub security: Security,
    /// `--ulimit`.
    pub ulimits: Vec<Ulimit>,
    /// `--memory`, `--cpus`, `--pids-limit` (they need a delegated cgroup).
    pub limits: Limits,
    /// `--stop-signal`, a valid signal name or number; None keeps the image's.
    pub stop_signal: Option<String>,
    /// `--stop-timeout` in seconds.
    pub stop_timeout: Option<i64>,
    /// `--health-*` and `--no-healthcheck`, merged over the image's HEALTHCHECK (None: the
    /// image's as it is).
    pub healthcheck: Option<crate::state::health::HealthConfig>,
    /// `--health-on-failure`.
    pub health_on_failure: crate::state::health::OnFailure,
    /// `--domainname`, `--shm-size`, `--sysctl`, `--annotation`.
    pub extras: crate::runtime::spec::SpecExtras,
    /// `-a`: `stdin`, `stdout`, `stderr` (empty: stdout and stderr).
    pub attach: Vec<String>,

    /// `--cidfile` (a CLI matter): created first, refused if it exists, removed if the create
    /// fails, and given the container ID.
    pub cidfile: Option<PathBuf>,
    /// `--replace`: remove a container of the same name first.
    pub replace: bool,
    /// `--pidfile`: the monitor writes the container's PID there while it runs.
    pub pidfile: Option<PathBuf>,
    /// `--sdnotify`.
    pub sdnotify: crate::systemd::notify::Mode,
    /// The command line this request came from (kept for `generate systemd --new`).
    pub create_command: Vec<String>,
    /// `--runtime`: an OCI runtime's name or path (None, or `skiff`: the built-in one).
    pub runtime: Option<String>,
}

impl CreateRequest {
    /// A request for `image` with docker's defaults everywhere else.
    pub fn new(image: impl Into<String>) -> Self {
        CreateRequest {
            image: image.into(),
            pull: PullPolicy::Missing,
            tls_verify: true,
            platform: None,
            name: None,
            command: Vec::new(),
            entrypoint: None,
            env: Vec::new(),
            labels: BTreeMap::new(),
            workdir: None,
            user: None,
            group_add: Vec::new(),
            hostname: None,
            tty: false,
            interactive: false,
            auto_remove: false,
            network: NetworkRequest::default(),
            mounts: Vec::new(),
            volumes_from: Vec::new(),
            devices: Vec::new(),
            device_cgroup_rules: Vec::new(),
            restart: RestartPolicy::No,
            log: LogConfig::default_json_file(),
            security: Security::default(),
            ulimits: Vec::new(),
            limits: Default::default(),
            stop_signal: None,
            stop_timeout: None,
            healthcheck: None,
            health_on_failure: Default::default(),
            extras: Default::default(),
            attach: Vec::new(),
            cidfile: None,
            replace: false,
            pidfile: None,
            sdnotify: Default::default(),
            create_command: Vec::new(),
            runtime: None,
        }
    }
}

/// `--pull`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PullPolicy {
    /// Pull only when the image is not in the store (docker's default).
    #[default]
    Missing,
    Always,
    Never,
}

/// The network side of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkRequest {
    /// `--network`: none, host, slirp4netns (the default), pasta, container:NAME or a user
    /// network by name.
    pub mode: Mode,
    /// More user networks (`--network` given again), after the one `mode` names.
    pub extra_networks: Vec<String>,
    /// `--ip` and `--mac-address` on the (first) user network.
    pub ip: Option<std::net::Ipv4Addr>,
    pub mac: Option<String>,
    /// `-p`.
    pub publish: Vec<PublishSpec>,
    /// `-P`: publish every exposed port to a random host port.
    pub publish_all: bool,
    /// `--expose` (added to the image's EXPOSE).
    pub expose: Vec<ExposedPort>,
    /// `--add-host NAME:IP` (IP may be `host-gateway`), checked before anything is created.
    pub add_hosts: Vec<String>,
    /// `--dns`, `--dns-search`, `--dns-option`.
    pub dns: Vec<String>,
    pub dns_search: Vec<String>,
    pub dns_options: Vec<String>,
    /// `--network-alias`: names on the user network.
    pub aliases: Vec<String>,
}

impl Default for NetworkRequest {
    fn default() -> Self {
        NetworkRequest {
            mode: Mode::default_network(),
            extra_networks: Vec::new(),
            ip: None,
            mac: None,
            publish: Vec::new(),
            publish_all: false,
            expose: Vec::new(),
            add_hosts: Vec::new(),
            dns: Vec::new(),
            dns_search: Vec::new(),
            dns_options: Vec::new(),
            aliases: Vec::new(),
        }
    }
}

/// What a mount is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Volume,
    Bind,
    Tmpfs,
}

/// One mount as asked for, before any volume exists. Build one with `create::parse`'s
/// `volume`, `mount` and `tmpfs` (docker's flag syntaxes), or `MountRequest::bind` /
/// `MountRequest::tmpfs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountRequest {
    pub kind: Kind,
    /// Volume name (None: anonymous) or host path.
    pub source: Option<String>,
    /// An absolute, cleaned path in the container, not `/`.
    pub destination: String,
    pub rw: bool,
    /// The `-v` mode string as given (shown by `inspect`).
    pub mode: String,
    /// A bind mount's propagation (`rprivate`, `shared`, …).
    pub propagation: Option<String>,
    /// Do not copy the image's files into a new volume.
    pub nocopy: bool,
    /// `:U`: chown the source to the container's user.
    pub chown: bool,
    /// A bind source chowned to these ids (in the container's user namespace) at start:
    /// compose's `uid`/`gid` of a secret or config.
    pub chown_to: Option<(u32, u32)>,
    /// `-v` creates a missing bind source; `--mount` refuses it.
    pub create_source: bool,
    pub nonrecursive: bool,
    /// `volume-opt`s for a volume this create makes.
    pub volume_opts: BTreeMap<String, String>,
    /// A tmpfs's mount options (`size=BYTES`, `mode=OCTAL`, `noexec`…).
    pub tmpfs: Vec<String>,
}

impl MountRequest {
    pub(crate) fn new(kind: Kind, destination: String) -> Self {
        MountRequest {
            kind,
            source: None,
            destination,
            rw: true,
            mode: String::new(),
            propagation: None,
            nocopy: false,
            chown: false,
            chown_to: None,
            create_source: false,
            nonrecursive: false,
            volume_opts: BTreeMap::new(),
            tmpfs: Vec::new(),
        }
    }

    /// A bind mount of an existing host path (`--mount type=bind`): any character, commas
    /// included, is fine in either path.
    pub fn bind(source: impl Into<PathBuf>, target: &str, rw: bool) -> Result<Self, EngineError> {
        let source = source.into();
        let destination = destination(target, target)?;
        if !source.is_absolute() {
            return Err(EngineError::Usage(format!(
                "invalid mount config for type \"bind\": invalid mount path: '{}' mount path must be absolute",
                source.display()
            )));
        }
        let mut m = MountRequest::new(Kind::Bind, destination);
        m.source = Some(source.to_string_lossy().into_owned());
        m.rw = rw;
        Ok(m)
    }

    /// A tmpfs with docker's default options (`noexec,nosuid,nodev`), as `--tmpfs PATH`.
    pub fn tmpfs(target: &str) -> Result<Self, EngineError> {
        let mut m = MountRequest::new(Kind::Tmpfs, destination(target, target)?);
        m.tmpfs = vec!["noexec".into(), "nosuid".into(), "nodev".into()];
        Ok(m)
    }
}

/// `--volumes-from CONTAINER[:ro|:rw]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumesFrom {
    /// The container, by name or ID.
    pub container: String,
    /// `Some(false)` for `:ro`, `Some(true)` for `:rw`, None keeps each mount's mode.
    pub rw: Option<bool>,
}

/// `--device HOST[:CONTAINER[:PERMISSIONS]]`: the host's device node, bind-mounted (a rootless
/// container cannot create device nodes; permissions are checked, not enforced: no cgroup).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRequest {
    /// An absolute path to a character or block device (checked before anything is created).
    pub host: PathBuf,
    /// An absolute path in the container.
    pub container: String,
}

/// `--ulimit NAME=SOFT[:HARD]`, one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ulimit {
    /// The `RLIMIT_` name (`RLIMIT_NOFILE`).
    pub name: String,
    pub soft: u64,
    pub hard: u64,
}

/// A container destination: absolute, cleaned, not `/`.
pub(crate) fn destination(spec: &str, d: &str) -> Result<String, EngineError> {
    if !d.starts_with('/') {
        return Err(EngineError::Usage(format!(
            "invalid mount config: invalid mount path: '{d}' mount path must be absolute"
        )));
    }
    let mut clean = PathBuf::from("/");
    for c in Path::new(d).components() {
        match c {
            Component::Normal(n) => clean.push(n),
            Component::ParentDir => {
                clean.pop();
            }
            _ => {}
        }
    }
    if clean == Path::new("/") {
        return Err(EngineError::Usage(format!(
            "invalid volume specification: '{spec}': invalid mount config for type \"volume\": destination can't be '/'"
        )));
    }
    Ok(clean.to_string_lossy().into_owned())
}

/// The resource flags, parsed (`--memory`, `--cpus`, `--pids-limit`, the per-device limits,
/// and the rest of docker's cgroup flags); `resources()` validates them into what the cgroup
/// gets (`runtime::cgroup::Resources`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    /// Bytes.
    pub memory: Option<u64>,
    /// CPUs (a fraction allowed).
    pub cpus: Option<f64>,
    pub pids_limit: Option<i64>,
    /// Per-device block IO limits as (flag, value): `--blkio-weight-device`,
    /// `--device-read-bps` and the like.
    pub device_io: Vec<(String, String)>,
    /// `--memory-swap`: bytes, -1 unlimited.
    pub memory_swap: Option<i64>,
    /// `--memory-reservation`, bytes.
    pub memory_reservation: Option<u64>,
    /// `--memory-swappiness` (cgroup v2 has none: a warning).
    pub memory_swappiness: Option<i64>,
    /// `--oom-kill-disable` (cgroup v2 has none: a warning).
    pub oom_kill_disable: bool,
    pub cpu_shares: Option<i64>,
    pub cpu_period: Option<i64>,
    pub cpu_quota: Option<i64>,
    pub cpuset_cpus: Option<String>,
    pub cpuset_mems: Option<String>,
    pub blkio_weight: Option<u16>,
    /// `--cgroup-parent`.
    pub cgroup_parent: Option<String>,
}

impl Limits {
    /// Parse the flags' values: sizes as docker writes them (`64m`), a non-negative decimal.
    pub fn parse(
        memory: Option<&str>,
        cpus: Option<&str>,
        pids_limit: Option<i64>,
    ) -> Result<Limits, EngineError> {
        let cpus = match cpus {
            Some(c) => Some(
                c.parse::<f64>()
                    .ok()
                    .filter(|v| *v >= 0.0)
                    .ok_or_else(|| EngineError::Usage(format!("invalid --cpus value: {c:?}")))?,
            ),
            None => None,
        };
        Ok(Limits {
            memory: memory.map(size).transpose()?,
            cpus,
            pids_limit,
            ..Default::default()
        })
    }

    pub fn is_empty(&self) -> bool {
        *self == Limits::default()
    }

    /// What the cgroup gets, checked as docker's daemon checks it (its messages).
    pub fn resources(&self) -> Result<crate::runtime::cgroup::Resources, EngineError> {
        use crate::runtime::cgroup::{Resources, ThrottleDevice, WeightDevice};
        let bad = |m: &str| EngineError::Usage(m.to_string());
        let memory = self.memory.unwrap_or(0) as i64;
        if memory > 0 && memory < 6 << 20 {
            return Err(bad("Minimum memory limit allowed is 6MB"));
        }
        let mut swap = self.memory_swap.unwrap_or(0);
        if swap > 0 && memory == 0 {
            return Err(bad(
                "You should always set the Memory limit when using Memoryswap limit, see usage",
            ));
        }
        if swap > 0 && swap < memory {
            return Err(bad(
                "Minimum memoryswap limit should be larger than memory limit, see usage",
            ));
        }
        // docker: twice the memory when only the memory is limited.
        if memory > 0 && swap == 0 {
            swap = memory * 2;
        }
        let reservation = self.memory_reservation.unwrap_or(0) as i64;
        if memory > 0 && reservation > memory {
            return Err(bad(
                "Minimum memory limit can not be less than memory reservation limit, see usage",
            ));
        }
        if let Some(s) = self.memory_swappiness.filter(|s| !(-1..=100).contains(s)) {
            return Err(bad(&format!(
                "Invalid value: {s}, valid memory swappiness range is 0-100"
            )));
        }
        let nano_cpus = self.cpus.map(|c| (c * 1e9).round() as i64).unwrap_or(0);
        let period = self.cpu_period.unwrap_or(0);
        let quota = self.cpu_quota.unwrap_or(0);
        if nano_cpus > 0 && period > 0 {
            return Err(bad(
                "Conflicting options: Nano CPUs and CPU Period cannot both be set",
            ));
        }
        if nano_cpus > 0 && quota > 0 {
            return Err(bad(
                "Conflicting options: Nano CPUs and CPU Quota cannot both be set",
            ));
        }
        // The CPUs available (std reads the cgroup's quota for it: a dozen calls) only when
        // --cpus is given.
        let ncpu = || {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1) as i64
        };
        if nano_cpus < 0 || (nano_cpus > 0 && nano_cpus > ncpu() * 1_000_000_000) {
            let ncpu = ncpu();
            return Err(bad(&format!(
                "Range of CPUs is from 0.01 to {ncpu}.00, as there are only {ncpu} CPUs available"
            )));
        }
        if period != 0 && !(1000..=1_000_000).contains(&period) {
            return Err(bad(
                "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)",
            ));
        }
        if quota > 0 && quota < 1000 {
            return Err(bad("CPU cfs quota can not be less than 1ms (i.e. 1000)"));
        }
        if self.cpu_shares.is_some_and(|s| s < 0) {
            return Err(bad("shares: invalid argument"));
        }
        for (what, v) in [("cpus", &self.cpuset_cpus), ("mems", &self.cpuset_mems)] {
            if let Some(v) = v {
                if !cpuset_list_ok(v) {
                    return Err(bad(&format!("Invalid value {v} for cpuset {what}")));
                }
            }
        }
        if let Some(w) = self
            .blkio_weight
            .filter(|w| *w != 0 && !(10..=1000).contains(w))
        {
            let _ = w;
            return Err(bad("Range of blkio weight is from 10 to 1000"));
        }
        let mut r = Resources {
            memory,
            memory_swap: if memory > 0 || swap != 0 { swap } else { 0 },
            memory_reservation: reservation,
            nano_cpus,
            cpu_shares: self.cpu_shares.unwrap_or(0),
            cpu_period: period,
            cpu_quota: quota,
            cpuset_cpus: self.cpuset_cpus.clone().unwrap_or_default(),
            cpuset_mems: self.cpuset_mems.clone().unwrap_or_default(),
            pids_limit: self.pids_limit.filter(|p| *p > 0).unwrap_or(0),
            blkio_weight: self.blkio_weight.unwrap_or(0),
            ..Default::default()
        };
        for (flag, v) in &self.device_io {
            check_device_io(flag, v)?;
            let (path, value) = v.split_once(':').unwrap_or((v, ""));
            let path = path.to_string();
            let rate = || {
                if flag.ends_with("-bps") {
                    crate::units::parse_bytes(value).unwrap_or(0)
                } else {
                    value.parse().unwrap_or(0)
                }
            };
            match flag.as_str() {
                "--blkio-weight-device" => r.blkio_weight_device.push(WeightDevice {
                    path,
                    weight: value.parse().unwrap_or(0),
                }),
                "--device-read-bps" => r
                    .device_read_bps
                    .push(ThrottleDevice { path, rate: rate() }),
                "--device-write-bps" => r
                    .device_write_bps
                    .push(ThrottleDevice { path, rate: rate() }),
                "--device-read-iops" => r
                    .device_read_iops
                    .push(ThrottleDevice { path, rate: rate() }),
                _ => r
                    .device_write_iops
                    .push(ThrottleDevice { path, rate: rate() }),
            }
        }
        Ok(r)
    }

    /// docker's warnings for what cgroup v2 cannot do (printed, the container still made).
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.memory_swappiness.is_some_and(|s| s != -1) {
            w.push("Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.".to_string());
        }
        if self.oom_kill_disable {
            w.push(
                "Your kernel does not support OomKillDisable. OomKillDisable discarded."
                    .to_string(),
            );
        }
        w
    }
}

/// A docker size (`64m`), as a usage error otherwise.
pub fn size(m: &str) -> Result<u64, EngineError> {
    crate::units::parse_bytes(m).ok_or_else(|| EngineError::Usage(format!("invalid size: {m:?}")))
}

/// A cpuset list: `0-3,5`.
fn cpuset_list_ok(v: &str) -> bool {
    !v.is_empty()
        && v.split(',').all(|part| {
            let mut ends = part.splitn(2, '-').map(|n| n.parse::<u32>());
            match (ends.next(), ends.next()) {
                (Some(Ok(_)), None) => true,
                (Some(Ok(a)), Some(Ok(b))) => a <= b,
                _ => false,
            }
        })
}

/// docker's syntax of the per-device limits: `/dev/PATH:VALUE`, VALUE a weight (10 to 1000, or
/// 0), a rate in bytes (`1mb`) or a number of operations per second.
pub fn check_device_io(flag: &str, v: &str) -> Result<(), EngineError> {
    let bad =
        |what: &str| EngineError::Usage(format!("invalid argument {v:?} for \"{flag}\": {what}"));
    let (path, value) = v.split_once(':').ok_or_else(|| bad("bad format"))?;
    if !path.starts_with("/dev/") {
        return Err(bad("bad format for device path"));
    }
    let ok = match flag {
        "--blkio-weight-device" => value
            .parse::<u16>()
            .is_ok_and(|w| w == 0 || (10..=1000).contains(&w)),
        "--device-read-bps" | "--device-write-bps" => crate::units::parse_bytes(value).is_some(),
        _ => value.parse::<u64>().is_ok(),
    };
    if ok {
        Ok(())
    } else {
        Err(bad("invalid value for device"))
    }
}
