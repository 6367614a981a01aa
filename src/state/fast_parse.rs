//! A direct reader of `state.json` for listings: the form this release writes (compact JSON
//! with the summary inside, every field present) read in one scan, without serde's machinery.
//!
//! Written by hand because a listing parses one state per container and serde_json's derived
//! visitors were the largest part of `ps -a`'s own work (~15 k instructions per 666-byte state:
//! a key compared against every field name, each string scanned twice, the summary moved out of
//! an `Option` and into the state). No vetted crate reads JSON faster into these types
//! (`crates.md`).
//!
//! It takes only what it is sure of, and answers `None` for anything else, which the caller
//! then parses with serde_json as before: so whatever it accepts, serde_json reads the same
//! (unit tests compare both on every field and on altered texts). What it accepts: an object
//! of the state's fields, each once and in any order (`health`, `frozen` and the summary's
//! `stamp`, `mounts`, `ports`, `exposed`, `networks` may be absent: they are handed to
//! serde_json whole, as their own text), the summary an object of its fields; strings without
//! escapes or control characters; integers without sign tricks, fraction or exponent, in range.
//! No unknown field, no duplicate, no missing field that serde would default, no `null` where a
//! value is expected (serde would accept some of those: they go to it).
use std::collections::BTreeMap;

use super::container::{ContainerState, Status};
use super::network_mode::Mode;
use super::restart::RestartPolicy;
use super::summary::Summary;

/// The state in `text`, or `None`: not in the form read here (parse it with serde_json).
pub(super) fn parse(text: &str) -> Option<ContainerState> {
    let mut p = Parser { text, at: 0 };
    let st = p.state()?;
    p.ws();
    (p.at == text.len()).then_some(st)
}

/// The high bit of every byte of `x` that is `"`, `\\` or a control character, and maybe of
/// bytes above the first such one (a borrow carries over): the usual bit trick of finding a
/// zero byte, applied three times.
fn special(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    zero_byte(x ^ (ONES * u64::from(b'"')))
        | zero_byte(x ^ (ONES * u64::from(b'\\')))
        | (x.wrapping_sub(ONES * 0x20) & !x & HIGH)
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

/// The state's fields, one bit each, to find the duplicates and the missing.
const ST_FIELDS: [&str; 16] = [
    "status",
    "pid",
    "pid_start",
    "monitor_pid",
    "monitor_start",
    "exit_code",
    "error",
    "started_at",
    "finished_at",
    "restart_count",
    "stop_requested",
    "oom_killed",
    "summary",
    "health",
    "frozen",
    "",
];
/// Those this release always writes (all but `health` and `frozen`).
const ST_REQUIRED: u32 = (1 << 13) - 1;

const SUM_FIELDS: [&str; 16] = [
    "id",
    "name",
    "image",
    "image_id",
    "created",
    "path",
    "args",
    "labels",
    "network",
    "restart_policy",
    "auto_remove",
    "mounts",
    "ports",
    "exposed",
    "networks",
    "stamp",
];
/// Those this release always writes (the others are read by serde_json when present).
const SUM_REQUIRED: u32 = (1 << 11) - 1;

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// JSON's whitespace, as serde_json skips it.
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek() == Some(c)).then(|| self.at += 1)
    }

    /// `c` next (and taken), or not (nothing taken).
    fn next_is(&mut self, c: u8) -> bool {
        self.ws();
        let yes = self.peek() == Some(c);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn literal(&mut self, word: &str) -> bool {
        self.ws();
        let yes = self.text.as_bytes()[self.at..].starts_with(word.as_bytes());
        if yes {
            self.at += word.len();
        }
        yes
    }

    /// A string without escapes or control characters (serde_json rejects the latter; the
    /// former go to it). Scanned eight bytes at a time (as serde_json scans strings).
    fn str(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let bytes = self.text.as_bytes();
        let mut i = start;
        while let Some(word) = bytes.get(i..i + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            let flags = special(u64::from_le_bytes(w));
            if flags != 0 {
                // The lowest flag is exact (those above it may not be).
                i += flags.trailing_zeros() as usize / 8;
                break;
            }
            i += 8;
        }
        while *bytes.get(i)? != b'"' {
            if bytes[i] == b'\\' || bytes[i] < 0x20 {
                return None;
            }
            i += 1;
        }
        self.at = i + 1;
        // Cut at two ASCII quotes of a `str`: on character boundaries.
        self.text.get(start..i)
    }

    fn string(&mut self) -> Option<String> {
        self.str().map(str::to_owned)
    }

    fn opt_string(&mut self) -> Option<Option<String>> {
        self.ws();
        if self.peek() == Some(b'"') {
            return self.string().map(Some);
        }
        self.literal("null").then_some(None)
    }

    fn bool(&mut self) -> Option<bool> {
        if self.literal("true") {
            Some(true)
        } else if self.literal("false") {
            Some(false)
        } else {
            None
        }
    }

    /// An integer as JSON writes one: `-?(0|[1-9][0-9]*)`, at most 18 digits, not followed by
    /// a fraction or an exponent.
    fn int(&mut self) -> Option<i64> {
        self.ws();
        let bytes = self.text.as_bytes();
        let neg = self.peek() == Some(b'-');
        let start = self.at + usize::from(neg);
        let digits = bytes[start..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(bytes.len() - start);
        if digits == 0 || digits > 18 || (digits > 1 && bytes[start] == b'0') {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = bytes.get(start + digits) {
            return None;
        }
        let mut v: i64 = 0;
        for &b in &bytes[start..start + digits] {
            v = v * 10 + i64::from(b - b'0');
        }
        self.at = start + digits;
        Some(if neg { -v } else { v })
    }

    fn num<T: TryFrom<i64>>(&mut self) -> Option<T> {
        self.int().and_then(|v| T::try_from(v).ok())
    }

    /// The text of the next value, whole (for serde_json to read): a string to its closing
    /// quote (escapes skipped over), an array or an object to its matching bracket (strings
    /// inside skipped over), anything else to the next delimiter. Only the extent is found
    /// here; serde_json checks the text.
    fn raw(&mut self) -> Option<&'a str> {
        self.ws();
        let bytes = self.text.as_bytes();
        let start = self.at;
        // The end of the string that starts at `i` (after its closing quote).
        let string_end = |mut i: usize| -> Option<usize> {
            i += 1;
            loop {
                match *bytes.get(i)? {
                    b'\\' => i += 2,
                    b'"' => return Some(i + 1),
                    _ => i += 1,
                }
            }
        };
        let end = match *bytes.get(start)? {
            b'"' => string_end(start)?,
            b'[' | b'{' => {
                let mut depth = 0usize;
                let mut i = start;
                loop {
                    match *bytes.get(i)? {
                        b'"' => i = string_end(i)?,
                        b'[' | b'{' => {
                            depth += 1;
                            i += 1;
                        }
                        b']' | b'}' => {
                            depth -= 1;
                            i += 1;
                            if depth == 0 {
                                break i;
                            }
                        }
                        _ => i += 1,
                    }
                }
            }
            _ => bytes[start..]
                .iter()
                .position(|b| matches!(b, b',' | b']' | b'}' | b' ' | b'\n' | b'\t' | b'\r'))
                .map_or(bytes.len(), |n| start + n),
        };
        self.at = end;
        self.text.get(start..end)
    }

    fn serde<T: serde::de::DeserializeOwned>(&mut self) -> Option<T> {
        serde_json::from_str(self.raw()?).ok()
    }

    /// `{"key":value,...}`: `field` reads each value, given the key's index in `names`
    /// (`None`: not in the form read here); every key once, every `required` one present.
    fn object(
        &mut self,
        names: &[&str; 16],
        required: u32,
        mut field: impl FnMut(&mut Self, usize) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        let mut seen = 0u32;
        // The next field in the order this release writes them is tried first.
        let mut next = 0;
        if !self.next_is(b'}') {
            loop {
                let key = self.str()?;
                let k = if names.get(next) == Some(&key) {
                    next
                } else {
                    names.iter().position(|n| *n == key)?
                };
                if key.is_empty() {
                    return None;
                }
                next = k + 1;
                if seen & (1 << k) != 0 {
                    return None;
                }
                seen |= 1 << k;
                self.eat(b':')?;
                field(self, k)?;
                if self.next_is(b'}') {
                    break;
                }
                self.eat(b',')?;
            }
        }
        (seen & required == required).then_some(())
    }

    fn state(&mut self) -> Option<ContainerState> {
        let mut st = ContainerState::new();
        self.object(&ST_FIELDS, ST_REQUIRED, |p, k| {
            match k {
                0 => {
                    st.status = match p.str()? {
                        "created" => Status::Created,
                        "running" => Status::Running,
                        "paused" => Status::Paused,
                        "restarting" => Status::Restarting,
                        "removing" => Status::Removing,
                        "exited" => Status::Exited,
                        "dead" => Status::Dead,
                        _ => return None,
                    }
                }
                1 => st.pid = p.num()?,
                2 => st.pid_start = p.num()?,
                3 => st.monitor_pid = p.num()?,
                4 => st.monitor_start = p.num()?,
                5 => st.exit_code = p.num()?,
                6 => st.error = p.string()?,
                7 => st.started_at = p.opt_string()?,
                8 => st.finished_at = p.opt_string()?,
                9 => st.restart_count = p.num()?,
                10 => st.stop_requested = p.bool()?,
                11 => st.oom_killed = p.bool()?,
                12 => st.summary = Some(p.summary()?),
                13 => st.health = p.serde()?,
                14 => st.frozen = p.serde()?,
                _ => return None,
            }
            Some(())
        })?;
        Some(st)
    }

    /// Made in its box (where the state keeps it), not moved there.
    fn summary(&mut self) -> Option<Box<Summary>> {
        let mut s = Box::new(Summary {
            stamp: None,
            id: String::new(),
            name: String::new(),
            image: String::new(),
            image_id: String::new(),
            created: String::new(),
            path: String::new(),
            args: Vec::new(),
            labels: BTreeMap::new(),
            network: Mode::None,
            restart_policy: RestartPolicy::default(),
            auto_remove: false,
            mounts: Vec::new(),
            ports: Vec::new(),
            exposed: Vec::new(),
            networks: Vec::new(),
        });
        self.object(&SUM_FIELDS, SUM_REQUIRED, |p, k| {
            match k {
                0 => s.id = p.string()?,
                1 => s.name = p.string()?,
                2 => s.image = p.string()?,
                3 => s.image_id = p.string()?,
                4 => s.created = p.string()?,
                5 => s.path = p.string()?,
                6 => {
                    p.eat(b'[')?;
                    if !p.next_is(b']') {
                        loop {
                            s.args.push(p.string()?);
                            if p.next_is(b']') {
                                break;
                            }
                            p.eat(b',')?;
                        }
                    }
                }
                7 => {
                    p.eat(b'{')?;
                    if !p.next_is(b'}') {
                        loop {
                            let key = p.string()?;
                            p.eat(b':')?;
                            let value = p.string()?;
                            // A key given twice: serde keeps the last; not read here.
                            if s.labels.insert(key, value).is_some() {
                                return None;
                            }
                            if p.next_is(b'}') {
                                break;
                            }
                            p.eat(b',')?;
                        }
                    }
                }
                8 => s.network = Mode::parse(p.str()?).ok()?,
                9 => s.restart_policy = RestartPolicy::parse(p.str()?).ok()?,
                10 => s.auto_remove = p.bool()?,
                11 => s.mounts = p.empty_or_serde()?,
                12 => s.ports = p.empty_or_serde()?,
                13 => s.exposed = p.empty_or_serde()?,
                14 => s.networks = p.empty_or_serde()?,
                15 => s.stamp = p.serde()?,
                _ => return None,
            }
            Some(())
        })?;
        Some(s)
    }

    /// A list: `[]` read here, any other text by serde_json.
    fn empty_or_serde<T: serde::de::DeserializeOwned>(&mut self) -> Option<Vec<T>> {
        self.ws();
        if self.text.as_bytes()[self.at..].starts_with(b"[]") {
            self.at += 2;
            return Some(Vec::new());
        }
        self.serde()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state as this release writes it, with a summary of every field filled.
    fn full() -> serde_json::Value {
        serde_json::json!({
            "status": "exited", "pid": 0, "pid_start": 0, "monitor_pid": 0,
            "monitor_start": 0, "exit_code": 3, "error": "",
            "started_at": "2026-12-07T22:57:07.598740252Z",
            "finished_at": "2026-12-07T22:57:07.600490104Z", "restart_count": 2,
            "stop_requested": false, "oom_killed": true,
            "summary": {
                "id": "027329cb813129e6a3695c6be2e23c1125491342cba005f9289ac9315eb1a404",
                "name": "quirky_meitner", "image": "localhost:5000/busybox",
                "image_id": "sha256:0065f9e5acdeb697105e5c722c7785de6487d5ba12e5f18ebaec4db4758d2017",
                "created": "2026-12-07T22:57:07.595045727Z", "path": "sh",
                "args": ["-c", "échelle 日本語"], "labels": {"a": "b", "com.x": ""},
                "network": "none", "restart_policy": "on-failure:3", "auto_remove": false,
                "mounts": [], "ports": [], "exposed": [], "networks": []
            }
        })
    }

    /// What serde_json reads of `text` (the listing's parse), as JSON, or `None`.
    fn by_serde(text: &str) -> Option<serde_json::Value> {
        let st = super::super::summary::parse_state(text.as_bytes()).ok()?;
        serde_json::to_value(&st).ok()
    }

    /// Whatever the direct reader accepts, serde_json reads the same.
    fn agrees(text: &str) -> bool {
        match parse(text) {
            Some(st) => {
                let fast = serde_json::to_value(&st).expect("json");
                assert_eq!(Some(&fast), by_serde(text).as_ref(), "{text}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn reads_what_this_release_writes() {
        for v in [full(), {
            let mut v = full();
            v["status"] = "running".into();
            v["pid"] = 12345.into();
            v["pid_start"] = 987654321.into();
            v["monitor_pid"] = 12340.into();
            v["monitor_start"] = 987654300.into();
            v["exit_code"] = (-1).into();
            v["error"] = "oci runtime: it broke".into();
            v["started_at"] = serde_json::Value::Null;
            v["finished_at"] = serde_json::Value::Null;
            v["summary"]["args"] = serde_json::json!([]);
            v["summary"]["labels"] = serde_json::json!({});
            v["summary"]["network"] = "bridge".into();
            v["summary"]["auto_remove"] = true.into();
            v
        }] {
            // Compact, as written, and pretty, as earlier releases wrote it.
            let st: ContainerState = serde_json::from_value(v.clone()).expect("state");
            let compact = String::from_utf8(st.to_json().expect("json")).expect("utf-8");
            assert!(agrees(&compact), "{compact}");
            let pretty = serde_json::to_string_pretty(&v).expect("json");
            assert!(agrees(&pretty), "{pretty}");
        }
    }

    #[test]
    fn hands_the_rare_fields_to_serde() {
        let mut v = full();
        v["health"] = serde_json::json!({"Status": "healthy", "FailingStreak": 0, "Log": []});
        v["frozen"] = serde_json::json!({"by": "signals", "processes": [[12, 34], [56, 78]]});
        v["summary"]["stamp"] = serde_json::json!({"ino": 5, "mtime": 6, "mtime_ns": 7, "size": 8});
        v["summary"]["mounts"] = serde_json::json!([{
            "type": "volume", "name": "data", "source": "/v/x\"y]}", "destination": "/data",
            "rw": true
        }]);
        v["summary"]["ports"] = serde_json::json!([{
            "host_ip": "", "host_port": 8080, "container_port": 80, "proto": "tcp"
        }]);
        v["summary"]["exposed"] = serde_json::json!([{"port": 80, "proto": "tcp"}]);
        // Each read by serde_json from its own text.
        assert!(agrees(&serde_json::to_string(&v).expect("json")));
        assert!(agrees(&serde_json::to_string_pretty(&v).expect("json")));
        v["frozen"] = serde_json::json!({"by": "cgroup"});
        v["health"] = serde_json::Value::Null;
        v["summary"]["stamp"] = serde_json::Value::Null;
        assert!(agrees(&serde_json::to_string(&v).expect("json")));
        // What serde_json cannot read of them is not taken.
        v["frozen"] = serde_json::json!({"by": "magic"});
        assert!(!agrees(&serde_json::to_string(&v).expect("json")));
    }

    /// Texts it must not take (serde_json decides): each a small change of a good state.
    #[test]
    fn leaves_everything_else_to_serde() {
        let good = serde_json::to_string(&full()).expect("json");
        assert!(agrees(&good));
        let edits: &[(&str, &str)] = &[
            ("\"exit_code\":3", "\"exit_code\":3.0"),
            ("\"exit_code\":3", "\"exit_code\":3e0"),
            ("\"exit_code\":3", "\"exit_code\":03"),
            ("\"exit_code\":3", "\"exit_code\":+3"),
            ("\"exit_code\":3", "\"exit_code\":99999999999"),
            ("\"exit_code\":3", "\"exit_code\":null"),
            ("\"exit_code\":3", "\"exit_code\":\"3\""),
            ("\"pid_start\":0", "\"pid_start\":-1"),
            ("\"restart_count\":2", "\"restart_count\":-2"),
            ("\"exit_code\":3,", ""),
            ("\"pid_start\":0,", ""),
            ("\"error\":\"\"", "\"error\":\"a\\nb\""),
            ("\"error\":\"\"", "\"error\":\"a\tb\""),
            ("\"error\":\"\"", "\"error\":null"),
            ("\"status\":\"exited\"", "\"status\":\"Exited\""),
            (
                "\"status\":\"exited\"",
                "\"status\":\"exited\",\"status\":\"running\"",
            ),
            ("\"oom_killed\":true", "\"oom_killed\":1"),
            ("\"oom_killed\":true", "\"oom_killed\":true,\"extra\":1"),
            (
                "\"name\":\"quirky_meitner\"",
                "\"name\":\"quirky\\u005fmeitner\"",
            ),
            ("\"name\":\"quirky_meitner\",", ""),
            ("\"network\":\"none\"", "\"network\":\"no/pe\""),
            (
                "\"restart_policy\":\"on-failure:3\"",
                "\"restart_policy\":\"sometimes\"",
            ),
            (
                "\"labels\":{\"a\":\"b\"",
                "\"labels\":{\"a\":\"b\",\"a\":\"c\"",
            ),
            ("\"args\":[\"-c\"", "\"args\":[null"),
            ("\"mounts\":[]", "\"mounts\":{}"),
            ("\"mounts\":[]", "\"mounts\":[1]"),
            ("\"ports\":[]", "\"ports\":[{\"host_port\":1}]"),
            ("\"summary\":{", "\"summary\":null,\"x\":{"),
        ];
        for (from, to) in edits {
            assert!(good.contains(from), "{from}");
            let text = good.replacen(from, to, 1);
            assert!(!agrees(&text), "{text}");
        }
        for cut in [1, 10, good.len() / 2, good.len() - 2, good.len() - 1] {
            assert!(!agrees(&good[..cut]));
        }
        assert!(!agrees(&format!("{good}x")));
        assert!(!agrees(&format!("{good}{{}}")));
        assert!(agrees(&format!(" {good}\n")));
        assert!(!agrees(""));
        assert!(!agrees("{}"));
        assert!(!agrees("[]"));
    }

    /// The word-at-a-time scan finds what a byte-at-a-time one finds, wherever it is.
    #[test]
    fn strings_scan_as_byte_by_byte() {
        let naive = |text: &str| -> Option<String> {
            let body = text.strip_prefix('"')?;
            let end = body.find('"')?;
            let s = &body[..end];
            (!s.bytes().any(|b| b == b'\\' || b < 0x20)).then(|| s.to_string())
        };
        let fills = ["a", "é", "日", "\u{7f}", "\u{ff}"];
        for len in 0..20 {
            for fill in fills {
                for special in ["\"", "\\", "\n", "\u{1}", "\u{1f}", " ", "!", "#", "["] {
                    for at in 0..=len {
                        let mut s = String::from('"');
                        for i in 0..len {
                            s.push_str(if i == at { special } else { fill });
                        }
                        let text = format!("{s}\",1");
                        let mut p = Parser { text: &text, at: 0 };
                        assert_eq!(p.str().map(str::to_string), naive(&text), "{text:?}");
                    }
                }
            }
        }
    }

    /// Every key order reads the same (serde takes any).
    #[test]
    fn any_order_reads_the_same() {
        let v = full();
        let obj = v.as_object().expect("object");
        let mut keys: Vec<&String> = obj.keys().collect();
        for turn in 0..keys.len() {
            keys.rotate_left(1);
            let mut text = String::from("{");
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                text.push_str(&format!("{k:?}:{}", obj[k.as_str()]));
            }
            text.push('}');
            assert!(agrees(&text), "turn {turn}: {text}");
        }
    }

    /// Any damage (a state cut anywhere, any byte replaced by one of JSON's delimiters, a
    /// quote, a backslash, a digit or a control character) never panics, and what is still
    /// taken reads as serde_json reads it.
    #[test]
    fn damaged_texts_never_panic_and_agree_when_taken() {
        let good = serde_json::to_string(&full()).expect("json");
        for cut in 0..good.len() {
            if let Some(text) = good.get(..cut) {
                agrees(text);
            }
        }
        let bytes = good.as_bytes();
        for at in 0..bytes.len() {
            for b in [
                b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', b'-', b'0', b'9', b' ', 0x01,
            ] {
                let mut changed = bytes.to_vec();
                changed[at] = b;
                if let Ok(text) = std::str::from_utf8(&changed) {
                    agrees(text);
                }
            }
        }
    }
}
