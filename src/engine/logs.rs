//! `logs` with docker's `--tail`, `--since` and `--until` (and `-f`).
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};

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

/// Parse a time as docker's `--since`/`--until` take it (its `GetTimestamp`): a Go duration
/// before now (`10m`, `1h30m`, `-1s` is a second from now), an RFC 3339 time (the fraction after
/// `.` or `,`, up to nanoseconds; minutes, seconds and the zone may be left out), a date, or a
/// Unix timestamp (`1700000000` or `1700000000.5`). Times without a zone are local time.
pub fn parse_time(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, EngineError> {
    let local = *now.with_timezone(&chrono::Local).offset();
    parse_time_in(s, now, local.fix())
}

fn parse_time_in(
    s: &str,
    now: DateTime<Utc>,
    local: FixedOffset,
) -> Result<DateTime<Utc>, EngineError> {
    let bad = || {
        EngineError::Usage(format!(
            "invalid time {s:?}: use an RFC 3339 time, a Unix timestamp or a duration like 10m"
        ))
    };
    let s = s.trim();
    if s.is_empty() {
        return Err(bad());
    }
    if s != "0" {
        let (sign, unsigned) = match s.as_bytes()[0] {
            b'-' => (-1, &s[1..]),
            b'+' => (1, &s[1..]),
            _ => (1, s),
        };
        if let Some(d) = parse_go_duration(unsigned) {
            let d = chrono::Duration::from_std(d).map_err(|_| bad())?;
            return Ok(if sign < 0 { now + d } else { now - d });
        }
    }
    // docker: a `z`, a `+` or three dashes say the time has a zone.
    let zoned = s.contains(['z', 'Z', '+']) || s.matches('-').count() == 3;
    // Go reads a fraction after a comma as after a point (`date --iso-8601=ns`).
    let v = match s.find('T') {
        Some(t) => format!("{}{}", &s[..t], s[t..].replacen(',', ".", 1)),
        None => s.to_string(),
    };
    if zoned {
        // Split off the zone: `Z`, or the last `+`/`-` (after the date's dashes).
        let cut = v
            .rfind(['z', 'Z', '+', '-'])
            .filter(|i| *i >= "2006-01-02".len());
        if let Some(i) = cut {
            let (time, zone) = v.split_at(i);
            let zone = if zone.eq_ignore_ascii_case("z") {
                "+00:00"
            } else {
                zone
            };
            if let Some(t) = naive_time(time) {
                if let Ok(z) = format!("2000-01-01T00:00:00{zone}").parse::<DateTime<FixedOffset>>()
                {
                    if let Some(t) = z.offset().from_local_datetime(&t).single() {
                        return Ok(t.with_timezone(&Utc));
                    }
                }
            }
        }
    } else if let Some(t) = naive_time(&v) {
        if let Some(t) = local.from_local_datetime(&t).single() {
            return Ok(t.with_timezone(&Utc));
        }
    }
    if s.contains('-') {
        return Err(bad());
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

/// The date and time of docker's layouts: `2006-01-02`, `2006-01-02T15`, `…T15:04`,
/// `…T15:04:05` and `…T15:04:05.999999999` (and, beyond docker, a space for the `T`).
fn naive_time(s: &str) -> Option<NaiveDateTime> {
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t);
        }
    }
    // `2006-01-02T15`: chrono wants the minutes.
    if s.len() == 13 && s.as_bytes()[10] == b'T' {
        if let Ok(t) = NaiveDateTime::parse_from_str(&format!("{s}:00"), "%Y-%m-%dT%H:%M") {
            return Some(t);
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
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
