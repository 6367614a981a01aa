//! The Compose file as written: serde types for every form the Compose Specification allows
//! (short and long syntaxes, lists or maps), deserialised from the interpolated YAML tree.
//! Unknown keys are refused (`deny_unknown_fields`) so a typo names itself. `model.rs` turns
//! these into the one normalised form.
use std::collections::BTreeMap;

use serde::Deserialize;

/// A scalar where compose accepts any: a string, number or boolean (`FOO: 1`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    pub fn text(&self) -> String {
        match self {
            Scalar::Str(s) => s.clone(),
            Scalar::Int(n) => n.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

/// A string or a list of strings (`command`, `entrypoint`, `dns`, `tmpfs`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum StrOrList {
    Str(String),
    List(Vec<String>),
}

/// `KEY=VALUE` entries as a list or a map (`environment`, `labels`, `args`, `sysctls`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ListOrMap {
    List(Vec<Scalar>),
    Map(BTreeMap<String, Option<Scalar>>),
}

impl ListOrMap {
    /// The entries as a map; a list entry without `=` (or a null value) maps to None.
    pub fn entries(&self, sep: char) -> BTreeMap<String, Option<String>> {
        match self {
            ListOrMap::Map(m) => m
                .iter()
                .map(|(k, v)| (k.clone(), v.as_ref().map(Scalar::text)))
                .collect(),
            ListOrMap::List(l) => l
                .iter()
                .map(|e| {
                    let e = e.text();
                    match e.split_once(sep) {
                        Some((k, v)) => (k.to_string(), Some(v.to_string())),
                        None => (e, None),
                    }
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    pub name: Option<String>,
    /// Obsolete, ignored (docker warns).
    pub version: Option<Scalar>,
    #[serde(default)]
    pub services: BTreeMap<String, Option<Service>>,
    #[serde(default)]
    pub networks: BTreeMap<String, Option<Network>>,
    #[serde(default)]
    pub volumes: BTreeMap<String, Option<Volume>>,
    #[serde(default)]
    pub secrets: BTreeMap<String, FileObject>,
    #[serde(default)]
    pub configs: BTreeMap<String, FileObject>,
    /// Resolved by the loader before this type is read.
    #[serde(default)]
    pub include: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    pub name: Option<String>,
    pub driver: Option<String>,
    #[serde(default)]
    pub driver_opts: BTreeMap<String, Scalar>,
    pub external: Option<External>,
    pub labels: Option<ListOrMap>,
    #[serde(default)]
    pub internal: bool,
    #[serde(default)]
    pub attachable: bool,
    #[serde(default)]
    pub enable_ipv6: bool,
    pub ipam: Option<Ipam>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ipam {
    pub driver: Option<String>,
    #[serde(default)]
    pub config: Vec<IpamConfig>,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IpamConfig {
    pub subnet: Option<String>,
    pub gateway: Option<String>,
    pub ip_range: Option<String>,
    #[serde(default)]
    pub aux_addresses: BTreeMap<String, String>,
}

/// `external: true`, or the old `external: {name: x}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum External {
    Bool(bool),
    Named { name: String },
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Volume {
    pub name: Option<String>,
    pub driver: Option<String>,
    #[serde(default)]
    pub driver_opts: BTreeMap<String, Scalar>,
    pub external: Option<External>,
    pub labels: Option<ListOrMap>,
}

/// A top-level secret or config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileObject {
    pub name: Option<String>,
    pub file: Option<String>,
    pub environment: Option<String>,
    pub content: Option<String>,
    pub external: Option<External>,
    pub labels: Option<ListOrMap>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub annotations: Option<ListOrMap>,
    pub build: Option<BuildField>,
    #[serde(default)]
    pub cap_add: Vec<String>,
    #[serde(default)]
    pub cap_drop: Vec<String>,
    pub command: Option<StrOrList>,
    #[serde(default)]
    pub configs: Vec<FileRef>,
    pub container_name: Option<String>,
    pub depends_on: Option<DependsOn>,
    pub deploy: Option<Deploy>,
    #[serde(default)]
    pub devices: Vec<String>,
    pub dns: Option<StrOrList>,
    #[serde(default)]
    pub dns_opt: Vec<String>,
    pub dns_search: Option<StrOrList>,
    pub domainname: Option<String>,
    pub entrypoint: Option<StrOrList>,
    pub env_file: Option<EnvFiles>,
    pub environment: Option<ListOrMap>,
    #[serde(default)]
    pub expose: Vec<Scalar>,
    pub extends: Option<Extends>,
    pub extra_hosts: Option<ListOrMap>,
    #[serde(default)]
    pub group_add: Vec<Scalar>,
    pub healthcheck: Option<Healthcheck>,
    pub hostname: Option<String>,
    pub image: Option<String>,
    pub init: Option<bool>,
    pub ipc: Option<String>,
    pub labels: Option<ListOrMap>,
    pub logging: Option<Logging>,
    pub mac_address: Option<String>,
    pub network_mode: Option<String>,
    pub networks: Option<Networks>,
    pub pid: Option<String>,
    pub platform: Option<String>,
    #[serde(default)]
    pub ports: Vec<Port>,
    #[serde(default)]
    pub privileged: bool,
    #[serde(default)]
    pub profiles: Vec<String>,
    pub pull_policy: Option<String>,
    #[serde(default)]
    pub read_only: bool,
    pub restart: Option<String>,
    pub scale: Option<u32>,
    #[serde(default)]
    pub secrets: Vec<FileRef>,
    #[serde(default)]
    pub security_opt: Vec<String>,
    pub shm_size: Option<Scalar>,
    #[serde(default)]
    pub stdin_open: bool,
    pub stop_grace_period: Option<String>,
    pub stop_signal: Option<String>,
    pub sysctls: Option<ListOrMap>,
    pub tmpfs: Option<StrOrList>,
    #[serde(default)]
    pub tty: bool,
    #[serde(default)]
    pub ulimits: BTreeMap<String, UlimitField>,
    pub user: Option<Scalar>,
    #[serde(default)]
    pub volumes: Vec<VolumeField>,
    pub working_dir: Option<String>,
    pub mem_limit: Option<Scalar>,
    pub cpus: Option<Scalar>,
    pub pids_limit: Option<i64>,
    pub oom_score_adj: Option<i32>,
    #[serde(default)]
    pub volumes_from: Vec<String>,
    // Accepted and not applied (`load` warns about each one given): docker compose maps them
    // to engine features skiff lacks, or they only matter to swarm or Docker Desktop.
    pub links: Option<serde_json::Value>,
    pub external_links: Option<serde_json::Value>,
    pub cpu_shares: Option<serde_json::Value>,
    pub cpuset: Option<serde_json::Value>,
    pub cpu_quota: Option<serde_json::Value>,
    pub cpu_period: Option<serde_json::Value>,
    pub mem_reservation: Option<serde_json::Value>,
    pub memswap_limit: Option<serde_json::Value>,
    pub mem_swappiness: Option<serde_json::Value>,
    pub cgroup_parent: Option<serde_json::Value>,
    pub cgroup: Option<serde_json::Value>,
    pub runtime: Option<serde_json::Value>,
    pub isolation: Option<serde_json::Value>,
    pub develop: Option<serde_json::Value>,
    pub attach: Option<serde_json::Value>,
    pub userns_mode: Option<serde_json::Value>,
    pub uts: Option<serde_json::Value>,
    pub storage_opt: Option<serde_json::Value>,
    pub blkio_config: Option<serde_json::Value>,
    pub credential_spec: Option<serde_json::Value>,
    pub oom_kill_disable: Option<serde_json::Value>,
    pub stop_grace_period_ms: Option<serde_json::Value>,
}

impl Service {
    /// The keys given that skiff does not apply.
    pub fn ignored_keys(&self) -> Vec<&'static str> {
        [
            ("links", self.links.is_some()),
            ("external_links", self.external_links.is_some()),
            ("cpu_shares", self.cpu_shares.is_some()),
            ("cpuset", self.cpuset.is_some()),
            ("cpu_quota", self.cpu_quota.is_some()),
            ("cpu_period", self.cpu_period.is_some()),
            ("mem_reservation", self.mem_reservation.is_some()),
            ("memswap_limit", self.memswap_limit.is_some()),
            ("mem_swappiness", self.mem_swappiness.is_some()),
            ("cgroup_parent", self.cgroup_parent.is_some()),
            ("cgroup", self.cgroup.is_some()),
            ("runtime", self.runtime.is_some()),
            ("isolation", self.isolation.is_some()),
            ("develop", self.develop.is_some()),
            ("attach", self.attach.is_some()),
            ("userns_mode", self.userns_mode.is_some()),
            ("uts", self.uts.is_some()),
            ("storage_opt", self.storage_opt.is_some()),
            ("blkio_config", self.blkio_config.is_some()),
            ("credential_spec", self.credential_spec.is_some()),
            ("oom_kill_disable", self.oom_kill_disable.is_some()),
            ("stop_grace_period_ms", self.stop_grace_period_ms.is_some()),
        ]
        .iter()
        .filter(|(_, given)| *given)
        .map(|(k, _)| *k)
        .collect()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum BuildField {
    Context(String),
    Long(Box<Build>),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Build {
    pub context: Option<String>,
    pub dockerfile: Option<String>,
    pub dockerfile_inline: Option<String>,
    pub args: Option<ListOrMap>,
    pub target: Option<String>,
    pub labels: Option<ListOrMap>,
    pub network: Option<String>,
    #[serde(default)]
    pub no_cache: bool,
    #[serde(default)]
    pub pull: bool,
    #[serde(default)]
    pub cache_from: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub platforms: Vec<String>,
}

/// A service's secret or config: `name` or the long form.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FileRef {
    Short(String),
    Long(FileRefLong),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRefLong {
    pub source: String,
    pub target: Option<String>,
    pub uid: Option<Scalar>,
    pub gid: Option<Scalar>,
    pub mode: Option<Scalar>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum DependsOn {
    List(Vec<String>),
    Map(BTreeMap<String, Dependency>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    pub condition: Option<String>,
    #[serde(default)]
    pub restart: bool,
    pub required: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deploy {
    pub replicas: Option<u32>,
    pub mode: Option<String>,
    pub labels: Option<ListOrMap>,
    pub resources: Option<serde_json::Value>,
    pub restart_policy: Option<serde_json::Value>,
    pub placement: Option<serde_json::Value>,
    pub update_config: Option<serde_json::Value>,
    pub rollback_config: Option<serde_json::Value>,
    pub endpoint_mode: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum EnvFiles {
    One(String),
    Many(Vec<EnvFile>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum EnvFile {
    Path(String),
    Long {
        path: String,
        #[serde(default = "yes")]
        required: bool,
    },
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Extends {
    Service(String),
    Long {
        service: String,
        file: Option<String>,
    },
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Healthcheck {
    pub test: Option<StrOrList>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub retries: Option<i64>,
    pub start_period: Option<String>,
    pub start_interval: Option<String>,
    #[serde(default)]
    pub disable: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Logging {
    pub driver: Option<String>,
    #[serde(default)]
    pub options: BTreeMap<String, Scalar>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Networks {
    List(Vec<String>),
    Map(BTreeMap<String, Option<NetworkAttach>>),
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkAttach {
    #[serde(default)]
    pub aliases: Vec<String>,
    pub ipv4_address: Option<String>,
    pub ipv6_address: Option<String>,
    pub mac_address: Option<String>,
    pub priority: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Port {
    Number(u64),
    Short(String),
    Long(PortLong),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortLong {
    pub target: u64,
    pub published: Option<Scalar>,
    pub host_ip: Option<String>,
    pub protocol: Option<String>,
    pub mode: Option<String>,
    pub name: Option<String>,
    pub app_protocol: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum UlimitField {
    Single(i64),
    Pair { soft: i64, hard: i64 },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum VolumeField {
    Short(String),
    Long(Box<VolumeLong>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeLong {
    #[serde(rename = "type")]
    pub kind: String,
    pub source: Option<String>,
    pub target: String,
    #[serde(default)]
    pub read_only: bool,
    pub bind: Option<BindOptions>,
    pub volume: Option<VolumeOptions>,
    pub tmpfs: Option<TmpfsOptions>,
    pub consistency: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindOptions {
    pub propagation: Option<String>,
    pub create_host_path: Option<bool>,
    pub selinux: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeOptions {
    #[serde(default)]
    pub nocopy: bool,
    pub subpath: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TmpfsOptions {
    pub size: Option<Scalar>,
    pub mode: Option<Scalar>,
}

/// Split a command line into words as compose does (shell quoting, no expansion).
pub fn split_command(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err(format!("unbalanced quotes in {s:?}")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => cur.push(c),
                            Some(c) => {
                                cur.push('\\');
                                cur.push(c);
                            }
                            None => return Err(format!("unbalanced quotes in {s:?}")),
                        },
                        Some(c) => cur.push(c),
                        None => return Err(format!("unbalanced quotes in {s:?}")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    cur.push(c);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    #[test]
    fn split() {
        let w = super::split_command(r#"sh -c 'echo "a b"' x\ y "q\"z""#).unwrap();
        assert_eq!(w, ["sh", "-c", "echo \"a b\"", "x y", "q\"z"]);
        assert!(super::split_command("'open").is_err());
    }
}
