//! The floor of `pull`: the CPU time of each stage of pulling an image's layers, measured one
//! stage at a time on one thread (benches/storage.sh --pull runs it; docs/performance.md has
//! the results). Stages: the network read of each blob from the registry (a bare HTTP/1.1 GET
//! on a TCP socket, and the same through reqwest as skiff's client does), sha256 of the
//! compressed blob, gunzip (flate2 on zlib-rs), sha256 of the tar stream, reading the tar
//! (headers and data, nothing written), unpacking (skiff's extractor, which also reads and
//! hashes the tar), gunzip and unpacking as one stream (what the pull's helper does with each
//! layer) and one `syncfs` at the end.
//!
//! `cargo run --release --example pull_stages -- REGISTRY REPO[:TAG] SCRATCH_DIR`
//! (plain HTTP registry, e.g. `127.0.0.1:5000 big /var/tmp/x`). Run it as root or as the user
//! owning SCRATCH_DIR; ownership is kept only as root.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use sha2::Digest;

/// CPU time (user + system) of this thread, or of the whole process, in seconds.
fn cpu(whole_process: bool) -> f64 {
    let who = if whole_process {
        libc::RUSAGE_SELF
    } else {
        libc::RUSAGE_THREAD
    };
    // SAFETY: getrusage writes into the struct we own.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; `ru` is a valid, writable rusage.
    unsafe { libc::getrusage(who, &mut ru) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(ru.ru_utime) + t(ru.ru_stime)
}

/// Run `f`, print its CPU time and wall time; returns its result.
fn stage<T>(name: &str, bytes: u64, whole_process: bool, f: impl FnOnce() -> T) -> T {
    let (c0, w0) = (cpu(whole_process), Instant::now());
    let out = f();
    let (c, w) = (cpu(whole_process) - c0, w0.elapsed().as_secs_f64());
    let rate = if c > 0.0 {
        format!("{:8.0} MB/s of CPU", bytes as f64 / 1e6 / c)
    } else {
        String::new()
    };
    println!("{name:<28} cpu {c:7.3} s  wall {w:7.3} s  {rate}");
    out
}

/// GET over a plain TCP socket (HTTP/1.1, Connection: close): the body.
fn raw_get(registry: &str, path: &str) -> Vec<u8> {
    let mut s = TcpStream::connect(registry).expect("connect to the registry");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {registry}\r\nAccept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json\r\nConnection: close\r\n\r\n"
    )
    .expect("send the request");
    let mut all = Vec::new();
    s.read_to_end(&mut all).expect("read the response");
    let end = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP header");
    let head = String::from_utf8_lossy(&all[..end]).to_lowercase();
    assert!(head.starts_with("http/1.1 200"), "GET {path}: {head}");
    if head.contains("location:") {
        panic!("GET {path}: redirected (a registry on a filesystem backend is expected)");
    }
    all.split_off(end + 4)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [registry, image, scratch] = &args[..] else {
        eprintln!("usage: pull_stages REGISTRY REPO[:TAG] SCRATCH_DIR");
        std::process::exit(2);
    };
    let (repo, tag) = image.split_once(':').unwrap_or((image, "latest"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&raw_get(registry, &format!("/v2/{repo}/manifests/{tag}")))
            .expect("a JSON manifest");
    let config_digest = manifest["config"]["digest"].as_str().expect("a config");
    let config: serde_json::Value = serde_json::from_slice(&raw_get(
        registry,
        &format!("/v2/{repo}/blobs/{config_digest}"),
    ))
    .expect("a JSON config");
    let layers: Vec<(String, String)> = manifest["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .zip(config["rootfs"]["diff_ids"].as_array().expect("diff_ids"))
        .map(|(l, d)| {
            (
                l["digest"].as_str().unwrap_or_default().to_string(),
                d.as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    println!("{registry}/{image}: {} layers", layers.len());

    let blobs: Vec<Vec<u8>> = stage("network read (TCP)", 0, false, || {
        layers
            .iter()
            .map(|(d, _)| raw_get(registry, &format!("/v2/{repo}/blobs/{d}")))
            .collect()
    });
    let compressed: u64 = blobs.iter().map(|b| b.len() as u64).sum();
    let http = reqwest::blocking::Client::new();
    stage("network read (reqwest)", compressed, true, || {
        for (d, _) in &layers {
            let mut r = http
                .get(format!("http://{registry}/v2/{repo}/blobs/{d}"))
                .send()
                .expect("GET a blob");
            let mut buf = vec![0u8; 128 * 1024];
            while r.read(&mut buf).expect("read a blob") > 0 {}
        }
    });
    stage("sha256 of the blobs", compressed, false, || {
        for (b, (d, _)) in blobs.iter().zip(&layers) {
            let got = format!("sha256:{}", hex::encode(sha2::Sha256::digest(b)));
            assert_eq!(&got, d, "blob digest");
        }
    });
    let tars: Vec<Vec<u8>> = stage("gunzip (into memory)", compressed, false, || {
        blobs
            .iter()
            .map(|b| {
                let mut out = Vec::with_capacity(b.len() * 4);
                flate2::read::MultiGzDecoder::new(&b[..])
                    .read_to_end(&mut out)
                    .expect("gunzip");
                out
            })
            .collect()
    });
    let raw: u64 = tars.iter().map(|t| t.len() as u64).sum();
    stage("gunzip (to nothing)", compressed, false, || {
        for b in &blobs {
            let mut d = flate2::read::MultiGzDecoder::new(&b[..]);
            std::io::copy(&mut d, &mut std::io::sink()).expect("gunzip");
        }
    });
    stage("sha256 of the tars", raw, false, || {
        for (t, (_, diff)) in tars.iter().zip(&layers) {
            let got = format!("sha256:{}", hex::encode(sha2::Sha256::digest(t)));
            assert_eq!(&got, diff, "diff_id");
        }
    });
    stage("read the tars (no writes)", raw, false, || {
        let mut files = 0;
        for t in &tars {
            let mut a = tar::Archive::new(&t[..]);
            for e in a.entries().expect("a tar") {
                let mut e = e.expect("an entry");
                std::io::copy(&mut e, &mut std::io::sink()).expect("entry data");
                files += 1;
            }
        }
        println!("  ({files} entries, {compressed} bytes compressed, {raw} bytes of tar)");
    });
    let root = std::path::Path::new(scratch).join(format!("pull-stages-{}", std::process::id()));
    std::fs::create_dir_all(&root).expect("the scratch dir");
    let opts = skiff::image::unpack::UnpackOptions {
        rootful: nix::unistd::geteuid().is_root(),
    };
    stage("unpack (hash + tar + write)", raw, false, || {
        for (i, (t, (_, diff))) in tars.iter().zip(&layers).enumerate() {
            let dir = root.join(i.to_string());
            std::fs::create_dir(&dir).expect("a layer dir");
            skiff::image::unpack::extract(&t[..], &dir, diff, &opts).expect("unpack");
        }
    });
    // What the pull's helper does with each layer, on one thread: gunzip, hash and unpack as
    // one stream (skiff's `stage_layer`, through its buffered decompressor).
    let layers_dir = root.join("layers");
    let staged: Vec<_> = stage("gunzip + unpack (as a pull)", raw, false, || {
        blobs
            .iter()
            .zip(&layers)
            .map(|(b, (_, diff))| {
                skiff::image::unpack::stage_layer(
                    std::io::Cursor::new(b.clone()),
                    b.len() as u64,
                    diff,
                    &layers_dir,
                    &opts,
                )
                .expect("unpack a layer")
            })
            .collect()
    });
    stage("syncfs", raw, false, || {
        skiff::image::unpack::sync_filesystem(&root).expect("syncfs")
    });
    drop(staged);
    let _ = std::fs::remove_dir_all(&root);
}
