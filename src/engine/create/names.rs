//! Container IDs and docker-style generated names (`brave_turing`).

use crate::engine::EngineError;
use crate::state::container::{Containers, Durability, NameClaim, StateError};

/// A new 64-hex-digit container (or exec) ID.
pub fn new_id() -> Result<String, EngineError> {
    crate::sys::random::hex(32).map_err(EngineError::io("reading random bytes"))
}

const ADJECTIVES: &[&str] = &[
    "admiring", "brave", "busy", "clever", "dazzling", "eager", "elegant", "festive", "gallant",
    "happy", "jolly", "keen", "lucid", "modest", "nifty", "quirky", "serene", "sharp", "tender",
    "vibrant", "wizardly", "zealous",
];
const SURNAMES: &[&str] = &[
    "archimedes",
    "babbage",
    "curie",
    "darwin",
    "einstein",
    "fermat",
    "galileo",
    "hopper",
    "johnson",
    "kepler",
    "lovelace",
    "meitner",
    "newton",
    "noether",
    "pascal",
    "ritchie",
    "shannon",
    "thompson",
    "turing",
    "wozniak",
];

/// Reserve a free docker-style `adjective_surname` for container `id`.
pub fn reserve_generated_name(
    paths: &crate::state::Paths,
    store: &Containers<'_>,
    id: &str,
    durability: Durability,
) -> Result<(String, NameClaim), EngineError> {
    let seed = u64::from_str_radix(&id[..12], 16).unwrap_or(0);
    for attempt in 0..64u64 {
        let n = seed.wrapping_add(attempt.wrapping_mul(7919));
        let a = ADJECTIVES[(n % ADJECTIVES.len() as u64) as usize];
        let s = SURNAMES[((n / 97) % SURNAMES.len() as u64) as usize];
        let name = if attempt < 8 {
            format!("{a}_{s}")
        } else {
            format!("{a}_{s}{attempt}")
        };
        match store.reserve_name(&name, id, durability) {
            Ok(claim) => return Ok((name, claim)),
            // A name a crash left behind is freed and tried again.
            Err(StateError::NameInUse { id: holder, .. })
                if crate::engine::container::leftover::free_name(paths, &name, &holder) =>
            {
                if let Ok(claim) = store.reserve_name(&name, id, durability) {
                    return Ok((name, claim));
                }
            }
            Err(StateError::NameInUse { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(EngineError::Conflict(
        "could not find a free container name".into(),
    ))
}
