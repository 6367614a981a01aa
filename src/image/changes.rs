//! `import --change 'INSTRUCTION ...'`: the Dockerfile instructions that edit an image config.
use serde_json::{json, Map, Value};

use super::ImageError;

fn bad(change: &str, reason: &str) -> ImageError {
    ImageError::Corrupt {
        what: format!("--change {change:?}"),
        reason: reason.to_string(),
    }
}

/// `["a","b"]` (JSON form) or `a b` (shell form, run by `/bin/sh -c`).
fn command(args: &str) -> Vec<String> {
    if args.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Vec<String>>(args) {
            return v;
        }
    }
    vec!["/bin/sh".into(), "-c".into(), args.to_string()]
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2
        && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\'')))
    {
        s[1..s.len() - 1].to_string()
    } else {
        s.to_string()
    }
}

/// Split `k=v k2="v 2"` into pairs, or `k v w` (legacy form) into one pair.
fn key_values(args: &str) -> Vec<(String, String)> {
    if !args.split_whitespace().next().unwrap_or("").contains('=') {
        let (k, v) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
        return vec![(k.to_string(), v.trim().to_string())];
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut words = Vec::new();
    for c in args.chars() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                cur.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            (_, c) => cur.push(c),
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    for w in words {
        let (k, v) = w.split_once('=').unwrap_or((&w, ""));
        out.push((unquote(k), unquote(v)));
    }
    out
}

/// Apply one `--change` to the `config` object of an image configuration.
pub fn apply(config: &mut Map<String, Value>, change: &str) -> Result<(), ImageError> {
    let change_t = change.trim();
    let (instr, args) = change_t
        .split_once(char::is_whitespace)
        .map(|(i, a)| (i, a.trim()))
        .unwrap_or((change_t, ""));
    if args.is_empty() {
        return Err(bad(change, "missing arguments"));
    }
    match instr.to_ascii_uppercase().as_str() {
        "CMD" => {
            config.insert("Cmd".into(), json!(command(args)));
        }
        "ENTRYPOINT" => {
            config.insert("Entrypoint".into(), json!(command(args)));
        }
        "ENV" => {
            let env = config
                .entry("Env")
                .or_insert_with(|| json!([]))
                .as_array_mut()
                .ok_or_else(|| bad(change, "Env is not a list"))?;
            for (k, v) in key_values(args) {
                let prefix = format!("{k}=");
                env.retain(|e| !e.as_str().is_some_and(|s| s.starts_with(&prefix)));
                env.push(json!(format!("{k}={v}")));
            }
        }
        "LABEL" => {
            let labels = config
                .entry("Labels")
                .or_insert_with(|| json!({}));
            if labels.is_null() {
                *labels = json!({});
            }
            let labels = labels
                .as_object_mut()
                .ok_or_else(|| bad(change, "Labels is not a map"))?;
            for (k, v) in key_values(args) {
                labels.insert(k, json!(v));
            }
        }
        "WORKDIR" => {
            config.insert("WorkingDir".into(), json!(unquote(args)));
        }
        "USER" => {
            config.insert("User".into(), json!(unquote(args)));
        }
        "STOPSIGNAL" => {
            config.insert("StopSignal".into(), json!(unquote(args)));
        }
        "EXPOSE" => {
            let ports = config
                .entry("ExposedPorts")
                .or_insert_with(|| json!({}));
            if ports.is_null() {
                *ports = json!({});
            }
            let ports = ports
                .as_object_mut()
                .ok_or_else(|| bad(change, "ExposedPorts is not a map"))?;
            for p in args.split_whitespace() {
                let p = if p.contains('/') {
                    p.to_ascii_lowercase()
                } else {
                    format!("{p}/tcp")
                };
                let port = p.split('/').next().unwrap_or("");
                if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
                    return Err(bad(change, "invalid port"));
                }
                ports.insert(p, json!({}));
            }
        }
        "VOLUME" => {
            let vols = config.entry("Volumes").or_insert_with(|| json!({}));
            if vols.is_null() {
                *vols = json!({});
            }
            let vols = vols
                .as_object_mut()
                .ok_or_else(|| bad(change, "Volumes is not a map"))?;
            let list = if args.starts_with('[') {
                serde_json::from_str::<Vec<String>>(args)
                    .map_err(|e| bad(change, &e.to_string()))?
            } else {
                args.split_whitespace().map(str::to_string).collect()
            };
            for v in list {
                vols.insert(v, json!({}));
            }
        }
        other => {
            return Err(bad(
                change,
                &format!("{other} is not a valid change command (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR)"),
            ))
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_like_docker() {
        let mut c = Map::new();
        apply(&mut c, r#"CMD ["sh"]"#).unwrap();
        apply(&mut c, "ENTRYPOINT echo hi").unwrap();
        apply(&mut c, "ENV A=1 B=\"two words\"").unwrap();
        apply(&mut c, "ENV C 3 4").unwrap();
        apply(&mut c, "ENV A=5").unwrap();
        apply(&mut c, "WORKDIR /app").unwrap();
        apply(&mut c, "USER 1000:1000").unwrap();
        apply(&mut c, "LABEL a=b c=\"d e\"").unwrap();
        apply(&mut c, "EXPOSE 80 53/udp").unwrap();
        let v = Value::Object(c.clone());
        assert_eq!(v["Cmd"], json!(["sh"]));
        assert_eq!(v["Entrypoint"], json!(["/bin/sh", "-c", "echo hi"]));
        assert_eq!(v["Env"], json!(["B=two words", "C=3 4", "A=5"]));
        assert_eq!(v["WorkingDir"], "/app");
        assert_eq!(v["User"], "1000:1000");
        assert_eq!(v["Labels"], json!({"a": "b", "c": "d e"}));
        assert_eq!(v["ExposedPorts"], json!({"80/tcp": {}, "53/udp": {}}));
        assert!(apply(&mut c, "RUN x").is_err());
        assert!(apply(&mut c, "CMD").is_err());
    }
}
