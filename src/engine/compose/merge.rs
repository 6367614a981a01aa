//! Combining Compose files: `include` (other projects' files added), `extends` (a service
//! built on another) and the override files' merge rules of the Compose Specification.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::interpolate::{self, Vars};
use super::load::abs;
use super::read::read_file;

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

/// Merge `over` into `base` by compose's override rules: mappings merge key by key, a
/// command-like list is replaced, `volumes` merge by target, `ports` and other lists are
/// appended without duplicates, anything else is replaced.
pub(super) fn merge(base: &mut Value, over: Value, key: &str) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) if !existing.is_null() => merge(existing, v, &k),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(b), Value::Array(o))
            if !matches!(key, "command" | "entrypoint" | "test" | "profiles") =>
        {
            if key == "volumes" {
                for item in o {
                    let t = target(&item);
                    match b.iter_mut().find(|e| t.is_some() && target(e) == t) {
                        Some(e) => *e = item,
                        None => b.push(item),
                    }
                }
            } else {
                for item in o {
                    if !b.contains(&item) {
                        b.push(item);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

fn target(mount: &Value) -> Option<String> {
    match mount {
        Value::String(s) => {
            let parts: Vec<&str> = s.split(':').collect();
            match parts.len() {
                1 => Some(parts[0].to_string()),
                _ => Some(parts[1].to_string()),
            }
        }
        Value::Object(m) => m.get("target").and_then(Value::as_str).map(String::from),
        _ => None,
    }
}
