//! What `ps` shows and filters on, kept in each container's `state.json` beside its state, so
//! that listing reads one small file per container instead of its record and its state.
//!
//! A summary is a copy of part of the record (`container.json`), taken and written under the
//! container's lock from the record as it is on disk then, and trusted as it is: listing reads
//! `state.json` alone, nothing of the record. What keeps it true: the record is only changed
//! under the same lock by `save_record`, which first takes the summary out of the state
//! (durably), then replaces the record, then writes the new summary; a crash between leaves a
//! state without a summary, which the next listing rebuilds from whichever record is on disk.
//! Everything else that rewrites the state (the monitor, `stop`, `pause`…) reads it under the
//! lock and carries the summary along.
//!
//! A summary written by an earlier release, which wrote the record first and the summary
//! after, carries the record's [`RecordStamp`] (inode, modification time and size) instead:
//! listing checks such a one against one `statx` of the record (a record written after it has
//! another stamp), and one that is missing, stale or damaged is rebuilt and written back
//! without a stamp (see `state::listing`).
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;

use serde::{Deserialize, Deserializer, Serialize};

use super::mount_record::MountRecord;
use super::network::{Attachment, ExposedPort, PortMapping};

/// The identity of one version of a container's record file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordStamp {
    pub ino: u64,
    pub mtime: i64,
    pub mtime_ns: i64,
    pub size: u64,
}

impl RecordStamp {
    pub fn of(meta: &std::fs::Metadata) -> RecordStamp {
        RecordStamp {
            ino: meta.ino(),
            mtime: meta.mtime(),
            mtime_ns: meta.mtime_nsec(),
            size: meta.size(),
        }
    }

    /// The same of a `stat` answer (`fstatat`).
    pub fn of_stat(st: &nix::sys::stat::FileStat) -> RecordStamp {
        RecordStamp {
            ino: st.st_ino,
            mtime: st.st_mtime,
            mtime_ns: st.st_mtime_nsec,
            size: u64::try_from(st.st_size).unwrap_or(0),
        }
    }
}

/// The record's fields that `ps`, its `--format` fields and its filters use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The record it was taken from, in a summary written by an earlier release (to be
    /// checked against the record); none in one written under the ordering described above
    /// (trusted as it is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp: Option<RecordStamp>,
    pub id: String,
    pub name: String,
    pub image: String,
    pub image_id: String,
    pub created: String,
    pub path: String,
    pub args: Vec<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub network: super::network_mode::Mode,
    #[serde(default)]
    pub restart_policy: super::restart::RestartPolicy,
    /// `--rm`.
    #[serde(default)]
    pub auto_remove: bool,
    #[serde(default)]
    pub mounts: Vec<MountRecord>,
    #[serde(default)]
    pub ports: Vec<PortMapping>,
    #[serde(default)]
    pub exposed: Vec<ExposedPort>,
    #[serde(default)]
    pub networks: Vec<Attachment>,
}

thread_local! {
    /// Set while [`parse_state`] makes its first, trusting attempt.
    static TRUSTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A summary that does not parse is no summary (it is rebuilt), not a broken state.
///
/// Taken as raw JSON text first (checked to be well-formed and copied: no tree of values is
/// built), then parsed on its own, so that a damaged summary fails alone. During the first
/// attempt of [`parse_state`], parsed in place instead.
pub(super) fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<Summary>>, D::Error> {
    if TRUSTING.get() {
        return Option::<Box<Summary>>::deserialize(d);
    }
    let raw = Option::<Box<serde_json::value::RawValue>>::deserialize(d)?;
    Ok(raw.and_then(|r| serde_json::from_str(r.get()).ok()))
}

/// A state from its JSON text, as `serde_json::from_slice` reads it, in one pass when its
/// summary is whole: the summary is parsed in place, and only a text that fails that way is
/// parsed again, with the summary set aside as raw text first (the pass that checks it was a
/// sixth of a `ps`'s instructions with 200 containers, debug build).
///
/// A state in the form this release writes is read by `state::fast_parse` instead, which
/// takes only what serde_json reads the same.
///
/// The text is checked to be UTF-8 once, whole, and parsed as a `str`: parsed as bytes,
/// serde_json checks each string on its own (a fifth of the parse's instructions, release
/// build). A text that is not UTF-8 is parsed as bytes, as it always was.
pub(super) fn parse_state(data: &[u8]) -> serde_json::Result<super::container::ContainerState> {
    let text = std::str::from_utf8(data);
    // The form this release writes, read directly (`state::fast_parse`); anything else by
    // serde_json.
    if let Some(st) = text.ok().and_then(super::fast_parse::parse) {
        return Ok(st);
    }
    TRUSTING.set(true);
    let first = match text {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(data),
    };
    TRUSTING.set(false);
    first.or_else(|_| serde_json::from_slice(data))
}
