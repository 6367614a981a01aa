//! `info`: what docker's `info` reports, with docker's JSON field names (`--format` sees
//! them), for this user's skiff.
use serde_json::{json, Value};

use super::EngineError;
use crate::state::Paths;

/// docker's `info` object.
pub fn info(paths: &Paths) -> Result<Value, EngineError> {
    let storage = super::storage::select(paths)?;
    let containers = super::container::list(paths, true)?;
    let running = containers
        .iter()
        .filter(|c| c.state.status == crate::state::container::Status::Running)
        .count();
    let paused = containers
        .iter()
        .filter(|c| c.state.status == crate::state::container::Status::Paused)
        .count();
    let images = crate::image::ImageStore::open(paths)
        .and_then(|s| s.list())
        .map(|l| l.len())
        .unwrap_or(0);
    let uts = nix::sys::utsname::uname().ok();
    let field = |f: fn(&nix::sys::utsname::UtsName) -> &std::ffi::OsStr| {
        uts.as_ref()
            .map(|u| f(u).to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| "Linux".into());
    let mem_total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0);
    let rootless = !crate::runtime::userns::is_rootful();
    let mut security = vec!["name=seccomp,profile=builtin".to_string()];
    if rootless {
        security.push("name=rootless".into());
    }
    let backing = backing_filesystem(&paths.data);
    Ok(json!({
        "ID": "",
        "Containers": containers.len(),
        "ContainersRunning": running,
        "ContainersPaused": paused,
        "ContainersStopped": containers.len() - running - paused,
        "Images": images,
        "Driver": storage.driver.name(),
        "DriverStatus": [
            ["Backing Filesystem", backing],
            ["Chosen because", storage.reason],
        ],
        "LoggingDriver": "json-file",
        "CgroupDriver": "none",
        "CgroupVersion": "",
        "KernelVersion": field(|u| u.release()),
        "OperatingSystem": os,
        "OSType": "linux",
        "Architecture": field(|u| u.machine()),
        "NCPU": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "MemTotal": mem_total,
        "DockerRootDir": paths.data.display().to_string(),
        "Name": field(|u| u.nodename()),
        "ServerVersion": env!("CARGO_PKG_VERSION"),
        "SecurityOptions": security,
        "Rootless": rootless,
    }))
}

/// The file system type under skiff's data dir, as docker names it.
fn backing_filesystem(dir: &std::path::Path) -> String {
    let mut probe = dir.to_path_buf();
    while !probe.exists() {
        if !probe.pop() {
            break;
        }
    }
    let Ok(st) = nix::sys::statfs::statfs(&probe) else {
        return "unknown".into();
    };
    use nix::sys::statfs::*;
    let t = st.filesystem_type();
    if t == EXT4_SUPER_MAGIC {
        "extfs".into()
    } else if t == BTRFS_SUPER_MAGIC {
        "btrfs".into()
    } else if t == XFS_SUPER_MAGIC {
        "xfs".into()
    } else if t == TMPFS_MAGIC {
        "tmpfs".into()
    } else if t == OVERLAYFS_SUPER_MAGIC {
        "overlayfs".into()
    } else {
        format!("{:#x}", t.0)
    }
}

/// One row of `system df`.
#[derive(Debug, Clone, Default)]
pub struct Usage {
    pub kind: &'static str,
    pub total: usize,
    pub active: usize,
    pub size: u64,
    pub reclaimable: u64,
}

/// `system df`: images, containers, local volumes and the build cache, with what pruning
/// would give back.
pub fn disk_usage(paths: &Paths) -> Result<Vec<Usage>, EngineError> {
    use std::collections::{HashMap, HashSet};
    let containers = super::container::list(paths, true)?;
    let store = crate::image::ImageStore::open(paths)?;
    let images = store.list()?;
    let used_images: HashSet<&str> = containers
        .iter()
        .map(|c| c.record.image_id.as_str())
        .collect();
    // Layers are shared: each counts once; reclaimable are those no used image has.
    let mut layer_users: HashMap<&str, bool> = HashMap::new();
    for img in &images {
        let used = used_images.contains(img.id.as_str());
        for d in &img.diff_ids {
            let e = layer_users.entry(d.as_str()).or_insert(false);
            *e |= used;
        }
    }
    let mut img_size = 0;
    let mut img_reclaim = 0;
    for (d, used) in &layer_users {
        let s = store.layer_size(d).unwrap_or(0);
        img_size += s;
        if !used {
            img_reclaim += s;
        }
    }
    let images_row = Usage {
        kind: "Images",
        total: images.len(),
        active: images
            .iter()
            .filter(|i| used_images.contains(i.id.as_str()))
            .count(),
        size: img_size,
        reclaimable: img_reclaim,
    };

    let mut ctr = Usage {
        kind: "Containers",
        total: containers.len(),
        ..Default::default()
    };
    for c in &containers {
        let size = super::ps::dir_size(&paths.container(&c.record.id).join("upper"));
        ctr.size += size;
        if c.state.status.is_up() {
            ctr.active += 1;
        } else {
            ctr.reclaimable += size;
        }
    }

    let vols = super::volume::list(paths, &super::volume::Filters::parse(&[], &[])?)?;
    let mut vol = Usage {
        kind: "Local Volumes",
        total: vols.len(),
        ..Default::default()
    };
    for v in &vols {
        let size = super::ps::dir_size(std::path::Path::new(&v.mountpoint));
        vol.size += size;
        if v.users.is_empty() {
            vol.reclaimable += size;
        } else {
            vol.active += 1;
        }
    }
    // The build cache: its steps, and the layers only its untagged images hold.
    let entries = crate::build::cache::Cache::new(&paths.data).entries();
    let cache_images: HashSet<&str> = entries.iter().map(|(_, e)| e.image.as_str()).collect();
    let kept: HashSet<&str> = images
        .iter()
        .filter(|i| !i.repo_tags.is_empty() || used_images.contains(i.id.as_str()))
        .flat_map(|i| i.diff_ids.iter().map(String::as_str))
        .collect();
    let cache_layers: HashSet<&str> = images
        .iter()
        .filter(|i| cache_images.contains(i.id.as_str()) && i.repo_tags.is_empty())
        .flat_map(|i| i.diff_ids.iter().map(String::as_str))
        .filter(|d| !kept.contains(d))
        .collect();
    let cache_size: u64 = cache_layers
        .iter()
        .map(|d| store.layer_size(d).unwrap_or(0))
        .sum();
    let cache = Usage {
        kind: "Build Cache",
        total: entries.len(),
        active: 0,
        size: cache_size,
        reclaimable: cache_size,
    };
    Ok(vec![images_row, ctr, vol, cache])
}

/// One image as the API's `system/df` shows it.
#[derive(Debug, Clone)]
pub struct ImageUsage {
    pub image: crate::image::ImageRecord,
    /// Bytes of its layers that other images hold too.
    pub shared: u64,
    /// Containers made from it.
    pub containers: usize,
}

/// Every image with its shared bytes and containers, and the size of all layers (each
/// counted once): what docker's `GET /system/df` reports as `Images` and `LayersSize`.
pub fn image_usage(paths: &Paths) -> Result<(Vec<ImageUsage>, u64), EngineError> {
    use std::collections::HashMap;
    let containers = super::container::list(paths, true)?;
    let store = crate::image::ImageStore::open(paths)?;
    let images = store.list()?;
    let mut holders: HashMap<&str, usize> = HashMap::new();
    for img in &images {
        for d in &img.diff_ids {
            *holders.entry(d.as_str()).or_default() += 1;
        }
    }
    let sizes: HashMap<&str, u64> = holders
        .keys()
        .map(|d| (*d, store.layer_size(d).unwrap_or(0)))
        .collect();
    let layers_size = sizes.values().sum();
    let out = images
        .iter()
        .map(|img| ImageUsage {
            shared: img
                .diff_ids
                .iter()
                .filter(|d| holders.get(d.as_str()).copied().unwrap_or(0) > 1)
                .map(|d| sizes.get(d.as_str()).copied().unwrap_or(0))
                .sum(),
            containers: containers
                .iter()
                .filter(|c| c.record.image_id == img.id)
                .count(),
            image: img.clone(),
        })
        .collect();
    Ok((out, layers_size))
}
