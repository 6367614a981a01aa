//! One of a container's mounts as its record keeps it (docker's inspect `Mounts` entry, plus
//! what skiff needs to set it up again).
use serde::{Deserialize, Serialize};

/// One of a container's mounts, as docker's inspect shows it (plus what skiff needs to know).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountRecord {
    /// `volume`, `bind` or `tmpfs`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The volume's name (volumes only).
    #[serde(default)]
    pub name: String,
    /// Host path: the bind source or the volume's `_data` (empty for tmpfs).
    #[serde(default)]
    pub source: String,
    pub destination: String,
    /// `local` for volumes.
    #[serde(default)]
    pub driver: String,
    /// The `-v` mode string as given (docker's `Mode`).
    #[serde(default)]
    pub mode: String,
    pub rw: bool,
    /// Bind propagation (`rprivate` by default for binds, empty otherwise).
    #[serde(default)]
    pub propagation: String,
    /// An anonymous volume: removed with the container by `rm -v` and `--rm`.
    #[serde(default)]
    pub anonymous: bool,
    /// tmpfs options (`size=`, `mode=`...).
    #[serde(default)]
    pub options: Vec<String>,
    /// Copy the image's content into the volume when it is empty (not `nocopy`).
    #[serde(default)]
    pub copy_up: bool,
    /// `:U`: chown the source to the container's user.
    #[serde(default)]
    pub chown: bool,
}
