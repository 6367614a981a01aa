//! Output rendering shared by the commands: errors, tables, inspect JSON, human times and sizes.
use std::io::Write;

use crate::engine::EngineError;

/// An error and its causes on one line, as `Error: ...` wants it.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut msg = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let s_msg = s.to_string();
        if !msg.contains(&s_msg) {
            msg.push_str(": ");
            msg.push_str(&s_msg);
        }
        cur = s.source();
    }
    msg
}

/// Print inspect results: a JSON array, or one line per object through a `--format` template.
pub fn print_inspect(
    values: &[serde_json::Value],
    format: Option<&str>,
) -> Result<(), EngineError> {
    let mut out = std::io::stdout().lock();
    match format {
        None => {
            let text = serde_json::to_string_pretty(values)
                .map_err(|e| EngineError::Usage(e.to_string()))?;
            let _ = writeln!(out, "{text}");
        }
        Some(f) => {
            for v in values {
                let line = template(f, v)?;
                let _ = writeln!(out, "{line}");
            }
        }
    }
    Ok(())
}

/// A small subset of Go templates: `{{.Field.Sub}}`, `{{json .X}}`, literal text.
/// (The full `--format` language comes with the image and container command sets.)
pub fn template(format: &str, value: &serde_json::Value) -> Result<String, EngineError> {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| {
            EngineError::Usage(format!("template: unclosed action in {format:?}"))
        })?;
        let action = after[..end].trim();
        let (json, path) = match action.strip_prefix("json ") {
            Some(p) => (true, p.trim()),
            None => (false, action),
        };
        let field = lookup(value, path)
            .ok_or_else(|| EngineError::Usage(format!("template: can't evaluate field {path}")))?;
        if json {
            out.push_str(&serde_json::to_string(field).unwrap_or_default());
        } else {
            out.push_str(&go_value(field));
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out.replace("\\t", "\t").replace("\\n", "\n"))
}

fn lookup<'a>(value: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    if path == "." {
        return Some(value);
    }
    let mut cur = value;
    for part in path.strip_prefix('.')?.split('.') {
        cur = cur.get(part)?;
    }
    Some(cur)
}

/// How Go's text/template prints a value.
fn go_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "<no value>".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => {
            format!("[{}]", a.iter().map(go_value).collect::<Vec<_>>().join(" "))
        }
        serde_json::Value::Object(m) => format!(
            "map[{}]",
            m.iter()
                .map(|(k, v)| format!("{k}:{}", go_value(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        other => other.to_string(),
    }
}

/// docker's human durations: "Less than a second", "3 seconds", "About a minute", "2 hours".
pub fn human_duration(secs: i64) -> String {
    let secs = secs.max(0);
    let mins = secs / 60;
    let hours = mins / 60;
    if secs < 1 {
        "Less than a second".into()
    } else if secs == 1 {
        "1 second".into()
    } else if secs < 60 {
        format!("{secs} seconds")
    } else if mins == 1 {
        "About a minute".into()
    } else if mins < 60 {
        format!("{mins} minutes")
    } else if hours == 1 {
        "About an hour".into()
    } else if hours < 48 {
        format!("{hours} hours")
    } else if hours < 24 * 7 * 2 {
        format!("{} days", hours / 24)
    } else if hours < 24 * 30 * 2 {
        format!("{} weeks", hours / 24 / 7)
    } else if hours < 24 * 365 * 2 {
        format!("{} months", hours / 24 / 30)
    } else {
        format!("{} years", hours / 24 / 365)
    }
}

/// docker's sizes: decimal units with three significant digits ("4.26MB", "128kB", "0B").
pub fn human_size(bytes: u64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1000.0 && i < units.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    // three significant digits, trailing zeros trimmed.
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    let mut s = format!("{v:.digits$}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    format!("{s}{}", units[i])
}

/// A tab-separated table with docker's spacing.
pub fn table() -> tabwriter::TabWriter<Vec<u8>> {
    tabwriter::TabWriter::new(Vec::new())
        .minwidth(10)
        .padding(3)
}

/// Flush a table to stdout.
pub fn print_table(tw: tabwriter::TabWriter<Vec<u8>>) {
    if let Ok(buf) = tw.into_inner() {
        let _ = std::io::stdout().lock().write_all(&buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_like_docker() {
        assert_eq!(human_size(0), "0B");
        assert_eq!(human_size(4_261_000), "4.26MB");
        assert_eq!(human_size(128_000), "128kB");
        assert_eq!(human_size(1_500), "1.5kB");
        assert_eq!(human_size(1_982_000), "1.98MB");
        assert_eq!(human_size(100_000), "100kB");
    }

    #[test]
    fn durations_like_docker() {
        assert_eq!(human_duration(3), "3 seconds");
        assert_eq!(human_duration(70), "About a minute");
        assert_eq!(human_duration(7200), "2 hours");
    }

    #[test]
    fn template_fields() {
        let v = serde_json::json!({"State": {"Status": "running", "ExitCode": 3}, "Name": "/web"});
        assert_eq!(
            template("{{.State.Status}} {{.Name}}", &v).unwrap(),
            "running /web"
        );
        assert_eq!(
            template("{{json .State}}", &v).unwrap(),
            r#"{"ExitCode":3,"Status":"running"}"#
        );
        assert!(template("{{.Nope}}", &v).is_err());
    }
}
