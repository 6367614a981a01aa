//! `logs` with docker's `--tail`, `--since` and `--until` (and `-f`).
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

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

/// Parse a time as docker's `--since`/`--until` take it: RFC 3339 (with or without zone and
/// fraction), a date, a Unix timestamp (`1700000000` or `1700000000.5`), or a duration before
/// now (`10m`, `1h30m`, `2.5s`). Times without a zone are UTC.
pub fn parse_time(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, EngineError> {
    let bad = || {
        EngineError::Usage(format!(
            "invalid time {s:?}: use an RFC 3339 time, a Unix timestamp or a duration like 10m"
        ))
    };
    let s = s.trim();
    if s.is_empty() {
        return Err(bad());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).ok_or_else(bad);
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
        let secs: i64 = secs.parse().map_err(|_| bad())?;
        let nanos: u32 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<9}")[..9].parse().map_err(|_| bad())?
        };
        return DateTime::from_timestamp(secs, nanos).ok_or_else(bad);
    }
    let d = parse_go_duration(s).ok_or_else(bad)?;
    let d = chrono::Duration::from_std(d).map_err(|_| bad())?;
    Ok(now - d)
}

/// A Go duration: a sequence of decimal numbers with units (`ns`, `us`, `ms`, `s`, `m`, `h`).
pub fn parse_go_duration(s: &str) -> Option<Duration> {
    let mut rest = s;
    let mut total = 0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_end == 0 {
            return None;
        }
        let n: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mult = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += n * mult;
        rest = &rest[unit_end..];
    }
    Duration::try_from_secs_f64(total).ok()
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
/// `follow`, new entries until the container stops (or `until` passes).
pub fn logs(
    paths: &Paths,
    id: &str,
    q: &LogQuery,
    emit: &mut dyn FnMut(&Entry),
) -> Result<(), EngineError> {
    let store = Containers::new(paths);
    if store.record(id)?.log_config.is_none() {
        return Err(EngineError::Usage(
            "configured logging driver does not support reading".into(),
        ));
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
        if q.until.is_some_and(|u| Utc::now() > u) {
            return Ok(());
        }
        // Whether it runs, before reading: its last lines are in the log before it is
        // recorded as stopped.
        let running = store
            .state(id)
            .map(|s| s.status == Status::Running || s.status == Status::Restarting)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let now = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let t = |s| parse_time(s, now).unwrap().to_rfc3339();
        assert_eq!(t("2024-05-01T11:00:00Z"), "2024-05-01T11:00:00+00:00");
        assert_eq!(t("2024-05-01T13:00:00+02:00"), "2024-05-01T11:00:00+00:00");
        assert_eq!(t("2024-05-01T11:00:00"), "2024-05-01T11:00:00+00:00");
        assert_eq!(t("2024-05-01"), "2024-05-01T00:00:00+00:00");
        assert_eq!(t("1714564800"), "2024-05-01T12:00:00+00:00");
        assert_eq!(t("1714564800.5"), "2024-05-01T12:00:00.500+00:00");
        assert_eq!(t("10m"), "2024-05-01T11:50:00+00:00");
        assert_eq!(t("1h30m"), "2024-05-01T10:30:00+00:00");
        assert!(parse_time("yesterday", now).is_err());
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
