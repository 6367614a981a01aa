//! The container log. `json-file` (docker's default): one JSON object per line,
//! `{"log":"text\n","stream":"stdout","time":"..."}`; `k8s-file` (podman's):
//! `TIME STREAM F|P TEXT` lines; `none`: nothing is kept. `max-size` rotates the file into
//! `ctr.log.1` ... `ctr.log.N-1` (`max-file`, default 1: the log starts over); `journald`:
//! each line goes to the journal (`super::journald`); `none` and `passthrough`: nothing is
//! kept (with passthrough the container's stdio is the caller's, no line passes the monitor).
use std::io::Write;
use std::path::Path;

pub use super::entry::Entry;
pub use crate::state::container::LogConfig;

/// The longest entry: a longer line is split (docker's 16 KiB).
pub const MAX_ENTRY: usize = 16 * 1024;

/// Appends entries; keeps a partial line per stream until its newline (or the end).
pub struct Logger {
    file: Option<std::fs::File>,
    /// The journald driver's connection (then there is no file).
    journal: Option<super::journald::Journal>,
    path: std::path::PathBuf,
    config: LogConfig,
    written: u64,
    partial: [(String, Vec<u8>); 2],
}

impl Logger {
    /// The log of `config`'s driver: a file at `path` for json-file and k8s-file, `journal`
    /// for journald, nothing for the others.
    pub fn open(
        path: &Path,
        config: &LogConfig,
        journal: Option<super::journald::Journal>,
    ) -> Logger {
        let file = if !matches!(config.driver.as_str(), "json-file" | "k8s-file" | "") {
            None
        } else {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .ok()
        };
        let written = file
            .as_ref()
            .and_then(|f| f.metadata().ok())
            .map(|m| m.len())
            .unwrap_or(0);
        Logger {
            file,
            journal,
            path: path.to_path_buf(),
            config: config.clone(),
            written,
            partial: [("stdout".into(), Vec::new()), ("stderr".into(), Vec::new())],
        }
    }

    /// Rotate once the current file is over max-size: shift `.1`..`.N-2` up, the current file
    /// becomes `.1`, and a new one starts (with max-file 1 the old content is dropped).
    fn rotate_if_needed(&mut self) {
        if self.config.max_size == 0 || self.written < self.config.max_size {
            return;
        }
        let keep = self.config.max_file.max(1);
        let name = |i: u32| self.path.with_extension(format!("log.{i}"));
        if keep > 1 {
            for i in (1..keep - 1).rev() {
                let _ = std::fs::rename(name(i), name(i + 1));
            }
            let _ = std::fs::rename(&self.path, name(1));
        } else {
            let _ = std::fs::remove_file(&self.path);
        }
        self.file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .ok();
        self.written = 0;
    }

    fn slot(&mut self, stream: &str) -> usize {
        usize::from(stream == "stderr")
    }

    /// What the container wrote on `stream`: whole lines become entries; a line longer than
    /// [`MAX_ENTRY`] becomes several (docker's 16 KiB pieces).
    pub fn write(&mut self, stream: &str, data: &[u8]) {
        let i = self.slot(stream);
        let mut rest = data;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            let mut line = std::mem::take(&mut self.partial[i].1);
            line.extend_from_slice(&rest[..=pos]);
            rest = &rest[pos + 1..];
            let mut line = &line[..];
            while line.len() > MAX_ENTRY {
                self.piece(stream, &line[..MAX_ENTRY], true);
                line = &line[MAX_ENTRY..];
            }
            self.piece(stream, line, false);
        }
        self.partial[i].1.extend_from_slice(rest);
        while self.partial[i].1.len() >= MAX_ENTRY {
            let tail = self.partial[i].1.split_off(MAX_ENTRY);
            let head = std::mem::replace(&mut self.partial[i].1, tail);
            self.piece(stream, &head, true);
        }
    }

    /// The stream ended: what is left of its last line is an entry.
    pub fn flush_partial(&mut self, stream: &str) {
        let i = self.slot(stream);
        let line = std::mem::take(&mut self.partial[i].1);
        if !line.is_empty() {
            self.piece(stream, &line, false);
        }
    }

    /// One entry: a line, or a piece of one (`more`: the line goes on).
    fn piece(&mut self, stream: &str, line: &[u8], more: bool) {
        match &self.journal {
            Some(j) => j.send(stream, line, more),
            None => self.emit(stream, line),
        }
    }

    fn emit(&mut self, stream: &str, line: &[u8]) {
        if self.file.is_none() {
            return;
        }
        self.rotate_if_needed();
        let Some(f) = self.file.as_mut() else { return };
        let text = String::from_utf8_lossy(line);
        let time = super::now_rfc3339();
        let bytes = if self.config.driver == "k8s-file" {
            // F: a full line; P: a partial one (no newline at its end).
            let (body, tag) = match text.strip_suffix('\n') {
                Some(b) => (b, 'F'),
                None => (&text[..], 'P'),
            };
            format!("{time} {stream} {tag} {body}\n").into_bytes()
        } else {
            let e = Entry {
                log: text.into_owned(),
                stream: stream.to_string(),
                time,
            };
            match serde_json::to_vec(&e) {
                Ok(mut s) => {
                    s.push(b'\n');
                    s
                }
                Err(_) => return,
            }
        };
        if f.write_all(&bytes).is_ok() {
            self.written += bytes.len() as u64;
        }
    }
}

/// Read every entry of a log, its rotated files first (oldest first), in either format.
pub fn read(path: &Path) -> std::io::Result<Vec<Entry>> {
    let mut out = read_rotated(path)?;
    out.extend(read_files(&[path.to_path_buf()])?);
    Ok(out)
}

/// The entries of a log's rotated files only (oldest first).
pub fn read_rotated(path: &Path) -> std::io::Result<Vec<Entry>> {
    let mut files = Vec::new();
    for i in (1..100).rev() {
        let p = path.with_extension(format!("log.{i}"));
        if p.exists() {
            files.push(p);
        }
    }
    read_files(&files)
}

fn read_files(files: &[std::path::PathBuf]) -> std::io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    for f in files {
        let text = match std::fs::read(f) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        out.extend(
            text.split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .filter_map(parse_line),
        );
    }
    Ok(out)
}

/// Reads a log as it grows, through an open descriptor: what was written stays readable after
/// the container (and its directory) is removed. A rotation (the path names a new file) is
/// followed once the old file is read to its end.
#[derive(Debug)]
pub struct Follower {
    path: std::path::PathBuf,
    file: Option<(std::fs::File, u64)>,
    partial: Vec<u8>,
}

impl Follower {
    /// Start at the beginning of the log's current file (it may not exist yet).
    pub fn open(path: &Path) -> Follower {
        let mut f = Follower {
            path: path.to_path_buf(),
            file: None,
            partial: Vec::new(),
        };
        f.reopen();
        f
    }

    fn reopen(&mut self) -> bool {
        use std::os::unix::fs::MetadataExt;
        match std::fs::File::open(&self.path) {
            Ok(file) => {
                let ino = file.metadata().map(|m| m.ino()).unwrap_or(0);
                self.file = Some((file, ino));
                self.partial.clear();
                true
            }
            Err(_) => false,
        }
    }

    /// The complete entries written since the last call.
    pub fn next_entries(&mut self) -> std::io::Result<Vec<Entry>> {
        use std::io::Read;
        use std::os::unix::fs::MetadataExt;
        let mut out = Vec::new();
        if self.file.is_none() && !self.reopen() {
            return Ok(out);
        }
        loop {
            if let Some((f, _)) = self.file.as_mut() {
                f.read_to_end(&mut self.partial)?;
            }
            if let Some(end) = self.partial.iter().rposition(|&b| b == b'\n') {
                let rest = self.partial.split_off(end + 1);
                let done = std::mem::replace(&mut self.partial, rest);
                out.extend(
                    done.split(|&b| b == b'\n')
                        .filter(|l| !l.is_empty())
                        .filter_map(parse_line),
                );
            }
            // Rotated: the path names another file now; go on with it from its start.
            let current = self.file.as_ref().map(|(_, ino)| *ino);
            match std::fs::metadata(&self.path) {
                Ok(m) if Some(m.ino()) != current => {
                    if !self.reopen() {
                        return Ok(out);
                    }
                }
                _ => return Ok(out),
            }
        }
    }
}

fn parse_line(l: &[u8]) -> Option<Entry> {
    if l.first() == Some(&b'{') {
        return serde_json::from_slice(l).ok();
    }
    // k8s-file: TIME STREAM F|P TEXT
    let s = String::from_utf8_lossy(l);
    let mut parts = s.splitn(4, ' ');
    let time = parts.next()?.to_string();
    let stream = parts.next()?.to_string();
    let tag = parts.next()?;
    let body = parts.next().unwrap_or_default();
    let log = if tag == "F" {
        format!("{body}\n")
    } else {
        body.to_string()
    };
    Some(Entry { log, stream, time })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_options() {
        let c =
            LogConfig::parse("json-file", &["max-size=10k".into(), "max-file=3".into()]).unwrap();
        assert_eq!((c.max_size, c.max_file), (10240, 3));
        assert!(LogConfig::parse("syslog", &[]).is_err());
        assert!(LogConfig::parse("journald", &["max-size=1k".into()]).is_err());
        assert!(LogConfig::parse("passthrough", &["tag=x".into()]).is_err());
        let j = LogConfig::parse("journald", &["tag={{.Name}}".into()]).unwrap();
        assert_eq!(j.tag.as_deref(), Some("{{.Name}}"));
        assert!(LogConfig::parse("json-file", &["max-size=0".into()]).is_err());
        assert!(LogConfig::parse("json-file", &["colour=blue".into()]).is_err());
        assert_eq!(LogConfig::parse("", &[]).unwrap().driver, "json-file");
    }

    #[test]
    fn both_formats_read_back() {
        let dir = tempfile::tempdir().unwrap();
        for driver in ["json-file", "k8s-file"] {
            let p = dir.path().join(format!("{driver}.log"));
            let cfg = LogConfig::parse(driver, &[]).unwrap();
            let mut l = Logger::open(&p, &cfg, None);
            l.write("stdout", b"one\ntw");
            l.write("stderr", b"err\n");
            l.flush_partial("stdout");
            let e = read(&p).unwrap();
            let got: Vec<(String, String)> = e.into_iter().map(|e| (e.stream, e.log)).collect();
            assert_eq!(
                got,
                vec![
                    ("stdout".into(), "one\n".into()),
                    ("stderr".into(), "err\n".into()),
                    ("stdout".into(), "tw".into())
                ],
                "{driver}"
            );
        }
    }

    #[test]
    fn rotation_keeps_max_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ctr.log");
        let cfg =
            LogConfig::parse("json-file", &["max-size=1k".into(), "max-file=2".into()]).unwrap();
        let mut l = Logger::open(&p, &cfg, None);
        for i in 0..200 {
            l.write("stdout", format!("line {i}\n").as_bytes());
        }
        assert!(std::fs::metadata(&p).unwrap().len() <= 1100);
        assert!(p.with_extension("log.1").exists());
        assert!(!p.with_extension("log.2").exists());
        let e = read(&p).unwrap();
        assert_eq!(e.last().unwrap().log, "line 199\n");
        assert!(e.len() < 200);
    }
}
