//! Image operations, one file per concern: pull, unpack (stream: layers unpacked as they download), list/inspect, remove, push, login, archive (import/save/load).
//! Everything is re-exported here, so callers keep using `engine::image::NAME`.
use super::EngineError;
use crate::image::{digest_hex, ImageStore, Reference};
use crate::state::Paths;

mod archive;
mod list;
mod login;
mod pull;
mod push;
mod remove;
mod stream;
mod unpack;

pub use archive::*;
pub use list::*;
pub use login::*;
pub use pull::*;
pub use push::*;
pub use remove::*;
pub(crate) use unpack::{unpack_layer_stream, unpack_layers, unpack_with_helper};

fn short(digest: &str) -> String {
    let h = digest_hex(digest);
    h[..h.len().min(12)].to_string()
}

/// `tag SOURCE TARGET`.
pub fn tag(paths: &Paths, source: &str, target: &str) -> Result<(), EngineError> {
    let r = Reference::parse(target)?;
    if r.digest.is_some() {
        return Err(EngineError::Usage(format!(
            "refusing to create a tag with a digest reference: {target}"
        )));
    }
    let img = ImageStore::open(paths)?.tag(source, &r.familiar_tagged())?;
    image_event(paths, "tag", &img.id, &r.familiar_tagged());
    Ok(())
}

/// An image's event: its ID (or reference) and docker's `name` attribute.
fn image_event(paths: &Paths, action: &str, id: &str, name: &str) {
    crate::state::events::other(paths, "image", action, id, &[("name", name.to_string())]);
}
