//! Creating a container: a typed `CreateRequest` in, a container (record, runtime spec, files,
//! empty upper layer) out.
//!
//! The path of a create:
//! 1. a front end fills in a `CreateRequest` (`request.rs`): the CLI parses its flags with the
//!    functions of `parse.rs` and `parse_mounts.rs`; the builder, an API server or compose set
//!    the typed fields directly;
//! 2. `validate.rs` checks the request whole against the image (pulled as the request's policy
//!    says) and the objects it names, and turns it into a plan; nothing is created before this
//!    step succeeds;
//! 3. `apply.rs` makes the container in named steps under one rollback guard.
//!
//! `container::run` is create followed by `container::start`.
mod apply;
mod keep_id;
pub mod names;
mod namespaces;
pub mod parse;
pub mod parse_extras;
pub(crate) mod parse_mounts;
pub mod request;
pub mod user;
mod validate;

use std::io::Write;

pub use request::{
    CreateRequest, DeviceRequest, Kind, MountRequest, NetworkRequest, PullPolicy, Ulimit,
    VolumesFrom,
};

use super::EngineError;
use crate::state::container::{ContainerRecord, Containers};
use crate::state::Paths;

/// Create a container; returns its ID. Progress of a pull goes to `notices`.
pub fn create(
    paths: &Paths,
    req: &CreateRequest,
    notices: &mut dyn Write,
) -> Result<String, EngineError> {
    create_record(paths, req, notices).map(|c| c.rec.id)
}

/// A container just made: its record, the stamp of its record file and its runtime spec. `run`
/// starts it with these, and the monitor it forks reads none of them back.
pub struct Created {
    pub rec: ContainerRecord,
    pub stamp: crate::state::summary::RecordStamp,
    pub spec: oci_spec::runtime::Spec,
}

/// [`create`], returning what it wrote ([`Created`]).
pub fn create_record(
    paths: &Paths,
    req: &CreateRequest,
    notices: &mut dyn Write,
) -> Result<Created, EngineError> {
    if req.replace {
        replace(paths, req)?;
    }
    // docker refuses an existing cidfile before doing anything else.
    let cidfile = match &req.cidfile {
        Some(p) => Some(
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(p)
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::AlreadyExists => EngineError::Conflict(format!(
                        "container ID file found, make sure the other container isn't running or delete {}",
                        p.display()
                    )),
                    _ => EngineError::io(format!("creating the cidfile {}", p.display()))(e),
                })?,
        ),
        None => None,
    };
    let created =
        validate::validate(paths, req, notices).and_then(|plan| apply::apply(paths, req, plan));
    match (&created, cidfile, &req.cidfile) {
        (Ok(c), Some(mut f), _) => {
            f.write_all(c.rec.id.as_bytes())
                .map_err(EngineError::io("writing the cidfile"))?;
        }
        (Err(_), Some(_), Some(p)) => {
            let _ = std::fs::remove_file(p);
        }
        _ => {}
    }
    created
}

/// `--replace`: remove (forcibly) the container that has the requested name, and the one a
/// left-over cidfile names (a unit whose container died without its `rm`); none is fine.
fn replace(paths: &Paths, req: &CreateRequest) -> Result<(), EngineError> {
    let store = Containers::new(paths);
    let mut victims = Vec::new();
    if let Some(n) = &req.name {
        victims.push(n.clone());
    }
    if let Some(p) = &req.cidfile {
        if let Ok(id) = std::fs::read_to_string(p) {
            let id = id.trim().to_string();
            if !id.is_empty() {
                victims.push(id);
            }
            std::fs::remove_file(p).map_err(EngineError::io(format!(
                "removing the cidfile {}",
                p.display()
            )))?;
        }
    }
    for v in victims {
        if store.resolve(&v).is_ok() {
            super::container::remove(paths, &v, true, false)?;
        }
    }
    if let Some(n) = &req.name {
        // A name left behind by a container whose removal was cut short (its monitor killed
        // half-way, as a unit's stop can): no container holds it any more.
        if let Ok(holder) = std::fs::read_to_string(paths.names().join(n)) {
            let holder = holder.trim();
            if !holder.is_empty() && !store.dir(holder).join("container.json").exists() {
                store.release_name(n, holder);
            }
        }
    }
    Ok(())
}
