//! The HTTP client builder every registry request, `search` and a build's `ADD URL` start from:
//! TLS through rustls with ring as its cryptography.
//!
//! reqwest's own `rustls` feature brings aws-lc, a C library whose constructor identifies the
//! CPU (`cpuid` traps to the hypervisor in a VM) and whose tables the dynamic loader relocates
//! at the start of every command, `ps` and `exec` included, whether or not it talks to a
//! registry. With `rustls-no-provider`, reqwest takes the process's default provider, which is
//! installed here, just before the first client is built (docs/performance.md, "Start-up
//! (tenth session)").

/// A new blocking client builder, with ring installed as rustls's provider.
pub fn client_builder() -> reqwest::blocking::ClientBuilder {
    install_ring();
    reqwest::blocking::Client::builder()
}

/// rustls's process-wide default provider, once. Another provider installed first (nobody in
/// skiff does) would stay: `install_default` refuses a second one, which is not an error here.
fn install_ring() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
