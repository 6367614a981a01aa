//! Container operations after create (`engine::create`): start under a monitor, exec, ps,
//! logs, stop, rm, wait, inspect.
mod exec;
mod inspect;
pub mod leftover;
mod run;
mod stop;

pub use exec::*;
pub use inspect::*;
pub use run::*;
pub use stop::*;
