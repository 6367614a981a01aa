//! `skiff compose ...`: the Compose command line (docker compose v2's flags) and its output.
//! Loading and orchestration are `engine::compose`.
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

mod exec;
mod info;
pub(super) mod man;
mod observe;
mod output;
mod project;

use project::{load_for, progress};

use crate::engine::compose::{self, convert, ops, Project};
use crate::engine::EngineError;
use crate::state::Paths;

/// `skiff compose [OPTIONS] COMMAND`.
#[derive(Debug, Args)]
#[command(subcommand_required = true, arg_required_else_help = true)]
pub struct ComposeArgs {
    /// Compose configuration files
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Project name
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    pub project_name: Option<String>,
    /// Specify an alternate working directory (default: the path of the first Compose file)
    #[arg(long, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
    /// Specify an alternate environment file
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Specify a profile to enable
    #[arg(long = "profile", value_name = "PROFILE")]
    pub profile: Vec<String>,
    #[command(subcommand)]
    pub command: ComposeCommand,
}

#[derive(Debug, Subcommand)]
pub enum ComposeCommand {
    /// Parse, resolve and render the compose file in canonical format
    Config(ConfigArgs),
    /// Create and start containers
    Up(UpArgs),
    /// Stop and remove containers, networks
    Down(DownArgs),
    /// List containers
    Ps(PsArgs),
    /// View output from containers
    Logs(LogsArgs),
    /// Start services
    Start(ServicesArgs),
    /// Stop services
    Stop(StopArgs),
    /// Restart service containers
    Restart(StopArgs),
    /// Force stop service containers
    Kill(KillArgs),
    /// Removes stopped service containers
    Rm(RmArgs),
    /// Pause services
    Pause(ServicesArgs),
    /// Unpause services
    Unpause(ServicesArgs),
    /// Execute a command in a running container
    Exec(exec::ExecArgs),
    /// Run a one-off command on a service
    Run(exec::RunArgs),
    /// Copy files/folders between a service container and the local filesystem
    Cp(exec::CpArgs),
    /// Build or rebuild services
    Build(info::BuildArgs),
    /// Pull service images
    Pull(info::PullArgs),
    /// Push service images
    Push(info::PushArgs),
    /// List images used by the created containers
    Images(info::ImagesArgs),
    /// Display the running processes
    Top(ServicesArgs),
    /// Print the public port for a port binding
    Port(info::PortArgs),
    /// List running compose projects
    Ls(info::LsArgs),
    /// Show the Docker Compose version information
    Version(info::VersionArgs),
    /// Creates containers for a service
    Create(CreateArgs),
    /// Scale services
    Scale(ScaleArgs),
    /// Block until containers of all (or specified) services stop
    Wait(observe::WaitArgs),
    /// Attach local standard input, output, and error streams to a service's running container
    Attach(observe::AttachArgs),
    /// Display a live stream of container(s) resource usage statistics
    Stats(super::container::StatsArgs),
    /// Receive real time events from containers
    Events(observe::EventsArgs),
    /// Watch the build context for services and rebuild/refresh containers when files are
    /// updated (not supported by skiff)
    Watch(WatchArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Build images before starting containers
    #[arg(long)]
    pub build: bool,
    /// Don't build an image, even if it's policy
    #[arg(long, conflicts_with = "build")]
    pub no_build: bool,
    /// Recreate containers even if their configuration and image haven't changed
    #[arg(long)]
    pub force_recreate: bool,
    /// If containers already exist, don't recreate them
    #[arg(long, conflicts_with = "force_recreate")]
    pub no_recreate: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Scale SERVICE to NUM instances; overrides the `scale` setting in the Compose file
    #[arg(long, value_name = "SERVICE=NUM")]
    pub scale: Vec<String>,
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// Don't start linked services
    #[arg(long)]
    pub no_deps: bool,
    /// SERVICE=REPLICAS
    #[arg(required = true, value_name = "SERVICE=REPLICAS")]
    pub scale: Vec<String>,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Do not build and start services before watching
    #[arg(long)]
    pub no_up: bool,
    /// Prune dangling images on rebuild
    #[arg(long)]
    pub prune: bool,
    /// hide build output
    #[arg(long)]
    pub quiet: bool,
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Detached mode: Run containers in the background
    #[arg(short, long)]
    pub detach: bool,
    /// Build images before starting containers
    #[arg(long)]
    pub build: bool,
    /// Don't build an image, even if it's policy
    #[arg(long, conflicts_with = "build")]
    pub no_build: bool,
    /// Recreate containers even if their configuration and image haven't changed
    #[arg(long)]
    pub force_recreate: bool,
    /// If containers already exist, don't recreate them
    #[arg(long, conflicts_with = "force_recreate")]
    pub no_recreate: bool,
    /// Don't start linked services
    #[arg(long)]
    pub no_deps: bool,
    /// Don't start the services after creating them
    #[arg(long)]
    pub no_start: bool,
    /// Scale SERVICE to NUM instances; overrides the `scale` setting in the Compose file
    #[arg(long, value_name = "SERVICE=NUM")]
    pub scale: Vec<String>,
    /// Wait for services to be running|healthy; implies detached mode
    #[arg(long)]
    pub wait: bool,
    /// Maximum duration in seconds to wait for the project to be running|healthy
    #[arg(long, value_name = "SECONDS")]
    pub wait_timeout: Option<u64>,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Recreate anonymous volumes instead of retrieving data from the previous containers
    #[arg(short = 'V', long)]
    pub renew_anon_volumes: bool,
    /// Use this timeout in seconds for container shutdown when attached or when containers
    /// are already running
    #[arg(short, long, value_name = "SECONDS")]
    pub timeout: Option<i64>,
    /// Produce monochrome output
    #[arg(long)]
    pub no_color: bool,
    /// Don't print prefix in logs
    #[arg(long)]
    pub no_log_prefix: bool,
    /// Stops all containers if any container was stopped; incompatible with -d
    #[arg(long, conflicts_with = "detach")]
    pub abort_on_container_exit: bool,
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DownArgs {
    /// Remove named volumes declared in the "volumes" section of the Compose file and
    /// anonymous volumes attached to containers
    #[arg(short, long)]
    pub volumes: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Remove images used by services: "local" removes only images that don't have a custom
    /// tag, "all" every image
    #[arg(long, value_name = "TYPE", value_parser = ["local", "all"])]
    pub rmi: Option<String>,
    /// Specify a shutdown timeout in seconds
    #[arg(short, long, value_name = "SECONDS")]
    pub timeout: Option<i64>,
}

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Show all stopped containers (including those created by the run command)
    #[arg(short, long)]
    pub all: bool,
    /// Only display IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Display services
    #[arg(long)]
    pub services: bool,
    /// Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go
    /// template
    #[arg(long)]
    pub format: Option<String>,
    /// Filter services by a property (status=running)
    #[arg(long)]
    pub status: Vec<String>,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
    pub service: Vec<String>,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Follow log output
    #[arg(short, long)]
    pub follow: bool,
    /// Number of lines to show from the end of the logs for each container
    #[arg(short = 'n', long, default_value = "all")]
    pub tail: String,
    /// Show timestamps
    #[arg(short, long)]
    pub timestamps: bool,
    /// Show logs since timestamp (2013-01-02T13:23:37Z) or relative (42m for 42 minutes)
    #[arg(long)]
    pub since: Option<String>,
    /// Show logs before a timestamp or relative
    #[arg(long)]
    pub until: Option<String>,
    /// Produce monochrome output
    #[arg(long)]
    pub no_color: bool,
    /// Don't print prefix in logs
    #[arg(long)]
    pub no_log_prefix: bool,
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ServicesArgs {
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    /// Specify a shutdown timeout in seconds
    #[arg(short, long, value_name = "SECONDS")]
    pub timeout: Option<i64>,
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct KillArgs {
    /// SIGNAL to send to the container
    #[arg(short, long, default_value = "SIGKILL")]
    pub signal: String,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Don't ask to confirm removal
    #[arg(short, long)]
    pub force: bool,
    /// Stop the containers, if required, before removing
    #[arg(short, long)]
    pub stop: bool,
    /// Remove any anonymous volumes attached to containers
    #[arg(short, long)]
    pub volumes: bool,
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Only validate the configuration, don't print anything
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the service names, one per line
    #[arg(long)]
    pub services: bool,
    /// Print the volume names, one per line
    #[arg(long)]
    pub volumes: bool,
    /// Print the profile names, one per line
    #[arg(long)]
    pub profiles: bool,
    /// Print the image names, one per line
    #[arg(long)]
    pub images: bool,
    /// Format the output: yaml or json
    #[arg(long, default_value = "yaml")]
    pub format: String,
    /// Save to file (default to stdout)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn dispatch(args: ComposeArgs) -> Result<i32, EngineError> {
    let cwd = std::env::current_dir().map_err(EngineError::io("reading the current directory"))?;
    let mut opts = compose::Options::from_env(cwd);
    opts.files = args.files.clone();
    opts.project_name = args.project_name.clone();
    opts.project_directory = args.project_directory.clone();
    opts.env_files = args.env_file.clone();
    opts.profiles = args.profile.clone();
    let paths = Paths::from_env();
    match args.command {
        ComposeCommand::Config(a) => config(&opts, a),
        ComposeCommand::Up(a) => up(&paths, opts, a),
        ComposeCommand::Down(a) => {
            let p = load_for(&opts, &[])?;
            let o = ops::DownOptions {
                volumes: a.volumes,
                remove_orphans: a.remove_orphans,
                timeout: a.timeout,
                rmi: a.rmi,
            };
            ops::down(&paths, &p, &o, &progress)?;
            Ok(0)
        }
        ComposeCommand::Ps(a) => ps(&paths, opts, a),
        ComposeCommand::Logs(a) => {
            let p = load_for(&opts, &a.services)?;
            logs(&paths, &p, &a)
        }
        ComposeCommand::Start(a) => act(&paths, opts, a.services, ops::Action::Start),
        ComposeCommand::Stop(a) => act(&paths, opts, a.services, ops::Action::Stop(a.timeout)),
        ComposeCommand::Restart(a) => {
            act(&paths, opts, a.services, ops::Action::Restart(a.timeout))
        }
        ComposeCommand::Kill(a) => {
            crate::engine::container::parse_signal(&a.signal)
                .ok_or_else(|| EngineError::Usage(format!("invalid signal: {}", a.signal)))?;
            act(&paths, opts, a.services, ops::Action::Kill(a.signal))
        }
        ComposeCommand::Rm(a) => act(
            &paths,
            opts,
            a.services,
            ops::Action::Remove {
                stop: a.stop,
                volumes: a.volumes,
            },
        ),
        ComposeCommand::Pause(a) => act(&paths, opts, a.services, ops::Action::Pause),
        ComposeCommand::Unpause(a) => act(&paths, opts, a.services, ops::Action::Unpause),
        ComposeCommand::Exec(a) => exec::exec(&paths, &opts, a),
        ComposeCommand::Run(a) => exec::run(&paths, &opts, a),
        ComposeCommand::Cp(a) => exec::cp(&paths, &opts, a),
        ComposeCommand::Build(a) => info::build(&paths, &opts, a),
        ComposeCommand::Pull(a) => info::pull(&paths, &opts, a),
        ComposeCommand::Push(a) => info::push(&paths, &opts, a),
        ComposeCommand::Images(a) => info::images(&paths, &opts, a),
        ComposeCommand::Top(a) => info::top(&paths, &opts, a.services),
        ComposeCommand::Port(a) => info::port(&paths, &opts, a),
        ComposeCommand::Ls(a) => info::ls(&paths, a),
        ComposeCommand::Version(a) => info::version(a),
        ComposeCommand::Create(a) => create(&paths, opts, a),
        ComposeCommand::Scale(a) => scale(&paths, opts, a),
        ComposeCommand::Wait(a) => observe::wait(&paths, &opts, a),
        ComposeCommand::Attach(a) => observe::attach(&paths, &opts, a),
        ComposeCommand::Stats(a) => observe::stats(&paths, &opts, a),
        ComposeCommand::Events(a) => observe::events(&paths, &opts, a),
        ComposeCommand::Watch(_) => Err(EngineError::Unsupported(
            "compose watch is not supported by skiff (it would sync files into running containers and rebuild them as the develop section says): run `skiff compose up -d --build` after a change".into(),
        )),
    }
}

/// `--scale SERVICE=NUM` (or `scale`'s `SERVICE=REPLICAS`) as a map.
fn parse_scale(items: &[String]) -> Result<std::collections::BTreeMap<String, u32>, EngineError> {
    let mut scale = std::collections::BTreeMap::new();
    for s in items {
        let (svc, n) = s
            .split_once('=')
            .and_then(|(svc, n)| n.parse::<u32>().ok().map(|n| (svc, n)))
            .ok_or_else(|| EngineError::Usage(format!("invalid scale {s:?}: SERVICE=NUM")))?;
        scale.insert(svc.to_string(), n);
    }
    Ok(scale)
}

/// `create`: `up --no-start`.
fn create(paths: &Paths, opts: compose::Options, a: CreateArgs) -> Result<i32, EngineError> {
    let p = load_for(&opts, &a.services)?;
    let o = compose::up::UpOptions {
        services: a.services,
        force_recreate: a.force_recreate,
        no_recreate: a.no_recreate,
        remove_orphans: a.remove_orphans,
        scale: parse_scale(&a.scale)?,
        build: a.build,
        no_build: a.no_build,
        no_start: true,
        ..Default::default()
    };
    compose::up::up(paths, &p, &o, &progress)?;
    Ok(0)
}

/// `scale`: the services named brought to their new number of containers (and started), with
/// their dependencies unless `--no-deps`.
fn scale(paths: &Paths, opts: compose::Options, a: ScaleArgs) -> Result<i32, EngineError> {
    let scale = parse_scale(&a.scale)?;
    let services: Vec<String> = scale.keys().cloned().collect();
    let p = load_for(&opts, &services)?;
    let o = compose::up::UpOptions {
        services,
        no_deps: a.no_deps,
        scale,
        ..Default::default()
    };
    compose::up::up(paths, &p, &o, &progress)?;
    Ok(0)
}

fn act(
    paths: &Paths,
    opts: compose::Options,
    services: Vec<String>,
    action: ops::Action,
) -> Result<i32, EngineError> {
    let p = load_for(&opts, &services)?;
    ops::act(paths, &p, &services, &action, &progress)?;
    Ok(0)
}

fn up(paths: &Paths, opts: compose::Options, a: UpArgs) -> Result<i32, EngineError> {
    let p = load_for(&opts, &a.services)?;
    let scale = parse_scale(&a.scale)?;
    let o = compose::up::UpOptions {
        services: a.services.clone(),
        no_deps: a.no_deps,
        force_recreate: a.force_recreate,
        no_recreate: a.no_recreate,
        remove_orphans: a.remove_orphans,
        scale,
        build: a.build,
        no_build: a.no_build,
        renew_anon_volumes: a.renew_anon_volumes,
        no_start: a.no_start,
        timeout: a.timeout,
        wait: a.wait,
        wait_timeout: a.wait_timeout.map(std::time::Duration::from_secs),
    };
    compose::up::up(paths, &p, &o, &progress)?;
    if a.detach || a.wait || a.no_start {
        return Ok(0);
    }
    output::attached(
        paths,
        &p,
        &output::Attached {
            services: &a.services,
            deps: !a.no_deps,
            color: !a.no_color,
            prefix: !a.no_log_prefix,
            abort_on_container_exit: a.abort_on_container_exit,
            timeout: a.timeout,
        },
    )
}

/// `ps`: the project's containers (`-a`: stopped ones and `run`'s too), docker compose's
/// columns.
fn ps(paths: &Paths, opts: compose::Options, a: PsArgs) -> Result<i32, EngineError> {
    let p = load_for(&opts, &a.service)?;
    let mut list = crate::engine::ps::ps(
        paths,
        &crate::engine::ps::PsQuery {
            all: true,
            last: None,
            filters: vec![format!("label={}={}", convert::LABEL_PROJECT, p.name)],
            size: false,
        },
    )?;
    list.retain(|e| {
        let l = &e.summary.labels;
        let svc = l.get(convert::LABEL_SERVICE).cloned().unwrap_or_default();
        let oneoff = l.get(convert::LABEL_ONEOFF).map(String::as_str) == Some("True");
        let status = e.state.status.as_str();
        (a.all || (!oneoff && e.state.status.is_up()) || !a.status.is_empty())
            && (a.service.is_empty() || a.service.contains(&svc))
            && (a.status.is_empty() || a.status.iter().any(|s| s == status))
    });
    list.sort_by(|x, y| x.summary.name.cmp(&y.summary.name));
    let mut out = std::io::stdout().lock();
    if a.services {
        let mut names: Vec<String> = list
            .iter()
            .filter_map(|e| e.summary.labels.get(convert::LABEL_SERVICE).cloned())
            .collect();
        names.dedup();
        for n in names {
            let _ = writeln!(out, "{n}");
        }
        return Ok(0);
    }
    if a.quiet {
        for e in &list {
            let id = &e.summary.id;
            let _ = writeln!(out, "{}", if a.no_trunc { &id[..] } else { &id[..12] });
        }
        return Ok(0);
    }
    drop(out);
    let rows: Vec<serde_json::Value> = list
        .iter()
        .map(|e| {
            let mut row = super::container::ps_row(e, a.no_trunc);
            let l = &e.summary.labels;
            row["Name"] = e.summary.name.clone().into();
            row["Service"] = l
                .get(convert::LABEL_SERVICE)
                .cloned()
                .unwrap_or_default()
                .into();
            row["Project"] = p.name.clone().into();
            row["ExitCode"] = e.state.exit_code.into();
            row["Health"] = match e.state.health.as_ref() {
                Some(h) => h.status.as_str().into(),
                None => "".into(),
            };
            row
        })
        .collect();
    let fmt = super::render::ListFormat::parse(a.format.as_deref(), PS_TABLE)?;
    fmt.print(&rows, PS_HEADERS)?;
    Ok(0)
}

const PS_TABLE: &str =
    "table {{.Name}}\\t{{.Image}}\\t{{.Command}}\\t{{.Service}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}";

const PS_HEADERS: &[(&str, &str)] = &[
    ("Name", "NAME"),
    ("Image", "IMAGE"),
    ("Command", "COMMAND"),
    ("Service", "SERVICE"),
    ("RunningFor", "CREATED"),
    ("Status", "STATUS"),
    ("Ports", "PORTS"),
    ("ID", "CONTAINER ID"),
    ("State", "STATE"),
    ("Health", "HEALTH"),
    ("ExitCode", "EXIT CODE"),
    ("Project", "PROJECT"),
    ("CreatedAt", "CREATED AT"),
    ("Names", "NAMES"),
    ("Labels", "LABELS"),
    ("Networks", "NETWORKS"),
    ("Mounts", "MOUNTS"),
];

/// `logs`: every selected container's log with a `name | ` prefix.
fn logs(paths: &Paths, p: &Project, a: &LogsArgs) -> Result<i32, EngineError> {
    use crate::engine::logs as el;
    let now = chrono::Utc::now();
    let q = el::LogQuery {
        follow: a.follow,
        tail: el::parse_tail(&a.tail)?,
        since: a
            .since
            .as_deref()
            .map(|s| el::parse_time(s, now))
            .transpose()?,
        until: a
            .until
            .as_deref()
            .map(|s| el::parse_time(s, now))
            .transpose()?,
    };
    let ctrs = compose::service_containers(paths, &p.name, &a.services, false)?;
    let prefixes = output::Prefixes::new(
        &p.name,
        ctrs.iter().map(|c| c.record.name.as_str()),
        !a.no_color,
        !a.no_log_prefix,
    );
    let ids: Vec<(String, String)> = ctrs
        .iter()
        .map(|c| (c.record.id.clone(), c.record.name.clone()))
        .collect();
    if !a.follow {
        // All entries, in time order across the containers.
        let mut all = Vec::new();
        for (id, name) in &ids {
            let mut keep = |e: &crate::monitor::log::Entry| {
                all.push((
                    e.time.clone(),
                    name.clone(),
                    crate::monitor::log::Entry {
                        log: e.log.clone(),
                        stream: e.stream.clone(),
                        time: e.time.clone(),
                    },
                ))
            };
            el::logs(paths, id, &q, &mut keep, &|| true)?;
        }
        all.sort_by(|x, y| x.0.cmp(&y.0));
        for (_, name, e) in &all {
            prefixes.print(name, e, a.timestamps);
        }
        return Ok(0);
    }
    std::thread::scope(|scope| {
        for (id, name) in &ids {
            let (q, prefixes) = (&q, &prefixes);
            scope.spawn(move || {
                let _ = el::logs(
                    paths,
                    id,
                    q,
                    &mut |e| prefixes.print(name, e, a.timestamps),
                    &|| true,
                );
            });
        }
    });
    Ok(0)
}

fn config(opts: &compose::Options, a: ConfigArgs) -> Result<i32, EngineError> {
    let mut o = opts.clone();
    if a.profiles {
        // Every profile, whether enabled or not.
        o.profiles = vec!["*".into()];
    }
    let p: Project = load_for(&o, &[])?;
    if a.quiet {
        return Ok(0);
    }
    let text = if a.services {
        lines(p.services.keys())
    } else if a.volumes {
        lines(p.volumes.keys())
    } else if a.profiles {
        let mut all: Vec<&String> = p.services.values().flat_map(|s| &s.profiles).collect();
        all.sort();
        all.dedup();
        lines(all)
    } else if a.images {
        lines(p.services.iter().map(|(n, s)| s.image_name(&p.name, n)))
    } else {
        match a.format.as_str() {
            "yaml" => compose::to_yaml(&p)?,
            "json" => {
                let mut t = serde_json::to_string_pretty(&p)
                    .map_err(EngineError::failed("rendering the project"))?;
                t.push('\n');
                t
            }
            f => {
                return Err(EngineError::Usage(format!(
                    "unsupported format {f:?}: yaml or json"
                )))
            }
        }
    };
    match &a.output {
        Some(f) => {
            std::fs::write(f, text).map_err(EngineError::io(format!("writing {}", f.display())))?
        }
        None => {
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
    }
    Ok(0)
}

fn lines<I: IntoIterator<Item = S>, S: std::fmt::Display>(items: I) -> String {
    items.into_iter().map(|i| format!("{i}\n")).collect()
}
