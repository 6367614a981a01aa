//! Command-line interface: clap definitions, dispatch to `engine`, and rendering. Nothing else.
mod build;
mod compose;
mod container;
mod context;
mod fast;
mod health;
mod image;
mod manifest;
mod network;
pub mod render;
mod resource_flags;
mod search;
mod status;
mod system;
mod systemd;
mod systemd_man;
mod tree;
mod volume;

use clap::{FromArgMatches, Parser, Subcommand};

use crate::engine::EngineError;

/// skiff: a daemonless, rootless, Docker-compatible container engine.
#[derive(Debug, Parser)]
#[command(name = "skiff", version, disable_help_subcommand = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

// skiff's own options (`--log-level` and `--storage-driver` may follow a command's name too).
// A plain comment: a doc comment here would become the root command's description.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Log level: error, warn, info, debug or trace
    #[arg(
        long,
        global = true,
        value_name = "LEVEL",
        default_value = "warn",
        env = "SKIFF_LOG_LEVEL"
    )]
    pub log_level: String,

    /// Storage driver for new containers: overlay, fuse-overlay or vfs (default: the fastest
    /// the kernel allows; see `skiff info`)
    #[arg(
        long,
        global = true,
        value_name = "DRIVER",
        env = "SKIFF_STORAGE_DRIVER"
    )]
    pub storage_driver: Option<String>,

    /// Daemon socket to connect to: skiff runs locally, so only its own API socket (or
    /// nothing) is accepted
    #[arg(short = 'H', long = "host", value_name = "HOST", env = "DOCKER_HOST")]
    pub host: Option<String>,

    /// Location of client config files (docker's config.json: credentials, credential
    /// helpers; default: $DOCKER_CONFIG, else ~/.docker)
    #[arg(long = "config", value_name = "DIR")]
    pub config: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage containers
    #[command(subcommand)]
    Container(container::ContainerCommand),
    /// Manage images
    #[command(subcommand)]
    Image(image::ImageCommand),
    /// Manage skiff
    #[command(subcommand)]
    System(system::SystemCommand),
    /// Display system-wide information
    Info(system::InfoArgs),
    /// Show the skiff version information
    Version(system::VersionArgs),
    /// Get real time events from containers, images, volumes and networks
    Events(system::EventsArgs),
    /// Manage volumes
    #[command(subcommand)]
    Volume(volume::VolumeCommand),
    /// Manage networks
    #[command(subcommand)]
    Network(network::NetworkCommand),
    /// Manage image manifests and manifest lists
    #[command(subcommand)]
    Manifest(manifest::ManifestCommand),
    /// Manage contexts (the default one: skiff runs locally)
    #[command(subcommand)]
    Context(context::ContextCommand),
    /// Manage health checks on containers
    #[command(subcommand)]
    Healthcheck(health::HealthcheckCommand),

    /// Generate structured data (systemd units) from containers
    #[command(subcommand)]
    Generate(systemd::GenerateCommand),

    /// Define and run multi-container applications (Compose files, natively)
    Compose(compose::ComposeArgs),

    /// Manage builds
    #[command(subcommand)]
    Builder(build::BuilderCommand),
    /// Docker Buildx (builds with skiff's own builder)
    #[command(subcommand)]
    Buildx(build::BuildxCommand),

    // docker's top-level shortcuts
    /// Build an image from a Dockerfile
    Build(build::BuildArgs),
    /// Create and run a new container from an image
    Run(Box<container::RunArgs>),
    /// Execute a command in a running container
    Exec(container::ExecArgs),
    /// List containers
    Ps(container::PsArgs),
    /// Fetch the logs of a container
    Logs(container::LogsArgs),
    /// Stop one or more running containers
    Stop(container::StopArgs),
    /// Remove one or more containers
    Rm(container::RmArgs),
    /// Block until one or more containers stop, then print their exit codes
    Wait(container::WaitArgs),
    /// Create a new container
    Create(Box<container::RunArgs>),
    /// Start one or more stopped containers
    Start(container::StartArgs),
    /// Kill one or more running containers
    Kill(container::KillArgs),
    /// Rename a container
    Rename(container::RenameArgs),
    /// Restart one or more containers
    Restart(container::StopArgs),
    /// Attach local standard input, output, and error streams to a running container
    Attach(container::AttachArgs),
    /// Display the running processes of a container
    Top(container::TopArgs),
    /// Pause all processes within one or more containers
    Pause(container::PauseArgs),
    /// Unpause all processes within one or more containers
    Unpause(container::PauseArgs),
    /// Display a live stream of container(s) resource usage statistics
    Stats(container::StatsArgs),
    /// Update configuration of one or more containers
    Update(Box<container::UpdateArgs>),
    /// Download an image from a registry
    Pull(image::PullArgs),
    /// List images
    Images(image::ImagesArgs),
    /// Remove one or more images
    Rmi(image::RmiArgs),
    /// Import the contents from a tarball to create a filesystem image
    Import(image::ImportArgs),
    /// Return low-level information on containers or images
    Inspect(InspectArgs),
    /// Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE
    Tag(image::TagArgs),
    /// Show the history of an image
    History(image::HistoryArgs),
    /// Upload an image to a registry
    Push(image::PushArgs),
    /// Save one or more images to a tar archive (streamed to STDOUT by default)
    Save(image::SaveArgs),
    /// Load an image from a tar archive or STDIN
    Load(image::LoadArgs),
    /// Search Docker Hub (or a registry with the search API) for images
    Search(search::SearchArgs),
    /// Log in to a registry
    Login(image::LoginArgs),
    /// Log out from a registry
    Logout(image::LogoutArgs),
    /// Copy files/folders between a container and the local filesystem
    Cp(container::CpArgs),
    /// Inspect changes to files or directories on a container's filesystem
    Diff(container::DiffArgs),
    /// Export a container's filesystem as a tar archive
    Export(container::ExportArgs),
    /// Create a new image from a container's changes
    Commit(container::CommitArgs),
    /// List port mappings or a specific mapping for the container
    Port(container::PortArgs),

    /// Output shell completion code for bash, zsh, fish, elvish or powershell
    Completion { shell: clap_complete::Shell },
    /// Internal: write the man pages and completion scripts into DIR/man and DIR/completions
    #[command(name = "__gen-docs", hide = true)]
    GenDocs { dir: std::path::PathBuf },
}

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Format output using a custom template
    #[arg(short, long)]
    pub format: Option<String>,
    /// Only inspect objects of the given type (container, image, network, volume)
    #[arg(short = 't', long = "type")]
    pub kind: Option<String>,
    /// Display total file sizes if the type is container (SizeRw, SizeRootFs)
    #[arg(short, long)]
    pub size: bool,
    #[arg(required = true)]
    pub names: Vec<String>,
}

/// skiff's clap tree, parsed and documented as docker's command line (see `tree`).
pub fn command() -> clap::Command {
    tree::command(<Cli as clap::CommandFactory>::command())
}

/// Parse the command line, run the command, print any error, and return the exit code.
pub fn main() -> i32 {
    // Internal entry points (the helpers skiff starts, which may unshare a user namespace)
    // run before anything else can start a thread.
    if let Some(code) = crate::engine::helpers::main_if_internal() {
        return code;
    }
    // The API service's exec helper: the engine's exec forks and needs a thread-free process.
    if std::env::args().nth(1).as_deref() == Some("__api-exec") {
        return crate::api::exec_child_main();
    }
    // Behave like a well-mannered Unix filter: `skiff ps | head` ends quietly.
    crate::runtime::default_sigpipe();
    if let Some(cli) = service_fast_path() {
        return run(cli);
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(cli) = fast::parse(&args) {
        return run(cli);
    }
    let mut tree = tree::command_for(
        <Cli as clap::CommandFactory>::command(),
        args.get(1..).unwrap_or_default(),
    );
    let parsed = tree
        .try_get_matches_from_mut(&args)
        .and_then(|m| Cli::from_arg_matches(&m));
    // The tree is not needed again and the process ends soon: freeing its thousands of small
    // allocations one by one cost a tenth of a `ps` on an empty store.
    std::mem::forget(tree);
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return status::for_clap(&e, &args);
        }
    };
    run(cli)
}

/// `skiff system service [--time N] [URI]` with no global option, parsed by a command of its
/// own instead of the whole tree: the service is a long-lived process whose idle memory
/// counts, and building skiff's full clap tree maps about 8 MB of the binary's pages that it
/// would keep (a release `skiff --version` peaks at 11.7 MB RSS, `skiff-monitor` at 3.3 MB).
/// Anything else (`--help`, a bad flag, a global option) goes to the full parser, which
/// prints the usual help or error. The global options' environment variables still apply.
fn service_fast_path() -> Option<Cli> {
    use clap::{Args, FromArgMatches};
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if args.first()? != "system" || args.get(1)? != "service" {
        return None;
    }
    let cmd = system::ServiceArgs::augment_args(
        clap::Command::new("service")
            .no_binary_name(true)
            .disable_help_flag(true)
            .disable_version_flag(true),
    );
    let m = cmd.try_get_matches_from(&args[2..]).ok()?;
    let service = system::ServiceArgs::from_arg_matches(&m).ok()?;
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    Some(Cli {
        global: GlobalArgs {
            log_level: env("SKIFF_LOG_LEVEL").unwrap_or_else(|| "warn".into()),
            storage_driver: env("SKIFF_STORAGE_DRIVER"),
            host: None,
            config: None,
        },
        command: Command::System(system::SystemCommand::Service(service)),
    })
}

/// Run a parsed command line: the global options, then the command; its exit code.
fn run(cli: Cli) -> i32 {
    init_logging(&cli.global.log_level);
    if let Some(dir) = &cli.global.config {
        // Still one thread: nothing else reads the environment concurrently.
        std::env::set_var("DOCKER_CONFIG", dir);
    }
    // The server side (`system service`, and `system dial-stdio`, which a remote docker CLI
    // runs over ssh and which starts the service) serves this host's engine whatever
    // DOCKER_HOST the session carries.
    let serves = matches!(
        cli.command,
        Command::System(system::SystemCommand::DialStdio | system::SystemCommand::Service(_))
    );
    let family = status::Family::of(&cli.command);
    // As docker's commands that cannot reach their daemon (28.2: `run` 125, the others 1).
    if let Err(e) = context::check_host(cli.global.host.as_deref().filter(|_| !serves)) {
        eprintln!("Error: {e}");
        return family.for_kind(crate::engine::ErrorKind::Internal);
    }
    if let Some(d) = &cli.global.storage_driver {
        match d.parse() {
            Ok(d) => crate::engine::storage::request(d),
            // A bad flag value: docker's flag errors exit 125.
            Err(e) => {
                eprintln!("Error: {e}");
                return crate::exit::ENGINE;
            }
        }
    }
    let paths = crate::state::Paths::from_env();
    crate::engine::storage::secure_data_root(&paths);
    if let Err(e) = paths.check_runtime() {
        eprintln!("Error: {e}");
        return family.for_kind(crate::engine::ErrorKind::Internal);
    }
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Error: {}", render::error_chain(&e));
            family.code(&e)
        }
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(format!("skiff={level}"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("skiff=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
}

fn dispatch(cmd: Command) -> Result<i32, EngineError> {
    match cmd {
        Command::Container(c) => container::dispatch(c),
        Command::Image(c) => image::dispatch(c),
        Command::Volume(c) => volume::dispatch(c),
        Command::System(c) => system::dispatch(c),
        Command::Info(a) => system::info(a),
        Command::Version(a) => system::version(a),
        Command::Events(a) => system::events(a),
        Command::Network(c) => network::dispatch(c),
        Command::Context(c) => context::dispatch(c),
        Command::Manifest(c) => manifest::dispatch(c),
        Command::Generate(c) => systemd::dispatch(c),
        Command::Healthcheck(c) => health::dispatch(c),
        Command::Compose(a) => compose::dispatch(a),
        Command::Builder(c) => build::builder(c),
        Command::Buildx(c) => build::buildx(c),
        Command::Build(a) => build::run(a),
        Command::Run(a) => container::run(*a),
        Command::Exec(a) => container::exec(a),
        Command::Ps(a) => container::ps(a),
        Command::Logs(a) => container::logs(a),
        Command::Stop(a) => container::stop(a),
        Command::Rm(a) => container::rm(a),
        Command::Wait(a) => container::wait(a),
        Command::Create(a) => container::create(*a),
        Command::Start(a) => container::start(a),
        Command::Kill(a) => container::kill(a),
        Command::Rename(a) => container::rename(a),
        Command::Restart(a) => container::restart(a),
        Command::Attach(a) => container::attach(a),
        Command::Top(a) => container::top(a),
        Command::Pause(a) => container::pause(a, true),
        Command::Unpause(a) => container::pause(a, false),
        Command::Stats(a) => container::stats(a),
        Command::Update(a) => container::update(*a),
        Command::Pull(a) => image::pull(a),
        Command::Images(a) => image::images(a),
        Command::Rmi(a) => image::rmi(a),
        Command::Import(a) => image::import(a),
        Command::Inspect(a) => inspect(a),
        Command::Tag(a) => image::tag(a),
        Command::History(a) => image::history(a),
        Command::Push(a) => image::push(a),
        Command::Save(a) => image::save(a),
        Command::Load(a) => image::load(a),
        Command::Login(a) => image::login(a),
        Command::Search(a) => search::search(a),
        Command::Logout(a) => image::logout(a),
        Command::Cp(a) => container::cp(a),
        Command::Diff(a) => container::diff(a),
        Command::Export(a) => container::export(a),
        Command::Commit(a) => container::commit(a),
        Command::Port(a) => container::port(a),
        Command::Completion { shell } => {
            let mut cmd = command();
            clap_complete::generate(shell, &mut cmd, "skiff", &mut std::io::stdout());
            Ok(0)
        }
        Command::GenDocs { dir } => gen_docs(&dir).map(|()| 0).map_err(EngineError::io(format!(
            "writing docs into {}",
            dir.display()
        ))),
    }
}

/// Man pages (one per command, docker's `skiff-container-run.1` naming) and completions, from
/// the clap tree, so they never drift from the real flags.
fn gen_docs(dir: &std::path::Path) -> std::io::Result<()> {
    let man = dir.join("man");
    let comp = dir.join("completions");
    std::fs::create_dir_all(&man)?;
    std::fs::create_dir_all(&comp)?;
    let mut cmd = command();
    cmd.build();
    fn walk(cmd: &clap::Command, prefix: &str, man: &std::path::Path) -> std::io::Result<()> {
        let name = if prefix.is_empty() {
            cmd.get_name().to_string()
        } else {
            format!("{prefix}-{}", cmd.get_name())
        };
        let page = cmd.clone().name(name.clone());
        let mut buf = Vec::new();
        clap_mangen::Man::new(page).render(&mut buf)?;
        if let Some(ex) = systemd_man::examples(&name).or_else(|| compose::man::examples(&name)) {
            buf.extend_from_slice(ex.as_bytes());
        }
        if let Some(section) = status::man_section(&name) {
            buf.extend_from_slice(section.as_bytes());
        }
        std::fs::write(man.join(format!("{name}.1")), buf)?;
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, &name, man)?;
        }
        Ok(())
    }
    walk(&cmd, "", &man)?;
    std::fs::write(man.join("skiff-systemd.unit.5"), systemd_man::UNIT_PAGE)?;
    for (shell, file) in [
        (clap_complete::Shell::Bash, "skiff.bash"),
        (clap_complete::Shell::Zsh, "_skiff"),
        (clap_complete::Shell::Fish, "skiff.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd, "skiff", &mut buf);
        std::fs::write(comp.join(file), buf)?;
    }
    Ok(())
}

/// `skiff inspect`: containers, then images, networks and volumes, as docker looks them up
/// (`--type` keeps one kind; podman's `all` is every kind).
fn inspect(args: InspectArgs) -> Result<i32, EngineError> {
    render::check_inspect_format(args.format.as_deref())?;
    const KINDS: [&str; 4] = ["container", "image", "network", "volume"];
    let kind = args
        .kind
        .as_deref()
        .filter(|k| !k.is_empty() && *k != "all");
    if let Some(k) = kind {
        if !KINDS.contains(&k) {
            return Err(EngineError::Usage(format!(
                "unknown type: {k:?}: must be one of \"{}\"",
                KINDS.join("\", \"")
            )));
        }
    }
    let paths = crate::state::Paths::from_env();
    let not_found = |r: Result<serde_json::Value, EngineError>| match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    };
    let mut values = Vec::new();
    let mut code = 0;
    for name in &args.names {
        let mut found = None;
        for k in KINDS.iter().filter(|k| kind.is_none_or(|want| want == **k)) {
            found = match *k {
                "container" => container::inspect_value(name)?.map(|mut v| {
                    if args.size {
                        let id = v["Id"].as_str().unwrap_or_default().to_string();
                        let image = v["Image"].as_str().unwrap_or_default().to_string();
                        let (rw, root) = crate::engine::ps::container_sizes(&paths, &id, &image);
                        v["SizeRw"] = serde_json::json!(rw);
                        v["SizeRootFs"] = serde_json::json!(root);
                    }
                    v
                }),
                "image" => image::inspect_value(name)?,
                "network" => not_found(crate::engine::network::inspect_network(&paths, name))?,
                _ => not_found(
                    crate::engine::volume::get(&paths, name)
                        .map(|v| crate::engine::volume::inspect_json(&v)),
                )?,
            };
            if found.is_some() {
                break;
            }
        }
        match found {
            Some(v) => values.push(v),
            None => {
                eprintln!("Error: No such object: {name}");
                code = 1;
            }
        }
    }
    render::print_inspect(&values, args.format.as_deref())?;
    Ok(code)
}
