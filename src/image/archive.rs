//! Image archives: docker-archive (what `docker save` / `podman save` write) and OCI archives
//! (an OCI image layout in a tar), read into the store's blobs and written from them.
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::store::{ImageRecord, ImageStore};
use super::unpack::{self, Compression};
use super::{digest_hex, is_sha256_digest, HashingReader, ImageError};

/// Archives bigger than this per member are refused as hostile (manifest/index/config files).
const MAX_JSON: u64 = 8 * 1024 * 1024;

/// One image found in an archive, its blobs already in the store.
#[derive(Debug)]
pub struct LoadedImage {
    /// Config digest (the image id).
    pub config: String,
    pub config_size: u64,
    /// Layer blobs as stored: (media type, digest, size, diff id), bottom to top.
    pub layers: Vec<(String, String, u64, String)>,
    /// A manifest that came with the archive (OCI), kept byte for byte.
    pub manifest: Option<Vec<u8>>,
    /// Familiar `name:tag` references.
    pub tags: Vec<String>,
}

fn bad(reason: impl Into<String>) -> ImageError {
    ImageError::Corrupt {
        what: "archive".into(),
        reason: reason.into(),
    }
}

/// Unpack the archive's regular files into `dir` (names checked: no absolute paths, no `..`).
/// Returns the member names.
fn extract_members(input: Box<dyn Read>, dir: &Path) -> Result<Vec<String>, ImageError> {
    let mut ar = tar::Archive::new(input);
    let mut names = Vec::new();
    let entries = ar
        .entries()
        .map_err(ImageError::io("reading the archive"))?;
    for entry in entries {
        let mut entry = entry.map_err(ImageError::io("reading the archive"))?;
        let path = entry
            .path()
            .map_err(ImageError::io("reading the archive"))?
            .to_path_buf();
        let name = path.to_string_lossy().trim_start_matches("./").to_string();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            // docker-archive symlinks layer.tar of identical layers: read by their targets.
            if kind.is_symlink() {
                if let Ok(Some(target)) = entry.link_name() {
                    let base = Path::new(&name).parent().unwrap_or(Path::new(""));
                    let t = normal(&base.join(target))
                        .ok_or_else(|| bad(format!("member {name:?} links out of the archive")))?;
                    let dst = normal(Path::new(&name))
                        .ok_or_else(|| bad(format!("member {name:?} escapes the archive")))?;
                    let src = dir.join(&t);
                    let dst = dir.join(dst);
                    if let Some(p) = dst.parent() {
                        std::fs::create_dir_all(p).map_err(ImageError::io("extracting"))?;
                    }
                    if src.is_file() {
                        std::fs::hard_link(&src, &dst)
                            .or_else(|_| std::fs::copy(&src, &dst).map(|_| ()))
                            .map_err(ImageError::io(format!("extracting {name}")))?;
                        names.push(name);
                    }
                }
            }
            continue;
        }
        let rel = normal(Path::new(&name))
            .ok_or_else(|| bad(format!("member {name:?} escapes the archive")))?;
        let dst = dir.join(&rel);
        if let Some(p) = dst.parent() {
            std::fs::create_dir_all(p).map_err(ImageError::io("extracting the archive"))?;
        }
        let mut f =
            std::fs::File::create(&dst).map_err(ImageError::io(format!("extracting {name}")))?;
        std::io::copy(&mut entry, &mut f).map_err(ImageError::io(format!("extracting {name}")))?;
        names.push(rel.to_string_lossy().to_string());
    }
    Ok(names)
}

/// A relative path without `..` or absolute parts, or None.
fn normal(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::Normal(n) => out.push(n),
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

fn read_json(dir: &Path, name: &str) -> Result<Value, ImageError> {
    let rel =
        normal(Path::new(name)).ok_or_else(|| bad(format!("{name:?} escapes the archive")))?;
    let p = dir.join(rel);
    let meta = std::fs::metadata(&p).map_err(ImageError::io(format!("archive member {name}")))?;
    if meta.len() > MAX_JSON {
        return Err(bad(format!("{name} is too big ({} bytes)", meta.len())));
    }
    let data = std::fs::read(&p).map_err(ImageError::io(format!("reading {name}")))?;
    serde_json::from_slice(&data).map_err(|e| bad(format!("{name}: {e}")))
}

/// Copy an archive member into the store as a blob; returns (digest, size, diff id, media).
fn store_layer(
    store: &ImageStore,
    dir: &Path,
    name: &str,
) -> Result<(String, u64, String, String), ImageError> {
    let rel =
        normal(Path::new(name)).ok_or_else(|| bad(format!("{name:?} escapes the archive")))?;
    let p = dir.join(rel);
    let f = std::fs::File::open(&p).map_err(ImageError::io(format!("archive member {name}")))?;
    let mut h = HashingReader::new(f);
    std::io::copy(&mut h, &mut std::io::sink())
        .map_err(ImageError::io(format!("reading {name}")))?;
    let (digest, size) = h.finish();
    let diff_id =
        unpack::diff_id_of(&p).map_err(ImageError::io(format!("reading layer {name}")))?;
    let mut magic = [0u8; 4];
    let n = std::fs::File::open(&p)
        .and_then(|mut f| f.read(&mut magic))
        .unwrap_or(0);
    let media = match Compression::detect(&magic[..n]) {
        Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
        Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        Compression::None => "application/vnd.oci.image.layer.v1.tar",
    };
    let dest = store.blob_path(&digest)?;
    if !dest.is_file() {
        std::fs::rename(&p, &dest)
            .or_else(|_| std::fs::copy(&p, &dest).map(|_| ()))
            .map_err(ImageError::io(format!("storing layer {name}")))?;
    }
    Ok((digest, size, diff_id, media.to_string()))
}

/// An image config's `rootfs.diff_ids` (none where it has none).
fn diff_ids(cfg: &Value) -> Vec<String> {
    super::config_strings(&cfg["rootfs"]["diff_ids"])
}

fn store_config(
    store: &ImageStore,
    dir: &Path,
    name: &str,
) -> Result<(String, u64, Value), ImageError> {
    let v = read_json(dir, name)?;
    let rel =
        normal(Path::new(name)).ok_or_else(|| bad(format!("{name:?} escapes the archive")))?;
    let data = std::fs::read(dir.join(rel)).map_err(ImageError::io(format!("reading {name}")))?;
    let digest = store.put_blob(&data)?;
    Ok((digest, data.len() as u64, v))
}

/// Read a docker-archive or OCI archive (plain or gzip/zstd compressed) into the store's
/// blobs. `tmp` is a scratch directory (removed by the caller).
pub fn load(
    store: &ImageStore,
    input: Box<dyn Read>,
    tmp: &Path,
) -> Result<Vec<LoadedImage>, ImageError> {
    let input = unpack::decompressed(input).map_err(ImageError::io("reading the archive"))?;
    let names = extract_members(input, tmp)?;
    if names.iter().any(|n| n == "manifest.json") {
        return load_docker(store, tmp);
    }
    if names.iter().any(|n| n == "index.json") {
        return load_oci(store, tmp);
    }
    Err(bad(
        "neither manifest.json (docker-archive) nor index.json (OCI layout) found",
    ))
}

fn load_docker(store: &ImageStore, dir: &Path) -> Result<Vec<LoadedImage>, ImageError> {
    let manifest = read_json(dir, "manifest.json")?;
    let entries = manifest
        .as_array()
        .ok_or_else(|| bad("manifest.json is not a list"))?;
    let mut out = Vec::new();
    for e in entries {
        let cfg_name = e
            .get("Config")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("manifest.json entry without Config"))?;
        let (config, config_size, cfg) = store_config(store, dir, cfg_name)?;
        let diff_ids = diff_ids(&cfg);
        let layer_names: Vec<&str> = e
            .get("Layers")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if layer_names.len() != diff_ids.len() {
            return Err(bad(format!(
                "{} layers but {} diff_ids in {cfg_name}",
                layer_names.len(),
                diff_ids.len()
            )));
        }
        let mut layers = Vec::new();
        let mut done: BTreeMap<String, (String, String, u64, String)> = BTreeMap::new();
        for (name, want) in layer_names.iter().zip(&diff_ids) {
            if !is_sha256_digest(want) {
                return Err(bad(format!("unsupported diff_id {want}")));
            }
            let l = match done.get(*name) {
                Some(l) => l.clone(),
                None => {
                    let (digest, size, diff_id, media) = store_layer(store, dir, name)?;
                    if &diff_id != want {
                        return Err(ImageError::DiffIdMismatch {
                            expected: want.clone(),
                            actual: diff_id,
                        });
                    }
                    let l = (media, digest, size, diff_id);
                    done.insert(name.to_string(), l.clone());
                    l
                }
            };
            layers.push(l);
        }
        let tags = e
            .get("RepoTags")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        out.push(LoadedImage {
            config,
            config_size,
            layers,
            manifest: None,
            tags,
        });
    }
    Ok(out)
}

fn blob_name(digest: &str) -> Result<String, ImageError> {
    if !is_sha256_digest(digest) {
        return Err(bad(format!("unsupported digest {digest}")));
    }
    Ok(format!("blobs/sha256/{}", digest_hex(digest)))
}

fn load_oci(store: &ImageStore, dir: &Path) -> Result<Vec<LoadedImage>, ImageError> {
    let index = read_json(dir, "index.json")?;
    let mut out = Vec::new();
    let manifests = index
        .get("manifests")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for desc in manifests {
        let digest = desc.get("digest").and_then(Value::as_str).unwrap_or("");
        let name = blob_name(digest)?;
        let m = read_json(dir, &name)?;
        if m.get("manifests").is_some() {
            return Err(bad("nested indexes in OCI archives are not supported"));
        }
        let raw =
            std::fs::read(dir.join(&name)).map_err(ImageError::io(format!("reading {name}")))?;
        if super::sha256_digest(&raw) != digest {
            return Err(bad(format!("{name} does not match its digest")));
        }
        let cfg_digest = m
            .get("config")
            .and_then(|c| c.get("digest"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let (config, config_size, cfg) = store_config(store, dir, &blob_name(cfg_digest)?)?;
        if config != cfg_digest {
            return Err(bad(format!(
                "config {cfg_digest} does not match its digest"
            )));
        }
        let diff_ids = diff_ids(&cfg);
        let descs = m
            .get("layers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if descs.len() != diff_ids.len() {
            return Err(bad("layer count does not match the config's diff_ids"));
        }
        let mut layers = Vec::new();
        for (l, want) in descs.iter().zip(&diff_ids) {
            let ld = l.get("digest").and_then(Value::as_str).unwrap_or("");
            let lname = blob_name(ld)?;
            let (digest, size, diff_id, _) = if store.has_blob(ld) {
                let p = store.blob_path(ld)?;
                let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
                let diff = unpack::diff_id_of(&p).map_err(ImageError::io("reading a layer"))?;
                (ld.to_string(), size, diff, String::new())
            } else {
                store_layer(store, dir, &lname)?
            };
            if digest != ld {
                store.remove_blob(&digest);
                return Err(bad(format!("layer {ld} does not match its digest")));
            }
            if &diff_id != want {
                return Err(ImageError::DiffIdMismatch {
                    expected: want.clone(),
                    actual: diff_id,
                });
            }
            let media = l
                .get("mediaType")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            layers.push((media, digest, size, diff_id));
        }
        let tags = desc
            .get("annotations")
            .and_then(|a| {
                a.get("io.containerd.image.name")
                    .or_else(|| a.get("org.opencontainers.image.ref.name"))
            })
            .and_then(Value::as_str)
            // A bare tag (skopeo's `oci-archive:FILE:TAG`) names no repository.
            .filter(|t| t.contains(':') || t.contains('/'))
            .map(|t| vec![t.to_string()])
            .unwrap_or_default();
        out.push(LoadedImage {
            config,
            config_size,
            layers,
            manifest: Some(raw),
            tags,
        });
    }
    Ok(out)
}

fn append(
    tw: &mut tar::Builder<&mut dyn Write>,
    name: &str,
    data: &[u8],
) -> Result<(), ImageError> {
    let mut h = tar::Header::new_ustar();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::Regular);
    tw.append_data(&mut h, name, data)
        .map_err(ImageError::io(format!("writing {name} into the archive")))
}

fn append_file(
    tw: &mut tar::Builder<&mut dyn Write>,
    name: &str,
    path: &Path,
) -> Result<(), ImageError> {
    let mut f =
        std::fs::File::open(path).map_err(ImageError::io(format!("reading {}", path.display())))?;
    let len = f
        .metadata()
        .map_err(ImageError::io("reading a layer"))?
        .len();
    let mut h = tar::Header::new_ustar();
    h.set_size(len);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::Regular);
    tw.append_data(&mut h, name, &mut f)
        .map_err(ImageError::io(format!("writing {name} into the archive")))
}

/// Write images as a docker-archive (`docker save`'s format, which `docker load` and
/// `podman load` read): uncompressed `<diff id>/layer.tar`, `<id>.json`, `manifest.json`,
/// `repositories`. `tags` gives each image's references to record.
pub fn save_docker(
    store: &ImageStore,
    images: &[(ImageRecord, Vec<String>)],
    out: &mut dyn Write,
    tmp: &Path,
) -> Result<(), ImageError> {
    let mut tw = tar::Builder::new(out);
    let mut manifest = Vec::new();
    let mut repositories: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut written = std::collections::HashSet::new();
    for (img, tags) in images {
        let cfg_name = format!("{}.json", digest_hex(&img.id));
        if written.insert(cfg_name.clone()) {
            append(&mut tw, &cfg_name, &store.read_blob(&img.id)?)?;
        }
        let blobs = store.layer_blobs(img);
        if blobs.len() != img.diff_ids.len() {
            return Err(ImageError::Conflict(format!(
                "image {} has no stored layer blobs (stored by an older skiff): pull or load it again",
                img.short_id()
            )));
        }
        let mut layers = Vec::new();
        for (blob, diff) in blobs.iter().zip(&img.diff_ids) {
            let name = format!("{}/layer.tar", digest_hex(diff));
            if written.insert(name.clone()) {
                // Uncompressed, as docker writes it: the tar's digest is the diff id.
                let src = store.blob_path(blob)?;
                let mut plain = tempfile::Builder::new()
                    .prefix(".save-")
                    .tempfile_in(tmp)
                    .map_err(ImageError::io("creating a temp file"))?;
                let f = std::fs::File::open(&src)
                    .map_err(ImageError::io(format!("reading blob {blob}")))?;
                let mut r = unpack::decompressed(f)
                    .map_err(ImageError::io(format!("reading blob {blob}")))?;
                std::io::copy(&mut r, plain.as_file_mut())
                    .map_err(ImageError::io(format!("decompressing blob {blob}")))?;
                append(&mut tw, &format!("{}/VERSION", digest_hex(diff)), b"1.0")?;
                append_file(&mut tw, &name, plain.path())?;
            }
            layers.push(name);
        }
        for t in tags {
            if let Some(i) = t.rfind(':').filter(|i| !t[*i..].contains('/')) {
                repositories.entry(t[..i].to_string()).or_default().insert(
                    t[i + 1..].to_string(),
                    digest_hex(img.diff_ids.last().map(String::as_str).unwrap_or("")).to_string(),
                );
            }
        }
        manifest.push(json!({"Config": cfg_name, "RepoTags": if tags.is_empty() { Value::Null } else { json!(tags) }, "Layers": layers}));
    }
    append(
        &mut tw,
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap_or_default(),
    )?;
    if !repositories.is_empty() {
        append(
            &mut tw,
            "repositories",
            &serde_json::to_vec(&repositories).unwrap_or_default(),
        )?;
    }
    tw.finish().map_err(ImageError::io("writing the archive"))?;
    Ok(())
}

/// Write images as an OCI archive: `oci-layout`, `index.json` (one entry per reference, named
/// by `org.opencontainers.image.ref.name`) and the blobs as stored.
pub fn save_oci(
    store: &ImageStore,
    images: &[(ImageRecord, Vec<String>)],
    out: &mut dyn Write,
) -> Result<(), ImageError> {
    let mut tw = tar::Builder::new(out);
    append(&mut tw, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    let mut index = Vec::new();
    let mut written = std::collections::HashSet::new();
    for (img, tags) in images {
        let (media, bytes, digest) = store.manifest(img)?;
        let mut blobs = vec![img.id.clone(), digest.clone()];
        blobs.extend(store.layer_blobs(img));
        for b in blobs {
            if written.insert(b.clone()) {
                append_file(&mut tw, &blob_name(&b)?, &store.blob_path(&b)?)?;
            }
        }
        let names: Vec<Option<&String>> = if tags.is_empty() {
            vec![None]
        } else {
            tags.iter().map(Some).collect()
        };
        for t in names {
            let mut d = json!({"mediaType": media, "digest": digest, "size": bytes.len()});
            if let Some(t) = t {
                d["annotations"] = json!({"io.containerd.image.name": t, "org.opencontainers.image.ref.name": t.rsplit(':').next().unwrap_or("latest")});
            }
            index.push(d);
        }
    }
    let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": index});
    append(
        &mut tw,
        "index.json",
        &serde_json::to_vec(&index).unwrap_or_default(),
    )?;
    tw.finish().map_err(ImageError::io("writing the archive"))?;
    Ok(())
}
