//! `run` and `create`: their flags, the typed create request built from them, and the notices docker prints.
use std::path::PathBuf;

use clap::Args;

use crate::engine::container::{self as ctr, RunOutcome};
use crate::engine::create::{self, parse, CreateRequest};
use crate::engine::EngineError;
use crate::state::Paths;

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
    /// Connect a container to a network (bridge: docker's default network, none, host,
    /// slirp4netns[:OPTIONS], pasta[:OPTIONS], container:NAME, NETWORK; user networks may be
    /// given more than once)
    #[arg(long, visible_alias = "net", default_value = "bridge")]
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
    pub net: Box<crate::cli::network::NetArgs>,
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
    pub health: crate::cli::health::HealthArgs,
    #[command(flatten)]
    pub extra: super::run_spec_flags::ExtraArgs,
    #[command(flatten)]
    pub resources: crate::cli::resource_flags::ResourceFlags,
    #[command(flatten)]
    pub create_resources: crate::cli::resource_flags::CreateResourceFlags,
    /// The image to run
    pub image: String,
    /// The command and its arguments
    #[arg(allow_hyphen_values = true)]
    pub command: Vec<String>,
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

pub fn create(a: RunArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let mut notices = notices(a.quiet);
    let req = create_request(a)?;
    let id = create::create(&paths, &req, &mut notices)?;
    println!("{id}");
    Ok(0)
}
