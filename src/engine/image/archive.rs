//! Images in and out of tar files: `import`, `save`, `load`.
use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::unpack::unpack_with_helper;
use crate::engine::EngineError;
use crate::image::unpack::{self};
use crate::image::{ImageRecord, ImageStore, Reference};
use crate::state::Paths;

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
    let config_bytes =
        serde_json::to_vec(&config).map_err(EngineError::failed("encoding the image config"))?;
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

/// The OCI media type of a layer blob, by its compression.
pub(super) fn layer_media_type(blob: &Path) -> &'static str {
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
pub(super) fn oci_manifest(
    config: &str,
    config_size: u64,
    layers: &[(&str, String, u64)],
) -> Vec<u8> {
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
