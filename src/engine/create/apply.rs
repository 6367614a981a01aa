//! The apply half of create: a validated `Plan` made real in named steps (reserve the name,
//! make the directories, write the name files, resolve the mounts, write the runtime spec,
//! write the record). One `Rollback` guard undoes whatever the steps made if any step fails.
use std::path::{Path, PathBuf};

use super::request::CreateRequest;
use super::validate::Plan;
use crate::engine::{mounts, EngineError};
use crate::monitor::now_rfc3339;
use crate::network::Mode;
use crate::runtime::spec::{NetMode, SpecInput};
use crate::state::container::{
    ContainerRecord, Containers, Durability, MountRecord, NameClaim, StateError,
};
use crate::state::summary::RecordStamp;
use crate::state::{events, write_atomic_dir_later, write_replace, Paths};
use crate::storage::Driver;
use crate::systemd::notify;
use crate::volume::{Volumes, VolumesLock};

/// Undoes a failed create: the container's directory, its name and the volumes it made. Armed
/// from the start; `commit` disarms it once the record is written.
struct Rollback<'a> {
    store: &'a Containers<'a>,
    vols: &'a Volumes<'a>,
    id: &'a str,
    name: Option<String>,
    /// The lock on the name file until the record is written (dropped after the undo).
    claim: Option<NameClaim>,
    volumes: Vec<String>,
    armed: bool,
}

impl Rollback<'_> {
    fn commit(mut self) {
        self.armed = false;
    }
}

impl Drop for Rollback<'_> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let _ = crate::storage::remove_tree(&self.store.dir(self.id));
        if let Some(n) = &self.name {
            self.store.release_name(n, self.id);
        }
        if self.volumes.is_empty() {
            return;
        }
        if let Ok(lock) = self.vols.lock() {
            for v in &self.volumes {
                if let Ok(trash) = self.vols.take_out(&lock, v) {
                    crate::monitor::remove_tree_any_owner(&trash);
                }
            }
        }
    }
}

/// Make the container `plan` describes; returns its record, the record file's stamp and the
/// runtime spec.
pub(super) fn apply(
    paths: &Paths,
    req: &CreateRequest,
    plan: Plan,
) -> Result<super::Created, EngineError> {
    let store = Containers::new(paths);
    let vols = Volumes::new(paths);
    let id = plan.id.clone();
    let mut undo = Rollback {
        store: &store,
        vols: &vols,
        id: &id,
        name: None,
        claim: None,
        volumes: Vec::new(),
        armed: true,
    };
    // `--rm`: nothing forced to disk (docker's --rm containers do not outlive a crash of
    // their daemon either); what a crash leaves is collected (`container::leftover`).
    let durability = if req.auto_remove {
        Durability::Volatile
    } else {
        Durability::Synced
    };
    let (name, claim) = reserve_name(paths, &store, req, &id, durability)?;
    undo.name = Some(name.clone());
    undo.claim = Some(claim);
    let dir = store.dir(&id);
    let storage_driver = make_dirs(paths, &dir, &plan.layers)?;
    let mut binds = write_name_files(paths, &dir, &plan, &name)?;
    binds.extend(plan.devices.iter().cloned());
    binds.extend(notify_dir(&dir, req)?);
    binds.extend(shm_dir(&store, &dir, &plan)?);
    binds.extend(etc_files(&dir, &plan)?);
    // Volumes are created and the record written under the volumes lock, so that a concurrent
    // `volume rm` or `prune` sees either no container or one that uses them. The lock is
    // released before `undo` runs (it takes it again).
    let vol_lock = vols.lock()?;
    let mount_records = resolve_mounts(&store, &vols, &vol_lock, req, &plan, &mut undo.volumes)?;
    let spec = write_spec(&dir, req, &plan, binds, &mount_records, durability)?;
    let (rec, stamp) = write_record(
        paths,
        &store,
        req,
        plan,
        (name, durability),
        storage_driver,
        mount_records,
    )?;
    drop(vol_lock);
    undo.commit();
    Ok(super::Created { rec, stamp, spec })
}

/// Step 1: the name, given or generated, reserved for this ID (a name a crash left behind is
/// freed first: `container::leftover`).
fn reserve_name(
    paths: &Paths,
    store: &Containers<'_>,
    req: &CreateRequest,
    id: &str,
    durability: Durability,
) -> Result<(String, NameClaim), EngineError> {
    match &req.name {
        Some(n) => {
            let claim = match store.reserve_name(n, id, durability) {
                Err(StateError::NameInUse { id: holder, .. })
                    if crate::engine::container::leftover::free_name(paths, n, &holder) =>
                {
                    store.reserve_name(n, id, durability)?
                }
                r => r?,
            };
            Ok((n.clone(), claim))
        }
        None => super::names::reserve_generated_name(paths, store, id, durability),
    }
}

/// Step 2: the container's directories (a vfs container gets its copy of the image).
fn make_dirs(paths: &Paths, dir: &Path, layers: &[PathBuf]) -> Result<Driver, EngineError> {
    for sub in ["upper", "work", "merged"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(EngineError::io(format!(
            "creating {}",
            dir.join(sub).display()
        )))?;
    }
    let driver = crate::engine::storage::select(paths)?.driver;
    if driver == Driver::Vfs {
        crate::engine::storage::vfs_copy(&dir.join("upper"), layers)?;
    }
    Ok(driver)
}

/// Step 3: /etc/hosts, /etc/hostname and /etc/resolv.conf, as (host file, destination) binds.
fn write_name_files(
    paths: &Paths,
    dir: &Path,
    plan: &Plan,
    name: &str,
) -> Result<Vec<(PathBuf, String)>, EngineError> {
    let write = |file: &str, text: String| -> Result<PathBuf, EngineError> {
        let p = dir.join(file);
        // Derived from the record: atomic, but not worth an fsync on the start-up path.
        write_replace(&p, text.as_bytes())
            .map_err(EngineError::io(format!("writing {}", p.display())))?;
        // Readable by every user of the container, as docker's.
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .map_err(EngineError::io(format!("chmod {}", p.display())))?;
        Ok(p)
    };
    let (hosts, resolv) = crate::engine::network::name_files(
        paths,
        &plan.mode,
        &plan.hostname,
        name,
        &plan.net_config,
    )?;
    Ok(vec![
        (write("hosts", hosts)?, "/etc/hosts".to_string()),
        (
            write("hostname", format!("{}\n", plan.hostname))?,
            "/etc/hostname".to_string(),
        ),
        (
            write("resolv.conf", resolv)?,
            "/etc/resolv.conf".to_string(),
        ),
    ])
}

/// Step 3b: `--sdnotify=container`: the directory where the monitor binds the notification
/// socket it relays, mounted at podman's `/run/notify` (searchable by every container user).
fn notify_dir(dir: &Path, req: &CreateRequest) -> Result<Option<(PathBuf, String)>, EngineError> {
    use std::os::unix::fs::PermissionsExt;
    if req.sdnotify != notify::Mode::Container {
        return Ok(None);
    }
    let d = dir.join("notify");
    std::fs::create_dir_all(&d)
        .and_then(|()| std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)))
        .map_err(EngineError::io(format!("creating {}", d.display())))?;
    Ok(Some((d, notify::CONTAINER_DIR.to_string())))
}

/// Step 4: the mount records, creating the volumes they need (their names go to `created`).
fn resolve_mounts(
    store: &Containers<'_>,
    vols: &Volumes<'_>,
    lock: &VolumesLock,
    req: &CreateRequest,
    plan: &Plan,
    created: &mut Vec<String>,
) -> Result<Vec<MountRecord>, EngineError> {
    let mut from = Vec::new();
    for (cid, rw) in &plan.volumes_from {
        from.push((store.record(cid)?.mounts, *rw));
    }
    let sources = mounts::MountSources {
        requests: &req.mounts,
        from,
        image_volumes: plan.image_volumes.clone(),
    };
    let (records, made) = mounts::resolve(vols, lock, &sources)?;
    *created = made;
    Ok(records)
}

/// `--ipc shareable`: /dev/shm is a directory of the container's, which `--ipc container:`
/// containers bind too (a tmpfs mounted in one container's mount namespace cannot be reached
/// from another's); `container:ID` binds the donor's.
fn shm_dir(
    store: &Containers<'_>,
    dir: &Path,
    plan: &Plan,
) -> Result<Option<(PathBuf, String)>, EngineError> {
    let src = match plan.extras.ipc.as_str() {
        "shareable" => {
            let d = dir.join("shm");
            std::fs::create_dir(&d)
                .map_err(EngineError::io(format!("creating {}", d.display())))?;
            std::fs::set_permissions(&d, std::os::unix::fs::PermissionsExt::from_mode(0o1777))
                .map_err(EngineError::io(format!("chmod {}", d.display())))?;
            d
        }
        m => match super::parse_extras::container_target(m) {
            Some(donor) => store.dir(donor).join("shm"),
            None => return Ok(None),
        },
    };
    Ok(Some((src, "/dev/shm".into())))
}

/// keep-id's /etc/passwd and /etc/group (`keep_id.rs`), as (host file, destination) binds.
fn etc_files(dir: &Path, plan: &Plan) -> Result<Vec<(PathBuf, String)>, EngineError> {
    let mut binds = Vec::new();
    for (name, text) in [
        ("passwd", &plan.etc_files.passwd),
        ("group", &plan.etc_files.group),
    ] {
        let Some(text) = text else { continue };
        let p = dir.join(name);
        write_replace(&p, text.as_bytes())
            .map_err(EngineError::io(format!("writing {}", p.display())))?;
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .map_err(EngineError::io(format!("chmod {}", p.display())))?;
        binds.push((p, format!("/etc/{name}")));
    }
    Ok(binds)
}

/// Step 5: the OCI runtime spec, config.json.
fn write_spec(
    dir: &Path,
    req: &CreateRequest,
    plan: &Plan,
    binds: Vec<(PathBuf, String)>,
    mount_records: &[MountRecord],
    durability: Durability,
) -> Result<oci_spec::runtime::Spec, EngineError> {
    let input = SpecInput {
        args: plan.args.clone(),
        env: {
            let mut env = plan.env.clone();
            if req.sdnotify == notify::Mode::Container {
                env.push(format!(
                    "{}={}/{}",
                    notify::ENV,
                    notify::CONTAINER_DIR,
                    notify::SOCKET_NAME
                ));
            }
            env
        },
        cwd: plan.workdir.clone(),
        uid: plan.user.uid,
        gid: plan.user.gid,
        additional_gids: plan.additional_gids.clone(),
        terminal: req.tty,
        hostname: plan.hostname.clone(),
        net: if plan.mode == Mode::Host {
            NetMode::Host
        } else {
            NetMode::Private
        },
        binds,
        mounts: mounts::spec_mounts(mount_records, plan.user.uid, plan.user.gid),
        mapping: plan.mapping.clone(),
        security: req.security.clone(),
        rlimits: req
            .ulimits
            .iter()
            .map(|u| (u.name.clone(), u.soft, u.hard))
            .collect(),
        extras: plan.extras.clone(),
    };
    let spec = crate::runtime::spec::build(&input)?;
    let spec_json =
        serde_json::to_vec_pretty(&spec).map_err(EngineError::failed("runtime spec"))?;
    // Its name becomes durable with the record's, written next in the same directory (a
    // directory without a record is no container).
    let p = dir.join("config.json");
    match durability {
        Durability::Synced => write_atomic_dir_later(&p, &spec_json),
        Durability::Volatile => write_replace(&p, &spec_json),
    }
    .map_err(EngineError::io("writing config.json"))?;
    Ok(spec)
}

/// Step 6: the container record (the container exists from here on), and the create event.
fn write_record(
    paths: &Paths,
    store: &Containers<'_>,
    req: &CreateRequest,
    plan: Plan,
    (name, durability): (String, Durability),
    storage_driver: Driver,
    mounts: Vec<MountRecord>,
) -> Result<(ContainerRecord, RecordStamp), EngineError> {
    let rec = ContainerRecord {
        id: plan.id,
        name,
        image: req.image.clone(),
        image_id: plan.image.id.clone(),
        created: now_rfc3339(),
        path: plan.args[0].clone(),
        args: plan.args[1..].to_vec(),
        env: plan.env,
        working_dir: plan.workdir,
        user: plan.user_spec,
        group_add: req.group_add.clone(),
        device_cgroup_rules: req.device_cgroup_rules.clone(),
        entrypoint: plan.entrypoint,
        cmd: plan.cmd,
        hostname: plan.hostname,
        tty: req.tty,
        interactive: req.interactive,
        auto_remove: req.auto_remove,
        network: plan.mode.clone(),
        net_config: plan.net_config,
        stop_signal: plan.stop_signal,
        stop_timeout: req.stop_timeout,
        labels: plan.labels,
        restart_policy: req.restart,
        log_config: req.log.clone(),
        layers: plan.layers,
        storage_driver,
        mounts,
        create_command: req.create_command.clone(),
        sdnotify: req.sdnotify.to_string(),
        pidfile: req.pidfile.clone(),
        healthcheck: plan.healthcheck,
        health_on_failure: req.health_on_failure,
        shell: plan.shell,
        extras: plan.extras.clone(),
        attach: req.attach.clone(),
        cgroup: plan.cgroup_place,
        resources: plan.resources,
        cgroup_parent: req.limits.cgroup_parent.clone().unwrap_or_default(),
        runtime: plan.runtime,
    };
    let stamp = store.create(&rec, durability)?;
    events::container(paths, &rec, "create", &[]);
    Ok((rec, stamp))
}
