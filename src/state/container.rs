//! Container records on disk: `containers/<id>/container.json` (what was asked for, written once)
//! and `containers/<id>/state.json` (what happened, rewritten atomically by the monitor and by
//! the commands, under the container's lock). Names are reserved by creating `names/<name>`
//! with O_EXCL, so two racing `run --name x` cannot both win.
//!
//! A `--rm` container's name, record and spec are written without fsync ([`Durability`]):
//! a crash of the machine ends it anyway, as docker's daemon removes such containers when it
//! starts again. What a crash leaves of them (a directory without its record, an empty or cut
//! record, a name whose container is gone) is recognised by [`Containers::leftover`] and
//! [`Containers::stale_name`]: only for files last changed before this boot began, so nothing
//! a running command is writing is ever taken for a leftover.
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::atomic::{read_json, write_json_atomic, LockFile};
use super::Paths;

#[derive(Debug, Error)]
pub enum StateError {
    #[error("No such container: {0}")]
    NoSuchContainer(String),
    #[error("Conflict. The container name \"/{name}\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name.")]
    NameInUse { name: String, id: String },
    #[error("Invalid container name ({0}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")]
    BadName(String),
    #[error("multiple containers match \"{0}\": use more of the ID")]
    Ambiguous(String),
    #[error("container state {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StateError + '_ {
    move |source| StateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What the user asked for: fixed at create time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContainerRecord {
    pub id: String,
    pub name: String,
    /// The image as the user named it (docker's `Config.Image`).
    pub image: String,
    /// The image ID (`sha256:...`).
    pub image_id: String,
    pub created: String,
    /// The command as docker's Path and Args show it.
    pub path: String,
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub working_dir: String,
    pub user: String,
    /// `--group-add` as given: docker adds these groups to `exec`'s processes too.
    #[serde(default)]
    pub group_add: Vec<String>,
    /// `--device-cgroup-rule`s as given (shown by inspect; without a device cgroup, as
    /// rootless, nothing is denied that they would allow).
    #[serde(default)]
    pub device_cgroup_rules: Vec<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub hostname: String,
    pub tty: bool,
    pub interactive: bool,
    pub auto_remove: bool,
    /// `--network`, parsed (on disk: the canonical `--network` string).
    pub network: super::network_mode::Mode,
    /// Published ports, exposed ports, extra hosts and DNS settings.
    #[serde(default)]
    pub net_config: super::network::NetConfig,
    pub stop_signal: Option<String>,
    pub stop_timeout: Option<i64>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `--log-driver` and `--log-opt`.
    #[serde(default)]
    pub log_config: LogConfig,
    /// docker's `--restart` (on disk: `no`, `always`, `unless-stopped`, `on-failure[:N]`).
    #[serde(default)]
    pub restart_policy: super::restart::RestartPolicy,
    /// The image's layer directories, bottom to top.
    pub layers: Vec<PathBuf>,
    /// The storage driver the container's root file system was made with.
    #[serde(default)]
    pub storage_driver: super::host_config::Driver,
    /// Volumes, bind mounts and tmpfs mounts (docker's `Mounts`).
    #[serde(default)]
    pub mounts: Vec<MountRecord>,
    /// The command line that created it (`skiff run ...`), for `generate systemd --new`; empty
    /// when it was not made by the CLI.
    #[serde(default)]
    pub create_command: Vec<String>,
    /// `--sdnotify`: `container` (the default), `conmon`, `healthy` or `ignore`.
    #[serde(default)]
    pub sdnotify: String,
    /// `--pidfile`: where the monitor writes the container's PID while it runs.
    #[serde(default)]
    pub pidfile: Option<PathBuf>,
    /// docker's `Config.Healthcheck`: the image's HEALTHCHECK under the `--health-*` flags.
    #[serde(default)]
    pub healthcheck: Option<super::health::HealthConfig>,
    /// podman's `--health-on-failure`.
    #[serde(default)]
    pub health_on_failure: super::health::OnFailure,
    /// docker's `Config.Shell` (the image's SHELL): runs `CMD-SHELL` health checks.
    #[serde(default)]
    pub shell: Vec<String>,
    /// `--domainname`, `--shm-size`, `--sysctl`, `--annotation`.
    #[serde(default)]
    pub extras: super::host_config::SpecExtras,
    /// `-a`: the streams a foreground run shows (`stdin`, `stdout`, `stderr`); empty: docker's
    /// default (stdout and stderr).
    #[serde(default)]
    pub attach: Vec<String>,
    /// The container's cgroup, where one is delegated (None: no cgroup).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cgroup: Option<CgroupPlace>,
    /// Its resource limits (`--memory`...), as its cgroup gets them.
    #[serde(default)]
    pub resources: super::host_config::Resources,
    /// `--cgroup-parent` as given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cgroup_parent: String,
    /// `--runtime`: the external OCI runtime that runs it (None: skiff's own).
    #[serde(default)]
    pub runtime: Option<OciRuntime>,
}

/// Where a container's cgroup is: the delegated subtree it is made in, and its directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CgroupPlace {
    pub root: PathBuf,
    pub dir: PathBuf,
}

/// An external OCI runtime (runc, crun) as `--runtime` named it, and the executable found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OciRuntime {
    pub name: String,
    pub path: PathBuf,
}

/// The name `inspect` shows for skiff's built-in runtime (docker's `HostConfig.Runtime`).
pub const BUILTIN_RUNTIME: &str = "skiff";

pub use super::mount_record::MountRecord;

/// The log driver and its options, as `--log-driver` and `--log-opt` give them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogConfig {
    /// `json-file` (also for an empty string), `k8s-file`, `journald`, `passthrough` or `none`.
    #[serde(default)]
    pub driver: String,
    /// Rotate above this many bytes (0: never).
    #[serde(default)]
    pub max_size: u64,
    /// How many files to keep, the current one included.
    #[serde(default)]
    pub max_file: u32,
    /// `--log-opt tag=TEMPLATE` (docker's `{{.ID}}`, `{{.Name}}`...): the journal's
    /// `CONTAINER_TAG` and `SYSLOG_IDENTIFIER`. json-file and k8s-file take it, as docker's
    /// json-file does, and keep it unused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

impl LogConfig {
    /// docker's default: json-file, no rotation.
    pub fn default_json_file() -> LogConfig {
        LogConfig {
            driver: "json-file".into(),
            max_size: 0,
            max_file: 1,
            tag: None,
        }
    }

    /// Validate `--log-driver` and `--log-opt KEY=VALUE`s (docker's sizes: `10k`, `5m`, `1g`).
    /// Which driver takes which option is docker's rule (podman's for `k8s-file` and
    /// `passthrough`): sizes for the file drivers, `tag` for the file drivers and journald,
    /// nothing for `none` and `passthrough`.
    pub fn parse(driver: &str, opts: &[String]) -> Result<LogConfig, String> {
        let driver = match driver {
            "" | "json-file" => "json-file",
            "k8s-file" => "k8s-file",
            "journald" => "journald",
            "passthrough" => "passthrough",
            "none" => "none",
            other => {
                return Err(format!(
                    "unsupported log driver: {other} (use json-file, k8s-file, journald, passthrough or none)"
                ))
            }
        };
        if matches!(driver, "none" | "passthrough") && !opts.is_empty() {
            return Err(format!("the {driver} log driver takes no options"));
        }
        let file = matches!(driver, "json-file" | "k8s-file");
        let mut cfg = LogConfig {
            driver: driver.into(),
            max_size: 0,
            max_file: 1,
            tag: None,
        };
        for o in opts {
            let (k, v) = o
                .split_once('=')
                .ok_or_else(|| format!("invalid log opt: {o}"))?;
            match k {
                "max-size" if file => {
                    // docker's sizes (`10k`, `1.5m`), and more than nothing.
                    cfg.max_size = crate::units::parse_bytes(v)
                        .filter(|n| *n > 0)
                        .ok_or_else(|| format!("invalid log opt max-size: {v}"))?
                }
                "max-file" if file => {
                    cfg.max_file = v
                        .parse()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| format!("invalid log opt max-file: {v}"))?
                }
                "tag" => cfg.tag = Some(v.to_string()),
                _ => return Err(format!("unknown log opt '{k}' for {driver} log driver")),
            }
        }
        Ok(cfg)
    }

    /// The options as docker's inspect shows them (`HostConfig.LogConfig.Config`).
    pub fn options(&self) -> std::collections::BTreeMap<String, String> {
        let mut m = std::collections::BTreeMap::new();
        if self.max_size > 0 {
            m.insert("max-size".to_string(), self.max_size.to_string());
        }
        if self.max_file > 1 {
            m.insert("max-file".to_string(), self.max_file.to_string());
        }
        if let Some(t) = &self.tag {
            m.insert("tag".to_string(), t.clone());
        }
        m
    }

    /// Whether `logs` has nothing to read: nothing is kept, or it went to the unit's stdio.
    pub fn unreadable(&self) -> bool {
        matches!(self.driver.as_str(), "none" | "passthrough")
    }

    pub fn is_none(&self) -> bool {
        self.driver == "none"
    }
}

/// docker's container statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
}

impl Status {
    /// Its process lives: running, or paused (docker's `State.Running` is true for both).
    pub fn is_up(self) -> bool {
        matches!(self, Status::Running | Status::Paused)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Paused => "paused",
            Status::Restarting => "restarting",
            Status::Removing => "removing",
            Status::Exited => "exited",
            Status::Dead => "dead",
        }
    }
}

/// What happened: rewritten atomically as the container lives.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContainerState {
    pub status: Status,
    /// Host PID of the container's process 1 while it runs.
    pub pid: i32,
    /// Start time of `pid` (field 22 of /proc/PID/stat), to tell a recycled PID apart.
    #[serde(default)]
    pub pid_start: u64,
    /// Host PID of the monitor while it lives.
    pub monitor_pid: i32,
    /// Start time of `monitor_pid`.
    #[serde(default)]
    pub monitor_start: u64,
    pub exit_code: i32,
    #[serde(default)]
    pub error: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// Restarts done by the restart policy.
    #[serde(default)]
    pub restart_count: u32,
    /// Set by `stop` and `rm -f`: this exit is wanted, the restart policy must not undo it.
    #[serde(default)]
    pub stop_requested: bool,
    /// docker's `State.Health`, for a container with a health check once it has started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<super::health::Health>,
    /// The kernel's OOM killer killed a process of its cgroup during its last run
    /// (`memory.events`): docker's `State.OOMKilled`.
    #[serde(default)]
    pub oom_killed: bool,
    /// How a paused container is held (status `paused`), for `unpause`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frozen: Option<Frozen>,
    /// What `ps` needs of the record (`state::summary`): carried along by whoever rewrites
    /// the state; missing, stale or unreadable, it is rebuilt by the next listing. Boxed: a
    /// listing hands it on as it is, and keeps a state a third the size (moved and sorted).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::summary::lenient"
    )]
    pub summary: Option<Box<super::summary::Summary>>,
}

/// How `pause` froze a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "by")]
pub enum Frozen {
    /// Its processes were stopped with SIGSTOP: (pid, start time) of each, in stop order.
    Signals { processes: Vec<(i32, u64)> },
    /// Its cgroup's `cgroup.freeze` was set.
    Cgroup,
}

impl ContainerState {
    /// The text of `state.json`: compact JSON, which every `ps` parses once per container
    /// (the pretty form's indentation was a tenth of the parse's instructions, and a fifth of
    /// the file). Any JSON form reads, so a state written pretty by an earlier release too.
    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(self)
    }

    pub fn new() -> ContainerState {
        ContainerState {
            status: Status::Created,
            pid: 0,
            pid_start: 0,
            monitor_pid: 0,
            monitor_start: 0,
            exit_code: 0,
            error: String::new(),
            started_at: None,
            finished_at: None,
            restart_count: 0,
            stop_requested: false,
            health: None,
            oom_killed: false,
            frozen: None,
            summary: None,
        }
    }
}

/// What a container's state allows, as youki's `can_*`: the engine checks these before a verb
/// and words the refusal as docker does.
impl ContainerState {
    /// Its process 1 lives (running or paused, and the PID is still that process).
    pub fn is_alive(&self) -> bool {
        self.status.is_up()
            && self.pid > 0
            && crate::sys::proc::start_time(self.pid) == Some(self.pid_start)
    }

    /// `start` would run it: nothing of it runs, and it is not paused (that wants `unpause`).
    pub fn can_start(&self) -> bool {
        self.status != Status::Paused && !self.is_alive()
    }

    /// `rm` without `-f` may remove it: it neither runs nor is about to be restarted.
    pub fn can_remove(&self) -> bool {
        !self.is_alive() && self.status != Status::Restarting
    }

    /// `kill` (and `stop`'s signal) can reach its process.
    pub fn can_kill(&self) -> bool {
        self.is_alive()
    }

    /// `exec` may enter it: it runs and is not paused.
    pub fn can_exec(&self) -> bool {
        self.is_alive() && self.status != Status::Paused
    }

    /// `attach` may connect to it.
    pub fn can_attach(&self) -> bool {
        self.status == Status::Running
    }

    /// `pause` may freeze it.
    pub fn can_pause(&self) -> bool {
        self.status == Status::Running && self.pid > 0
    }

    /// `unpause` has something to continue.
    pub fn can_unpause(&self) -> bool {
        self.status == Status::Paused
    }

    /// Its monitor will still record something: it runs, or is between runs.
    pub fn is_active(&self) -> bool {
        self.status.is_up() || self.status == Status::Restarting
    }
}

impl Default for ContainerState {
    fn default() -> Self {
        Self::new()
    }
}

/// The error a container shows when its monitor died without recording the exit.
pub const MONITOR_LOST: &str =
    "the container's monitor died without recording its exit (killed, or the machine rebooted)";

/// How a new container's name, spec and record are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Forced to disk (fsync): the container survives a crash of the machine.
    Synced,
    /// Replaced atomically but not forced to disk: a `--rm` container, which a crash ends
    /// anyway. What the crash leaves of it is a [`Containers::leftover`].
    Volatile,
}

/// A container left behind by a crash ([`Containers::leftover`]).
#[derive(Debug)]
pub struct Leftover {
    /// Its record, when it could be read.
    pub record: Option<ContainerRecord>,
}

/// A held container lock (`Containers::lock`): the token that saving the container's state or
/// record demands, as volumes demand `&VolumesLock`. Released when dropped.
pub struct ContainerLock {
    _file: LockFile,
    id: String,
}

impl ContainerLock {
    /// The ID of the container it locks.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// A name reserved for a container that is still being made: `names/NAME` is locked (`flock`)
/// until this is dropped, once the container's record is written (or the create undone). A
/// name file that nobody holds, whose container has no record, was left by a create that was
/// killed (`Containers::leftover`, `Containers::stale_name`), in this boot or an earlier one.
pub struct NameClaim {
    _file: std::fs::File,
}

/// Make `path` in `dir` with `content`, locked, as one step: an unnamed file (`O_TMPFILE`) is
/// locked and written, then linked under its name (atomic; `AlreadyExists` when the name is
/// taken), so nobody ever sees the file unlocked before its maker lets go. Where the file
/// system has no `O_TMPFILE`, the file is made by name and locked just after.
fn new_locked_file(
    dir: &Path,
    path: &Path,
    content: &[u8],
    durability: Durability,
) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let fill = |f: &mut std::fs::File| -> std::io::Result<()> {
        f.lock()?;
        f.write_all(content)?;
        if durability == Durability::Synced {
            f.sync_all()?;
        }
        Ok(())
    };
    match std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_TMPFILE)
        .mode(0o644)
        .open(dir)
    {
        Ok(mut f) => {
            fill(&mut f)?;
            // The open descriptor's magic link names the unnamed file (linkat without
            // AT_EMPTY_PATH, which wants CAP_DAC_READ_SEARCH).
            let fd = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&f));
            nix::unistd::linkat(
                nix::fcntl::AT_FDCWD,
                fd.as_str(),
                nix::fcntl::AT_FDCWD,
                path,
                nix::fcntl::AtFlags::AT_SYMLINK_FOLLOW,
            )
            .map_err(std::io::Error::from)?;
            Ok(f)
        }
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(libc::EOPNOTSUPP) | Some(libc::EISDIR) | Some(libc::EINVAL)
            ) =>
        {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)?;
            fill(&mut f)?;
            Ok(f)
        }
        Err(e) => Err(e),
    }
}

/// Container store operations.
pub struct Containers<'a> {
    paths: &'a Paths,
}

impl<'a> Containers<'a> {
    pub fn new(paths: &'a Paths) -> Self {
        Containers { paths }
    }

    /// The store's paths.
    pub fn paths(&self) -> &'a Paths {
        self.paths
    }

    pub fn dir(&self, id: &str) -> PathBuf {
        self.paths.container(id)
    }

    /// Reserve `name` for `id`; fails if another container holds it.
    pub fn reserve_name(
        &self,
        name: &str,
        id: &str,
        durability: Durability,
    ) -> Result<NameClaim, StateError> {
        validate_name(name)?;
        let dir = self.paths.names();
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let path = dir.join(name);
        match new_locked_file(&dir, &path, id.as_bytes(), durability) {
            Ok(file) => Ok(NameClaim { _file: file }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                Err(StateError::NameInUse {
                    name: name.to_string(),
                    id: holder.trim().to_string(),
                })
            }
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    /// Whether `names/NAME` is claimed: the container it names is still being made by a live
    /// process ([`NameClaim`]).
    pub fn name_claimed(&self, name: &str) -> bool {
        std::fs::File::open(self.paths.names().join(name))
            .is_ok_and(|f| matches!(f.try_lock_shared(), Err(std::fs::TryLockError::WouldBlock)))
    }

    pub fn release_name(&self, name: &str, id: &str) {
        let path = self.paths.names().join(name);
        let holder = std::fs::read_to_string(&path).unwrap_or_default();
        if holder.trim() == id {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Write a new container's record. It has no `state.json` yet: a missing one is the
    /// initial state (`created`), which saves a file and two fsyncs per container.
    /// Returns the stamp of the record file written (what a first start's summary needs:
    /// [`Containers::summary_if_current`]).
    pub fn create(
        &self,
        rec: &ContainerRecord,
        durability: Durability,
    ) -> Result<super::summary::RecordStamp, StateError> {
        let dir = self.dir(&rec.id);
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let p = dir.join("container.json");
        serde_json::to_vec_pretty(rec)
            .map_err(std::io::Error::other)
            .and_then(|data| super::atomic::write_stat(&p, &data, durability == Durability::Synced))
            .map(|meta| super::summary::RecordStamp::of(&meta))
            .map_err(io_err(&p))
    }

    /// Whether container `id` is what a crash left behind (`boot`: when this boot began,
    /// [`crate::sys::proc::boot_time`]): a directory without a record whose create was killed
    /// (no claim on its name any more: [`NameClaim`]; in this boot too), or: its directory or
    /// record was last changed before this boot, it is not running, and either its record is missing, empty or cut
    /// (only a crash makes those: every write is a rename of a whole file), or it is a `--rm`
    /// container (docker removes those when its daemon starts). A record that is whole JSON
    /// but not a record of this version is never a leftover. Returns the record when it could
    /// be read (its name and volumes go with it).
    pub fn leftover(&self, id: &str, boot: i64) -> Option<Leftover> {
        use std::os::unix::fs::MetadataExt;
        let dir = self.dir(id);
        let p = dir.join("container.json");
        let before_boot = |m: &std::fs::Metadata| m.mtime() < boot;
        let meta = match std::fs::symlink_metadata(&p) {
            Ok(m) => m,
            // A create cut short, or a removal: the directory alone. A create still running
            // holds its name's claim; one whose process was killed holds none any more.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let d = std::fs::symlink_metadata(&dir).ok()?;
                let abandoned = d.is_dir()
                    && (before_boot(&d) || !self.names_of(id).iter().any(|n| self.name_claimed(n)));
                return abandoned.then_some(Leftover { record: None });
            }
            Err(_) => return None,
        };
        if !before_boot(&meta) || self.state(id).is_ok_and(|st| st.status.is_up()) {
            return None;
        }
        let data = std::fs::read(&p).ok()?;
        match serde_json::from_slice::<ContainerRecord>(&data) {
            Ok(rec) if rec.id == id => rec.auto_remove.then_some(Leftover { record: Some(rec) }),
            // Another container's record in this directory: blocks of a file the crash
            // reused before this one's data reached the disk.
            Ok(_) => Some(Leftover { record: None }),
            Err(e) => match e.classify() {
                serde_json::error::Category::Eof | serde_json::error::Category::Syntax => {
                    Some(Leftover { record: None })
                }
                _ => None,
            },
        }
    }

    /// Whether `names/NAME`, which names `holder`, is left over and no container holds it: its
    /// content is not a container ID (empty or cut by a crash) or the holder has no directory,
    /// and either it is from an earlier boot or nobody claims it (the create that reserved it
    /// was killed: [`NameClaim`]). A holder with a directory is for [`Containers::leftover`] to
    /// judge (and the name goes with it).
    pub fn stale_name(&self, name: &str, holder: &str, boot: i64) -> bool {
        use std::os::unix::fs::MetadataExt;
        let Ok(meta) = std::fs::symlink_metadata(self.paths.names().join(name)) else {
            return false;
        };
        let orphan =
            !is_container_id(holder) || std::fs::symlink_metadata(self.dir(holder)).is_err();
        orphan && (meta.mtime() < boot || !self.name_claimed(name))
    }

    /// Remove `names/NAME` whatever container it names (a stale name: [`Containers::stale_name`]).
    pub fn drop_name(&self, name: &str) {
        let _ = std::fs::remove_file(self.paths.names().join(name));
    }

    /// The names that name container `id` (one listing of `names/`: for a leftover whose
    /// record is gone, which alone says what its name was).
    pub fn names_of(&self, id: &str) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(self.paths.names()) else {
            return Vec::new();
        };
        rd.filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !n.starts_with('.'))
            .filter(|n| {
                std::fs::read_to_string(self.paths.names().join(n))
                    .is_ok_and(|holder| holder.trim() == id)
            })
            .collect()
    }

    /// Rewrite a container's record, under its lock (the token's container must be `rec`'s).
    pub fn save_record(
        &self,
        lock: &ContainerLock,
        rec: &ContainerRecord,
    ) -> Result<(), StateError> {
        debug_assert_eq!(lock.id, rec.id);
        // The summary `ps` trusts goes first, the record is replaced, then the new summary is
        // written (`state::summary`): a crash between leaves a state without a summary, which
        // the next listing rebuilds from the record on disk.
        let sp = self.dir(&lock.id).join("state.json");
        self.drop_summary(lock).map_err(io_err(&sp))?;
        let p = self.dir(&lock.id).join("container.json");
        write_json_atomic(&p, rec).map_err(io_err(&p))?;
        let stamp = std::fs::symlink_metadata(&p).map_err(io_err(&p))?;
        let summary = super::summary::Summary::of(rec);
        let stamp = super::summary::RecordStamp::of(&stamp);
        self.write_summary(lock, &summary, stamp)
            .map_err(io_err(&sp))
    }

    pub fn record(&self, id: &str) -> Result<ContainerRecord, StateError> {
        let p = self.dir(id).join("container.json");
        read_json(&p).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                StateError::NoSuchContainer(id.to_string())
            } else {
                io_err(&p)(e)
            }
        })
    }

    /// The state as stored, corrected for a process that died without its monitor noticing.
    pub fn state(&self, id: &str) -> Result<ContainerState, StateError> {
        let p = self.dir(id).join("state.json");
        let mut st: ContainerState = match read_json(&p) {
            Ok(st) => st,
            // Never started: the record alone (`create` writes no state).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if self.dir(id).join("container.json").exists() {
                    ContainerState::new()
                } else {
                    return Err(StateError::NoSuchContainer(id.to_string()));
                }
            }
            // Empty: a state written without fsync (`save_state_volatile`) that a crash cut
            // short. Whatever it said described processes the crash ended.
            Err(_) if std::fs::metadata(&p).is_ok_and(|m| m.len() == 0) => {
                let mut st = ContainerState::new();
                st.status = Status::Exited;
                st.exit_code = 255;
                st.error = MONITOR_LOST.to_string();
                st
            }
            Err(e) => return Err(io_err(&p)(e)),
        };
        self.correct(&mut st);
        Ok(st)
    }

    /// Correct a stored state for a container whose process and monitor both died unseen.
    pub(super) fn correct(&self, st: &mut ContainerState) {
        Self::correct_with(st, crate::sys::proc::start_time);
    }

    /// [`Containers::correct`] with the start times read by `start_time`.
    pub(super) fn correct_with(st: &mut ContainerState, start_time: impl Fn(i32) -> Option<u64>) {
        if st.status.is_up()
            && start_time(st.pid) != Some(st.pid_start)
            && start_time(st.monitor_pid) != Some(st.monitor_start)
        {
            // The container and its monitor are gone and nobody recorded the exit (the monitor
            // was killed, or the machine rebooted). While the monitor lives, it will record it.
            st.status = Status::Exited;
            st.exit_code = 255;
            st.pid = 0;
            st.frozen = None;
            if st.error.is_empty() {
                st.error = MONITOR_LOST.to_string();
            }
        }
    }

    /// Save a container's state: the caller proves it holds the container's lock.
    pub fn save_state(&self, lock: &ContainerLock, st: &ContainerState) -> Result<(), StateError> {
        let p = self.dir(&lock.id).join("state.json");
        let data = st
            .to_json()
            .map_err(|e| io_err(&p)(std::io::Error::other(e)))?;
        super::atomic::write_atomic(&p, &data).map_err(io_err(&p))
    }

    /// Save a state that describes live processes only (running, its pids, health), replaced
    /// atomically but not forced to disk: after a crash those processes are gone whatever the
    /// file says, and `state` reads a lost or empty file as an exit. Exits, restart counts and
    /// stop requests go through `save_state`.
    pub fn save_state_volatile(
        &self,
        lock: &ContainerLock,
        st: &ContainerState,
    ) -> Result<(), StateError> {
        let p = self.dir(&lock.id).join("state.json");
        let data = st
            .to_json()
            .map_err(|e| io_err(&p)(std::io::Error::other(e)))?;
        super::atomic::write_replace(&p, &data).map_err(io_err(&p))
    }

    /// The container's lock: hold it while changing its state or its record (saving either
    /// takes the token).
    pub fn lock(&self, id: &str) -> Result<ContainerLock, StateError> {
        let p = self.dir(id).join("lock");
        let file = LockFile::exclusive(&p).map_err(io_err(&p))?;
        Ok(ContainerLock {
            _file: file,
            id: id.to_string(),
        })
    }

    /// The container's lock if nobody holds it, without waiting; `None` as well when the
    /// container's directory is gone (it is never created again here).
    pub fn try_lock(&self, id: &str) -> Option<ContainerLock> {
        let file = LockFile::try_exclusive_in(&self.dir(id).join("lock")).ok()??;
        Some(ContainerLock {
            _file: file,
            id: id.to_string(),
        })
    }

    /// All container IDs.
    pub fn ids(&self) -> Result<Vec<String>, StateError> {
        self.ids_with_prefix("")
    }

    /// The names in `containers/` that look like container IDs, without checking that each
    /// has its record: for a caller that reads every record next anyway (and skips a missing
    /// one), one stat per container less.
    pub fn listed_ids(&self) -> Result<Vec<String>, StateError> {
        let dir = self.paths.containers();
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&dir)(e)),
        };
        let mut ids: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| is_container_id(n))
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// The container IDs that start with `prefix`: one directory listing, and a look at the
    /// record of the matching ones only (`inspect ID-PREFIX` with 200 containers reads one).
    fn ids_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StateError> {
        let dir = self.paths.containers();
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&dir)(e)),
        };
        let mut ids: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.len() == 64 && n.starts_with(prefix))
            .filter(|n| n.bytes().all(|b| b.is_ascii_hexdigit()))
            .filter(|n| dir.join(n).join("container.json").exists())
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// Resolve a name, full ID or unique ID prefix to an ID.
    pub fn resolve(&self, name_or_id: &str) -> Result<String, StateError> {
        let name = name_or_id.trim_start_matches('/');
        if let Ok(id) = std::fs::read_to_string(self.paths.names().join(name)) {
            let id = id.trim().to_string();
            if self.dir(&id).join("container.json").exists() {
                return Ok(id);
            }
        }
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_hexdigit()) {
            // A full ID needs no listing.
            if name.len() == 64 && self.dir(name).join("container.json").exists() {
                return Ok(name.to_string());
            }
            let matches = self.ids_with_prefix(name)?;
            match matches.len() {
                1 => return Ok(matches.into_iter().next().unwrap_or_default()),
                0 => {}
                _ => return Err(StateError::Ambiguous(name.to_string())),
            }
        }
        Err(StateError::NoSuchContainer(name_or_id.to_string()))
    }

    /// (container ID, volume name) for every volume some container mounts.
    pub fn volumes_in_use(&self) -> Result<Vec<(String, String)>, StateError> {
        let mut out = Vec::new();
        for id in self.ids()? {
            if let Ok(rec) = self.record(&id) {
                for m in rec.mounts.iter().filter(|m| m.kind == "volume") {
                    out.push((id.clone(), m.name.clone()));
                }
            }
        }
        Ok(out)
    }

    /// Image IDs that some container uses (`rmi` refuses to remove them without `-f`).
    pub fn image_ids_in_use(&self) -> Result<Vec<(String, String)>, StateError> {
        let mut out = Vec::new();
        for id in self.ids()? {
            if let Ok(rec) = self.record(&id) {
                out.push((rec.image_id, id));
            }
        }
        Ok(out)
    }
}

/// docker's rule for container names.
/// Whether `s` has the form of a full container ID (64 hex digits): the names in `containers/`
/// that are containers, and the content of a name file that names one.
pub fn is_container_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

pub fn validate_name(name: &str) -> Result<(), StateError> {
    let mut chars = name.chars();
    let ok = match chars.next() {
        Some(c) if c.is_ascii_alphanumeric() => {
            chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(StateError::BadName(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_name("web").is_ok());
        assert!(validate_name("a_b.c-1").is_ok());
        assert!(validate_name("-x").is_err());
        assert!(validate_name("a/b").is_err());
        assert!(validate_name("").is_err());
    }

    /// A record as skiff wrote it before its settings types moved into `state`: it still loads,
    /// and saves under the same names.
    #[test]
    fn old_records_still_load() {
        let old = r#"{"id":"ab","name":"web","image":"busybox","image_id":"sha256:00",
            "created":"2026-12-01T00:00:00Z","path":"sh","args":[],"env":[],"working_dir":"/",
            "user":"","entrypoint":[],"cmd":["sh"],"hostname":"ab","tty":false,
            "interactive":false,"auto_remove":false,"network":"slirp4netns",
            "net_config":{"ports":[{"host_ip":"","host_port":8080,"container_port":80,
            "proto":"tcp"}],"publish":["8080:80"],"publish_all":false,
            "exposed":[{"port":80,"proto":"tcp"}],"add_hosts":[],"dns":[],"dns_search":[],
            "dns_options":[],"networks":[{"name":"n","id":"1","gateway":"10.89.0.1",
            "aliases":["w"]}]},
            "stop_signal":null,"stop_timeout":null,"restart_policy":"always",
            "layers":[],"storage_driver":"fuse-overlay",
            "extras":{"domainname":"d","shm_size":1024,"sysctls":{"net.x":"1"}},
            "resources":{"memory":1048576,"device_read_bps":[{"path":"/dev/sda","rate":5}],
            "blkio_weight_device":[{"path":"/dev/sda","weight":200}]}}"#;
        let rec: ContainerRecord = serde_json::from_str(old).expect("old record loads");
        assert_eq!(rec.net_config.ports[0].to_string(), "0.0.0.0:8080->80/tcp");
        assert_eq!(rec.net_config.networks[0].aliases, ["w"]);
        assert_eq!(rec.storage_driver.name(), "fuse-overlay");
        assert_eq!(rec.extras.shm_size, Some(1024));
        assert_eq!(rec.resources.memory, 1 << 20);
        assert_eq!(rec.resources.blkio_weight_device[0].weight, 200);
        let again = serde_json::to_value(&rec).expect("serializes");
        assert_eq!(again["storage_driver"], "fuse-overlay");
        assert_eq!(again["net_config"]["exposed"][0]["proto"], "tcp");
        assert_eq!(again["resources"]["device_read_bps"][0]["rate"], 5);
        // The network mode and the restart policy are typed, and keep their strings.
        assert_eq!(
            rec.network,
            super::super::network_mode::Mode::Slirp4netns(Default::default())
        );
        assert_eq!(
            rec.restart_policy,
            super::super::restart::RestartPolicy::Always
        );
        assert_eq!(again["network"], "slirp4netns");
        assert_eq!(again["restart_policy"], "always");
        // Older still: a user network, on-failure with a count, and no policy at all.
        for (network, policy, saved) in [
            (
                r#""mynet""#,
                r#","restart_policy":"on-failure:3""#,
                "on-failure:3",
            ),
            (r#""container:0123""#, r#","restart_policy":"""#, "no"),
            (r#""pasta:-4""#, "", "no"),
        ] {
            let text = old
                .replace(
                    r#""network":"slirp4netns""#,
                    &format!(r#""network":{network}"#),
                )
                .replace(r#","restart_policy":"always""#, policy);
            let rec: ContainerRecord = serde_json::from_str(&text).expect("old record loads");
            let again = serde_json::to_value(&rec).expect("serializes");
            assert_eq!(again["network"].to_string(), network);
            assert_eq!(again["restart_policy"], saved);
        }
    }

    #[test]
    fn transitions() {
        let me = std::process::id() as i32;
        let mut st = ContainerState::new();
        assert!(st.can_start() && st.can_remove() && !st.can_kill() && !st.can_exec());
        assert!(!st.can_pause() && !st.can_unpause() && !st.can_attach());
        st.status = Status::Running;
        st.pid = me;
        st.pid_start = crate::sys::proc::start_time(me).unwrap_or(0);
        assert!(st.is_alive() && st.can_kill() && st.can_exec() && st.can_attach());
        assert!(!st.can_start() && !st.can_remove() && st.can_pause() && !st.can_unpause());
        st.status = Status::Paused;
        assert!(st.can_kill() && !st.can_exec() && !st.can_attach() && !st.can_start());
        assert!(!st.can_pause() && st.can_unpause() && !st.can_remove());
        // A recorded PID that is no longer that process is not alive.
        st.status = Status::Running;
        st.pid_start += 1;
        assert!(!st.is_alive() && st.can_start() && st.can_remove() && !st.can_kill());
        st.status = Status::Restarting;
        assert!(!st.can_remove() && st.is_active());
    }

    #[test]
    fn own_start_time() {
        let me = std::process::id() as i32;
        assert!(crate::sys::proc::start_time(me).is_some());
        assert_eq!(crate::sys::proc::start_time(-1), None);
    }
}
