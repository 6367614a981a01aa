//! The validate half of create (netavark's validate-then-apply): everything the request asks
//! for is checked against the image and the other objects it names, and turned into a `Plan`
//! in which nothing can fail for a reason the user controls. Nothing is created here (the image
//! may be pulled, which is not part of the container).
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use serde_json::Value;

use super::request::{CreateRequest, PullPolicy};
use super::user::{resolve_group, resolve_user, resolve_user_in, User};
use crate::engine::EngineError;
use crate::image::{ImageError, ImageRecord, ImageStore};
use crate::network::{Mode, NetConfig};
use crate::runtime::userns::{is_rootful, IdMapping};
use crate::state::Paths;

/// What `apply` makes: the request resolved against the image.
pub(super) struct Plan {
    pub id: String,
    /// The container's cgroup (where one is delegated) and its limits.
    pub cgroup_place: Option<crate::state::container::CgroupPlace>,
    pub resources: crate::runtime::cgroup::Resources,
    pub image: ImageRecord,
    /// The image's layers, bottom first.
    pub layers: Vec<PathBuf>,
    /// The network mode, `container:` resolved to the container's ID.
    pub mode: Mode,
    pub net_config: NetConfig,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    /// entrypoint + cmd: what runs.
    pub args: Vec<String>,
    pub hostname: String,
    /// `-u` or the image's USER, as written (the record keeps it for `exec`).
    pub user_spec: String,
    pub user: User,
    /// The user's groups and the `--group-add` ones.
    pub additional_gids: Vec<u32>,
    pub workdir: String,
    pub env: Vec<String>,
    pub labels: BTreeMap<String, String>,
    /// (device on the host, path in the container).
    pub devices: Vec<(PathBuf, String)>,
    pub stop_signal: Option<String>,
    /// The image's VOLUMEs.
    pub image_volumes: Vec<String>,
    /// `--volumes-from`: (container ID, mode override).
    pub volumes_from: Vec<(String, Option<bool>)>,
    /// docker's `Config.Healthcheck`: the request's over the image's.
    pub healthcheck: Option<crate::state::health::HealthConfig>,
    /// The image's SHELL (docker's `Config.Shell`), for `CMD-SHELL` checks.
    pub shell: Vec<String>,
    /// The extras, `container:` modes resolved to IDs.
    pub extras: crate::runtime::spec::SpecExtras,
    /// The id mapping of the container's user namespace (None: rootful).
    pub mapping: Option<IdMapping>,
    /// `--runtime`, found on the host.
    pub runtime: Option<crate::state::container::OciRuntime>,
    /// keep-id's /etc/passwd and /etc/group, bound over the image's.
    pub etc_files: super::keep_id::EtcFiles,
}

/// `--runtime NAME|PATH`: skiff's own runtime (`skiff`, or nothing), or an OCI runtime found
/// on `$PATH` (and in the sbin directories) or at the path given. docker's message otherwise.
fn resolve_runtime(
    name: Option<&str>,
) -> Result<Option<crate::state::container::OciRuntime>, EngineError> {
    match name {
        None => Ok(None),
        Some(n) if n == crate::state::container::BUILTIN_RUNTIME => Ok(None),
        Some(n) => crate::runtime::external::resolve(n)
            .map(|path| {
                Some(crate::state::container::OciRuntime {
                    name: n.to_string(),
                    path,
                })
            })
            .ok_or_else(|| EngineError::Usage(format!("unknown or invalid runtime name: {n}"))),
    }
}

/// A non-empty string of the image config.
fn config_str(cfg: &Value, key: &str) -> Option<String> {
    cfg[key]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// Check the request whole, pulling the image as its policy says.
pub(super) fn validate(
    paths: &Paths,
    req: &CreateRequest,
    notices: &mut dyn Write,
) -> Result<Plan, EngineError> {
    let cgroup = crate::engine::cgroup::plan(&req.limits)?;
    let runtime = resolve_runtime(req.runtime.as_deref())?;
    if req.auto_remove && req.restart != crate::state::restart::RestartPolicy::No {
        return Err(EngineError::Usage(
            "Conflicting options: --restart and --rm".into(),
        ));
    }
    if let Some(w) = &req.workdir {
        check_workdir(w)?;
    }
    check_log(req)?;
    let images = ImageStore::open(paths)?;
    let image = find_image(paths, &images, req, notices)?;
    let config = images.config_json(&image)?;
    let cfg = &config["config"];
    let healthcheck = crate::state::health::HealthConfig::effective(req.healthcheck.as_ref(), cfg)
        .map_err(EngineError::Usage)?;
    if req.sdnotify == crate::systemd::notify::Mode::Healthy && healthcheck.is_none() {
        return Err(EngineError::Usage(
            "--sdnotify=healthy needs a healthcheck (--health-cmd, or one in the image)".into(),
        ));
    }
    if req.network.mode == Mode::Host {
        if let Some(k) = req.extras.sysctls.keys().find(|k| k.starts_with("net.")) {
            return Err(EngineError::Usage(format!(
                "sysctl {k:?} not allowed in host network namespace"
            )));
        }
    }
    let mut mode = req.network.mode.clone();
    if mode.is_default_bridge() {
        mode = super::namespaces::default_network(paths, &req.extras)?;
    }
    let net_config = crate::engine::network::prepare(paths, &mut mode, &req.network, cfg)?;
    let extras = super::namespaces::resolve(paths, &req.extras, &mode)?;
    let keep_id = super::parse_extras::keep_id(&extras.userns).transpose()?;
    let mapping = match (is_rootful(), &keep_id) {
        (true, _) => None,
        (false, None) => Some(IdMapping::for_current_user()),
        (false, Some(k)) => Some(IdMapping::keep_id(k.uid, k.gid, k.size)?),
    };

    // docker's rules: an entrypoint replaces the image's and drops its Cmd.
    let (entrypoint, cmd) = match &req.entrypoint {
        Some(ep) => (ep.clone(), req.command.clone()),
        None => {
            let cmd = if req.command.is_empty() {
                crate::image::config_strings(&cfg["Cmd"])
            } else {
                req.command.clone()
            };
            (crate::image::config_strings(&cfg["Entrypoint"]), cmd)
        }
    };
    let args: Vec<String> = entrypoint.iter().chain(cmd.iter()).cloned().collect();
    if args.is_empty() {
        return Err(EngineError::Usage(
            "no command specified: the image has no CMD or ENTRYPOINT and none was given".into(),
        ));
    }

    let id = super::names::new_id()?;
    // `--uts host`: the host's name, which the container cannot change.
    let hostname = match (&req.hostname, req.extras.uts == "host") {
        (Some(_), true) => {
            return Err(EngineError::Usage(
                "Conflicting options: hostname and the UTS mode".into(),
            ))
        }
        (None, true) => nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_default(),
        (Some(h), false) => h.clone(),
        (None, false) => id[..12].to_string(),
    };
    let layers = images.layer_dirs(&image);
    let workdir = req
        .workdir
        .clone()
        .or_else(|| config_str(cfg, "WorkingDir"))
        .unwrap_or_else(|| "/".into());
    check_workdir(&workdir)?;
    // keep-id runs as the user's own ids (or keep-id's uid and gid) unless told otherwise, and
    // adds them to /etc/passwd and /etc/group (podman's way).
    let user_spec = req
        .user
        .clone()
        .or_else(|| {
            keep_id.map(|k| {
                let uid = k.uid.unwrap_or(nix::unistd::getuid().as_raw());
                let gid = k.gid.unwrap_or(nix::unistd::getgid().as_raw());
                format!("{uid}:{gid}")
            })
        })
        .or_else(|| config_str(cfg, "User"))
        .unwrap_or_default();
    let etc_files = match &keep_id {
        Some(k) => {
            let mounted = |p: &str| {
                req.mounts
                    .iter()
                    .any(|m| m.destination == p || m.destination == "/etc")
            };
            let mut files = super::keep_id::etc_files(
                &layers,
                &super::keep_id::Inputs {
                    opts: k,
                    user_spec: &user_spec,
                    workdir: &workdir,
                    mount_destinations: req.mounts.iter().map(|m| m.destination.as_str()).collect(),
                },
            );
            if mounted("/etc/passwd") {
                files.passwd = None;
            }
            if mounted("/etc/group") {
                files.group = None;
            }
            files
        }
        None => Default::default(),
    };
    let user = match (&etc_files.passwd, &etc_files.group) {
        (None, None) => resolve_user(&layers, &user_spec)?,
        (p, g) => {
            let read = |f: &Option<String>, rel| {
                f.clone()
                    .or_else(|| super::user::read_from_layers(&layers, rel))
                    .unwrap_or_default()
            };
            resolve_user_in(&read(p, "etc/passwd"), &read(g, "etc/group"), &user_spec)?
        }
    };
    let mut additional_gids = user.groups.clone();
    // podman's keep-id also makes the group a supplementary one (`id` lists it in groups=).
    if keep_id.is_some() && req.user.is_none() && !additional_gids.contains(&user.gid) {
        additional_gids.insert(0, user.gid);
    }
    for g in &req.group_add {
        additional_gids.push(resolve_group(&layers, g)?);
    }

    // Labels: the image's, then the request's.
    let mut labels: BTreeMap<String, String> = cfg["Labels"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    labels.extend(req.labels.iter().map(|(k, v)| (k.clone(), v.clone())));

    let env = environment(
        &crate::image::config_strings(&cfg["Env"]),
        req,
        &hostname,
        &user.home,
    );
    let devices = req
        .devices
        .iter()
        .map(|d| check_device(&d.host).map(|()| (d.host.clone(), d.container.clone())))
        .collect::<Result<_, _>>()?;
    let image_volumes: Vec<String> = cfg["Volumes"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let store = crate::state::container::Containers::new(paths);
    let volumes_from = req
        .volumes_from
        .iter()
        .map(|v| Ok((store.resolve(&v.container)?, v.rw)))
        .collect::<Result<_, EngineError>>()?;
    Ok(Plan {
        cgroup_place: cgroup.place(&id),
        resources: cgroup.resources,
        id,
        volumes_from,
        stop_signal: req
            .stop_signal
            .clone()
            .or_else(|| cfg["StopSignal"].as_str().map(String::from)),
        image,
        layers,
        mode,
        net_config,
        entrypoint,
        cmd,
        args,
        hostname,
        user_spec,
        user,
        additional_gids,
        workdir,
        env,
        labels,
        devices,
        image_volumes,
        healthcheck,
        shell: crate::image::config_strings(&cfg["Shell"]),
        extras,
        mapping,
        runtime,
        etc_files,
    })
}

fn check_workdir(w: &str) -> Result<(), EngineError> {
    if !w.starts_with('/') {
        return Err(EngineError::Usage(format!(
            "the working directory '{w}' is invalid, it needs to be an absolute path"
        )));
    }
    Ok(())
}

/// The image, from the store or pulled as the policy says.
fn find_image(
    paths: &Paths,
    images: &ImageStore,
    req: &CreateRequest,
    notices: &mut dyn Write,
) -> Result<ImageRecord, EngineError> {
    let pull_opts = crate::engine::image::PullOptions {
        quiet: false,
        tls_verify: req.tls_verify,
    };
    let pull = |notices: &mut dyn Write| match &req.platform {
        None => crate::engine::image::pull(paths, &req.image, &pull_opts, notices),
        Some(p) => {
            crate::engine::image::pull_platform(paths, &req.image, &pull_opts, Some(p), &mut |ev| {
                crate::engine::image::render_plain(&ev, false, notices)
            })
        }
    };
    // `--platform` of another architecture: an image of the host's under the same name is
    // replaced by a pull (docker pulls the platform asked for).
    let other_arch = |img: &ImageRecord| {
        req.platform.as_ref().is_some_and(|p| {
            images
                .config_json(img)
                .is_ok_and(|c| c["architecture"].as_str() != Some(p.architecture.as_str()))
        })
    };
    match (req.pull, images.resolve(&req.image)) {
        (PullPolicy::Always, _) => pull(notices),
        (PullPolicy::Missing, Ok(img)) if other_arch(&img) => pull(notices),
        (_, Ok(img)) => Ok(img),
        (PullPolicy::Missing, Err(ImageError::NotFound(_))) => {
            // Only a name can be pulled; an unknown ID is just unknown.
            let reference = crate::image::Reference::parse(&req.image)?;
            let _ = writeln!(
                notices,
                "Unable to find image '{}' locally",
                reference.familiar_tagged()
            );
            pull(notices)
        }
        (_, Err(e)) => Err(e.into()),
    }
}

/// The container's environment: the image's, `HOSTNAME`, a default `PATH`, `TERM` with a
/// terminal, the request's entries, and `HOME` unless set.
fn environment(
    image_env: &[String],
    req: &CreateRequest,
    hostname: &str,
    home: &str,
) -> Vec<String> {
    use super::parse::set_env;
    let mut env = image_env.to_vec();
    set_env(&mut env, &format!("HOSTNAME={hostname}"), true);
    if !env.iter().any(|e| e.starts_with("PATH=")) {
        env.insert(
            0,
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
        );
    }
    if req.tty {
        set_env(&mut env, "TERM=xterm", false);
    }
    for e in &req.env {
        set_env(&mut env, e, true);
    }
    set_env(&mut env, &format!("HOME={home}"), false);
    env
}

/// `--log-driver` against the rest of the request: passthrough never with `-t` (the container
/// could type into the caller's terminal, TIOCSTI: podman's rule), a `tag` that renders.
fn check_log(req: &CreateRequest) -> Result<(), EngineError> {
    if req.log.driver == "passthrough" && req.tty {
        return Err(EngineError::Usage(
            "the passthrough log driver cannot be used with a terminal (-t)".into(),
        ));
    }
    if let Some(t) = &req.log.tag {
        crate::monitor::journald::render_tag(t, &crate::monitor::journald::TagFields::example())
            .map_err(|e| EngineError::Usage(format!("invalid log opt tag {t:?}: {e}")))?;
    }
    Ok(())
}

/// `--device`: the host path must be a device node.
fn check_device(host: &std::path::Path) -> Result<(), EngineError> {
    use std::os::unix::fs::FileTypeExt;
    let meta = std::fs::metadata(host).map_err(EngineError::io(format!(
        "error gathering device information while adding custom device \"{}\"",
        host.display()
    )))?;
    if !(meta.file_type().is_char_device() || meta.file_type().is_block_device()) {
        return Err(EngineError::Usage(format!(
            "{} is not a device node",
            host.display()
        )));
    }
    Ok(())
}
