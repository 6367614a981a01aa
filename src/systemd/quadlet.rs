//! Quadlet: podman's declarative unit files (`*.container`, `*.volume`, `*.network`,
//! `*.image`) turned into systemd services that run skiff. The key names are podman's, so
//! existing files work; a key skiff does not know is an error naming the file and line, and
//! that file gives no unit.
//!
//! `web.container` becomes `web.service` (`skiff run --name systemd-web --cidfile=%t/%N.cid
//! --replace --rm --sdnotify=conmon -d ...`, `Type=notify`); `data.volume` becomes
//! `data-volume.service`, `net.network` `net-network.service` and `app.image`
//! `app-image.service` (oneshots that create `systemd-data` and `systemd-net`, and pull the
//! image). A `.container` naming one of those files (`Volume=data.volume:/data`,
//! `Network=net.network`, `Image=app.image`) gets the name that file gives (`VolumeName=`,
//! `NetworkName=`, the image's `ImageTag=` or `Image=`) and requires its service.
//! `[Unit]`, `[Service]`, `[Install]` and any other section are passed through; the source
//! section is kept as `[X-Container]` (`X-Volume`...).
use std::collections::HashMap;

use super::unit::{escape_arg, split_words, Entry, Section};

/// What kind of source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Container,
    Volume,
    Network,
    Image,
}

impl Kind {
    /// From the file's extension.
    pub fn from_file_name(name: &str) -> Option<(Kind, &str)> {
        let (stem, ext) = name.rsplit_once('.')?;
        let kind = match ext {
            "container" => Kind::Container,
            "volume" => Kind::Volume,
            "network" => Kind::Network,
            "image" => Kind::Image,
            _ => return None,
        };
        (!stem.is_empty()).then_some((kind, stem))
    }
    fn section(self) -> &'static str {
        match self {
            Kind::Container => "Container",
            Kind::Volume => "Volume",
            Kind::Network => "Network",
            Kind::Image => "Image",
        }
    }
    /// The service a source file becomes (`web.container` -> `web.service`).
    pub fn service_name(self, stem: &str) -> String {
        match self {
            Kind::Container => format!("{stem}.service"),
            Kind::Volume => format!("{stem}-volume.service"),
            Kind::Network => format!("{stem}-network.service"),
            Kind::Image => format!("{stem}-image.service"),
        }
    }

    /// The name of the object a source file makes (a volume, a network, an image), as a
    /// `.container` naming the file gets it; None for a `.container`.
    pub fn object_name(self, stem: &str, sections: &[Section]) -> Option<String> {
        let own = self.section();
        let last = |key: &str| {
            sections
                .iter()
                .filter(|s| s.name == own)
                .flat_map(|s| s.entries.iter())
                .rev()
                .find(|e| e.key == key)
                .map(|e| e.value.clone())
        };
        match self {
            Kind::Container => None,
            Kind::Volume => Some(last("VolumeName").unwrap_or_else(|| format!("systemd-{stem}"))),
            Kind::Network => Some(last("NetworkName").unwrap_or_else(|| format!("systemd-{stem}"))),
            Kind::Image => last("ImageTag").or_else(|| last("Image")),
        }
    }
}

/// What the other source files make, by file name (`data.volume` -> `systemd-data`): how a
/// `.container` resolves the files it names.
pub type Refs = HashMap<String, String>;

/// A conversion error: the line (0 when it is about the whole file) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub line: usize,
    pub message: String,
}

fn err(line: usize, message: impl Into<String>) -> Error {
    Error {
        line,
        message: message.into(),
    }
}

/// The units a conversion makes.
#[derive(Debug, Clone)]
pub struct Unit {
    /// `web.service`.
    pub name: String,
    pub text: String,
    /// `[Install]` targets that want it (`WantedBy=`, `RequiredBy=`): (target, kind of link).
    pub wanted_by: Vec<(String, &'static str)>,
}

const CONTAINER_KEYS: &[&str] = &[
    "Image",
    "ContainerName",
    "Exec",
    "Entrypoint",
    "Environment",
    "EnvironmentFile",
    "PublishPort",
    "Volume",
    "Tmpfs",
    "Network",
    "Label",
    "User",
    "Group",
    "WorkingDir",
    "HostName",
    "AddCapability",
    "DropCapability",
    "ReadOnly",
    "Notify",
    "HealthCmd",
    "HealthInterval",
    "HealthRetries",
    "HealthTimeout",
    "HealthStartPeriod",
    "HealthStartupInterval",
    "HealthOnFailure",
    "Pull",
    "LogDriver",
    "LogOpt",
    "PodmanArgs",
];
const VOLUME_KEYS: &[&str] = &["VolumeName", "Label", "Driver", "PodmanArgs"];
const IMAGE_KEYS: &[&str] = &[
    "Image",
    "ImageTag",
    "AllTags",
    "Arch",
    "OS",
    "Variant",
    "TLSVerify",
    "PodmanArgs",
];
const NETWORK_KEYS: &[&str] = &[
    "NetworkName",
    "Subnet",
    "Gateway",
    "Internal",
    "Label",
    "Driver",
    "PodmanArgs",
];

fn bool_value(e: &Entry) -> Result<bool, Error> {
    match e.value.to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Ok(true),
        "0" | "no" | "false" | "off" => Ok(false),
        _ => Err(err(
            e.line,
            format!("{}: invalid boolean {:?}", e.key, e.value),
        )),
    }
}

fn words(e: &Entry) -> Result<Vec<String>, Error> {
    split_words(&e.value).map_err(|m| err(e.line, format!("{}: {m}", e.key)))
}

/// Quote a word for ExecStart; specifiers (`%h`, `%N`) keep working, as in podman's Quadlet.
fn q(w: &str) -> String {
    escape_arg(w, false)
}

/// A `.container`'s reference to another source file (`data.volume`): the name that file
/// gives, and its service added to `Requires=` and `After=`. An error when there is no such
/// file (podman's rule).
fn reference(
    refs: &Refs,
    file: &str,
    kind: Kind,
    e: &Entry,
    unit_extra: &mut Vec<String>,
) -> Result<String, Error> {
    let name = refs.get(file).ok_or_else(|| {
        err(
            e.line,
            format!("{}: no Quadlet file {file} was found", e.key),
        )
    })?;
    let stem = file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file);
    let dep = kind.service_name(stem);
    unit_extra.push(format!("Requires={dep}"));
    unit_extra.push(format!("After={dep}"));
    Ok(name.clone())
}

/// Convert one source file. `stem` is its name without the extension, `source_path` where it
/// is (for `SourcePath=`), `exe` the skiff binary, `refs` what the other files make.
pub fn convert(
    kind: Kind,
    stem: &str,
    source_path: &str,
    sections: &[Section],
    exe: &str,
    refs: &Refs,
) -> Result<Unit, Error> {
    let own = kind.section();
    if !sections.iter().any(|s| s.name == own) {
        return Err(err(0, format!("no [{own}] section")));
    }
    let allowed = match kind {
        Kind::Container => CONTAINER_KEYS,
        Kind::Volume => VOLUME_KEYS,
        Kind::Network => NETWORK_KEYS,
        Kind::Image => IMAGE_KEYS,
    };
    for s in sections.iter().filter(|s| s.name == own) {
        if let Some(e) = s
            .entries
            .iter()
            .find(|e| !allowed.contains(&e.key.as_str()))
        {
            return Err(err(
                e.line,
                format!("unsupported key '{}' in group '{own}'", e.key),
            ));
        }
    }
    let entries: Vec<&Entry> = sections
        .iter()
        .filter(|s| s.name == own)
        .flat_map(|s| s.entries.iter())
        .collect();
    let last = |k: &str| entries.iter().rev().find(|e| e.key == k).copied();
    let all = |k: &'static str| entries.iter().filter(move |e| e.key == k).copied();
    let exe = q(exe);
    let mut unit_extra: Vec<String> = vec![
        format!("SourcePath={source_path}"),
        "RequiresMountsFor=%t/skiff".to_string(),
    ];
    let mut service: Vec<String> = vec!["Environment=SKIFF_SYSTEMD_UNIT=%n".into()];

    match kind {
        Kind::Container => {
            let image_entry = last("Image").ok_or_else(|| err(0, "no Image key specified"))?;
            let image = if image_entry.value.ends_with(".image") {
                reference(
                    refs,
                    &image_entry.value,
                    Kind::Image,
                    image_entry,
                    &mut unit_extra,
                )?
            } else {
                image_entry.value.clone()
            };
            let name = last("ContainerName")
                .map(|e| e.value.clone())
                .unwrap_or_else(|| "systemd-%N".into());
            let mut args: Vec<String> = vec![
                exe.clone(),
                "run".into(),
                format!("--name={}", q(&name)),
                "--cidfile=%t/%N.cid".into(),
                "--replace".into(),
                "--rm".into(),
            ];
            let notify = match last("Notify") {
                None => "conmon",
                Some(e) if e.value == "healthy" => {
                    if last("HealthCmd").is_none() {
                        return Err(err(e.line, "Notify=healthy needs a HealthCmd"));
                    }
                    "healthy"
                }
                Some(e) if bool_value(e)? => "container",
                Some(_) => "conmon",
            };
            args.push(format!("--sdnotify={notify}"));
            args.push("-d".into());
            let mut flag = |f: &str, v: &str| {
                args.push(f.to_string());
                args.push(q(v));
            };
            if let Some(e) = last("Entrypoint") {
                flag("--entrypoint", &e.value);
            }
            for e in all("Environment") {
                for w in words(e)? {
                    flag("--env", &w);
                }
            }
            for e in all("EnvironmentFile") {
                flag("--env-file", &e.value);
            }
            for e in all("PublishPort") {
                flag("--publish", &e.value);
            }
            for e in all("Volume") {
                let v = match e.value.split_once(':') {
                    Some((src, rest)) if src.ends_with(".volume") => {
                        let name = reference(refs, src, Kind::Volume, e, &mut unit_extra)?;
                        format!("{name}:{rest}")
                    }
                    _ => e.value.clone(),
                };
                flag("-v", &v);
            }
            for e in all("Tmpfs") {
                flag("--tmpfs", &e.value);
            }
            for e in all("Network") {
                // `net.network`, or `net.network:ip=...` (the options of --network NAME:OPTS).
                let (first, opts) = match e.value.split_once(':') {
                    Some((a, b)) => (a, Some(b)),
                    None => (e.value.as_str(), None),
                };
                let v = if first.ends_with(".network") {
                    let name = reference(refs, first, Kind::Network, e, &mut unit_extra)?;
                    match opts {
                        Some(o) => format!("{name}:{o}"),
                        None => name,
                    }
                } else {
                    e.value.clone()
                };
                flag("--network", &v);
            }
            for e in all("Label") {
                for w in words(e)? {
                    flag("--label", &w);
                }
            }
            match (last("User"), last("Group")) {
                (Some(u), Some(g)) => flag("--user", &format!("{}:{}", u.value, g.value)),
                (Some(u), None) => flag("--user", &u.value),
                (None, Some(g)) => return Err(err(g.line, "Group set without User")),
                (None, None) => {}
            }
            if let Some(e) = last("WorkingDir") {
                flag("--workdir", &e.value);
            }
            if let Some(e) = last("HostName") {
                flag("--hostname", &e.value);
            }
            for e in all("AddCapability") {
                for w in words(e)? {
                    flag("--cap-add", &w);
                }
            }
            for e in all("DropCapability") {
                for w in words(e)? {
                    flag("--cap-drop", &w);
                }
            }
            if let Some(e) = last("ReadOnly") {
                if bool_value(e)? {
                    args.push("--read-only".into());
                }
            }
            for (key, f) in [
                ("HealthCmd", "--health-cmd"),
                ("HealthInterval", "--health-interval"),
                ("HealthRetries", "--health-retries"),
                ("HealthTimeout", "--health-timeout"),
                ("HealthStartPeriod", "--health-start-period"),
                ("HealthStartupInterval", "--health-start-interval"),
                ("HealthOnFailure", "--health-on-failure"),
                ("Pull", "--pull"),
            ] {
                if let Some(e) = last(key) {
                    args.push(f.to_string());
                    args.push(q(&e.value));
                }
            }
            if let Some(e) = last("LogDriver") {
                args.push("--log-driver".into());
                args.push(q(&e.value));
            }
            for e in all("LogOpt") {
                args.push("--log-opt".into());
                args.push(q(&e.value));
            }
            for e in all("PodmanArgs") {
                args.extend(words(e)?.iter().map(|w| q(w)));
            }
            args.push(q(&image));
            if let Some(e) = last("Exec") {
                args.extend(words(e)?.iter().map(|w| q(w)));
            }
            service.extend([
                "KillMode=mixed".to_string(),
                format!("ExecStart={}", super::unit::format_command(&args)),
                format!("ExecStop={exe} stop --ignore --cidfile=%t/%N.cid"),
                format!("ExecStopPost=-{exe} rm -v -f --ignore --cidfile=%t/%N.cid"),
                "Type=notify".into(),
                "NotifyAccess=all".into(),
                "SyslogIdentifier=%N".into(),
            ]);
        }
        Kind::Image => {
            let image = last("Image").ok_or_else(|| err(0, "no Image key specified"))?;
            let mut args = vec![exe.clone(), "pull".into(), "--quiet".into()];
            if let Some(e) = last("AllTags") {
                if bool_value(e)? {
                    args.push("--all-tags".into());
                }
            }
            let platform_parts: Vec<Option<&Entry>> =
                ["OS", "Arch", "Variant"].iter().map(|k| last(k)).collect();
            if platform_parts.iter().any(Option::is_some) {
                // podman's: OS defaults to linux, Arch to the host's.
                let os = platform_parts[0].map_or("linux", |e| e.value.as_str());
                let arch = platform_parts[1]
                    .map(|e| e.value.clone())
                    .unwrap_or_else(|| host_arch().to_string());
                let mut p = format!("{os}/{arch}");
                if let Some(v) = platform_parts[2] {
                    p.push('/');
                    p.push_str(&v.value);
                }
                args.push(format!("--platform={}", q(&p)));
            }
            if let Some(e) = last("TLSVerify") {
                args.push(format!("--tls-verify={}", bool_value(e)?));
            }
            for e in all("PodmanArgs") {
                args.extend(words(e)?.iter().map(|w| q(w)));
            }
            args.push(q(&image.value));
            let mut steps = vec![format!("ExecStart={}", args.join(" "))];
            if let Some(tag) = last("ImageTag") {
                // The name a .container naming this file runs.
                steps.push(format!(
                    "ExecStartPost={exe} tag {} {}",
                    q(&image.value),
                    q(&tag.value)
                ));
            }
            service.extend(steps);
            service.extend([
                "Type=oneshot".into(),
                "RemainAfterExit=yes".into(),
                "SyslogIdentifier=%N".into(),
            ]);
        }
        Kind::Volume | Kind::Network => {
            let (verb, name_key) = if kind == Kind::Volume {
                ("volume", "VolumeName")
            } else {
                ("network", "NetworkName")
            };
            let name = last(name_key)
                .map(|e| e.value.clone())
                .unwrap_or_else(|| format!("systemd-{stem}"));
            let mut args = vec![exe.clone(), verb.into(), "create".into(), "--ignore".into()];
            if let Some(e) = last("Driver") {
                args.push(format!("--driver={}", q(&e.value)));
            }
            for (key, f) in [("Subnet", "--subnet"), ("Gateway", "--gateway")] {
                for e in all(key) {
                    args.push(format!("{f}={}", q(&e.value)));
                }
            }
            if let Some(e) = last("Internal") {
                if bool_value(e)? {
                    args.push("--internal".into());
                }
            }
            for e in all("Label") {
                for w in words(e)? {
                    args.push(format!("--label={}", q(&w)));
                }
            }
            for e in all("PodmanArgs") {
                args.extend(words(e)?.iter().map(|w| q(w)));
            }
            args.push(q(&name));
            service.extend([
                format!("ExecStart={}", args.join(" ")),
                "Type=oneshot".into(),
                "RemainAfterExit=yes".into(),
                "SyslogIdentifier=%N".into(),
            ]);
        }
    }

    // The unit: [Unit] (the user's, then ours), the source section renamed, [Service] (ours,
    // then the user's, which may override), then every other section as it was.
    let mut text =
        format!("# Automatically generated by skiff's Quadlet generator from {source_path}\n");
    let render = |text: &mut String, name: &str, lines: &[String]| {
        text.push_str(&format!("\n[{name}]\n"));
        for l in lines {
            text.push_str(l);
            text.push('\n');
        }
    };
    let user = |name: &str| -> Vec<String> {
        sections
            .iter()
            .filter(|s| s.name == name)
            .flat_map(|s| s.entries.iter().map(|e| format!("{}={}", e.key, e.value)))
            .collect()
    };
    let mut unit_lines = user("Unit");
    unit_lines.extend(unit_extra);
    render(&mut text, "Unit", &unit_lines);
    let source_lines: Vec<String> = src_lines(sections, own);
    render(&mut text, &format!("X-{own}"), &source_lines);
    service.extend(user("Service"));
    render(&mut text, "Service", &service);
    let mut seen = vec!["Unit".to_string(), own.to_string(), "Service".to_string()];
    for s in sections {
        if seen.contains(&s.name) {
            continue;
        }
        seen.push(s.name.clone());
        render(&mut text, &s.name, &user(&s.name));
    }
    let mut wanted_by = Vec::new();
    for s in sections.iter().filter(|s| s.name == "Install") {
        for e in &s.entries {
            let link = match e.key.as_str() {
                "WantedBy" => "wants",
                "RequiredBy" => "requires",
                "UpheldBy" => "upholds",
                _ => continue,
            };
            for t in words(e)? {
                wanted_by.push((t, link));
            }
        }
    }
    Ok(Unit {
        name: kind.service_name(stem),
        text,
        wanted_by,
    })
}

/// The host's architecture as OCI platforms name it.
fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

fn src_lines(sections: &[Section], own: &str) -> Vec<String> {
    sections
        .iter()
        .filter(|s| s.name == own)
        .flat_map(|s| s.entries.iter().map(|e| format!("{}={}", e.key, e.value)))
        .collect()
}
