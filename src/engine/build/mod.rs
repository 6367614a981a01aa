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

mod copy_step;
mod instructions;
mod run_step;
mod stages;

use copy_step::*;

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
    /// Stops the build between steps, and a running RUN step's container (the API client
    /// went away); the build then fails with `EngineError::Cancelled` and tags nothing.
    pub cancel: super::Cancel,
}

/// BuildKit's entitlement for `RUN --network=host`.
pub const ENTITLEMENT_NETWORK_HOST: &str = "network.host";

/// The entitlements `--allow` accepts (BuildKit's names; `security.insecure` is not supported).
pub fn check_entitlement(name: &str) -> Result<(), EngineError> {
    match name {
        ENTITLEMENT_NETWORK_HOST => Ok(()),
        "security.insecure" => Err(EngineError::Unsupported(
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
        crate::image::config_strings(&self.cfg()["Env"])
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
        let s = crate::image::config_strings(&self.cfg()["Shell"]);
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
