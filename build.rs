//! Link flags of skiff's binaries.
//!
//! `skiff-monitor` (one process per running container) is linked as a position-dependent
//! executable: its addresses are fixed at link time, so the dynamic loader relocates nothing
//! of it at start and its read-only data (`.data.rel.ro`: vtables, string tables) stays clean
//! and shared by every monitor instead of a private copy in each (docs/performance.md,
//! "Memory of the monitor"). The libraries it loads (libc) stay randomized. `skiff` itself
//! stays position-independent (ASLR for the CLI and the API service).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        println!("cargo:rustc-link-arg-bin=skiff-monitor=-no-pie");
    }
}
