//! The `journald` log driver: each line the container writes becomes one journal entry, sent
//! in the journal's native protocol (datagrams of `FIELD=value` lines) to
//! `/run/systemd/journal/socket` (`$SKIFF_JOURNAL_SOCKET` overrides it, for tests). The fields
//! are docker's: `MESSAGE`, `CONTAINER_ID` (12 hex digits), `CONTAINER_ID_FULL`,
//! `CONTAINER_NAME`, `CONTAINER_TAG` and `SYSLOG_IDENTIFIER` (the `tag` option, `{{.ID}}` by
//! default), `IMAGE_NAME`, `PRIORITY` (6 for stdout, 3 for stderr), and
//! `CONTAINER_PARTIAL_MESSAGE=true` on a piece of a line longer than the monitor's 16 KiB line
//! buffer. Lines are split at that size rather than sent through a memfd as sd-journal does
//! for large entries: one entry stays well below the socket's datagram limit, and docker's
//! journald driver splits long lines the same way.
//!
//! Written by hand (a few dozen lines): the protocol is documented by systemd
//! (`systemd.journal-fields(7)`, "Native Journal Protocol") and the crates that speak it
//! (systemd-journal-logger, libsystemd) bring a `log` facade or much more than this needs.
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::Duration;

use crate::state::container::ContainerRecord;

/// The variable naming another journal socket (tests listen on one of their own).
pub const SOCKET_ENV: &str = "SKIFF_JOURNAL_SOCKET";
/// systemd-journald's native socket.
pub const DEFAULT_SOCKET: &str = "/run/systemd/journal/socket";
/// docker's default tag.
pub const DEFAULT_TAG: &str = "{{.ID}}";

/// The journal socket skiff writes to.
pub fn socket_path() -> PathBuf {
    std::env::var_os(SOCKET_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET))
}

/// What a `tag` template may name (docker's `logger.Info`): `{{.ID}}` (12 digits),
/// `{{.FullID}}`, `{{.Name}}`, `{{.ImageID}}`, `{{.ImageFullID}}`, `{{.ImageName}}`,
/// `{{.DaemonName}}`.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagFields {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "FullID")]
    pub full_id: String,
    pub name: String,
    #[serde(rename = "ImageID")]
    pub image_id: String,
    #[serde(rename = "ImageFullID")]
    pub image_full_id: String,
    pub image_name: String,
    pub daemon_name: String,
}

impl TagFields {
    pub fn of(rec: &ContainerRecord) -> TagFields {
        let image_full = rec.image_id.clone();
        let image_hex = image_full.strip_prefix("sha256:").unwrap_or(&image_full);
        TagFields {
            id: rec.id.get(..12).unwrap_or(&rec.id).to_string(),
            full_id: rec.id.clone(),
            name: rec.name.clone(),
            image_id: image_hex.get(..12).unwrap_or(image_hex).to_string(),
            image_full_id: image_full.clone(),
            image_name: rec.image.clone(),
            daemon_name: "skiff".into(),
        }
    }

    /// Stand-in values, to check a template before any container exists.
    pub fn example() -> TagFields {
        TagFields {
            id: "0123456789ab".into(),
            full_id: "0123456789ab".repeat(5) + "cdef",
            name: "name".into(),
            image_id: "0123456789ab".into(),
            image_full_id: format!("sha256:{}", "0".repeat(64)),
            image_name: "busybox".into(),
            daemon_name: "skiff".into(),
        }
    }
}

/// Why the journal cannot be written to or read back, or a tag not rendered.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// No journal socket to send to: docker's "journald is not enabled on this host".
    #[error(
        "failed to initialize logging driver: journald is not enabled on this host (no journal socket at {}: {source})",
        path.display()
    )]
    NotEnabled {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A `tag` template that does not parse, or names a key that does not exist (the
    /// template engine's message).
    #[error("{0}")]
    Tag(String),
    /// The entries cannot be read back: journalctl is not installed.
    #[error("configured logging driver does not support reading: the journald driver's entries are read back with journalctl, which is not installed")]
    NoJournalctl,
    /// journalctl could not be run.
    #[error("running journalctl: {0}")]
    Run(#[source] std::io::Error),
    /// journalctl failed: what it said.
    #[error("journalctl: {0}")]
    Journalctl(String),
}

/// Render a `tag` template (Go template syntax, as docker's). A key that does not exist is an
/// error.
pub fn render_tag(template: &str, fields: &TagFields) -> Result<String, JournalError> {
    let tag = |e: &dyn std::fmt::Display| JournalError::Tag(e.to_string());
    let t = gotmpl::Template::new("tag")
        .missing_key(gotmpl::MissingKey::Error)
        .parse(template)
        .map_err(|e| tag(&e))?;
    let value = serde_json::to_value(fields).map_err(|e| tag(&e))?;
    let data = gotmpl::to_value(&value).map_err(|e| tag(&e))?;
    t.execute_to_string(&data).map_err(|e| tag(&e))
}

/// A connection to the journal for one container: the fields every entry carries, encoded
/// once.
pub struct Journal {
    sock: UnixDatagram,
    fixed: Vec<u8>,
}

impl Journal {
    /// Connect to the journal's socket; the error says what is missing, as docker's
    /// "journald is not enabled on this host" does.
    pub fn connect(rec: &ContainerRecord) -> Result<Journal, JournalError> {
        let path = socket_path();
        let not_there = |source: std::io::Error| JournalError::NotEnabled {
            path: path.clone(),
            source,
        };
        let sock = UnixDatagram::unbound().map_err(not_there)?;
        sock.connect(&path).map_err(not_there)?;
        // A stalled journal must not stall the monitor for ever: an entry that cannot be sent
        // within this time is dropped (and said so in the monitor's diagnostics).
        let _ = sock.set_write_timeout(Some(Duration::from_secs(2)));
        let fields = TagFields::of(rec);
        let tag = rec.log_config.tag.as_deref().unwrap_or(DEFAULT_TAG);
        let tag = render_tag(tag, &fields).unwrap_or_else(|_| fields.id.clone());
        let mut fixed = Vec::new();
        for (k, v) in [
            ("CONTAINER_ID", fields.id.as_str()),
            ("CONTAINER_ID_FULL", fields.full_id.as_str()),
            ("CONTAINER_NAME", fields.name.as_str()),
            ("CONTAINER_TAG", tag.as_str()),
            ("IMAGE_NAME", fields.image_name.as_str()),
            ("SYSLOG_IDENTIFIER", tag.as_str()),
        ] {
            field(&mut fixed, k, v.as_bytes());
        }
        Ok(Journal { sock, fixed })
    }

    /// Send one entry: a line (its newline taken off) or, `partial`, a piece of one.
    pub fn send(&self, stream: &str, line: &[u8], partial: bool) {
        let msg = line.strip_suffix(b"\n").unwrap_or(line);
        let priority: &[u8] = if stream == "stderr" { b"3" } else { b"6" };
        let mut d = Vec::with_capacity(self.fixed.len() + msg.len() + 64);
        field(&mut d, "MESSAGE", msg);
        field(&mut d, "PRIORITY", priority);
        d.extend_from_slice(&self.fixed);
        if partial {
            field(&mut d, "CONTAINER_PARTIAL_MESSAGE", b"true");
        }
        if let Err(e) = self.sock.send(&d) {
            tracing::warn!("journald: an entry of {} bytes was dropped: {e}", d.len());
        }
    }
}

/// Append one field: `NAME=value\n`, or, when the value holds a newline, the binary form
/// `NAME\n`, the value's length as 64-bit little endian, the value, `\n`.
fn field(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    if value.contains(&b'\n') {
        out.push(b'\n');
        out.extend_from_slice(&(value.len() as u64).to_le_bytes());
    } else {
        out.push(b'=');
    }
    out.extend_from_slice(value);
    out.push(b'\n');
}

/// What reading a container's entries back from the journal gave.
pub struct ReadBack {
    pub entries: Vec<super::entry::Entry>,
    /// Where the next read starts (journalctl's `__CURSOR` of the last entry).
    pub cursor: Option<String>,
}

/// Read a container's entries back from the journal through `journalctl` (docker reads the
/// journal through sd-journal; skiff does not link libsystemd), those after `cursor` when given.
/// An error says why they cannot be read: no journalctl, or what journalctl said.
pub fn read_back(full_id: &str, cursor: Option<&str>) -> Result<ReadBack, JournalError> {
    let mut cmd = std::process::Command::new("journalctl");
    cmd.args(["--no-pager", "--quiet", "-o", "json"]);
    if let Some(c) = cursor {
        cmd.arg(format!("--after-cursor={c}"));
    }
    cmd.arg(format!("CONTAINER_ID_FULL={full_id}"));
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                JournalError::NoJournalctl
            } else {
                JournalError::Run(e)
            }
        })?;
    if !out.status.success() {
        return Err(JournalError::Journalctl(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    let mut back = ReadBack {
        entries: Vec::new(),
        cursor: cursor.map(String::from),
    };
    for line in out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        if let Some(c) = v["__CURSOR"].as_str() {
            back.cursor = Some(c.to_string());
        }
        if let Some(e) = entry_of(&v) {
            back.entries.push(e);
        }
    }
    Ok(back)
}

/// One journalctl JSON record as a log entry: `MESSAGE` is a string, or an array of bytes when
/// it is not UTF-8; a whole line gets its newline back.
fn entry_of(v: &serde_json::Value) -> Option<super::entry::Entry> {
    let mut text = match &v["MESSAGE"] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(bytes) => {
            let b: Vec<u8> = bytes
                .iter()
                .filter_map(|x| x.as_u64().and_then(|n| u8::try_from(n).ok()))
                .collect();
            String::from_utf8_lossy(&b).into_owned()
        }
        _ => return None,
    };
    if v["CONTAINER_PARTIAL_MESSAGE"].as_str() != Some("true") {
        text.push('\n');
    }
    let stream = if v["PRIORITY"].as_str() == Some("3") {
        "stderr"
    } else {
        "stdout"
    };
    let micros: i64 = v["__REALTIME_TIMESTAMP"].as_str()?.parse().ok()?;
    let time = chrono::DateTime::from_timestamp_micros(micros)?
        .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    Some(super::entry::Entry {
        log: text,
        stream: stream.into(),
        time,
    })
}

/// Parse one datagram of the native protocol into its fields (the tests' listener, and a
/// check of `field`).
pub fn parse_datagram(d: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = d;
    while !rest.is_empty() {
        let Some(end) = rest.iter().position(|&b| b == b'\n' || b == b'=') else {
            break;
        };
        let name = String::from_utf8_lossy(&rest[..end]).into_owned();
        if rest[end] == b'=' {
            let after = &rest[end + 1..];
            let stop = after
                .iter()
                .position(|&b| b == b'\n')
                .unwrap_or(after.len());
            out.push((name, after[..stop].to_vec()));
            rest = after.get(stop + 1..).unwrap_or_default();
        } else {
            let after = &rest[end + 1..];
            let Some(len) = after.get(..8) else { break };
            let mut n = [0u8; 8];
            n.copy_from_slice(len);
            let n = u64::from_le_bytes(n) as usize;
            let Some(value) = after.get(8..8 + n) else {
                break;
            };
            out.push((name, value.to_vec()));
            rest = after.get(8 + n + 1..).unwrap_or_default();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip() {
        let mut d = Vec::new();
        field(&mut d, "MESSAGE", b"hello");
        field(&mut d, "TWO", b"a\nb");
        field(&mut d, "PRIORITY", b"6");
        assert_eq!(
            parse_datagram(&d),
            vec![
                ("MESSAGE".into(), b"hello".to_vec()),
                ("TWO".into(), b"a\nb".to_vec()),
                ("PRIORITY".into(), b"6".to_vec())
            ]
        );
    }

    #[test]
    fn journalctl_records() {
        let v = serde_json::json!({"MESSAGE": "hi", "PRIORITY": "3",
            "__REALTIME_TIMESTAMP": "1714564800000000", "__CURSOR": "c1"});
        let e = entry_of(&v).unwrap();
        assert_eq!((e.log.as_str(), e.stream.as_str()), ("hi\n", "stderr"));
        assert_eq!(e.time, "2024-05-01T12:00:00.000000000Z");
        let v = serde_json::json!({"MESSAGE": [104, 105], "PRIORITY": "6",
            "CONTAINER_PARTIAL_MESSAGE": "true", "__REALTIME_TIMESTAMP": "1"});
        let e = entry_of(&v).unwrap();
        assert_eq!((e.log.as_str(), e.stream.as_str()), ("hi", "stdout"));
    }

    #[test]
    fn tags() {
        let f = TagFields::example();
        assert_eq!(render_tag("{{.ID}}", &f).unwrap(), "0123456789ab");
        assert_eq!(
            render_tag("app/{{.Name}}/{{.ImageName}}", &f).unwrap(),
            "app/name/busybox"
        );
        assert!(render_tag("{{.Nope}}", &f).is_err());
        assert!(render_tag("{{.ID", &f).is_err());
    }
}
