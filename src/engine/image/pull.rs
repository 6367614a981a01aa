//! Pulling an image: the registries to try, the manifest, parallel layer downloads, progress events.
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

use oci_spec::image::Descriptor;
use serde_json::Value;

use super::stream::LayerStreams;
use super::unpack::remove_stale;
use super::{image_event, short};
use crate::engine::EngineError;
use crate::image::{is_sha256_digest, ImageRecord, ImageStore, Reference};
use crate::registry::{Client, Manifest, Platform, RegistriesConfig, RegistryError};
use crate::state::Paths;

/// How many layers download at once.
const PARALLEL_DOWNLOADS: usize = 3;
/// Layers streamed into the unpack helper at once (each a download and an unpacking thread).
const MAX_STREAMED_LAYERS: usize = 16;

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
    cancel: &crate::engine::Cancel,
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
        &crate::engine::Cancel::default(),
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
    cancel: &crate::engine::Cancel,
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
        // A blob is renamed into place before the pull's one sync: after a power loss it may
        // be there with a wrong size (ext4 writes the size with the data): then it is fetched
        // again.
        let have_blob = store
            .blob_path(&blob)
            .ok()
            .and_then(|p| std::fs::metadata(p).ok())
            .is_some_and(|m| m.is_file() && m.len() == desc.size());
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
            None,
            cancel,
            on_event,
            &mut |_| {},
        )?;
        if !to_fetch.is_empty() {
            // Blobs are not synced one by one: one sync of the store's file system.
            crate::image::unpack::sync_filesystem(store.layers_dir())
                .map_err(EngineError::io("syncing the image store"))?;
        }
    } else {
        // Every layer is unpacked while it downloads, all at once, by one user namespace
        // helper (engine::layer_stream): blobs already stored are handed to it first.
        let streams = LayerStreams::start(&store)?;
        let mut streamed = HashMap::new();
        for (desc, diff) in &to_unpack {
            let digest = desc.digest().to_string();
            if to_fetch.iter().any(|d| d.digest() == desc.digest()) {
                streamed.insert(digest, diff.clone());
            } else {
                on_event(PullEvent::LayerExtracting { id: short(&digest) });
                streams.send_file(&store.blob_path(&digest)?, diff);
            }
        }
        let mut extracting = Vec::new();
        let downloaded = download_layers(
            &sources.clients,
            &store,
            &to_fetch,
            Some((&streams, &streamed)),
            cancel,
            on_event,
            &mut |d| {
                if streamed.contains_key(d) {
                    extracting.push(short(d));
                }
            },
        );
        for id in extracting {
            on_event(PullEvent::LayerExtracting { id });
        }
        // A download error comes first; the helper's own error otherwise.
        let unpacked = streams.finish();
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
            Err(RegistryError::Cancelled) => return Err(EngineError::Cancelled),
            Err(e) => {
                tracing::debug!(registry = %c.registry(), "layer {digest}: {e}");
                last = Some(e);
            }
        }
    }
    Err(last
        .map(EngineError::from)
        .unwrap_or_else(|| EngineError::Internal("no registry to pull from".into())))
}

/// Download one layer blob into the store and, as it streams, into the unpack helper (`diff`
/// is its diff_id). A first attempt that fails midway (a dropped connection) cancels the
/// stream; the blob is then downloaded again as usual and handed over from the store.
fn download_blob_streaming(
    clients: &[Client],
    store: &ImageStore,
    desc: &Descriptor,
    streams: &LayerStreams,
    diff: &str,
    report: &mut dyn FnMut(u64) -> bool,
) -> Result<(), EngineError> {
    let digest = desc.digest().to_string();
    let dest = store.blob_path(&digest)?;
    let mut rest = clients;
    {
        let partial = store.partial_blob_path(&digest)?;
        let _lock = store.lock_blob(&digest)?;
        if let (false, Some(first)) = (store.has_blob(&digest), clients.first()) {
            let mut pipe = streams.open_stream(diff, desc.size());
            match first.blob_to_file_and(desc, "layer", &partial, &dest, &mut pipe, report) {
                Ok(()) => {
                    pipe.verified();
                    return Ok(());
                }
                // Not wanted any more (the stream is dropped unverified: cancelled).
                Err(RegistryError::Cancelled) => return Err(EngineError::Cancelled),
                // A dropped connection: again from every source, with retries.
                Err(e @ RegistryError::Connect { .. }) => {
                    tracing::debug!("layer {digest}: streaming download failed: {e}");
                }
                // This source failed (a missing or corrupt blob): the others, if any.
                Err(e) if clients.len() > 1 => {
                    tracing::debug!("layer {digest}: {e}");
                    rest = &clients[1..];
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    // The stream was dropped (cancelled in the helper): the usual download, then the stored
    // blob.
    download_blob(rest, store, desc, report)?;
    streams.send_file(&dest, diff);
    Ok(())
}

/// Download layer blobs; events flow to the calling thread. With `streams`, the blobs of the
/// layers to unpack (digest -> diff_id) stream into the unpack helper as they download, all
/// at once; other blobs download a few at a time.
fn download_layers(
    clients: &[Client],
    store: &ImageStore,
    descs: &[Descriptor],
    streams: Option<(&LayerStreams, &HashMap<String, String>)>,
    cancel_request: &crate::engine::Cancel,
    on_event: &mut dyn FnMut(PullEvent),
    on_blob: &mut dyn FnMut(&str),
) -> Result<(), EngineError> {
    if descs.is_empty() {
        return Ok(());
    }
    let parallel = match streams {
        Some(_) => descs.len().min(MAX_STREAMED_LAYERS),
        None => PARALLEL_DOWNLOADS.min(descs.len()),
    };
    // The biggest first: a big layer that starts last would finish alone on one core.
    let mut order: Vec<&Descriptor> = descs.iter().collect();
    order.sort_by_key(|d| std::cmp::Reverse(d.size()));
    let queue = Mutex::new(order.into_iter().collect::<VecDeque<_>>());
    let cancel = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Progress>();
    let mut first_error: Option<EngineError> = None;
    std::thread::scope(|s| {
        for _ in 0..parallel {
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
                    // (n < last: the download started over)
                    if n < last || n - last >= 256 * 1024 || n == total {
                        last = n;
                        let _ = tx.send(Progress::Event(PullEvent::LayerProgress {
                            id: id.clone(),
                            current: n,
                            total,
                        }));
                    }
                    !wanted.is_cancelled()
                };
                let digest = desc.digest().to_string();
                let res = match streams.and_then(|(st, m)| Some((st, m.get(&digest)?))) {
                    Some((st, diff)) => {
                        download_blob_streaming(clients, store, desc, st, diff, &mut report)
                    }
                    None => download_blob(clients, store, desc, &mut report).map(|_| ()),
                };
                match res {
                    Ok(()) => {
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
