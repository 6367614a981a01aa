//! The normalised project: one form for every service key (long syntaxes, maps, absolute
//! paths), what `config` prints, what the config hash is taken of, and what `up` turns into
//! create requests. Built from `raw` by `normalise`.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::raw;
use super::unsupported::deploy_limit;

/// A loaded, validated project.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    pub name: String,
    pub services: BTreeMap<String, Service>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, Network>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub volumes: BTreeMap<String, Volume>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, FileObject>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub configs: BTreeMap<String, FileObject>,
    /// The project directory.
    #[serde(skip)]
    pub working_dir: PathBuf,
    /// The files it was loaded from.
    #[serde(skip)]
    pub files: Vec<PathBuf>,
    /// Services defined but left out by their profiles.
    #[serde(skip)]
    pub disabled: BTreeMap<String, Service>,
    /// The variables interpolation saw (environment over `.env`).
    #[serde(skip)]
    pub environment: BTreeMap<String, String>,
    /// What the loader accepted and ignores (for the CLI to print).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Service {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<Build>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<FileRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpus: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub depends_on: BTreeMap<String, Dependency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Deploy>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_opt: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_search: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domainname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, Option<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expose: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_hosts: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_add: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipc: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging: Option<Logging>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mem_limit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, Option<NetworkAttach>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oom_score_adj: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pids_limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    #[serde(skip_serializing_if = "is_false")]
    pub privileged: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_policy: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<FileRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_opt: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shm_size: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub stdin_open: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sysctls: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tmpfs: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub tty: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ulimits: BTreeMap<String, Ulimit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Mount>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes_from: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Service {
    /// How many containers `up` runs: `scale`, else `deploy.replicas`, else 1.
    pub fn replicas(&self) -> u32 {
        self.scale
            .or_else(|| self.deploy.as_ref().and_then(|d| d.replicas))
            .unwrap_or(1)
    }

    /// The image a container of this service runs: `image`, else the one `build` makes
    /// (`<project>-<service>`, as docker compose names it).
    pub fn image_name(&self, project: &str, service: &str) -> String {
        self.image
            .clone()
            .unwrap_or_else(|| format!("{project}-{service}"))
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Build {
    pub context: String,
    pub dockerfile: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, Option<String>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub no_cache: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub pull: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FileRef {
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Dependency {
    pub condition: String,
    #[serde(skip_serializing_if = "is_false")]
    pub restart: bool,
    pub required: bool,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Deploy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Healthcheck {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub test: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_interval: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub disable: bool,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Logging {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct NetworkAttach {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv4_address: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Port {
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<String>,
    pub target: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    pub protocol: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Ulimit {
    pub soft: i64,
    pub hard: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Mount {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub target: String,
    #[serde(skip_serializing_if = "is_false")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<BindOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<TmpfsOptions>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct BindOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propagation: Option<String>,
    pub create_host_path: bool,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct VolumeOptions {
    #[serde(skip_serializing_if = "is_false")]
    pub nocopy: bool,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct TmpfsOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Network {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "is_false")]
    pub external: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub internal: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Volume {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "is_false")]
    pub external: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FileObject {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub external: bool,
}

// ---- from the raw file ----------------------------------------------------------------------

/// Everything `normalise` needs besides the file.
pub struct Context<'a> {
    pub project: &'a str,
    pub dir: &'a Path,
    /// For `environment` entries without a value and `env_file` interpolation.
    pub vars: &'a BTreeMap<String, String>,
}

fn labels(l: &Option<raw::ListOrMap>) -> BTreeMap<String, String> {
    l.as_ref()
        .map(|l| {
            l.entries('=')
                .into_iter()
                .map(|(k, v)| (k, v.unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default()
}

fn list(v: &Option<raw::StrOrList>) -> Vec<String> {
    match v {
        None => Vec::new(),
        Some(raw::StrOrList::Str(s)) => vec![s.clone()],
        Some(raw::StrOrList::List(l)) => l.clone(),
    }
}

fn command(v: &Option<raw::StrOrList>, key: &str) -> Result<Option<Vec<String>>, String> {
    match v {
        None => Ok(None),
        Some(raw::StrOrList::List(l)) => Ok(Some(l.clone())),
        Some(raw::StrOrList::Str(s)) => raw::split_command(s)
            .map(Some)
            .map_err(|e| format!("{key}: {e}")),
    }
}

fn external(e: &Option<raw::External>) -> (bool, Option<String>) {
    match e {
        None | Some(raw::External::Bool(false)) => (false, None),
        Some(raw::External::Bool(true)) => (true, None),
        Some(raw::External::Named { name }) => (true, Some(name.clone())),
    }
}

fn duration(key: &str, v: &Option<String>) -> Result<Option<String>, String> {
    match v {
        None => Ok(None),
        Some(s) => crate::units::parse_go_duration(s)
            .map(|_| Some(s.clone()))
            .ok_or_else(|| format!("{key}: invalid duration {s:?}")),
    }
}

/// Turn a parsed file (interpolated, merged, with includes and extends resolved) into the
/// normalised project. Paths are already absolute (the loader rebased them).
pub fn normalise(f: &raw::File, cx: &Context<'_>) -> Result<Project, String> {
    let mut p = Project {
        name: cx.project.to_string(),
        services: BTreeMap::new(),
        networks: BTreeMap::new(),
        volumes: BTreeMap::new(),
        secrets: BTreeMap::new(),
        configs: BTreeMap::new(),
        working_dir: cx.dir.to_path_buf(),
        files: Vec::new(),
        disabled: BTreeMap::new(),
        environment: cx.vars.clone(),
        warnings: Vec::new(),
    };
    if f.version.is_some() {
        p.warnings.push(
            "the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion".into(),
        );
    }
    p.warnings.extend(super::unsupported::check(f)?);
    for (name, n) in &f.networks {
        let n = n.clone().unwrap_or_default();
        let (ext, ext_name) = external(&n.external);
        let ipam = n.ipam.as_ref().and_then(|i| i.config.first());
        p.networks.insert(
            name.clone(),
            Network {
                name: n.name.clone().or(ext_name).unwrap_or_else(|| {
                    if ext {
                        name.clone()
                    } else {
                        format!("{}_{name}", cx.project)
                    }
                }),
                driver: n.driver.clone(),
                driver_opts: n
                    .driver_opts
                    .iter()
                    .map(|(k, v)| (k.clone(), v.text()))
                    .collect(),
                external: ext,
                internal: n.internal,
                subnet: ipam.and_then(|c| c.subnet.clone()),
                gateway: ipam.and_then(|c| c.gateway.clone()),
                labels: labels(&n.labels),
            },
        );
    }
    for (name, v) in &f.volumes {
        let v = v.clone().unwrap_or_default();
        let (ext, ext_name) = external(&v.external);
        p.volumes.insert(
            name.clone(),
            Volume {
                name: v.name.clone().or(ext_name).unwrap_or_else(|| {
                    if ext {
                        name.clone()
                    } else {
                        format!("{}_{name}", cx.project)
                    }
                }),
                driver: v.driver.clone(),
                driver_opts: v
                    .driver_opts
                    .iter()
                    .map(|(k, v)| (k.clone(), v.text()))
                    .collect(),
                external: ext,
                labels: labels(&v.labels),
            },
        );
    }
    for (kind, src, dst) in [
        ("secrets", &f.secrets, &mut p.secrets),
        ("configs", &f.configs, &mut p.configs),
    ] {
        for (name, o) in src {
            let (ext, ext_name) = external(&o.external);
            let sources = [
                o.file.is_some(),
                o.environment.is_some(),
                o.content.is_some(),
                ext,
            ];
            if sources.iter().filter(|s| **s).count() != 1 {
                return Err(format!(
                    "{kind}.{name}: exactly one of file, environment, content or external must be set"
                ));
            }
            if kind == "secrets" && o.content.is_some() {
                return Err(format!("{kind}.{name}: content is only for configs"));
            }
            dst.insert(
                name.clone(),
                FileObject {
                    name: o
                        .name
                        .clone()
                        .or(ext_name)
                        .unwrap_or_else(|| format!("{}_{name}", cx.project)),
                    file: o.file.clone(),
                    environment: o.environment.clone(),
                    content: o.content.clone(),
                    external: ext,
                },
            );
        }
    }
    for (name, s) in &f.services {
        let s = s.clone().unwrap_or_default();
        let svc = service(&s, cx).map_err(|e| format!("services.{name}.{e}"))?;
        p.services.insert(name.clone(), svc);
    }
    Ok(p)
}

fn service(s: &raw::Service, cx: &Context<'_>) -> Result<Service, String> {
    if s.image.is_none() && s.build.is_none() {
        return Err("image: a service needs an image or a build section".into());
    }
    let mut environment = BTreeMap::new();
    // env_file first, `environment` over it (compose's precedence).
    let files: Vec<(String, bool)> = match &s.env_file {
        None => Vec::new(),
        Some(raw::EnvFiles::One(p)) => vec![(p.clone(), true)],
        Some(raw::EnvFiles::Many(l)) => l
            .iter()
            .map(|e| match e {
                raw::EnvFile::Path(p) => (p.clone(), true),
                raw::EnvFile::Long { path, required } => (path.clone(), *required),
            })
            .collect(),
    };
    for (path, required) in files {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("env_file: reading {path}: {e}")),
        };
        let vars = super::interpolate::parse_dotenv(&text, cx.vars)
            .map_err(|e| format!("env_file: {path}: {e}"))?;
        for (k, v) in vars {
            environment.insert(k, Some(v));
        }
    }
    if let Some(e) = &s.environment {
        for (k, v) in e.entries('=') {
            // A bare name takes its value from the environment compose runs in.
            let v = v.or_else(|| cx.vars.get(&k).cloned());
            environment.insert(k, v);
        }
    }
    let build = match &s.build {
        None => None,
        Some(b) => {
            let b = match b {
                raw::BuildField::Context(c) => raw::Build {
                    context: Some(c.clone()),
                    ..Default::default()
                },
                raw::BuildField::Long(b) => (**b).clone(),
            };
            Some(Build {
                context: b
                    .context
                    .clone()
                    .unwrap_or_else(|| cx.dir.to_string_lossy().into_owned()),
                dockerfile: b.dockerfile.clone().unwrap_or_else(|| "Dockerfile".into()),
                args: b.args.as_ref().map(|a| a.entries('=')).unwrap_or_default(),
                labels: labels(&b.labels),
                target: b.target.clone(),
                network: b.network.clone(),
                no_cache: b.no_cache,
                pull: b.pull,
            })
        }
    };
    let depends_on = match &s.depends_on {
        None => BTreeMap::new(),
        Some(raw::DependsOn::List(l)) => l
            .iter()
            .map(|d| {
                (
                    d.clone(),
                    Dependency {
                        condition: "service_started".into(),
                        restart: false,
                        required: true,
                    },
                )
            })
            .collect(),
        Some(raw::DependsOn::Map(m)) => {
            let mut out = BTreeMap::new();
            for (d, dep) in m {
                let condition = dep
                    .condition
                    .clone()
                    .unwrap_or_else(|| "service_started".into());
                if ![
                    "service_started",
                    "service_healthy",
                    "service_completed_successfully",
                ]
                .contains(&condition.as_str())
                {
                    return Err(format!(
                        "depends_on.{d}.condition: must be one of service_started, service_healthy, service_completed_successfully, not {condition:?}"
                    ));
                }
                out.insert(
                    d.clone(),
                    Dependency {
                        condition,
                        restart: dep.restart,
                        required: dep.required.unwrap_or(true),
                    },
                );
            }
            out
        }
    };
    let healthcheck = match &s.healthcheck {
        None => None,
        Some(h) => Some(Healthcheck {
            test: match &h.test {
                None => Vec::new(),
                Some(raw::StrOrList::Str(s)) => vec!["CMD-SHELL".into(), s.clone()],
                Some(raw::StrOrList::List(l)) => l.clone(),
            },
            timeout: duration("healthcheck.timeout", &h.timeout)?,
            interval: duration("healthcheck.interval", &h.interval)?,
            retries: h.retries,
            start_period: duration("healthcheck.start_period", &h.start_period)?,
            start_interval: duration("healthcheck.start_interval", &h.start_interval)?,
            disable: h.disable,
        }),
    };
    let networks = match &s.networks {
        None => BTreeMap::new(),
        Some(raw::Networks::List(l)) => l.iter().map(|n| (n.clone(), None)).collect(),
        Some(raw::Networks::Map(m)) => m
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_ref().map(|a| NetworkAttach {
                        aliases: a.aliases.clone(),
                        ipv4_address: a.ipv4_address.clone(),
                    }),
                )
            })
            .collect(),
    };
    let mut ports = Vec::new();
    for (i, p) in s.ports.iter().enumerate() {
        ports.extend(port(p).map_err(|e| format!("ports[{i}]: {e}"))?);
    }
    let mut volumes = Vec::new();
    for (i, v) in s.volumes.iter().enumerate() {
        volumes.push(mount(v).map_err(|e| format!("volumes[{i}]: {e}"))?);
    }
    let mut ulimits = BTreeMap::new();
    for (k, u) in &s.ulimits {
        let (soft, hard) = match u {
            raw::UlimitField::Single(n) => (*n, *n),
            raw::UlimitField::Pair { soft, hard } => (*soft, *hard),
        };
        ulimits.insert(k.clone(), Ulimit { soft, hard });
    }
    let file_refs = |l: &[raw::FileRef]| -> Result<Vec<FileRef>, String> {
        l.iter()
            .map(|r| match r {
                raw::FileRef::Short(s) => Ok(FileRef {
                    source: s.clone(),
                    target: None,
                    uid: None,
                    gid: None,
                    mode: None,
                }),
                raw::FileRef::Long(l) => Ok(FileRef {
                    source: l.source.clone(),
                    target: l.target.clone(),
                    uid: l.uid.as_ref().map(raw::Scalar::text),
                    gid: l.gid.as_ref().map(raw::Scalar::text),
                    mode: match &l.mode {
                        None => None,
                        Some(raw::Scalar::Int(n)) => Some(*n as u32),
                        Some(m) => Some(
                            u32::from_str_radix(&m.text(), 8)
                                .map_err(|_| format!("mode: invalid file mode {:?}", m.text()))?,
                        ),
                    },
                }),
            })
            .collect()
    };
    if let Some(r) = &s.restart {
        crate::state::restart::RestartPolicy::parse(r).map_err(|e| format!("restart: {e}"))?;
    }
    if let Some(p) = &s.pull_policy {
        if ![
            "always",
            "never",
            "missing",
            "if_not_present",
            "build",
            "daily",
            "weekly",
        ]
        .contains(&p.as_str())
        {
            return Err(format!("pull_policy: invalid value {p:?}"));
        }
    }
    let stop_grace_period = duration("stop_grace_period", &s.stop_grace_period)?;
    Ok(Service {
        build,
        cap_add: s.cap_add.clone(),
        cap_drop: s.cap_drop.clone(),
        command: command(&s.command, "command")?,
        configs: file_refs(&s.configs)?,
        container_name: s.container_name.clone(),
        cpus: s
            .cpus
            .as_ref()
            .map(raw::Scalar::text)
            .or_else(|| deploy_limit(s.deploy.as_ref(), "cpus")),
        depends_on,
        deploy: s.deploy.as_ref().map(|d| Deploy {
            replicas: d.replicas,
            labels: labels(&d.labels),
        }),
        devices: s.devices.clone(),
        dns: list(&s.dns),
        dns_opt: s.dns_opt.clone(),
        dns_search: list(&s.dns_search),
        domainname: s.domainname.clone(),
        entrypoint: command(&s.entrypoint, "entrypoint")?,
        environment,
        expose: s.expose.iter().map(raw::Scalar::text).collect(),
        extra_hosts: s
            .extra_hosts
            .as_ref()
            .map(|h| match h {
                raw::ListOrMap::List(l) => l.iter().map(raw::Scalar::text).collect(),
                raw::ListOrMap::Map(m) => m
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{k}:{}",
                            v.as_ref().map(raw::Scalar::text).unwrap_or_default()
                        )
                    })
                    .collect(),
            })
            .unwrap_or_default(),
        group_add: s.group_add.iter().map(raw::Scalar::text).collect(),
        healthcheck,
        hostname: s.hostname.clone(),
        image: s.image.clone(),
        init: s.init,
        ipc: s.ipc.clone(),
        labels: labels(&s.labels),
        logging: s.logging.as_ref().map(|l| Logging {
            driver: l.driver.clone(),
            options: l
                .options
                .iter()
                .map(|(k, v)| (k.clone(), v.text()))
                .collect(),
        }),
        mem_limit: s
            .mem_limit
            .as_ref()
            .map(raw::Scalar::text)
            .or_else(|| deploy_limit(s.deploy.as_ref(), "memory")),
        network_mode: s.network_mode.clone(),
        networks,
        oom_score_adj: s.oom_score_adj,
        pid: s.pid.clone(),
        pids_limit: s
            .pids_limit
            .or_else(|| deploy_limit(s.deploy.as_ref(), "pids").and_then(|p| p.parse().ok())),
        platform: s.platform.clone(),
        ports,
        privileged: s.privileged,
        profiles: s.profiles.clone(),
        pull_policy: s.pull_policy.clone(),
        read_only: s.read_only,
        restart: match &s.restart {
            Some(r) => Some(r.clone()),
            None => super::unsupported::deploy_restart(s.deploy.as_ref())?,
        },
        scale: s.scale,
        secrets: file_refs(&s.secrets)?,
        security_opt: s.security_opt.clone(),
        shm_size: s.shm_size.as_ref().map(raw::Scalar::text),
        stdin_open: s.stdin_open,
        stop_grace_period,
        stop_signal: s.stop_signal.clone(),
        sysctls: s
            .sysctls
            .as_ref()
            .map(|l| {
                l.entries('=')
                    .into_iter()
                    .map(|(k, v)| (k, v.unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default(),
        tmpfs: list(&s.tmpfs),
        tty: s.tty,
        ulimits,
        user: s.user.as_ref().map(raw::Scalar::text),
        volumes,
        volumes_from: s.volumes_from.clone(),
        working_dir: s.working_dir.clone(),
    })
}

fn port(p: &raw::Port) -> Result<Vec<Port>, String> {
    let spec = match p {
        raw::Port::Number(n) => n.to_string(),
        raw::Port::Short(s) => s.clone(),
        raw::Port::Long(l) => {
            let target =
                u16::try_from(l.target).map_err(|_| format!("invalid port {}", l.target))?;
            return Ok(vec![Port {
                mode: l.mode.clone().unwrap_or_else(|| "ingress".into()),
                host_ip: l.host_ip.clone(),
                target,
                published: l.published.as_ref().map(raw::Scalar::text),
                protocol: l.protocol.clone().unwrap_or_else(|| "tcp".into()),
            }]);
        }
    };
    let spec_parsed = crate::network::ports::parse_publish(&spec).map_err(|e| e.to_string())?;
    let (c0, c1) = spec_parsed.container_ports;
    let mut out = Vec::new();
    for (i, target) in (c0..=c1).enumerate() {
        let published = match spec_parsed.host_ports {
            None => None,
            Some((h0, h1)) if c0 == c1 && h0 != h1 => Some(format!("{h0}-{h1}")),
            Some((h0, _)) => Some((h0 as usize + i).to_string()),
        };
        out.push(Port {
            mode: "ingress".into(),
            host_ip: Some(spec_parsed.host_ip.clone()).filter(|s| !s.is_empty()),
            target,
            published,
            protocol: spec_parsed.proto.as_str().to_string(),
        });
    }
    Ok(out)
}

fn mount(v: &raw::VolumeField) -> Result<Mount, String> {
    match v {
        raw::VolumeField::Short(s) => {
            let parts: Vec<&str> = s.split(':').collect();
            let (source, target, mode) = match parts.as_slice() {
                [t] => (None, *t, ""),
                [s, t] => (Some(*s), *t, ""),
                [s, t, m] => (Some(*s), *t, *m),
                _ => return Err(format!("invalid volume specification {s:?}")),
            };
            if !target.starts_with('/') {
                return Err(format!(
                    "invalid volume specification {s:?}: the target must be an absolute path"
                ));
            }
            let bind = source.is_some_and(|s| s.starts_with('/'));
            let opts: Vec<&str> = mode.split(',').filter(|o| !o.is_empty()).collect();
            for o in &opts {
                if ![
                    "ro",
                    "rw",
                    "z",
                    "Z",
                    "nocopy",
                    "cached",
                    "delegated",
                    "consistent",
                ]
                .contains(o)
                    && !o.contains("private")
                    && !o.contains("shared")
                    && !o.contains("slave")
                {
                    return Err(format!(
                        "invalid volume specification {s:?}: unknown option {o:?}"
                    ));
                }
            }
            let propagation = opts
                .iter()
                .find(|o| o.contains("private") || o.contains("shared") || o.contains("slave"))
                .map(|o| o.to_string());
            Ok(Mount {
                kind: if bind { "bind" } else { "volume" }.into(),
                source: source.map(String::from),
                target: target.to_string(),
                read_only: opts.contains(&"ro"),
                bind: bind.then_some(BindOptions {
                    propagation,
                    create_host_path: true,
                }),
                volume: (!bind).then(|| VolumeOptions {
                    nocopy: opts.contains(&"nocopy"),
                }),
                tmpfs: None,
            })
        }
        raw::VolumeField::Long(l) => {
            if !["volume", "bind", "tmpfs"].contains(&l.kind.as_str()) {
                return Err(format!(
                    "type: {:?} is not supported (volume, bind or tmpfs)",
                    l.kind
                ));
            }
            if !l.target.starts_with('/') {
                return Err("target: must be an absolute path".into());
            }
            if l.kind == "bind" && l.source.is_none() {
                return Err("source: a bind mount needs a source".into());
            }
            let tmpfs = match &l.tmpfs {
                Some(t) if l.kind == "tmpfs" => Some(TmpfsOptions {
                    size: match &t.size {
                        None => None,
                        Some(s) => {
                            Some(crate::units::parse_bytes(&s.text()).ok_or_else(|| {
                                format!("tmpfs.size: invalid size {:?}", s.text())
                            })?)
                        }
                    },
                    mode: match &t.mode {
                        None => None,
                        Some(raw::Scalar::Int(n)) => Some(*n as u32),
                        Some(m) => Some(
                            u32::from_str_radix(&m.text(), 8)
                                .map_err(|_| format!("tmpfs.mode: invalid {:?}", m.text()))?,
                        ),
                    },
                }),
                _ => None,
            };
            Ok(Mount {
                kind: l.kind.clone(),
                source: l.source.clone(),
                target: l.target.clone(),
                read_only: l.read_only,
                bind: (l.kind == "bind").then(|| BindOptions {
                    propagation: l.bind.as_ref().and_then(|b| b.propagation.clone()),
                    create_host_path: l
                        .bind
                        .as_ref()
                        .and_then(|b| b.create_host_path)
                        .unwrap_or(true),
                }),
                volume: (l.kind == "volume").then(|| VolumeOptions {
                    nocopy: l.volume.as_ref().is_some_and(|v| v.nocopy),
                }),
                tmpfs,
            })
        }
    }
}
