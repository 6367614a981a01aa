//! A container's mounts from its request: `-v`, `--mount`, `--tmpfs`, `--volumes-from` and
//! the image's VOLUMEs turned into the container's mount records (creating volumes as needed),
//! and from those records into the runtime's mounts. The flag syntaxes are parsed in
//! `create::parse_mounts`.
use std::collections::BTreeMap;
use std::path::Path;

use super::create::request::{destination, Kind, MountRequest};
use super::EngineError;
use crate::runtime::spec::{SpecMount, OPT_CHOWN, OPT_COPY_UP};
use crate::state::container::MountRecord;
use crate::volume::{Backing, CreateRequest, Volumes, VolumesLock};

fn usage(msg: impl Into<String>) -> EngineError {
    EngineError::Usage(msg.into())
}

/// Everything a container's mounts come from.
pub struct MountSources<'a> {
    pub requests: &'a [MountRequest],
    /// Mounts of `--volumes-from` containers, with the mode override.
    pub from: Vec<(Vec<MountRecord>, Option<bool>)>,
    /// The image's VOLUME paths.
    pub image_volumes: Vec<String>,
}

/// Turn the requests into mount records, creating named volumes that do not exist yet and the
/// anonymous ones. Returns the records and the names of volumes this call created (to undo).
pub fn resolve(
    vols: &Volumes<'_>,
    lock: &VolumesLock,
    src: &MountSources<'_>,
) -> Result<(Vec<MountRecord>, Vec<String>), EngineError> {
    let mut out: Vec<MountRecord> = Vec::new();
    let mut created = Vec::new();
    let result = (|| -> Result<(), EngineError> {
        for r in src.requests {
            if out.iter().any(|m| m.destination == r.destination) {
                return Err(usage(format!("Duplicate mount point: {}", r.destination)));
            }
            out.push(record_for(vols, lock, r, &mut created)?);
        }
        for (mounts, rw) in &src.from {
            for m in mounts.iter().filter(|m| m.kind != "tmpfs") {
                if out.iter().any(|o| o.destination == m.destination) {
                    continue;
                }
                if m.kind == "volume" {
                    vols.get(&m.name)?;
                }
                let mut m = m.clone();
                if let Some(rw) = rw {
                    m.rw = *rw;
                }
                out.push(m);
            }
        }
        for d in &src.image_volumes {
            let d = destination(d, d)?;
            if out.iter().any(|o| o.destination == d) {
                continue;
            }
            let r = MountRequest::new(Kind::Volume, d);
            out.push(record_for(vols, lock, &r, &mut created)?);
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok((out, created)),
        Err(e) => {
            for name in &created {
                if let Ok(trash) = vols.take_out(lock, name) {
                    crate::monitor::remove_tree_any_owner(&trash);
                }
            }
            Err(e)
        }
    }
}

fn record_for(
    vols: &Volumes<'_>,
    lock: &VolumesLock,
    r: &MountRequest,
    created: &mut Vec<String>,
) -> Result<MountRecord, EngineError> {
    let mut rec = MountRecord {
        kind: String::new(),
        name: String::new(),
        source: String::new(),
        destination: r.destination.clone(),
        driver: String::new(),
        mode: r.mode.clone(),
        rw: r.rw,
        propagation: String::new(),
        anonymous: false,
        options: Vec::new(),
        copy_up: false,
        chown: r.chown,
    };
    match r.kind {
        Kind::Volume => {
            let existed = r.source.as_ref().and_then(|n| vols.get(n).ok());
            let v = match existed {
                Some(v) => v,
                None => {
                    let v = vols.create(
                        lock,
                        &CreateRequest {
                            name: r.source.clone(),
                            driver: None,
                            options: r.volume_opts.clone(),
                            labels: BTreeMap::new(),
                        },
                    )?;
                    created.push(v.name.clone());
                    v
                }
            };
            rec.kind = "volume".into();
            rec.source = match vols.backing(&v) {
                Backing::Data(p) | Backing::Bind(p) => p.to_string_lossy().into_owned(),
                // No host directory: the runtime mounts a tmpfs with these options.
                Backing::Tmpfs(opts) => {
                    rec.options = opts;
                    String::new()
                }
            };
            rec.copy_up = !r.nocopy && matches!(vols.backing(&v), Backing::Data(_));
            rec.anonymous = v.anonymous;
            rec.name = v.name;
            rec.driver = v.driver;
        }
        Kind::Bind => {
            let src = r.source.clone().unwrap_or_default();
            let p = Path::new(&src);
            if std::fs::symlink_metadata(p).is_err() {
                if !r.create_source {
                    return Err(usage(format!(
                        "invalid mount config for type \"bind\": bind source path does not exist: {src}"
                    )));
                }
                std::fs::create_dir_all(p).map_err(EngineError::io(format!(
                    "error while creating mount source path '{src}'"
                )))?;
            }
            rec.kind = "bind".into();
            rec.source = src;
            rec.propagation = r.propagation.clone().unwrap_or_else(|| "rprivate".into());
            if r.nonrecursive {
                rec.options.push("bind".into());
            }
            if let Some((uid, gid)) = r.chown_to {
                rec.options.push(format!("{OPT_CHOWN}{uid}:{gid}"));
            }
        }
        Kind::Tmpfs => {
            rec.kind = "tmpfs".into();
            rec.options = r.tmpfs.clone();
        }
    }
    Ok(rec)
}

/// The runtime's mounts for a container's records; `uid:gid` is the container's user (`:U`).
pub fn spec_mounts(records: &[MountRecord], uid: u32, gid: u32) -> Vec<SpecMount> {
    records
        .iter()
        .map(|m| {
            let mut options = Vec::new();
            let tmpfs = m.kind == "tmpfs" || (m.kind == "volume" && m.source.is_empty());
            let typ = if tmpfs {
                options.extend(m.options.iter().cloned());
                "tmpfs"
            } else {
                if m.options.iter().any(|o| o == "bind") {
                    options.push("bind".to_string());
                } else {
                    options.push("rbind".to_string());
                }
                options.push(if m.propagation.is_empty() {
                    "rprivate".to_string()
                } else {
                    m.propagation.clone()
                });
                if m.copy_up {
                    options.push(OPT_COPY_UP.to_string());
                }
                // Ids given with the mount (compose's secret `uid`/`gid`).
                options.extend(
                    m.options
                        .iter()
                        .filter(|o| o.starts_with(OPT_CHOWN))
                        .cloned(),
                );
                "bind"
            };
            if !m.rw {
                options.push("ro".into());
            }
            if m.chown {
                options.push(format!("{OPT_CHOWN}{uid}:{gid}"));
            }
            SpecMount {
                typ: typ.to_string(),
                source: if tmpfs {
                    "tmpfs".into()
                } else {
                    m.source.clone()
                },
                destination: m.destination.clone(),
                options,
            }
        })
        .collect()
}

/// docker's `Mounts` entry.
pub fn inspect_json(m: &MountRecord) -> serde_json::Value {
    let mut v = serde_json::json!({
        "Type": m.kind,
        "Source": m.source,
        "Destination": m.destination,
        "Mode": m.mode,
        "RW": m.rw,
        "Propagation": m.propagation,
    });
    if m.kind == "volume" {
        v["Name"] = serde_json::json!(m.name);
        v["Driver"] = serde_json::json!(m.driver);
    }
    v
}
