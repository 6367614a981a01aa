//! Building the OCI runtime spec (oci-spec types) for a container, the way docker's defaults do.
use std::path::PathBuf;

use oci_spec::runtime::Spec;
use serde_json::json;

use super::userns::IdMapping;
use super::RuntimeError;
pub use crate::state::host_config::SpecExtras;

/// docker's default capability set.
pub const DEFAULT_CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// docker's masked paths (moby's oci/defaults.go), plus each CPU's `thermal_throttle`
/// directory, found on the host when the spec is built ([`masked_paths`]).
pub const MASKED_PATHS: &[&str] = &[
    "/proc/asound",
    "/proc/acpi",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
];

/// Every masked path: [`MASKED_PATHS`] and, as moby does since GHSA-6fw5-f8r9-fgfm, the
/// host's `/sys/devices/system/cpu/cpuN/thermal_throttle` directories.
pub fn masked_paths() -> Vec<String> {
    let mut out: Vec<String> = MASKED_PATHS.iter().map(|s| s.to_string()).collect();
    let mut cpus: Vec<String> = std::fs::read_dir("/sys/devices/system/cpu")
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| {
                    n.strip_prefix("cpu")
                        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                })
                .map(|n| format!("/sys/devices/system/cpu/{n}/thermal_throttle"))
                .filter(|p| std::path::Path::new(p).is_dir())
                .collect()
        })
        .unwrap_or_default();
    cpus.sort();
    out.extend(cpus);
    out
}

/// The annotation that lets the container use device nodes on its own file systems (set for
/// `--privileged`); without it the root file system, volumes, binds and tmpfs mounts are
/// `nodev`, so a node made with `mknod` (or brought by an image) opens nothing.
pub const ALLOW_DEVICES_ANNOTATION: &str = "io.skiff.allow-devices";

/// docker's read-only paths.
pub const READONLY_PATHS: &[&str] = &[
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// The devices every container gets (bind-mounted from the host when rootless).
pub const DEFAULT_DEVICES: &[&str] = &[
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
];

/// Network namespace choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetMode {
    /// A new network namespace (none, or slirp4netns attached to it).
    Private,
    /// The host's network namespace.
    Host,
}

/// A user mount (volume, bind or tmpfs) as the runtime sees it. Besides the usual mount
/// options (`ro`, `nosuid`, propagation, `size=`, `mode=`…), the init understands two of skiff's
/// own, done as root in the container's user namespace before the mount:
/// - `skiff.copy-up`: if the source directory is empty, first fill it with the image's content
///   at the destination, owners and modes kept (docker's copy-up for new volumes);
/// - `skiff.chown=UID:GID`: give the source tree to these container ids (`-v ...:U`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecMount {
    /// `bind` or a file system type (`tmpfs`).
    pub typ: String,
    pub source: String,
    pub destination: String,
    pub options: Vec<String>,
}

pub const OPT_COPY_UP: &str = "skiff.copy-up";
pub const OPT_CHOWN: &str = "skiff.chown=";

/// What the engine decides; the spec is derived from it.
#[derive(Debug, Clone)]
pub struct SpecInput {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    pub terminal: bool,
    pub hostname: String,
    pub net: NetMode,
    /// Files bind-mounted into the container: (source on the host, destination).
    pub binds: Vec<(PathBuf, String)>,
    /// The user's mounts, mounted after the defaults, parents before children. A file in
    /// `binds` whose destination one of these also has is left out (the user's wins).
    pub mounts: Vec<SpecMount>,
    /// The id mapping (rootless), or None when running rootful.
    pub mapping: Option<IdMapping>,
    /// Capabilities, privileges and the rest of the security settings.
    pub security: Security,
    /// `--ulimit`: (RLIMIT_ name, soft, hard).
    pub rlimits: Vec<(String, u64, u64)>,
    /// `--domainname`, `--shm-size`, `--sysctl`, `--annotation`.
    pub extras: SpecExtras,
}

/// docker's /dev/shm size when `--shm-size` is not given.
pub const DEFAULT_SHM_SIZE: u64 = 64 << 20;

/// Parse docker's `--ulimit NAME=SOFT[:HARD]` (`-1` is unlimited) into (`RLIMIT_NAME`, soft, hard).
pub fn parse_ulimit(s: &str) -> Result<(String, u64, u64), RuntimeError> {
    let bad = || RuntimeError::Invalid(format!("invalid ulimit argument: {s}"));
    let (name, vals) = s.split_once('=').ok_or_else(bad)?;
    const NAMES: &[&str] = &[
        "as",
        "core",
        "cpu",
        "data",
        "fsize",
        "locks",
        "memlock",
        "msgqueue",
        "nice",
        "nofile",
        "nproc",
        "rss",
        "rtprio",
        "rttime",
        "sigpending",
        "stack",
    ];
    if !NAMES.contains(&name) {
        return Err(RuntimeError::Invalid(format!(
            "invalid ulimit type: {name}"
        )));
    }
    let num = |v: &str| -> Result<u64, RuntimeError> {
        if v == "-1" {
            Ok(u64::MAX)
        } else {
            v.parse().map_err(|_| bad())
        }
    };
    let (soft, hard) = match vals.split_once(':') {
        Some((a, b)) => (num(a)?, num(b)?),
        None => (num(vals)?, num(vals)?),
    };
    if soft > hard {
        return Err(RuntimeError::Invalid(format!(
            "ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
        )));
    }
    Ok((format!("RLIMIT_{}", name.to_ascii_uppercase()), soft, hard))
}

/// `--privileged`, `--cap-add`, `--cap-drop`, `--security-opt no-new-privileges`,
/// `--read-only` and `--init`.
#[derive(Debug, Clone, Default)]
pub struct Security {
    pub privileged: bool,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub no_new_privileges: bool,
    pub readonly_rootfs: bool,
    /// Run skiff's own minimal init as PID 1 (reaps zombies, forwards signals).
    pub init: bool,
    /// `--security-opt seccomp=`: `unconfined` or a docker-format profile file; None for
    /// docker's default profile (none with `privileged`).
    pub seccomp: Option<String>,
    /// `--oom-score-adj`: the process's `oom_score_adj` (rootless: only upwards).
    pub oom_score_adj: Option<i32>,
    /// `--security-opt systempaths=unconfined`: no masked or read-only /proc and /sys paths.
    pub unconfined_system_paths: bool,
}

/// The annotation that asks the runtime for its built-in init.
pub const INIT_ANNOTATION: &str = "io.skiff.init";

/// Normalise a capability name the way docker accepts it: `net_admin`, `NET_ADMIN` or
/// `CAP_NET_ADMIN`; `ALL` stays `ALL`.
fn normalise_cap(name: &str) -> Result<String, RuntimeError> {
    let up = name.trim().to_ascii_uppercase();
    if up == "ALL" {
        return Ok(up);
    }
    let full = if up.starts_with("CAP_") {
        up
    } else {
        format!("CAP_{up}")
    };
    full.parse::<caps::Capability>()
        .map_err(|_| RuntimeError::Invalid(format!("invalid capability: {name}")))?;
    Ok(full)
}

/// docker's rules: the default set (all of them with `--privileged`), minus `--cap-drop`
/// (`ALL` drops everything), plus `--cap-add` (`ALL` adds everything).
pub fn effective_capabilities(sec: &Security) -> Result<Vec<String>, RuntimeError> {
    let all: Vec<String> = {
        let mut v: Vec<String> = caps::all().iter().map(|c| c.to_string()).collect();
        v.sort();
        v
    };
    let mut set: Vec<String> = if sec.privileged {
        all.clone()
    } else {
        DEFAULT_CAPS.iter().map(|s| s.to_string()).collect()
    };
    for d in &sec.cap_drop {
        let d = normalise_cap(d)?;
        if d == "ALL" {
            set.clear();
        } else {
            set.retain(|c| *c != d);
        }
    }
    for a in &sec.cap_add {
        let a = normalise_cap(a)?;
        if a == "ALL" {
            set = all.clone();
        } else if !set.contains(&a) {
            set.push(a);
        }
    }
    Ok(set)
}

/// Build the spec.
pub fn build(input: &SpecInput) -> Result<Spec, RuntimeError> {
    let caps = effective_capabilities(&input.security)?;
    let sec = &input.security;
    let x = &input.extras;
    let (pid_host, ipc_host, uts_host) = (x.pid == "host", x.ipc == "host", x.uts == "host");
    let mut namespaces = vec![json!({"type": "mount"})];
    for (typ, host) in [("pid", pid_host), ("ipc", ipc_host), ("uts", uts_host)] {
        if !host {
            namespaces.push(json!({"type": typ}));
        }
    }
    if x.cgroupns == "private" {
        namespaces.push(json!({"type": "cgroup"}));
    }
    if input.net == NetMode::Private {
        namespaces.push(json!({"type": "network"}));
    }
    if input.mapping.is_some() {
        namespaces.push(json!({"type": "user"}));
    }
    let rootless = input.mapping.is_some();
    let mut devpts_opts = vec![
        "nosuid",
        "noexec",
        "newinstance",
        "ptmxmode=0666",
        "mode=0620",
    ];
    // gid 5 (tty) exists in the container only when the subordinate range maps it.
    let tty_gid_mapped = input
        .mapping
        .as_ref()
        .map(|m| m.host_gid(5).is_some())
        .unwrap_or(true);
    if tty_gid_mapped {
        devpts_opts.push("gid=5");
    }
    // A user namespace may mount procfs and mqueue only for the PID and IPC namespaces it owns:
    // the host's are bound from the host.
    let proc_mount = if pid_host && rootless {
        json!({"destination": "/proc", "type": "bind", "source": "/proc", "options": ["rbind", "nosuid", "noexec", "nodev"]})
    } else {
        json!({"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]})
    };
    // The container's /dev holds only nodes bind-mounted from the host: the tmpfs itself is
    // nodev unless --privileged.
    let mut dev_opts = vec!["nosuid", "strictatime", "mode=755", "size=65536k"];
    if !sec.privileged {
        dev_opts.push("nodev");
    }
    let mut mounts = vec![
        proc_mount,
        json!({"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": dev_opts}),
        json!({"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": devpts_opts}),
    ];
    if ipc_host {
        mounts.push(json!({"destination": "/dev/shm", "type": "bind", "source": "/dev/shm", "options": ["rbind", "nosuid", "noexec", "nodev"]}));
        if std::path::Path::new("/dev/mqueue").is_dir() {
            mounts.push(json!({"destination": "/dev/mqueue", "type": "bind", "source": "/dev/mqueue", "options": ["rbind", "nosuid", "noexec", "nodev"]}));
        }
    } else {
        // shareable and container: bind a directory there (the engine's binds).
        if x.ipc != "none" && x.ipc != "shareable" && !x.ipc.starts_with("container:") {
            mounts.push(json!({"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", format!("size={}", x.shm_size.unwrap_or(DEFAULT_SHM_SIZE))]}));
        }
        mounts.push(json!({"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]}));
    }
    let sys_mode = if sec.privileged { "rw" } else { "ro" };
    if input.net == NetMode::Private || !rootless {
        mounts.push(json!({"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", sys_mode]}));
    } else {
        // sysfs cannot be mounted in a user namespace that does not own the network namespace.
        mounts.push(json!({"destination": "/sys", "type": "bind", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", sys_mode]}));
    }
    let mut user_mounts: Vec<&SpecMount> = input.mounts.iter().collect();
    user_mounts.sort_by_key(|m| std::path::Path::new(&m.destination).components().count());
    for m in user_mounts {
        let mut options = m.options.clone();
        if !sec.privileged && !options.iter().any(|o| o == "nodev") {
            options.push("nodev".into());
        }
        mounts.push(json!({"destination": m.destination, "type": m.typ, "source": m.source, "options": options}));
    }
    for (src, dst) in &input.binds {
        if input.mounts.iter().any(|m| &m.destination == dst) {
            continue;
        }
        let mut options = vec!["bind", "rprivate"];
        // --device nodes are binds too: those, and only those, keep working.
        let is_device = std::fs::metadata(src).is_ok_and(|m| {
            use std::os::unix::fs::FileTypeExt;
            m.file_type().is_char_device() || m.file_type().is_block_device()
        });
        if !sec.privileged && !is_device {
            options.push("nodev");
        }
        mounts.push(json!({"destination": dst, "type": "bind", "source": src, "options": options}));
    }
    let devices: Vec<_> = DEFAULT_DEVICES
        .iter()
        .map(|p| json!({"path": p, "type": "c"}))
        .collect();
    // --privileged: nothing masked or read-only, as docker does.
    let (masked, readonly): (Vec<String>, &[&str]) =
        if sec.privileged || sec.unconfined_system_paths {
            (Vec::new(), &[])
        } else {
            (masked_paths(), READONLY_PATHS)
        };
    let mut linux = json!({
        "namespaces": namespaces,
        "maskedPaths": masked,
        "readonlyPaths": readonly,
        "devices": devices,
    });
    if !input.extras.sysctls.is_empty() {
        linux["sysctl"] = json!(input.extras.sysctls);
    }
    let mut annotations = input.extras.annotations.clone();
    if sec.init {
        annotations.insert(INIT_ANNOTATION.into(), "true".into());
    }
    if let Some(m) = &input.mapping {
        let conv = |r: &[super::userns::IdRange]| -> Vec<serde_json::Value> {
            r.iter()
                .map(
                    |r| json!({"containerID": r.container_id, "hostID": r.host_id, "size": r.size}),
                )
                .collect()
        };
        linux["uidMappings"] = json!(conv(&m.uids));
        linux["gidMappings"] = json!(conv(&m.gids));
    }
    if let Some(profile) =
        super::seccomp::for_container(sec.seccomp.as_deref(), sec.privileged, &caps)?
    {
        linux["seccomp"] = profile;
    }
    let mut annotations = serde_json::Map::new();
    if sec.init {
        annotations.insert(INIT_ANNOTATION.into(), json!("true"));
    }
    if sec.privileged {
        annotations.insert(ALLOW_DEVICES_ANNOTATION.into(), json!("true"));
    }
    let spec = json!({
        "ociVersion": "1.0.2",
        "process": {
            "terminal": input.terminal,
            "user": {"uid": input.uid, "gid": input.gid, "additionalGids": input.additional_gids},
            "args": input.args,
            "env": input.env,
            "cwd": input.cwd,
            // No inheritable capabilities, as moby since CVE-2022-24769: a file's inheritable
            // set must not grant anything across exec.
            "capabilities": {
                "bounding": caps, "effective": caps, "permitted": caps, "inheritable": [],
            },
            "noNewPrivileges": sec.no_new_privileges,
            "oomScoreAdj": sec.oom_score_adj,
            "rlimits": input.rlimits.iter().map(|(t, soft, hard)| json!({"type": t, "soft": soft, "hard": hard})).collect::<Vec<_>>(),
        },
        "root": {"path": "rootfs", "readonly": sec.readonly_rootfs},
        "annotations": annotations,
        "hostname": input.hostname,
        "domainname": input.extras.domainname,
        "mounts": mounts,
        "linux": linux,
    });
    serde_json::from_value(spec).map_err(RuntimeError::ctx("building the runtime spec"))
}

/// The parts of a container's runtime spec that `exec` takes: its process settings, and its
/// seccomp section as JSON text, left unparsed (most of a 17 kB `config.json`), since the
/// filter normally comes compiled from the cache beside it ([`super::seccomp_cache`]).
#[derive(Debug, serde::Deserialize)]
pub struct ExecSpec {
    #[serde(default)]
    pub process: Option<oci_spec::runtime::Process>,
    #[serde(default)]
    linux: Option<ExecSpecLinux>,
}

#[derive(Debug, serde::Deserialize)]
struct ExecSpecLinux {
    #[serde(default)]
    seccomp: Option<Box<serde_json::value::RawValue>>,
}

/// Why a container's `config.json` could not be read for an exec.
#[derive(Debug, thiserror::Error)]
pub enum ExecSpecError {
    #[error(transparent)]
    Read(#[from] std::io::Error),
    #[error(transparent)]
    Decode(#[from] serde_json::Error),
}

impl ExecSpec {
    /// Read `config.json` at `path`.
    pub fn load(path: &std::path::Path) -> Result<ExecSpec, ExecSpecError> {
        Self::read_from(std::fs::File::open(path)?)
    }

    /// Read an open `config.json`.
    pub fn read_from(mut file: std::fs::File) -> Result<ExecSpec, ExecSpecError> {
        use std::io::Read;
        let mut data = Vec::new();
        file.read_to_end(&mut data)?;
        Ok(serde_json::from_slice(&data)?)
    }

    /// The compiled seccomp filter, if the spec has one, through the cache file `cache`.
    pub fn seccomp(
        &self,
        cache: &std::path::Path,
    ) -> Result<Option<Vec<seccompiler::BpfProgram>>, RuntimeError> {
        match self.linux.as_ref().and_then(|l| l.seccomp.as_ref()) {
            Some(raw) => super::seccomp_cache::compile_cached(raw.get(), cache).map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_valid_spec() {
        let input = SpecInput {
            args: vec!["sh".into()],
            env: vec!["PATH=/bin".into()],
            cwd: "/".into(),
            uid: 0,
            gid: 0,
            additional_gids: vec![],
            terminal: false,
            hostname: "abc".into(),
            net: NetMode::Private,
            binds: vec![(PathBuf::from("/tmp/hosts"), "/etc/hosts".into())],
            mounts: vec![
                SpecMount {
                    typ: "bind".into(),
                    source: "/v/_data".into(),
                    destination: "/data/sub".into(),
                    options: vec!["rbind".into()],
                },
                SpecMount {
                    typ: "tmpfs".into(),
                    source: "tmpfs".into(),
                    destination: "/data".into(),
                    options: vec!["size=1024".into()],
                },
            ],
            mapping: None,
            security: Security::default(),
            rlimits: vec![parse_ulimit("nofile=100:200").unwrap()],
            extras: SpecExtras::default(),
        };
        let spec = build(&input).unwrap();
        assert_eq!(spec.hostname().as_deref(), Some("abc"));
        let mounts = spec.mounts().as_ref().unwrap();
        assert!(mounts
            .iter()
            .any(|m| m.destination() == &PathBuf::from("/etc/hosts")));
        let data = mounts
            .iter()
            .position(|m| m.destination() == &PathBuf::from("/data"))
            .unwrap();
        let sub = mounts
            .iter()
            .position(|m| m.destination() == &PathBuf::from("/data/sub"))
            .unwrap();
        assert!(data < sub, "parents are mounted first");
        let caps = spec
            .process()
            .as_ref()
            .unwrap()
            .capabilities()
            .as_ref()
            .unwrap();
        assert_eq!(caps.bounding().as_ref().unwrap().len(), DEFAULT_CAPS.len());
    }

    #[test]
    fn ulimits() {
        assert_eq!(
            parse_ulimit("nofile=1024:2048").unwrap(),
            ("RLIMIT_NOFILE".into(), 1024, 2048)
        );
        assert_eq!(
            parse_ulimit("core=-1").unwrap(),
            ("RLIMIT_CORE".into(), u64::MAX, u64::MAX)
        );
        assert!(parse_ulimit("nofile=10:5").is_err());
        assert!(parse_ulimit("bogus=1").is_err());
        assert!(parse_ulimit("nofile").is_err());
    }

    #[test]
    fn capability_rules() {
        let sec = |add: &[&str], drop: &[&str], privileged| Security {
            privileged,
            cap_add: add.iter().map(|s| s.to_string()).collect(),
            cap_drop: drop.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let c =
            effective_capabilities(&sec(&["net_admin"], &["CAP_CHOWN", "kill"], false)).unwrap();
        assert!(c.contains(&"CAP_NET_ADMIN".to_string()));
        assert!(!c.contains(&"CAP_CHOWN".to_string()) && !c.contains(&"CAP_KILL".to_string()));
        assert_eq!(c.len(), DEFAULT_CAPS.len() - 1);
        let c = effective_capabilities(&sec(&["CHOWN"], &["ALL"], false)).unwrap();
        assert_eq!(c, vec!["CAP_CHOWN".to_string()]);
        let c = effective_capabilities(&sec(&[], &[], true)).unwrap();
        assert_eq!(c.len(), caps::all().len());
        assert!(effective_capabilities(&sec(&["NOT_A_CAP"], &[], false)).is_err());
    }
}
