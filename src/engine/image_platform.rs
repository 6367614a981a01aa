//! `--platform` on the verbs that name a stored image (`image inspect`, `history`, `save`,
//! `rmi`). skiff's store keeps one platform per image, as docker's classic store does, so the
//! flag selects nothing: it checks that the stored image is of that platform, with docker's
//! message when it is not.
use super::EngineError;
use crate::image::ImageStore;
use crate::registry::Platform;
use crate::state::Paths;

/// Check that image `name` is of platform `platform` (docker's `os/arch[/variant]`); a variant
/// is compared only when both name one.
pub fn check(paths: &Paths, name: &str, platform: &str) -> Result<(), EngineError> {
    let want = super::image::parse_platform(platform)?;
    let store = ImageStore::open(paths)?;
    let img = store.resolve(name)?;
    let cfg = store.config_json(&img)?;
    let have = Platform {
        os: cfg["os"].as_str().unwrap_or("linux").to_string(),
        architecture: cfg["architecture"].as_str().unwrap_or_default().to_string(),
        variant: cfg["variant"].as_str().map(String::from),
    };
    let variant_ok = match (&want.variant, &have.variant) {
        (Some(w), Some(h)) => w == h,
        _ => true,
    };
    if want.os == have.os && want.architecture == have.architecture && variant_ok {
        return Ok(());
    }
    Err(EngineError::NotFound(format!(
        "image with reference {name} was found but its platform ({have}) does not match the specified platform ({want})"
    )))
}
