//! Small system helpers every layer may use (a leaf module: it depends on nothing else of
//! skiff): `/proc/PID/stat` (`proc`), the terminal (`term`: raw mode, window sizes) and whole
//! writes to a raw descriptor (`fd`), paths resolved inside a root directory by the kernel
//! (`inroot`: the container's root for the runtime, `cp`'s for storage), a private mount
//! namespace (`mount_ns`), the memory an idle helper lets go of (`memory`), random bytes (`random`). Re-executing skiff
//! with its pipes is `crate::helper`.
pub mod fd;
pub mod inroot;
pub mod memory;
pub mod mount_ns;
pub mod proc;
pub mod random;
pub mod term;
