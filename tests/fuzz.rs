//! Property tests over the parsers that read untrusted input (issue 14): image references,
//! Dockerfiles, Go templates, registries.conf, and the layer unpacker with generated (often
//! hostile) archives. Each property runs a bounded number of cases (`SKIFF_FUZZ_CASES`, default
//! 256; the whole file stays under ~30 s) so CI runs them on every push: no panic, and no file
//! written outside the destination.
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::Config;

fn config() -> Config {
    let cases = std::env::var("SKIFF_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    Config {
        cases,
        // Shrinking a failure may take long: bounded too.
        max_shrink_iters: 2048,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Text built from the pieces that matter to a parser, and some noise.
fn pieces(parts: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(parts).prop_map(str::to_string),
            1 => "\\PC{0,4}",
            1 => "[\\x00-\\x7f]{0,3}",
        ],
        0..max,
    )
    .prop_map(|v| v.concat())
}

const REF_PARTS: &[&str] = &[
    "docker.io",
    "localhost",
    ":5000",
    "/",
    "library",
    "busybox",
    ":",
    "latest",
    "@",
    "sha256:",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ".",
    "-",
    "_",
    "__",
    "A",
    "[::1]",
    "example.com",
    "v1.2",
];

proptest! {
    #![proptest_config(config())]

    /// Any string: an error or a reference whose normal forms parse back to themselves.
    #[test]
    fn image_references(s in pieces(REF_PARTS, 10)) {
        if let Ok(r) = skiff::image::Reference::parse(&s) {
            let full = r.full();
            let again = skiff::image::Reference::parse(&full);
            prop_assert!(again.is_ok(), "{s:?} -> {full:?} does not parse: {again:?}");
            prop_assert_eq!(again.unwrap().full(), full);
            let _ = (r.familiar_name(), r.familiar_tagged(), r.manifest_ref(), r.name());
        }
    }
}

const DOCKERFILE_PARTS: &[&str] = &[
    "FROM ",
    "RUN ",
    "COPY ",
    "ADD ",
    "ARG ",
    "ENV ",
    "LABEL ",
    "CMD ",
    "ENTRYPOINT ",
    "WORKDIR ",
    "USER ",
    "ONBUILD ",
    "HEALTHCHECK ",
    "SHELL ",
    "EXPOSE ",
    "STOPSIGNAL ",
    "VOLUME ",
    "AS ",
    "--from=",
    "--mount=type=bind,target=/x ",
    "--network=none ",
    "--chown=",
    "busybox",
    "\n",
    "\\\n",
    "`\n",
    "<<EOF",
    "<<-EOF",
    "<<'EOF'",
    "EOF\n",
    "# escape=`\n",
    "# syntax=docker/dockerfile:1\n",
    "#",
    "[\"sh\", \"-c\"]",
    "[",
    "]",
    "\"",
    "'",
    "$A",
    "${A:-b}",
    "=",
    " ",
    "\t",
    "\r\n",
];

const TEMPLATE_PARTS: &[&str] = &[
    "{{",
    "}}",
    ".",
    ".Name",
    ".Labels",
    ".Nested.Key",
    "json",
    "join",
    "split",
    "upper",
    "lower",
    "truncate",
    "index",
    "range",
    "if",
    "else",
    "end",
    "with",
    "printf",
    "\"%s\"",
    "\"x\"",
    "|",
    "$",
    "$v :=",
    "(",
    ")",
    " ",
    "table ",
    "\\t",
    "-}}",
    "{{-",
    "len",
    "eq",
    "ne",
    "1",
    "-1",
    "99999999999999999999",
    "nil",
    "true",
];

const REGISTRIES_PARTS: &[&str] = &[
    "[[registry]]\n",
    "[[registry.mirror]]\n",
    "location = ",
    "prefix = ",
    "insecure = ",
    "blocked = ",
    "\"docker.io\"",
    "\"localhost:5000\"",
    "\"*.example.com\"",
    "\"\"",
    "true",
    "false",
    "\n",
    "unqualified-search-registries = [\"docker.io\"]\n",
    "[",
    "]",
    "=",
    "\"",
    "'",
    "#",
    "[registries.search]\n",
    "registries = []\n",
    "\"/\"",
    "\"a/b/\"",
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn dockerfiles(text in pieces(DOCKERFILE_PARTS, 40)) {
        let _ = skiff::build::parser::parse(&text, "Dockerfile");
    }

    #[test]
    fn go_templates(format in pieces(TEMPLATE_PARTS, 16)) {
        let value = serde_json::json!({
            "Name": "c1",
            "Labels": {"a": "1", "b": "x,y"},
            "Nested": {"Key": [1, 2, {"x": null}]},
            "List": ["p", "q"],
        });
        let _ = skiff::cli::render::template(&format, &value);
    }

    #[test]
    fn registries_conf(text in pieces(REGISTRIES_PARTS, 30)) {
        if let Ok(entries) = skiff::registry::config::parse(&text) {
            let conf = skiff::registry::config::RegistriesConfig::from_entries(entries);
            for r in ["docker.io", "localhost:5000", "a.example.com", ""] {
                let _ = conf.insecure(r);
            }
        }
    }
}

/// One entry of a generated archive.
#[derive(Debug, Clone)]
enum Entry {
    Dir(String),
    File(String, Vec<u8>),
    Symlink(String, String),
    Hardlink(String, String),
    Whiteout(String),
}

const ESCAPE: &str = "skiff-fuzz-escape";

const NAME_PARTS: &[&str] = &[
    "a",
    "b",
    "l",
    "..",
    ".",
    "",
    "outside",
    ".wh.a",
    ".wh..wh..opq",
];

fn entry_name() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::collection::vec(prop::sample::select(NAME_PARTS), 1..4),
    )
        .prop_map(|(abs, parts)| {
            let p = parts.join("/");
            // An absolute name under a name of its own: if the unpacker ever took it as a host
            // path, the property sees it (and nothing else of the host is touched).
            if abs {
                format!("/{ESCAPE}/{p}")
            } else {
                p
            }
        })
}

/// Link targets: inside, up and out (relative), and absolute: to the sandbox's own `outside`
/// directory (`@OUT@` below), so that a bug writes there and not on the host.
fn link_target() -> impl Strategy<Value = String> {
    prop_oneof![
        entry_name(),
        prop::sample::select(
            &[
                "..",
                "../..",
                "../outside",
                "../../outside",
                "@OUT@",
                "@OUT@/x"
            ][..]
        )
        .prop_map(str::to_string),
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    prop_oneof![
        entry_name().prop_map(Entry::Dir),
        (entry_name(), prop::collection::vec(any::<u8>(), 0..16))
            .prop_map(|(n, d)| Entry::File(n, d)),
        (entry_name(), link_target()).prop_map(|(n, t)| Entry::Symlink(n, t)),
        (entry_name(), link_target()).prop_map(|(n, t)| Entry::Hardlink(n, t)),
        entry_name().prop_map(Entry::Whiteout),
    ]
}

/// The archive's bytes. Names are written raw into the header (the tar crate's own checks
/// refuse `..`, which is exactly what we want the unpacker to see).
fn archive(entries: &[Entry], out_dir: &Path) -> Vec<u8> {
    let fix = |t: &str| t.replace("@OUT@", &out_dir.display().to_string());
    let mut data = Vec::new();
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o755);
        h.set_mtime(0);
        let (name, body): (String, Vec<u8>) = match e {
            Entry::Dir(n) => {
                h.set_entry_type(tar::EntryType::Directory);
                (n.clone(), Vec::new())
            }
            Entry::File(n, d) => {
                h.set_entry_type(tar::EntryType::Regular);
                (n.clone(), d.clone())
            }
            Entry::Symlink(n, t) | Entry::Hardlink(n, t) => {
                h.set_entry_type(if matches!(e, Entry::Symlink(..)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                });
                let t = fix(t);
                if t.len() > 100 {
                    continue;
                }
                let lb = &mut h.as_old_mut().linkname;
                lb[..t.len()].copy_from_slice(t.as_bytes());
                (n.clone(), Vec::new())
            }
            Entry::Whiteout(n) => {
                h.set_entry_type(tar::EntryType::Char);
                let _ = h.set_device_major(0);
                let _ = h.set_device_minor(0);
                (n.clone(), Vec::new())
            }
        };
        if name.is_empty() || name.len() > 100 {
            continue;
        }
        let nb = &mut h.as_old_mut().name;
        nb[..name.len()].copy_from_slice(name.as_bytes());
        h.set_size(body.len() as u64);
        h.set_cksum();
        data.extend_from_slice(h.as_bytes());
        data.extend_from_slice(&body);
        data.resize(data.len().div_ceil(512) * 512, 0);
    }
    data.resize(data.len() + 1024, 0);
    data
}

/// Every path below `dir` (not following links).
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out
}

proptest! {
    #![proptest_config(config())]

    /// Unpacking any archive leaves the sandbox around the destination untouched, and never
    /// panics.
    #[test]
    fn layer_unpack_stays_inside(entries in prop::collection::vec(entry(), 1..12)) {
        let sandbox = tempfile::tempdir().unwrap();
        let root = sandbox.path().join("root");
        let outside = sandbox.path().join("outside");
        std::fs::create_dir(&root).unwrap();
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(sandbox.path().join("canary"), "c").unwrap();
        let bytes = archive(&entries, &outside);
        let diff_id = {
            use sha2::Digest;
            format!("sha256:{}", hex::encode(sha2::Sha256::digest(&bytes)))
        };
        let opts = skiff::image::unpack::UnpackOptions { rootful: false };
        let _ = skiff::image::unpack::extract(&bytes[..], &root, &diff_id, &opts);
        prop_assert_eq!(tree(&outside), Vec::<PathBuf>::new(), "{:?}", entries);
        let mut top: Vec<String> = std::fs::read_dir(sandbox.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        top.sort();
        prop_assert_eq!(top, vec!["canary", "outside", "root"], "{:?}", entries);
        prop_assert_eq!(std::fs::read_to_string(sandbox.path().join("canary")).unwrap(), "c");
        prop_assert!(!Path::new("/").join(ESCAPE).exists(), "{:?}", entries);
    }
}
