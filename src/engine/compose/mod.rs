//! `compose`: Compose files run natively, in this process, with no service. The project model
//! and its loading (`load`: files, `.env`, interpolation, include, extends, merge, profiles,
//! checks) live here with the orchestration that turns services into containers through the
//! engine's typed create request.
pub mod interpolate;
pub mod load;
pub mod model;
pub mod raw;

pub use load::{load, Options};
pub use model::Project;

/// The normalised project as YAML (`config`).
pub fn to_yaml(p: &Project) -> Result<String, super::EngineError> {
    // docker compose's layout: list items indented under their key, long strings kept on
    // one line.
    let mut o = serde_saphyr::SerializerOptions::default();
    o.compact_list_indent = false;
    o.prefer_block_scalars = false;
    serde_saphyr::to_string_with_options(p, o)
        .map_err(|e| super::EngineError::Usage(format!("rendering the project: {e}")))
}
