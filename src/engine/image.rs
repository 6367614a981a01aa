//! Image operations: pull, list, inspect, remove, import. (Filled in by the image work.)
use super::EngineError;

/// Run an image operation inside the user namespace helper (`skiff __userns image-...`).
pub fn userns_op(op: &str, _args: &[String]) -> Result<(), EngineError> {
    Err(EngineError::Usage(format!("unknown image operation {op}")))
}
