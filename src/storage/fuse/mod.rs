//! Placeholder until the FUSE overlay lands (replaced by the real module on merge).
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

pub struct OverlayDirs {
    pub lowers: Vec<PathBuf>,
    pub upper: PathBuf,
    pub work: PathBuf,
    pub opaque_xattr: String,
}

pub fn mount(_target: &Path) -> std::io::Result<OwnedFd> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

pub fn serve(_fd: OwnedFd, _dirs: OverlayDirs) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}
