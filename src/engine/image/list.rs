//! Reading the image store: list, resolve, inspect, history, labels and docker's image filters.

use serde_json::{json, Value};

use crate::engine::EngineError;
use crate::image::{ImageError, ImageRecord, ImageStore};
use crate::state::Paths;

/// All images, newest first.
pub fn list(paths: &Paths) -> Result<Vec<ImageRecord>, EngineError> {
    Ok(ImageStore::open(paths)?.list()?)
}

/// Find an image by name or id.
pub fn resolve(paths: &Paths, name: &str) -> Result<ImageRecord, EngineError> {
    Ok(ImageStore::open(paths)?.resolve(name)?)
}

/// docker's `image inspect` object, or None when there is no such image.
pub fn inspect(paths: &Paths, name: &str) -> Result<Option<Value>, EngineError> {
    let store = ImageStore::open(paths)?;
    let img = match store.resolve(name) {
        Ok(i) => i,
        Err(ImageError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let cfg = store.config_json(&img)?;
    Ok(Some(inspect_json(&img, &cfg)))
}

fn inspect_json(img: &ImageRecord, cfg: &Value) -> Value {
    let c = cfg.get("config").cloned().unwrap_or(Value::Null);
    let field = |k: &str, default: Value| -> Value {
        match c.get(k) {
            Some(v) if !v.is_null() => v.clone(),
            _ => default,
        }
    };
    let config = json!({
        "Hostname": field("Hostname", json!("")),
        "Domainname": field("Domainname", json!("")),
        "User": field("User", json!("")),
        "AttachStdin": field("AttachStdin", json!(false)),
        "AttachStdout": field("AttachStdout", json!(false)),
        "AttachStderr": field("AttachStderr", json!(false)),
        "ExposedPorts": field("ExposedPorts", Value::Null),
        "Tty": field("Tty", json!(false)),
        "OpenStdin": field("OpenStdin", json!(false)),
        "StdinOnce": field("StdinOnce", json!(false)),
        "Env": field("Env", Value::Null),
        "Cmd": field("Cmd", Value::Null),
        "Image": field("Image", json!("")),
        "Volumes": field("Volumes", Value::Null),
        "WorkingDir": field("WorkingDir", json!("")),
        "Entrypoint": field("Entrypoint", Value::Null),
        "OnBuild": field("OnBuild", Value::Null),
        "Labels": field("Labels", Value::Null),
        "StopSignal": field("StopSignal", Value::Null),
    });
    let mut config = config;
    if let Some(o) = config.as_object_mut() {
        // Set by builds; docker shows them only when set.
        for k in ["Healthcheck", "Shell", "ArgsEscaped"] {
            if let Some(v) = c.get(k).filter(|v| !v.is_null()) {
                o.insert(k.to_string(), v.clone());
            }
        }
        // docker leaves out these two when unset.
        for k in ["ExposedPorts", "StopSignal"] {
            if o.get(k).is_some_and(Value::is_null) {
                o.remove(k);
            }
        }
    }
    let s = |k: &str| cfg.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut v = json!({
        "Id": img.id,
        "RepoTags": img.repo_tags,
        "RepoDigests": img.repo_digests,
        "Parent": "",
        "Comment": s("comment"),
        "Created": cfg.get("created").cloned().unwrap_or(json!("0001-01-01T00:00:00Z")),
        "DockerVersion": s("docker_version"),
        "Author": s("author"),
        "Config": config,
        "Architecture": s("architecture"),
        "Os": s("os"),
        "Size": img.size,
        "GraphDriver": {"Data": null, "Name": "overlay"},
        "RootFS": {"Type": "layers", "Layers": img.diff_ids},
        "Metadata": {"LastTagTime": img.last_tag_time.clone().unwrap_or_else(|| "0001-01-01T00:00:00Z".into())},
    });
    if let (Some(o), Some(variant)) = (v.as_object_mut(), cfg.get("variant")) {
        o.insert("Variant".into(), variant.clone());
    }
    v
}

/// One line of `history`, newest first.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    /// The image id on the top entry, `<missing>` below it (as docker shows pulled images).
    pub id: String,
    pub created: Option<String>,
    pub created_by: String,
    pub size: u64,
    pub comment: String,
}

/// `history IMAGE`: the config's history, each entry with the size of its layer.
pub fn history(paths: &Paths, name: &str) -> Result<Vec<HistoryEntry>, EngineError> {
    let store = ImageStore::open(paths)?;
    let img = store.resolve(name)?;
    let cfg = store.config_json(&img)?;
    let mut layers = img.diff_ids.iter();
    let mut out = Vec::new();
    let hist = cfg
        .get("history")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for h in &hist {
        let empty = h
            .get("empty_layer")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let size = if empty {
            0
        } else {
            layers.next().and_then(|d| store.layer_size(d)).unwrap_or(0)
        };
        let s = |k: &str| h.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        out.push(HistoryEntry {
            id: "<missing>".into(),
            created: h.get("created").and_then(Value::as_str).map(str::to_string),
            created_by: s("created_by"),
            size,
            comment: s("comment"),
        });
    }
    // Layers the history does not account for (a config without history).
    for d in layers {
        out.push(HistoryEntry {
            id: "<missing>".into(),
            created: img.created.clone(),
            created_by: String::new(),
            size: store.layer_size(d).unwrap_or(0),
            comment: String::new(),
        });
    }
    out.reverse();
    if let Some(top) = out.first_mut() {
        top.id = img.id.clone();
    }
    Ok(out)
}

/// The labels of an image's config as docker's list rows show them: `k=v` joined by commas,
/// sorted.
pub fn labels_text(paths: &Paths, img: &ImageRecord) -> Result<String, EngineError> {
    let store = ImageStore::open(paths)?;
    let mut l: Vec<String> = labels(&store, img)
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    l.sort();
    Ok(l.join(","))
}

/// The labels of an image's config.
pub(super) fn labels(store: &ImageStore, img: &ImageRecord) -> serde_json::Map<String, Value> {
    store
        .config_json(img)
        .ok()
        .and_then(|c| c.get("config")?.get("Labels")?.as_object().cloned())
        .unwrap_or_default()
}

/// docker's image filters (`--filter KEY=VALUE`, repeated): dangling, label, reference,
/// before, since, until. Keys repeat as OR, different keys combine as AND.
#[derive(Debug, Default, Clone)]
pub struct ImageFilters {
    pub(super) dangling: Option<bool>,
    labels: Vec<String>,
    references: Vec<String>,
    before: Option<String>,
    since: Option<String>,
    until: Option<chrono::DateTime<chrono::Utc>>,
}

impl ImageFilters {
    pub fn parse(filters: &[String]) -> Result<ImageFilters, EngineError> {
        let mut f = ImageFilters::default();
        for raw in filters {
            let (k, v) = raw.split_once('=').ok_or_else(|| {
                EngineError::Usage(format!("bad format of filter (expected name=value): {raw}"))
            })?;
            match k.trim().to_ascii_lowercase().as_str() {
                "dangling" => match v {
                    "true" | "1" => f.dangling = Some(true),
                    "false" | "0" => f.dangling = Some(false),
                    _ => return Err(EngineError::Usage(format!("invalid filter 'dangling={v}'"))),
                },
                "label" => f.labels.push(v.to_string()),
                "reference" => f.references.push(v.to_string()),
                "before" => f.before = Some(v.to_string()),
                "since" => f.since = Some(v.to_string()),
                "until" => f.until = Some(parse_until(v)?),
                other => return Err(EngineError::Usage(format!("invalid filter '{other}'"))),
            }
        }
        Ok(f)
    }

    pub fn is_empty(&self) -> bool {
        self.dangling.is_none()
            && self.labels.is_empty()
            && self.references.is_empty()
            && self.before.is_none()
            && self.since.is_none()
            && self.until.is_none()
    }

    /// Keep the matching images (and, for `reference`, only the matching tags of each).
    pub(super) fn apply(
        &self,
        store: &ImageStore,
        list: Vec<ImageRecord>,
    ) -> Result<Vec<ImageRecord>, EngineError> {
        let created_of = |name: &str| -> Result<Option<String>, EngineError> {
            Ok(store.resolve(name)?.created)
        };
        let before = self.before.as_deref().map(created_of).transpose()?;
        let since = self.since.as_deref().map(created_of).transpose()?;
        let mut out = Vec::new();
        for mut img in list {
            if let Some(d) = self.dangling {
                if img.repo_tags.is_empty() != d {
                    continue;
                }
            }
            if let Some(Some(b)) = &before {
                if img.created.as_ref().is_none_or(|c| c >= b) {
                    continue;
                }
            }
            if let Some(Some(s)) = &since {
                if img.created.as_ref().is_none_or(|c| c <= s) {
                    continue;
                }
            }
            if let Some(u) = &self.until {
                let created = img
                    .created
                    .as_deref()
                    .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok());
                if created.is_none_or(|c| c.with_timezone(&chrono::Utc) >= *u) {
                    continue;
                }
            }
            if !self.labels.is_empty() {
                let l = labels(store, &img);
                let ok = self.labels.iter().all(|want| match want.split_once('=') {
                    Some((k, v)) => l.get(k).and_then(Value::as_str) == Some(v),
                    None => l.contains_key(want.as_str()),
                });
                if !ok {
                    continue;
                }
            }
            if !self.references.is_empty() {
                let matching: Vec<String> = img
                    .repo_tags
                    .iter()
                    .filter(|t| self.references.iter().any(|p| reference_matches(p, t)))
                    .cloned()
                    .collect();
                if matching.is_empty() {
                    continue;
                }
                img.repo_tags = matching;
            }
            out.push(img);
        }
        Ok(out)
    }
}

/// `until=` takes a time as `--since` does (`crate::units::parse_time`): RFC 3339, a date, a
/// Unix timestamp, or a Go duration before now (`10m`, `1h30m`).
fn parse_until(v: &str) -> Result<chrono::DateTime<chrono::Utc>, EngineError> {
    crate::units::parse_time(v, chrono::Utc::now())
        .ok_or_else(|| EngineError::Usage(format!("invalid until filter {v:?}")))
}

/// docker's `reference=` filter: a glob (`*`, `?`) over the familiar `name:tag`, or over the
/// name alone when the pattern has no tag.
fn reference_matches(pattern: &str, tagged: &str) -> bool {
    let name = match tagged.rfind(':') {
        Some(i) if !tagged[i..].contains('/') => &tagged[..i],
        _ => tagged,
    };
    let has_tag = pattern
        .rfind(':')
        .is_some_and(|i| !pattern[i..].contains('/'));
    crate::units::glob_match(pattern, if has_tag { tagged } else { name })
}

/// Images matching the filters, newest first.
pub fn list_filtered(
    paths: &Paths,
    filters: &ImageFilters,
) -> Result<Vec<ImageRecord>, EngineError> {
    let store = ImageStore::open(paths)?;
    let list = store.list()?;
    if filters.is_empty() {
        return Ok(list);
    }
    filters.apply(&store, list)
}
