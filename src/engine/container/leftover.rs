//! What a crash of the machine leaves of containers, removed when a command comes across it.
//! `run --rm` writes its container's name, spec and record without fsync (docker removes `--rm`
//! containers when its daemon starts again; a crash ends them here too), so after a crash there
//! may be a container directory without its record, an empty or cut record, a `--rm` record
//! of a container that will never run again, or a name file whose container is gone. The state
//! layer says which is which (`Containers::leftover`, `Containers::stale_name`: files from an
//! earlier boot, or a create killed in this one, whose name nobody claims any more); this
//! removes them: `ps` collects the containers it lists, and a name
//! wanted by a new container is freed when its holder is such a leftover.
//!
//! The same goes for `--rm` containers whose removal was cut short (their monitor or its
//! remover killed): a trash entry nobody holds the lock of (`state::trash`) is swept.
use crate::state::container::{is_container_id, ContainerRecord, Containers};
use crate::state::trash::Trash;
use crate::state::Paths;

/// Remove what killed removals left in the trash (entries nobody is removing): their names and
/// anonymous volumes, then their files. A `ps` calls it; the trash is usually absent or empty.
pub fn sweep_trash(paths: &Paths) {
    let trash = Trash::new(paths);
    for id in trash.ids() {
        sweep_one(paths, &trash, &id);
    }
}

/// Sweep trash entry `id` if nobody is removing it; true when it was swept (its names are free).
fn sweep_one(paths: &Paths, trash: &Trash<'_>, id: &str) -> bool {
    let Some(taken) = trash.claim(id) else {
        return false;
    };
    let record = std::fs::read(taken.path.join("container.json"))
        .ok()
        .and_then(|d| serde_json::from_slice::<ContainerRecord>(&d).ok());
    forget(paths, id, record.as_ref());
    if crate::monitor::remove_tree_any_owner(&taken.path) {
        trash.remove_if_empty();
    }
    tracing::info!(id, "removed a container whose removal was cut short");
    true
}

/// Remove container `id` if a crash left it behind (its directory, its names, and the
/// anonymous volumes its record names); true when it was one and is gone.
pub fn collect(paths: &Paths, id: &str) -> bool {
    let store = Containers::new(paths);
    let Some(left) = store.leftover(id, crate::sys::proc::boot_time()) else {
        return false;
    };
    if !crate::monitor::remove_tree_any_owner(&store.dir(id)) {
        return false;
    }
    forget(paths, id, left.record.as_ref());
    tracing::info!(id, "removed a container left behind by a crash");
    true
}

/// What a removed container `id` leaves beside its directory: its names (the one its record
/// gives, or every name file naming it when the record is unreadable) are freed, and the
/// anonymous volumes its record names removed.
fn forget(paths: &Paths, id: &str, record: Option<&ContainerRecord>) {
    let store = Containers::new(paths);
    let names = match record {
        Some(rec) => vec![rec.name.clone()],
        None => store.names_of(id),
    };
    for n in names {
        store.release_name(&n, id);
    }
    if let Some(rec) = record {
        let _ = crate::monitor::remove_anonymous_volumes(paths, &rec.mounts);
    }
}

/// Free `name`, held by `holder`, if a crash left it behind: a name file whose content is no
/// container ID or whose container is gone, or the name of a leftover container (removed with
/// it). True when the name is free now.
pub fn free_name(paths: &Paths, name: &str, holder: &str) -> bool {
    let store = Containers::new(paths);
    let trash = Trash::new(paths);
    let is_id = is_container_id(holder);
    // A `--rm` container whose monitor was killed between the move into the trash and the
    // release of its name (a live one frees the name itself, under the entry's lock).
    if is_id && trash.contains(holder) {
        return sweep_one(paths, &trash, holder);
    }
    if store.stale_name(name, holder, crate::sys::proc::boot_time()) {
        store.drop_name(name);
        return true;
    }
    is_id && collect(paths, holder)
}
