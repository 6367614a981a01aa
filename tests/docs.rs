//! The committed man pages and completion scripts are what the current CLI generates
//! (regenerate with `cargo run -- __gen-docs .`).
use std::path::Path;

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
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_skiff"))
        .arg("__gen-docs")
        .arg(tmp.path())
        .output()
        .expect("run skiff");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for sub in ["man", "completions"] {
        let want = read_dir_sorted(&tmp.path().join(sub));
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
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_skiff"))
        .args(["completion", "bash"])
        .output()
        .expect("run skiff");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("complete -F _skiff"), "{text}");
}
