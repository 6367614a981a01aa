//! `events`: the events log (`state::events`) read back with docker's filters and time
//! bounds, once (`--until`) or followed.
use chrono::Utc;

use super::EngineError;
use crate::state::events::{Event, Reader};
use crate::state::Paths;

/// What `events` prints: time bounds (nanoseconds) and `--filter KEY=VALUE`s.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub filters: Vec<(String, String)>,
}

const KEYS: [&str; 8] = [
    "container",
    "event",
    "image",
    "label",
    "network",
    "type",
    "volume",
    "scope",
];

impl EventQuery {
    pub fn parse(
        since: Option<&str>,
        until: Option<&str>,
        filters: &[String],
    ) -> Result<EventQuery, EngineError> {
        let now = Utc::now();
        let nanos = |s: &str| -> Result<i64, EngineError> {
            let t = super::logs::parse_time(s, now)?;
            Ok(t.timestamp_nanos_opt().unwrap_or(i64::MAX))
        };
        let mut out = EventQuery {
            since: since.map(nanos).transpose()?,
            until: until.map(nanos).transpose()?,
            filters: Vec::new(),
        };
        for f in filters {
            let (k, v) = f.split_once('=').ok_or_else(|| {
                EngineError::Usage(format!("bad format of filter (expected name=value): {f}"))
            })?;
            if !KEYS.contains(&k) {
                return Err(EngineError::Usage(format!("invalid filter '{k}'")));
            }
            out.filters.push((k.to_string(), v.to_string()));
        }
        Ok(out)
    }

    /// docker's rule: values of one key are alternatives, different keys must all match.
    pub fn matches(&self, e: &Event) -> bool {
        if self.since.is_some_and(|s| e.time_nano < s)
            || self.until.is_some_and(|u| e.time_nano > u)
        {
            return false;
        }
        let attr = |k: &str| e.actor.attributes.get(k).map(String::as_str);
        let id_or_name = |v: &str| {
            e.actor.id == v
                || (v.len() >= 3 && e.actor.id.starts_with(v))
                || attr("name") == Some(v)
        };
        KEYS.iter().all(|key| {
            let mut values = self.filters.iter().filter(|(k, _)| k == key).peekable();
            if values.peek().is_none() {
                return true;
            }
            values.any(|(_, v)| match *key {
                "container" => e.kind == "container" && id_or_name(v),
                // `exec_start: CMD` is an `exec_start` event.
                "event" => {
                    e.action == *v
                        || e.action
                            .strip_prefix(v.as_str())
                            .is_some_and(|rest| rest.starts_with(": "))
                }
                "image" => match e.kind.as_str() {
                    "container" => attr("image") == Some(v),
                    "image" => id_or_name(v),
                    _ => false,
                },
                "label" => match v.split_once('=') {
                    Some((lk, lv)) => attr(lk) == Some(lv),
                    None => attr(v).is_some(),
                },
                "network" => e.kind == "network" && id_or_name(v),
                "volume" => e.kind == "volume" && e.actor.id == *v,
                "type" => e.kind == *v,
                "scope" => e.scope == *v,
                _ => false,
            })
        })
    }
}

/// Print the events `query` selects with `print`: those already logged when `since` is given,
/// then new ones as they come, until `until` passes (or forever without it), or `wanted` says
/// nobody reads them any more (a client gone).
pub fn stream(
    paths: &Paths,
    query: &EventQuery,
    print: &mut dyn FnMut(&Event) -> Result<(), EngineError>,
    wanted: &dyn Fn() -> bool,
) -> Result<(), EngineError> {
    let mut reader = Reader::open(paths, query.since.is_some());
    loop {
        if !wanted() {
            return Ok(());
        }
        for e in reader.next_batch() {
            if query.matches(&e) {
                print(&e)?;
            }
        }
        let now = Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX);
        if query.until.is_some_and(|u| now > u) {
            // One more look for what was written up to the bound.
            for e in reader.next_batch() {
                if query.matches(&e) {
                    print(&e)?;
                }
            }
            return Ok(());
        }
        // Woken by the next write; the timeout bounds how late a gone client or a passed
        // `until` is noticed.
        reader.wait(std::time::Duration::from_millis(100));
    }
}
