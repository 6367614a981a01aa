//! Reading one Compose file: YAML (serde-saphyr), extension fields dropped, interpolation,
//! the typed check against the raw schema with errors that name the file, line and key, list
//! forms turned into maps for merging, and relative paths made absolute; then its `include`
//! (other projects' files added) and `extends` (a service built on another) resolved, which
//! read those files in turn.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::interpolate::{self, Vars};
use super::merge::merge;
use super::options::{abs, usage};
use super::raw;
use crate::engine::EngineError;

/// Read one file: YAML, extension fields dropped, interpolated, checked against the schema
/// (the raw types), relative paths made absolute against `base`, `include` and `extends`
/// resolved. `stack` holds the files being read (include and extends cycles).
pub(super) fn read_file(
    path: &Path,
    base: &Path,
    vars: &Vars,
    stack: &mut Vec<PathBuf>,
) -> Result<Value, EngineError> {
    let shown = path.display().to_string();
    if stack.contains(&path.to_path_buf()) {
        return Err(usage(format!("{shown}: include or extends cycle")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| usage(format!("reading {shown}: {e}")))?;
    let mut v = parse_yaml(&text).map_err(|e| {
        // `FILE:LINE:COLUMN: message` when the parser knows where.
        let sep = if e.starts_with(|c: char| c.is_ascii_digit()) {
            ":"
        } else {
            ": "
        };
        usage(format!("{shown}{sep}{e}"))
    })?;
    if v.is_null() {
        v = json!({});
    }
    if !v.is_object() {
        return Err(usage(format!("{shown}: the top level must be a mapping")));
    }
    drop_extensions(&mut v);
    interpolate::interpolate(&mut v, vars, "").map_err(|e| {
        let key = e.split(": ").next().unwrap_or("");
        usage(format!("{}: {e}", at_line(&shown, &text, key)))
    })?;
    if let Err(e) = serde_json::from_value::<raw::File>(v.clone()) {
        let msg = locate_error(&v, e);
        let key = msg.split(": ").next().unwrap_or("");
        return Err(usage(format!("{}: {msg}", at_line(&shown, &text, key))));
    }
    normalise_lists(&mut v);
    rebase(&mut v, base, vars);
    stack.push(path.to_path_buf());
    let r = resolve_include(&mut v, base, vars, stack)
        .and_then(|()| resolve_extends(&mut v, path, vars, stack));
    stack.pop();
    r.map_err(|e| usage(format!("{shown}: {e}")))?;
    Ok(v)
}

/// YAML 1.2 as compose reads it (`yes` is a string), anchors and merge keys; an error names
/// the line and column.
fn parse_yaml(text: &str) -> Result<Value, String> {
    let mut opts = serde_saphyr::Options::default();
    opts.strict_booleans = true;
    serde_saphyr::from_str_with_options::<Value>(text, opts).map_err(|e| {
        let plain = e.without_snippet().to_string();
        let plain = plain.strip_prefix("error: ").unwrap_or(&plain);
        match e.location() {
            // `LINE:COLUMN: message`, the message without its own " at line …".
            Some(l) => {
                let msg = plain.split(" at line ").next().unwrap_or(plain);
                let msg = msg
                    .strip_prefix(&format!("line {} column {}: ", l.line(), l.column()))
                    .unwrap_or(msg);
                format!("{}:{}: {msg}", l.line(), l.column())
            }
            None => plain.to_string(),
        }
    })
}

/// `FILE` or `FILE:LINE` for the key path `a.b[0].c` (the line where that key is written).
fn at_line(file: &str, text: &str, path: &str) -> String {
    match key_line(text, path) {
        Some(n) => format!("{file}:{n}"),
        None => file.to_string(),
    }
}

/// The line of a key path: each key searched below the previous one, more indented.
fn key_line(text: &str, path: &str) -> Option<usize> {
    let keys: Vec<&str> = path
        .split('.')
        .map(|k| k.split('[').next().unwrap_or(k))
        .filter(|k| !k.is_empty())
        .collect();
    if keys.is_empty() {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0;
    let mut indent: Option<usize> = None;
    let mut found = None;
    for key in keys {
        let hit = lines.iter().enumerate().skip(from).find(|(_, l)| {
            let t = l.trim_start();
            let t = t.strip_prefix("- ").unwrap_or(t);
            let ind = l.len() - l.trim_start().len();
            indent.is_none_or(|i| ind > i)
                && [
                    format!("{key}:"),
                    format!("\"{key}\":"),
                    format!("'{key}':"),
                ]
                .iter()
                .any(|p| t.starts_with(p.as_str()))
        })?;
        from = hit.0 + 1;
        indent = Some(hit.1.len() - hit.1.trim_start().len());
        found = Some(hit.0 + 1);
    }
    found
}

/// Extension fields (`x-…`) at the top level and in services, networks, volumes: allowed
/// anywhere compose allows them, and ignored.
fn drop_extensions(v: &mut Value) {
    let Some(m) = v.as_object_mut() else { return };
    m.retain(|k, _| !k.starts_with("x-"));
    for section in ["services", "networks", "volumes", "secrets", "configs"] {
        if let Some(Value::Object(items)) = m.get_mut(section) {
            for item in items.values_mut() {
                if let Some(im) = item.as_object_mut() {
                    im.retain(|k, _| !k.starts_with("x-"));
                }
            }
        }
    }
}

/// An error from the typed read, with the key that caused it: the value is read again key by
/// key to find it.
pub(super) fn locate_error(v: &Value, e: serde_json::Error) -> String {
    let Some(top) = v.as_object() else {
        return e.to_string();
    };
    for (k, item) in top {
        if k == "services" {
            if let Some(services) = item.as_object() {
                for (name, s) in services {
                    if s.is_null() {
                        continue;
                    }
                    let Some(sm) = s.as_object() else {
                        return format!("services.{name}: must be a mapping");
                    };
                    for (sk, sv) in sm {
                        let one = json!({ sk: sv });
                        if let Err(e) = serde_json::from_value::<raw::Service>(one) {
                            return format!("services.{name}.{sk}: {}", describe(e, sk));
                        }
                    }
                }
            }
        }
        if let Err(e) = serde_json::from_value::<raw::File>(json!({ k: item })) {
            return format!("{k}: {}", describe(e, k));
        }
    }
    e.to_string()
}

/// serde's message in compose's words.
fn describe(e: serde_json::Error, key: &str) -> String {
    let m = e.to_string();
    if m.starts_with("unknown field") {
        let field = m.split('`').nth(1).unwrap_or(key);
        if field == key {
            return "additional property is not allowed (unknown key)".into();
        }
        return format!("additional property {field:?} is not allowed (unknown key)");
    }
    if m.starts_with("data did not match any variant") {
        return "invalid value (wrong type or form)".into();
    }
    m
}

/// List forms that override files merge as maps (`environment`, `labels`, `networks`,
/// `depends_on`…) turned into maps, so that merging is one rule.
fn normalise_lists(v: &mut Value) {
    let Some(Value::Object(services)) = v.get_mut("services") else {
        return;
    };
    for s in services.values_mut() {
        let Some(s) = s.as_object_mut() else { continue };
        for key in ["environment", "labels", "sysctls", "annotations"] {
            if let Some(Value::Array(l)) = s.get(key) {
                s.insert(key.into(), kv_map(l));
            }
        }
        if let Some(Value::Object(b)) = s.get_mut("build") {
            for key in ["args", "labels"] {
                if let Some(Value::Array(l)) = b.get(key) {
                    b.insert(key.into(), kv_map(l));
                }
            }
        }
        for key in ["networks", "depends_on"] {
            if let Some(Value::Array(l)) = s.get(key) {
                let m: Map<String, Value> = l
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|n| {
                        let v = if key == "depends_on" {
                            json!({"condition": "service_started"})
                        } else {
                            Value::Null
                        };
                        (n.to_string(), v)
                    })
                    .collect();
                s.insert(key.into(), Value::Object(m));
            }
        }
    }
}

fn kv_map(l: &[Value]) -> Value {
    let mut m = Map::new();
    for e in l {
        let s = match e {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match s.split_once('=') {
            Some((k, v)) => m.insert(k.to_string(), Value::String(v.to_string())),
            None => m.insert(s, Value::Null),
        };
    }
    Value::Object(m)
}

/// Make the relative paths of a file absolute against `base` (its project directory): build
/// contexts, bind sources, env files, extends files, secret and config files, includes.
fn rebase(v: &mut Value, base: &Path, vars: &Vars) {
    let home = vars.get("HOME").cloned().unwrap_or_default();
    let fix = |s: &str| -> String {
        if let Some(rest) = s.strip_prefix("~/") {
            return Path::new(&home).join(rest).to_string_lossy().into_owned();
        }
        if s.contains("://") || s.starts_with("git@") {
            return s.to_string();
        }
        abs(base, Path::new(s)).to_string_lossy().into_owned()
    };
    let fix_value = |v: &mut Value| {
        if let Value::String(s) = v {
            *s = fix(s);
        }
    };
    if let Some(Value::Object(services)) = v.get_mut("services") {
        for s in services.values_mut() {
            let Some(s) = s.as_object_mut() else { continue };
            match s.get_mut("build") {
                Some(b @ Value::String(_)) => fix_value(b),
                Some(Value::Object(b)) => match b.get_mut("context") {
                    Some(c) => fix_value(c),
                    None => {
                        b.insert("context".into(), Value::String(fix(".")));
                    }
                },
                _ => {}
            }
            match s.get_mut("env_file") {
                Some(f @ Value::String(_)) => fix_value(f),
                Some(Value::Array(l)) => {
                    for e in l {
                        match e {
                            Value::String(_) => fix_value(e),
                            Value::Object(m) => {
                                if let Some(p) = m.get_mut("path") {
                                    fix_value(p);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
            if let Some(Value::Object(e)) = s.get_mut("extends") {
                if let Some(f) = e.get_mut("file") {
                    fix_value(f);
                }
            }
            if let Some(Value::Array(vols)) = s.get_mut("volumes") {
                for m in vols {
                    match m {
                        Value::String(spec) => {
                            if let Some((src, rest)) = spec.split_once(':') {
                                if src.starts_with('.') || src.starts_with('~') {
                                    *spec = format!("{}:{rest}", fix(src));
                                }
                            }
                        }
                        Value::Object(l)
                            if l.get("type").and_then(Value::as_str) == Some("bind") =>
                        {
                            if let Some(src) = l.get_mut("source") {
                                fix_value(src);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    for section in ["secrets", "configs"] {
        if let Some(Value::Object(items)) = v.get_mut(section) {
            for item in items.values_mut() {
                if let Some(f) = item.get_mut("file") {
                    fix_value(f);
                }
            }
        }
    }
}

/// `include`: each entry's files loaded as a project of their own (relative paths against
/// their own directory), their services, networks, volumes, secrets and configs added; a name
/// defined on both sides is an error.
pub(super) fn resolve_include(
    v: &mut Value,
    base: &Path,
    vars: &Vars,
    stack: &mut Vec<PathBuf>,
) -> Result<(), String> {
    let Some(inc) = v.as_object_mut().and_then(|m| m.remove("include")) else {
        return Ok(());
    };
    let Value::Array(entries) = inc else {
        return Err("include: must be a list".into());
    };
    for (i, e) in entries.iter().enumerate() {
        let (paths, dir, env_file): (Vec<String>, Option<String>, Option<String>) = match e {
            Value::String(p) => (vec![p.clone()], None, None),
            Value::Object(m) => {
                let paths = match m.get("path") {
                    Some(Value::String(p)) => vec![p.clone()],
                    Some(Value::Array(l)) => l
                        .iter()
                        .filter_map(|p| p.as_str().map(String::from))
                        .collect(),
                    _ => {
                        return Err(format!(
                            "include[{i}].path: a path or a list of paths is required"
                        ))
                    }
                };
                let dir = m
                    .get("project_directory")
                    .and_then(Value::as_str)
                    .map(String::from);
                let env = m.get("env_file").and_then(Value::as_str).map(String::from);
                (paths, dir, env)
            }
            _ => return Err(format!("include[{i}]: a path or a mapping")),
        };
        let files: Vec<PathBuf> = paths.iter().map(|p| abs(base, Path::new(p))).collect();
        let Some(first) = files.first() else { continue };
        let inc_dir = match dir {
            Some(d) => abs(base, Path::new(&d)),
            None => first
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or(base.to_path_buf()),
        };
        let mut inc_vars = vars.clone();
        let env_path = env_file
            .map(|f| abs(base, Path::new(&f)))
            .unwrap_or_else(|| inc_dir.join(".env"));
        if let Ok(text) = std::fs::read_to_string(&env_path) {
            let parsed = interpolate::parse_dotenv(&text, vars)
                .map_err(|e| format!("{}: {e}", env_path.display()))?;
            for (k, val) in parsed {
                inc_vars.entry(k).or_insert(val);
            }
        }
        let mut included = Value::Object(Map::new());
        for f in &files {
            let part = read_file(f, &inc_dir, &inc_vars, stack).map_err(|e| e.to_string())?;
            merge(&mut included, part, "");
        }
        for section in ["services", "networks", "volumes", "secrets", "configs"] {
            let Some(Value::Object(items)) = included.get_mut(section).map(std::mem::take) else {
                continue;
            };
            let Some(top) = v.as_object_mut() else {
                continue;
            };
            let target = top
                .entry(section)
                .or_insert_with(|| Value::Object(Map::new()));
            if target.is_null() {
                *target = Value::Object(Map::new());
            }
            let Some(target) = target.as_object_mut() else {
                continue;
            };
            for (name, item) in items {
                if target.contains_key(&name) {
                    return Err(format!(
                        "{section}.{name}: defined here and in the included {}",
                        first.display()
                    ));
                }
                target.insert(name, item);
            }
        }
    }
    Ok(())
}

/// `extends`: a service built on another (in this file or another), its own keys merged over
/// the base's by the override rules.
pub(super) fn resolve_extends(
    v: &mut Value,
    path: &Path,
    vars: &Vars,
    stack: &mut Vec<PathBuf>,
) -> Result<(), String> {
    let Some(Value::Object(services)) = v.get("services").cloned() else {
        return Ok(());
    };
    let mut resolved: BTreeMap<String, Value> = BTreeMap::new();
    for name in services.keys() {
        let mut chain = Vec::new();
        let s = extended(name, &services, path, vars, stack, &mut chain)?;
        resolved.insert(name.clone(), s);
    }
    if let Some(Value::Object(out)) = v.get_mut("services") {
        for (k, s) in resolved {
            out.insert(k, s);
        }
    }
    Ok(())
}

fn extended(
    name: &str,
    services: &Map<String, Value>,
    path: &Path,
    vars: &Vars,
    stack: &mut Vec<PathBuf>,
    chain: &mut Vec<String>,
) -> Result<Value, String> {
    let key = format!("{}#{name}", path.display());
    if chain.contains(&key) {
        return Err(format!("services.{name}.extends: circular reference"));
    }
    chain.push(key);
    let mut s = services
        .get(name)
        .cloned()
        .ok_or_else(|| format!("services.{name}: no such service to extend"))?;
    if s.is_null() {
        s = json!({});
    }
    let Some(ext) = s.as_object_mut().and_then(|m| m.remove("extends")) else {
        return Ok(s);
    };
    let (base_name, file) = match &ext {
        Value::String(b) => (b.clone(), None),
        Value::Object(m) => (
            m.get("service")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            m.get("file").and_then(Value::as_str).map(PathBuf::from),
        ),
        _ => {
            return Err(format!(
                "services.{name}.extends: a service name or a mapping"
            ))
        }
    };
    let mut base = match file {
        None => {
            if !services.contains_key(&base_name) {
                return Err(format!(
                    "services.{name}.extends: service {base_name:?} is not defined"
                ));
            }
            extended(&base_name, services, path, vars, stack, chain)?
        }
        Some(f) => {
            let dir = f.parent().map(Path::to_path_buf).unwrap_or_default();
            let other = read_file(&f, &dir, vars, stack).map_err(|e| e.to_string())?;
            let other_services = other
                .get("services")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            other_services.get(&base_name).cloned().ok_or_else(|| {
                format!(
                    "services.{name}.extends: service {base_name:?} is not defined in {}",
                    f.display()
                )
            })?
        }
    };
    merge(&mut base, s, "service");
    Ok(base)
}
