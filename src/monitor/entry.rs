//! One line of a container's log as the log drivers keep it and `logs` reads it back: docker's
//! json-file object `{"log":"text\n","stream":"stdout","time":"..."}`.
use serde::{Deserialize, Serialize};

/// A log line (or a part of a longer one) from one stream, with its RFC 3339 time.
#[derive(Debug, Serialize, Deserialize)]
pub struct Entry {
    pub log: String,
    pub stream: String,
    pub time: String,
}
