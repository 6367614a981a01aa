//! Loading a project: finding the files (`compose.yaml` … in the working directory or a
//! parent, `-f`, `COMPOSE_FILE`), `.env` and `--env-file`, the project name, and the steps in
//! order: each file read (`read`), files merged with `include` and `extends` resolved
//! (`merge`), normalised (`model`), then profiles and the checks across services (`checks`).
//! Every error names the file and the key (and the line of the key when it can be found).
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::checks::finish;
use super::interpolate::{self, Vars};
use super::merge::merge;
use super::model::{self, Project};
pub use super::options::Options;
use super::options::{abs, usage};
use super::raw;
use super::read::{locate_error, read_file};
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
