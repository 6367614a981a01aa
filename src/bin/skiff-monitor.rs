//! `skiff-monitor`: the small binary that runs skiff's long-lived helpers (each container's
//! monitor, the user networks' namespace holder) and the tree removal a `--rm` monitor asks
//! for. It links only what those need from the library, so that a monitor maps and dirties a
//! fraction of the whole `skiff` binary (docs/performance.md has the measurements). skiff
//! finds it next to its own binary or in `../libexec/skiff/`, and runs the helpers itself when
//! it is missing (`helper::spawn`).
fn main() {
    std::process::exit(skiff::engine::helpers::small_main());
}
