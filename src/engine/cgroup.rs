//! Container cgroups, the engine's side: where a new container's cgroup goes and which limits
//! it gets (`plan`, called by `create` before anything exists), and the refusal, with the
//! reason, of limits that cannot be applied: no delegated cgroup v2 hierarchy, or one without
//! the controller a flag needs. The cgroupfs work itself is `runtime::cgroup`.
use std::path::PathBuf;

use super::create::request::Limits;
use super::EngineError;
use crate::runtime::cgroup::{Delegation, Resources};

/// Where a container's cgroup is made and the limits it gets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// The delegated subtree (None: no cgroup; pause by signals, limits refused).
    pub delegation: Option<Delegation>,
    pub parent: Option<String>,
    pub resources: Resources,
}

impl Plan {
    /// The (delegated root, cgroup directory) of container `id`.
    pub fn place(&self, id: &str) -> Option<crate::state::container::CgroupPlace> {
        let d = self.delegation.as_ref()?;
        let dir = d.container_dir(self.parent.as_deref(), id).ok()?;
        Some(crate::state::container::CgroupPlace {
            root: d.root.clone(),
            dir,
        })
    }
}

/// Check the resource flags and decide where the container's cgroup goes: under the cgroup v2
/// subtree delegated to the user when there is one (always, limits or not: `pause` and `kill`
/// use it), else nowhere, and then a limit is an error.
pub fn plan(l: &Limits) -> Result<Plan, EngineError> {
    place(l.resources()?, l.cgroup_parent.as_deref())
}

/// [`plan`] for limits already checked.
pub fn place(resources: Resources, parent: Option<&str>) -> Result<Plan, EngineError> {
    let needed = resources.controllers();
    match crate::runtime::cgroup::delegation() {
        Ok(d) => {
            let have = d.controllers();
            if let Some((ctrl, flag)) = needed.iter().find(|(c, _)| !have.iter().any(|h| h == c)) {
                return Err(EngineError::Unsupported(format!(
                    "{flag} needs the {ctrl} cgroup controller, which is not delegated to your \
                     user ({} has: {})",
                    d.root.display(),
                    if have.is_empty() {
                        "none".to_string()
                    } else {
                        have.join(" ")
                    }
                )));
            }
            d.container_dir(parent, "x")?;
            Ok(Plan {
                delegation: Some(d),
                parent: parent.map(String::from),
                resources,
            })
        }
        Err(why) => {
            let mut flags: Vec<&str> = needed.iter().map(|(_, f)| *f).collect();
            if parent.is_some() {
                flags.push("--cgroup-parent");
            }
            if flags.is_empty() {
                return Ok(Plan {
                    resources,
                    ..Default::default()
                });
            }
            Err(EngineError::Unsupported(format!(
                "{} needs a cgroup v2 hierarchy delegated to your user (systemd user session); \
                 none is available here: {why}",
                flags.join(", ")
            )))
        }
    }
}

/// The user's delegated cgroup v2 subtree, or why there is none.
pub fn delegated_cgroup() -> Result<PathBuf, crate::runtime::cgroup::CgroupError> {
    crate::runtime::cgroup::delegation().map(|d| d.root)
}
