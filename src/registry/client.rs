//! A blocking registry client for one repository: manifests, blobs, auth, retries.
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use oci_spec::image::{Descriptor, ImageIndex, ImageManifest};
use reqwest::blocking::{Client as Http, RequestBuilder, Response};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use sha2::Digest as _;

use super::auth::{self, Credentials};
use super::RegistryError;

const MEDIA_DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const MEDIA_DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const MEDIA_OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const MEDIA_OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

const ATTEMPTS: u32 = 3;
/// Manifests and tag lists bigger than this are refused (containerd's limit).
const MAX_MANIFEST: usize = 4 * 1024 * 1024;
/// Sending one request body of a blob upload (a chunk, or a small blob whole) and getting the
/// answer: generous, as the read timeout would cut slow links.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(3600);

/// A fetched manifest: an image manifest, or a list / index to resolve to one platform.
#[derive(Debug)]
pub enum Manifest {
    Image(Box<ImageManifest>),
    Index(Box<ImageIndex>),
}

/// A client for one repository of one registry.
#[derive(Debug)]
pub struct Client {
    http: Http,
    /// The registry as named in references (`docker.io`, `localhost:5000`).
    registry: String,
    /// `https://registry-1.docker.io`, `http://localhost:5000`.
    base: String,
    repository: String,
    creds: Option<Credentials>,
    /// The Authorization header value in use, once a challenge was answered.
    authorization: Mutex<Option<String>>,
    /// `login`: ask the token server for a refresh token too (docker's offline access).
    offline: bool,
    /// The refresh token the token server gave (docker's identity token).
    refresh_token: Mutex<Option<String>>,
}

/// docker's rule: plain HTTP for loopback registries.
/// Whether `registry` is on this host (spoken to over plain HTTP, as docker does).
pub fn is_loopback_registry(registry: &str) -> bool {
    is_loopback(registry)
}

fn is_loopback(registry: &str) -> bool {
    let host = if let Some(rest) = registry.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        registry.split(':').next().unwrap_or(registry)
    };
    host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// The host the registry API lives on (`docker.io` is served by `registry-1.docker.io`).
pub fn api_host(registry: &str) -> &str {
    if registry == "docker.io" {
        "registry-1.docker.io"
    } else {
        registry
    }
}

/// A short, human reason for a transport error ("connection refused").
fn transport_reason(e: &reqwest::Error) -> String {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut last = e.to_string();
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return "connection refused".into(),
                std::io::ErrorKind::ConnectionReset => return "connection reset by peer".into(),
                std::io::ErrorKind::TimedOut => return "connection timed out".into(),
                _ => {}
            }
        }
        last = err.to_string();
        cur = err.source();
    }
    if e.is_timeout() {
        return "timed out".into();
    }
    last
}

fn transient(e: &reqwest::Error) -> bool {
    e.is_connect() || e.is_timeout() || e.is_request() || e.is_body()
}

/// The `errors[0].code: message` of a registry error body, or the raw body.
fn error_reason(body: &str) -> String {
    let parsed: Option<String> = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            let e = v.get("errors")?.get(0)?;
            let code = e
                .get("code")?
                .as_str()?
                .to_ascii_lowercase()
                .replace('_', " ");
            let msg = e.get("message").and_then(|m| m.as_str()).unwrap_or("");
            Some(if msg.is_empty() || msg == code {
                code
            } else {
                msg.to_string()
            })
        });
    parsed.unwrap_or_else(|| {
        let t = body.trim();
        if t.is_empty() {
            "no details".into()
        } else {
            t.chars().take(200).collect()
        }
    })
}

fn backoff(attempt: u32) {
    std::thread::sleep(Duration::from_millis(250 << attempt));
}

impl Client {
    /// A client for `registry/repository`. `tls_verify = false` accepts unverified TLS and
    /// falls back to plain HTTP.
    pub fn new(
        registry: &str,
        repository: &str,
        tls_verify: bool,
    ) -> Result<Client, RegistryError> {
        let http = super::http::client_builder()
            .user_agent(concat!("skiff/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(30))
            // Per operation with the blocking client: waiting for the response and each read
            // of its body, not the whole transfer (a registry that stops sending data ends
            // the pull instead of hanging it; uploads set their own).
            .timeout(crate::limits::registry_read_timeout())
            .danger_accept_invalid_certs(!tls_verify)
            .build()
            .map_err(|e| RegistryError::Connect {
                registry: registry.to_string(),
                reason: transport_reason(&e),
            })?;
        let host = api_host(registry);
        let scheme = if is_loopback(registry) {
            "http"
        } else {
            "https"
        };
        let mut client = Client {
            http,
            registry: registry.to_string(),
            base: format!("{scheme}://{host}"),
            repository: repository.to_string(),
            creds: auth::credentials_for(registry),
            authorization: Mutex::new(None),
            offline: false,
            refresh_token: Mutex::new(None),
        };
        if !tls_verify && scheme == "https" {
            // An insecure registry: HTTPS if it answers, else plain HTTP.
            let ping = client.http.get(format!("{}/v2/", client.base)).send();
            if ping.is_err() {
                client.base = format!("http://{host}");
            }
        }
        Ok(client)
    }

    pub fn registry(&self) -> &str {
        &self.registry
    }

    fn url(&self, kind: &str, reference: &str) -> String {
        format!("{}/v2/{}/{kind}/{reference}", self.base, self.repository)
    }

    fn current_auth(&self) -> Option<String> {
        self.authorization.lock().ok().and_then(|a| a.clone())
    }

    /// Send a request, answering one auth challenge and retrying transient failures.
    fn send(&self, build: &dyn Fn(&Http) -> RequestBuilder) -> Result<Response, RegistryError> {
        let mut challenged = false;
        let mut attempt = 0;
        loop {
            let mut req = build(&self.http);
            if let Some(a) = self.current_auth() {
                req = req.header(AUTHORIZATION, a);
            }
            match req.send() {
                Ok(resp) if resp.status() == StatusCode::UNAUTHORIZED && !challenged => {
                    challenged = true;
                    let challenge = resp
                        .headers()
                        .get(WWW_AUTHENTICATE)
                        .and_then(|h| h.to_str().ok())
                        .and_then(auth::parse_challenge);
                    match challenge {
                        Some(c) if self.answer(&c)? => continue,
                        _ => return Ok(resp),
                    }
                }
                Ok(resp) if resp.status().is_server_error() && attempt + 1 < ATTEMPTS => {
                    tracing::debug!(status = %resp.status(), "registry error, retrying");
                    backoff(attempt);
                    attempt += 1;
                }
                Ok(resp) => return Ok(resp),
                Err(e) if transient(&e) && attempt + 1 < ATTEMPTS => {
                    tracing::debug!("registry request failed, retrying: {e}");
                    backoff(attempt);
                    attempt += 1;
                }
                Err(e) => {
                    return Err(RegistryError::Connect {
                        registry: self.registry.clone(),
                        reason: transport_reason(&e),
                    })
                }
            }
        }
    }

    /// Answer an auth challenge; false when there is nothing to answer it with.
    fn answer(&self, c: &auth::Challenge) -> Result<bool, RegistryError> {
        let header = match c.scheme.as_str() {
            "basic" => match &self.creds {
                Some(cr) if !cr.is_identity_token() => cr.basic_header(),
                _ => return Ok(false),
            },
            "bearer" => format!("Bearer {}", self.fetch_token(c)?),
            _ => return Ok(false),
        };
        if let Ok(mut a) = self.authorization.lock() {
            *a = Some(header);
        }
        Ok(true)
    }

    /// The bearer-token flow: GET realm?service=..&scope=repository:REPO:pull.
    fn fetch_token(&self, c: &auth::Challenge) -> Result<String, RegistryError> {
        let auth_err = |reason: String| RegistryError::Auth {
            registry: self.registry.clone(),
            reason,
        };
        let realm = c
            .params
            .get("realm")
            .ok_or_else(|| auth_err("bearer challenge without a realm".into()))?;
        let scope = c.params.get("scope").cloned().or_else(|| {
            (!self.repository.is_empty()).then(|| format!("repository:{}:pull", self.repository))
        });
        let mut query: Vec<(&str, String)> = scope.map(|s| ("scope", s)).into_iter().collect();
        if let Some(s) = c.params.get("service") {
            query.push(("service", s.clone()));
        }
        let mut url = reqwest::Url::parse(realm)
            .map_err(|e| auth_err(format!("bad realm {realm:?}: {e}")))?;
        url.query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        let req = match &self.creds {
            // docker's OAuth2 refresh: POST the identity token as a refresh token.
            Some(cr) if cr.is_identity_token() => {
                let mut form: Vec<(&str, &str)> = vec![
                    ("grant_type", "refresh_token"),
                    ("refresh_token", cr.password.as_str()),
                    ("client_id", "docker"),
                ];
                form.extend(query.iter().map(|(k, v)| (*k, v.as_str())));
                let body = form
                    .iter()
                    .map(|(k, v)| format!("{k}={}", form_encode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                url.set_query(None);
                self.http
                    .post(url)
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(body)
            }
            Some(cr) => {
                if self.offline {
                    url.query_pairs_mut()
                        .append_pair("offline_token", "true")
                        .append_pair("client_id", "docker");
                }
                self.http.get(url).header(AUTHORIZATION, cr.basic_header())
            }
            None => self.http.get(url),
        };
        let resp = req.send().map_err(|e| auth_err(transport_reason(&e)))?;
        let status = resp.status();
        let body = resp.text().unwrap_or_default();
        if !status.is_success() {
            return Err(auth_err(format!(
                "token server answered {status}: {}",
                error_reason(&body)
            )));
        }
        let v: serde_json::Value = serde_json::from_str(&body)
            .map_err(|e| auth_err(format!("bad token response: {e}")))?;
        if let Some(r) = v
            .get("refresh_token")
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
        {
            if let Ok(mut slot) = self.refresh_token.lock() {
                *slot = Some(r.to_string());
            }
        }
        v.get("token")
            .or_else(|| v.get("access_token"))
            .and_then(|t| t.as_str())
            .map(str::to_string)
            .ok_or_else(|| auth_err("the token response has no token".into()))
    }

    fn status_error(&self, what: &str, reference: &str, resp: Response) -> RegistryError {
        let status = resp.status();
        let body = resp.text().unwrap_or_default();
        let reason = error_reason(&body);
        match status {
            StatusCode::NOT_FOUND => RegistryError::ManifestNotFound {
                reference: reference.to_string(),
                reason,
            },
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => RegistryError::Denied {
                repository: reference.to_string(),
                reason,
            },
            _ => RegistryError::Http {
                registry: self.registry.clone(),
                what: what.to_string(),
                status: status.as_u16(),
                reason,
            },
        }
    }

    /// GET a manifest by tag or digest. Returns the parsed manifest, its raw bytes and their
    /// digest (checked against `reference` when that is a digest). `display` names the image
    /// in errors.
    pub fn manifest(
        &self,
        reference: &str,
        display: &str,
    ) -> Result<(Manifest, Vec<u8>, String), RegistryError> {
        let url = self.url("manifests", reference);
        let accept = [
            MEDIA_OCI_INDEX,
            MEDIA_DOCKER_LIST,
            MEDIA_OCI_MANIFEST,
            MEDIA_DOCKER_MANIFEST,
        ]
        .join(", ");
        let resp = self.send(&|h| h.get(&url).header(ACCEPT, &accept))?;
        if !resp.status().is_success() {
            let e = self.status_error("manifest", display, resp);
            return Err(match e {
                RegistryError::Denied { reason, .. } if reason.contains("unknown") => {
                    RegistryError::ManifestNotFound {
                        reference: display.to_string(),
                        reason,
                    }
                }
                e => e,
            });
        }
        let media_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let bytes = self.read_bounded(resp, "manifest", display)?;
        let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(&bytes)));
        if reference.starts_with("sha256:") && reference != digest {
            return Err(RegistryError::DigestMismatch {
                what: format!("manifest of {display}"),
                expected: reference.to_string(),
                actual: digest,
            });
        }
        let bad = |reason: String| RegistryError::BadManifest {
            reference: display.to_string(),
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        let body_type = value
            .get("mediaType")
            .and_then(|m| m.as_str())
            .unwrap_or("");
        let is_index = [MEDIA_OCI_INDEX, MEDIA_DOCKER_LIST].contains(&media_type.as_str())
            || [MEDIA_OCI_INDEX, MEDIA_DOCKER_LIST].contains(&body_type)
            || (value.get("manifests").is_some() && value.get("layers").is_none());
        let manifest = if is_index {
            Manifest::Index(Box::new(
                serde_json::from_value(value).map_err(|e| bad(e.to_string()))?,
            ))
        } else {
            if value.get("schemaVersion").and_then(|v| v.as_u64()) == Some(1) {
                return Err(bad("schema 1 manifests are not supported".into()));
            }
            Manifest::Image(Box::new(
                serde_json::from_value(value).map_err(|e| bad(e.to_string()))?,
            ))
        };
        Ok((manifest, bytes, digest))
    }

    /// Read a response body of at most [`MAX_MANIFEST`] bytes.
    fn read_bounded(
        &self,
        resp: Response,
        what: &str,
        display: &str,
    ) -> Result<Vec<u8>, RegistryError> {
        let too_big = || RegistryError::BadManifest {
            reference: display.to_string(),
            reason: format!("the {what} is over {} bytes", MAX_MANIFEST),
        };
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_MANIFEST as u64)
        {
            return Err(too_big());
        }
        let mut bytes = Vec::new();
        resp.take(MAX_MANIFEST as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| RegistryError::Connect {
                registry: self.registry.clone(),
                reason: format!("reading the {what}: {e}"),
            })?;
        if bytes.len() > MAX_MANIFEST {
            return Err(too_big());
        }
        Ok(bytes)
    }

    /// GET a small blob (a config) into memory, verifying size and digest.
    pub fn blob_bytes(&self, desc: &Descriptor, what: &str) -> Result<Vec<u8>, RegistryError> {
        let mut out = Vec::new();
        self.blob_into(desc, what, &mut out, &mut |_| true)?;
        Ok(out)
    }

    /// Download a blob into `dest`: written to `partial` (created or truncated: the caller
    /// holds the blob's lock, so nobody else writes it), hashed while it streams, renamed to
    /// `dest` once size and digest match; on failure `partial` is removed. `progress` gets the
    /// byte count so far, and stops the download (`Cancelled`) by answering false.
    pub fn blob_to_file(
        &self,
        desc: &Descriptor,
        what: &str,
        partial: &Path,
        dest: &Path,
        progress: &mut dyn FnMut(u64) -> bool,
    ) -> Result<(), RegistryError> {
        let io_err = |context: String| move |source| RegistryError::Io { context, source };
        let mut attempt = 0;
        loop {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(true)
                .open(partial)
                .map_err(io_err(format!("creating {}", partial.display())))?;
            // Not synced here: the pull syncs the file system once, after all its blobs and
            // layers are written (see `image::unpack::commit_all`).
            let res = self
                .blob_into(desc, what, &mut file, progress)
                .and_then(|()| {
                    std::fs::rename(partial, dest)
                        .map_err(io_err(format!("storing {what} as {}", dest.display())))
                });
            match res {
                Ok(()) => return Ok(()),
                Err(RegistryError::Connect { .. }) if attempt + 1 < ATTEMPTS => {
                    // A connection dropped mid-body: start over.
                    backoff(attempt);
                    attempt += 1;
                }
                Err(e) => {
                    let _ = std::fs::remove_file(partial);
                    return Err(e);
                }
            }
        }
    }

    /// Download a blob into `partial` and, as it streams, into `also` (the layer's unpacker);
    /// once its size and digest are verified, rename it to `dest`. One attempt: a connection
    /// dropped mid-body is an error (bytes already went to `also`: the caller starts over).
    pub fn blob_to_file_and(
        &self,
        desc: &Descriptor,
        what: &str,
        partial: &Path,
        dest: &Path,
        also: &mut dyn Write,
        progress: &mut dyn FnMut(u64) -> bool,
    ) -> Result<(), RegistryError> {
        let io_err = |context: String| move |source| RegistryError::Io { context, source };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(partial)
            .map_err(io_err(format!("creating {}", partial.display())))?;
        let mut tee = Tee { file, also };
        let res = self
            .blob_into(desc, what, &mut tee, progress)
            .and_then(|()| {
                // The disk gets the blob while the layers unpack; the pull's one `syncfs`
                // then has less to wait for.
                crate::sys::fd::start_writeback(std::os::fd::AsFd::as_fd(&tee.file));
                std::fs::rename(partial, dest)
                    .map_err(io_err(format!("storing {what} as {}", dest.display())))
            });
        if res.is_err() {
            let _ = std::fs::remove_file(partial);
        }
        res
    }

    /// Every tag of the repository (`GET /v2/<name>/tags/list`, following `Link` pages).
    pub fn tags(&self, display: &str) -> Result<Vec<String>, RegistryError> {
        let mut url = format!("{}/v2/{}/tags/list", self.base, self.repository);
        let mut tags = Vec::new();
        for _page in 0..1000 {
            let resp = self.send(&|h| h.get(&url))?;
            if !resp.status().is_success() {
                return Err(self.status_error("tags list", display, resp));
            }
            let next = resp
                .headers()
                .get(reqwest::header::LINK)
                .and_then(|l| l.to_str().ok())
                .and_then(next_link)
                .map(|l| self.absolute(&l));
            let body = self.read_bounded(resp, "tags list", display)?;
            let v: serde_json::Value =
                serde_json::from_slice(&body).map_err(|e| RegistryError::BadManifest {
                    reference: display.to_string(),
                    reason: format!("bad tags list: {e}"),
                })?;
            if let Some(list) = v.get("tags").and_then(|t| t.as_array()) {
                tags.extend(list.iter().filter_map(|t| t.as_str()).map(str::to_string));
            }
            match next {
                Some(n) => url = n,
                None => break,
            }
        }
        Ok(tags)
    }

    fn blob_into(
        &self,
        desc: &Descriptor,
        what: &str,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64) -> bool,
    ) -> Result<(), RegistryError> {
        let digest = desc.digest().to_string();
        let url = self.url("blobs", &digest);
        let mut resp = self.send(&|h| h.get(&url))?;
        if !resp.status().is_success() {
            return Err(match self.status_error(what, &digest, resp) {
                RegistryError::ManifestNotFound { reason, .. } => RegistryError::Http {
                    registry: self.registry.clone(),
                    what: format!("{what} {digest}"),
                    status: 404,
                    reason,
                },
                e => e,
            });
        }
        let expected = desc.size();
        let mut hasher = sha2::Sha256::new();
        let mut total: u64 = 0;
        let mut buf = vec![0u8; 128 * 1024];
        loop {
            let n = match resp.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(RegistryError::Connect {
                        registry: self.registry.clone(),
                        reason: format!("reading {what}: {e}"),
                    })
                }
            };
            total += n as u64;
            if total > expected {
                return Err(RegistryError::SizeMismatch {
                    what: format!("{what} {digest}"),
                    expected,
                    actual: total,
                });
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(|source| RegistryError::Io {
                    context: format!("writing {what}"),
                    source,
                })?;
            if !progress(total) {
                return Err(RegistryError::Cancelled);
            }
        }
        if total != expected {
            return Err(RegistryError::SizeMismatch {
                what: format!("{what} {digest}"),
                expected,
                actual: total,
            });
        }
        let actual = format!("sha256:{}", hex::encode(hasher.finalize()));
        if actual != digest {
            return Err(RegistryError::DigestMismatch {
                what: format!("{what} {digest}"),
                expected: digest,
                actual,
            });
        }
        Ok(())
    }
}

/// Writes to a file and to a second writer.
struct Tee<'a> {
    file: std::fs::File,
    also: &'a mut dyn Write,
}

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write_all(buf)?;
        self.also.write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// The target of a `Link: <...>; rel="next"` header.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"")
            .then(|| {
                target
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

/// Blobs up to this size go up in one PUT; bigger ones in PATCH chunks of this size.
const CHUNK: u64 = 16 * 1024 * 1024;

impl Client {
    /// An absolute URL for a `Location` header (which may be relative to the registry).
    fn absolute(&self, location: &str) -> String {
        if location.starts_with("http://") || location.starts_with("https://") {
            location.to_string()
        } else {
            format!("{}{location}", self.base)
        }
    }

    /// The error for a failed push step: 401/403 name the registry and say so.
    fn push_error(&self, what: &str, resp: Response) -> RegistryError {
        let status = resp.status();
        let reason = error_reason(&resp.text().unwrap_or_default());
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => RegistryError::PushDenied {
                registry: self.registry.clone(),
                repository: self.repository.clone(),
                reason,
            },
            _ => RegistryError::Http {
                registry: self.registry.clone(),
                what: what.to_string(),
                status: status.as_u16(),
                reason,
            },
        }
    }

    /// Ask for a push-scoped token up front (a pull token does not allow uploads).
    pub fn check_push_access(&self) -> Result<(), RegistryError> {
        let url = format!("{}/v2/", self.base);
        let resp = self.send(&|h| h.get(&url))?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            return Err(self.push_error("authentication", resp));
        }
        Ok(())
    }

    /// Does the repository have this blob?
    pub fn blob_exists(&self, digest: &str) -> Result<bool, RegistryError> {
        let url = self.url("blobs", digest);
        let resp = self.send(&|h| h.head(&url))?;
        match resp.status() {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(self.push_error("blob check", resp)),
        }
    }

    /// Start an upload, mounting the blob from `from` (a repository of the same registry) when
    /// given. Ok(None) when the mount worked, else the upload location.
    fn start_upload(
        &self,
        digest: &str,
        from: Option<&str>,
    ) -> Result<Option<String>, RegistryError> {
        let mut url = format!("{}/v2/{}/blobs/uploads/", self.base, self.repository);
        if let Some(f) = from {
            url.push_str(&format!("?mount={digest}&from={f}"));
        }
        let resp = self.send(&|h| h.post(&url).header(reqwest::header::CONTENT_LENGTH, "0"))?;
        match resp.status() {
            StatusCode::CREATED if from.is_some() => Ok(None),
            StatusCode::ACCEPTED | StatusCode::CREATED => resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(|l| Some(self.absolute(l)))
                .ok_or_else(|| RegistryError::Http {
                    registry: self.registry.clone(),
                    what: "blob upload".into(),
                    status: resp.status().as_u16(),
                    reason: "no Location header".into(),
                }),
            _ => Err(self.push_error("blob upload", resp)),
        }
    }

    /// Try a cross-repository mount of `digest` from repository `from`; true when it worked.
    pub fn mount_blob(&self, digest: &str, from: &str) -> Result<bool, RegistryError> {
        Ok(self.start_upload(digest, Some(from))?.is_none())
    }

    /// Upload a blob from a file: one PUT when small, PATCH chunks then a closing PUT when big.
    pub fn upload_blob(&self, digest: &str, path: &Path, size: u64) -> Result<(), RegistryError> {
        let io_err = |source| RegistryError::Io {
            context: format!("reading {}", path.display()),
            source,
        };
        let Some(mut location) = self.start_upload(digest, None)? else {
            return Ok(());
        };
        let with_digest = |loc: &str| {
            let sep = if loc.contains('?') { '&' } else { '?' };
            format!("{loc}{sep}digest={digest}")
        };
        if size <= CHUNK {
            let data = std::fs::read(path).map_err(io_err)?;
            let url = with_digest(&location);
            let resp = self.send(&|h| {
                h.put(&url)
                    .header(CONTENT_TYPE, "application/octet-stream")
                    .timeout(UPLOAD_TIMEOUT)
                    .body(data.clone())
            })?;
            if !resp.status().is_success() {
                return Err(self.push_error("blob upload", resp));
            }
            return Ok(());
        }
        let mut file = std::fs::File::open(path).map_err(io_err)?;
        let mut offset = 0u64;
        while offset < size {
            let n = CHUNK.min(size - offset);
            let mut chunk = vec![0u8; usize::try_from(n).unwrap_or(0)];
            file.read_exact(&mut chunk).map_err(io_err)?;
            let range = format!("{}-{}", offset, offset + n - 1);
            let url = location.clone();
            let resp = self.send(&|h| {
                h.patch(&url)
                    .header(CONTENT_TYPE, "application/octet-stream")
                    .timeout(UPLOAD_TIMEOUT)
                    .header(reqwest::header::CONTENT_RANGE, &range)
                    .body(chunk.clone())
            })?;
            if resp.status() != StatusCode::ACCEPTED {
                return Err(self.push_error("blob upload", resp));
            }
            if let Some(l) = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
            {
                location = self.absolute(l);
            }
            offset += n;
        }
        let url = with_digest(&location);
        let resp = self.send(&|h| h.put(&url).header(reqwest::header::CONTENT_LENGTH, "0"))?;
        if !resp.status().is_success() {
            return Err(self.push_error("blob upload", resp));
        }
        Ok(())
    }

    /// PUT a manifest under a tag (or digest); returns the digest the registry reports.
    pub fn put_manifest(
        &self,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<String, RegistryError> {
        let url = self.url("manifests", reference);
        let resp = self.send(&|h| {
            h.put(&url)
                .header(CONTENT_TYPE, media_type)
                .body(bytes.to_vec())
        })?;
        if !resp.status().is_success() {
            return Err(self.push_error("manifest upload", resp));
        }
        Ok(format!(
            "sha256:{}",
            hex::encode(sha2::Sha256::digest(bytes))
        ))
    }

    /// `GET /v2/` with the given credentials: Ok when the registry accepts them, with the
    /// identity token (a refresh token) a token server gave for them, as docker's login asks
    /// for one (`offline_token=true`, `client_id=docker`).
    pub fn check_login(mut self) -> Result<Option<String>, RegistryError> {
        self.offline = true;
        let url = format!("{}/v2/", self.base);
        let resp = self.send(&|h| h.get(&url))?;
        match resp.status() {
            s if s.is_success() => Ok(self.refresh_token.lock().ok().and_then(|mut t| t.take())),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(RegistryError::Auth {
                registry: self.registry.clone(),
                reason: "unauthorized: incorrect username or password".into(),
            }),
            _ => Err(self.push_error("login", resp)),
        }
    }

    /// The registry's search (the v1 `GET /v1/search?q=TERM&n=LIMIT` docker's daemon uses;
    /// Docker Hub answers it at index.docker.io): its `results`. A registry without it
    /// (the v2 distribution registry) gets docker's "Unexpected status code".
    pub fn search(&self, term: &str, limit: u32) -> Result<serde_json::Value, RegistryError> {
        let base = if self.registry == "docker.io" {
            "https://index.docker.io".to_string()
        } else {
            self.base.clone()
        };
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("q", term)
            .append_pair("n", &limit.to_string())
            .finish();
        let url = format!("{base}/v1/search?{query}");
        let resp = self.send(&|h| h.get(&url))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(RegistryError::Http {
                registry: self.registry.clone(),
                what: "search".into(),
                status: status.as_u16(),
                reason: format!("Unexpected status code {}", status.as_u16()),
            });
        }
        let body: serde_json::Value = resp.json().map_err(|e| RegistryError::Http {
            registry: self.registry.clone(),
            what: "search".into(),
            status: status.as_u16(),
            reason: format!("reading the search results: {e}"),
        })?;
        Ok(body["results"].clone())
    }

    /// Use these credentials instead of the stored ones (login).
    pub fn with_credentials(mut self, creds: Credentials) -> Client {
        self.creds = Some(creds);
        self
    }
}

/// `application/x-www-form-urlencoded` encoding of one value (unreserved bytes kept).
fn form_encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_rule() {
        assert!(is_loopback("localhost:5000"));
        assert!(is_loopback("127.0.0.1:5000"));
        assert!(is_loopback("127.1.2.3"));
        assert!(is_loopback("[::1]:5000"));
        assert!(!is_loopback("docker.io"));
        assert!(!is_loopback("10.0.0.1:5000"));
        assert_eq!(api_host("docker.io"), "registry-1.docker.io");
    }

    #[test]
    fn link_header() {
        assert_eq!(
            next_link(r#"</v2/x/tags/list?last=b&n=2>; rel="next""#).as_deref(),
            Some("/v2/x/tags/list?last=b&n=2")
        );
        assert_eq!(next_link(r#"<http://a/b>; rel="prev""#), None);
    }

    #[test]
    fn registry_error_reason() {
        assert_eq!(
            error_reason(
                r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}"#
            ),
            "manifest unknown"
        );
        assert_eq!(error_reason(""), "no details");
    }
}
