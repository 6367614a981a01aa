//! The container log, in docker's json-file format: one JSON object per line,
//! `{"log":"text\n","stream":"stdout","time":"..."}`.
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Entry {
    pub log: String,
    pub stream: String,
    pub time: String,
}

/// Appends entries; keeps a partial line per stream until its newline (or the end).
pub struct Logger {
    file: Option<std::fs::File>,
    partial: [(String, Vec<u8>); 2],
}

impl Logger {
    pub fn open(path: &Path) -> Logger {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok();
        Logger {
            file,
            partial: [("stdout".into(), Vec::new()), ("stderr".into(), Vec::new())],
        }
    }

    fn slot(&mut self, stream: &str) -> usize {
        usize::from(stream == "stderr")
    }

    pub fn write(&mut self, stream: &str, data: &[u8]) {
        let i = self.slot(stream);
        let mut rest = data;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            let mut line = std::mem::take(&mut self.partial[i].1);
            line.extend_from_slice(&rest[..=pos]);
            self.emit(stream, &line);
            rest = &rest[pos + 1..];
        }
        self.partial[i].1.extend_from_slice(rest);
        if self.partial[i].1.len() >= 16 * 1024 {
            self.flush_partial(stream);
        }
    }

    pub fn flush_partial(&mut self, stream: &str) {
        let i = self.slot(stream);
        let line = std::mem::take(&mut self.partial[i].1);
        if !line.is_empty() {
            self.emit(stream, &line);
        }
    }

    fn emit(&mut self, stream: &str, line: &[u8]) {
        let Some(f) = self.file.as_mut() else { return };
        let e = Entry {
            log: String::from_utf8_lossy(line).into_owned(),
            stream: stream.to_string(),
            time: super::now_rfc3339(),
        };
        if let Ok(mut s) = serde_json::to_vec(&e) {
            s.push(b'\n');
            let _ = f.write_all(&s);
        }
    }
}

/// Read every entry of a log file.
pub fn read(path: &Path) -> std::io::Result<Vec<Entry>> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(|l| serde_json::from_slice(l).ok())
        .collect())
}
