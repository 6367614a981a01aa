//! `manifest create|annotate|inspect|push|rm` against the local registry: a list of two
//! single-architecture images (busybox pushed twice, one entry annotated arm64), pushed, pulled
//! and inspected back, with docker's JSON, messages and exit statuses.
mod common;

use common::*;
use sha2::Digest as _;

/// A unique repository prefix, so parallel tests (and reruns) do not see each other's pushes.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{REGISTRY}/{prefix}-{}-{nanos}", std::process::id())
}

fn sha256(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(b)))
}

/// busybox pushed as REPO:TAG; the digest of its manifest in the registry.
fn push_as(env: &TestEnv, target: &str) -> String {
    env.skiff_ok(&["tag", BUSYBOX, target]);
    env.skiff_ok(&["push", "-q", target]);
    let (repo, tag) = target
        .strip_prefix(&format!("{REGISTRY}/"))
        .unwrap()
        .rsplit_once(':')
        .unwrap();
    let (status, body) = registry_get(&format!("/v2/{repo}/manifests/{tag}")).unwrap();
    assert_eq!(status, 200);
    sha256(&body)
}

fn fails(env: &TestEnv, args: &[&str], message: &str) {
    let o = env.skiff(args);
    assert_eq!(code(&o), 1, "skiff {args:?}: {}", stderr(&o));
    assert_eq!(stderr(&o), format!("Error: {message}\n"), "skiff {args:?}");
    assert_eq!(stdout(&o), "");
}

#[test]
fn create_annotate_push_and_inspect_a_list() {
    let env = env_with_busybox();
    let base = unique("mlist");
    let (amd, arm, list) = (
        format!("{base}/amd:v1"),
        format!("{base}/arm:v1"),
        format!("{base}/list"),
    );
    let digest = push_as(&env, &amd);
    assert_eq!(push_as(&env, &arm), digest);

    let out = env.skiff_ok(&["manifest", "create", &list, &amd, &arm]);
    assert_eq!(out, format!("Created manifest list {list}:latest\n"));
    fails(
        &env,
        &["manifest", "create", &list, &amd],
        "refusing to amend an existing manifest list with no --amend flag",
    );
    assert_eq!(
        env.skiff_ok(&[
            "manifest",
            "annotate",
            "--arch",
            "arm64",
            "--variant",
            "v8",
            &list,
            &arm
        ]),
        ""
    );
    // Refused annotations change nothing.
    fails(
        &env,
        &["manifest", "annotate", "--arch", "bogus", &list, &arm],
        "manifest entry for image has unsupported os/arch combination: /bogus",
    );
    fails(
        &env,
        &[
            "manifest",
            "annotate",
            "--os",
            "linux",
            &list,
            "localhost:5000/not/there",
        ],
        &format!("manifest for image localhost:5000/not/there does not exist in {list}"),
    );

    // The local list, as docker prints it (the distribution library's 3-space indent).
    let local = env.skiff_ok(&["manifest", "inspect", &list]);
    let want = format!(
        r#"{{
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
   "manifests": [
      {{
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "size": SIZE,
         "digest": "{digest}",
         "platform": {{
            "architecture": "amd64",
            "os": "linux"
         }}
      }},
      {{
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "size": SIZE,
         "digest": "{digest}",
         "platform": {{
            "architecture": "arm64",
            "os": "linux",
            "variant": "v8"
         }}
      }}
   ]
}}
"#
    );
    let size = serde_json::from_str::<serde_json::Value>(&local).unwrap()["manifests"][0]["size"]
        .as_u64()
        .unwrap();
    assert_eq!(local, want.replace("SIZE", &size.to_string()));

    // One entry, verbose: docker's ImageManifest with tabs.
    let v = env.skiff_ok(&["manifest", "inspect", "--verbose", &list, &arm]);
    assert!(
        v.starts_with(&format!(
            "{{\n\t\"Ref\": \"{arm}\",\n\t\"Descriptor\": {{\n\t\t\"mediaType\""
        )),
        "{v}"
    );
    let v: serde_json::Value = serde_json::from_str(&v).unwrap();
    assert_eq!(v["Descriptor"]["digest"], digest.as_str());
    assert_eq!(v["Descriptor"]["platform"]["variant"], "v8");
    assert_eq!(v["SchemaV2Manifest"]["layers"].as_array().unwrap().len(), 1);

    // Push: the entries from other repositories go by digest first, then the list.
    let out = env.skiff_ok(&["manifest", "push", "--purge", &list]);
    let list_digest = sha256(local.trim_end().as_bytes());
    let pushed_ref = format!("Pushed ref {list}@{digest} with digest: {digest}\n");
    assert_eq!(out, format!("{pushed_ref}{pushed_ref}{list_digest}\n"));
    // --purge: the local list is gone.
    fails(
        &env,
        &["manifest", "rm", &list],
        &format!("No such manifest: {list}:latest"),
    );

    // The registry's list, read back: the same JSON.
    assert_eq!(env.skiff_ok(&["manifest", "inspect", &list]), local);
    let v = env.skiff_ok(&["manifest", "inspect", "-v", &list]);
    let v: serde_json::Value = serde_json::from_str(&v).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[1]["Ref"], format!("{list}:latest@{digest}").as_str());
    assert_eq!(v[1]["Descriptor"]["platform"]["architecture"], "arm64");
    // A single manifest of the registry: its bytes, tab-indented.
    let one = env.skiff_ok(&["manifest", "inspect", &amd]);
    assert!(
        one.starts_with("{\n\t\"schemaVersion\": 2,\n\t\"mediaType\""),
        "{one}"
    );

    // `pull` resolves the list to this host's entry.
    env.skiff_ok(&["rmi", "-f", BUSYBOX, &amd, &arm]);
    let out = env.skiff_ok(&["pull", &list]);
    assert!(out.contains(&format!("Digest: {list_digest}")), "{out}");
    assert_eq!(
        env.skiff_ok(&["image", "inspect", "-f", "{{.Architecture}}", &list])
            .trim(),
        "amd64"
    );

    fails(
        &env,
        &["manifest", "inspect", &format!("{base}/nope")],
        &format!("no such manifest: {base}/nope:latest"),
    );
}

#[test]
fn list_rules_rm_and_bad_names() {
    let env = env_with_busybox();
    let base = unique("mrules");
    let (one, list, other) = (
        format!("{base}/one:v1"),
        format!("{base}/list:v1"),
        format!("{base}/other:v1"),
    );
    push_as(&env, &one);
    // The same registry under another name: a list may not mix registries.
    let elsewhere = one.replace("localhost:5000", "127.0.0.1:5000");
    env.skiff_ok(&["manifest", "create", &list, &one]);
    env.skiff_ok(&["manifest", "create", "--amend", &list, &elsewhere]);
    fails(
        &env,
        &["manifest", "push", &list],
        "cannot use source images from a different registry than the target image: 127.0.0.1:5000 != localhost:5000",
    );
    let (status, _) = registry_get(&format!(
        "/v2/{}/manifests/v1",
        list.strip_prefix("localhost:5000/")
            .unwrap()
            .split(':')
            .next()
            .unwrap()
    ))
    .unwrap();
    assert_eq!(status, 404, "nothing was pushed");
    // A list of lists is refused, nothing made.
    fails(
        &env,
        &[
            "manifest",
            "create",
            &other,
            &one,
            "localhost:5000/multiarch",
        ],
        "localhost:5000/multiarch:latest is a manifest list",
    );
    fails(
        &env,
        &["manifest", "inspect", &other],
        &format!("no such manifest: {other}"),
    );
    // rm: every list named; the missing ones are errors.
    env.skiff_ok(&["manifest", "create", &other, &one]);
    let o = env.skiff(&["manifest", "rm", &list, "localhost:5000/gone", &other]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "Error: No such manifest: localhost:5000/gone:latest\n"
    );
    fails(
        &env,
        &["manifest", "inspect", &list, &one],
        &format!("No such manifest: {one}"),
    );
    let o = env.skiff(&["manifest", "create", "Bad/Name", &one]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with(
            "Error: error parsing name for manifest list Bad/Name: invalid reference format"
        ),
        "{}",
        stderr(&o)
    );
}
