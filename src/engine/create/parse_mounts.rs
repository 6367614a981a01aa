//! docker's mount syntaxes: `-v/--volume`, `--mount`, `--tmpfs` and `--volumes-from`, parsed
//! into the request's `MountRequest`s (turning those into mounts is `engine::mounts`).

use super::request::{destination, Kind, MountRequest, VolumesFrom};
use crate::engine::EngineError;

const PROPAGATIONS: &[&str] = &[
    "private", "rprivate", "shared", "rshared", "slave", "rslave",
];

fn usage(msg: impl Into<String>) -> EngineError {
    EngineError::Usage(msg.into())
}

/// `-v/--volume`: `NAME:/path[:opts]`, `/host:/path[:opts]`, `/path[:opts]`.
pub fn parse_volume(spec: &str) -> Result<MountRequest, EngineError> {
    let parts: Vec<&str> = spec.split(':').collect();
    let invalid = || usage(format!("invalid volume specification: '{spec}'"));
    let (source, dest, mode) = match parts.as_slice() {
        [d] => (None, *d, ""),
        [a, b] if !b.starts_with('/') && a.starts_with('/') => (None, *a, *b),
        [s, d] => (Some(*s), *d, ""),
        [s, d, m] => (Some(*s), *d, *m),
        _ => return Err(invalid()),
    };
    if source == Some("") || dest.is_empty() {
        return Err(invalid());
    }
    let destination = destination(spec, dest)?;
    let kind = match source {
        Some(s) if s.starts_with('/') => Kind::Bind,
        _ => Kind::Volume,
    };
    let mut m = MountRequest::new(kind, destination);
    m.source = source.map(String::from);
    m.mode = mode.to_string();
    m.create_source = kind == Kind::Bind;
    if kind == Kind::Volume {
        if let Some(name) = &m.source {
            if !crate::volume::valid_name(name) {
                return Err(usage(format!(
                    "create {name}: \"{name}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path"
                )));
            }
        }
    }
    let (mut saw_rw, mut saw_label) = (false, false);
    for o in mode.split(',').filter(|o| !o.is_empty()) {
        match o {
            "ro" | "rw" if !saw_rw => {
                saw_rw = true;
                m.rw = o == "rw";
            }
            "z" | "Z" if !saw_label => saw_label = true, // SELinux relabeling: no SELinux here.
            "U" => m.chown = true,
            "nocopy" if kind == Kind::Volume => m.nocopy = true,
            "consistent" | "cached" | "delegated" => {}
            p if PROPAGATIONS.contains(&p) && m.propagation.is_none() => {
                if kind != Kind::Bind {
                    return Err(usage(format!(
                        "invalid volume specification: '{spec}': propagation is only for bind mounts"
                    )));
                }
                m.propagation = Some(p.to_string());
            }
            _ => return Err(usage(format!("invalid mode: {mode}"))),
        }
    }
    Ok(m)
}

fn parse_bool(key: &str, v: Option<&str>) -> Result<bool, EngineError> {
    match v.map(str::to_ascii_lowercase).as_deref() {
        None | Some("1") | Some("true") => Ok(true),
        Some("0") | Some("false") => Ok(false),
        Some(other) => Err(usage(format!(
            "invalid value for {key}: {other}: must be a boolean"
        ))),
    }
}

/// `--mount type=bind|volume|tmpfs,source=…,target=…,…`.
pub fn parse_mount(spec: &str) -> Result<MountRequest, EngineError> {
    let mut kind = Kind::Volume;
    let mut fields = Vec::new();
    for field in spec.split(',').filter(|f| !f.is_empty()) {
        let (k, v) = match field.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_lowercase(), Some(v.trim().to_string())),
            None => (field.trim().to_ascii_lowercase(), None),
        };
        if k == "type" {
            kind = match v.as_deref() {
                Some("volume") => Kind::Volume,
                Some("bind") => Kind::Bind,
                Some("tmpfs") => Kind::Tmpfs,
                other => {
                    return Err(usage(format!(
                        "invalid argument \"{spec}\" for \"--mount\" flag: invalid mount type {:?}",
                        other.unwrap_or("")
                    )))
                }
            };
        } else {
            fields.push((k, v));
        }
    }
    let mut m = MountRequest::new(kind, String::new());
    let mut target = None;
    let mut tmpfs_size = None;
    let mut tmpfs_mode = None;
    let need = |k: &str, v: &Option<String>| -> Result<String, EngineError> {
        v.clone().ok_or_else(|| {
            usage(format!(
                "invalid argument \"{spec}\" for \"--mount\" flag: invalid field '{k}' must be a key=value pair"
            ))
        })
    };
    let wrong_type = |k: &str| {
        usage(format!(
            "invalid argument \"{spec}\" for \"--mount\" flag: cannot mix '{k}' with mount type '{}'",
            match kind {
                Kind::Volume => "volume",
                Kind::Bind => "bind",
                Kind::Tmpfs => "tmpfs",
            }
        ))
    };
    for (k, v) in &fields {
        match k.as_str() {
            "source" | "src" => m.source = Some(need(k, v)?),
            "target" | "destination" | "dst" => target = Some(need(k, v)?),
            "readonly" | "ro" => m.rw = !parse_bool(k, v.as_deref())?,
            "consistency" => {}
            "bind-propagation" if kind == Kind::Bind => {
                let p = need(k, v)?;
                if !PROPAGATIONS.contains(&p.as_str()) {
                    return Err(usage(format!("invalid bind-propagation: {p}")));
                }
                m.propagation = Some(p);
            }
            "bind-nonrecursive" if kind == Kind::Bind => {
                m.nonrecursive = parse_bool(k, v.as_deref())?
            }
            "volume-nocopy" if kind == Kind::Volume => m.nocopy = parse_bool(k, v.as_deref())?,
            "volume-driver" if kind == Kind::Volume => {
                let d = need(k, v)?;
                if d != "local" {
                    return Err(usage(format!(
                        "error looking up volume plugin {d}: plugin \"{d}\" not found"
                    )));
                }
            }
            "volume-opt" if kind == Kind::Volume => {
                let kv = need(k, v)?;
                let (ok, ov) = kv.split_once('=').ok_or_else(|| {
                    usage(format!("invalid volume-opt {kv:?}: must be key=value"))
                })?;
                m.volume_opts.insert(ok.to_string(), ov.to_string());
            }
            "tmpfs-size" if kind == Kind::Tmpfs => {
                let s = need(k, v)?;
                tmpfs_size = Some(
                    crate::units::parse_bytes(&s)
                        .ok_or_else(|| usage(format!("invalid tmpfs-size: {s}")))?,
                );
            }
            "tmpfs-mode" if kind == Kind::Tmpfs => {
                let s = need(k, v)?;
                let mode = u32::from_str_radix(&s, 8)
                    .ok()
                    .filter(|m| *m <= 0o7777)
                    .ok_or_else(|| usage(format!("invalid tmpfs-mode: {s}")))?;
                tmpfs_mode = Some(mode);
            }
            "bind-propagation" | "bind-nonrecursive" | "volume-nocopy" | "volume-driver"
            | "volume-opt" | "tmpfs-size" | "tmpfs-mode" => return Err(wrong_type(k)),
            other => {
                return Err(usage(format!(
                    "invalid argument \"{spec}\" for \"--mount\" flag: unexpected key '{other}' in '{spec}'"
                )))
            }
        }
    }
    let target = target.ok_or_else(|| {
        usage(format!(
            "invalid argument \"{spec}\" for \"--mount\" flag: target is required"
        ))
    })?;
    m.destination = destination(spec, &target)?;
    match kind {
        Kind::Bind => {
            let src = m.source.clone().ok_or_else(|| {
                usage("invalid mount config for type \"bind\": field Source must not be empty")
            })?;
            if !src.starts_with('/') {
                return Err(usage(format!(
                    "invalid mount config for type \"bind\": invalid mount path: '{src}' mount path must be absolute"
                )));
            }
        }
        Kind::Volume => {
            if let Some(name) = &m.source {
                if !crate::volume::valid_name(name) {
                    return Err(usage(format!(
                        "create {name}: \"{name}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed"
                    )));
                }
            }
        }
        Kind::Tmpfs => {
            if m.source.is_some() {
                return Err(usage(
                    "invalid mount config for type \"tmpfs\": field Source must not be specified",
                ));
            }
            if let Some(s) = tmpfs_size {
                m.tmpfs.push(format!("size={s}"));
            }
            if let Some(md) = tmpfs_mode {
                m.tmpfs.push(format!("mode={md:o}"));
            }
        }
    }
    Ok(m)
}

/// `--tmpfs /path[:opts]` (docker's default options: noexec, nosuid, nodev).
pub fn parse_tmpfs(spec: &str) -> Result<MountRequest, EngineError> {
    let (dest, opts) = spec.split_once(':').unwrap_or((spec, ""));
    let mut m = MountRequest::new(Kind::Tmpfs, destination(spec, dest)?);
    let mut list = vec!["noexec".to_string(), "nosuid".into(), "nodev".into()];
    for o in opts.split(',').filter(|o| !o.is_empty()) {
        match o {
            "ro" => m.rw = false,
            "rw" => m.rw = true,
            "exec" => list.retain(|x| x != "noexec"),
            "suid" => list.retain(|x| x != "nosuid"),
            "dev" => list.retain(|x| x != "nodev"),
            "noexec" | "nosuid" | "nodev" | "strictatime" => {
                if !list.iter().any(|x| x == o) {
                    list.push(o.into());
                }
            }
            o if o.starts_with("size=") => {
                let s = &o[5..];
                let n = if s.ends_with('%') {
                    return Err(usage(format!("invalid tmpfs option {o:?}")));
                } else {
                    crate::units::parse_bytes(s)
                        .ok_or_else(|| usage(format!("invalid tmpfs option {o:?}")))?
                };
                list.push(format!("size={n}"));
            }
            o if o.starts_with("mode=")
                || o.starts_with("uid=")
                || o.starts_with("gid=")
                || o.starts_with("nr_inodes=") =>
            {
                let v = &o[o.find('=').map(|i| i + 1).unwrap_or(0)..];
                if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(usage(format!("invalid tmpfs option {o:?}")));
                }
                list.push(o.to_string());
            }
            _ => return Err(usage(format!("invalid tmpfs option {o:?}"))),
        }
    }
    m.tmpfs = list;
    Ok(m)
}

/// `--volumes-from CONTAINER[:ro|:rw]`.
pub fn parse_volumes_from(spec: &str) -> Result<VolumesFrom, EngineError> {
    let (container, rw) = match spec.rsplit_once(':') {
        Some((c, "ro")) => (c, Some(false)),
        Some((c, "rw")) => (c, Some(true)),
        Some((_, m)) => return Err(usage(format!("invalid mode: {m}"))),
        None => (spec, None),
    };
    Ok(VolumesFrom {
        container: container.to_string(),
        rw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_flag_forms() {
        let m = parse_volume("data:/srv/data").unwrap();
        assert_eq!(
            (m.kind, m.source.as_deref(), m.destination.as_str(), m.rw),
            (Kind::Volume, Some("data"), "/srv/data", true)
        );
        let m = parse_volume("/host/dir:/in:ro,z").unwrap();
        assert_eq!((m.kind, m.rw, m.mode.as_str()), (Kind::Bind, false, "ro,z"));
        assert!(m.create_source);
        let m = parse_volume("/anon").unwrap();
        assert_eq!((m.kind, m.source.clone()), (Kind::Volume, None));
        let m = parse_volume("/anon:ro").unwrap();
        assert_eq!(
            (m.kind, m.source.clone(), m.rw),
            (Kind::Volume, None, false)
        );
        let m = parse_volume("/h:/c:rshared,U").unwrap();
        assert_eq!(m.propagation.as_deref(), Some("rshared"));
        assert!(m.chown);
        assert!(parse_volume("data:/x:rshared").is_err());
        assert!(parse_volume("data:/x:bogus").is_err());
        assert!(parse_volume("data:/x:ro,rw").is_err());
        assert!(parse_volume("data:relative").is_err());
        assert!(parse_volume("bad/name:/x").is_err());
        assert!(parse_volume("v:/").is_err());
        assert_eq!(parse_volume("vol:/a/b/../c/").unwrap().destination, "/a/c");
    }

    #[test]
    fn mount_flag_forms() {
        let m =
            parse_mount("type=bind,source=/h,target=/c,readonly,bind-propagation=rslave").unwrap();
        assert_eq!(
            (m.kind, m.rw, m.propagation.as_deref(), m.create_source),
            (Kind::Bind, false, Some("rslave"), false)
        );
        let m =
            parse_mount("type=volume,src=vol,dst=/d,volume-nocopy,volume-opt=type=none").unwrap();
        assert!(m.nocopy);
        assert_eq!(m.volume_opts.get("type").map(String::as_str), Some("none"));
        let m = parse_mount("target=/anon").unwrap();
        assert_eq!((m.kind, m.source.clone()), (Kind::Volume, None));
        let m = parse_mount("type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770").unwrap();
        assert_eq!(m.tmpfs, vec!["size=1048576", "mode=1770"]);
        assert!(parse_mount("type=tmpfs,target=/t,bind-propagation=shared").is_err());
        assert!(parse_mount("type=bind,target=/t").is_err());
        assert!(parse_mount("type=bind,source=rel,target=/t").is_err());
        assert!(parse_mount("type=volume,source=v").is_err());
        assert!(parse_mount("type=nope,target=/t").is_err());
        assert!(parse_mount("type=volume,target=/t,readonly=maybe").is_err());
    }

    #[test]
    fn tmpfs_flag_and_sizes() {
        let m = parse_tmpfs("/run:size=64k,exec,mode=1777").unwrap();
        assert_eq!(m.tmpfs, vec!["nosuid", "nodev", "size=65536", "mode=1777"]);
        assert!(parse_tmpfs("/run:size=lots").is_err());
        assert!(parse_tmpfs("/run:mode=1,2").is_err());
        let m = parse_tmpfs("/big:size=1t").unwrap();
        assert_eq!(
            m.tmpfs,
            vec!["noexec", "nosuid", "nodev", "size=1099511627776"]
        );
        assert_eq!(
            parse_volumes_from("web:ro").unwrap(),
            VolumesFrom {
                container: "web".into(),
                rw: Some(false)
            }
        );
        assert!(parse_volumes_from("web:zz").is_err());
    }
}
