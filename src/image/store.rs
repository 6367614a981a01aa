//! The content-addressed image store under the data root:
//!
//! - `blobs/sha256/<hex>`: manifests, configs and the layer blobs as pulled, loaded or imported
//!   (kept so that push and save hand out the very same digests; removed with the last image
//!   whose manifest names them);
//! - `layers/<hex of diff_id>/`: each layer's tree, unpacked once, shared by every image
//!   (the overlayfs lower dirs), with `layers/<hex>.json` holding its size;
//! - `images/images.json`: the image index, rewritten atomically under `images/images.lock`.
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::reference::Reference;
use super::unpack::{layer_dir, layer_meta_path, LayerMeta};
use super::{digest_hex, is_sha256_digest, ImageError};
use crate::state::atomic::read_json;
use crate::state::{write_atomic, write_json_atomic, LockFile, Paths};

/// One image of the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageRecord {
    /// `sha256:<hex of the config digest>`.
    pub id: String,
    /// `busybox:latest`, `localhost:5000/busybox:latest` (docker's familiar form).
    pub repo_tags: Vec<String>,
    /// `busybox@sha256:<manifest digest>`.
    pub repo_digests: Vec<String>,
    /// From the image config (RFC 3339).
    pub created: Option<String>,
    /// Sum of the unpacked layer sizes.
    pub size: u64,
    /// The layers' diff ids, bottom to top.
    pub diff_ids: Vec<String>,
    /// The digest of the manifest the image was pulled by, if any.
    #[serde(default)]
    pub manifest_digest: Option<String>,
    /// When a tag last moved onto this image.
    #[serde(default)]
    pub last_tag_time: Option<String>,
}

impl ImageRecord {
    /// The first 12 hex digits of the id.
    pub fn short_id(&self) -> &str {
        let hex = digest_hex(&self.id);
        &hex[..hex.len().min(12)]
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    images: Vec<ImageRecord>,
}

/// What `remove` did.
#[derive(Debug, Default)]
pub struct RemoveReport {
    pub untagged: Vec<String>,
    pub deleted: Vec<String>,
    /// Layers no image uses any more, already moved out of the way (renamed to
    /// `layers/.trash-*` and forgotten under the store lock): the caller removes these trees.
    pub trash: Vec<PathBuf>,
}

/// The image store.
#[derive(Debug, Clone)]
pub struct ImageStore {
    blobs: PathBuf,
    /// `blobs/locks/<hex>.lock`: held while a blob is being downloaded.
    blob_locks: PathBuf,
    layers: PathBuf,
    images: PathBuf,
    tmp: PathBuf,
}

enum Target {
    Tag(String),
    Digest(String),
    Id,
}

impl ImageStore {
    pub fn open(paths: &Paths) -> Result<ImageStore, ImageError> {
        let blobs = paths.blobs();
        let blob_locks = blobs
            .parent()
            .map(|p| p.join("locks"))
            .unwrap_or_else(|| paths.data.join("blob-locks"));
        let store = ImageStore {
            blobs,
            blob_locks,
            layers: paths.layers(),
            images: paths.images(),
            tmp: paths.tmp(),
        };
        for d in [
            &store.blobs,
            &store.blob_locks,
            &store.layers,
            &store.images,
            &store.tmp,
        ] {
            std::fs::create_dir_all(d)
                .map_err(ImageError::io(format!("creating {}", d.display())))?;
        }
        Ok(store)
    }

    pub fn layers_dir(&self) -> &Path {
        &self.layers
    }
    pub fn tmp_dir(&self) -> &Path {
        &self.tmp
    }

    /// The path of blob `sha256:<hex>` (whether or not it exists).
    pub fn blob_path(&self, digest: &str) -> Result<PathBuf, ImageError> {
        if !is_sha256_digest(digest) {
            return Err(ImageError::Corrupt {
                what: "blob".into(),
                reason: format!("bad digest {digest:?}"),
            });
        }
        Ok(self.blobs.join(digest_hex(digest)))
    }

    /// Take the download lock of a blob (blocking while another pull holds it). Whoever holds
    /// it is the only writer of the blob's partial file.
    pub fn lock_blob(&self, digest: &str) -> Result<LockFile, ImageError> {
        self.blob_path(digest)?; // a valid digest: safe as a file name
        let p = self.blob_locks.join(format!("{}.lock", digest_hex(digest)));
        LockFile::exclusive(&p).map_err(ImageError::io(format!("locking {}", p.display())))
    }

    /// Where a blob is written while it downloads (`tmp/<hex>.partial`).
    pub fn partial_blob_path(&self, digest: &str) -> Result<PathBuf, ImageError> {
        self.blob_path(digest)?;
        Ok(self.tmp.join(format!("{}.partial", digest_hex(digest))))
    }

    /// Remove the partial downloads of pulls that died (kill -9, power loss): those whose blob
    /// lock nobody holds.
    pub fn remove_abandoned_partials(&self) {
        let Ok(entries) = std::fs::read_dir(&self.tmp) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(hex) = name.strip_suffix(".partial") else {
                continue;
            };
            let lock = self.blob_locks.join(format!("{hex}.lock"));
            let Ok(f) = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock)
            else {
                continue;
            };
            if f.try_lock().is_ok() {
                tracing::debug!(path = %e.path().display(), "removing an abandoned download");
                let _ = std::fs::remove_file(e.path());
            }
        }
    }

    pub fn has_blob(&self, digest: &str) -> bool {
        self.blob_path(digest).map(|p| p.is_file()).unwrap_or(false)
    }

    pub fn read_blob(&self, digest: &str) -> Result<Vec<u8>, ImageError> {
        let p = self.blob_path(digest)?;
        std::fs::read(&p).map_err(ImageError::io(format!("reading blob {digest}")))
    }

    /// Store bytes as a blob; returns its digest.
    pub fn put_blob(&self, data: &[u8]) -> Result<String, ImageError> {
        let digest = super::sha256_digest(data);
        let p = self.blob_path(&digest)?;
        if !p.is_file() {
            write_atomic(&p, data).map_err(ImageError::io(format!("writing blob {digest}")))?;
        }
        Ok(digest)
    }

    /// Delete a blob (a missing one is fine).
    pub fn remove_blob(&self, digest: &str) {
        if let Ok(p) = self.blob_path(digest) {
            let _ = std::fs::remove_file(p);
        }
    }

    /// True when the layer is unpacked and complete.
    pub fn has_layer(&self, diff_id: &str) -> bool {
        is_sha256_digest(diff_id)
            && layer_dir(&self.layers, diff_id).is_dir()
            && layer_meta_path(&self.layers, diff_id).is_file()
    }

    pub fn layer_size(&self, diff_id: &str) -> Option<u64> {
        read_json::<LayerMeta>(&layer_meta_path(&self.layers, diff_id))
            .ok()
            .map(|m| m.size)
    }

    /// The directory of an unpacked layer.
    pub fn layer_path(&self, diff_id: &str) -> PathBuf {
        layer_dir(&self.layers, diff_id)
    }

    /// Take a layer out of the store: forget its metadata and rename its tree to a
    /// `.trash-` name (the tree's files may belong to subordinate ids: the caller removes it
    /// through the user namespace helper). Returns the trash path.
    fn trash_layer(&self, diff_id: &str) -> Option<PathBuf> {
        let _ = std::fs::remove_file(layer_meta_path(&self.layers, diff_id));
        let dir = layer_dir(&self.layers, diff_id);
        let trash = self.layers.join(format!(
            ".trash-{}-{}",
            digest_hex(diff_id),
            std::process::id()
        ));
        std::fs::rename(&dir, &trash).ok().map(|_| trash)
    }

    fn lock(&self) -> Result<LockFile, ImageError> {
        let p = self.images.join("images.lock");
        LockFile::exclusive(&p).map_err(ImageError::io(format!("locking {}", p.display())))
    }

    fn index_path(&self) -> PathBuf {
        self.images.join("images.json")
    }

    fn read_index(&self) -> Result<Index, ImageError> {
        let p = self.index_path();
        match read_json::<Index>(&p) {
            Ok(i) => Ok(i),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Index::default()),
            Err(e) => Err(ImageError::Corrupt {
                what: p.display().to_string(),
                reason: e.to_string(),
            }),
        }
    }

    fn write_index(&self, index: &Index) -> Result<(), ImageError> {
        let p = self.index_path();
        write_json_atomic(&p, index).map_err(ImageError::io(format!("writing {}", p.display())))
    }

    /// All images, newest first.
    pub fn list(&self) -> Result<Vec<ImageRecord>, ImageError> {
        let mut images = self.read_index()?.images;
        images.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.id.cmp(&b.id)));
        Ok(images)
    }

    /// Find an image by name (normalised), `name@digest`, full id, `sha256:` id or unique id
    /// prefix.
    pub fn resolve(&self, name_or_id: &str) -> Result<ImageRecord, ImageError> {
        let index = self.read_index()?;
        find(&index, name_or_id)
            .map(|(i, _)| index.images[i].clone())
            .ok_or_else(|| ImageError::NotFound(name_or_id.to_string()))
    }

    /// The parsed image configuration.
    pub fn config(
        &self,
        img: &ImageRecord,
    ) -> Result<oci_spec::image::ImageConfiguration, ImageError> {
        let data = self.read_blob(&img.id)?;
        serde_json::from_slice(&data).map_err(|e| ImageError::Corrupt {
            what: format!("config of image {}", img.short_id()),
            reason: e.to_string(),
        })
    }

    /// The image configuration as raw JSON (docker fields that oci-spec does not model).
    pub fn config_json(&self, img: &ImageRecord) -> Result<serde_json::Value, ImageError> {
        let data = self.read_blob(&img.id)?;
        serde_json::from_slice(&data).map_err(|e| ImageError::Corrupt {
            what: format!("config of image {}", img.short_id()),
            reason: e.to_string(),
        })
    }

    /// The unpacked layer directories of an image, bottom to top.
    pub fn layer_dirs(&self, img: &ImageRecord) -> Vec<PathBuf> {
        img.diff_ids
            .iter()
            .map(|d| layer_dir(&self.layers, d))
            .collect()
    }

    /// Record an image made here (`build`, `commit`): its config blob (`config_id`, stored
    /// already) under a new OCI manifest over `layers` (their descriptors, bottom first), its
    /// size the sum of its layers', tagged `tag`.
    pub fn add_local_image(
        &self,
        config_id: String,
        config_size: usize,
        layers: Vec<serde_json::Value>,
        diff_ids: Vec<String>,
        created: Option<String>,
        tag: Option<&str>,
    ) -> Result<ImageRecord, ImageError> {
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config_id,
                "size": config_size,
            },
            "layers": layers,
        });
        // A `Value`'s text: compact JSON, as `serde_json::to_vec` writes it, and infallible.
        let manifest_digest = self.put_blob(manifest.to_string().as_bytes())?;
        let size = diff_ids
            .iter()
            .map(|d| self.layer_size(d).unwrap_or(0))
            .sum();
        let record = ImageRecord {
            id: config_id,
            repo_tags: Vec::new(),
            repo_digests: Vec::new(),
            created,
            size,
            diff_ids,
            manifest_digest: Some(manifest_digest),
            last_tag_time: None,
        };
        let (record, _) = self.add_image(record, tag, None)?;
        Ok(record)
    }

    /// Record an image (or update the existing one with the same id) and point `tag` at it,
    /// taking the tag away from any other image. Returns the stored record and whether the
    /// reference (the tag, else the repo digest) was already on this image.
    pub fn add_image(
        &self,
        mut record: ImageRecord,
        tag: Option<&str>,
        repo_digest: Option<&str>,
    ) -> Result<(ImageRecord, bool), ImageError> {
        let _lock = self.lock()?;
        // An rmi may have taken a layer away since the pull found it present.
        if let Some(d) = record.diff_ids.iter().find(|d| !self.has_layer(d)) {
            return Err(ImageError::Conflict(format!(
                "layer {d} was removed while the image was being stored; try again"
            )));
        }
        let mut index = self.read_index()?;
        let mut already = false;
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
        if let Some(tag) = tag {
            for img in index.images.iter_mut() {
                if img.repo_tags.iter().any(|t| t == tag) {
                    if img.id == record.id {
                        already = true;
                    } else {
                        img.repo_tags.retain(|t| t != tag);
                    }
                }
            }
        }
        let manifest = record.manifest_digest.clone();
        let pos = match index.images.iter().position(|i| i.id == record.id) {
            Some(p) => p,
            None => {
                record.repo_tags.clear();
                record.repo_digests.clear();
                index.images.push(record);
                index.images.len() - 1
            }
        };
        let img = &mut index.images[pos];
        if img.manifest_digest.is_none() {
            img.manifest_digest = manifest;
        }
        if let Some(tag) = tag {
            if !img.repo_tags.iter().any(|t| t == tag) {
                img.repo_tags.push(tag.to_string());
                img.last_tag_time = Some(now);
            }
        }
        if tag.is_none() {
            already = repo_digest.is_some_and(|d| img.repo_digests.iter().any(|x| x == d));
        }
        if let Some(d) = repo_digest {
            // One digest per repository: a newer pull of the same repository replaces it.
            let repo = d.split('@').next().unwrap_or(d);
            img.repo_digests
                .retain(|x| x.split('@').next().unwrap_or(x) != repo);
            img.repo_digests.push(d.to_string());
        }
        let out = img.clone();
        self.write_index(&index)?;
        Ok((out, already))
    }

    /// docker's `rmi`: untag by name, delete by id, refusing images containers use (listed
    /// in `in_use` as (image id, container id)) and multi-tag ids unless `force`.
    pub fn remove(
        &self,
        name: &str,
        force: bool,
        in_use: &[(String, String)],
    ) -> Result<RemoveReport, ImageError> {
        let _lock = self.lock()?;
        let mut index = self.read_index()?;
        let (pos, target) =
            find(&index, name).ok_or_else(|| ImageError::NotFound(name.to_string()))?;
        let mut report = RemoveReport::default();
        let img = &mut index.images[pos];
        let user = in_use
            .iter()
            .find(|(image, _)| image == &img.id)
            .map(|(_, c)| c[..c.len().min(12)].to_string());
        let id12 = img.short_id().to_string();
        let delete = match target {
            Target::Tag(ref r) | Target::Digest(ref r) => {
                let other_tags = img.repo_tags.iter().filter(|t| *t != r).count();
                if other_tags > 0 {
                    // Other tags remain: only this reference goes.
                    remove_ref(img, r, &mut report);
                    false
                } else if let Some(c) = &user {
                    if !force {
                        return Err(ImageError::Conflict(format!(
                            "conflict: unable to remove repository reference \"{name}\" (must force) - container {c} is using its referenced image {id12}"
                        )));
                    }
                    remove_ref(img, r, &mut report);
                    false
                } else {
                    remove_ref(img, r, &mut report);
                    true
                }
            }
            Target::Id => {
                if let Some(c) = &user {
                    if !force {
                        return Err(ImageError::Conflict(format!(
                            "conflict: unable to delete {id12} (must be forced) - image is being used by container {c}"
                        )));
                    }
                }
                if img.repo_tags.len() > 1 && !force {
                    return Err(ImageError::Conflict(format!(
                        "conflict: unable to delete {id12} (must be forced) - image is referenced in multiple repositories"
                    )));
                }
                for t in std::mem::take(&mut img.repo_tags) {
                    report.untagged.push(t);
                }
                user.is_none()
            }
        };
        if delete {
            let img = index.images.remove(pos);
            for d in &img.repo_digests {
                report.untagged.push(d.clone());
            }
            report.deleted.push(img.id.clone());
            let still_used = |diff: &String| index.images.iter().any(|i| i.diff_ids.contains(diff));
            let mut seen = Vec::new();
            for d in &img.diff_ids {
                if !still_used(d) && !seen.contains(d) {
                    seen.push(d.clone());
                }
            }
            for d in &seen {
                if let Some(t) = self.trash_layer(d) {
                    report.trash.push(t);
                }
            }
            if !index.images.iter().any(|i| i.id == img.id) {
                self.remove_blob(&img.id);
            }
            if let Some(m) = &img.manifest_digest {
                if !index
                    .images
                    .iter()
                    .any(|i| i.manifest_digest.as_ref() == Some(m))
                {
                    // The layer blobs of its manifest go too, unless another image's uses them.
                    let mut kept = std::collections::HashSet::new();
                    for other in &index.images {
                        kept.extend(self.layer_blobs(other));
                    }
                    for b in self.layer_blobs(&img) {
                        if !kept.contains(&b) {
                            self.remove_blob(&b);
                        }
                    }
                    self.remove_blob(m);
                }
            }
        }
        self.write_index(&index)?;
        Ok(report)
    }

    /// The layer blob digests of an image's stored manifest (empty without one).
    pub fn layer_blobs(&self, img: &ImageRecord) -> Vec<String> {
        let Some(m) = &img.manifest_digest else {
            return Vec::new();
        };
        let Ok(data) = self.read_blob(m) else {
            return Vec::new();
        };
        serde_json::from_slice::<serde_json::Value>(&data)
            .ok()
            .and_then(|v| {
                v.get("layers")?.as_array().map(|l| {
                    l.iter()
                        .filter_map(|d| d.get("digest")?.as_str().map(str::to_string))
                        .collect()
                })
            })
            .unwrap_or_default()
    }

    /// The stored manifest of an image: (media type, raw bytes, digest).
    pub fn manifest(&self, img: &ImageRecord) -> Result<(String, Vec<u8>, String), ImageError> {
        let m = img
            .manifest_digest
            .as_ref()
            .ok_or_else(|| ImageError::Corrupt {
                what: format!("image {}", img.short_id()),
                reason: "no manifest is stored for it".into(),
            })?;
        let data = self.read_blob(m)?;
        let v: serde_json::Value =
            serde_json::from_slice(&data).map_err(|e| ImageError::Corrupt {
                what: format!("manifest {m}"),
                reason: e.to_string(),
            })?;
        let media = v
            .get("mediaType")
            .and_then(|t| t.as_str())
            .unwrap_or("application/vnd.oci.image.manifest.v1+json")
            .to_string();
        Ok((media, data, m.clone()))
    }

    /// docker's `tag`: point `tag` (familiar form) at the image `source` names.
    pub fn tag(&self, source: &str, tag: &str) -> Result<ImageRecord, ImageError> {
        let img = self.resolve(source)?;
        let (img, _) = self.add_image(img, Some(tag), None)?;
        Ok(img)
    }

    /// Add a repo digest (`name@sha256:...`) to an image (after a push).
    pub fn add_repo_digest(&self, id: &str, repo_digest: &str) -> Result<(), ImageError> {
        let _lock = self.lock()?;
        let mut index = self.read_index()?;
        if let Some(img) = index.images.iter_mut().find(|i| i.id == id) {
            let repo = repo_digest.split('@').next().unwrap_or(repo_digest);
            img.repo_digests
                .retain(|x| x.split('@').next().unwrap_or(x) != repo);
            img.repo_digests.push(repo_digest.to_string());
            self.write_index(&index)?;
        }
        Ok(())
    }

    /// Diff ids used by any image.
    pub fn layers_in_use(&self) -> Result<Vec<String>, ImageError> {
        Ok(self
            .read_index()?
            .images
            .into_iter()
            .flat_map(|i| i.diff_ids)
            .collect())
    }
}

fn remove_ref(img: &mut ImageRecord, r: &str, report: &mut RemoveReport) {
    let before = img.repo_tags.len() + img.repo_digests.len();
    img.repo_tags.retain(|t| t != r);
    img.repo_digests.retain(|t| t != r);
    if img.repo_tags.len() + img.repo_digests.len() != before {
        report.untagged.push(r.to_string());
    }
}

/// Find an image: (position, how it was named).
fn find(index: &Index, name: &str) -> Option<(usize, Target)> {
    if let Ok(r) = Reference::parse(name) {
        if let Some(d) = &r.digest {
            let want = format!("{}@{d}", r.familiar_name());
            if let Some(p) = index
                .images
                .iter()
                .position(|i| i.repo_digests.contains(&want))
            {
                return Some((p, Target::Digest(want)));
            }
        } else {
            let want = r.familiar_tagged();
            if let Some(p) = index
                .images
                .iter()
                .position(|i| i.repo_tags.contains(&want))
            {
                return Some((p, Target::Tag(want)));
            }
        }
    }
    let hex = name.strip_prefix("sha256:").unwrap_or(name);
    if hex.is_empty() || hex.len() > 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    let mut matches = index
        .images
        .iter()
        .enumerate()
        .filter(|(_, i)| digest_hex(&i.id).starts_with(&hex));
    let first = matches.next()?;
    if matches.next().is_some() {
        return None;
    }
    Some((first.0, Target::Id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: char, tags: &[&str]) -> ImageRecord {
        ImageRecord {
            id: format!("sha256:{}", id.to_string().repeat(64)),
            repo_tags: tags.iter().map(|s| s.to_string()).collect(),
            repo_digests: vec![],
            created: None,
            size: 0,
            diff_ids: vec![],
            manifest_digest: None,
            last_tag_time: None,
        }
    }

    #[test]
    fn finds_by_name_id_and_prefix() {
        let index = Index {
            images: vec![
                rec('a', &["busybox:latest"]),
                rec('b', &["localhost:5000/x:1"]),
            ],
        };
        assert!(matches!(find(&index, "busybox"), Some((0, Target::Tag(_)))));
        assert!(matches!(
            find(&index, "docker.io/library/busybox:latest"),
            Some((0, _))
        ));
        assert!(matches!(find(&index, "localhost:5000/x:1"), Some((1, _))));
        assert!(matches!(find(&index, "bbb"), Some((1, Target::Id))));
        assert!(matches!(
            find(&index, &format!("sha256:{}", "a".repeat(64))),
            Some((0, _))
        ));
        assert!(find(&index, "c").is_none());
        assert!(find(&index, "busybox:1").is_none());
    }

    #[test]
    fn rmi_rules() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            data: dir.path().join("data"),
            runtime: dir.path().join("run"),
        };
        let store = ImageStore::open(&paths).unwrap();
        let a = rec('a', &[]);
        store.add_image(a.clone(), Some("x:1"), None).unwrap();
        store.add_image(a.clone(), Some("y:1"), None).unwrap();
        let used = vec![(a.id.clone(), "c".repeat(64))];

        // By id with two tags: refused without -f.
        let e = store.remove("aaaa", false, &[]).unwrap_err().to_string();
        assert!(e.contains("referenced in multiple repositories"), "{e}");
        // By name with another tag left: only untagged, even if in use.
        let r = store.remove("x:1", false, &used).unwrap();
        assert_eq!(r.untagged, ["x:1"]);
        assert!(r.deleted.is_empty());
        // The last tag of an image a container uses: refused, then forced (kept, untagged).
        let e = store.remove("y:1", false, &used).unwrap_err().to_string();
        assert!(
            e.starts_with("conflict: unable to remove repository reference \"y:1\" (must force) - container cccccccccccc is using its referenced image aaaaaaaaaaaa"),
            "{e}"
        );
        let r = store.remove("y:1", true, &used).unwrap();
        assert_eq!((r.untagged.len(), r.deleted.len()), (1, 0));
        assert_eq!(store.list().unwrap().len(), 1);
        // Unused and untagged: deleted by id.
        let r = store.remove(&a.id, false, &[]).unwrap();
        assert_eq!(r.deleted, vec![a.id.clone()]);
        assert!(store.list().unwrap().is_empty());
        assert!(matches!(
            store.remove("y:1", false, &[]),
            Err(ImageError::NotFound(_))
        ));

        // A pulled tag that moves leaves the old image dangling.
        let b = rec('b', &[]);
        store.add_image(a.clone(), Some("z:1"), None).unwrap();
        let (_, already) = store.add_image(b.clone(), Some("z:1"), None).unwrap();
        assert!(!already);
        let list = store.list().unwrap();
        let old = list.iter().find(|i| i.id == a.id).unwrap();
        assert!(old.repo_tags.is_empty());
    }

    #[test]
    fn ambiguous_prefix_is_not_found() {
        let mut a = rec('a', &[]);
        a.id = format!("sha256:ab{}", "0".repeat(62));
        let mut b = rec('a', &[]);
        b.id = format!("sha256:ac{}", "0".repeat(62));
        let index = Index { images: vec![a, b] };
        assert!(find(&index, "a").is_none());
        assert!(find(&index, "ab").is_some());
    }
}
