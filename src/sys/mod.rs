//! Small system helpers every layer may use (a leaf module: it depends on nothing else of
//! skiff): `/proc/PID/stat` (`proc`), the terminal (`term`: raw mode, window sizes) and whole
//! writes to a raw descriptor (`fd`). Re-executing skiff with its pipes is `crate::helper`.
pub mod fd;
pub mod proc;
pub mod term;
