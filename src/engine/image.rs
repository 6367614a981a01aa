//! Image operations: pull, list, inspect, remove, import.
use std::collections::{HashSet, VecDeque};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

use oci_spec::image::Descriptor;
use serde_json::{json, Value};

use super::EngineError;
use crate::helper::{Request, Spawn, UsernsOp};
use crate::image::store::RemoveReport;
use crate::image::unpack::{self, UnpackOptions};
use crate::image::{digest_hex, is_sha256_digest, ImageError, ImageRecord, ImageStore, Reference};
use crate::registry::{Client, Manifest, Platform, RegistriesConfig, RegistryError};
use crate::state::Paths;

/// How many layers download at once.
const PARALLEL_DOWNLOADS: usize = 3;

/// Options of `pull`.
#[derive(Debug, Clone, Copy)]
pub struct PullOptions {
    /// Print only the final reference.
    pub quiet: bool,
    /// Require HTTPS with verified certificates (loopback registries always use HTTP).
    pub tls_verify: bool,
}

impl Default for PullOptions {
    fn default() -> Self {
        PullOptions {
            quiet: false,
            tls_verify: true,
        }
    }
}

/// What a pull reports as it goes; `cli` renders these for a terminal or as plain lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullEvent {
    /// No tag was given.
    UsingDefaultTag,
    /// `latest: Pulling from library/busybox`.
    Pulling {
        what: String,
        repository: String,
    },
    /// A layer is needed (`<12 hex>: Pulling fs layer`).
    LayerQueued {
        id: String,
    },
    LayerExists {
        id: String,
    },
    LayerProgress {
        id: String,
        current: u64,
        total: u64,
    },
    LayerDownloaded {
        id: String,
    },
    LayerExtracting {
        id: String,
    },
    LayerComplete {
        id: String,
    },
    Digest(String),
    /// `Status: Downloaded newer image for X` / `Status: Image is up to date for X`.
    Status {
        up_to_date: bool,
        name: String,
    },
    /// The fully qualified reference (the last line).
    Done(String),
}

/// Render pull events as docker's plain (non-terminal) lines.
pub fn render_plain(ev: &PullEvent, quiet: bool, out: &mut dyn Write) {
    let line = match ev {
        PullEvent::Done(r) => Some(r.clone()),
        _ if quiet => None,
        PullEvent::UsingDefaultTag => Some("Using default tag: latest".into()),
        PullEvent::Pulling { what, repository } => {
            Some(format!("{what}: Pulling from {repository}"))
        }
        PullEvent::LayerQueued { id } => Some(format!("{id}: Pulling fs layer")),
        PullEvent::LayerExists { id } => Some(format!("{id}: Already exists")),
        PullEvent::LayerDownloaded { id } => Some(format!("{id}: Download complete")),
        PullEvent::LayerComplete { id } => Some(format!("{id}: Pull complete")),
        PullEvent::LayerProgress { .. } | PullEvent::LayerExtracting { .. } => None,
        PullEvent::Digest(d) => Some(format!("Digest: {d}")),
        PullEvent::Status { up_to_date, name } => Some(if *up_to_date {
            format!("Status: Image is up to date for {name}")
        } else {
            format!("Status: Downloaded newer image for {name}")
        }),
    };
    if let Some(l) = line {
        let _ = writeln!(out, "{l}");
        let _ = out.flush();
    }
}

/// Pull an image, writing docker's plain progress lines to `progress`.
pub fn pull(
    paths: &Paths,
    name: &str,
    opts: &PullOptions,
    progress: &mut dyn Write,
) -> Result<ImageRecord, EngineError> {
    let quiet = opts.quiet;
    pull_with_events(paths, name, opts, &mut |ev| {
        render_plain(&ev, quiet, progress)
    })
}

fn short(digest: &str) -> String {
    let h = digest_hex(digest);
    h[..h.len().min(12)].to_string()
}

/// Pull an image for the host platform, reporting progress as events.
pub fn pull_with_events(
    paths: &Paths,
    name: &str,
    opts: &PullOptions,
    on_event: &mut dyn FnMut(PullEvent),
) -> Result<ImageRecord, EngineError> {
    pull_platform(paths, name, opts, None, on_event)
}

/// `pull_with_events` that stops once `cancel` says so (the API client went away, as docker's
/// daemon cancels a pull): downloads stop mid-blob (the partial file is removed), blobs
/// already verified stay for the next pull, and no image is recorded.
pub fn pull_cancellable(
    paths: &Paths,
    name: &str,
    opts: &PullOptions,
    cancel: &super::Cancel,
    on_event: &mut dyn FnMut(PullEvent),
) -> Result<ImageRecord, EngineError> {
    let img = pull_platform_inner(paths, name, opts, None, cancel, on_event)?;
    pull_event(paths, name);
    Ok(img)
}

/// docker's `pull` event: the reference as the user gave it, normalised.
pub fn pull_event(paths: &Paths, name: &str) {
    if let Ok(r) = Reference::parse(name) {
        let n = r.familiar_tagged();
        image_event(paths, "pull", &n, &n);
    }
}

/// Parse a `--platform` value (`os/arch[/variant]`).
pub fn parse_platform(s: &str) -> Result<Platform, EngineError> {
    Ok(Platform::parse(s, crate::image::host_arch())?)
}

/// The registries an image is fetched from: configured mirrors first, then its registry.
/// Each attempt goes to the first source; a failing one is skipped for the next.
struct Sources {
    clients: Vec<Client>,
}

impl Sources {
    fn connect(r: &Reference, tls_verify: bool) -> Result<Sources, EngineError> {
        let config = RegistriesConfig::load()?;
        let endpoints = config.endpoints(&r.registry, &r.repository, r.digest.is_some())?;
        let mut clients = Vec::new();
        let mut last_err = None;
        for e in endpoints {
            match Client::new(&e.registry, &e.repository, tls_verify && !e.insecure) {
                Ok(c) => clients.push(c),
                Err(err) if e.mirror => {
                    tracing::debug!(mirror = %e.registry, "skipping mirror: {err}");
                }
                Err(err) => last_err = Some(err),
            }
        }
        match (clients.is_empty(), last_err) {
            (true, Some(e)) => Err(e.into()),
            _ => Ok(Sources { clients }),
        }
    }

    /// Run `f` against each source in turn until one succeeds; the last error otherwise.
    /// Returns the index of the source that answered.
    fn first<T>(
        &self,
        f: &mut dyn FnMut(&Client) -> Result<T, RegistryError>,
    ) -> Result<(usize, T), RegistryError> {
        let mut last = None;
        for (i, c) in self.clients.iter().enumerate() {
            match f(c) {
                Ok(v) => return Ok((i, v)),
                Err(e) => {
                    if i + 1 < self.clients.len() {
                        tracing::debug!(registry = %c.registry(), "trying the next source: {e}");
                    }
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| RegistryError::Connect {
            registry: "(none)".into(),
            reason: "no registry to pull from".into(),
        }))
    }

    /// From now on, start with source `i` (the one that had the manifest).
    fn prefer(&mut self, i: usize) {
        self.clients
            .drain(..i.min(self.clients.len().saturating_sub(1)));
    }
}

/// `pull -a`: every tag of a repository (`/v2/<name>/tags/list`). Returns the images pulled.
pub fn pull_all_tags(
    paths: &Paths,
    name: &str,
    opts: &PullOptions,
    platform: Option<&Platform>,
    on_event: &mut dyn FnMut(PullEvent),
) -> Result<Vec<ImageRecord>, EngineError> {
    let r = Reference::parse(name)?;
    if r.tag.is_some() || r.digest.is_some() {
        return Err(EngineError::Usage(
            "tag can't be used with --all-tags/-a".into(),
        ));
    }
    let sources = Sources::connect(&r, opts.tls_verify)?;
    let display = r.familiar_name();
    let (_, mut tags) = sources.first(&mut |c| c.tags(&display))?;
    tags.sort();
    tags.dedup();
    if tags.is_empty() {
        return Err(RegistryError::ManifestNotFound {
            reference: display,
            reason: "the repository has no tags".into(),
        }
        .into());
    }
    let mut out = Vec::new();
    for t in tags {
        let one = format!("{}:{t}", r.name());
        out.push(pull_platform(paths, &one, opts, platform, on_event)?);
    }
    Ok(out)
}

fn config_platform(config: &Value) -> String {
    let s = |k: &str| config.get(k).and_then(Value::as_str).unwrap_or("");
    let mut p = format!("{}/{}", s("os"), s("architecture"));
    if !s("variant").is_empty() {
        p.push('/');
        p.push_str(s("variant"));
    }
    p
}

/// Pull an image, for `platform` (default: the host's), reporting progress as events.
pub fn pull_platform(
    paths: &Paths,
    name: &str,
    opts: &PullOptions,
    platform: Option<&Platform>,
    on_event: &mut dyn FnMut(PullEvent),
) -> Result<ImageRecord, EngineError> {
    let img = pull_platform_inner(
        paths,
        name,
        opts,
        platform,
        &super::Cancel::default(),
        on_event,
    )?;
    pull_event(paths, name);
    Ok(img)
}

fn pull_platform_inner(
    paths: &Paths,
    name: &str,
    opts: &PullOptions,
    platform: Option<&Platform>,
    cancel: &super::Cancel,
    on_event: &mut dyn FnMut(PullEvent),
) -> Result<ImageRecord, EngineError> {
    let r = Reference::parse(name)?;
    if r.tag.is_none() && r.digest.is_none() {
        on_event(PullEvent::UsingDefaultTag);
    }
    let store = ImageStore::open(paths)?;
    remove_stale(store.tmp_dir(), ".blob-", false);
    store.remove_abandoned_partials();
    let mut sources = Sources::connect(&r, opts.tls_verify)?;
    let display = match (&r.tag, &r.digest) {
        (_, Some(d)) => format!("{}@{d}", r.familiar_name()),
        (t, None) => format!("{}:{}", r.familiar_name(), t.as_deref().unwrap_or("latest")),
    };
    let want = platform
        .cloned()
        .unwrap_or_else(|| Platform::host(crate::image::host_arch()));

    // The manifest (resolving a list / index to the platform).
    let (served_by, (manifest, bytes, top_digest)) =
        sources.first(&mut |c| c.manifest(r.manifest_ref(), &display))?;
    sources.prefer(served_by);
    on_event(PullEvent::Pulling {
        what: r.manifest_ref().to_string(),
        repository: r.repository.clone(),
    });
    let (manifest, bytes, manifest_digest) = match manifest {
        Manifest::Image(m) => (*m, bytes, top_digest.clone()),
        Manifest::Index(idx) => {
            let digest = want.select(&idx, &display)?.digest().to_string();
            match sources.first(&mut |c| c.manifest(&digest, &display))?.1 {
                (Manifest::Image(m), b, d) => (*m, b, d),
                (Manifest::Index(_), _, _) => {
                    return Err(RegistryError::BadManifest {
                        reference: display,
                        reason: "an index points to another index".into(),
                    }
                    .into())
                }
            }
        }
    };

    // The config: the image id and the layers' diff ids.
    let config_desc = manifest.config();
    let config_digest = config_desc.digest().to_string();
    if !is_sha256_digest(&config_digest) {
        return Err(RegistryError::BadManifest {
            reference: display,
            reason: format!("unsupported config digest {config_digest}"),
        }
        .into());
    }
    let max_config = crate::limits::max_config_size();
    if config_desc.size() > max_config {
        return Err(RegistryError::BadManifest {
            reference: display,
            reason: format!(
                "its config blob declares {} bytes, over the limit of {max_config} \
                 (SKIFF_MAX_CONFIG_SIZE raises it)",
                config_desc.size()
            ),
        }
        .into());
    }
    let config_bytes = if store.has_blob(&config_digest) {
        store.read_blob(&config_digest)?
    } else {
        sources
            .first(&mut |c| c.blob_bytes(config_desc, "config"))?
            .1
    };
    let config: oci_spec::image::ImageConfiguration = serde_json::from_slice(&config_bytes)
        .map_err(|e| RegistryError::BadManifest {
            reference: display.clone(),
            reason: format!("bad image config: {e}"),
        })?;
    if platform.is_some() {
        // A single-platform image must be the one asked for.
        let raw: Value = serde_json::from_slice(&config_bytes).unwrap_or(Value::Null);
        let field = |k: &str| raw.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let variant = field("variant");
        if !want.matches(
            &field("os"),
            &field("architecture"),
            (!variant.is_empty()).then_some(variant.as_str()),
        ) {
            return Err(RegistryError::PlatformMismatch {
                reference: display,
                wanted: want.to_string(),
                actual: config_platform(&raw),
            }
            .into());
        }
    }
    let diff_ids = config.rootfs().diff_ids().clone();
    let layers = manifest.layers();
    if diff_ids.len() != layers.len() {
        return Err(RegistryError::BadManifest {
            reference: display,
            reason: format!(
                "{} layers but {} diff_ids in the config",
                layers.len(),
                diff_ids.len()
            ),
        }
        .into());
    }
    if let Some(bad) = diff_ids.iter().find(|d| !is_sha256_digest(d)) {
        return Err(RegistryError::BadManifest {
            reference: display,
            reason: format!("unsupported diff_id {bad}"),
        }
        .into());
    }
    for l in layers {
        if !is_sha256_digest(l.digest().as_ref()) {
            return Err(RegistryError::BadManifest {
                reference: display,
                reason: format!("unsupported layer digest {}", l.digest()),
            }
            .into());
        }
    }

    // Which layers are needed, which blobs must be downloaded.
    let mut seen = HashSet::new();
    let mut to_unpack: Vec<(Descriptor, String)> = Vec::new();
    let mut to_fetch: Vec<Descriptor> = Vec::new();
    let mut fetching = HashSet::new();
    for (desc, diff) in layers.iter().zip(&diff_ids) {
        let id = short(desc.digest().as_ref());
        let blob = desc.digest().to_string();
        // The blob is kept (push and save hand it out as it is), even for a layer that is
        // already unpacked from another image's blob.
        let have_blob = store.has_blob(&blob);
        let need_blob = !have_blob && fetching.insert(blob);
        if store.has_layer(diff) {
            if need_blob {
                to_fetch.push(desc.clone());
            }
            on_event(PullEvent::LayerExists { id });
            continue;
        }
        if !seen.insert(diff.clone()) {
            continue;
        }
        if have_blob {
            // Downloaded by an earlier (interrupted) pull: only the unpacking is left.
            on_event(PullEvent::LayerExists { id });
        } else {
            on_event(PullEvent::LayerQueued { id });
        }
        if need_blob {
            to_fetch.push(desc.clone());
        }
        to_unpack.push((desc.clone(), diff.clone()));
    }
    if to_unpack.is_empty() {
        download_layers(
            &sources.clients,
            &store,
            &to_fetch,
            cancel,
            on_event,
            &mut |_| {},
        )?;
    } else {
        // Each layer is unpacked as soon as its blob is in the store, while the others are
        // still downloading: one user-namespace helper takes them one by one.
        let mut unpacker = StreamingUnpacker::start(&store)?;
        let mut pending: Vec<(String, PathBuf, String)> = Vec::new();
        for (desc, diff) in &to_unpack {
            let digest = desc.digest().to_string();
            let path = store.blob_path(&digest)?;
            if store.has_blob(&digest) {
                on_event(PullEvent::LayerExtracting { id: short(&digest) });
                unpacker.send(&path, diff);
            } else {
                pending.push((digest, path, diff.clone()));
            }
        }
        let mut extracting = Vec::new();
        let downloaded = download_layers(
            &sources.clients,
            &store,
            &to_fetch,
            cancel,
            on_event,
            &mut |d| {
                for (digest, path, diff) in pending.iter().filter(|(g, _, _)| g == d) {
                    extracting.push(short(digest));
                    unpacker.send(path, diff);
                }
            },
        );
        for id in extracting {
            on_event(PullEvent::LayerExtracting { id });
        }
        // A download error comes first; the helper's own error otherwise.
        let unpacked = unpacker.finish();
        downloaded?;
        unpacked?;
        for (desc, _) in &to_unpack {
            on_event(PullEvent::LayerComplete {
                id: short(desc.digest().as_ref()),
            });
        }
    }

    // Manifest and config are stored only for an image that is complete (and still wanted).
    cancel.check()?;
    store.put_blob(&bytes)?;
    store.put_blob(&config_bytes)?;
    let size = diff_ids
        .iter()
        .map(|d| store.layer_size(d).unwrap_or(0))
        .sum();
    let record = ImageRecord {
        id: config_digest,
        repo_tags: Vec::new(),
        repo_digests: Vec::new(),
        created: config.created().clone(),
        size,
        diff_ids,
        manifest_digest: Some(manifest_digest),
        last_tag_time: None,
    };
    let tag = (r.tag.is_some() || r.digest.is_none()).then(|| r.familiar_tagged());
    let repo_digest = format!("{}@{top_digest}", r.familiar_name());
    let (record, already) = store.add_image(record, tag.as_deref(), Some(&repo_digest))?;
    let up_to_date = to_unpack.is_empty() && already;
    on_event(PullEvent::Digest(top_digest));
    on_event(PullEvent::Status {
        up_to_date,
        name: display,
    });
    on_event(PullEvent::Done(r.full()));
    Ok(record)
}

enum Progress {
    Event(PullEvent),
    /// This blob (digest) is now in the store.
    Blob(String),
    Failed(EngineError),
}

/// Download one layer blob into the store under its lock, from the first source that has it.
/// Returns false when a concurrent pull stored it meanwhile (nothing was downloaded).
fn download_blob(
    clients: &[Client],
    store: &ImageStore,
    desc: &Descriptor,
    report: &mut dyn FnMut(u64) -> bool,
) -> Result<bool, EngineError> {
    let digest = desc.digest().to_string();
    let dest = store.blob_path(&digest)?;
    let partial = store.partial_blob_path(&digest)?;
    // Another pull downloading the same blob holds this lock: wait for it, then reuse its blob.
    let _lock = store.lock_blob(&digest)?;
    if store.has_blob(&digest) {
        return Ok(false);
    }
    let mut last = None;
    for c in clients {
        match c.blob_to_file(desc, "layer", &partial, &dest, report) {
            Ok(()) => return Ok(true),
            // Not wanted any more: no other mirror either.
            Err(crate::registry::RegistryError::Cancelled) => return Err(EngineError::Cancelled),
            Err(e) => {
                tracing::debug!(registry = %c.registry(), "layer {digest}: {e}");
                last = Some(e);
            }
        }
    }
    Err(last
        .map(EngineError::from)
        .unwrap_or_else(|| EngineError::Usage("no registry to pull from".into())))
}

/// Download layer blobs, a few at a time; events flow to the calling thread.
fn download_layers(
    clients: &[Client],
    store: &ImageStore,
    descs: &[Descriptor],
    cancel: &super::Cancel,
    on_event: &mut dyn FnMut(PullEvent),
    on_blob: &mut dyn FnMut(&str),
) -> Result<(), EngineError> {
    if descs.is_empty() {
        return Ok(());
    }
    let queue = Mutex::new(descs.iter().collect::<VecDeque<_>>());
    let cancel_request = cancel;
    let cancel = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Progress>();
    let mut first_error: Option<EngineError> = None;
    std::thread::scope(|s| {
        for _ in 0..PARALLEL_DOWNLOADS.min(descs.len()) {
            let tx = tx.clone();
            let queue = &queue;
            let cancel = &cancel;
            let wanted = cancel_request;
            s.spawn(move || loop {
                if cancel.load(Ordering::Relaxed) || wanted.is_cancelled() {
                    return;
                }
                let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                let Some(desc) = next else { return };
                let id = short(desc.digest().as_ref());
                let total = desc.size();
                let mut last = 0u64;
                let mut report = |n: u64| {
                    if n - last >= 256 * 1024 || n == total {
                        last = n;
                        let _ = tx.send(Progress::Event(PullEvent::LayerProgress {
                            id: id.clone(),
                            current: n,
                            total,
                        }));
                    }
                    !wanted.is_cancelled()
                };
                match download_blob(clients, store, desc, &mut report) {
                    Ok(_) => {
                        let _ = tx.send(Progress::Event(PullEvent::LayerDownloaded { id }));
                        let _ = tx.send(Progress::Blob(desc.digest().to_string()));
                    }
                    Err(e) => {
                        cancel.store(true, Ordering::Relaxed);
                        let _ = tx.send(Progress::Failed(e));
                        return;
                    }
                }
            });
        }
        drop(tx);
        for msg in rx {
            match msg {
                Progress::Event(ev) => on_event(ev),
                Progress::Blob(d) => on_blob(&d),
                Progress::Failed(e) => {
                    if first_error.is_none() {
                        first_error = Some(e);
                    }
                }
            }
        }
    });
    // Blobs that did complete are verified: they stay for the next attempt.
    cancel_request.check()?;
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A user namespace helper that unpacks layers as they are sent to it (one `BLOB\tDIFF_ID`
/// line each) until its input closes.
struct StreamingUnpacker {
    helper: crate::helper::Helper,
    input: Option<std::os::unix::net::UnixStream>,
}

impl StreamingUnpacker {
    fn start(store: &ImageStore) -> Result<StreamingUnpacker, EngineError> {
        // A socket rather than a pipe: if the helper dies (a hostile layer), writing to it
        // must fail with EPIPE (MSG_NOSIGNAL), not kill skiff with SIGPIPE.
        let (ours, theirs) = std::os::unix::net::UnixStream::pair()
            .map_err(EngineError::io("socketpair for the unpack helper"))?;
        let req = Request::Userns(UsernsOp::UnpackLayerStream {
            layers_dir: store.layers_dir().to_path_buf(),
            rootful: crate::runtime::userns::is_rootful(),
        });
        let mut spawn = Spawn::new(&req);
        spawn.stdin = std::process::Stdio::from(std::os::fd::OwnedFd::from(theirs));
        spawn.stdout = std::process::Stdio::null();
        Ok(StreamingUnpacker {
            helper: crate::helper::spawn(spawn)?,
            input: Some(ours),
        })
    }

    fn send(&mut self, blob: &Path, diff: &str) {
        use std::os::fd::AsRawFd;
        let Some(sock) = &self.input else { return };
        let line = format!("{}\t{diff}\n", blob.display());
        let mut data = line.as_bytes();
        while !data.is_empty() {
            match nix::sys::socket::send(
                sock.as_raw_fd(),
                data,
                nix::sys::socket::MsgFlags::MSG_NOSIGNAL,
            ) {
                Ok(n) => data = &data[n..],
                Err(nix::errno::Errno::EINTR) => continue,
                // The helper is gone: finish() reports why.
                Err(_) => {
                    self.input = None;
                    return;
                }
            }
        }
    }

    fn finish(mut self) -> Result<(), EngineError> {
        self.input = None;
        self.helper.finish()?;
        Ok(())
    }
}

/// Unpack layer blobs (blob path, diff id) in one user namespace helper.
pub(crate) fn unpack_with_helper(
    store: &ImageStore,
    blobs: &[(PathBuf, String)],
) -> Result<(), EngineError> {
    crate::helper::run_userns(UsernsOp::UnpackLayers {
        layers_dir: store.layers_dir().to_path_buf(),
        rootful: crate::runtime::userns::is_rootful(),
        blobs: blobs.to_vec(),
    })?;
    Ok(())
}

/// The helper's side of `UnpackLayers`, as root in the user namespace.
pub(crate) fn unpack_layers(
    layers_dir: &Path,
    rootful: bool,
    blobs: &[(PathBuf, String)],
) -> Result<(), EngineError> {
    let opts = UnpackOptions { rootful };
    // Temp trees of helpers that were killed long ago (a live one is never this old).
    remove_stale(layers_dir, ".tmp-", true);
    remove_stale(layers_dir, ".trash-", true);
    for (blob, diff) in blobs {
        unpack::unpack_layer(blob, diff, layers_dir, &opts)?;
    }
    Ok(())
}

/// The helper's side of `UnpackLayerStream`: `BLOB\tDIFF_ID` lines on stdin.
pub(crate) fn unpack_layer_stream(layers_dir: &Path, rootful: bool) -> Result<(), EngineError> {
    let opts = UnpackOptions { rootful };
    remove_stale(layers_dir, ".tmp-", true);
    remove_stale(layers_dir, ".trash-", true);
    for line in std::io::BufRead::lines(std::io::stdin().lock()) {
        let line = line.map_err(EngineError::io("reading the layers to unpack"))?;
        let Some((blob, diff)) = line.split_once('\t') else {
            continue;
        };
        unpack::unpack_layer(Path::new(blob), diff, layers_dir, &opts)?;
    }
    Ok(())
}

/// Remove entries of `dir` named `prefix*` that were last modified over a day ago.
fn remove_stale(dir: &Path, prefix: &str, dirs: bool) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 3600);
    for e in entries.flatten() {
        if !e.file_name().to_string_lossy().starts_with(prefix) {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if old {
            tracing::debug!(path = %e.path().display(), "removing a stale temp entry");
            let _ = if dirs {
                std::fs::remove_dir_all(e.path())
            } else {
                std::fs::remove_file(e.path())
            };
        }
    }
}

/// All images, newest first.
pub fn list(paths: &Paths) -> Result<Vec<ImageRecord>, EngineError> {
    Ok(ImageStore::open(paths)?.list()?)
}

/// Find an image by name or id.
pub fn resolve(paths: &Paths, name: &str) -> Result<ImageRecord, EngineError> {
    Ok(ImageStore::open(paths)?.resolve(name)?)
}

/// docker's `image inspect` object, or None when there is no such image.
pub fn inspect(paths: &Paths, name: &str) -> Result<Option<Value>, EngineError> {
    let store = ImageStore::open(paths)?;
    let img = match store.resolve(name) {
        Ok(i) => i,
        Err(ImageError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let cfg = store.config_json(&img)?;
    Ok(Some(inspect_json(&img, &cfg)))
}

fn inspect_json(img: &ImageRecord, cfg: &Value) -> Value {
    let c = cfg.get("config").cloned().unwrap_or(Value::Null);
    let field = |k: &str, default: Value| -> Value {
        match c.get(k) {
            Some(v) if !v.is_null() => v.clone(),
            _ => default,
        }
    };
    let config = json!({
        "Hostname": field("Hostname", json!("")),
        "Domainname": field("Domainname", json!("")),
        "User": field("User", json!("")),
        "AttachStdin": field("AttachStdin", json!(false)),
        "AttachStdout": field("AttachStdout", json!(false)),
        "AttachStderr": field("AttachStderr", json!(false)),
        "ExposedPorts": field("ExposedPorts", Value::Null),
        "Tty": field("Tty", json!(false)),
        "OpenStdin": field("OpenStdin", json!(false)),
        "StdinOnce": field("StdinOnce", json!(false)),
        "Env": field("Env", Value::Null),
        "Cmd": field("Cmd", Value::Null),
        "Image": field("Image", json!("")),
        "Volumes": field("Volumes", Value::Null),
        "WorkingDir": field("WorkingDir", json!("")),
        "Entrypoint": field("Entrypoint", Value::Null),
        "OnBuild": field("OnBuild", Value::Null),
        "Labels": field("Labels", Value::Null),
        "StopSignal": field("StopSignal", Value::Null),
    });
    let mut config = config;
    if let Some(o) = config.as_object_mut() {
        // Set by builds; docker shows them only when set.
        for k in ["Healthcheck", "Shell", "ArgsEscaped"] {
            if let Some(v) = c.get(k).filter(|v| !v.is_null()) {
                o.insert(k.to_string(), v.clone());
            }
        }
        // docker leaves out these two when unset.
        for k in ["ExposedPorts", "StopSignal"] {
            if o.get(k).is_some_and(Value::is_null) {
                o.remove(k);
            }
        }
    }
    let s = |k: &str| cfg.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut v = json!({
        "Id": img.id,
        "RepoTags": img.repo_tags,
        "RepoDigests": img.repo_digests,
        "Parent": "",
        "Comment": s("comment"),
        "Created": cfg.get("created").cloned().unwrap_or(json!("0001-01-01T00:00:00Z")),
        "DockerVersion": s("docker_version"),
        "Author": s("author"),
        "Config": config,
        "Architecture": s("architecture"),
        "Os": s("os"),
        "Size": img.size,
        "GraphDriver": {"Data": null, "Name": "overlay"},
        "RootFS": {"Type": "layers", "Layers": img.diff_ids},
        "Metadata": {"LastTagTime": img.last_tag_time.clone().unwrap_or_else(|| "0001-01-01T00:00:00Z".into())},
    });
    if let (Some(o), Some(variant)) = (v.as_object_mut(), cfg.get("variant")) {
        o.insert("Variant".into(), variant.clone());
    }
    v
}

/// `rmi`: untag or delete one image, removing the layers no image uses any more.
pub fn remove(paths: &Paths, name: &str, force: bool) -> Result<RemoveReport, EngineError> {
    let store = ImageStore::open(paths)?;
    let in_use = crate::state::container::Containers::new(paths).image_ids_in_use()?;
    let id = store.resolve(name).map(|i| i.id).unwrap_or_default();
    let report = store.remove(name, force, &in_use)?;
    remove_trees(&report.trash)?;
    for u in &report.untagged {
        image_event(paths, "untag", &id, u);
    }
    for d in &report.deleted {
        image_event(paths, "delete", d, d);
    }
    Ok(report)
}

fn remove_trees(trees: &[PathBuf]) -> Result<(), EngineError> {
    Ok(crate::helper::remove_trees(trees)?)
}

/// `import`: make a one-layer image of a tar (plain, gzip or zstd). Returns the image id.
pub fn import(
    paths: &Paths,
    mut source: Box<dyn Read>,
    source_name: &str,
    reference: Option<&str>,
    changes: &[String],
    message: Option<&str>,
) -> Result<ImageRecord, EngineError> {
    let reference = reference.map(Reference::parse).transpose()?;
    let store = ImageStore::open(paths)?;
    let mut config_obj = serde_json::Map::new();
    for c in changes {
        crate::image::changes::apply(&mut config_obj, c)?;
    }
    // Copy the input into the store, hashing it as it goes.
    let mut tmp = tempfile::Builder::new()
        .prefix(".import-")
        .tempfile_in(store.tmp_dir())
        .map_err(EngineError::io("creating a temp file"))?;
    let mut hashing = crate::image::HashingReader::new(&mut source);
    std::io::copy(&mut hashing, tmp.as_file_mut())
        .map_err(EngineError::io(format!("reading {source_name}")))?;
    let (blob_digest, _) = hashing.finish();
    let diff_id = unpack::diff_id_of(tmp.path())
        .map_err(EngineError::io(format!("reading {source_name}")))?;
    let blob_path = store.blob_path(&blob_digest)?;
    tmp.persist(&blob_path)
        .map_err(|e| EngineError::io("storing the imported layer")(e.error))?;

    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    let comment = message.unwrap_or("");
    let mut history = json!({"created": now, "created_by": ""});
    if !comment.is_empty() {
        history["comment"] = json!(comment);
    }
    if !config_obj.contains_key("Env") {
        config_obj.insert(
            "Env".into(),
            json!(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]),
        );
    }
    let mut config = json!({
        "architecture": crate::image::host_arch(),
        "os": "linux",
        "created": now,
        "config": Value::Object(config_obj),
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [history],
    });
    if !comment.is_empty() {
        config["comment"] = json!(comment);
    }
    let config_bytes = serde_json::to_vec(&config)
        .map_err(|e| EngineError::Usage(format!("encoding the image config: {e}")))?;
    let id = store.put_blob(&config_bytes)?;

    let blob_size = std::fs::metadata(&blob_path)
        .map_err(EngineError::io("reading the imported layer"))?
        .len();
    let media = layer_media_type(&blob_path);
    if !store.has_layer(&diff_id) {
        unpack_with_helper(&store, &[(blob_path, diff_id.clone())])?;
    }
    // A manifest for it, so that push and save hand out this very layer and config.
    let manifest = oci_manifest(
        &id,
        config_bytes.len() as u64,
        &[(media, blob_digest, blob_size)],
    );
    let manifest_digest = store.put_blob(&manifest)?;

    let record = ImageRecord {
        id,
        repo_tags: Vec::new(),
        repo_digests: Vec::new(),
        created: Some(now),
        size: store.layer_size(&diff_id).unwrap_or(0),
        diff_ids: vec![diff_id],
        manifest_digest: Some(manifest_digest),
        last_tag_time: None,
    };
    let tag = reference.as_ref().map(Reference::familiar_tagged);
    let (record, _) = store.add_image(record, tag.as_deref(), None)?;
    Ok(record)
}

/// `tag SOURCE TARGET`.
pub fn tag(paths: &Paths, source: &str, target: &str) -> Result<(), EngineError> {
    let r = Reference::parse(target)?;
    if r.digest.is_some() {
        return Err(EngineError::Usage(format!(
            "refusing to create a tag with a digest reference: {target}"
        )));
    }
    let img = ImageStore::open(paths)?.tag(source, &r.familiar_tagged())?;
    image_event(paths, "tag", &img.id, &r.familiar_tagged());
    Ok(())
}

/// An image's event: its ID (or reference) and docker's `name` attribute.
fn image_event(paths: &Paths, action: &str, id: &str, name: &str) {
    crate::state::events::other(paths, "image", action, id, &[("name", name.to_string())]);
}

/// One line of `history`, newest first.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    /// The image id on the top entry, `<missing>` below it (as docker shows pulled images).
    pub id: String,
    pub created: Option<String>,
    pub created_by: String,
    pub size: u64,
    pub comment: String,
}

/// `history IMAGE`: the config's history, each entry with the size of its layer.
pub fn history(paths: &Paths, name: &str) -> Result<Vec<HistoryEntry>, EngineError> {
    let store = ImageStore::open(paths)?;
    let img = store.resolve(name)?;
    let cfg = store.config_json(&img)?;
    let mut layers = img.diff_ids.iter();
    let mut out = Vec::new();
    let hist = cfg
        .get("history")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for h in &hist {
        let empty = h
            .get("empty_layer")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let size = if empty {
            0
        } else {
            layers.next().and_then(|d| store.layer_size(d)).unwrap_or(0)
        };
        let s = |k: &str| h.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        out.push(HistoryEntry {
            id: "<missing>".into(),
            created: h.get("created").and_then(Value::as_str).map(str::to_string),
            created_by: s("created_by"),
            size,
            comment: s("comment"),
        });
    }
    // Layers the history does not account for (a config without history).
    for d in layers {
        out.push(HistoryEntry {
            id: "<missing>".into(),
            created: img.created.clone(),
            created_by: String::new(),
            size: store.layer_size(d).unwrap_or(0),
            comment: String::new(),
        });
    }
    out.reverse();
    if let Some(top) = out.first_mut() {
        top.id = img.id.clone();
    }
    Ok(out)
}

/// The labels of an image's config as docker's list rows show them: `k=v` joined by commas,
/// sorted.
pub fn labels_text(paths: &Paths, img: &ImageRecord) -> Result<String, EngineError> {
    let store = ImageStore::open(paths)?;
    let mut l: Vec<String> = labels(&store, img)
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    l.sort();
    Ok(l.join(","))
}

/// The labels of an image's config.
fn labels(store: &ImageStore, img: &ImageRecord) -> serde_json::Map<String, Value> {
    store
        .config_json(img)
        .ok()
        .and_then(|c| c.get("config")?.get("Labels")?.as_object().cloned())
        .unwrap_or_default()
}

/// docker's image filters (`--filter KEY=VALUE`, repeated): dangling, label, reference,
/// before, since, until. Keys repeat as OR, different keys combine as AND.
#[derive(Debug, Default, Clone)]
pub struct ImageFilters {
    dangling: Option<bool>,
    labels: Vec<String>,
    references: Vec<String>,
    before: Option<String>,
    since: Option<String>,
    until: Option<chrono::DateTime<chrono::Utc>>,
}

impl ImageFilters {
    pub fn parse(filters: &[String]) -> Result<ImageFilters, EngineError> {
        let mut f = ImageFilters::default();
        for raw in filters {
            let (k, v) = raw.split_once('=').ok_or_else(|| {
                EngineError::Usage(format!("bad format of filter (expected name=value): {raw}"))
            })?;
            match k.trim().to_ascii_lowercase().as_str() {
                "dangling" => match v {
                    "true" | "1" => f.dangling = Some(true),
                    "false" | "0" => f.dangling = Some(false),
                    _ => return Err(EngineError::Usage(format!("invalid filter 'dangling={v}'"))),
                },
                "label" => f.labels.push(v.to_string()),
                "reference" => f.references.push(v.to_string()),
                "before" => f.before = Some(v.to_string()),
                "since" => f.since = Some(v.to_string()),
                "until" => f.until = Some(parse_until(v)?),
                other => return Err(EngineError::Usage(format!("invalid filter '{other}'"))),
            }
        }
        Ok(f)
    }

    pub fn is_empty(&self) -> bool {
        self.dangling.is_none()
            && self.labels.is_empty()
            && self.references.is_empty()
            && self.before.is_none()
            && self.since.is_none()
            && self.until.is_none()
    }

    /// Keep the matching images (and, for `reference`, only the matching tags of each).
    fn apply(
        &self,
        store: &ImageStore,
        list: Vec<ImageRecord>,
    ) -> Result<Vec<ImageRecord>, EngineError> {
        let created_of = |name: &str| -> Result<Option<String>, EngineError> {
            Ok(store.resolve(name)?.created)
        };
        let before = self.before.as_deref().map(created_of).transpose()?;
        let since = self.since.as_deref().map(created_of).transpose()?;
        let mut out = Vec::new();
        for mut img in list {
            if let Some(d) = self.dangling {
                if img.repo_tags.is_empty() != d {
                    continue;
                }
            }
            if let Some(Some(b)) = &before {
                if img.created.as_ref().is_none_or(|c| c >= b) {
                    continue;
                }
            }
            if let Some(Some(s)) = &since {
                if img.created.as_ref().is_none_or(|c| c <= s) {
                    continue;
                }
            }
            if let Some(u) = &self.until {
                let created = img
                    .created
                    .as_deref()
                    .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok());
                if created.is_none_or(|c| c.with_timezone(&chrono::Utc) >= *u) {
                    continue;
                }
            }
            if !self.labels.is_empty() {
                let l = labels(store, &img);
                let ok = self.labels.iter().all(|want| match want.split_once('=') {
                    Some((k, v)) => l.get(k).and_then(Value::as_str) == Some(v),
                    None => l.contains_key(want.as_str()),
                });
                if !ok {
                    continue;
                }
            }
            if !self.references.is_empty() {
                let matching: Vec<String> = img
                    .repo_tags
                    .iter()
                    .filter(|t| self.references.iter().any(|p| reference_matches(p, t)))
                    .cloned()
                    .collect();
                if matching.is_empty() {
                    continue;
                }
                img.repo_tags = matching;
            }
            out.push(img);
        }
        Ok(out)
    }
}

/// `until=` takes a time as `--since` does (`crate::units::parse_time`): RFC 3339, a date, a
/// Unix timestamp, or a Go duration before now (`10m`, `1h30m`).
fn parse_until(v: &str) -> Result<chrono::DateTime<chrono::Utc>, EngineError> {
    crate::units::parse_time(v, chrono::Utc::now())
        .ok_or_else(|| EngineError::Usage(format!("invalid until filter {v:?}")))
}

/// docker's `reference=` filter: a glob (`*`, `?`) over the familiar `name:tag`, or over the
/// name alone when the pattern has no tag.
fn reference_matches(pattern: &str, tagged: &str) -> bool {
    let name = match tagged.rfind(':') {
        Some(i) if !tagged[i..].contains('/') => &tagged[..i],
        _ => tagged,
    };
    let has_tag = pattern
        .rfind(':')
        .is_some_and(|i| !pattern[i..].contains('/'));
    crate::units::glob_match(pattern, if has_tag { tagged } else { name })
}

/// Images matching the filters, newest first.
pub fn list_filtered(
    paths: &Paths,
    filters: &ImageFilters,
) -> Result<Vec<ImageRecord>, EngineError> {
    let store = ImageStore::open(paths)?;
    let list = store.list()?;
    if filters.is_empty() {
        return Ok(list);
    }
    filters.apply(&store, list)
}

/// What `image prune` removed.
#[derive(Debug, Default)]
pub struct PruneReport {
    pub untagged: Vec<String>,
    pub deleted: Vec<String>,
    pub reclaimed: u64,
}

/// `image prune`: dangling images (or, with `all`, every image no container uses) matching
/// the filters (label, until).
pub fn prune(paths: &Paths, all: bool, filters: &ImageFilters) -> Result<PruneReport, EngineError> {
    let store = ImageStore::open(paths)?;
    let in_use = crate::state::container::Containers::new(paths).image_ids_in_use()?;
    let mut f = filters.clone();
    if !all {
        f.dangling = Some(true);
    }
    let candidates = f.apply(&store, store.list()?)?;
    let mut report = PruneReport::default();
    for img in candidates {
        if in_use.iter().any(|(i, _)| *i == img.id) {
            continue;
        }
        let sizes: Vec<(String, u64)> = img
            .diff_ids
            .iter()
            .map(|d| (d.clone(), store.layer_size(d).unwrap_or(0)))
            .collect();
        let r = match store.remove(&img.id, true, &in_use) {
            Ok(r) => r,
            Err(ImageError::NotFound(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        remove_trees(&r.trash)?;
        // The space of the layers that went with it.
        let mut counted = HashSet::new();
        for (d, size) in sizes {
            if !store.has_layer(&d) && counted.insert(d) {
                report.reclaimed += size;
            }
        }
        report.untagged.extend(r.untagged);
        report.deleted.extend(r.deleted);
    }
    Ok(report)
}

/// `push NAME[:TAG]` (or `push SRC DST`): upload an image's blobs (skipping those the
/// registry has, mounting from another repository of the same registry where the image came
/// from one) and its manifest, as it was pulled, loaded or imported. Writes docker's lines.
pub fn push(
    paths: &Paths,
    source: &str,
    destination: Option<&str>,
    tls_verify: bool,
    quiet: bool,
    out: &mut dyn Write,
) -> Result<String, EngineError> {
    let store = ImageStore::open(paths)?;
    let target = destination.unwrap_or(source);
    let r = Reference::parse(target)?;
    let img = if destination.is_some() {
        store.resolve(source)?
    } else {
        // docker pushes NAME:latest when no tag is given.
        store.resolve(&r.familiar_tagged()).map_err(|e| match e {
            ImageError::NotFound(_) => EngineError::NotFound(format!(
                "An image does not exist locally with the tag: {}",
                r.familiar_name()
            )),
            e => e.into(),
        })?
    };
    let tag = r.tag.clone().unwrap_or_else(|| "latest".into());
    if r.tag.is_none() && r.digest.is_none() && !quiet {
        let _ = writeln!(out, "Using default tag: latest");
    }
    let (media_type, manifest_bytes, _) = store.manifest(&img).map_err(|_| {
        EngineError::Conflict(format!(
            "image {} has no stored layer blobs (it was stored by an older skiff): pull or load it again",
            img.short_id()
        ))
    })?;
    let manifest: Value = serde_json::from_slice(&manifest_bytes).map_err(|e| {
        EngineError::Image(ImageError::Corrupt {
            what: format!("manifest of {}", img.short_id()),
            reason: e.to_string(),
        })
    })?;
    let insecure = RegistriesConfig::load()?.insecure(&r.registry);
    let client = Client::new(&r.registry, &r.repository, tls_verify && !insecure)?;
    if !quiet {
        let _ = writeln!(out, "The push refers to repository [{}]", r.familiar_name());
    }
    client.check_push_access()?;
    // Repositories of the same registry this image is known in: mount sources.
    let mounts: Vec<String> = img
        .repo_digests
        .iter()
        .chain(img.repo_tags.iter())
        .filter_map(|d| {
            let name = d.split('@').next()?;
            let rr = Reference::parse(name).ok()?;
            (rr.registry == r.registry && rr.repository != r.repository).then_some(rr.repository)
        })
        .collect();
    let layers: Vec<(String, u64)> = manifest
        .get("layers")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|d| {
                    Some((
                        d.get("digest")?.as_str()?.to_string(),
                        d.get("size")?.as_u64()?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let config_digest = manifest
        .get("config")
        .and_then(|c| c.get("digest"))
        .and_then(Value::as_str)
        .unwrap_or(&img.id)
        .to_string();
    let mut line = |s: String| {
        if !quiet {
            let _ = writeln!(out, "{s}");
            let _ = out.flush();
        }
    };
    // Top layer first, as docker lists them; ids are the short diff ids.
    let ids: Vec<String> = img.diff_ids.iter().map(|d| short(d)).collect();
    for (i, (digest, size)) in layers.iter().enumerate().rev() {
        let id = ids.get(i).cloned().unwrap_or_else(|| short(digest));
        if client.blob_exists(digest)? {
            line(format!("{id}: Layer already exists"));
            continue;
        }
        let mut mounted = None;
        for m in &mounts {
            if client.mount_blob(digest, m)? {
                mounted = Some(m.clone());
                break;
            }
        }
        if let Some(m) = mounted {
            line(format!("{id}: Mounted from {m}"));
            continue;
        }
        let path = store.blob_path(digest)?;
        if !path.is_file() {
            return Err(EngineError::Conflict(format!(
                "layer blob {digest} of image {} is not in the store: pull or load the image again",
                img.short_id()
            )));
        }
        client.upload_blob(digest, &path, *size)?;
        line(format!("{id}: Pushed"));
    }
    if !client.blob_exists(&config_digest)? {
        let path = store.blob_path(&config_digest)?;
        let size = std::fs::metadata(&path)
            .map_err(EngineError::io(format!("reading config {config_digest}")))?
            .len();
        client.upload_blob(&config_digest, &path, size)?;
    }
    let digest = client.put_manifest(&tag, &media_type, &manifest_bytes)?;
    line(format!(
        "{tag}: digest: {digest} size: {}",
        manifest_bytes.len()
    ));
    store.add_repo_digest(&img.id, &format!("{}@{digest}", r.familiar_name()))?;
    Ok(digest)
}

/// The registry a `login`/`logout` argument names (`docker.io` when none).
pub fn registry_of_server(server: Option<&str>) -> String {
    let s = server.unwrap_or("docker.io");
    let s = s
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let s = s
        .strip_suffix("/v1")
        .or_else(|| s.strip_suffix("/v2"))
        .unwrap_or(s);
    match s {
        "index.docker.io" | "registry-1.docker.io" | "" => "docker.io".into(),
        other => other.to_string(),
    }
}

/// `login`: check the credentials against the registry, then keep them in docker's
/// config.json. Returns the file they were written to.
pub fn login(
    server: Option<&str>,
    username: &str,
    password: &str,
    tls_verify: bool,
) -> Result<PathBuf, EngineError> {
    let (registry, creds) = check_login(server, username, password, tls_verify)?;
    Ok(crate::registry::auth::store_credentials(&registry, &creds).map_err(RegistryError::from)?)
}

/// Check credentials against a registry as `login` does, keeping nothing (the API's
/// `POST /auth`: docker's client stores them itself). The registry and the credentials.
pub fn check_login(
    server: Option<&str>,
    username: &str,
    password: &str,
    tls_verify: bool,
) -> Result<(String, crate::registry::auth::Credentials), EngineError> {
    let registry = registry_of_server(server);
    let creds = crate::registry::auth::Credentials {
        username: username.to_string(),
        password: password.to_string(),
    };
    let insecure = RegistriesConfig::load()?.insecure(&registry);
    Client::new(&registry, "", tls_verify && !insecure)?
        .with_credentials(creds.clone())
        .check_login()?;
    Ok((registry, creds))
}

/// Run `f` (a pull or push on this thread) with credentials that come with one request (the
/// API's `X-Registry-Auth`) for the registry of `image`, or `server` when given, instead of
/// the stored ones. Nothing is written.
pub fn with_request_credentials<T>(
    server: Option<&str>,
    image: &str,
    username: &str,
    password: &str,
    f: impl FnOnce() -> T,
) -> T {
    let registry = match server.filter(|s| !s.trim().is_empty()) {
        Some(s) => registry_of_server(Some(s)),
        None => Reference::parse(image)
            .map(|r| r.registry)
            .unwrap_or_else(|_| "docker.io".into()),
    };
    let creds = crate::registry::auth::Credentials {
        username: username.to_string(),
        password: password.to_string(),
    };
    crate::registry::auth::with_given(&registry, creds, f)
}

/// `search TERM`: the registry the term names (`localhost:5000/busy`), else Docker Hub,
/// searched for the rest, as docker's daemon does it (the v1 search API). A registry that
/// does not serve it gives docker's "Unexpected status code N".
pub fn search(term: &str, limit: u32, tls_verify: bool) -> Result<Vec<Value>, EngineError> {
    let (registry, what) = match term.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first.to_string(), rest.to_string())
        }
        _ => ("docker.io".to_string(), term.to_string()),
    };
    let insecure = RegistriesConfig::load()?.insecure(&registry);
    let client = Client::new(&registry, "", tls_verify && !insecure)?;
    match client.search(&what, limit) {
        Ok(Value::Array(a)) => Ok(a),
        Ok(_) => Ok(Vec::new()),
        Err(RegistryError::Http { reason, .. }) => Err(EngineError::Usage(reason)),
        Err(e) => Err(e.into()),
    }
}

/// `logout`: forget the credentials; false when there were none.
pub fn logout(server: Option<&str>) -> Result<(String, bool), EngineError> {
    let registry = registry_of_server(server);
    let removed =
        crate::registry::auth::remove_credentials(&registry).map_err(RegistryError::from)?;
    Ok((registry, removed))
}

/// The OCI media type of a layer blob, by its compression.
fn layer_media_type(blob: &Path) -> &'static str {
    let mut magic = [0u8; 4];
    let n = std::fs::File::open(blob)
        .and_then(|mut f| f.read(&mut magic))
        .unwrap_or(0);
    match unpack::Compression::detect(&magic[..n]) {
        unpack::Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
        unpack::Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        unpack::Compression::None => "application/vnd.oci.image.layer.v1.tar",
    }
}

/// An OCI image manifest for a config and layer blobs (media type, digest, size).
fn oci_manifest(config: &str, config_size: u64, layers: &[(&str, String, u64)]) -> Vec<u8> {
    let m = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": config,
            "size": config_size,
        },
        "layers": layers
            .iter()
            .map(|(m, d, s)| json!({"mediaType": m, "digest": d, "size": s}))
            .collect::<Vec<_>>(),
    });
    serde_json::to_vec(&m).unwrap_or_default()
}

/// `save`'s archive formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    Docker,
    Oci,
}

/// `save IMAGE...`: write the images into one archive.
pub fn save(
    paths: &Paths,
    names: &[String],
    format: ArchiveFormat,
    out: &mut dyn Write,
) -> Result<(), EngineError> {
    let store = ImageStore::open(paths)?;
    let mut images: Vec<(ImageRecord, Vec<String>)> = Vec::new();
    for n in names {
        let img = store.resolve(n)?;
        // A name records its tag; an id records none.
        let tag = Reference::parse(n)
            .ok()
            .filter(|r| r.digest.is_none())
            .map(|r| r.familiar_tagged())
            .filter(|t| img.repo_tags.contains(t));
        match images.iter_mut().find(|(i, _)| i.id == img.id) {
            Some((_, tags)) => tags.extend(tag),
            None => images.push((img, tag.into_iter().collect())),
        }
    }
    match format {
        ArchiveFormat::Docker => {
            let tmp = tempfile::Builder::new()
                .prefix(".save-")
                .tempdir_in(store.tmp_dir())
                .map_err(EngineError::io("creating a temp directory"))?;
            crate::image::archive::save_docker(&store, &images, out, tmp.path())?
        }
        ArchiveFormat::Oci => crate::image::archive::save_oci(&store, &images, out)?,
    }
    out.flush()
        .map_err(EngineError::io("writing the archive"))?;
    Ok(())
}

/// `load`: read a docker-archive or OCI archive (optionally compressed) and store its images.
/// Returns docker's lines: `Loaded image: NAME` or `Loaded image ID: sha256:...`.
pub fn load(paths: &Paths, input: Box<dyn Read>) -> Result<Vec<String>, EngineError> {
    let store = ImageStore::open(paths)?;
    let tmp = tempfile::Builder::new()
        .prefix(".load-")
        .tempdir_in(store.tmp_dir())
        .map_err(EngineError::io("creating a temp directory"))?;
    let images = crate::image::archive::load(&store, input, tmp.path())?;
    // Validate every tag before anything is recorded.
    let mut parsed = Vec::new();
    for img in &images {
        let tags = img
            .tags
            .iter()
            .map(|t| Reference::parse(t).map(|r| r.familiar_tagged()))
            .collect::<Result<Vec<_>, _>>()?;
        parsed.push(tags);
    }
    let mut to_unpack: Vec<(PathBuf, String)> = Vec::new();
    let mut seen = HashSet::new();
    for img in &images {
        for (_, digest, _, diff) in &img.layers {
            if !store.has_layer(diff) && seen.insert(diff.clone()) {
                to_unpack.push((store.blob_path(digest)?, diff.clone()));
            }
        }
    }
    if !to_unpack.is_empty() {
        unpack_with_helper(&store, &to_unpack)?;
    }
    let mut lines = Vec::new();
    for (img, tags) in images.iter().zip(parsed) {
        let manifest = match &img.manifest {
            Some(m) => m.clone(),
            None => {
                let layers: Vec<(&str, String, u64)> = img
                    .layers
                    .iter()
                    .map(|(m, d, s, _)| (m.as_str(), d.clone(), *s))
                    .collect();
                oci_manifest(&img.config, img.config_size, &layers)
            }
        };
        let manifest_digest = store.put_blob(&manifest)?;
        let cfg: Value =
            serde_json::from_slice(&store.read_blob(&img.config)?).unwrap_or(Value::Null);
        let diff_ids: Vec<String> = img.layers.iter().map(|l| l.3.clone()).collect();
        let size = diff_ids
            .iter()
            .map(|d| store.layer_size(d).unwrap_or(0))
            .sum();
        let record = ImageRecord {
            id: img.config.clone(),
            repo_tags: Vec::new(),
            repo_digests: Vec::new(),
            created: cfg
                .get("created")
                .and_then(Value::as_str)
                .map(str::to_string),
            size,
            diff_ids,
            manifest_digest: Some(manifest_digest),
            last_tag_time: None,
        };
        if tags.is_empty() {
            store.add_image(record.clone(), None, None)?;
            lines.push(format!("Loaded image ID: {}", img.config));
        }
        for t in tags {
            store.add_image(record.clone(), Some(&t), None)?;
            lines.push(format!("Loaded image: {t}"));
        }
    }
    Ok(lines)
}
