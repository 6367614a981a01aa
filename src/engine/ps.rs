//! `ps` beyond the plain list: docker's filters (`name`, `id`, `label`, `status`, `ancestor`,
//! `exited`, `health`, `network`, `volume`, `publish`, `expose`, `before`, `since`, `is-task`,
//! podman's `restart-policy`), `-n`/`-l`, and container sizes (`-s`).
use std::collections::BTreeMap;
use std::path::Path;

use super::EngineError;
use crate::image::ImageStore;
use crate::state::container::{ContainerState, Containers, Status};
use crate::state::summary::Summary;
use crate::state::Paths;

/// What `ps` asks for.
#[derive(Debug, Clone, Default)]
pub struct PsQuery {
    pub all: bool,
    /// `-n N` (and `-l`, which is `-n 1`): the N most recently created, in any state.
    pub last: Option<usize>,
    /// `--filter KEY=VALUE`, as given.
    pub filters: Vec<String>,
    /// `-s`: compute sizes.
    pub size: bool,
}

/// A listed container: what its record says of it (`state::summary`), its state, and its
/// sizes when asked for.
#[derive(Debug, Clone)]
pub struct PsEntry {
    pub summary: Box<Summary>,
    pub state: ContainerState,
    /// Bytes in the container's writable layer.
    pub size_rw: Option<u64>,
    /// The writable layer plus the image.
    pub size_root: Option<u64>,
}

/// docker's filters: values of one key are alternatives (OR), different keys must all match;
/// `label` values must all match (AND), as docker's do.
#[derive(Debug, Clone, Default)]
pub struct Filters(BTreeMap<String, Vec<String>>);

const STATUSES: &[&str] = &[
    "created",
    "restarting",
    "running",
    "removing",
    "paused",
    "exited",
    "dead",
];

impl Filters {
    pub fn parse(raw: &[String]) -> Result<Filters, EngineError> {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in raw {
            let Some((k, v)) = f.split_once('=') else {
                return Err(EngineError::Usage(format!(
                    "bad format of filter (expected name=value): {f}"
                )));
            };
            let k = k.trim().to_ascii_lowercase();
            match k.as_str() {
                "name" | "id" | "label" | "ancestor" | "network" | "volume" | "before"
                | "since" => {}
                "publish" | "expose" => {
                    port_range(v)
                        .ok_or_else(|| EngineError::Usage(format!("invalid filter '{k}={v}'")))?;
                }
                "is-task" => {
                    if !["true", "false", "1", "0"].contains(&v) {
                        return Err(EngineError::Usage(format!("invalid filter 'is-task={v}'")));
                    }
                }
                "restart-policy" => {
                    crate::state::restart::RestartPolicy::parse(v).map_err(EngineError::Usage)?;
                }
                "status" => {
                    if !STATUSES.contains(&v) {
                        return Err(EngineError::Usage(format!(
                            "invalid filter 'status={v}': use one of {}",
                            STATUSES.join(", ")
                        )));
                    }
                }
                "health" => {
                    if !["starting", "healthy", "unhealthy", "none"].contains(&v) {
                        return Err(EngineError::Usage(format!(
                            "Unrecognised filter value for health: {v}"
                        )));
                    }
                }
                "exited" => {
                    if v.parse::<i32>().is_err() {
                        return Err(EngineError::Usage(format!(
                            "invalid filter 'exited={v}': the exit code must be a number"
                        )));
                    }
                }
                other => {
                    return Err(EngineError::Usage(format!("invalid filter '{other}'")));
                }
            }
            map.entry(k).or_default().push(v.to_string());
        }
        Ok(Filters(map))
    }

    fn get(&self, key: &str) -> &[String] {
        self.0.get(key).map(Vec::as_slice).unwrap_or_default()
    }

    fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// Whether the container `r` in state `s` passes every filter; `ctx` holds what the
    /// values name elsewhere.
    fn matches(&self, r: &Summary, s: &ContainerState, ctx: &Resolved) -> bool {
        let ancestors = &ctx.ancestors;
        let mode = &r.network;
        let published = |v: &str| {
            port_range(v).is_some_and(|(lo, hi, proto)| {
                r.ports
                    .iter()
                    .any(|m| (lo..=hi).contains(&m.container_port) && m.proto.as_str() == proto)
            })
        };
        let any = |key: &str, f: &dyn Fn(&str) -> bool| {
            let vals = self.get(key);
            vals.is_empty() || vals.iter().any(|v| f(v))
        };
        any("name", &|v| name_matches(v, &r.name))
            && any("id", &|v| r.id.starts_with(v))
            // docker: every label filter must match (compose selects by project AND service).
            && self.get("label").iter().all(|v| match v.split_once('=') {
                Some((k, val)) => r.labels.get(k).is_some_and(|x| x == val),
                None => r.labels.contains_key(v.as_str()),
            })
            && any("status", &|v| s.status.as_str() == v)
            && any("restart-policy", &|v| {
                policy_name(&r.restart_policy.to_string()) == policy_name(v)
            })
            && any("health", &|v| {
                super::health::status_name(s.health.as_ref()) == v
            })
            && any("exited", &|v| {
                v.parse::<i32>().is_ok_and(|code| {
                    s.status == Status::Exited && s.started_at.is_some() && s.exit_code == code
                })
            })
            && (!self.has("ancestor")
                || ancestors.iter().any(|a| a == &r.image_id)
                || self.get("ancestor").iter().any(|v| v == &r.image))
            // docker: a network by name or ID, the pre-defined ones included.
            && any("network", &|v| {
                r.networks
                    .iter()
                    .any(|a| a.name == v || (v.len() >= 3 && a.id.starts_with(v)))
                    || ctx.builtin_networks.iter().any(|(value, name)| {
                        value == v && crate::network::builtin::has_member(name, mode)
                    })
            })
            // docker: a volume by name, or any mount by its destination.
            && any("volume", &|v| {
                r.mounts
                    .iter()
                    .any(|m| (m.kind == "volume" && m.name == v) || m.destination == v)
            })
            && any("publish", &|v| published(v))
            // docker's ExposedPorts hold the published ports too.
            && any("expose", &|v| {
                published(v)
                    || port_range(v).is_some_and(|(lo, hi, proto)| {
                        r.exposed
                            .iter()
                            .any(|e| (lo..=hi).contains(&e.port) && e.proto.as_str() == proto)
                    })
            })
            && ctx.before.as_ref().is_none_or(|t| r.created < *t)
            && ctx.since.as_ref().is_none_or(|t| r.created > *t)
            // skiff runs no swarm tasks.
            && any("is-task", &|v| v == "false" || v == "0")
    }
}

/// What filter values name elsewhere: the images of `ancestor`, the pre-defined networks of
/// `network` (value, network name), the creation times of the `before` and `since` containers.
#[derive(Debug, Default)]
struct Resolved {
    ancestors: Vec<String>,
    builtin_networks: Vec<(String, String)>,
    before: Option<String>,
    since: Option<String>,
}

/// A `publish`/`expose` filter value: `PORT[/PROTO]` or `LOW-HIGH[/PROTO]` (tcp by default).
fn port_range(v: &str) -> Option<(u16, u16, &str)> {
    let (ports, proto) = v.split_once('/').unwrap_or((v, "tcp"));
    if !["tcp", "udp", "sctp"].contains(&proto) {
        return None;
    }
    let (lo, hi) = ports.split_once('-').unwrap_or((ports, ports));
    let (lo, hi): (u16, u16) = (lo.parse().ok()?, hi.parse().ok()?);
    (lo <= hi).then_some((lo, hi, proto))
}

/// A restart policy without its retry count (podman's `restart-policy` filter ignores it).
fn policy_name(p: &str) -> String {
    crate::state::restart::RestartPolicy::parse(p)
        .map(|p| p.to_string())
        .unwrap_or_default()
        .split(':')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// docker matches `name` as a regular expression against the name with and without its
/// canonical leading `/`.
fn name_matches(pattern: &str, name: &str) -> bool {
    super::filter_match(pattern, name) || super::filter_match(pattern, &format!("/{name}"))
}

/// `ps` with docker's options.
pub fn ps(paths: &Paths, q: &PsQuery) -> Result<Vec<PsEntry>, EngineError> {
    let filters = Filters::parse(&q.filters)?;
    // docker: `-n`, `-l` and a status filter list containers in every state.
    let all = q.all || q.last.is_some() || filters.has("status");
    let mut ctx = Resolved::default();
    let images = if filters.has("ancestor") || q.size {
        ImageStore::open(paths).ok()
    } else {
        None
    };
    if let Some(store) = &images {
        for a in filters.get("ancestor") {
            if let Ok(img) = store.resolve(a) {
                ctx.ancestors.push(img.id);
            }
        }
    }
    for v in filters.get("network") {
        if let Some(n) = crate::network::builtin::find(paths, v) {
            ctx.builtin_networks.push((v.clone(), n.name));
        }
    }
    // docker: the containers created before (since) the one named; it must exist.
    let store = Containers::new(paths);
    let created_of = |key: &str| -> Result<Option<String>, EngineError> {
        match filters.get(key).first() {
            Some(name) => {
                let id = store.resolve(name)?;
                Ok(Some(store.record(&id)?.created))
            }
            None => Ok(None),
        }
    };
    ctx.before = created_of("before")?;
    ctx.since = created_of("since")?;
    // `--rm` containers whose removal was cut short (their files in the trash, nobody
    // removing them): one look at a directory that is usually absent.
    super::container::leftover::sweep_trash(paths);
    // One small read per container (its summary and state), not its record.
    let mut lister = store.lister()?;
    let ids = lister.ids()?;
    let mut out: Vec<PsEntry> = Vec::with_capacity(ids.len());
    out.extend(
        ids.iter()
            .filter_map(|id| match lister.listing(id) {
                // Being created or removed, or what a crash left (removed here if so).
                None => {
                    super::container::leftover::collect(paths, id);
                    None
                }
                // A `--rm` container that is not running: being removed by its monitor, or left
                // from before a crash (then removed here, as docker's daemon does when it starts).
                Some((r, s))
                    if r.auto_remove
                        && !s.status.is_up()
                        && super::container::leftover::collect(paths, id) =>
                {
                    None
                }
                listed => listed,
            })
            .filter(|(r, s)| (all || s.status.is_up()) && filters.matches(r, s, &ctx))
            .map(|(summary, state)| PsEntry {
                summary,
                state,
                size_rw: None,
                size_root: None,
            }),
    );
    // Newest first, as docker lists them.
    sort_newest_first(&mut out);
    if let Some(n) = q.last {
        out.truncate(n);
    }
    if q.size {
        let image_sizes: BTreeMap<String, u64> = images
            .as_ref()
            .and_then(|s| s.list().ok())
            .unwrap_or_default()
            .into_iter()
            .map(|i| (i.id, i.size))
            .collect();
        for e in &mut out {
            let rw = dir_size(&paths.container(&e.summary.id).join("upper"));
            e.size_rw = Some(rw);
            e.size_root = Some(rw + image_sizes.get(&e.summary.image_id).copied().unwrap_or(0));
        }
    }
    Ok(out)
}

/// Sort `entries` newest first (by creation time, then by ID: the directory's order does not
/// show).
fn sort_newest_first(entries: &mut [PsEntry]) {
    entries.sort_unstable_by(|a, b| {
        (b.summary.created.cmp(&a.summary.created)).then_with(|| a.summary.id.cmp(&b.summary.id))
    });
}

/// docker's `inspect --size` fields of a container: (SizeRw, SizeRootFs), as `ps -s` counts them.
pub fn container_sizes(paths: &Paths, id: &str, image_id: &str) -> (u64, u64) {
    let rw = dir_size(&paths.container(id).join("upper"));
    let image = ImageStore::open(paths)
        .ok()
        .and_then(|s| s.list().ok())
        .and_then(|l| l.into_iter().find(|i| i.id == image_id))
        .map(|i| i.size)
        .unwrap_or(0);
    (rw, rw + image)
}

/// The apparent size of the regular files and symlinks under `dir` (what docker's SizeRw
/// counts). Directories we cannot read (owned by a container user, mode 0700) are skipped.
pub fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                stack.push(e.path());
            } else if meta.is_file() || meta.file_type().is_symlink() {
                total += meta.len();
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_patterns() {
        assert!(name_matches("web", "my-web-1"));
        assert!(name_matches("^web", "web-1"));
        assert!(!name_matches("^web", "my-web"));
        assert!(name_matches("^/web$", "web"));
        assert!(!name_matches("^web$", "web2"));
        assert!(name_matches("b$", "web"));
        assert!(name_matches("w.b", "web"));
        assert!(name_matches("", "web"));
    }

    #[test]
    fn filter_parsing() {
        let f = |v: &[&str]| Filters::parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(f(&["name=a", "name=b", "status=exited", "exited=0"]).is_ok());
        assert!(f(&["status=bogus"]).is_err());
        assert!(f(&["exited=x"]).is_err());
        assert!(f(&["nope=1"]).is_err());
        assert!(f(&["name"]).is_err());
        let p = f(&["name=a", "name=b"]).unwrap();
        assert_eq!(p.get("name").len(), 2);
    }
}
