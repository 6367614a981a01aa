//! Removing images: `rmi` and `image prune`.
use std::collections::HashSet;
use std::path::PathBuf;

use super::image_event;
use super::list::ImageFilters;
use crate::engine::EngineError;
use crate::image::store::RemoveReport;
use crate::image::{ImageError, ImageStore};
use crate::state::Paths;

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

pub(super) fn remove_trees(trees: &[PathBuf]) -> Result<(), EngineError> {
    Ok(crate::helper::remove_trees(trees)?)
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
