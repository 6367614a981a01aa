//! What a crash of the machine leaves of containers, removed when a command comes across it.
//! `run --rm` writes its container's name, spec and record without fsync (docker removes `--rm`
//! containers when its daemon starts again; a crash ends them here too), so after a crash there
//! may be a container directory without its record, an empty or cut record, a `--rm` record
//! of a container that will never run again, or a name file whose container is gone. The state
//! layer says which is which (`Containers::leftover`, `Containers::stale_name`: only for files
//! from an earlier boot); this removes them: `ps` collects the containers it lists, and a name
//! wanted by a new container is freed when its holder is such a leftover.
use crate::state::container::Containers;
use crate::state::Paths;

/// Remove container `id` if a crash left it behind (its directory, its names, and the
/// anonymous volumes its record names); true when it was one and is gone.
pub fn collect(paths: &Paths, id: &str) -> bool {
    let store = Containers::new(paths);
    let Some(left) = store.leftover(id, crate::sys::proc::boot_time()) else {
        return false;
    };
    let names = match &left.record {
        Some(rec) => vec![rec.name.clone()],
        None => store.names_of(id),
    };
    if !crate::monitor::remove_tree_any_owner(&store.dir(id)) {
        return false;
    }
    for n in names {
        store.release_name(&n, id);
    }
    if let Some(rec) = &left.record {
        let _ = crate::monitor::remove_anonymous_volumes(paths, &rec.mounts);
    }
    tracing::info!(id, "removed a container left behind by a crash");
    true
}

/// Free `name`, held by `holder`, if a crash left it behind: a name file whose content is no
/// container ID or whose container is gone, or the name of a leftover container (removed with
/// it). True when the name is free now.
pub fn free_name(paths: &Paths, name: &str, holder: &str) -> bool {
    let store = Containers::new(paths);
    if store.stale_name(name, holder, crate::sys::proc::boot_time()) {
        store.drop_name(name);
        return true;
    }
    let is_id = holder.len() == 64 && holder.bytes().all(|b| b.is_ascii_hexdigit());
    is_id && collect(paths, holder)
}
