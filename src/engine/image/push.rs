//! `push`: uploading an image's blobs and manifest to a registry.
use std::io::Write;

use serde_json::Value;

use super::short;
use crate::engine::EngineError;
use crate::image::{ImageError, ImageStore, Reference};
use crate::registry::{Client, RegistriesConfig};
use crate::state::Paths;

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
