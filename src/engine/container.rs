//! Container operations: run (create + start under a monitor), ps, logs, stop, rm, wait, inspect.
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use nix::sys::signal::{SigSet, Signal};
use nix::unistd::Pid;

use super::{mounts, EngineError};
use crate::image::{ImageError, ImageStore};
use crate::monitor::{now_rfc3339, MODE_ENV, READY_FD_ENV};
use crate::network::Mode;
use crate::runtime::spec::{NetMode, SpecInput};
use crate::runtime::userns::{is_rootful, IdMapping};
use crate::state::container::{
    process_start_time, ContainerRecord, ContainerState, Containers, Status,
};
use crate::state::{events, write_atomic, write_replace, Paths};
use crate::volume::Volumes;

/// Everything `run` takes, already parsed.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub image: String,
    pub command: Vec<String>,
    pub detach: bool,
    pub auto_remove: bool,
    pub interactive: bool,
    pub tty: bool,
    pub name: Option<String>,
    pub env: Vec<String>,
    pub workdir: Option<String>,
    pub user: Option<String>,
    pub entrypoint: Option<String>,
    pub hostname: Option<String>,
    pub network: String,
    /// Ports, extra hosts, DNS.
    pub net: super::network::NetOptions,
    pub tls_verify: bool,
    /// `-v/--volume`, as given.
    pub volumes: Vec<String>,
    /// `--mount`, as given.
    pub mounts: Vec<String>,
    /// `--tmpfs`, as given.
    pub tmpfs: Vec<String>,
    /// `--volumes-from`, as given.
    pub volumes_from: Vec<String>,
    /// `--env-file` paths, read in order before `-e`.
    pub env_files: Vec<String>,
    /// `--label KEY=VALUE` and the lines of `--label-file`s.
    pub labels: Vec<String>,
    pub label_files: Vec<String>,
    /// `--cidfile`: write the container ID here (refused if the file exists).
    pub cidfile: Option<String>,
    pub stop_signal: Option<String>,
    pub stop_timeout: Option<i64>,
    /// `--group-add`: extra groups by name or number.
    pub group_add: Vec<String>,
    pub security: crate::runtime::spec::Security,
    /// `--restart`: no, always, unless-stopped, on-failure[:N].
    pub restart: String,
    /// `--pull`: always, missing (the default) or never.
    pub pull: String,
    /// `--ulimit NAME=SOFT[:HARD]`.
    pub ulimits: Vec<String>,
    /// `--device HOST[:CONTAINER[:PERMISSIONS]]`.
    pub devices: Vec<String>,
    /// `--log-driver` and its `--log-opt`s.
    pub log_driver: String,
    pub log_opts: Vec<String>,
    /// `--platform`: only the host's platform can run here.
    pub platform: Option<String>,
    /// `--memory`, `--cpus`, `--pids-limit`.
    pub limits: super::resources::Limits,
}

/// Read a docker env or label file: `KEY=VALUE` lines, `KEY` alone takes the value from our
/// environment (env files only), `#` comments and blank lines skipped.
pub fn read_kv_file(path: &str) -> Result<Vec<String>, EngineError> {
    let text = std::fs::read_to_string(path).map_err(EngineError::io(format!("open {path}")))?;
    Ok(text
        .lines()
        .map(|l| l.trim_start())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect())
}

/// How `run` ended.
#[derive(Debug)]
pub enum RunOutcome {
    /// `-d`: the container runs under its monitor; here is its ID.
    Detached(String),
    /// Foreground: the container's exit code.
    Exited(i32),
}

/// A container as `ps` and `inspect` see it.
#[derive(Debug, Clone)]
pub struct ContainerInfo {
    pub record: ContainerRecord,
    pub state: ContainerState,
}

/// `run`: create the container, start its monitor, and either return its ID (`-d`) or stay
/// attached until it exits.
pub fn run(
    paths: &Paths,
    opts: &RunOptions,
    notices: &mut dyn Write,
) -> Result<RunOutcome, EngineError> {
    let id = create(paths, opts, notices)?;
    let store = Containers::new(paths);
    let rec = store.record(&id)?;
    start(paths, &rec, !opts.detach)
}

/// Create a container: its record, runtime spec, files and empty upper layer.
pub fn create(
    paths: &Paths,
    opts: &RunOptions,
    notices: &mut dyn Write,
) -> Result<String, EngineError> {
    let net = Mode::parse(&opts.network).map_err(|e| EngineError::Usage(e.to_string()))?;
    // docker refuses an existing cidfile before doing anything else.
    let cidfile = match &opts.cidfile {
        Some(p) => Some(
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(p)
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::AlreadyExists => EngineError::Usage(format!(
                        "container ID file found, make sure the other container isn't running or delete {p}"
                    )),
                    _ => EngineError::io(format!("creating the cidfile {p}"))(e),
                })?,
        ),
        None => None,
    };
    let created = create_inner(paths, opts, notices, &net);
    match (&created, cidfile, &opts.cidfile) {
        (Ok(id), Some(mut f), _) => {
            f.write_all(id.as_bytes())
                .map_err(EngineError::io("writing the cidfile"))?;
        }
        (Err(_), Some(_), Some(p)) => {
            let _ = std::fs::remove_file(p);
        }
        _ => {}
    }
    created
}

fn create_inner(
    paths: &Paths,
    opts: &RunOptions,
    notices: &mut dyn Write,
    net: &Mode,
) -> Result<String, EngineError> {
    let mut net = net.clone();
    super::resources::check_limits(&opts.limits)?;
    let policy = crate::monitor::RestartPolicy::parse(&opts.restart).map_err(EngineError::Usage)?;
    if let Some(p) = &opts.platform {
        let want = p.trim_start_matches("linux/");
        let host = crate::image::host_arch();
        let want = match want {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            w => w.split('/').next().unwrap_or(w),
        };
        if !p.starts_with("linux") && p.contains('/') || want != host {
            return Err(EngineError::Usage(format!(
                "platform {p} cannot run on this linux/{host} host (skiff does not emulate other architectures)"
            )));
        }
    }
    if opts.auto_remove && policy != crate::monitor::RestartPolicy::No {
        return Err(EngineError::Usage(
            "Conflicting options: --restart and --rm".into(),
        ));
    }
    let mut requests = Vec::new();
    for v in &opts.volumes {
        requests.push(mounts::parse_volume(v)?);
    }
    for m in &opts.mounts {
        requests.push(mounts::parse_mount(m)?);
    }
    for t in &opts.tmpfs {
        requests.push(mounts::parse_tmpfs(t)?);
    }
    let volumes_from = opts
        .volumes_from
        .iter()
        .map(|v| mounts::parse_volumes_from(v))
        .collect::<Result<Vec<_>, _>>()?;
    let images = ImageStore::open(paths)?;
    let pull_opts = super::image::PullOptions {
        quiet: false,
        tls_verify: opts.tls_verify,
    };
    let img = match (opts.pull.as_str(), images.resolve(&opts.image)) {
        ("always", _) => super::image::pull(paths, &opts.image, &pull_opts, notices)?,
        ("missing" | "", Ok(img)) | ("never", Ok(img)) => img,
        ("missing" | "", Err(ImageError::NotFound(_))) => {
            // Only a name can be pulled; an unknown ID is just unknown.
            let reference = crate::image::Reference::parse(&opts.image)?;
            let _ = writeln!(
                notices,
                "Unable to find image '{}' locally",
                reference.familiar_tagged()
            );
            super::image::pull(paths, &opts.image, &pull_opts, notices)?
        }
        ("never", Err(e)) => return Err(e.into()),
        ("missing" | "", Err(e)) => return Err(e.into()),
        (other, _) => {
            return Err(EngineError::Usage(format!(
                "invalid pull policy {other:?}: use always, missing or never"
            )))
        }
    };
    let config = images.config_json(&img)?;
    let cfg = &config["config"];
    let net_config = super::network::prepare(paths, &mut net, &opts.net, cfg)?;
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };

    // docker's rules: --entrypoint replaces the image's and drops its Cmd.
    let (entrypoint, cmd) = match &opts.entrypoint {
        Some(ep) if ep.is_empty() => (Vec::new(), opts.command.clone()),
        Some(ep) => (vec![ep.clone()], opts.command.clone()),
        None => {
            let cmd = if opts.command.is_empty() {
                strings(&cfg["Cmd"])
            } else {
                opts.command.clone()
            };
            (strings(&cfg["Entrypoint"]), cmd)
        }
    };
    let args: Vec<String> = entrypoint.iter().chain(cmd.iter()).cloned().collect();
    if args.is_empty() {
        return Err(EngineError::Usage(
            "no command specified: the image has no CMD or ENTRYPOINT and none was given".into(),
        ));
    }

    let id = new_id()?;
    let hostname = opts
        .hostname
        .clone()
        .unwrap_or_else(|| id[..12].to_string());
    let store = Containers::new(paths);
    let name = match &opts.name {
        Some(n) => {
            store.reserve_name(n, &id)?;
            n.clone()
        }
        None => reserve_generated_name(&store, &id)?,
    };
    let vols = Volumes::new(paths);
    let mut created_volumes = Vec::new();
    let result = (|| -> Result<(), EngineError> {
        let layers = images.layer_dirs(&img);
        let user_spec = opts
            .user
            .clone()
            .or_else(|| {
                cfg["User"]
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .map(String::from)
            })
            .unwrap_or_default();
        let user = resolve_user(&layers, &user_spec)?;
        let workdir = opts
            .workdir
            .clone()
            .or_else(|| {
                cfg["WorkingDir"]
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .map(String::from)
            })
            .unwrap_or_else(|| "/".into());
        if !workdir.starts_with('/') {
            return Err(EngineError::Usage(format!(
                "the working directory '{workdir}' is invalid, it needs to be an absolute path"
            )));
        }
        if let Some(sig) = &opts.stop_signal {
            if parse_signal(sig).is_none() {
                return Err(EngineError::Usage(format!("invalid signal: {sig}")));
            }
        }
        // Labels: the image's, then --label-file lines, then --label.
        let mut labels: std::collections::BTreeMap<String, String> = cfg["Labels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let mut label_lines = Vec::new();
        for f in &opts.label_files {
            label_lines.extend(read_kv_file(f)?);
        }
        for l in label_lines.iter().chain(opts.labels.iter()) {
            let (k, v) = l.split_once('=').unwrap_or((l.as_str(), ""));
            labels.insert(k.to_string(), v.to_string());
        }
        let mut env = strings(&cfg["Env"]);
        set_env(&mut env, &format!("HOSTNAME={hostname}"), true);
        if !env.iter().any(|e| e.starts_with("PATH=")) {
            env.insert(
                0,
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
            );
        }
        if opts.tty {
            set_env(&mut env, "TERM=xterm", false);
        }
        let mut from_files = Vec::new();
        for f in &opts.env_files {
            from_files.extend(read_kv_file(f)?);
        }
        for e in from_files.iter().chain(opts.env.iter()) {
            if e.contains('=') {
                set_env(&mut env, e, true);
            } else if let Ok(v) = std::env::var(e) {
                set_env(&mut env, &format!("{e}={v}"), true);
            }
        }
        set_env(&mut env, &format!("HOME={}", user.home), false);

        let dir = store.dir(&id);
        for sub in ["upper", "work", "merged"] {
            std::fs::create_dir_all(dir.join(sub)).map_err(EngineError::io(format!(
                "creating {}",
                dir.join(sub).display()
            )))?;
        }
        let storage_driver = super::storage::select(paths)?.driver;
        if storage_driver == crate::storage::Driver::Vfs {
            super::storage::vfs_copy(&dir.join("upper"), &layers)?;
        }
        let write = |file: &str, text: String| -> Result<PathBuf, EngineError> {
            let p = dir.join(file);
            // Derived from the record: atomic, but not worth an fsync on the start-up path.
            write_replace(&p, text.as_bytes())
                .map_err(EngineError::io(format!("writing {}", p.display())))?;
            // Readable by every user of the container, as docker's.
            std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o644))
                .map_err(EngineError::io(format!("chmod {}", p.display())))?;
            Ok(p)
        };
        let (hosts, resolv) =
            super::network::name_files(paths, &net, &hostname, &name, &net_config)?;
        let binds = vec![
            (write("hosts", hosts)?, "/etc/hosts".to_string()),
            (
                write("hostname", format!("{hostname}\n"))?,
                "/etc/hostname".to_string(),
            ),
            (
                write("resolv.conf", resolv)?,
                "/etc/resolv.conf".to_string(),
            ),
        ];
        // Volumes are created and the record written under the volumes lock, so that a
        // concurrent `volume rm` or `prune` sees either no container or one that uses them.
        let vol_lock = vols.lock()?;
        let mut from = Vec::new();
        for (c, rw) in &volumes_from {
            let cid = store.resolve(c)?;
            from.push((store.record(&cid)?.mounts, *rw));
        }
        let image_volumes: Vec<String> = cfg["Volumes"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let sources = mounts::MountSources {
            requests: &requests,
            from,
            image_volumes,
        };
        let (mount_records, created) = mounts::resolve(&vols, &vol_lock, &sources)?;
        created_volumes = created;
        let mut binds = binds;
        for d in &opts.devices {
            binds.push(parse_device(d)?);
        }
        let input = SpecInput {
            args: args.clone(),
            env: env.clone(),
            cwd: workdir.clone(),
            uid: user.uid,
            gid: user.gid,
            additional_gids: {
                let mut g = user.groups.clone();
                for extra in &opts.group_add {
                    g.push(resolve_group(&layers, extra)?);
                }
                g
            },
            terminal: opts.tty,
            hostname: hostname.clone(),
            net: if net == Mode::Host {
                NetMode::Host
            } else {
                NetMode::Private
            },
            binds,
            mounts: mounts::spec_mounts(&mount_records, user.uid, user.gid),
            mapping: (!is_rootful()).then(IdMapping::for_current_user),
            security: opts.security.clone(),
            rlimits: opts
                .ulimits
                .iter()
                .map(|u| crate::runtime::spec::parse_ulimit(u))
                .collect::<Result<_, _>>()?,
        };
        let spec = crate::runtime::spec::build(&input)?;
        let spec_json = serde_json::to_vec_pretty(&spec)
            .map_err(|e| EngineError::Usage(format!("runtime spec: {e}")))?;
        write_atomic(&dir.join("config.json"), &spec_json)
            .map_err(EngineError::io("writing config.json"))?;
        let rec = ContainerRecord {
            id: id.clone(),
            name: name.clone(),
            image: opts.image.clone(),
            image_id: img.id.clone(),
            created: now_rfc3339(),
            path: args[0].clone(),
            args: args[1..].to_vec(),
            env,
            working_dir: workdir,
            user: user_spec,
            entrypoint,
            cmd,
            hostname,
            tty: opts.tty,
            interactive: opts.interactive,
            auto_remove: opts.auto_remove,
            network: net.to_string(),
            net_config: net_config.clone(),
            stop_signal: opts
                .stop_signal
                .clone()
                .or_else(|| cfg["StopSignal"].as_str().map(String::from)),
            stop_timeout: opts.stop_timeout,
            labels,
            restart_policy: opts.restart.clone(),
            log_config: crate::state::container::LogConfig::parse(&opts.log_driver, &opts.log_opts)
                .map_err(EngineError::Usage)?,
            layers,
            storage_driver,
            mounts: mount_records,
        };
        store.create(&rec)?;
        events::container(paths, &rec, "create", &[]);
        drop(vol_lock);
        Ok(())
    })();
    if let Err(e) = result {
        let _ = crate::storage::remove_tree(&store.dir(&id));
        store.release_name(&name);
        if let Ok(lock) = vols.lock() {
            for v in &created_volumes {
                if let Ok(trash) = vols.take_out(&lock, v) {
                    crate::monitor::remove_tree_any_owner(&trash);
                }
            }
        }
        return Err(e);
    }
    Ok(id)
}

/// Start a created container under a new monitor. In the foreground, wait for it and return
/// its exit code; detached, return once its process runs.
pub fn start(
    paths: &Paths,
    rec: &ContainerRecord,
    foreground: bool,
) -> Result<RunOutcome, EngineError> {
    {
        // A new start: whatever stop was asked for before is over.
        let store = Containers::new(paths);
        let _lock = store.lock(&rec.id)?;
        let mut st = store.state(&rec.id)?;
        if st.stop_requested {
            st.stop_requested = false;
            store.save_state(&rec.id, &st)?;
        }
    }
    let exe = std::env::current_exe().map_err(EngineError::io("finding skiff's own binary"))?;
    let (ready_r, ready_w) =
        nix::unistd::pipe().map_err(|e| EngineError::io("pipe")(std::io::Error::from(e)))?;
    let _ = nix::fcntl::fcntl(
        &ready_r,
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
    );
    let mut cmd = Command::new(exe);
    cmd.arg("__monitor")
        .arg(&rec.id)
        .env(READY_FD_ENV, ready_w.as_raw_fd().to_string())
        .env(MODE_ENV, if foreground { "fg" } else { "bg" })
        .env("SKIFF_ROOT", &paths.data)
        .env("SKIFF_RUNROOT", &paths.runtime);
    if !foreground {
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
    }
    // In the foreground the CLI stays until the monitor exits; signals meant for the container
    // reach the monitor (same process group) or are forwarded to it.
    let mask = forwarded_signals();
    if foreground {
        let _ = mask.thread_block();
    }
    let raw = if foreground && rec.tty {
        RawTerminal::enter()
    } else {
        None
    };
    let child = cmd
        .spawn()
        .map_err(EngineError::io("starting the container monitor"))?;
    drop(ready_w);
    // One line: "ok" or "err CODE MESSAGE" (EOF: the monitor died).
    let mut msg = String::new();
    let _ = std::io::BufRead::read_line(
        &mut std::io::BufReader::new(std::fs::File::from(ready_r)),
        &mut msg,
    );
    let msg = msg.trim();
    if msg != "ok" {
        let mut child = child;
        let _ = child.wait();
        drop(raw);
        return Err(start_error(msg));
    }
    if !foreground {
        return Ok(RunOutcome::Detached(rec.id.clone()));
    }
    let code = wait_foreground(child, &mask);
    drop(raw);
    Ok(RunOutcome::Exited(code))
}

fn start_error(msg: &str) -> EngineError {
    match msg.strip_prefix("err ") {
        Some(rest) => {
            let (code, message) = rest.split_once(' ').unwrap_or((rest, ""));
            let code: i32 = code.parse().unwrap_or(125);
            if code == 125 {
                EngineError::Usage(message.to_string())
            } else {
                EngineError::Exec {
                    message: message.to_string(),
                    code,
                }
            }
        }
        None => {
            EngineError::Usage("the container monitor exited before the container started".into())
        }
    }
}

fn forwarded_signals() -> SigSet {
    let mut mask = SigSet::empty();
    for s in [
        Signal::SIGCHLD,
        Signal::SIGINT,
        Signal::SIGQUIT,
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGUSR1,
        Signal::SIGUSR2,
    ] {
        mask.add(s);
    }
    mask
}

/// Wait for the foreground monitor; forward the signals the terminal did not already deliver
/// to it. Returns its exit status (the container's exit code).
fn wait_foreground(mut child: Child, mask: &SigSet) -> i32 {
    let status_code = |s: std::process::ExitStatus| {
        use std::os::unix::process::ExitStatusExt;
        s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0))
    };
    let sfd = nix::sys::signalfd::SignalFd::new(mask).ok();
    loop {
        if let Ok(Some(s)) = child.try_wait() {
            return status_code(s);
        }
        let Some(sfd) = sfd.as_ref() else {
            return child.wait().map(status_code).unwrap_or(125);
        };
        match sfd.read_signal() {
            Ok(Some(si)) => {
                let signo = si.ssi_signo as i32;
                // SIGINT and SIGQUIT from the terminal already reached the monitor.
                if ![libc::SIGCHLD, libc::SIGINT, libc::SIGQUIT].contains(&signo) {
                    if let Ok(sig) = Signal::try_from(signo) {
                        let _ = nix::sys::signal::kill(Pid::from_raw(child.id() as i32), sig);
                    }
                }
            }
            _ => return child.wait().map(status_code).unwrap_or(125),
        }
    }
}

/// The local terminal in raw mode for `-t`, restored on drop.
struct RawTerminal {
    saved: nix::sys::termios::Termios,
}

impl RawTerminal {
    fn enter() -> Option<RawTerminal> {
        let stdin = std::io::stdin();
        let saved = nix::sys::termios::tcgetattr(&stdin).ok()?;
        let mut raw = saved.clone();
        nix::sys::termios::cfmakeraw(&mut raw);
        nix::sys::termios::tcsetattr(&stdin, nix::sys::termios::SetArg::TCSANOW, &raw).ok()?;
        Some(RawTerminal { saved })
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        let _ = nix::sys::termios::tcsetattr(
            std::io::stdin(),
            nix::sys::termios::SetArg::TCSANOW,
            &self.saved,
        );
    }
}

fn set_env(env: &mut Vec<String>, kv: &str, replace: bool) {
    let key = kv.split('=').next().unwrap_or(kv);
    if let Some(existing) = env.iter_mut().find(|e| e.split('=').next() == Some(key)) {
        if replace {
            *existing = kv.to_string();
        }
    } else {
        env.push(kv.to_string());
    }
}

fn new_id() -> Result<String, EngineError> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(EngineError::io("reading /dev/urandom"))?;
    Ok(hex::encode(bytes))
}

const ADJECTIVES: &[&str] = &[
    "admiring", "brave", "busy", "clever", "dazzling", "eager", "elegant", "festive", "gallant",
    "happy", "jolly", "keen", "lucid", "modest", "nifty", "quirky", "serene", "sharp", "tender",
    "vibrant", "wizardly", "zealous",
];
const SURNAMES: &[&str] = &[
    "archimedes",
    "babbage",
    "curie",
    "darwin",
    "einstein",
    "fermat",
    "galileo",
    "hopper",
    "johnson",
    "kepler",
    "lovelace",
    "meitner",
    "newton",
    "noether",
    "pascal",
    "ritchie",
    "shannon",
    "thompson",
    "turing",
    "wozniak",
];

fn reserve_generated_name(store: &Containers<'_>, id: &str) -> Result<String, EngineError> {
    let seed = u64::from_str_radix(&id[..12], 16).unwrap_or(0);
    for attempt in 0..64u64 {
        let n = seed.wrapping_add(attempt.wrapping_mul(7919));
        let a = ADJECTIVES[(n % ADJECTIVES.len() as u64) as usize];
        let s = SURNAMES[((n / 97) % SURNAMES.len() as u64) as usize];
        let name = if attempt < 8 {
            format!("{a}_{s}")
        } else {
            format!("{a}_{s}{attempt}")
        };
        match store.reserve_name(&name, id) {
            Ok(()) => return Ok(name),
            Err(crate::state::container::StateError::NameInUse { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(EngineError::Conflict(
        "could not find a free container name".into(),
    ))
}

/// A resolved container user.
#[derive(Debug, Clone)]
struct User {
    uid: u32,
    gid: u32,
    groups: Vec<u32>,
    home: String,
}

/// Find a file in the image's layers, top layer first (enough for /etc/passwd and /etc/group,
/// which a layer replaces whole).
fn read_from_layers(layers: &[PathBuf], rel: &str) -> Option<String> {
    use std::os::fd::AsFd;
    let open = |dir: std::os::fd::BorrowedFd<'_>, name: &str, flags: nix::fcntl::OFlag| {
        nix::fcntl::openat(
            dir,
            name,
            flags | nix::fcntl::OFlag::O_NOFOLLOW | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
    };
    // Top layer first. Each component is opened without following a symlink: an image's
    // `etc -> /host/path` (or a linked passwd) must never make us read the host's files. A
    // layer with a link or a non-directory there hides the layers below, as in the container.
    for l in layers.iter().rev() {
        let Ok(mut dir) = nix::fcntl::open(
            l.as_path(),
            nix::fcntl::OFlag::O_PATH
                | nix::fcntl::OFlag::O_DIRECTORY
                | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        ) else {
            continue;
        };
        let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
        let (last, parents) = parts.split_last()?;
        let mut missing = false;
        for p in parents {
            match open(
                dir.as_fd(),
                p,
                nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY,
            ) {
                Ok(d) => dir = d,
                Err(nix::errno::Errno::ENOENT) => {
                    missing = true;
                    break;
                }
                // A symlink (ELOOP) or a file (ENOTDIR) in this layer.
                Err(_) => return None,
            }
        }
        if missing {
            continue;
        }
        match open(dir.as_fd(), last, nix::fcntl::OFlag::O_RDONLY) {
            Ok(fd) => {
                let f = std::fs::File::from(fd);
                if !f.metadata().is_ok_and(|m| m.is_file()) {
                    return None;
                }
                let mut text = String::new();
                return std::io::Read::read_to_string(&mut &f, &mut text)
                    .ok()
                    .map(|_| text);
            }
            Err(nix::errno::Errno::ENOENT) => continue,
            Err(_) => return None,
        }
    }
    None
}

/// `--device HOST[:CONTAINER[:PERMISSIONS]]`: the host's device node, bind-mounted (a rootless
/// container cannot create device nodes; the permissions are checked, not enforced: no cgroup).
fn parse_device(spec: &str) -> Result<(PathBuf, String), EngineError> {
    let mut parts = spec.split(':');
    let host = parts.next().unwrap_or_default();
    let ctr = parts.next().filter(|c| !c.is_empty()).unwrap_or(host);
    if let Some(perms) = parts.next() {
        if perms.is_empty() || !perms.chars().all(|c| matches!(c, 'r' | 'w' | 'm')) {
            return Err(EngineError::Usage(format!("invalid device mode: {perms}")));
        }
    }
    if !host.starts_with('/') || !ctr.starts_with('/') {
        return Err(EngineError::Usage(format!(
            "invalid device specification: {spec}"
        )));
    }
    use std::os::unix::fs::FileTypeExt;
    let meta = std::fs::metadata(host).map_err(|e| {
        EngineError::Usage(format!(
            "error gathering device information while adding custom device \"{host}\": {e}"
        ))
    })?;
    if !(meta.file_type().is_char_device() || meta.file_type().is_block_device()) {
        return Err(EngineError::Usage(format!("{host} is not a device node")));
    }
    Ok((PathBuf::from(host), ctr.to_string()))
}

/// Resolve a `--group-add` group (name or number) in the image's /etc/group.
fn resolve_group(layers: &[PathBuf], g: &str) -> Result<u32, EngineError> {
    if let Ok(n) = g.parse::<u32>() {
        return Ok(n);
    }
    read_from_layers(layers, "etc/group")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 3 && f[0] == g)
                .then(|| f[2].parse().ok())
                .flatten()
        })
        .ok_or_else(|| {
            EngineError::Usage(format!(
                "unable to find group {g}: no matching entries in group file"
            ))
        })
}

/// Resolve `-u user[:group]` against the image's /etc/passwd and /etc/group, as docker does.
fn resolve_user(layers: &[PathBuf], spec: &str) -> Result<User, EngineError> {
    let (u, g) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    // docker's (moby/sys/user's) range: 4294967295 is (uid_t)-1, which setresuid takes as
    // "leave it as it is", so the process would stay root.
    for id in [Some(u), g].into_iter().flatten() {
        if id.parse::<u64>().is_ok_and(|n| n > i32::MAX as u64) {
            return Err(EngineError::Usage(
                "uids and gids must be in range 0-2147483647".into(),
            ));
        }
    }
    let passwd = read_from_layers(layers, "etc/passwd").unwrap_or_default();
    let group = read_from_layers(layers, "etc/group").unwrap_or_default();
    let entry = |line: &str| -> Option<(String, u32, u32, String)> {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() < 6 {
            return None;
        }
        Some((
            f[0].to_string(),
            f[2].parse().ok()?,
            f[3].parse().ok()?,
            f[5].to_string(),
        ))
    };
    let users: Vec<_> = passwd.lines().filter_map(entry).collect();
    let (uid, mut gid, home, name) = if u.is_empty() {
        users
            .iter()
            .find(|x| x.1 == 0)
            .map(|x| (0, x.2, x.3.clone(), x.0.clone()))
            .unwrap_or((0, 0, "/root".into(), "root".into()))
    } else if let Ok(n) = u.parse::<u32>() {
        users
            .iter()
            .find(|x| x.1 == n)
            .map(|x| (n, x.2, x.3.clone(), x.0.clone()))
            .unwrap_or((n, 0, "/".into(), String::new()))
    } else {
        users
            .iter()
            .find(|x| x.0 == u)
            .map(|x| (x.1, x.2, x.3.clone(), x.0.clone()))
            .ok_or_else(|| {
                EngineError::Usage(format!(
                    "unable to find user {u}: no matching entries in passwd file"
                ))
            })?
    };
    let groups_tab: Vec<(String, u32, Vec<String>)> = group
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 4).then(|| {
                Some((
                    f[0].to_string(),
                    f[2].parse().ok()?,
                    f[3].split(',')
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect(),
                ))
            })?
        })
        .collect();
    if let Some(g) = g {
        gid = match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => groups_tab
                .iter()
                .find(|x| x.0 == g)
                .map(|x| x.1)
                .ok_or_else(|| {
                    EngineError::Usage(format!(
                        "unable to find group {g}: no matching entries in group file"
                    ))
                })?,
        };
    }
    let groups = if name.is_empty() {
        Vec::new()
    } else {
        groups_tab
            .iter()
            .filter(|x| x.2.contains(&name) && x.1 != gid)
            .map(|x| x.1)
            .collect()
    };
    if uid > i32::MAX as u32 || gid > i32::MAX as u32 {
        return Err(EngineError::Usage(
            "uids and gids must be in range 0-2147483647".into(),
        ));
    }
    Ok(User {
        uid,
        gid,
        groups,
        home,
    })
}

// ---- exec -----------------------------------------------------------------------------------

/// Everything `exec` takes, already parsed.
#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    pub container: String,
    pub command: Vec<String>,
    pub interactive: bool,
    pub tty: bool,
    pub detach: bool,
    pub env: Vec<String>,
    pub env_files: Vec<PathBuf>,
    pub workdir: Option<String>,
    pub user: Option<String>,
    pub privileged: bool,
}

/// `exec`: run a command in a running container. Returns the command's exit code (0 at once
/// with `detach`).
pub fn exec(paths: &Paths, opts: &ExecOptions) -> Result<i32, EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(&opts.container)?;
    let rec = store.record(&id)?;
    let st = store.state(&id)?;
    if !is_alive(&st) {
        return Err(EngineError::Conflict(format!(
            "container {} is not running",
            opts.container
        )));
    }
    if opts.command.is_empty() {
        return Err(EngineError::Usage("exec needs a command to run".into()));
    }
    let spec_path = store.dir(&id).join("config.json");
    let spec = oci_spec::runtime::Spec::load(&spec_path)
        .map_err(|e| EngineError::Usage(format!("reading {}: {e}", spec_path.display())))?;
    let process = spec.process().as_ref();
    let mut env = process
        .and_then(|p| p.env().clone())
        .unwrap_or_else(|| rec.env.clone());
    if opts.tty && !opts.detach {
        set_env(&mut env, "TERM=xterm", false);
    }
    for file in &opts.env_files {
        for kv in read_env_file(file)? {
            set_env(&mut env, &kv, true);
        }
    }
    for e in &opts.env {
        if e.contains('=') {
            set_env(&mut env, e, true);
        } else if let Ok(v) = std::env::var(e) {
            set_env(&mut env, &format!("{e}={v}"), true);
        }
    }
    let cwd = match &opts.workdir {
        Some(w) if !w.starts_with('/') => {
            return Err(EngineError::Usage(format!(
                "the working directory '{w}' is invalid, it needs to be an absolute path"
            )))
        }
        Some(w) => w.clone(),
        None => process
            .map(|p| p.cwd().to_string_lossy().into_owned())
            .unwrap_or_else(|| rec.working_dir.clone()),
    };
    // The container's capabilities (its --cap-add, --cap-drop, --privileged), all of them
    // with `exec --privileged`, as docker does.
    let capabilities: Vec<String> = if opts.privileged {
        caps::all().iter().map(|c| c.to_string()).collect()
    } else {
        process
            .and_then(|p| p.capabilities().as_ref())
            .and_then(|c| c.bounding().clone())
            .unwrap_or_default()
            .iter()
            .filter_map(|c| serde_json::to_value(c).ok())
            .filter_map(|v| v.as_str().map(String::from))
            .collect()
    };
    let req = crate::runtime::exec::ExecRequest {
        pid: st.pid,
        pid_start: st.pid_start,
        args: opts.command.clone(),
        env,
        cwd,
        capabilities,
        tty: opts.tty && !opts.detach,
        interactive: opts.interactive,
        detach: opts.detach,
        seccomp: spec
            .linux()
            .as_ref()
            .and_then(|l| l.seccomp().as_ref())
            .and_then(|s| serde_json::to_value(s).ok()),
        no_new_privileges: process.and_then(|p| p.no_new_privileges()) == Some(true),
    };
    let user_spec = opts.user.clone().unwrap_or_else(|| rec.user.clone());
    // Runs inside the container, after joining its mount namespace: `/` is its root.
    let resolve = || {
        resolve_user(&[PathBuf::from("/")], &user_spec)
            .map(|u| crate::runtime::exec::Credentials {
                uid: u.uid,
                gid: u.gid,
                groups: u.groups,
            })
            .map_err(|e| e.to_string())
    };
    // docker's exec events: the exec ID is ours to make (docker's is the exec instance's).
    let exec_id = new_id().unwrap_or_default();
    let cmdline = opts.command.join(" ");
    let exec_event = |action: &str, extra: Option<(&str, String)>| {
        let mut attrs = vec![("execID", exec_id.clone())];
        attrs.extend(extra);
        events::container(paths, &rec, action, &attrs);
    };
    exec_event(&format!("exec_create: {cmdline}"), None);
    let started = crate::runtime::exec::spawn(&req, &resolve).map_err(|e| match e {
        crate::runtime::RuntimeError::Start { message, code } if code != 125 => {
            EngineError::Exec { message, code }
        }
        crate::runtime::RuntimeError::Start { message, .. } => EngineError::Usage(message),
        other if !is_alive(&st) => {
            tracing::debug!("exec: {other}");
            EngineError::Conflict(format!("container {} is not running", opts.container))
        }
        other => other.into(),
    })?;
    exec_event(&format!("exec_start: {cmdline}"), None);
    if opts.detach {
        return Ok(0);
    }
    let mut started = started;
    let code = if started.pty_master.is_some() {
        let raw = RawTerminal::enter();
        let code = started.relay(opts.interactive);
        drop(raw);
        code
    } else {
        started.wait()
    };
    exec_event("exec_die", Some(("exitCode", code.to_string())));
    Ok(code)
}

/// docker's `--env-file`: `KEY=VALUE` lines; a bare `KEY` takes our value (skipped if unset);
/// blank lines and `#` comments are ignored.
fn read_env_file(path: &Path) -> Result<Vec<String>, EngineError> {
    let text = std::fs::read_to_string(path)
        .map_err(EngineError::io(format!("open {}", path.display())))?;
    Ok(parse_env_file(&text, |k| std::env::var(k).ok()))
}

fn parse_env_file(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.contains('=') {
            out.push(line.to_string());
        } else if let Some(v) = lookup(line.trim_end()) {
            out.push(format!("{}={v}", line.trim_end()));
        }
    }
    out
}

// ---- listing and inspecting ------------------------------------------------------------------

/// All containers (`all`) or the running ones, newest first.
pub fn list(paths: &Paths, all: bool) -> Result<Vec<ContainerInfo>, EngineError> {
    let store = Containers::new(paths);
    let mut out = Vec::new();
    for id in store.ids()? {
        let (Ok(record), Ok(state)) = (store.record(&id), store.state(&id)) else {
            continue;
        };
        if all || state.status == Status::Running {
            out.push(ContainerInfo { record, state });
        }
    }
    out.sort_by(|a, b| b.record.created.cmp(&a.record.created));
    Ok(out)
}

/// One container by name, ID or ID prefix.
pub fn get(paths: &Paths, name_or_id: &str) -> Result<ContainerInfo, EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name_or_id)?;
    Ok(ContainerInfo {
        record: store.record(&id)?,
        state: store.state(&id)?,
    })
}

/// docker's inspect JSON for a container.
pub fn inspect_json(paths: &Paths, info: &ContainerInfo) -> serde_json::Value {
    let r = &info.record;
    let s = &info.state;
    let zero = "0001-01-01T00:00:00Z";
    let mut v = serde_json::json!({
        "Id": r.id,
        "Created": r.created,
        "Path": r.path,
        "Args": r.args,
        "State": {
            "Status": s.status.as_str(),
            "Running": s.status == Status::Running,
            "Paused": s.status == Status::Paused,
            "Restarting": s.status == Status::Restarting,
            "OOMKilled": false,
            "Dead": s.status == Status::Dead,
            "Pid": s.pid,
            "ExitCode": s.exit_code,
            "Error": s.error,
            "StartedAt": s.started_at.as_deref().unwrap_or(zero),
            "FinishedAt": s.finished_at.as_deref().unwrap_or(zero),
        },
        "Image": r.image_id,
        "ResolvConfPath": paths.container(&r.id).join("resolv.conf"),
        "HostnamePath": paths.container(&r.id).join("hostname"),
        "HostsPath": paths.container(&r.id).join("hosts"),
        "LogPath": paths.container(&r.id).join("ctr.log"),
        "Name": format!("/{}", r.name),
        "RestartCount": s.restart_count,
        "Driver": "overlay",
        "Platform": "linux",
        "HostConfig": {
            "NetworkMode": r.network,
            "AutoRemove": r.auto_remove,
            "RestartPolicy": restart_policy_json(&r.restart_policy),
            "LogConfig": {"Type": "json-file", "Config": {}},
        },
        "Mounts": r.mounts.iter().map(mounts::inspect_json).collect::<Vec<_>>(),
        "Config": {
            "Hostname": r.hostname,
            "User": r.user,
            "AttachStdin": r.interactive,
            "Tty": r.tty,
            "OpenStdin": r.interactive,
            "Env": r.env,
            "Cmd": r.cmd,
            "Image": r.image,
            "WorkingDir": r.working_dir,
            "Entrypoint": if r.entrypoint.is_empty() { serde_json::Value::Null } else { serde_json::json!(r.entrypoint) },
            "Labels": r.labels,
            "StopSignal": r.stop_signal,
        },
    });
    super::network::extend_inspect(paths, &mut v, r, s.status == Status::Running);
    v
}

fn restart_policy_json(p: &str) -> serde_json::Value {
    let (name, max) = match crate::monitor::RestartPolicy::parse(p) {
        Ok(crate::monitor::RestartPolicy::Always) => ("always", 0),
        Ok(crate::monitor::RestartPolicy::UnlessStopped) => ("unless-stopped", 0),
        Ok(crate::monitor::RestartPolicy::OnFailure(n)) => ("on-failure", n),
        _ => ("no", 0),
    };
    serde_json::json!({"Name": name, "MaximumRetryCount": max})
}

/// Read a container's log entries.
pub fn log_entries(
    paths: &Paths,
    id: &str,
) -> Result<Vec<crate::monitor::log::Entry>, EngineError> {
    let p = paths.container(id).join("ctr.log");
    crate::monitor::log::read(&p).map_err(EngineError::io(format!("reading {}", p.display())))
}

/// Follow a container's log: call `emit` for every entry from `skip` on, until it stops.
pub fn follow_log(
    paths: &Paths,
    id: &str,
    mut skip: usize,
    emit: &mut dyn FnMut(&crate::monitor::log::Entry),
) -> Result<(), EngineError> {
    let store = Containers::new(paths);
    loop {
        let running = store
            .state(id)
            .map(|s| s.status == Status::Running)
            .unwrap_or(false);
        let entries = log_entries(paths, id)?;
        for e in entries.iter().skip(skip) {
            emit(e);
        }
        skip = skip.max(entries.len());
        if !running {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

// ---- stopping and removing -------------------------------------------------------------------

fn is_alive(st: &ContainerState) -> bool {
    st.status == Status::Running && st.pid > 0 && process_start_time(st.pid) == Some(st.pid_start)
}

/// Wait until the container is no longer running and its monitor has recorded it.
fn wait_stopped(store: &Containers<'_>, id: &str, timeout: Option<Duration>) -> bool {
    let start = Instant::now();
    let mut delay = Duration::from_millis(2);
    loop {
        match store.state(id) {
            Ok(st) if st.status == Status::Running || st.status == Status::Restarting => {}
            _ => return true,
        }
        if timeout.is_some_and(|t| start.elapsed() >= t) {
            return false;
        }
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(50));
    }
}

/// `stop`: the stop signal, then SIGKILL after `timeout` seconds.
pub fn stop(paths: &Paths, name: &str, timeout: Option<i64>) -> Result<(), EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let rec = store.record(&id)?;
    let st = store.state(&id)?;
    if !is_alive(&st) && st.status != Status::Restarting {
        return Ok(());
    }
    // From now on the monitor will not restart it.
    request_stop(&store, &id)?;
    // Between two runs: it either settles as exited or comes up once more (then stop that).
    let deadline = Instant::now() + Duration::from_secs(70);
    let st = loop {
        let st = store.state(&id)?;
        if st.status != Status::Restarting || Instant::now() >= deadline {
            break st;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if !is_alive(&st) {
        return Ok(());
    }
    let sig = rec
        .stop_signal
        .as_deref()
        .and_then(parse_signal)
        .unwrap_or(Signal::SIGTERM);
    // Through a pidfd checked against the recorded start time: a PID reused meanwhile is
    // never signalled.
    let handle = crate::runtime::ProcessHandle::open_checked(st.pid, st.pid_start);
    if let Some(h) = &handle {
        let _ = h.signal(sig);
    }
    events::container(paths, &rec, "kill", &[("signal", (sig as i32).to_string())]);
    let secs = timeout.or(rec.stop_timeout).unwrap_or(10).max(0) as u64;
    if !wait_stopped(&store, &id, Some(Duration::from_secs(secs))) {
        let st = store.state(&id)?;
        if is_alive(&st) {
            if let Some(h) = &handle {
                let _ = h.signal(Signal::SIGKILL);
            }
            events::container(paths, &rec, "kill", &[("signal", "9".into())]);
        }
        wait_stopped(&store, &id, Some(Duration::from_secs(30)));
    }
    events::container(paths, &rec, "stop", &[]);
    Ok(())
}

/// Tell the monitor that the coming exit is wanted (no restart).
fn request_stop(store: &Containers<'_>, id: &str) -> Result<(), EngineError> {
    let _lock = store.lock(id)?;
    let mut st = store.state(id)?;
    st.stop_requested = true;
    store.save_state(id, &st)?;
    Ok(())
}

/// Parse a signal name or number (`TERM`, `SIGTERM`, `15`).
pub fn parse_signal(s: &str) -> Option<Signal> {
    if let Ok(n) = s.parse::<i32>() {
        return Signal::try_from(n).ok();
    }
    let up = s.to_ascii_uppercase();
    let name = if up.starts_with("SIG") {
        up
    } else {
        format!("SIG{up}")
    };
    name.parse().ok()
}

/// `rm`: refuse a running container unless `force` (which kills it first); with `volumes`,
/// also remove its anonymous volumes that no other container uses.
pub fn remove(paths: &Paths, name: &str, force: bool, volumes: bool) -> Result<(), EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let rec = store.record(&id)?;
    let st = store.state(&id)?;
    if is_alive(&st) || st.status == Status::Restarting {
        if !force {
            return Err(EngineError::Conflict(format!(
                "cannot remove container \"/{}\": container is running: stop the container before removing or force remove",
                rec.name
            )));
        }
        request_stop(&store, &id)?;
        if is_alive(&st) {
            let _ = nix::sys::signal::kill(Pid::from_raw(st.pid), Signal::SIGKILL);
        }
        wait_stopped(&store, &id, Some(Duration::from_secs(30)));
    }
    // A `--rm` monitor may be removing it right now; either way it ends up gone.
    let _lock = store.lock(&id);
    if store.dir(&id).exists() {
        crate::monitor::remove_container(paths, &id, &rec.name);
    } else {
        store.release_name(&rec.name);
    }
    if store.dir(&id).join("container.json").exists() {
        return Err(EngineError::Usage(format!(
            "could not remove the files of container {}",
            &id[..12]
        )));
    }
    events::container(paths, &rec, "destroy", &[]);
    if volumes {
        crate::monitor::remove_anonymous_volumes(paths, &rec.mounts).map_err(|e| {
            EngineError::Usage(format!(
                "removing the volumes of container {}: {e}",
                &id[..12]
            ))
        })?;
    }
    Ok(())
}

/// `start`: start a created or stopped container (a running one is left alone). With
/// `attach`, stay in the foreground and return its exit code.
pub fn start_existing(paths: &Paths, name: &str, attach: bool) -> Result<RunOutcome, EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let rec = store.record(&id)?;
    if is_alive(&store.state(&id)?) {
        return Ok(RunOutcome::Detached(id));
    }
    start(paths, &rec, attach)
}

/// `kill`: send a signal (SIGKILL by default) to a running container.
pub fn kill(paths: &Paths, name: &str, signal: &str) -> Result<(), EngineError> {
    let sig = parse_signal(signal)
        .ok_or_else(|| EngineError::Usage(format!("invalid signal: {signal}")))?;
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let st = store.state(&id)?;
    if !is_alive(&st) {
        return Err(EngineError::Conflict(format!(
            "cannot kill container: {name}: container {} is not running",
            &id[..12]
        )));
    }
    let gone = || {
        EngineError::Conflict(format!(
            "cannot kill container: {name}: container {} is not running",
            &id[..12]
        ))
    };
    let handle =
        crate::runtime::ProcessHandle::open_checked(st.pid, st.pid_start).ok_or_else(gone)?;
    handle
        .signal(sig)
        .map_err(EngineError::io(format!("kill {name}")))?;
    if let Ok(rec) = store.record(&id) {
        events::container(paths, &rec, "kill", &[("signal", (sig as i32).to_string())]);
    }
    if sig == Signal::SIGKILL {
        wait_stopped(&store, &id, Some(Duration::from_secs(10)));
    }
    Ok(())
}

/// `rename`: give a container a new name (the old one is free again).
pub fn rename(paths: &Paths, name: &str, new_name: &str) -> Result<(), EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let _lock = store.lock(&id)?;
    let mut rec = store.record(&id)?;
    if rec.name == new_name {
        return Err(EngineError::Conflict(
            "Renaming a container with the same name as its current name".into(),
        ));
    }
    store.reserve_name(new_name, &id)?;
    let old = std::mem::replace(&mut rec.name, new_name.to_string());
    if let Err(e) = store.save_record(&rec) {
        store.release_name(new_name);
        return Err(e.into());
    }
    store.release_name(&old);
    events::container(paths, &rec, "rename", &[("oldName", format!("/{old}"))]);
    Ok(())
}

/// `restart`: stop (with the timeout), then start in the background.
pub fn restart(paths: &Paths, name: &str, timeout: Option<i64>) -> Result<(), EngineError> {
    stop(paths, name, timeout)?;
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let rec = store.record(&id)?;
    start(paths, &rec, false)?;
    events::container(paths, &rec, "restart", &[]);
    Ok(())
}

/// `wait`: block until the container stops; its exit code.
pub fn wait(paths: &Paths, name: &str) -> Result<i32, EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let mut delay = Duration::from_millis(5);
    loop {
        match store.state(&id) {
            Ok(st)
                if st.status == Status::Running
                    || st.status == Status::Created && st.monitor_pid != 0 => {}
            Ok(st) => return Ok(st.exit_code),
            Err(crate::state::container::StateError::NoSuchContainer(_)) => return Ok(0),
            Err(e) => return Err(e.into()),
        }
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(100));
    }
}

/// The path of a container's directory (for tests and diagnostics).
pub fn container_dir(paths: &Paths, id: &str) -> PathBuf {
    paths.container(id)
}

#[allow(dead_code)]
fn _assert_paths(_: &Path, _: OwnedFd) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_override() {
        let mut env = vec!["PATH=/bin".to_string(), "A=1".to_string()];
        set_env(&mut env, "A=2", true);
        set_env(&mut env, "PATH=/x", false);
        set_env(&mut env, "B=3", true);
        assert_eq!(env, vec!["PATH=/bin", "A=2", "B=3"]);
    }

    #[test]
    fn env_file_lines() {
        let text = "# comment\n\nA=1\nB= two words \nHOME\nUNSET\n";
        let got = parse_env_file(text, |k| (k == "HOME").then(|| "/h".to_string()));
        assert_eq!(got, vec!["A=1", "B= two words ", "HOME=/h"]);
    }

    #[test]
    fn signals() {
        assert_eq!(parse_signal("TERM"), Some(Signal::SIGTERM));
        assert_eq!(parse_signal("SIGKILL"), Some(Signal::SIGKILL));
        assert_eq!(parse_signal("2"), Some(Signal::SIGINT));
        assert_eq!(parse_signal("NOPE"), None);
    }

    #[test]
    fn users_from_passwd() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(
            dir.path().join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("etc/group"),
            "root:x:0:\nuser:x:1000:\nwheel:x:10:user\n",
        )
        .unwrap();
        let layers = vec![dir.path().to_path_buf()];
        let u = resolve_user(&layers, "user").unwrap();
        assert_eq!(
            (u.uid, u.gid, u.groups.clone(), u.home.as_str()),
            (1000, 1000, vec![10], "/home/user")
        );
        let r = resolve_user(&layers, "").unwrap();
        assert_eq!((r.uid, r.gid), (0, 0));
        let n = resolve_user(&layers, "1234:55").unwrap();
        assert_eq!((n.uid, n.gid), (1234, 55));
        assert!(resolve_user(&layers, "nobody").is_err());
    }
}
