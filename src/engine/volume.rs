//! `volume create`, `ls`, `inspect`, `rm`, `prune`: the volume store plus what the container
//! records say about which volumes are in use.
use std::collections::BTreeMap;
use std::path::Path;

use super::EngineError;
use crate::state::container::Containers;
use crate::state::Paths;
use crate::volume::{CreateRequest, Volume, VolumeError, Volumes};

/// The label docker puts on anonymous volumes (what `prune` without `-a` looks for).
pub const ANONYMOUS_LABEL: &str = "com.docker.volume.anonymous";

/// A volume with the containers that use it.
#[derive(Debug, Clone)]
pub struct VolumeInfo {
    pub volume: Volume,
    pub mountpoint: String,
    pub users: Vec<String>,
}

impl VolumeInfo {
    /// Labels as docker shows them (anonymous volumes carry docker's marker label).
    pub fn labels(&self) -> BTreeMap<String, String> {
        let mut l = self.volume.labels.clone();
        if self.volume.anonymous {
            l.insert(ANONYMOUS_LABEL.into(), String::new());
        }
        l
    }
}

/// `--filter key=value`, parsed: same keys are alternatives, different keys must all match.
#[derive(Debug, Clone, Default)]
pub struct Filters(Vec<(String, String)>);

impl Filters {
    pub fn parse(raw: &[String], allowed: &[&str]) -> Result<Filters, EngineError> {
        let mut out = Vec::new();
        for f in raw {
            let (k, v) = match f.split_once("!=") {
                Some((k, v)) if !k.contains('=') => (format!("{k}!"), v.to_string()),
                _ => f
                    .split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .ok_or_else(|| {
                        EngineError::Usage(format!(
                            "bad format of filter (expected name=value): {f}"
                        ))
                    })?,
            };
            if !allowed.contains(&k.as_str()) {
                return Err(EngineError::Usage(format!(
                    "invalid filter '{}'",
                    k.trim_end_matches('!')
                )));
            }
            out.push((k, v));
        }
        Ok(Filters(out))
    }

    fn values(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn bool_value(&self, key: &str) -> Result<Option<bool>, EngineError> {
        match self.values(key).last() {
            None => Ok(None),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(EngineError::Usage(format!(
                    "invalid filter '{key}={v}': must be true or false"
                ))),
            },
        }
    }

    fn label_matches(labels: &BTreeMap<String, String>, want: &str) -> bool {
        match want.split_once('=') {
            Some((k, v)) => labels.get(k).is_some_and(|x| x == v),
            None => labels.contains_key(want),
        }
    }

    /// Does a volume pass every filter?
    pub fn matches(&self, info: &VolumeInfo) -> Result<bool, EngineError> {
        let labels = info.labels();
        if let Some(d) = self.bool_value("dangling")? {
            if d != info.users.is_empty() {
                return Ok(false);
            }
        }
        let any = |key: &str, f: &dyn Fn(&str) -> bool| {
            let vals = self.values(key);
            vals.is_empty() || vals.iter().any(|v| f(v))
        };
        Ok(any("name", &|v| super::filter_match(v, &info.volume.name))
            && any("driver", &|v| info.volume.driver == v)
            && self
                .values("label")
                .iter()
                .all(|v| Self::label_matches(&labels, v))
            && !self
                .values("label!")
                .iter()
                .any(|v| Self::label_matches(&labels, v)))
    }
}

fn info(paths: &Paths, vols: &Volumes<'_>, v: Volume) -> Result<VolumeInfo, EngineError> {
    let users = Containers::new(paths)
        .volumes_in_use()?
        .into_iter()
        .filter(|(_, name)| *name == v.name)
        .map(|(id, _)| id)
        .collect();
    Ok(VolumeInfo {
        mountpoint: vols.mountpoint(&v.name).to_string_lossy().into_owned(),
        volume: v,
        users,
    })
}

/// `volume create`.
pub fn create(paths: &Paths, req: &CreateRequest) -> Result<Volume, EngineError> {
    let vols = Volumes::new(paths);
    let lock = vols.lock()?;
    let v = vols.create(&lock, req)?;
    crate::state::events::other(
        paths,
        "volume",
        "create",
        &v.name,
        &[("driver", "local".into())],
    );
    Ok(v)
}

/// `volume ls`.
pub fn list(paths: &Paths, filters: &Filters) -> Result<Vec<VolumeInfo>, EngineError> {
    let vols = Volumes::new(paths);
    let mut out = Vec::new();
    for v in vols.list()? {
        let i = info(paths, &vols, v)?;
        if filters.matches(&i)? {
            out.push(i);
        }
    }
    Ok(out)
}

/// One volume, by name.
pub fn get(paths: &Paths, name: &str) -> Result<VolumeInfo, EngineError> {
    let vols = Volumes::new(paths);
    let v = vols.get(name)?;
    info(paths, &vols, v)
}

/// docker's `volume inspect` JSON.
pub fn inspect_json(i: &VolumeInfo) -> serde_json::Value {
    serde_json::json!({
        "CreatedAt": i.volume.created_at,
        "Driver": i.volume.driver,
        "Labels": i.labels(),
        "Mountpoint": i.mountpoint,
        "Name": i.volume.name,
        "Options": i.volume.options,
        "Scope": "local",
    })
}

/// Delete a removed volume's tree; leftovers of earlier failures go too.
fn delete(vols: &Volumes<'_>, trash: &Path) -> Result<(), EngineError> {
    for old in vols.trash() {
        if old != trash {
            crate::monitor::remove_tree_any_owner(&old);
        }
    }
    if crate::monitor::remove_tree_any_owner(trash) {
        Ok(())
    } else {
        Err(EngineError::Internal(format!(
            "the volume was removed, but its files could not be deleted: {}",
            trash.display()
        )))
    }
}

/// `volume rm`: refused while any container (running or not) uses the volume, as docker does,
/// `force` or not; `force` only makes a missing volume no error.
pub fn remove(paths: &Paths, name: &str, force: bool) -> Result<(), EngineError> {
    let vols = Volumes::new(paths);
    let lock = vols.lock()?;
    match vols.get(name) {
        Ok(_) => {}
        Err(VolumeError::NotFound(_)) if force => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    let users: Vec<String> = Containers::new(paths)
        .volumes_in_use()?
        .into_iter()
        .filter(|(_, v)| v == name)
        .map(|(id, _)| id)
        .collect();
    if !users.is_empty() {
        return Err(EngineError::Conflict(format!(
            "remove {name}: volume is in use - [{}]",
            users.join(" ")
        )));
    }
    let trash = vols.take_out(&lock, name)?;
    drop(lock);
    delete(&vols, &trash)?;
    crate::state::events::other(
        paths,
        "volume",
        "destroy",
        name,
        &[("driver", "local".into())],
    );
    Ok(())
}

fn tree_size(p: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(p) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(p)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| tree_size(&e.path()))
                .sum()
        })
        .unwrap_or(0)
}

/// `volume prune`: unused anonymous volumes (all unused volumes with `all`) that pass the
/// filters. Returns the removed names and the bytes freed.
pub fn prune(
    paths: &Paths,
    all: bool,
    filters: &Filters,
) -> Result<(Vec<String>, u64), EngineError> {
    let all = all || filters.bool_value("all")?.unwrap_or(false);
    let vols = Volumes::new(paths);
    let lock = vols.lock()?;
    let in_use = Containers::new(paths).volumes_in_use()?;
    let mut removed = Vec::new();
    let mut trashes = Vec::new();
    let mut bytes = 0;
    for v in vols.list()? {
        if in_use.iter().any(|(_, n)| *n == v.name) || !(all || v.anonymous) {
            continue;
        }
        let i = info(paths, &vols, v)?;
        if !filters.matches(&i)? {
            continue;
        }
        bytes += tree_size(Path::new(&i.mountpoint));
        trashes.push(vols.take_out(&lock, &i.volume.name)?);
        removed.push(i.volume.name);
    }
    drop(lock);
    for t in &trashes {
        delete(&vols, t)?;
    }
    Ok((removed, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vi(name: &str, labels: &[(&str, &str)], users: usize, anonymous: bool) -> VolumeInfo {
        VolumeInfo {
            volume: Volume {
                name: name.into(),
                driver: "local".into(),
                created_at: String::new(),
                labels: labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                options: BTreeMap::new(),
                anonymous,
            },
            mountpoint: String::new(),
            users: vec!["c".into(); users],
        }
    }

    #[test]
    fn filters() {
        let ls = ["dangling", "driver", "label", "name"];
        let f = |v: &[&str]| {
            Filters::parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &ls).unwrap()
        };
        let a = vi("alpha", &[("env", "prod")], 0, false);
        let b = vi("beta", &[], 1, false);
        assert!(f(&["dangling=true"]).matches(&a).unwrap());
        assert!(!f(&["dangling=true"]).matches(&b).unwrap());
        assert!(f(&["label=env"]).matches(&a).unwrap());
        assert!(f(&["label=env=prod"]).matches(&a).unwrap());
        assert!(!f(&["label=env=dev"]).matches(&a).unwrap());
        assert!(f(&["name=alp", "name=zzz"]).matches(&a).unwrap());
        assert!(!f(&["name=alp", "driver=other"]).matches(&a).unwrap());
        let anon = vi("x", &[], 0, true);
        assert!(f(&[&format!("label={ANONYMOUS_LABEL}")])
            .matches(&anon)
            .unwrap());
        assert!(Filters::parse(&["bogus=1".into()], &ls).is_err());
        assert!(Filters::parse(&["nokey".into()], &ls).is_err());
        let p = Filters::parse(&["label!=env".into()], &["label", "label!", "all"]).unwrap();
        assert!(!p.matches(&a).unwrap());
        assert!(p.matches(&b).unwrap());
    }
}
