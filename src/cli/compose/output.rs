//! Rendering compose's container output: `name  | line` prefixes (coloured on a terminal, as
//! docker compose does) for `logs` and attached `up`, which follows every container until
//! they all exit, or stops the project on Ctrl-C.
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::engine::compose::{self, convert, ops, Project};
use crate::engine::EngineError;
use crate::monitor::log::Entry;
use crate::state::Paths;

/// docker compose's palette, one colour per container in turn.
const COLOURS: &[&str] = &["36", "33", "32", "35", "34", "96", "93", "92", "95", "94"];

/// The prefix of each container's lines.
pub struct Prefixes {
    map: BTreeMap<String, String>,
}

impl Prefixes {
    /// Prefixes for `names`: the container name without `<project>-`, padded to the longest;
    /// coloured when `colour` and stdout is a terminal; none at all without `show`.
    pub fn new<'a>(
        project: &str,
        names: impl Iterator<Item = &'a str>,
        colour: bool,
        show: bool,
    ) -> Prefixes {
        let names: Vec<&str> = names.collect();
        let short = |n: &str| -> String {
            n.strip_prefix(&format!("{project}-"))
                .unwrap_or(n)
                .to_string()
        };
        // docker compose: the longest name plus one, then ` | `.
        let width = names.iter().map(|n| short(n).len()).max().unwrap_or(0) + 1;
        let colour = colour && std::io::stdout().is_terminal();
        let map = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let text = format!("{:<width$} | ", short(n));
                let p = match (show, colour) {
                    (false, _) => String::new(),
                    (true, true) => format!("\x1b[{}m{text}\x1b[0m", COLOURS[i % COLOURS.len()]),
                    (true, false) => text,
                };
                (n.to_string(), p)
            })
            .collect();
        Prefixes { map }
    }

    fn prefix(&self, name: &str) -> &str {
        self.map.get(name).map(String::as_str).unwrap_or("")
    }

    /// One log entry, whole lines, under the container's prefix.
    pub fn print(&self, name: &str, e: &Entry, timestamps: bool) {
        let mut text = String::new();
        for line in e.log.split_inclusive('\n') {
            text.push_str(self.prefix(name));
            if timestamps {
                text.push_str(&e.time);
                text.push(' ');
            }
            text.push_str(line);
        }
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// A line of compose's own under the prefix (`web-1 exited with code 0`).
    pub fn note(&self, name: &str, msg: &str) {
        let short = self
            .prefix(name)
            .trim_end()
            .trim_end_matches('|')
            .trim_end();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{} {msg}", if short.is_empty() { name } else { short });
    }
}

/// How `up` attaches (its flags): the services named, with their dependencies or not, colours
/// and prefixes, and what ends it.
pub struct Attached<'a> {
    pub services: &'a [String],
    pub deps: bool,
    pub color: bool,
    pub prefix: bool,
    pub abort_on_container_exit: bool,
    pub timeout: Option<i64>,
}

/// Attached `up`: every service container's output until they all exit (exit status 0), or
/// until Ctrl-C (or SIGTERM), which stops the project (exit status 130).
pub fn attached(paths: &Paths, p: &Project, a: &Attached<'_>) -> Result<i32, EngineError> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(EngineError::io("installing the signal handler"))?;
    }
    let selected = compose::up::select(p, a.services, a.deps)?;
    let mut ctrs = compose::project_containers(paths, &p.name, false)?;
    ctrs.retain(|c| {
        c.record
            .labels
            .get(convert::LABEL_SERVICE)
            .is_some_and(|s| selected.contains(s))
    });
    ctrs.sort_by(|x, y| x.record.name.cmp(&y.record.name));
    let prefixes = Prefixes::new(
        &p.name,
        ctrs.iter().map(|c| c.record.name.as_str()),
        a.color,
        a.prefix,
    );
    let running = AtomicUsize::new(ctrs.len());
    let aborted = AtomicBool::new(false);
    let q = crate::engine::logs::LogQuery {
        follow: true,
        tail: None,
        since: None,
        until: None,
    };
    std::thread::scope(|scope| {
        for c in &ctrs {
            let (q, prefixes, stop, running, aborted) = (&q, &prefixes, &stop, &running, &aborted);
            let (id, name) = (c.record.id.clone(), c.record.name.clone());
            scope.spawn(move || {
                let wanted = || !stop.load(Ordering::SeqCst) && !aborted.load(Ordering::SeqCst);
                let _ = crate::engine::logs::logs(
                    paths,
                    &id,
                    q,
                    &mut |e| prefixes.print(&name, e, false),
                    &wanted,
                );
                if wanted() {
                    if let Ok(info) = crate::engine::container::get(paths, &id) {
                        prefixes.note(&name, &format!("exited with code {}", info.state.exit_code));
                    }
                    if a.abort_on_container_exit {
                        aborted.store(true, Ordering::SeqCst);
                    }
                }
                running.fetch_sub(1, Ordering::SeqCst);
            });
        }
        while running.load(Ordering::SeqCst) > 0
            && !stop.load(Ordering::SeqCst)
            && !aborted.load(Ordering::SeqCst)
        {
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let interrupted = stop.load(Ordering::SeqCst);
    if interrupted || aborted.load(Ordering::SeqCst) {
        if interrupted {
            eprintln!("Gracefully stopping... (press Ctrl+C again to force)");
        } else {
            eprintln!("Aborting on container exit...");
        }
        let services: Vec<String> = selected.into_iter().collect();
        ops::act(paths, p, &services, &ops::Action::Stop(a.timeout), &|_| {})?;
    }
    Ok(if interrupted { 130 } else { 0 })
}
