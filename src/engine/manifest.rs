//! `manifest create|annotate|inspect|push|rm`: docker's local manifest lists (the store is
//! `image::manifest_list`), filled from registries and pushed to them as docker's CLI does.
use std::io::Write;

use super::EngineError;
use crate::image::manifest_list::{
    self, go_indent, list_json, no_such_manifest, Descriptor, Entry, ManifestLists, Platform,
    MEDIA_OCI_MANIFEST,
};
use crate::image::Reference;
use crate::registry::{Client, Manifest, RegistriesConfig, RegistryError};
use crate::state::Paths;

/// docker's `normalizeReference`: parsed, `:latest` added unless there is a digest.
fn normalize(s: &str) -> Result<Reference, EngineError> {
    let mut r = Reference::parse(s)?;
    if r.tag.is_none() && r.digest.is_none() {
        r.tag = Some("latest".into());
    }
    Ok(r)
}

fn store(paths: &Paths) -> ManifestLists {
    ManifestLists::new(&paths.data)
}

/// A registry client for `r`'s repository; `--insecure` (or the registries configuration)
/// accepts unverified TLS and plain HTTP. Loopback registries speak plain HTTP anyway.
fn client(r: &Reference, insecure: bool) -> Result<Client, EngineError> {
    let insecure = insecure || RegistriesConfig::load()?.insecure(&r.registry);
    Ok(Client::new(&r.registry, &r.repository, !insecure)?)
}

/// docker's message for a manifest the registry does not have.
fn not_found(r: &Reference) -> impl FnOnce(RegistryError) -> EngineError + '_ {
    move |e| match e {
        RegistryError::ManifestNotFound { .. } => {
            EngineError::NotFound(format!("no such manifest: {}", r.full()))
        }
        e => e.into(),
    }
}

/// The media type an image manifest declares (an OCI manifest may leave it out).
fn media_type_of(raw: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(raw).unwrap_or_default();
    match v["mediaType"].as_str() {
        Some(m) if !m.is_empty() => m.to_string(),
        _ => MEDIA_OCI_MANIFEST.to_string(),
    }
}

/// One image manifest of the registry, as docker's registry client reads it: its descriptor,
/// with the platform of its image config.
fn fetch_image(
    c: &Client,
    r: &Reference,
    reference: &str,
    display: &str,
) -> Result<Option<Entry>, EngineError> {
    let (m, raw, digest) = c.manifest(reference, display).map_err(not_found(r))?;
    let Manifest::Image(image) = m else {
        return Ok(None);
    };
    let config = c.blob_bytes(image.config(), "image config")?;
    let platform: Platform = serde_json::from_slice(&config).unwrap_or_default();
    Ok(Some(Entry {
        reference: display.to_string(),
        descriptor: Descriptor {
            media_type: media_type_of(&raw),
            digest,
            size: raw.len() as u64,
            platform: Some(platform),
        },
        raw,
    }))
}

/// `manifest create LIST IMAGE...`: a new local list (or, with `amend`, more entries in one),
/// each image's manifest read from the store of this list or from its registry. Returns the
/// list's name.
pub fn create(
    paths: &Paths,
    list: &str,
    images: &[String],
    amend: bool,
    insecure: bool,
) -> Result<String, EngineError> {
    let target = normalize(list).map_err(|e| {
        EngineError::Usage(format!("error parsing name for manifest list {list}: {e}"))
    })?;
    let lists = store(paths);
    match lists.get_list(&target.full()) {
        Err(crate::image::ImageError::NoSuchManifest(_)) => {}
        Err(e) => return Err(e.into()),
        Ok(_) if !amend => {
            return Err(EngineError::Conflict(
                "refusing to amend an existing manifest list with no --amend flag".into(),
            ))
        }
        Ok(_) => {}
    }
    // All checked and fetched first, then stored: a failure leaves no half-made list.
    let mut entries = Vec::new();
    for image in images {
        let r = normalize(image)?;
        let name = r.full();
        let entry = match lists.get(&target.full(), &name) {
            Ok(e) if !e.raw.is_empty() => e,
            _ => {
                let c = client(&r, insecure)?;
                fetch_image(&c, &r, r.manifest_ref(), &name)?
                    .ok_or_else(|| EngineError::Usage(format!("{name} is a manifest list")))?
            }
        };
        entries.push((name, entry));
    }
    for (name, entry) in &entries {
        lists.save(&target.full(), name, entry)?;
    }
    Ok(target.full())
}

/// What `manifest annotate` sets (empty: unchanged).
#[derive(Debug, Default, Clone)]
pub struct Annotation {
    pub os: String,
    pub arch: String,
    pub variant: String,
    pub os_version: String,
    pub os_features: Vec<String>,
}

/// `manifest annotate LIST IMAGE`: change the platform of an entry, as docker checks it.
pub fn annotate(paths: &Paths, list: &str, image: &str, a: &Annotation) -> Result<(), EngineError> {
    let target = normalize(list).map_err(|e| {
        EngineError::Usage(format!(
            "annotate: error parsing name for manifest list {list}: {e}"
        ))
    })?;
    let img = normalize(image).map_err(|e| {
        EngineError::Usage(format!(
            "annotate: error parsing name for manifest {image}: {e}"
        ))
    })?;
    let lists = store(paths);
    let mut entry = match lists.get(&target.full(), &img.full()) {
        Err(crate::image::ImageError::NoSuchManifest(_)) => {
            return Err(EngineError::NotFound(format!(
                "manifest for image {image} does not exist in {list}"
            )))
        }
        r => r?,
    };
    let p = entry
        .descriptor
        .platform
        .get_or_insert_with(Platform::default);
    if !a.os.is_empty() {
        p.os = a.os.clone();
    }
    if !a.arch.is_empty() {
        p.architecture = a.arch.clone();
    }
    for f in &a.os_features {
        if !p.os_features.contains(f) {
            p.os_features.push(f.clone());
        }
    }
    if !a.variant.is_empty() {
        p.variant = a.variant.clone();
    }
    if !a.os_version.is_empty() {
        p.os_version = a.os_version.clone();
    }
    if !manifest_list::valid_os_arch(&p.os, &p.architecture) {
        return Err(EngineError::Usage(format!(
            "manifest entry for image has unsupported os/arch combination: {}/{}",
            a.os, a.arch
        )));
    }
    lists.save(&target.full(), &img.full(), &entry)?;
    Ok(())
}

/// An image manifest as docker prints it: the registry's bytes indented with tabs, or with
/// `verbose` the whole entry.
fn print_manifest(e: &Entry, verbose: bool) -> String {
    if verbose {
        go_indent(&e.verbose_json(), "\t")
    } else {
        go_indent(&String::from_utf8_lossy(&e.raw), "\t")
    }
}

/// A list as docker prints it: rebuilt from its entries, or with `verbose` the entries.
fn print_list(entries: &[Entry], verbose: bool) -> String {
    if verbose {
        let items: Vec<String> = entries.iter().map(Entry::verbose_json).collect();
        go_indent(&format!("[{}]", items.join(",")), "\t")
    } else {
        list_json(entries).1
    }
}

/// The entries of a list in a registry, each with the platform the list gives it.
fn fetch_list(c: &Client, r: &Reference) -> Result<Vec<Entry>, EngineError> {
    let name = r.full();
    let (m, _, _) = c.manifest(r.manifest_ref(), &name).map_err(not_found(r))?;
    let Manifest::Index(index) = m else {
        return Err(EngineError::NotFound(format!("no such manifest: {name}")));
    };
    let mut out = Vec::new();
    for d in index.manifests() {
        let digest = d.digest().to_string();
        let display = format!("{name}@{digest}");
        let mut e = fetch_image(c, r, &digest, &display)?
            .ok_or_else(|| EngineError::Usage(format!("unsupported manifest type in {name}")))?;
        // The list's platform, not the config's.
        e.descriptor.platform = d.platform().as_ref().map(|p| Platform {
            architecture: p.architecture().to_string(),
            os: p.os().to_string(),
            os_version: p.os_version().clone().unwrap_or_default(),
            os_features: p.os_features().clone().unwrap_or_default(),
            variant: p.variant().clone().unwrap_or_default(),
        });
        out.push(e);
    }
    Ok(out)
}

/// `manifest inspect [LIST] IMAGE`: an entry of a local list; else a local list, a manifest of
/// the registry, a list of the registry (docker's order). The JSON to print.
pub fn inspect(
    paths: &Paths,
    list: Option<&str>,
    image: &str,
    verbose: bool,
    insecure: bool,
) -> Result<String, EngineError> {
    let r = normalize(image)?;
    let lists = store(paths);
    if let Some(list) = list {
        let l = normalize(list)?;
        return Ok(print_manifest(&lists.get(&l.full(), &r.full())?, verbose));
    }
    if let Ok(entries) = lists.get_list(&r.full()) {
        return Ok(print_list(&entries, verbose));
    }
    let c = client(&r, insecure)?;
    if let Some(e) = fetch_image(&c, &r, r.manifest_ref(), &r.full())? {
        return Ok(print_manifest(&e, verbose));
    }
    Ok(print_list(&fetch_list(&c, &r)?, verbose))
}

/// `manifest push LIST`: the list to its registry (entries from other repositories of the
/// same registry are mounted and pushed by digest first); docker's lines on `out`. With
/// `purge`, the local list goes once pushed.
pub fn push(
    paths: &Paths,
    list: &str,
    purge: bool,
    insecure: bool,
    out: &mut dyn Write,
) -> Result<(), EngineError> {
    let target = normalize(list)?;
    let lists = store(paths);
    let entries = lists.get_list(&target.full())?;
    if entries.is_empty() {
        return Err(no_such_manifest(&target.full()).into());
    }
    let mut foreign = Vec::new();
    for e in &entries {
        let p = e.descriptor.platform.as_ref();
        if p.is_none_or(|p| p.architecture.is_empty() || p.os.is_empty()) {
            return Err(EngineError::Usage(format!(
                "manifest {} must have an OS and Architecture to be pushed to a registry",
                e.reference
            )));
        }
        let r = Reference::parse(&e.reference)?;
        if r.registry != target.registry {
            return Err(EngineError::Usage(format!(
                "cannot use source images from a different registry than the target image: {} != {}",
                r.registry, target.registry
            )));
        }
        if !crate::image::is_sha256_digest(&e.descriptor.digest) {
            return Err(EngineError::Usage(format!(
                "digest parse of image {:?} failed: invalid checksum digest format",
                e.reference
            )));
        }
        if r.repository != target.repository {
            foreign.push((r, e));
        }
    }
    let (media_type, body) = list_json(&entries);
    let c = client(&target, insecure)?;
    let name = format!("{}/{}", target.registry, target.repository);
    for (r, e) in &foreign {
        for blob in e.blobs() {
            if !c.mount_blob(&blob, &r.repository)? {
                return Err(EngineError::Internal(format!(
                    "error mounting {}@{blob} to {}",
                    r.name(),
                    target.full()
                )));
            }
        }
        let digest = c.put_manifest(&e.descriptor.digest, &e.descriptor.media_type, &e.raw)?;
        let _ = writeln!(
            out,
            "Pushed ref {name}@{} with digest: {digest}",
            e.descriptor.digest
        );
    }
    let digest = c.put_manifest(target.manifest_ref(), media_type, body.as_bytes())?;
    let _ = writeln!(out, "{digest}");
    if purge {
        lists.remove(&target.full())?;
    }
    Ok(())
}

/// `manifest rm LIST...`: each local list; the failures, in order (the others are removed).
pub fn remove(paths: &Paths, lists_named: &[String]) -> Vec<EngineError> {
    let lists = store(paths);
    let mut errors = Vec::new();
    for l in lists_named {
        let r = match normalize(l) {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if let Err(e) = lists
            .get_list(&r.full())
            .and_then(|_| lists.remove(&r.full()))
        {
            errors.push(e.into());
        }
    }
    errors
}
