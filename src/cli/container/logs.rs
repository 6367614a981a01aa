//! `logs`: arguments (`--tail`, `--since`, `--until`, `--timestamps`) and rendering.
use std::io::Write;

use clap::Args;

use crate::engine::EngineError;
use crate::state::Paths;

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Follow log output
    #[arg(short, long)]
    pub follow: bool,
    /// Show timestamps
    #[arg(short, long)]
    pub timestamps: bool,
    /// Number of lines to show from the end of the logs ("all" for every line)
    #[arg(short = 'n', long, value_name = "N")]
    pub tail: Option<String>,
    /// Show logs since a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m")
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m")
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Show extra details provided to logs (the log driver's attributes; skiff's drivers add
    /// none, so each line gets docker's empty-attributes prefix, a space)
    #[arg(long)]
    pub details: bool,
    pub container: String,
}

pub fn logs(a: LogsArgs) -> Result<i32, EngineError> {
    use crate::engine::logs as el;
    let paths = Paths::from_env();
    let info = crate::engine::container::get(&paths, &a.container)?;
    let now = chrono::Utc::now();
    let q = el::LogQuery {
        follow: a.follow,
        tail: match &a.tail {
            Some(t) => el::parse_tail(t)?,
            None => None,
        },
        since: a
            .since
            .as_deref()
            .map(|s| el::parse_time(s, now))
            .transpose()?,
        until: a
            .until
            .as_deref()
            .map(|s| el::parse_time(s, now))
            .transpose()?,
    };
    let mut emit = |e: &crate::monitor::log::Entry| {
        // docker: the attributes, then a space, before the line; the time before both.
        let details = if a.details { " " } else { "" };
        let text = if a.timestamps {
            format!("{} {details}{}", e.time, e.log)
        } else {
            format!("{details}{}", e.log)
        };
        if e.stream == "stderr" {
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        } else {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    };
    el::logs(&paths, &info.record.id, &q, &mut emit, &|| true)?;
    Ok(0)
}
