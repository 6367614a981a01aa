//! docker's units and filter syntaxes, parsed one way everywhere (a leaf module: it depends on
//! nothing else of skiff, so every layer may use it):
//! - byte sizes, docker's `RAMInBytes` (`--memory`, `--tmpfs size=`, `--mount tmpfs-size=`,
//!   `--log-opt max-size=`): `512`, `64k`, `1.5m`, `1g`, `1t`, `10MB`, `2 GiB`, powers of 1024;
//! - Go durations (`time.ParseDuration`): `30s`, `1h30m`, `1.5h`, `500ms`, `0`;
//! - times of `--since`/`--until` and `until=` filters (docker's `GetTimestamp`): RFC 3339, a
//!   date, a Unix timestamp, or a Go duration before now;
//! - glob patterns (Go's `path.Match`): `*` (not across `/`), `?`, `[a-z]`, `[^a]`, `\` escapes;
//! - signal names and numbers (`TERM`, `SIGTERM`, `15`, `RTMIN+3`);
//! - docker's human durations for output (`About a minute`, `3 days`).
//!
//! Hand-written: each is a few lines of docker's exact grammar, which no crate reproduces
//! (humantime's durations and sizes differ from Go's; glob crates differ on `[^...]` and `/`).
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};

/// A byte size as docker's `RAMInBytes` reads it: a decimal number, an optional space, an
/// optional unit `k`, `m`, `g`, `t` or `p` (any case, powers of 1024), an optional `i` and an
/// optional `b`. None for anything else (negative numbers included).
pub fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let num_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, rest) = s.split_at(num_end);
    if !num.starts_with(|c: char| c.is_ascii_digit()) || num.ends_with('.') {
        return None;
    }
    let n: f64 = num.parse().ok()?;
    let mut unit = rest.strip_prefix(' ').unwrap_or(rest).to_ascii_lowercase();
    if unit.ends_with('b') {
        unit.pop();
    }
    if unit.ends_with('i') {
        unit.pop();
    }
    let mult: u64 = match unit.as_str() {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        "p" => 1 << 50,
        _ => return None,
    };
    let bytes = n * mult as f64;
    (bytes.is_finite() && bytes < u64::MAX as f64).then_some(bytes as u64)
}

/// A Go duration: decimal numbers (a fraction allowed) each with a unit `ns`, `us` (`µs`),
/// `ms`, `s`, `m` or `h`, in sequence (`1h30m`); `0` alone. None for a negative one.
pub fn parse_go_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let mut rest = s.strip_prefix('+').unwrap_or(s);
    if rest == "0" {
        return Some(Duration::ZERO);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..num_end];
        if !num.contains(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let n: f64 = if num.ends_with('.') {
            num.trim_end_matches('.').parse().ok()?
        } else {
            num.parse().ok()?
        };
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mult = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
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

/// A point in time as docker's `since`/`until` take it (its `GetTimestamp`): a Go duration
/// before `now` (`10m`, `1h30m`; `-1s` is a second after), an RFC 3339 time (the fraction
/// after `.` or `,`; minutes, seconds and the zone may be left out), a date, or a Unix
/// timestamp (`1700000000.5`). Times without a zone are in the local time zone.
pub fn parse_time(s: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let local = *now.with_timezone(&chrono::Local).offset();
    parse_time_in(s, now, local.fix())
}

/// [`parse_time`] with `local` as the local time zone.
pub fn parse_time_in(s: &str, now: DateTime<Utc>, local: FixedOffset) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s != "0" {
        let (sign, unsigned) = match s.as_bytes()[0] {
            b'-' => (-1, &s[1..]),
            b'+' => (1, &s[1..]),
            _ => (1, s),
        };
        if let Some(d) = parse_go_duration(unsigned) {
            let d = chrono::Duration::from_std(d).ok()?;
            return Some(if sign < 0 { now + d } else { now - d });
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
                        return Some(t.with_timezone(&Utc));
                    }
                }
            }
        }
    } else if let Some(t) = naive_time(&v) {
        if let Some(t) = local.from_local_datetime(&t).single() {
            return Some(t.with_timezone(&Utc));
        }
    }
    if s.contains('-') {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
        let secs: i64 = secs.parse().ok()?;
        let nanos: u32 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<9}").get(..9)?.parse().ok()?
        };
        return DateTime::from_timestamp(secs, nanos);
    }
    let d = chrono::Duration::from_std(parse_go_duration(s)?).ok()?;
    now.checked_sub_signed(d)
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

/// Parse a signal as docker does: a number from 1 to 64, or a name with or without `SIG`
/// (`TERM`, `SIGTERM`), the real-time ones included (`RTMIN`, `RTMIN+3`, `RTMAX-2`, `RTMAX`,
/// numbered from 34 to 64 as glibc and docker number them).
pub fn parse_signal(s: &str) -> Option<i32> {
    const RTMIN: i32 = 34;
    const RTMAX: i32 = 64;
    if let Ok(n) = s.parse::<i32>() {
        return (1..=RTMAX).contains(&n).then_some(n);
    }
    let up = s.to_ascii_uppercase();
    let name = up.strip_prefix("SIG").unwrap_or(&up);
    let offset = |rest: &str, sign: char| -> Option<i32> {
        match rest {
            "" => Some(0),
            r => r
                .strip_prefix(sign)
                .and_then(|n| n.parse::<i32>().ok())
                .filter(|n| (0..=RTMAX - RTMIN).contains(n)),
        }
    };
    if let Some(rest) = name.strip_prefix("RTMIN") {
        return offset(rest, '+').map(|n| RTMIN + n);
    }
    if let Some(rest) = name.strip_prefix("RTMAX") {
        return offset(rest, '-').map(|n| RTMAX - n);
    }
    format!("SIG{name}")
        .parse::<nix::sys::signal::Signal>()
        .ok()
        .map(|s| s as i32)
}

/// Go's `path.Match`: does all of `s` match `pattern`? `*` matches any run of characters but
/// `/`, `?` one character but `/`, `[...]` a class (ranges, `^` or `!` negates), `\` escapes.
/// A malformed pattern (an unclosed class) matches nothing.
pub fn glob_match(pattern: &str, s: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = s.chars().collect();
    glob_chars(&p, &s)
}

fn glob_chars(p: &[char], s: &[char]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some('*') => {
            let rest = &p[1..];
            let run = s.iter().position(|&c| c == '/').unwrap_or(s.len());
            (0..=run).any(|k| glob_chars(rest, &s[k..]))
        }
        Some('?') => s.first().is_some_and(|&c| c != '/') && glob_chars(&p[1..], &s[1..]),
        Some('[') => {
            let Some(&c) = s.first() else { return false };
            match class_match(&p[1..], c) {
                Some((matched, used)) => matched && glob_chars(&p[1 + used..], &s[1..]),
                None => false,
            }
        }
        Some('\\') if p.len() > 1 => s.first() == Some(&p[1]) && glob_chars(&p[2..], &s[1..]),
        Some(&c) => s.first() == Some(&c) && glob_chars(&p[1..], &s[1..]),
    }
}

/// Match `c` against the class whose text (after `[`) starts `p`: (matched, characters used
/// including the closing `]`), or None when the class is not closed.
fn class_match(p: &[char], c: char) -> Option<(bool, usize)> {
    let mut j = 0;
    let negate = matches!(p.first(), Some('^') | Some('!'));
    if negate {
        j += 1;
    }
    let mut matched = false;
    let mut first = true;
    while j < p.len() && (first || p[j] != ']') {
        first = false;
        let lo = if p[j] == '\\' && j + 1 < p.len() {
            j += 1;
            p[j]
        } else {
            p[j]
        };
        if p.get(j + 1) == Some(&'-') && p.get(j + 2).is_some_and(|&x| x != ']') {
            let hi = if p[j + 2] == '\\' && j + 3 < p.len() {
                j += 1;
                p[j + 2]
            } else {
                p[j + 2]
            };
            matched |= lo <= c && c <= hi;
            j += 3;
        } else {
            matched |= lo == c;
            j += 1;
        }
    }
    (j < p.len()).then_some((matched != negate, j + 1))
}

/// docker's human durations: "Less than a second", "3 seconds", "About a minute", "2 hours".
pub fn human_duration(secs: i64) -> String {
    let mut out = String::new();
    push_human_duration(&mut out, secs);
    out
}

/// [`human_duration`], appended to `out` (`ps` writes two per row).
pub fn push_human_duration(out: &mut String, secs: i64) {
    use std::fmt::Write as _;
    let secs = secs.max(0);
    let mins = secs / 60;
    let hours = mins / 60;
    let (n, unit) = if secs < 1 {
        return out.push_str("Less than a second");
    } else if secs == 1 {
        return out.push_str("1 second");
    } else if secs < 60 {
        (secs, "seconds")
    } else if mins == 1 {
        return out.push_str("About a minute");
    } else if mins < 60 {
        (mins, "minutes")
    } else if hours == 1 {
        return out.push_str("About an hour");
    } else if hours < 48 {
        (hours, "hours")
    } else if hours < 24 * 7 * 2 {
        (hours / 24, "days")
    } else if hours < 24 * 30 * 2 {
        (hours / 24 / 7, "weeks")
    } else if hours < 24 * 365 * 2 {
        (hours / 24 / 30, "months")
    } else {
        (hours / 24 / 365, "years")
    };
    let _ = write!(out, "{n} {unit}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_bytes("512"), Some(512));
        assert_eq!(parse_bytes("64k"), Some(64 << 10));
        assert_eq!(parse_bytes("1.5m"), Some(3 << 19));
        assert_eq!(parse_bytes("1g"), Some(1 << 30));
        assert_eq!(parse_bytes("1t"), Some(1 << 40));
        assert_eq!(parse_bytes("1T"), Some(1 << 40));
        assert_eq!(parse_bytes("10MB"), Some(10 << 20));
        assert_eq!(parse_bytes("2 GiB"), Some(2 << 30));
        assert_eq!(parse_bytes("4kb"), Some(4096));
        assert_eq!(parse_bytes("0"), Some(0));
        for bad in [
            "", "x", "-1", "1x", "m", ".5m", "1.m", "1.2.3", "1  m", "1mm",
        ] {
            assert_eq!(parse_bytes(bad), None, "{bad}");
        }
    }

    #[test]
    fn go_durations() {
        let d = |s| parse_go_duration(s).map(|d| d.as_millis());
        assert_eq!(d("30s"), Some(30_000));
        assert_eq!(d("1h30m"), Some(5_400_000));
        assert_eq!(d("1.5h"), Some(5_400_000));
        assert_eq!(d("500ms"), Some(500));
        assert_eq!(d("0"), Some(0));
        assert_eq!(parse_go_duration("1us").map(|d| d.as_nanos()), Some(1000));
        for bad in ["", "10", "1x", "h", "-1s", "1h-30m"] {
            assert_eq!(parse_go_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn times() {
        let now = DateTime::parse_from_rfc3339("2026-12-07T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let utc = FixedOffset::east_opt(0).unwrap();
        let t = |s| parse_time_in(s, now, utc).map(|t| t.to_rfc3339());
        assert_eq!(t("1h30m").as_deref(), Some("2026-12-07T10:30:00+00:00"));
        assert_eq!(
            t("2026-01-02").as_deref(),
            Some("2026-01-02T00:00:00+00:00")
        );
        assert_eq!(t("0").as_deref(), Some("1970-01-01T00:00:00+00:00"));
        assert_eq!(
            t("2013-01-02T13:23:37Z").as_deref(),
            Some("2013-01-02T13:23:37+00:00")
        );
        assert_eq!(t("-1s").as_deref(), Some("2026-12-07T12:00:01+00:00"));
        assert_eq!(t("soon"), None);
    }

    #[test]
    fn globs() {
        assert!(glob_match("busy*", "busybox"));
        assert!(glob_match("*/busybox", "library/busybox"));
        assert!(!glob_match("*", "library/busybox"));
        assert!(glob_match("b?sybox", "busybox"));
        assert!(glob_match("[a-c]usybox", "busybox"));
        assert!(!glob_match("[^b]usybox", "busybox"));
        assert!(glob_match("[!a]usybox", "busybox"));
        assert!(glob_match("\\*x", "*x"));
        assert!(!glob_match("[abc", "a"));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(!glob_match("a?c", "a/c"));
    }
}
