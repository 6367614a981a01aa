//! A container's file system as a whole: `diff`, `export` and `commit`.
//!
//! All three read the container's overlay upper dir and its image's unpacked layers directly
//! (running or stopped: no mount needed), inside the user namespace helper, where the files'
//! subordinate owners show as the container's own ids.
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::EngineError;
use crate::helper::FilesOp;
use crate::image::{ImageRecord, ImageStore, Reference};
use crate::state::container::{ContainerRecord, Containers};
use crate::state::Paths;
use crate::storage::diff::Change;

/// The container's upper dir and its image's layers, top first.
fn layer_args(paths: &Paths, rec: &ContainerRecord) -> (PathBuf, Vec<PathBuf>) {
    let upper = paths.container(&rec.id).join("upper");
    let lowers = rec.layers.iter().rev().cloned().collect();
    (upper, lowers)
}

fn record(paths: &Paths, name: &str) -> Result<ContainerRecord, EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    Ok(store.record(&id)?)
}

/// `diff CONTAINER`: docker's `A`/`C`/`D` lines, sorted by path.
pub fn diff(paths: &Paths, name: &str) -> Result<Vec<Change>, EngineError> {
    let rec = record(paths, name)?;
    let (upper, lowers) = layer_args(paths, &rec);
    let helper = crate::helper::spawn_container_files(
        FilesOp::Diff,
        rec.storage_driver,
        &upper,
        &lowers,
        std::process::Stdio::piped(),
    )?;
    let out = helper.finish()?;
    serde_json::from_slice(&out).map_err(EngineError::failed(format!(
        "reading the changes of {name}"
    )))
}

/// `export CONTAINER`: the merged file system as a tar, written to `out` (a file or our
/// stdout), image layers and upper dir together; mounts are not included, as with docker.
pub fn export(paths: &Paths, name: &str, out: std::process::Stdio) -> Result<(), EngineError> {
    let rec = record(paths, name)?;
    let (upper, lowers) = layer_args(paths, &rec);
    let helper = crate::helper::spawn_container_files(
        FilesOp::Export,
        rec.storage_driver,
        &upper,
        &lowers,
        out,
    )?;
    helper.finish()?;
    Ok(())
}

/// Stop every process of a running container until the guard is dropped (`commit --pause`):
/// None when it is not running (nothing to stop).
pub fn freeze(
    paths: &Paths,
    rec: &ContainerRecord,
) -> Result<Option<crate::runtime::freeze::FrozenGuard>, EngineError> {
    use crate::runtime::freeze::FreezeError;
    let st = Containers::new(paths).state(&rec.id)?;
    if st.status != crate::state::container::Status::Running || st.pid <= 0 {
        return Ok(None);
    }
    match crate::runtime::freeze::freeze(st.pid, st.pid_start) {
        Ok(g) => Ok(Some(g)),
        Err(FreezeError::Gone(_)) => Ok(None),
        Err(e) => Err(EngineError::Conflict(format!(
            "cannot pause container {}: {e}",
            rec.name
        ))),
    }
}

/// The changes of a container (its upper dir) as a layer: the helper writes the layer tar to
/// a pipe, we hash it into a blob of the store and unpack it there (once). Returns the layer's
/// diff_id and the size of its (uncompressed) blob. `commit` and `build` both go through this.
pub fn capture_layer(paths: &Paths, rec: &ContainerRecord) -> Result<(String, u64), EngineError> {
    capture_layer_with(paths, rec, None)
}

/// One entry of a captured layer, as [`capture_layer_with`]'s `drop` sees it.
#[derive(Debug, Clone)]
pub struct LayerEntry {
    /// The path in the layer, without a leading `/` or a trailing `/`.
    pub path: String,
    pub dir: bool,
    pub size: u64,
}

/// The entries of a layer that a caller wants left out (by path).
pub type DropFn<'a> = &'a dyn Fn(&[LayerEntry]) -> std::collections::HashSet<String>;

/// [`capture_layer`], leaving out the entries `drop` names once it has seen them all (a build
/// drops the mount points the runtime made for its RUN's mounts).
pub fn capture_layer_with(
    paths: &Paths,
    rec: &ContainerRecord,
    drop: Option<DropFn<'_>>,
) -> Result<(String, u64), EngineError> {
    let store = ImageStore::open(paths)?;
    let (upper, lowers) = layer_args(paths, rec);
    let mut helper = crate::helper::spawn_container_files(
        FilesOp::Layer,
        rec.storage_driver,
        &upper,
        &lowers,
        std::process::Stdio::piped(),
    )?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".commit-")
        .tempfile_in(store.tmp_dir())
        .map_err(EngineError::io("creating a temp file"))?;
    let copied = match helper.child.stdout.take() {
        Some(pipe) => {
            let mut hashing = crate::image::HashingReader::new(pipe);
            std::io::copy(&mut hashing, tmp.as_file_mut()).map(|_| hashing.finish())
        }
        None => Err(std::io::Error::other("no pipe from the helper")),
    };
    helper.finish()?;
    let (mut diff_id, mut size) =
        copied.map_err(EngineError::io("reading the container's changes"))?;
    if let Some(drop) = drop {
        if let Some((filtered, d, s)) = filter_layer(&store, tmp.path(), drop)
            .map_err(EngineError::io("reading the container's changes"))?
        {
            tmp = filtered;
            diff_id = d;
            size = s;
        }
    }
    let blob_path = store.blob_path(&diff_id)?;
    tmp.persist(&blob_path)
        .map_err(|e| EngineError::io("storing the committed layer")(e.error))?;
    if !store.has_layer(&diff_id) {
        super::image::unpack_with_helper(&store, &[(blob_path, diff_id.clone())])?;
    }
    Ok((diff_id, size))
}

/// Rewrite the layer tar at `path` without the entries `drop` names; None when it names none.
fn filter_layer(
    store: &ImageStore,
    path: &Path,
    drop: DropFn<'_>,
) -> std::io::Result<Option<(tempfile::NamedTempFile, String, u64)>> {
    let norm = |p: &Path| {
        p.to_string_lossy()
            .trim_start_matches("./")
            .trim_start_matches('/')
            .trim_end_matches('/')
            .to_string()
    };
    let mut entries = Vec::new();
    let mut a = tar::Archive::new(std::fs::File::open(path)?);
    for e in a.entries()? {
        let e = e?;
        entries.push(LayerEntry {
            path: norm(&e.path()?),
            dir: e.header().entry_type() == tar::EntryType::Directory,
            size: e.header().size()?,
        });
    }
    let dropped = drop(&entries);
    if dropped.is_empty() {
        return Ok(None);
    }
    let out = tempfile::Builder::new()
        .prefix(".commit-")
        .tempfile_in(store.tmp_dir())?;
    let hashing = HashingWriter::new(std::io::BufWriter::new(out.reopen()?));
    let mut b = tar::Builder::new(hashing);
    let mut a = tar::Archive::new(std::fs::File::open(path)?);
    for e in a.entries()? {
        let mut e = e?;
        let p = norm(&e.path()?);
        if dropped.contains(&p) {
            continue;
        }
        let mut h = e.header().clone();
        let name = e.path()?.into_owned();
        match e.link_name()? {
            Some(l)
                if matches!(
                    h.entry_type(),
                    tar::EntryType::Link | tar::EntryType::Symlink
                ) =>
            {
                let l = l.into_owned();
                b.append_link(&mut h, &name, &l)?
            }
            _ => {
                // Long names and xattrs come back through the builder's own extensions.
                let pax: Vec<(String, Vec<u8>)> = match e.pax_extensions()? {
                    Some(x) => x
                        .filter_map(|x| x.ok())
                        .filter_map(|x| Some((x.key().ok()?.to_string(), x.value_bytes().to_vec())))
                        .collect(),
                    None => Vec::new(),
                };
                if !pax.is_empty() {
                    b.append_pax_extensions(pax.iter().map(|(k, v)| (k.as_str(), v.as_slice())))?;
                }
                b.append_data(&mut h, &name, &mut e)?
            }
        }
    }
    let mut hashing = b.into_inner()?;
    hashing.flush()?;
    let (digest, count) = hashing.finish();
    Ok(Some((out, digest, count)))
}

/// A writer that hashes what goes through it.
struct HashingWriter<W: Write> {
    inner: W,
    hasher: sha2::Sha256,
    count: u64,
}

impl<W: Write> HashingWriter<W> {
    fn new(inner: W) -> Self {
        use sha2::Digest;
        HashingWriter {
            inner,
            hasher: sha2::Sha256::new(),
            count: 0,
        }
    }
    fn finish(self) -> (String, u64) {
        use sha2::Digest;
        (
            format!("sha256:{}", hex::encode(self.hasher.finalize())),
            self.count,
        )
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// What `commit` takes.
#[derive(Debug, Clone, Default)]
pub struct CommitOptions {
    pub container: String,
    pub reference: Option<String>,
    pub changes: Vec<String>,
    pub message: Option<String>,
    pub author: Option<String>,
    pub pause: bool,
}

/// `commit`: the container's upper dir as a new layer on top of its image; the image's config
/// with `changes` applied. Returns the new image.
pub fn commit(paths: &Paths, opts: &CommitOptions) -> Result<ImageRecord, EngineError> {
    let reference = opts
        .reference
        .as_deref()
        .map(Reference::parse)
        .transpose()?;
    let rec = record(paths, &opts.container)?;
    let store = ImageStore::open(paths)?;
    let base = store.resolve(&rec.image_id).map_err(|_| {
        EngineError::NotFound(format!(
            "the image {} of container {} is gone",
            rec.image_id, opts.container
        ))
    })?;
    let mut config = store.config_json(&base)?;
    let mut cfg_obj = config
        .get("config")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for c in &opts.changes {
        crate::image::changes::apply(&mut cfg_obj, c)?;
    }

    // --pause (docker's default): with no cgroup freezer for a rootless container here, every
    // process of the container is stopped with SIGSTOP for the copy, and continued after (on
    // every exit path: see runtime::freeze).
    let _frozen = if opts.pause {
        freeze(paths, &rec)?
    } else {
        None
    };

    let (diff_id, size) = capture_layer(paths, &rec)?;

    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    config["config"] = Value::Object(cfg_obj);
    config["created"] = json!(now);
    config["container"] = json!(rec.id);
    if let Some(a) = &opts.author {
        config["author"] = json!(a);
    }
    if let Some(m) = &opts.message {
        config["comment"] = json!(m);
    }
    let mut diff_ids = base.diff_ids.clone();
    diff_ids.push(diff_id.clone());
    config["rootfs"] = json!({"type": "layers", "diff_ids": diff_ids});
    let mut history = config
        .get("history")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut h = json!({
        "created": now,
        "created_by": format!("{} {}", rec.path, rec.args.join(" ")).trim().to_string(),
    });
    if let Some(a) = &opts.author {
        h["author"] = json!(a);
    }
    if let Some(m) = &opts.message {
        h["comment"] = json!(m);
    }
    history.push(h);
    config["history"] = json!(history);
    let config_bytes =
        serde_json::to_vec(&config).map_err(EngineError::failed("encoding the image config"))?;
    let id = store.put_blob(&config_bytes)?;

    // A manifest: the base image's layer blobs, then ours (stored uncompressed).
    let mut layers: Vec<Value> = match store.manifest(&base) {
        Ok((_, data, _)) => serde_json::from_slice::<Value>(&data)
            .ok()
            .and_then(|m| m.get("layers").and_then(Value::as_array).cloned())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    layers.push(json!({
        "mediaType": "application/vnd.oci.image.layer.v1.tar",
        "digest": diff_id,
        "size": size,
    }));
    let tag = reference.as_ref().map(Reference::familiar_tagged);
    Ok(store.add_local_image(
        id,
        config_bytes.len(),
        layers,
        diff_ids,
        Some(now),
        tag.as_deref(),
    )?)
}

/// The helper's side of `UsernsOp::ContainerFiles`, as root in the user namespace: the
/// result on stdout.
pub(crate) fn read_files(
    op: FilesOp,
    driver: crate::storage::Driver,
    upper: &Path,
    lowers: &[PathBuf],
) -> Result<(), EngineError> {
    // The container may be running and swapping symlinks under our walk: resolve every path
    // inside its own trees only.
    let (upper, lowers) = crate::storage::confine::confine(upper, lowers).map_err(
        EngineError::io("confining the reader to the container's files"),
    )?;
    let stdout = std::io::stdout().lock();
    let out = std::io::BufWriter::with_capacity(256 * 1024, stdout);
    match op {
        FilesOp::Diff => {
            let changes = crate::storage::changes(driver, &upper, &lowers)
                .map_err(EngineError::io(format!("reading {}", upper.display())))?;
            let mut out = out;
            serde_json::to_writer(&mut out, &changes)
                .map_err(|e| EngineError::io("writing the changes")(e.into()))?;
            out.into_inner()
                .map_err(|e| EngineError::io("writing the changes")(e.into_error()))?
                .flush()
                .map_err(EngineError::io("writing the changes"))
        }
        FilesOp::Export => {
            let out = crate::storage::write_merged_tar(driver, &upper, &lowers, out)
                .map_err(EngineError::io("writing the container's file system"))?;
            finish(out)
        }
        FilesOp::Layer => {
            let out = crate::storage::write_layer_tar(driver, &upper, &lowers, out)
                .map_err(EngineError::io("writing the container's changes"))?;
            finish(out)
        }
    }
}

fn finish<W: Write>(out: std::io::BufWriter<W>) -> Result<(), EngineError> {
    out.into_inner()
        .map_err(|e| EngineError::io("writing the archive")(e.into_error()))?
        .flush()
        .map_err(EngineError::io("writing the archive"))
}
