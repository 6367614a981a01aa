//! `build`: a Dockerfile to an image. Every step's result is an image of the store (untagged
//! intermediate images, as docker's classic builder made), recorded in the build cache under
//! the step's key; RUN steps run as real containers through `container::create`/`start` and
//! their changes become a layer through `container_files::capture_layer`; COPY and ADD write
//! their layer tar themselves. The builder does not print: it reports [`BuildEvent`]s.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{json, Value};

use super::container;
use super::create::{self, CreateRequest, MountRequest, PullPolicy};
use super::EngineError;
use crate::build::cache::{self, Cache};
use crate::build::files::{self, Item, Kind, Tree};
use crate::build::ignore::Ignore;
use crate::build::parser::{self, Instruction};
use crate::build::shell;
use crate::build::BuildError;
use crate::image::{ImageError, ImageRecord, ImageStore, Reference};
use crate::state::Paths;

const DEFAULT_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const COMMENT: &str = "buildkit.dockerfile.v0";
/// The label of a RUN step's container: the PID of the build that made it.
const BUILD_LABEL: &str = "skiff.build.pid";
/// Where a `RUN <<EOT` script with a `#!` line is mounted for its step.
const HEREDOC_SCRIPT: &str = "/.skiff-heredoc-script";

/// Everything `build` takes.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// A directory, or `-` for a tar stream on stdin.
    pub context: String,
    /// `-f`: a path (relative to the current directory), `-` for stdin; default
    /// `CONTEXT/Dockerfile`.
    pub file: Option<String>,
    pub tags: Vec<String>,
    pub build_args: Vec<String>,
    pub target: Option<String>,
    pub no_cache: bool,
    pub pull: bool,
    pub labels: Vec<String>,
    pub network: String,
    pub platform: Option<String>,
    /// `-o type=local,dest=DIR` / `type=tar,dest=FILE`.
    pub outputs: Vec<String>,
    /// `--secret id=ID,src=PATH`.
    pub secrets: Vec<String>,
    pub tls_verify: bool,
    /// `--allow`: BuildKit's entitlements granted to the build (`network.host`).
    pub allow: Vec<String>,
    /// `--ulimit NAME=SOFT[:HARD]` for the RUN steps' containers.
    pub ulimits: Vec<String>,
}

/// BuildKit's entitlement for `RUN --network=host`.
pub const ENTITLEMENT_NETWORK_HOST: &str = "network.host";

/// The entitlements `--allow` accepts (BuildKit's names; `security.insecure` is not supported).
pub fn check_entitlement(name: &str) -> Result<(), EngineError> {
    match name {
        ENTITLEMENT_NETWORK_HOST => Ok(()),
        "security.insecure" => Err(EngineError::Usage(
            "entitlement security.insecure is not supported".into(),
        )),
        other => Err(EngineError::Usage(format!(
            "invalid entitlement {other:?}: use network.host"
        ))),
    }
}

/// What a build reports as it goes.
#[derive(Debug, Clone)]
pub enum BuildEvent {
    /// Step `n` starts (`[stage-0 2/5] RUN ...`).
    Start {
        n: usize,
        name: String,
    },
    /// A line of the step's output, `secs` into it.
    Log {
        n: usize,
        secs: f64,
        line: String,
    },
    Cached {
        n: usize,
    },
    Done {
        n: usize,
        secs: f64,
    },
    Error {
        n: usize,
        message: String,
    },
    /// A warning for the end of the output.
    Warning(String),
}

fn failed(msg: impl Into<String>) -> EngineError {
    EngineError::Build(BuildError::Failed(msg.into()))
}

/// One stage of the Dockerfile.
#[derive(Debug, Clone)]
struct Stage {
    name: Option<String>,
    from: Instruction,
    instructions: Vec<Instruction>,
}

/// The state of a stage as its steps run.
struct State {
    img: ImageRecord,
    config: Value,
    /// ARGs declared in the stage, in order, with their values.
    args: Vec<(String, Option<String>)>,
    /// CMD set in this stage (ENTRYPOINT then keeps it).
    cmd_set: bool,
    label: String,
    step: usize,
    steps: usize,
}

impl State {
    fn cfg(&self) -> &Value {
        &self.config["config"]
    }
    fn env(&self) -> Vec<String> {
        strings(&self.cfg()["Env"])
    }
    fn env_get(&self, k: &str) -> Option<String> {
        self.env()
            .iter()
            .find_map(|e| e.strip_prefix(&format!("{k}=")).map(String::from))
    }
    /// Expansion: ENV first, then the stage's ARGs.
    fn lookup(&self, k: &str) -> Option<String> {
        self.env_get(k).or_else(|| {
            self.args
                .iter()
                .rev()
                .find(|(n, _)| n == k)
                .and_then(|(_, v)| v.clone())
        })
    }
    fn workdir(&self) -> String {
        self.cfg()["WorkingDir"]
            .as_str()
            .filter(|s| !s.is_empty())
            .unwrap_or("/")
            .to_string()
    }
    fn shell(&self) -> Vec<String> {
        let s = strings(&self.cfg()["Shell"]);
        if s.is_empty() {
            vec!["/bin/sh".into(), "-c".into()]
        } else {
            s
        }
    }
    /// The build args this stage sees, for the cache key and RUN's environment.
    fn visible_args(&self) -> Vec<(String, String)> {
        let mut out: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in &self.args {
            if let Some(v) = v {
                out.insert(k.clone(), v.clone());
            }
        }
        out.into_iter().collect()
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

struct Builder<'a, 'e> {
    paths: &'a Paths,
    opts: &'a BuildOptions,
    store: ImageStore,
    cache: Cache,
    on_event: &'a Mutex<&'e mut (dyn FnMut(BuildEvent) + Send + 'e)>,
    counter: &'a AtomicUsize,
    file_name: String,
    escape: char,
    context: Tree,
    build_args: HashMap<String, String>,
    used_args: HashSet<String>,
    global_args: Vec<(String, Option<String>)>,
    stages: Vec<Stage>,
    results: Vec<Option<ImageRecord>>,
    secrets: HashMap<String, PathBuf>,
    /// Content checksums of the context's files.
    sums: &'a Mutex<files::SumCache>,
    /// Locks of the `sharing=locked` cache mounts of the RUN being prepared.
    mount_locks: Vec<PathBuf>,
    /// Temp dirs (a context from stdin) removed at the end.
    _temp: Vec<tempfile::TempDir>,
}

fn platform_args() -> Vec<(String, String)> {
    let arch = crate::image::host_arch();
    let p = format!("linux/{arch}");
    vec![
        ("TARGETPLATFORM".into(), p.clone()),
        ("TARGETOS".into(), "linux".into()),
        ("TARGETARCH".into(), arch.into()),
        ("TARGETVARIANT".into(), String::new()),
        ("BUILDPLATFORM".into(), p),
        ("BUILDOS".into(), "linux".into()),
        ("BUILDARCH".into(), arch.into()),
        ("BUILDVARIANT".into(), String::new()),
    ]
}

fn check_platform(p: &str) -> Result<(), EngineError> {
    let arch = crate::image::host_arch();
    let norm = p.trim().to_ascii_lowercase();
    let norm = norm.replace("x86_64", "amd64").replace("aarch64", "arm64");
    if norm == format!("linux/{arch}") || norm == arch || norm == "linux" {
        return Ok(());
    }
    Err(failed(format!(
        "platform {p} is not supported: skiff builds for this host's platform only (linux/{arch}) and does not emulate others"
    )))
}

/// Build an image; returns it (tagged with `opts.tags`).
/// What `build -` found on standard input.
enum StdinContext {
    /// A tar archive (gzip or zstd compressed or not): the context.
    Archive(Box<dyn Read>),
    /// Anything else: the Dockerfile.
    Dockerfile(String),
}

/// docker's `DetectArchiveReader`: compressed input, or input that starts with a tar header, is
/// the context; any other text is a Dockerfile.
fn stdin_context() -> std::io::Result<StdinContext> {
    let mut input = std::io::BufReader::new(std::io::stdin());
    // Peeked, not consumed: the bytes stay in the buffer for the reads below.
    let magic = std::io::BufRead::fill_buf(&mut input)?.to_vec();
    let compression = crate::image::unpack::Compression::detect(&magic);
    let mut plain = crate::image::unpack::decompressed(input)?;
    if compression != crate::image::unpack::Compression::None {
        return Ok(StdinContext::Archive(plain));
    }
    let mut head = Vec::with_capacity(512);
    (&mut plain).take(512).read_to_end(&mut head)?;
    let is_tar = head.len() == 512 && tar_header_ok(&head);
    let rest = std::io::Cursor::new(head).chain(plain);
    if is_tar {
        return Ok(StdinContext::Archive(Box::new(rest)));
    }
    let mut text = String::new();
    std::io::BufReader::new(rest)
        .read_to_string(&mut text)
        .map_err(|e| std::io::Error::new(e.kind(), format!("the Dockerfile on stdin: {e}")))?;
    Ok(StdinContext::Dockerfile(text))
}

/// A tar header: its checksum (the header's bytes summed, the checksum field as spaces) matches.
fn tar_header_ok(h: &[u8]) -> bool {
    let field = String::from_utf8_lossy(&h[148..156]);
    let Ok(want) = u32::from_str_radix(field.trim_matches(|c: char| c == '\0' || c == ' '), 8)
    else {
        return false;
    };
    let sum: u32 = h
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(*b)
            }
        })
        .sum();
    sum == want
}

pub fn build(
    paths: &Paths,
    opts: &BuildOptions,
    on_event: &mut (dyn FnMut(BuildEvent) + Send),
) -> Result<ImageRecord, EngineError> {
    if let Some(p) = &opts.platform {
        for one in p.split(',') {
            check_platform(one)?;
        }
    }
    for u in &opts.ulimits {
        crate::runtime::spec::parse_ulimit(u)?;
    }
    // (familiar form for the store, full form for the output, as docker prints it)
    let mut tags = Vec::new();
    for t in &opts.tags {
        let r = Reference::parse(t)?;
        if r.digest.is_some() {
            return Err(failed(format!(
                "invalid tag {t:?}: a tag cannot contain a digest"
            )));
        }
        tags.push((r.familiar_tagged(), r.full()));
    }
    let outputs = opts
        .outputs
        .iter()
        .map(|o| parse_output(o))
        .collect::<Result<Vec<_>, _>>()?;
    let mut secrets = HashMap::new();
    for s in &opts.secrets {
        let (id, src) = parse_secret(s)?;
        secrets.insert(id, src);
    }
    remove_abandoned_containers(paths);
    let mut temp = Vec::new();
    // The context and the Dockerfile.
    let (ctx_root, dockerfile_text, file_name) = if opts.context == "-" {
        if opts.file.as_deref() == Some("-") {
            return Err(failed(
                "the context and the Dockerfile cannot both come from standard input",
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("skiff-build-context-")
            .tempdir()
            .map_err(EngineError::io("creating a temp dir for the context"))?;
        let root = dir.path().to_path_buf();
        temp.push(dir);
        match stdin_context().map_err(EngineError::io("reading standard input"))? {
            StdinContext::Archive(input) => {
                tar::Archive::new(input)
                    .unpack(&root)
                    .map_err(EngineError::io("reading the context from standard input"))?;
                let name = opts.file.clone().unwrap_or_else(|| "Dockerfile".into());
                let p = root.join(crate::build::ignore::clean(&name));
                let text = std::fs::read_to_string(&p)
                    .map_err(|e| failed(format!("failed to read dockerfile {name}: {e}")))?;
                (root, text, name)
            }
            // docker: a Dockerfile alone on stdin builds with an empty context.
            StdinContext::Dockerfile(text) => (root, text, "Dockerfile".to_string()),
        }
    } else {
        let root = PathBuf::from(&opts.context);
        let meta = std::fs::metadata(&root).map_err(|e| {
            failed(format!(
                "unable to prepare context: path {:?} not found: {e}",
                opts.context
            ))
        })?;
        if !meta.is_dir() {
            return Err(failed(format!(
                "unable to prepare context: {} is not a directory",
                opts.context
            )));
        }
        match opts.file.as_deref() {
            Some("-") => {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(EngineError::io(
                        "reading the Dockerfile from standard input",
                    ))?;
                (root, text, "Dockerfile".to_string())
            }
            Some(f) => {
                let text = std::fs::read_to_string(f)
                    .map_err(|e| failed(format!("failed to read dockerfile {f}: {e}")))?;
                (root, text, f.to_string())
            }
            None => {
                // docker's default name, then its lower-case spelling.
                let mut p = root.join("Dockerfile");
                if !p.exists() && root.join("dockerfile").exists() {
                    p = root.join("dockerfile");
                }
                let text = std::fs::read_to_string(&p).map_err(|e| {
                    failed(format!("failed to read dockerfile {}: {e}", p.display()))
                })?;
                (root, text, "Dockerfile".to_string())
            }
        }
    };
    // .dockerignore: NAME.dockerignore beside the Dockerfile wins over the context's.
    let mut ignore_text = None;
    if let Some(f) = opts.file.as_deref().filter(|f| *f != "-") {
        let beside = if opts.context == "-" {
            ctx_root.join(format!("{}.dockerignore", crate::build::ignore::clean(f)))
        } else {
            PathBuf::from(format!("{f}.dockerignore"))
        };
        ignore_text = std::fs::read_to_string(beside).ok();
    }
    if ignore_text.is_none() {
        ignore_text = std::fs::read_to_string(ctx_root.join(".dockerignore")).ok();
    }
    let ignore = ignore_text.map(|t| Ignore::parse(&t));

    let file_label = Path::new(&file_name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file_name.clone());
    let df = parser::parse(&dockerfile_text, &file_label)?;
    let mut build_args = HashMap::new();
    for a in &opts.build_args {
        match a.split_once('=') {
            Some((k, v)) => {
                build_args.insert(k.to_string(), v.to_string());
            }
            None => {
                if let Ok(v) = std::env::var(a) {
                    build_args.insert(a.clone(), v);
                }
            }
        }
    }
    let cache = Cache::new(&paths.data);
    let sums_path = cache.sums_path(&ctx_root.canonicalize().unwrap_or_else(|_| ctx_root.clone()));
    let sums = Mutex::new(files::SumCache::load(&sums_path));
    let counter = AtomicUsize::new(0);
    let on_event = Mutex::new(on_event);
    let mut b = Builder {
        paths,
        opts,
        store: ImageStore::open(paths)?,
        cache,
        on_event: &on_event,
        counter: &counter,
        file_name: file_label,
        escape: df.escape,
        context: Tree::dir(ctx_root, ignore),
        build_args,
        used_args: HashSet::new(),
        global_args: Vec::new(),
        stages: Vec::new(),
        results: Vec::new(),
        secrets,
        sums: &sums,
        mount_locks: Vec::new(),
        _temp: temp,
    };
    let n = b.next();
    b.emit(BuildEvent::Start {
        n,
        name: format!("[internal] load build definition from {}", b.file_name),
    });
    b.emit(BuildEvent::Done { n, secs: 0.0 });
    b.split_stages(df.instructions)?;
    b.check_entitlements()?;
    let target = b.target_stage()?;
    let deps = b.needed(target)?;
    let built = b.run_stages(&deps);
    if let Ok(s) = sums.lock() {
        s.save(&sums_path);
    }
    built?;
    let mut img = b.results[target]
        .clone()
        .ok_or_else(|| failed("the target stage was not built"))?;
    // --label: on the final image.
    if !opts.labels.is_empty() {
        let mut config = b.store.config_json(&img)?;
        let labels = opts.labels.clone();
        let text = format!("LABEL {}", labels.join(" "));
        let key = cache::key(&[&img.id, &text]);
        img = b.cached_or(&key, &img.clone(), |_b| {
            let obj = config["config"]
                .as_object_mut()
                .ok_or_else(|| failed("the image config has no config object"))?;
            let l = obj.entry("Labels").or_insert_with(|| json!({}));
            if !l.is_object() {
                *l = json!({});
            }
            for kv in &labels {
                let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
                l[k] = json!(v);
            }
            Ok((config, None, None))
        })?;
    }
    let unused: Vec<String> = b
        .build_args
        .keys()
        .filter(|k| !b.used_args.contains(*k) && !is_predefined(k))
        .cloned()
        .collect();
    if !unused.is_empty() {
        let mut u = unused;
        u.sort();
        b.emit(BuildEvent::Warning(format!(
            "One or more build-args [{}] were not consumed",
            u.join(" ")
        )));
    }
    // Export.
    let n = b.next();
    let start = Instant::now();
    b.emit(BuildEvent::Start {
        n,
        name: "exporting to image".into(),
    });
    b.emit(BuildEvent::Log {
        n,
        secs: 0.0,
        line: format!("writing image {} done", img.id),
    });
    for (t, full) in &tags {
        let (rec, _) = b.store.add_image(img.clone(), Some(t), None)?;
        img = rec;
        b.emit(BuildEvent::Log {
            n,
            secs: start.elapsed().as_secs_f64(),
            line: format!("naming to {full} done"),
        });
    }
    for o in &outputs {
        export(paths, &b.store, &img, o)?;
        b.emit(BuildEvent::Log {
            n,
            secs: start.elapsed().as_secs_f64(),
            line: format!("exporting to {} {} done", o.0, o.1.display()),
        });
    }
    b.emit(BuildEvent::Done {
        n,
        secs: start.elapsed().as_secs_f64(),
    });
    Ok(img)
}

/// The RUN containers of builds that were killed (their build process is gone).
fn remove_abandoned_containers(paths: &Paths) {
    let Ok(list) = container::list(paths, true) else {
        return;
    };
    for c in list {
        let Some(pid) = c.record.labels.get(BUILD_LABEL) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            tracing::debug!(id = %c.record.id, "removing the container of a killed build");
            let _ = container::remove(paths, &c.record.id, true, false);
        }
    }
}

fn is_predefined(k: &str) -> bool {
    platform_args().iter().any(|(n, _)| n == k)
        || matches!(
            k.to_ascii_uppercase().as_str(),
            "HTTP_PROXY" | "HTTPS_PROXY" | "FTP_PROXY" | "NO_PROXY" | "ALL_PROXY"
        )
}

fn parse_output(o: &str) -> Result<(String, PathBuf), EngineError> {
    let mut kind = None;
    let mut dest = None;
    for part in o.split(',') {
        match part.split_once('=') {
            Some(("type", v)) => kind = Some(v.to_string()),
            Some(("dest", v)) => dest = Some(PathBuf::from(v)),
            None if !part.is_empty() && kind.is_none() && dest.is_none() => {
                dest = Some(PathBuf::from(part));
                kind = Some("local".into());
            }
            _ => {
                return Err(failed(format!(
                    "invalid output {o:?}: use type=local,dest=DIR or type=tar,dest=FILE"
                )))
            }
        }
    }
    match (kind.as_deref(), dest) {
        (Some(k @ ("local" | "tar")), Some(d)) => Ok((k.to_string(), d)),
        (Some(k), _) if k != "local" && k != "tar" => Err(failed(format!(
            "output type {k} is not supported (local, tar)"
        ))),
        _ => Err(failed(format!("invalid output {o:?}: dest is required"))),
    }
}

fn parse_secret(s: &str) -> Result<(String, PathBuf), EngineError> {
    let mut id = None;
    let mut src = None;
    for part in s.split(',') {
        match part.split_once('=') {
            Some(("id", v)) => id = Some(v.to_string()),
            Some(("src" | "source", v)) => src = Some(PathBuf::from(v)),
            Some(("type", "file")) => {}
            _ => return Err(failed(format!("invalid secret {s:?}: use id=ID,src=PATH"))),
        }
    }
    let id = id.ok_or_else(|| failed(format!("invalid secret {s:?}: id is required")))?;
    let src = src.ok_or_else(|| failed(format!("invalid secret {s:?}: src is required")))?;
    if !src.is_file() {
        return Err(failed(format!(
            "secret {id}: {} is not a readable file",
            src.display()
        )));
    }
    let src = src
        .canonicalize()
        .map_err(EngineError::io(format!("secret {id}")))?;
    Ok((id, src))
}

/// Write the image's file system to a directory or a tar file.
fn export(
    _paths: &Paths,
    store: &ImageStore,
    img: &ImageRecord,
    (kind, dest): &(String, PathBuf),
) -> Result<(), EngineError> {
    let mut dirs = store.layer_dirs(img);
    dirs.reverse();
    let empty = tempfile::tempdir().map_err(EngineError::io("creating a temp dir"))?;
    let (upper, lowers) = match dirs.split_first() {
        Some((u, l)) => (u.clone(), l.to_vec()),
        None => (empty.path().to_path_buf(), Vec::new()),
    };
    // The image's layers merged as an overlay would show them.
    let export = |out| {
        crate::helper::spawn_container_files(
            crate::helper::FilesOp::Export,
            crate::storage::Driver::Overlay,
            &upper,
            &lowers,
            out,
        )
    };
    if kind == "tar" {
        let f = std::fs::File::create(dest)
            .map_err(EngineError::io(format!("creating {}", dest.display())))?;
        export(std::process::Stdio::from(f))?.finish()?;
        return Ok(());
    }
    std::fs::create_dir_all(dest)
        .map_err(EngineError::io(format!("creating {}", dest.display())))?;
    let mut helper = export(std::process::Stdio::piped())?;
    let res = match helper.child.stdout.take() {
        Some(pipe) => {
            let mut a = tar::Archive::new(pipe);
            a.set_preserve_ownerships(false);
            a.set_preserve_permissions(true);
            a.set_unpack_xattrs(false);
            a.unpack(dest)
        }
        None => Err(std::io::Error::other("no pipe from the helper")),
    };
    helper.finish()?;
    res.map_err(EngineError::io(format!("writing into {}", dest.display())))
}

/// The result of a step: the new config, a new layer (diff_id, blob size) if any, and the
/// history entry's `created_by`.
type StepResult = (Value, Option<(String, u64)>, Option<String>);

impl<'a, 'e> Builder<'a, 'e> {
    fn next(&mut self) -> usize {
        self.counter.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn lock_sums(&self) -> Result<std::sync::MutexGuard<'a, files::SumCache>, EngineError> {
        self.sums
            .lock()
            .map_err(|_| failed("the checksum cache is poisoned"))
    }

    fn emit(&self, ev: BuildEvent) {
        if let Ok(mut f) = self.on_event.lock() {
            (f)(ev);
        }
    }

    /// A builder for another thread: the same build, its own per-stage state.
    fn fork(&self) -> Builder<'a, 'e> {
        Builder {
            paths: self.paths,
            opts: self.opts,
            store: self.store.clone(),
            cache: self.cache.clone(),
            on_event: self.on_event,
            counter: self.counter,
            file_name: self.file_name.clone(),
            escape: self.escape,
            context: self.context.clone(),
            build_args: self.build_args.clone(),
            used_args: HashSet::new(),
            global_args: self.global_args.clone(),
            stages: self.stages.clone(),
            results: self.results.clone(),
            secrets: self.secrets.clone(),
            sums: self.sums,
            mount_locks: Vec::new(),
            _temp: Vec::new(),
        }
    }

    /// Build the needed stages (keys of `deps`, each with the stages it needs), stages whose
    /// dependencies are built running side by side, each in a thread.
    fn run_stages(&mut self, deps: &HashMap<usize, HashSet<usize>>) -> Result<(), EngineError> {
        let mut done: HashSet<usize> = HashSet::new();
        while done.len() < deps.len() {
            let mut ready: Vec<usize> = deps
                .iter()
                .filter(|(i, d)| !done.contains(*i) && d.iter().all(|x| done.contains(x)))
                .map(|(i, _)| *i)
                .collect();
            ready.sort();
            if ready.is_empty() {
                return Err(failed("the stages depend on each other in a circle"));
            }
            if let [i] = ready[..] {
                let img = self.run_stage(i)?;
                self.results[i] = Some(img);
                done.insert(i);
                continue;
            }
            let outcomes: Vec<(usize, Result<ImageRecord, EngineError>, HashSet<String>)> =
                std::thread::scope(|scope| {
                    let handles: Vec<_> = ready
                        .iter()
                        .map(|&i| {
                            let mut w = self.fork();
                            scope.spawn(move || {
                                let r = w.run_stage(i);
                                (i, r, std::mem::take(&mut w.used_args))
                            })
                        })
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| {
                            h.join().unwrap_or_else(|_| {
                                (
                                    usize::MAX,
                                    Err(failed("a build thread panicked")),
                                    HashSet::new(),
                                )
                            })
                        })
                        .collect()
                });
            let mut first_err = None;
            for (i, r, used) in outcomes {
                self.used_args.extend(used);
                match r {
                    Ok(img) => {
                        if let Some(slot) = self.results.get_mut(i) {
                            *slot = Some(img);
                        }
                    }
                    Err(e) => {
                        first_err.get_or_insert(e);
                    }
                }
            }
            if let Some(e) = first_err {
                return Err(e);
            }
            done.extend(ready);
        }
        Ok(())
    }

    fn syntax(&self, line: usize, msg: impl Into<String>) -> EngineError {
        EngineError::Build(BuildError::Syntax {
            file: self.file_name.clone(),
            line,
            message: msg.into(),
        })
    }

    /// `RUN --network=host` shares the host's network namespace with the step: only with the
    /// `network.host` entitlement (`--allow network.host`, or `--network host` for the whole
    /// build, as buildx grants it), checked before any step runs.
    fn check_entitlements(&self) -> Result<(), EngineError> {
        let allowed = self.opts.network == "host"
            || self
                .opts
                .allow
                .iter()
                .any(|a| a == ENTITLEMENT_NETWORK_HOST);
        if allowed {
            return Ok(());
        }
        for inst in self.stages.iter().flat_map(|s| s.instructions.iter()) {
            if inst.keyword == "RUN"
                && inst
                    .flags
                    .iter()
                    .any(|(k, v)| k == "network" && v.as_deref() == Some("host"))
            {
                return Err(self.syntax(
                    inst.line,
                    "RUN --network=host needs the network.host entitlement, which was not \
                     granted: build with --allow network.host",
                ));
            }
        }
        Ok(())
    }

    fn split_stages(&mut self, instructions: Vec<Instruction>) -> Result<(), EngineError> {
        let mut cur: Option<Stage> = None;
        for inst in instructions {
            if inst.keyword == "FROM" {
                if let Some(s) = cur.take() {
                    self.stages.push(s);
                }
                let words: Vec<&str> = inst.args.split_whitespace().collect();
                let name = match words.as_slice() {
                    [_] => None,
                    [_, as_, n] if as_.eq_ignore_ascii_case("as") => Some(n.to_ascii_lowercase()),
                    _ => {
                        return Err(
                            self.syntax(inst.line, "FROM requires either one or three arguments")
                        )
                    }
                };
                if let Some(n) = &name {
                    if self.stages.iter().any(|s| s.name.as_ref() == Some(n)) {
                        return Err(self.syntax(inst.line, format!("duplicate stage name {n:?}")));
                    }
                }
                cur = Some(Stage {
                    name,
                    from: inst,
                    instructions: Vec::new(),
                });
            } else if let Some(s) = cur.as_mut() {
                s.instructions.push(inst);
            } else if inst.keyword == "ARG" {
                for (k, v) in parse_arg(&inst.args)? {
                    let v = match v {
                        Some(v) => Some(self.expand_global(&v, inst.line)?),
                        None => None,
                    };
                    self.global_args.push((k, v));
                }
            } else {
                return Err(self.syntax(
                    inst.line,
                    format!("{} is not allowed before the first FROM", inst.keyword),
                ));
            }
        }
        if let Some(s) = cur.take() {
            self.stages.push(s);
        }
        if self.stages.is_empty() {
            return Err(self.syntax(1, "the Dockerfile has no FROM instruction"));
        }
        self.results = vec![None; self.stages.len()];
        Ok(())
    }

    /// The value of a global ARG: --build-arg, else its default.
    fn global_value(&self, k: &str) -> Option<String> {
        let declared = self.global_args.iter().rev().find(|(n, _)| n == k);
        if let Some((_, d)) = declared {
            return self.build_args.get(k).cloned().or_else(|| d.clone());
        }
        platform_args()
            .into_iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v)
    }

    fn expand_global(&self, s: &str, line: usize) -> Result<String, EngineError> {
        shell::expand_word(s, &|k| self.global_value(k), self.escape)
            .map_err(|e| self.syntax(line, e))
    }

    fn target_stage(&self) -> Result<usize, EngineError> {
        match &self.opts.target {
            None => Ok(self.stages.len() - 1),
            Some(t) => self
                .stages
                .iter()
                .position(|s| s.name.as_deref() == Some(t.to_ascii_lowercase().as_str()))
                .ok_or_else(|| failed(format!("target stage {t:?} could not be found"))),
        }
    }

    /// The stage a name refers to (a stage name or index), if any, before stage `before`.
    fn stage_ref(&self, name: &str, before: usize) -> Option<usize> {
        let lname = name.to_ascii_lowercase();
        if let Some(i) = self.stages[..before]
            .iter()
            .position(|s| s.name.as_deref() == Some(lname.as_str()))
        {
            return Some(i);
        }
        name.parse::<usize>().ok().filter(|&i| i < before)
    }

    /// The stages the target needs, each with the stages it needs itself.
    fn needed(&mut self, target: usize) -> Result<HashMap<usize, HashSet<usize>>, EngineError> {
        let mut needed: HashMap<usize, HashSet<usize>> = HashMap::new();
        let mut todo = vec![target];
        while let Some(i) = todo.pop() {
            if needed.contains_key(&i) {
                continue;
            }
            let mut mine = HashSet::new();
            let st = self.stages[i].clone();
            let base_words: Vec<&str> = st.from.args.split_whitespace().collect();
            let base =
                self.expand_global(base_words.first().copied().unwrap_or(""), st.from.line)?;
            if let Some(d) = self.stage_ref(&base, i) {
                todo.push(d);
                mine.insert(d);
            }
            for inst in &st.instructions {
                let mut froms: Vec<String> = Vec::new();
                if matches!(inst.keyword.as_str(), "COPY" | "ADD") {
                    if let Some(f) = inst.flag("from") {
                        froms.push(f.to_string());
                    }
                }
                if inst.keyword == "RUN" {
                    for (n, v) in &inst.flags {
                        if n == "mount" {
                            if let Some(v) = v {
                                for kv in v.split(',') {
                                    if let Some(f) = kv.strip_prefix("from=") {
                                        froms.push(f.to_string());
                                    }
                                }
                            }
                        }
                    }
                }
                for f in froms {
                    let f = self.expand_global(&f, inst.line)?;
                    if let Some(d) = self.stage_ref(&f, i) {
                        todo.push(d);
                        mine.insert(d);
                    } else if self
                        .stages
                        .iter()
                        .any(|s| s.name.as_deref() == Some(f.to_ascii_lowercase().as_str()))
                    {
                        return Err(self.syntax(
                            inst.line,
                            format!("stage {f:?} is used before it is defined"),
                        ));
                    }
                }
            }
            needed.insert(i, mine);
        }
        Ok(needed)
    }

    /// Get an image for FROM or COPY --from: local, else pulled (always with --pull).
    fn image(&mut self, name: &str, pull: bool) -> Result<ImageRecord, EngineError> {
        let local = self.store.resolve(name);
        match local {
            Ok(img) if !pull => return Ok(img),
            Err(ImageError::NotFound(_)) | Ok(_) => {}
            Err(e) => return Err(e.into()),
        }
        let popts = super::image::PullOptions {
            quiet: true,
            tls_verify: self.opts.tls_verify,
        };
        let mut sink = std::io::sink();
        super::image::pull(self.paths, name, &popts, &mut sink)
            .map_err(|e| failed(format!("failed to resolve source metadata for {name}: {e}")))
    }

    fn run_stage(&mut self, i: usize) -> Result<ImageRecord, EngineError> {
        let stage = self.stages[i].clone();
        let label = stage.name.clone().unwrap_or_else(|| format!("stage-{i}"));
        let shown = 1 + stage
            .instructions
            .iter()
            .filter(|x| matches!(x.keyword.as_str(), "RUN" | "COPY" | "ADD" | "WORKDIR"))
            .count();
        // FROM
        let from = &stage.from;
        if let Some(p) = from.flag("platform") {
            let p = self.expand_global(p, from.line)?;
            check_platform(&p)?;
        }
        let base_word = from.args.split_whitespace().next().unwrap_or("");
        let base = self.expand_global(base_word, from.line)?;
        let n = self.next();
        let start = Instant::now();
        self.emit(BuildEvent::Start {
            n,
            name: format!("[{label} 1/{shown}] FROM {base}"),
        });
        let img = if base == "scratch" {
            self.scratch()?
        } else if let Some(d) = self.stage_ref(&base, i) {
            self.results[d]
                .clone()
                .ok_or_else(|| failed(format!("stage {base} was not built")))?
        } else {
            match self.image(&base, self.opts.pull) {
                Ok(img) => img,
                Err(e) => {
                    self.emit(BuildEvent::Error {
                        n,
                        message: e.to_string(),
                    });
                    return Err(e);
                }
            }
        };
        self.emit(BuildEvent::Done {
            n,
            secs: start.elapsed().as_secs_f64(),
        });
        let config = self.store.config_json(&img)?;
        let mut st = State {
            img,
            config,
            args: Vec::new(),
            cmd_set: false,
            label,
            step: 1,
            steps: shown,
        };
        if st.config["config"].is_null() {
            st.config["config"] = json!({});
        }
        // ONBUILD triggers of the base image run first.
        let triggers = strings(&st.cfg()["OnBuild"]);
        if !triggers.is_empty() {
            let text = triggers.join("\n") + "\n";
            let df = parser::parse(&text, "ONBUILD")?;
            if let Some(obj) = st.config["config"].as_object_mut() {
                obj.remove("OnBuild");
            }
            st.steps += df.instructions.len();
            for inst in &df.instructions {
                self.instruction(&mut st, inst, i)?;
            }
        }
        for inst in &stage.instructions {
            self.instruction(&mut st, inst, i)?;
        }
        Ok(st.img)
    }

    fn scratch(&mut self) -> Result<ImageRecord, EngineError> {
        let config = json!({
            "architecture": crate::image::host_arch(),
            "os": "linux",
            "config": {"Env": [DEFAULT_PATH]},
            "rootfs": {"type": "layers", "diff_ids": []},
            "history": [],
        });
        self.store_image(None, config, None, None)
    }

    /// Store a new image made of `parent`'s layers plus `layer`.
    fn store_image(
        &self,
        parent: Option<&ImageRecord>,
        mut config: Value,
        layer: Option<(String, u64)>,
        created: Option<&str>,
    ) -> Result<ImageRecord, EngineError> {
        let mut diff_ids = parent.map(|p| p.diff_ids.clone()).unwrap_or_default();
        let mut layers: Vec<Value> = match parent.map(|p| self.store.manifest(p)) {
            Some(Ok((_, data, _))) => serde_json::from_slice::<Value>(&data)
                .ok()
                .and_then(|m| m.get("layers").and_then(Value::as_array).cloned())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        if layers.len() != diff_ids.len() {
            // No usable manifest for the parent: describe its layers as uncompressed blobs.
            layers = diff_ids
                .iter()
                .map(|d| {
                    json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d,
                    "size": self.store.blob_path(d).ok().and_then(|p| std::fs::metadata(p).ok()).map(|m| m.len()).unwrap_or(0)})
                })
                .collect();
        }
        if let Some((d, size)) = &layer {
            diff_ids.push(d.clone());
            layers.push(json!({
                "mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": d,
                "size": size,
            }));
        }
        config["rootfs"] = json!({"type": "layers", "diff_ids": diff_ids});
        if let Some(c) = created {
            config["created"] = json!(c);
        }
        let config_bytes = serde_json::to_vec(&config)
            .map_err(|e| failed(format!("encoding the image config: {e}")))?;
        let id = self.store.put_blob(&config_bytes)?;
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": id,
                "size": config_bytes.len(),
            },
            "layers": layers,
        });
        let manifest_bytes = serde_json::to_vec(&manifest)
            .map_err(|e| failed(format!("encoding the manifest: {e}")))?;
        let manifest_digest = self.store.put_blob(&manifest_bytes)?;
        let size = diff_ids
            .iter()
            .map(|d| self.store.layer_size(d).unwrap_or(0))
            .sum();
        let record = ImageRecord {
            id,
            repo_tags: Vec::new(),
            repo_digests: Vec::new(),
            created: config["created"].as_str().map(String::from),
            size,
            diff_ids,
            manifest_digest: Some(manifest_digest),
            last_tag_time: None,
        };
        let (record, _) = self.store.add_image(record, None, None)?;
        Ok(record)
    }

    /// A cache hit for `key` (its image still stored with all its layers)?
    fn lookup(&self, key: &str) -> Option<ImageRecord> {
        let e = self.cache.get(key)?;
        let img = self.store.resolve(&e.image).ok()?;
        img.diff_ids
            .iter()
            .all(|d| self.store.has_layer(d))
            .then_some(img)
    }

    /// The image of step `key`: from the cache, or made by `make` and cached.
    fn cached_or(
        &mut self,
        key: &str,
        parent: &ImageRecord,
        make: impl FnOnce(&mut Self) -> Result<StepResult, EngineError>,
    ) -> Result<ImageRecord, EngineError> {
        let _lock = self
            .cache
            .lock(key)
            .map_err(EngineError::io("locking the build cache"))?;
        if !self.opts.no_cache {
            if let Some(img) = self.lookup(key) {
                return Ok(img);
            }
        }
        let (mut config, layer, created_by) = make(self)?;
        let created = now();
        if let Some(by) = created_by {
            let mut h = json!({"created": created, "created_by": by, "comment": COMMENT});
            if layer.is_none() {
                h["empty_layer"] = json!(true);
            }
            let mut hist = config["history"].as_array().cloned().unwrap_or_default();
            hist.push(h);
            config["history"] = json!(hist);
        }
        let img = self.store_image(Some(parent), config, layer, Some(&created))?;
        self.cache
            .put(
                key,
                &cache::Entry {
                    image: img.id.clone(),
                    parent: parent.id.clone(),
                    created,
                },
            )
            .map_err(EngineError::io("writing the build cache"))?;
        Ok(img)
    }

    /// The cache key of a step of `st` (its parent, text, args and extra inputs).
    fn key(&self, st: &State, text: &str, extra: &str) -> String {
        let args: Vec<String> = st
            .visible_args()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        cache::key(&[&st.img.id, text, &args.join("\n"), extra])
    }

    fn expand(&self, st: &State, s: &str, line: usize) -> Result<String, EngineError> {
        shell::expand_word(s, &|k| st.lookup(k), self.escape).map_err(|e| self.syntax(line, e))
    }

    fn expand_words(&self, st: &State, s: &str, line: usize) -> Result<Vec<String>, EngineError> {
        shell::expand_words(s, &|k| st.lookup(k), self.escape).map_err(|e| self.syntax(line, e))
    }

    /// A metadata-only step: the config edited by `edit`, history `created_by`.
    fn meta_step(
        &mut self,
        st: &mut State,
        text: &str,
        edit: impl FnOnce(&mut serde_json::Map<String, Value>, &mut Value) -> Result<(), EngineError>,
    ) -> Result<(), EngineError> {
        let key = self.key(st, text, "");
        let mut config = st.config.clone();
        let parent = st.img.clone();
        let text = text.to_string();
        let img = self.cached_or(&key, &parent, move |_b| {
            let mut top = config.clone();
            let mut obj = config["config"].as_object().cloned().unwrap_or_default();
            edit(&mut obj, &mut top)?;
            top["config"] = Value::Object(obj);
            config = top;
            Ok((config, None, Some(text)))
        })?;
        st.config = self.store.config_json(&img)?;
        st.img = img;
        Ok(())
    }

    fn instruction(
        &mut self,
        st: &mut State,
        inst: &Instruction,
        stage: usize,
    ) -> Result<(), EngineError> {
        let line = inst.line;
        match inst.keyword.as_str() {
            "ARG" => {
                for (k, default) in parse_arg(&inst.args)? {
                    let v = if let Some(v) = self.build_args.get(&k) {
                        self.used_args.insert(k.clone());
                        Some(v.clone())
                    } else if let Some(d) = default {
                        Some(self.expand(st, &d, line)?)
                    } else if let Some((_, g)) =
                        self.global_args.iter().rev().find(|(n, _)| *n == k)
                    {
                        g.clone()
                    } else {
                        platform_args()
                            .into_iter()
                            .find(|(n, _)| *n == k)
                            .map(|(_, v)| v)
                    };
                    st.args.push((k, v));
                }
                Ok(())
            }
            "ENV" => {
                let pairs = self.key_values(st, &inst.args, line, "ENV")?;
                let text = format!(
                    "ENV {}",
                    pairs
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                self.meta_step(st, &text, move |c, _| {
                    let mut env = strings(&c.get("Env").cloned().unwrap_or(Value::Null));
                    for (k, v) in pairs {
                        let p = format!("{k}=");
                        env.retain(|e| !e.starts_with(&p));
                        env.push(format!("{k}={v}"));
                    }
                    c.insert("Env".into(), json!(env));
                    Ok(())
                })
            }
            "LABEL" => {
                let pairs = self.key_values(st, &inst.args, line, "LABEL")?;
                let text = format!(
                    "LABEL {}",
                    pairs
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                self.meta_step(st, &text, move |c, _| {
                    let l = c.entry("Labels").or_insert_with(|| json!({}));
                    if !l.is_object() {
                        *l = json!({});
                    }
                    for (k, v) in pairs {
                        l[k] = json!(v);
                    }
                    Ok(())
                })
            }
            "MAINTAINER" => {
                let who = inst.args.clone();
                self.meta_step(st, &format!("MAINTAINER {who}"), move |_, top| {
                    top["author"] = json!(who);
                    Ok(())
                })
            }
            "EXPOSE" => {
                let mut ports = Vec::new();
                for p in self.expand_words(st, &inst.args, line)? {
                    let p = if p.contains('/') {
                        p.to_ascii_lowercase()
                    } else {
                        format!("{p}/tcp")
                    };
                    let num = p.split('/').next().unwrap_or("");
                    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
                        return Err(self.syntax(line, format!("invalid containerPort: {p}")));
                    }
                    ports.push(p);
                }
                let text = format!(
                    "EXPOSE map[{}]",
                    ports
                        .iter()
                        .map(|p| format!("{p}:{{}}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                self.meta_step(st, &text, move |c, _| {
                    let e = c.entry("ExposedPorts").or_insert_with(|| json!({}));
                    if !e.is_object() {
                        *e = json!({});
                    }
                    for p in ports {
                        e[p] = json!({});
                    }
                    Ok(())
                })
            }
            "VOLUME" => {
                let vols = match inst.json_args() {
                    Some(v) => v
                        .iter()
                        .map(|x| self.expand(st, x, line))
                        .collect::<Result<Vec<_>, _>>()?,
                    None => self.expand_words(st, &inst.args, line)?,
                };
                if vols.iter().any(|v| v.is_empty()) {
                    return Err(self.syntax(line, "VOLUME specified can not be an empty string"));
                }
                let text = format!(
                    "VOLUME {}",
                    serde_json::to_string(&vols).unwrap_or_default()
                );
                self.meta_step(st, &text, move |c, _| {
                    let e = c.entry("Volumes").or_insert_with(|| json!({}));
                    if !e.is_object() {
                        *e = json!({});
                    }
                    for v in vols {
                        e[v] = json!({});
                    }
                    Ok(())
                })
            }
            "USER" => {
                let u = self.expand(st, &inst.args, line)?;
                self.meta_step(st, &format!("USER {u}"), move |c, _| {
                    c.insert("User".into(), json!(u));
                    Ok(())
                })
            }
            "STOPSIGNAL" => {
                let s = self.expand(st, &inst.args, line)?;
                if container::parse_signal(&s).is_none() {
                    return Err(self.syntax(line, format!("invalid signal: {s}")));
                }
                self.meta_step(st, &format!("STOPSIGNAL {s}"), move |c, _| {
                    c.insert("StopSignal".into(), json!(s));
                    Ok(())
                })
            }
            "SHELL" => {
                let Some(sh) = inst.json_args().filter(|v| !v.is_empty()) else {
                    return Err(
                        self.syntax(line, "SHELL requires the arguments to be in JSON form")
                    );
                };
                let text = format!("SHELL {}", serde_json::to_string(&sh).unwrap_or_default());
                self.meta_step(st, &text, move |c, _| {
                    c.insert("Shell".into(), json!(sh));
                    Ok(())
                })
            }
            "CMD" | "ENTRYPOINT" => {
                let argv = match inst.json_args() {
                    Some(v) => v,
                    None if inst.args.trim().is_empty() => {
                        return Err(self.syntax(
                            line,
                            format!("{} requires at least one argument", inst.keyword),
                        ))
                    }
                    None => {
                        let mut s = st.shell();
                        s.push(inst.args.clone());
                        s
                    }
                };
                let is_cmd = inst.keyword == "CMD";
                let text = format!(
                    "{} {}",
                    inst.keyword,
                    serde_json::to_string(&argv).unwrap_or_default()
                );
                let reset_cmd = !is_cmd && !st.cmd_set;
                if is_cmd {
                    st.cmd_set = true;
                }
                self.meta_step(st, &text, move |c, _| {
                    if is_cmd {
                        c.insert("Cmd".into(), json!(argv));
                    } else {
                        c.insert("Entrypoint".into(), json!(argv));
                        // docker: an ENTRYPOINT resets a CMD inherited from the base image.
                        if reset_cmd {
                            c.insert("Cmd".into(), Value::Null);
                        }
                    }
                    Ok(())
                })
            }
            "HEALTHCHECK" => {
                let hc = self.healthcheck(st, inst)?;
                let text = format!("HEALTHCHECK {}", inst.args);
                self.meta_step(st, &text, move |c, _| {
                    c.insert("Healthcheck".into(), hc);
                    Ok(())
                })
            }
            "ONBUILD" => {
                let trigger = inst.original[inst.original.find(char::is_whitespace).unwrap_or(0)..]
                    .trim()
                    .to_string();
                let kw = trigger
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_uppercase();
                if matches!(kw.as_str(), "ONBUILD" | "FROM" | "MAINTAINER") {
                    return Err(
                        self.syntax(line, format!("{kw} isn't allowed as an ONBUILD trigger"))
                    );
                }
                self.meta_step(st, &format!("ONBUILD {trigger}"), move |c, _| {
                    let mut t = strings(&c.get("OnBuild").cloned().unwrap_or(Value::Null));
                    t.push(trigger);
                    c.insert("OnBuild".into(), json!(t));
                    Ok(())
                })
            }
            "WORKDIR" => self.workdir(st, inst),
            "RUN" => self.run(st, inst, stage),
            "COPY" | "ADD" => self.copy(st, inst, stage),
            "FROM" => Err(self.syntax(line, "FROM inside a stage")),
            other => Err(self.syntax(line, format!("unknown instruction: {other}"))),
        }
    }

    /// ENV/LABEL arguments: `k=v k2="v 2"` or the legacy `k v w`.
    fn key_values(
        &self,
        st: &State,
        args: &str,
        line: usize,
        what: &str,
    ) -> Result<Vec<(String, String)>, EngineError> {
        let first = args.split_whitespace().next().unwrap_or("");
        if !first.contains('=') {
            let (k, v) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
            if v.trim().is_empty() {
                return Err(self.syntax(line, format!("{what} must have two arguments")));
            }
            return Ok(vec![(k.to_string(), self.expand(st, v.trim(), line)?)]);
        }
        let mut out = Vec::new();
        for w in self.expand_words(st, args, line)? {
            let Some((k, v)) = w.split_once('=') else {
                return Err(self.syntax(
                    line,
                    format!("{what} names can not be blank: {w:?} has no '='"),
                ));
            };
            if k.is_empty() {
                return Err(self.syntax(line, format!("{what} names can not be blank")));
            }
            out.push((k.to_string(), v.to_string()));
        }
        Ok(out)
    }

    fn healthcheck(&self, st: &State, inst: &Instruction) -> Result<Value, EngineError> {
        let line = inst.line;
        let args = inst.args.trim();
        let (kw, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
        if kw.eq_ignore_ascii_case("NONE") {
            return Ok(json!({"Test": ["NONE"]}));
        }
        if !kw.eq_ignore_ascii_case("CMD") {
            return Err(self.syntax(line, "HEALTHCHECK takes NONE or CMD"));
        }
        let rest = rest.trim();
        let test = if rest.starts_with('[') {
            let v: Vec<String> = serde_json::from_str(rest)
                .map_err(|e| self.syntax(line, format!("HEALTHCHECK CMD: {e}")))?;
            let mut t = vec!["CMD".to_string()];
            t.extend(v);
            t
        } else {
            vec!["CMD-SHELL".to_string(), rest.to_string()]
        };
        let _ = st;
        let mut hc = json!({"Test": test});
        for (name, v) in &inst.flags {
            let v = v.clone().unwrap_or_default();
            let field = match name.as_str() {
                "interval" => "Interval",
                "timeout" => "Timeout",
                "start-period" => "StartPeriod",
                "start-interval" => "StartInterval",
                "retries" => {
                    let r: i64 = v
                        .parse()
                        .map_err(|_| self.syntax(line, format!("invalid retries {v:?}")))?;
                    hc["Retries"] = json!(r);
                    continue;
                }
                other => return Err(self.syntax(line, format!("unknown flag: --{other}"))),
            };
            let d = parse_duration(&v)
                .ok_or_else(|| self.syntax(line, format!("--{name}: invalid duration {v:?}")))?;
            hc[field] = json!(d);
        }
        Ok(hc)
    }

    fn start_step(&mut self, st: &mut State, text: &str) -> (usize, Instant) {
        st.step += 1;
        let n = self.next();
        self.emit(BuildEvent::Start {
            n,
            name: format!("[{} {}/{}] {}", st.label, st.step, st.steps, text),
        });
        (n, Instant::now())
    }

    /// Run a shown step: `make` on a cache miss; CACHED or DONE after.
    fn shown_step(
        &mut self,
        st: &mut State,
        text: &str,
        key: &str,
        make: impl FnOnce(&mut Self, usize, Instant) -> Result<StepResult, EngineError>,
    ) -> Result<(), EngineError> {
        let (n, start) = self.start_step(st, text);
        let parent = st.img.clone();
        let mut ran = false;
        let res = self.cached_or(key, &parent, |b| {
            ran = true;
            make(b, n, start)
        });
        match res {
            Ok(img) => {
                if ran {
                    self.emit(BuildEvent::Done {
                        n,
                        secs: start.elapsed().as_secs_f64(),
                    });
                } else {
                    self.emit(BuildEvent::Cached { n });
                }
                st.config = self.store.config_json(&img)?;
                st.img = img;
                Ok(())
            }
            Err(e) => {
                self.emit(BuildEvent::Error {
                    n,
                    message: e.to_string(),
                });
                Err(e)
            }
        }
    }

    fn workdir(&mut self, st: &mut State, inst: &Instruction) -> Result<(), EngineError> {
        let w = self.expand(st, &inst.args, inst.line)?;
        let abs = if w.starts_with('/') {
            w.clone()
        } else {
            format!("{}/{}", st.workdir().trim_end_matches('/'), w)
        };
        let rel = crate::build::ignore::clean(&abs);
        let abs = format!("/{rel}");
        let text = format!("WORKDIR {abs}");
        let key = self.key(st, &text, "");
        let tree = Tree::layers(self.store.layer_dirs(&st.img).into_iter().rev().collect());
        let missing = !rel.is_empty() && tree.lookup(&rel).is_none();
        let config = st.config.clone();
        let by = text.clone();
        self.shown_step(st, &text, &key, move |b, _, _| {
            let mut config = config;
            config["config"]["WorkingDir"] = json!(abs);
            let layer = if missing {
                let items = parent_dirs(&tree, std::slice::from_ref(&rel), None, true);
                Some(b.write_layer(&items, &[])?)
            } else {
                None
            };
            Ok((config, layer, Some(by)))
        })
    }

    /// Write a layer tar of items (and archives to extract: host path, dest, name), store and
    /// unpack it. Returns (diff_id, size).
    fn write_layer(
        &self,
        items: &[Item],
        archives: &[(PathBuf, String, String)],
    ) -> Result<(String, u64), EngineError> {
        let tmp = tempfile::Builder::new()
            .prefix(".build-")
            .tempfile_in(self.store.tmp_dir())
            .map_err(EngineError::io("creating a temp file"))?;
        let file = tmp
            .reopen()
            .map_err(EngineError::io("opening the layer temp file"))?;
        let hw = files::HashingWriter::new(std::io::BufWriter::with_capacity(256 * 1024, file));
        let mut b = tar::Builder::new(hw);
        files::write_items(&mut b, items)?;
        for (host, dest, name) in archives {
            let r = files::archive_reader(host)?
                .ok_or_else(|| failed(format!("{name} is not an archive")))?;
            files::write_archive(&mut b, r, dest, name)?;
        }
        let hw = b
            .into_inner()
            .map_err(EngineError::io("writing the layer"))?;
        let (diff_id, size, mut w) = hw.finish();
        std::io::Write::flush(&mut w).map_err(EngineError::io("writing the layer"))?;
        drop(w);
        let blob_path = self.store.blob_path(&diff_id)?;
        tmp.persist(&blob_path)
            .map_err(|e| EngineError::io("storing the layer")(e.error))?;
        if !self.store.has_layer(&diff_id) {
            super::image::unpack_with_helper(&self.store, &[(blob_path, diff_id.clone())])?;
        }
        Ok((diff_id, size))
    }

    fn run(&mut self, st: &mut State, inst: &Instruction, stage: usize) -> Result<(), EngineError> {
        let line = inst.line;
        self.mount_locks.clear();
        // `RUN <<EOT` with a `#!` line: the here-document is a script file run as it is.
        let mut script_file = None;
        let argv = match inst.json_args() {
            Some(v) if !v.is_empty() => v,
            _ => {
                let mut s = st.shell();
                let script = if inst.heredocs.len() == 1
                    && inst.args.trim().starts_with("<<")
                    && inst.args.split_whitespace().count() == 1
                {
                    // `RUN <<EOT`: the here-document is the script.
                    inst.heredocs[0].content.clone()
                } else if inst.heredocs.is_empty() {
                    inst.args.clone()
                } else {
                    let mut t = inst.args.clone();
                    t.push('\n');
                    for h in &inst.heredocs {
                        t.push_str(&h.content);
                        t.push_str(&h.name);
                        t.push('\n');
                    }
                    t
                };
                if script.starts_with("#!") && inst.args.trim().starts_with("<<") {
                    script_file = Some(script.clone());
                    vec![HEREDOC_SCRIPT.to_string()]
                } else {
                    s.push(script);
                    s
                }
            }
        };
        // Mounts.
        let mut mounts = Vec::new();
        let mut network = self.opts.network.clone();
        let mut mount_key = Vec::new();
        if let Some(text) = &script_file {
            let dir = tempfile::tempdir().map_err(EngineError::io("creating a temp dir"))?;
            let f = dir.path().join("script");
            std::fs::write(&f, text).map_err(EngineError::io("writing a here-document"))?;
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755))
                .map_err(EngineError::io("writing a here-document"))?;
            mounts.push(MountSpec::Bind {
                source: f,
                target: HEREDOC_SCRIPT.to_string(),
                rw: false,
            });
            mount_key.push(format!("script:{}", cache::key(&[text])));
            self._temp.push(dir);
        }
        // Mount points the runtime makes: left out of the layer.
        let mut targets: Vec<String> = [
            "/etc/hosts",
            "/etc/hostname",
            "/etc/resolv.conf",
            HEREDOC_SCRIPT,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (name, v) in &inst.flags {
            let v = v.clone().unwrap_or_default();
            match name.as_str() {
                "mount" => {
                    let v = self.expand(st, &v, line)?;
                    let (spec, key) = self.run_mount(&v, line, stage)?;
                    mount_key.push(key);
                    targets.push(match &spec {
                        MountSpec::Bind { target, .. } | MountSpec::Tmpfs(target) => target.clone(),
                    });
                    mounts.push(spec);
                }
                "network" => {
                    network = match v.as_str() {
                        "default" => self.opts.network.clone(),
                        "none" | "host" => v.clone(),
                        other => {
                            return Err(
                                self.syntax(line, format!("unsupported RUN --network={other}"))
                            )
                        }
                    }
                }
                "security" if v == "sandbox" => {}
                other => return Err(self.syntax(line, format!("unknown flag: --{other}"))),
            }
        }
        let by = format!(
            "RUN {} # buildkit",
            if inst.json_args().is_some() {
                serde_json::to_string(&argv).unwrap_or_default()
            } else {
                argv.join(" ")
            }
        );
        let text = format!("RUN {}", inst.args);
        let key = self.key(st, &format!("{by}\n{network}"), &mount_key.join("\n"));
        let env: Vec<String> = st
            .visible_args()
            .into_iter()
            .filter(|(k, _)| st.env_get(k).is_none())
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let user = st.cfg()["User"].as_str().unwrap_or("").to_string();
        let workdir = st.workdir();
        let config = st.config.clone();
        let image = st.img.id.clone();
        self.shown_step(st, &text, &key, move |b, n, start| {
            let mut req = CreateRequest::new(image);
            req.command = argv.clone();
            req.entrypoint = Some(Vec::new());
            req.env = env;
            req.workdir = Some(workdir);
            req.user = (!user.is_empty()).then_some(user);
            req.network.mode =
                create::parse::network_mode(if network == "default" { "" } else { &network })?;
            req.pull = PullPolicy::Never;
            // Binds first, then tmpfs mounts, as `--mount` and `--tmpfs` come.
            let (binds, tmpfs): (Vec<_>, Vec<_>) = mounts
                .iter()
                .partition(|m| matches!(m, MountSpec::Bind { .. }));
            for m in binds.into_iter().chain(tmpfs) {
                req.mounts.push(match m {
                    MountSpec::Bind { source, target, rw } => {
                        MountRequest::bind(source.clone(), target, *rw)?
                    }
                    MountSpec::Tmpfs(target) => MountRequest::tmpfs(target)?,
                });
            }
            req.tls_verify = b.opts.tls_verify;
            req.ulimits = b
                .opts
                .ulimits
                .iter()
                .map(|u| create::parse::ulimit(u))
                .collect::<Result<_, _>>()?;
            req.labels
                .insert(BUILD_LABEL.to_string(), std::process::id().to_string());
            let mut notices = std::io::sink();
            // sharing=locked: one RUN at a time uses the cache directory.
            let _locks = std::mem::take(&mut b.mount_locks)
                .iter()
                .map(|p| crate::state::LockFile::exclusive(p))
                .collect::<Result<Vec<_>, _>>()
                .map_err(EngineError::io("locking a cache mount"))?;
            let id = create::create(b.paths, &req, &mut notices)?;
            let result = b.run_container(&id, n, start, &argv);
            let layer = result.and_then(|()| {
                let rec = crate::state::container::Containers::new(b.paths).record(&id)?;
                let drop = |entries: &[super::container_files::LayerEntry]| {
                    mount_points(entries, &targets)
                };
                super::container_files::capture_layer_with(b.paths, &rec, Some(&drop))
            });
            let _ = container::remove(b.paths, &id, true, false);
            Ok((config, Some(layer?), Some(by)))
        })
    }

    fn run_container(
        &mut self,
        id: &str,
        n: usize,
        start: Instant,
        argv: &[String],
    ) -> Result<(), EngineError> {
        let rec = crate::state::container::Containers::new(self.paths).record(id)?;
        container::start(self.paths, &rec, false)?;
        let this = &*self;
        container::follow_log(self.paths, id, 0, &mut |e| {
            let secs = start.elapsed().as_secs_f64();
            for l in e.log.trim_end_matches('\n').split('\n') {
                this.emit(BuildEvent::Log {
                    n,
                    secs,
                    line: l.to_string(),
                });
            }
        })?;
        let code = container::wait(self.paths, id)?;
        if code != 0 {
            let shown = serde_json::to_string(&argv.join(" ")).unwrap_or_default();
            return Err(failed(format!(
                "process {shown} did not complete successfully: exit code: {code}"
            )));
        }
        Ok(())
    }

    /// `RUN --mount=...`: a bind or tmpfs for the container, and what goes into the cache key.
    fn run_mount(
        &mut self,
        spec: &str,
        line: usize,
        stage: usize,
    ) -> Result<(MountSpec, String), EngineError> {
        let mut kv: HashMap<String, String> = HashMap::new();
        for part in spec.split(',') {
            let (k, v) = part.split_once('=').unwrap_or((part, "true"));
            kv.insert(k.to_string(), v.to_string());
        }
        let kind = kv.get("type").cloned().unwrap_or_else(|| "bind".into());
        let target = kv
            .get("target")
            .or_else(|| kv.get("dst"))
            .or_else(|| kv.get("destination"))
            .cloned();
        match kind.as_str() {
            "cache" => {
                let target =
                    target.ok_or_else(|| self.syntax(line, "a cache mount needs a target"))?;
                let id = kv.get("id").cloned().unwrap_or_else(|| target.clone());
                // The directory belongs to the container's root; other owners would need the
                // user namespace helper.
                for k in ["uid", "gid"] {
                    if kv.get(k).is_some_and(|v| v != "0") {
                        return Err(self.syntax(
                            line,
                            format!("RUN --mount=type=cache: {k}= other than 0 is not supported"),
                        ));
                    }
                }
                let dir = self.cache.mount_dir(&id);
                if kv.get("sharing").map(String::as_str) == Some("locked") {
                    self.mount_locks.push(dir.with_extension("lock"));
                }
                std::fs::create_dir_all(&dir)
                    .map_err(EngineError::io(format!("creating {}", dir.display())))?;
                Ok((
                    MountSpec::Bind {
                        source: dir,
                        target: target.clone(),
                        rw: true,
                    },
                    format!("cache:{id}:{target}"),
                ))
            }
            "tmpfs" => {
                let target =
                    target.ok_or_else(|| self.syntax(line, "a tmpfs mount needs a target"))?;
                Ok((MountSpec::Tmpfs(target.clone()), format!("tmpfs:{target}")))
            }
            "secret" => {
                let id = kv.get("id").cloned().or_else(|| {
                    target
                        .as_ref()
                        .and_then(|t| t.rsplit('/').next().map(String::from))
                });
                let id = id.ok_or_else(|| self.syntax(line, "a secret mount needs an id"))?;
                let target = target.unwrap_or_else(|| format!("/run/secrets/{id}"));
                let required = kv.get("required").is_some_and(|v| v == "true");
                match self.secrets.get(&id) {
                    Some(src) => Ok((
                        MountSpec::Bind {
                            source: src.clone(),
                            target: target.clone(),
                            rw: false,
                        },
                        // The secret's content never goes into the cache key.
                        format!("secret:{id}:{target}"),
                    )),
                    None if required => Err(failed(format!("secret {id} not found"))),
                    None => Ok((MountSpec::Tmpfs(format!("{target}-unset")), String::new())),
                }
            }
            "bind" => {
                let target =
                    target.ok_or_else(|| self.syntax(line, "a bind mount needs a target"))?;
                let source = kv
                    .get("source")
                    .or_else(|| kv.get("src"))
                    .cloned()
                    .unwrap_or_default();
                let tree = match kv.get("from") {
                    Some(f) => self.tree_of(f, stage, line)?,
                    None => self.context.clone(),
                };
                let rel = files::clean_inside(&source).map_err(EngineError::Build)?;
                let rel = tree.resolve_links(&rel, true);
                let (host, meta) = tree
                    .lookup(&rel)
                    .ok_or_else(|| failed(format!("bind mount source \"/{rel}\": not found")))?;
                if meta.file_type().is_symlink() {
                    return Err(failed(format!(
                        "bind mount source \"/{rel}\" is a link out of its tree"
                    )));
                }
                let mut items = Vec::new();
                tree.items(&rel, "", &mut items)?;
                let sum = {
                    let mut g = self.lock_sums()?;
                    files::checksum_cached(&items, &mut g)?
                };
                Ok((
                    MountSpec::Bind {
                        source: host.to_path_buf(),
                        target: target.clone(),
                        rw: false,
                    },
                    format!("bind:{target}:{sum}"),
                ))
            }
            other => Err(self.syntax(line, format!("unsupported mount type {other:?}"))),
        }
    }

    /// The tree of `--from=NAME`: a stage, else an image (pulled when missing).
    fn tree_of(&mut self, name: &str, stage: usize, line: usize) -> Result<Tree, EngineError> {
        let img = match self.stage_ref(name, stage) {
            Some(d) => self.results[d]
                .clone()
                .ok_or_else(|| self.syntax(line, format!("stage {name} was not built")))?,
            None => {
                if self.stages.iter().any(|s| s.name.as_deref() == Some(name)) {
                    return Err(
                        self.syntax(line, format!("stage {name:?} is used before it is defined"))
                    );
                }
                self.image(name, false)?
            }
        };
        Ok(Tree::layers(
            self.store.layer_dirs(&img).into_iter().rev().collect(),
        ))
    }

    fn copy(
        &mut self,
        st: &mut State,
        inst: &Instruction,
        stage: usize,
    ) -> Result<(), EngineError> {
        let line = inst.line;
        let is_add = inst.keyword == "ADD";
        let words: Vec<String> = match inst.json_args() {
            Some(v) => v
                .iter()
                .map(|w| self.expand(st, w, line))
                .collect::<Result<_, _>>()?,
            // Quotes group words (`COPY "a b" /x/`); here-document markers stay `<<NAME`.
            None => self.expand_words(st, &inst.args, line)?,
        };
        if words.len() < 2 {
            return Err(self.syntax(
                line,
                format!("{} requires at least two arguments", inst.keyword),
            ));
        }
        for (name, _) in &inst.flags {
            if !matches!(
                name.as_str(),
                "from"
                    | "chown"
                    | "chmod"
                    | "link"
                    | "parents"
                    | "exclude"
                    | "checksum"
                    | "keep-git-dir"
            ) {
                return Err(self.syntax(line, format!("unknown flag: --{name}")));
            }
            if name == "parents" {
                return Err(self.syntax(line, "COPY --parents is not supported"));
            }
            if name == "checksum" && !is_add {
                return Err(self.syntax(line, "--checksum is an ADD flag"));
            }
        }
        let excludes: Vec<String> = inst
            .flags
            .iter()
            .filter(|(n, _)| n == "exclude")
            .filter_map(|(_, v)| v.clone())
            .collect();
        let checksum = inst.flag("checksum").map(String::from);
        let (srcs, dest) = words.split_at(words.len() - 1);
        let dest = &dest[0];
        let wd = st.workdir();
        let dest_abs = if dest.starts_with('/') {
            dest.clone()
        } else {
            format!("{}/{}", wd.trim_end_matches('/'), dest)
        };
        let parent_tree = Tree::layers(self.store.layer_dirs(&st.img).into_iter().rev().collect());
        let dest_rel = parent_tree.follow_links(&crate::build::ignore::clean(&dest_abs));
        let dest_is_dir = dest.ends_with('/')
            || srcs.len() > 1
            || dest_rel.is_empty()
            || parent_tree
                .lookup(&dest_rel)
                .is_some_and(|(_, m)| m.is_dir());
        let owner = match inst.flag("chown") {
            Some(c) => {
                let c = self.expand(st, c, line)?;
                Some(resolve_owner(&parent_tree, &c).map_err(|e| self.syntax(line, e))?)
            }
            None => None,
        };
        let chmod = match inst.flag("chmod") {
            Some(m) => Some(
                u32::from_str_radix(m, 8)
                    .ok()
                    .filter(|m| *m <= 0o7777)
                    .ok_or_else(|| self.syntax(line, format!("invalid chmod parameter {m:?}")))?,
            ),
            None => None,
        };
        let mut tree = match inst.flag("from") {
            Some(f) => {
                let f = self.expand(st, f, line)?;
                self.tree_of(&f, stage, line)?
            }
            None => self.context.clone(),
        };
        if !excludes.is_empty() {
            tree.ignore = Some(tree.ignore.unwrap_or_default().with_excludes(&excludes));
        }
        let mut items = Vec::new();
        let mut archives = Vec::new();
        let mut extra = Vec::new();
        let mut heredocs = inst.heredocs.iter();
        let mut shown_srcs = Vec::new();
        for src in srcs {
            if src.starts_with("<<") && !inst.heredocs.is_empty() {
                let h = heredocs
                    .next()
                    .ok_or_else(|| self.syntax(line, "here-document without content"))?;
                let content = if h.expand {
                    shell::expand_heredoc(&h.content, &|k| st.lookup(k))
                        .map_err(|e| self.syntax(line, e))?
                } else {
                    h.content.clone()
                };
                let d = if dest_is_dir {
                    join(&dest_rel, &h.name)
                } else {
                    dest_rel.clone()
                };
                items.push(Item {
                    host: None,
                    data: Some(content.into_bytes()),
                    dest: d,
                    kind: Kind::File,
                    mode: 0o644,
                    mtime: 0,
                    uid: 0,
                    gid: 0,
                });
                shown_srcs.push(src.clone());
                continue;
            }
            shown_srcs.push(src.clone());
            if is_add && (src.starts_with("http://") || src.starts_with("https://")) {
                let (path, fname) = self.download(src)?;
                if let Some(want) = &checksum {
                    let data =
                        std::fs::read(&path).map_err(EngineError::io("reading a download"))?;
                    let got = crate::image::sha256_digest(&data);
                    if &got != want {
                        return Err(failed(format!(
                            "ADD {src}: checksum mismatch: expected {want}, got {got}"
                        )));
                    }
                }
                let d = if dest_is_dir {
                    join(&dest_rel, &fname)
                } else {
                    dest_rel.clone()
                };
                let meta =
                    std::fs::metadata(&path).map_err(EngineError::io("reading a download"))?;
                items.push(Item {
                    host: Some(path),
                    data: None,
                    dest: d,
                    kind: Kind::File,
                    mode: 0o600,
                    mtime: meta.mtime_secs(),
                    uid: 0,
                    gid: 0,
                });
                continue;
            }
            for rel in tree.resolve(src)? {
                let (host, meta) = tree
                    .lookup(&rel)
                    .ok_or_else(|| failed(format!("\"/{rel}\": not found")))?;
                if is_add
                    && meta.is_file()
                    && inst.flag("from").is_none()
                    && files::archive_reader(&host)?.is_some()
                {
                    {
                        let mut g = self.lock_sums()?;
                        let sum = files::checksum_cached(
                            &[Item {
                                host: Some(host.clone()),
                                data: None,
                                dest: dest_rel.clone(),
                                kind: Kind::File,
                                mode: 0,
                                mtime: 0,
                                uid: 0,
                                gid: 0,
                            }],
                            &mut g,
                        )?;
                        extra.push(format!("archive {rel} {sum}"));
                        archives.push((host, dest_rel.clone(), rel.clone()));
                        continue;
                    }
                }
                if meta.is_dir() {
                    tree.items(&rel, &dest_rel, &mut items)?;
                } else {
                    let base = rel.rsplit('/').next().unwrap_or(&rel).to_string();
                    let d = if dest_is_dir {
                        join(&dest_rel, &base)
                    } else {
                        dest_rel.clone()
                    };
                    tree.items(&rel, &d, &mut items)?;
                }
            }
        }
        for it in items.iter_mut() {
            if let Some((u, g)) = owner {
                it.uid = u;
                it.gid = g;
            }
            if let Some(m) = chmod {
                it.mode = m;
            }
        }
        // Parent directories: existing ones as they are in the image, new ones created.
        let mut dests: Vec<String> = items.iter().map(|i| i.dest.clone()).collect();
        for (_, d, _) in &archives {
            dests.push(format!("{d}/x"));
        }
        let mut parents = parent_dirs(&parent_tree, &dests, owner, false);
        let item_set: HashSet<String> = items.iter().map(|i| i.dest.clone()).collect();
        parents.retain(|p| !item_set.contains(&p.dest));
        if dest_is_dir
            && !dest_rel.is_empty()
            && !item_set.contains(&dest_rel)
            && parent_tree.lookup(&dest_rel).is_none()
        {
            // COPY a /new/ : the destination directory itself.
            if !parents.iter().any(|p| p.dest == dest_rel) {
                parents.extend(parent_dirs(
                    &parent_tree,
                    std::slice::from_ref(&dest_rel),
                    owner,
                    true,
                ));
                parents.dedup_by(|a, b| a.dest == b.dest);
            }
        }
        let mut all = parents;
        all.extend(items);
        let sum = {
            let mut g = self.lock_sums()?;
            files::checksum_cached(&all, &mut g)?
        };
        let flags: Vec<String> = inst
            .flags
            .iter()
            .map(|(k, v)| match v {
                Some(v) => format!("--{k}={v}"),
                None => format!("--{k}"),
            })
            .collect();
        let shown = format!(
            "{} {}{}{} {}",
            inst.keyword,
            flags.join(" "),
            if flags.is_empty() { "" } else { " " },
            shown_srcs.join(" "),
            dest
        );
        let by = format!("{shown} # buildkit");
        let key = self.key(st, &shown, &format!("{sum}\n{}", extra.join("\n")));
        let config = st.config.clone();
        self.shown_step(st, &shown, &key, move |b, _, _| {
            let layer = b.write_layer(&all, &archives)?;
            Ok((config, Some(layer), Some(by)))
        })
    }

    /// ADD of a URL: the file downloaded into a temp dir that lives as long as the build.
    fn download(&mut self, url: &str) -> Result<(PathBuf, String), EngineError> {
        let dir = tempfile::tempdir().map_err(EngineError::io("creating a temp dir"))?;
        let name = url
            .split(['?', '#'])
            .next()
            .unwrap_or(url)
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("index.html")
            .to_string();
        let path = dir.path().join(&name);
        let client = reqwest::blocking::Client::builder()
            .danger_accept_invalid_certs(!self.opts.tls_verify)
            .build()
            .map_err(|e| failed(format!("ADD {url}: {e}")))?;
        let mut resp = client
            .get(url)
            .send()
            .and_then(|r| r.error_for_status())
            .map_err(|e| failed(format!("ADD {url}: {e}")))?;
        let mut f = std::fs::File::create(&path).map_err(EngineError::io("writing a download"))?;
        std::io::copy(&mut resp, &mut f).map_err(EngineError::io(format!("ADD {url}")))?;
        self._temp.push(dir);
        Ok((path, name))
    }
}

/// The entries of a RUN layer that are only the mount points of its mounts (empty files and
/// directories at or above the targets, with nothing else below them).
fn mount_points(
    entries: &[super::container_files::LayerEntry],
    targets: &[String],
) -> HashSet<String> {
    let mut cands: Vec<String> = Vec::new();
    for t in targets {
        let rel = crate::build::ignore::clean(t);
        let segs: Vec<&str> = rel.split('/').filter(|s| !s.is_empty()).collect();
        for k in 1..=segs.len() {
            let p = segs[..k].join("/");
            if !cands.contains(&p) {
                cands.push(p);
            }
        }
    }
    cands.sort_by_key(|c| std::cmp::Reverse(c.matches('/').count()));
    let mut dropped = HashSet::new();
    for c in cands {
        let Some(e) = entries.iter().find(|e| e.path == c) else {
            continue;
        };
        let prefix = format!("{c}/");
        let empty = if e.dir {
            entries
                .iter()
                .filter(|x| x.path.starts_with(&prefix))
                .all(|x| dropped.contains(&x.path))
        } else {
            e.size == 0
        };
        if empty {
            dropped.insert(c);
        }
    }
    dropped
}

enum MountSpec {
    /// A host path (never re-parsed: any character is fine in it).
    Bind {
        source: PathBuf,
        target: String,
        rw: bool,
    },
    Tmpfs(String),
}

trait MtimeSecs {
    fn mtime_secs(&self) -> u64;
}

impl MtimeSecs for std::fs::Metadata {
    fn mtime_secs(&self) -> u64 {
        use std::os::unix::fs::MetadataExt;
        self.mtime().max(0) as u64
    }
}

/// A Go duration (`30s`, `1m30s`, `500ms`) in nanoseconds.
fn parse_duration(s: &str) -> Option<u64> {
    crate::units::parse_go_duration(s).and_then(|d| u64::try_from(d.as_nanos()).ok())
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// `ARG a b=1 c="x y"`.
fn parse_arg(args: &str) -> Result<Vec<(String, Option<String>)>, EngineError> {
    let words = shell::expand_words(args, &|_| None, '\0').map_err(failed)?;
    // Values are expanded later, with the stage's variables: keep them raw.
    let raw: Vec<&str> = args.split_whitespace().collect();
    let mut out = Vec::new();
    if words.len() == raw.len() {
        for w in raw {
            match w.split_once('=') {
                Some((k, v)) => out.push((k.to_string(), Some(v.to_string()))),
                None => out.push((w.to_string(), None)),
            }
        }
    } else {
        for w in words {
            match w.split_once('=') {
                Some((k, v)) => out.push((k.to_string(), Some(v.to_string()))),
                None => out.push((w, None)),
            }
        }
    }
    Ok(out)
}

/// Container ids of a host owner (the inverse of the user's id mapping).
fn container_id(host: u32, ranges: &[crate::runtime::userns::IdRange]) -> u32 {
    ranges
        .iter()
        .find(|r| host >= r.host_id && host - r.host_id < r.size)
        .map(|r| r.container_id + (host - r.host_id))
        .unwrap_or(0)
}

/// The directories above `paths` (image paths, relative): as they are in the image when they
/// exist there, else new (0755, `owner` or root). With `include_self`, the paths themselves
/// are directories too.
fn parent_dirs(
    tree: &Tree,
    paths: &[String],
    owner: Option<(u32, u32)>,
    include_self: bool,
) -> Vec<Item> {
    use std::os::unix::fs::MetadataExt;
    let mapping = crate::runtime::userns::IdMapping::for_current_user();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for p in paths {
        let segs: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
        let upto = if include_self {
            segs.len()
        } else {
            segs.len().saturating_sub(1)
        };
        for k in 1..=upto {
            let d = segs[..k].join("/");
            if !seen.insert(d.clone()) {
                continue;
            }
            match tree.lookup(&d) {
                Some((_, m)) if m.is_dir() => out.push(Item {
                    host: None,
                    data: None,
                    dest: d,
                    kind: Kind::Dir,
                    mode: m.mode() & 0o7777,
                    mtime: m.mtime().max(0) as u64,
                    uid: container_id(m.uid(), &mapping.uids),
                    gid: container_id(m.gid(), &mapping.gids),
                }),
                // A link or file in the way: leave it to the unpacker to refuse.
                Some(_) => {}
                None => {
                    let (uid, gid) = owner.unwrap_or((0, 0));
                    out.push(Item {
                        host: None,
                        data: None,
                        dest: d,
                        kind: Kind::Dir,
                        mode: 0o755,
                        mtime: 0,
                        uid,
                        gid,
                    })
                }
            }
        }
    }
    out
}

/// `--chown user[:group]`, names looked up in the image's /etc/passwd and /etc/group.
fn resolve_owner(tree: &Tree, spec: &str) -> Result<(u32, u32), String> {
    let read = |rel: &str| -> String {
        tree.lookup(rel)
            .filter(|(_, m)| m.is_file())
            .and_then(|(p, _)| crate::limits::read_head(&p, crate::limits::MAX_ACCOUNT_FILE).ok())
            .unwrap_or_default()
    };
    let (u, g) = spec.split_once(':').unwrap_or((spec, ""));
    let passwd = read("etc/passwd");
    let (uid, primary) = match u.parse::<u32>() {
        Ok(n) => (n, n),
        Err(_) => passwd
            .lines()
            .find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.len() >= 4 && f[0] == u)
                    .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))?
            })
            .ok_or_else(|| {
                format!("unable to find user {u}: no matching entries in passwd file")
            })?,
    };
    let gid = if g.is_empty() {
        if u.parse::<u32>().is_ok() {
            uid
        } else {
            primary
        }
    } else {
        match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => read("etc/group")
                .lines()
                .find_map(|l| {
                    let f: Vec<&str> = l.split(':').collect();
                    (f.len() >= 3 && f[0] == g).then(|| f[2].parse().ok())?
                })
                .ok_or_else(|| {
                    format!("unable to find group {g}: no matching entries in group file")
                })?,
        }
    };
    Ok((uid, gid))
}

/// Images the build cache made that other build steps build on (docker's "intermediate"
/// images): `images` hides them unless `-a`.
pub fn intermediate_images(paths: &Paths) -> HashSet<String> {
    Cache::new(&paths.data)
        .entries()
        .into_iter()
        .map(|(_, e)| e.parent)
        .collect()
}

/// What `builder prune` removed.
#[derive(Debug, Default)]
pub struct PruneReport {
    pub entries: usize,
    pub images: usize,
    pub reclaimed: u64,
}

/// `builder prune`: forget the build cache; remove the untagged images it made that no
/// container uses, and the `RUN --mount=type=cache` directories (with `all`, also those of
/// tagged images' steps: the same here, since tagged images are kept anyway).
pub fn prune(paths: &Paths, _all: bool) -> Result<PruneReport, EngineError> {
    let cache = Cache::new(&paths.data);
    let store = ImageStore::open(paths)?;
    let in_use = crate::state::container::Containers::new(paths).image_ids_in_use()?;
    let mut report = PruneReport::default();
    let mut images: Vec<String> = Vec::new();
    for (k, e) in cache.entries() {
        // Only what the cache made: a base image, even untagged, is the user's.
        images.push(e.image.clone());
        cache.remove(&k);
        report.entries += 1;
    }
    images.sort();
    images.dedup();
    let mut trash = Vec::new();
    for id in images {
        let Ok(img) = store.resolve(&id) else {
            continue;
        };
        if !img.repo_tags.is_empty() || in_use.iter().any(|(i, _)| *i == img.id) {
            continue;
        }
        let sizes: Vec<(String, u64)> = img
            .diff_ids
            .iter()
            .map(|d| (d.clone(), store.layer_size(d).unwrap_or(0)))
            .collect();
        match store.remove(&img.id, true, &in_use) {
            Ok(r) => {
                report.images += 1;
                trash.extend(r.trash);
                for (d, s) in sizes {
                    if !store.has_layer(&d) {
                        report.reclaimed += s;
                    }
                }
            }
            Err(ImageError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mounts = cache.mounts_root();
    if mounts.exists() {
        let t = paths
            .data
            .join(format!("build-cache/.trash-{}", std::process::id()));
        if std::fs::rename(&mounts, &t).is_ok() {
            trash.push(t);
        }
    }
    crate::helper::remove_trees(&trash)?;
    Ok(report)
}
