//! The committed man pages and completion scripts are what the current CLI generates
//! (regenerate with `cargo run -- __gen-docs .`). skiff runs as the unprivileged test user, as
//! every integration test does.
mod common;

use std::path::Path;

use common::*;

fn read_dir_sorted(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry"))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let data = std::fs::read(e.path()).expect("read");
            (name, data)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn man_pages_and_completions_are_up_to_date() {
    let env = TestEnv::new();
    let gen = env.dir().join("gen");
    let out = env.skiff(&["__gen-docs", &gen.to_string_lossy()]);
    assert_success(&out, "skiff __gen-docs");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for sub in ["man", "completions"] {
        let want = read_dir_sorted(&gen.join(sub));
        let have = read_dir_sorted(&repo.join(sub));
        let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&have),
            names(&want),
            "{sub}/ is stale: run `cargo run -- __gen-docs .`"
        );
        for ((n, a), (_, b)) in have.iter().zip(want.iter()) {
            assert!(
                a == b,
                "{sub}/{n} is stale: run `cargo run -- __gen-docs .`"
            );
        }
    }
}

#[test]
fn completion_command_prints_a_script() {
    let env = TestEnv::new();
    let out = env.skiff(&["completion", "bash"]);
    assert_success(&out, "skiff completion bash");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("complete -F _skiff"), "{text}");
}
