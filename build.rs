//! Link flags of skiff's binaries.
//!
//! `skiff-monitor` (one process per running container) is linked as a position-dependent
//! executable: its addresses are fixed at link time, so the dynamic loader relocates nothing
//! of it at start and its read-only data (`.data.rel.ro`: vtables, string tables) stays clean
//! and shared by every monitor instead of a private copy in each (docs/performance.md,
//! "Memory of the monitor"). The libraries it loads (libc) stay randomized.
//!
//! `skiff` itself stays position-independent: it parses what registries, image layers and API
//! clients send, sometimes as root, so its code keeps a random address (ASLR). Non-PIE would
//! save about 0.45 ms of CPU and 130 page faults per command (the loader writes 30,000
//! addresses into `.data.rel.ro` and so copies all of its 122 pages): measured and declined
//! (docs/performance.md, "Start-up (eighth session)"). Its relocations are packed instead
//! (`-z pack-relative-relocs`, DT_RELR, glibc 2.36 or later): a table of 17 KB instead of
//! 731 KB read at every start.
//!
//! Every binary takes the unwinder (`_Unwind_*`, which the standard library's backtraces and
//! panics use) from gcc's static `libgcc_eh.a` instead of loading `libgcc_s.so.1` at every
//! start: that library's loading, relocation and constructor (`__cpu_indicator_init`, CPU
//! identification through `cpuid`, which traps in a VM) cost about 0.2 ms per command. The
//! standard library links `-lgcc_s` by name, so the build points the linker at a directory
//! where `libgcc_s.a` is gcc's `libgcc_eh.a`; without that file the usual shared library is
//! linked.
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CC");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os != "linux" {
        return;
    }
    println!("cargo:rustc-link-arg-bin=skiff-monitor=-no-pie");
    println!("cargo:rustc-link-arg-bin=skiff=-Wl,-z,pack-relative-relocs");
    if env == "gnu" {
        static_unwinder();
    }
}

/// A link search directory whose `libgcc_s.a` is gcc's `libgcc_eh.a` (see the top comment).
fn static_unwinder() {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let Ok(out) = Command::new(&cc)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
    else {
        return;
    };
    let eh = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    // Not found: gcc prints the bare name back.
    if !out.status.success() || !eh.is_absolute() || !eh.is_file() {
        return;
    }
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        return;
    };
    let dir = PathBuf::from(out_dir).join("static-unwinder");
    let lib = dir.join("libgcc_s.a");
    let _ = std::fs::remove_file(&lib);
    if std::fs::create_dir_all(&dir).is_err() || std::os::unix::fs::symlink(&eh, &lib).is_err() {
        return;
    }
    println!("cargo:rustc-link-search=native={}", dir.display());
}
