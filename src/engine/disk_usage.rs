//! `system df -v`: docker's verbose disk usage, per image (shared and unique sizes, the
//! containers using it), per container (its writable layer, its local volumes), per volume
//! (links, size) and per build-cache entry. The summary table is `info::disk_usage`.
use std::collections::{HashMap, HashSet};

use super::container::ContainerInfo;
use super::EngineError;
use crate::state::Paths;

/// One image of `system df -v`.
#[derive(Debug, Clone)]
pub struct ImageUsage {
    pub repository: String,
    pub tag: String,
    pub id: String,
    pub created: Option<String>,
    pub size: u64,
    /// The bytes of its layers that another image has too.
    pub shared: u64,
    pub containers: usize,
}

/// One container of `system df -v`.
#[derive(Debug, Clone)]
pub struct ContainerUsage {
    pub info: ContainerInfo,
    /// Its volumes (named and anonymous), docker's LOCAL VOLUMES.
    pub local_volumes: usize,
    /// Its writable layer.
    pub size: u64,
}

/// One volume of `system df -v`.
#[derive(Debug, Clone)]
pub struct VolumeUsage {
    pub name: String,
    /// The containers using it.
    pub links: usize,
    pub size: u64,
}

/// One build-cache entry (a step's result) of `system df -v`.
#[derive(Debug, Clone)]
pub struct CacheUsage {
    /// The image the step produced.
    pub id: String,
    pub created: String,
    /// The bytes of its top layer no tagged or used image holds.
    pub size: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Verbose {
    pub images: Vec<ImageUsage>,
    pub containers: Vec<ContainerUsage>,
    pub volumes: Vec<VolumeUsage>,
    pub build_cache: Vec<CacheUsage>,
    /// docker's "Build cache usage: SIZE".
    pub build_cache_size: u64,
}

pub fn verbose(paths: &Paths) -> Result<Verbose, EngineError> {
    let containers = super::container::list(paths, true)?;
    let store = crate::image::ImageStore::open(paths)?;
    let images = store.list()?;
    let mut layer_count: HashMap<&str, usize> = HashMap::new();
    for img in &images {
        for d in img.diff_ids.iter().collect::<HashSet<_>>() {
            *layer_count.entry(d.as_str()).or_default() += 1;
        }
    }
    let mut out = Verbose::default();
    for img in &images {
        let shared = img
            .diff_ids
            .iter()
            .filter(|d| layer_count.get(d.as_str()).copied().unwrap_or(0) > 1)
            .map(|d| store.layer_size(d).unwrap_or(0))
            .sum();
        let users = containers
            .iter()
            .filter(|c| c.record.image_id == img.id)
            .count();
        // docker: one row per tag, `<none>` for an untagged image.
        let tags: Vec<(String, String)> = if img.repo_tags.is_empty() {
            vec![("<none>".into(), "<none>".into())]
        } else {
            img.repo_tags
                .iter()
                .map(
                    |t| match t.rsplit_once(':').filter(|(_, tag)| !tag.contains('/')) {
                        Some((r, tag)) => (r.to_string(), tag.to_string()),
                        None => (t.clone(), "<none>".into()),
                    },
                )
                .collect()
        };
        for (repository, tag) in tags {
            out.images.push(ImageUsage {
                repository,
                tag,
                id: img.id.clone(),
                created: img.created.clone(),
                size: img.size,
                shared,
                containers: users,
            });
        }
    }
    for c in &containers {
        out.containers.push(ContainerUsage {
            local_volumes: c
                .record
                .mounts
                .iter()
                .filter(|m| m.kind == "volume")
                .count(),
            size: super::ps::dir_size(&paths.container(&c.record.id).join("upper")),
            info: c.clone(),
        });
    }
    for v in super::volume::list(paths, &super::volume::Filters::parse(&[], &[])?)? {
        out.volumes.push(VolumeUsage {
            size: super::ps::dir_size(std::path::Path::new(&v.mountpoint)),
            links: v.users.len(),
            name: v.volume.name,
        });
    }
    // Build cache: as the summary counts it (layers only untagged, unused cache images hold).
    let kept: HashSet<&str> = images
        .iter()
        .filter(|i| !i.repo_tags.is_empty() || containers.iter().any(|c| c.record.image_id == i.id))
        .flat_map(|i| i.diff_ids.iter().map(String::as_str))
        .collect();
    for (_, e) in crate::build::cache::Cache::new(&paths.data).entries() {
        let size = images
            .iter()
            .find(|i| i.id == e.image && i.repo_tags.is_empty())
            .and_then(|i| i.diff_ids.last())
            .filter(|d| !kept.contains(d.as_str()))
            .map(|d| store.layer_size(d).unwrap_or(0))
            .unwrap_or(0);
        out.build_cache_size += size;
        out.build_cache.push(CacheUsage {
            id: e.image.clone(),
            created: e.created.clone(),
            size,
        });
    }
    Ok(out)
}
