//! `skiff container ...` and its top-level shortcuts: arguments and rendering.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::render;
use crate::engine::container::{self as ctr, ContainerInfo, RunOutcome};
use crate::engine::create::{self, parse, CreateRequest};
use crate::engine::EngineError;
use crate::state::container::Status;
use crate::state::Paths;

#[derive(Debug, Subcommand)]
pub enum ContainerCommand {
    /// List containers
    #[command(alias = "list", alias = "ps")]
    Ls(PsArgs),
    /// Create and run a new container from an image
    Run(Box<RunArgs>),
    /// Fetch the logs of a container
    Logs(LogsArgs),
    /// Stop one or more running containers
    Stop(StopArgs),
    /// Remove one or more containers
    #[command(alias = "remove")]
    Rm(RmArgs),
    /// Block until one or more containers stop, then print their exit codes
    Wait(WaitArgs),
    /// Display detailed information on one or more containers
    Inspect(ContainerInspectArgs),
    /// Create a new container
    Create(Box<RunArgs>),
    /// Start one or more stopped containers
    Start(StartArgs),
    /// Kill one or more running containers
    Kill(KillArgs),
    /// Rename a container
    Rename(RenameArgs),
    /// Restart one or more containers
    Restart(StopArgs),
    /// Execute a command in a running container
    Exec(ExecArgs),
    /// Attach local standard input, output, and error streams to a running container
    Attach(super::container_more::AttachArgs),
    /// Display the running processes of a container
    Top(super::container_more::TopArgs),
    /// Remove all stopped containers
    Prune(super::container_more::PruneArgs),
    /// Pause all processes within one or more containers
    Pause(super::container_more::PauseArgs),
    /// Unpause all processes within one or more containers
    Unpause(super::container_more::PauseArgs),
    /// Display a live stream of container(s) resource usage statistics
    Stats(super::container_more::StatsArgs),
    /// Update configuration of one or more containers
    Update(Box<super::container_more::UpdateArgs>),
    /// Copy files/folders between a container and the local filesystem
    Cp(super::container_files::CpArgs),
    /// Inspect changes to files or directories on a container's filesystem
    Diff(super::container_files::DiffArgs),
    /// Export a container's filesystem as a tar archive
    Export(super::container_files::ExportArgs),
    /// Create a new image from a container's changes
    Commit(super::container_files::CommitArgs),
    /// List port mappings or a specific mapping for the container
    Port(super::network::PortArgs),
    /// Check if a container exists (podman): exit status 0 if it does, 1 if not
    Exists(ExistsArgs),
}

#[derive(Debug, Args)]
pub struct ExistsArgs {
    pub name: String,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Attach STDOUT/STDERR and forward signals
    #[arg(short, long)]
    pub attach: bool,
    /// Attach container's STDIN
    #[arg(short, long)]
    pub interactive: bool,
    /// Start all containers that are not running (podman); an unless-stopped one stopped by
    /// hand stays stopped
    #[arg(long)]
    pub all: bool,
    /// With --all: only containers matching the filter (podman's restart-policy=POLICY, and ps's
    /// filters)
    #[arg(short, long, value_name = "FILTER", requires = "all")]
    pub filter: Vec<String>,
    /// Override the key sequence for detaching a container (default: detachKeys of
    /// config.json, else ctrl-p,ctrl-q)
    #[arg(long, value_name = "KEYS")]
    pub detach_keys: Option<String>,
    #[arg(required_unless_present = "all")]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct KillArgs {
    /// Signal to send to the container
    #[arg(short, long, default_value = "KILL")]
    pub signal: String,
    /// Signal all running containers (podman)
    #[arg(short, long)]
    pub all: bool,
    #[arg(required_unless_present = "all")]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    pub container: String,
    pub new_name: String,
}

#[derive(Debug, Args)]
#[command(trailing_var_arg = true)]
pub struct ExecArgs {
    /// Detached mode: run command in the background
    #[arg(short, long)]
    pub detach: bool,
    /// Keep STDIN open even if not attached
    #[arg(short, long)]
    pub interactive: bool,
    /// Allocate a pseudo-TTY
    #[arg(short, long)]
    pub tty: bool,
    /// Set environment variables
    #[arg(short, long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Read in a file of environment variables
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<std::path::PathBuf>,
    /// Working directory inside the container
    #[arg(short, long)]
    pub workdir: Option<String>,
    /// Username or UID (format: <name|uid>[:<group|gid>])
    #[arg(short, long)]
    pub user: Option<String>,
    /// Give extended privileges to the command
    #[arg(long)]
    pub privileged: bool,
    /// Override the key sequence for detaching a container (default: detachKeys of
    /// config.json, else ctrl-p,ctrl-q)
    #[arg(long, value_name = "KEYS")]
    pub detach_keys: Option<String>,
    /// The container
    pub container: String,
    /// The command and its arguments
    #[arg(required = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
#[command(trailing_var_arg = true, disable_help_flag = true)]
pub struct RunArgs {
    /// Print help (docker keeps -h for --hostname)
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
    /// Run container in background and print container ID
    #[arg(short, long)]
    pub detach: bool,
    /// Automatically remove the container when it exits
    #[arg(long)]
    pub rm: bool,
    /// Keep STDIN open even if not attached
    #[arg(short, long)]
    pub interactive: bool,
    /// Allocate a pseudo-TTY
    #[arg(short, long)]
    pub tty: bool,
    /// Assign a name to the container
    #[arg(long)]
    pub name: Option<String>,
    /// Set environment variables
    #[arg(short, long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Working directory inside the container
    #[arg(short, long)]
    pub workdir: Option<String>,
    /// Username or UID (format: <name|uid>[:<group|gid>])
    #[arg(short, long)]
    pub user: Option<String>,
    /// Overwrite the default ENTRYPOINT of the image
    #[arg(long)]
    pub entrypoint: Option<String>,
    /// Container host name
    #[arg(short = 'h', long)]
    pub hostname: Option<String>,
    /// Connect a container to a network (none, host, slirp4netns[:OPTIONS], pasta[:OPTIONS],
    /// container:NAME, NETWORK; user networks may be given more than once)
    #[arg(long, visible_alias = "net", default_value = "slirp4netns")]
    pub network: Vec<String>,
    /// Bind mount a volume (NAME:/path, /host/path:/path or /path, with :ro,rw,z,Z,U,nocopy
    /// and a propagation)
    #[arg(short, long = "volume", value_name = "VOLUME")]
    pub volume: Vec<String>,
    /// Attach a filesystem mount to the container (type=bind|volume|tmpfs,source=,target=,...)
    #[arg(long = "mount", value_name = "MOUNT")]
    pub mount: Vec<String>,
    /// Mount a tmpfs directory (/path[:options])
    #[arg(long, value_name = "PATH")]
    pub tmpfs: Vec<String>,
    /// Mount volumes from the specified container(s) (CONTAINER[:ro|:rw])
    #[arg(long, value_name = "CONTAINER")]
    pub volumes_from: Vec<String>,
    #[command(flatten)]
    pub net: Box<super::network::NetArgs>,
    /// Require HTTPS and verify certificates when pulling
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub tls_verify: bool,
    /// Read in a file of environment variables
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_file: Vec<String>,
    /// Set meta data on a container
    #[arg(short, long = "label", value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// Read in a line delimited file of labels
    #[arg(long = "label-file", value_name = "FILE")]
    pub label_file: Vec<String>,
    /// Write the container ID to the file
    #[arg(long, value_name = "FILE")]
    pub cidfile: Option<String>,
    /// Write the container's process ID to the file while it runs
    #[arg(long, value_name = "FILE")]
    pub pidfile: Option<String>,
    /// If a container with the same name exists, replace it (remove it first)
    #[arg(long)]
    pub replace: bool,
    /// How to tell systemd the service is ready (conmon, container, healthy, ignore; default:
    /// container when $NOTIFY_SOCKET is set, else ignore)
    #[arg(long, value_name = "MODE")]
    pub sdnotify: Option<String>,
    /// Runtime to use for this container: an OCI runtime on $PATH (runc, crun) or its path
    /// (default: skiff's built-in runtime)
    #[arg(long, value_name = "RUNTIME")]
    pub runtime: Option<String>,
    /// Run an init inside the container that forwards signals and reaps processes
    #[arg(long)]
    pub init: bool,
    /// Mount the container's root filesystem as read only
    #[arg(long)]
    pub read_only: bool,
    /// Give extended privileges to this container
    #[arg(long)]
    pub privileged: bool,
    /// Add Linux capabilities
    #[arg(long = "cap-add", value_name = "CAP")]
    pub cap_add: Vec<String>,
    /// Drop Linux capabilities
    #[arg(long = "cap-drop", value_name = "CAP")]
    pub cap_drop: Vec<String>,
    /// Security options (no-new-privileges, seccomp=unconfined, seccomp=PROFILE.json)
    #[arg(long = "security-opt", value_name = "OPT")]
    pub security_opt: Vec<String>,
    /// Add additional groups to join
    #[arg(long = "group-add", value_name = "GROUP")]
    pub group_add: Vec<String>,
    /// Signal to stop the container
    #[arg(long, value_name = "SIGNAL")]
    pub stop_signal: Option<String>,
    /// Timeout (in seconds) to stop a container
    #[arg(long, value_name = "SECONDS")]
    pub stop_timeout: Option<i64>,
    /// Ulimit options (NAME=SOFT[:HARD], e.g. nofile=1024:2048)
    #[arg(long, value_name = "ULIMIT")]
    pub ulimit: Vec<String>,
    /// Add a host device to the container (HOST[:CONTAINER[:PERMISSIONS]])
    #[arg(long, value_name = "DEVICE")]
    pub device: Vec<String>,
    /// Logging driver for the container (json-file, k8s-file, journald, passthrough, none)
    #[arg(long, default_value = "json-file", value_name = "DRIVER")]
    pub log_driver: String,
    /// Log driver options (max-size=SIZE, max-file=N, tag=TEMPLATE)
    #[arg(long, value_name = "OPT")]
    pub log_opt: Vec<String>,
    /// Set platform if server is multi-platform capable (others need a binfmt_misc handler)
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
    /// Pull image before running (always, missing, never)
    #[arg(long, default_value = "missing", value_name = "POLICY")]
    pub pull: String,
    /// Restart policy to apply when a container exits (no, always, unless-stopped, on-failure[:N])
    #[arg(long, default_value = "no", value_name = "POLICY")]
    pub restart: String,
    /// Memory limit (e.g. 64m; needs a delegated cgroup v2 hierarchy)
    #[arg(short, long, value_name = "BYTES")]
    pub memory: Option<String>,
    /// Number of CPUs (needs a delegated cgroup v2 hierarchy)
    #[arg(long, value_name = "DECIMAL")]
    pub cpus: Option<String>,
    /// Tune container pids limit (needs a delegated cgroup v2 hierarchy)
    #[arg(long, value_name = "N")]
    pub pids_limit: Option<i64>,
    /// Tune host's OOM preferences (-1000 to 1000; rootless, only upwards)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub oom_score_adj: Option<i32>,
    /// Kernel memory limit (deprecated, no longer supported by the kernel: ignored)
    #[arg(long, value_name = "BYTES")]
    pub kernel_memory: Option<String>,
    /// Add a rule to the cgroup allowed devices list ('TYPE MAJOR:MINOR ACCESS', e.g. 'c 1:3 rwm')
    #[arg(long, value_name = "RULE")]
    pub device_cgroup_rule: Vec<String>,
    /// Suppress the pull output
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub health: super::health::HealthArgs,
    #[command(flatten)]
    pub extra: super::run_extra::ExtraArgs,
    #[command(flatten)]
    pub resources: super::resource_flags::ResourceFlags,
    #[command(flatten)]
    pub create_resources: super::resource_flags::CreateResourceFlags,
    /// The image to run
    pub image: String,
    /// The command and its arguments
    #[arg(allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Show all containers (default shows just running)
    #[arg(short, long)]
    pub all: bool,
    /// Only display container IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Show n last created containers (includes all states)
    #[arg(short = 'n', long, value_name = "N")]
    pub last: Option<i64>,
    /// Show the latest created container (includes all states)
    #[arg(short, long)]
    pub latest: bool,
    /// Display total file sizes
    #[arg(short, long)]
    pub size: bool,
    /// Filter output based on conditions provided (name, id, label, status, ancestor, exited,
    /// health)
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Format output using a custom template ('table', 'table TEMPLATE', 'json' or a Go template)
    #[arg(long)]
    pub format: Option<String>,
    /// Do not print the column headings (podman)
    #[arg(long)]
    pub noheading: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Follow log output
    #[arg(short, long)]
    pub follow: bool,
    /// Show timestamps
    #[arg(short, long)]
    pub timestamps: bool,
    /// Number of lines to show from the end of the logs ("all" for every line)
    #[arg(short = 'n', long, value_name = "N")]
    pub tail: Option<String>,
    /// Show logs since a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m")
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m")
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Show extra details provided to logs (the log driver's attributes; skiff's drivers add
    /// none, so each line gets docker's empty-attributes prefix, a space)
    #[arg(long)]
    pub details: bool,
    pub container: String,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    /// Seconds to wait before killing the container
    #[arg(short, long = "time", visible_alias = "timeout")]
    pub time: Option<i64>,
    /// Signal to send to the container (default: its stop signal)
    #[arg(short, long, value_name = "SIGNAL")]
    pub signal: Option<String>,
    /// All running containers (podman)
    #[arg(short, long)]
    pub all: bool,
    /// Read the container ID from the file (repeatable)
    #[arg(long, value_name = "FILE")]
    pub cidfile: Vec<PathBuf>,
    /// Ignore errors when a container (or a cidfile) is missing
    #[arg(long)]
    pub ignore: bool,
    #[arg(required_unless_present_any = ["all", "cidfile"])]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Force the removal of a running container (uses SIGKILL)
    #[arg(short, long)]
    pub force: bool,
    /// Remove anonymous volumes associated with the container
    #[arg(short, long)]
    pub volumes: bool,
    /// Seconds to wait for the stop before killing the container; needs --force (podman)
    #[arg(short, long, value_name = "SECONDS")]
    pub time: Option<i64>,
    /// Remove all containers (podman)
    #[arg(short, long)]
    pub all: bool,
    /// Read the container ID from the file, and remove the file with the container
    #[arg(long, value_name = "FILE")]
    pub cidfile: Vec<PathBuf>,
    /// Ignore errors when a container (or a cidfile) is missing
    #[arg(long)]
    pub ignore: bool,
    #[arg(required_unless_present_any = ["all", "cidfile"])]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    #[arg(required = true)]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ContainerInspectArgs {
    /// Format output using a custom template
    #[arg(short, long)]
    pub format: Option<String>,
    #[arg(required = true)]
    pub containers: Vec<String>,
}

pub fn dispatch(cmd: ContainerCommand) -> Result<i32, EngineError> {
    match cmd {
        ContainerCommand::Ls(a) => ps(a),
        ContainerCommand::Run(a) => run(*a),
        ContainerCommand::Exec(a) => exec(a),
        ContainerCommand::Logs(a) => logs(a),
        ContainerCommand::Stop(a) => stop(a),
        ContainerCommand::Rm(a) => rm(a),
        ContainerCommand::Wait(a) => wait(a),
        ContainerCommand::Create(a) => create(*a),
        ContainerCommand::Start(a) => start(a),
        ContainerCommand::Kill(a) => kill(a),
        ContainerCommand::Rename(a) => rename(a),
        ContainerCommand::Restart(a) => restart(a),
        ContainerCommand::Attach(a) => super::container_more::attach(a),
        ContainerCommand::Top(a) => super::container_more::top(a),
        ContainerCommand::Prune(a) => super::container_more::prune(a),
        ContainerCommand::Pause(a) => super::container_more::pause(a, true),
        ContainerCommand::Unpause(a) => super::container_more::pause(a, false),
        ContainerCommand::Stats(a) => super::container_more::stats(a),
        ContainerCommand::Update(a) => super::container_more::update(*a),
        ContainerCommand::Cp(a) => super::container_files::cp(a),
        ContainerCommand::Diff(a) => super::container_files::diff(a),
        ContainerCommand::Export(a) => super::container_files::export(a),
        ContainerCommand::Commit(a) => super::container_files::commit(a),
        ContainerCommand::Port(a) => super::network::port(a),
        ContainerCommand::Exists(a) => exists(a),
        ContainerCommand::Inspect(a) => {
            let mut values = Vec::new();
            let mut code = 0;
            for name in &a.containers {
                match inspect_value(name)? {
                    Some(v) => values.push(v),
                    None => {
                        eprintln!("Error: No such container: {name}");
                        code = 1;
                    }
                }
            }
            render::print_inspect(&values, a.format.as_deref())?;
            Ok(code)
        }
    }
}

/// Turn `run`/`create` arguments into a create request: every flag is parsed here, once.
fn create_request(a: RunArgs) -> Result<CreateRequest, EngineError> {
    if let Some(k) = &a.kernel_memory {
        crate::engine::resources::parse_bytes(k)?;
        eprintln!("{KERNEL_MEMORY_DEPRECATED}");
    }
    if let Some(n) = a.oom_score_adj {
        if !(-1000..=1000).contains(&n) {
            return Err(EngineError::Usage(format!(
                "Invalid value {n}, range for oom score adj is [-1000, 1000]"
            )));
        }
    }
    for r in &a.device_cgroup_rule {
        validate_device_cgroup_rule(r)?;
    }
    let device_cgroup_rules = a.device_cgroup_rule.clone();
    let platform = a
        .platform
        .as_deref()
        .map(parse::platform)
        .transpose()?
        .flatten();
    a.extra.check()?;
    let mut mounts = Vec::new();
    for v in &a.volume {
        mounts.push(parse::volume(v)?);
    }
    for m in &a.mount {
        mounts.push(parse::mount(m)?);
    }
    for t in &a.tmpfs {
        mounts.push(parse::tmpfs(t)?);
    }
    let env_files: Vec<PathBuf> = a.env_file.iter().map(PathBuf::from).collect();
    let label_files: Vec<PathBuf> = a.label_file.iter().map(PathBuf::from).collect();
    let mut req = CreateRequest::new(a.image);
    req.pull = parse::pull(&a.pull)?;
    req.tls_verify = a.tls_verify;
    req.platform = platform;
    // docker's canonical name has a leading slash: `--name /x` is `x`.
    req.name = a
        .name
        .map(|n| n.strip_prefix('/').map(String::from).unwrap_or(n));
    req.command = a.command;
    req.entrypoint = parse::entrypoint(a.entrypoint.as_deref());
    req.env = parse::env(&env_files, &a.env)?;
    req.labels = parse::labels(&label_files, &a.label)?;
    req.workdir = a.workdir;
    req.user = a.user;
    req.group_add = a.group_add;
    req.hostname = a.hostname;
    req.tty = a.tty;
    req.interactive = a.interactive;
    req.auto_remove = a.rm;
    req.network = (*a.net).into_request(&a.network)?;
    req.mounts = mounts;
    req.volumes_from = a
        .volumes_from
        .iter()
        .map(|v| parse::volumes_from(v))
        .collect::<Result<_, _>>()?;
    req.devices = a
        .device
        .iter()
        .map(|d| parse::device(d))
        .collect::<Result<_, _>>()?;
    req.restart = parse::restart(&a.restart)?;
    req.log = parse::log(&a.log_driver, &a.log_opt)?;
    req.security = parse::security(&parse::SecurityFlags {
        privileged: a.privileged,
        cap_add: &a.cap_add,
        cap_drop: &a.cap_drop,
        security_opt: &a.security_opt,
        read_only: a.read_only,
        init: a.init,
    })?;
    req.security.oom_score_adj = a.oom_score_adj;
    req.device_cgroup_rules = device_cgroup_rules;
    req.ulimits = a
        .ulimit
        .iter()
        .map(|u| parse::ulimit(u))
        .collect::<Result<_, _>>()?;
    req.limits = crate::engine::resources::Limits::parse(
        a.memory.as_deref(),
        a.cpus.as_deref(),
        a.pids_limit,
    )?;
    a.resources.fill(&mut req.limits)?;
    a.create_resources.fill(&mut req.limits);
    // Checked now so that a bad value fails before any warning.
    req.limits.resources()?;
    for w in req.limits.warnings() {
        eprintln!("WARNING: {w}");
    }
    req.stop_signal = a
        .stop_signal
        .as_deref()
        .map(parse::stop_signal)
        .transpose()?;
    req.stop_timeout = a.stop_timeout;
    req.cidfile = a.cidfile.map(PathBuf::from);
    req.healthcheck = a.health.config()?;
    req.health_on_failure = a.health.on_failure()?;
    req.extras = a.extra.extras()?;
    req.attach = a.extra.attach(a.detach)?;
    req.replace = a.replace;
    req.pidfile = a.pidfile.map(|p| absolute(&p)).transpose()?;
    req.sdnotify = match a.sdnotify.as_deref() {
        Some(m) => crate::systemd::notify::Mode::parse(m).map_err(EngineError::Usage)?,
        // podman's default is `container`: it matters only under a Type=notify unit.
        None if std::env::var_os(crate::systemd::notify::ENV).is_some() => {
            crate::systemd::notify::Mode::Container
        }
        None => crate::systemd::notify::Mode::Ignore,
    };
    req.create_command = std::env::args().collect();
    // `SKIFF_RUNTIME` names the default (as containers.conf's `runtime` does for podman).
    req.runtime = a.runtime.or_else(|| {
        std::env::var("SKIFF_RUNTIME")
            .ok()
            .filter(|s| !s.is_empty())
    });
    Ok(req)
}

/// pflag's words for a flag marked deprecated (docker/cli's `--kernel-memory`, on `run`,
/// `create` and `update`).
pub(super) const KERNEL_MEMORY_DEPRECATED: &str =
    "Flag --kernel-memory has been deprecated, and no longer supported by the kernel";
/// A path the monitor (another working directory) can use.
fn absolute(p: &str) -> Result<PathBuf, EngineError> {
    std::path::absolute(p).map_err(EngineError::io(format!("resolving {p}")))
}

/// docker's `--device-cgroup-rule` syntax: `a|b|c MAJOR|*:MINOR|* ACCESS` with ACCESS of r, w
/// and m. Without a device cgroup (rootless) nothing is denied, so an allow rule needs no
/// further work: the devices the container has are already usable.
fn validate_device_cgroup_rule(rule: &str) -> Result<(), EngineError> {
    let bad = || EngineError::Usage(format!("invalid device cgroup rule: {rule:?}"));
    let parts: Vec<&str> = rule.split(' ').collect();
    let [kind, numbers, access] = parts[..] else {
        return Err(bad());
    };
    let number = |s: &str| s == "*" || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    let ok = matches!(kind, "a" | "b" | "c")
        && numbers
            .split_once(':')
            .is_some_and(|(ma, mi)| number(ma) && number(mi))
        && (1..=3).contains(&access.len())
        && access.bytes().all(|b| matches!(b, b'r' | b'w' | b'm'));
    if ok {
        Ok(())
    } else {
        Err(bad())
    }
}

/// Where `run` and `create` report the image pull: stderr, or nowhere with `-q`.
fn notices(quiet: bool) -> Box<dyn std::io::Write> {
    if quiet {
        Box::new(std::io::sink())
    } else {
        Box::new(std::io::stderr())
    }
}

pub fn run(a: RunArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let detach = a.detach;
    let mut notices = notices(a.quiet);
    let sig_proxy = a.extra.sig_proxy;
    let keys = crate::engine::attach::detach_keys(a.extra.detach_keys.as_deref())?;
    let req = create_request(a)?;
    match ctr::run_with(&paths, &req, detach, sig_proxy, Some(&keys), &mut notices)? {
        RunOutcome::Detached(id) => {
            println!("{id}");
            Ok(0)
        }
        RunOutcome::Exited(code) => Ok(code),
        // docker's `run` leaves silently.
        RunOutcome::DetachedByKeys => Ok(0),
    }
}

pub fn exec(a: ExecArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let opts = ctr::ExecOptions {
        container: a.container,
        command: a.command,
        interactive: a.interactive,
        tty: a.tty,
        detach: a.detach,
        env: a.env,
        env_files: a.env_file,
        workdir: a.workdir,
        user: a.user,
        privileged: a.privileged,
        resize_fd: None,
        detach_keys: Some(crate::engine::attach::detach_keys(
            a.detach_keys.as_deref(),
        )?),
    };
    match ctr::exec_outcome(&paths, &opts)? {
        ctr::ExecOutcome::Exited(code) => Ok(code),
        ctr::ExecOutcome::Detached => Ok(super::container_more::detached_by_keys()),
    }
}

/// docker's COMMAND column: the command line quoted, cut to 20 characters with an ellipsis.
pub(super) fn command_column(info: &ContainerInfo, no_trunc: bool) -> String {
    let mut cmd = std::iter::once(info.record.path.as_str())
        .chain(info.record.args.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    if !no_trunc && cmd.chars().count() > 20 {
        cmd = cmd.chars().take(19).collect::<String>() + "…";
    }
    format!("\"{cmd}\"")
}

pub(super) fn ago(t: Option<&str>) -> i64 {
    t.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_seconds())
        .unwrap_or(0)
}

pub(super) fn status_column(info: &ContainerInfo) -> String {
    let s = &info.state;
    match s.status {
        // docker: `Up 3 seconds (healthy)`, `(health: starting)`, `(unhealthy)`.
        Status::Running => match &s.health {
            Some(h) => format!(
                "Up {} ({})",
                render::human_duration(ago(s.started_at.as_deref())),
                match h.status {
                    crate::state::health::HealthStatus::Starting => "health: starting",
                    other => other.as_str(),
                }
            ),
            None => format!(
                "Up {}",
                render::human_duration(ago(s.started_at.as_deref()))
            ),
        },
        Status::Exited => match &s.finished_at {
            Some(f) => format!(
                "Exited ({}) {} ago",
                s.exit_code,
                render::human_duration(ago(Some(f)))
            ),
            None => format!("Exited ({})", s.exit_code),
        },
        Status::Created => "Created".into(),
        Status::Paused => format!(
            "Up {} (Paused)",
            render::human_duration(ago(s.started_at.as_deref()))
        ),
        Status::Restarting => format!(
            "Restarting ({}) {} ago",
            s.exit_code,
            render::human_duration(ago(s.finished_at.as_deref()))
        ),
        other => capitalize(other.as_str()),
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

pub fn create(a: RunArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let mut notices = notices(a.quiet);
    let req = create_request(a)?;
    let id = create::create(&paths, &req, &mut notices)?;
    println!("{id}");
    Ok(0)
}

pub fn start(a: StartArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    // Checked whether or not it is used, as docker does.
    let keys = crate::engine::attach::detach_keys(a.detach_keys.as_deref())?;
    if a.attach || a.interactive {
        // docker attaches to one container at a time.
        if a.containers.len() > 1 {
            return Err(EngineError::Usage(
                "you cannot start and attach multiple containers at once".into(),
            ));
        }
        if a.all {
            return Err(EngineError::Usage(
                "--all cannot be used with --attach or --interactive".into(),
            ));
        }
        let keys = a.interactive.then_some(keys.as_slice());
        return match ctr::start_existing_with(&paths, &a.containers[0], true, keys)? {
            RunOutcome::Exited(code) => Ok(code),
            // docker's `start -a` leaves silently.
            RunOutcome::Detached(_) | RunOutcome::DetachedByKeys => Ok(0),
        };
    }
    let names = if a.all {
        if !a.containers.is_empty() {
            return Err(EngineError::Usage(
                "no arguments are needed with --all".into(),
            ));
        }
        crate::engine::start_all::select(&paths, &a.filter)?
    } else {
        a.containers.clone()
    };
    Ok(each(&names, |n| {
        ctr::start_existing(&paths, n, false)?;
        Ok(Some(n.to_string()))
    }))
}

pub fn kill(a: KillArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let names = targets(&paths, a.all, &a.containers, running)?;
    Ok(each(&names, |n| {
        ctr::kill(&paths, n, &a.signal)?;
        Ok(Some(n.to_string()))
    }))
}

pub fn rename(a: RenameArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let new_name = a.new_name.strip_prefix('/').unwrap_or(&a.new_name);
    ctr::rename(&paths, &a.container, new_name)?;
    Ok(0)
}

pub fn restart(a: StopArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let mut names = targets(&paths, a.all, &a.containers, running)?;
    names.extend(
        cidfile_targets(&a.cidfile, a.ignore)?
            .into_iter()
            .map(|(n, _)| n),
    );
    Ok(each(&names, |n| {
        match ctr::restart_with(&paths, n, a.time, a.signal.as_deref()) {
            Err(e) if a.ignore && e.is_not_found() => Ok(None),
            r => r.map(|()| Some(n.to_string())),
        }
    }))
}

pub fn ps(a: PsArgs) -> Result<i32, EngineError> {
    super::container_more::ps(a)
}

pub fn logs(a: LogsArgs) -> Result<i32, EngineError> {
    super::container_more::logs(a)
}

/// Run `op` on every named container, printing each name that succeeded and one `Error:` line
/// for each that failed; exit status 1 if any failed (docker's behaviour for these verbs).
fn each(names: &[String], mut op: impl FnMut(&str) -> Result<Option<String>, EngineError>) -> i32 {
    let mut code = 0;
    for n in names {
        match op(n) {
            Ok(Some(line)) => println!("{line}"),
            Ok(None) => {}
            Err(e) => {
                eprintln!("Error: {}", render::error_chain(&e));
                code = 1;
            }
        }
    }
    code
}

/// The containers named in `--cidfile`s, each with its file; with `--ignore`, a missing file
/// is skipped.
fn cidfile_targets(
    cidfiles: &[PathBuf],
    ignore: bool,
) -> Result<Vec<(String, PathBuf)>, EngineError> {
    let mut out = Vec::new();
    for f in cidfiles {
        match std::fs::read_to_string(f) {
            Ok(id) => out.push((id.trim().to_string(), f.clone())),
            Err(e) if ignore && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(EngineError::io(format!("reading CIDFile {}", f.display()))(
                    e,
                ))
            }
        }
    }
    Ok(out)
}

pub fn stop(a: StopArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let mut names = targets(&paths, a.all, &a.containers, running)?;
    names.extend(
        cidfile_targets(&a.cidfile, a.ignore)?
            .into_iter()
            .map(|(n, _)| n),
    );
    Ok(each(&names, |n| {
        match ctr::stop_with(&paths, n, a.time, a.signal.as_deref()) {
            Err(e) if a.ignore && e.is_not_found() => Ok(None),
            r => r.map(|()| Some(n.to_string())),
        }
    }))
}

/// `rm`. With `--force`, a container that does not exist is no failure (docker prints the error
/// and exits 0); podman's `--time` stops it with that timeout before the removal.
pub fn rm(a: RmArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    if a.time.is_some() && !a.force {
        return Err(EngineError::Usage(
            "--force option must be specified to use the --time option".into(),
        ));
    }
    let mut names: Vec<(String, Option<PathBuf>)> =
        targets(&paths, a.all, &a.containers, |_| true)?
            .into_iter()
            .map(|n| (n, None))
            .collect();
    names.extend(
        cidfile_targets(&a.cidfile, a.ignore)?
            .into_iter()
            .map(|(n, f)| (n, Some(f))),
    );
    let mut code = 0;
    for (n, cidfile) in names {
        let one = each(std::slice::from_ref(&n), |n| {
            let result = match a.time {
                Some(t) => ctr::stop(&paths, n, Some(t))
                    .and_then(|()| ctr::remove(&paths, n, a.force, a.volumes)),
                None => ctr::remove(&paths, n, a.force, a.volumes),
            };
            match result {
                Err(e) if a.ignore && e.is_not_found() => Ok(None),
                Err(e) if a.force && e.is_not_found() && cidfile.is_none() => {
                    eprintln!("Error: {}", render::error_chain(&e));
                    Ok(None)
                }
                Err(e) => Err(e),
                Ok(()) => Ok(Some(n.to_string())),
            }
        });
        // podman removes the cidfile with its container.
        if let (0, Some(f)) = (one, cidfile) {
            let _ = std::fs::remove_file(f);
        }
        code |= one;
    }
    Ok(code)
}

/// The containers a verb acts on: the names given, or with podman's `--all` the IDs of every
/// container whose state `pick` accepts (none named then).
pub(super) fn targets(
    paths: &Paths,
    all: bool,
    names: &[String],
    pick: impl Fn(&crate::state::container::ContainerState) -> bool,
) -> Result<Vec<String>, EngineError> {
    if !all {
        return Ok(names.to_vec());
    }
    if !names.is_empty() {
        return Err(EngineError::Usage(
            "no arguments are needed with --all".into(),
        ));
    }
    Ok(ctr::list(paths, true)?
        .into_iter()
        .filter(|c| pick(&c.state))
        .map(|c| c.record.id)
        .collect())
}

/// Running in the sense of podman's `--all` for stop, kill and pause.
pub(super) fn running(s: &crate::state::container::ContainerState) -> bool {
    matches!(
        s.status,
        Status::Running | Status::Restarting | Status::Paused
    )
}

/// podman's `container exists`: exit status 0 or 1, nothing printed.
pub fn exists(a: ExistsArgs) -> Result<i32, EngineError> {
    match ctr::get(&Paths::from_env(), &a.name) {
        Ok(_) => Ok(0),
        Err(e) if e.is_not_found() => Ok(1),
        Err(e) => Err(e),
    }
}

pub fn wait(a: WaitArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    Ok(each(&a.containers, |n| {
        Ok(Some(ctr::wait(&paths, n)?.to_string()))
    }))
}

/// docker's inspect JSON of a container, or None when there is no such container.
pub fn inspect_value(name: &str) -> Result<Option<serde_json::Value>, EngineError> {
    let paths = Paths::from_env();
    match ctr::get(&paths, name) {
        Ok(info) => Ok(Some(ctr::inspect_json(&paths, &info))),
        Err(EngineError::State(crate::state::container::StateError::NoSuchContainer(_))) => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
