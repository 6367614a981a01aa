//! `login`, `push` and `pull` over TLS, with and without verification: a registry of this
//! test's own (Debian's docker-registry, as tests/env/setup.sh runs on 127.0.0.1:5000, with
//! htpasswd auth and a certificate signed by a CA made here) reached by this host's name, since
//! skiff speaks plain HTTP to `localhost` and loopback addresses as docker does. The registry
//! speaks TLS only, so a request that fell back to plain HTTP could not succeed.
mod common;

use common::*;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The htpasswd file setup.sh writes (user `skiff`, password `s3cret`).
const HTPASSWD: &str = "/etc/skiff-test/htpasswd";

/// A TLS registry on `host:port`; killed and waited for on drop.
struct TlsRegistry {
    child: Child,
    /// `HOST:PORT`, the name images are tagged with.
    name: String,
    /// The CA's certificate (PEM), readable by the test user.
    ca: PathBuf,
}

impl Drop for TlsRegistry {
    fn drop(&mut self) {
        // Our own child, not yet reaped: its pid is still its own.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("openssl (tests/env/setup.sh installs it)");
    assert_success(&o, &format!("openssl {}", args.join(" ")));
}

/// This host's name and the address it resolves to (not `localhost`, so skiff uses HTTPS).
fn host_name() -> (String, SocketAddr) {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .expect("hostname")
        .trim()
        .to_string();
    assert!(
        !host.is_empty() && host != "localhost",
        "this test needs a host name other than localhost (got {host:?})"
    );
    let addr = (host.as_str(), 0)
        .to_socket_addrs()
        .unwrap_or_else(|e| panic!("this host's name {host:?} does not resolve: {e}"))
        .find(|a| a.is_ipv4())
        .unwrap_or_else(|| panic!("this host's name {host:?} has no IPv4 address"));
    (host, addr)
}

fn start_registry(env: &TestEnv) -> TlsRegistry {
    let (host, addr) = host_name();
    let dir = env.dir().join("tls");
    std::fs::create_dir_all(dir.join("storage")).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A CA (RSA) and the registry's certificate (ECDSA P-256) for the host's name, signed by it.
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=skiff test CA",
        ],
    );
    openssl(
        &dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            &format!("/CN={host}"),
        ],
    );
    std::fs::write(
        dir.join("ext.cnf"),
        format!("subjectAltName=DNS:{host}\nextendedKeyUsage=serverAuth\n"),
    )
    .unwrap();
    openssl(
        &dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
    );
    std::fs::set_permissions(dir.join("ca.pem"), std::fs::Permissions::from_mode(0o644)).unwrap();
    // A free port on that address (bound and released: the registry binds it a moment later).
    let port = TcpListener::bind((addr.ip(), 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let listen = SocketAddr::new(addr.ip(), port);
    let conf = dir.join("registry.yml");
    std::fs::write(
        &conf,
        format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {storage}\n\
             http:\n  addr: {listen}\n  tls:\n    certificate: {dir}/server.pem\n    key: {dir}/server.key\n\
             auth:\n  htpasswd:\n    realm: skiff-test\n    path: {HTPASSWD}\n",
            storage = dir.join("storage").display(),
            dir = dir.display(),
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.join("registry.log")).unwrap();
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("docker-registry (tests/env/setup.sh installs it)");
    let reg = TlsRegistry {
        child,
        name: format!("{host}:{port}"),
        ca: dir.join("ca.pem"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect_timeout(&listen, Duration::from_millis(200)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the TLS registry did not listen on {listen}: {}",
            std::fs::read_to_string(dir.join("registry.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    reg
}

/// skiff ARGS as the test user with docker's config in this test's directory, and `ca` (when
/// given) as the only trusted certificate (`SSL_CERT_FILE`, which the system verifier reads).
fn skiff_tls(env: &TestEnv, ca: Option<&Path>, args: &str, input: Option<&[u8]>) -> Output {
    let trust = ca
        .map(|c| format!("SSL_CERT_FILE={} ", c.display()))
        .unwrap_or_default();
    let script = format!(
        "DOCKER_CONFIG={} {trust}exec {} {args}",
        env.dir().join("docker").display(),
        skiff_bin().display()
    );
    run_with_timeout(
        env.user_command("sh", &["-c", &script]),
        input,
        env.timeout(),
    )
    .unwrap_or_else(|e| panic!("skiff {args}: {e}"))
}

#[test]
fn login_push_and_pull_over_tls_with_and_without_verification() {
    let env = TestEnv::new();
    let reg = start_registry(&env);
    let image = format!("{}/tls/busybox:1", reg.name);
    env.pull("busybox");
    env.skiff_ok(&["tag", &format!("{REGISTRY}/busybox"), &image]);

    // Verified against the system's roots, which do not hold the test CA: refused.
    let o = skiff_tls(&env, None, &format!("pull {image}"), None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with("Error: ") && err.contains("invalid peer certificate: UnknownIssuer"),
        "{err}"
    );
    let o = skiff_tls(
        &env,
        None,
        &format!("login -u skiff --password-stdin {}", reg.name),
        Some(b"s3cret\n"),
    );
    assert!(!o.status.success(), "login without trust succeeded");
    assert!(
        stderr(&o).to_lowercase().contains("certificate"),
        "{}",
        stderr(&o)
    );

    // Verified, trusting the test CA: login checks the password over TLS.
    let ca = Some(reg.ca.as_path());
    let login = format!("login -u skiff --password-stdin {}", reg.name);
    let o = skiff_tls(&env, ca, &login, Some(b"wrong\n"));
    assert!(!o.status.success(), "login with a wrong password succeeded");
    let o = skiff_tls(&env, ca, &login, Some(b"s3cret\n"));
    assert_success(&o, "login over verified TLS");
    assert!(stdout(&o).contains("Login Succeeded"), "{}", stdout(&o));

    // Unverified (`--tls-verify=false`): still TLS, the registry speaks nothing else.
    let o = skiff_tls(
        &env,
        None,
        &format!("push --tls-verify=false {image}"),
        None,
    );
    assert_success(&o, "push --tls-verify=false over TLS");
    assert!(
        stdout(&o).contains(&format!(
            "The push refers to repository [{}/tls/busybox]",
            reg.name
        )),
        "{}",
        stdout(&o)
    );

    // Gone from the store, pulled back verified, and it runs.
    env.skiff_ok(&["rmi", &image]);
    let o = skiff_tls(&env, ca, &format!("pull {image}"), None);
    assert_success(&o, "pull over verified TLS");
    let out = env.skiff_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        &image,
        "echo",
        "over tls",
    ]);
    assert_eq!(out, "over tls\n");
    // And unverified too, as a fresh pull of the same image.
    env.skiff_ok(&["rmi", &image]);
    let o = skiff_tls(
        &env,
        None,
        &format!("pull --tls-verify=false {image}"),
        None,
    );
    assert_success(&o, "pull --tls-verify=false over TLS");
    assert!(
        env.skiff_ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"])
            .lines()
            .any(|l| l == image),
        "pulled image not listed"
    );
}
