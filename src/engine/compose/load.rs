//! Loading a project: finding the files (`compose.yaml` … in the working directory or a
//! parent, `-f`, `COMPOSE_FILE`), `.env` and `--env-file`, interpolation, relative paths made
//! absolute, `include`, `extends`, merging override files by the spec's rules, the project
//! name, profiles, and the checks that make a project valid. Every error names the file and
//! the key (and the line of the key when it can be found).
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::interpolate::{self, Vars};
use super::model::{self, Project};
use super::raw;
use crate::engine::EngineError;

/// The file names compose looks for, in its order.
pub const FILE_NAMES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];
const OVERRIDE_NAMES: &[&str] = &[
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
];

/// What a project is loaded from (compose's global flags and the environment).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-f`, in order; empty: `COMPOSE_FILE` or the file found from `cwd` upwards.
    pub files: Vec<PathBuf>,
    /// `-p`.
    pub project_name: Option<String>,
    /// `--project-directory`.
    pub project_directory: Option<PathBuf>,
    /// `--env-file`; empty: `.env` in the project directory.
    pub env_files: Vec<PathBuf>,
    /// `--profile`.
    pub profiles: Vec<String>,
    /// Services named on the command line: their profiles are enabled.
    pub services: Vec<String>,
    pub cwd: PathBuf,
    /// The process environment.
    pub environ: BTreeMap<String, String>,
}

impl Options {
    /// Options for `cwd` with the process environment.
    pub fn from_env(cwd: PathBuf) -> Options {
        Options {
            cwd,
            environ: std::env::vars().collect(),
            ..Default::default()
        }
    }
}

fn usage(msg: impl Into<String>) -> EngineError {
    EngineError::Usage(msg.into())
}

fn abs(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        clean(&base.join(p))
    }
}

/// `a/./b/../c` → `a/c`, without touching the filesystem.
fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// The compose files: `-f`, else `COMPOSE_FILE`, else the first of `FILE_NAMES` in `cwd` or
/// a parent (with its override file next to it).
pub fn find_files(opts: &Options) -> Result<Vec<PathBuf>, EngineError> {
    if !opts.files.is_empty() {
        return Ok(opts.files.iter().map(|f| abs(&opts.cwd, f)).collect());
    }
    if let Some(f) = opts.environ.get("COMPOSE_FILE").filter(|f| !f.is_empty()) {
        let sep = opts
            .environ
            .get("COMPOSE_PATH_SEPARATOR")
            .cloned()
            .unwrap_or_else(|| ":".into());
        return Ok(f
            .split(sep.as_str())
            .filter(|s| !s.is_empty())
            .map(|s| abs(&opts.cwd, Path::new(s)))
            .collect());
    }
    let start = opts.project_directory.clone().unwrap_or(opts.cwd.clone());
    let mut dir = Some(abs(&opts.cwd, &start));
    while let Some(d) = dir {
        if let Some(f) = FILE_NAMES.iter().map(|n| d.join(n)).find(|p| p.is_file()) {
            let mut files = vec![f];
            if let Some(o) = OVERRIDE_NAMES
                .iter()
                .map(|n| d.join(n))
                .find(|p| p.is_file())
            {
                files.push(o);
            }
            return Ok(files);
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    Err(usage(
        "no configuration file provided: not found (compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml in this directory or a parent)",
    ))
}

/// Load, merge, check and normalise the project.
pub fn load(opts: &Options) -> Result<Project, EngineError> {
    let files = find_files(opts)?;
    let first = files
        .first()
        .ok_or_else(|| usage("no configuration file provided"))?;
    let dir = match &opts.project_directory {
        Some(d) => abs(&opts.cwd, d),
        None => first
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| opts.cwd.clone()),
    };
    let vars = variables(opts, &dir)?;
    let mut merged = Value::Object(Map::new());
    for f in &files {
        let v = read_file(f, &dir, &vars, &mut Vec::new())?;
        merge(&mut merged, v, "");
    }
    let shown = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let file: raw::File = serde_json::from_value(merged.clone())
        .map_err(|e| usage(format!("{shown}: {}", locate_error(&merged, e))))?;
    let name = project_name(opts, &vars, file.name.as_deref(), &dir)?;
    let cx = model::Context {
        project: &name,
        dir: &dir,
        vars: &vars,
    };
    let mut project = model::normalise(&file, &cx).map_err(|e| usage(format!("{shown}: {e}")))?;
    project.files = files.clone();
    finish(&mut project, opts, &vars).map_err(|e| usage(format!("{shown}: {e}")))?;
    Ok(project)
}

/// The variables interpolation sees: the `.env` file (or `--env-file`s), with the process
/// environment over them.
fn variables(opts: &Options, dir: &Path) -> Result<Vars, EngineError> {
    let mut vars = Vars::new();
    let files: Vec<(PathBuf, bool)> = if opts.env_files.is_empty() {
        vec![(dir.join(".env"), false)]
    } else {
        opts.env_files
            .iter()
            .map(|f| (abs(&opts.cwd, f), true))
            .collect()
    };
    for (f, required) in files {
        let text = match std::fs::read_to_string(&f) {
            Ok(t) => t,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(usage(format!("reading {}: {e}", f.display()))),
        };
        let mut scope = opts.environ.clone();
        for (k, v) in &vars {
            scope.entry(k.clone()).or_insert_with(|| v.clone());
        }
        let parsed = interpolate::parse_dotenv(&text, &scope)
            .map_err(|e| usage(format!("{}: {e}", f.display())))?;
        vars.extend(parsed);
    }
    for (k, v) in &opts.environ {
        vars.insert(k.clone(), v.clone());
    }
    Ok(vars)
}

/// Read one file: YAML, extension fields dropped, interpolated, checked against the schema
/// (the raw types), relative paths made absolute against `base`, `include` and `extends`
/// resolved. `stack` holds the files being read (include and extends cycles).
fn read_file(
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
fn locate_error(v: &Value, e: serde_json::Error) -> String {
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
fn resolve_include(
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
fn resolve_extends(
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
fn merge(base: &mut Value, over: Value, key: &str) {
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

/// The project name: `-p`, `COMPOSE_PROJECT_NAME`, the file's `name`, else the project
/// directory's name made valid (lower case; letters, digits, `-` and `_`).
fn project_name(
    opts: &Options,
    vars: &Vars,
    top: Option<&str>,
    dir: &Path,
) -> Result<String, EngineError> {
    let given = opts
        .project_name
        .clone()
        .or_else(|| {
            vars.get("COMPOSE_PROJECT_NAME")
                .cloned()
                .filter(|s| !s.is_empty())
        })
        .or_else(|| top.map(String::from));
    let name = match given {
        Some(n) => n,
        None => {
            let base = dir
                .file_name()
                .map(|n| n.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            base.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>()
                .trim_start_matches(['-', '_'])
                .to_string()
        }
    };
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        return Err(usage(format!(
            "invalid project name {name:?}: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number"
        )));
    }
    Ok(name)
}

/// Profiles, the default network, and the checks across services: dependencies that exist and
/// form no cycle, networks, volumes, secrets and configs that are defined.
fn finish(p: &mut Project, opts: &Options, vars: &Vars) -> Result<(), String> {
    let mut active: BTreeSet<String> = opts.profiles.iter().cloned().collect();
    if active.is_empty() {
        if let Some(env) = vars.get("COMPOSE_PROFILES") {
            active.extend(
                env.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from),
            );
        }
    }
    for s in &opts.services {
        if !p.services.contains_key(s) {
            return Err(format!("no such service: {s}"));
        }
    }
    let all: BTreeSet<String> = p.services.keys().cloned().collect();
    for (name, s) in &p.services {
        for d in s.depends_on.keys() {
            if !all.contains(d) {
                return Err(format!(
                    "services.{name}.depends_on: service {name:?} depends on undefined service {d:?}"
                ));
            }
        }
        if let Some(m) = &s.network_mode {
            if let Some(other) = m.strip_prefix("service:") {
                if !all.contains(other) {
                    return Err(format!(
                        "services.{name}.network_mode: undefined service {other:?}"
                    ));
                }
            }
        }
        if s.container_name.is_some() && s.replicas() > 1 {
            return Err(format!(
                "services.{name}: container_name is set, so the service cannot have more than one container (scale {})",
                s.replicas()
            ));
        }
    }
    cycle_check(p)?;
    let enabled = |name: &str, s: &model::Service| {
        s.profiles.is_empty()
            || opts.services.iter().any(|x| x == name)
            || active.contains("*")
            || s.profiles.iter().any(|pr| active.contains(pr))
    };
    let names: Vec<String> = p.services.keys().cloned().collect();
    for n in names {
        let keep = p.services.get(&n).is_some_and(|s| enabled(&n, s));
        if !keep {
            if let Some(s) = p.services.remove(&n) {
                p.disabled.insert(n, s);
            }
        }
    }
    for (name, s) in &p.services {
        for (d, dep) in &s.depends_on {
            if dep.required && p.disabled.contains_key(d) {
                return Err(format!(
                    "services.{name}.depends_on: service {d:?} is disabled by its profiles ({}); enable one with --profile",
                    p.disabled.get(d).map(|s| s.profiles.join(", ")).unwrap_or_default()
                ));
            }
        }
    }
    // The default network, for every service that names none.
    let mut needs_default = false;
    for s in p.services.values_mut() {
        if s.networks.is_empty() && s.network_mode.is_none() {
            s.networks.insert("default".into(), None);
        }
        needs_default |= s.networks.contains_key("default");
    }
    if needs_default && !p.networks.contains_key("default") {
        p.networks.insert(
            "default".into(),
            model::Network {
                name: format!("{}_default", p.name),
                ..Default::default()
            },
        );
    }
    for (name, s) in &p.services {
        for n in s.networks.keys() {
            if !p.networks.contains_key(n) {
                return Err(format!(
                    "services.{name}.networks: service {name:?} refers to undefined network {n:?}"
                ));
            }
        }
        for m in &s.volumes {
            if m.kind == "volume" {
                if let Some(src) = &m.source {
                    if !p.volumes.contains_key(src) {
                        return Err(format!(
                            "services.{name}.volumes: service {name:?} refers to undefined volume {src:?}"
                        ));
                    }
                }
            }
        }
        for (kind, refs, defined) in [
            ("secrets", &s.secrets, &p.secrets),
            ("configs", &s.configs, &p.configs),
        ] {
            for r in refs {
                if !defined.contains_key(&r.source) {
                    return Err(format!(
                        "services.{name}.{kind}: service {name:?} refers to undefined {} {:?}",
                        kind.trim_end_matches('s'),
                        r.source
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A dependency cycle is an error naming it (`a -> b -> a`).
fn cycle_check(p: &Project) -> Result<(), String> {
    fn visit(
        n: &str,
        p: &Project,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Result<(), String> {
        if let Some(i) = path.iter().position(|x| x == n) {
            let mut c = path[i..].to_vec();
            c.push(n.to_string());
            return Err(format!("dependency cycle detected: {}", c.join(" -> ")));
        }
        if done.contains(n) {
            return Ok(());
        }
        path.push(n.to_string());
        if let Some(s) = p.services.get(n) {
            let mut deps: Vec<String> = s.depends_on.keys().cloned().collect();
            if let Some(other) = s
                .network_mode
                .as_deref()
                .and_then(|m| m.strip_prefix("service:"))
            {
                deps.push(other.to_string());
            }
            for d in deps {
                visit(&d, p, path, done)?;
            }
        }
        path.pop();
        done.insert(n.to_string());
        Ok(())
    }
    let mut done = BTreeSet::new();
    for n in p.services.keys() {
        visit(n, p, &mut Vec::new(), &mut done)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(
        files: &[(&str, &str)],
        env: &[(&str, &str)],
        profiles: &[&str],
    ) -> Result<Project, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut paths = Vec::new();
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::write(&p, text).map_err(|e| e.to_string())?;
            if name.ends_with(".yaml") && !name.starts_with("inc") && !name.starts_with("base") {
                paths.push(p);
            }
        }
        let opts = Options {
            files: paths,
            cwd: dir.path().to_path_buf(),
            environ: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            profiles: profiles.iter().map(|s| s.to_string()).collect(),
            project_name: Some("demo".into()),
            ..Default::default()
        };
        load(&opts).map_err(|e| e.to_string())
    }

    #[test]
    fn merges_override_files() {
        let p = project(
            &[
                ("a.yaml", "services:\n  web:\n    image: busybox\n    environment: [A=1, B=2]\n    ports: ['80']\n    command: sh -c 'echo hi'\n"),
                ("b.yaml", "services:\n  web:\n    environment:\n      B: 3\n    ports: ['81']\n    command: [\"true\"]\n"),
            ],
            &[],
            &[],
        )
        .unwrap();
        let web = &p.services["web"];
        assert_eq!(web.environment["A"].as_deref(), Some("1"));
        assert_eq!(web.environment["B"].as_deref(), Some("3"));
        assert_eq!(web.ports.len(), 2);
        assert_eq!(web.command.as_deref(), Some(&["true".to_string()][..]));
        assert_eq!(p.networks["default"].name, "demo_default");
    }

    #[test]
    fn errors_name_the_key_and_line() {
        let e = project(
            &[("c.yaml", "services:\n  web:\n    image: x\n    imgae: y\n")],
            &[],
            &[],
        )
        .unwrap_err();
        assert!(
            e.contains("c.yaml:4: services.web.imgae: additional property is not allowed"),
            "{e}"
        );
        let e = project(
            &[(
                "c.yaml",
                "services:\n  web:\n    image: x\n    ports: {a: 1}\n",
            )],
            &[],
            &[],
        )
        .unwrap_err();
        assert!(e.contains("c.yaml:4: services.web.ports:"), "{e}");
        let e = project(
            &[("c.yaml", "services:\n  web:\n    image: ${IMG:?set IMG}\n")],
            &[],
            &[],
        )
        .unwrap_err();
        assert!(
            e.contains(
                "c.yaml:3: services.web.image: required variable IMG is missing a value: set IMG"
            ),
            "{e}"
        );
        let e = project(&[("c.yaml", "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n")], &[], &[]).unwrap_err();
        assert!(e.contains("dependency cycle detected: a -> b -> a"), "{e}");
        let e = project(
            &[(
                "c.yaml",
                "services:\n  a:\n    image: x\n    depends_on: [nope]\n",
            )],
            &[],
            &[],
        )
        .unwrap_err();
        assert!(e.contains("depends on undefined service \"nope\""), "{e}");
        let e = project(&[("c.yaml", "services:\n  a:\n    image: [x\n")], &[], &[]).unwrap_err();
        assert!(e.contains("c.yaml:3:12: "), "{e}");
    }

    #[test]
    fn profiles_extends_include() {
        let files = [
            ("c.yaml", "include: [inc.yaml]\nservices:\n  a:\n    extends: base\n    environment: {X: 2}\n  base:\n    image: busybox\n    environment: {X: 1, Y: 1}\n  dbg:\n    image: busybox\n    profiles: [debug]\n"),
            ("inc.yaml", "services:\n  lib:\n    image: busybox\n    volumes: ['./data:/data']\n"),
        ];
        let p = project(&files, &[], &[]).unwrap();
        assert!(p.services.contains_key("lib") && !p.services.contains_key("dbg"));
        assert_eq!(p.services["a"].environment["X"].as_deref(), Some("2"));
        assert_eq!(p.services["a"].environment["Y"].as_deref(), Some("1"));
        assert!(p.services["lib"].volumes[0]
            .source
            .as_deref()
            .unwrap()
            .starts_with('/'));
        let p = project(&files, &[("COMPOSE_PROFILES", "debug")], &[]).unwrap();
        assert!(p.services.contains_key("dbg"));
        let p = project(&files, &[], &["debug"]).unwrap();
        assert!(p.services.contains_key("dbg"));
    }
}
