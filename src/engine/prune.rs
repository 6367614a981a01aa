//! `container prune`: remove every stopped container, with docker's `until` and `label` filters.
use super::container::{list, remove};
use super::EngineError;
use crate::state::container::Status;
use crate::state::Paths;

/// What `prune` removed: full IDs and the bytes their writable layers held.
#[derive(Debug, Default)]
pub struct PruneReport {
    pub deleted: Vec<String>,
    pub reclaimed: u64,
}

/// Remove the stopped containers that pass `filters` (`until=TIME`, `label=K[=V]`,
/// `label!=K[=V]`).
pub fn prune(paths: &Paths, filters: &[String]) -> Result<PruneReport, EngineError> {
    let now = chrono::Utc::now();
    let mut until = None;
    let mut labels = Vec::new();
    for f in filters {
        let Some((k, v)) = f.split_once('=') else {
            return Err(EngineError::Usage(format!(
                "bad format of filter (expected name=value): {f}"
            )));
        };
        match k {
            "until" => until = Some(super::logs::parse_time(v, now)?),
            "label" => labels.push((true, v.to_string())),
            "label!" => labels.push((false, v.to_string())),
            other => return Err(EngineError::Usage(format!("invalid filter '{other}'"))),
        }
    }
    let mut report = PruneReport::default();
    for c in list(paths, true)? {
        let r = &c.record;
        if matches!(
            c.state.status,
            Status::Running | Status::Restarting | Status::Paused | Status::Removing
        ) {
            continue;
        }
        if let Some(u) = until {
            let created = chrono::DateTime::parse_from_rfc3339(&r.created)
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or(now);
            if created >= u {
                continue;
            }
        }
        let label_ok = labels.iter().all(|(want, l)| {
            let has = match l.split_once('=') {
                Some((k, v)) => r.labels.get(k).is_some_and(|x| x == v),
                None => r.labels.contains_key(l),
            };
            has == *want
        });
        if !label_ok {
            continue;
        }
        let size = super::ps::dir_size(&paths.container(&r.id).join("upper"));
        match remove(paths, &r.id, false, false) {
            Ok(()) => {
                report.deleted.push(r.id.clone());
                report.reclaimed += size;
            }
            Err(e) => tracing::warn!("prune: {}: {e}", &r.id[..12]),
        }
    }
    Ok(report)
}
