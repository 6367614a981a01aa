//! `logs` with docker's `--tail`, `--since` and `--until` (and `-f`).
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::EngineError;
use crate::monitor::log::Entry;
use crate::state::container::{Containers, Status};
use crate::state::Paths;

/// Which entries `logs` shows.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    pub follow: bool,
    /// `--tail N`: the last N entries (None: all).
    pub tail: Option<usize>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// Parse docker's `--tail` value: a number or `all`.
pub fn parse_tail(s: &str) -> Result<Option<usize>, EngineError> {
    if s == "all" || s.is_empty() {
        return Ok(None);
    }
    match s.parse::<i64>() {
        Ok(n) if n < 0 => Ok(None),
        Ok(n) => Ok(Some(n as usize)),
        Err(_) => Err(EngineError::Usage(format!(
            "invalid value for --tail: {s:?} (a number or \"all\")"
        ))),
    }
}

/// Parse a time as docker's `--since`/`--until` take it (`crate::units::parse_time`): a Go
/// duration before now (`10m`, `1h30m`, `-1s` is a second from now), an RFC 3339 time, a date,
/// or a Unix timestamp. Times without a zone are local time.
pub fn parse_time(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, EngineError> {
    crate::units::parse_time(s, now).ok_or_else(|| bad_time(s))
}

/// [`parse_time`] with `local` as the local time zone.
#[cfg(test)]
fn parse_time_in(
    s: &str,
    now: DateTime<Utc>,
    local: chrono::FixedOffset,
) -> Result<DateTime<Utc>, EngineError> {
    crate::units::parse_time_in(s, now, local).ok_or_else(|| bad_time(s))
}

fn bad_time(s: &str) -> EngineError {
    EngineError::Usage(format!(
        "invalid time {s:?}: use an RFC 3339 time, a Unix timestamp or a duration like 10m"
    ))
}

fn entry_time(e: &Entry) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(&e.time)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn in_window(q: &LogQuery, e: &Entry) -> bool {
    let t = entry_time(e);
    let after = match (q.since, t) {
        (Some(s), Some(t)) => t >= s,
        _ => true,
    };
    let before = match (q.until, t) {
        (Some(u), Some(t)) => t <= u,
        _ => true,
    };
    after && before
}

/// Show a container's log: the entries in the window (the last `tail` of them), then, with
/// `follow`, new entries until the container stops (or `until` passes, or `wanted` says
/// nobody reads them any more).
pub fn logs(
    paths: &Paths,
    id: &str,
    q: &LogQuery,
    emit: &mut dyn FnMut(&Entry),
    wanted: &dyn Fn() -> bool,
) -> Result<(), EngineError> {
    let store = Containers::new(paths);
    let config = store.record(id)?.log_config;
    if config.unreadable() {
        return Err(EngineError::Usage(
            "configured logging driver does not support reading".into(),
        ));
    }
    if config.driver == "journald" {
        return journal_logs(&store, id, q, emit);
    }
    // One open descriptor on the log from the start: lines written while we read, or just
    // before the container is removed, are not lost.
    let path = paths.container(id).join("ctr.log");
    let io_err = |e| EngineError::io(format!("reading {}", path.display()))(e);
    let mut follower = crate::monitor::log::Follower::open(&path);
    let mut entries = crate::monitor::log::read_rotated(&path).map_err(io_err)?;
    entries.extend(follower.next_entries().map_err(io_err)?);
    let window: Vec<&Entry> = entries.iter().filter(|e| in_window(q, e)).collect();
    let skip = q.tail.map(|n| window.len().saturating_sub(n)).unwrap_or(0);
    for e in window.into_iter().skip(skip) {
        emit(e);
    }
    if !q.follow {
        return Ok(());
    }
    loop {
        if q.until.is_some_and(|u| Utc::now() > u) || !wanted() {
            return Ok(());
        }
        // Whether it runs, before reading: its last lines are in the log before it is
        // recorded as stopped.
        let running = store
            .state(id)
            .map(|s| s.status.is_up() || s.status == Status::Restarting)
            .unwrap_or(false);
        for e in follower.next_entries().map_err(io_err)? {
            if in_window(q, &e) {
                emit(&e);
            }
        }
        if !running {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether the container runs (or is about to run again).
fn running(store: &Containers<'_>, id: &str) -> bool {
    store
        .state(id)
        .map(|s| s.status == Status::Running || s.status == Status::Restarting)
        .unwrap_or(false)
}

/// `logs` of a journald container: its entries read back from the journal (`journalctl`).
fn journal_logs(
    store: &Containers<'_>,
    id: &str,
    q: &LogQuery,
    emit: &mut dyn FnMut(&Entry),
) -> Result<(), EngineError> {
    use crate::monitor::journald::read_back;
    let back = read_back(id, None)?;
    let window: Vec<&Entry> = back.entries.iter().filter(|e| in_window(q, e)).collect();
    let skip = q.tail.map(|n| window.len().saturating_sub(n)).unwrap_or(0);
    for e in window.into_iter().skip(skip) {
        emit(e);
    }
    let mut cursor = back.cursor;
    if !q.follow {
        return Ok(());
    }
    loop {
        if q.until.is_some_and(|u| Utc::now() > u) {
            return Ok(());
        }
        let was_running = running(store, id);
        let back = read_back(id, cursor.as_deref())?;
        for e in back.entries.iter().filter(|e| in_window(q, e)) {
            emit(e);
        }
        cursor = back.cursor;
        if !was_running {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    #[test]
    fn times() {
        let now = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let utc = FixedOffset::east_opt(0).unwrap();
        let t = |s| parse_time_in(s, now, utc).unwrap().to_rfc3339();
        assert_eq!(t("2024-05-01T11:00:00Z"), "2024-05-01T11:00:00+00:00");
        assert_eq!(t("2024-05-01T13:00:00+02:00"), "2024-05-01T11:00:00+00:00");
        assert_eq!(t("2024-05-01T11:00:00"), "2024-05-01T11:00:00+00:00");
        assert_eq!(t("2024-05-01"), "2024-05-01T00:00:00+00:00");
        assert_eq!(t("1714564800"), "2024-05-01T12:00:00+00:00");
        assert_eq!(t("1714564800.5"), "2024-05-01T12:00:00.500+00:00");
        assert_eq!(t("10m"), "2024-05-01T11:50:00+00:00");
        assert_eq!(t("1h30m"), "2024-05-01T10:30:00+00:00");
        // docker's GetTimestamp: comma fractions, nanoseconds, zones, local times.
        assert_eq!(
            t("2024-05-01T11:00:00,123456789+00:00"),
            "2024-05-01T11:00:00.123456789+00:00"
        );
        assert_eq!(
            t("2024-05-01T11:00:00.123456789"),
            "2024-05-01T11:00:00.123456789+00:00"
        );
        assert_eq!(
            t("2024-05-01T13:00:00.5+02:00"),
            "2024-05-01T11:00:00.500+00:00"
        );
        assert_eq!(t("2024-05-01T11:00:00-01:00"), "2024-05-01T12:00:00+00:00");
        assert_eq!(t("2024-05-01T11:30Z"), "2024-05-01T11:30:00+00:00");
        assert_eq!(t("2024-05-01T11"), "2024-05-01T11:00:00+00:00");
        assert_eq!(t("2024-05-01+02:00"), "2024-04-30T22:00:00+00:00");
        assert_eq!(t("-1s"), "2024-05-01T12:00:01+00:00");
        let plus2 = FixedOffset::east_opt(7200).unwrap();
        assert_eq!(
            parse_time_in("2024-05-01T13:00:00", now, plus2)
                .unwrap()
                .to_rfc3339(),
            "2024-05-01T11:00:00+00:00"
        );
        assert!(parse_time("yesterday", now).is_err());
        assert!(parse_time("2024-13-01T00:00:00Z", now).is_err());
        assert!(parse_time("10x", now).is_err());
    }

    #[test]
    fn tails() {
        assert_eq!(parse_tail("all").unwrap(), None);
        assert_eq!(parse_tail("3").unwrap(), Some(3));
        assert_eq!(parse_tail("-1").unwrap(), None);
        assert!(parse_tail("x").is_err());
    }
}
